// GPT-2 style decoders: learned positions, LayerNorm, plain MLP, Conv1D projections with biases.
// Every default is the transformers configuration class default named beside it (hf_config.cpp says why).
#include <algorithm>
#include <cstdint>

#include "hf_common.hpp"
#include "hf_families.hpp"
#include "vramplan/json_reader.hpp"
#include "vramplan/model.hpp"

namespace vramplan::hf {

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
  const std::int64_t four_h = s.hidden_size * 4;
  s.intermediate_size = r.integer("n_inner", 1, kMaxIntermediate, std::min(four_h, kMaxIntermediate));
  if (!r.has("n_inner") && four_h > kMaxIntermediate) {
    fail(r.pointer_of("n_embd"), "gives an MLP width (4 * n_embd) above 16,777,216");
  }
  use_biased_layernorm_block(s);
  m.vocab_size = r.integer("vocab_size", 1, kMaxVocab, 50257);
  m.max_position_embeddings = r.integer("n_positions", 1, kMaxPositions, 1024);
  m.learned_position_embeddings = m.max_position_embeddings;
  m.tie_word_embeddings = r.boolean("tie_word_embeddings", true);
  // GPT2Config defaults: activation_function "gelu_new", resid_pdrop 0.1.
  s.python_tanh_gelu = r.string("activation_function", "gelu_new", 64) == "gelu_new";
  s.hidden_dropout = r.number("resid_pdrop", 0.0, 1.0, 0.1) > 0.0;
}

}  // namespace vramplan::hf
