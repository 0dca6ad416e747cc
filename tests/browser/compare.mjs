// Browser tests of the comparison (pin a result, change a setting), the RL step as one timeline, and the
// words that replace bare numbers (issue 21). Registered into run.mjs's runner.
import { ok, strictEqual, match, deepStrictEqual } from 'node:assert/strict';

// Four accumulated micro-batches: with one, the HF Trainer's peak is the optimizer step (no gradient at
// the loss, docs/memory-model.md), which checkpointing does not change.
const TRAIN = 'workload=train&model=Qwen/Qwen2.5-7B-Instruct&gpu=H100-SXM-80GB&train.gradient_accumulation_steps=4';
const RL = 'workload=rl&model=Qwen/Qwen2.5-1.5B-Instruct&gpu=RTX-4090';
const SERVE = 'model=Qwen/Qwen2.5-7B-Instruct&workload=inference&gpu=L4&inference.batch_size=32&inference.engine=vllm';

async function tableRows(page, selector) {
  return page.$$eval(selector + ' tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent.trim())));
}

export function register({ test, openPage, andSettle, cliScenario, gibText }) {
  // "What does checkpointing buy me": pin, switch checkpointing on, read both peaks, the changed setting
  // and the activations line, each the CLI's.
  test('pin a result, switch on checkpointing: both peaks, the setting and the activations side by side', async () => {
    const { page, context, record } = await openPage(TRAIN, { width: 1280, height: 800 });
    const before = await page.evaluate(() => window.vramplanPage.scenario());
    strictEqual(await page.isVisible('#compare-section'), false, 'nothing pinned yet');
    await page.click('#pin-result');
    await andSettle(page, async () => { await page.check('#f-train-gradient_checkpointing'); });
    const after = await page.evaluate(() => window.vramplanPage.scenario());
    strictEqual(after.train.gradient_checkpointing, true);
    const a = cliScenario('estimate', before).json;
    const b = cliScenario('estimate', after).json;
    ok(b.per_gpu.device_bytes < a.per_gpu.device_bytes, 'checkpointing must save memory in this scenario');
    const rows = await tableRows(page, '#compare-table');
    deepStrictEqual(rows[0].slice(1, 3), [gibText(a.per_gpu.device_bytes), gibText(b.per_gpu.device_bytes)]);
    match(rows[0][3], /^−/);
    const activations = (r) => r.per_gpu.components.find((c) => c.id === 'activations');
    const side = (r) => (activations(r) ? gibText(activations(r).bytes) : '–');  // the peak may move to another moment
    const row = rows.find((r) => r[0] === activations(a).label);
    ok(row, `no activations row in ${JSON.stringify(rows)}`);
    deepStrictEqual(row.slice(1, 3), [side(a), side(b)]);
    match(await page.textContent('#compare'), /train\.gradient_checkpointing: (false|default) → true/);
    // Back to the pinned settings restores the scenario; Unpin hides the comparison.
    await andSettle(page, () => page.click('#compare-back'));
    deepStrictEqual(await page.evaluate(() => window.vramplanPage.scenario()), before);
    await page.click('#compare-unpin');
    strictEqual(await page.isVisible('#compare-section'), false);
    deepStrictEqual(record.errors, []);
    await context.close();
  });

  // One chart for the RL step: a block per phase, as wide as its time and as high as its memory, and a
  // table with the CLI's numbers; the words say what the host RAM holds and what the rollout pool holds.
  test('the RL step as one timeline, with the CLI’s phases, and the words for host RAM and the rollout pool', async () => {
    const { page, context } = await openPage(RL, { width: 1280, height: 800 });
    const r = cliScenario('estimate', await page.evaluate(() => window.vramplanPage.scenario())).json;
    ok(await page.isVisible('#phases svg.timeline'), 'no timeline');
    const rows = await tableRows(page, '#phase-table');
    deepStrictEqual(rows.map((row) => [row[0], row[1]]), r.phases.map((p) => [p.id, gibText(p.per_gpu.device_bytes)]));
    // Widths follow the time model: the longest phase has the widest blocks.
    const widths = await page.$$eval('#phases svg.timeline rect', (rects) => rects.map((x) => [x.querySelector('title').textContent.split(',')[0], Number(x.getAttribute('width'))]));
    const widest = widths.reduce((m, w) => (w[1] > m[1] ? w : m));
    const longest = r.phases.reduce((m, p) => (p.time.seconds.value > m.time.seconds.value ? p : m));
    strictEqual(widest[0], longest.id);
    const summary = await page.textContent('#summary');
    const train = r.phases.find((p) => p.id === 'train');
    const sleeping = r.phases.find((p) => p.id === 'rollout').per_gpu.components.find((c) => c.id === 'rollout.weights');
    ok(train.per_gpu.host_bytes >= sleeping.bytes && sleeping.bytes > 0, 'the test scenario sleeps its rollout engine');
    match(summary, /Host RAM while training: .*sleeping rollout engine’s weights/);
    ok(summary.includes(gibText(sleeping.bytes)), summary);
    match(summary, new RegExp(`holds ${r.rollout.max_concurrent_sequences} of the ${r.rollout.sequences_per_engine} sequences per engine`));
    if (!r.fit.fits) ok(summary.includes(r.fit.reason), `the reason "${r.fit.reason}" is not in "${summary}"`);
    // Formulas name constants in words, linked to their value and source; no internal name is shown.
    const formulas = await page.textContent('#breakdown-table');
    ok(!/\bk[A-Z][A-Za-z0-9]+/.test(formulas), 'a constant’s code name is shown: ' + formulas.match(/\bk[A-Z][A-Za-z0-9]+/));
    await context.close();
  });

  // Issue 16's run totals on the page: a training run sized by its dataset. The verdict sentence says the
  // epoch and the cost (the CLI's estimate), each GPU card its run's time and cost (the CLI's recommend),
  // and the fitting cards come cheapest run first.
  test('a run sized by its dataset: the verdict says the epoch and the cost, each GPU card its run’s (the CLI’s)', async () => {
    const { page, context } = await openPage('workload=train&model=Qwen/Qwen2.5-7B-Instruct&gpu=H100-SXM-80GB&gpus=4&dataset.tokens=1000000000', { width: 1280, height: 800 });
    const scenario = await page.evaluate(() => window.vramplanPage.scenario());
    strictEqual(scenario.dataset.tokens, 1000000000);
    const est = cliScenario('estimate', scenario).json;
    ok(est.time.cost_usd && est.time.run_seconds, 'the CLI sizes this run');
    const words = await page.evaluate((t) => window.vramplanPage.runWords(t), est.time);
    match(words, /^about .* (per epoch|for the run), about \$[\d,.]+ for the run$/);
    ok((await page.textContent('#summary')).includes(words.charAt(0).toUpperCase() + words.slice(1)), await page.textContent('#summary'));
    const dollars = (v) => '$' + (v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(2));
    const rec = cliScenario('recommend', scenario).json;
    const priced = rec.gpus.filter((g) => g.time && g.time.cost_usd);
    ok(priced.length > 3, 'the CLI prices the run on several GPUs');
    for (const g of priced) {
      const facts = await page.textContent(`#recommend-table li[data-gpu="${g.id}"] .gpu-card-facts`);
      ok(facts.includes(`on ${g.min_gpus} GPU`) && facts.includes(dollars(g.time.cost_usd.value) + ' for the run'), `${g.id}: "${facts}"`);
    }
    const order = await page.$$eval('#recommend-table li.gpu-card.verdict-fits', (lis) => lis.map((li) => li.dataset.gpu));
    const cost = (id) => { const g = rec.gpus.find((x) => x.id === id); return g.time && g.time.cost_usd ? g.time.cost_usd.value : Infinity; };
    for (let i = 1; i < order.length; i++) ok(cost(order[i - 1]) <= cost(order[i]), `${order[i - 1]} before ${order[i]}`);
    await context.close();
  });

  test('an unknown GPU: the error names the page’s list, not a CLI command', async () => {
    const { page, context } = await openPage('model=Qwen/Qwen2.5-7B-Instruct&gpu=NO-SUCH-GPU', { width: 1280, height: 800 });
    const cli = cliScenario('estimate', { model: 'Qwen/Qwen2.5-7B-Instruct', gpu: 'NO-SUCH-GPU' });
    match(cli.stderr, /see `vramplan gpus`/, 'the CLI still names its command');
    const shown = (await page.textContent('#error-summary')) + (await page.textContent('#summary'));
    match(shown, /unknown GPU .*the GPU list shows them/);
    ok(!/vramplan (gpus|models)/.test(shown), shown);
    await context.close();
  });

  test('a vLLM server whose KV pool holds fewer sequences than asked: not a plain Fits, and the count in words', async () => {
    const { page, context } = await openPage(SERVE, { width: 1280, height: 800 });
    const r = cliScenario('estimate', await page.evaluate(() => window.vramplanPage.scenario())).json;
    ok(r.fit.fits && r.inference.max_concurrent_sequences < 32, 'the test scenario starts but holds fewer than 32 sequences');
    const verdict = await page.textContent('#breakdown .verdict');
    match(verdict, new RegExp(`Starts, but its KV pool holds ${r.inference.max_concurrent_sequences} of the 32 requested sequences`));
    ok(await page.$('#breakdown .verdict.verdict-tight'), 'the verdict is not shown as a plain fit');
    const card = await page.textContent('#recommend-table li[data-gpu="L4"] .gpu-card-words');
    match(card, /KV pool holds \d+ of the 32 requested sequences/);
    // The constant names of the formulas are linked to their value and source in the list below.
    const link = page.locator('#breakdown-table a.const').first();
    const target = (await link.getAttribute('href')).slice(1);
    const entry = await page.textContent('#' + target);
    const constant = r.constants.find((c) => 'const-' + c.name === target);
    ok(constant && entry.includes(constant.source.slice(0, 20)), entry);
    await context.close();
  });
}
