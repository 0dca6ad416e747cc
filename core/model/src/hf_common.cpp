// The shared readers of hf_common.hpp.
#include "hf_common.hpp"

namespace vramplan::hf {

std::int64_t mul(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) fail("", kTooLarge);
  return r;
}
std::int64_t add(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) fail("", kTooLarge);
  return r;
}

std::string str(std::int64_t v) { return std::to_string(v); }

// Reads a head_dim for attention that splits hidden_size across heads, failing (instead of truncating
// as some modeling code does) when the split is not exact and no explicit head_dim is given.
std::int64_t read_head_dim(ObjectReader& r, std::int64_t hidden, std::int64_t heads, std::int64_t fallback,
                           const char* hidden_key, const char* heads_key, bool honor_key) {
  if (honor_key && r.has("head_dim")) return r.required_integer("head_dim", 1, kMaxHeadDim);
  if (honor_key) r.find("head_dim");
  if (fallback > 0) return fallback;
  if (hidden % heads != 0) {
    fail(r.pointer_of(honor_key ? "head_dim" : heads_key),
         std::string(honor_key ? "is required when " : "must divide ") + hidden_key + " (" + str(hidden) +
             (honor_key ? std::string(") is not divisible by ") + heads_key + " (" + str(heads) + ")"
                        : std::string("), got ") + str(heads)));
  }
  const std::int64_t hd = hidden / heads;
  if (hd > kMaxHeadDim) fail(r.pointer_of(heads_key), "gives a head dimension above 65,536");
  return hd;
}

void check_kv_heads(ObjectReader& r, std::int64_t heads, std::int64_t kv) {
  if (heads % kv != 0) {
    fail(r.pointer_of("num_key_value_heads"),
         "must divide num_attention_heads (" + str(heads) + "), got " + str(kv));
  }
}

// The fields shared by Llama-like decoders (Llama, Mistral, Qwen, Gemma, Phi-3, OLMo 2, DeepSeek).
void read_decoder_common(ObjectReader& r, const DecoderDefaults& d, ModelConfig& m, bool honor_head_dim) {
  TransformerStack& s = m.text;
  s.hidden_size = r.required_integer("hidden_size", 1, kMaxHidden);
  s.layers = r.required_integer("num_hidden_layers", 1, kMaxLayers);
  s.intermediate_size = r.required_integer("intermediate_size", 1, kMaxIntermediate);
  s.num_heads = r.integer("num_attention_heads", 1, kMaxHeads, d.num_attention_heads);
  s.num_kv_heads = r.integer("num_key_value_heads", 1, kMaxHeads,
                             d.num_key_value_heads > 0 ? d.num_key_value_heads : s.num_heads);
  check_kv_heads(r, s.num_heads, s.num_kv_heads);
  s.head_dim = read_head_dim(r, s.hidden_size, s.num_heads, d.head_dim, "hidden_size", "num_attention_heads",
                             honor_head_dim);
  m.vocab_size = r.integer("vocab_size", 1, kMaxVocab, d.vocab_size);
  m.max_position_embeddings = r.integer("max_position_embeddings", 1, kMaxPositions, d.max_position_embeddings);
  m.tie_word_embeddings = r.boolean("tie_word_embeddings", d.tie_word_embeddings);
}

// Counts entries of `layer_types` (transformers >= 4.53 writes it) equal to "sliding_attention";
// -1 when the key is absent.
std::int64_t count_sliding_layer_types(ObjectReader& r, std::int64_t layers) {
  return count_layer_types(r, layers, "sliding_attention");
}

std::int64_t count_layer_types(ObjectReader& r, std::int64_t layers, const char* type) {
  const Json* v = r.find("layer_types");
  if (!v) return -1;
  const std::string p = r.pointer_of("layer_types");
  if (!v->is_array()) fail(p, "must be an array of layer type names such as \"full_attention\", got " + describe_value(*v));
  if (static_cast<std::int64_t>(v->size()) != layers) {
    fail(p, "must have one entry per layer (" + str(layers) + "), got " + std::to_string(v->size()));
  }
  std::int64_t n = 0;
  for (std::size_t i = 0; i < v->size(); ++i) {
    const Json& e = (*v)[i];
    if (!e.is_string()) fail(pointer_append(p, i), "must be a string, got " + describe_value(e));
    if (e.get_ref<const std::string&>() == type) ++n;
  }
  return n;
}

std::int64_t read_sliding_window(ObjectReader& r, std::int64_t fallback) {
  return r.integer("sliding_window", 1, kMaxPositions, fallback);
}

void check_top_k(ObjectReader& r, const char* key, const MoeConfig& moe) {
  if (moe.experts_per_token > moe.num_experts) {
    fail(r.pointer_of(key), "must be at most the number of experts (" + str(moe.num_experts) + "), got " +
                                str(moe.experts_per_token));
  }
}

void use_biased_layernorm_block(TransformerStack& s) {
  s.norm = NormKind::layer;
  s.mlp = MlpKind::plain;
  s.qkv_bias = true;
  s.o_bias = true;
  s.mlp_bias = true;
}

TransformerStack mha_stack(std::int64_t layers, std::int64_t hidden, std::int64_t heads, std::int64_t head_dim,
                           std::int64_t intermediate) {
  TransformerStack s;
  s.layers = layers;
  s.hidden_size = hidden;
  s.num_heads = heads;
  s.num_kv_heads = heads;
  s.head_dim = head_dim;
  s.intermediate_size = intermediate;
  return s;
}

ExtraTower vit_tower(std::int64_t params, std::int64_t block, std::int64_t layers, std::int64_t hidden,
                     std::int64_t heads, std::int64_t head_dim, std::int64_t intermediate) {
  ExtraTower tower;
  tower.name = "vision";
  tower.params = params;
  tower.block_params = block;
  tower.stack = mha_stack(layers, hidden, heads, head_dim, intermediate);
  use_biased_layernorm_block(tower.stack);
  return tower;
}

// Layer indices listed in e.g. mlp_only_layers, each checked to be a layer index.
std::vector<bool> read_layer_set(ObjectReader& r, const char* key, std::int64_t layers) {
  std::vector<bool> set(static_cast<std::size_t>(layers), false);
  const Json* v = r.find(key);
  if (!v) return set;
  const std::string p = r.pointer_of(key);
  if (!v->is_array()) fail(p, "must be an array of layer indices, got " + describe_value(*v));
  for (std::size_t i = 0; i < v->size(); ++i) {
    const std::int64_t idx = read_integer((*v)[i], pointer_append(p, i), 0, layers - 1);
    set[static_cast<std::size_t>(idx)] = true;
  }
  return set;
}

}  // namespace vramplan::hf
