// libFuzzer harness: a scenario document as text, through every operation that reads one
// (api::scenario_from_json, estimate, recommend, config with each format) exactly as the CLI and
// the WebAssembly module call them (api::parse_json_text first).
//
// Extra oracles: the parsed document is nlohmann's parse of the text; a scenario that parses is written back by scenario_to_json, and that canonical
// form must parse again to the same canonical form (docs/scenario.md "Canonical form"); the
// estimate's text as the module writes it (api::append_estimate_text) is exactly the dump of
// api::estimate's Json (one writer, two sinks: core/api/src/api_sink.hpp), and fails alike.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"
#include "vramplan/scenario.hpp"

using namespace vramplan;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto document = api::parse_json_text(text);
  if (!document.ok()) {
    fuzz::check_error(document.error());
    return 0;
  }
  const Json& doc = document.value();
  // parse_json_text's plain reader (core/api/src/api.cpp) reads what nlohmann reads, or leaves it to nlohmann.
  const Json reference = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (reference.is_discarded()) fuzz::violation("parse_json_text accepts what nlohmann refuses", std::string(text));
  const auto dumped = [](const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); };
  if (dumped(reference) != dumped(doc)) fuzz::violation("parse_json_text reads otherwise than nlohmann", dumped(doc));

  const auto scenario = api::scenario_from_json(doc);
  fuzz::check_result(scenario);
  if (scenario.ok()) {
    const Json canonical = scenario_to_json(scenario.value());
    fuzz::check_serialises(canonical);
    const auto again = api::scenario_from_json(canonical);
    if (!again.ok()) fuzz::violation("canonical scenario does not parse again", again.error().line());
    if (scenario_to_json(again.value()) != canonical) {
      fuzz::violation("canonical scenario changes when parsed again", canonical.dump(-1, ' ', true, Json::error_handler_t::replace));
    }
  }

  const auto estimate = api::estimate(doc);
  fuzz::check_result(estimate);
  std::string written;
  const auto text_error = api::append_estimate_text(written, doc);
  if (text_error.has_value() == estimate.ok()) fuzz::violation("the estimate's text and Json disagree on failing", written);
  if (estimate.ok() && written != api::to_text(estimate.value())) {
    fuzz::violation("the estimate's text is not the dump of its Json", written);
  }
  if (text_error && text_error->line() != estimate.error().line()) fuzz::violation("the estimate's text fails otherwise", text_error->line());
  fuzz::check_result(api::recommend(doc));
  for (const char* format : {"nemo-rl", "nemo-automodel", "verl", "trl"}) {
    const auto config = api::config(doc, format);
    fuzz::check_result(config);
    if (config.ok() && config.value().empty()) fuzz::violation("config returned an empty document", format);
  }
  return 0;
}
