// gpt-oss (openai/gpt-oss-20b, -120b): a mixture of experts on every layer with biased experts and router,
// attention sinks, alternating sliding-window and full attention.
// Every default is the transformers configuration class default named beside it (hf_config.cpp says why).
#include <cstdint>

#include "hf_common.hpp"
#include "hf_families.hpp"
#include "vramplan/json_reader.hpp"
#include "vramplan/model.hpp"

namespace vramplan::hf {

// GptOssConfig (configuration_gpt_oss.py): vocab 201088, heads 64, kv 8, head_dim 64, max_pos 131072,
// tie False, num_local_experts 128, experts_per_token 4 (also written as num_experts_per_tok),
// sliding_window 128, attention_bias True, layer_types default sliding on even layer indices.
// GptOssDecoderLayer (modeling_gpt_oss.py): input_layernorm, post_attention_layernorm (RMSNorm);
// GptOssAttention q/k/v/o_proj with bias = attention_bias and `sinks`, one learned logit per head;
// GptOssMLP: router GptOssTopKRouter (weight experts x hidden, bias experts), experts GptOssExperts:
// gate_up_proj (experts, hidden, 2 * intermediate) + gate_up_proj_bias (experts, 2 * intermediate),
// down_proj (experts, intermediate, hidden) + down_proj_bias (experts, hidden): per expert the
// parameters of a gated MLP with biases of width intermediate_size.
void parse_gpt_oss(ObjectReader& r, ModelConfig& m) {
  read_decoder_common(r, {201088, 64, 8, 64, 131072, false}, m);
  TransformerStack& s = m.text;
  const bool attention_bias = r.boolean("attention_bias", true);
  s.qkv_bias = attention_bias;
  s.o_bias = attention_bias;
  s.mlp_bias = true;
  s.extra_block_params = s.num_heads;  // GptOssAttention.sinks
  s.sliding_window = read_sliding_window(r, 128);
  const std::int64_t from_types = count_sliding_layer_types(r, s.layers);
  s.sliding_window_layers = from_types >= 0 ? from_types : (s.layers + 1) / 2;

  MoeConfig& moe = s.moe;
  moe.num_experts = r.integer("num_local_experts", 1, kMaxExperts, 128);
  const std::int64_t top_k = r.integer("experts_per_token", 1, kMaxExperts, 4);
  moe.experts_per_token = r.integer("num_experts_per_tok", 1, kMaxExperts, top_k);
  check_top_k(r, r.has("num_experts_per_tok") ? "num_experts_per_tok" : "experts_per_token", moe);
  moe.expert_intermediate = s.intermediate_size;
  moe.router_bias = true;
  moe.moe_layers = s.layers;
}

}  // namespace vramplan::hf
