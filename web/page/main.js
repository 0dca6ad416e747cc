// Start: load the module and its catalogs, then show the scenario in the link.
// Part of the page's bundle (web/build.mjs joins web/page/*.js in one closure; see web/page/README.md).

function fatal(message) {
  const status = $('load-status');
  status.textContent = message;
  status.classList.add('notice', 'notice-error');
  status.setAttribute('role', 'alert');
}

function start() {
  buildForm();
  if (!window.Vramplan) { fatal('The calculator could not start: its script is missing from this page.'); return; }
  window.Vramplan.load().then((api) => {
    performance.mark('vramplan-module-ready');
    state.api = api;
    const models = api.models();
    const gpus = api.gpus();
    if (!models.ok || !gpus.ok) { fatal('The calculator could not read its catalogs: ' + (models.ok ? gpus : models).error.line); return; }
    state.models = models.value.models || [];
    state.gpus = gpus.value.gpus || [];
    fillCatalogControls();
    $('load-status').hidden = true;
    $('main').hidden = false;
    bindEvents();
    loadFragment();
  }, (e) => fatal('The calculator could not start: ' + (e && e.message ? e.message : String(e))));
}

// A read-only handle for pages that embed this one and for the browser tests.
window.vramplanPage = Object.freeze({ scenario: () => clone(state.scenario) });

start();
