// vramplan's page: renders the scenario form and the module's results. No estimation logic lives
// here; every number comes from the WebAssembly module (api.js), which speaks docs/CONTRACT.md.
//
// Rules kept throughout: user text (model ids, pasted configs, URL values, error messages echoing
// them) reaches the DOM only through textContent and attributes, never as HTML; everything the
// user sets lives in the URL fragment.
(function () {
  'use strict';

  // ---------------------------------------------------------------------------------------------
  // The scenario: defaults, fields, URL fragment

  // Keys never created from a link or a patch (prototype pollution).
  const FORBIDDEN_KEYS = new Set(['__proto__', 'prototype', 'constructor']);

  // The core's documented defaults (docs/scenario.md, core/scenario/include/vramplan/scenario.hpp). The link
  // holds only what differs from these, so links stay short and mean the same thing later.
  const CORE_DEFAULTS = {
    workload: 'train',
    gpus: 1,
    train: {
      method: 'full', precision: 'amp-bf16', optimizer: 'adamw', micro_batch_size: 1, seq_len: 2048,
      gradient_checkpointing: false, attention: 'flash', lora: { rank: 16, alpha: 32, targets: 'all-linear' },
      sharding: 'none', tp: 1, pp: 1, cp: 1, offload_optimizer: false, offload_params: false,
    },
    inference: {
      engine: 'hf', batch_size: 1, context_len: 4096, weight_dtype: 'bf16', kv_dtype: 'bf16',
      gpu_memory_utilization: 0.9, attention: 'flash', tp: 1, pp: 1,
    },
    rl: {
      algorithm: 'grpo', reference: true, critic: false, reward_model: null,
      rollout: {
        engine: 'vllm', colocated: true, gpu_memory_utilization: 0.6, prompts_per_step: 32,
        generations_per_prompt: 16, max_prompt_len: 512, max_response_len: 1024, tp: 1,
      },
    },
  };

  // The page's example (docs/CONTRACT.md's scenario; the seed guide: a Qwen2.5-7B-Instruct policy trained
  // with GRPO, a Qwen2.5-14B-Instruct judge, batch 8, on an H100).
  const EXAMPLE = merge(clone(CORE_DEFAULTS), {
    model: 'Qwen/Qwen2.5-7B-Instruct',
    workload: 'rl',
    gpu: 'H100-SXM-80GB',
    gpus: 1,
    train: { micro_batch_size: 8, seq_len: 1536 },
    rl: { reward_model: { model: 'Qwen/Qwen2.5-14B-Instruct', weight_dtype: 'bf16' } },
  });

  const WORKLOADS = ['train', 'rl', 'inference'];
  const DTYPES = [['fp32', 'fp32'], ['bf16', 'bf16'], ['fp16', 'fp16'], ['fp8', 'fp8'], ['int8', 'int8'], ['int4', 'int4']];
  const ATTENTION = [['flash', 'FlashAttention'], ['sdpa', 'PyTorch SDPA'], ['eager', 'eager (materialises scores)']];
  const ENGINES = [['hf', 'Hugging Face generate'], ['vllm', 'vLLM']];

  // Each group is a fieldset; each field names its scenario path, control, label, hint and unit.
  const GROUPS = [
    {
      id: 'hardware', legend: 'Hardware', workloads: WORKLOADS, fields: [
        { path: 'gpu', label: 'GPU', type: 'gpu', hint: 'Capacity as the device reports it (nvidia-smi).' },
        { path: 'gpus', label: 'GPUs in the job', type: 'int', min: 1, max: 65536, unit: 'GPUs',
          hint: 'Data-parallel size = GPUs ÷ (TP × PP × CP).' },
      ],
    },
    {
      id: 'train', legend: (w) => (w === 'rl' ? 'Policy training' : 'Training'), workloads: ['train', 'rl'], fields: [
        { path: 'train.method', label: 'Method', type: 'select',
          options: [['full', 'full fine-tuning'], ['lora', 'LoRA'], ['qlora', 'QLoRA (4-bit NF4 base)']] },
        { path: 'train.precision', label: 'Precision', type: 'select', hint: 'Where the fp32 copies live.',
          options: [['amp-bf16', 'AMP bf16 (fp32 weights, bf16 compute)'], ['amp-fp16', 'AMP fp16'],
            ['bf16', 'pure bf16 (no fp32 master)'], ['mixed-bf16', 'bf16 + fp32 master (Megatron, DeepSpeed)'], ['fp32', 'fp32']] },
        { path: 'train.optimizer', label: 'Optimizer', type: 'select',
          options: [['adamw', 'AdamW'], ['adamw-8bit', 'AdamW 8-bit'], ['sgd', 'SGD with momentum'], ['adafactor', 'Adafactor']] },
        { path: 'train.micro_batch_size', label: 'Micro batch size', type: 'int', min: 1, max: 65536, unit: 'sequences',
          hint: 'Sequences per GPU per forward/backward pass.' },
        { path: 'train.seq_len', label: 'Sequence length', type: 'int', min: 1, max: 16777216, unit: 'tokens',
          hint: 'For RL: prompt plus response.' },
        { path: 'train.gradient_checkpointing', label: 'Gradient checkpointing', type: 'bool',
          hint: 'Recompute activations in the backward pass instead of keeping them.' },
        { path: 'train.attention', label: 'Attention kernel', type: 'select', options: ATTENTION },
      ],
    },
    {
      id: 'lora', legend: 'LoRA adapters', workloads: ['train', 'rl'], when: (s) => s.train && s.train.method !== 'full', fields: [
        { path: 'train.lora.rank', label: 'Rank', type: 'int', min: 1, max: 65536 },
        { path: 'train.lora.alpha', label: 'Alpha', type: 'float', min: 0, step: 'any' },
        { path: 'train.lora.targets', label: 'Target modules', type: 'targets',
          hint: '“all-linear”, or module names separated by commas (q_proj, v_proj, …).' },
      ],
    },
    {
      id: 'parallel', legend: 'Sharding, parallelism, offload', workloads: ['train', 'rl'], fields: [
        { path: 'train.sharding', label: 'Sharding', type: 'select',
          options: [['none', 'none (DDP)'], ['zero1', 'ZeRO-1'], ['zero2', 'ZeRO-2'], ['zero3', 'ZeRO-3'], ['fsdp', 'FSDP (full shard)']] },
        { path: 'train.tp', label: 'Tensor parallel (TP)', type: 'int', min: 1, max: 1024 },
        { path: 'train.pp', label: 'Pipeline parallel (PP)', type: 'int', min: 1, max: 1024 },
        { path: 'train.cp', label: 'Context parallel (CP)', type: 'int', min: 1, max: 1024 },
        { path: 'train.offload_optimizer', label: 'Offload optimizer states to CPU', type: 'bool' },
        { path: 'train.offload_params', label: 'Offload parameters to CPU', type: 'bool' },
      ],
    },
    {
      id: 'rl', legend: 'RL roles', workloads: ['rl'], fields: [
        { path: 'rl.algorithm', label: 'Algorithm', type: 'select', options: [['grpo', 'GRPO'], ['ppo', 'PPO'], ['dpo', 'DPO']] },
        { path: 'rl.reference', label: 'Reference model (KL term)', type: 'bool', hint: 'A frozen copy of the policy.' },
        { path: 'rl.critic', label: 'Critic (value model)', type: 'bool', hint: 'Trained alongside the policy (PPO).' },
        { path: 'rl.reward_model.model', label: 'Reward or judge model', type: 'model',
          hint: 'Leave empty for rule-based rewards.' },
        { path: 'rl.reward_model.weight_dtype', label: 'Reward model weights', type: 'select', options: DTYPES,
          when: (s) => !!(s.rl && s.rl.reward_model) },
      ],
    },
    {
      id: 'rollout', legend: 'Rollout (generation)', workloads: ['rl'], fields: [
        { path: 'rl.rollout.engine', label: 'Engine', type: 'select', options: ENGINES },
        { path: 'rl.rollout.colocated', label: 'Colocated with training', type: 'bool',
          hint: 'Generation and training share the GPUs; generation memory is released while training.' },
        { path: 'rl.rollout.gpu_memory_utilization', label: 'vLLM gpu_memory_utilization', type: 'float', min: 0.05, max: 1, step: 0.05,
          hint: 'Share of GPU memory the engine reserves.', when: (s) => s.rl && s.rl.rollout && s.rl.rollout.engine === 'vllm' },
        { path: 'rl.rollout.prompts_per_step', label: 'Prompts per step', type: 'int', min: 1, unit: 'prompts' },
        { path: 'rl.rollout.generations_per_prompt', label: 'Generations per prompt', type: 'int', min: 1, max: 4096 },
        { path: 'rl.rollout.max_prompt_len', label: 'Max prompt length', type: 'int', min: 1, unit: 'tokens' },
        { path: 'rl.rollout.max_response_len', label: 'Max response length', type: 'int', min: 1, unit: 'tokens' },
        { path: 'rl.rollout.tp', label: 'Rollout tensor parallel', type: 'int', min: 1, max: 1024 },
      ],
    },
    {
      id: 'inference', legend: 'Serving', workloads: ['inference'], fields: [
        { path: 'inference.engine', label: 'Engine', type: 'select', options: ENGINES },
        { path: 'inference.batch_size', label: 'Concurrent sequences', type: 'int', min: 1, max: 65536, unit: 'sequences' },
        { path: 'inference.context_len', label: 'Context length', type: 'int', min: 1, unit: 'tokens', hint: 'Prompt plus generated tokens.' },
        { path: 'inference.weight_dtype', label: 'Weights', type: 'select', options: DTYPES },
        { path: 'inference.kv_dtype', label: 'KV cache', type: 'select', options: DTYPES.slice(0, 4) },
        { path: 'inference.gpu_memory_utilization', label: 'vLLM gpu_memory_utilization', type: 'float', min: 0.05, max: 1, step: 0.05,
          when: (s) => s.inference && s.inference.engine === 'vllm' },
        { path: 'inference.attention', label: 'Attention kernel', type: 'select', options: ATTENTION },
        { path: 'inference.tp', label: 'Tensor parallel (TP)', type: 'int', min: 1, max: 1024 },
        { path: 'inference.pp', label: 'Pipeline parallel (PP)', type: 'int', min: 1, max: 1024 },
      ],
    },
  ];
  const FIELD_PATHS = ['model'].concat(...GROUPS.map((g) => g.fields.map((f) => f.path)));
  const CONFIG_FORMATS = ['nemo-rl', 'nemo-automodel', 'verl', 'trl'];
  const SWEEP_BATCHES = [1, 2, 4, 8, 16, 32, 64, 128, 256];

  function clone(v) { return v === undefined ? undefined : JSON.parse(JSON.stringify(v)); }
  function isObject(v) { return v !== null && typeof v === 'object' && !Array.isArray(v); }
  // Deep merge of a patch (recommend's scenario_patch, the example) into a target.
  function merge(target, patch) {
    for (const key of Object.keys(patch)) {
      if (FORBIDDEN_KEYS.has(key)) continue;
      if (isObject(patch[key]) && isObject(target[key])) merge(target[key], patch[key]);
      else target[key] = clone(patch[key]);
    }
    return target;
  }
  function getPath(obj, path) {
    let v = obj;
    for (const k of path.split('.')) {
      if (!isObject(v) || !Object.prototype.hasOwnProperty.call(v, k)) return undefined;
      v = v[k];
    }
    return v;
  }
  function setPath(obj, path, value) {
    const keys = path.split('.');
    let v = obj;
    for (let i = 0; i < keys.length - 1; i++) {
      if (!isObject(v[keys[i]])) v[keys[i]] = {};
      v = v[keys[i]];
    }
    v[keys[keys.length - 1]] = value;
  }
  // Leaves of a scenario as path → value. Models given as config objects and lists are leaves.
  function flatten(obj, prefix, out) {
    out = out || new Map();
    for (const key of Object.keys(obj)) {
      const path = prefix ? prefix + '.' + key : key;
      const v = obj[key];
      if (isObject(v) && path !== 'model' && path !== 'rl.reward_model.model') flatten(v, path, out);
      else out.set(path, v);
    }
    return out;
  }
  const DEFAULT_LEAVES = flatten(CORE_DEFAULTS);
  DEFAULT_LEAVES.set('rl.reward_model.weight_dtype', 'bf16');

  function sameValue(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

  function encodeValue(v) {
    const text = typeof v === 'string' && !looksLikeJson(v) ? v : JSON.stringify(v);
    return encodeURIComponent(text).replace(/%2F/g, '/').replace(/%3A/g, ':');
  }
  function looksLikeJson(text) {
    return /^(?:-?\d|true$|false$|null$|["{[])/.test(text);
  }
  function decodeValue(text) {
    if (looksLikeJson(text)) {
      try { return JSON.parse(text); } catch (e) { /* a plain string after all */ }
    }
    return text;
  }

  // The fragment: "#" [embed "&"] path=value ("&" path=value)*, values that differ from the core's
  // defaults, in the form's order.
  function toFragment(scenario, embed) {
    const leaves = flatten(scenario);
    const parts = embed ? ['embed'] : [];
    const order = FIELD_PATHS.concat([...leaves.keys()].filter((p) => !FIELD_PATHS.includes(p)));
    const algorithm = getPath(scenario, 'rl.algorithm');
    for (const path of order) {
      if (!leaves.has(path)) continue;
      const v = leaves.get(path);
      let fallback = DEFAULT_LEAVES.get(path);
      if (path === 'rl.critic') fallback = algorithm === 'ppo';
      if (path !== 'model' && path !== 'gpu' && DEFAULT_LEAVES.has(path) && sameValue(v, fallback)) continue;
      parts.push(path + '=' + encodeValue(v));
    }
    return parts.join('&');
  }

  class LinkError extends Error {}

  // Reads a fragment into {scenario, embed}. Values are typed as JSON where they parse as JSON, else
  // kept as text; the module validates them and reports any problem with its JSON pointer.
  function fromFragment(fragment) {
    const scenario = clone(CORE_DEFAULTS);
    delete scenario.rl.critic;  // the core's default depends on the algorithm
    let embed = false;
    for (const part of fragment.split('&')) {
      if (part === '') continue;
      if (part === 'embed') { embed = true; continue; }
      const eq = part.indexOf('=');
      if (eq <= 0) throw new LinkError('“' + part.slice(0, 80) + '” is not of the form name=value');
      let key, text;
      try {
        key = decodeURIComponent(part.slice(0, eq));
        text = decodeURIComponent(part.slice(eq + 1));
      } catch (e) {
        throw new LinkError('“' + part.slice(0, 80) + '” is not valid percent-encoding');
      }
      if (!/^[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*$/.test(key) || key.split('.').some((k) => FORBIDDEN_KEYS.has(k))) {
        throw new LinkError('“' + key.slice(0, 80) + '” is not a scenario setting');
      }
      setPath(scenario, key, decodeValue(text));
    }
    // A link may set `rl` itself to a non-object; the module then reports it at /rl.
    if (isObject(scenario.rl) && getPath(scenario, 'rl.critic') === undefined) {
      scenario.rl.critic = getPath(scenario, 'rl.algorithm') === 'ppo';
    }
    return { scenario, embed };
  }

  // ---------------------------------------------------------------------------------------------
  // DOM helpers (text only: no HTML parsing anywhere)

  const $ = (id) => document.getElementById(id);
  // Appends nodes and text (as text), skipping null, undefined and false.
  function append(parent, ...children) {
    for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) parent.append(c instanceof Node ? c : String(c));
    return parent;
  }
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    setAttrs(e, attrs);
    return append(e, ...children);
  }
  const SVG_NS = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs, ...children) {
    const e = document.createElementNS(SVG_NS, tag);
    setAttrs(e, attrs);
    return append(e, ...children);
  }
  function setAttrs(e, attrs) {
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') e.setAttribute('class', v);
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  function controlId(path) { return 'f-' + path.replace(/\./g, '-'); }

  const GIB = 1024 * 1024 * 1024;
  function gib(bytes) {
    const v = bytes / GIB;
    return (Math.abs(v) < 10 ? v.toFixed(2) : v.toFixed(1)) + ' GiB';
  }
  function gibNumber(bytes) { const v = bytes / GIB; return Math.abs(v) < 10 ? v.toFixed(2) : v.toFixed(1); }
  function count(n) {
    if (n >= 1e9) return (n / 1e9).toFixed(n >= 1e11 ? 0 : 2) + ' B';
    if (n >= 1e6) return (n / 1e6).toFixed(n >= 1e8 ? 0 : 1) + ' M';
    if (n >= 1e3) return (n / 1e3).toFixed(1) + ' K';
    return String(n);
  }
  function grouped(n) { return Number(n).toLocaleString('en-US'); }
  function pct(part, whole) { return whole > 0 ? (100 * part / whole).toFixed(1) + '%' : '–'; }

  // ---------------------------------------------------------------------------------------------
  // State

  const state = {
    api: null,
    models: [],       // catalog listing
    gpus: [],         // catalog listing
    scenario: clone(EXAMPLE),
    embed: false,
    fragment: null,   // the fragment last written or read
    configFormat: 'nemo-rl',
    paramsCache: new Map(),
    later: 0,         // timer of the deferred panes
    drawn: null,      // the scenario (as JSON text) the results show
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

  // ---------------------------------------------------------------------------------------------
  // The form

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
      } else if (f.type === 'targets') {
        control = el('input', { type: 'text', id, name: f.path, autocomplete: 'off', spellcheck: 'false' });
      } else {
        control = el('input', {
          type: 'number', id, name: f.path, inputmode: f.type === 'int' ? 'numeric' : 'decimal',
          min: f.min, max: f.max, step: f.step || (f.type === 'int' ? 1 : 'any'),
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

  function fillCatalogControls() {
    const list = $('model-list');
    for (const m of state.models) {
      const label = m.name + ' · ' + (m.params ? count(m.params) : '') + (m.family ? ' · ' + m.family : '');
      list.append(el('option', { value: m.id, label }));
    }
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
    for (const tab of document.querySelectorAll('#workload-tabs [role=tab]')) {
      const selected = tab.dataset.workload === workload;
      tab.setAttribute('aria-selected', String(selected));
      tab.tabIndex = selected ? 0 : -1;
      if (selected) $('workload-panel').setAttribute('aria-labelledby', tab.id);
    }
    for (const group of GROUPS) {
      const fs = $('group-' + group.id);
      fs.hidden = !group.workloads.includes(workload) || (group.when ? !group.when(s) : false);
      if (typeof group.legend === 'function') fs.querySelector('legend').textContent = group.legend(workload);
      for (const f of group.fields) {
        const control = $(controlId(f.path));
        control.closest('.field').hidden = f.when ? !f.when(s) : false;
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
      setPath(s, path, value);
      if (path === 'rl.algorithm') s.rl.critic = value === 'ppo';
    }
  }
  function catalogIdOf(text) { const m = modelById(text); return m ? m.id : text; }

  // ---------------------------------------------------------------------------------------------
  // History: every committed change is a new entry in the URL fragment

  function commit() {
    const fragment = toFragment(state.scenario, state.embed);
    if (fragment !== state.fragment) {
      state.fragment = fragment;
      history.pushState(null, '', '#' + fragment);
    }
    renderShare();
  }

  function loadFragment() {
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
    renderForm();
    update();
    renderShare();
  }

  // ---------------------------------------------------------------------------------------------
  // Results

  function update() {
    const s = state.scenario;
    // The same scenario twice (an input event, then its change event) is drawn once, so that what
    // the user is about to click is not replaced under the pointer.
    const key = JSON.stringify(s);
    if (key === state.drawn) return;
    state.drawn = key;
    clearErrors();
    const result = state.api.estimate(s);
    const invalid = !result.ok && result.error.kind !== 'not_implemented';
    document.getElementById('results').classList.toggle('stale', invalid);
    if (invalid) {
      showErrors([result.error]);
      renderSummaryText('Fix the highlighted setting to see the estimate.');
    } else if (!result.ok) {
      renderNotYet(result.error);
    } else {
      renderEstimate(result.value);
    }
    renderModelInfo();
    if (!document.documentElement.dataset.firstResult) {
      document.documentElement.dataset.firstResult = String(Math.round(performance.now()));
      performance.mark('vramplan-first-result');
    }
    // The heavier panes follow once the first result is on screen.
    clearTimeout(state.later);
    state.later = setTimeout(() => {
      renderParams();
      if (invalid) {
        for (const id of ['gpu-table', 'suggestions', 'sweep', 'config-panel']) {
          clear($(id)).append(el('p', { class: 'muted', text: 'Waiting for a valid scenario.' }));
        }
      } else {
        renderRecommend();
        renderSweep();
        renderConfig();
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

  function renderEstimate(r) {
    const per = r.per_gpu || {};
    const fit = r.fit;
    const device = per.device_bytes || 0;
    let text = 'Needs ' + gib(device) + ' per GPU at the peak' + (per.phase ? ' (' + per.phase + ' phase)' : '') + '.';
    if (fit) {
      const g = gpuById(fit.gpu);
      const name = g ? g.name : fit.gpu;
      text += fit.fits
        ? ' Fits on ' + name + ' (' + gib(fit.capacity_bytes) + ') with ' + gib(fit.headroom_bytes) + ' to spare.'
        : ' Does not fit on ' + name + ' (' + gib(fit.capacity_bytes) + '): ' + gib(-fit.headroom_bytes) + ' short.';
    }
    if (per.host_bytes > 0) text += ' Host RAM for offloaded states: ' + gib(per.host_bytes) + ' per GPU process.';
    renderSummaryText(text);

    const box = clear($('breakdown'));
    const verdict = fit ? el('p', { class: 'verdict ' + (fit.fits ? 'verdict-fits' : 'verdict-no') },
      el('span', { class: 'verdict-mark', 'aria-hidden': 'true', text: fit.fits ? '✓' : '✗' }),
      fit.fits ? ' Fits' : ' Does not fit') : null;
    append(box, verdict);
    const capacity = fit ? fit.capacity_bytes : 0;
    const scale = Math.max(device, capacity) * 1.04 || 1;
    box.append(stackedBar(per.components || [], scale, capacity, 'Breakdown of ' + gib(device) + ' per GPU'));
    if (capacity) box.append(el('p', { class: 'hint', text: 'The dashed line is the GPU’s capacity, ' + gib(capacity) + '. Colours match the table.' }));
    box.append(componentTable(per, capacity));

    const phases = clear($('phases'));
    if (Array.isArray(r.phases) && r.phases.length) {
      const max = Math.max(capacity, ...r.phases.map((p) => (p.per_gpu && p.per_gpu.device_bytes) || 0)) * 1.04 || 1;
      phases.append(el('h3', { text: 'Phases of one RL step' }),
        el('p', { class: 'hint', text: 'Each phase on its own; the peak above is the largest. Same scale, the line is the GPU’s capacity.' }));
      for (const p of r.phases) {
        const pg = p.per_gpu || {};
        const label = String(p.id) + ': ' + gib(pg.device_bytes || 0) + (capacity ? ' (' + pct(pg.device_bytes || 0, capacity) + ' of the GPU)' : '');
        phases.append(el('div', { class: 'phase' }, el('p', { class: 'phase-label', text: label }),
          stackedBar(pg.components || [], max, capacity, 'Phase ' + p.id + ': ' + gib(pg.device_bytes || 0))));
      }
    }
    const warnings = clear($('warnings'));
    if (Array.isArray(r.warnings) && r.warnings.length) {
      warnings.append(el('ul', { class: 'warnings' }, r.warnings.map((w) => el('li', { text: typeof w === 'string' ? w : (w.message || JSON.stringify(w)) }))));
    }
  }

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

  function componentTable(per, capacity) {
    const device = per.device_bytes || 0;
    const rows = (per.components || []).map((c, i) => el('tr', {},
      el('th', { scope: 'row' }, el('span', { class: 'swatch ' + segmentClass(i), 'aria-hidden': 'true' }),
        el('span', { class: 'component-label', text: c.label || c.id }),
        c.formula ? el('span', { class: 'formula', text: c.formula }) : null),
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
      el('tbody', {}, rows), el('tfoot', {}, foot)), 'Memory per GPU by component');
  }

  function scrollTable(table, label) {
    return el('div', { class: 'table-scroll', role: 'region', 'aria-label': label, tabindex: 0 }, table);
  }

  function renderModelInfo() {
    const info = $('f-model-info');
    const m = state.scenario.model;
    if (isObject(m)) { info.textContent = 'Using a pasted config.json (' + (m.model_type || 'unknown type') + ').'; return; }
    const entry = modelById(m);
    info.textContent = entry
      ? entry.name + ': ' + count(entry.params || 0) + ' parameters' + (entry.active_params && entry.active_params !== entry.params ? ' (' + count(entry.active_params) + ' active)' : '') +
        (entry.gated ? '; gated on the Hub' : '') + '.'
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
      return;
    }
    const selected = (state.scenario.gpu || '').toLowerCase();
    const verdictText = { fits: 'fits', tight: 'tight', no: 'does not fit' };
    const verdictMark = { fits: '✓', tight: '!', no: '✗' };
    const rows = (r.value.gpus || []).map((g) => {
      const isSelected = g.id.toLowerCase() === selected;
      return el('tr', { class: isSelected ? 'selected' : null, 'data-gpu': g.id },
        el('th', { scope: 'row' }, el('span', { text: g.name || g.id }), isSelected ? el('span', { class: 'tag', text: 'selected' }) : null),
        el('td', { class: 'num', text: gibNumber(g.memory_bytes) }),
        el('td', { class: 'verdict-cell verdict-' + g.verdict },
          el('span', { class: 'verdict-mark', 'aria-hidden': 'true', text: verdictMark[g.verdict] || '?' }), ' ' + (verdictText[g.verdict] || g.verdict)),
        el('td', { class: 'num', text: g.min_gpus ? String(g.min_gpus) : 'none' }),
        el('td', { class: 'num', text: g.max_micro_batch ? String(g.max_micro_batch) : 'none' }),
        el('td', { class: 'num', text: g.headroom_bytes == null ? '–' : gibNumber(g.headroom_bytes) }),
        el('td', {}, isSelected ? null : el('button', { type: 'button', class: 'button-small', 'data-use-gpu': g.id,
          'aria-label': 'Use ' + (g.name || g.id), text: 'Use' })));
    });
    clear(table).append(scrollTable(el('table', { class: 'data', id: 'recommend-table' },
      el('caption', { text: 'Every catalog GPU for this scenario (' + state.scenario.gpus + ' per job)' }),
      el('thead', {}, el('tr', {}, ['GPU', 'GiB', 'Verdict', 'Min GPUs', 'Largest batch', 'Headroom GiB', ''].map((h, i) =>
        el('th', { scope: 'col', class: i > 0 && i !== 2 && i < 6 ? 'num' : null, text: h })))),
      el('tbody', {}, rows)), 'GPU comparison'));
    clear(sugg);
    const suggestions = r.value.suggestions || [];
    if (!suggestions.length) { sugg.append(el('p', { class: 'muted', text: 'Nothing to suggest: the scenario fits with room to spare.' })); return; }
    sugg.append(el('ul', { class: 'suggestions' }, suggestions.map((s, i) => el('li', {},
      el('span', { class: 'suggestion-text', text: s.change }),
      el('span', { class: 'saves', text: s.saves_bytes ? 'saves ' + gib(s.saves_bytes) : '' }),
      isObject(s.scenario_patch) ? el('button', { type: 'button', class: 'button-small', 'data-apply': i, 'aria-label': 'Apply: ' + s.change, text: 'Apply' }) : null))));
    state.suggestions = suggestions;
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
    box.append(el('p', { class: 'hint', text: 'Device memory per GPU for ' + (key === 'inference.batch_size' ? 'concurrent sequences' : 'micro batch sizes') +
      ' 1 to 256, the other settings as set. Lines mark GPU capacities.' }));
    box.append(sweepChart(points, current, Math.max(320, Math.min(720, box.clientWidth || 640))));
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

  function renderConfig() {
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

  // ---------------------------------------------------------------------------------------------
  // Events

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

  function useConfigText(text) {
    const box = $('f-config-text');
    const error = $('f-config-text-error');
    const r = state.api.params(text);
    if (!r.ok) {
      error.hidden = false;
      error.textContent = r.error.line;
      box.setAttribute('aria-invalid', 'true');
      return;
    }
    error.hidden = true;
    error.textContent = '';
    box.removeAttribute('aria-invalid');
    state.scenario.model = JSON.parse(text);
    renderForm();
    update();
    commit();
  }

  function readFile(file) {
    if (!file) return;
    if (file.size > 4 * 1024 * 1024) {
      $('f-config-text-error').hidden = false;
      $('f-config-text-error').textContent = 'That file is larger than 4 MiB; a config.json is a few kilobytes.';
      return;
    }
    const reader = new FileReader();
    reader.onload = () => { $('f-config-text').value = String(reader.result); useConfigText(String(reader.result)); };
    reader.readAsText(file);
  }

  function bindEvents() {
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
      else if (t.dataset.useGpu) { state.scenario.gpu = t.dataset.useGpu; renderForm(); update(); commit(); }
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
    state.scenario.workload = tab.dataset.workload;
    renderForm();
    update();
    commit();
  }

  function selectFormat(tab) {
    state.configFormat = tab.dataset.format;
    renderConfig();
  }

  // ---------------------------------------------------------------------------------------------
  // Start

  function fatal(message) {
    const status = $('load-status');
    status.textContent = message;
    status.classList.add('notice', 'notice-error');
    status.setAttribute('role', 'alert');
  }

  function start() {
    buildForm();
    if (!window.Vramplan) { fatal('The calculator could not start: its script is missing from this page.'); return; }
    window.Vramplan.load().then((api) => {
      performance.mark('vramplan-module-ready');
      state.api = api;
      const models = api.models();
      const gpus = api.gpus();
      if (!models.ok || !gpus.ok) { fatal('The calculator could not read its catalogs: ' + (models.ok ? gpus : models).error.line); return; }
      state.models = models.value.models || [];
      state.gpus = gpus.value.gpus || [];
      fillCatalogControls();
      $('load-status').hidden = true;
      $('main').hidden = false;
      bindEvents();
      loadFragment();
    }, (e) => fatal('The calculator could not start: ' + (e && e.message ? e.message : String(e))));
  }

  // A read-only handle for pages that embed this one and for the browser tests.
  window.vramplanPage = Object.freeze({ scenario: () => clone(state.scenario) });

  start();
})();
