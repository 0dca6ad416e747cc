// The results: the estimate, errors, parameter counts, the GPU comparison, suggestions, configs, links.
// Part of the page's bundle (web/build.mjs joins web/page/*.js in one closure; see web/page/README.md).

function update() {
  const s = state.scenario;
  // The same scenario twice (an input event, then its change event) is drawn once, so that what
  // the user is about to click is not replaced under the pointer.
  const key = JSON.stringify(s);
  if (key === state.drawn) return;
  state.drawn = key;
  clearErrors();
  const result = state.api.estimate(s);
  if (!result.ok) for (const k of ['message', 'line']) result.error[k] = pageWords(result.error[k]);
  const invalid = !result.ok && result.error.kind !== 'not_implemented';
  state.result = result.ok ? result.value : null;
  document.getElementById('results').classList.toggle('stale', invalid);
  if (invalid) {
    showErrors([result.error]);
    renderAnswerInvalid();
    renderSummaryText('Fix the highlighted setting to see the estimate: ' + result.error.message);
  } else if (!result.ok) {
    renderNotYet(result.error);
  } else {
    renderAnswer(result.value);
  }
  renderModelInfo();
  if (!document.documentElement.dataset.firstResult) {
    document.documentElement.dataset.firstResult = String(Math.round(performance.now()));
    performance.mark('vramplan-first-result');
  }
  // The details (the breakdown, the phases, the comparison) and then the heavier panes follow in a later
  // task, once the answer is on screen (docs/benchmarks.md "first result": 10 to 20 ms of DOM and SVG
  // building off the way to the first result).
  clearTimeout(state.later);
  state.later = setTimeout(() => {
    if (result.ok) renderDetails(result.value);
    renderCompare();
    renderParams();
    if (invalid) {
      for (const id of ['gpu-table', 'suggestions', 'sweep', 'config-panel']) {
        clear($(id)).append(el('p', { class: 'muted', text: 'Waiting for a valid scenario.' }));
      }
    } else {
      renderRecommend();
      renderSweep();
      renderConfigWhenSeen();
    }
    document.documentElement.dataset.settled = String(Date.now());
  }, 0);
}

function clearErrors() {
  $('error-summary').hidden = true;
  clear($('error-list'));
  for (const c of document.querySelectorAll('[aria-invalid="true"]')) c.removeAttribute('aria-invalid');
  for (const p of document.querySelectorAll('.field-error')) { p.hidden = true; p.textContent = ''; }
  for (const f of document.querySelectorAll('.field.has-error')) f.classList.remove('has-error');
}

// The control that a JSON pointer names, if the form has one.
function controlForPointer(pointer) {
  const keys = pointer.split('/').slice(1).map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
  for (let n = keys.length; n > 0; n--) {
    let path = keys.slice(0, n).join('.');
    if (path === 'rl.reward_model') path = 'rl.reward_model.model';
    if (path.startsWith('model.') || path === 'model') path = 'model';
    if (path.startsWith('rl.reward_model.model.')) path = 'rl.reward_model.model';
    if (FIELD_PATHS.includes(path)) return path === 'model' ? $('f-model') : $(controlId(path));
  }
  return null;
}

function showErrors(errors) {
  const list = clear($('error-list'));
  for (const error of errors) {
    const control = controlForPointer(error.pointer || '');
    const text = error.line || ('error: ' + error.message);
    if (control && !control.closest('[hidden]')) {
      control.setAttribute('aria-invalid', 'true');
      const p = $(control.id + '-error') || $(control.id + '-info');
      if (p) {
        p.hidden = false;
        p.textContent = error.message;
        p.closest('.field').classList.add('has-error');
        // The field being typed in sits where the browser scrolled it, often the screen's bottom edge: its
        // error, written below it, is brought on screen (issue 21: on a phone it was below the fold).
        if (control === document.activeElement && p.scrollIntoView) p.scrollIntoView({ block: 'nearest' });
      }
      list.append(el('li', {}, el('a', { href: '#' + control.id, text })));
    } else {
      list.append(el('li', { text }));
    }
  }
  $('error-summary').hidden = false;
}

function renderSummaryText(text) { $('summary').textContent = text; }

