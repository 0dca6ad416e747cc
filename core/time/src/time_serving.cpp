// The serving roofline: decode reads the weights and the KV cache once per step; prefill is compute
// bound. One step's time is the larger of the memory and compute bounds.
#include <algorithm>
#include <cmath>

#include "vramplan/time.hpp"

namespace vramplan::time {

// Williams, Waterman & Patterson 2009, "Roofline: an insightful visual performance model": attainable
// time = max(bytes / bandwidth, flops / peak). For decode, vLLM's PagedAttention (Kwon et al. 2023, §2.2)
// reads every weight once per step for the whole batch, and each sequence's KV blocks once.
double decode_step_seconds(double bytes_read, double flops, double bandwidth, double efficiency, double peak,
                           double mfu) {
  const double mem = (bandwidth > 0 && efficiency > 0) ? bytes_read / (bandwidth * efficiency) : 0.0;
  const double comp = (peak > 0 && mfu > 0) ? flops / (peak * mfu) : 0.0;
  return std::max(mem, comp);
}

// vLLM's scheduler admits sequences while their KV blocks fit the pool (vllm/core/scheduler.py
// _schedule_prefills / v1 KVCacheManager.allocate_slots) and at most max_num_seqs at once.
double concurrent_sequences(double kv_pool_tokens, double tokens_per_sequence, double max_num_seqs) {
  if (!(tokens_per_sequence > 0) || !(kv_pool_tokens > 0)) return 0.0;
  const double fit = std::floor(kv_pool_tokens / tokens_per_sequence);
  return max_num_seqs > 0 ? std::min(fit, max_num_seqs) : fit;
}

}  // namespace vramplan::time
