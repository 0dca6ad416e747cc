// `import`: a framework config (parsed tree and/or command-line words) -> the scenario understood, the
// warnings, the estimate, and recommend's suggestions as the framework's own key edits
// (docs/configs.md "Import"; docs/CONTRACT.md).
#include "vramplan/api.hpp"
#include "vramplan/framework_import.hpp"
#include "vramplan/recommend.hpp"

namespace vramplan::api {

namespace {

Json edits_json(const std::vector<config::KeyEdit>& edits) {
  Json out = Json::array();
  for (const auto& e : edits) out.push_back(Json{{"key", e.key}, {"value", e.value}, {"why", e.why}});
  return out;
}

// Every suggestion of recommend with its key edits; `fix`: the edits of the first one that fits (or the
// first one when none is known to fit).
Json suggestions_json(config::Format format, const config::ImportResult& imported, const Scenario& scenario,
                      const Catalog& catalog, std::vector<config::KeyEdit>& fix) {
  Json out = Json::array();
  auto rec = vramplan::recommend(scenario, catalog);
  if (!rec.ok()) return out;
  bool chosen = false;
  for (const Suggestion& s : rec->suggestions) {
    Json after = imported.scenario;
    after.merge_patch(s.scenario_patch);
    const auto edits = config::suggestion_edits(format, imported.resolved, after, s.scenario_patch);
    Json entry{{"id", s.id}, {"change", s.change}, {"saves_bytes", s.saves_bytes}, {"edits", edits_json(edits)}};
    if (s.fits_after) entry["fits_after"] = *s.fits_after;
    out.push_back(std::move(entry));
    if (!chosen && !edits.empty() && s.fits_after.value_or(true)) {
      fix = edits;
      chosen = true;
    }
  }
  return out;
}

// A launch script's words reach the document as written (unmapped keys, warnings, the scenario's model id),
// and a script may hold bytes that are not UTF-8 (found by fuzz_import, docs/hardening.md F13): they are
// replaced by U+FFFD, as the serializer's replace mode writes them, so the document is valid UTF-8 JSON.
Json valid_utf8(const Json& document) {
  return Json::parse(document.dump(-1, ' ', false, Json::error_handler_t::replace));
}

}  // namespace

Expected<ImportOutcome> import_config(std::string_view format_text, const config::ImportInput& input) {
  const auto format = config::parse_format(format_text);
  if (!format) {
    return Error{"--format", "must be one of \"verl\", \"nemo-rl\", \"nemo-automodel\", \"trl\", got " +
                                 describe_value(Json(std::string(format_text.substr(0, 64))))};
  }
  auto imported = config::import_config(*format, input);
  if (!imported.ok()) return imported.error();
  auto catalog = load_catalog();
  if (!catalog.ok()) return catalog.error();
  ImportOutcome outcome;
  outcome.input = input;
  Json document{{"format", config::to_string(*format)},
                {"warnings", imported->warnings},
                {"unmapped", imported->unmapped}};
  auto parsed = parse_scenario(imported->scenario, *catalog.value());
  if (!parsed.ok()) {
    document["scenario"] = imported->scenario;
    document["error"] = Json{{"pointer", parsed.error().pointer}, {"message", parsed.error().message}};
    outcome.document = valid_utf8(document);
    return outcome;
  }
  document["scenario"] = scenario_to_json(parsed.value());
  auto estimated = estimate_without_constants(imported->scenario);
  if (estimated.ok()) document["estimate"] = std::move(estimated.value());
  std::vector<config::KeyEdit> fix;
  document["suggestions"] = suggestions_json(*format, imported.value(), parsed.value(), *catalog.value(), fix);
  outcome.fixed = config::apply_edits(*format, input, fix);
  document["fix"] = edits_json(fix);
  outcome.document = valid_utf8(document);
  return outcome;
}

}  // namespace vramplan::api
