// Prepended to the module's code (emcc --pre-js), inside the factory function.
//
// The wasm is inlined as a base64 data: URL (-sSINGLE_FILE=1). Emscripten 3.1.6 still tries
// fetch() on that URL in browsers and only decodes it itself after the fetch fails; under the page's
// Content-Security-Policy (no connect-src) that failure is logged as a console error, and under
// node 18+ the fetch fails outright (toolchain.md pitfall 4). This module never needs fetch, so
// the name is shadowed for the module's own code: it decodes the inlined wasm directly.
// eslint-disable-next-line no-var, no-unused-vars
var fetch = undefined;
