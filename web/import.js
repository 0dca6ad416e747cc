// Import of a framework config in the page (docs/configs.md "Import"): the user pastes or drops a verl /
// NeMo RL / NeMo Automodel YAML, a verl launch script or a `trl ...` command line. YAML is parsed here with
// the npm `yaml` package (bundled into the page by web/build.mjs as the global `YAML`); command lines go to
// the module as text. The module does the rest (vramplan::api::import_config), so this file holds no
// framework knowledge.
//
//   const r = VramplanImport.importText(api, 'verl', text, { gpu: 'H100-SXM-80GB' });
//   if (r.ok) show(r.value.scenario, r.value.warnings, r.value.suggestions, VramplanImport.fixedText(r.value));
(function (root) {
  'use strict';

  // A command line or script: its first non-comment line starts a command rather than a `key:` mapping.
  function looksLikeCommand(text) {
    const lines = String(text).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    if (lines.length === 0) return true;
    return !/^[A-Za-z_][\w.-]*\s*:(\s|$)/.test(lines[0]) && !lines[0].startsWith('defaults');
  }

  function parseYaml(text, yamlLib) {
    const lib = yamlLib || root.YAML;
    if (!lib || typeof lib.parse !== 'function') throw new Error('the yaml package is missing from this page');
    return lib.parse(text, { version: '1.1' });
  }

  // -> the module's result envelope: {ok: true, value: {format, scenario, warnings, unmapped, estimate,
  // suggestions, fix, fixed_tree | fixed_command}} or {ok: false, error}.
  function importText(api, format, text, options) {
    const opts = options || {};
    let input = String(text);
    if (!looksLikeCommand(text)) {
      let tree;
      try {
        tree = parseYaml(text, opts.yaml);
      } catch (e) {
        const message = 'not valid YAML: ' + (e && e.message ? e.message : String(e));
        return { ok: false, error: { pointer: '', message: message, kind: 'invalid_input', line: 'error: /: ' + message } };
      }
      if (tree && typeof tree === 'object' && !Array.isArray(tree)) input = tree;
    }
    return api.importConfig(format, input, opts.gpu || '');
  }

  // The edited config as text: YAML (the yaml package's stringify) or the command line.
  function fixedText(value, yamlLib) {
    if (value.fixed_command) return value.fixed_command;
    if (value.fixed_tree) {
      const lib = yamlLib || root.YAML;
      return lib && typeof lib.stringify === 'function' ? lib.stringify(value.fixed_tree) : JSON.stringify(value.fixed_tree, null, 2);
    }
    return '';
  }

  const VramplanImport = { importText: importText, fixedText: fixedText, looksLikeCommand: looksLikeCommand };
  if (typeof module === 'object' && module.exports) module.exports = VramplanImport;
  else root.VramplanImport = VramplanImport;
})(typeof globalThis !== 'undefined' ? globalThis : this);