function notYet(container, error, what) {
  clear(container).append(el('p', { class: 'notice notice-info' },
    el('strong', { text: 'Not available yet. ' }),
    what + ' This build of the calculator does not compute it yet (' + error.message + '); the pane fills in as soon as the module does.'));
}

function renderNotYet(error) {
  renderSummaryText('The scenario is valid. Memory estimates are not available in this build yet.');
  notYet($('breakdown'), error, 'The memory breakdown.');
  clear($('phases'));
  clear($('warnings'));
}

function segmentClass(i) { return 'seg seg-' + (i % 10); }

// The answer at the top: the verdict sentence, the peak, the time (answer.js); what the first screen shows.
function renderAnswer(r) {
  const per = r.per_gpu || {};
  const fit = r.fit;
  const device = per.device_bytes || 0;
  let text = 'Needs ' + gib(device) + ' per GPU at the peak' + (per.phase ? ' (' + per.phase + ' phase)' : '') + '.';
  useConstants(r);
  const pool = poolWords(r);
  if (fit) {
    const g = gpuById(fit.gpu);
    const count = Number(state.scenario.gpus) > 1 ? state.scenario.gpus + ' × ' : '';
    const name = count + (g ? g.name : fit.gpu);
    text += mayNotFit(fit)
      ? ' May not fit on ' + name + ' (' + gib(fit.capacity_bytes) + '): ' + gib(-fit.headroom_bytes) +
        ' over, within the estimate\'s uncertainty band.'
      : fit.fits
      ? ' Fits on ' + name + ' (' + gib(fit.capacity_bytes) + ') with ' + gib(fit.headroom_bytes) + ' to spare.'
      : ' Does not fit on ' + name + ' (' + gib(fit.capacity_bytes) + '): ' + gib(-fit.headroom_bytes) + ' short' + (fit.reason ? ': ' + fit.reason : '') + '.';
  }
  const run = runWords(r.time);
  if (run) text += ' ' + run.charAt(0).toUpperCase() + run.slice(1) + '.';
  if (pool) text += ' ' + pool;
  text += hostWords(r);
  renderSummaryText(text);
  renderAnswerPeak(r);
  renderAnswerTime(r);
  $('answer').classList.remove('stale');
}

// The memory pane: the verdict mark, the stacked bar, the component table, the phases and the warnings.
function renderDetails(r) {
  const per = r.per_gpu || {};
  const fit = r.fit;
  const device = per.device_bytes || 0;
  const pool = poolWords(r);
  const box = clear($('breakdown'));
  // A vLLM server that starts but holds fewer sequences than asked is not a plain "Fits".
  const partly = fit && fit.fits && ((pool && r.inference) || mayNotFit(fit));
  const partlyWords = mayNotFit(fit) ? ' May not fit: the peak exceeds the GPU\'s memory, the low end of its uncertainty band does not'
    : pool ? ' Starts, but ' + pool.charAt(0).toLowerCase() + pool.slice(1) : '';
  const verdict = fit ? el('p', { class: 'verdict ' + (partly ? 'verdict-tight' : fit.fits ? 'verdict-fits' : 'verdict-no') },
    el('span', { class: 'verdict-mark', 'aria-hidden': 'true', text: partly ? '!' : fit.fits ? '✓' : '✗' }),
    partly ? partlyWords : fit.fits ? ' Fits' : ' Does not fit' + (fit.reason ? ': ' + fit.reason : '')) : null;
  append(box, verdict);
  const capacity = fit ? fit.capacity_bytes : 0;
  const scale = Math.max(device, capacity) * 1.04 || 1;
  box.append(stackedBar(per.components || [], scale, capacity, 'Breakdown of ' + gib(device) + ' per GPU'));
  if (capacity) box.append(el('p', { class: 'hint', text: 'The dashed line is the GPU’s capacity, ' + gib(capacity) + '. Colours match the table.' }));
  box.append(componentTable(per, capacity));

  renderPhases(r, capacity);
  const warnings = clear($('warnings'));
  if (Array.isArray(r.warnings) && r.warnings.length) {
    warnings.append(el('ul', { class: 'warnings' }, r.warnings.map((w) => el('li', { text: typeof w === 'string' ? w : (w.message || JSON.stringify(w)) }))));
  }
}

