// Training step parts beyond the FLOPs: grouped-GEMM efficiency of narrow experts, the expert-parallel
// all-to-all and the router's token permutation (sources at the constants in vramplan/time.hpp), the
// optimizer step's memory traffic and the RL refit.
#include <algorithm>

#include "time_parts.hpp"
#include "vramplan/text_format.hpp"

namespace vramplan::time {

// Liu et al. 2025 (arXiv 2504.14960): narrow experts run at kMoeNarrowExpertEfficiency of the dense MFU;
// the rest of the active FLOPs (attention, shared experts, router, LM head) at the dense rate.
double moe_compute_factor(double routed_share, bool narrow_experts) {
  const double f = std::clamp(routed_share, 0.0, 1.0);
  return narrow_experts ? (1 - f) + f / kMoeNarrowExpertEfficiency : 1.0;
}

// Megatron-Core MoEAlltoAllTokenDispatcher: every (token, expert) pair's hidden vector goes to the rank
// holding the expert and back; a share 1/ep of them stays local.
double moe_all_to_all_bytes_per_token(double moe_layers, double top_k, double hidden, double ep, double passes) {
  if (ep <= 1) return 0.0;
  return moe_layers * top_k * hidden * 2.0 * passes * (ep - 1) / ep;
}

double moe_permute_bytes_per_token(double moe_layers, double top_k, double hidden, double copies) {
  return moe_layers * copies * top_k * hidden * 2.0;
}

// torch/optim/adamw.py _fused_adamw: reads param, grad, exp_avg, exp_avg_sq; writes param, exp_avg,
// exp_avg_sq. With a master copy the step updates the fp32 master and writes the compute copy after.
double optimizer_step_bytes_per_param(double weight, double grad, double master, double state_bytes) {
  const double updated = master > 0 ? master : weight;
  return grad + 2 * state_bytes + 2 * updated + (master > 0 ? weight : 0.0);
}

double phase_offload_bytes(double weight_bytes, double state_bytes, double models, double reference_copies) {
  return models * (2 * weight_bytes + 2 * state_bytes) + reference_copies * weight_bytes;
}

}  // namespace vramplan::time

