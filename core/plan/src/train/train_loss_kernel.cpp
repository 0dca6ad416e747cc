// The train workload's logits line under train.loss_kernel "chunked" (TRL's chunked_nll) and "fused" (Liger's
// fused linear cross-entropy): what each keeps of the lm_head's output at the loss (vramplan/memory.hpp
// chunked_nll_training_bytes, fused_linear_ce_training_bytes; docs/memory-model.md "Logits and loss").
#include <optional>

#include "train_terms.hpp"
#include "vramplan/memory_loss.hpp"
#include "vramplan/text_format.hpp"

namespace vramplan::train {
namespace {

using text::format;

// The lm_head weight's own dtype: full training's model weights; a frozen head the LoRA base dtype, or fp32 when
// PEFT's prepare_model_for_kbit_training upcasts every non-quantized QLoRA parameter.
memory::LmHeadLoss lm_head_loss(const TrainLayout& l, bool chunked) {
  memory::LmHeadLoss d;
  // Autocast runs the lm_head matmul in 16 bit whatever `.float()` asked; without it TRL's chunk is fp32 and
  // Liger's matmul keeps the input's dtype.
  d.logit_bytes = l.amp ? l.ac.compute : (chunked ? 4.0 : l.ac.compute);
  d.hidden_bytes = l.ac.residual;
  d.head_trainable = l.full;
  d.autocast = l.amp;
  if (l.full) {
    d.head_bytes = l.pb.weight;
  } else {
    d.head_bytes = l.qlora && l.kbit == KbitPreparation::peft ? 4.0
                                                              : memory::lora_base_weight_bytes(l.t.precision,
                                                                                               l.t.lora.base_dtype);
  }
  return d;
}

Term chunked_nll_term(const TrainLayout& l, double tokens, double vocab, const char* split) {
  const memory::LmHeadLoss d = lm_head_loss(l, true);
  const double copy = memory::chunked_nll_head_copy_bytes(d);
  const char* what = copy == 0.0 ? "fp32 lm_head used as is"
                     : d.head_trainable ? "the 16-bit lm_head's fp32 copy and its fp32 gradient"
                     : d.autocast       ? "the frozen 16-bit lm_head's fp32 copy and autocast's 16-bit cast of it"
                                        : "the frozen 16-bit lm_head's fp32 copy";
  return {memory::chunked_nll_training_bytes(tokens, vocab, l.h, d),
          format("min(%.0f tokens, kTrlChunkedNllTokens %d) x %.0f vocab%s x (%.0f B logits + "
                 "kCrossEntropyFp32Copies %.0f x 4 B) + 2 x %.0f tokens x %.0f h x %.0f B (packed hidden states and "
                 "their gradient) + %.0f vocab x %.0f h x %.0f B (%s) (train.loss_kernel chunked: TRL chunked_nll, one "
                 "checkpointed chunk at a time)",
                 tokens, memory::kTrlChunkedNllTokens, l.vocab, split, d.logit_bytes, memory::kCrossEntropyFp32Copies,
                 tokens, l.h, d.hidden_bytes, vocab, l.h, copy, what),
          "Logits and cross-entropy (chunked)"};
}

Term fused_linear_ce_term(const TrainLayout& l, double tokens, double vocab, const char* split) {
  const memory::LmHeadLoss d = lm_head_loss(l, false);
  const double chunk = memory::fused_linear_ce_chunk_tokens(tokens, vocab, l.h);
  return {memory::fused_linear_ce_training_bytes(tokens, vocab, l.h, d),
          format("%.0f chunk tokens (next power of 2 of %.0f tokens / ceil(vocab / h)) x %.0f vocab%s x %.0f B logits + "
                 "%.0f tokens x %.0f h x %.0f B (grad_input) + %.0f vocab x %.0f h x %.0f B (grad_weight%s) "
                 "(train.loss_kernel fused: Liger fused linear cross-entropy, gradients written in forward)",
                 chunk, tokens, l.vocab, split, d.logit_bytes, tokens, l.h, d.hidden_bytes, vocab, l.h,
                 d.head_trainable ? d.head_bytes : 0.0, d.head_trainable ? "" : ": frozen head, none"),
          "Logits and cross-entropy (fused linear)"};
}

}  // namespace

bool loss_kernel_applies(const TrainLayout& l, const LossOptions& loss) {
  return loss.transformers_trainer && loss.kernel == LogprobKernel::naive && l.t.loss_kernel != LossKernel::full &&
         !l.classifier && l.m.kind != ModelKind::encoder;
}

std::optional<Term> loss_kernel_term(const TrainLayout& l, double tokens) {
  const char* split = l.t.tp > 1 ? " / tp" : "";
  const double vocab = l.vocab / static_cast<double>(l.t.tp);
  switch (l.t.loss_kernel) {
    case LossKernel::chunked: return chunked_nll_term(l, tokens, vocab, split);
    case LossKernel::fused: return fused_linear_ce_term(l, tokens, vocab, split);
    case LossKernel::full: break;
  }
  return std::nullopt;
}

}  // namespace vramplan::train
