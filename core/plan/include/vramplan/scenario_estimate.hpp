#pragma once
// A whole scenario estimated, and judged against a GPU. The one place that dispatches on the
// workload, shared by `estimate`, `recommend` and sweeps so their numbers and verdicts agree.
#include <optional>
#include <string>
#include <vector>

#include "vramplan/estimate.hpp"
#include "vramplan/estimate_rl.hpp"
#include "vramplan/scenario.hpp"

namespace vramplan {

// The peak's uncertainty band (docs/memory-model.md "Uncertainty band"): the device bytes with every line
// at the low and high end of its kind's validation errors (memory::band_range: parameters, activations,
// logits; the allocator's cache kBandAllocator*Fraction of the transient memory; the CUDA context at
// lazy / eager module loading). A vLLM engine's KV pool and profiling reserve fill its budget whatever
// their errors (they move the pool's size, not the peak); a vLLM server's band is the estimate itself.
struct PeakBand {
  double low_bytes = 0;
  double expected_bytes = 0;  // = peak.device_bytes
  double high_bytes = 0;
};
// `context_known`: the scenario names the module loading (cuda_module_loading eager), so the context
// line is not spread. `vllm_pool`: the Level::step activations / KV lines are a vLLM engine's budget (an
// RL rollout on vLLM); otherwise a step KV cache is HF generate's, spread as activations.
PeakBand peak_band(const Breakdown& peak, bool vllm_serving, bool context_known, bool vllm_pool = false);

struct ScenarioEstimate {
  Breakdown peak;                 // the phase with the largest device memory
  PeakBand band;                  // peak_band(peak)
  std::vector<Breakdown> phases;  // every phase of an RL step; empty for other workloads
  InferenceStats inference;       // filled for the inference workload (rl: the rollout engine's kv numbers)
  RolloutStats rollout;           // filled for the rl workload
  ParamCounts params;
  // Activations and logits of one step's computation, also when they are not among the peak's
  // components (the optimizer step or another RL phase is the peak): Breakdown::activation_bytes of the
  // training or serving estimate; rl: RlEstimate::activation_bytes.
  double activation_bytes = 0;
};

// Fails with an input Error (JSON pointer) on combinations that cannot run.
Expected<ScenarioEstimate> estimate_scenario(const Scenario& scenario);

// "tight": less than this fraction of the GPU's memory left, or the band's high end exceeds the GPU, or the
// peak exceeds it while the band's low end does not (docs/CONTRACT.md `verdict`).
inline constexpr double kTightHeadroomFraction = 0.10;

enum class Verdict { fits, tight, no };
const char* to_string(Verdict v);

struct Fit {
  double capacity_bytes = 0;
  // capacity - device bytes; when a vLLM engine cannot start (its budget holds no whole sequence), minus
  // the bytes its budget lacks (InferenceStats::start_bytes - budget_bytes). Negative when `no`, and when
  // `tight` with the peak above the GPU but its band's low end not (it may fit); >= 0 otherwise.
  double headroom_bytes = 0;
  Verdict verdict = Verdict::no;
  std::string reason;         // why not, for `no` (empty otherwise)
  // Not ruled out (fits or tight): what every batch and GPU-count search judges by, so they agree.
  bool fits() const { return verdict != Verdict::no; }
};

// Whether the estimate fits on one `gpu`: `no` when the peak band's low end exceeds the GPU's memory, `fits`
// when its high end does not and kTightHeadroomFraction is left, `tight` in between. A vLLM server always
// fills its pool, so for it the verdict is about the KV cache instead: no when the pool holds no full
// sequence (with the gpu_memory_utilization it would need), tight when it holds fewer than the requested
// batch of concurrent sequences. The estimate must have been made with `gpu` when estimate_depends_on_gpu.
Fit assess_fit(const ScenarioEstimate& estimate, const Scenario& scenario, const GpuSpec& gpu);

// Whether the estimate changes with the GPU: a vLLM engine (serving, or an RL rollout) sizes its pool
// from the GPU's memory. Otherwise one estimate serves every GPU.
bool estimate_depends_on_gpu(const Scenario& scenario);

}  // namespace vramplan
