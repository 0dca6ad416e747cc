#!/usr/bin/env node
// Speed of the WebAssembly module under node: the operations bench/bench_main.cpp times natively,
// with the same scenarios, through the module's embind functions (JSON text in, JSON text out) as
// web/api.js calls them. Prints a table (mean, median and p95 per call, in microseconds).
//
//   node bench/wasm_bench.mjs [--module build/wasm/vramplan.js] [--source .] [--min-ms 1000] [--warmup-ms 300]
//
// The module is built by scripts/build-web.sh. When it is missing, this prints a message and exits
// 0 (skipped). Goal (reported, not asserted): one estimate under 100 us.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve, join } from 'node:path';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);

const args = { module: 'build/wasm/vramplan.js', source: '.', 'min-ms': '1000', 'warmup-ms': '300' };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const name = argv[i].replace(/^--/, '');
  if (!(name in args) || i + 1 >= argv.length) {
    console.error(`usage: wasm_bench.mjs [--module FILE] [--source DIR] [--min-ms N] [--warmup-ms N] (got ${argv[i]})`);
    process.exit(2);
  }
  args[name] = argv[i + 1];
}
const modulePath = resolve(args.module);
if (!existsSync(modulePath)) {
  console.log(`wasm benchmark skipped: ${args.module} is not built (run scripts/build-web.sh)`);
  process.exit(0);
}
const minMs = Number(args['min-ms']);
const warmupMs = Number(args['warmup-ms']);

// The scenarios of bench/bench_main.cpp, verbatim.
const train = {
  model: 'Qwen/Qwen2.5-7B-Instruct', workload: 'train', gpu: 'H100-SXM-80GB', gpus: 1,
  train: { method: 'full', precision: 'amp-bf16', optimizer: 'adamw', micro_batch_size: 8,
           seq_len: 1024, gradient_checkpointing: false, attention: 'flash' },
};
const inference = {
  model: 'meta-llama/Llama-3.1-8B-Instruct', workload: 'inference', gpu: 'H100-SXM-80GB', gpus: 1,
  inference: { engine: 'vllm', gpu_memory_utilization: 0.9, context_len: 16000, weight_dtype: 'bf16', tp: 1 },
};
const rl = {
  model: 'Qwen/Qwen2.5-7B-Instruct', workload: 'rl', gpu: 'H100-SXM-80GB', gpus: 8,
  train: { method: 'full', precision: 'amp-bf16', optimizer: 'adamw', micro_batch_size: 4,
           seq_len: 1536, gradient_checkpointing: true, attention: 'flash', sharding: 'fsdp' },
  rl: { algorithm: 'grpo', reference: true, critic: false,
        rollout: { engine: 'vllm', colocated: true, gpu_memory_utilization: 0.6, prompts_per_step: 32,
                   generations_per_prompt: 16, max_prompt_len: 512, max_response_len: 1024, tp: 1 } },
};

const loadStart = performance.now();
const factory = require(modulePath);
const module = await factory();
const loadMs = performance.now() - loadStart;
const Vramplan = existsSync(join(resolve(args.source), 'web/api.js')) ? require(join(resolve(args.source), 'web/api.js')) : null;
const api = Vramplan ? Vramplan.wrap(module) : null;

// Runs `fn` until at least minMs have passed (and at least 20 calls), after a warm-up; returns
// per-call statistics in microseconds. Calls are timed in batches so that performance.now()'s
// resolution does not dominate sub-microsecond differences. The warm-up (at least 20 calls and
// warmupMs) lets V8 tier the module's hot functions up from its baseline compiler (Liftoff) to its
// optimising one (TurboFan), so the first operation timed is not measured half on baseline code.
function time(fn) {
  const w0 = performance.now();
  for (let i = 0; i < 20 || performance.now() - w0 < warmupMs; i++) fn();
  const samples = [];
  let batch = 1;
  const t0 = performance.now();
  while (true) {
    const s = performance.now();
    for (let i = 0; i < batch; i++) fn();
    const e = performance.now();
    samples.push(((e - s) * 1000) / batch);
    if (e - s < 1 && batch < 1 << 20) batch *= 2;
    if (e - t0 >= minMs && samples.length >= 20) break;
  }
  const calls = samples.length;  // batches; each sample is a per-call mean
  samples.sort((a, b) => a - b);
  const mean = samples.reduce((a, b) => a + b, 0) / calls;
  return { mean, median: samples[Math.floor(calls / 2)], p95: samples[Math.floor(calls * 0.95)], batches: calls, batch };
}

// Checks the call works before timing it; a failed or not-implemented call is skipped with its reason.
function check(text) {
  const r = JSON.parse(text);
  return r.ok ? null : `${r.error.kind}: ${r.error.line}`;
}

const trainText = JSON.stringify(train);
const inferenceText = JSON.stringify(inference);
const rlText = JSON.stringify(rl);
const ids = JSON.parse(module.models()).value;
const modelIds = (Array.isArray(ids) ? ids : ids.models || []).map((m) => (typeof m === 'string' ? m : m.id));

const cases = [
  ['estimate train (module.estimate, text)', () => module.estimate(trainText), () => check(module.estimate(trainText))],
  ['estimate inference (module.estimate, text)', () => module.estimate(inferenceText), () => check(module.estimate(inferenceText))],
  ['estimate rl (module.estimate, text)', () => module.estimate(rlText), () => check(module.estimate(rlText))],
  ['recommend train (module.recommend, text)', () => module.recommend(trainText), () => check(module.recommend(trainText))],
  [`params, whole catalog (${modelIds.length} x module.paramsForModel)`,
    () => { for (const id of modelIds) module.paramsForModel(id); },
    () => (modelIds.length ? check(module.paramsForModel(modelIds[0])) : 'no catalog models')],
];
if (api) {
  cases.push(['estimate train (web/api.js: object in, object out)', () => api.estimate(train),
    () => { const r = api.estimate(train); return r.ok ? null : r.error.line; }]);
}

const rows = [];
for (const [name, fn, probe] of cases) {
  const why = probe();
  if (why) { rows.push([name, 'skipped', '', '', why]); continue; }
  const s = time(fn);
  rows.push([name, s.mean.toFixed(1), s.median.toFixed(1), s.p95.toFixed(1), `${s.batches} batches of up to ${s.batch}`]);
}

const header = ['operation (wasm, node ' + process.version + ')', 'mean us', 'median us', 'p95 us', 'note'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
const line = (r) => r.map((c, i) => (i === 0 || i === 4 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
console.log(`module: ${args.module} (instantiated in ${loadMs.toFixed(0)} ms)`);
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));
const est = rows.find((r) => r[0].startsWith('estimate train (module'));
if (est && est[1] !== 'skipped') {
  console.log(`goal: one estimate under 100 us in wasm: ${Number(est[2]) < 100 ? 'met' : 'NOT met'} (median ${est[2]} us)`);
}
