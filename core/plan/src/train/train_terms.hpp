#pragma once
// The training breakdown's lines. Each function returns one line's bytes and its formula text together
// (a Term), from the same numbers, so the arithmetic and the text that describes it cannot drift apart.
// The byte formulas themselves are the component functions of vramplan/memory.hpp; what is here is how
// the scenario's layout (precision, method, parallelism, sharding, offload) applies them per GPU.
// docs/memory-model.md explains every line; estimate_training (estimate.cpp) assembles them.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "../training_logits.hpp"
#include "vramplan/estimate.hpp"
#include "vramplan/memory.hpp"

namespace vramplan::train {

// One line of the breakdown before it gets its id and level: bytes per GPU and how they were computed.
struct Term {
  double bytes = 0;
  std::string formula;
  std::string label;
};

// Everything the terms read: the model, the settings and the per-GPU layout derived from them once.
struct TrainLayout {
  TrainLayout(const ModelConfig& model, const ParamCounts& params, const TrainSettings& train, double gpus);

  const ModelConfig& m;
  const ParamCounts& p;
  const TrainSettings& t;
  double gpus = 1;
  bool full = false, qlora = false, params_sharded = false, amp = false;
  memory::PrecisionBytes pb;
  memory::LinearInventory inv;
  double total = 0, mp = 1, dp = 1;
  memory::ShardDivisors div;     // ZeRO / FSDP divisors over dp x cp
  memory::ExpertShares sh;       // per-GPU shares of each state kind (expert parallelism, memory_experts.cpp)
  bool expert_layout = false;    // the routed experts are laid out differently from the dense part
  double quantized = 0, plain = 0, weight_bpp = 0;  // QLoRA's NF4 / 16-bit split; bytes per base weight
  // QLoRA's k-bit preparation as it ran (train.lora.kbit_preparation; TRL's is skipped on a sharded model) and
  // the part of `plain` it holds in fp32 (kbit_fp32_params).
  KbitPreparation kbit = KbitPreparation::none;
  double plain_fp32 = 0;
  // train.fp8_all_gather: bytes per block-linear weight in a gathered block (0: off or not applicable), and
  // whether the weights are stored in fp8 too (Transformer Engine's fp8 parameters).
  double fp8_gather_bpp = 0;
  bool fp8_params = false;
  std::uint32_t mask = 0;        // LoRA-targeted module kinds (all linears for full training)
  double rank = 0, trainable = 0;
  double matrix_params = 0, row_col = 0;  // Adafactor's factored matrices and their rows + columns
  double h = 0, vocab = 0, tokens = 0;    // hidden size, vocabulary, tokens per GPU per micro-batch
  bool classifier = false;
  memory::ActivationConfig ac;
  std::string shard;             // " / (tp x pp = N)"
};

// The checkpointed block inputs under torch.utils.checkpoint: tokens x layers x residual streams (Gemma 3n's AltUp
// blocks take and return residual_streams hidden states) x h in the residual stream's dtype. FSDP1's kept input
// gradients (retained_input_grads_term) have the same size. Inline: one copy in the wasm page's code, not a call.
inline double residual_streams(const TrainLayout& l) {
  return static_cast<double>(l.m.text.residual_streams > 1 ? l.m.text.residual_streams : 1);
}
inline double checkpointed_inputs_bytes(const TrainLayout& l) {
  return l.tokens * static_cast<double>(l.m.text.layers) * residual_streams(l) * l.h * l.ac.residual;
}
// One block's activations per token (the larger of a dense and a MoE block): what exists again while
// torch.utils.checkpoint recomputes one block in backward.
inline double dense_block_bytes_per_token(const TrainLayout& l) {
  return memory::layer_activation_bytes_per_token(l.m.text, l.ac, static_cast<double>(l.t.seq_len), false);
}
inline double moe_block_bytes_per_token(const TrainLayout& l) {
  return l.inv.moe_layers > 0
             ? memory::layer_activation_bytes_per_token(l.m.text, l.ac, static_cast<double>(l.t.seq_len), true)
             : 0.0;
}
inline double recomputed_block_bytes(const TrainLayout& l) {
  const double dense = dense_block_bytes_per_token(l), moe = moe_block_bytes_per_token(l);
  return l.tokens * (dense > moe ? dense : moe);
}

// Parameters of the named group of ParamCounts ("embedding", "lm_head", ...), 0 when absent.
double group_params(const ParamCounts& p, const char* id);

// With expert parallelism every model state is split in two buckets (memory_experts.cpp): this names them.
std::string expert_note(const TrainLayout& l);

// Model states (persistent across the step). Offloaded states are 0 on the GPU and counted by host_bytes.
Term weights_term(const TrainLayout& l);
Term master_weights_term(const TrainLayout& l);  // full training
Term gradients_term(const TrainLayout& l);       // full training
double largest_parameter(const TrainLayout& l);  // per GPU, before data-parallel sharding (optimizer in backward)
Term optimizer_term(const TrainLayout& l);       // full training
Term lora_term(const TrainLayout& l);            // LoRA / QLoRA adapters: weights, gradients, optimizer
double host_bytes(const TrainLayout& l);         // offloaded optimizer side and parameters, host RAM per GPU
Term gathered_term(const TrainLayout& l);        // ZeRO-3 / FSDP all-gathered units (0 otherwise)
Term ddp_buckets_term(const TrainLayout& l);     // DDP gradient buckets (0 with sharding or one rank)
Term fsdp_pending_frees_term(const TrainLayout& l);  // FSDP1 freed gathered blocks still reserved (cache level)
Term shifted_loss_term(const TrainLayout& l, const LossOptions& loss);  // transformers < 4.49 loss block (cache level)
// What the reserved-level lines read: the persistent states (gradients included), the reserve so far (allocated
// + the allocator's cache), the forward/backward transients as the peak rule holds them, the gradients, the
// whole loss (before logits_beyond_gradients), the optimizer states, the optimizer step's temporaries
// (optimizer_step_term), which phase peaks, and whether the gradients are made in backward
// (gradients_made_in_backward).
struct BackwardGradients {
  double persistent = 0, reserved = 0, forward = 0, gradients = 0, loss = 0, states = 0, step_temp = 0;
  bool step_peak = false, made_in_backward = false;
};
// The reserved-level lines beside the allocator cache, each with its component id: FSDP1's pending frees
// (with the warning that names train.fsdp_version), when the forward/backward is the peak the shifted loss's
// block, and for gradients made in backward sharded_grad_pool (forward/backward peak) or forward_segments
// (step peak), then loss_segments_after_states, and last zero3_whole_model_start (ZeRO-3 with a 4-bit base: what
// the engine's start, the whole quantized model on each GPU, exceeds the step's reserve by), or fsdp1_init_cache.
struct CacheLine {
  const char* id;
  Term term;
};
Term zero3_whole_model_start_term(const TrainLayout& l, double reserved);
// FSDP1 initialised from rank 0's CPU copy (train.fsdp_sync_module_states): what the init's free compute-stream
// blocks, with the weights and the lines of FSDP1's other streams (`other_streams`: gathered units and their
// pending frees), exceed the step's reserve by (0 when they do not).
Term fsdp1_init_cache_term(const TrainLayout& l, const BackwardGradients& g, double other_streams, double reserved);
std::vector<CacheLine> reserved_lines(const TrainLayout& l, const LossOptions& loss, const BackwardGradients& g,
                                      std::vector<std::string>& warnings);

// The step's transients.
Term activations_term(const TrainLayout& l);
Term moe_dispatch_term(const TrainLayout& l);
// FSDP1 + LoRA/QLoRA + reentrant checkpointing: every block input's gradient kept until the backward ends (0
// otherwise), and the part of it beyond the loss's line (the two never coexist; empty when not beyond).
Term retained_input_grads_term(const TrainLayout& l);
Term retained_grads_beyond_loss(Term retained, double loss);
Term logits_term(const TrainLayout& l, const LossOptions& loss);
// train.loss_kernel "chunked" / "fused" on the train workload's language-model loss (train_loss_kernel.cpp): whether
// it replaces the full loss's line, and that line for `tokens` positions with logits (null for "full").
bool loss_kernel_applies(const TrainLayout& l, const LossOptions& loss);
std::optional<Term> loss_kernel_term(const TrainLayout& l, double tokens);
// Whether no gradient exists at the loss (HF Trainer, zero_grad(set_to_none) and one micro-batch per step), and
// the logits line then: what the loss needs beyond the gradients, which backward makes after it.
bool gradients_made_in_backward(const TrainLayout& l, const LossOptions& loss);
Term logits_beyond_gradients(Term logits, double gradients);
// Full training: says in the gradients' formula when they live, and applies logits_beyond_gradients if made in backward.
void place_gradients(Term& gradients, Term& logits, bool made_in_backward);
// FSDP over more than one rank: the sharded gradients' segments belong to the reduce-scatter stream, so at the
// reserved level the loss cannot share them: min(gradients, loss) (0 otherwise).
Term sharded_grad_pool_term(const TrainLayout& l, double gradients, double loss);
// When the optimizer step is the allocated peak: what the forward/backward's reserve holds beyond `reserved`.
Term forward_segments_term(double forward_reserved, double reserved);
// What the reserved level gains when the first step's optimizer states fill the loss's freed segments: the
// step's reserve + min(loss segments, states) beyond `reserved` (0 when not beyond).
Term first_step_states_term(double loss_segments, double states, double step_reserved, double reserved);
// QLoRA: bitsandbytes' dequantized 4-bit weight in backward (train_backward.cpp; 0 otherwise).
Term dequantized_weight_term(const TrainLayout& l);
// The logits line as what the loss needs beyond the backward's side (the recomputed block without parameter
// sharding, the dequantized weight), which never coexists with it when the HF Trainer drops the outputs.
Term logits_beyond_backward(const TrainLayout& l, Term logits, double dequantized);
// The loss's placement in the step: place_gradients (full training) and, for the HF Trainer's loss,
// logits_beyond_backward; returns the dequantized-weight line.
Term place_loss(const TrainLayout& l, const LossOptions& loss, Term& gradients, Term& logits);
Term autocast_term(const TrainLayout& l);
Term fp8_weights_term(const TrainLayout& l);     // train.fp8 with Transformer Engine (0 otherwise)
Term fp8_scaling_term(const TrainLayout& l);     // train.fp8 te-delayed: amax histories (persistent)
Term optimizer_step_term(const TrainLayout& l);  // formula written by peak_rule (it names the forward)

// The peak rule: persistent states plus the larger of the forward/backward transients and the optimizer
// step; the allocator's cache of that transient and the CUDA context.
struct Peak {
  double forward = 0, transient = 0;
  bool step_peak = false;  // the optimizer step's temporaries exceed the forward/backward transients
  Term optimizer_step, allocator, context;
};
Peak peak_rule(const TrainLayout& l, double forward, Term optimizer_step);

// The allocator's cache of `transient` bytes and the CUDA context of a process group of `gpus` GPUs
// (`nccl_note` follows kNcclBytes in the text); shared with inference.
Term allocator_term(double transient);
Term cuda_context_term(double gpus, const char* nccl_note);

}  // namespace vramplan::train
