#!/usr/bin/env node
// Browser tests of the single-file page, loaded from file:// in headless Chromium driven by
// playwright-core (the system's /usr/bin/chromium; no browser is downloaded).
//
//   node tests/browser/run.mjs --site build/site/index.html --cli build/release/cli/vramplan \
//        [--artifacts build/browser-artifacts] [--chromium /usr/bin/chromium]
//
// Numbers on the page are checked against the native CLI's JSON. Screenshots (1280 and 360 px,
// light and dark, print) are written to --artifacts. Exit status: 0 all passed, 1 a test failed,
// 77 skipped (page, CLI, playwright-core or Chromium missing). Last line: "N passed, M failed".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { deepStrictEqual, strictEqual, ok, match } from 'node:assert/strict';

const here = dirname(fileURLToPath(import.meta.url));
const source = resolve(here, '../..');

function parseArgs(argv) {
  const args = {
    site: join(source, 'build/site/index.html'), cli: null, artifacts: join(source, 'build/browser-artifacts'),
    chromium: process.env.CHROMIUM || '/usr/bin/chromium',
  };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, '');
    if (!(name in args) || i + 1 >= argv.length) {
      console.error(`usage: run.mjs --site FILE --cli FILE [--artifacts DIR] [--chromium FILE] (got ${argv[i]})`);
      process.exit(2);
    }
    args[name] = argv[i + 1];
  }
  return args;
}
const args = parseArgs(process.argv.slice(2));
function skip(why) { console.log(`skipped: ${why}`); process.exit(77); }
if (!existsSync(args.site)) skip(`${args.site} is not built (cmake --workflow --preset web)`);
if (!args.cli || !existsSync(args.cli)) skip(`the native CLI (--cli) is not built: ${args.cli}`);
if (!existsSync(args.chromium)) skip(`no Chromium at ${args.chromium}`);
let chromium;
try {
  ({ chromium } = createRequire(import.meta.url)('playwright-core'));
} catch (e) {
  skip('playwright-core is not installed (npm ci --prefix tests/browser)');
}

const pageUrl = pathToFileURL(resolve(args.site)).href;
const goalMs = 300;  // docs/benchmarks.md
mkdirSync(args.artifacts, { recursive: true });

