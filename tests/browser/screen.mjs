// Browser tests of what the eye reads (issue 21): colours against the words that name them, a bad value's
// error where a phone user is looking, and the sweep chart under a mouse drag of its slider. Registered into
// run.mjs's runner (which owns the browser and the helpers).
import { ok, strictEqual, match, notStrictEqual } from 'node:assert/strict';

// The RL example at a size where the panes sit side by side; its step has several phases and roles.
const RL_VIEW = 'workload=rl&model=Qwen/Qwen2.5-1.5B-Instruct&gpu=RTX-4090';

// The computed fill of every rect in `selector` with its <title>, and the computed background of every swatch
// with the words beside it, in the page.
async function fills(page, selector) {
  return page.$$eval(selector, (rects) => rects.map((r) => ({ title: r.querySelector('title').textContent, fill: getComputedStyle(r).fill })));
}

export function register({ test, openPage, andSettle, cliScenario }) {
  test('the RL view’s colours are the ones its legend and its table give (phase bars, breakdown bar)', async () => {
    const { page, context } = await openPage(RL_VIEW, { width: 1280, height: 800 });
    // Memory over one RL step: each segment is a role in a phase ("rollout, policy: 2.9 GiB"); the legend
    // names each role beside its swatch. A role keeps its colour in every phase, and it is the legend's.
    const legend = new Map(await page.$$eval('#phases .legend li', (items) => items.map((li) =>
      [li.textContent.trim(), getComputedStyle(li.querySelector('.swatch')).backgroundColor])));
    ok(legend.size >= 2, `the timeline's legend names ${legend.size} roles`);
    strictEqual(new Set(legend.values()).size, legend.size, `two roles share a colour: ${JSON.stringify([...legend])}`);
    const segments = await fills(page, '#phases svg.timeline rect.seg');
    const phases = new Set(segments.map((s) => s.title.split(',')[0]));
    ok(phases.size >= 2, `the timeline shows ${phases.size} phases`);
    const byRole = new Map();
    for (const s of segments) {
      const role = s.title.replace(/^[^,]*, /, '').replace(/: [^:]*$/, '');
      ok(legend.has(role), `segment "${s.title}": its role is not in the legend ${JSON.stringify([...legend.keys()])}`);
      strictEqual(s.fill, legend.get(role), `segment "${s.title}" is not coloured as the legend says`);
      byRole.set(role, (byRole.get(role) || new Set()).add(s.fill));
    }
    for (const [role, colours] of byRole) strictEqual(colours.size, 1, `${role} changes colour from phase to phase`);
    for (const role of legend.keys()) ok(byRole.has(role), `the legend lists ${role}, which no phase shows`);
    // The breakdown bar: "Colours match the table": each segment's colour is its row's swatch.
    match(await page.textContent('#breakdown'), /Colours match the table/);
    const rows = new Map(await page.$$eval('#breakdown-table tbody tr', (trs) => trs.map((tr) =>
      [tr.querySelector('.component-label').textContent, getComputedStyle(tr.querySelector('.swatch')).backgroundColor])));
    const bar = await fills(page, '#breakdown svg.bar rect');
    strictEqual(bar.length, rows.size, 'one bar segment per table row');
    for (const s of bar) {
      const label = s.title.replace(/: [^:]*$/, '');
      ok(rows.has(label), `bar segment "${s.title}" has no row in the table`);
      strictEqual(s.fill, rows.get(label), `bar segment "${s.title}" is not coloured as its row`);
    }
    await context.close();
  });

  test('on a phone (390x844), a bad value shows its error in the first screen and dims the stale result', async () => {
    const height = 844;
    const { page, context } = await openPage('', { width: 390, height });
    const peakBefore = (await page.textContent('#answer-peak')).trim();
    ok(peakBefore.length > 0, 'no peak before the bad value');
    const field = '#f-train-micro_batch_size';
    await andSettle(page, async () => {
      await page.fill(field, '0');
      await page.dispatchEvent(field, 'change');
    });
    const expected = cliScenario('estimate', await page.evaluate(() => window.vramplanPage.scenario()));
    strictEqual(expected.status, 2, 'the CLI accepts the bad value');
    const message = expected.stderr.trim().replace(/^error: \S+: /, '');
    // Where the user typed: the field's own error is on screen beside it.
    const onScreen = async (selector) => {
      const box = await page.locator(selector).boundingBox();
      ok(box, `${selector} is not displayed`);
      ok(box.y >= 0 && box.y + box.height <= height, `${selector} spans y ${box.y.toFixed(0)} to ${(box.y + box.height).toFixed(0)}, outside the screen`);
    };
    await onScreen(field + '-error');
    strictEqual((await page.textContent(field + '-error')).trim(), message);
    // The first screen, without scrolling: the answer says what is wrong instead of the old verdict...
    await page.evaluate(() => window.scrollTo(0, 0));
    await onScreen('#summary');
    const summary = await page.textContent('#summary');
    match(summary, /^Fix the highlighted setting/);
    ok(summary.includes(message), `the first screen says "${summary}", not the module's "${message}"`);
    // ...and the stale result is gone from it or dimmed: no peak, the answer and the panes marked stale.
    strictEqual((await page.textContent('#answer-peak')).trim(), '', 'the old peak still stands in the first screen');
    ok(await page.evaluate(() => document.getElementById('answer').classList.contains('stale')), 'the answer is not marked stale');
    const dimmed = await page.evaluate(() => Number(getComputedStyle(document.querySelector('#results .panel:not(:first-of-type)')).opacity));
    ok(dimmed < 1, `the old results are shown at opacity ${dimmed}`);
    await context.close();
  });

  test('dragging the micro-batch slider with the mouse redraws the sweep chart at the batch it stops on', async () => {
    const { page, context } = await openPage('', { width: 1280, height: 800 });
    const slider = page.locator('#sweep-slider');
    await slider.scrollIntoViewIfNeeded();
    const before = await page.textContent('#sweep svg.chart .point.current title');
    match(before, /^batch 8:/);
    const box = await slider.boundingBox();
    const [min, max, value] = (await page.$eval('#sweep-slider', (s) => [s.min, s.max, s.value])).map(Number);
    // A range input's thumb travels the track less its own width; a press on the thumb, a move, a release.
    const xOf = (v) => box.x + 8 + (box.width - 16) * (v - min) / (max - min);
    const y = box.y + box.height / 2;
    await andSettle(page, async () => {
      await page.mouse.move(xOf(value), y);
      await page.mouse.down();
      for (const v of [value - 0.5, value - 1, value - 1.5, 1]) await page.mouse.move(xOf(v), y, { steps: 3 });
      await page.mouse.up();
    });
    strictEqual(await page.inputValue('#sweep-slider'), '1');
    strictEqual(await page.inputValue('#f-train-micro_batch_size'), '2');
    const after = await page.textContent('#sweep svg.chart .point.current title');
    match(after, /^batch 2:/);
    notStrictEqual(after, before);
    await context.close();
  });
}
