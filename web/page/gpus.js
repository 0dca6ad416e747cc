// The GPU options as cards: every catalog GPU for this scenario, the ones that fit first (cheapest per
// hour first, then by headroom), each case said in words, with the count and layout that fits.
// Part of the page's bundle (web/build.mjs joins web/page/*.js in one closure; see web/page/README.md).

function gpuRank(g) {
  const fitsNow = g.verdict === 'fits' ? 0 : g.verdict === 'tight' ? 1 : g.min_gpus ? 2 : 3;
  return fitsNow;
}
// Dollars per hour for the job as it would run on this GPU: the count the user set if it fits, else the
// smallest count that fits.
function jobDollarsPerHour(g) {
  const per = g.price && typeof g.price.usd_per_gpu_hour === 'number' ? g.price.usd_per_gpu_hour : null;
  if (per === null) return null;
  const n = g.verdict === 'no' ? g.min_gpus : state.scenario.gpus || 1;
  return n ? per * n : null;
}
// The run's time and cost on this GPU at its count (recommend's per-GPU `time`, docs/CONTRACT.md): the
// cost of the run when the scenario sizes it, else per million tokens. null where recommend has none.
function gpuTimeValue(g, key) {
  const q = g.time && g.time[key];
  return q && typeof q.value === 'number' && isFinite(q.value) ? q.value : null;
}
function sortedGpus(gpus) {
  const cost = (g) => { const c = jobDollarsPerHour(g); return c === null ? Infinity : c; };
  const run = (g) => { const c = gpuTimeValue(g, 'cost_usd'); return c === null ? gpuTimeValue(g, 'cost_per_million_tokens_usd') : c; };
  const perRun = (g) => (run(g) === null ? Infinity : run(g));
  return [...gpus].sort((a, b) => gpuRank(a) - gpuRank(b) || perRun(a) - perRun(b) || cost(a) - cost(b) || (b.headroom_bytes || 0) - (a.headroom_bytes || 0));
}
function gpuTimeWords(g) {
  const seconds = gpuTimeValue(g, 'run_seconds');
  const step = gpuTimeValue(g, 'step_seconds');
  const cost = gpuTimeValue(g, 'cost_usd');
  const million = gpuTimeValue(g, 'cost_per_million_tokens_usd');
  return [seconds !== null ? 'about ' + duration(seconds) + ' for the run' : step !== null ? 'about ' + duration(step) + ' per step' : '',
    cost !== null ? 'about ' + dollars(cost) + ' for the run' : million !== null ? 'about ' + dollars(million) + ' per million tokens' : ''].filter(Boolean).join(', ');
}

function gpuWords(g, count) {
  const n = count + ' × ' + (g.name || g.id);
  // A vLLM server's largest batch is the sequences its KV pool holds at once (docs/CONTRACT.md recommend).
  const want = state.scenario.workload === 'inference' && scenarioValue('inference.engine') === 'vllm' ? Number(scenarioValue('inference.batch_size')) : 0;
  if (g.verdict !== 'no' && g.max_micro_batch < want) return 'Fits on ' + n + ', but its KV pool holds ' + g.max_micro_batch + ' of the ' + want + ' requested sequences at once.';
  if (g.verdict === 'no' && g.reason && !g.min_gpus) return 'Does not fit on ' + n + ': ' + g.reason + '.';
  if (g.verdict === 'fits') return 'Fits on ' + n + ' with ' + gib(g.headroom_bytes) + ' to spare per GPU.';
  if (g.verdict === 'tight') return 'Fits on ' + n + ', but only ' + gib(g.headroom_bytes) + ' to spare: allocator spikes may not fit.';
  if (g.min_gpus) return 'Does not fit on ' + n + '; fits on ' + g.min_gpus + ' of them' + (g.min_gpus_layout ? ' (' + g.min_gpus_layout + ')' : '') + '.';
  if (!g.max_micro_batch) return 'Does not fit: not even a micro-batch of 1 fits, and no GPU count in the search makes it fit.';
  return 'Does not fit on any GPU count in the search.';
}

function gpuCard(g, selected) {
  const count = state.scenario.gpus || 1;
  const perHour = jobDollarsPerHour(g);
  const useCount = g.verdict === 'no' && g.min_gpus ? g.min_gpus : count;
  const facts = [gibNumber(g.memory_bytes) + ' GiB each'];
  if (g.max_micro_batch) facts.push('largest micro-batch ' + g.max_micro_batch);
  if (gpuTimeWords(g)) facts.push(gpuTimeWords(g));
  if (perHour !== null) facts.push('about $' + perHour.toFixed(2) + ' per hour for ' + (g.verdict === 'no' ? g.min_gpus : count) + ' GPU' + (useCount === 1 ? '' : 's') +
    (g.price && g.price.indicative ? ' (indicative, ' + (g.price.date || 'undated') + ')' : ''));
  const use = selected && useCount === count ? null : el('button', { type: 'button', class: 'button-small', 'data-use-gpu': g.id, 'data-use-count': useCount,
    'data-use-layout': useCount !== count && g.min_gpus_layout ? g.min_gpus_layout : null,
    'aria-label': 'Use ' + useCount + ' × ' + (g.name || g.id), text: useCount === count ? 'Use' : 'Use ' + useCount });
  return el('li', { class: 'gpu-card verdict-' + g.verdict + (selected ? ' selected' : ''), 'data-gpu': g.id },
    el('p', { class: 'gpu-card-head' },
      el('span', { class: 'verdict-mark', 'aria-hidden': 'true', text: { fits: '✓', tight: '!', no: '✗' }[g.verdict] || '?' }), ' ',
      el('strong', { text: g.name || g.id }), selected ? el('span', { class: 'tag', text: 'selected' }) : null, use),
    el('p', { class: 'gpu-card-words', text: gpuWords(g, count) }),
    el('p', { class: 'gpu-card-facts', text: facts.join(' · ') }));
}

function renderGpuCards(gpus) {
  const selected = String(state.scenario.gpu || '').toLowerCase();
  const list = el('ol', { class: 'gpu-cards', id: 'recommend-table', 'aria-label': 'Every catalog GPU for this scenario, those that fit first' },
    sortedGpus(gpus).map((g) => gpuCard(g, g.id.toLowerCase() === selected)));
  clear($('gpu-table')).append(list);
}

// The layout behind a GPU count, as recommend writes it ("fsdp, dp=4, tp=1, pp=1": the sharding, then the
// parallel sizes), as the scenario's train keys (docs/scenario.md): Use applies the whole layout, since
// the count alone does not fit without the sharding it assumes. dp follows from gpus and is not a key.
const LAYOUT_SIZES = ['tp', 'pp', 'cp', 'ep'];
const LAYOUT_SHARDINGS = ['none', 'zero1', 'zero2', 'zero3', 'fsdp'];
function layoutPatch(text) {
  const train = {};
  for (const part of String(text).split(',').map((p) => p.trim())) {
    const kv = /^([a-z]+)=(\d+)$/.exec(part);
    if (kv && LAYOUT_SIZES.includes(kv[1])) train[kv[1]] = Number(kv[2]);
    else if (LAYOUT_SHARDINGS.includes(part)) train.sharding = part;
  }
  return { train };
}
