// vLLM's memory that depends on the model's attention and the engine's release beyond weights / (tp x pp):
// DeepSeek MLA's extra weight copies, the replicated small linears, the padded MLA cache entry, and
// NCCL's peers per channel (docs/memory-model.md "vllm engine", "MLA in vLLM by release").
#pragma once

#include <string>

#include "vramplan/catalog.hpp"
#include "vramplan/memory.hpp"

namespace vramplan::memory {

// vLLM 0.7.x materializes MLA's absorbed decode matrices beside the raw projections: PR #12528 "[Attention]
// MLA decode optimizations" (merged 2025-01-31, first in v0.7.1), vllm/attention/backends/mla/utils.py
// MLACommonImpl.process_weights_after_loading with VLLM_MLA_PERFORM_MATRIX_ABSORPTION (default on) keeps
// W_Q_UK (q_in x heads/tp x kv_lora_rank), W_UV_O (heads/tp x kv_lora_rank x hidden), both requantized
// to fp8 for fp8 checkpoints ("we end up with absorbed weights for decode and another copy of raw weights
// for prefill"), and W_QR (q_in x heads/tp x rope) in the activation dtype. PR #14770 "[Attention] MLA get
// rid of materialization" (commit 9532c49, 2025-03-13, in v0.8.0) removed them. 0.7.0 is counted with
// them (the release field keeps no patch number; 0.7.0 also predates the latent cache: a warning says so).
inline constexpr int kVllmMlaAbsorbedMinor = 7;
// From 0.7 a quantized checkpoint's kv_b_proj stays dequantized beside it: 0.7's W_UK / W_UV are views of
// scaled_dequantize's output, fp32 by default (quant_utils.py scaled_dequantize out_dtype=torch.float32);
// from 0.8 W_UK_T / W_UV are views of get_and_maybe_dequant_weights's output in the activation dtype (the
// layer's quant method applied to an identity matrix of act_dtype).
inline constexpr double kVllmMlaDequantFp32Bytes = 4.0;
// vLLM V0's CacheEngine (vllm/worker/cache_engine.py _allocate_kv_cache, `align_cache` when use_mla and
// VLLM_CUDA_MEM_ALIGN_KV_CACHE, default on) rounds each MLA cache entry up to a multiple of 256 bytes
// (vllm/utils.py align_to_256bytes) and sizes blocks with the padded entry (get_cache_block_size): 576 bf16
// values (1,152 B) take 640 (1,280 B). V0 served MLA by default up to 0.7.x; the V1 engine, the default
// from 0.8.0, sizes MLAAttentionSpec pages without padding.
inline constexpr double kVllmMlaCacheAlignBytes = 256;
inline constexpr int kVllmV1DefaultMinor = 8;
// NCCL peers per collective channel: with two ranks the ring's previous and next rank are the one peer and
// the tree reuses its connectors; with more ranks a rank connects its ring neighbours and its tree
// neighbours, two peers per channel (acc10's reading of NCCL 2.20.5 transport.cc ncclTransportP2pConnect,
// docs/memory-model.md "NCCL's buffers"): the connection buffers that kNcclBytes stands for double.
inline constexpr double kNcclPeersAboveTwoRanks = 2;

// NCCL's NVLS (NVSwitch multicast) buffers: a communicator of more than two GPUs on an sm90+ NVSwitch system
// (src/transport/nvls.cc ncclNvlsInit: NCCL_NVLS_ENABLE 2 enables it when CU_DEVICE_ATTRIBUTE_MULTICAST_SUPPORTED,
// never at gpuCount <= 2) has every GPU cuMemCreate, at communicator init before NCCL 2.22 (ncclNvlsSetup),
// nChannels x 2 x (buffSize + NVLS_MEM_ALIGN_SIZE 2 MiB) x nHeads, nChannels the collective channels and
// nHeads the node's GPUs (graph/search.cc: the intra-node NVLS graph has min = max channels = GPU count).
// buffSize: NCCL 2.20.5 the Simple protocol's NCCL_BUFFSIZE (4 MiB); 2.21.5 NCCL_NVLS_CHUNKSIZE 128 KiB x
// NCCL_STEPS 8 = 1 MiB (tags v2.20.5-1, v2.21.5-1). vLLM's pynccl loads torch's NCCL and creates the TP
// group's communicator at start-up, after the memory baseline V0 takes in init_device (warm-up all-reduce
// in PyNcclCommunicator.__init__), so the profile charges it as non-torch memory. The NCCL by release:
// vLLM 0.7-0.8 torch 2.5.1 / 2.6.0 (NCCL 2.21.5); before 0.7 counted at 2.20.5's larger buffer (torch 2.4,
// vLLM up to 0.6.3); from 0.9 (torch 2.7, NCCL 2.26) the buffers are set up lazily at the first NVLS
// collective and their size was not traced: not counted (vLLM 0.17+ has its measured TP constant).
inline constexpr double kNcclCollChannels = 24;  // 6 rings x2 (ncclTopoDupChannels) x2 (ncclTopoPostset), acc10
inline constexpr double kNcclNvlsAlignBytes = 2.0 * 1024 * 1024;
inline constexpr double kNcclBuffSizeBytes = 4.0 * 1024 * 1024;
inline constexpr double kNcclNvlsChunkBytes = 128.0 * 1024 * 8;
inline constexpr int kVllmNcclNvlsChunkMinor = 7;
inline constexpr int kVllmNcclLazyMinor = 9;
// NVLS bytes per GPU for a vLLM engine at `tp` on `gpu` (0 without multicast NVSwitch, at tp <= 2, from 0.9).
double vllm_nvls_bytes(const VllmVersion& version, double tp, const GpuSpec* gpu);
std::string vllm_nvls_formula(const VllmVersion& version, double tp);

// What each GPU of a vLLM engine holds beyond the weights divided by tp x pp.
struct VllmExtraWeights {
  double replicated = 0;   // ReplicatedLinear layers (MLA down-projections, MoE routers) beyond their 1/tp share
  double absorbed = 0;     // vLLM 0.7's absorbed MLA decode matrices
  double dequantized = 0;  // a quantized checkpoint's kv_b_proj kept dequantized
  double total() const { return replicated + absorbed + dequantized; }
  std::string formula;
};
// `moe_layers`: the stack's MoE layers (the routers' count).
VllmExtraWeights vllm_extra_weights(const TransformerStack& s, const InferenceSettings& inf, double moe_layers);
// Adds them to a weights line: `weights` += their bytes, `formula` += their formula.
void add_vllm_extra_weights(double& weights, std::string& formula, const TransformerStack& s, const InferenceSettings& inf,
                            double moe_layers);
// Bytes of one MLA cache entry per layer as the release allocates it (kv_lora_rank + qk_rope_head_dim
// values, padded to kVllmMlaCacheAlignBytes under V0).
double vllm_mla_cache_entry_bytes(const TransformerStack& s, double kv_bytes, const VllmVersion& version);
// That entry over the unpadded one: the factor on the latent's bytes per token (1 for other attention).
double vllm_kv_pad_factor(const TransformerStack& s, double kv_bytes, const VllmVersion& version);
// vLLM before 0.7.1 ran DeepSeek's attention as multi-head attention and cached per-head keys and values
// (PR #12528 brought the latent cache); the estimate counts the latent.
inline constexpr const char* kVllmPreLatentWarning =
    "vLLM before 0.7.1 caches DeepSeek MLA's decompressed per-head keys and values, not the latent counted here: its "
    "pool holds far fewer tokens than shown";

}  // namespace vramplan::memory
