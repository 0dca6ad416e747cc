// The transients of a training step per GPU (train_terms.hpp): activations (checkpointed or not), the
// expert-parallel dispatch buffers, logits and loss, the autocast weight cache, the optimizer step's
// temporaries, and the peak rule that picks between them. Each term's bytes and text come together.
#include <algorithm>
#include <optional>
#include <string>

#include "train_terms.hpp"
#include "vramplan/text_format.hpp"

namespace vramplan::train {
namespace {

using namespace memory;
using text::format;
using text::gib;

// Final norm (fp32 input; normalised + output kept when trained) and the embedding output.
double extra_activation_bytes(const TrainLayout& l) {
  return l.tokens * (4.0 * l.h + (l.full ? (l.ac.residual + l.ac.compute) * l.h : 0.0) + (l.ac.dropout ? l.h : 0.0));
}

}  // namespace

// Tensor parallelism splits the block's attention and MLP parts. Pipeline parallelism does not reduce
// the first stage's share under 1F1B (it holds pp micro-batches of layers/pp blocks: Korthikanti et al.
// section 4.2.3).
Term activations_term(const TrainLayout& l) {
  const TransformerStack& s = l.m.text;
  const TrainSettings& t = l.t;
  const double dense = dense_block_bytes_per_token(l);
  const double moe = moe_block_bytes_per_token(l);
  const double extra = extra_activation_bytes(l);
  if (!t.gradient_checkpointing) {
    const double layers = l.tokens * (l.inv.dense_layers * dense + l.inv.moe_layers * moe);
    return {layers + extra,
            format("%.0f tokens x (%.0f dense blocks x %.0f B + %.0f MoE blocks x %.0f B per token; %s attention) + "
                   "final norm %s",
                   l.tokens, l.inv.dense_layers, dense, l.inv.moe_layers, moe, to_string(t.attention), gib(extra).c_str()),
            "Activations"};
  }
  // torch.utils.checkpoint per block: its input is kept; the block's activations exist again while it is
  // recomputed in backward (one block at a time).
  const double one_layer = recomputed_block_bytes(l);
  const double streams = residual_streams(l);
  const double ckpt = checkpointed_inputs_bytes(l);
  const char* fp32_stream = l.ac.mlp_compute > 0 ? " (fp32: autocast's LayerNorm feeds 4-bit linears that return their "
                                                    "input's dtype)" : "";
  return {ckpt + one_layer + extra,
          format("%.0f tokens x %lld layers x %s%.0f h x %.0f B (checkpointed block inputs)%s + one block recomputed %s "
                 "(%.0f B/token) + final norm %s",
                 l.tokens, static_cast<long long>(s.layers), streams > 1 ? format("%.0f streams x ", streams).c_str() : "",
                 l.h, l.ac.residual, fp32_stream, gib(one_layer).c_str(),
                 std::max(dense, moe), gib(extra).c_str()),
          "Activations (checkpointed)"};
}

// What FSDP1 keeps through a LoRA backward under reentrant checkpointing: every checkpointed block's input
// gradient, until the backward ends. With PEFT's fsdp_auto_wrap_policy (the LoRA leaves are units of their
// own: peft/utils/other.py; set for every PEFT LoRA model by transformers' Trainer._fsdp_qlora_plugin_updates,
// by fms-hf-tuning's sft_trainer.py and by PEFT's examples) the decoder block's own flat parameter is frozen, so
// FSDP1's _pre_forward calls _register_post_backward_reshard_only_hook (torch/distributed/fsdp/_runtime_utils.py,
// torch 2.1-2.4), which, whenever grad is enabled, registers torch.autograd.graph.register_multi_grad_hook on the
// block's input tensors. Under the reentrant CheckpointFunction the first forward runs without grad; the
// hook is registered in backward's recomputation, on detach_variable's copy of the saved input: a leaf whose
// .grad receives the block's input gradient (torch/utils/checkpoint.py CheckpointFunction.backward). The hook's
// closure holds grad_fns, the leaf's AccumulateGrad, which holds the leaf: a cycle through C++ that keeps the
// leaf and its .grad alive until _finalize_params removes the hook handle in the post-backward final callback.
// So at the first block's backward every block's input gradient exists: layers x tokens x h in the residual
// stream's dtype, the size of the checkpoints. The loss's tensors are gone by then (the loss backward runs
// first), so the step holds the larger of this and the logits line. Non-reentrant checkpointing registers the
// hook in the forward on the real (non-leaf) input, whose gradient is not kept; full training has no frozen
// unit; FSDP2 and ZeRO-3 have no such hook: 0 for all of them.
Term retained_input_grads_term(const TrainLayout& l) {
  const TrainSettings& t = l.t;
  if (t.sharding != Sharding::fsdp || t.fsdp_version != 1 || l.full || !t.gradient_checkpointing ||
      !t.gradient_checkpointing_reentrant || t.tp != 1 || t.pp != 1 || t.cp != 1) {
    return {};
  }
  const TransformerStack& s = l.m.text;
  return {checkpointed_inputs_bytes(l),
          format("%.0f tokens x %lld layers x %.0f h x %.0f B: each checkpointed block input's gradient, kept by FSDP1's "
                 "reshard-only hook (train.fsdp_version 1, train.gradient_checkpointing_reentrant, frozen block units of "
                 "PEFT's wrap policy) until the backward ends",
                 l.tokens, static_cast<long long>(s.layers), l.h, l.ac.residual),
          "Block input gradients kept by FSDP1 (backward end)"};
}

// The backward's end and the loss never coexist: the line keeps only what it holds beyond the logits line.
Term retained_grads_beyond_loss(Term retained, double loss) {
  if (retained.bytes <= loss) return {};
  retained.formula += format(" = %s, less the loss's %s (freed before it, the peak holds the larger)",
                             gib(retained.bytes).c_str(), gib(loss).c_str());
  retained.bytes -= loss;
  return retained;
}

Term moe_dispatch_term(const TrainLayout& l) {
  if (l.t.ep <= 1 || l.inv.moe_layers <= 0) return {};
  const double top_k = static_cast<double>(l.m.text.moe.experts_per_token);
  return {moe_dispatch_bytes(l.tokens, top_k, l.h, l.ac.compute, l.ac.tp),
          format("kMoeDispatchBuffers %.0f x %.0f tokens x top-k %lld x %lld hidden x %.0f B / tp %lld (one MoE layer's "
                 "permuted tokens, sent and received; balanced routing)",
                 kMoeDispatchBuffers, l.tokens, static_cast<long long>(l.m.text.moe.experts_per_token),
                 static_cast<long long>(l.m.text.hidden_size), l.ac.compute, static_cast<long long>(l.t.tp)),
          "Expert-parallel all-to-all buffers"};
}

// Positions per GPU that get logits: every token, or TRL's logits_to_keep per sequence (LossOptions).
double logit_tokens(const TrainLayout& l, const LossOptions& loss) {
  const TrainSettings& t = l.t;
  return loss.logit_positions > 0
             ? static_cast<double>(t.micro_batch_size) * static_cast<double>(loss.logit_positions) / static_cast<double>(t.cp)
             : l.tokens;
}

// The HF Trainer's causal-LM loss (memory::causal_lm_loss): null when the loss is not one (RL kernels, a
// classification head or an encoder's).
std::optional<CausalLmLoss> trainer_causal_loss(const TrainLayout& l, const LossOptions& loss) {
  if (!loss.transformers_trainer || loss.kernel != LogprobKernel::naive || l.classifier ||
      l.m.kind == ModelKind::encoder) {
    return std::nullopt;
  }
  return causal_lm_loss(l.m.model_type, l.t.transformers_version, l.ac.compute, l.amp);
}

Term logits_term(const TrainLayout& l, const LossOptions& loss) {
  const TrainSettings& t = l.t;
  LogitsTerm term = training_logits(loss.kernel, logit_tokens(l, loss), l.vocab, t.tp, l.ac.compute);
  if (l.classifier) return {0.0, "classification head: batch x labels, negligible", std::move(term.label)};
  if (loss_kernel_applies(l, loss)) return *loss_kernel_term(l, logit_tokens(l, loss));
  if (const auto hf = trainer_causal_loss(l, loss)) {
    const double tokens = logit_tokens(l, loss);
    return {tokens * l.vocab / static_cast<double>(t.tp) * hf->bytes,
            format("%.0f tokens x %.0f vocab%s x %.0f B (train.transformers_version %s, %s: %s)", tokens, l.vocab,
                   t.tp > 1 ? " / tp" : "", hf->bytes, t.transformers_version.text.c_str(), l.m.model_type.c_str(),
                   hf->path),
            std::move(term.label)};
  }
  return {term.bytes, std::move(term.formula), std::move(term.label)};
}

// The HF Trainer (and accelerate's loop) calls model.zero_grad() after every optimizer step: torch's
// Module.zero_grad(set_to_none=True), the default since torch 2.0, frees every gradient, so with one micro-batch
// per step none exists at the loss, and backward makes them after the loss's tensors are freed (the lm_head's
// gradient first, from the loss's 16-bit gradient). Not under accumulation (the earlier micro-batches'
// gradients stay), DeepSpeed ZeRO (persistent partition and bucket buffers), Megatron-style tp / pp / cp (the
// main_grad buffer) or optimizer offload.
bool gradients_made_in_backward(const TrainLayout& l, const LossOptions& loss) {
  const TrainSettings& t = l.t;
  return loss.transformers_trainer && l.full && t.gradient_accumulation_steps == 1 &&
         (t.sharding == Sharding::none || t.sharding == Sharding::fsdp) && t.tp == 1 && t.pp == 1 && t.cp == 1 &&
         !t.offload_optimizer;
}

// The gradients and the loss's tensors never coexist (gradients_made_in_backward): the peak holds the larger
// of the two, so the logits line keeps only what the loss needs beyond the gradients' line.
Term logits_beyond_gradients(Term logits, double gradients) {
  logits.formula += format(" = %s at the loss, less the gradients' %s: zero_grad(set_to_none) leaves none at the "
                           "loss and backward makes them after the loss's tensors are freed (gradient_accumulation_steps "
                           "1)",
                           gib(logits.bytes).c_str(), gib(gradients).c_str());
  logits.bytes = std::max(0.0, logits.bytes - gradients);
  return logits;
}

// FSDP over more than one rank allocates each sharded gradient on its reduce-scatter stream (FSDP1
// torch/distributed/fsdp/_runtime_utils.py _post_backward_hook -> _reduce_grad under _post_backward_stream;
// FSDP2 foreach_reduce on reduce_scatter_stream), and the caching allocator serves a stream only from blocks
// made on it (get_free_block: stream must match; a freed block keeps its stream). The gradients' segments,
// freed at zero_grad, stay that stream's, so the loss on the compute stream cannot use them: at the reserved
// level the gradients the logits line leaves out (logits_beyond_gradients) are held beside the loss.
Term sharded_grad_pool_term(const TrainLayout& l, double gradients, double loss) {
  if (l.t.sharding != Sharding::fsdp || !l.params_sharded || l.div.grads <= 1) return {};
  const double shared = std::min(gradients, loss);
  return {shared,
          format("min(gradients %s, loss %s): the sharded gradients' segments belong to FSDP's reduce-scatter stream, "
                 "so the loss on the compute stream cannot reuse them",
                 gib(gradients).c_str(), gib(loss).c_str()),
          "Sharded gradients' stream pool (reserved - allocated)"};
}

// The caching allocator returns no segment to the driver (only empty_cache or a failed cudaMalloc does), so when
// the optimizer step is the allocated peak the forward/backward's reserve is still held: the line is what it
// holds beyond the step's.
Term forward_segments_term(double forward_reserved, double reserved) {
  const double extra = forward_reserved - reserved;
  if (extra <= 0) return {};
  return {extra,
          format("the forward/backward's reserve %s (its allocations, their cache and the loss's segments) - the "
                 "step's %s: segments stay reserved from one phase to the next",
                 gib(forward_reserved).c_str(), gib(reserved).c_str()),
          "Forward/backward segments held through the step (reserved - allocated)"};
}

// torch optimizers create their states at the first step() (torch/optim/adamw.py _init_group:
// state["exp_avg"] = torch.zeros_like(p)), from the blocks the first forward/backward freed, the loss's among
// them: the allocator splits a larger free block for a smaller request (CUDACachingAllocator.cpp get_free_block,
// should_split). A loss segment holding a state never again holds a whole logits-sized tensor, and the freed
// gradients and step temporaries are parameter-sized blocks, so from the second step the loss takes new segments
// while everything the first step reserved stays reserved: the step's reserve plus as many loss segments as the
// states filled. The line is what that adds to the reserved level.
Term first_step_states_term(double loss_segments, double states, double step_reserved, double reserved) {
  const double taken = std::min(loss_segments, states);
  const double extra = step_reserved + taken - reserved;
  if (extra <= 0) return {};
  return {extra,
          format("the optimizer step's reserve %s + loss segments the first step's states filled min(loss %s, states %s) "
                 "- the reserve counted above %s (the optimizer creates its states at the first step, in the blocks "
                 "the first backward freed; from the second step the loss takes new segments)",
                 gib(step_reserved).c_str(), gib(loss_segments).c_str(), gib(states).c_str(), gib(reserved).c_str()),
          "Loss segments re-made after the first step's states (reserved - allocated)"};
}

void place_gradients(Term& gradients, Term& logits, bool made_in_backward) {
  if (!made_in_backward) {
    gradients.formula += " (live through the step: gradient accumulation or persistent grad buffers)";
    return;
  }
  gradients.formula += " (made in backward and freed by zero_grad(set_to_none) after the step: beside the "
                       "activations, never beside the loss's logits)";
  logits = logits_beyond_gradients(std::move(logits), gradients.bytes);
}

// transformers < 4.49 shifts the fp32 logits by copying them (kShiftedLossExtraFp32Blocks, vramplan/memory.hpp):
// the loss phase reserves one fp32 logits block beyond its allocations. Only the causal-LM cross-entropy
// (naive kernel over a language-model head; a masked-LM or classification loss does not shift); reserved and
// device levels, the allocated peak is unchanged.
Term shifted_loss_term(const TrainLayout& l, const LossOptions& loss) {
  if (loss.kernel != LogprobKernel::naive || l.classifier || l.m.kind == ModelKind::encoder) return {};
  if (loss_kernel_applies(l, loss)) return {};  // no full-shape fp32 loss tensors, so no block of two shapes
  const ReleaseVersion& v = l.t.transformers_version;
  const double tokens = logit_tokens(l, loss);
  const double vocab = l.vocab / static_cast<double>(l.t.tp);
  if (const auto hf = trainer_causal_loss(l, loss)) {
    if (hf->unreusable_bytes <= 0) return {};
    const char* split = l.t.tp > 1 ? " / tp" : "";
    const double block = hf->unreusable_bytes / memory::kShiftedLossExtraFp32Blocks;
    return {tokens * vocab * hf->unreusable_bytes,
            format("train.transformers_version %s < 4.%d: kShiftedLossExtraFp32Blocks %.0f x %.0f tokens x %.0f vocab%s "
                   "x %.0f B (the shifted %s logits copy leaves the loss's full-shape gradient no free block of its "
                   "size)",
                   v.text.c_str(), memory::kTransformersPaddedLabelsMinor, memory::kShiftedLossExtraFp32Blocks, tokens,
                   l.vocab, split, block, block < 4.0 ? "16-bit" : "fp32"),
            "Loss blocks of two shapes (reserved - allocated)"};
  }
  const double bytes = memory::shifted_loss_reserve_bytes(tokens, vocab, v);
  if (bytes <= 0) return {};
  return {bytes,
          format("train.transformers_version %s < 4.%d: kShiftedLossExtraFp32Blocks %.0f x %.0f tokens x %.0f vocab%s x "
                 "4 B (the shifted fp32 logits copy leaves the loss's full-shape gradient no free block of its size)",
                 v.text.c_str(), memory::kTransformersPaddedLabelsMinor, memory::kShiftedLossExtraFp32Blocks, tokens,
                 l.vocab, l.t.tp > 1 ? " / tp" : ""),
          "Loss blocks of two shapes (reserved - allocated)"};
}

// torch.autocast caches the 16-bit copy of every weight a matmul casts; autograd keeps those copies
// until the block's backward (AMP only; FSDP mixed precision casts on all-gather instead). Only leaf
// tensors that require grad are cached (aten/src/ATen/autocast_mode.cpp cached_cast), so a frozen
// LoRA base is cast per call and freed: only the adapters' copies stay.
Term autocast_term(const TrainLayout& l) {
  if (!l.amp || l.qlora || l.params_sharded) return {};
  const double lm_head = (l.m.kind != ModelKind::encoder || l.m.mlm_head) && !l.classifier ? l.vocab * l.h : 0.0;
  // Transformer Engine's fp8 linears are not autocast ops: they quantize the weights themselves (fp8_weights_term).
  const double block = fp8_layout(l.t.fp8).weight_copy > 0 ? 0.0 : l.inv.weight_params;
  const double bytes = l.full ? 2.0 * (block + lm_head) * l.sh.model : 2.0 * l.trainable / l.mp;
  return {bytes,
          format("2 B x %.0f matmul weights%s (torch.autocast cache, kept by autograd until backward)", bytes / 2.0 * l.mp,
                 l.shard.c_str()),
          "Autocast 16-bit weight copies"};
}

// FP8 training (memory_fp8.cpp). Transformer Engine keeps each block linear's quantized weight (row-wise and
// column-wise data) from its forward until its backward; under ZeRO-3 / FSDP it re-quantizes in backward
// instead (TE issue #2681), leaving the copies of the one gathered block being computed.
// With fp8 parameters (train.fp8_all_gather) the parameter is the row-wise fp8 data: only the column-wise copy
// is made beside it.
Term fp8_weights_term(const TrainLayout& l) {
  Fp8Layout f = fp8_layout(l.t.fp8);
  if (f.weight_copy <= 0 || l.qlora) return {};
  if (l.fp8_params) f.weight_copy -= l.fp8_gather_bpp;
  if (l.params_sharded) {
    const double block = static_cast<double>(l.p.largest_layer) / l.mp;
    return {f.weight_copy * block,
            format("%.4g B x %.0f params of the gathered block / (tp x pp) (TE's fp8 weight copies, re-quantized in "
                   "backward under ZeRO-3 / FSDP)",
                   f.weight_copy, static_cast<double>(l.p.largest_layer)),
            "FP8 weight copies"};
  }
  const double bytes = f.weight_copy * l.inv.weight_params * l.sh.model;
  return {bytes,
          format("%.4g B x %.0f block-linear weights%s (TE's fp8 weight, row-wise for the forward GEMM and column-wise "
                 "for dgrad, saved until backward)",
                 f.weight_copy, l.inv.weight_params, l.shard.c_str()),
          "FP8 weight copies"};
}

// DelayedScaling's amax histories: kTeFp8TensorsPerGemm fp32 histories per block linear (GEMM) on each
// pipeline stage; every tensor-parallel rank keeps its own.
Term fp8_scaling_term(const TrainLayout& l) {
  if (!fp8_layout(l.t.fp8).amax_history || l.qlora) return {};
  double gemms = 0;
  for (int i = 0; i < l.inv.size; ++i) gemms += l.inv.modules[static_cast<std::size_t>(i)].count;
  gemms /= static_cast<double>(l.t.pp);
  const double history = static_cast<double>(l.t.fp8_amax_history_len);
  return {fp8_scaling_state_bytes(gemms, history),
          format("%.0f GEMMs / pp x kTeFp8TensorsPerGemm %.0f x (amax_history_len %.0f + scale, scale_inv) x 4 B",
                 gemms * static_cast<double>(l.t.pp), kTeFp8TensorsPerGemm, history),
          "FP8 scaling state (amax history)"};
}

Term optimizer_step_term(const TrainLayout& l) {
  if (l.t.offload_optimizer) return {};
  // In backward (train.optimizer_in_backward) each optimizer steps one parameter: its temporaries are that size.
  if (l.t.optimizer_in_backward) {
    return {optimizer_step_temp_bytes(l.t.optimizer, largest_parameter(l), l.pb.state) / l.div.optimizer, "",
            "Optimizer step temporaries"};
  }
  return {optimizer_step_temp_bytes(l.t.optimizer, l.trainable, l.pb.state) *
              (l.full ? l.sh.optimizer : 1.0 / (l.mp * l.div.optimizer)),
          "", "Optimizer step temporaries"};
}

Peak peak_rule(const TrainLayout& l, double forward, Term optimizer_step) {
  // Peak: persistent states + the larger of the forward/backward transients and the optimizer step.
  // The gradients are among the persistent states (gradient accumulation, Megatron/DeepSpeed gradient
  // buffers) unless backward makes them after the loss (gradients_made_in_backward: the logits line then holds
  // only what the loss needs beyond them, logits_beyond_gradients); see docs/memory-model.md.
  Peak out;
  out.forward = forward;
  out.step_peak = optimizer_step.bytes > forward;
  out.transient = std::max(forward, optimizer_step.bytes);
  // The step's line replaces the transients only when it is the larger: its text is written only then.
  if (out.step_peak) {
    optimizer_step.formula = format("kAdamForeachTempStates %.0f x %.0f params x %.0f B%s / dp-shard %.0f (AdamW foreach "
                                    "exp_avg_sq_sqrt)%s; larger than the forward/backward transients (%s)",
                                    kAdamForeachTempStates,
                                    l.t.optimizer_in_backward ? largest_parameter(l) : l.trainable, l.pb.state,
                                    l.t.optimizer_in_backward ? "" : l.shard.c_str(), l.div.optimizer,
                                    l.full ? expert_note(l).c_str() : "", gib(forward).c_str());
  }
  out.optimizer_step = std::move(optimizer_step);
  out.allocator = allocator_term(out.transient);
  out.context = cuda_context_term(l.gpus, " (gpus > 1)");
  return out;
}

Term allocator_term(double transient) {
  return {allocator_bytes(transient),
          format("kAllocatorTransientFraction %.2f x %s transient", kAllocatorTransientFraction, gib(transient).c_str()),
          "Caching-allocator cache (reserved - allocated)"};
}

Term cuda_context_term(double gpus, const char* nccl_note) {
  const double bytes = cuda_context_bytes(gpus);
  return {bytes,
          format("kCudaContextBytes %s%s", gib(kCudaContextBytes).c_str(),
                 bytes > kCudaContextBytes ? format(" + kNcclBytes %s%s", gib(kNcclBytes).c_str(), nccl_note).c_str() : ""),
          "CUDA context, kernels, NCCL"};
}

}  // namespace vramplan::train
