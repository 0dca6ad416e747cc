// vramplan's JavaScript API: a thin wrapper over the WebAssembly module (wasm/bindings.cpp).
//
// The module's functions take and return JSON text. This wrapper takes plain objects (or text),
// returns plain result objects, and never throws:
//
//   const api = await Vramplan.load();
//   const r = api.estimate({ model: "Qwen/Qwen2.5-7B-Instruct" });
//   if (r.ok) use(r.value); else show(r.error.line, r.error.pointer);   // kind: invalid_input | not_implemented | internal
//
// It is a classic script (no ES module: Chromium blocks those on file://), and a CommonJS module
// under node, where the tests use it exactly as the page does.
(function (root) {
  'use strict';

  function internalError(message) {
    return { ok: false, error: { pointer: '', message: message, kind: 'internal', line: 'error: /: ' + message } };
  }

  function toText(document) {
    return typeof document === 'string' ? document : JSON.stringify(document);
  }

  // Calls one module function and parses its envelope; a failure of the module itself (which the
  // bindings are written never to let happen) still comes back as an error value.
  function call(fn, args) {
    let text;
    try {
      text = fn.apply(null, args);
    } catch (e) {
      return internalError('the WebAssembly module failed: ' + (e && e.message ? e.message : String(e)));
    }
    try {
      return JSON.parse(text);
    } catch (e) {
      return internalError('the WebAssembly module returned text that is not JSON');
    }
  }

  function wrap(module) {
    return {
      version: function () { return module.version(); },
      // docs/CONTRACT.md "Result of estimate --json".
      estimate: function (scenario) { return call(module.estimate, [toText(scenario)]); },
      // docs/CONTRACT.md "Result of recommend --json".
      recommend: function (scenario) { return call(module.recommend, [toText(scenario)]); },
      // `estimate --sweep`: assignment "train.micro_batch_size=1,2,4" gives {key, points: [{value, device_bytes, ...}]}.
      sweep: function (scenario, assignment) { return call(module.sweep, [toText(scenario), String(assignment)]); },
      // The example config as text; format: nemo-rl, nemo-automodel, verl, trl.
      config: function (scenario, format) { return call(module.config, [toText(scenario), String(format)]); },
      // `import` (docs/configs.md "Import"): a framework config read back. `input`: the parsed YAML tree
      // (an object, see web/import.js) or a command line / launch script (text); `gpu`: a catalog GPU id or ''.
      importConfig: function (format, input, gpu) {
        return call(module.importConfig, [String(format), typeof input === 'string' ? input : JSON.stringify(input), String(gpu || '')]);
      },
      // Parameter counts of a raw Hugging Face config.json (object or text).
      params: function (config) { return call(module.params, [toText(config)]); },
      // Parameter counts of a catalog model, by id (case-insensitive).
      paramsForModel: function (id) { return call(module.paramsForModel, [String(id)]); },
      models: function () { return call(module.models, []); },
      gpus: function () { return call(module.gpus, []); },
      schema: function () { return call(module.schema, []); },
    };
  }

  let loading = null;

  // The page carries the wasm deflated and in base64, in a data block (web/build.mjs moduleForPage): a
  // promise of the compiled WebAssembly.Module, inflated with the browser's DecompressionStream (Chrome 103,
  // Firefox 113, Safari 16.4) as it is read and compiled while it inflates (WebAssembly.compileStreaming);
  // or of undefined outside the page, where the module carries its own wasm.
  function compileEmbedded() {
    const block = root.document && root.document.getElementById('vramplan-wasm');
    const text = block ? block.textContent : '';
    if (!text) return Promise.resolve(undefined);
    if (block.getAttribute('data-encoding') !== 'deflate-raw+base64') {
      return Promise.reject(new Error('the page\'s WebAssembly block has an unknown encoding'));
    }
    if (typeof root.DecompressionStream !== 'function') {
      return Promise.reject(new Error('this browser cannot inflate the page\'s WebAssembly module ' +
        '(DecompressionStream: Chrome 103, Firefox 113, Safari 16.4 or newer)'));
    }
    // A Response over the bytes, not a Blob: a Blob's stream is read through the browser process, whose
    // replies wait for the HTML parser's long tasks, so the inflation used to start only after the parse.
    const stream = new Response(fromBase64(text)).body.pipeThrough(new root.DecompressionStream('deflate-raw'));
    const response = new Response(stream, { headers: { 'Content-Type': 'application/wasm' } });
    if (typeof root.WebAssembly.compileStreaming === 'function') return root.WebAssembly.compileStreaming(response);
    return response.arrayBuffer().then(function (buffer) { return root.WebAssembly.compile(buffer); });
  }

  // The compilation starts as this script runs, which the page places right after the wasm's block and
  // before the module's glue and its own scripts: V8 compiles on its background threads while the main
  // thread parses and runs those (docs/benchmarks.md "first result"). A failure is reported by load(),
  // not as an unhandled rejection before it is called.
  const early = root.document ? new Promise(function (resolve) { resolve(compileEmbedded()); }) : null;
  if (early) early.catch(function () {});

  // Instantiates the factory's module with the compiled wasm, through the factory's instantiateWasm hook.
  function instantiate(make, compiled) {
    if (!compiled) return make();
    return new Promise(function (resolve, reject) {
      make({
        instantiateWasm: function (imports, receive) {
          root.WebAssembly.instantiate(compiled, imports)
            .then(function (instance) { receive(instance, compiled); }, reject);
          return {};
        },
      }).then(resolve, reject);
    });
  }

  // The block's bytes. Uint8Array.fromBase64 (Chrome 140, Firefox 133, Safari 18.2) decodes in one native
  // call; atob and a copy loop over its 460 K characters took 15 to 50 ms of the page's start-up before.
  function fromBase64(text) {
    if (typeof Uint8Array.fromBase64 === 'function') return Uint8Array.fromBase64(text);
    const binary = root.atob(text);
    const packed = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) packed[i] = binary.charCodeAt(i);
    return packed;
  }

  // Instantiates the module once; later calls share the same promise. `factory` defaults to the
  // global createVramplanModule that build/wasm/vramplan.js defines.
  function load(factory) {
    if (!loading) {
      const make = factory || root.createVramplanModule;
      if (typeof make !== 'function') return Promise.reject(new Error('the vramplan WebAssembly module is missing from this page'));
      loading = (early || compileEmbedded())
        .then(function (compiled) { return instantiate(make, compiled); })
        .then(wrap);
    }
    return loading;
  }

  const Vramplan = { load: load, wrap: wrap, toText: toText };
  if (typeof module === 'object' && module.exports) module.exports = Vramplan;
  else root.Vramplan = Vramplan;
})(typeof globalThis !== 'undefined' ? globalThis : this);
