// `estimate`: scenario JSON in, the contract's result JSON out (docs/CONTRACT.md "Result of estimate --json").
// Extensions beyond the contract: per_gpu.components may carry extra ids (gathered_params,
// ddp_buckets, autocast_cache, optimizer_step); "inference" {kv_tokens, max_concurrent_sequences,
// kv_bytes_per_token, budget_bytes}; rl: "phases" (every phase's per_gpu) and "rollout" {kv_tokens,
// max_concurrent_sequences, sequences_per_step, sequences_per_engine, engines, rollout_gpus,
// train_gpus}; "constants" lists every empirical constant with its source.
//
// The document is written once, by write_estimate below, into a sink (api_sink.hpp): a TreeSink gives
// api::estimate's Json, a TextSink the compact text the WebAssembly module returns (append_estimate_text),
// with no Json built on the way: building the tree and then dumping it (map nodes, strings: malloc and
// free) was most of the module's time per estimate (docs/benchmarks.md). Every object's keys are given
// in nlohmann's sorted order, so the text is to_text() of the tree byte for byte; the "constants" list,
// the same for every scenario, is built and written once.
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api_bytes.hpp"
#include "api_sink.hpp"
#include "api_time.hpp"
#include "vramplan/api.hpp"
#include "vramplan/estimate.hpp"
#include "vramplan/params.hpp"
#include "vramplan/scenario_estimate.hpp"

