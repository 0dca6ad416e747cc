// Events: the form, tabs, copy buttons, Use/Apply buttons and navigation.
// Part of the page's bundle (web/build.mjs joins web/page/*.js in one closure; see web/page/README.md).

function onTabKey(event, tabs, activate) {
  const i = tabs.indexOf(event.target);
  if (i < 0) return;
  let next = null;
  if (event.key === 'ArrowRight' || event.key === 'ArrowDown') next = tabs[(i + 1) % tabs.length];
  else if (event.key === 'ArrowLeft' || event.key === 'ArrowUp') next = tabs[(i - 1 + tabs.length) % tabs.length];
  else if (event.key === 'Home') next = tabs[0];
  else if (event.key === 'End') next = tabs[tabs.length - 1];
  if (!next) return;
  event.preventDefault();
  activate(next);
  next.focus();
}

async function copyFrom(id, button) {
  const source = $(id);
  const text = 'value' in source && source.tagName !== 'PRE' ? source.value : source.textContent;
  let done = false;
  try {
    if (navigator.clipboard && window.isSecureContext) { await navigator.clipboard.writeText(text); done = true; }
  } catch (e) { done = false; }
  if (!done) {
    // Fallback where the Clipboard API is unavailable: select the text and copy it.
    const area = el('textarea', { class: 'visually-hidden', readonly: true });
    area.value = text;
    document.body.append(area);
    area.select();
    try { done = document.execCommand('copy'); } catch (e) { done = false; }
    area.remove();
  }
  const label = button.textContent;
  $('copy-status').textContent = done ? 'Copied to the clipboard.' : 'Could not copy; select the text and copy it by hand.';
  button.textContent = done ? 'Copied' : 'Copy failed';
  setTimeout(() => { button.textContent = label; }, 1500);
}

