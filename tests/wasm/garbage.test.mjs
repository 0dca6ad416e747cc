// The WebAssembly module under garbage (docs/hardening.md): the fuzz corpus, random bytes, mutated
// scenarios, deep nesting, huge strings and wrong argument types, through every function the page
// calls (web/api.js). Each call must return a value (an {ok, value} or {ok: false, error} envelope)
// and never abort the module; afterwards the module still answers correctly.
//
// Also the page's URL-fragment decoder (web/page/scenario.js fromFragment), on random fragments: it
// must return a scenario or throw its LinkError (which the page shows as a notice), never another
// exception, and what it returns goes through the module like any scenario. The scenario module is
// pure code (no DOM) and exports itself under node, so this test imports it.
//
//   node --test tests/wasm/garbage.test.mjs
//   VRAMPLAN_WASM_MODULE=build/wasm/vramplan.js VRAMPLAN_GARBAGE_ITERATIONS=5000 node --test tests/wasm/garbage.test.mjs
//
// The module is the one the other node tests load (build/wasm/vramplan.js, built by
// `cmake --workflow --preset web`); without it the module tests are skipped, with a message.
import { test } from 'node:test';
import { ok, strictEqual, fail } from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const modulePath = resolve(process.env.VRAMPLAN_WASM_MODULE || join(root, 'build', 'wasm', 'vramplan.js'));
const iterations = Number(process.env.VRAMPLAN_GARBAGE_ITERATIONS || 1500);
const FORMATS = ['nemo-rl', 'nemo-automodel', 'verl', 'trl'];
const VALID = { model: 'Qwen/Qwen2.5-7B-Instruct' };

const skipModule = existsSync(modulePath)
  ? false
  : `the WebAssembly module is not built: ${modulePath} (cmake --workflow --preset web, or set VRAMPLAN_WASM_MODULE)`;
if (skipModule) console.log(`# skipped: ${skipModule}`);

let apiPromise = null;
function loadApi() {
  if (!apiPromise) {
    const Vramplan = require(join(root, 'web', 'api.js'));
    apiPromise = Vramplan.load(require(modulePath));
  }
  return apiPromise;
}

// A deterministic PRNG (mulberry32), so a failure reproduces; the seed is printed.
const seed = Number(process.env.VRAMPLAN_GARBAGE_SEED || 20240611);
function rng(s) {
  return () => {
    s |= 0; s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = (r, list) => list[Math.floor(r() * list.length)];

// Every file of the fuzz seed corpus (tests/fuzz/corpus/<target>/), as text.
function corpus() {
  const out = [];
  const dir = join(root, 'tests', 'fuzz', 'corpus');
  if (!existsSync(dir)) return out;
  for (const target of readdirSync(dir)) {
    for (const name of readdirSync(join(dir, target))) {
      out.push({ name: `${target}/${name}`, text: readFileSync(join(dir, target, name)).toString('latin1') });
    }
  }
  return out;
}

const TOKENS = ['{', '}', '[', ']', ':', ',', '"', 'null', 'true', 'false', '-0', '1e308', '1e400', '-1', '0.5',
  '65536', '65537', '16777216', '9223372036854775808', '"model"', '"train"', '"rl"', '"workload"', '"gpus"',
  '"seq_len"', '"micro_batch_size"', '"inference"', '"rollout"', '"model_type"', '"llama"', '"hidden_size"',
  '"num_hidden_layers"', '"num_attention_heads"', '"vocab_size"', '"head_dim"', '"\\u0000"', '"\\ud800"', '\u0000',
  '\ud800', '\uffff', '\u2028', '"eager"', '"vllm"', '"qlora"', '"H100-SXM-80GB"', '"Qwen/Qwen2.5-7B-Instruct"'];

// Random text: bytes, code units (lone surrogates included), or mutations of a corpus document.
function garbage(r, seeds) {
  const kind = Math.floor(r() * 6);
  const length = Math.floor(r() * 200);
  if (kind === 0) {
    let s = '';
    for (let i = 0; i < length; i++) s += String.fromCharCode(Math.floor(r() * 256));
    return s;
  }
  if (kind === 1) {
    let s = '';
    for (let i = 0; i < length; i++) s += String.fromCharCode(Math.floor(r() * 65536));
    return s;
  }
  if (kind === 2) {
    let s = '';
    for (let i = 0; i < length / 4; i++) s += pick(r, TOKENS);
    return s;
  }
  // Mutations of a seed: replace, insert, delete, truncate, splice two seeds.
  let s = seeds.length ? pick(r, seeds).text : '{}';
  const edits = 1 + Math.floor(r() * 8);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(r() * (s.length + 1));
    const op = Math.floor(r() * 5);
    if (op === 0) s = s.slice(0, at) + pick(r, TOKENS) + s.slice(at + 1);
    else if (op === 1) s = s.slice(0, at) + pick(r, TOKENS) + s.slice(at);
    else if (op === 2) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(r() * 20));
    else if (op === 3) s = s.slice(0, at);
    else if (seeds.length) s = s.slice(0, at) + pick(r, seeds).text.slice(Math.floor(r() * 100));
  }
  return s;
}

