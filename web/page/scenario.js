// The page's scenario: the core's defaults, the form's fields and the URL fragment (encode and decode).
// Pure code, no DOM: a classic script in the page (window.VramplanScenario) and a CommonJS module under
// node, where tests/wasm/garbage.test.mjs imports the link decoder from it.
(function (root, factory) {
  const scenario = factory();
  if (typeof module === 'object' && module.exports) module.exports = scenario;
  else root.VramplanScenario = scenario;
})(this, function () {
  'use strict';

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

  return {
    FORBIDDEN_KEYS, CORE_DEFAULTS, EXAMPLE, WORKLOADS, GROUPS, FIELD_PATHS,
    CONFIG_FORMATS, SWEEP_BATCHES, clone, isObject, merge, getPath,
    setPath, flatten, toFragment, fromFragment, LinkError,
  };
});