function cli(cliArgs) {
  const r = spawnSync(args.cli, cliArgs, { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, json: r.status === 0 && cliArgs.includes('--json') ? JSON.parse(r.stdout) : undefined };
}
const work = mkdtempSync(join(tmpdir(), 'vramplan-browser-'));
function cliScenario(command, scenario) {
  const path = join(work, `scenario-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(scenario));
  return cli([command, '--json', path]);
}

// The page's default scenario as the contract's JSON, read from the page itself.
const SEED = {
  model: 'Qwen/Qwen2.5-7B-Instruct', workload: 'rl', gpu: 'H100-SXM-80GB', gpus: 1,
  train: { micro_batch_size: 8, seq_len: 1536 },
  rl: { reward_model: { model: 'Qwen/Qwen2.5-14B-Instruct', weight_dtype: 'bf16' } },
};
const estimateLands = cliScenario('estimate', SEED).status === 0;
const recommendLands = cliScenario('recommend', SEED).status === 0;

const browser = await chromium.launch({
  executablePath: args.chromium,
  // docs/toolchain.md pitfall 11: the flags headless Chromium needs as root and without a network.
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});

// A window whose requests are recorded and, but for the page itself, aborted.
async function openWindow(options = {}) {
  const context = await browser.newContext({ viewport: { width: options.width || 1280, height: options.height || 900 }, colorScheme: options.colorScheme || 'light' });
  const record = { requests: [], errors: [] };
  // Every request is seen twice: as an event, and by a route that aborts anything but the page.
  context.on('request', (request) => record.requests.push(request.url()));
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.split('#')[0] === pageUrl) route.continue();
    else { record.requests.push(url); route.abort(); }
  });
  return { context, record };
}

// A fresh page in a window of its own that records every request, console error and page error.
async function openPage(fragment = '', options = {}) {
  const { context, record } = await openWindow(options);
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') record.errors.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => record.errors.push(`page error: ${e.message}`));
  await page.goto(pageUrl + (fragment ? '#' + fragment : ''));
  await settled(page);
  return { page, context, record };
}

async function settled(page, after = 0) {
  await page.waitForFunction((t) => Number(document.documentElement.dataset.settled || 0) > t, after, { timeout: 10000 });
}
// Runs `action` and waits for the panes to be redrawn.
async function andSettle(page, action) {
  const before = await page.evaluate(() => Number(document.documentElement.dataset.settled || 0));
  await action();
  await settled(page, before);
}
function fragmentOf(page) { return decodeURIComponent(new URL(page.url()).hash.slice(1)); }
async function paramsTotal(page) {
  return Number(await page.locator('#params-table tr[data-key="Total"] td[data-value]').getAttribute('data-value'));
}
function gibText(bytes) { const v = bytes / 2 ** 30; return Math.abs(v) < 10 ? v.toFixed(2) : v.toFixed(1); }

const tests = [];
const test = (name, fn) => tests.push({ name, fn });
const open = [];

test('makes no network request at all, and logs no error', async () => {
  const t = await openPage();
  open.push(t);
  const { page, record } = t;
  // Exercise the page: every workload, every config tab, a setting, the pasted-config pane.
  for (const w of ['train', 'inference', 'rl']) await andSettle(page, () => page.click(`#tab-${w}`));
  for (const f of ['nemo-automodel', 'verl', 'trl', 'nemo-rl']) await page.click(`#cfgtab-${f}`);
  await andSettle(page, () => page.fill('#f-train-micro_batch_size', '4'));
  await page.click('#custom-config summary');
  const others = record.requests.filter((u) => u.split('#')[0] !== pageUrl);
  deepStrictEqual(others, [], 'requests other than the page itself');
  strictEqual(record.requests.length, 1, 'the page itself is the only request');
  deepStrictEqual(record.errors, [], 'console or page errors');
  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  match(csp, /default-src 'none'/);
  strictEqual(await page.locator('link[rel=icon]').getAttribute('href'), 'data:,');
  strictEqual(await page.locator('script[src], link[rel=stylesheet]').count(), 0, 'everything is inlined');
});

test('the default scenario is the seed guide’s, with exact parameter counts', async () => {
  const { page } = await openPage();
  strictEqual(await page.inputValue('#f-model'), 'Qwen/Qwen2.5-7B-Instruct');
  strictEqual(await page.getAttribute('#tab-rl', 'aria-selected'), 'true');
  strictEqual(await page.inputValue('#f-train-micro_batch_size'), '8');
  strictEqual(await page.inputValue('#f-rl-reward_model-model'), 'Qwen/Qwen2.5-14B-Instruct');
  strictEqual(await page.inputValue('#f-gpu'), 'H100-SXM-80GB');
  const expected = cli(['params', '--json', '--model', 'Qwen/Qwen2.5-7B-Instruct']).json;
  strictEqual(await paramsTotal(page), expected.total);
  const summary = await page.textContent('#summary');
  if (estimateLands) {
    const r = cliScenario('estimate', JSON.parse(await page.evaluate(() => JSON.stringify(window.vramplanPage.scenario()))));
    ok(summary.includes(gibText(r.json.per_gpu.device_bytes)), `summary "${summary}" lacks ${gibText(r.json.per_gpu.device_bytes)}`);
    strictEqual(await page.locator('#breakdown-table tbody tr').count(), r.json.per_gpu.components.length);
    if (r.json.phases) strictEqual(await page.locator('#phase-table tbody tr').count(), r.json.phases.length);
  } else {
    match(summary, /not available/i);
    match(await page.textContent('#breakdown'), /Not available yet/);
  }
  if (recommendLands) ok(await page.locator('#recommend-table li.gpu-card').count() > 10);
  else match(await page.textContent('#gpu-table'), /Not available yet/);
  await page.context().close();
});

test('picking a model shows the CLI’s numbers and puts it in the link', async () => {
  const { page } = await openPage();
  const models = cli(['models', '--json']).json.models;
  const target = models.find((m) => /Llama-3\.1-8B-Instruct/.test(m.id)) || models[models.length - 1];
  await andSettle(page, async () => {
    await page.fill('#f-model', target.id);
    await page.dispatchEvent('#f-model', 'change');
  });
  const expected = cli(['params', '--json', '--model', target.id]).json;
  strictEqual(await paramsTotal(page), expected.total);
  ok(fragmentOf(page).includes('model=' + target.id), fragmentOf(page));
  match(await page.textContent('#f-model-info'), /parameters/);
  await page.context().close();
});

test('model search lists the catalog', async () => {
  const { page } = await openPage();
  const count = await page.locator('#model-list option').count();
  strictEqual(count, cli(['models', '--json']).json.models.length);
  await page.context().close();
});

test('changing a setting updates the result and the link; back and forward work', async () => {
  const { page } = await openPage();
  const before = fragmentOf(page);
  await andSettle(page, async () => {
    await page.fill('#f-train-micro_batch_size', '4');
    await page.dispatchEvent('#f-train-micro_batch_size', 'change');
  });
  ok(fragmentOf(page).includes('train.micro_batch_size=4'), fragmentOf(page));
  await andSettle(page, () => page.check('#f-train-gradient_checkpointing'));
  ok(fragmentOf(page).includes('train.gradient_checkpointing=true'));
  if (estimateLands) {
    const r = cliScenario('estimate', await page.evaluate(() => window.vramplanPage.scenario()));
    ok((await page.textContent('#summary')).includes(gibText(r.json.per_gpu.device_bytes)));
  }
  await andSettle(page, () => page.goBack());
  strictEqual(await page.isChecked('#f-train-gradient_checkpointing'), false);
  strictEqual(await page.inputValue('#f-train-micro_batch_size'), '4');
  await andSettle(page, () => page.goBack());
  strictEqual(await page.inputValue('#f-train-micro_batch_size'), '8');
  strictEqual(fragmentOf(page), before);
  await andSettle(page, () => page.goForward());
  strictEqual(await page.inputValue('#f-train-micro_batch_size'), '4');
  await page.context().close();
});

test('an invalid setting is shown with its JSON pointer next to the field', async () => {
  const { page } = await openPage();
  await andSettle(page, async () => {
    await page.fill('#f-train-micro_batch_size', '0');
    await page.dispatchEvent('#f-train-micro_batch_size', 'change');
  });
  const expected = cliScenario('estimate', await page.evaluate(() => window.vramplanPage.scenario()));
  strictEqual(expected.status, 2);
  ok(await page.isVisible('#error-summary'));
  strictEqual((await page.textContent('#error-list')).trim(), expected.stderr.trim());
  strictEqual(await page.getAttribute('#f-train-micro_batch_size', 'aria-invalid'), 'true');
  ok(await page.isVisible('#f-train-micro_batch_size-error'));
  // Issue 21: what no longer matches the form is dimmed, not left at full strength.
  ok(await page.evaluate(() => document.getElementById('results').classList.contains('stale')), 'the results are not dimmed');
  ok(await page.evaluate(() => document.getElementById('answer').classList.contains('stale')), 'the answer is not dimmed');
  await page.click('#error-list a');
  strictEqual(await page.evaluate(() => document.activeElement.id), 'f-train-micro_batch_size');
  await page.context().close();
});

test('workload tabs work with the keyboard', async () => {
  const { page } = await openPage();
  await page.focus('#tab-rl');
  await andSettle(page, () => page.keyboard.press('ArrowRight'));
  strictEqual(await page.getAttribute('#tab-inference', 'aria-selected'), 'true');
  strictEqual(await page.evaluate(() => document.activeElement.id), 'tab-inference');
  ok(await page.isVisible('#f-inference-batch_size'));
  ok(!(await page.isVisible('#f-train-micro_batch_size')));
  ok(fragmentOf(page).includes('workload=inference'));
  await andSettle(page, () => page.keyboard.press('Home'));
  strictEqual(await page.getAttribute('#tab-train', 'aria-selected'), 'true');
  await page.context().close();
});

test('the form is the core’s schema: a field exists exactly when its workload reads it', async () => {
  const schema = cli(['schema', '--json']).json;
  const idOf = (key) => '#f-' + key.replace(/\./g, '-');
  const { page } = await openPage('model=Qwen/Qwen2.5-7B-Instruct&workload=rl&rl.rollout.engine=vllm&train.method=lora');
  const visible = async () => Object.fromEntries(await Promise.all(schema.keys
    .filter((k) => !['model', 'workload', 'rl.reward_model.model'].includes(k.key))
    .map(async (k) => [k.key, await page.isVisible(idOf(k.key))])));
  let shown = await visible();
  for (const k of ['rl.rollout.sleep_mode', 'rl.sequence_packing', 'rl.logprob_kernel', 'rl.phase_offload', 'train.lora.base_dtype',
    'rl.logprob_micro_batch_size', 'rl.rollout.mean_prompt_len', 'rl.rollout.max_num_seqs']) ok(shown[k], `${k}: no field for RL`);
  ok(!shown['train.seq_len'], 'train.seq_len is shown for RL, which does not read it');
  for (const k of schema.keys) if (k.key in shown && !k.workloads.includes('rl')) ok(!shown[k.key], `${k.key}: shown for RL`);
  await andSettle(page, () => page.click('#tab-train'));
  shown = await visible();
  ok(shown['train.seq_len'] && !shown['rl.rollout.sleep_mode'], 'Train shows train.seq_len and no RL keys');
  // Ranges come from the schema too.
  const mbs = schema.keys.find((k) => k.key === 'train.micro_batch_size');
  strictEqual(await page.getAttribute(idOf('train.micro_batch_size'), 'max'), String(mbs.max));
  await page.context().close();
});

// Issue 17 item 5: image and audio inputs for models with a tower the core has a rule for, expert
// parallelism for MoE models (the schema's model_has against params' model.features), and the counter named.
test('media and expert-parallel fields follow the model; the model info names the counter', async () => {
  const schema = cli(['schema', '--json']).json;
  const gated = Object.fromEntries(schema.keys.filter((k) => k.model_has).map((k) => [k.key, k.model_has]));
  for (const [key, feature] of [['train.images_per_sample', 'images'], ['train.audio_seconds', 'audio'], ['train.ep', 'experts'], ['inference.ep', 'experts']]) {
    strictEqual(gated[key], feature, key);
  }
  const cases = [['Qwen/Qwen2.5-7B-Instruct', []], ['Qwen/Qwen2.5-VL-3B-Instruct', ['images']], ['openai/whisper-large-v3', ['audio']],
    ['Qwen/Qwen3-30B-A3B', ['experts']]];
  for (const [model, features] of cases) {
    deepStrictEqual(cli(['params', '--json', '--model', model]).json.model.features, features, model);
    const { page } = await openPage('model=' + model + '&workload=train');
    for (const [key, feature] of Object.entries(gated).filter(([k]) => k.startsWith('train.') && !k.includes('image_size.'))) {
      strictEqual(await page.isVisible('#f-' + key.replace(/\./g, '-')), features.includes(feature), `${model}: ${key}`);
    }
    await page.waitForFunction(() => /Counted exactly/.test(document.getElementById('f-model-info').textContent));
    await page.context().close();
  }
  const { page } = await openPage();
  const generic = { model_type: 'my_new_decoder', hidden_size: 512, num_hidden_layers: 2, num_attention_heads: 8, intermediate_size: 1024, vocab_size: 1000 };
  await page.click('#custom-config summary');
  await page.fill('#f-config-text', JSON.stringify(generic));
  await andSettle(page, () => page.click('#use-config'));
  match(await page.textContent('#f-model-info'), /Counted generically \(my_new_decoder has no exact reader/);
  await page.context().close();
});

test('a pasted config.json gives the CLI’s parameter counts', async () => {
  const { page } = await openPage();
  const entry = JSON.parse(readFileSync(join(source, 'data/models.json'), 'utf8')).models.find((m) => !m.id.startsWith('Qwen/Qwen2.5-7B'));
  const config = { ...entry.config, _name_or_path: 'my-org/<b>custom</b>' };
  const path = join(work, 'config.json');
  writeFileSync(path, JSON.stringify(config));
  const expected = cli(['params', '--json', path]).json;
  await page.click('#custom-config summary');
  await page.fill('#f-config-text', JSON.stringify(config, null, 2));
  await andSettle(page, () => page.click('#use-config'));
  strictEqual(await paramsTotal(page), expected.total);
  match(await page.inputValue('#f-model'), /^config\.json: my-org\/<b>custom<\/b>$/);
  strictEqual(await page.locator('#main b').count(), 0, 'user text became markup');
  ok(fragmentOf(page).includes('model={'), 'the config travels in the link');
  // The link reproduces it.
  const link = await page.inputValue('#f-permalink');
  const again = await openPage(new URL(link).hash.slice(1));
  strictEqual(await paramsTotal(again.page), expected.total);
  await again.context.close();
  // An invalid config is refused with the module's message.
  await page.fill('#f-config-text', '{"model_type": "llama"}');
  await page.click('#use-config');
  const bad = cli(['params', '--json', join(work, 'missing.json')]);
  ok(bad.status !== 0);
  match(await page.textContent('#f-config-text-error'), /^error: \/.*\(not used: the results still show config\.json: my-org\/<b>custom<\/b>\)$/);
  strictEqual(await paramsTotal(page), expected.total, 'the previous model stays');
  await page.context().close();
});

// Script-injection payloads in a pasted config.json and in a permalink: user text must stay text,
// no script may run, and nothing may leave the page (docs/hardening.md).
test('script-injection payloads in a pasted config and in a permalink run nothing and request nothing', async () => {
  const payloads = [
    '<img src=x onerror="window.__vramplanXss=1">',
    '<script>window.__vramplanXss=2</script>',
    '"><svg onload="window.__vramplanXss=3">',
    'javascript:window.__vramplanXss=4',
  ];
  const entry = JSON.parse(readFileSync(join(source, 'data/models.json'), 'utf8')).models[0];
  for (const payload of payloads) {
    const pasted = await openPage();
    await pasted.page.click('#custom-config summary');
    await pasted.page.fill('#f-config-text', JSON.stringify({ ...entry.config, _name_or_path: payload }));
    await andSettle(pasted.page, () => pasted.page.click('#use-config'));
    const linked = await openPage('model=' + encodeURIComponent(payload) + '&gpu=' + encodeURIComponent(payload) +
      '&' + encodeURIComponent(payload) + '=1');
    for (const { page, context, record } of [pasted, linked]) {
      await page.waitForTimeout(200);  // give an injected handler the chance to fire
      strictEqual(await page.evaluate(() => window.__vramplanXss), undefined, `a payload ran: ${payload}`);
      strictEqual(await page.locator('#main img, #main script, #main svg[onload]').count(), 0, 'user text became markup');
      deepStrictEqual(record.requests.filter((u) => u.split('#')[0] !== pageUrl), [], 'a request left the page');
      await context.close();
    }
  }
});

test('a permalink opens the scenario it describes', async () => {
  const { page } = await openPage('model=Qwen/Qwen2.5-0.5B-Instruct&workload=inference&gpu=L4&inference.batch_size=32&inference.engine=vllm');
  strictEqual(await page.getAttribute('#tab-inference', 'aria-selected'), 'true');
  strictEqual(await page.inputValue('#f-model'), 'Qwen/Qwen2.5-0.5B-Instruct');
  strictEqual(await page.inputValue('#f-gpu'), 'L4');
  strictEqual(await page.inputValue('#f-inference-batch_size'), '32');
  ok(await page.isVisible('#f-inference-gpu_memory_utilization'), 'vLLM settings shown');
  strictEqual(await paramsTotal(page), cli(['params', '--json', '--model', 'Qwen/Qwen2.5-0.5B-Instruct']).json.total);
  const scenario = await page.evaluate(() => window.vramplanPage.scenario());
  strictEqual(scenario.inference.batch_size, 32);
  strictEqual(scenario.workload, 'inference');
  await page.context().close();
});

test('malformed links show an error, never a blank page', async () => {
  for (const fragment of ['model=%E0%A4%A', 'garbage', '__proto__.x=1', 'model=Qwen/Qwen2.5-7B-Instruct&train.micro_batch_size=-3',
    'model=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E', 'model=Qwen/Qwen2.5-7B-Instruct&train.nonsense=1', 'gpu=H100-SXM-80GB']) {
    const { page, context, record } = await openPage(fragment);
    ok(await page.isVisible('#main'), `${fragment}: the page is blank`);
    const linkError = await page.isVisible('#link-error');
    const summaryError = await page.isVisible('#error-summary');
    ok(linkError || summaryError, `${fragment}: no error shown`);
    strictEqual(await page.locator('img').count(), 0, `${fragment}: user text became markup`);
    deepStrictEqual(record.errors, [], `${fragment}: console errors`);
    await context.close();
  }
  const { page } = await openPage('model=Qwen/Qwen2.5-7B-Instruct&train.micro_batch_size=-3');
  const line = (await page.textContent('#error-list')).trim();
  strictEqual(line, cliScenario('estimate', { model: 'Qwen/Qwen2.5-7B-Instruct', train: { micro_batch_size: -3 } }).stderr.trim());
  await page.context().close();
});

test('embed mode is compact, and the page offers the iframe snippet', async () => {
  const { page } = await openPage('embed&model=Qwen/Qwen2.5-1.5B-Instruct&gpu=RTX-4090');
  ok(!(await page.isVisible('.site-header')));
  ok(!(await page.isVisible('.site-footer')));
  ok(!(await page.isVisible('#share-section')));
  ok(await page.isVisible('#summary'));
  ok(await page.isVisible('#open-full-link'));
  ok(!(await page.getAttribute('#open-full-link', 'href')).includes('embed'));
  strictEqual(await paramsTotal(page), cli(['params', '--json', '--model', 'Qwen/Qwen2.5-1.5B-Instruct']).json.total);
  await page.context().close();
  const full = await openPage('model=Qwen/Qwen2.5-1.5B-Instruct');
  const snippet = await full.page.inputValue('#f-embed');
  match(snippet, /^<iframe src="[^"]+#embed&amp;model=Qwen\/Qwen2\.5-1\.5B-Instruct[^"]*" title="[^"]+"/);
  await full.context.close();
});

test('suggestions and GPU rows apply their changes', async () => {
  const { page } = await openPage();
  if (!recommendLands) {
    match(await page.textContent('#suggestions'), /Not available yet/);
    return page.context().close();
  }
  const use = page.locator('#recommend-table button[data-use-gpu]').first();
  const gpu = await use.getAttribute('data-use-gpu');
  await andSettle(page, () => use.click());
  strictEqual(await page.inputValue('#f-gpu'), gpu);
  const apply = page.locator('#suggestions button[data-apply]').first();
  if (await apply.count()) {
    const before = fragmentOf(page);
    await andSettle(page, () => apply.click());
    ok(fragmentOf(page) !== before, 'applying a suggestion changes the scenario');
  }
  await page.context().close();
});

test('the batch sweep is a chart with GPU lines, or says it is not available yet', async () => {
  const { page } = await openPage();
  if (estimateLands) {
    strictEqual(await page.locator('#sweep svg.chart .point').count() >= 1, true);
    ok(await page.locator('#sweep svg.chart .gpu-line').count() >= 1);
    strictEqual(await page.locator('#sweep-table tbody tr').count(), 9);
  } else {
    match(await page.textContent('#sweep'), /Not available yet/);
  }
  await page.context().close();
});

// Timing is reported, never asserted (DEVELOPERS.md: speed goals are checked by benchmarks); the
// goal and the measured median go to docs/benchmarks.md. The test checks the mark exists. Each load is a new
// tab of one window, as bench/first_result.mjs measures (a new window per load also times Chromium building
// that window's own WebUI beside the page), with the same blocked routes as every other test.
test(`first result is marked and timed (goal: under ${goalMs} ms from navigation; reported, not asserted)`, async () => {
  const times = [];
  const { context } = await openWindow();
  const blank = await context.newPage();  // keeps the window open between loads; each load gets its own renderer
  for (let i = 0; i < 5; i++) {
    const page = await context.newPage();
    await page.goto(pageUrl);
    await settled(page);
    const entry = await page.evaluate(() => performance.getEntriesByName('vramplan-first-result')[0]?.startTime ?? null);
    ok(entry !== null, 'the page marks its first result (performance mark vramplan-first-result)');
    times.push(entry);
    await page.close();
  }
  await blank.close();
  await context.close();
  times.sort((a, b) => a - b);
  const median = times[2];
  console.log(`     navigation to first result (a new tab per load): median ${median.toFixed(0)} ms (${times.map((t) => t.toFixed(0)).join(', ')}); goal ${goalMs} ms`);
});

test('screenshots at 1280 and 360 px, light and dark, and print', async () => {
  for (const [width, colorScheme] of [[1280, 'light'], [1280, 'dark'], [360, 'light'], [360, 'dark']]) {
    const { page, context, record } = await openPage('', { width, colorScheme });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    ok(overflow <= 0, `${width}px ${colorScheme}: the page scrolls sideways by ${overflow}px`);
    await page.screenshot({ path: join(args.artifacts, `page-${width}-${colorScheme}.png`), fullPage: true });
    await page.screenshot({ path: join(args.artifacts, `page-${width}-${colorScheme}-top.png`) });
    deepStrictEqual(record.errors, []);
    await context.close();
  }
  const { page, context } = await openPage('embed&model=Qwen/Qwen2.5-1.5B-Instruct&gpu=RTX-4090', { width: 720 });
  await page.screenshot({ path: join(args.artifacts, 'embed-720.png'), fullPage: true });
  await context.close();
  const printed = await openPage();
  await printed.page.emulateMedia({ media: 'print' });
  await printed.page.screenshot({ path: join(args.artifacts, 'print-1280.png'), fullPage: true });
  await printed.context.close();
});

// The answer-first layout, the sweep slider and import: tests/browser/answer.mjs.
(await import('./answer.mjs')).register({ test, openPage, andSettle, settled, args: { ...args, source }, cliScenario, gibText });
// Compare (pin a result), the RL timeline and the words for pools and host RAM: tests/browser/compare.mjs.
(await import('./compare.mjs')).register({ test, openPage, andSettle, cliScenario, gibText });
// Colours against their legend and table, a bad value's error on a phone, a mouse drag of the sweep slider:
// tests/browser/screen.mjs.
(await import('./screen.mjs')).register({ test, openPage, andSettle, cliScenario });

let passed = 0;
let failed = 0;
// BROWSER_TESTS_ONLY=regex runs the tests whose names match (while working on one part of the page).
const only = process.env.BROWSER_TESTS_ONLY ? new RegExp(process.env.BROWSER_TESTS_ONLY) : null;
for (const t of tests.filter((x) => !only || only.test(x.name))) {
  const start = Date.now();
  try {
    await t.fn();
    passed++;
    console.log(`ok   ${t.name} (${Date.now() - start} ms)`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${t.name}\n     ${String(e && e.message ? e.message : e).split('\n').slice(0, 14).join('\n     ')}`);
  }
}
for (const t of open) await t.context.close().catch(() => {});
await browser.close();
rmSync(work, { recursive: true, force: true });
console.log(`browser tests: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
