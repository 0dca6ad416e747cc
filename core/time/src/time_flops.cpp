// FLOPs per token of training and inference. Each term is one function with its source; the
// totals the estimate uses are sums of these terms (docs/time-model.md).
#include "vramplan/time.hpp"

namespace vramplan::time {

// Kaplan et al. 2020, "Scaling Laws for Neural Language Models", §2.1: C_forward ~ 2N per token (one
// multiply and one add per weight); the Chinchilla paper (Hoffmann et al. 2022, appendix F) confirms 6N
// for a training step against a layer-by-layer count.
double forward_matmul_flops_per_token(double params) { return 2.0 * params; }

// Narayanan et al. 2021, "Efficient Large-Scale Language Model Training on GPU Clusters Using
// Megatron-LM", §5.1: a layer's forward is 24 B s h^2 + 4 B s^2 h FLOPs; the second term (Q K^T and the
// attention-weighted values, 2 x 2 s h per token) is the one that grows with the sequence. Megatron does
// not halve it for the causal mask, and the published MFUs (Megatron, Llama 3) count it that way.
double forward_attention_flops_per_token(double layers, double attn_width, double seq) {
  return 4.0 * layers * attn_width * seq;
}

// Narayanan 2021 §5.1: backward = 2x forward, so a step without recompute is 3x forward:
// 6N + 12 L s h per token (their 96 B s l h^2 (1 + s/6h + ...) counts 4x forward, with recompute).
double full_training_flops_per_token(double params, double layers, double attn_width, double seq) {
  return 3.0 * (forward_matmul_flops_per_token(params) + forward_attention_flops_per_token(layers, attn_width, seq));
}

// LoRA (Hu et al. 2021, §4.2: "we do not need to calculate the gradients or maintain the optimizer states
// for most parameters"): a frozen linear layer's backward computes dX = dY W^T (2N per token) but not
// dW = X^T dY; the attention score ops have no weights, so both their input gradients are computed
// (3x forward). The adapters (A, B) train fully: 6 per adapter parameter.
double lora_training_flops_per_token(double params, double adapter_params, double layers, double attn_width,
                                     double seq) {
  return 2.0 * forward_matmul_flops_per_token(params) + 3.0 * forward_attention_flops_per_token(layers, attn_width, seq) +
         6.0 * adapter_params;
}

// Activation checkpointing re-runs each checkpointed block's forward during backward (Chen et al. 2016,
// "Training Deep Nets with Sublinear Memory Cost"; Korthikanti et al. 2022 §4: full recompute adds one
// forward, hardware FLOPs = 4/3 model FLOPs, which llm-foundry's HFU/MFU tables show exactly).
double recompute_flops_per_token(double params, double layers, double attn_width, double seq) {
  return forward_matmul_flops_per_token(params) + forward_attention_flops_per_token(layers, attn_width, seq);
}

// Kaplan et al. 2020, Table 1: C_forward = 2N + 2 n_layer n_ctx d_attn per token (causal attention over
// n_ctx previous tokens); used for prefill and decode, where the context grows token by token.
double inference_flops_per_token(double params, double layers, double attn_width, double ctx) {
  return forward_matmul_flops_per_token(params) + 2.0 * layers * ctx * attn_width;
}

}  // namespace vramplan::time