namespace vramplan::time::detail {

using text::format;

// Share of the active matmul parameters that sit in the routed experts (top-k of num_experts per MoE
// layer); 0 for dense models.
double routed_share(const Scenario& s, const ParamCounts& p, const Shape& sh) {
  const MoeConfig& m = s.model.config.text.moe;
  if (m.is_dense() || m.num_experts <= 0 || !(sh.n > 0)) return 0.0;
  const double active = static_cast<double>(p.routed_experts) * static_cast<double>(m.experts_per_token) /
                        static_cast<double>(m.num_experts);
  return active / sh.n;
}

// Experts narrower than the hidden size (Qwen2-57B-A14B, Qwen3-30B-A3B, DeepSeek) run their grouped
// GEMMs below the dense rate (kMoeNarrowExpertEfficiency).
bool narrow_experts(const Scenario& s) {
  const TransformerStack& t = s.model.config.text;
  return !t.moe.is_dense() && t.moe.expert_intermediate > 0 && t.moe.expert_intermediate < t.hidden_size;
}

// MoE routing traffic per step: the expert-parallel all-to-all over the EP group's link and the router's
// token permutation in HBM, for `tokens` tokens spread over `gpus` GPUs (forward and backward, plus the
// recomputed forward; forward only when `backward` is false).
double moe_routing_seconds(const Scenario& s, const ParamCounts& p, const Hardware& hw, double tokens, double gpus,
                           bool backward, TimeEstimate& out) {
  const MoeConfig& m = s.model.config.text.moe;
  if (m.is_dense() || p.routed_experts_per_layer <= 0) return 0.0;
  const double layers = static_cast<double>(p.routed_experts) / static_cast<double>(p.routed_experts_per_layer);
  const double top_k = static_cast<double>(m.experts_per_token);
  const double hidden = static_cast<double>(s.model.config.text.hidden_size);
  const double forwards = backward ? (s.train.gradient_checkpointing ? 2.0 : 1.0) : 1.0;
  const double share = (forwards + (backward ? 1.0 : 0.0)) / 2.0;  // of the forward + backward traffic
  const double ep = static_cast<double>(s.train.ep);
  const double a2a_bytes = tokens / gpus * moe_all_to_all_bytes_per_token(layers, top_k, hidden, ep,
                                                                          kMoeAllToAllPassesPerLayer * share);
  const double link = collective_link_bytes_per_s(ep * static_cast<double>(s.train.expert_tp()), hw.intra, hw.inter);
  const double permute = tokens / gpus * moe_permute_bytes_per_token(layers, top_k, hidden, kMoePermuteCopiesPerLayer * share);
  if (backward) {
    out.assumptions.push_back(format("MoE: %.0f MoE layers route top-%.0f tokens; all-to-all over ep %.0f (%.0f GB/s "
                                     "per GPU, not overlapped), token permutation in HBM%s",
                                     layers, top_k, ep, link / 1e9,
                                     narrow_experts(s) ? "; experts narrower than the hidden size run their GEMMs at "
                                                         "kMoeNarrowExpertEfficiency" : ""));
  }
  return a2a_bytes / (link * kCollectiveEfficiency) +
         memory_bound_seconds(permute, hw.bandwidth, kDecodeBandwidthEfficiency);
}

namespace {
// Parameters of the model on one GPU of the training layout: split over tp x pp, routed experts over
// ep x etp instead of tp (Megatron-Core expert parallelism).
double params_per_model_rank(const Scenario& s, const ParamCounts& p) {
  const TrainSettings& t = s.train;
  const double pp = static_cast<double>(t.pp);
  const double routed = static_cast<double>(p.routed_experts);
  return (static_cast<double>(p.total) - routed) / static_cast<double>(t.tp) / pp +
         routed / static_cast<double>(t.ep * t.expert_tp()) / pp;
}
}  // namespace

// One optimizer step over the trainable parameters this GPU updates: the model split over tp x pp (routed
// experts over ep x etp instead of tp), and over the data-parallel ranks when ZeRO/FSDP shards the states.
double optimizer_seconds(const Scenario& s, const TimeInputs& in, const Hardware& hw, double dp, TimeEstimate& out) {
  const TrainSettings& t = s.train;
  double params = in.trainable_params / static_cast<double>(t.tp) / static_cast<double>(t.pp);
  if (t.method == Method::full) params = params_per_model_rank(s, *in.params);
  if (t.sharding != Sharding::none) params /= dp;
  const memory::PrecisionBytes b = memory::precision_bytes(t.precision);
  const double states = memory::optimizer_state_bytes(t.optimizer, 1.0, 1.0, 2.0, b.state);
  const double bytes = params * optimizer_step_bytes_per_param(b.weight, b.grad, b.master, states);
  const double seconds = memory_bound_seconds(bytes, hw.bandwidth, kDecodeBandwidthEfficiency);
  out.terms.push_back({"optimizer_step_seconds", {seconds, seconds, seconds},
                       format("%.3g parameters on each GPU x %.0f bytes read and written / (HBM bandwidth x %.2f)",
                              params, bytes / std::max(params, 1.0), kDecodeBandwidthEfficiency)});
  return seconds;
}

// Refit: after each step the rollout engine loads the trained weights (bf16, every parameter). Colocated:
// CUDA IPC within each GPU at kRefitBytesPerS end to end (XTuner's IPC update table; NeMo RL
// refit_buffer_size_gb buckets, verl's colocated sharding manager the same path). Separate engines: an
// NCCL broadcast from the trainer over the link between them (NeMo RL / verl non-colocated update).
double refit_seconds(const Scenario& s, const ParamCounts& p, const Hardware& hw, TimeEstimate& out) {
  const double bytes = static_cast<double>(p.total) * 2.0;
  const bool ipc = s.rl.rollout.colocated;
  const double link = collective_link_bytes_per_s(static_cast<double>(s.gpus), hw.intra, hw.inter);
  const double seconds = ipc ? bytes / kRefitBytesPerS : bytes / (link * kCollectiveEfficiency);
  out.terms.push_back({"refit_seconds", {seconds, seconds, seconds},
                       ipc ? format("%.1f GB of bf16 weights into the colocated engine at kRefitBytesPerS (%.0f GB/s, "
                                    "CUDA IPC)", bytes / 1e9, kRefitBytesPerS / 1e9)
                           : format("%.1f GB of bf16 weights broadcast to the rollout engines at %.0f GB/s x %.2f",
                                    bytes / 1e9, link / 1e9, kCollectiveEfficiency)});
  return seconds;
}

// A colocated vLLM engine in sleep mode (rl.rollout.sleep_mode) sleeps at level 1 while the trainer runs:
// vllm/device_allocator/cumem.py CuMemAllocator.sleep(offload_tags=("weights",)) copies every allocation
// tagged "weights" into a pinned host tensor (cpu_backup_tensor) and unmaps it, discarding the KV cache;
// wake_up maps the memory again and copies the weights back. Two copies of the engine's bf16 weights per
// GPU over the host link (data/gpus.json interconnect.pcie_bytes_per_s, one direction), at the link's
// peak: a lower bound (the KV pool's re-mapping and the trainer's own offload are not counted).
double engine_sleep_seconds(const Scenario& s, const ParamCounts& p, TimeEstimate& out) {
  const RolloutSettings& r = s.rl.rollout;
  if (r.engine != Engine::vllm || !r.colocated || !r.sleep_mode || !s.gpu || !(s.gpu->pcie_bytes_per_s > 0)) return 0.0;
  const double bytes = static_cast<double>(p.total) * 2.0 / static_cast<double>(r.tp);
  const double seconds = 2.0 * bytes / s.gpu->pcie_bytes_per_s;
  out.terms.push_back({"engine_sleep_seconds", {seconds, seconds, seconds},
                       format("2 x %.1f GB of bf16 engine weights per GPU to host RAM and back (vLLM sleep level 1, "
                              "wake_up) at the host link's %.0f GB/s",
                              bytes / 1e9, s.gpu->pcie_bytes_per_s / 1e9)});
  return seconds;
}

// rl.phase_offload: the trainer leaves the GPU to the rollout engine and comes back (NeMo RL v0.4 grpo.py
// colocated path: offload_after_refit before generation, prepare_for_lp_inference, prepare_for_training).
// Host-link bytes per GPU from phase_offload_bytes: the bf16 weights of this GPU's model shard (sharded by
// dp only under ZeRO-3/FSDP), the optimizer states and master weights of the full model's trainable
// parameters on it (by dp when sharded), and the reference's swap (kReferenceSwapCopies) when there is one;
// at the catalog's host link (pcie_bytes_per_s), a lower bound at the link's peak. LoRA keeps only its
// adapters' states, which are left out.
double trainer_offload_seconds(const Scenario& s, const TimeInputs& in, double dp, TimeEstimate& out) {
  if (!s.rl.phase_offload || !s.gpu || !(s.gpu->pcie_bytes_per_s > 0)) return 0.0;
  const TrainSettings& t = s.train;
  const double params = params_per_model_rank(s, *in.params);
  const bool zero3 = t.sharding == Sharding::zero3 || t.sharding == Sharding::fsdp;
  const memory::PrecisionBytes b = memory::precision_bytes(t.precision);
  const double weights = params * b.weight / (zero3 ? dp : 1.0);
  const double per_param_state = memory::optimizer_state_bytes(t.optimizer, 1.0, 1.0, 2.0, b.state) + b.master;
  const double states = t.method == Method::full ? params * per_param_state / (t.sharding != Sharding::none ? dp : 1.0)
                                                 : 0.0;
  const double models = s.rl.critic ? 2.0 : 1.0;
  const double copies = s.rl.reference ? kReferenceSwapCopies : 0.0;
  const double bytes = phase_offload_bytes(weights, states, models, copies);
  const double seconds = bytes / s.gpu->pcie_bytes_per_s;
  out.terms.push_back({"trainer_offload_seconds", {seconds, seconds, seconds},
                       format("%.0f x (2 x %.1f GB of weights + 2 x %.1f GB of optimizer states) + %.0f x %.1f GB "
                              "(reference swap) per GPU over the host link's %.0f GB/s",
                              models, weights / 1e9, states / 1e9, copies, weights / 1e9,
                              s.gpu->pcie_bytes_per_s / 1e9)});
  return seconds;
}

}  // namespace vramplan::time::detail
