// The answer at the top of the page: the peak, the verdict sentence (results.js renderAnswer writes
// #summary) and the smallest set of the module's suggestions that makes the scenario fit on the chosen GPU.
// Part of the page's bundle (web/build.mjs joins web/page/*.js in one closure; see web/page/README.md).

// At most this many estimates are spent searching a combination (about 15 ms each in the module), so
// that the search stays a fraction of a second after the first result.
const FIX_SEARCH_BUDGET = 24;

// A `tight` verdict with a negative headroom: the peak exceeds the GPU, its uncertainty band's low end does not.
function mayNotFit(fit) { return !!fit && fit.fits && fit.headroom_bytes < 0; }

function renderAnswerPeak(r) {
  const box = $('answer-peak');
  const fit = r && r.fit;
  box.className = 'answer-peak' + (fit ? (mayNotFit(fit) || !fit.fits ? ' no' : ' fits') : '');
  if (!r) { box.textContent = ''; return; }
  const device = (r.per_gpu && r.per_gpu.device_bytes) || 0;
  const words = !fit ? '' : mayNotFit(fit) ? ' · may not fit' : fit.fits ? ' · fits' : ' · does not fit';
  clear(box).append(el('span', { class: 'peak-number', text: gib(device) }), ' per GPU at the peak',
    fit ? el('span', { class: 'peak-verdict', text: words }) : null);
}

// The answer is dimmed while the form holds a value the module rejected: it no longer matches the form.
function renderAnswerInvalid() {
  renderAnswerPeak(null);
  renderAnswerTime(null);
  clear($('answer-fix'));
  $('answer').classList.add('stale');
}

function mergedPatch(patches) {
  const out = {};
  for (const p of patches) merge(out, clone(p));
  return out;
}

function fitsWith(patches, budget) {
  budget.left--;
  const s = clone(state.scenario);
  merge(s, mergedPatch(patches));
  const r = state.api.estimate(s);
  return r.ok && r.value.fit ? { fits: r.value.fit.fits && !mayNotFit(r.value.fit), bytes: r.value.per_gpu.device_bytes }
    : { fits: false, bytes: null };
}

// The smallest set of suggestions that fits, searched with the module: one change if one is enough
// (the one that leaves the most room), else suggestions added largest saving first until it fits,
// then each dropped again if the rest still fits. -> {changes: [suggestion], bytes} or null.
function smallestFix(suggestions) {
  const usable = suggestions.filter((s) => isObject(s.scenario_patch));
  const single = usable.filter((s) => s.fits_after).sort((a, b) => a.device_bytes_after - b.device_bytes_after)[0];
  if (single) return { changes: [single], bytes: single.device_bytes_after };
  const budget = { left: FIX_SEARCH_BUDGET };
  const chosen = [];
  let found = null;
  for (const s of [...usable].sort((a, b) => (b.saves_bytes || 0) - (a.saves_bytes || 0))) {
    if (budget.left <= 0) break;
    const tried = fitsWith([...chosen, s].map((c) => c.scenario_patch), budget);
    if (tried.bytes === null) continue;  // a change that conflicts with those chosen
    chosen.push(s);
    if (tried.fits) { found = tried; break; }
  }
  if (!found) return null;
  for (let i = chosen.length - 2; i >= 0 && budget.left > 0; i--) {
    const without = chosen.filter((_, j) => j !== i);
    const tried = fitsWith(without.map((c) => c.scenario_patch), budget);
    if (tried.fits) { chosen.splice(i, 1); found = tried; }
  }
  return { changes: chosen, bytes: found.bytes };
}

function changeWords(s) { return String(s.change).replace(/\s*\(needs [^)]*host RAM[^)]*\)/, ''); }

