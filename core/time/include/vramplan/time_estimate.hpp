#pragma once
// The time model assembled for a scenario: training step, serving latency and throughput, and the RL
// step by phase, each as a value with a low/high range from the utilisation band, the formula in words
// and the assumptions it rests on. Terms and sources: vramplan/time.hpp, docs/time-model.md.
#include <string>
#include <vector>

#include "vramplan/params.hpp"
#include "vramplan/scenario.hpp"
#include "vramplan/time.hpp"

namespace vramplan::time {

// A duration or rate at the default utilisation and at the two ends of its band. For seconds, `low` is
// the fastest (high MFU) and `high` the slowest; for rates the other way round.
struct Range {
  double value = 0, low = 0, high = 0;
};

struct TimeTerm {
  std::string id;       // "step_seconds", "tokens_per_second", ...
  Range range;
  std::string formula;  // in words, with the numbers used
};

struct TimePhase {
  std::string id;  // the RL memory phase it times: "rollout", "scoring", "train"
  Range seconds;
  std::string formula;
};

struct TimeEstimate {
  std::vector<TimeTerm> terms;
  std::vector<TimePhase> phases;  // RL: one per step phase
  std::vector<std::string> assumptions;
  std::vector<std::string> warnings;
  double utilisation = 0;         // the MFU (training) or decode efficiency (serving) used
  double tokens_per_step = 0;     // training and RL: the tokens one optimizer step processes
  bool available = false;         // false: no GPU in the scenario, so no peak to divide by
};

// What the time model reads from the memory estimate: the parameter counts, the trainable (adapter)
// parameters and the serving/rollout KV numbers already computed in core/plan.
struct TimeInputs {
  const ParamCounts* params = nullptr;
  double trainable_params = 0;
  double kv_bytes_per_token = 0;         // per GPU (serving engine or rollout engine)
  double max_concurrent_sequences = 0;   // sequences the KV pool holds at once (per engine)
  double rollout_sequences_per_engine = 0;
  double rollout_engines = 0;
  double rollout_gpus = 0, train_gpus = 0;
};

TimeEstimate estimate_time(const Scenario& scenario, const TimeInputs& inputs);

// Run totals from the step time (core/time/src/time_totals.cpp): steps, epoch_seconds, run_seconds,
// gpu_hours and cost_usd when the scenario sizes the job (dataset, rl.steps), and the cost of a million
// tokens whenever the catalog prices the GPU. Called by estimate_time.
void add_run_totals(const Scenario& scenario, TimeEstimate& estimate);

}  // namespace vramplan::time