function componentTable(per, capacity) {
  const device = per.device_bytes || 0;
  const used = new Set();
  const rows = (per.components || []).map((c, i) => el('tr', {},
    el('th', { scope: 'row' }, el('span', { class: 'swatch ' + segmentClass(i), 'aria-hidden': 'true' }),
      el('span', { class: 'component-label', text: c.label || c.id }),
      c.formula ? formulaNode(c.formula, used) : null),
    el('td', { class: 'num', text: gibNumber(c.bytes) }),
    el('td', { class: 'num', text: pct(c.bytes, device) })));
  const total = (label, bytes, cls) => el('tr', { class: cls }, el('th', { scope: 'row', text: label }),
    el('td', { class: 'num', text: bytes == null ? '–' : gibNumber(bytes) }), el('td', { class: 'num', text: bytes == null ? '' : pct(bytes, device) }));
  const foot = [total('Allocated', per.allocated_bytes), total('Reserved', per.reserved_bytes), total('Device (must fit)', device, 'device-row')];
  if (capacity) foot.push(total('GPU capacity', capacity, 'capacity-row'));
  return scrollTable(el('table', { class: 'data', id: 'breakdown-table' },
    el('caption', { text: 'Memory per GPU by component' }),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'Component' }), el('th', { scope: 'col', class: 'num', text: 'GiB' }),
      el('th', { scope: 'col', class: 'num', text: 'Share' }))),
    el('tbody', {}, rows), el('tfoot', {}, foot)), 'Memory per GPU by component', constantsList(used));
}

function scrollTable(table, label, after) {
  const box = el('div', { class: 'table-scroll', role: 'region', 'aria-label': label, tabindex: 0 }, table);
  return after ? el('div', {}, box, after) : box;
}

// Which counter the core used: an exact reader of the model_type, or the generic one (with its assumptions
// in the warnings).
function counterWords() {
  const r = state.scenario.model === undefined ? null : paramsResult();
  const model = r && r.ok ? r.value.model || {} : {};
  if (model.counter === 'exact') return ' Counted exactly (the ' + model.model_type + ' reader).';
  if (model.counter === 'generic') return ' Counted generically (' + (model.model_type || 'no model_type') + ' has no exact reader: see the warnings).';
  return '';
}

// The model's features (images, audio, experts) for the form, or null while unknown.
function modelFeatures() {
  if (state.scenario.model === undefined) return null;
  const r = paramsResult();
  return r.ok && r.value.model && Array.isArray(r.value.model.features) ? r.value.model.features : null;
}

function renderModelInfo() {
  const info = $('f-model-info');
  const m = state.scenario.model;
  if (isObject(m)) { info.textContent = 'Using a pasted config.json (' + (m.model_type || 'unknown type') + ').' + counterWords(); return; }
  const entry = modelById(m);
  info.textContent = entry
    ? entry.name + ': ' + count(entry.params || 0) + ' parameters' + (entry.active_params && entry.active_params !== entry.params ? ' (' + count(entry.active_params) + ' active)' : '') +
      (entry.gated ? '; gated on the Hub' : '') + '.' + counterWords()
    : '';
}

function paramsResult() {
  const m = state.scenario.model;
  const key = isObject(m) ? 'config:' + JSON.stringify(m) : 'id:' + String(m).toLowerCase();
  if (!state.paramsCache.has(key)) {
    if (state.paramsCache.size > 50) state.paramsCache.clear();
    state.paramsCache.set(key, isObject(m) ? state.api.params(m) : state.api.paramsForModel(String(m)));
  }
  return state.paramsCache.get(key);
}

function renderParams() {
  const box = clear($('params'));
  if (state.scenario.model === undefined) { box.append(el('p', { class: 'muted', text: 'No model chosen.' })); return; }
  const r = paramsResult();
  if (!r.ok) { box.append(el('p', { class: 'muted', text: r.error.line })); return; }
  const p = r.value;
  const rows = [['Total', p.total], ['Embedding', p.embedding], ['Non-embedding', p.non_embedding], ['Per layer', p.per_layer],
    ['Largest layer', p.largest_layer], ['Active per token', p.active]].filter((row) => row[1] !== undefined);
  const model = p.model || {};
  box.append(el('p', { class: 'params-model', text: (model.id || '') + (model.model_type ? ' (' + model.model_type + ')' : '') }));
  box.append(scrollTable(el('table', { class: 'data', id: 'params-table' },
    el('caption', { text: 'Parameter counts' }),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'Count' }), el('th', { scope: 'col', class: 'num', text: 'Parameters' }),
      el('th', { scope: 'col', class: 'num', text: 'Short' }))),
    el('tbody', {}, rows.map(([label, n]) => el('tr', { 'data-key': label },
      el('th', { scope: 'row', text: label }), el('td', { class: 'num', 'data-value': n, text: grouped(n) }), el('td', { class: 'num', text: count(n) }))))),
  'Parameter counts'));
}

