// KV cache per token and per batch.
//
// Standard attention (Pope et al. 2022 "Efficiently Scaling Transformer Inference", section 2; vLLM
// FullAttentionSpec.page_size_bytes = 2 * block_size * num_kv_heads * head_size * dtype_size):
//   2 (K and V) x layers x kv_heads x head_dim x bytes per token.
// Tensor parallelism splits the kv heads; with fewer kv heads than GPUs each GPU keeps one (vLLM
// replicates them: num_kv_heads // tp, at least 1).
// Sliding-window layers (Mistral v0.1, Gemma 2/3 local layers) keep at most `window` tokens
// (vLLM SlidingWindowSpec; transformers HybridCache).
// DeepSeek MLA: vLLM caches the compressed latent, kv_lora_rank + qk_rope_head_dim values per token
// per layer, shared by all heads and replicated across TP ranks (MLAAttentionSpec); transformers'
// DeepseekV3Attention caches the decompressed per-head keys (nope + rope) and values (v_head_dim).
#include <algorithm>
#include <cmath>

#include "vramplan/memory.hpp"

namespace vramplan::memory {

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
  kv.full_bytes = per_layer * (layers - window_layers);
  kv.window_bytes = per_layer * window_layers;
  kv.window = static_cast<double>(s.sliding_window);
  return kv;
}

double kv_cache_bytes(const KvPerToken& kv, double sequences, double tokens) {
  const double windowed = kv.window > 0 ? std::min(tokens, kv.window) : tokens;
  return sequences * (kv.full_bytes * tokens + kv.window_bytes * windowed);
}

}  // namespace vramplan::memory
