// DOM helpers (text only: no HTML parsing anywhere) and number formatting.
// Part of the page's bundle (web/build.mjs joins web/page/*.js in one closure; see web/page/README.md).

const $ = (id) => document.getElementById(id);
// Appends nodes and text (as text), skipping null, undefined and false.
function append(parent, ...children) {
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) parent.append(c instanceof Node ? c : String(c));
  return parent;
}
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  setAttrs(e, attrs);
  return append(e, ...children);
}
const SVG_NS = 'http://www.w3.org/2000/svg';
function svg(tag, attrs, ...children) {
  const e = document.createElementNS(SVG_NS, tag);
  setAttrs(e, attrs);
  return append(e, ...children);
}
function setAttrs(e, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') e.setAttribute('class', v);
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
}
function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
function controlId(path) { return 'f-' + path.replace(/\./g, '-'); }

const GIB = 1024 * 1024 * 1024;
function gib(bytes) {
  const v = bytes / GIB;
  return (Math.abs(v) < 10 ? v.toFixed(2) : v.toFixed(1)) + ' GiB';
}
function gibNumber(bytes) { const v = bytes / GIB; return Math.abs(v) < 10 ? v.toFixed(2) : v.toFixed(1); }
function count(n) {
  if (n >= 1e9) return (n / 1e9).toFixed(n >= 1e11 ? 0 : 2) + ' B';
  if (n >= 1e6) return (n / 1e6).toFixed(n >= 1e8 ? 0 : 1) + ' M';
  if (n >= 1e3) return (n / 1e3).toFixed(1) + ' K';
  return Number.isInteger(n) ? String(n) : n.toPrecision(3);  // rates such as tokens/s are not integers
}
// Digits in groups of three ("302,660,531,200"), up to three decimals, as toLocaleString('en-US') writes
// them; by hand because Intl's number formatting costs tens of ms on its first call, before the first result.
function grouped(n) {
  const v = Number(n);
  if (!Number.isFinite(v) || Math.abs(v) >= 1e21) return String(v);
  const [whole, fraction] = String(Math.round(Math.abs(v) * 1000) / 1000).split('.');
  const sign = v < 0 && (whole !== '0' || fraction) ? '-' : '';
  return sign + whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (fraction ? '.' + fraction : '');
}
// The width a chart is drawn at (its viewBox; CSS scales it to the box): from the window, not the box, so
// that drawing a chart never forces a layout of the page just rebuilt.
function chartWidth() { return Math.max(320, Math.min(720, (window.innerWidth || 640) - 48)); }
function pct(part, whole) { return whole > 0 ? (100 * part / whole).toFixed(1) + '%' : '–'; }
