// Prepended to the module's code (emcc --pre-js), inside the factory function.
//
// The wasm is inlined as a base64 data: URL (-sSINGLE_FILE=1). Emscripten 3.1.6 still tries
// fetch() on that URL in browsers and only decodes it itself after the fetch fails; under the page's
// Content-Security-Policy (no connect-src) that failure is logged as a console error, and under
// node 18+ the fetch fails outright (docs/toolchain.md pitfall 4). This module never needs fetch, so
// the name is shadowed for the module's own code: it decodes the inlined wasm directly.
// eslint-disable-next-line no-var, no-unused-vars
var fetch = undefined;

// The module exports three plain functions (wasm/bindings.cpp, the end): vramplan_input(size) gives a buffer
// in its memory for a call's arguments, vramplan_call(call, n1, n2, n3) runs entry point `call` (wasm/bindings.cpp
// `Call`) on the n1, n2 and n3 bytes written there one after the other and returns a pointer to its result
// text, vramplan_result_size() that text's byte length. The named functions (estimate, recommend, ...) are
// defined here, in the order of `Call`, with their number of arguments: a call with another count, or with
// an argument that is not a string, throws a TypeError (web/api.js passes only strings).
//
// Arguments are encoded to UTF-8 by one TextEncoder call each (an unpaired surrogate becomes U+FFFD) and
// results decoded by one TextDecoder call over the module's memory. No embind: its runtime and its set-up
// (each type registered, an invoker built with `new Function`) ran on the way to the page's first result
// (docs/benchmarks.md, 2026-12-06 fifth session). The functions are installed when the runtime is
// initialised, before the factory's promise resolves, and any onRuntimeInitialized the caller passed still
// runs after them.
(function () {
  var kCalls = [['estimate', 1], ['recommend', 1], ['sweep', 2], ['config', 2], ['importConfig', 3], ['params', 1],
    ['paramsForModel', 1], ['models', 0], ['gpus', 0], ['schema', 0], ['version', 0]];
  var kOutOfMemory = '{"ok":false,"error":{"pointer":"","message":"out of memory: the input is too large",' +
    '"kind":"internal","line":"error: /: out of memory: the input is too large"}}';
  var callerInit = Module['onRuntimeInitialized'];
  Module['onRuntimeInitialized'] = function () {
    var encoder = new TextEncoder();
    var decoder = new TextDecoder('utf-8');
    var input = Module['_vramplan_input'];
    var run = Module['_vramplan_call'];
    var resultSize = Module['_vramplan_result_size'];
    kCalls.forEach(function (entry, call) {
      var name = entry[0];
      var arity = entry[1];
      Module[name] = function () {
        if (arguments.length !== arity) {
          throw new TypeError('function ' + name + ' called with ' + arguments.length + ' arguments, expected ' + arity);
        }
        var bytes = [];
        var total = 0;
        for (var i = 0; i < arity; i++) {
          if (typeof arguments[i] !== 'string') throw new TypeError('function ' + name + ': argument ' + (i + 1) + ' is not a string');
          bytes.push(encoder.encode(arguments[i]));
          total += bytes[i].length;
        }
        var at = input(total);
        if (!at) return kOutOfMemory;
        // HEAPU8 is read after input(): growing the memory there replaces the view.
        for (i = 0; i < arity; i++) {
          HEAPU8.set(bytes[i], at);
          at += bytes[i].length;
        }
        var text = run(call, arity > 0 ? bytes[0].length : 0, arity > 1 ? bytes[1].length : 0, arity > 2 ? bytes[2].length : 0);
        return decoder.decode(HEAPU8.subarray(text, text + resultSize()));
      };
    });
    if (callerInit) return callerInit.apply(this, arguments);
  };
})();
