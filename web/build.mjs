#!/usr/bin/env node
// Builds the single-file page: web/index.html with style.css, the WebAssembly module (a SINGLE_FILE
// emscripten build, the wasm inlined as base64), api.js, the scenario module and the page's modules
// (web/page/*.js, joined in PAGE_MODULES' order into one closure as app.js) all inlined. The result needs no
// server and makes no request: it works from file:// and after "Save page as".
//
//   node web/build.mjs --module build/wasm/vramplan.js --out build/site/index.html [--version X] [--js-yaml FILE]
//
// No npm dependencies: js-yaml (the page's YAML parser, web/import.js) comes from Debian's node-js-yaml
// (scripts/install-deps.sh), acorn (to drop comments) from the emscripten install. Called by
// wasm/CMakeLists.txt (target vramplan_site) and scripts/build-web.sh.
import { readFileSync, writeFileSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, deflateRawSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
// js-yaml 4.1 as Debian 12 ships it (package node-js-yaml, MIT): its minified UMD build, which defines
// the global `jsyaml` in a page. Bundled as it is, its license comment included.
const DEBIAN_JS_YAML = '/usr/share/nodejs/js-yaml/dist/js-yaml.min.js';

function parseArgs(argv) {
  const args = { module: null, 'page-module': null, out: null, version: 'dev', 'js-yaml': DEBIAN_JS_YAML };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, '');
    if (!(name in args) || i + 1 >= argv.length) {
      console.error(`error: ${argv[i]}: unknown option or missing value (--module FILE [--page-module FILE] --out FILE [--version X] [--js-yaml FILE])`);
      process.exit(2);
    }
    args[name] = argv[++i];
  }
  if (!args.module || !args.out) {
    console.error('error: --module and --out are required');
    process.exit(2);
  }
  // --module gives the schema; --page-module (build/wasm/vramplan-page.js: the module without schema(),
  // wasm/CMakeLists.txt) is the module the page carries. Without it the page carries --module.
  args['page-module'] = args['page-module'] || args.module;
  return args;
}

// Text placed inside <script> must not close the element or open an HTML comment; inside <style>
// it must not close the element. These escapes keep JavaScript strings and regexes meaning the same.
function scriptSafe(js) {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}
// The page's own scripts without their comments and indentation (6.5 of 31 KiB gzip, 2026-12-05): acorn
// reads the tokens, and the text between two tokens becomes one newline if it held a line break (so
// automatic semicolon insertion reads the same), else one space; tokens, template literals and regexes
// are copied as they are. Without acorn (it comes with emscripten) the scripts go in unchanged.
function loadAcorn() {
  const candidates = ['acorn', '/usr/share/nodejs/acorn'];
  if (process.env.EMSDK) candidates.push(join(process.env.EMSDK, 'upstream/emscripten/node_modules/acorn'));
  for (const name of candidates) {
    try { return require(name); } catch (e) { /* the next place */ }
  }
  console.warn('web/build.mjs: acorn not found (NODE_PATH, /usr/share/nodejs, $EMSDK): scripts keep their comments');
  return null;
}
const acorn = loadAcorn();
function compact(js) {
  if (!acorn) return js;
  const tokens = [];
  acorn.parse(js, { ecmaVersion: 2022, sourceType: 'script', onToken: tokens });
  let out = '';
  let at = 0;
  for (const t of tokens) {
    if (t.start > at) {
      const gap = js.slice(at, t.start);
      if (out) out += /[\n\r\u2028\u2029]/.test(gap) ? '\n' : ' ';
    }
    out += js.slice(t.start, t.end);
    at = t.end;
  }
  return out + '\n';
}
// The scripts minified by terser (Debian's node-terser, scripts/install-deps.sh) where it is installed: names
// mangled, dead code dropped, with its default (safe) compressions; 8.4 KB gzip off the page against the
// compaction above (docs/benchmarks.md, 2026-12-06 "page4"), the module's glue included (emscripten 3.1.6
// has no closure compiler here, docs/toolchain.md pitfall 9). Top-level names stay (the scripts share them:
// createVramplanModule, Vramplan, VramplanScenario). Without terser, the compaction above, and a note.
function loadTerser() {
  const candidates = ['terser', '/usr/share/nodejs/terser'];
  for (const name of candidates) {
    try { return require(name); } catch (e) { /* the next place */ }
  }
  console.warn('web/build.mjs: terser not found (apt-get install node-terser): the scripts are compacted only, about 8 KB larger gzip');
  return null;
}
const terser = loadTerser();
async function minified(js) {
  if (!terser) return compact(js);
  const out = await terser.minify(js, { ecma: 2020, compress: { passes: 3 }, mangle: true, format: { comments: false } });
  return out.code + '\n';
}
function readJsYaml(path) {
  try {
    return readFileSync(resolve(path), 'utf8');
  } catch (e) {
    throw new Error(`js-yaml: cannot read ${path} (apt-get install node-js-yaml, or pass --js-yaml FILE): ${e.message}`);
  }
}
// The page is written in ASCII only. Blink decodes an ASCII document into 8-bit strings; one non-ASCII
// character (a "×" in a script) made it decode the whole 630 KB into 16-bit text, which its tokenizer, V8's
// scanner and the wasm block's textContent then carried: in a trace of the page, the decoder alone took 48 ms
// of CPU against 11 once ASCII (docs/benchmarks.md). Scripts and the JSON block get \uXXXX escapes (the same
// string, regular expression or identifier; no script reads a template's .raw), the markup numeric
// character references, the style sheet CSS escapes.
const NON_ASCII = /[^\x00-\x7f]/g;
const utf16Escape = (c) => [...Array(c.length).keys()].map((i) => '\\u' + c.charCodeAt(i).toString(16).padStart(4, '0')).join('');
const jsAscii = (js) => js.replace(/[^\x00-\x7f]+/g, utf16Escape);
const htmlAscii = (html) => html.replace(NON_ASCII, (c) => '&#x' + c.codePointAt(0).toString(16) + ';');
const cssAscii = (css) => css.replace(NON_ASCII, (c) => '\\' + c.codePointAt(0).toString(16) + ' ');

