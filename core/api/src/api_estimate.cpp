// `estimate`: scenario JSON in, the contract's result JSON out (docs/CONTRACT.md "Result of estimate --json").
// Extensions beyond the contract: per_gpu.components may carry extra ids (gathered_params,
// ddp_buckets, autocast_cache, optimizer_step); "inference" {kv_tokens, max_concurrent_sequences,
// kv_bytes_per_token, budget_bytes}; rl: "phases" (every phase's per_gpu) and "rollout" {kv_tokens,
// max_concurrent_sequences, sequences_per_step, sequences_per_engine, engines, rollout_gpus,
// train_gpus}; "constants" lists every empirical constant with its source.
//
// Speed (docs/benchmarks.md): this runs once per estimate in the page, so the document is built with
// as few allocations as nlohmann allows: members are emplaced into the object map directly (an
// initializer list builds a [key, value] array per member and converts it), sub-documents are moved
// in, never copied, and the "constants" list, the same for every scenario, is built once.
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "api_bytes.hpp"
#include "api_time.hpp"
#include "vramplan/api.hpp"
#include "vramplan/estimate.hpp"
#include "vramplan/params.hpp"
#include "vramplan/scenario_estimate.hpp"

namespace vramplan::api {
namespace {


// An empty object and its map, to emplace members into (the map keeps keys sorted, as every
// nlohmann object does, so the serialised text is the same whatever the insertion order).
Json new_object() { return Json(Json::value_t::object); }
Json::object_t& members(Json& object) { return object.get_ref<Json::object_t&>(); }

// Takes the breakdown's strings (the estimate is a temporary of estimate_without_constants).
Json breakdown_json(Breakdown&& b) {
  Json components = Json::array();
  auto& list = components.get_ref<Json::array_t&>();
  list.reserve(b.components.size());
  std::int64_t sum = 0;
  for (Component& c : b.components) {
    const std::int64_t bytes = to_bytes(c.bytes);
    sum += bytes;
    Json entry = new_object();
    auto& m = members(entry);
    m.emplace("id", std::move(c.id));
    m.emplace("label", std::move(c.label));
    m.emplace("bytes", bytes);
    m.emplace("formula", std::move(c.formula));
    list.push_back(std::move(entry));
  }
  // Components sum to device_bytes exactly: device_bytes is the sum of the rounded components.
  Json out = new_object();
  auto& m = members(out);
  m.emplace("device_bytes", sum);
  m.emplace("reserved_bytes", to_bytes(b.reserved_bytes));
  m.emplace("allocated_bytes", to_bytes(b.allocated_bytes));
  m.emplace("host_bytes", to_bytes(b.host_bytes));
  m.emplace("phase", std::move(b.phase));
  m.emplace("components", std::move(components));
  return out;
}

Json build_constants() {
  Json constants = Json::array();
  std::vector<ConstantInfo> all = memory_constants();
  all.insert(all.end(), time_constants().begin(), time_constants().end());
  for (const ConstantInfo& c : all) {
    Json entry = new_object();
    auto& m = members(entry);
    m.emplace("name", c.name);
    m.emplace("value", c.value);
    m.emplace("unit", c.unit);
    m.emplace("source", c.source);
    constants.push_back(std::move(entry));
  }
  return constants;
}

}  // namespace

const Json& estimate_constants() {
  // Built once (thread-safe function-local static): memory_constants() never changes.
  static const Json kConstants = build_constants();
  return kConstants;
}

namespace {

Json model_json(const Scenario& s, const ScenarioEstimate& e) {
  Json model = new_object();
  auto& m = members(model);
  m.emplace("id", s.model.id);
  m.emplace("counter", s.model.config.counter);
  m.emplace("params", e.params.total);
  m.emplace("params_trainable", s.workload != Workload::inference ? to_bytes(e.peak.trainable_params) : std::int64_t{0});
  return model;
}

Json rollout_json(const Scenario& s, const RolloutStats& r) {
  Json rollout = new_object();
  auto& m = members(rollout);
  m.emplace("engine", to_string(s.rl.rollout.engine));
  m.emplace("kv_tokens", to_bytes(r.kv_tokens));
  m.emplace("max_concurrent_sequences", static_cast<std::int64_t>(std::floor(r.max_concurrent_sequences)));
  m.emplace("sequences_per_step", to_bytes(r.sequences_per_step));
  m.emplace("sequences_per_engine", to_bytes(r.sequences_per_engine));
  m.emplace("engines", to_bytes(r.engines));
  m.emplace("rollout_gpus", to_bytes(r.rollout_gpus));
  m.emplace("train_gpus", to_bytes(r.train_gpus));
  return rollout;
}

Json inference_json(const Scenario& s, const InferenceStats& stats) {
  Json inference = new_object();
  auto& m = members(inference);
  m.emplace("engine", to_string(s.inference.engine));
  m.emplace("kv_bytes_per_token", to_bytes(stats.kv_bytes_per_token));
  m.emplace("kv_tokens", to_bytes(stats.kv_tokens));
  // Whole sequences only: 3.7 sequences of context_len is 3 at once.
  m.emplace("max_concurrent_sequences", static_cast<std::int64_t>(std::floor(stats.max_concurrent_sequences)));
  m.emplace("budget_bytes", to_bytes(stats.budget_bytes));
  return inference;
}

Json band_json(const PeakBand& band) {
  return Json{{"low_bytes", to_bytes(band.low_bytes)},
              {"expected_bytes", to_bytes(band.expected_bytes)},
              {"high_bytes", to_bytes(band.high_bytes)}};
}

// The same judgement as `recommend` (assess_fit), so the two never disagree.
Json fit_json(const Scenario& s, const ScenarioEstimate& e, const GpuSpec& gpu) {
  const Fit fit = assess_fit(e, s, gpu);
  Json fit_json = new_object();
  auto& m = members(fit_json);
  m.emplace("gpu", gpu.id);
  m.emplace("capacity_bytes", gpu.memory_bytes);
  m.emplace("fits", fit.fits());
  m.emplace("verdict", to_string(fit.verdict));
  m.emplace("headroom_bytes", to_bytes(fit.headroom_bytes));
  if (!fit.reason.empty()) m.emplace("reason", fit.reason);
  return fit_json;
}

Json warnings_json(const Scenario& s, const ScenarioEstimate& e) {
  Json warnings = Json::array();
  if (!s.model.resolution_note.empty()) warnings.push_back(s.model.resolution_note);
  if (const std::string generic = generic_count_warning(s.model.config); !generic.empty()) {
    warnings.push_back(generic);
  }
  for (const std::string& w : s.model.config.model_warnings) warnings.push_back(w);
  for (const std::string& w : e.peak.warnings) warnings.push_back(w);
  for (const std::string& w : s.warnings) warnings.push_back(w);
  return warnings;
}

// Every RL phase's breakdown (their strings are moved into the document) with its time.
Json phases_json(std::vector<Breakdown>&& phases, const time::TimeEstimate& timing) {
  Json out = Json::array();
  auto& list = out.get_ref<Json::array_t&>();
  list.reserve(phases.size());
  for (Breakdown& phase : phases) {
    Json entry = new_object();
    auto& m = members(entry);
    m.emplace("id", phase.phase);  // copied: breakdown_json takes it next
    m.emplace("time", phase_time_json(timing, phase.phase));
    m.emplace("per_gpu", breakdown_json(std::move(phase)));
    list.push_back(std::move(entry));
  }
  return out;
}

}  // namespace

Expected<Json> estimate_without_constants(const Json& scenario) {
  auto parsed = scenario_from_json(scenario);
  if (!parsed.ok()) return parsed.error();
  const Scenario& s = parsed.value();
  auto estimated = estimate_scenario(s);
  if (!estimated.ok()) return estimated.error();
  ScenarioEstimate& e = estimated.value();

  Json result = new_object();
  auto& out = members(result);
  // First everything that reads the peak breakdown; its strings and the phases' are moved into the
  // document last.
  out.emplace("model", model_json(s, e));
  if (s.workload == Workload::rl) out.emplace("rollout", rollout_json(s, e.rollout));
  if (s.workload == Workload::inference) out.emplace("inference", inference_json(s, e.inference));
  out.emplace("peak_band", band_json(e.band));
  if (s.gpu) out.emplace("fit", fit_json(s, e, *s.gpu));
  out.emplace("warnings", warnings_json(s, e));
  time::TimeEstimate timing = scenario_time(s, e);
  if (s.workload == Workload::rl) out.emplace("phases", phases_json(std::move(e.phases), timing));
  out.emplace("time", time_json(std::move(timing)));
  out.emplace("per_gpu", breakdown_json(std::move(e.peak)));
  return result;
}

Expected<Json> estimate(const Json& scenario) {
  auto result = estimate_without_constants(scenario);
  if (result.ok()) result.value()["constants"] = estimate_constants();
  return result;
}

}  // namespace vramplan::api