// A module answer: an object with ok; errors are the contract's one line; numbers named *bytes are
// finite numbers (a NaN or infinity would come through JSON as null).
function checkEnvelope(result, label) {
  ok(result !== null && typeof result === 'object', `${label}: not an object: ${String(result).slice(0, 200)}`);
  strictEqual(typeof result.ok, 'boolean', `${label}: no ok flag`);
  if (!result.ok) {
    const e = result.error;
    ok(e && typeof e.line === 'string' && e.line.startsWith('error: '), `${label}: malformed error ${JSON.stringify(e)}`);
    ok(!/[\n\r]/.test(e.line), `${label}: error line has a line break: ${JSON.stringify(e.line).slice(0, 300)}`);
    ok(e.line.length < 4096, `${label}: error line of ${e.line.length} characters`);
    ok(['invalid_input', 'internal'].includes(e.kind), `${label}: kind ${e.kind}`);
    return;
  }
  const walk = (v, path) => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}/${i}`));
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (/bytes$/.test(k) && !(typeof x === 'number' && Number.isFinite(x))) {
          fail(`${label}: ${path}/${k} is ${JSON.stringify(x)}, not a finite number`);
        }
        walk(x, `${path}/${k}`);
      }
    } else if (typeof v === 'number') ok(Number.isFinite(v), `${label}: ${path} is not finite`);
  };
  walk(result.value, '');
}

// Every text-taking function of the module on one input.
function throughEverything(api, text, label) {
  checkEnvelope(api.estimate(text), `estimate ${label}`);
  checkEnvelope(api.recommend(text), `recommend ${label}`);
  for (const f of FORMATS) checkEnvelope(api.config(text, f), `config ${f} ${label}`);
  checkEnvelope(api.params(text), `params ${label}`);
  checkEnvelope(api.paramsForModel(text), `paramsForModel ${label}`);
}

test('the module answers the fuzz corpus with a value every time', { skip: skipModule }, async () => {
  const api = await loadApi();
  const seeds = corpus();
  ok(seeds.length > 0, 'tests/fuzz/corpus is empty: run python3 tests/fuzz/make_corpus.py');
  for (const { name, text } of seeds) throughEverything(api, text, name);
});

test(`the module answers random garbage with a value every time (seed ${seed})`, { skip: skipModule }, async () => {
  const api = await loadApi();
  const seeds = corpus();
  const r = rng(seed);
  for (let i = 0; i < iterations; i++) {
    const text = garbage(r, seeds);
    throughEverything(api, text, `#${i} ${JSON.stringify(text.slice(0, 80))}`);
    checkEnvelope(api.config(VALID, text), `config with format #${i}`);
  }
});

