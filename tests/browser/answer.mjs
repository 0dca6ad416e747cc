// Browser tests of the answer-first page (issue 21): the verdict sentence, the peak and the first
// suggestion inside the first screen at phone and laptop sizes; the sweep chart following the
// micro-batch slider. Registered into run.mjs's runner (which owns the browser and the helpers).
import { ok, strictEqual, match, notStrictEqual, deepStrictEqual } from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

// Scenarios a first screen is checked for: the default (RL, GRPO with a judge) and a training job that
// does not fit on its GPU, whose first suggestion is a change that makes it fit.
const FIRST_SCREENS = [
  ['default', ''],
  ['rl', 'workload=rl&model=Qwen/Qwen2.5-1.5B-Instruct&gpu=RTX-4090'],
  ['train', 'workload=train&model=Qwen/Qwen2.5-7B-Instruct&gpu=RTX-4090'],
];
const VIEWPORTS = [[390, 844], [1280, 800]];

async function inFirstScreen(page, selector, height) {
  const box = await page.locator(selector).boundingBox();
  ok(box, `${selector} is not displayed`);
  const text = (await page.textContent(selector)).trim();
  ok(text.length > 0, `${selector} is empty`);
  ok(box.y >= 0 && box.y + box.height <= height, `${selector} spans y ${box.y.toFixed(0)} to ${(box.y + box.height).toFixed(0)}, outside the first ${height} px`);
  return text;
}

