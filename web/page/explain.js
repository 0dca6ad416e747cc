// Words for what the numbers alone hide (issue 21): the constants in the formulas named in words with
// their value and source, the vLLM pool's concurrency instead of a bare "Fits", what RL's host RAM holds.
// Part of the page's bundle (web/build.mjs joins web/page/*.js in one closure; see web/page/README.md).

const ACRONYMS = { vllm: 'vLLM', cuda: 'CUDA', nccl: 'NCCL', kv: 'KV', mfu: 'MFU', moe: 'MoE', fsdp: 'FSDP', lora: 'LoRA', gpu: 'GPU', cpu: 'CPU', hf: 'HF', ddp: 'DDP', tp: 'TP' };
// The core's name of a constant as words: kVllmSamplerFp32CopiesCurrent -> "vLLM sampler fp32 copies current".
function constantWords(name) {
  return name.replace(/^k(?=[A-Z])/, '').split(/(?<=[a-z0-9])(?=[A-Z])/).map((w) => ACRONYMS[w.toLowerCase()] || w.toLowerCase()).join(' ');
}
function constantValue(c) {
  if (c.unit === 'bytes') return gib(c.value);
  return String(Math.round(c.value * 1e4) / 1e4) + (c.unit && c.unit !== 'fraction' && c.unit !== 'factor' ? ' ' + c.unit : '');
}

// A formula with each constant's name replaced by its words, linked to its entry in the list below the
// table (value and source). `used` collects the constants met.
const CONSTANT_NAME = /\b(k[A-Z][A-Za-z0-9]*)\b/;
function formulaNode(formula, used) {
  const node = el('span', { class: 'formula' });
  String(formula).split(CONSTANT_NAME).forEach((part, i) => {
    if (i % 2 === 0) { node.append(part); return; }
    const known = state.constants.get(part);
    if (known) used.add(part);
    node.append(known ? el('a', { href: '#const-' + part, class: 'const', title: known.source || '', text: constantWords(part) }) : constantWords(part));
  });
  return node;
}
function constantsList(used) {
  if (!used.size) return null;
  return el('details', { class: 'constants' }, el('summary', { text: 'The constants in these formulas' }),
    el('ul', {}, [...used].map((name) => {
      const c = state.constants.get(name);
      return el('li', { id: 'const-' + name }, el('strong', { text: constantWords(name) }), ' = ' + constantValue(c) + (c.source ? ': ' + c.source : ''));
    })));
}
function useConstants(r) {
  if (Array.isArray(r.constants) && !state.constants.size) for (const c of r.constants) state.constants.set(c.name, c);
}

function scenarioValue(path) {
  const v = getPath(state.scenario, path);
  return v === undefined || v === null ? getPath(CORE_DEFAULTS, path) : v;
}

// The serving engine's pool, or the rollout's, when it holds fewer sequences than asked for at once.
// -> words or ''.
function poolWords(r) {
  const inf = r.inference;
  if (inf && inf.engine === 'vllm' && typeof inf.max_concurrent_sequences === 'number') {
    const want = Number(scenarioValue('inference.batch_size')) || 1;
    if (inf.max_concurrent_sequences < want) {
      return 'Its KV pool holds ' + inf.max_concurrent_sequences + ' of the ' + want + ' requested sequences at once; the others wait.';
    }
  }
  const ro = r.rollout;
  if (ro && ro.engine === 'vllm' && ro.max_concurrent_sequences >= 1 && ro.max_concurrent_sequences < ro.sequences_per_engine) {
    return 'The rollout’s KV pool holds ' + ro.max_concurrent_sequences + ' of the ' + ro.sequences_per_engine + ' sequences per engine at once: vLLM generates them in waves.';
  }
  return '';
}

// What the host RAM holds. In RL with vLLM's sleep mode, the rollout engine's weights wait in CPU RAM
// while the policy trains (vllm LLM.sleep(level=1); core/plan/src/estimate_rl.cpp train_phase): the train
// phase has no rollout line on the GPU, and its host bytes hold those weights.
function hostWords(r) {
  const phases = Array.isArray(r.phases) ? r.phases : [];
  const bytes = (p, id) => ((p && p.per_gpu && p.per_gpu.components) || []).filter((c) => c.id === id).reduce((a, c) => a + c.bytes, 0);
  const train = phases.find((p) => p.id === 'train');
  const rollout = phases.find((p) => p.id === 'rollout');
  const host = Math.max((r.per_gpu && r.per_gpu.host_bytes) || 0, ...phases.map((p) => p.per_gpu.host_bytes || 0));
  if (!(host > 0)) return '';
  const weights = bytes(rollout, 'rollout.weights');
  const trainHost = train ? train.per_gpu.host_bytes || 0 : 0;
  if (weights > 0 && bytes(train, 'rollout.weights') === 0 && trainHost >= weights) {
    const rest = trainHost - weights;
    return ' Host RAM while training: ' + gib(trainHost) + ' per GPU process, ' + (rest < 1048576
      ? 'the sleeping rollout engine’s weights (vLLM sleep mode keeps them in CPU RAM).'
      : 'of which ' + gib(weights) + ' is the sleeping rollout engine’s weights (vLLM sleep mode) and ' + gib(rest) + ' offloaded states.');
  }
  return ' Host RAM for offloaded states: ' + gib(host) + ' per GPU process.';
}
