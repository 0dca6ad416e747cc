#include "vramplan/scenario_estimate.hpp"

#include "vramplan/estimate_rl.hpp"
#include "vramplan/memory.hpp"
#include "vramplan/text_format.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace vramplan {
namespace {
Expected<ScenarioEstimate> estimate_unbanded(const Scenario& s);
}  // namespace

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::fits: return "fits";
    case Verdict::tight: return "tight";
    case Verdict::no: return "no";
  }
  return "no";
}

namespace {

bool ends_with(const std::string& id, const char* tail) {
  const std::string t(tail);
  return id.size() >= t.size() && id.compare(id.size() - t.size(), t.size(), t) == 0;
}

// The band kind of a modelled line (tools/band_derivation.py kind_of says the same). Ids may carry an RL
// role prefix ("policy.logits").
memory::BandKind band_kind(const Component& c, bool vllm_pool) {
  using memory::BandKind;
  switch (c.level) {
    case Level::persistent:
    case Level::optimizer: return BandKind::params;
    case Level::step:
      if (ends_with(c.id, "kv_cache") || ends_with(c.id, "activations")) {
        return vllm_pool ? BandKind::exact : BandKind::activations;
      }
      return BandKind::params;  // gradients, gathered units, DDP buckets, a forward's cross-attention cache
    case Level::transient: return ends_with(c.id, "logits") ? BandKind::logits : BandKind::activations;
    case Level::cache:
    case Level::context: break;
  }
  return BandKind::exact;
}

}  // namespace

PeakBand peak_band(const Breakdown& peak, bool vllm_serving, bool context_known, bool vllm_pool) {
  PeakBand band{peak.device_bytes, peak.device_bytes, peak.device_bytes};
  if (vllm_serving) return band;
  double start = 0, context_low = 0, context_high = 0;
  for (const Component& c : peak.components) {
    memory::Range r = memory::band_range(band_kind(c, vllm_pool), c.bytes);
    if (c.level == Level::context && c.id == "cuda_context" && !context_known) r = memory::cuda_context_range(c.bytes);
    // FSDP1's pending frees need the CPU to run ahead of the GPU: none when it does not. The loss's segments
    // (its unreusable block, those re-made after the first step's states, the forward's kept through the step,
    // the gradients' stream pool beside them) are a layout of the allocator's blocks that a later phase, or
    // the allocator's release of cached blocks when cudaMalloc fails, may undo: their low end is none too.
    if (c.level == Level::cache) {
      const bool may_be_reused = c.id == "fsdp_pending_frees" || c.id == "loss_shift_block" ||
                                 c.id == "loss_segments_after_states" || c.id == "forward_segments" ||
                                 c.id == "sharded_grad_pool" || c.id == "fsdp1_init_cache";
      r = may_be_reused ? memory::Range{0.0, c.bytes} : memory::allocator_range(c.bytes);
    }
    if (c.level == Level::context) context_low += std::min(r.low, c.bytes) - c.bytes;
    if (c.level == Level::context) context_high += std::max(r.high, c.bytes) - c.bytes;
    if (c.id == "zero3_whole_model_start") {
      start = c.bytes;
      continue;
    }
    band.low_bytes += std::min(r.low, c.bytes) - c.bytes;
    band.high_bytes += std::max(r.high, c.bytes) - c.bytes;
  }
  if (start > 0) {
    // ZeRO-3's start with a 4-bit base (allocated, not cached) and the step never coexist: each end is the larger of
    // the step's end (the lines without the start) and the start's (the whole model, its context at that end).
    band.low_bytes = std::max(band.low_bytes - start, peak.device_bytes + context_low);
    band.high_bytes = std::max(band.high_bytes - start, peak.device_bytes + context_high);
  }
  return band;
}

namespace {

// cuda_module_loading eager: every CUDA context line holds kCudaContextEagerBytes instead of
// kCudaContextBytes (its NCCL part unchanged). A vLLM server's non-torch line is measured above an
// existing context, so it is left as it is.
void load_modules_eagerly(Breakdown& b) {
  for (Component& c : b.components) {
    if (c.level != Level::context || c.id != "cuda_context") continue;
    const double more = memory::kCudaContextEagerBytes - memory::kCudaContextBytes;
    c.bytes += more;
    c.formula += text::format(" + eager module loading (kCudaContextEagerBytes %s - kCudaContextBytes)",
                              text::gib(memory::kCudaContextEagerBytes).c_str());
    b.device_bytes += more;
  }
}

}  // namespace

Expected<ScenarioEstimate> estimate_scenario(const Scenario& s) {
  auto e = estimate_unbanded(s);
  const bool vllm_serving = s.workload == Workload::inference && s.inference.engine == Engine::vllm;
  if (e.ok() && s.cuda_module_loading == ModuleLoading::eager && !vllm_serving) {
    load_modules_eagerly(e.value().peak);
    for (Breakdown& phase : e.value().phases) load_modules_eagerly(phase);
  }
  const bool vllm_pool = s.workload == Workload::rl && s.rl.rollout.engine == Engine::vllm;
  if (e.ok()) {
    e.value().band = peak_band(e.value().peak, vllm_serving, s.cuda_module_loading == ModuleLoading::eager, vllm_pool);
  }
  return e;
}

