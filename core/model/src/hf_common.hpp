#pragma once
// What every config.json reader of the model layer shares (internal to core/model): the ranges that keep
// the parameter arithmetic inside 64-bit integers, checked arithmetic, and the readers of the fields all
// decoder configs have. The family readers are in hf_<family>.cpp (declared in hf_families.hpp), the
// generic one in hf_generic.cpp, the dispatcher in hf_config.cpp.
#include <cstdint>
#include <string>
#include <vector>

#include "vramplan/json_reader.hpp"
#include "vramplan/model.hpp"

namespace vramplan::hf {

// Ranges that keep every later product inside 64-bit integers or make it fail cleanly.
inline constexpr std::int64_t kMaxHidden = 1'048'576;
inline constexpr std::int64_t kMaxLayers = 100'000;
inline constexpr std::int64_t kMaxHeads = 65'536;
inline constexpr std::int64_t kMaxHeadDim = 65'536;
inline constexpr std::int64_t kMaxIntermediate = 16'777'216;
inline constexpr std::int64_t kMaxVocab = 16'777'216;
inline constexpr std::int64_t kMaxPositions = 1'073'741'824;
inline constexpr std::int64_t kMaxExperts = 65'536;
inline constexpr std::int64_t kMaxLoraRank = 1'048'576;
inline constexpr std::int64_t kMaxImageSize = 65'536;
inline constexpr std::int64_t kMaxChannels = 1'024;

inline constexpr const char* kTooLarge = "the model is too large to count its parameters in 64-bit integers";

// Class defaults of the fields every decoder config shares.
struct DecoderDefaults {
  std::int64_t vocab_size;
  std::int64_t num_attention_heads;
  std::int64_t num_key_value_heads;  // 0: equal to num_attention_heads
  std::int64_t head_dim;             // 0: hidden_size / num_attention_heads
  std::int64_t max_position_embeddings;
  bool tie_word_embeddings;
};

// a * b and a + b, failing with kTooLarge instead of overflowing.
std::int64_t mul(std::int64_t a, std::int64_t b);
std::int64_t add(std::int64_t a, std::int64_t b);
std::string str(std::int64_t v);

// head_dim for attention that splits hidden_size across heads, failing (instead of truncating as some
// modeling code does) when the split is not exact and no explicit head_dim is given.
std::int64_t read_head_dim(ObjectReader& r, std::int64_t hidden, std::int64_t heads, std::int64_t fallback,
                           const char* hidden_key, const char* heads_key, bool honor_key);
void check_kv_heads(ObjectReader& r, std::int64_t heads, std::int64_t kv);
// The fields shared by Llama-like decoders (Llama, Mistral, Qwen, Gemma, Phi-3, OLMo 2, DeepSeek).
void read_decoder_common(ObjectReader& r, const DecoderDefaults& d, ModelConfig& m, bool honor_head_dim = true);
// Entries of `layer_types` (transformers >= 4.53) equal to "sliding_attention"; -1 when absent.
std::int64_t count_sliding_layer_types(ObjectReader& r, std::int64_t layers);
// Entries of `layer_types` equal to `type` ("chunked_attention", "linear_attention"); -1 when absent.
std::int64_t count_layer_types(ObjectReader& r, std::int64_t layers, const char* type);
std::int64_t read_sliding_window(ObjectReader& r, std::int64_t fallback);
void check_top_k(ObjectReader& r, const char* key, const MoeConfig& moe);
// Norms are LayerNorms, the MLP is plain (up, down) and every projection has a bias: GPT-2, BERT,
// DistilBERT, Phi-2, Whisper and the ViT-style vision encoders (SigLIP, CLIP).
void use_biased_layernorm_block(TransformerStack& s);
// A stack of multi-head (not grouped) attention blocks: kv heads = heads.
TransformerStack mha_stack(std::int64_t layers, std::int64_t hidden, std::int64_t heads, std::int64_t head_dim,
                           std::int64_t intermediate);
// A ViT tower of `layers` biased-LayerNorm blocks (SigLIP, Llama 4's and InternVL's ViTs) named "vision",
// with its parameter count and one block's.
ExtraTower vit_tower(std::int64_t params, std::int64_t block, std::int64_t layers, std::int64_t hidden,
                     std::int64_t heads, std::int64_t head_dim, std::int64_t intermediate);
// Layer indices listed under `key` (e.g. mlp_only_layers), each checked to be below `layers`.
std::vector<bool> read_layer_set(ObjectReader& r, const char* key, std::int64_t layers);

}  // namespace vramplan::hf
