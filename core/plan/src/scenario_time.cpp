// What the time model reads from the memory estimate (docs/time-model.md "Inputs").
#include "vramplan/scenario_time.hpp"

namespace vramplan {
namespace {

time::TimeInputs inputs_of(const Scenario& s, const ScenarioEstimate& e) {
  time::TimeInputs in;
  in.params = &e.params;
  in.trainable_params = e.peak.trainable_params;
  in.kv_bytes_per_token = e.inference.kv_bytes_per_token;
  if (s.workload == Workload::rl) {
    in.max_concurrent_sequences = e.rollout.max_concurrent_sequences;
    in.rollout_sequences_per_engine = e.rollout.sequences_per_engine;
    in.rollout_engines = e.rollout.engines;
    in.rollout_gpus = e.rollout.rollout_gpus;
    in.train_gpus = e.rollout.train_gpus;
  } else {
    in.max_concurrent_sequences = e.inference.max_concurrent_sequences;
  }
  return in;
}

}  // namespace

time::TimeEstimate scenario_time(const Scenario& s, const ScenarioEstimate& e) {
  return time::estimate_time(s, inputs_of(s, e));
}

std::optional<OptionTime> option_time(const Scenario& s, const ScenarioEstimate& e) {
  const time::TimeEstimate t = scenario_time(s, e);
  if (!t.available) return std::nullopt;
  const bool serving = s.workload == Workload::inference;
  const char* step_id = serving ? "time_per_output_token_seconds" : "step_seconds";
  const char* rate_id = serving ? "output_tokens_per_second" : "tokens_per_second";
  OptionTime out;
  bool timed = false;
  for (const time::TimeTerm& term : t.terms) {
    if (term.id == step_id) out.step_seconds = term.range, timed = true;
    if (term.id == rate_id) out.tokens_per_second = term.range;
    if (term.id == "run_seconds") out.run_seconds = term.range;
    if (term.id == "cost_usd") out.cost_usd = term.range;
    if (term.id == "cost_per_million_tokens_usd") out.cost_per_million_tokens_usd = term.range;
  }
  return timed ? std::optional<OptionTime>(out) : std::nullopt;
}

}  // namespace vramplan