test('the module answers extreme inputs: nesting, huge strings, wrong types', { skip: skipModule }, async () => {
  const api = await loadApi();
  const n = 100000;
  const huge = 'x'.repeat(10 * 1024 * 1024);
  const inputs = [
    ['deep arrays', '['.repeat(n) + ']'.repeat(n)],
    ['deep objects', '{"a":'.repeat(n) + '1' + '}'.repeat(n)],
    ['a million open brackets', '['.repeat(1000000)],
    ['deep model', '{"model": ' + '['.repeat(n) + ']'.repeat(n) + '}'],
    ['10 MB model id', JSON.stringify({ model: huge })],
    ['10 MB key', `{"model": "Qwen/Qwen2.5-7B-Instruct", "${huge}": 1}`],
    ['10 MB gpu', JSON.stringify({ model: VALID.model, gpu: huge })],
    ['NUL then garbage', JSON.stringify(VALID) + '\u0000garbage'],
    ['lone surrogates', JSON.stringify({ model: '\ud800\udfff\udc00' })],
    ['1e308 and -0', '{"model": "Qwen/Qwen2.5-7B-Instruct", "gpus": 1e308, "train": {"lora": {"alpha": -0}}}'],
    ['largest values', JSON.stringify({
      model: 'meta-llama/Llama-3.1-405B', workload: 'rl', gpus: 65536, gpu: 'B200',
      train: { micro_batch_size: 65536, seq_len: 16777216, attention: 'eager', precision: 'fp32' },
      inference: { batch_size: 65536, context_len: 16777216, engine: 'vllm', gpu_memory_utilization: 1 },
      rl: { algorithm: 'ppo', rollout: { prompts_per_step: 65536, generations_per_prompt: 4096,
        max_prompt_len: 16777216, max_response_len: 16777216, engine: 'hf' } },
    })],
  ];
  for (const [label, text] of inputs) {
    const start = Date.now();
    if (text.length > 1000000) {  // 10 MB: the operations that read a scenario share one parser
      checkEnvelope(api.estimate(text), `estimate ${label}`);
      checkEnvelope(api.params(text), `params ${label}`);
    } else {
      throughEverything(api, text, label);
    }
    ok(Date.now() - start < 60000, `${label}: took ${Date.now() - start} ms`);
  }
  checkEnvelope(api.paramsForModel(huge), '10 MB catalog id');
  checkEnvelope(api.config(VALID, huge), '10 MB format');
  // Wrong JavaScript types: the wrapper turns them into text or an internal error, never a throw.
  for (const v of [undefined, null, 42, NaN, Infinity, true, [], {}, () => 1, Symbol.iterator, 10n]) {
    const label = `argument ${typeof v} ${String(v).slice(0, 20)}`;
    let results;
    try {
      results = [api.estimate(v), api.recommend(v), api.params(v), api.paramsForModel(v), api.config(v, v)];
    } catch (e) {
      // String(Symbol) and JSON.stringify(10n) throw in the wrapper itself, before the module is called.
      ok(typeof v === 'symbol' || typeof v === 'bigint', `${label}: threw ${e}`);
      continue;
    }
    for (const r of results) checkEnvelope(r, label);
  }
});

test('the module still answers correctly after all of that', { skip: skipModule }, async () => {
  const api = await loadApi();
  const first = api.params(JSON.stringify({ model_type: 'llama', hidden_size: 64, num_hidden_layers: 2,
    num_attention_heads: 4, intermediate_size: 128, vocab_size: 1000 }));
  ok(first.ok, JSON.stringify(first.error));
  ok(first.value.total > 0);
  const models = api.models();
  ok(models.ok && models.value.models.length > 0);
  const estimate = api.estimate(VALID);
  checkEnvelope(estimate, 'estimate after garbage');
});

// ---------------------------------------------------------------------------------------------
// The page's URL-fragment decoder.

