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
#include <string>
#include <vector>

#include "vramplan/catalog.hpp"
#include "vramplan/memory.hpp"
#include "vramplan/error.hpp"
#include "vramplan/model.hpp"
#include "vramplan/params.hpp"
#include "vramplan/scenario.hpp"

namespace vramplan {

// One line of a breakdown. `bytes` is per GPU.
struct Component {
  std::string id;       // stable: weights, master_weights, gradients, optimizer, activations, logits, lora,
                        // kv_cache, cuda_context, allocator, and the extensions listed in docs/memory-model.md
  std::string label;    // human text
  double bytes = 0;
  std::string formula;  // how `bytes` was computed, with the numbers and named constants used
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
  std::vector<std::string> warnings;
};

// What a serving engine's pool holds (vLLM), or what the requested batch needs (hf).
struct InferenceStats {
  double kv_bytes_per_token = 0;        // per GPU, every layer at full length
  double kv_tokens = 0;                 // tokens the KV pool holds (vLLM: whole blocks of kVllmBlockSize)
  double max_concurrent_sequences = 0;  // sequences of context_len the pool holds
  double budget_bytes = 0;              // vLLM: gpu_memory_utilization x usable GPU memory; hf: 0
};

// Training (full, LoRA, QLoRA) of one model on `gpus` GPUs. Fails (ErrorKind::invalid_input, with
// the scenario's JSON pointer) on combinations that cannot run, e.g. qlora with fp32 precision or a
// tensor-parallel size that does not divide the attention heads.
Expected<Breakdown> estimate_training(const ModelConfig& model, const ParamCounts& params, const TrainSettings& train,
                                      std::int64_t gpus);

// Serving with the hf engine (weights + KV cache + forward activations) or vllm (a pool of
// gpu_memory_utilization x GPU memory filled with KV cache after weights and the profiling reserve).
// `gpu` may be null (then vllm's pool cannot be sized and falls back to the batch's needs, with a warning).
Expected<Breakdown> estimate_inference(const ModelConfig& model, const ParamCounts& params,
                                       const InferenceSettings& inference, std::int64_t gpus, const GpuSpec* gpu,
                                       InferenceStats* stats);

// Whether vLLM picks its larger batch defaults on `gpu` (>= 70 GiB and not an A100; null: no).
bool vllm_large_gpu(const GpuSpec* gpu);

// Prefixes every component id with `role` + "." (RL roles: "reference", "reward", "critic", "rollout").
void prefix_components(Breakdown& breakdown, const std::string& role);

// Upper bound accepted for any total: a result above this is refused with an Error instead of being
// printed (1 EiB per GPU: far beyond any device, small enough to stay exact in double and int64).
inline constexpr double kMaxReportableBytes = 1152921504606846976.0;  // 2^60

}  // namespace vramplan
