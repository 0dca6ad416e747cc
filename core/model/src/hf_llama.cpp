// Llama-like decoders with one text stack: Llama (and Granite), Mistral, Mixtral, Phi-2, Phi-3, OLMo 2.
// Every default is the transformers configuration class default named beside it (hf_config.cpp says why).
#include <cstdint>

#include "hf_common.hpp"
#include "hf_families.hpp"
#include "vramplan/json_reader.hpp"
#include "vramplan/model.hpp"

namespace vramplan::hf {

// LlamaConfig (configuration_llama.py): vocab 32000, heads 32, kv = heads, max_pos 2048, tie False;
// LlamaAttention q/k/v/o bias = attention_bias, LlamaMLP bias = mlp_bias.
// GraniteConfig (configuration_granite.py) has the same defaults and GraniteForCausalLM the same weights
// (modeling_granite.py: its embedding/attention/residual/logits multipliers are scalars, not parameters).
void parse_llama(ObjectReader& r, ModelConfig& m) {
  read_decoder_common(r, {32000, 32, 0, 0, 2048, false}, m);
  const bool attention_bias = r.boolean("attention_bias", false);
  m.text.qkv_bias = attention_bias;
  m.text.o_bias = attention_bias;
  m.text.mlp_bias = r.boolean("mlp_bias", false);
}

// MistralConfig: vocab 32000, heads 32, kv 8, head_dim None (hidden/heads; Mistral-Nemo sets 128),
// max_pos 4096*32, tie False, sliding_window 4096 (on every layer; null in v0.2+ configs).
void parse_mistral(ObjectReader& r, ModelConfig& m) {
  read_decoder_common(r, {32000, 32, 8, 0, 4096 * 32, false}, m);
  if (r.raw().contains("sliding_window") && r.raw().at("sliding_window").is_null()) {
    r.find("sliding_window");
  } else {
    m.text.sliding_window = read_sliding_window(r, 4096);
    m.text.sliding_window_layers = m.text.layers;
  }
}

// MixtralConfig: vocab 32000, heads 32, kv 8, max_pos 4096*32, tie False, sliding_window None,
// num_local_experts 8, num_experts_per_tok 2; MixtralSparseMoeBlock: gate Linear(hidden, experts,
// bias=False), experts of width intermediate_size, on every layer.
void parse_mixtral(ObjectReader& r, ModelConfig& m) {
  read_decoder_common(r, {32000, 32, 8, 0, 4096 * 32, false}, m);
  const std::int64_t sw = r.integer("sliding_window", 1, kMaxPositions, 0);
  if (sw > 0) {
    m.text.sliding_window = sw;
    m.text.sliding_window_layers = m.text.layers;
  }
  MoeConfig& moe = m.text.moe;
  moe.num_experts = r.integer("num_local_experts", 1, kMaxExperts, 8);
  moe.experts_per_token = r.integer("num_experts_per_tok", 1, kMaxExperts, 2);
  check_top_k(r, "num_experts_per_tok", moe);
  moe.expert_intermediate = m.text.intermediate_size;
  moe.moe_layers = m.text.layers;
}

// PhiConfig: vocab 51200, heads 32, kv = heads, max_pos 2048, tie False, qk_layernorm False;
// PhiDecoderLayer: one LayerNorm (attention and MLP in parallel); PhiAttention q/k/v/dense bias=True;
// PhiMLP fc1/fc2 with bias; PhiForCausalLM lm_head bias=True.
void parse_phi(ObjectReader& r, ModelConfig& m) {
  read_decoder_common(r, {51200, 32, 0, 0, 2048, false}, m, /*honor_head_dim=*/false);
  TransformerStack& s = m.text;
  use_biased_layernorm_block(s);
  s.norms_per_layer = 1;
  s.qk_norm = r.boolean("qk_layernorm", false);
  m.lm_head_bias = true;
  // PhiConfig defaults: hidden_act "gelu_new", resid_pdrop 0.0 (Phi-2's config.json sets 0.1).
  s.python_tanh_gelu = r.string("hidden_act", "gelu_new", 64) == "gelu_new";
  s.hidden_dropout = r.number("resid_pdrop", 0.0, 1.0, 0.0) > 0.0;
}

// Phi3Config: vocab 32064, heads 32, kv = heads, max_pos 4096, tie False, sliding_window None (2047 in
// Phi-3-mini-4k, on every layer); Phi3Attention qkv_proj and o_proj without bias; Phi3MLP gate_up_proj
// (fused) and down_proj without bias.
void parse_phi3(ObjectReader& r, ModelConfig& m) {
  read_decoder_common(r, {32064, 32, 0, 0, 4096, false}, m);
  const std::int64_t sw = r.integer("sliding_window", 1, kMaxPositions, 0);
  if (sw > 0) {
    m.text.sliding_window = sw;
    m.text.sliding_window_layers = m.text.layers;
  }
}

// Olmo2Config: vocab 50304, heads 32, kv = heads, max_pos 2048, tie False, attention_bias False;
// Olmo2Attention: q_norm = Olmo2RMSNorm(heads * head_dim), k_norm = Olmo2RMSNorm(kv_heads * head_dim);
// Olmo2DecoderLayer has post_attention_layernorm and post_feedforward_layernorm only (no input norm).
void parse_olmo2(ObjectReader& r, ModelConfig& m) {
  read_decoder_common(r, {50304, 32, 0, 0, 2048, false}, m);
  const bool attention_bias = r.boolean("attention_bias", false);
  m.text.qkv_bias = attention_bias;
  m.text.o_bias = attention_bias;
  m.text.qk_norm = true;
  m.text.qk_norm_full_width = true;
  m.text.norms_per_layer = 2;
}

}  // namespace vramplan::hf
