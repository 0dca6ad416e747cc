#!/usr/bin/env node
// The WebAssembly module under node, against the native CLI: the same inputs must give the same
// JSON documents, and the same errors (pointer, message, kind and the contract's one line).
//
//   node tests/wasm/test_wasm.mjs --module build/wasm/vramplan.js --cli build/release/cli/vramplan --source .
//
// Exit status: 0 all passed, 1 a test failed, 77 skipped (module or CLI not built). Last line:
// "N passed, M failed".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { deepStrictEqual, strictEqual, ok } from 'node:assert/strict';

const require = createRequire(import.meta.url);

function parseArgs(argv) {
  const args = { module: 'build/wasm/vramplan.js', cli: null, source: '.' };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, '');
    if (!(name in args) || i + 1 >= argv.length) {
      console.error(`usage: test_wasm.mjs --module FILE --cli FILE --source DIR (got ${argv[i]})`);
      process.exit(2);
    }
    args[name] = argv[i + 1];
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));
const source = resolve(args.source);
const modulePath = resolve(args.module);
if (!existsSync(modulePath)) {
  console.log(`skipped: ${modulePath} is not built (cmake --workflow --preset web)`);
  process.exit(77);
}
if (!args.cli || !existsSync(args.cli)) {
  console.log(`skipped: the native CLI (--cli) is not built: ${args.cli}`);
  process.exit(77);
}

const Vramplan = require(join(source, 'web/api.js'));
const api = await Vramplan.load(require(modulePath));
const work = mkdtempSync(join(tmpdir(), 'vramplan-wasm-'));

// Runs the CLI; returns {status, stdout, stderr, json}.
function cli(cliArgs, input) {
  const r = spawnSync(args.cli, cliArgs, { input, encoding: 'utf8', maxBuffer: 64 << 20 });
  const out = { status: r.status, stdout: r.stdout, stderr: r.stderr };
  if (r.status === 0 && cliArgs.includes('--json')) out.json = JSON.parse(r.stdout);
  return out;
}
let fileCount = 0;
function tempFile(text) {
  const path = join(work, `input-${fileCount++}.json`);
  writeFileSync(path, text);
  return path;
}

// The module's envelope and the CLI's outcome must agree.
function sameOutcome(envelope, run, label) {
  if (run.status === 0) {
    ok(envelope.ok, `${label}: the CLI succeeded but the module returned ${JSON.stringify(envelope.error)}`);
    if (run.json !== undefined) deepStrictEqual(envelope.value, run.json, `${label}: documents differ`);
    else strictEqual(envelope.value.replace(/\n$/, ''), run.stdout.replace(/\n$/, ''), `${label}: texts differ`);
    return;
  }
  ok(!envelope.ok, `${label}: the CLI failed (${run.stderr.trim()}) but the module returned a value`);
  strictEqual(envelope.error.line, run.stderr.replace(/\n$/, ''), `${label}: error lines differ`);
  const kind = { 2: 'invalid_input' }[run.status];
  strictEqual(envelope.error.kind, kind, `${label}: CLI exit status ${run.status} but kind ${envelope.error.kind}`);
}

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

test('models: same document as `vramplan models --json`', () => {
  sameOutcome(api.models(), cli(['models', '--json']), 'models');
});

test('gpus: same document as `vramplan gpus --json`', () => {
  sameOutcome(api.gpus(), cli(['gpus', '--json']), 'gpus');
});

test('schema: same document as `vramplan schema --json` (the page builds its form from it)', () => {
  sameOutcome(api.schema(), cli(['schema', '--json']), 'schema');
});

const catalog = api.models().value.models;

test('params of every catalog model by id, as `params --json --model ID`', () => {
  ok(catalog.length > 0, 'the catalog is empty');
  for (const m of catalog) sameOutcome(api.paramsForModel(m.id), cli(['params', '--json', '--model', m.id]), m.id);
});

test('params by id: case-insensitive, aliases, unknown ids', () => {
  for (const id of [catalog[0].id.toUpperCase(), ...catalog.flatMap((m) => m.aliases || []).slice(0, 5), 'no/such-model', '', 'Qwen2.5-7B-Instruct']) {
    sameOutcome(api.paramsForModel(id), cli(['params', '--json', '--model', id]), `--model "${id}"`);
  }
});

