// Llama-shaped decoders with their own norms, biases or keys: StarCoder2, Cohere (Command R, Aya),
// Granite, InternLM2, StableLM.
// Every default is the transformers configuration class default named beside it (hf_config.cpp says why).
#include <cstdint>

#include "hf_common.hpp"
#include "hf_families.hpp"
#include "vramplan/json_reader.hpp"
#include "vramplan/model.hpp"

namespace vramplan::hf {

// Starcoder2Config: vocab 49152, heads 24, kv 2, max_pos 4096, use_bias True, sliding_window None, tie
// True. Starcoder2DecoderLayer (modeling_starcoder2.py): input_layernorm and post_attention_layernorm are
// nn.LayerNorm; q/k/v/o_proj with bias = use_bias; Starcoder2MLP c_fc / c_proj (plain) with bias =
// use_bias; Starcoder2Model.norm a LayerNorm; lm_head tied.
void parse_starcoder2(ObjectReader& r, ModelConfig& m) {
  read_decoder_common(r, {49152, 24, 2, 0, 4096, true}, m, /*honor_head_dim=*/false);
  TransformerStack& s = m.text;
  use_biased_layernorm_block(s);
  const bool bias = r.boolean("use_bias", true);
  s.qkv_bias = bias;
  s.o_bias = bias;
  s.mlp_bias = bias;
  const std::int64_t sw = r.integer("sliding_window", 1, kMaxPositions, 0);
  if (sw > 0) {
    m.text.sliding_window = sw;
    m.text.sliding_window_layers = m.text.layers;
  }
}

// CohereConfig: vocab 256000, heads 64, kv = heads, max_pos 8192, tie True, use_qk_norm False,
// attention_bias False. CohereDecoderLayer (modeling_cohere.py): one input_layernorm (attention and MLP
// in parallel), a CohereLayerNorm with a weight and no bias (the parameters of an RMSNorm); with
// use_qk_norm, q_norm / k_norm are CohereLayerNorm((heads, head_dim)) and ((kv_heads, head_dim)); gated
// MLP without bias; CohereModel.norm; lm_head tied.
void parse_cohere(ObjectReader& r, ModelConfig& m) {
  read_decoder_common(r, {256000, 64, 0, 0, 8192, true}, m, /*honor_head_dim=*/false);
  TransformerStack& s = m.text;
  const bool attention_bias = r.boolean("attention_bias", false);
  s.qkv_bias = attention_bias;
  s.o_bias = attention_bias;
  s.norms_per_layer = 1;
  s.qk_norm = r.boolean("use_qk_norm", false);
  s.qk_norm_full_width = s.qk_norm;
}

// InternLM2Config (internlm/internlm2-* configuration_internlm2.py, remote code): vocab 103168, heads 32,
// kv = heads, max_pos 2048, bias True, tie False. InternLM2DecoderLayer (modeling_internlm2.py):
// attention wqkv (q, k and v fused: the same count) and wo with bias = bias, feed_forward w1/w3/w2
// without bias, attention_norm and ffn_norm RMSNorms; InternLM2Model tok_embeddings, norm; output untied.
void parse_internlm2(ObjectReader& r, ModelConfig& m) {
  read_decoder_common(r, {103168, 32, 0, 0, 2048, false}, m, /*honor_head_dim=*/false);
  const bool bias = r.boolean("bias", true);
  m.text.qkv_bias = bias;
  m.text.o_bias = bias;
}

// StableLmConfig: vocab 50304, heads 32, kv 32, max_pos 4096, tie False, use_qkv_bias False,
// qk_layernorm False, use_parallel_residual False. StableLmDecoderLayer (modeling_stablelm.py):
// input_layernorm nn.LayerNorm, post_attention_layernorm unless use_parallel_residual; q/k/v_proj bias =
// use_qkv_bias, o_proj without; with qk_layernorm, StableLmLayerNormPerHead: one LayerNorm(head_dim,
// bias=False) per query head and per key/value head; gated MLP without bias; StableLmModel.norm a
// LayerNorm.
void parse_stablelm(ObjectReader& r, ModelConfig& m) {
  read_decoder_common(r, {50304, 32, 32, 0, 4096, false}, m, /*honor_head_dim=*/false);
  TransformerStack& s = m.text;
  s.norm = NormKind::layer;
  s.qkv_bias = r.boolean("use_qkv_bias", false);
  if (r.boolean("use_parallel_residual", false)) s.norms_per_layer = 1;
  if (r.boolean("qk_layernorm", false)) {
    s.extra_block_params = mul(add(s.num_heads, s.num_kv_heads), s.head_dim);
  }
}

}  // namespace vramplan::hf
