// Activations saved for backward, per block and token, and the logits / loss.
//
// Starting point: Korthikanti et al. 2022, "Reducing Activation Recomputation in Large Transformer
// Models" (arXiv 2205.05198), section 4.1 / Table 2: sbh(34 + 5as/h) bytes per layer for a GPT block
// in 16-bit with a 4h GELU MLP, dropout and materialised attention scores. Real frameworks keep more
// than that minimum, and modern blocks differ, so the count here is per saved tensor, following what
// PyTorch autograd keeps for the HF transformers / torchtune block (modeling_llama.py LlamaDecoderLayer,
// torchtune modules/transformer.py):
//   - a tensor is saved only if a backward formula needs it: a frozen linear (LoRA's base layers)
//     needs its weight, not its input, to pass gradients on; a trainable or LoRA-adapted one keeps
//     its input (lora_A reads it);
//   - RMSNorm (LlamaRMSNorm, torchtune RMSNorm) upcasts its input to fp32 and keeps it (4 bytes),
//     plus the normalised tensor when its weight is trained; LayerNorm keeps its input;
//   - RoPE multiplies by constant cos/sin tables, so only the rotated q and k are kept (by attention);
//   - flash attention keeps q, k, v, the output and the log-sum-exp; PyTorch SDPA in transformers and
//     torchtune receives k and v after repeat_kv / expand to all query heads (GQA copies);
//     eager attention keeps the fp32 softmax output and its 16-bit copy (and dropout mask and output
//     when attention dropout is on): heads x seq x (4 + e [+ 1]) bytes per token;
//   - SwiGLU keeps gate, act(gate), up (and their product when down_proj needs its input); a plain
//     MLP keeps fc1's output (and GELU's output for fc2).
// Checked against m024 (Llama-3.2-3B, torchtune, 8192 tokens/step): 24h + 8i bytes per token per block.
#include <algorithm>
#include <cmath>

#include "vramplan/memory.hpp"

