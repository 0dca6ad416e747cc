// KV cache per token and per batch.
//
// Standard attention (Pope et al. 2022 "Efficiently Scaling Transformer Inference", section 2; vLLM
// FullAttentionSpec.page_size_bytes = 2 * block_size * num_kv_heads * head_size * dtype_size):
//   2 (K and V) x layers x kv_heads x head_dim x bytes per token.
// Tensor parallelism splits the kv heads; with fewer kv heads than GPUs each GPU keeps one (vLLM
// replicates them: num_kv_heads // tp, at least 1).
// Sliding-window layers (Mistral v0.1, Gemma 2/3 local layers) keep at most `window` tokens
// (vLLM SlidingWindowSpec; transformers HybridCache).
// Gated DeltaNet layers (Qwen3-Next) cache no K/V: per sequence they keep a convolution window and a
// recurrent matrix, vLLM MambaStateShapeCalculator.gated_delta_net_state_shape
// (vllm/model_executor/layers/mamba/mamba_utils.py): conv (conv_kernel - 1) x conv_dim/tp with conv_dim =
// 2 k_heads x head_k_dim + v_heads x head_v_dim, and temporal (v_heads/tp, head_k_dim, head_v_dim). vLLM
// (`latent`, the vLLM layout) keeps both at the model dtype by default
// (MambaStateDtypeCalculator.gated_delta_net_state_dtype with mamba_cache_dtype / mamba_ssm_cache_dtype
// "auto"), taken here as the KV dtype but at least 2 bytes (an fp8 KV cache does not shrink them);
// transformers (Qwen3NextDynamicCache) keeps what the delta-rule kernels return, the recurrent state in
// fp32 (torch_chunk_gated_delta_rule computes in float32 and returns last_recurrent_state uncast).
// Mllama cross-attention layers (MllamaTextCrossAttention) cache the K/V of the image positions, not of
// the text: 2 x kv_heads/tp x head_dim x positions per layer per sequence, one image of max tiles.
// DeepSeek MLA: vLLM caches the compressed latent, kv_lora_rank + qk_rope_head_dim values per token
// per layer, shared by all heads and replicated across TP ranks (MLAAttentionSpec); transformers'
// DeepseekV3Attention caches the decompressed per-head keys (nope + rope) and values (v_head_dim).
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "vramplan/memory.hpp"

namespace vramplan::memory {

namespace {

double fixed_state_bytes(const TransformerStack& s, double kv_bytes, double tp, bool vllm) {
  const LinearAttentionConfig& l = s.linear_attention;
  const double conv_dim =
      static_cast<double>(2 * l.num_k_heads * l.head_k_dim + l.num_v_heads * l.head_v_dim) / tp;
  const double conv = static_cast<double>(std::max<std::int64_t>(l.conv_kernel - 1, 0)) * conv_dim * std::max(kv_bytes, 2.0);
  const double temporal_bytes = vllm ? std::max(kv_bytes, 2.0) : 4.0;
  const double temporal =
      static_cast<double>(l.num_v_heads) / tp * static_cast<double>(l.head_k_dim * l.head_v_dim) * temporal_bytes;
  const double linear = static_cast<double>(l.layers) * (conv + temporal);
  const double kv_heads = std::max(1.0, std::floor(static_cast<double>(s.num_kv_heads) / tp));
  const double cross = static_cast<double>(s.cross_attention_layers) * 2.0 * kv_heads * static_cast<double>(s.head_dim) *
                       static_cast<double>(s.cross_attention_positions) * kv_bytes;
  return linear + cross;
}

}  // namespace

KvPerToken kv_bytes_per_token(const TransformerStack& s, double kv_bytes, double tp, bool latent) {
  KvPerToken kv;
  const double layers = static_cast<double>(s.layers);
  tp = std::max(1.0, tp);
  double per_layer = 0;
  if (s.attention == AttentionKind::mla) {
    const MlaConfig& a = s.mla;
    if (latent) {
      per_layer = static_cast<double>(a.kv_lora_rank + a.qk_rope_head_dim) * kv_bytes;
    } else {
      const double heads = std::max(1.0, static_cast<double>(s.num_heads) / tp);
      per_layer = heads * static_cast<double>(a.qk_nope_head_dim + a.qk_rope_head_dim + a.v_head_dim) * kv_bytes;
    }
  } else {
    const double kv_heads = std::max(1.0, std::floor(static_cast<double>(s.num_kv_heads) / tp));
    per_layer = 2.0 * kv_heads * static_cast<double>(s.head_dim) * kv_bytes;
  }
  const double window_layers =
      s.sliding_window > 0 ? std::clamp(static_cast<double>(s.sliding_window_layers), 0.0, layers) : 0.0;
  const double stateful = static_cast<double>(s.linear_attention.layers + s.cross_attention_layers);
  // Gemma 3n: the KV-shared layers read an earlier layer's cache and keep none (modeling_gemma3n.py
  // Gemma3nTextAttention; vLLM kv_sharing_target_layer_name allocates them nothing).
  const double shared_window = s.sliding_window > 0 ? std::clamp(static_cast<double>(s.kv_shared_window_layers), 0.0, window_layers) : 0.0;
  const double shared_full = std::max(0.0, static_cast<double>(s.kv_shared_layers) - shared_window);
  kv.full_bytes = per_layer * std::max(0.0, layers - window_layers - stateful - shared_full);
  kv.state_bytes = fixed_state_bytes(s, kv_bytes, tp, latent);
  kv.window_bytes = per_layer * (window_layers - shared_window);
  kv.window = static_cast<double>(s.sliding_window);
  return kv;
}

double kv_cache_bytes(const KvPerToken& kv, double sequences, double tokens) {
  const double windowed = kv.window > 0 ? std::min(tokens, kv.window) : tokens;
  return sequences * (kv.full_bytes * tokens + kv.window_bytes * windowed + kv.state_bytes);
}

}  // namespace vramplan::memory