test('params of every raw config.json in data/models.json, as `params --json FILE`', () => {
  const entries = JSON.parse(readFileSync(join(source, 'data/models.json'), 'utf8')).models;
  for (const entry of entries) {
    const text = JSON.stringify(entry.config);
    sameOutcome(api.params(text), cli(['params', '--json', tempFile(text)]), `config of ${entry.id}`);
  }
});

test('params: invalid config.json documents give the same errors', () => {
  const bad = ['{', '[]', '{}', '"text"', '{"model_type": "llama"}', '{"model_type": "no-such-type", "hidden_size": 8}',
    '{"model_type": "llama", "hidden_size": -1, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 8, "vocab_size": 10}',
    '{"model_type": "llama", "hidden_size": 1e400}', '\u00ff\u00fe'];
  for (const text of bad) sameOutcome(api.params(text), cli(['params', '--json', tempFile(text)]), `config ${JSON.stringify(text).slice(0, 60)}`);
});

// Scenarios: the repository's examples, the page's default (the seed guide), and invalid ones.
function scenarioInputs() {
  const list = [];
  const examples = join(source, 'examples');
  if (existsSync(examples)) {
    for (const name of readdirSync(examples).filter((n) => n.endsWith('.json')).sort()) {
      list.push([`examples/${name}`, readFileSync(join(examples, name), 'utf8')]);
    }
  }
  const seed = {
    model: 'Qwen/Qwen2.5-7B-Instruct', workload: 'rl', gpu: 'H100-SXM-80GB', gpus: 1,
    train: { method: 'full', precision: 'amp-bf16', optimizer: 'adamw', micro_batch_size: 8, seq_len: 1536 },
    rl: { algorithm: 'grpo', reference: true, reward_model: { model: 'Qwen/Qwen2.5-14B-Instruct', weight_dtype: 'bf16' } },
  };
  list.push(['seed scenario (page default)', JSON.stringify(seed)]);
  list.push(['model only', '{"model": "Qwen/Qwen2.5-0.5B-Instruct"}']);
  list.push(['inference, vllm', JSON.stringify({ model: 'Qwen/Qwen2.5-7B-Instruct', workload: 'inference', gpu: 'L4', inference: { engine: 'vllm', batch_size: 16 } })]);
  list.push(['lora + zero3', JSON.stringify({ model: 'Qwen/Qwen2.5-7B-Instruct', gpus: 8, train: { method: 'lora', sharding: 'zero3' } })]);
  list.push(['negative micro batch', JSON.stringify({ model: 'Qwen/Qwen2.5-7B-Instruct', train: { micro_batch_size: -3 } })]);
  list.push(['unknown key', JSON.stringify({ model: 'Qwen/Qwen2.5-7B-Instruct', train: { micro_batchsize: 4 } })]);
  list.push(['unknown model', '{"model": "Qwen/Qwen2.5-7B-Instrukt"}']);
  list.push(['unknown gpu', '{"model": "Qwen/Qwen2.5-7B-Instruct", "gpu": "H100-SXM-81GB"}']);
  list.push(['no model', '{}']);
  list.push(['not an object', '[1, 2]']);
  list.push(['not JSON', '{"model": ']);
  list.push(['tp beyond gpus', JSON.stringify({ model: 'Qwen/Qwen2.5-7B-Instruct', gpus: 2, train: { tp: 4 } })]);
  list.push(['pasted config as model', JSON.stringify({ model: JSON.parse(readFileSync(join(source, 'data/models.json'), 'utf8')).models[0].config })]);
  return list;
}

test('estimate: same result or error as `vramplan estimate --json`', () => {
  for (const [label, text] of scenarioInputs()) sameOutcome(api.estimate(text), cli(['estimate', '--json', tempFile(text)]), label);
});

test('recommend: same result or error as `vramplan recommend --json`', () => {
  for (const [label, text] of scenarioInputs()) sameOutcome(api.recommend(text), cli(['recommend', '--json', tempFile(text)]), label);
});

