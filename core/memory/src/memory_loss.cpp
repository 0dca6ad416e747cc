// The train workload's loss kernels beside the full one (train.loss_kernel): TRL's chunked_nll and Liger's fused
// linear cross-entropy, what each keeps of the lm_head's output at the loss (docs/memory-model.md "Logits and
// loss"). A file of its own so that the wasm build compiles it for size: it runs once per estimate, and only for
// these kernels (wasm/CMakeLists.txt, docs/benchmarks.md 2026-12-06 sixth session).
#include <algorithm>
#include <cmath>

#include "vramplan/memory.hpp"
#include "vramplan/memory_loss.hpp"

namespace vramplan::memory {

// TRL's chunked_nll (trl/trainer/sft_trainer.py _chunked_cross_entropy_loss and _chunk, TRL 1.4 to 1.9, the
// mirror's f2cd577): the model's forward stops at the last hidden state; the shifted rows are packed valid-first
// (`hidden[order]`, one copy, kept as the checkpoints' input, and its gradient, summed over the chunks in backward)
// and each kTrlChunkedNllTokens-row chunk runs `h.float() @ w.float().t()`, log_softmax and nll_loss under
// torch.utils.checkpoint(use_reentrant=False), so one chunk's logits exist at a time, in forward and again in its
// backward's recomputation: the chunk's logits (16 bit under autocast, which casts the matmul; fp32 otherwise) and
// the same kCrossEntropyFp32Copies fp32 tensors as the full loss's backward. `w.float()` copies a 16-bit lm_head
// to fp32 per chunk: saved for the chunk's backward without autocast, where the matmul's backward then makes the
// copy's fp32 gradient beside it when the head is trained (4 + 4 B per head element); under autocast the matmul
// casts the copy back to 16 bit (not cached: the copy is no leaf), so a frozen head has both at the cast (4 + 2 B).
// An fp32 head (autocast's fp32 weights) is returned as is (0 B).
double chunked_nll_head_copy_bytes(const LmHeadLoss& d) {
  if (d.head_bytes >= 4.0) return 0.0;
  if (d.head_trainable) return 4.0 + 4.0;
  return 4.0 + (d.autocast ? d.logit_bytes : 0.0);
}

double chunked_nll_training_bytes(double tokens, double vocab, double hidden, const LmHeadLoss& d) {
  const double chunk = std::min(tokens, static_cast<double>(kTrlChunkedNllTokens));
  return chunk * vocab * (d.logit_bytes + kCrossEntropyFp32Copies * 4.0) + 2.0 * tokens * hidden * d.hidden_bytes +
         vocab * hidden * chunked_nll_head_copy_bytes(d);
}

// Liger's chunk (liger_kernel/ops/fused_linear_cross_entropy.py fused_linear_cross_entropy_forward, v0.8.2):
// inc_factor = ceil(V / H), chunk_size = next_power_of_2(ceil(BT / inc_factor)), so a chunk's logits are about
// the size of the hidden states.
double fused_linear_ce_chunk_tokens(double tokens, double vocab, double hidden) {
  const double inc_factor = std::ceil(vocab / hidden);
  const double rows = std::ceil(tokens / inc_factor);
  double chunk = 1.0;  // next_power_of_2(rows), doubled up from 1 (no log2/exp2: they cost the page 1.2 KB of wasm)
  while (chunk < rows && chunk < tokens) chunk *= 2.0;
  return std::min(tokens, chunk);
}

// Liger's fused linear cross-entropy (same file): the forward computes the loss and its gradients chunk by chunk,
// writing each chunk's logits gradient in place (liger_cross_entropy_kernel), then grad_input[chunk] =
// grad_logits @ W and grad_weight += grad_logits^T @ input; it keeps grad_input = zeros_like(input) and
// grad_weight = zeros_like(weight) (accum_dtype None, the HF/TRL path) for backward, which only scales them.
// The full logits never exist; labels are padded, not the hidden states shifted (transformers/model/loss_utils.py
// LigerForCausalLMLoss). A frozen head (LoRA) gets no grad_weight.
double fused_linear_ce_training_bytes(double tokens, double vocab, double hidden, const LmHeadLoss& d) {
  const double chunk = fused_linear_ce_chunk_tokens(tokens, vocab, hidden);
  return chunk * vocab * d.logit_bytes + tokens * hidden * d.hidden_bytes +
         (d.head_trainable ? vocab * hidden * d.head_bytes : 0.0);
}

}  // namespace vramplan::memory