namespace {
LossOptions trainer_loss() {
  LossOptions loss;
  loss.transformers_trainer = true;
  return loss;
}

Expected<ScenarioEstimate> estimate_unbanded(const Scenario& s) {
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
    out.inference.budget_bytes = r.rollout.budget_bytes;
    out.inference.start_bytes = r.rollout.start_bytes;
    out.rollout = r.rollout;
    out.activation_bytes = r.activation_bytes;
    return out;
  }
  Expected<Breakdown> peak =
      s.workload == Workload::train
          ? estimate_training(s.model.config, out.params, s.train, s.gpus, trainer_loss())
          : estimate_inference(s.model.config, out.params, s.inference, s.gpus, s.gpu ? &*s.gpu : nullptr, &out.inference);
  if (!peak.ok()) return peak.error();
  out.peak = std::move(peak).value();
  out.activation_bytes = out.peak.activation_bytes;
  return out;
}
}  // namespace

bool estimate_depends_on_gpu(const Scenario& s) {
  if (s.workload == Workload::inference) return s.inference.engine == Engine::vllm;
  return s.workload == Workload::rl && s.rl.algorithm != RlAlgorithm::dpo && s.rl.rollout.engine == Engine::vllm;
}

namespace {

// vLLM refuses to start when its budget (gpu_memory_utilization x usable memory) cannot hold the
// weights, the profiling reserve, non-torch memory and one whole sequence's KV cache
// (vllm/v1/core/kv_cache_utils.py check_enough_kv_cache_memory raises "ValueError: ... max_model_len").
// The headroom is minus what the budget lacks, and the reason names the utilization that would start.
Fit vllm_cannot_start(Fit fit, const InferenceStats& st, double utilization, const char* key) {
  const double lack = st.start_bytes - st.budget_bytes;
  fit.headroom_bytes = std::min(fit.headroom_bytes, -std::max(lack, 1.0));
  const double usable = fit.capacity_bytes - memory::kDriverReservedBytes;
  const double needed = usable > 0 ? st.start_bytes / usable : 0.0;
  fit.reason = text::format("vLLM cannot start: its budget (%s %.2f x usable memory = %s) lacks %s for the weights, "
                            "the profiling reserve and one full-length sequence's KV cache",
                            key, utilization, text::gib(st.budget_bytes, 1).c_str(), text::gib(std::max(lack, 0.0), 1).c_str());
  fit.reason += needed > 0 && needed < 1.0 ? text::format("; it needs %s >= %.2f", key, std::ceil(needed * 100) / 100)
                                           : "; no gpu_memory_utilization on this GPU is enough";
  return fit;
}

}  // namespace

Fit assess_fit(const ScenarioEstimate& e, const Scenario& s, const GpuSpec& gpu) {
  Fit fit;
  fit.capacity_bytes = static_cast<double>(gpu.memory_bytes);
  fit.headroom_bytes = fit.capacity_bytes - e.peak.device_bytes;
  const bool vllm_sized = estimate_depends_on_gpu(s) && e.inference.budget_bytes > 0;
  if (vllm_sized && e.inference.max_concurrent_sequences < 1) {
    return s.workload == Workload::rl
               ? vllm_cannot_start(fit, e.inference, s.rl.rollout.gpu_memory_utilization, "rl.rollout.gpu_memory_utilization")
               : vllm_cannot_start(fit, e.inference, s.inference.gpu_memory_utilization, "inference.gpu_memory_utilization");
  }
  // `no` needs the band's low end above the GPU (issue 20: the high end for `fits`, the low end for `no`); a
  // vLLM server's band is its budget (low = expected), so for it `no` stays "the peak exceeds".
  const double low = std::min(e.band.low_bytes > 0 ? e.band.low_bytes : e.peak.device_bytes, e.peak.device_bytes);
  if (low > fit.capacity_bytes) {
    fit.reason = low < e.peak.device_bytes
                     ? text::format("the peak (%s) exceeds the GPU's memory, and so does its band's low end (%s)",
                                    text::gib(e.peak.device_bytes, 1).c_str(), text::gib(low, 1).c_str())
                     : text::format("the peak (%s) exceeds the GPU's memory", text::gib(e.peak.device_bytes, 1).c_str());
    return fit;
  }
  if (s.workload == Workload::inference && s.inference.engine == Engine::vllm) {
    const double sequences = e.inference.max_concurrent_sequences;
    fit.verdict = sequences < static_cast<double>(s.inference.batch_size) ? Verdict::tight : Verdict::fits;
    return fit;
  }
  // tight: less than kTightHeadroomFraction left, or the band's high end above the GPU; this includes a peak
  // above the GPU whose band's low end is not (negative headroom: it may not fit).
  const bool close = fit.headroom_bytes < kTightHeadroomFraction * fit.capacity_bytes;
  fit.verdict = close || e.band.high_bytes > fit.capacity_bytes ? Verdict::tight : Verdict::fits;
  return fit;
}

}  // namespace vramplan
