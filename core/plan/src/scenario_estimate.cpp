#include "vramplan/scenario_estimate.hpp"

#include "vramplan/estimate_rl.hpp"

namespace vramplan {

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::fits: return "fits";
    case Verdict::tight: return "tight";
    case Verdict::no: return "no";
  }
  return "no";
}

Expected<ScenarioEstimate> estimate_scenario(const Scenario& s) {
  auto counts = count_params(s.model.config);
  if (!counts.ok()) return Error{"/model", counts.error().message, ErrorKind::invalid_input};
  ScenarioEstimate out;
  out.params = std::move(counts).value();
  if (s.workload == Workload::rl) {
    auto rl = estimate_rl(s, out.params);
    if (!rl.ok()) return rl.error();
    RlEstimate& r = rl.value();
    out.phases = std::move(r.phases);
    out.peak = out.phases[r.peak];
    for (const std::string& w : r.warnings) out.peak.warnings.push_back(w);
    out.inference.kv_tokens = r.rollout.kv_tokens;
    out.inference.max_concurrent_sequences = r.rollout.max_concurrent_sequences;
    out.rollout = r.rollout;
    out.activation_bytes = r.activation_bytes;
    return out;
  }
  Expected<Breakdown> peak =
      s.workload == Workload::train
          ? estimate_training(s.model.config, out.params, s.train, s.gpus)
          : estimate_inference(s.model.config, out.params, s.inference, s.gpus, s.gpu ? &*s.gpu : nullptr, &out.inference);
  if (!peak.ok()) return peak.error();
  out.peak = std::move(peak).value();
  out.activation_bytes = out.peak.activation_bytes;
  return out;
}

Fit assess_fit(const ScenarioEstimate& e, const Scenario& s, const GpuSpec& gpu) {
  Fit fit;
  fit.capacity_bytes = static_cast<double>(gpu.memory_bytes);
  fit.headroom_bytes = fit.capacity_bytes - e.peak.device_bytes;
  if (fit.headroom_bytes < 0) return fit;
  // RL with a vLLM rollout: a pool that holds no whole sequence cannot generate.
  if (s.workload == Workload::rl && s.rl.algorithm != RlAlgorithm::dpo && s.rl.rollout.engine == Engine::vllm &&
      e.rollout.max_concurrent_sequences < 1) {
    return fit;
  }
  if (s.workload == Workload::inference && s.inference.engine == Engine::vllm) {
    const double sequences = e.inference.max_concurrent_sequences;
    if (sequences < 1) return fit;
    fit.verdict = sequences < static_cast<double>(s.inference.batch_size) ? Verdict::tight : Verdict::fits;
    return fit;
  }
  fit.verdict = fit.headroom_bytes < kTightHeadroomFraction * fit.capacity_bytes ? Verdict::tight : Verdict::fits;
  return fit;
}

}  // namespace vramplan