function renderAnswerFix(value) {
  const box = clear($('answer-fix'));
  $('answer').classList.remove('stale');
  state.fix = null;
  const selected = (value.gpus || []).find((g) => g.id.toLowerCase() === String(state.scenario.gpu || '').toLowerCase());
  const fits = selected ? selected.verdict !== 'no' && selected.headroom_bytes >= 0 : value.device_bytes <= 0;
  const suggestions = value.suggestions || [];
  if (fits) {
    box.append(el('p', { class: 'answer-line', text: suggestions.length
      ? 'It fits as set. To leave more room: ' + changeWords(suggestions[0]) + '.'
      : 'It fits as set; nothing needs to change.' }));
    return;
  }
  const fix = smallestFix(suggestions);
  const gpuName = selected ? selected.name || selected.id : String(state.scenario.gpu);
  if (fix) {
    state.fix = fix;
    const words = fix.changes.map(changeWords).join(' + ');
    box.append(el('p', { class: 'answer-line' },
      el('strong', { text: fix.changes.length === 1 ? 'This makes it fit: ' : 'These ' + fix.changes.length + ' changes together make it fit: ' }),
      words + ' → ' + gib(fix.bytes) + ' per GPU on ' + gpuName + '. ',
      el('button', { type: 'button', class: 'button-small', 'data-apply-fix': '1', text: 'Apply' })));
    return;
  }
  const other = (value.gpus || []).find((g) => g.verdict !== 'no');
  box.append(el('p', { class: 'answer-line', text: 'No combination of the suggested changes fits on ' + gpuName + '.' +
    (other ? ' It fits on ' + (other.name || other.id) + '.' : ' ' + (suggestions[0] ? 'The largest saving: ' + changeWords(suggestions[0]) + '.' : '')) }));
}

function applyFix() {
  if (!state.fix) return;
  merge(state.scenario, mergedPatch(state.fix.changes.map((c) => c.scenario_patch)));
  renderForm(); update(); commit();
}

// Time and cost (the estimate's `time` object, docs/CONTRACT.md): each quantity is {value, low, high,
// formula}; for seconds `low` is the fastest end of the band. Quantities the page does not know by name
// are left to the JSON; a missing or unavailable object gives no words at all.
const dollars = (v) => '$' + (v >= 100 ? grouped(Math.round(v)) : v.toFixed(2));
const TIME_WORDS = [
  ['step_seconds', 'per step', duration],
  ['epoch_seconds', 'per epoch', duration],
  ['run_seconds', 'for the run', duration],
  ['time_to_first_token_seconds', 'to the first token', duration],
  ['time_per_output_token_seconds', 'per output token', duration],
  ['tokens_per_second', 'tokens/s', (v) => count(v)],
  ['output_tokens_per_second', 'output tokens/s', (v) => count(v)],
  ['gpu_hours', 'GPU-hours', (v) => v.toPrecision(3)],
  ['cost_usd', 'for the run', dollars],
  ['cost_per_million_tokens_usd', 'per million tokens', dollars],
];
// The run in the verdict sentence ("about 6.1 h per epoch, about $95 for the run"): the run's length and
// cost when the scenario sizes the run (docs/CONTRACT.md "Time and cost of a run"), else nothing.
function runWords(time) {
  const pick = (key) => isObject(time) && isObject(time[key]) && isFinite(time[key].value) ? time[key].value : null;
  const length = pick('epoch_seconds') !== null ? duration(pick('epoch_seconds')) + ' per epoch' : pick('run_seconds') !== null ? duration(pick('run_seconds')) + ' for the run' : '';
  const cost = pick('cost_usd') !== null ? dollars(pick('cost_usd')) + ' for the run' : '';
  return [length, cost].filter(Boolean).map((w) => 'about ' + w).join(', ');
}
function duration(s) {
  if (!(s >= 0)) return '–';
  if (s < 1) return (s * 1000).toPrecision(3) + ' ms';
  if (s < 120) return s.toPrecision(3) + ' s';
  if (s < 7200) return (s / 60).toPrecision(3) + ' min';
  if (s < 172800) return (s / 3600).toPrecision(3) + ' h';
  return (s / 86400).toPrecision(3) + ' days';
}
// -> ["about 12.3 s per step (8.10 s to 20.5 s)", ...]
function timeWords(time) {
  if (!isObject(time) || time.available === false) return [];
  const out = [];
  for (const [key, words, format] of TIME_WORDS) {
    const q = time[key];
    if (!isObject(q) || typeof q.value !== 'number' || !isFinite(q.value)) continue;
    const band = typeof q.low === 'number' && typeof q.high === 'number' && q.low !== q.high
      ? ' (' + format(Math.min(q.low, q.high)) + ' to ' + format(Math.max(q.low, q.high)) + ')' : '';
    out.push('about ' + format(q.value) + ' ' + words + band);
  }
  return out;
}
function renderAnswerTime(r) {
  const words = timeWords(r && r.time);
  const box = $('answer-time');
  box.hidden = words.length === 0;
  box.textContent = words.length ? 'Time and cost: ' + words.join('; ') + '.' : '';
}
