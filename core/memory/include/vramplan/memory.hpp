#pragma once
// Component functions of the memory model: each takes narrow inputs and returns bytes (double; exact
// for integers below 2^53, and never overflowing). Formulas and their sources are cited in the .cpp
// files (core/memory/src/memory_*.cpp) and collected in docs/memory-model.md. No allocation, no strings.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "vramplan/model.hpp"
#include "vramplan/text_format.hpp"
#include "vramplan/params.hpp"
#include "vramplan/scenario.hpp"

namespace vramplan::memory {

inline constexpr double kGiB = kBytesPerGiB;

// ---------------------------------------------------------------------------------------------
// Named constants. Each says what it is, where it comes from, and which measurements support it
// (ids of the measured records in tests/validation/, taken from the project's reference set).

// bitsandbytes 4-bit (NF4) quantization: one absmax per block of 64 weights (quantize_4bit default
// blocksize=64); with double quantization (bnb_4bit_use_double_quant / compress_statistics=True) the
// fp32 absmax values are themselves quantized to 8 bit in blocks of 256, each block keeping one fp32
// absmax (bitsandbytes/functional.py quantize_4bit -> quantize_blockwise(absmax, blocksize=256)).
inline constexpr double kNf4BlockSize = 64;
inline constexpr double kNf4SecondBlockSize = 256;
// bitsandbytes 8-bit optimizers (Adam8bit, AdamW8bit): block-wise state quantization with one fp32
// absmax per 256 state values (bitsandbytes/optim/optimizer.py Optimizer2State.init_state:
// blocks = ceil(n / 256), absmax float32); tensors with fewer than min_8bit_size = 4096 elements keep
// fp32 states.
inline constexpr double kAdam8bitBlockSize = 256;
inline constexpr double kAdam8bitMinSize = 4096;
// Group-wise int4 weight formats (GPTQ / AWQ, group_size 128): one fp16 scale and one packed 4-bit
// zero point per group of 128 weights (AutoGPTQ / AutoAWQ defaults, vLLM's gptq/awq layers).
inline constexpr double kInt4GroupSize = 128;
inline constexpr double kInt4GroupBytes = 2.5;  // fp16 scale (2) + 4-bit zero point (0.5)
// Cross-entropy over the vocabulary: fp32 tensors of tokens x vocab live at its backward: the
// log-softmax output it saves, the gradient coming from nll_loss and the gradient it produces
// (torch.nn.functional.cross_entropy = log_softmax + nll_loss; log_softmax_backward_data), on top
// of the logits in the compute dtype that the model returns (transformers ForCausalLMLoss upcasts
// them with logits.float()). Checked against m024 (Llama-3.2-3B, 8192 tokens x 128256 vocab).
inline constexpr double kCrossEntropyFp32Copies = 3;
// transformers' causal-LM loss before 4.49 (loss/loss_utils.py ForCausalLMLoss in 4.46-4.48, each model's
// own loss before) upcasts the logits and copies the shifted slice, `logits.float()` then
// `logits[..., :-1, :].contiguous()`: cross-entropy's tensors have b x (s - 1) rows, the logits and the
// slice's backward (SliceBackward: fp32 zeros of the full shape) b x s rows. The caching allocator serves a
// request only from a free block at least as large, and never merges blocks of different segments (tensors
// of 10 MiB and more get a segment of their own; c10/cuda/CUDACachingAllocator.cpp get_free_block,
// get_allocation_size), so that full-shape fp32 gradient finds only shifted-shape fp32 blocks free and takes
// a new segment: the loss phase reserves one fp32 logits block more than it ever allocates at once (18 B per
// logit against 14 B). transformers PR #35646 (January 2025) pads the labels instead, so from 4.49 every loss
// tensor has the full shape and reuses the others' blocks (14 B reserved: the logits line itself).
inline constexpr double kShiftedLossExtraFp32Blocks = 1;
inline constexpr int kTransformersPaddedLabelsMinor = 49;  // first 4.x release whose loss pads the labels
// A model whose own forward computes the loss without upcasting (GPTBigCodeForCausalLM.forward in
// transformers 4.x: `shift_logits = lm_logits[..., :-1, :].contiguous()`, then CrossEntropyLoss on them) keeps
// every loss tensor in the logits' dtype when no autocast casts log_softmax's input: the logits, the shifted
// copy and log_softmax's output in forward; that output, nll_loss's gradient and log_softmax's gradient in
// backward (the logits dropped with the Trainer's outputs): this many tensors of the logits' dtype either way.
inline constexpr double kOwnLossLogitCopies = 3;
// torch.optim.AdamW's default multi-tensor (foreach) step allocates one temporary the size of the
// second-moment state (torch/optim/adam.py _multi_tensor_adam: exp_avg_sq_sqrt = _foreach_sqrt(...)).
inline constexpr double kAdamForeachTempStates = 1;
// ZeRO-3 / FSDP: parameters of the unit being computed plus the prefetched next unit are
// all-gathered in full (FSDP BackwardPrefetch.BACKWARD_PRE and forward prefetch; DeepSpeed
// stage3_prefetch_bucket_size), and the unit's full gradient exists before its reduce-scatter.
inline constexpr double kGatheredUnits = 2;
// FSDP1 (torch.distributed.fsdp.FullyShardedDataParallel: accelerate's fsdp_version 1, the HF Trainer's and
// TRL's FSDP, verl's "fsdp" strategy) frees a block's all-gathered flat parameter with record_stream on the
// compute stream (torch/distributed/fsdp/_flat_param.py FlatParamHandle._free_unsharded_flat_param:
// _no_dispatch_record_stream, then _free_storage). The caching allocator lowers allocated_bytes at free()
// but keeps a block with stream uses out of its pool until the recorded event completes (c10/cuda/
// CUDACachingAllocator.cpp DeviceCachingAllocator::free -> insert_events), and gives a free block only to
// an allocation on the stream that made it (get_free_block: (*it)->stream != p.stream() -> not found).
// With limit_all_gathers (accelerate's default) the CPU runs at most this many freed units ahead of the
// GPU before _unshard waits on the oldest free event (torch/distributed/fsdp/_limiter_utils.py
// _FreeEventQueue._max_num_inflight_all_gathers = 2): the unshard stream's pool holds them besides the
// gathered units, reserved but not allocated. FSDP2 (fully_shard) does not use record_stream.
inline constexpr double kFsdpPendingFreeUnits = 2;
// CUDA context, kernel images and library workspaces (cuBLAS, cuDNN) that nvidia-smi shows beyond
// PyTorch's reserved memory, with lazy module loading (CUDA >= 11.7, PyTorch >= 2.0 default).
// Source: reference/README.md "0.3-0.6 GiB on recent drivers"; vLLM's profiler reports 0.13-0.14 GiB
// of non-torch memory on top of an already created context (m111-m113, m118). Older stacks that
// load every kernel eagerly show about 1.3 GB (m080: 1343 MB on a V100 with CUDA 11): the scenario key
// cuda_module_loading eager uses kCudaContextEagerBytes instead (core/plan/src/scenario_estimate.cpp).
// Measured on the lent H100 (torch 2.11 + CUDA 13.0, driver 580): 0.69 GiB for a process that ran one
// matmul, and nvidia-smi minus max_memory_reserved of 0.67-0.78 GiB over the 28 g-records. Raising the
// constant to 0.7 GiB made the device-level median of all 40 device records worse (6.95% -> 7.3%): older
// stacks in the other records use less, so 0.5 stays, and the g-records read about 0.2 GiB low.
inline constexpr double kCudaContextBytes = 0.5 * kGiB;
// The uncertainty band's ends for the CUDA context (docs/memory-model.md "Uncertainty band"): the
// context depends on the stack, which no scenario key names. Low: lazy module loading with few kernels
// loaded, 287,047,680 bytes after one tensor op (pytorch/pytorch PR #86509, "[1.13] Sets
// CUDA_MODULE_LOADING to LAZY"). High: eager loading (PyTorch < 1.13, CUDA < 11.7, CUDA_MODULE_LOADING=EAGER,
// or an R525-R530 driver initialized before PyTorch sets the variable: docs/scenario.md) loads every kernel of the loaded libraries: "the CUDA kernels alone take up
// 1.3GB" (transformers docs/source/en/model_memory_anatomy.md, 1343 MB), ">1000MB" before CUDA 11.7
// (ptrblck, pytorch/pytorch issue #107667).
inline constexpr double kCudaContextLazyLowBytes = 287047680.0;
inline constexpr double kCudaContextEagerBytes = 1343.0 * 1024 * 1024;
// NCCL communicator buffers and custom all-reduce workspaces once a process group of more than one GPU
// exists. Source: vLLM non-torch memory with TP=2 minus TP=1 on H100: 0.54 - 0.13 GiB (m114, m113) and
// 0.55 - 0.14 GiB (m117, m118).
inline constexpr double kNcclBytes = 0.4 * kGiB;
// Caching-allocator overhead: fraction of the transient (activation, logits and optimizer-step)
// memory that the PyTorch caching allocator holds beyond what is allocated at the peak (block
// rounding to 2 MiB and split blocks that cannot be reused for other sizes). Persistent tensors
// (weights, states) allocated once fragment little: m043 reserved/allocated = 6.27/6.21 GiB (1%).
// Training peaks: m125 reserved/allocated = 25.76/20.76 GB (24%, an RL step with more phases). The
// value 0.10 is a judgment between the two, not fitted to a record.
inline constexpr double kAllocatorTransientFraction = 0.10;
// Uncertainty band per component kind (docs/memory-model.md "Uncertainty band"). Each pair is the
// largest over- and under-estimate of that kind among the calibration records that isolate it, as a
// fraction of the kind's estimated bytes: Low is how far below the line the low end lies, High how far
// above it the high end lies (tools/band_derivation.py prints them and, as ctest band_constants, checks
// that they cover every calibration record; the 28 g-records of the lent H100 measure weights_allocated,
// peak_allocated, peak_reserved and device_process separately).
// The residual of an allocated peak is charged to the transient kind holding most of its bytes (weights
// and optimizer states are parameter arithmetic, checked by the weights line). Held-out records
// (`"sample": "held_out"`) are never read by the derivation: their coverage is the band's test
// (docs/validation/accuracy.md). Parameters (weights, adapters, gradients, optimizer states, gathered
// units): weights_allocated -3.3% (g11a) to +1.8% (g12a).
inline constexpr double kBandParamsLowFraction = 0.035;
inline constexpr double kBandParamsHighFraction = 0.02;
// Activations (and an HF generate KV cache, which grows by concatenation): -53.4% (g11a) to +22.9%
// (g19a, Gemma-2 generate).
inline constexpr double kBandActivationsLowFraction = 0.54;
inline constexpr double kBandActivationsHighFraction = 0.23;
// Logits and log-prob tensors: -28.9% (g23a) to +2.0% (g07a: Gemma 2's final-logit softcap keeps its tanh output for
// backward, not in the line; the line is the loss beyond the backward's side since acc12).
inline constexpr double kBandLogitsLowFraction = 0.33;
inline constexpr double kBandLogitsHighFraction = 0.02;
// The allocator's cache (reserved - allocated) as a fraction of the transient bytes: 5.3% (g10a) to
// 84.7% (g05a; g07a 82.9%: eager attention's differently sized score temporaries; both of the smaller transient
// since acc12). The expected line is kAllocatorTransientFraction.
inline constexpr double kBandAllocatorLowFraction = 0.05;
inline constexpr double kBandAllocatorHighFraction = 0.85;
// vLLM paged KV cache: tokens per block (vllm CacheConfig block_size default 16).
inline constexpr double kVllmBlockSize = 16;
// vLLM engine defaults for the profiling run (vllm/engine/arg_utils.py get_batch_defaults, v0.8+):
// GPUs with >= 70 GiB that are not A100: max_num_seqs 1024, max_num_batched_tokens 8192 (serve);
// otherwise 256 and 2048.
inline constexpr double kVllmLargeGpuMaxSeqs = 1024;
inline constexpr double kVllmLargeGpuBatchedTokens = 8192;
inline constexpr double kVllmSmallGpuMaxSeqs = 256;
inline constexpr double kVllmSmallGpuBatchedTokens = 2048;
// vLLM's profiling run ends with a dummy sampler run over max_num_seqs x vocab logits in fp32 (top-k /
// top-p sort values and int64 indices, softmax, masks, scatter). Its peak, in fp32 copies of that
// logits tensor, read off vLLM's "torch peak memory increase": 4.76 GiB for Llama-3.1-8B (m111),
// 5.56 GiB for Qwen3-0.6B (m112), 5.64 GiB for Qwen3-32B (m113), 7.38 GiB for gpt-oss-20b/120b
// (m115, m116): all 9.5-9.7 copies at 1024 sequences. Fitted to those five; checked on m114, m117
// (4.84 GiB for Llama-3.3-70B, TP=2) and m119 (older vLLM, 256 sequences: 1.26 GiB).
inline constexpr double kVllmSamplerFp32Copies = 9.6;
// The same reserve in current vLLM releases, keyed by version (inference.vllm_version,
// rl.rollout.vllm_version): the llm-d measurements above are labelled "pre-v0.17"; with the same flags the
// current releases profile about 2.2 GiB for Qwen3-14B where the legacy profile took 5.6 GiB (issue 20's
// figure). The current runner's dummy sampler registers no sampling parameters, so top-k/top-p (the sort's
// fp32 values and int64 indices) and logits processing never run during profiling (vllm/v1/worker/gpu/
// model_runner.py _dummy_sampler_run: "the sampler may skip top_k, top_p, and logprobs"; PR #57926); what is
// left is the 16-bit logits, their fp32 copy and the sampling pass's fp32 scores: 3.5 fp32 copies, which
// gives 2.1 GiB (sampler) + 0.08 GiB (hidden states) for Qwen3-14B's 1024 x 151936 logits. One published
// figure supports it; releases before 0.17 keep kVllmSamplerFp32Copies.
inline constexpr double kVllmSamplerFp32CopiesCurrent = 3.5;
inline constexpr int kVllmSamplerChangeMinor = 17;  // first 0.x release profiled with the current sampler run
// vLLM's non-torch memory increase during profiling with TP=1 (m111-m113, m115, m116: 0.13 GiB,
// m118: 0.14 GiB). With TP > 1, kNcclBytes is added. Releases before kVllmNonTorchChangeMinor.
inline constexpr double kVllmNonTorchBytes = 0.13 * kGiB;
// The same increase from vLLM 0.18 on: llm-d-planner's version sweep (accuracy/accuracy_report.md, commit
// d3121e0, Qwen3-14B TP1 on H100) logs 0.13 GiB for 0.15-0.17 and 0.25 GiB for 0.18; the 0.19 TP1 logs
// show 0.24-0.27 GiB. Since 0.18 the snapshot the increase is taken from (vllm/v1/worker/gpu_worker.py
// init_device "worker init memory snapshot", vllm/utils/mem_utils.py memory_profiling: after_profile
// non-torch minus the baseline) counts what the profiled forward adds outside PyTorch's allocator.
inline constexpr double kVllmNonTorchBytesCurrent = 0.25 * kGiB;
inline constexpr int kVllmNonTorchChangeMinor = 18;
// The increase with tensor parallelism in current releases: the first all-reduces of the profiled forward
// allocate their buffers outside PyTorch's allocator after the baseline snapshot: NCCL connects its
// channels lazily on the first collective (NCCL_RUNTIME_CONNECT, NCCL >= 2.22; vLLM 0.19 ships nccl 2.27.5)
// and allocates each channel's send/receive buffers (NCCL_BUFFSIZE 4 MiB per protocol and peer, and NVLS
// multicast buffers on NVSwitch systems), and vLLM >= 0.17 builds FlashInfer's trtllm all-reduce + RMSNorm
// fusion workspace (vllm/distributed/device_communicators/flashinfer_all_reduce.py, "Enabled custom fusions:
// allreduce_rms") beside torch symmetric-memory all-reduce (VLLM_ALLREDUCE_USE_SYMM_MEM=True). The
// communicator created at init (about 1.0 GiB: the worker init snapshot's non-torch memory is 1.51 GiB at
// TP2 vs 0.51 at TP1) is in the baseline and not counted. Value: the two logs of llm-d-planner's vLLM 0.19.0
// TP sweep that are not validation records, Llama-3.1-8B TP4 (2.13 GiB) and Qwen2.5-7B TP2 (2.06 GiB)
// (accuracy_report.md "Sensitivity: Tensor Parallelism"; the sweep's other two, 2.07 and 2.13 GiB, are the
// held-out records h108 and h118 and set nothing); no dependence on hidden size or TP degree shows; the
// older releases' TP2 figure is
// kVllmNonTorchBytes + kNcclBytes (0.53 GiB). 0.17 and 0.18 are not measured at TP >= 2: they get the
// current value, since an over-estimated non-torch line only shrinks the pool (the safe direction).
inline constexpr double kVllmTpNonTorchBytesCurrent = 2.1 * kGiB;
inline constexpr int kVllmTpNonTorchChangeMinor = 17;
// vLLM's CUDA graph pool, captured after the KV pool is allocated (vllm/v1/worker/gpu_worker.py
// compile_or_warm_up_model -> gpu_model_runner.capture_model, after initialize_from_config), so it sits on
// top of gpu_memory_utilization x memory in nvidia-smi; vLLM 0.19 estimates it while profiling but
// subtracts it from the pool only with VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS=1 (False by default in
// 0.19.0's logged environment). Its size in vLLM 0.19 (FULL_AND_PIECEWISE: 51 piecewise + 51 full graphs
// for capture sizes 1..512): one first capture that holds the largest batch's working set (vLLM's
// "Estimated PIECEWISE/FULL CUDA graph memory: ... first-capture": 100-260 MiB each) plus per-graph
// buffers that grow with the layers (piecewise graphs split at every attention layer). Read off vLLM's
// own "CUDA graph pool memory: X GiB (actual)" lines in 34 llm-d-planner v0.19.0 logs (H100): 0.51 GiB at
// 8 layers per GPU (PP4), 0.65 at 16 (PP2), 0.71-0.98 at 26-40, 1.23 at 46, 1.61-1.79 at 80; a base of
// 0.35 GiB plus 16 MiB per layer on the GPU is within 0.15 GiB of each (DeepSeek-V2-Lite's MLA: 1.57 vs
// 0.78, the outlier). Not a KV-pool quantity, so no validation record's level depends on these two.
// inference.enforce_eager / rl.rollout.enforce_eager: no graphs.
inline constexpr double kVllmCudaGraphBaseBytes = 0.35 * kGiB;
inline constexpr double kVllmCudaGraphLayerBytes = 16.0 * 1024 * 1024;
// Memory nvidia-smi counts in the total but cudaMemGetInfo does not offer (driver and ECC reserve);
// vLLM's budget is gpu_memory_utilization x the latter. H100 SXM: 81,559 MiB in nvidia-smi vs
// 79.18 GiB total in vLLM's logs (m111-m118): 0.47 GiB.
inline constexpr double kDriverReservedBytes = 0.47 * kGiB;
// vLLM defaults of the offline LLM class (vllm/engine/arg_utils.py EngineArgs.get_batch_defaults,
// UsageContext.LLM_CLASS), which RL frameworks instantiate (verl vllm_rollout, NeMo RL VllmGeneration,
// TRL vllm_mode=colocate): max_num_batched_tokens 16384 on GPUs with >= 70 GiB that are not A100, 8192
// otherwise (max_num_seqs is the same as for serving: kVllmLargeGpuMaxSeqs / kVllmSmallGpuMaxSeqs).
inline constexpr double kVllmLlmClassLargeGpuBatchedTokens = 16384;
inline constexpr double kVllmLlmClassSmallGpuBatchedTokens = 8192;
// Expert parallelism's all-to-all dispatch (core/memory/src/memory_experts.cpp): the top-k permuted
// copies of a MoE layer's tokens exist twice while they are exchanged, the local send buffer and the
// received buffer (Megatron-Core MoEAlltoAllTokenDispatcher: permuted_local_input_tokens, then
// all_to_all into global_input_tokens; torchtitan's token dispatcher alike), one layer at a time.
// Balanced routing: a rank receives on average what it sends (no capacity factor, no imbalance).
inline constexpr double kMoeDispatchBuffers = 2;

// ---------------------------------------------------------------------------------------------
// RL post-training (core/plan/src/estimate_rl.cpp; docs/memory-model.md "RL").

// Naive log-probabilities and entropy over [tokens x vocab] logits (rl.logprob_kernel "naive"): the
// 16-bit logits plus this many fp32 tensors of the same shape live at once: the fp32 upcast,
// log_softmax's output and the gradient (or, without grad, softmax(logits) x logits of the entropy).
// Sources: verl/utils/torch_functional.py logprobs_from_logits_naive + entropy_from_logits; NeMo RL
// ClippedPGLossFn (logits.to(torch.float32) then log_softmax). TRL loops instead (kSelectiveLogitCopies).
// Same count as kCrossEntropyFp32Copies, whose backward it mirrors.
inline constexpr double kLogProbFp32Copies = 3;
// Fused log-probabilities (rl.logprob_kernel "fused") keep no fp32 [tokens x vocab] tensor beyond the
// 16-bit logits: see logprob_fp32_copies (core/plan/src/estimate_rl.cpp).
// Fused path, training: [tokens x vocab] gradients in the logits' dtype alive at the loss's backward:
// flash-attn's CrossEntropyLoss.backward allocates dlogits = torch.empty_like(logits) because verl
// turns inplace_backward off when the entropy bonus is computed (dp_actor._forward_micro_batch:
// calculate_entropy => inplace_backward=False), and the compiled entropy's backward produces the
// second one before autograd sums them. Without an entropy bonus verl writes the gradient in place (0):
// 2 is the upper bound.
inline constexpr double kFusedLogitGradCopies = 2;
// Selective log-probs (rl.logprob_kernel "selective", TRL GRPOTrainer): the logits reach the loss in fp32
// whenever the Trainer's bf16/fp16 flag is on (GRPOConfig's default), because accelerate's prepare_model
// wraps the forward in autocast and convert_outputs_to_fp32 (accelerate/accelerator.py; fp32 runs: the
// model's own fp32). kSelectiveLogitBytes per element.
inline constexpr double kSelectiveLogitBytes = 4;
// ... and trl/trainer/utils.py selective_log_softmax loops over the sequences of the micro-batch, so only
// one sequence's [positions x vocab] log_softmax (16-bit path) or logsumexp temporary (fp32 path) exists
// at a time besides the logits. With grad, [tokens x vocab] tensors alive at the loss's peak: fp32 path
// (the one taken with fp32 logits): the logits (logsumexp saves its input) and the gradient the rows'
// logsumexp backwards build (UnbindBackward stacks them; the logits are freed once the last row's
// backward ran, before gather's backward adds its zeros-and-scatter gradient); 16-bit path: the logits
// and the saved log_softmax outputs in forward, the row gradients and their stack in backward. 2 either way.
inline constexpr double kSelectiveLogitCopies = 2;

// ---------------------------------------------------------------------------------------------
// Linear layers of the text stack, for quantization, LoRA targets and Adafactor factoring.

enum ModuleKind : std::uint32_t {
  kModQ = 1u << 0,
  kModK = 1u << 1,
  kModV = 1u << 2,
  kModO = 1u << 3,
  kModGate = 1u << 4,
  kModUp = 1u << 5,
  kModDown = 1u << 6,
  kModRouter = 1u << 7,
  kModAllLinear = 0x7Fu,  // what PEFT's "all-linear" targets in a block (everything but the router)
};

struct LinearModule {
  std::uint32_t kind = 0;  // one ModuleKind bit
  double in = 0;
  double out = 0;
  double count = 0;        // instances in the whole model (layers x experts ...)
};

// Every nn.Linear weight of the transformer blocks (not embeddings or lm_head), with instance counts.
struct LinearInventory {
  std::array<LinearModule, 24> modules{};
  int size = 0;
  double weight_params = 0;   // sum of in x out x count
  double moe_layers = 0;
  double dense_layers = 0;
};
LinearInventory linear_inventory(const TransformerStack& stack);

// Bit mask of ModuleKind for a LoRA target list (PEFT target_modules names).
std::uint32_t lora_target_mask(const LoraSettings& lora, MlpKind mlp);

// LoRA adapter parameters: rank x (in + out) for every targeted module instance (PEFT lora_A: in x r,
// lora_B: r x out).
double lora_params(const LinearInventory& inventory, std::uint32_t mask, double rank);

// ---------------------------------------------------------------------------------------------
// Weights, gradients, optimizer states.

// Bytes per parameter of NF4 with block-wise constants (and double quantization when `double_quant`).
double nf4_bytes_per_param(bool double_quant);
// Bytes per quantized weight for an inference weight dtype (scales included); 16/32-bit: dtype size.
double quantized_bytes_per_param(DType dtype);

struct WeightSplit {
  double quantized_params = 0;  // block linear weights stored in the quantized format
  double plain_params = 0;      // everything else (embeddings, lm_head, norms, biases) in 16/32 bit
};
WeightSplit split_weights(const ParamCounts& params, const LinearInventory& inventory);

// Bytes per trainable parameter of each model-state kind for a training precision.
struct PrecisionBytes {
  double weight = 0;   // the model's own copy
  double grad = 0;
  double master = 0;   // fp32 master copy (mixed-bf16)
  double state = 0;    // one optimizer state element (fp32 or bf16)
  double compute = 0;  // activation element size
  double residual = 0; // residual stream / norm element size (fp32 under AMP, whose weights are fp32)
};
PrecisionBytes precision_bytes(Precision precision);
// Bytes per frozen base weight under LoRA: train.lora.base_dtype, or by default the precision's compute
// dtype (fp32 for fp32 training).
double lora_base_weight_bytes(Precision precision, BaseDType base);

// Optimizer state bytes for `trainable` parameters of which `matrix_params` sit in 2-D matrices whose
// rows + columns sum to `matrix_row_col` (Adafactor factors those), with `state_bytes` per element.
double optimizer_state_bytes(Optimizer optimizer, double trainable, double matrix_params, double matrix_row_col,
                             double state_bytes);
// Temporaries of one optimizer step (AdamW foreach); 0 for in-place implementations.
double optimizer_step_temp_bytes(Optimizer optimizer, double trainable, double state_bytes);

// ---------------------------------------------------------------------------------------------
// Activations.

struct ActivationConfig {
  double compute = 2;          // bytes of a compute-dtype element
  double residual = 2;         // bytes of a residual-stream element
  double mlp_compute = 0;      // bytes of an MLP element when it differs from compute (0: compute)
  Attention attention = Attention::flash;
  bool full = true;            // all weights trainable (full fine-tuning); false: frozen base (LoRA)
  std::uint32_t lora_mask = 0; // LoRA-targeted module kinds (frozen base)
  double lora_rank = 0;
  bool dropout = false;        // hidden and attention-probability dropout (encoders; GPT-2, Phi-2)
  bool autocast = false;       // torch.autocast: ops on its fp32 list (pow, layer_norm) run in fp32
  double tp = 1;
  // Bytes per element of a block linear's input kept for backward when FP8 training keeps it quantized
  // (Transformer Engine: the fp8 transpose for wgrad); 0: the compute dtype, shared with the other saves.
  double linear_input = 0;
};

// FP8 training (train.fp8, memory_fp8.cpp): what a recipe keeps besides train.precision's states.
struct Fp8Layout {
  double saved_input = 0;   // bytes per element of a block linear's input kept for backward (0: unchanged)
  double weight_copy = 0;   // bytes per block-linear weight of the quantized copies kept until backward
  bool amax_history = false;  // DelayedScaling: an fp32 amax history per fp8 tensor
};
Fp8Layout fp8_layout(Fp8Recipe recipe);
// Bytes per block-linear weight when train.fp8_all_gather gathers (and, with Transformer Engine, stores) it in
// fp8: 1, plus MXFP8's E8M0 scale per kMxfp8BlockSize; 0 for recipes that gather in high precision.
double fp8_gathered_bytes(Fp8Recipe recipe);
bool fp8_is_transformer_engine(Fp8Recipe recipe);
// fp8 tensors whose scaling state Transformer Engine keeps per GEMM: 3 forward (input, weight, output) and
// 2 backward (grad output, grad input) (transformer_engine/pytorch/module/base.py set_meta_tensor).
inline constexpr double kTeFp8TensorsPerGemm = 5;
// MXFP8 (TE MXFP8Quantizer, OCP MX format): one 1-byte E8M0 scale per kMxfp8BlockSize values.
inline constexpr double kMxfp8BlockSize = 32;
// DelayedScaling: per GEMM, kTeFp8TensorsPerGemm fp32 amax histories of `history` entries plus scale and
// scale_inv (fp32) of each tensor.
double fp8_scaling_state_bytes(double gemms, double history);

// Bytes saved for backward by one transformer block per token (sequence length `seq` matters only
// for eager attention's score matrix). `moe_layer` picks the MoE MLP for MoE models.
double layer_activation_bytes_per_token(const TransformerStack& s, const ActivationConfig& c, double seq,
                                        bool moe_layer);

// Forward-only working set of one block per token (inference prefill; nothing is kept for backward).
double inference_layer_bytes_per_token(const TransformerStack& s, double compute_bytes, double tp, bool moe_layer);
// Eager attention score bytes of one block for `batch` sequences of `seq` tokens (inference).
double eager_scores_bytes(const TransformerStack& s, double batch, double seq, double compute_bytes, double tp);

// Logits and loss for training: tokens x vocab x (compute + kCrossEntropyFp32Copies x 4).
double logits_training_bytes(double tokens, double vocab, double compute_bytes);
// The HF Trainer's causal-LM loss per logit element by model family and release (docs/memory-model.md "Logits
// and loss"): allocated at its peak, reserved beyond (a freed segment too small for a later request), the path.
struct CausalLmLoss {
  double bytes = 0;
  double unreusable_bytes = 0;
  const char* path = "";
};
// `autocast`: under torch.autocast (amp-*), whose fp32 list casts log_softmax's input whatever the model does.
CausalLmLoss causal_lm_loss(const std::string& model_type, const ReleaseVersion& transformers, double compute_bytes,
                            bool autocast);
// The loss-phase block reserved beyond the allocations of an fp32 loss that is not the HF Trainer's (RL's
// naive log-probs) before 4.49: kShiftedLossExtraFp32Blocks fp32 blocks; 0 from 4.49 on.
double shifted_loss_reserve_bytes(double tokens, double vocab, const ReleaseVersion& transformers);
// Fused log-prob loss (RL, rl.logprob_kernel "fused"): the logits in the compute dtype and
// kFusedLogitGradCopies gradients of that shape, no fp32 copy.
double fused_logprob_training_bytes(double tokens, double vocab, double compute_bytes);
// Selective log-prob loss (TRL): kSelectiveLogitCopies [tokens x vocab] tensors of kSelectiveLogitBytes.
double selective_logprob_training_bytes(double tokens, double vocab);

// ---------------------------------------------------------------------------------------------
// KV cache.

struct KvPerToken {
  double full_bytes = 0;     // per token over layers without a sliding window
  double window_bytes = 0;   // per token over sliding-window layers
  double window = 0;         // their window (tokens)
  // Per sequence, whatever its length: Gated DeltaNet layers' recurrent and convolution state
  // (Qwen3-Next), Mllama cross-attention layers' K/V over one image.
  double state_bytes = 0;
};
// Per GPU, for kv_dtype bytes; `latent`: cache DeepSeek MLA's compressed latent
// (kv_lora_rank + qk_rope_head_dim per token per layer) instead of per-head keys and values.
KvPerToken kv_bytes_per_token(const TransformerStack& s, double kv_bytes, double tp, bool latent);
// KV bytes for `sequences` sequences of `tokens` tokens each (fixed per-sequence state included).
double kv_cache_bytes(const KvPerToken& kv, double sequences, double tokens);


// ---------------------------------------------------------------------------------------------
// Sharding and parallelism (core/memory/src/memory_sharding.cpp).

// Divisors applied to each model state per GPU by the data-parallel sharding strategy
// (Rajbhandari et al. 2020, "ZeRO", section 5: Pos, Pos+g, Pos+g+p; FSDP FULL_SHARD = ZeRO-3).
struct ShardDivisors {
  double optimizer = 1;  // optimizer states and fp32 master weights
  double grads = 1;
  double params = 1;
};
ShardDivisors shard_divisors(Sharding sharding, double dp);
bool shards_params(Sharding sharding);

// ---------------------------------------------------------------------------------------------
// Expert parallelism (core/memory/src/memory_experts.cpp).

struct ExpertLayout {
  double total_params = 0;   // every parameter of the model
  double routed_params = 0;  // the routed experts' (ParamCounts::routed_experts)
  double num_experts = 0;    // routed experts per MoE layer
  double tp = 1, pp = 1, cp = 1, ep = 1, etp = 1, gpus = 1;
  Sharding sharding = Sharding::none;
};
// Per-GPU fractions of the whole model's bytes of each state kind.
struct ExpertShares {
  double params = 0, grads = 0, optimizer = 0;  // after tp/pp/ep/etp and the data-parallel sharding
  double model = 0;                             // after tp/pp/ep/etp only (unsharded copies)
  double routed_fraction = 0, dense_fraction = 1;
  double expert_model_share = 1;  // of the routed experts, before data-parallel sharding
  double dense_dp = 1, expert_dp = 1;
};
// Fraction of one layer's routed experts the most loaded expert-parallel rank holds: ceil(E/ep)/E.
double local_expert_fraction(double num_experts, double ep);
ExpertShares expert_shares(const ExpertLayout& layout);
// All-to-all dispatch buffers of one MoE layer: kMoeDispatchBuffers x tokens x top_k x hidden x bytes / tp.
double moe_dispatch_bytes(double tokens, double top_k, double hidden, double compute_bytes, double tp);

// ---------------------------------------------------------------------------------------------
// Framework overhead (core/memory/src/memory_overhead.cpp).

// CUDA context, kernels and library workspaces, plus NCCL buffers when the job spans > 1 GPU.
double cuda_context_bytes(double gpus_in_process_group);
// Caching-allocator memory beyond the allocated peak, for `transient_bytes` of short-lived tensors.
double allocator_bytes(double transient_bytes);
// Low and high ends of a line estimated as cuda_context_bytes / allocator_bytes (the uncertainty band).
struct Range {
  double low = 0;
  double high = 0;
};
Range cuda_context_range(double context_bytes);
Range allocator_range(double allocator_bytes);
// The band kinds of the modelled lines and their ends for `bytes` of that kind (kBand* above).
enum class BandKind { params, activations, logits, exact };
Range band_range(BandKind kind, double bytes);

// The fp32 copies of [max_num_seqs x vocab] logits at vLLM's profiling sampler peak for that release.
double vllm_sampler_fp32_copies(const VllmVersion& version);
// vLLM's non-torch memory increase during profiling for that release (kVllmNonTorchBytes*,
// kVllmTpNonTorchBytesCurrent, kNcclBytes) with `tp` tensor- and `pp` pipeline-parallel ranks.
double vllm_non_torch_bytes(const VllmVersion& version, double tp, double pp);
// vLLM's CUDA graph pool per GPU for `layers_per_gpu` decoder layers (kVllmCudaGraph*).
double vllm_cuda_graph_bytes(double layers_per_gpu);
// The formulas of those two lines, naming the constants that were taken.
std::string vllm_non_torch_formula(const VllmVersion& version, double tp, double pp);
std::string vllm_cuda_graph_formula(double layers_per_gpu);

}  // namespace vramplan::memory

namespace vramplan {

// An empirical or framework constant the estimate uses, for the result's "constants" list and the docs.
struct ConstantInfo {
  const char* name;
  double value;
  const char* unit;
  const char* source;  // where it comes from and which measurements support it
};
const std::vector<ConstantInfo>& memory_constants();

}  // namespace vramplan
