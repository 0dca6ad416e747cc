#!/usr/bin/env node
// The page's first result from file://, in headless Chromium: pages loaded alternately in one browser, so
// that a shared machine's load falls on each alike. For every load: the time from navigation to the marks
// `vramplan-module-ready` and `vramplan-first-result` (performance.mark in web/page/main.js and results.js);
// with --trace, also the CPU time of the renderer's main thread from navigation to the first result (the
// thread time of its top-level tasks in a Chrome trace), which the other processes' load inflates far less
// than wall time, and with --breakdown the events that took it (self thread time, by name).
//
//   node bench/first_result.mjs [--loads 9] [--trace] [--breakdown 25] [--profile 30] [--hash FRAGMENT]
//                               [--js-flags V8FLAGS] [--save-trace PREFIX] [--new-window] PAGE.html [PAGE2.html ...]
//
// --save-trace PREFIX: each traced load's Chrome trace written to PREFIX-1.json, PREFIX-2.json, ... (for
// chrome://tracing or Perfetto: which thread waited on which).
// --profile N: V8's sampling profiler in the trace, the N functions with the most self time on the main thread
// before the first result (a module linked with --profiling-funcs names its wasm functions).
//
// Needs playwright-core (npm ci --prefix tests/browser, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1) and a Chromium
// (/usr/bin/chromium, or $CHROMIUM). Prints one line per load and a median per page; the load average of the
// machine before and after. Reported in docs/benchmarks.md, never asserted.
//
// Each load opens the page in a new tab of one browser window that stays open (a blank tab keeps it), as a user
// opens a file in a browser already running: every load still gets a fresh renderer process (the previous tab
// is closed first), with nothing of the page compiled or cached in it. --new-window opens a new window per load
// instead (a new browser context), as this script did before 2026-12-06 (sixth session): Chromium 156 then
// starts that window's own WebUI omnibox popup (chrome://omnibox-popup.top-chrome) in a second renderer at the
// same moment, whose script parsing and compiling take 200 to 300 ms of CPU on the machine's cores while the page
// loads: the figure then includes the browser building its own window.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '../tests/browser/package.json'));

function parseArgs(argv) {
  const args = { loads: 9, trace: false, breakdown: 0, profile: 0, hash: '', jsFlags: '', newWindow: false, pages: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--trace') args.trace = true;
    else if (a === '--loads') args.loads = Number(argv[++i]);
    else if (a === '--breakdown') { args.breakdown = Number(argv[++i]); args.trace = true; }
    else if (a === '--hash') args.hash = argv[++i];
    else if (a === '--new-window') args.newWindow = true;
    else if (a === '--js-flags') args.jsFlags = argv[++i];
    else if (a === '--save-trace') { args.saveTrace = argv[++i]; args.trace = true; }
    else if (a === '--profile') { args.profile = Number(argv[++i]); args.trace = true; }
    else if (a.startsWith('--')) { console.error(`unknown option ${a}`); process.exit(2); }
    else args.pages.push(resolve(a));
  }
  if (!args.pages.length || !(args.loads > 0)) {
    console.error('usage: first_result.mjs [--loads N] [--trace] [--breakdown N] [--hash FRAGMENT] PAGE.html [PAGE2.html ...]');
    process.exit(2);
  }
  return args;
}

const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

const TRACE_CATEGORIES = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'toplevel', 'blink.user_timing',
  'v8', 'v8.wasm', 'disabled-by-default-v8.wasm.detailed', 'disabled-by-default-v8.compile', 'blink', 'loading', 'navigation'];

