// vLLM's engine memory that changed between releases (docs/memory-model.md "vllm engine"): the profiling
// sampler's copies, the non-torch memory increase, the CUDA graph pool. The constants and their sources
// are in vramplan/memory.hpp.
#include <cmath>
#include <string>

#include "vramplan/memory.hpp"
#include "vramplan/memory_vllm.hpp"
#include "vramplan/text_format.hpp"

namespace vramplan {
namespace memory {

using text::format;
using text::gib;

namespace {
// A numbered release before 0.`minor` (a release 1.x or "latest" is after every 0.x).
bool vllm_before(const VllmVersion& version, int minor) { return version.major == 0 && version.minor < minor; }
bool vllm_release(const VllmVersion& version, int minor) { return version.major == 0 && version.minor == minor; }
double nccl_peers(double tp) { return tp > 2 ? kNcclPeersAboveTwoRanks : 1.0; }
bool quantized_weights(DType dtype) { return dtype == DType::fp8 || dtype == DType::int8 || dtype == DType::int4; }

// vllm/model_executor/models/deepseek_v2.py DeepseekV2MLAAttention: q_a_proj (hidden x q_lora_rank, absent
// without a low-rank q) and kv_a_proj_with_mqa (hidden x (kv_lora_rank + rope)) are ReplicatedLinear, so
// every rank holds them whole; MoE routers (`gate`, ReplicatedLinear with quant_config=None in
// deepseek_v2.py, mixtral.py, qwen2_moe.py, qwen3_moe.py) alike, in the activation dtype.
double replicated_bytes(const TransformerStack& s, const InferenceSettings& inf, double moe_layers, double act) {
  const double tp = static_cast<double>(inf.tp), pp = static_cast<double>(inf.pp), h = static_cast<double>(s.hidden_size);
  const double spare = 1.0 - 1.0 / tp;
  const double linear = quantized_weights(inf.weight_dtype) ? quantized_bytes_per_param(inf.weight_dtype) : dtype_bytes(inf.weight_dtype);
  double bytes = 0;
  if (s.attention == AttentionKind::mla) {
    const MlaConfig& a = s.mla;
    bytes += static_cast<double>(s.layers) / pp * h * static_cast<double>(a.q_lora_rank + a.kv_lora_rank + a.qk_rope_head_dim) * linear;
  }
  bytes += moe_layers / pp * h * static_cast<double>(s.moe.num_experts) * act;
  return bytes * spare;
}
}  // namespace

VllmExtraWeights vllm_extra_weights(const TransformerStack& s, const InferenceSettings& inf, double moe_layers) {
  VllmExtraWeights w;
  const double act = inf.weight_dtype == DType::fp32 ? 4.0 : 2.0;
  w.replicated = replicated_bytes(s, inf, moe_layers, act);
  if (w.replicated > 0) {
    w.formula = format("replicated %s: %s(1 - 1/tp) of every rank's whole copy", gib(w.replicated).c_str(),
                       s.attention == AttentionKind::mla ? "q_a_proj + kv_a_proj_with_mqa + MoE routers x " : "MoE routers x ");
  }
  const bool latent = s.attention == AttentionKind::mla && !vllm_before(inf.vllm_version, kVllmMlaAbsorbedMinor);
  if (!latent) return w;
  const MlaConfig& a = s.mla;
  const double layers = static_cast<double>(s.layers) / static_cast<double>(inf.pp);
  const double heads = static_cast<double>(s.num_heads) / static_cast<double>(inf.tp);
  const double lkv = static_cast<double>(a.kv_lora_rank), h = static_cast<double>(s.hidden_size);
  const bool quantized = quantized_weights(inf.weight_dtype);
  if (vllm_release(inf.vllm_version, kVllmMlaAbsorbedMinor)) {
    const double q_in = a.q_lora_rank > 0 ? static_cast<double>(a.q_lora_rank) : h;
    const double absorbed_bytes = inf.weight_dtype == DType::fp8 ? 1.0 : act;  // fp8 requantized, else act dtype
    w.absorbed = layers * heads * ((q_in * lkv + lkv * h) * absorbed_bytes + q_in * static_cast<double>(a.qk_rope_head_dim) * act);
    w.formula += format("%sabsorbed %s: %.0f layers x (W_Q_UK %.0f x %.0f x %.0f + W_UV_O %.0f x %.0f x %.0f) x %.0f B + W_QR "
                        "%.0f x %.0f x %lld x %.0f B (vLLM 0.7 MLA matrix absorption)",
                        w.formula.empty() ? "" : "; ", gib(w.absorbed).c_str(), layers, q_in, heads, lkv, heads, lkv, h,
                        absorbed_bytes, q_in, heads, static_cast<long long>(a.qk_rope_head_dim), act);
  }
  if (quantized) {
    const double bytes = vllm_release(inf.vllm_version, kVllmMlaAbsorbedMinor) ? kVllmMlaDequantFp32Bytes : act;
    w.dequantized = layers * lkv * heads * static_cast<double>(a.qk_nope_head_dim + a.v_head_dim) * bytes;
    w.formula += format("%sdequantized kv_b_proj %s: %.0f layers x %.0f x %.0f x %lld x %.0f B", w.formula.empty() ? "" : "; ",
                        gib(w.dequantized).c_str(), layers, lkv, heads,
                        static_cast<long long>(a.qk_nope_head_dim + a.v_head_dim), bytes);
  }
  return w;
}

void add_vllm_extra_weights(double& weights, std::string& formula, const TransformerStack& s, const InferenceSettings& inf,
                            double moe_layers) {
  const VllmExtraWeights extra = vllm_extra_weights(s, inf, moe_layers);
  weights += extra.total();
  if (!extra.formula.empty()) formula += "; + " + extra.formula;
}

double vllm_mla_cache_entry_bytes(const TransformerStack& s, double kv_bytes, const VllmVersion& version) {
  const double entry = static_cast<double>(s.mla.kv_lora_rank + s.mla.qk_rope_head_dim) * kv_bytes;
  // Before 0.7 vLLM kept no latent cache (estimate.cpp warns); from kVllmV1DefaultMinor V1 pads nothing.
  if (!vllm_before(version, kVllmV1DefaultMinor) || vllm_before(version, kVllmMlaAbsorbedMinor)) return entry;
  return std::ceil(entry / kVllmMlaCacheAlignBytes) * kVllmMlaCacheAlignBytes;
}

double vllm_nvls_bytes(const VllmVersion& version, double tp, const GpuSpec* gpu) {
  if (gpu == nullptr || tp <= 2 || !vllm_before(version, kVllmNcclLazyMinor)) return 0.0;
  const std::string& kind = gpu->interconnect_kind;
  const bool multicast_switch = kind.rfind("NVLink 4 (SXM", 0) == 0 || kind.rfind("NVLink 5", 0) == 0;
  if (!multicast_switch) return 0.0;
  const double buffer = vllm_before(version, kVllmNcclNvlsChunkMinor) ? kNcclBuffSizeBytes : kNcclNvlsChunkBytes;
  return kNcclCollChannels * 2.0 * (buffer + kNcclNvlsAlignBytes) * tp;
}

std::string vllm_nvls_formula(const VllmVersion& version, double tp) {
  const bool chunk = !vllm_before(version, kVllmNcclNvlsChunkMinor);
  return format("NCCL NVLS kNcclCollChannels %.0f x 2 x (%s %.0f MiB + kNcclNvlsAlignBytes 2 MiB) x %.0f heads (NCCL %s)",
                kNcclCollChannels, chunk ? "kNcclNvlsChunkBytes" : "kNcclBuffSizeBytes",
                (chunk ? kNcclNvlsChunkBytes : kNcclBuffSizeBytes) / (1024.0 * 1024.0), tp, chunk ? "2.21.5" : "2.20.5");
}

double vllm_kv_pad_factor(const TransformerStack& s, double kv_bytes, const VllmVersion& version) {
  if (s.attention != AttentionKind::mla || s.mla.kv_lora_rank <= 0 || kv_bytes <= 0) return 1.0;
  const double entry = static_cast<double>(s.mla.kv_lora_rank + s.mla.qk_rope_head_dim) * kv_bytes;
  return vllm_mla_cache_entry_bytes(s, kv_bytes, version) / entry;
}

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
  return base + (older_group ? kNcclBytes * nccl_peers(tp) : 0.0);
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
                bytes > base ? format(" + kNcclBytes %s x %.0f peers per channel (tp x pp > 1)", gib(kNcclBytes).c_str(),
                                      nccl_peers(tp)).c_str()
                             : "");
}

std::string vllm_cuda_graph_formula(double layers_per_gpu) {
  return format("kVllmCudaGraphBaseBytes %s + kVllmCudaGraphLayerBytes %.0f MiB x %.0f layers on this GPU; outside "
                "gpu_memory_utilization (enforce_eager: none)",
                gib(kVllmCudaGraphBaseBytes).c_str(), kVllmCudaGraphLayerBytes / (1024.0 * 1024.0), layers_per_gpu);
}

}  // namespace memory
}  // namespace vramplan
