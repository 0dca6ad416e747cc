// Memory over one RL step as one chart: the phases (rollout, scoring, train, ...) side by side, each as
// wide as the module's time for it (equal widths when the estimate has no time), its height the device
// memory per GPU, stacked by role (policy, reference, rollout engine, ...), with the GPU's capacity.
// Part of the page's bundle (web/build.mjs joins web/page/*.js in one closure; see web/page/README.md).

// Roles in stacking order, each with its colour (a seg-N class) and words; the policy's lines carry no prefix.
const ROLES = [['', 0, 'policy'], ['reference', 1, 'reference'], ['critic', 3, 'critic'], ['reward', 4, 'reward model'],
  ['rollout', 2, 'rollout engine'], ['other', 9, 'CUDA context and allocator cache']];
function roleOf(id) {
  if (id === 'cuda_context' || id === 'allocator') return 'other';
  const dot = id.indexOf('.');
  const role = dot > 0 ? id.slice(0, dot) : '';
  return ROLES.some((r) => r[0] === role) ? role : '';
}
function phaseSeconds(p) {
  const t = p.time && p.time.seconds;
  return t && typeof t.value === 'number' && t.value > 0 ? t.value : null;
}

function rlTimeline(phases, capacity, W) {
  const H = 240, L = 48, R = 8, T = 26, B = 34;
  const timed = phases.every((p) => phaseSeconds(p) !== null);
  const total = phases.reduce((a, p) => a + (timed ? phaseSeconds(p) : 1), 0);
  const top = Math.max(capacity, ...phases.map((p) => p.per_gpu.device_bytes || 0)) * 1.08 || GIB;
  const yOf = (bytes) => T + (1 - bytes / top) * (H - T - B);
  const root = svg('svg', { class: 'chart timeline', viewBox: '0 0 ' + W + ' ' + H, role: 'img',
    'aria-label': 'Device memory per GPU over one RL step, phase by phase; the numbers are in the table below.' });
  const step = niceStep(top / GIB / 4);
  for (let v = 0; v * GIB <= top; v += step) {
    root.append(svg('line', { class: 'grid', x1: L, x2: W - R, y1: yOf(v * GIB), y2: yOf(v * GIB) }),
      svg('text', { class: 'tick', x: L - 6, y: yOf(v * GIB) + 4, 'text-anchor': 'end', text: String(v) }));
  }
  let x = L, elapsed = 0;
  for (const p of phases) {
    const w = ((timed ? phaseSeconds(p) : 1) / total) * (W - L - R);
    let y = yOf(0);
    for (const [role, colour, words] of ROLES) {
      const bytes = (p.per_gpu.components || []).filter((c) => roleOf(c.id) === role).reduce((a, c) => a + c.bytes, 0);
      if (bytes <= 0) continue;
      const h = yOf(0) - yOf(bytes);
      y -= h;
      root.append(svg('rect', { class: 'seg seg-' + colour, x: x.toFixed(1), y: y.toFixed(1), width: Math.max(1, w - 2).toFixed(1), height: h.toFixed(1) },
        svg('title', { text: p.id + ', ' + words + ': ' + gib(bytes) })));
    }
    root.append(svg('text', { class: 'tick', x: x + w / 2, y: yOf(p.per_gpu.device_bytes || 0) - 6, 'text-anchor': 'middle', text: p.id + ' ' + gibNumber(p.per_gpu.device_bytes || 0) }));
    x += w;
    elapsed += timed ? phaseSeconds(p) : 0;
    if (timed) root.append(svg('text', { class: 'tick', x: Math.min(x, W - R - 2), y: H - B + 14, 'text-anchor': 'end', text: duration(elapsed) }));
  }
  root.append(svg('text', { class: 'axis-label', x: L + (W - L - R) / 2, y: H - 4, 'text-anchor': 'middle',
    text: timed ? 'time into the step (each phase as long as the time model estimates)' : 'phases of one step (no time without a GPU)' }));
  if (capacity > 0) root.append(svg('line', { class: 'gpu-line selected', x1: L, x2: W - R, y1: yOf(capacity), y2: yOf(capacity) }));
  return el('div', { class: 'chart-wrap' }, root);
}

function timelineLegend(phases) {
  const present = ROLES.filter(([role]) => phases.some((p) => (p.per_gpu.components || []).some((c) => roleOf(c.id) === role && c.bytes > 0)));
  return el('ul', { class: 'legend' }, present.map(([, colour, words]) => el('li', {}, el('span', { class: 'swatch seg-' + colour, 'aria-hidden': 'true' }), words)));
}

function phaseTable(phases, capacity) {
  return scrollTable(el('table', { class: 'data', id: 'phase-table' }, el('caption', { text: 'Each phase of one RL step' }),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'Phase' }), el('th', { scope: 'col', class: 'num', text: 'GiB per GPU' }),
      el('th', { scope: 'col', class: 'num', text: 'Of the GPU' }), el('th', { scope: 'col', class: 'num', text: 'Time' }))),
    el('tbody', {}, phases.map((p) => el('tr', { 'data-phase': p.id }, el('th', { scope: 'row', text: p.id }),
      el('td', { class: 'num', text: gibNumber(p.per_gpu.device_bytes || 0) }),
      el('td', { class: 'num', text: capacity ? pct(p.per_gpu.device_bytes || 0, capacity) : '–' }),
      el('td', { class: 'num', text: phaseSeconds(p) === null ? '–' : duration(phaseSeconds(p)) }))))), 'Each phase of one RL step');
}

function renderPhases(r, capacity) {
  const box = clear($('phases'));
  const phases = (Array.isArray(r.phases) ? r.phases : []).filter((p) => p && p.per_gpu);
  if (!phases.length) return;
  box.append(el('h3', { text: 'Memory over one RL step' }),
    el('p', { class: 'hint', text: 'Each phase on its own, coloured by role; the peak above is the highest. The line is the GPU’s capacity.' }),
    rlTimeline(phases, capacity, chartWidth()), timelineLegend(phases), phaseTable(phases, capacity));
}
