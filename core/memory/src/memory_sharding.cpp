// Sharding of model states across data-parallel ranks.
//
// Rajbhandari et al. 2020, "ZeRO: Memory Optimizations Toward Training Trillion Parameter Models",
// section 5.1 / Figure 1: stage 1 (Pos) partitions optimizer states (with the fp32 master copy),
// stage 2 (Pos+g) also gradients, stage 3 (Pos+g+p) also parameters, each across the Nd data-parallel
// ranks. PyTorch FSDP FULL_SHARD shards like stage 3 (Zhao et al. 2023, "PyTorch FSDP", section 3).
// Tensor and pipeline parallelism divide every state by tp x pp before that (Megatron-LM
// theoretical_memory_usage.py: num_parameters_on_most_loaded_model_shard / tp).
#include <algorithm>

#include "vramplan/memory.hpp"

namespace vramplan::memory {

bool shards_params(Sharding sharding) { return sharding == Sharding::zero3 || sharding == Sharding::fsdp; }

ShardDivisors shard_divisors(Sharding sharding, double dp) {
  dp = std::max(1.0, dp);
  ShardDivisors d;
  switch (sharding) {
    case Sharding::none: break;
    case Sharding::zero1: d.optimizer = dp; break;
    case Sharding::zero2: d.optimizer = dp; d.grads = dp; break;
    case Sharding::zero3:
    case Sharding::fsdp: d.optimizer = dp; d.grads = dp; d.params = dp; break;
  }
  return d;
}

}  // namespace vramplan::memory