function styleSafe(css) {
  if (/<\/style/i.test(css)) throw new Error('style.css contains "</style"');
  return css;
}
// The stylesheet and the markup lose their comments and indentation too (0.7 KiB gzip): style.css has no
// strings that hold "/*", and index.html no <pre> or <textarea> text that leading spaces belong to.
function trimLines(text) { return text.split('\n').map((l) => l.trim()).filter(Boolean).join('\n') + '\n'; }
// In the stylesheet also the spaces around braces, semicolons, commas and child combinators and after colons
// (never before one: "a :hover" is not "a:hover"), and a rule's last semicolon; style.css has no string
// that holds those characters (0.2 KB gzip).
function compactCss(css) {
  return trimLines(css.replace(/\/\*[\s\S]*?\*\//g, '')).replace(/\s*([{};,>])\s*/g, '$1').replace(/:\s+/g, ':').replace(/;}/g, '}');
}
function compactHtml(html) { return trimLines(html.replace(/<!--[\s\S]*?-->/g, '')); }

// The page's modules by concern, in load order. scenario.js is a script of its own (a CommonJS module
// under node, for the tests); the others share one closure and call each other at run time only, so
// only top-level statements (main.js's start()) depend on the order.
const PAGE_MODULES = ['dom.js', 'state.js', 'form.js', 'results.js', 'gpus.js', 'answer.js', 'charts.js', 'explain.js', 'timeline.js', 'compare.js', 'drop.js', 'importer.js', 'events.js', 'main.js'];
// What the page's closure takes from scenario.js as it loads (the schema-bound rest comes from
// create(schema) once the module has loaded: state.js useSchema).
const SCENARIO_EXPORTS = ['SWEEP_BATCHES', 'FORBIDDEN_KEYS', 'LinkError', 'clone', 'isObject', 'merge', 'getPath', 'setPath', 'flatten'];

function pageBundle() {
  const parts = PAGE_MODULES.map((name) => `// ---- web/page/${name}\n` + readFileSync(join(here, 'page', name), 'utf8'));
  return `// vramplan's page (bundled from web/page/ by web/build.mjs).\n(function () {\n'use strict';\n` +
    `const { ${SCENARIO_EXPORTS.join(', ')} } = window.VramplanScenario;\n\n${parts.join('\n')}\n})();\n`;
}

// The module carries its wasm as base64 (SINGLE_FILE), which node and the tests load as it is. In the page
// the wasm travels deflated (zlib level 9), then base64: the page's budget is measured gzipped, and gzip
// finds nothing more in deflated bytes, while base64's 64 symbols cost it back only the 6 bits each holds.
// So the block gzips to the deflated size (346 KiB of 1.17 MB, 2026-12-05), where the wasm written one
// character per byte in UTF-8 gzipped to 382 KiB and raw base64 to 452 KiB (docs/benchmarks.md). The text
// sits in a data block (<script type="application/octet-stream">), never in a JavaScript literal: the HTML
// parser passes over raw text far faster than V8 scans a string literal. api.js inflates it with the
// browser's own DecompressionStream('deflate-raw') and hands the bytes to the module as
// Module.wasmBinary, which emscripten's getBinary() uses before it looks at the (now empty) data: URI.
const WASM_DATA_URI = /"data:application\/octet-stream;base64,([A-Za-z0-9+/=]+)"/;
const WASM_BLOCK_ID = 'vramplan-wasm';
const WASM_ENCODING = 'deflate-raw+base64';
// Raw deflate of the wasm, by Debian's zopfli (scripts/install-deps.sh) where it is installed: the same
// format, found by a slower exhaustive search, 4.6% smaller than zlib's level 9 on this module (326,605
// against 342,372 B, 2026-12-05), which the page pays for twice, in its gzip budget and in the characters
// the HTML parser scans before the first result. Without zopfli, zlib level 9, and a note saying so.
const ZOPFLI_ITERATIONS = 10;
function deflateRaw(bytes) {
  // zopfli reads a file (it sizes its input first, so not a pipe).
  const dir = mkdtempSync(join(tmpdir(), 'vramplan-wasm-'));
  try {
    const file = join(dir, 'module.wasm');
    writeFileSync(file, bytes);
    const run = spawnSync('zopfli', ['--deflate', `--i${ZOPFLI_ITERATIONS}`, '-c', file], { maxBuffer: 64 << 20 });
    if (run.status === 0 && run.stdout.length > 0) return run.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.warn('web/build.mjs: zopfli not found (apt-get install zopfli): the wasm is deflated by zlib, about 16 KB larger');
  return deflateRawSync(bytes, { level: 9, memLevel: 9 });
}

// -> {glue: the module's JavaScript without its wasm, block: the wasm as a data block for the markup}.
function moduleForPage(moduleJs) {
  const found = WASM_DATA_URI.exec(moduleJs);
  if (!found) throw new Error('the module has no base64 wasm (was it linked with -sSINGLE_FILE=1?)');
  const bytes = Buffer.from(found[1], 'base64');
  const glue = moduleJs.replace(WASM_DATA_URI, '"data:application/octet-stream;base64,"');
  const packed = deflateRaw(bytes).toString('base64');
  // Base64 has no "<" or "&", so the block cannot end early or open a comment.
  const block = `<script type="application/octet-stream" id="${WASM_BLOCK_ID}" data-encoding="${WASM_ENCODING}" ` +
    `data-bytes="${bytes.length}">${packed}</script>\n`;
  return { glue, block };
}

const args = parseArgs(process.argv.slice(2));

// The scenario schema and the GPU catalog are fixed per build: the module's schema() and gpus() output is
// written into the page as JSON data blocks, so the page builds its form without the first and gives the first
// result's verdict its GPU's name without the second (30 ms for schema() in node, more in a loaded browser, on
// the way to the first result; docs/benchmarks.md "page2" and "page5"). "<" is escaped so a block cannot end early.
async function dataBlocks(modulePath) {
  const factory = require(resolve(modulePath));
  const module = await factory();
  const block = (call, id) => {
    const envelope = JSON.parse(module[call]());
    if (!envelope.ok) throw new Error(`the module refused to give its ${call}(): ` + JSON.stringify(envelope.error));
    const text = jsAscii(JSON.stringify(envelope.value).replace(/</g, '\\u003c'));
    return `<script type="application/json" id="${id}">${text}</script>\n`;
  };
  return block('schema', 'vramplan-schema') + block('gpus', 'vramplan-gpus');
}
const dataBlock = await dataBlocks(args.module);
let html = htmlAscii(compactHtml(readFileSync(join(here, 'index.html'), 'utf8')));
const module = moduleForPage(readFileSync(resolve(args['page-module']), 'utf8'));
const sources = {
  'vramplan.js': await minified(module.glue),
  'api.js': await minified(readFileSync(join(here, 'api.js'), 'utf8')),
  'js-yaml.js': readJsYaml(args['js-yaml']),
  'import.js': await minified(readFileSync(join(here, 'import.js'), 'utf8')),
  'scenario.js': await minified(readFileSync(join(here, 'page', 'scenario.js'), 'utf8')),
  'app.js': await minified(pageBundle()),
};

// Nothing in the markup may point outside the page (the files inlined below aside).
const external = html
  .replace(/<link rel="stylesheet" href="style\.css">/, '')
  .replace(/<script src="[a-z.-]+"><\/script>/g, '')
  .match(/\s(?:src|href)="(?!#|data:)[^"]*"/g);
if (external) throw new Error(`index.html refers to other files: ${external.join(', ')}`);
if (/url\(/.test(readFileSync(join(here, 'style.css'), 'utf8'))) throw new Error('style.css must not use url()');

let replaced = 0;
html = html.replace(/<link rel="stylesheet" href="style\.css">/, () => {
  replaced++;
  return '<style>\n' + cssAscii(styleSafe(compactCss(readFileSync(join(here, 'style.css'), 'utf8')))) + '</style>';
});
html = html.replace(/<script src="([a-z.-]+)"><\/script>/g, (match, name) => {
  if (!(name in sources)) throw new Error(`index.html: no source for <script src="${name}">`);
  replaced++;
  return '<script>\n' + jsAscii(scriptSafe(sources[name])) + '\n</script>';
});
const expected = 1 + Object.keys(sources).length;
if (replaced !== expected) throw new Error(`index.html: expected 1 stylesheet and ${expected - 1} scripts to inline, found ${replaced}`);
html = html.replace(/@VRAMPLAN_VERSION@/g, args.version);
// The wasm's, schema's and GPU catalog's data blocks go right before the first script, api.js, which index.html places
// in the head (a function replacement: the text holds "$").
html = html.replace('<script>\n', () => module.block + dataBlock + '<script>\n');
if (/[^\x00-\x7f]/.test(html)) throw new Error('the page is not ASCII after escaping');

const out = resolve(args.out);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out + '.tmp', html);
renameSync(out + '.tmp', out);
const gzip = gzipSync(html, { level: 9 }).length;
console.log(`${args.out}: ${(html.length / 1024).toFixed(0)} KiB, ${(gzip / 1024).toFixed(0)} KiB gzip`);