namespace vramplan::memory {
namespace {

double norm_bytes(const TransformerStack& s, const ActivationConfig& c) {
  const double h = static_cast<double>(s.hidden_size);
  if (s.norm == NormKind::rms) return 4.0 * h + (c.full ? c.residual * h : 0.0);
  return c.residual * h;  // F.layer_norm keeps its input (mean and rstd are per token: negligible)
}

// A block linear's input kept for backward: the compute dtype, or TE's fp8 copy (memory_fp8.cpp).
double linear_input_bytes(const ActivationConfig& c) { return c.linear_input > 0 ? c.linear_input : c.compute; }

double mlp_bytes(const TransformerStack& s, const ActivationConfig& c, double width, bool saves_down) {
  // QLoRA under autocast on a LayerNorm model computes the MLP in fp32 (train_layout.cpp qlora_fp32_stream).
  const double e = c.mlp_compute > 0 ? c.mlp_compute : c.compute;
  const double down = saves_down ? width * (c.mlp_compute > 0 ? e : linear_input_bytes(c)) : 0.0;  // fc2 input
  if (s.mlp == MlpKind::gated) return 3.0 * width * e + down;
  if (s.python_tanh_gelu) {
    // transformers NewGELUActivation ("gelu_new"), written in Python ops:
    //   0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * pow(x, 3))))
    // autograd keeps pow's input, tanh's output, 0.5 * x and (1 + tanh): four width-sized tensors.
    // Under autocast pow runs in fp32 (its input is an fp32 copy of x) and the tanh chain follows in
    // fp32; 0.5 * x stays 16-bit. Measured: g14 (Phi-2, bf16) and g24 (DialoGPT-medium, amp-bf16).
    const double chain = c.autocast ? 4.0 : e;
    return width * (3.0 * chain + e) + down;
  }
  return width * e + down;
}

double attention_bytes(const TransformerStack& s, const ActivationConfig& c, double seq, bool saves_o) {
  const double e = c.compute;
  const double heads = static_cast<double>(s.num_heads);
  if (s.attention == AttentionKind::mla) {
    // DeepseekV3Attention: q and k of heads x (nope + rope), v and the output of heads x v_head_dim,
    // the latent kv (kv_lora_rank) and q (q_lora_rank) with their fp32 RMSNorm inputs.
    const MlaConfig& a = s.mla;
    const double qk = static_cast<double>(a.qk_nope_head_dim + a.qk_rope_head_dim);
    const double vd = static_cast<double>(a.v_head_dim);
    const double latent = static_cast<double>(a.kv_lora_rank + a.q_lora_rank);
    double bytes = (2.0 * heads * qk + 2.0 * heads * vd + latent) * e + 4.0 * latent;
    if (c.attention == Attention::eager) bytes += heads * seq * (4.0 + e + (c.dropout ? 1.0 : 0.0));
    return bytes;
  }
  const double q_dim = heads * static_cast<double>(s.head_dim);
  const double kv_dim = static_cast<double>(s.num_kv_heads) * static_cast<double>(s.head_dim);
  // The attention output is o_proj's input: flash and SDPA keep it for their own backward; TE's fp8 o_proj
  // keeps its own quantized copy on top.
  const double o_copy = saves_o && c.linear_input > 0 ? q_dim * c.linear_input : 0.0;
  switch (c.attention) {
    case Attention::flash:  // q, k, v, output (FlashAttention-2 handles GQA without copies)
      return (2.0 * q_dim + 2.0 * kv_dim) * e + o_copy;
    case Attention::sdpa:   // k, v expanded to every query head before torch SDPA
      return 4.0 * q_dim * e + o_copy;
    case Attention::eager:  // q, expanded k and v, scores (softmax fp32 + 16-bit copy, dropout)
      return 3.0 * q_dim * e + (saves_o ? q_dim * linear_input_bytes(c) : 0.0) +
             heads * seq * (4.0 + e + (c.dropout ? 1.0 : 0.0));
  }
  return 0;
}

}  // namespace

double layer_activation_bytes_per_token(const TransformerStack& s, const ActivationConfig& c, double seq,
                                        bool moe_layer) {
  const double h = static_cast<double>(s.hidden_size);
  const double e = c.compute;
  const double tp = std::max(1.0, c.tp);
  auto saves = [&](std::uint32_t kinds) { return c.full || (c.lora_mask & kinds) != 0; };
  auto lora_extra = [&](std::uint32_t kinds) {  // lora_A's output (rank) kept for lora_B
    double n = 0;
    for (std::uint32_t bit = 1; bit <= kModDown; bit <<= 1) {
      if ((c.lora_mask & kinds & bit) != 0) n += c.lora_rank * e;
    }
    return n;
  };

  // Not split by tensor parallelism (no sequence parallelism): norms, residual stream, dropout masks.
  double replicated = static_cast<double>(s.norms_per_layer) * norm_bytes(s, c);
  if (c.dropout) replicated += 2.0 * h;  // hidden dropout masks after attention and MLP (1 byte each)
  replicated += static_cast<double>(s.extra_saved_per_token) * e;  // Gemma 3n AltUp / LAuReL / per-layer inputs

  const std::uint32_t qkv = kModQ | kModK | kModV;
  const double lin = linear_input_bytes(c);  // q/k/v's and gate/up's shared input (one fused fp8 copy under TE)
  double attn = (saves(qkv) ? h * lin : 0.0) + attention_bytes(s, c, seq, saves(kModO)) + lora_extra(qkv | kModO);
  if (s.cross_attention) attn *= 2.0;

  const std::uint32_t up = kModGate | kModUp;
  double mlp = (saves(up) ? h * lin : 0.0) + lora_extra(up | kModDown);
  if (moe_layer && !s.moe.is_dense()) {
    const MoeConfig& m = s.moe;
    const double k = static_cast<double>(m.experts_per_token);
    // Routed: top-k experts per token; the dispatched input and the expert outputs before the
    // weighted combine (k x h each); router logits and softmax in fp32.
    mlp += k * mlp_bytes(s, c, static_cast<double>(m.expert_intermediate), saves(kModDown));
    mlp += static_cast<double>(m.shared_experts) * mlp_bytes(s, c, static_cast<double>(m.shared_intermediate), saves(kModDown));
    mlp += 2.0 * k * h * e + 2.0 * 4.0 * static_cast<double>(m.num_experts);
  } else {
    mlp += mlp_bytes(s, c, static_cast<double>(s.intermediate_size), saves(kModDown));
  }
  return replicated + (attn + mlp) / tp;
}

// Inference: nothing is kept for backward; the peak inside one block is the residual stream and the
// normalised input plus the larger of attention (q, k, v, output) and the MLP (gate, up, act).
double inference_layer_bytes_per_token(const TransformerStack& s, double e, double tp, bool moe_layer) {
  const double h = static_cast<double>(s.hidden_size);
  const double heads = static_cast<double>(s.num_heads);
  double q_dim = heads * static_cast<double>(s.head_dim);
  double kv_dim = static_cast<double>(s.num_kv_heads) * static_cast<double>(s.head_dim);
  if (s.attention == AttentionKind::mla) {
    q_dim = heads * static_cast<double>(s.mla.qk_nope_head_dim + s.mla.qk_rope_head_dim);
    kv_dim = q_dim;
  }
  const double attn = (2.0 * q_dim + 2.0 * kv_dim) * e;
  double mlp = 0;
  const double width_factor = s.mlp == MlpKind::gated ? 3.0 : 2.0;
  if (moe_layer && !s.moe.is_dense()) {
    const double k = static_cast<double>(s.moe.experts_per_token);
    mlp = 2.0 * k * h * e + k * width_factor * static_cast<double>(s.moe.expert_intermediate) * e;
  } else {
    mlp = width_factor * static_cast<double>(s.intermediate_size) * e;
  }
  // The residual stream and the normalised input; AltUp (Gemma 3n) keeps its n predictions and n corrected streams.
  return 2.0 * static_cast<double>(std::max<std::int64_t>(s.residual_streams, 1)) * h * e + std::max(attn, mlp) / std::max(1.0, tp);
}

// Eager attention at inference: transformers eager_attention_forward materialises the scores in the
// compute dtype and calls softmax(..., dtype=torch.float32), which first casts its input to fp32
// (aten/src/ATen/native/SoftMax.cpp softmax with dtype: input.toType, then _softmax): the 16-bit scores,
// their fp32 copy and the fp32 result are alive together. Measured: Llama-3.1-8B eager prefill at
// batch 4 x 4,064 tokens held 9.9 B per score element above the weights (tests/validation/gpu).
double eager_scores_bytes(const TransformerStack& s, double batch, double seq, double e, double tp) {
  return batch * static_cast<double>(s.num_heads) / std::max(1.0, tp) * seq * seq * (e + 2.0 * 4.0);
}

// Logits and loss: the model returns tokens x vocab logits in the compute dtype, and cross-entropy
// holds kCrossEntropyFp32Copies fp32 tensors of that shape at its backward (see memory.hpp).
double logits_training_bytes(double tokens, double vocab, double compute_bytes) {
  return tokens * vocab * (compute_bytes + kCrossEntropyFp32Copies * 4.0);
}

namespace {
// Families whose own causal-LM forward computes the loss in the logits' dtype (kOwnLossLogitCopies), and the
// releases read: transformers' gpt_bigcode/modeling_gpt_bigcode.py keeps its own loss through 4.48
// (`shift_logits = lm_logits[..., :-1, :].contiguous()`, `CrossEntropyLoss()`, no `.float()`); PR #35875
// (January 2025, after 4.48.1) only added `**kwargs` to such models. Later releases are not read here, so from
// 4.49 (and "latest") they get the shared ForCausalLMLoss count, the larger.
bool own_loss_without_upcast(const std::string& model_type, const ReleaseVersion& transformers) {
  return model_type == "gpt_bigcode" && transformers.before(4, kTransformersPaddedLabelsMinor);
}
}  // namespace

// The HF Trainer's causal-LM loss (CausalLmLoss in memory.hpp), per logit element. The caching allocator gives
// every logits-sized tensor (>= 10 MiB) a segment of its own and serves a request only from a free block at
// least as large (CUDACachingAllocator.cpp get_allocation_size, get_free_block), which decides what is reserved:
// - a family's own loss without upcast, no autocast: kOwnLossLogitCopies x e allocated; in backward the slice's
//   full-shape gradient finds only the shifted-shape blocks free: one e block more reserved;
// - transformers before 4.49 (ForCausalLMLoss 4.46-4.48, each model's own upcasting loss before): the 16-bit
//   logits, `logits.float()`, the shifted `.contiguous()` copy and log_softmax's output alive in forward,
//   e + kCrossEntropyFp32Copies x 4; kShiftedLossExtraFp32Blocks fp32 blocks more reserved (same reason);
// - from 4.49 (labels padded, no shifted copy): forward holds e + 4 + 4, backward kCrossEntropyFp32Copies fp32
//   tensors once Trainer.compute_loss has dropped the outputs (it returns only the loss): 12 B for the loss's
//   own tensors, 14 B reserved (the freed 16-bit logits' segment is too small for backward's new fp32
//   gradient). The line keeps e + kCrossEntropyFp32Copies x 4 = 14 B allocated: the H100 calibration records
//   (transformers 5.17) measure up to 12% of 12 B more than 12 B on three of twelve (Gemma 2's final logit
//   softcap keeps its tanh output for backward; g02a, g27a +5-7%), and a loop that holds the model's output
//   through backward keeps the 16-bit logits too. Nothing more is reserved then.
CausalLmLoss causal_lm_loss(const std::string& model_type, const ReleaseVersion& transformers, double compute_bytes,
                            bool autocast) {
  if (!autocast && compute_bytes < 4.0 && own_loss_without_upcast(model_type, transformers)) {
    return {kOwnLossLogitCopies * compute_bytes, kShiftedLossExtraFp32Blocks * compute_bytes,
            "the model's own loss in 16 bit, no upcast"};
  }
  if (transformers.before(4, kTransformersPaddedLabelsMinor)) {
    return {compute_bytes + kCrossEntropyFp32Copies * 4.0, 4.0 * kShiftedLossExtraFp32Blocks,
            "ForCausalLMLoss: fp32 upcast, shifted copy"};
  }
  return {compute_bytes + kCrossEntropyFp32Copies * 4.0, 0.0, "ForCausalLMLoss: fp32 upcast, labels padded"};
}

// flash-attn CrossEntropyLoss (verl logprobs_from_logits_flash_attn) keeps only per-row loss and
// log-sum-exp in forward; its backward writes kFusedLogitGradCopies gradients in the logits' dtype.
double fused_logprob_training_bytes(double tokens, double vocab, double compute_bytes) {
  return tokens * vocab * compute_bytes * (1.0 + kFusedLogitGradCopies);
}

// TRL selective_log_softmax under the Trainer's mixed precision (see kSelectiveLogitCopies).
double selective_logprob_training_bytes(double tokens, double vocab) {
  return tokens * vocab * kSelectiveLogitBytes * kSelectiveLogitCopies;
}

}  // namespace vramplan::memory