function bindEvents() {
  $('pin-result').addEventListener('click', pinResult);
  $('compare-unpin').addEventListener('click', unpin);
  $('compare-back').addEventListener('click', backToPinned);
  $('sweep-slider').addEventListener('input', () => onSweepSlider(false));
  $('sweep-slider').addEventListener('change', () => onSweepSlider(true));
  const form = $('scenario-form');
  form.addEventListener('submit', (e) => e.preventDefault());
  form.addEventListener('input', (e) => {
    const c = e.target;
    if (!c.dataset || !c.dataset.path) return;
    if (c.dataset.type === 'model') return;  // committed on change, when the id is complete
    readControl(c);
    if (c.dataset.type === 'bool' || c.dataset.type === 'select' || c.dataset.type === 'gpu') renderForm();
    update();
  });
  form.addEventListener('change', (e) => {
    const c = e.target;
    if (c.id === 'f-model') { onModelChange(); return; }
    if (!c.dataset || !c.dataset.path) return;
    readControl(c);
    renderForm();
    update();
    commit();
  });
  $('f-model').addEventListener('input', () => {
    // Picking from the list fills the whole id: take it at once.
    const entry = modelById($('f-model').value.trim());
    if (entry) onModelChange();
  });
  for (const tab of document.querySelectorAll('#workload-tabs [role=tab]')) {
    tab.addEventListener('click', () => selectWorkload(tab));
  }
  $('workload-tabs').addEventListener('keydown', (e) => onTabKey(e, [...document.querySelectorAll('#workload-tabs [role=tab]')], selectWorkload));
  for (const tab of document.querySelectorAll('#config-tabs [role=tab]')) tab.addEventListener('click', () => selectFormat(tab));
  $('config-tabs').addEventListener('keydown', (e) => onTabKey(e, [...document.querySelectorAll('#config-tabs [role=tab]')], selectFormat));
  bindImport();
  $('use-config').addEventListener('click', () => useConfigText($('f-config-text').value));
  $('f-config-file').addEventListener('change', (e) => readFile(e.target.files && e.target.files[0]));
  const drop = $('custom-config');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('dragging'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('dragging'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('dragging');
    drop.open = true;
    const file = e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files[0];
    if (file) readFile(file);
    else if (e.dataTransfer) { const text = e.dataTransfer.getData('text/plain'); if (text) { $('f-config-text').value = text; useConfigText(text); } }
  });
  $('reset-scenario').addEventListener('click', () => { state.scenario = clone(EXAMPLE); renderForm(); update(); commit(); });
  $('link-error-reset').addEventListener('click', () => { state.scenario = clone(EXAMPLE); $('link-error').hidden = true; renderForm(); update(); commit(); });
  document.addEventListener('click', (e) => {
    // In-page links (the skip link, the error summary's links to fields) move focus; the fragment
    // is the scenario's, so they must not change it.
    const a = e.target.closest ? e.target.closest('a[href^="#"]') : null;
    if (a) {
      const target = document.getElementById(decodeURIComponent(a.getAttribute('href').slice(1)));
      if (target) {
        e.preventDefault();
        const details = target.closest('details');
        if (details) details.open = true;
        target.scrollIntoView({ block: 'center' });
        target.focus({ preventScroll: true });
      }
      return;
    }
    const t = e.target.closest ? e.target.closest('button') : null;
    if (!t) return;
    if (t.dataset.copy) copyFrom(t.dataset.copy, t);
    else if (t.dataset.applyFix) applyFix();
    else if (t.dataset.useGpu) {
      state.scenario.gpu = t.dataset.useGpu;
      if (Number(t.dataset.useCount) > 0) state.scenario.gpus = Number(t.dataset.useCount);
      if (t.dataset.useLayout) merge(state.scenario, layoutPatch(t.dataset.useLayout));
      renderForm(); update(); commit();
    }
    else if (t.dataset.apply !== undefined && state.suggestions) {
      const s = state.suggestions[Number(t.dataset.apply)];
      if (s && isObject(s.scenario_patch)) { merge(state.scenario, s.scenario_patch); renderForm(); update(); commit(); }
    }
  });
  // Back, forward, and links typed or pasted into the address bar. A bare element id (#results)
  // is a place on the page, not a scenario.
  const onNavigate = () => {
    const raw = location.hash.replace(/^#/, '');
    if (raw === state.fragment) return;
    if (/^[a-z][a-z0-9-]*$/i.test(raw) && raw !== 'embed' && document.getElementById(raw)) return;
    loadFragment();
  };
  window.addEventListener('hashchange', onNavigate);
  window.addEventListener('popstate', onNavigate);
}

function onModelChange() {
  const input = $('f-model');
  const text = input.value.trim();
  const current = state.scenario.model;
  if (isObject(current) && text === customModelName(current)) return;
  if (text === '' ) return;
  state.scenario.model = catalogIdOf(text);
  renderForm();
  update();
  commit();
}

function selectWorkload(tab) {
  if (state.scenario.workload === tab.dataset.workload) return;
  useWorkloadDefaults(state.scenario, tab.dataset.workload);
  state.scenario.workload = tab.dataset.workload;
  renderForm();
  update();
  commit();
}

function selectFormat(tab) {
  state.configFormat = tab.dataset.format;
  renderConfig();
}

// Each workload starts from its own defaults: the RL example's settings (batch 8 x 1536, the judge) are the
// core's defaults again on Train and Inference, unless the user changed them (then they are the user's).
// The settings compared are those where the example differs from the core's defaults, each taken at the
// shortest path where one side is not an object (rl.reward_model as a whole).
function exampleFor(workload) { return workload === EXAMPLE.workload ? EXAMPLE : CORE_DEFAULTS; }
function exampleSettings() {
  const core = flatten(CORE_DEFAULTS);
  const paths = new Set();
  for (const [path, v] of flatten(EXAMPLE)) {
    if (['workload', 'model', 'gpu', 'gpus'].includes(path) || JSON.stringify(v) === JSON.stringify(core.get(path))) continue;
    const keys = path.split('.');
    let n = 1;
    while (n < keys.length && isObject(getPath(CORE_DEFAULTS, keys.slice(0, n).join('.'))) && isObject(getPath(EXAMPLE, keys.slice(0, n).join('.')))) n++;
    paths.add(keys.slice(0, n).join('.'));
  }
  return [...paths];
}
function useWorkloadDefaults(s, to) {
  const from = exampleFor(s.workload), next = exampleFor(to);
  if (from === next) return;
  for (const path of exampleSettings()) {
    if (JSON.stringify(getPath(s, path)) !== JSON.stringify(getPath(from, path))) continue;  // the user's value
    const v = getPath(next, path);
    if (v === undefined) { const keys = path.split('.'); const parent = getPath(s, keys.slice(0, -1).join('.')) || s; delete parent[keys[keys.length - 1]]; }
    else setPath(s, path, clone(v));
  }
}
