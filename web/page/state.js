// The page state, catalog look-ups and the history: every committed change is a new URL fragment.
// Part of the page's bundle (web/build.mjs joins web/page/*.js in one closure; see web/page/README.md).

// The page's view of the core's scenario schema (scenario.js create): set once the module has loaded.
let CORE_DEFAULTS, EXAMPLE, GROUPS, FIELD_PATHS, WORKLOADS, CONFIG_FORMATS, applyRules, fieldMatters, toFragment, fromFragment;
function useSchema(schema) {
  ({ CORE_DEFAULTS, EXAMPLE, GROUPS, FIELD_PATHS, WORKLOADS, CONFIG_FORMATS, applyRules, fieldMatters, toFragment, fromFragment } =
    window.VramplanScenario.create(schema));
}

const state = {
  api: null,
  models: [],       // catalog listing
  gpus: [],         // catalog listing
  scenario: null,   // set from the link once the module has loaded
  embed: false,
  fragment: null,   // the fragment last written or read
  configFormat: 'nemo-rl',
  configDirty: false,  // the example config no longer matches the scenario (results.js renderConfigWhenSeen)
  configSeen: false,
  configObserver: null,
  paramsCache: new Map(),
  constants: new Map(),  // the core's empirical constants by name (the estimate's `constants`)
  later: 0,         // timer of the deferred panes
  drawn: null,      // the scenario (as JSON text) the results show
  result: null,     // its estimate (null while the form holds an error)
  pinned: null,     // {scenario, result} pinned to compare (compare.js)
};

function gpuById(id) {
  if (typeof id !== 'string') return null;
  const low = id.toLowerCase();
  return state.gpus.find((g) => g.id.toLowerCase() === low || (g.aliases || []).some((a) => a.toLowerCase() === low)) || null;
}
function modelById(id) {
  if (typeof id !== 'string') return null;
  const low = id.toLowerCase();
  return state.models.find((m) => m.id.toLowerCase() === low || (m.aliases || []).some((a) => a.toLowerCase() === low)) || null;
}
function customModelName(config) {
  const name = isObject(config) && (config._name_or_path || config.model_type || (config.text_config && config.text_config.model_type));
  return 'config.json: ' + (typeof name === 'string' && name ? name : 'custom model');
}

function commit() {
  const fragment = toFragment(state.scenario, state.embed);
  if (fragment !== state.fragment) {
    state.fragment = fragment;
    history.pushState(null, '', '#' + fragment);
  }
  renderShare();
}

function loadFragment() {
  readFragment();
  renderForm();
  update();
  renderShare();
}

// The link's scenario into state.scenario (the example when the link names none, or names one wrongly).
function readFragment() {
  const raw = location.hash.replace(/^#/, '');
  $('link-error').hidden = true;
  if (raw === '' || raw === 'embed' || (/^[a-z][a-z0-9-]*$/i.test(raw) && document.getElementById(raw))) {
    state.scenario = clone(EXAMPLE);
    state.embed = raw === 'embed';
  } else {
    try {
      const read = fromFragment(raw);
      state.scenario = read.scenario;
      state.embed = read.embed;
    } catch (e) {
      if (!(e instanceof LinkError)) throw e;
      $('link-error-text').textContent = e.message + '. The example scenario is shown instead.';
      $('link-error').hidden = false;
      state.scenario = clone(EXAMPLE);
      state.embed = /^embed(&|$)/.test(raw);
    }
  }
  state.fragment = raw;
  document.body.classList.toggle('embed', state.embed);
  $('open-full').hidden = !state.embed;
}
