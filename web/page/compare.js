// Compare: pin the result on screen, change settings, and see both side by side: the peak, the verdict,
// the time, the settings changed and the components that differ ("what does checkpointing buy me").
// Part of the page's bundle (web/build.mjs joins web/page/*.js in one closure; see web/page/README.md).

function pinResult() {
  if (!state.result) return;
  state.pinned = { scenario: clone(state.scenario), result: state.result };
  renderCompare();
  $('compare-section').focus();
}
function unpin() { state.pinned = null; renderCompare(); }
function backToPinned() {
  if (!state.pinned) return;
  state.scenario = clone(state.pinned.scenario);
  renderForm(); update(); commit();
}

function settingChanges(before, after) {
  const a = flatten(before), b = flatten(after);
  const text = (v) => (v === undefined || v === null ? 'default' : isObject(v) ? 'config.json' : String(v));
  return [...new Set([...a.keys(), ...b.keys()])].filter((k) => JSON.stringify(a.get(k)) !== JSON.stringify(b.get(k)))
    .map((k) => k + ': ' + text(a.get(k)) + ' → ' + text(b.get(k)));
}
// Components by id, both sides: those whose bytes differ by a MiB or more.
function componentChanges(before, after) {
  const list = (r) => (r.per_gpu && r.per_gpu.components) || [];
  const ids = [...new Set([...list(before), ...list(after)].map((c) => c.id))];
  const find = (r, id) => list(r).find((c) => c.id === id);
  return ids.map((id) => ({ id, a: find(before, id), b: find(after, id) }))
    .filter((d) => Math.abs(((d.a && d.a.bytes) || 0) - ((d.b && d.b.bytes) || 0)) >= 1048576);
}

function compareRow(label, a, b, diff, cls) {
  return el('tr', { class: cls || null }, el('th', { scope: 'row', text: label }), el('td', { class: 'num', text: a }), el('td', { class: 'num', text: b }),
    el('td', { class: 'num', text: diff }));
}
function signedGib(bytes) { return (bytes > 0 ? '+' : bytes < 0 ? '−' : '') + gibNumber(Math.abs(bytes)); }
function verdictText(r) { return r.fit ? (r.fit.fits ? 'fits' : 'does not fit') : '–'; }

function renderCompare() {
  const section = $('compare-section');
  const box = clear($('compare'));
  $('pin-result').textContent = state.pinned ? 'Pin this result instead' : 'Pin this result to compare';
  section.hidden = !state.pinned;
  if (!state.pinned) return;
  const pinned = state.pinned.result;
  const now = state.result;
  const changes = settingChanges(state.pinned.scenario, state.scenario);
  box.append(el('p', { class: 'hint', text: changes.length ? 'Changed since the pin: ' + changes.join('; ') + '.' : 'Nothing changed since the pin: change a setting to compare.' }));
  if (!now) { box.append(el('p', { class: 'muted', text: 'Waiting for a valid scenario.' })); return; }
  const peak = (r) => (r.per_gpu && r.per_gpu.device_bytes) || 0;
  const time = (r) => (timeWords(r.time)[0] || '–').replace(/^about | \(.*\)$/g, '');
  const rows = [compareRow('Peak per GPU (GiB)', gibNumber(peak(pinned)), gibNumber(peak(now)), signedGib(peak(now) - peak(pinned)), 'device-row'),
    compareRow('Verdict', verdictText(pinned), verdictText(now), ''),
    compareRow('Time', time(pinned), time(now), '')];
  for (const d of componentChanges(pinned, now)) {
    const c = d.b || d.a;
    rows.push(compareRow(c.label || c.id, d.a ? gibNumber(d.a.bytes) : '–', d.b ? gibNumber(d.b.bytes) : '–', signedGib(((d.b && d.b.bytes) || 0) - ((d.a && d.a.bytes) || 0))));
  }
  box.append(scrollTable(el('table', { class: 'data', id: 'compare-table' }, el('caption', { text: 'The pinned result and this one' }),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: '' }), el('th', { scope: 'col', class: 'num', text: 'Pinned' }),
      el('th', { scope: 'col', class: 'num', text: 'Now' }), el('th', { scope: 'col', class: 'num', text: 'Difference' }))),
    el('tbody', {}, rows)), 'The pinned result and this one'));
}
