// Charts in plain SVG: the stacked memory bar and the batch-size sweep.
// Part of the page's bundle (web/build.mjs joins web/page/*.js in one closure; see web/page/README.md).

// A horizontal stacked bar in SVG; segments are described in the table beside it.
function stackedBar(components, scale, capacity, title) {
  const W = 1000, H = 44, barH = 28;
  const root = svg('svg', { class: 'bar', viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': title, preserveAspectRatio: 'none' });
  let x = 0;
  components.forEach((c, i) => {
    const w = Math.max(0, (c.bytes / scale) * W);
    root.append(svg('rect', { class: segmentClass(i), x: x.toFixed(2), y: 4, width: w.toFixed(2), height: barH },
      svg('title', { text: (c.label || c.id) + ': ' + gib(c.bytes) })));
    x += w;
  });
  if (capacity > 0) {
    const cx = ((capacity / scale) * W).toFixed(2);
    root.append(svg('line', { class: 'capacity', x1: cx, x2: cx, y1: 0, y2: H, 'vector-effect': 'non-scaling-stroke' }));
  }
  return el('div', { class: 'bar-wrap' }, root);
}

function sweepKey() { return state.scenario.workload === 'inference' ? 'inference.batch_size' : 'train.micro_batch_size'; }

function renderSweep() {
  const box = clear($('sweep'));
  const key = sweepKey();
  let points = [];
  const swept = state.api.sweep(state.scenario, key + '=' + SWEEP_BATCHES.join(','));
  if (swept.ok) {
    points = swept.value.points.map((p) => ({ batch: p.value, bytes: p.device_bytes }));
  } else {
    // The module's sweep stops at the first batch size it rejects; estimating one by one leaves
    // a gap there instead.
    for (const b of SWEEP_BATCHES) {
      const s = clone(state.scenario);
      setPath(s, key, b);
      const r = state.api.estimate(s);
      if (!r.ok && r.error.kind === 'not_implemented') { notYet(box, r.error, 'The batch-size chart.'); return; }
      points.push({ batch: b, bytes: r.ok ? r.value.per_gpu.device_bytes : null });
    }
  }
  const current = getPath(state.scenario, key);
  syncSweepSlider(key, current);
  box.append(el('p', { class: 'hint', text: 'Device memory per GPU for ' + (key === 'inference.batch_size' ? 'concurrent sequences' : 'micro batch sizes') +
    ' 1 to 256, the other settings as set. Lines mark GPU capacities.' }));
  box.append(sweepChart(points, current, chartWidth()));
  box.append(el('details', { class: 'sweep-data' }, el('summary', { text: 'Show the numbers' }),
    scrollTable(el('table', { class: 'data', id: 'sweep-table' }, el('caption', { text: 'Device memory per GPU by batch size' }),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'Batch' }), el('th', { scope: 'col', class: 'num', text: 'GiB per GPU' }))),
      el('tbody', {}, points.map((p) => el('tr', {}, el('th', { scope: 'row', text: String(p.batch) }),
        el('td', { class: 'num', text: p.bytes == null ? 'invalid' : gibNumber(p.bytes) }))))), 'Sweep numbers')));
}

