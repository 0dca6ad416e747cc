// Start: load the module, its catalogs and its scenario schema, build the form, show the link's scenario.
// Part of the page's bundle (web/build.mjs joins web/page/*.js in one closure; see web/page/README.md).

function fatal(message) {
  const status = $('load-status');
  status.textContent = message;
  status.classList.add('notice', 'notice-error');
  status.setAttribute('role', 'alert');
}

// The module's schema() or gpus() as web/build.mjs wrote it into the page (a JSON data block, id
// vramplan-schema or vramplan-gpus) as an ok result; null outside a built page.
function embeddedResult(id) {
  const block = document.getElementById(id);
  if (!block) return null;
  try { return { ok: true, value: JSON.parse(block.textContent) }; } catch (e) { return null; }
}

function start() {
  if (!window.Vramplan) { fatal('The calculator could not start: its script is missing from this page.'); return; }
  // In a built page the schema and the GPU catalog are data blocks: the link's scenario is read while the module
  // compiles, and the module's first call is the first estimate (docs/benchmarks.md "first result", "page5").
  const embedded = embeddedResult('vramplan-schema');
  const embeddedGpus = embeddedResult('vramplan-gpus');
  if (embedded) {
    useSchema(embedded.value);
    readFragment();
  }
  window.Vramplan.load().then((api) => {
    performance.mark('vramplan-module-ready');
    state.api = api;
    const gpus = embeddedGpus || api.gpus();
    const schema = embedded || api.schema();
    const failed = [gpus, schema].find((r) => !r.ok);
    if (failed) { fatal('The calculator could not read its catalogs: ' + failed.error.line); return; }
    // The scenario's defaults, fields and link format come from the core's scenario schema.
    if (!embedded) { useSchema(schema.value); readFragment(); }
    state.gpus = gpus.value.gpus || [];
    $('load-status').hidden = true;
    $('main').hidden = false;
    // The answer comes first (docs/benchmarks.md "first result"): the link's scenario is estimated and drawn
    // before the form is built; the form, its events and then the heavier panes follow in later tasks, in
    // that order (update() queues the panes after this).
    setTimeout(buildFormAfterFirstResult, 0);
    update();
    renderShare();
  }, (e) => fatal('The calculator could not start: ' + (e && e.message ? e.message : String(e))));
}

// The form (built from the schema), its catalog lists and its events, once the first result is on screen.
function buildFormAfterFirstResult() {
  buildForm();
  fillCatalogControls();
  bindEvents();
  renderForm();
  // A link with a bad value: its error is shown again now that the setting it names has a control.
  if (!state.result) { state.drawn = null; update(); }
  // The model catalog (the search list and the model's one-line description) is not needed for the
  // first result: the module reads catalog ids itself.
  setTimeout(() => {
    const models = state.api.models();
    if (!models.ok) { fatal('The calculator could not read its model catalog: ' + models.error.line); return; }
    state.models = models.value.models || [];
    fillModelList();
    renderModelInfo();
  }, 0);
}

// A read-only handle for pages that embed this one and for the browser tests.
window.vramplanPage = Object.freeze({ scenario: () => clone(state.scenario), timeWords: (time) => timeWords(time), runWords: (time) => runWords(time) });

start();
