// The scenario form: built from the field table, shows state.scenario, reads a control back.
// Part of the page's bundle (web/build.mjs joins web/page/*.js in one closure; see web/page/README.md).

function buildForm() {
  const panel = $('workload-panel');
  for (const group of GROUPS) {
    const legendText = typeof group.legend === 'function' ? group.legend('train') : group.legend;
    const fs = el('fieldset', { class: 'group', id: 'group-' + group.id }, el('legend', { text: legendText }));
    for (const f of group.fields) fs.append(buildField(f));
    if (group.id === 'hardware') $('workload-tabs').before(fs);
    else panel.append(fs);
  }
}

function buildField(f) {
  const id = controlId(f.path);
  const described = [];
  const wrap = el('div', { class: 'field field-' + f.type, id: 'field-' + f.path.replace(/\./g, '-') });
  const hint = f.hint ? el('p', { class: 'hint', id: id + '-hint', text: f.hint }) : null;
  if (hint) described.push(id + '-hint');
  const unit = f.unit ? el('span', { class: 'unit', id: id + '-unit', text: f.unit }) : null;
  if (unit) described.push(id + '-unit');
  const error = el('p', { class: 'field-error', id: id + '-error', hidden: true });
  let control;
  if (f.type === 'bool') {
    control = el('input', { type: 'checkbox', id, name: f.path });
    append(wrap, el('div', { class: 'check' }, control, el('label', { for: id, text: f.label })), hint, error);
  } else {
    if (f.type === 'select' || f.type === 'gpu') {
      control = el('select', { id, name: f.path });
      for (const [value, label] of f.options || []) control.append(el('option', { value, text: label }));
    } else if (f.type === 'model') {
      control = el('input', { type: 'search', id, name: f.path, list: 'model-list', autocomplete: 'off', spellcheck: 'false' });
    } else if (f.type === 'targets' || f.type === 'text') {
      control = el('input', { type: 'text', id, name: f.path, autocomplete: 'off', spellcheck: 'false' });
    } else {
      control = el('input', {
        type: 'number', id, name: f.path, inputmode: f.type === 'int' ? 'numeric' : 'decimal',
        min: f.min, max: f.max, step: f.step || (f.type === 'int' ? 1 : 'any'),
        placeholder: f.nullable ? 'default' : null,
      });
    }
    append(wrap, el('label', { for: id, text: f.label }), hint, el('div', { class: 'control-row' }, control, unit), error);
  }
  described.push(id + '-error');
  control.setAttribute('aria-describedby', described.join(' '));
  control.dataset.path = f.path;
  control.dataset.type = f.type;
  return wrap;
}

function fillModelList() {
  const list = $('model-list');
  for (const m of state.models) {
    const label = m.name + ' · ' + (m.params ? count(m.params) : '') + (m.family ? ' · ' + m.family : '');
    list.append(el('option', { value: m.id, label }));
  }
}
function fillCatalogControls() {
  const gpuSelect = $(controlId('gpu'));
  gpuSelect.append(el('option', { value: '', text: 'none (no fit verdict)' }));
  for (const g of state.gpus) {
    gpuSelect.append(el('option', { value: g.id, text: g.name + ' · ' + gibNumber(g.memory_bytes) + ' GiB' }));
  }
}

// Shows state.scenario in the controls.
function renderForm() {
  const s = state.scenario;
  const workload = WORKLOADS.includes(s.workload) ? s.workload : 'train';
  // Image and audio inputs for models with an image or audio rule, expert parallelism for MoE models.
  const features = modelFeatures();
  for (const tab of document.querySelectorAll('#workload-tabs [role=tab]')) {
    const selected = tab.dataset.workload === workload;
    tab.setAttribute('aria-selected', String(selected));
    tab.tabIndex = selected ? 0 : -1;
    if (selected) $('workload-panel').setAttribute('aria-labelledby', tab.id);
  }
  for (const group of GROUPS) {
    const fs = $('group-' + group.id);
    // A field exists exactly when the core reads it (the schema's workloads and conditions).
    const view = Object.assign({}, s, { workload });
    fs.hidden = !group.fields.some((f) => fieldMatters(f, view, features));
    if (typeof group.legend === 'function') fs.querySelector('legend').textContent = group.legend(workload);
    for (const f of group.fields) {
      const control = $(controlId(f.path));
      control.closest('.field').hidden = !fieldMatters(f, view, features);
      writeControl(control, f, getPath(s, f.path));
    }
  }
  const model = $('f-model');
  if (document.activeElement !== model) model.value = isObject(s.model) ? customModelName(s.model) : (s.model == null ? '' : String(s.model));
}

function writeControl(control, f, value) {
  if (document.activeElement === control && f.type !== 'bool' && f.type !== 'select' && f.type !== 'gpu') return;
  if (f.type === 'bool') control.checked = value === true;
  else if (f.type === 'select' || f.type === 'gpu') {
    const v = value == null ? '' : String(value);
    if (![...control.options].some((o) => o.value === v)) control.append(el('option', { value: v, text: v }));
    control.value = v;
  } else if (f.type === 'model') control.value = isObject(value) ? customModelName(value) : (value == null ? '' : String(value));
  else if (f.type === 'targets') control.value = Array.isArray(value) ? value.join(', ') : (value == null ? '' : String(value));
  else control.value = value == null ? '' : String(value);
}

// Reads one control into state.scenario (no validation: the module does that).
function readControl(control) {
  const path = control.dataset.path;
  const type = control.dataset.type;
  const s = state.scenario;
  let value;
  if (type === 'bool') value = control.checked;
  else if (type === 'int') value = /^\s*-?\d+\s*$/.test(control.value) ? Number(control.value) : control.value;
  else if (type === 'float') value = control.value.trim() !== '' && Number.isFinite(Number(control.value)) ? Number(control.value) : control.value;
  else if (type === 'targets') {
    const text = control.value.trim();
    value = text === 'all-linear' ? text : text.split(',').map((t) => t.trim()).filter(Boolean);
  } else value = control.value;

  if (path === 'gpu') {
    if (value === '') delete s.gpu; else s.gpu = value;
  } else if (path === 'rl.reward_model.model') {
    const current = getPath(s, 'rl.reward_model.model');
    if (isObject(current) && value === customModelName(current)) return;
    if (value.trim() === '') s.rl.reward_model = null;
    else {
      const dtype = getPath(s, 'rl.reward_model.weight_dtype') || 'bf16';
      s.rl.reward_model = { model: catalogIdOf(value.trim()), weight_dtype: dtype };
    }
  } else {
    // An emptied optional setting goes back to the core's default (the schema's null).
    const field = fieldOf(path);
    if (field && field.nullable && value === '') deletePath(s, path);
    else setPath(s, path, value);
    applyRules(s, path);
  }
}
function fieldOf(path) {
  for (const group of GROUPS) for (const f of group.fields) if (f.path === path) return f;
  return null;
}
function deletePath(obj, path) {
  const keys = path.split('.');
  const parent = getPath(obj, keys.slice(0, -1).join('.'));
  if (isObject(parent)) delete parent[keys[keys.length - 1]];
}
function catalogIdOf(text) { const m = modelById(text); return m ? m.id : text; }
