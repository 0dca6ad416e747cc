// `config`: an example config for NeMo RL, NeMo Automodel, verl or TRL, from a scenario
// (docs/CONTRACT.md "Command line"; docs/configs.md). The generators live in framework_config_*.cpp.
#include "vramplan/api.hpp"
#include "vramplan/framework_config.hpp"

namespace vramplan::api {

Expected<std::string> config(const Json& scenario, std::string_view format) {
  const auto parsed_format = config::parse_format(format);
  if (!parsed_format) {
    // describe_value quotes, escapes (control characters, line breaks), cuts and repairs the user's
    // text, so the error stays the contract's one printable line (tests/unit/*/test_limits.cpp).
    return Error{"--format", "must be one of \"nemo-rl\", \"nemo-automodel\", \"verl\", \"trl\", got " +
                                 describe_value(Json(std::string(format.substr(0, 64))))};
  }
  auto catalog = load_catalog();
  if (!catalog.ok()) return catalog.error();
  auto parsed = parse_scenario(scenario, *catalog.value());
  if (!parsed.ok()) return parsed.error();
  const Scenario& s = parsed.value();
  if (s.workload == Workload::inference) {
    return Error{"/workload",
                 "config covers training and RL workloads (\"train\", \"rl\"), got \"inference\"; serve with "
                 "`vllm serve MODEL --tensor-parallel-size N --gpu-memory-utilization F --max-model-len L`"};
  }
  // config.framework_version must be a release line this format writes for (docs/configs.md "Framework versions").
  if (const auto version = config::resolve_version(s, *parsed_format); !version.ok()) return version.error();
  try {
    const config::EstimateNotes notes = config::collect_estimate_notes(s, *catalog.value());
    // A scenario `estimate` rejects (tp not dividing the heads, pp above the layers ...) is rejected here
    // too: a config for a run that cannot start must not exit 0 (every command refuses it alike).
    if (!notes.estimate_error.empty()) return notes.estimate_error_value;
    switch (*parsed_format) {
      case config::Format::nemo_rl: return config::nemo_rl_config(s, notes);
      case config::Format::nemo_automodel: return config::nemo_automodel_config(s, notes);
      case config::Format::verl: return config::verl_config(s, notes);
      case config::Format::trl: return config::trl_command(s, notes);
    }
  } catch (const std::exception& e) {
    return Error{"", std::string("internal error while generating the config: ") + e.what()};
  }
  return Error{"--format", "unknown format"};
}

}  // namespace vramplan::api
