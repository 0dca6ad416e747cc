// vLLM's engine memory that changed between releases (docs/memory-model.md "vllm engine"): the profiling
// sampler's copies, the non-torch memory increase, the CUDA graph pool. The constants and their sources
// are in vramplan/memory.hpp.
#include <string>

#include "vramplan/memory.hpp"
#include "vramplan/text_format.hpp"

namespace vramplan {
namespace memory {

using text::format;
using text::gib;

namespace {
// A numbered release before 0.`minor` (a release 1.x or "latest" is after every 0.x).
bool vllm_before(const VllmVersion& version, int minor) { return version.major == 0 && version.minor < minor; }
}  // namespace

double vllm_sampler_fp32_copies(const VllmVersion& version) {
  const bool legacy = vllm_before(version, kVllmSamplerChangeMinor);
  return legacy ? kVllmSamplerFp32Copies : kVllmSamplerFp32CopiesCurrent;
}

double vllm_non_torch_bytes(const VllmVersion& version, double tp, double pp) {
  if (tp > 1 && !vllm_before(version, kVllmTpNonTorchChangeMinor)) return kVllmTpNonTorchBytesCurrent;
  const double base = vllm_before(version, kVllmNonTorchChangeMinor) ? kVllmNonTorchBytes : kVllmNonTorchBytesCurrent;
  // Current releases at pp > 1 only: the logged increase is below the TP1 figure (0.07 GiB at PP2), so
  // the base is kept; older ones add kNcclBytes for any process group (m114, m117).
  const bool older_group = (tp > 1 || pp > 1) && vllm_before(version, kVllmTpNonTorchChangeMinor);
  return base + (older_group ? kNcclBytes : 0.0);
}

double vllm_cuda_graph_bytes(double layers_per_gpu) {
  return kVllmCudaGraphBaseBytes + kVllmCudaGraphLayerBytes * layers_per_gpu;
}

std::string vllm_non_torch_formula(const VllmVersion& version, double tp, double pp) {
  const double bytes = vllm_non_torch_bytes(version, tp, pp);
  if (tp > 1 && bytes == kVllmTpNonTorchBytesCurrent) {
    return format("kVllmTpNonTorchBytesCurrent %s (vLLM %s, tp %.0f: all-reduce buffers of the profiled forward)",
                  gib(bytes).c_str(), version.text.c_str(), tp);
  }
  const bool current = !vllm_before(version, kVllmNonTorchChangeMinor);
  const double base = current ? kVllmNonTorchBytesCurrent : kVllmNonTorchBytes;
  return format("%s %s (vLLM %s)%s", current ? "kVllmNonTorchBytesCurrent" : "kVllmNonTorchBytes", gib(base).c_str(),
                version.text.c_str(),
                bytes > base ? format(" + kNcclBytes %s (tp x pp > 1)", gib(kNcclBytes).c_str()).c_str() : "");
}

std::string vllm_cuda_graph_formula(double layers_per_gpu) {
  return format("kVllmCudaGraphBaseBytes %s + kVllmCudaGraphLayerBytes %.0f MiB x %.0f layers on this GPU; outside "
                "gpu_memory_utilization (enforce_eager: none)",
                gib(kVllmCudaGraphBaseBytes).c_str(), kVllmCudaGraphLayerBytes / (1024.0 * 1024.0), layers_per_gpu);
}

}  // namespace memory
}  // namespace vramplan
