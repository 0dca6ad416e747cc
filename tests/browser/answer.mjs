// Browser tests of the answer-first page (issue 21): the verdict sentence, the peak and the first
// suggestion inside the first screen at phone and laptop sizes; the sweep chart following the
// micro-batch slider. Registered into run.mjs's runner (which owns the browser and the helpers).
import { ok, strictEqual, match, notStrictEqual } from 'node:assert/strict';
import { join } from 'node:path';

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
}