test('sweep: same result or error as `vramplan estimate --json --sweep`', () => {
  const inputs = scenarioInputs().slice(0, 8);
  for (const assignment of ['train.micro_batch_size=1,2,4,8,16,32,64,128,256', 'inference.batch_size=1,8,64', 'train.seq_len=512,0', 'nonsense']) {
    for (const [label, text] of inputs) {
      sameOutcome(api.sweep(text, assignment), cli(['estimate', '--json', '--sweep', assignment, tempFile(text)]), `${assignment} ${label}`);
    }
  }
});

test('config: same text or error as `vramplan config --format F`', () => {
  const inputs = scenarioInputs().slice(0, 6);
  for (const format of ['nemo-rl', 'nemo-automodel', 'verl', 'trl', 'no-such-format']) {
    for (const [label, text] of inputs) {
      sameOutcome(api.config(text, format), cli(['config', '--format', format, tempFile(text)]), `${format} ${label}`);
    }
  }
});

test('objects and text give the same answers (api.js)', () => {
  const scenario = { model: 'Qwen/Qwen2.5-7B-Instruct', train: { micro_batch_size: 0 } };
  deepStrictEqual(api.estimate(scenario), api.estimate(JSON.stringify(scenario)));
});

test('every error is a value with pointer, message, kind and line', () => {
  const r = api.estimate('{"model": "Qwen/Qwen2.5-7B-Instruct", "train": {"micro_batch_size": -3}}');
  strictEqual(r.ok, false);
  strictEqual(r.error.pointer, '/train/micro_batch_size');
  strictEqual(r.error.kind, 'invalid_input');
  strictEqual(r.error.line, 'error: /train/micro_batch_size: ' + r.error.message);
});

test('hostile input never aborts the module', () => {
  const hostile = [
    '['.repeat(100000), '{"a":'.repeat(50000), '"' + 'x'.repeat(5 << 20) + '"', 'null', '', ' ', '\u0000', '\ud800',
    '{"model": "' + '\ud800'.repeat(10) + '"}', '{"model": 1e99999}', '{"model": "Qwen/Qwen2.5-7B-Instruct", "gpus": 1e20}',
    '{"model": "Qwen/Qwen2.5-7B-Instruct", "gpus": 9223372036854775808}', '{"model": {"model_type": "llama", "hidden_size": 9223372036854775807,' +
    ' "num_hidden_layers": 9223372036854775807, "num_attention_heads": 1, "intermediate_size": 9223372036854775807, "vocab_size": 9223372036854775807}}',
    JSON.stringify({ model: 'x'.repeat(1 << 20) }), JSON.stringify({ model: 'Qwen/Qwen2.5-7B-Instruct', ['k'.repeat(100000)]: 1 }),
  ];
  for (const text of hostile) {
    for (const r of [api.estimate(text), api.recommend(text), api.params(text), api.config(text, 'verl'), api.paramsForModel(text),
      api.sweep(text, 'train.micro_batch_size=1,2'), api.sweep('{"model": "Qwen/Qwen2.5-0.5B"}', text)]) {
      strictEqual(typeof r.ok, 'boolean', 'not an envelope');
      if (!r.ok) {
        strictEqual(typeof r.error.line, 'string');
        ok(r.error.line.startsWith('error: '), r.error.line.slice(0, 80));
        ok(r.error.kind === 'invalid_input', `kind ${r.error.kind}: ${r.error.line.slice(0, 200)}`);
      }
    }
  }
  ok(api.models().ok, 'the module no longer answers after hostile input');
});

test('version is the project version', () => {
  const cmake = readFileSync(join(source, 'CMakeLists.txt'), 'utf8');
  const version = /project\(vramplan VERSION ([0-9.]+)/.exec(cmake)[1];
  strictEqual(api.version(), version);
});

let passed = 0;
let failed = 0;
for (const t of tests) {
  const start = Date.now();
  try {
    await t.fn();
    passed++;
    console.log(`ok   ${t.name} (${Date.now() - start} ms)`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${t.name}\n     ${String(e && e.message ? e.message : e).split('\n').slice(0, 12).join('\n     ')}`);
  }
}
rmSync(work, { recursive: true, force: true });
console.log(`wasm node tests: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
