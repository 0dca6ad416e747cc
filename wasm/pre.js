// Prepended to the module's code (emcc --pre-js), inside the factory function.
//
// The wasm is inlined as a base64 data: URL (-sSINGLE_FILE=1). Emscripten 3.1.6 still tries
// fetch() on that URL in browsers and only decodes it itself after the fetch fails; under the page's
// Content-Security-Policy (no connect-src) that failure is logged as a console error, and under
// node 18+ the fetch fails outright (docs/toolchain.md pitfall 4). This module never needs fetch, so
// the name is shadowed for the module's own code: it decodes the inlined wasm directly.
// eslint-disable-next-line no-var, no-unused-vars
var fetch = undefined;

// Results leave the module as a Uint8Array view of its memory holding UTF-8 JSON text
// (wasm/bindings.cpp text_result); each function is wrapped here, under its own name, to decode that
// view with one TextDecoder call and return the string, as before. embind's std::string return
// instead scans every byte in JavaScript, twice, before decoding: for a 5 KB estimate that took
// about 15 us of the call (docs/benchmarks.md). The wrappers are installed when the runtime is
// initialised (the embind functions exist from then on), before the factory's promise resolves,
// and any onRuntimeInitialized the caller passed still runs after them. Errors embind throws
// (wrong argument count or type) pass through unchanged.
(function () {
  var kTextFunctions = ['estimate', 'recommend', 'sweep', 'config', 'importConfig', 'params', 'paramsForModel', 'models', 'gpus', 'schema'];
  var callerInit = Module['onRuntimeInitialized'];
  Module['onRuntimeInitialized'] = function () {
    var decoder = new TextDecoder('utf-8');
    kTextFunctions.forEach(function (name) {
      var view = Module[name];
      Module[name] = function () {
        return decoder.decode(view.apply(this, arguments));
      };
    });
    if (callerInit) return callerInit.apply(this, arguments);
  };
})();
