// A model given as config.json: pasted, picked as a file or dropped on the page.
// Part of the page's bundle (web/build.mjs joins web/page/*.js in one closure; see web/page/README.md).

function useConfigText(text) {
  const box = $('f-config-text');
  const error = $('f-config-text-error');
  const r = state.api.params(text);
  if (!r.ok) {
    error.hidden = false;
    error.textContent = r.error.line;
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
