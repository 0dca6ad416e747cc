// GPT-style decoders with LayerNorms and a plain MLP: GPT-2, GPTBigCode (StarCoder, SantaCoder), GPT-J,
// GPT-NeoX (Pythia, RedPajama-INCITE), Falcon.
// Every default is the transformers configuration class default named beside it (hf_config.cpp says why).
#include <cstdint>
#include <string>

#include "hf_common.hpp"
#include "hf_families.hpp"
#include "vramplan/json_reader.hpp"
#include "vramplan/model.hpp"

namespace vramplan::hf {
namespace {

// The MLP width 4 * hidden that GPT-style configs imply when their width key is absent or null.
std::int64_t four_times(ObjectReader& r, const char* key, std::int64_t hidden, const char* hidden_key) {
  if (r.has(key)) return r.required_integer(key, 1, kMaxIntermediate);
  r.find(key);
  if (hidden > kMaxIntermediate / 4) {
    fail(r.pointer_of(hidden_key), "gives an MLP width (4 * " + std::string(hidden_key) + ") above 16,777,216");
  }
  return 4 * hidden;
}

}  // namespace

// GPT2Config: vocab 50257, n_positions 1024, n_head 12, n_inner None (4 * n_embd), tie True.
// GPT2Block: ln_1, attn (c_attn Conv1D(3*n_embd) and c_proj with bias), ln_2, mlp (c_fc, c_proj with
// bias); GPT2Model: wte, wpe, ln_f; GPT2LMHeadModel lm_head tied to wte.
void parse_gpt2(ObjectReader& r, ModelConfig& m) {
  TransformerStack& s = m.text;
  s.hidden_size = r.required_integer("n_embd", 1, kMaxHidden);
  s.layers = r.required_integer("n_layer", 1, kMaxLayers);
  s.num_heads = r.integer("n_head", 1, kMaxHeads, 12);
  s.num_kv_heads = s.num_heads;
  s.head_dim = read_head_dim(r, s.hidden_size, s.num_heads, 0, "n_embd", "n_head", false);
  s.intermediate_size = four_times(r, "n_inner", s.hidden_size, "n_embd");
  use_biased_layernorm_block(s);
  m.vocab_size = r.integer("vocab_size", 1, kMaxVocab, 50257);
  m.max_position_embeddings = r.integer("n_positions", 1, kMaxPositions, 1024);
  m.learned_position_embeddings = m.max_position_embeddings;
  m.tie_word_embeddings = r.boolean("tie_word_embeddings", true);
  // GPT2Config defaults: activation_function "gelu_new", resid_pdrop 0.1.
  s.python_tanh_gelu = r.string("activation_function", "gelu_new", 64) == "gelu_new";
  s.hidden_dropout = r.number("resid_pdrop", 0.0, 1.0, 0.1) > 0.0;
}

// GPTBigCodeConfig: vocab 50257, n_positions 1024, n_head 12, n_inner None (4 * n_embd), multi_query True,
// tie True. GPTBigCodeBlock (modeling_gpt_bigcode.py): ln_1, attn c_attn Linear(embed, embed + 2 *
// head_dim) with multi_query (one shared key/value head) else Linear(embed, 3 * embed), c_proj, ln_2, mlp
// c_fc / c_proj, every Linear with a bias; GPTBigCodeModel wte, wpe, ln_f; lm_head tied to wte.
void parse_gpt_bigcode(ObjectReader& r, ModelConfig& m) {
  TransformerStack& s = m.text;
  s.hidden_size = r.required_integer("n_embd", 1, kMaxHidden);
  s.layers = r.required_integer("n_layer", 1, kMaxLayers);
  s.num_heads = r.integer("n_head", 1, kMaxHeads, 12);
  s.head_dim = read_head_dim(r, s.hidden_size, s.num_heads, 0, "n_embd", "n_head", false);
  s.num_kv_heads = r.boolean("multi_query", true) ? 1 : s.num_heads;
  s.intermediate_size = four_times(r, "n_inner", s.hidden_size, "n_embd");
  use_biased_layernorm_block(s);
  m.vocab_size = r.integer("vocab_size", 1, kMaxVocab, 50257);
  m.max_position_embeddings = r.integer("n_positions", 1, kMaxPositions, 1024);
  m.learned_position_embeddings = m.max_position_embeddings;
  m.tie_word_embeddings = r.boolean("tie_word_embeddings", true);
  s.hidden_dropout = r.number("resid_pdrop", 0.0, 1.0, 0.1) > 0.0;
}

// GPTJConfig: vocab 50400, n_positions 2048, n_head 16, n_inner None (4 * n_embd), tie False.
// GPTJBlock (modeling_gptj.py): one ln_1 (attention and MLP in parallel), attn q/k/v/out_proj without
// bias, mlp fc_in / fc_out with bias; GPTJModel wte, ln_f (no position table: rotary); GPTJForCausalLM
// lm_head Linear(n_embd, vocab) with a bias.
void parse_gptj(ObjectReader& r, ModelConfig& m) {
  TransformerStack& s = m.text;
  s.hidden_size = r.required_integer("n_embd", 1, kMaxHidden);
  s.layers = r.required_integer("n_layer", 1, kMaxLayers);
  s.num_heads = r.integer("n_head", 1, kMaxHeads, 16);
  s.num_kv_heads = s.num_heads;
  s.head_dim = read_head_dim(r, s.hidden_size, s.num_heads, 0, "n_embd", "n_head", false);
  s.intermediate_size = four_times(r, "n_inner", s.hidden_size, "n_embd");
  use_biased_layernorm_block(s);
  s.qkv_bias = false;
  s.o_bias = false;
  s.norms_per_layer = 1;
  m.vocab_size = r.integer("vocab_size", 1, kMaxVocab, 50400);
  m.max_position_embeddings = r.integer("n_positions", 1, kMaxPositions, 2048);
  m.tie_word_embeddings = r.boolean("tie_word_embeddings", false);
  m.lm_head_bias = true;
  s.python_tanh_gelu = r.string("activation_function", "gelu_new", 64) == "gelu_new";
  s.hidden_dropout = r.number("resid_pdrop", 0.0, 1.0, 0.0) > 0.0;
}

// GPTNeoXConfig: vocab 50432, heads 64, max_pos 2048, attention_bias True, tie False.
// GPTNeoXLayer (modeling_gpt_neox.py): input_layernorm and post_attention_layernorm (both, also with
// use_parallel_residual), attention query_key_value Linear(hidden, 3 hidden) and dense with bias =
// attention_bias, mlp dense_h_to_4h / dense_4h_to_h with bias; final_layer_norm; embed_out without bias.
void parse_gpt_neox(ObjectReader& r, ModelConfig& m) {
  read_decoder_common(r, {50432, 64, 0, 0, 2048, false}, m, /*honor_head_dim=*/false);
  TransformerStack& s = m.text;
  use_biased_layernorm_block(s);
  const bool attention_bias = r.boolean("attention_bias", true);
  s.qkv_bias = attention_bias;
  s.o_bias = attention_bias;
}

// FalconConfig: vocab 65024, heads 71, max_pos 2048, multi_query True, parallel_attn True, bias False,
// new_decoder_architecture False, num_kv_heads None (= heads), ffn_hidden_size None (4 * hidden), tie
// True. FalconAttention (modeling_falcon.py): kv heads = num_kv_heads with new_decoder_architecture or
// without multi_query, else 1; query_key_value and dense with bias = bias. FalconDecoderLayer: ln_attn +
// ln_mlp with new_decoder_architecture (num_ln_in_parallel_attn 2, its default there), else
// input_layernorm plus post_attention_layernorm unless parallel_attn; FalconMLP dense_h_to_4h /
// dense_4h_to_h with bias = bias. FalconModel word_embeddings, ln_f; lm_head tied.
void parse_falcon(ObjectReader& r, ModelConfig& m) {
  TransformerStack& s = m.text;
  s.hidden_size = r.required_integer("hidden_size", 1, kMaxHidden);
  s.layers = r.required_integer("num_hidden_layers", 1, kMaxLayers);
  s.num_heads = r.integer("num_attention_heads", 1, kMaxHeads, 71);
  s.head_dim = read_head_dim(r, s.hidden_size, s.num_heads, 0, "hidden_size", "num_attention_heads", false);
  const bool new_arch = r.boolean("new_decoder_architecture", false);
  const bool multi_query = r.boolean("multi_query", true);
  const std::int64_t kv = r.integer("num_kv_heads", 1, kMaxHeads, s.num_heads);
  s.num_kv_heads = (new_arch || !multi_query) ? kv : 1;
  check_kv_heads(r, s.num_heads, s.num_kv_heads);
  s.intermediate_size = four_times(r, "ffn_hidden_size", s.hidden_size, "hidden_size");
  use_biased_layernorm_block(s);
  const bool bias = r.boolean("bias", false);
  s.qkv_bias = bias;
  s.o_bias = bias;
  s.mlp_bias = bias;
  const bool parallel = r.boolean("parallel_attn", true);
  if (new_arch) {
    s.norms_per_layer = r.integer("num_ln_in_parallel_attn", 1, 2, 2);
  } else {
    s.norms_per_layer = parallel ? 1 : 2;
  }
  m.vocab_size = r.integer("vocab_size", 1, kMaxVocab, 65024);
  m.max_position_embeddings = r.integer("max_position_embeddings", 1, kMaxPositions, 2048);
  m.tie_word_embeddings = r.boolean("tie_word_embeddings", true);
}

}  // namespace vramplan::hf
