// A framework config read into a scenario (docs/configs.md "Import"): a verl command line or launch script,
// a NeMo RL or NeMo Automodel YAML recipe, a TRL command. web/import.js parses the YAML and the module
// (importConfig) does the rest; the page shows what it understood, what it could not map, and the config
// edited with the first suggestion that fits.
// Part of the page's bundle (web/build.mjs joins web/page/*.js in one closure; see web/page/README.md).

// Which framework a text is, from the keys and launchers each one's configs always carry; the user can
// pick it instead (the select), and the module refuses a wrong pick with the key it did not expect.
const IMPORT_SIGNS = [
  ['verl', /verl\.trainer|actor_rollout_ref/],
  ['trl', /(^|\s)(trl\s+(sft|grpo|dpo|rloo|ppo|reward)|trl\/scripts|accelerate\s+launch)/m],
  ['nemo-automodel', /^\s*(step_scheduler|recipe|distributed|peft)\s*:|_target_\s*:|(^|\s)automodel\s/m],
  ['nemo-rl', /^\s*(policy|grpo|dpo|sft|cluster|loss_fn|defaults)\s*:/m],
];
const IMPORT_NAMES = { verl: 'verl', 'nemo-rl': 'NeMo RL', 'nemo-automodel': 'NeMo Automodel', trl: 'TRL' };

function guessImportFormat(text) {
  const found = IMPORT_SIGNS.find(([, sign]) => sign.test(text));
  return found ? found[0] : '';
}

function showImportError(message) {
  const p = $('f-import-error');
  p.hidden = false;
  p.textContent = message;
  $('f-import-text').setAttribute('aria-invalid', 'true');
  clear($('import-result'));
}

function useImportText(text) {
  $('f-import-error').hidden = true;
  $('f-import-text').removeAttribute('aria-invalid');
  const format = $('f-import-format').value || guessImportFormat(text);
  if (!format) { showImportError('Which framework is this? Pick it in the list above: no verl, NeMo RL, Automodel or TRL key was recognised.'); return; }
  const r = window.VramplanImport.importText(state.api, format, text, { gpu: state.scenario.gpu || '' });
  if (!r.ok) { showImportError('As ' + IMPORT_NAMES[format] + ': ' + r.error.message); return; }
  const v = r.value;
  state.scenario = v.scenario;
  renderForm();
  update();
  commit();
  renderImportResult(format, v);
}

// The scenario understood (the keys that differ from the core's defaults, as the form's paths), what the
// module could not map, the edits it made, and the edited config with a Copy button.
function scenarioLines(s) {
  return [...flatten(s)].filter(([path, value]) => value !== null && JSON.stringify(getPath(CORE_DEFAULTS, path)) !== JSON.stringify(value))
    .map(([path, value]) => path + ' = ' + (isObject(value) ? JSON.stringify(value) : String(value)));
}
function importList(summary, cls, lines) {
  return lines.length ? el('details', { class: 'import-' + cls }, el('summary', { text: summary }), el('ul', { class: 'warnings' }, lines.map((w) => el('li', { text: w })))) : null;
}

function renderImportResult(format, v) {
  const s = v.scenario || {};
  const box = clear($('import-result'));
  const model = isObject(s.model) ? customModelName(s.model) : String(s.model);
  box.append(el('p', { class: 'answer-line', text: 'Read as ' + IMPORT_NAMES[format] + ': ' + model + ', ' +
    (s.workload || 'train') + ', ' + (s.gpus || 1) + ' GPU' + (s.gpus === 1 ? '' : 's') + '. The verdict is at the top; the form below shows every setting.' }));
  const text = (w) => (typeof w === 'string' ? w : w.message || JSON.stringify(w));
  const unmapped = (v.unmapped || []).map(text);
  const n = (k, word) => k + ' ' + word + (k === 1 ? '' : 's');
  append(box, importList('The scenario understood: ' + n(scenarioLines(s).length, 'setting') + ' besides the defaults', 'scenario', scenarioLines(s)),
    importList(n(unmapped.length, 'key') + ' not mapped (not modelled)', 'unmapped', unmapped),
    importList(n((v.warnings || []).length, 'note') + ': what was assumed or not modelled', 'warnings', (v.warnings || []).map(text)));
  const fixed = window.VramplanImport.fixedText(v);
  if (fixed) {
    const edits = (v.fix || []).map((e) => e.key + ': ' + JSON.stringify(e.value) + (e.why ? ' (' + e.why + ')' : ''));
    box.append(el('p', { class: 'hint', text: edits.length ? 'Your config with the first change that fits: ' + edits.join('; ') + '.' : 'Your config as read:' }),
      el('div', { class: 'copy-row copy-row-top' }, el('button', { type: 'button', class: 'copy', 'data-copy': 'import-fixed', text: 'Copy edited config' })),
      el('pre', { class: 'config', id: 'import-fixed', tabindex: 0 }, el('code', { text: fixed })));
  }
}

// The pane is a drop zone too: a dropped file or text is read as if pasted.
function bindImport() {
  $('use-import').addEventListener('click', () => useImportText($('f-import-text').value));
  const zone = $('import-config');
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('dragging'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    e.stopPropagation();
    zone.classList.remove('dragging');
    zone.open = true;
    const file = e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files[0];
    const take = (text) => { $('f-import-text').value = text; useImportText(text); };
    if (file) {
      if (file.size > 4 * 1024 * 1024) { showImportError('That file is larger than 4 MiB; a config or launch script is a few kilobytes.'); return; }
      const reader = new FileReader();
      reader.onload = () => take(String(reader.result));
      reader.readAsText(file);
    } else if (e.dataTransfer && e.dataTransfer.getData('text/plain')) {
      take(e.dataTransfer.getData('text/plain'));
    }
  });
}
