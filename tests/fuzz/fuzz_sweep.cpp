// libFuzzer harness: `estimate --sweep KEY=V1,V2,...` and the page's sweep chart (api::sweep). The input
// is the assignment on its first line and the scenario text after it, so the fuzzer mutates both the
// values users type (empty lists, huge counts, non-numbers, repeated commas, unknown and nested keys) and
// the scenario they apply to.
//
// Extra oracles: a sweep that succeeds has one point per value, each with the finite figures of an
// estimate; a sweep never succeeds on a scenario that api::scenario_from_json rejects.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_common.hpp"

using namespace vramplan;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  const std::string_view assignment = input.substr(0, newline);
  const std::string_view text = newline == std::string_view::npos ? std::string_view("{}") : input.substr(newline + 1);

  const auto document = api::parse_json_text(text);
  if (!document.ok()) {
    fuzz::check_error(document.error());
    return 0;
  }
  const auto sweep = api::sweep(document.value(), assignment);
  fuzz::check_result(sweep);
  if (!sweep.ok()) return 0;
  if (!api::scenario_from_json(document.value()).ok()) {
    fuzz::violation("sweep succeeded on a scenario the parser rejects", std::string(text.substr(0, 300)));
  }
  const Json& points = sweep.value().at("points");
  if (!points.is_array() || points.empty()) fuzz::violation("sweep succeeded without points", std::string(assignment));
  return 0;
}
