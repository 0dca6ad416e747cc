#pragma once
// The memory estimator: a breakdown of per-GPU memory at the peak of a training step or of serving.
// The arithmetic lives in small component functions (vramplan/memory.hpp, core/memory/src/memory_*.cpp);
// this header assembles them into a Breakdown with three levels (allocated, reserved, device), host
// RAM under offload, and a formula for every line. docs/memory-model.md explains each formula.
//
// RL (a later issue) reuses these: an RL phase is estimate_training() for the policy plus
// estimate_inference() / frozen-model breakdowns of the other roles, their component ids prefixed
// with the role ("reference.weights", "rollout.kv_cache") by prefix_components().
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vramplan/catalog.hpp"
#include "vramplan/memory.hpp"
#include "vramplan/error.hpp"
#include "vramplan/model.hpp"
#include "vramplan/params.hpp"
#include "vramplan/scenario.hpp"

namespace vramplan {

// Which of a breakdown's levels a line belongs to (Breakdown: allocated = persistent + transient,
// reserved = allocated + cache, device = reserved + context). Set by the estimator that writes the
// line, so composers (the RL phases) read a line's role from its level, never from its id.
enum class Level {
  persistent,  // held across steps and used by every forward: weights, LoRA adapters
  optimizer,   // held across steps, used only by the optimizer step: master weights, optimizer states
  step,        // held while the model runs, freed between uses: gradients, gathered units, a forward's KV
               // cache, a serving engine's KV pool and profiling reserve (released when vLLM sleeps)
  transient,   // the phase's own computation: activations, logits, optimizer-step temporaries
  cache,       // the caching allocator's cache of those transients (reserved - allocated)
  context,     // CUDA context, kernels, NCCL: outside PyTorch's allocator
};

// One line of a breakdown. `bytes` is per GPU.
struct Component {
  std::string id;       // stable: weights, master_weights, gradients, optimizer, activations, logits, lora,
                        // kv_cache, cuda_context, allocator, and the extensions listed in docs/memory-model.md
  std::string label;    // human text
  double bytes = 0;
  std::string formula;  // how `bytes` was computed, with the numbers and named constants used
  Level level = Level::persistent;
};

// Memory of one phase on one GPU. Components sum to device_bytes.
struct Breakdown {
  std::vector<Component> components;
  double allocated_bytes = 0;  // torch.cuda.max_memory_allocated()
  double reserved_bytes = 0;   // torch.cuda.max_memory_reserved(): allocated + allocator cache
  double device_bytes = 0;     // nvidia-smi: reserved + CUDA context, NCCL and other non-PyTorch memory
  double host_bytes = 0;       // CPU RAM per GPU process for offloaded states
  std::string phase;           // "train", "inference"
  double trainable_params = 0; // parameters that receive gradients (LoRA: the adapters)
  // Forward (and backward) activations and logits of the step's computation, also when the peak is the
  // optimizer step (then they are not among the components); vLLM: its profiling reserve.
  double activation_bytes = 0;
  std::vector<std::string> warnings;
};

// What a serving engine's pool holds (vLLM), or what the requested batch needs (hf).
struct InferenceStats {
  double kv_bytes_per_token = 0;        // per GPU, every layer at full length
  double kv_tokens = 0;                 // tokens the KV pool holds (vLLM: whole blocks of kVllmBlockSize)
  double max_concurrent_sequences = 0;  // sequences of context_len the pool holds
  double budget_bytes = 0;              // vLLM: gpu_memory_utilization x usable GPU memory; hf: 0
  // vLLM: the smallest budget it starts with: weights + profiling reserve + non-torch + the KV cache of
  // one sequence of context_len (vllm/v1/core/kv_cache_utils.py check_enough_kv_cache_memory); hf: 0
  double start_bytes = 0;
};

// Training (full, LoRA, QLoRA) of one model on `gpus` GPUs. Fails (ErrorKind::invalid_input, with
// the scenario's JSON pointer) on combinations that cannot run, e.g. qlora with fp32 precision or a
// tensor-parallel size that does not divide the attention heads.
// How the loss reads the logits. The default is a language model's cross-entropy over every position
// (kCrossEntropyFp32Copies); RL policies pass their trainer's log-prob kernel (rl.logprob_kernel).
struct LossOptions {
  // naive: the cross-entropy count; fused: logits in the compute dtype plus kFusedLogitGradCopies
  // gradients of that shape (flash-attn CrossEntropyLoss.backward, verl dp_actor._forward_micro_batch);
  // selective: TRL's selective_log_softmax over fp32 logits (kSelectiveLogitCopies).
  LogprobKernel kernel = LogprobKernel::naive;
  // Positions per sequence that get logits (TRL logits_to_keep + 1); 0: every position of seq_len.
  std::int64_t logit_positions = 0;
  // The train workload: a transformers model's own causal-LM loss run by the HF Trainer (or accelerate's
  // loop): its loss path by model family and train.transformers_version (memory::causal_lm_loss), and
  // zero_grad(set_to_none=True) after every optimizer step, so no gradient exists at the loss when nothing
  // accumulates (docs/memory-model.md "Gradients made in backward"). RL roles keep false: their actors
  // accumulate over micro-batches and compute log-probs their own way (rl.logprob_kernel).
  bool transformers_trainer = false;
};

Expected<Breakdown> estimate_training(const ModelConfig& model, const ParamCounts& params, const TrainSettings& train,
                                      std::int64_t gpus, const LossOptions& loss = {});

// Serving with the hf engine (weights + KV cache + forward activations) or vllm (a pool of
// gpu_memory_utilization x GPU memory filled with KV cache after weights and the profiling reserve).
// `gpu` may be null (then vllm's pool cannot be sized and falls back to the batch's needs, with a warning).
Expected<Breakdown> estimate_inference(const ModelConfig& model, const ParamCounts& params,
                                       const InferenceSettings& inference, std::int64_t gpus, const GpuSpec* gpu,
                                       InferenceStats* stats);

// Tensor parallelism must split the attention (and key/value) heads; the error carries `pointer`.
std::optional<Error> check_tensor_parallel(const TransformerStack& stack, std::int64_t tp, const char* pointer);

// Whether vLLM picks its larger batch defaults on `gpu` (>= 70 GiB and not an A100; null: no).
bool vllm_large_gpu(const GpuSpec* gpu);

// Prefixes every component id with `role` + "." (RL roles: "reference", "reward", "critic", "rollout").
void prefix_components(Breakdown& breakdown, const std::string& role);

// Upper bound accepted for any total: a result above this is refused with an Error instead of being
// printed (1 EiB per GPU: far beyond any device, small enough to stay exact in double and int64).
inline constexpr double kMaxReportableBytes = 1152921504606846976.0;  // 2^60

}  // namespace vramplan
