// Prepended to the module's code (emcc --pre-js), inside the factory function.
//
// The wasm is inlined as a base64 data: URL (-sSINGLE_FILE=1). Emscripten 3.1.6 still tries
// fetch() on that URL in browsers and only decodes it itself after the fetch fails; under the page's
// Content-Security-Policy (no connect-src) that failure is logged as a console error, and under
// node 18+ the fetch fails outright (docs/toolchain.md pitfall 4). This module never needs fetch, so
// the name is shadowed for the module's own code: it decodes the inlined wasm directly.
// eslint-disable-next-line no-var, no-unused-vars
var fetch = undefined;

// The module exports two embind functions, callOne(call, text) and callThree(call, a, b, c), that run an entry
// point by its number (wasm/bindings.cpp `Call`: two invokers for embind to build at start-up instead of one
// per entry point, each made with `new Function` on the way to the page's first result). The named functions
// (estimate, recommend, ...) are defined here, in the order of `Call`, with their number of arguments: a call
// with another count throws a TypeError, and an argument that is not a string throws embind's BindingError.
//
// Results leave the module as a Uint8Array view of its memory holding UTF-8 JSON text (wasm/bindings.cpp
// text_result); each named function decodes that view with one TextDecoder call and returns the string.
// embind's std::string return instead scans every byte in JavaScript, twice, before decoding: for a 5 KB
// estimate that took about 15 us of the call (docs/benchmarks.md). The functions are installed when the runtime
// is initialised (the embind functions exist from then on), before the factory's promise resolves, and any
// onRuntimeInitialized the caller passed still runs after them.
(function () {
  var kCalls = [['estimate', 1], ['recommend', 1], ['sweep', 2], ['config', 2], ['importConfig', 3], ['params', 1],
    ['paramsForModel', 1], ['models', 0], ['gpus', 0], ['schema', 0], ['version', 0]];
  var callerInit = Module['onRuntimeInitialized'];
  Module['onRuntimeInitialized'] = function () {
    var decoder = new TextDecoder('utf-8');
    var callOne = Module['callOne'];
    var callThree = Module['callThree'];
    kCalls.forEach(function (entry, call) {
      var name = entry[0];
      var arity = entry[1];
      Module[name] = function (first, second, third) {
        if (arguments.length !== arity) {
          throw new TypeError('function ' + name + ' called with ' + arguments.length + ' arguments, expected ' + arity);
        }
        var view = arity < 2 ? callOne(call, arity ? first : '')
          : callThree(call, first, second, arity > 2 ? third : '');
        return decoder.decode(view);
      };
    });
    if (callerInit) return callerInit.apply(this, arguments);
  };
})();