// The renderer main thread of the page (the thread that recorded the first-result mark), the navigation's
// start on it, and the CPU time of its top-level tasks between that start and the mark (a task that spans
// either end counts in proportion to its wall time inside).
function mainThreadCpu(events, breakdown) {
  const mark = events.find((e) => e.name === 'vramplan-first-result' && e.cat.includes('blink.user_timing'));
  if (!mark) return null;
  const onThread = events.filter((e) => e.pid === mark.pid && e.tid === mark.tid);
  const navigation = onThread.find((e) => e.name === 'navigationStart') ||
    events.find((e) => e.name === 'navigationStart' && e.pid === mark.pid);
  const from = navigation ? navigation.ts : Math.min(...onThread.map((e) => e.ts));
  const to = mark.ts;
  let cpu = 0;
  const tasks = onThread.filter((e) => e.ph === 'X' && (e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask') && e.tdur !== undefined);
  tasks.sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  let coveredUntil = -Infinity;  // a task nested in one already counted (RunTask inside ThreadControllerImpl::RunTask)
  for (const t of tasks) {
    if (t.ts < coveredUntil) continue;
    coveredUntil = t.ts + t.dur;
    const start = Math.max(t.ts, from);
    const end = Math.min(t.ts + t.dur, to);
    if (end <= start || t.dur <= 0) continue;
    cpu += t.tdur * (end - start) / t.dur;
  }
  const result = { cpuMs: cpu / 1000, wallMs: (to - from) / 1000, byName: null, samples: null };
  result.samples = profileSelfTimes(events, mark.pid, from, to);
  if (breakdown) result.byName = selfTimes(onThread.filter((e) => e.ph === 'X' && e.tdur !== undefined && e.ts >= from && e.ts < to));
  return result;
}

// V8's sampling profile (ProfileChunk events) of the renderer: self time per function (name and kind) between
// `from` and `to`, from the samples' time deltas.
function profileSelfTimes(events, pid, from, to) {
  const chunks = events.filter((e) => e.name === 'ProfileChunk' && e.pid === pid);
  const start = events.find((e) => e.name === 'Profile' && e.pid === pid);
  if (!chunks.length || !start) return null;
  const frames = new Map();
  let t = start.args.data.startTime;
  const self = new Map();
  for (const c of chunks) {
    const profile = c.args.data.cpuProfile || {};
    for (const n of profile.nodes || []) {
      const f = n.callFrame;
      frames.set(n.id, `${f.functionName || '(anonymous)'} [${f.codeType || ''}${f.url ? ' ' + f.url.slice(-20) : ''}]`);
    }
    const samples = profile.samples || [];
    const deltas = c.args.data.timeDeltas || [];
    for (let i = 0; i < samples.length; i++) {
      const previous = t;
      t += deltas[i] || 0;
      if (t < from || t > to) continue;
      const name = frames.get(samples[i]) || String(samples[i]);
      self.set(name, (self.get(name) || 0) + (t - previous));
    }
  }
  return self;
}

// Self thread time per event name: each complete event's thread time less its direct children's.
function selfTimes(events) {
  const sorted = [...events].sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const self = new Map();
  const stack = [];
  for (const e of sorted) {
    while (stack.length && stack[stack.length - 1].ts + stack[stack.length - 1].dur <= e.ts) stack.pop();
    const parent = stack[stack.length - 1];
    if (parent) self.set(parent.name, (self.get(parent.name) || 0) - e.tdur);
    self.set(e.name, (self.get(e.name) || 0) + e.tdur);
    stack.push(e);
  }
  return self;
}

const VIEWPORT = { viewport: { width: 1280, height: 800 } };

// The page's tab: in the shared window, or (--new-window) in a window of its own, closed with it.
async function openTab(browser, sharedWindow) {
  if (sharedWindow) return { page: await sharedWindow.newPage(), close: (page) => page.close() };
  const context = await browser.newContext(VIEWPORT);
  return { page: await context.newPage(), close: () => context.close() };
}

async function oneLoad(browser, sharedWindow, url, trace, breakdown, profile) {
  const tab = await openTab(browser, sharedWindow);
  const page = tab.page;
  if (trace) await browser.startTracing(page, { categories: profile ? [...TRACE_CATEGORIES, 'disabled-by-default-v8.cpu_profiler'] : TRACE_CATEGORIES });
  await page.goto(url);
  await page.waitForFunction(() => performance.getEntriesByName('vramplan-first-result').length > 0, null, { timeout: 30000 });
  const marks = await page.evaluate(() => Object.fromEntries(['vramplan-module-ready', 'vramplan-first-result']
    .map((n) => [n, performance.getEntriesByName(n)[0]?.startTime ?? null])));
  let cpu = null;
  if (trace) {
    const buffer = await browser.stopTracing();
    if (saveTrace) writeFileSync(`${saveTrace}-${++savedTraces}.json`, buffer);
    cpu = mainThreadCpu(JSON.parse(buffer.toString('utf8')).traceEvents, breakdown);
    if (cpu && !profile) cpu.samples = null;
  }
  await tab.close(page);
  return { ready: marks['vramplan-module-ready'], first: marks['vramplan-first-result'], cpu };
}

const args = parseArgs(process.argv.slice(2));
const saveTrace = args.saveTrace;
let savedTraces = 0;
let chromium;
try {
  ({ chromium } = require('playwright-core'));
} catch (e) {
  console.error('playwright-core is not installed: PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix tests/browser');
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', ...(args.jsFlags ? ['--js-flags=' + args.jsFlags] : [])],
});
let sharedWindow = null;
if (!args.newWindow) {
  sharedWindow = await browser.newContext(VIEWPORT);
  await sharedWindow.newPage();  // the blank tab that keeps the window open between loads
}
console.log(`load average before: ${loadAverage()}, ${args.newWindow ? 'a new window per load' : 'a new tab per load in one window'}`);
const results = args.pages.map(() => []);
const urls = args.pages.map((p) => pathToFileURL(p).href + (args.hash ? '#' + args.hash : ''));
// One load of each page first, not counted: the browser's own first-use costs (its processes, its caches).
for (const url of urls) await oneLoad(browser, sharedWindow, url, false, false);
for (let i = 0; i < args.loads; i++) {
  for (let p = 0; p < urls.length; p++) {
    const r = await oneLoad(browser, sharedWindow, urls[p], args.trace, args.breakdown > 0, args.profile > 0);
    results[p].push(r);
    const cpu = r.cpu ? `, main-thread CPU ${r.cpu.cpuMs.toFixed(0)} ms` : '';
    console.log(`${args.pages[p]}: module ready ${r.ready.toFixed(0)} ms, first result ${r.first.toFixed(0)} ms${cpu}`);
  }
}
await browser.close();
console.log(`load average after: ${loadAverage()}`);
for (let p = 0; p < urls.length; p++) {
  const rs = results[p];
  const firsts = rs.map((r) => r.first);
  let line = `${args.pages[p]}: first result median ${median(firsts).toFixed(0)} ms (min ${Math.min(...firsts).toFixed(0)}, max ` +
    `${Math.max(...firsts).toFixed(0)}), module ready median ${median(rs.map((r) => r.ready)).toFixed(0)} ms`;
  if (args.trace) line += `, main-thread CPU median ${median(rs.map((r) => r.cpu.cpuMs)).toFixed(0)} ms (min ${Math.min(...rs.map((r) => r.cpu.cpuMs)).toFixed(0)})`;
  console.log(line);
  if (args.breakdown) {
    const total = new Map();
    for (const r of rs) for (const [name, t] of r.cpu.byName) total.set(name, (total.get(name) || 0) + t / rs.length);
    const top = [...total].sort((a, b) => b[1] - a[1]).slice(0, args.breakdown);
    for (const [name, t] of top) console.log(`    ${(t / 1000).toFixed(1).padStart(7)} ms  ${name}`);
  }
  if (args.profile) {
    const total = new Map();
    for (const r of rs) for (const [name, t] of r.cpu.samples || []) total.set(name, (total.get(name) || 0) + t / rs.length);
    const top = [...total].sort((a, b) => b[1] - a[1]).slice(0, args.profile);
    console.log('  sampled self time, mean per load:');
    for (const [name, t] of top) console.log(`    ${(t / 1000).toFixed(1).padStart(7)} ms  ${name}`);
  }
}
