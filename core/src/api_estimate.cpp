// `estimate`: scenario JSON in, the contract's result JSON out (CONTRACT.md "Result of estimate --json").
// Extensions beyond the contract: per_gpu.components may carry extra ids (gathered_params,
// ddp_buckets, autocast_cache, optimizer_step); "inference" {kv_tokens, max_concurrent_sequences,
// kv_bytes_per_token, budget_bytes}; rl: "phases" (every phase's per_gpu) and "rollout" {kv_tokens,
// max_concurrent_sequences, sequences_per_step, sequences_per_engine, engines, rollout_gpus,
// train_gpus}; "constants" lists every empirical constant with its source.
#include <cmath>
#include <cstdint>

#include "vramplan/api.hpp"
#include "vramplan/estimate.hpp"
#include "vramplan/params.hpp"
#include "vramplan/scenario_estimate.hpp"

namespace vramplan::api {
namespace {

std::int64_t to_bytes(double v) { return static_cast<std::int64_t>(std::llround(v)); }

Json breakdown_json(const Breakdown& b) {
  Json components = Json::array();
  std::int64_t sum = 0;
  for (const Component& c : b.components) {
    const std::int64_t bytes = to_bytes(c.bytes);
    sum += bytes;
    components.push_back({{"id", c.id}, {"label", c.label}, {"bytes", bytes}, {"formula", c.formula}});
  }
  // Components sum to device_bytes exactly: device_bytes is the sum of the rounded components.
  return {{"device_bytes", sum},
          {"reserved_bytes", to_bytes(b.reserved_bytes)},
          {"allocated_bytes", to_bytes(b.allocated_bytes)},
          {"host_bytes", to_bytes(b.host_bytes)},
          {"phase", b.phase},
          {"components", components}};
}

}  // namespace

Expected<Json> estimate(const Json& scenario) {
  auto parsed = scenario_from_json(scenario);
  if (!parsed.ok()) return parsed.error();
  const Scenario& s = parsed.value();
  auto estimated = estimate_scenario(s);
  if (!estimated.ok()) return estimated.error();
  const Breakdown& b = estimated->peak;
  const InferenceStats& stats = estimated->inference;

  Json result;
  result["model"] = {{"id", s.model.id},
                     {"params", estimated->params.total},
                     {"params_trainable", s.workload != Workload::inference ? to_bytes(b.trainable_params) : 0}};
  result["per_gpu"] = breakdown_json(b);
  if (s.workload == Workload::rl) {
    Json phases = Json::array();
    for (const Breakdown& phase : estimated->phases) phases.push_back({{"id", phase.phase}, {"per_gpu", breakdown_json(phase)}});
    result["phases"] = phases;
    const RolloutStats& r = estimated->rollout;
    result["rollout"] = {{"engine", to_string(s.rl.rollout.engine)},
                         {"kv_tokens", to_bytes(r.kv_tokens)},
                         {"max_concurrent_sequences", static_cast<std::int64_t>(std::floor(r.max_concurrent_sequences))},
                         {"sequences_per_step", to_bytes(r.sequences_per_step)},
                         {"sequences_per_engine", to_bytes(r.sequences_per_engine)},
                         {"engines", to_bytes(r.engines)},
                         {"rollout_gpus", to_bytes(r.rollout_gpus)},
                         {"train_gpus", to_bytes(r.train_gpus)}};
  }
  if (s.workload == Workload::inference) {
    result["inference"] = {{"engine", to_string(s.inference.engine)},
                           {"kv_bytes_per_token", to_bytes(stats.kv_bytes_per_token)},
                           {"kv_tokens", to_bytes(stats.kv_tokens)},
                           // Whole sequences only: 3.7 sequences of context_len is 3 at once.
                           {"max_concurrent_sequences", static_cast<std::int64_t>(std::floor(stats.max_concurrent_sequences))},
                           {"budget_bytes", to_bytes(stats.budget_bytes)}};
  }
  if (s.gpu) {
    // The same judgement as `recommend` (assess_fit), so the two never disagree.
    const Fit fit = assess_fit(estimated.value(), s, *s.gpu);
    result["fit"] = {{"gpu", s.gpu->id},
                     {"capacity_bytes", s.gpu->memory_bytes},
                     {"fits", fit.fits()},
                     {"verdict", to_string(fit.verdict)},
                     {"headroom_bytes", to_bytes(fit.headroom_bytes)}};
  }
  Json warnings = Json::array();
  if (!s.model.resolution_note.empty()) warnings.push_back(s.model.resolution_note);
  for (const std::string& w : b.warnings) warnings.push_back(w);
  result["warnings"] = warnings;
  Json constants = Json::array();
  for (const ConstantInfo& c : memory_constants()) {
    constants.push_back({{"name", c.name}, {"value", c.value}, {"unit", c.unit}, {"source", c.source}});
  }
  result["constants"] = constants;
  return result;
}

}  // namespace vramplan::api
