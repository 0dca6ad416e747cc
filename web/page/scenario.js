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

  const SWEEP_BATCHES = [1, 2, 4, 8, 16, 32, 64, 128, 256];

  // The page's words for the core's scenario keys. Everything else about a key (its type, range,
  // options, default, the workloads that read it, when it matters, the rules between keys) comes from
  // the schema the core exports (api.schema(), `vramplan schema --json`): the page holds none of it.
  const PARALLEL_KEYS = new Set(['train.sharding', 'train.fsdp_version', 'train.fsdp_sync_module_states', 'train.gradient_checkpointing_reentrant', 'train.tp', 'train.pp', 'train.cp', 'train.offload_optimizer', 'train.offload_params']);
  const GROUPS_SHOWN = [
    { id: 'hardware', legend: 'Hardware', holds: (k) => k === 'gpu' || k === 'gpus' },
    { id: 'train', legend: (w) => (w === 'rl' ? 'Policy training' : 'Training'),
      holds: (k) => k.startsWith('train.') && !k.startsWith('train.lora.') && !PARALLEL_KEYS.has(k) },
    { id: 'lora', legend: 'LoRA adapters', holds: (k) => k.startsWith('train.lora.') },
    { id: 'parallel', legend: 'Sharding, parallelism, offload', holds: (k) => PARALLEL_KEYS.has(k) },
    { id: 'rl', legend: 'RL roles and passes', holds: (k) => k.startsWith('rl.') && !k.startsWith('rl.rollout.') },
    { id: 'rollout', legend: 'Rollout (generation)', holds: (k) => k.startsWith('rl.rollout.') },
    { id: 'inference', legend: 'Serving', holds: (k) => k.startsWith('inference.') },
    // The run's size, for its time and cost (docs/scenario.md "dataset and cluster").
    { id: 'run', legend: 'The run: time and cost', holds: (k) => k.startsWith('dataset.') || k.startsWith('cluster.') },
    // Which framework release the example configs are written for (docs/configs.md "Framework versions").
    { id: 'config', legend: 'Example configs', holds: (k) => k.startsWith('config.') },
  ];
  const DTYPE_WORDS = { auto: 'auto (the compute dtype)' };
  const ATTENTION_WORDS = { flash: 'FlashAttention', sdpa: 'PyTorch SDPA', eager: 'eager (materialises scores)' };
  const ENGINE_WORDS = { hf: 'Hugging Face generate', vllm: 'vLLM' };
  const VLLM_DEFAULT = 'Empty: vLLM’s default for the GPU.';
  const WORDS = {
    'gpu': { label: 'GPU', hint: 'Capacity as the device reports it (nvidia-smi).' },
    'gpus': { label: 'GPUs in the job', unit: 'GPUs', hint: 'Data-parallel size = GPUs ÷ (TP × PP × CP).' },
    'train.method': { label: 'Method', options: { full: 'full fine-tuning', lora: 'LoRA', qlora: 'QLoRA (4-bit NF4 base)' } },
    'train.precision': { label: 'Precision', hint: 'Where the fp32 copies live.', options: { 'amp-bf16': 'AMP bf16 (fp32 weights, bf16 compute)',
      'amp-fp16': 'AMP fp16', bf16: 'pure bf16 (no fp32 master)', 'mixed-bf16': 'bf16 + fp32 master (Megatron, DeepSpeed)', fp32: 'fp32' } },
    'train.optimizer': { label: 'Optimizer', options: { adamw: 'AdamW', 'adamw-8bit': 'AdamW 8-bit', sgd: 'SGD with momentum', adafactor: 'Adafactor' } },
    'train.micro_batch_size': { label: 'Micro batch size', unit: 'sequences', hint: 'Sequences per GPU per forward/backward pass.' },
    'train.gradient_accumulation_steps': { label: 'Gradient accumulation steps', unit: 'micro-batches', hint: 'Micro-batches per optimizer step: changes time per step, not memory.' },
    'config.framework_version': { label: 'Framework release', hint: 'The release the example configs below are written for, e.g. 0.6. Empty: the release vramplan’s snapshot was taken from.' },
    'train.seq_len': { label: 'Sequence length', unit: 'tokens' },
    'train.fp8': { label: 'FP8 training (GEMMs)', hint: 'How the matmuls run in fp8 on top of the precision above: master weights, gradients and optimizer states are unchanged.',
      options: { none: 'off', 'te-delayed': 'Transformer Engine, delayed scaling', 'te-tensorwise': 'Transformer Engine, current scaling',
        'te-mxfp8': 'Transformer Engine, MXFP8 (Blackwell)', 'torchao-tensorwise': 'torchao float8, tensorwise', 'torchao-rowwise': 'torchao float8, rowwise' } },
    'train.fp8_amax_history_len': { label: 'FP8 amax history', unit: 'steps', hint: 'Transformer Engine’s delayed-scaling window (default 1024).' },
    'train.fp8_all_gather': { label: 'FP8 all-gather', hint: 'ZeRO-3 / FSDP gathers the linear weights in fp8 (torchao FSDP2; Transformer Engine stores them in fp8 too).' },
    'train.gradient_checkpointing': { label: 'Gradient checkpointing', hint: 'Recompute activations in the backward pass instead of keeping them.' },
    'train.attention': { label: 'Attention kernel', options: ATTENTION_WORDS },
    'train.lora.rank': { label: 'Rank' },
    'train.lora.alpha': { label: 'Alpha' },
    'train.lora.kbit_preparation': { label: 'k-bit preparation', hint: 'What prepared the 4-bit model: none (TRL ≥ 0.26, a plain Trainer), peft (prepare_model_for_kbit_training: fp32 norms, embeddings, lm_head), trl (TRL 0.7.5–0.25: fp32 norms). fp32 norms make the residual stream fp32.' },
    'train.lora.targets': { label: 'Target modules', hint: '“all-linear”, or module names separated by commas (q_proj, v_proj, …).' },
    'train.lora.base_dtype': { label: 'Frozen base weights (LoRA)', options: DTYPE_WORDS },
    'train.sharding': { label: 'Sharding', options: { none: 'none (DDP)', zero1: 'ZeRO-1', zero2: 'ZeRO-2', zero3: 'ZeRO-3', fsdp: 'FSDP (full shard)' } },
    'train.transformers_version': { label: 'transformers release', hint: '"latest", or a release such as 4.48: before 4.49 the loss copies the shifted logits, which reserves one fp32 logits block more.' },
    'train.fsdp_version': { label: 'FSDP version', hint: '1: FullyShardedDataParallel (accelerate’s and transformers’ default), 2: fully_shard. FSDP1 frees gathered blocks late (record_stream), which reserves more.' },
    'train.fsdp_sync_module_states': { label: 'FSDP1 init from rank 0’s CPU copy', hint: 'sync_module_states (accelerate’s cpu_ram_efficient_loading, fsdp_qlora’s low_memory): the init’s freed copies stay cached on the compute stream, where FSDP1’s all-gathers cannot use them.' },
    'train.gradient_checkpointing_reentrant': { label: 'Reentrant checkpointing', hint: 'torch.utils.checkpoint use_reentrant (transformers’ default: true). Under FSDP1 with LoRA, reentrant checkpoints keep every block’s input gradient until the backward ends.' },
    'train.loss_kernel': { label: 'Loss kernel', options: { full: 'full logits (HF Trainer)', chunked: 'chunked (TRL chunked_nll)', fused: 'fused linear (Liger)' } },
    'train.tp': { label: 'Tensor parallel (TP)' },
    'train.pp': { label: 'Pipeline parallel (PP)' },
    'train.cp': { label: 'Context parallel (CP)' },
    'train.offload_optimizer': { label: 'Offload optimizer states to CPU' },
    'train.offload_params': { label: 'Offload parameters to CPU' },
    'train.optimizer_in_backward': { label: 'Optimizer step in backward', hint: 'torchtune’s optimizer_in_bwd: each parameter is stepped as soon as its gradient exists and the gradient freed, so no whole-model gradient is held. Full fine-tuning, no gradient accumulation.' },
    'train.images_per_sample': { label: 'Images per sample', unit: 'images', hint: 'Read by the vision tower; their tokens join the sequence.' },
    'train.image_size': { label: 'Image size', unit: 'pixels per side' },
    'train.audio_seconds': { label: 'Audio per sample', unit: 'seconds', hint: 'Read by the audio encoder (Whisper, wav2vec2).' },
    'inference.engine': { label: 'Engine', options: ENGINE_WORDS },
    'inference.batch_size': { label: 'Concurrent sequences', unit: 'sequences' },
    'inference.context_len': { label: 'Context length', unit: 'tokens', hint: 'Prompt plus generated tokens.' },
    'inference.weight_dtype': { label: 'Weights' },
    'inference.kv_dtype': { label: 'KV cache' },
    'inference.gpu_memory_utilization': { label: 'vLLM gpu_memory_utilization', step: 0.05, hint: 'Share of GPU memory the engine reserves.' },
    'inference.attention': { label: 'Attention kernel', options: ATTENTION_WORDS },
    'inference.tp': { label: 'Tensor parallel (TP)' },
    'inference.pp': { label: 'Pipeline parallel (PP)' },
    'inference.images_per_sample': { label: 'Images per request', unit: 'images' },
    'inference.image_size': { label: 'Image size', unit: 'pixels per side' },
    'inference.audio_seconds': { label: 'Audio per request', unit: 'seconds' },
    'inference.max_num_seqs': { label: 'vLLM max_num_seqs', unit: 'sequences', hint: VLLM_DEFAULT },
    'inference.max_num_batched_tokens': { label: 'vLLM max_num_batched_tokens', unit: 'tokens', hint: VLLM_DEFAULT },
    'rl.algorithm': { label: 'Algorithm', options: { grpo: 'GRPO', ppo: 'PPO', dpo: 'DPO' } },
    'rl.reference': { label: 'Reference model (KL term)', hint: 'A frozen copy of the policy.' },
    'rl.critic': { label: 'Critic (value model)', hint: 'Trained alongside the policy (on by default for PPO).' },
    'rl.reward_model.model': { label: 'Reward or judge model', hint: 'Leave empty for rule-based rewards.' },
    'rl.reward_model.weight_dtype': { label: 'Reward model weights' },
    'rl.reward_model.colocated': { label: 'Reward model on the training GPUs' },
    'rl.sequence_packing': { label: 'Sequence packing', hint: 'Only real tokens, no padding (verl use_remove_padding, NeMo RL sequence_packing, TRL padding_free).' },
    'rl.phase_offload': { label: 'Offload the policy between phases', hint: 'Weights and optimizer states go to host RAM while the engine generates.' },
    'rl.logprob_kernel': { label: 'Log-prob kernel', options: { naive: 'naive (fp32 log_softmax)', fused: 'fused (flash-attn cross-entropy)', selective: 'selective log-softmax (TRL)' } },
    'rl.logits_scope': { label: 'Logits over', options: { '': 'the kernel’s default', full: 'every scored token', completion: 'the response only' } },
    'rl.logprob_micro_batch_size': { label: 'Log-prob micro batch size', unit: 'sequences', hint: 'Empty: the training micro batch size.' },
    'rl.rollout.engine': { label: 'Engine', options: ENGINE_WORDS },
    'rl.rollout.colocated': { label: 'Colocated with training', hint: 'Generation and training share the GPUs; generation memory is released while training.' },
    'rl.rollout.gpu_memory_utilization': { label: 'vLLM gpu_memory_utilization', step: 0.05, hint: 'Share of GPU memory the engine reserves.' },
    'rl.rollout.prompts_per_step': { label: 'Prompts per step', unit: 'prompts' },
    'rl.rollout.generations_per_prompt': { label: 'Generations per prompt' },
    'rl.rollout.max_prompt_len': { label: 'Max prompt length', unit: 'tokens' },
    'rl.rollout.max_response_len': { label: 'Max response length', unit: 'tokens' },
    'rl.rollout.tp': { label: 'Rollout tensor parallel' },
    'rl.rollout.sleep_mode': { label: 'vLLM sleep mode', hint: 'The engine releases its pool while the policy trains; its non-torch memory and CUDA graphs stay.' },
    'rl.rollout.enforce_eager': { label: 'Rollout enforce_eager', hint: 'No CUDA graphs: no graph pool beside the KV pool, none kept while the engine sleeps.' },
    'rl.rollout.mean_prompt_len': { label: 'Mean prompt length', unit: 'tokens', hint: 'Empty: the maximum.' },
    'rl.rollout.mean_response_len': { label: 'Mean response length', unit: 'tokens', hint: 'Empty: the maximum.' },
    'rl.rollout.max_num_seqs': { label: 'vLLM max_num_seqs', unit: 'sequences', hint: VLLM_DEFAULT },
    'rl.rollout.max_num_batched_tokens': { label: 'vLLM max_num_batched_tokens', unit: 'tokens', hint: VLLM_DEFAULT },
    'rl.rollout.vllm_version': { label: 'Rollout vLLM release', hint: '"latest", or a release such as 0.16: its profiling reserve and non-torch memory differ.' },
    'dataset.tokens': { label: 'Training tokens per epoch', unit: 'tokens', hint: 'Sizes the run for its time and cost. Empty: time per step only.' },
    'dataset.samples': { label: 'Samples per epoch', hint: 'Training: sequences of the sequence length; RL: prompts.' },
    'cluster.inter_node_bytes_per_s': { label: 'Bandwidth between nodes, per GPU', unit: 'bytes/s', hint: 'Empty: one 400 Gb/s NIC per GPU.' },
    'inference.vllm_version': { label: 'vLLM release', hint: '"latest", or a release such as 0.16: its profiling reserve and non-torch memory differ.' },
    'inference.enforce_eager': { label: 'vLLM enforce_eager', hint: 'No CUDA graphs: no graph pool on top of gpu_memory_utilization.' },
    'inference.mm_profiling': { label: 'vLLM encoder profiling', hint: 'How vLLM profiles an image or audio encoder at start-up: dummy (its default: on dummy inputs of the largest size, even for text-only traffic), limit_zero (--limit-mm-per-prompt 0 for every modality), skip (--skip-mm-profiling, vLLM 0.10.2 and later).' },
  };
  const CONTROL_OF = { integer: 'int', number: 'float', boolean: 'bool', enum: 'select', targets: 'targets', model: 'model', gpu: 'gpu', version: 'text' };

  // A key the page has no words for still gets a field, named after the key.
  function wordsFor(key) {
    return WORDS[key] || { label: key.split('.').pop().replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()) };
  }

  function fieldOf(entry, bounded) {
    const words = wordsFor(entry.key);
    const options = (entry.options || []).map((o) => [o, (words.options && words.options[o]) || DTYPE_WORDS[o] || o]);
    if (entry.type === 'enum' && entry.default === null) options.unshift(['', (words.options && words.options['']) || 'default']);
    return {
      path: entry.key, label: words.label, hint: words.hint, unit: words.unit, type: CONTROL_OF[entry.type] || 'text',
      min: entry.min, max: bounded.has(entry.key) ? undefined : entry.max, step: words.step, options,
      nullable: entry.default === null, workloads: entry.workloads || [], when: entry.when || null, modelHas: entry.model_has || null,
    };
  }

  // The scenario with every default the core documents; keys whose default is "not set" stay absent.
  function defaultsOf(schema, ruled) {
    const defaults = {};
    for (const k of schema.keys) {
      if (k.default === null || ruled.has(k.key) || k.key.startsWith('rl.reward_model.')) continue;
      setPath(defaults, k.key, k.default);
    }
    setPath(defaults, 'rl.reward_model', null);
    return defaults;
  }

  // The page's view of one schema: its defaults, fields, example, link encoder and decoder.
  function create(schema) {
    const rules = schema.rules || [];
    const derived = rules.filter((r) => r.rule === 'default_from');
    const ruled = new Set(derived.map((r) => r.key));
    const bounded = new Set(rules.filter((r) => r.rule === 'at_most').map((r) => r.key));
    const CORE_DEFAULTS = defaultsOf(schema, ruled);
    const shown = schema.keys.filter((k) => k.key !== 'model' && k.key !== 'workload');
    const GROUPS = GROUPS_SHOWN.map((g) => Object.assign({}, g, { fields: shown.filter((k) => g.holds(k.key)).map((k) => fieldOf(k, bounded)) }));
    const FIELD_PATHS = ['model'].concat(...GROUPS.map((g) => g.fields.map((f) => f.path)));
    const DEFAULT_LEAVES = flatten(CORE_DEFAULTS);
    for (const k of schema.keys) if (k.key.startsWith('rl.reward_model.') && k.default !== null) DEFAULT_LEAVES.set(k.key, k.default);

    // Keys whose default follows another key (the PPO critic rule): set from that key.
    function applyRules(scenario, changed) {
      for (const r of derived) {
        if (changed !== undefined && changed !== r.from) continue;
        if (!isObject(getPath(scenario, r.key.split('.').slice(0, -1).join('.')))) continue;
        setPath(scenario, r.key, getPath(scenario, r.from) === r.equals);
      }
      return scenario;
    }
    function derivedDefault(scenario, path) {
      const r = derived.find((d) => d.key === path);
      return r ? getPath(scenario, r.from) === r.equals : DEFAULT_LEAVES.get(path);
    }
    // Whether a field matters for the scenario: its workload reads it and its condition holds.
    // `features`: the model's (params' model.features), null when unknown (every field shown).
    function fieldMatters(f, scenario, features) {
      if (!f.workloads.includes(scenario.workload)) return false;
      if (f.modelHas && Array.isArray(features) && !features.includes(f.modelHas)) return false;
      if (!f.when) return true;
      const v = getPath(scenario, f.when.key);
      if (f.when.set) return v !== undefined && v !== null && v !== '';
      return (f.when.in || []).includes(v === undefined ? DEFAULT_LEAVES.get(f.when.key) : v);
    }

    // The page's example (docs/CONTRACT.md's scenario; the seed guide: a Qwen2.5-7B-Instruct policy trained
    // with GRPO, a Qwen2.5-14B-Instruct judge, batch 8, on an H100).
    const EXAMPLE = applyRules(merge(clone(CORE_DEFAULTS), {
      model: 'Qwen/Qwen2.5-7B-Instruct', workload: 'rl', gpu: 'H100-SXM-80GB', gpus: 1,
      train: { micro_batch_size: 8, seq_len: 1536 },
      rl: { reward_model: { model: 'Qwen/Qwen2.5-14B-Instruct', weight_dtype: 'bf16' } },
    }));

    // The fragment: "#" [embed "&"] path=value ("&" path=value)*, values that differ from the core's
    // defaults, in the form's order.
    function toFragment(scenario, embed) {
      const leaves = flatten(scenario);
      const parts = embed ? ['embed'] : [];
      const order = FIELD_PATHS.concat([...leaves.keys()].filter((p) => !FIELD_PATHS.includes(p)));
      for (const path of order) {
        if (!leaves.has(path)) continue;
        const v = leaves.get(path);
        const known = DEFAULT_LEAVES.has(path) || ruled.has(path);
        if (path !== 'model' && path !== 'gpu' && known && sameValue(v, derivedDefault(scenario, path))) continue;
        parts.push(path + '=' + encodeValue(v));
      }
      return parts.join('&');
    }

    // Reads a fragment into {scenario, embed}. Values are typed as JSON where they parse as JSON, else
    // kept as text; the module validates them and reports any problem with its JSON pointer.
    function fromFragment(fragment) {
      const scenario = clone(CORE_DEFAULTS);
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
      // Derived defaults only where the link set none; a link may set `rl` itself to a non-object,
      // which the module then reports at /rl.
      for (const r of derived) if (getPath(scenario, r.key) === undefined) applyRules(scenario, r.from);
      return { scenario, embed };
    }

    return {
      CORE_DEFAULTS, EXAMPLE, GROUPS, FIELD_PATHS, WORKLOADS: schema.workloads || [], CONFIG_FORMATS: schema.formats || [],
      applyRules, fieldMatters, toFragment, fromFragment,
    };
  }

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

  class LinkError extends Error {}

  // create(schema) gives the page's defaults, fields and link coder for the core's schema; the helpers
  // below it need no schema.
  return { create, SWEEP_BATCHES, FORBIDDEN_KEYS, LinkError, clone, isObject, merge, getPath, setPath, flatten };
});
