#pragma once
// The time model (core/time) over a scenario's memory estimate: the parameter counts, the trainable
// parameters and the KV pool's concurrency that the estimate already computed. Used by the estimate
// result (core/api) and by recommend's time and cost per option.
#include <optional>

#include "vramplan/scenario_estimate.hpp"
#include "vramplan/time_estimate.hpp"

namespace vramplan {

time::TimeEstimate scenario_time(const Scenario& scenario, const ScenarioEstimate& estimate);

// The time and cost of one recommend option (a GPU type at its layout): the quantities the ranking reads.
// Serving: step = time per output token, tokens = output tokens/s.
struct OptionTime {
  time::Range step_seconds;
  time::Range tokens_per_second;
  std::optional<time::Range> run_seconds;  // when the scenario sizes the job (dataset, rl.steps)
  std::optional<time::Range> cost_usd;     // of the run, when it is sized and the GPU priced
  std::optional<time::Range> cost_per_million_tokens_usd;  // when the GPU is priced
};

// nullopt when the time model is unavailable (no GPU).
std::optional<OptionTime> option_time(const Scenario& scenario, const ScenarioEstimate& estimate);

}  // namespace vramplan
