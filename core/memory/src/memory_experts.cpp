// Expert parallelism: how a MoE model's states divide over the GPUs when the routed experts have a
// layout of their own (docs/memory-model.md "Expert parallelism").
//
// Megatron-Core (and Megatron-Bridge's estimator, src/megatron/bridge/training/utils/
// theoretical_memory_utils.py estimate_training_memory, ported from Megatron-LM PR #4687, the fix of
// Megatron-LM issue #4050 "ETP x EP != TP"): parameters fall into two buckets. The dense part
// (attention, dense MLPs, shared experts, norms, router, embeddings) is divided by TP x PP and its
// distributed-optimizer states by the data-parallel size DP x CP; the routed experts are divided by
// PP x EP x ETP (_routed_expert_parameters_on_most_loaded_shard) and their optimizer states by the
// expert data-parallel size EDP = DP x TP x CP / (EP x ETP) (_expert_optimizer_shard_size), which is
// gpus / (PP x EP x ETP). torchtitan / NeMo Automodel FSDP2 + EP shard the experts the same way: EP on
// dim 0, then FSDP over the remaining dp_shard_mod_ep = EDP ranks (torchtitan
// parallelize.py apply_fsdp with the ep mesh). With EP = 1 and ETP = TP (Megatron-Core's default for an
// unset expert_tensor_parallel_size) both buckets divide alike and nothing changes.
#include <algorithm>
#include <cmath>

#include "vramplan/memory.hpp"

namespace vramplan::memory {

double local_expert_fraction(double num_experts, double ep) {
  if (num_experts <= 0 || ep <= 1) return 1.0;
  // Uneven splits (vLLM determine_expert_map) give the first ranks one expert more: the most loaded
  // rank holds ceil(E / EP) experts.
  return std::ceil(num_experts / ep) / num_experts;
}

ExpertShares expert_shares(const ExpertLayout& l) {
  ExpertShares s;
  const double mp = l.tp * l.pp;
  s.routed_fraction = l.total_params > 0 ? std::clamp(l.routed_params / l.total_params, 0.0, 1.0) : 0.0;
  s.dense_fraction = 1.0 - s.routed_fraction;
  s.expert_model_share = local_expert_fraction(l.num_experts, l.ep) / (l.etp * l.pp);
  s.dense_dp = std::max(1.0, l.gpus / (mp * l.cp)) * l.cp;
  s.expert_dp = std::max(1.0, l.gpus / (l.pp * l.ep * l.etp));
  const ShardDivisors dense = shard_divisors(l.sharding, s.dense_dp);
  const ShardDivisors expert = shard_divisors(l.sharding, s.expert_dp);
  auto share = [&](double dense_div, double expert_div) {
    return s.dense_fraction / (mp * dense_div) + s.routed_fraction * s.expert_model_share / expert_div;
  };
  s.params = share(dense.params, expert.params);
  s.grads = share(dense.grads, expert.grads);
  s.optimizer = share(dense.optimizer, expert.optimizer);
  s.model = share(1.0, 1.0);
  return s;
}

double moe_dispatch_bytes(double tokens, double top_k, double hidden, double compute_bytes, double tp) {
  return kMoeDispatchBuffers * tokens * top_k * hidden * compute_bytes / std::max(1.0, tp);
}

}  // namespace vramplan::memory
