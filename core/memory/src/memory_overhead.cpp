// Memory outside the live tensors: the CUDA context and NCCL (non-PyTorch memory that nvidia-smi
// shows) and the PyTorch caching allocator's cache (reserved minus allocated). The constants and
// the measurements behind them are in vramplan/memory.hpp and listed by memory_constants().
#include <vector>

#include "vramplan/memory.hpp"
#include "vramplan/memory_vllm.hpp"

namespace vramplan {
namespace memory {

double cuda_context_bytes(double gpus_in_process_group) {
  return kCudaContextBytes + (gpus_in_process_group > 1 ? kNcclBytes : 0.0);
}

double allocator_bytes(double transient_bytes) { return kAllocatorTransientFraction * transient_bytes; }

// The stack's context replaces kCudaContextBytes; NCCL buffers (the rest of the line) stay.
Range cuda_context_range(double context_bytes) {
  const double others = context_bytes > kCudaContextBytes ? context_bytes - kCudaContextBytes : 0.0;
  return {kCudaContextLazyLowBytes + others, kCudaContextEagerBytes + others};
}

Range allocator_range(double bytes) {
  return {bytes * kBandAllocatorLowFraction / kAllocatorTransientFraction,
          bytes * kBandAllocatorHighFraction / kAllocatorTransientFraction};
}

Range band_range(BandKind kind, double bytes) {
  switch (kind) {
    case BandKind::params: return {bytes * (1 - kBandParamsLowFraction), bytes * (1 + kBandParamsHighFraction)};
    case BandKind::activations:
      return {bytes * (1 - kBandActivationsLowFraction), bytes * (1 + kBandActivationsHighFraction)};
    case BandKind::logits: return {bytes * (1 - kBandLogitsLowFraction), bytes * (1 + kBandLogitsHighFraction)};
    case BandKind::exact: break;
  }
  return {bytes, bytes};
}

double shifted_loss_reserve_bytes(double tokens, double vocab, const ReleaseVersion& transformers) {
  if (!transformers.before(4, kTransformersPaddedLabelsMinor)) return 0.0;
  return tokens * vocab * 4.0 * kShiftedLossExtraFp32Blocks;
}

}  // namespace memory

namespace {

// The uncertainty band's ends (docs/memory-model.md "Uncertainty band", tools/band_derivation.py).
std::vector<ConstantInfo> band_constants() {
  using namespace memory;
  return {
      {"kCudaContextLazyLowBytes", kCudaContextLazyLowBytes, "bytes",
       "uncertainty band, low end of the CUDA context: lazy module loading after one tensor op, 287,047,680 B "
       "(pytorch/pytorch PR #86509)"},
      {"kCudaContextEagerBytes", kCudaContextEagerBytes, "bytes",
       "uncertainty band, high end of the CUDA context: eager module loading (PyTorch < 1.13 or CUDA < 11.7), 1343 MB "
       "(transformers docs model_memory_anatomy.md; '>1000MB', pytorch issue #107667)"},
      {"kBandParamsLowFraction", kBandParamsLowFraction, "fraction",
       "uncertainty band, low end of parameter lines (weights, adapters, gradients, optimizer states), below the "
       "line: largest weights over-estimate of the calibration records, g11a -3.3% (tools/band_derivation.py)"},
      {"kBandParamsHighFraction", kBandParamsHighFraction, "fraction",
       "uncertainty band, high end of parameter lines: largest weights under-estimate, g12a +1.8%"},
      {"kBandActivationsLowFraction", kBandActivationsLowFraction, "fraction",
       "uncertainty band, low end of activations (and an HF generate KV cache), below the line: g11a -53.4%"},
      {"kBandActivationsHighFraction", kBandActivationsHighFraction, "fraction",
       "uncertainty band, high end of activations: g19a +22.9% (Gemma-2 generate growth)"},
      {"kBandLogitsLowFraction", kBandLogitsLowFraction, "fraction",
       "uncertainty band, low end of logits / log-prob tensors, below the line: g23a -28.9% (-32.8% before acc12)"},
      {"kBandLogitsHighFraction", kBandLogitsHighFraction, "fraction",
       "uncertainty band, high end of logits / log-prob tensors: g07a +2.0% (Gemma 2's final-logit softcap keeps "
       "its tanh output for backward)"},
      {"kBandAllocatorLowFraction", kBandAllocatorLowFraction, "fraction",
       "uncertainty band, low end of the allocator's cache as a fraction of transient memory: g10a 5.3%"},
      {"kBandAllocatorHighFraction", kBandAllocatorHighFraction, "fraction",
       "uncertainty band, high end of the allocator's cache: g05a 84.7% (g07a 82.9%, eager attention)"},
  };
}

// The loss's reserved-level block (train.transformers_version before 4.49, docs/memory-model.md "Logits and loss").
std::vector<ConstantInfo> loss_reserve_constants() {
  using namespace memory;
  return {{"kShiftedLossExtraFp32Blocks", kShiftedLossExtraFp32Blocks, "logits blocks",
           "transformers < 4.49: the shifted logits copy leaves the loss's full-shape gradient no free block of "
           "its size (CUDACachingAllocator get_free_block), so one more of the loss's dtype is reserved (fp32; 16 bit "
           "for a model's own loss without upcast); reserved and device levels only"},
          {"kOwnLossLogitCopies", kOwnLossLogitCopies, "logits-dtype tensors",
           "a model's own causal-LM loss without upcast (transformers gpt_bigcode GPTBigCodeForCausalLM.forward "
           "before 4.49, no autocast): logits, shifted copy, log-softmax output in forward; that output, nll_loss's "
           "and log_softmax's gradients in backward"}};
}

// vLLM's engine constants (docs/memory-model.md "vllm engine"), keyed by release where they changed.
std::vector<ConstantInfo> vllm_constants() {
  using namespace memory;
  return {
      {"kVllmBlockSize", kVllmBlockSize, "tokens", "vLLM CacheConfig block_size default 16"},
      {"kVllmLargeGpuMaxSeqs", kVllmLargeGpuMaxSeqs, "sequences",
       "vLLM get_batch_defaults: max_num_seqs 1024 on GPUs >= 70 GiB that are not A100"},
      {"kVllmLargeGpuBatchedTokens", kVllmLargeGpuBatchedTokens, "tokens",
       "vLLM get_batch_defaults: max_num_batched_tokens 8192 (serve) on GPUs >= 70 GiB that are not A100"},
      {"kVllmSmallGpuMaxSeqs", kVllmSmallGpuMaxSeqs, "sequences", "vLLM get_batch_defaults: max_num_seqs 256 otherwise"},
      {"kVllmSmallGpuBatchedTokens", kVllmSmallGpuBatchedTokens, "tokens",
       "vLLM get_batch_defaults: max_num_batched_tokens 2048 (serve) otherwise"},
      {"kVllmSamplerFp32CopiesCurrent", kVllmSamplerFp32CopiesCurrent, "copies",
       "vLLM >= 0.17 profiling sampler peak in fp32 copies of max_num_seqs x vocab logits: no top-k/top-p sort in "
       "the dummy run (16-bit logits, fp32 copy, fp32 scores); Qwen3-14B 2.2 GiB current vs 5.6 GiB legacy"},
      {"kVllmSamplerChangeMinor", kVllmSamplerChangeMinor, "version",
       "vLLM 0.x release from which kVllmSamplerFp32CopiesCurrent applies (the llm-d legacy figures are pre-v0.17)"},
      {"kVllmSamplerFp32Copies", kVllmSamplerFp32Copies, "copies",
       "vLLM profiling sampler peak in fp32 copies of max_num_seqs x vocab logits; fitted to m111, m112, m113, "
       "m115, m116 (9.5-9.7), checked on m114, m117, m119"},
      {"kVllmNonTorchBytes", kVllmNonTorchBytes, "bytes",
       "vLLM < 0.18 non-torch memory increase, TP=1 (m111-m113, m115, m116); + kNcclBytes with tp or pp > 1"},
      {"kVllmNonTorchBytesCurrent", kVllmNonTorchBytesCurrent, "bytes",
       "vLLM >= 0.18 non-torch memory increase, TP=1: llm-d-planner version sweep (Qwen3-14B 0.13 GiB up to 0.17, "
       "0.25 GiB from 0.18), 0.24-0.27 GiB in its 0.19 logs"},
      {"kVllmNonTorchChangeMinor", kVllmNonTorchChangeMinor, "version",
       "vLLM 0.x release from which kVllmNonTorchBytesCurrent applies"},
      {"kVllmTpNonTorchBytesCurrent", kVllmTpNonTorchBytesCurrent, "bytes",
       "vLLM >= 0.17 non-torch increase with TP >= 2: all-reduce buffers allocated by the profiled forward (NCCL "
       "lazy channel connect, FlashInfer all-reduce fusion workspace, symmetric-memory all-reduce); llm-d-planner "
       "v0.19.0 logs Llama-3.1-8B TP4 2.13 GiB and Qwen2.5-7B TP2 2.06 GiB (not validation records)"},
      {"kVllmTpNonTorchChangeMinor", kVllmTpNonTorchChangeMinor, "version",
       "vLLM 0.x release from which kVllmTpNonTorchBytesCurrent applies (0.17-0.18 unmeasured: the larger, safer "
       "value)"},
      {"kVllmCudaGraphBaseBytes", kVllmCudaGraphBaseBytes, "bytes",
       "vLLM CUDA graph pool, the first capture's working set (outside gpu_memory_utilization: captured after "
       "the KV pool); vLLM 0.19 logged pools 0.51-1.79 GiB over 8-80 layers per GPU"},
      {"kVllmCudaGraphLayerBytes", kVllmCudaGraphLayerBytes, "bytes",
       "vLLM CUDA graph pool per decoder layer on the GPU (piecewise graphs split at each attention layer, 102 "
       "graphs of capture sizes 1..512)"},
      {"kVllmMlaAbsorbedMinor", kVllmMlaAbsorbedMinor, "version",
       "vLLM 0.x release that keeps MLA's absorbed W_Q_UK / W_UV_O / W_QR beside the raw projections (PR #12528 in "
       "0.7.1, removed by PR #14770 in 0.8.0)"},
      {"kVllmMlaDequantFp32Bytes", kVllmMlaDequantFp32Bytes, "bytes",
       "vLLM 0.7: a quantized kv_b_proj kept dequantized by the W_UK / W_UV views, scaled_dequantize's fp32 output "
       "(from 0.8: the activation dtype)"},
      {"kVllmMlaCacheAlignBytes", kVllmMlaCacheAlignBytes, "bytes",
       "vLLM V0 CacheEngine align_to_256bytes: each MLA cache entry padded to a multiple of 256 B (576 bf16 values "
       "take 640)"},
      {"kVllmV1DefaultMinor", kVllmV1DefaultMinor, "version",
       "vLLM 0.x release from which the V1 engine (MLAAttentionSpec, no entry padding) serves MLA by default"},
      {"kNcclPeersAboveTwoRanks", kNcclPeersAboveTwoRanks, "peers",
       "NCCL connections per collective channel with more than two ranks (ring and tree neighbours differ): "
       "kNcclBytes counted this many times for vLLM before 0.17 at tp > 2"},
      {"kNcclCollChannels", kNcclCollChannels, "channels",
       "NCCL collective channels on an NVSwitch node: 6 rings x2 (ncclTopoDupChannels) x2 (ncclTopoPostset)"},
      {"kNcclNvlsAlignBytes", kNcclNvlsAlignBytes, "bytes", "NCCL nvls.cc NVLS_MEM_ALIGN_SIZE per NVLS buffer"},
      {"kNcclBuffSizeBytes", kNcclBuffSizeBytes, "bytes", "NCCL_BUFFSIZE default, NCCL 2.20.5's NVLS buffer (vLLM before 0.7)"},
      {"kNcclNvlsChunkBytes", kNcclNvlsChunkBytes, "bytes",
       "NCCL 2.21.5 NVLS buffer: NCCL_NVLS_CHUNKSIZE 128 KiB x NCCL_STEPS 8 (vLLM 0.7-0.8, torch 2.5.1 / 2.6.0)"},
      {"kVllmNcclNvlsChunkMinor", kVllmNcclNvlsChunkMinor, "version", "vLLM 0.x release from which NCCL 2.21.5's NVLS buffer applies"},
      {"kVllmNcclLazyMinor", kVllmNcclLazyMinor, "version",
       "vLLM 0.x release from which torch's NCCL (2.26+) sets NVLS up lazily: not counted"},
      {"kDriverReservedBytes", kDriverReservedBytes, "bytes",
       "nvidia-smi total minus cudaMemGetInfo total on H100 SXM: 81,559 MiB vs 79.18 GiB (m111-m118)"},
      {"kVllmLlmClassLargeGpuBatchedTokens", kVllmLlmClassLargeGpuBatchedTokens, "tokens",
       "vLLM get_batch_defaults: max_num_batched_tokens 16384 for the offline LLM class (RL rollout engines) on "
       "GPUs >= 70 GiB that are not A100"},
      {"kVllmLlmClassSmallGpuBatchedTokens", kVllmLlmClassSmallGpuBatchedTokens, "tokens",
       "vLLM get_batch_defaults: max_num_batched_tokens 8192 for the offline LLM class otherwise"},
  };
}

std::vector<ConstantInfo> with_vllm_and_band(std::vector<ConstantInfo> constants) {
  for (ConstantInfo& c : vllm_constants()) constants.push_back(c);
  for (ConstantInfo& c : loss_reserve_constants()) constants.push_back(c);
  for (ConstantInfo& c : band_constants()) constants.push_back(c);
  return constants;
}

}  // namespace

const std::vector<ConstantInfo>& memory_constants() {
  using namespace memory;
  static const std::vector<ConstantInfo> kConstants = with_vllm_and_band({
      {"kCudaContextBytes", kCudaContextBytes, "bytes",
       "CUDA context + kernels + cuBLAS/cuDNN workspaces with lazy module loading; reference README (0.3-0.6 GiB "
       "on recent drivers); old eager-loading stacks: kCudaContextEagerBytes (cuda_module_loading eager)"},
      {"kNcclBytes", kNcclBytes, "bytes",
       "NCCL communicator buffers and custom all-reduce workspace for > 1 GPU; vLLM non-torch memory TP=2 minus "
       "TP=1 (m114 - m113, m117 - m118)"},
      {"kAllocatorTransientFraction", kAllocatorTransientFraction, "fraction",
       "caching-allocator cache as a fraction of transient memory at the peak; judgment between m043 (1% for "
       "persistent tensors) and m125 (24% over a whole RL step)"},
      {"kCrossEntropyFp32Copies", kCrossEntropyFp32Copies, "copies",
       "fp32 tokens x vocab tensors alive in cross-entropy's backward (log-softmax output, incoming and outgoing "
       "gradients): torch log_softmax/nll_loss autograd formulas"},
      {"kAdamForeachTempStates", kAdamForeachTempStates, "states",
       "torch.optim.AdamW foreach step temporary (exp_avg_sq_sqrt), torch/optim/adam.py _multi_tensor_adam"},
      {"kGatheredUnits", kGatheredUnits, "units",
       "ZeRO-3/FSDP all-gathered units: the one computing + the prefetched one (FSDP BACKWARD_PRE prefetch)"},
      {"kFsdpPendingFreeUnits", kFsdpPendingFreeUnits, "units",
       "FSDP1: freed all-gathered blocks awaiting their record_stream event, reserved on the unshard stream "
       "(torch fsdp _limiter_utils.py _max_num_inflight_all_gathers = 2; CUDACachingAllocator free/insert_events)"},
      {"kMoeDispatchBuffers", kMoeDispatchBuffers, "copies",
       "expert-parallel all-to-all: the permuted top-k tokens of one MoE layer in the send and the receive "
       "buffer (Megatron-Core MoEAlltoAllTokenDispatcher), balanced routing"},
      {"kTeFp8TensorsPerGemm", kTeFp8TensorsPerGemm, "fp8 tensors",
       "Transformer Engine scaling state per GEMM: input, weight, output (forward) and grad output, grad input "
       "(backward); transformer_engine/pytorch/module/base.py set_meta_tensor"},
      {"kMxfp8BlockSize", kMxfp8BlockSize, "values", "MXFP8: one E8M0 scale byte per 32 values (TE MXFP8Quantizer)"},
      {"kNf4BlockSize", kNf4BlockSize, "weights", "bitsandbytes quantize_4bit blocksize=64"},
      {"kNf4SecondBlockSize", kNf4SecondBlockSize, "absmax values",
       "bitsandbytes double quantization of the absmax: quantize_blockwise(absmax, blocksize=256)"},
      {"kAdam8bitBlockSize", kAdam8bitBlockSize, "state values",
       "bitsandbytes Optimizer2State block-wise 8-bit states, one fp32 absmax per 256 values"},
      {"kAdam8bitMinSize", kAdam8bitMinSize, "elements",
       "bitsandbytes min_8bit_size=4096: smaller tensors keep fp32 states"},
      {"kInt4GroupSize", kInt4GroupSize, "weights", "GPTQ/AWQ group_size=128 (one fp16 scale + 4-bit zero per group)"},
      {"kInt4GroupBytes", kInt4GroupBytes, "bytes",
       "GPTQ/AWQ per-group metadata: one fp16 scale (2 bytes) + one packed 4-bit zero point (0.5 bytes) per "
       "kInt4GroupSize weights (AutoGPTQ/AutoAWQ defaults, vLLM gptq/awq layers)"},
      {"kLogProbFp32Copies", kLogProbFp32Copies, "copies",
       "naive RL log-probs: fp32 tokens x vocab tensors besides the 16-bit logits (fp32 upcast, log_softmax "
       "output, gradient): verl logprobs_from_logits_naive, NeMo RL ClippedPGLossFn"},
      {"kFusedLogitGradCopies", kFusedLogitGradCopies, "copies",
       "fused RL training: 16-bit tokens x vocab gradients at the loss's backward (flash-attn CrossEntropyLoss "
       "with inplace_backward=False when verl computes the entropy bonus, plus the entropy's gradient)"},
      {"kSelectiveLogitBytes", kSelectiveLogitBytes, "bytes",
       "TRL RL log-probs: logits reach the loss in fp32 (accelerate prepare_model: autocast + "
       "convert_outputs_to_fp32 under the Trainer's bf16/fp16 flag)"},
      {"kSelectiveLogitCopies", kSelectiveLogitCopies, "copies",
       "TRL RL training: fp32 [positions x vocab] tensors at the loss's peak (selective_log_softmax row loop: "
       "logits + saved log_softmax outputs, or their gradient and its stack)"},
  });
  return kConstants;
}

}  // namespace vramplan