// The chart is drawn at the width it is shown at, so its text keeps its size on narrow screens.
function sweepChart(points, current, W) {
  const H = W < 480 ? 260 : 300, L = 56, R = 12, T = 16, B = 40;
  const valid = points.filter((p) => p.bytes != null);
  const selectedGpu = gpuById(state.scenario.gpu);
  const maxData = Math.max(0, ...valid.map((p) => p.bytes));
  const capacity = selectedGpu ? selectedGpu.memory_bytes : 0;
  const atCurrent = (valid.find((p) => p.batch === current) || {}).bytes || 0;
  // The range that matters is around the chosen GPU and the current batch; larger batches run off
  // the top (their numbers are in the table below the chart).
  const ymax = Math.min(Math.max(maxData, capacity) * 1.08, Math.max(capacity * 2, atCurrent * 1.5, 8 * GIB)) || GIB;
  const xOf = (b) => L + (Math.log2(b) / 8) * (W - L - R);
  const yOf = (bytes) => T + (1 - bytes / ymax) * (H - T - B);
  const root = svg('svg', { class: 'chart', viewBox: '0 0 ' + W + ' ' + H, role: 'img',
    'aria-label': 'Device memory per GPU against batch size; the numbers are in the table below.' });
  // Axes and grid
  const step = niceStep(ymax / GIB / 5);
  for (let v = 0; v * GIB <= ymax; v += step) {
    const y = yOf(v * GIB);
    root.append(svg('line', { class: 'grid', x1: L, x2: W - R, y1: y, y2: y }),
      svg('text', { class: 'tick', x: L - 6, y: y + 4, 'text-anchor': 'end', text: String(v) }));
  }
  for (const b of SWEEP_BATCHES) {
    root.append(svg('text', { class: 'tick', x: xOf(b), y: H - B + 16, 'text-anchor': 'middle', text: String(b) }));
  }
  root.append(svg('text', { class: 'axis-label', x: L + (W - L - R) / 2, y: H - 4, 'text-anchor': 'middle', text: 'batch size (log scale)' }),
    svg('text', { class: 'axis-label', x: 14, y: T + (H - T - B) / 2, 'text-anchor': 'middle',
      transform: 'rotate(-90 14 ' + (T + (H - T - B) / 2) + ')', text: 'GiB per GPU' }));
  // GPU capacity lines: the chosen GPU and distinct catalog sizes within the range.
  const lines = [];
  if (selectedGpu) lines.push(selectedGpu);
  for (const g of [...state.gpus].sort((a, b) => b.memory_bytes - a.memory_bytes)) {
    if (lines.length >= 5) break;
    if (g.memory_bytes > ymax) continue;
    if (lines.some((o) => Math.abs(o.memory_bytes - g.memory_bytes) < ymax * 0.06)) continue;
    lines.push(g);
  }
  for (const g of lines) {
    const y = yOf(g.memory_bytes);
    const isSelected = g === selectedGpu;
    root.append(svg('line', { class: 'gpu-line' + (isSelected ? ' selected' : ''), x1: L, x2: W - R, y1: y, y2: y }),
      svg('text', { class: 'gpu-label' + (isSelected ? ' selected' : ''), x: W - R - 4, y: y - 4, 'text-anchor': 'end',
        text: g.id + ' · ' + gibNumber(g.memory_bytes) + ' GiB' }));
  }
  // The curve, with a gap wherever the module rejected a batch size.
  let d = '';
  let pen = false;
  for (const p of points) {
    if (p.bytes == null) { pen = false; continue; }
    d += (pen ? 'L' : 'M') + xOf(p.batch).toFixed(1) + ' ' + yOf(p.bytes).toFixed(1);
    pen = true;
  }
  const clipId = 'sweep-clip';
  root.append(svg('clipPath', { id: clipId }, svg('rect', { x: L - 8, y: T - 8, width: W - L - R + 16, height: H - T - B + 8 })));
  const plot = svg('g', { 'clip-path': 'url(#' + clipId + ')' });
  root.append(plot);
  plot.append(svg('path', { class: 'curve', d }));
  for (const p of valid) {
    plot.append(svg('circle', { class: 'point' + (p.batch === current ? ' current' : ''), cx: xOf(p.batch), cy: yOf(p.bytes), r: p.batch === current ? 6 : 4 },
      svg('title', { text: 'batch ' + p.batch + ': ' + gib(p.bytes) })));
  }
  return el('div', { class: 'chart-wrap' }, root);
}
function niceStep(raw) {
  const p = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1e-9))));
  for (const m of [1, 2, 2.5, 5, 10]) if (raw <= m * p) return m * p;
  return 10 * p;
}

// The slider above the chart sets the swept key (micro-batch, or concurrent sequences when serving) to
// one of the chart's batch sizes; the chart redraws as it moves.
function syncSweepSlider(key, current) {
  const slider = $('sweep-slider');
  let index = SWEEP_BATCHES.findIndex((b) => b >= (Number(current) || 1));
  if (index < 0) index = SWEEP_BATCHES.length - 1;
  if (document.activeElement !== slider) slider.value = String(index);
  $('sweep-slider-label').textContent = key === 'inference.batch_size' ? 'Concurrent sequences' : 'Micro-batch';
  $('sweep-slider-value').textContent = String(current);
}
function onSweepSlider(commitNow) {
  const batch = SWEEP_BATCHES[Number($('sweep-slider').value)];
  if (batch === undefined) return;
  setPath(state.scenario, sweepKey(), batch);
  $('sweep-slider-value').textContent = String(batch);
  renderForm();
  update();
  if (commitNow) commit();
}
