// Mllama (meta-llama/Llama-3.2-11B-Vision, -90B-Vision): a Llama 3.1 text model in which some layers are
// gated cross-attention layers reading the image, and a tiled ViT vision encoder (a local and a gated
// global transformer) whose intermediate layers are concatenated.
// Every default is the transformers configuration class default named beside it (hf_config.cpp says why):
// huggingface/transformers src/transformers/models/mllama/configuration_mllama.py and modeling_mllama.py.
#include <cstdint>
#include <vector>

#include "hf_common.hpp"
#include "hf_families.hpp"
#include "vramplan/json_reader.hpp"
#include "vramplan/model.hpp"

namespace vramplan::hf {
namespace {

// MllamaVisionConfig default supported_aspect_ratios: [[1,1],[1,2],[1,3],[1,4],[2,1],[2,2],[3,1],[4,1]];
// max_aspect_ratio_id is their number.
constexpr std::int64_t kMllamaAspectRatios = 8;

struct MllamaVision {
  ExtraTower tower;
  VisionInputSpec input;
  std::int64_t positions = 0;  // K/V positions of one image for the cross-attention layers
};

// MllamaVisionModel: patch_embedding Conv2d(channels, hidden, patch, bias=False), class_embedding (hidden),
// gated_positional_embedding (gate 1, embedding num_patches x hidden, tile_embedding
// Embedding(max_aspect_ratio_id + 1, max_num_tiles x num_patches x hidden)), pre_ and
// post_tile_positional_embedding (embedding Embedding(max_aspect_ratio_id + 1, max_num_tiles x hidden),
// gate 1), layernorm_pre and layernorm_post (LayerNorm); transformer (num_hidden_layers) and
// global_transformer (num_global_layers, each with gate_attn and gate_ffn) of MllamaVisionEncoderLayer:
// q/k/v/o_proj without bias, mlp fc1/fc2 with bias, input_layernorm + post_attention_layernorm (LayerNorm).
// num_patches = (image_size / patch_size)^2 + 1. MllamaVisionConfig defaults: hidden 1280, 32 + 8 global
// layers, 16 heads, 3 channels, intermediate 5120, vision_output_dim 7680, image 448, patch 14, 4 tiles.
// multi_modal_projector: Linear(vision_output_dim, text hidden, bias=True).
MllamaVision mllama_vision(ObjectReader& v, std::int64_t text_hidden) {
  const std::int64_t h = v.integer("hidden_size", 1, kMaxHidden, 1280);
  const std::int64_t layers = v.integer("num_hidden_layers", 0, kMaxLayers, 32);
  const std::int64_t global = v.integer("num_global_layers", 0, kMaxLayers, 8);
  const std::int64_t heads =
      v.integer("attention_heads", 1, kMaxHeads, v.integer("num_attention_heads", 1, kMaxHeads, 16));
  const std::int64_t channels = v.integer("num_channels", 1, kMaxChannels, 3);
  const std::int64_t inter = v.integer("intermediate_size", 1, kMaxIntermediate, 5120);
  const std::int64_t out_dim = v.integer("vision_output_dim", 1, kMaxHidden, 7680);
  const std::int64_t image = v.integer("image_size", 1, kMaxImageSize, 448);
  const std::int64_t patch = v.integer("patch_size", 1, kMaxImageSize, 14);
  const std::int64_t tiles = v.integer("max_num_tiles", 1, 1024, 4);
  if (patch > image) fail(v.pointer_of("patch_size"), "must be at most image_size (" + str(image) + "), got " + str(patch));
  std::int64_t ratios = kMllamaAspectRatios;
  if (const Json* r = v.find("supported_aspect_ratios"); r != nullptr && r->is_array()) {
    ratios = static_cast<std::int64_t>(r->size());
  }
  const std::int64_t head_dim = read_head_dim(v, h, heads, 0, "hidden_size", "attention_heads", false);
  const std::int64_t grid = image / patch;
  const std::int64_t patches = add(mul(grid, grid), 1);
  const std::int64_t block = add(add(mul(4, mul(h, mul(heads, head_dim))), add(add(mul(2, mul(h, inter)), inter), h)), mul(4, h));
  std::int64_t total = mul(mul(mul(channels, patch), patch), h);                     // patch_embedding
  total = add(total, h);                                                             // class_embedding
  total = add(total, add(1, mul(patches, h)));                                       // gate + embedding
  total = add(total, mul(add(ratios, 1), mul(tiles, mul(patches, h))));              // tile_embedding
  total = add(total, mul(2, add(mul(add(ratios, 1), mul(tiles, h)), 1)));            // pre/post tile
  total = add(total, mul(4, h));                                                     // layernorm_pre/post
  total = add(total, add(mul(layers, block), mul(global, add(block, 2))));           // both transformers
  total = add(total, add(mul(out_dim, text_hidden), text_hidden));                   // multi_modal_projector
  MllamaVision out;
  out.tower = vit_tower(total, add(block, 2), add(layers, global), h, heads, head_dim, inter);
  out.tower.stack.qkv_bias = false;
  out.tower.stack.o_bias = false;
  out.positions = mul(tiles, patches);
  out.input.scheme = VisionScheme::mllama_tiles;
  out.input.patch = patch;
  out.input.channels = channels;
  out.input.image_size = image;
  out.input.class_tokens = 1;
  out.input.max_tiles = tiles;
  out.input.projector_in = out_dim;
  out.input.projector_out = text_hidden;
  return out;
}

}  // namespace

// MllamaTextConfig: vocab 128256, hidden 4096, 40 layers, heads 32, kv 8, intermediate 14336, max_pos
// 131072, tie False, cross_attention_layers [3, 8, 13, 18, 23, 28, 33, 38].
// MllamaTextModel: embed_tokens Embedding(vocab_size + 8, hidden) (8 extra rows for the image tokens);
// MllamaSelfAttentionDecoderLayer as Llama's; MllamaCrossAttentionDecoderLayer: cross_attn
// MllamaTextCrossAttention (q/k/v/o_proj without bias, q_norm and k_norm RMSNorm(head_dim)),
// cross_attn_attn_gate (1), mlp, cross_attn_mlp_gate (1), input_layernorm, post_attention_layernorm.
// MllamaForConditionalGeneration lm_head: Linear(hidden, vocab_size, bias=False).
void parse_mllama(ObjectReader& top, ModelConfig& m) {
  ObjectReader t = top.object("text_config");
  read_decoder_common(t, {128256, 32, 8, 0, 131072, false}, m);
  m.tie_word_embeddings = top.boolean("tie_word_embeddings", m.tie_word_embeddings);
  TransformerStack& s = m.text;
  std::int64_t cross = 0;
  if (t.has("cross_attention_layers")) {
    for (const bool c : read_layer_set(t, "cross_attention_layers", s.layers)) cross += c ? 1 : 0;
  } else {
    for (const std::int64_t i : {3, 8, 13, 18, 23, 28, 33, 38}) cross += i < s.layers ? 1 : 0;
  }
  s.cross_attention_layers = cross;
  s.cross_layer_extra_params = add(mul(2, s.head_dim), 2);  // q_norm, k_norm, two tanh gates
  ObjectReader v = top.object("vision_config");
  MllamaVision vision = mllama_vision(v, s.hidden_size);
  s.cross_attention_positions = vision.positions;
  m.towers.push_back(vision.tower);
  m.vision_input = vision.input;
  m.extra_embedding_rows = 8;
  m.model_warnings.push_back(
      "Mllama: each sequence's cross-attention cache holds one image of max_num_tiles tiles (" +
      str(vision.positions) + " positions in " + str(cross) +
      " layers), also for text-only sequences, which keep none");
}

}  // namespace vramplan::hf
