// vLLM's defaults that depend on the GPU (used by the serving estimate and the RL rollout engine).
#include <string>

#include "vramplan/estimate.hpp"
#include "vramplan/memory.hpp"

namespace vramplan {

bool vllm_large_gpu(const GpuSpec* gpu) {
  // vllm/engine/arg_utils.py get_batch_defaults: device_memory >= 70 GiB and "a100" not in the name.
  return gpu != nullptr && static_cast<double>(gpu->memory_bytes) >= 70.0 * memory::kGiB &&
         gpu->id.find("A100") == std::string::npos;
}

}  // namespace vramplan