function renderRecommend() {
  const table = $('gpu-table');
  const sugg = $('suggestions');
  const r = state.api.recommend(state.scenario);
  if (!r.ok) {
    if (r.error.kind === 'not_implemented') {
      notYet(table, r.error, 'The GPU comparison (verdict, minimum GPUs, largest batch, headroom).');
      notYet(sugg, r.error, 'Suggestions.');
    } else {
      clear(table).append(el('p', { class: 'muted', text: r.error.line }));
      clear(sugg);
    }
    clear($('answer-fix'));
    return;
  }
  renderAnswerFix(r.value);
  renderGpuCards(r.value.gpus || []);
  clear(sugg);
  const suggestions = r.value.suggestions || [];
  if (!suggestions.length) { sugg.append(el('p', { class: 'muted', text: 'Nothing to suggest: the scenario fits with room to spare.' })); return; }
  sugg.append(el('ul', { class: 'suggestions' }, suggestions.map((s, i) => el('li', {},
    el('span', { class: 'suggestion-text', text: s.change }),
    el('span', { class: 'saves', text: s.saves_bytes ? 'saves ' + gib(s.saves_bytes) : '' }),
    isObject(s.scenario_patch) ? el('button', { type: 'button', class: 'button-small', 'data-apply': i, 'aria-label': 'Apply: ' + s.change, text: 'Apply' }) : null))));
  state.suggestions = suggestions;
}

// The example config costs the module about a second on its first call in a slow browser (the frameworks
// layer is compiled for size, and compiled by the browser on first use), so it is drawn when its panel
// comes near the screen, and then on each change while it is there.
function renderConfigWhenSeen() {
  state.configDirty = true;
  if (typeof IntersectionObserver !== 'function') { renderConfig(); return; }
  if (!state.configObserver) {
    state.configObserver = new IntersectionObserver((entries) => {
      state.configSeen = entries.some((e) => e.isIntersecting);
      if (state.configSeen && state.configDirty) renderConfig();
    }, { rootMargin: '300px' });
    state.configObserver.observe($('config-panel'));
  }
  if (state.configSeen) renderConfig();
}

function renderConfig() {
  state.configDirty = false;
  for (const tab of document.querySelectorAll('#config-tabs [role=tab]')) {
    const selected = tab.dataset.format === state.configFormat;
    tab.setAttribute('aria-selected', String(selected));
    tab.tabIndex = selected ? 0 : -1;
    if (selected) $('config-panel').setAttribute('aria-labelledby', tab.id);
  }
  const panel = clear($('config-panel'));
  const r = state.api.config(state.scenario, state.configFormat);
  if (!r.ok) {
    if (r.error.kind === 'not_implemented') notYet(panel, r.error, 'Example configs for NeMo RL, NeMo Automodel, verl and TRL.');
    else panel.append(el('p', { class: 'muted', text: r.error.line }));
    return;
  }
  panel.append(el('div', { class: 'copy-row copy-row-top' },
    el('button', { type: 'button', class: 'copy', 'data-copy': 'config-text', text: 'Copy config' })),
  el('pre', { class: 'config', id: 'config-text', tabindex: 0 }, el('code', { text: String(r.value) })));
}

function pageUrl() { return location.href.replace(/#.*$/, ''); }

function renderShare() {
  const fragment = toFragment(state.scenario, false);
  $('f-permalink').value = pageUrl() + '#' + fragment;
  const embedUrl = pageUrl() + '#' + toFragment(state.scenario, true);
  const src = embedUrl.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
  $('f-embed').value = '<iframe src="' + src + '" title="vramplan: GPU memory estimate" width="100%" height="720" style="border:0" loading="lazy"></iframe>';
  $('open-full-link').setAttribute('href', pageUrl() + '#' + fragment);
}
