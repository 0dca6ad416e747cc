// libFuzzer harness: a Hugging Face config.json as text through api::params_from_config (what
// `vramplan params FILE` and the module's params() do), and the same document pasted as a
// scenario's model.
//
// Extra oracles on the counts: every count is non-negative, total = embedding + non_embedding,
// active <= total, and the groups sum to the total.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_common.hpp"

using namespace vramplan;

namespace {

void check_counts(const Json& counts) {
  const auto count = [&](const char* key) -> std::int64_t {
    if (!counts.contains(key) || !counts.at(key).is_number_integer()) fuzz::violation("count missing", key);
    const std::int64_t v = counts.at(key).get<std::int64_t>();
    if (v < 0) fuzz::violation("negative count", key);
    return v;
  };
  const std::int64_t total = count("total");
  if (count("embedding") + count("non_embedding") != total) fuzz::violation("embedding + non_embedding != total", counts.dump());
  if (count("active") > total) fuzz::violation("active > total", counts.dump());
  count("per_layer");
  count("largest_layer");
  std::int64_t sum = 0;
  for (const Json& g : counts.at("groups")) sum += g.at("params").get<std::int64_t>();
  if (sum != total) fuzz::violation("groups do not sum to total", counts.dump());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto document = api::parse_json_text(text);
  if (!document.ok()) {
    fuzz::check_error(document.error());
    return 0;
  }
  const auto params = api::params_from_config(document.value());
  fuzz::check_result(params);
  if (params.ok()) check_counts(params.value());

  // The same config pasted as a scenario's model (and as an RL reward model).
  const Json scenario{{"model", document.value()}, {"workload", "rl"},
                      {"rl", {{"reward_model", {{"model", document.value()}}}}}};
  fuzz::check_result(api::scenario_from_json(scenario));
  fuzz::check_result(api::estimate(scenario));
  return 0;
}