// The page's scenario module is a CommonJS module under node: the test imports the decoder the page
// runs, not a copy of it, and binds it to the module's scenario schema as the page does.
const scenarioModule = require(join(root, 'web', 'page', 'scenario.js'));

const PATHS = ['model', 'workload', 'gpu', 'gpus', 'train', 'train.seq_len', 'train.micro_batch_size', 'train.lora',
  'train.lora.rank', 'train.lora.targets', 'inference', 'inference.engine', 'rl', 'rl.critic', 'rl.algorithm',
  'rl.reward_model', 'rl.reward_model.model', 'rl.rollout', 'rl.rollout.tp', 'x', 'a.b.c', '__proto__', 'constructor',
  'train.__proto__', '', '.', 'train..tp', 'embed'];
const VALUES = ['1', '0', '-0', '1e308', '1e400', 'NaN', 'null', 'true', 'false', '[]', '{}', '"x"', 'abc', '%', '%E0%A4%A',
  '%00', '%0A', '%FF', '%F0%9F%98%80', '{"a":', '[1,', 'Qwen/Qwen2.5-7B-Instruct', 'ppo', 'vllm', 'x'.repeat(1000),
  '%5B'.repeat(200), '&', '=', '=='];

function randomFragment(r) {
  if (r() < 0.2) {
    let s = '';
    const n = Math.floor(r() * 100);
    for (let i = 0; i < n; i++) s += String.fromCharCode(Math.floor(r() * (r() < 0.8 ? 128 : 65536)));
    return s;
  }
  const parts = [];
  const n = 1 + Math.floor(r() * 5);
  for (let i = 0; i < n; i++) {
    const p = pick(r, PATHS);
    parts.push(p === 'embed' ? 'embed' : `${p}=${pick(r, VALUES)}`);
  }
  return parts.join('&');
}

test(`the page's fragment decoder returns a scenario or a LinkError for any fragment (seed ${seed})`,
  { skip: skipModule }, async () => {
    const api = await loadApi();
    const schema = api.schema();
    ok(schema.ok, JSON.stringify(schema.error));
    const decoder = Object.assign(scenarioModule.create(schema.value), { LinkError: scenarioModule.LinkError });
    const r = rng(seed + 1);
    const fixed = ['', 'embed', 'rl=5', 'rl=null', 'rl=abc', 'train=1&train.tp=2', 'rl.rollout=7', 'gpus=1e400',
      'model=%E0%A4%A', 'constructor.prototype.x=1', '__proto__.polluted=1', '&&&', '='.repeat(1000)];
    const others = [];
    for (let i = 0; i < fixed.length + iterations; i++) {
      const fragment = i < fixed.length ? fixed[i] : randomFragment(r);
      let read;
      try {
        read = decoder.fromFragment(fragment);
      } catch (e) {
        if (e instanceof decoder.LinkError) continue;
        others.push(`${JSON.stringify(fragment.slice(0, 100))}: ${e && e.constructor && e.constructor.name}: ${e && e.message}`);
        continue;
      }
      ok(read && typeof read === 'object' && read.scenario && typeof read.scenario === 'object',
        `${JSON.stringify(fragment)}: no scenario`);
      const proto = Object.getPrototypeOf(read.scenario);  // the decoder's realm's Object.prototype
      ok(proto === null || (!Object.hasOwn(proto, 'polluted') && !Object.hasOwn(proto, 'x')),
        `${JSON.stringify(fragment)}: polluted Object.prototype`);
      if (api) {
        checkEnvelope(api.estimate(read.scenario), `estimate of fragment ${JSON.stringify(fragment.slice(0, 80))}`);
      }
    }
    strictEqual(others.length, 0,
      `fromFragment threw something other than LinkError (the page rethrows it and stops) for ${others.length} ` +
      `fragments, e.g.\n  ${[...new Set(others)].slice(0, 5).join('\n  ')}`);
  });
