// libFuzzer harness: the import of framework configs (api::import_config), as the CLI and the page call
// it. The first byte picks the framework (verl, nemo-rl, nemo-automodel, trl) and whether the rest is a
// parsed YAML tree (JSON text, as the page hands over what its YAML parser read and as the CLI's
// yaml-cpp reader builds) or a command line / launch script (split by config::shell_words, exactly as
// wasm/bindings.cpp import_config does). The rest is mutated from the published recipes in
// tests/frameworks/*/recipes.
//
// Extra oracles: an import that succeeds returns an object with the scenario it understood, and that
// scenario, when the core accepts it, estimates without a non-finite number.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_common.hpp"
#include "vramplan/framework_import.hpp"

using namespace vramplan;

namespace {
constexpr const char* kFormats[] = {"verl", "nemo-rl", "nemo-automodel", "trl"};
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view format = kFormats[data[0] % 4];
  const bool as_tree = (data[0] / 4) % 2 == 1;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  config::ImportInput input;
  if (as_tree) {
    auto tree = api::parse_json_text(text);
    if (!tree.ok()) {
      fuzz::check_error(tree.error());
      return 0;
    }
    input.tree = std::move(tree.value());
  } else {
    input.words = config::shell_words(text);
  }
  if (data[0] & 8) input.gpu = "H100-SXM-80GB";

  const auto outcome = api::import_config(format, input);
  if (!outcome.ok()) {
    fuzz::check_error(outcome.error());
    return 0;
  }
  const Json& document = outcome.value().document;
  fuzz::check_finite(document);
  fuzz::check_serialises(document);
  if (!document.is_object() || !document.contains("scenario")) {
    fuzz::violation("import succeeded without a scenario", document.dump(-1, ' ', true, Json::error_handler_t::replace).substr(0, 300));
  }
  fuzz::check_result(api::estimate(document.at("scenario")));
  return 0;
}
