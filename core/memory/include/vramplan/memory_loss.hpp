#pragma once
// The train workload's loss kernels beside the full one (train.loss_kernel, docs/memory-model.md "Logits and
// loss"): TRL's chunked_nll and Liger's fused linear cross-entropy, in core/memory/src/memory_loss.cpp.
namespace vramplan::memory {

// The chunk sizes are the frameworks' own code (read in their source, not fitted or measured), so, like
// kTransformersPaddedLabelsMinor, they are ints outside memory_constants(); the logits line's formula shows them.
// TRL's chunked_nll: _CHUNKED_LM_HEAD_CHUNK_SIZE valid tokens per chunk (trl/trainer/sft_trainer.py, TRL 1.4
// to 1.9: mirror f2cd577).
inline constexpr int kTrlChunkedNllTokens = 256;
// What the lm_head and its loss read and write, per element (train_loss_kernel.cpp fills it from the layout).
struct LmHeadLoss {
  double logit_bytes = 2;   // a logits element as the lm_head matmul returns it (autocast: 16 bit; else fp32 in TRL)
  double hidden_bytes = 2;  // the final norm's output (the residual stream's dtype)
  double head_bytes = 2;    // the lm_head weight's own dtype
  bool head_trainable = true;
  bool autocast = false;    // torch.autocast: the matmul casts its fp32 operands to 16 bit
};
// Bytes per lm_head element that TRL's chunk adds for a 16-bit head (0 for an fp32 one): `w.float()` (4 B), and
// its fp32 gradient when trained (4 B) or, frozen under autocast, autocast's 16-bit cast of that copy.
double chunked_nll_head_copy_bytes(const LmHeadLoss& d);
// TRL chunked_nll: one chunk's logits and kCrossEntropyFp32Copies fp32 tensors, the packed hidden states and their
// gradient, and the fp32 lm_head copy (and its gradient when trained) when the weight is not fp32.
double chunked_nll_training_bytes(double tokens, double vocab, double hidden, const LmHeadLoss& d);
// Liger's fused linear cross-entropy: its chunk's logits, grad_input and (trained head) grad_weight.
double fused_linear_ce_chunk_tokens(double tokens, double vocab, double hidden);
double fused_linear_ce_training_bytes(double tokens, double vocab, double hidden, const LmHeadLoss& d);

}  // namespace vramplan::memory