namespace vramplan::api {
namespace {

// Components sum to device_bytes exactly: device_bytes is the sum of the rounded components.
std::int64_t rounded_sum(const Breakdown& b) {
  std::int64_t sum = 0;
  for (const Component& c : b.components) sum += to_bytes(c.bytes);
  return sum;
}

template <class Sink>
void write_breakdown(Sink& out, const Breakdown& b) {
  out.begin_object();
  member(out, "allocated_bytes", to_bytes(b.allocated_bytes));
  out.key("components");
  out.begin_array();
  for (const Component& c : b.components) {
    out.begin_object();
    member(out, "bytes", to_bytes(c.bytes));
    member(out, "formula", c.formula);
    member(out, "id", c.id);
    member(out, "label", c.label);
    out.end_object();
  }
  out.end_array();
  member(out, "device_bytes", rounded_sum(b));
  member(out, "host_bytes", to_bytes(b.host_bytes));
  member(out, "phase", b.phase);
  member(out, "reserved_bytes", to_bytes(b.reserved_bytes));
  out.end_object();
}

FixedDocument build_constants() {
  FixedDocument constants{Json::array(), {}};
  std::vector<ConstantInfo> all = memory_constants();
  all.insert(all.end(), time_constants().begin(), time_constants().end());
  for (const ConstantInfo& c : all) {
    Json entry(Json::value_t::object);
    auto& m = entry.get_ref<Json::object_t&>();
    m.emplace("name", c.name);
    m.emplace("value", c.value);
    m.emplace("unit", c.unit);
    m.emplace("source", c.source);
    constants.tree.push_back(std::move(entry));
  }
  constants.text = to_text(constants.tree);
  return constants;
}

// Built once (thread-safe function-local static): memory_constants() never changes.
const FixedDocument& constants_document() {
  static const FixedDocument kConstants = build_constants();
  return kConstants;
}

template <class Sink>
void write_model(Sink& out, const Scenario& s, const ScenarioEstimate& e) {
  out.begin_object();
  member(out, "counter", s.model.config.counter);
  member(out, "id", s.model.id);
  member(out, "params", e.params.total);
  member(out, "params_trainable", s.workload != Workload::inference ? to_bytes(e.peak.trainable_params) : std::int64_t{0});
  out.end_object();
}

// Whole sequences only: 3.7 sequences of context_len is 3 at once.
std::int64_t whole_sequences(double sequences) { return static_cast<std::int64_t>(std::floor(sequences)); }

template <class Sink>
void write_rollout(Sink& out, const Scenario& s, const RolloutStats& r) {
  out.begin_object();
  member(out, "engine", to_string(s.rl.rollout.engine));
  member(out, "engines", to_bytes(r.engines));
  member(out, "kv_tokens", to_bytes(r.kv_tokens));
  member(out, "max_concurrent_sequences", whole_sequences(r.max_concurrent_sequences));
  member(out, "rollout_gpus", to_bytes(r.rollout_gpus));
  member(out, "sequences_per_engine", to_bytes(r.sequences_per_engine));
  member(out, "sequences_per_step", to_bytes(r.sequences_per_step));
  member(out, "train_gpus", to_bytes(r.train_gpus));
  out.end_object();
}

template <class Sink>
void write_inference(Sink& out, const Scenario& s, const InferenceStats& stats) {
  out.begin_object();
  member(out, "budget_bytes", to_bytes(stats.budget_bytes));
  member(out, "engine", to_string(s.inference.engine));
  member(out, "kv_bytes_per_token", to_bytes(stats.kv_bytes_per_token));
  member(out, "kv_tokens", to_bytes(stats.kv_tokens));
  member(out, "max_concurrent_sequences", whole_sequences(stats.max_concurrent_sequences));
  out.end_object();
}

template <class Sink>
void write_band(Sink& out, const PeakBand& band) {
  out.begin_object();
  member(out, "expected_bytes", to_bytes(band.expected_bytes));
  member(out, "high_bytes", to_bytes(band.high_bytes));
  member(out, "low_bytes", to_bytes(band.low_bytes));
  out.end_object();
}

// The same judgement as `recommend` (assess_fit), so the two never disagree.
template <class Sink>
void write_fit(Sink& out, const Scenario& s, const ScenarioEstimate& e, const GpuSpec& gpu) {
  const Fit fit = assess_fit(e, s, gpu);
  out.begin_object();
  member(out, "capacity_bytes", gpu.memory_bytes);
  member(out, "fits", fit.fits());
  member(out, "gpu", gpu.id);
  member(out, "headroom_bytes", to_bytes(fit.headroom_bytes));
  if (!fit.reason.empty()) member(out, "reason", fit.reason);
  member(out, "verdict", to_string(fit.verdict));
  out.end_object();
}

template <class Sink>
void write_warnings(Sink& out, const Scenario& s, const ScenarioEstimate& e) {
  out.begin_array();
  if (!s.model.resolution_note.empty()) out.value(s.model.resolution_note);
  if (const std::string generic = generic_count_warning(s.model.config); !generic.empty()) out.value(generic);
  for (const std::string& w : s.model.config.model_warnings) out.value(w);
  for (const std::string& w : e.peak.warnings) out.value(w);
  for (const std::string& w : s.warnings) out.value(w);
  out.end_array();
}

// Every RL phase's breakdown with its time.
template <class Sink>
void write_phases(Sink& out, const std::vector<Breakdown>& phases, const time::TimeEstimate& timing) {
  out.begin_array();
  for (const Breakdown& phase : phases) {
    out.begin_object();
    member(out, "id", phase.phase);
    out.key("per_gpu");
    write_breakdown(out, phase);
    out.key("time");
    write_phase_time(out, timing, phase.phase);
    out.end_object();
  }
  out.end_array();
}

// The whole result document, its members in nlohmann's order: constants, fit, inference, model,
// peak_band, per_gpu, phases, rollout, time, warnings.
template <class Sink>
void write_estimate(Sink& out, const Scenario& s, const ScenarioEstimate& e, bool with_constants) {
  const time::TimeEstimate timing = scenario_time(s, e);
  out.begin_object();
  if (with_constants) member(out, "constants", constants_document());
  if (s.gpu) {
    out.key("fit");
    write_fit(out, s, e, *s.gpu);
  }
  if (s.workload == Workload::inference) {
    out.key("inference");
    write_inference(out, s, e.inference);
  }
  out.key("model");
  write_model(out, s, e);
  out.key("peak_band");
  write_band(out, e.band);
  out.key("per_gpu");
  write_breakdown(out, e.peak);
  if (s.workload == Workload::rl) {
    out.key("phases");
    write_phases(out, e.phases, timing);
    out.key("rollout");
    write_rollout(out, s, e.rollout);
  }
  out.key("time");
  write_time(out, timing);
  out.key("warnings");
  write_warnings(out, s, e);
  out.end_object();
}

// Parses and estimates the scenario, then hands both to `write`.
template <class Write>
std::optional<Error> estimate_then(const Json& scenario, Write&& write) {
  auto parsed = scenario_from_json(scenario);
  if (!parsed.ok()) return parsed.error();
  auto estimate = estimate_scenario(parsed.value());
  if (!estimate.ok()) return estimate.error();
  write(parsed.value(), estimate.value());
  return std::nullopt;
}

Expected<Json> estimate_document(const Json& scenario, bool with_constants) {
  TreeSink tree;
  const auto error = estimate_then(scenario, [&](const Scenario& s, const ScenarioEstimate& e) { write_estimate(tree, s, e, with_constants); });
  if (error) return *error;
  return tree.take();
}

}  // namespace

const Json& estimate_constants() { return constants_document().tree; }

Expected<Json> estimate_without_constants(const Json& scenario) { return estimate_document(scenario, false); }

Expected<Json> estimate(const Json& scenario) { return estimate_document(scenario, true); }

std::optional<Error> append_estimate_text(std::string& out, const Json& scenario) {
  return estimate_then(scenario, [&](const Scenario& s, const ScenarioEstimate& e) {
    TextSink text(out);
    write_estimate(text, s, e, true);
  });
}

}  // namespace vramplan::api
