// DeepSeek-V2 / V3: multi-head latent attention and routed + shared experts.
// Every default is the transformers configuration class default named beside it (hf_config.cpp says why).
#include <cstdint>

#include "hf_common.hpp"
#include "hf_families.hpp"
#include "vramplan/json_reader.hpp"
#include "vramplan/model.hpp"

namespace vramplan::hf {

// DeepseekV3Config (configuration_deepseek_v3.py): vocab 129280, heads 128, kv 128, max_pos 4096,
// tie False, q_lora_rank 1536 (None: plain q_proj), kv_lora_rank 512, qk_nope_head_dim 128,
// qk_rope_head_dim 64, v_head_dim 128, n_routed_experts 256, n_shared_experts 1, top-k 8,
// moe_intermediate_size 2048, first_k_dense_replace 3.
// DeepseekV2Config: vocab 102400, heads 32, kv 32, max_pos 2048, n_routed_experts None (dense),
// n_shared_experts None, num_experts_per_tok None, moe_intermediate_size 1407, first_k_dense_replace 0.
// A layer is MoE when layer_idx >= first_k_dense_replace and layer_idx % moe_layer_freq == 0
// (deepseek-ai's modeling_deepseek.py; transformers' DeepseekV3DecoderLayer ignores moe_layer_freq,
// which is 1 in every released config).
void parse_deepseek(ObjectReader& r, ModelConfig& m, bool v3) {
  const DecoderDefaults d = v3 ? DecoderDefaults{129280, 128, 128, 0, 4096, false}
                               : DecoderDefaults{102400, 32, 32, 0, 2048, false};
  TransformerStack& s = m.text;
  s.hidden_size = r.required_integer("hidden_size", 1, kMaxHidden);
  s.layers = r.required_integer("num_hidden_layers", 1, kMaxLayers);
  s.intermediate_size = r.required_integer("intermediate_size", 1, kMaxIntermediate);
  s.num_heads = r.integer("num_attention_heads", 1, kMaxHeads, d.num_attention_heads);
  s.num_kv_heads = r.integer("num_key_value_heads", 1, kMaxHeads, s.num_heads);
  check_kv_heads(r, s.num_heads, s.num_kv_heads);
  m.vocab_size = r.integer("vocab_size", 1, kMaxVocab, d.vocab_size);
  m.max_position_embeddings = r.integer("max_position_embeddings", 1, kMaxPositions, d.max_position_embeddings);
  m.tie_word_embeddings = r.boolean("tie_word_embeddings", false);
  const bool attention_bias = r.boolean("attention_bias", false);
  s.qkv_bias = attention_bias;
  s.o_bias = attention_bias;

  s.attention = AttentionKind::mla;
  MlaConfig& mla = s.mla;
  // q_lora_rank: an explicit null means no low-rank q (DeepSeek-V2-Lite); absent means the class default.
  if (r.raw().contains("q_lora_rank") && r.raw().at("q_lora_rank").is_null()) {
    r.find("q_lora_rank");
    mla.q_lora_rank = 0;
  } else {
    mla.q_lora_rank = r.integer("q_lora_rank", 1, kMaxLoraRank, 1536);
  }
  mla.kv_lora_rank = r.integer("kv_lora_rank", 1, kMaxLoraRank, 512);
  mla.qk_nope_head_dim = r.integer("qk_nope_head_dim", 1, kMaxHeadDim, 128);
  mla.qk_rope_head_dim = r.integer("qk_rope_head_dim", 1, kMaxHeadDim, 64);
  mla.v_head_dim = r.integer("v_head_dim", 1, kMaxHeadDim, 128);
  s.head_dim = mla.qk_nope_head_dim + mla.qk_rope_head_dim;  // the q/k head dimension

  MoeConfig& moe = s.moe;
  const std::int64_t routed = r.integer("n_routed_experts", 1, kMaxExperts, v3 ? 256 : 0);
  if (routed > 0) {
    moe.num_experts = routed;
    moe.experts_per_token = v3 ? r.integer("num_experts_per_tok", 1, kMaxExperts, 8)
                               : r.required_integer("num_experts_per_tok", 1, kMaxExperts);
    check_top_k(r, "num_experts_per_tok", moe);
    moe.expert_intermediate = r.integer("moe_intermediate_size", 1, kMaxIntermediate, v3 ? 2048 : 1407);
    moe.shared_experts = r.integer("n_shared_experts", 0, kMaxExperts, v3 ? 1 : 0);
    moe.shared_intermediate = moe.shared_experts > 0 ? moe.expert_intermediate : 0;
    moe.first_dense_layers = r.integer("first_k_dense_replace", 0, s.layers, v3 ? 3 : 0);
    moe.layer_freq = r.integer("moe_layer_freq", 1, kMaxLayers, 1);
    // DeepSeek-V3's router carries e_score_correction_bias (n_routed_experts values), a Parameter in
    // deepseek-ai's modeling_deepseek.py MoEGate and in the checkpoint (a buffer in transformers'
    // DeepseekV3TopkRouter). DeepSeek-V2 uses it only with topk_method "noaux_tc".
    moe.router_bias = v3 || r.string("topk_method", "greedy") == "noaux_tc";
    std::int64_t n = 0;
    for (std::int64_t i = moe.first_dense_layers; i < s.layers; ++i) {
      if (i % moe.layer_freq == 0) ++n;
    }
    moe.moe_layers = n;
  }
  if (v3) m.nextn_predict_layers = r.integer("num_nextn_predict_layers", 0, kMaxLayers, 0);
}

}  // namespace vramplan::hf