export function register({ test, openPage, andSettle, args, cliScenario, gibText }) {
  test('the verdict, the peak and the first suggestion are in the first screen (390x844, 1280x800)', async () => {
    for (const [name, fragment] of FIRST_SCREENS) {
      for (const [width, height] of VIEWPORTS) {
        const { page, context } = await openPage(fragment, { width, height });
        const scenario = await page.evaluate(() => window.vramplanPage.scenario());
        const r = cliScenario('estimate', scenario);
        strictEqual(r.status, 0, `${name}: the CLI rejects the page's scenario: ${r.stderr}`);
        const sentence = await inFirstScreen(page, '#summary', height);
        match(sentence, /(Fits|Does not fit) on /, `${name} ${width}: no verdict in "${sentence}"`);
        const peak = await inFirstScreen(page, '#answer-peak', height);
        ok(peak.includes(gibText(r.json.per_gpu.device_bytes)), `${name}: peak "${peak}" is not the CLI's ${gibText(r.json.per_gpu.device_bytes)}`);
        const fix = await inFirstScreen(page, '#answer-fix', height);
        if (!r.json.fit.fits) match(fix, /make(s)? it fit|No combination/, `${name}: "${fix}"`);
        await page.screenshot({ path: join(args.artifacts, `first-screen-${name}-${width}.png`) });
        await context.close();
      }
    }
  });

  test('the combined fix is the module’s: applying it makes the scenario fit', async () => {
    const { page, context } = await openPage(FIRST_SCREENS[2][1], { width: 1280, height: 800 });
    const before = await page.evaluate(() => window.vramplanPage.scenario());
    strictEqual(cliScenario('estimate', before).json.fit.fits, false, 'the test scenario must not fit to begin with');
    await andSettle(page, () => page.click('#answer-fix button[data-apply-fix]'));
    const after = await page.evaluate(() => window.vramplanPage.scenario());
    const r = cliScenario('estimate', after);
    strictEqual(r.json.fit.fits, true, `after the fix ${JSON.stringify(after)} still does not fit`);
    match(await page.textContent('#answer-fix'), /fits as set/);
    await context.close();
  });

  test('dragging the micro-batch slider redraws the sweep chart at the new batch', async () => {
    const { page, context } = await openPage('', { width: 1280, height: 800 });
    const slider = page.locator('#sweep-slider');
    const currentBefore = await page.textContent('#sweep svg.chart .point.current title');
    match(currentBefore, /^batch 8:/);
    await andSettle(page, () => slider.fill('2'));  // the slider's index into 1, 2, 4, ..., 256: batch 4
    strictEqual(await page.inputValue('#f-train-micro_batch_size'), '4');
    const currentAfter = await page.textContent('#sweep svg.chart .point.current title');
    match(currentAfter, /^batch 4:/);
    notStrictEqual(currentAfter, currentBefore);
    await context.close();
  });

  // The estimate's `time` object (docs/CONTRACT.md, issue 16) in words. A fixture of the contract's shape,
  // so the words are checked whether or not this build's module computes time yet.
  test('the time object reads as words: value and band per quantity, nothing when unavailable', async () => {
    const { page, context } = await openPage('', { width: 1280, height: 800 });
    const fixture = {
      available: true, utilisation: 0.4,
      step_seconds: { value: 12.34, low: 8.1, high: 20.5, formula: 'flops / (gpus * peak * mfu)' },
      tokens_per_second: { value: 2048, low: 1500, high: 3000, formula: '' },
      cost_usd: { value: 95.2, low: 60, high: 150, formula: '' },
      unknown_quantity: { value: 1, low: 1, high: 1 },
    };
    const words = await page.evaluate((t) => window.vramplanPage.timeWords(t), fixture);
    strictEqual(words.length, 3, JSON.stringify(words));
    strictEqual((await page.evaluate(() => window.vramplanPage.timeWords({ output_tokens_per_second: { value: 241.799112, low: 189.98501, high: 293.6132 } })))[0],
      'about 242 output tokens/s (190 to 294)');
    match(words[0], /^about 12\.3 s per step \(8\.10 s to 20\.5 s\)$/);
    match(words[2], /^about \$95\.20 for the run \(\$60\.00 to \$150\)$/);
    strictEqual((await page.evaluate(() => window.vramplanPage.timeWords({ available: false }))).length, 0);
    // A run sized by a dataset (issue 16 "Run totals"): the verdict sentence says the epoch and the cost.
    const run = { available: true, epoch_seconds: { value: 22000, low: 18000, high: 30000 }, run_seconds: { value: 66000, low: 54000, high: 90000 },
      cost_usd: { value: 95.4, low: 80, high: 130 }, cost_per_million_tokens_usd: { value: 0.42, low: 0.3, high: 0.6 } };
    strictEqual(await page.evaluate((t) => window.vramplanPage.runWords(t), run), 'about 6.11 h per epoch, about $95.40 for the run');
    strictEqual(await page.evaluate(() => window.vramplanPage.runWords({ available: true, step_seconds: { value: 1 } })), '');
    match((await page.evaluate((t) => window.vramplanPage.timeWords(t), run)).join('; '), /about 6\.11 h per epoch .*about \$0\.42 per million tokens/);
    strictEqual((await page.evaluate(() => window.vramplanPage.timeWords(undefined))).length, 0);
    // With a module that computes time, the answer shows it; without, the line stays hidden.
    const hasTime = await page.evaluate(() => !document.getElementById('answer-time').hidden);
    const r = cliScenario('estimate', await page.evaluate(() => window.vramplanPage.scenario()));
    strictEqual(hasTime, Boolean(r.json.time && r.json.time.available), 'the time line is shown exactly when the estimate has time');
    await context.close();
  });

  // A verl launch script pasted into the import pane: the page's verdict is the CLI's `import` estimate.
  test('a pasted verl command gives the CLI’s import and its verdict at the top', async () => {
    const file = join(args.source || '.', 'tests/frameworks/verl/recipes/grpo_trainer_run_qwen2-7b.sh');
    const text = readFileSync(file, 'utf8');
    const cliImport = spawnSync(args.cli, ['import', '--format', 'verl', '--json', '--gpu', 'H100-SXM-80GB', file], { encoding: 'utf8' });
    strictEqual(cliImport.status, 0, cliImport.stderr);
    const expected = JSON.parse(cliImport.stdout);
    const { page, context } = await openPage('', { width: 1280, height: 800 });
    await page.click('#import-config summary');
    await page.fill('#f-import-text', text);
    await andSettle(page, () => page.click('#use-import'));
    match(await page.textContent('#import-result'), /Read as verl: Qwen\/Qwen2-7B-Instruct, rl, 8 GPUs/);
    const peak = await page.textContent('#answer-peak');
    ok(peak.includes(gibText(expected.estimate.per_gpu.device_bytes)), `peak "${peak}" is not the CLI's ${gibText(expected.estimate.per_gpu.device_bytes)}`);
    match(await page.textContent('#summary'), new RegExp(`(Fits|Does not fit) on ${expected.scenario.gpus} × NVIDIA H100`));
    await context.close();
  });

  // NeMo RL and Automodel recipes are YAML, read in the page by js-yaml (web/import.js) and in the CLI by
  // yaml-cpp: the page's scenario, verdict and peak are the CLI's `import --json` for the same file and GPU,
  // and the edited config the page offers carries the fix. The last case writes a boolean as YAML 1.1's
  // `yes`, which the frameworks' PyYAML loaders read as true (and so must the page and the CLI).
  const YAML_IMPORTS = [
    ['nemo-rl', 'NeMo RL', 'tests/frameworks/nemo-rl/recipes/grpo-llama3.2-1b-instruct-1n8g-fsdp2tp1.v3.yaml', (t) => t],
    ['nemo-automodel', 'NeMo Automodel', 'tests/frameworks/nemo-automodel/recipes/llama3_2_1b_squad.yaml', (t) => t],
    ['nemo-rl', 'NeMo RL', 'tests/frameworks/nemo-rl/recipes/grpo-llama3.2-1b-instruct-1n8g-fsdp2tp1.v3.yaml',
      (t) => t.replace('policy:\n', 'policy:\n  dtensor_cfg:\n    activation_checkpointing: yes\n')],
  ];
  test('a pasted NeMo RL or Automodel YAML gives its verdict: the CLI’s import, unmapped keys and the edited config', async () => {
    for (const [format, name, path, edit] of YAML_IMPORTS) {
      const text = edit(readFileSync(join(args.source || '.', path), 'utf8'));
      const { page, context, record } = await openPage('', { width: 1280, height: 800 });
      const gpu = (await page.evaluate(() => window.vramplanPage.scenario())).gpu;
      const copy = join(args.artifacts, 'pasted-' + format + '.yaml');
      writeFileSync(copy, text);
      const cli = spawnSync(args.cli, ['import', '--format', format, '--json', '--gpu', gpu, copy], { encoding: 'utf8' });
      strictEqual(cli.status, 0, cli.stderr);
      const expected = JSON.parse(cli.stdout);
      await page.click('#import-config summary');
      await page.fill('#f-import-text', text);
      await andSettle(page, () => page.click('#use-import'));
      match(await page.textContent('#import-result'), new RegExp('Read as ' + name + ': '), await page.textContent('#f-import-error'));
      deepStrictEqual(await page.evaluate(() => window.vramplanPage.scenario()), expected.scenario, `${path}: the page's scenario is not the CLI's`);
      const peak = await page.textContent('#answer-peak');
      ok(peak.includes(gibText(expected.estimate.per_gpu.device_bytes)), `${path}: peak "${peak}" is not the CLI's ${gibText(expected.estimate.per_gpu.device_bytes)}`);
      match(await page.textContent('#summary'), expected.estimate.fit.fits ? /\bFits on / : /Does not fit on /);
      strictEqual(await page.locator('.import-unmapped li').count(), expected.unmapped.length);
      ok(await page.locator('.import-scenario li').count() > 0, 'the scenario understood is not listed');
      // The edited config, read back with the page's own YAML reader, holds each edit of the fix.
      const fixed = await page.evaluate(() => window.jsyaml.load(document.getElementById('import-fixed').textContent));
      for (const e of expected.fix) deepStrictEqual(e.key.split('.').reduce((o, k) => (o ? o[k] : undefined), fixed), e.value, e.key);
      deepStrictEqual(record.errors, []);
      await context.close();
    }
    ok(/activation_checkpointing: yes/.test(YAML_IMPORTS[2][3]('policy:\n')), 'the YAML 1.1 case edits the recipe');
  });

  // The main states as pictures (docs/screenshots/ holds a copy; scripts/test-web.sh writes these).
  test('screenshots of the main states: default, RL, inference, error, embed, phone, the RL timeline, compare', async () => {
    const dir = join(args.artifacts, 'screenshots');
    mkdirSync(dir, { recursive: true });
    const states = [
      ['default', '', 1280, 800],
      ['rl', 'workload=rl&model=Qwen/Qwen2.5-1.5B-Instruct&gpu=RTX-4090', 1280, 800],
      ['inference', 'model=Qwen/Qwen2.5-7B-Instruct&workload=inference&gpu=L4&inference.batch_size=32&inference.engine=vllm', 1280, 800],
      ['error', 'model=Qwen/Qwen2.5-7B-Instruct&train.micro_batch_size=-3', 1280, 800],
      ['embed', 'embed&model=Qwen/Qwen2.5-1.5B-Instruct&gpu=RTX-4090', 720, 800],
      ['phone', 'workload=train&model=Qwen/Qwen2.5-7B-Instruct&gpu=RTX-4090', 390, 844],
    ];
    for (const [name, fragment, width, height] of states) {
      const { page, context, record } = await openPage(fragment, { width, height });
      ok((await page.textContent('#summary')).trim().length > 0 || await page.isVisible('#link-error'), `${name}: nothing says what happened`);
      await page.screenshot({ path: join(dir, `${name}.png`) });
      deepStrictEqual(record.errors, [], `${name}: console errors`);
      await context.close();
    }
    // Two panes below the first screen: memory over one RL step, and a pinned result beside the next one.
    const rl = await openPage(states[1][1], { width: 1280, height: 800 });
    await rl.page.locator('#phases').screenshot({ path: join(dir, 'rl-timeline.png') });
    await rl.context.close();
    const pinned = await openPage('workload=train&model=Qwen/Qwen2.5-7B-Instruct&gpu=H100-SXM-80GB', { width: 1280, height: 800 });
    await pinned.page.click('#pin-result');
    await andSettle(pinned.page, () => pinned.page.check('#f-train-gradient_checkpointing'));
    await pinned.page.locator('#compare-section').screenshot({ path: join(dir, 'compare.png') });
    await pinned.context.close();
  });

  // Issue 21: "the Train tab inherits the RL example". Each workload starts from its own defaults; a value
  // the user set is kept.
  test('switching from the RL example to Train starts from Train’s defaults, keeping what the user set', async () => {
    const { page, context } = await openPage('', { width: 1280, height: 800 });
    await andSettle(page, () => page.click('#tab-train'));
    const train = await page.evaluate(() => window.vramplanPage.scenario());
    strictEqual(train.train.micro_batch_size, 1, JSON.stringify(train.train));
    strictEqual(train.train.seq_len, 2048);
    ok(!train.rl || !train.rl.reward_model, 'the judge stays behind');
    const r = cliScenario('estimate', train);
    ok((await page.textContent('#answer-peak')).includes(gibText(r.json.per_gpu.device_bytes)));
    await andSettle(page, () => page.click('#tab-rl'));
    strictEqual((await page.evaluate(() => window.vramplanPage.scenario())).train.micro_batch_size, 8, 'back on RL: the example again');
    await andSettle(page, async () => { await page.fill('#f-train-micro_batch_size', '4'); await page.dispatchEvent('#f-train-micro_batch_size', 'change'); });
    await andSettle(page, () => page.click('#tab-train'));
    strictEqual((await page.evaluate(() => window.vramplanPage.scenario())).train.micro_batch_size, 4, 'a value the user set is kept');
    await context.close();
  });

  // The GPU options: those that fit first, each case in words, and "Use N" applies the count that fits.
  test('GPU cards: fitting ones first, in words, and Use applies the GPU and the count that fits', async () => {
    const { page, context } = await openPage('', { width: 390, height: 844 });
    const scenario = await page.evaluate(() => window.vramplanPage.scenario());
    const rec = cliScenario('recommend', scenario).json;
    const cards = await page.$$eval('#recommend-table li.gpu-card', (lis) => lis.map((li) => ({ gpu: li.dataset.gpu, cls: li.className, words: li.querySelector('.gpu-card-words').textContent })));
    strictEqual(cards.length, rec.gpus.length);
    const rank = (c) => (/verdict-(fits|tight)/.test(c.cls) ? 0 : 1);
    for (let i = 1; i < cards.length; i++) ok(rank(cards[i - 1]) <= rank(cards[i]), `card ${i} (${cards[i].gpu}) fits but follows one that does not`);
    for (const c of cards) match(c.words, /^(Fits on|Does not fit)/, c.words);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    ok(overflow <= 0, `the phone page scrolls sideways by ${overflow}px`);
    const withCount = page.locator('#recommend-table button[data-use-count]:not([data-use-count="1"])').first();
    if (await withCount.count()) {
      const gpu = await withCount.getAttribute('data-use-gpu');
      const n = Number(await withCount.getAttribute('data-use-count'));
      await andSettle(page, () => withCount.click());
      const after = await page.evaluate(() => window.vramplanPage.scenario());
      strictEqual(after.gpu, gpu);
      strictEqual(after.gpus, n);
      const row = cliScenario('recommend', after).json.gpus.find((g) => g.id === gpu);
      ok(row.verdict !== 'no', `${n} × ${gpu}: the CLI says ${row.verdict}`);
    }
    await context.close();
  });

  // web/build.mjs writes the module's schema and GPU catalog into the page (so the module's first call is the
  // first estimate); they must be the core's, as the CLI prints them.
  test('the schema and the GPU catalog written into the page are the core’s (vramplan schema / gpus --json)', async () => {
    const { page, context } = await openPage('', { width: 1280, height: 800 });
    for (const [id, command] of [['vramplan-schema', 'schema'], ['vramplan-gpus', 'gpus']]) {
      const embedded = await page.evaluate((blockId) => JSON.parse(document.getElementById(blockId).textContent), id);
      const cli = spawnSync(args.cli, [command, '--json'], { encoding: 'utf8' });
      strictEqual(cli.status, 0, cli.stderr);
      deepStrictEqual(embedded, JSON.parse(cli.stdout), `${id} differs from vramplan ${command} --json`);
    }
    await context.close();
  });
}
