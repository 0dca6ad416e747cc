// The generic counter: a config.json whose model_type has no reader of its own is counted from the keys
// that every transformers configuration class uses for the same things (PretrainedConfig's
// attribute_map gives the classic aliases: n_embd / d_model -> hidden_size, n_layer -> num_hidden_layers,
// n_head -> num_attention_heads), under assumptions that are written into the model
// (ModelConfig::count_assumptions) and shown as a warning with every result. Nested text_config /
// vision_config / audio_config are read the same way; a text_config whose own model_type has an exact
// reader is read by that reader, so a new multimodal wrapper of a known language model is exact in its
// text stack and generic only in its towers.
//
// Where a guess has to be made it leans to the larger count (full attention where a sliding window is not
// clearly used), so that a generic estimate errs towards "does not fit", never the other way.
#include <algorithm>
#include <initializer_list>
#include <string>

#include "hf_common.hpp"
#include "hf_generic.hpp"
#include "vramplan/params.hpp"

namespace vramplan::hf {
namespace {

using Names = std::initializer_list<const char*>;

// The first of `names` present (not null) in the object, or nullptr.
const char* present(const ObjectReader& r, Names names) {
  for (const char* n : names) {
    if (r.has(n)) return n;
  }
  return nullptr;
}

std::string joined(Names names) {
  std::string out;
  for (const char* n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

std::int64_t required_alias(ObjectReader& r, Names names, std::int64_t lo, std::int64_t hi) {
  if (const char* key = present(r, names)) return r.required_integer(key, lo, hi);
  fail(r.pointer_of(*names.begin()),
       "is required to count an unknown model_type generically (under any of these names: " + joined(names) + ")");
}

std::int64_t alias_or(ObjectReader& r, Names names, std::int64_t lo, std::int64_t hi, std::int64_t fallback) {
  if (const char* key = present(r, names)) return r.required_integer(key, lo, hi);
  return fallback;
}

std::string lower_string(ObjectReader& r, Names names) {
  const char* key = present(r, names);
  if (key == nullptr || !r.raw().at(key).is_string()) return "";
  std::string v = r.string(key, "", 128);
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return v;
}

bool contains(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

// Gated (SwiGLU/GeGLU: gate, up, down) unless the activation or the key names say otherwise: silu/swish
// and *glu* activations are gated in every current family; plain gelu/relu with GPT-style width keys
// (n_inner, ffn_dim, d_ff) are the two-matrix MLP of GPT-2, OPT, BART, T5 v1.0.
MlpKind read_mlp_kind(ObjectReader& r, bool gpt_style_width, std::vector<std::string>& notes) {
  const std::string act = lower_string(r, {"hidden_act", "activation_function", "hidden_activation",
                                           "feed_forward_proj", "act_fn", "activation"});
  if (contains(act, "glu") || contains(act, "gated") || contains(act, "silu") || contains(act, "swish")) {
    return MlpKind::gated;
  }
  if (!act.empty() && (gpt_style_width || contains(act, "gelu") || contains(act, "relu"))) {
    notes.push_back("a two-matrix MLP (activation \"" + act + "\")");
    return MlpKind::plain;
  }
  notes.push_back(act.empty() ? "a gated MLP (gate, up, down: no activation named)"
                              : "a gated MLP (gate, up, down) with activation \"" + act + "\"");
  return MlpKind::gated;
}

NormKind read_norm_kind(ObjectReader& r, std::vector<std::string>& notes) {
  if (present(r, {"rms_norm_eps", "rms_norm_epsilon"})) return NormKind::rms;
  const std::string type = lower_string(r, {"norm_type", "normalization_type"});
  if (contains(type, "rms")) return NormKind::rms;
  if (present(r, {"layer_norm_eps", "layer_norm_epsilon", "layernorm_epsilon"}) || contains(type, "layer")) {
    return NormKind::layer;
  }
  notes.push_back("RMSNorm (no norm key)");
  return NormKind::rms;
}

// Biases: the config's own switch when it has one; otherwise LayerNorm models are given biases (GPT-2,
// OPT, BERT, BART style) and RMSNorm models none (Llama style).
void read_biases(ObjectReader& r, TransformerStack& s, std::vector<std::string>& notes) {
  if (const char* key = present(r, {"attention_bias", "qkv_bias", "use_qkv_bias", "add_qkv_bias"})) {
    s.qkv_bias = r.boolean(key, false);
    s.o_bias = key == std::string("attention_bias") && s.qkv_bias;
  } else if (const char* any = present(r, {"bias", "use_bias", "add_bias_linear"})) {
    s.qkv_bias = s.o_bias = s.mlp_bias = r.boolean(any, false);
    return;
  } else {
    s.qkv_bias = s.o_bias = s.norm == NormKind::layer;
    notes.push_back(s.qkv_bias ? "biases on every projection (LayerNorm model)" : "no projection biases");
  }
  s.mlp_bias = present(r, {"mlp_bias"}) ? r.boolean("mlp_bias", false) : s.norm == NormKind::layer;
}

void read_moe(ObjectReader& r, TransformerStack& s, std::vector<std::string>& notes) {
  const std::int64_t experts =
      alias_or(r, {"num_local_experts", "num_experts", "n_routed_experts", "moe_num_experts"}, 0, kMaxExperts, 0);
  if (experts <= 1) return;
  MoeConfig& moe = s.moe;
  moe.num_experts = experts;
  const char* topk = present(r, {"num_experts_per_tok", "num_experts_per_token", "moe_top_k", "top_k", "moe_k"});
  moe.experts_per_token = topk ? r.required_integer(topk, 1, experts) : 2;
  if (!topk) notes.push_back("2 experts per token (no top-k key)");
  moe.expert_intermediate =
      alias_or(r, {"moe_intermediate_size", "expert_intermediate_size", "moe_ffn_hidden_size"}, 1, kMaxIntermediate,
               s.intermediate_size);
  moe.shared_experts = alias_or(r, {"n_shared_experts", "num_shared_experts", "moe_num_shared_experts"}, 0,
                                kMaxExperts, 0);
  if (const char* key = present(r, {"shared_expert_intermediate_size", "moe_shared_expert_intermediate_size"})) {
    moe.shared_intermediate = r.required_integer(key, 1, kMaxIntermediate);
    if (moe.shared_experts == 0) moe.shared_experts = 1;
  } else {
    moe.shared_intermediate = moe.expert_intermediate;
  }
  moe.first_dense_layers =
      alias_or(r, {"first_k_dense_replace", "first_k_dense", "num_dense_layers"}, 0, s.layers, 0);
  moe.layer_freq = alias_or(r, {"moe_layer_freq", "decoder_sparse_step", "interleave_moe_layer_step"}, 1,
                            kMaxLayers, 1);
  std::int64_t moe_layers = 0;  // layer_idx >= first_dense_layers and layer_idx % layer_freq == 0 (DeepSeek rule)
  for (std::int64_t i = moe.first_dense_layers; i < s.layers; ++i) moe_layers += i % moe.layer_freq == 0 ? 1 : 0;
  moe.moe_layers = moe_layers;
  notes.push_back("routed experts of width " + str(moe.expert_intermediate) + " on every MoE layer, a router " +
                  "without bias");
}

// Sliding windows only where the config says which layers use them (layer_types); a bare sliding_window
// is counted as full attention, the larger KV cache.
void read_sliding(ObjectReader& r, TransformerStack& s, std::vector<std::string>& notes) {
  const std::int64_t sliding_layers = count_sliding_layer_types(r, s.layers);
  const bool enabled = !present(r, {"use_sliding_window"}) || r.boolean("use_sliding_window", true);
  if (sliding_layers > 0 && enabled) {
    s.sliding_window = alias_or(r, {"sliding_window", "attention_window"}, 1, kMaxPositions, 4096);
    s.sliding_window_layers = sliding_layers;
  } else if (present(r, {"sliding_window"}) && r.raw().at("sliding_window").is_number_integer()) {
    notes.push_back("full attention on every layer (sliding_window without layer_types is not applied)");
  }
}

// The decoder stack of `r` (a whole config or its text_config).
void read_generic_decoder(ObjectReader& r, ModelConfig& m, std::vector<std::string>& notes) {
  TransformerStack& s = m.text;
  s.hidden_size = required_alias(r, {"hidden_size", "n_embd", "d_model", "dim", "model_dim", "embed_dim"}, 1,
                                 kMaxHidden);
  s.layers = required_alias(r, {"num_hidden_layers", "n_layer", "num_layers", "n_layers", "decoder_layers"}, 1,
                            kMaxLayers);
  s.num_heads = required_alias(r, {"num_attention_heads", "n_head", "num_heads", "n_heads",
                                   "decoder_attention_heads"}, 1, kMaxHeads);
  std::int64_t kv = alias_or(r, {"num_key_value_heads", "num_kv_heads", "n_head_kv", "num_query_groups",
                                 "multi_query_group_num", "n_kv_heads"}, 1, kMaxHeads, s.num_heads);
  if (present(r, {"multi_query"}) && r.boolean("multi_query", false)) kv = 1;
  s.num_kv_heads = kv;
  check_kv_heads(r, s.num_heads, s.num_kv_heads);
  const std::int64_t explicit_head_dim = alias_or(r, {"head_dim", "kv_channels", "d_kv"}, 1, kMaxHeadDim, 0);
  s.head_dim = read_head_dim(r, s.hidden_size, s.num_heads, explicit_head_dim, "hidden_size",
                             "num_attention_heads", false);
  const char* width_key = present(r, {"intermediate_size", "n_inner", "ffn_dim", "ffn_hidden_size", "d_ff",
                                      "decoder_ffn_dim", "mlp_dim", "ffn_intermediate_size"});
  const bool gpt_style = width_key != nullptr && std::string(width_key) != "intermediate_size" &&
                         std::string(width_key) != "ffn_hidden_size";
  s.intermediate_size = width_key ? r.required_integer(width_key, 1, kMaxIntermediate) : mul(4, s.hidden_size);
  if (!width_key) notes.push_back("an MLP 4 x hidden_size wide (no intermediate-size key)");
  s.mlp = read_mlp_kind(r, gpt_style || !width_key, notes);
  s.norm = read_norm_kind(r, notes);
  read_biases(r, s, notes);
  if (present(r, {"qk_norm", "use_qk_norm", "qk_layernorm"})) {
    s.qk_norm = r.boolean(present(r, {"qk_norm", "use_qk_norm", "qk_layernorm"}), false);
  }
  read_moe(r, s, notes);
  read_sliding(r, s, notes);
  m.vocab_size = required_alias(r, {"vocab_size", "padded_vocab_size", "n_vocab"}, 1, kMaxVocab);
  m.max_position_embeddings = alias_or(r, {"max_position_embeddings", "n_positions", "max_sequence_length",
                                           "seq_length", "n_ctx"}, 1, kMaxPositions, 131072);
  // GPT-style configs (n_positions) and BERT-style "absolute" embeddings have a learned position table;
  // the others are rotary (no parameters).
  const std::string positions = lower_string(r, {"position_embedding_type"});
  if (present(r, {"n_positions"}) || positions == "absolute" || positions == "learned") {
    m.learned_position_embeddings = m.max_position_embeddings;
    notes.push_back("a learned position table of " + str(m.max_position_embeddings) + " rows");
  }
  // PretrainedConfig's default: tie_word_embeddings=True.
  if (!present(r, {"tie_word_embeddings", "tie_embeddings"})) notes.push_back("tied input and output embeddings");
  m.tie_word_embeddings = r.boolean(present(r, {"tie_embeddings"}) ? "tie_embeddings" : "tie_word_embeddings", true);
}

// A generic encoder tower (vision or audio): blocks of the tower's width with LayerNorm, biases and a
// two-matrix MLP (ViT / CLIP / SigLIP / Whisper encoder style), the patch embedding for images, and a
// one-linear projector into the language model's width.
ExtraTower read_generic_tower(ObjectReader& v, const char* name, std::int64_t text_hidden,
                              std::vector<std::string>& notes) {
  TransformerStack s;
  s.hidden_size = required_alias(v, {"hidden_size", "embed_dim", "width", "d_model", "n_embd"}, 1, kMaxHidden);
  s.layers = required_alias(v, {"num_hidden_layers", "depth", "num_layers", "encoder_layers", "n_layer"}, 1,
                            kMaxLayers);
  s.num_heads = alias_or(v, {"num_attention_heads", "num_heads", "encoder_attention_heads", "n_head"}, 1,
                         kMaxHeads, std::max<std::int64_t>(1, s.hidden_size / 64));
  s.num_kv_heads = s.num_heads;
  s.head_dim = std::max<std::int64_t>(1, s.hidden_size / s.num_heads);
  s.intermediate_size = alias_or(v, {"intermediate_size", "mlp_dim", "encoder_ffn_dim", "ffn_dim"}, 1,
                                 kMaxIntermediate, mul(4, s.hidden_size));
  s.mlp = MlpKind::plain;
  s.norm = NormKind::layer;
  s.qkv_bias = s.o_bias = s.mlp_bias = true;
  const std::int64_t block = dense_block_params(s);
  std::int64_t total = add(mul(s.layers, block), mul(2, s.hidden_size));  // blocks + final LayerNorm
  if (std::string(name) == "vision") {
    const std::int64_t patch = alias_or(v, {"patch_size"}, 1, kMaxImageSize, 14);
    const std::int64_t channels = alias_or(v, {"num_channels", "in_channels", "in_chans"}, 1, kMaxChannels, 3);
    const std::int64_t image = alias_or(v, {"image_size", "img_size"}, 1, kMaxImageSize, 224);
    const std::int64_t side = std::max<std::int64_t>(1, image / patch);
    total = add(total, add(mul(mul(mul(channels, patch), patch), s.hidden_size), s.hidden_size));  // patch conv
    total = add(total, mul(add(mul(side, side), 1), s.hidden_size));  // positions (+ class token)
  }
  total = add(total, add(mul(s.hidden_size, text_hidden), text_hidden));  // projector
  notes.push_back(std::string("a ") + name + " tower of " + str(s.layers) + " ViT-style blocks (LayerNorm, biases, "
                  "two-matrix MLP) and a one-linear projector");
  ExtraTower tower;
  tower.name = name;
  tower.params = total;
  tower.stack = s;
  tower.block_params = block;
  return tower;
}

// Encoder-decoder (T5, BART, mBART, Marian, Pegasus style): the decoder is the text stack with cross
// attention; the encoder is a tower of the same width.
void read_generic_encoder_decoder(ObjectReader& r, ModelConfig& m, std::vector<std::string>& notes) {
  read_generic_decoder(r, m, notes);
  TransformerStack& dec = m.text;
  dec.layers = alias_or(r, {"decoder_layers", "num_decoder_layers"}, 1, kMaxLayers, dec.layers);
  dec.cross_attention = true;
  dec.norms_per_layer = 3;
  TransformerStack enc = dec;
  enc.cross_attention = false;
  enc.norms_per_layer = 2;
  enc.layers = alias_or(r, {"encoder_layers", "num_layers", "num_hidden_layers"}, 1, kMaxLayers, dec.layers);
  enc.num_heads = alias_or(r, {"encoder_attention_heads"}, 1, kMaxHeads, dec.num_heads);
  enc.num_kv_heads = enc.num_heads;
  enc.intermediate_size = alias_or(r, {"encoder_ffn_dim"}, 1, kMaxIntermediate, dec.intermediate_size);
  ExtraTower tower;
  tower.name = "encoder";
  tower.block_params = dense_block_params(enc);
  tower.params = add(mul(enc.layers, tower.block_params), norm_params(enc.norm, enc.hidden_size));
  tower.stack = enc;
  m.towers.push_back(tower);
  m.kind = ModelKind::encoder_decoder;
  notes.push_back("an encoder of " + str(enc.layers) + " blocks of the decoder's width sharing its token embeddings");
}

}  // namespace

void parse_generic(ObjectReader& top, ModelConfig& m, const TextReader& exact_text_reader) {
  std::vector<std::string>& notes = m.count_assumptions;
  m.counter = "generic";
  const bool nested_text = top.has("text_config") && top.raw().at("text_config").is_object();
  if (nested_text) {
    ObjectReader t = top.object("text_config");
    if (!exact_text_reader(t, m)) read_generic_decoder(t, m, notes);
    m.tie_word_embeddings = top.boolean("tie_word_embeddings", m.tie_word_embeddings);
  } else if (top.has("is_encoder_decoder") && top.boolean("is_encoder_decoder", false)) {
    read_generic_encoder_decoder(top, m, notes);
  } else {
    read_generic_decoder(top, m, notes);
  }
  if (top.has("vision_config") && top.raw().at("vision_config").is_object()) {
    ObjectReader v = top.object("vision_config");
    m.towers.push_back(read_generic_tower(v, "vision", m.text.hidden_size, notes));
  }
  if (top.has("audio_config") && top.raw().at("audio_config").is_object()) {
    ObjectReader a = top.object("audio_config");
    m.towers.push_back(read_generic_tower(a, "audio_encoder", m.text.hidden_size, notes));
  }
}

}  // namespace vramplan::hf
