// A model given as config.json: pasted, picked as a file or dropped on the page.
// Part of the page's bundle (web/build.mjs joins web/page/*.js in one closure; see web/page/README.md).

function useConfigText(text) {
  const box = $('f-config-text');
  const error = $('f-config-text-error');
  const r = state.api.params(text);
  if (!r.ok) {
    // The results keep the model they were computed for; say so, so they are not read as this config's.
    const m = state.scenario.model;
    error.hidden = false;
    error.textContent = pageWords(r.error.line) + ' (not used: the results still show ' + (isObject(m) ? customModelName(m) : String(m)) + ')';
    box.setAttribute('aria-invalid', 'true');
    return;
  }
  error.hidden = true;
  error.textContent = '';
  box.removeAttribute('aria-invalid');
  state.scenario.model = JSON.parse(text);
  renderForm();
  update();
  commit();
}

function readFile(file) {
  if (!file) return;
  if (file.size > 4 * 1024 * 1024) {
    $('f-config-text-error').hidden = false;
    $('f-config-text-error').textContent = 'That file is larger than 4 MiB; a config.json is a few kilobytes.';
    return;
  }
  const reader = new FileReader();
  reader.onload = () => { $('f-config-text').value = String(reader.result); useConfigText(String(reader.result)); };
  reader.readAsText(file);
}
