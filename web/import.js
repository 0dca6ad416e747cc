// Import of a framework config in the page (docs/configs.md "Import"): the user pastes or drops a verl /
// NeMo RL / NeMo Automodel YAML, a verl launch script or a `trl ...` command line. YAML is parsed here with
// js-yaml (Debian's node-js-yaml, bundled into the page by web/build.mjs as the global `jsyaml`); command
// lines go to the module as text. The module does the rest (vramplan::api::import_config), so this file
// holds no framework knowledge.
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

  // YAML as the frameworks read it. js-yaml implements YAML 1.2; NeMo RL loads its recipes with OmegaConf
  // (PyYAML's SafeLoader, YAML 1.1, with its own float rule and no timestamps: omegaconf/_utils.py
  // get_yaml_loader) and Automodel with yaml.safe_load (nemo_automodel/components/config/loader.py); the
  // CLI reads both with yaml-cpp typed the same way (cli/yaml_tree.cpp). Where 1.1 and 1.2 differ:
  //  - yes/no/on/off (PyYAML's spellings) are booleans in 1.1 and text in 1.2. Upstream configs quote them
  //    where they mean text (accelerate's downcast_bf16: 'no'), so an unquoted one is a boolean (below; the
  //    dump quotes such text).
  //  - 1e-8 is a float in js-yaml and OmegaConf; plain PyYAML reads text, which Automodel's translate_value
  //    turns into the same float.
  //  - dates stay text (the core schema has no timestamp; OmegaConf removes that rule too).
  //  - 010 is octal (8) in 1.1, 10 here; 1:30 is sexagesimal in 1.1, text here. No key that changes
  //    memory takes such values.
  //  - merge keys (<<: *anchor) are 1.1 only; PyYAML merges them, so they are added below.
  // PyYAML's boolean words (yaml/resolver.py); replaces js-yaml's bool type, which has true/false only.
  const YAML11_BOOLS = { true: true, True: true, TRUE: true, yes: true, Yes: true, YES: true, on: true, On: true, ON: true,
    false: false, False: false, FALSE: false, no: false, No: false, NO: false, off: false, Off: false, OFF: false };
  const schemas = new Map();
  function yamlSchema(lib) {
    if (!schemas.has(lib)) {
      const yaml11Bool = new lib.Type('tag:yaml.org,2002:bool', {
        kind: 'scalar',
        resolve: (text) => text !== null && Object.prototype.hasOwnProperty.call(YAML11_BOOLS, text),
        construct: (text) => YAML11_BOOLS[text],
        predicate: (value) => typeof value === 'boolean',
        represent: (value) => (value ? 'true' : 'false'),
      });
      schemas.set(lib, lib.CORE_SCHEMA.extend({ implicit: [yaml11Bool, lib.types.merge] }));
    }
    return schemas.get(lib);
  }

  function yamlLibrary(given) {
    const lib = given || root.jsyaml;
    if (!lib || typeof lib.load !== 'function') throw new Error('the YAML reader (js-yaml) is missing from this page');
    return lib;
  }

  function parseYaml(text, yamlLib) {
    const lib = yamlLibrary(yamlLib);
    return lib.load(text, { schema: yamlSchema(lib), json: true });
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

  // The edited config as text: YAML (js-yaml's dump, quoting any text a YAML 1.1 reader would take for
  // another type) or the command line.
  function fixedText(value, yamlLib) {
    if (value.fixed_command) return value.fixed_command;
    if (!value.fixed_tree) return '';
    const lib = yamlLib || root.jsyaml;
    if (!lib || typeof lib.dump !== 'function') return JSON.stringify(value.fixed_tree, null, 2);
    return lib.dump(value.fixed_tree, { schema: yamlSchema(lib), lineWidth: -1, noRefs: true });
  }

  const VramplanImport = { importText: importText, fixedText: fixedText, looksLikeCommand: looksLikeCommand };
  if (typeof module === 'object' && module.exports) module.exports = VramplanImport;
  else root.VramplanImport = VramplanImport;
})(typeof globalThis !== 'undefined' ? globalThis : this);
