// InternVL (OpenGVLab/InternVL2.5, InternVL3): an InternViT vision encoder, a pixel-shuffle MLP projector
// and a Qwen2 / InternLM2 / LLaMA language model. Two config layouts hold the same modules:
//   - "internvl" (transformers InternVLForConditionalGeneration, the "-hf" checkpoints): vision_config
//     (InternVLVisionConfig) and text_config, modeling_internvl.py;
//   - "internvl_chat" (the original remote-code checkpoints, InternVLChatModel): vision_config
//     (model_type intern_vit_6b, InternVisionModel) and llm_config, modeling_internvl_chat.py and
//     modeling_intern_vit.py; convert_internvl_weights_to_hf.py maps one onto the other tensor by tensor.
// Every default is the configuration class default named beside it (hf_config.cpp says why).
#include <cstdint>
#include <string>

#include "hf_common.hpp"
#include "hf_families.hpp"
#include "vramplan/json_reader.hpp"
#include "vramplan/model.hpp"

namespace vramplan::hf {
namespace {

// image_size / patch_size: an integer or [height, width] (InternVLVisionConfig); the first entry.
std::int64_t side_of(ObjectReader& v, const char* key, std::int64_t fallback) {
  const Json* given = v.find(key);
  if (given == nullptr) return fallback;
  const std::string p = v.pointer_of(key);
  if (given->is_array()) {
    if (given->empty()) fail(p, "must be an integer or [height, width]");
    return read_integer((*given)[0], pointer_append(p, std::size_t{0}), 1, kMaxImageSize);
  }
  return read_integer(*given, p, 1, kMaxImageSize);
}

struct InternVitKeys {
  const char* qkv_bias;  // "attention_bias" (internvl) or "qkv_bias" (intern_vit_6b)
  const char* qk_norm;   // "use_qk_norm" or "qk_normalization"
  bool qkv_bias_default;
  const char* norm_default;  // "layer_norm" (InternVLVisionConfig) or "rms_norm" (InternVisionConfig)
};

// InternVLVisionModel (modeling_internvl.py) = InternVisionModel (modeling_intern_vit.py):
// embeddings: cls_token / class_embedding (hidden), patch projection Conv2d(channels, hidden, patch) with
// bias, position embeddings ((image/patch)^2 + 1 rows); layers: q/k/v (bias per the config; fused qkv in
// intern_vit_6b, same count), projection_layer / proj Linear(hidden, hidden) with bias, q_norm and k_norm
// RMSNorm(hidden) with qk norm, mlp fc1/fc2 with bias, layernorm_before/after (norm1/norm2: LayerNorm, or
// RMSNorm for norm_type rms_norm), lambda_1/lambda_2 (ls1/ls2) layer scales of hidden each; no final
// norm with use_mean_pooling (InternVLVisionConfig default True; InternVisionModel has none).
// InternVLVisionConfig defaults: hidden 1024, 24 layers, 16 heads, intermediate 4096, image 448, patch
// 14, 3 channels, attention_bias False, use_qk_norm False, norm_type layer_norm.
ExtraTower intern_vit(ObjectReader& v, const InternVitKeys& keys, std::int64_t& hidden_out) {
  const std::int64_t h = v.integer("hidden_size", 1, kMaxHidden, 1024);
  const std::int64_t layers = v.integer("num_hidden_layers", 0, kMaxLayers, 24);
  const std::int64_t heads = v.integer("num_attention_heads", 1, kMaxHeads, 16);
  const std::int64_t inter = v.integer("intermediate_size", 1, kMaxIntermediate, 4096);
  const std::int64_t channels = v.integer("num_channels", 1, kMaxChannels, 3);
  const std::int64_t image = side_of(v, "image_size", 448);
  const std::int64_t patch = side_of(v, "patch_size", 14);
  if (patch > image) fail(v.pointer_of("patch_size"), "must be at most image_size (" + str(image) + "), got " + str(patch));
  const bool qkv_bias = v.boolean(keys.qkv_bias, keys.qkv_bias_default);
  const bool qk_norm = v.boolean(keys.qk_norm, false);
  const bool rms = v.string("norm_type", keys.norm_default, 64) == "rms_norm";
  const bool mean_pooling = v.boolean("use_mean_pooling", true);
  const std::int64_t head_dim = read_head_dim(v, h, heads, 0, "hidden_size", "num_attention_heads", false);
  const std::int64_t norm = rms ? h : mul(2, h);
  std::int64_t block = add(mul(3, mul(h, h)), qkv_bias ? mul(3, h) : 0);  // q, k, v
  block = add(block, add(mul(h, h), h));                                   // projection_layer
  if (qk_norm) block = add(block, mul(2, h));
  block = add(block, add(add(mul(2, mul(h, inter)), inter), h));           // fc1, fc2
  block = add(block, add(mul(2, norm), mul(2, h)));                        // norms, layer scales
  const std::int64_t grid = image / patch;
  std::int64_t total = add(h, add(mul(mul(mul(channels, patch), patch), h), h));  // cls + patch conv
  total = add(total, mul(add(mul(grid, grid), 1), h));                           // position embeddings
  total = add(total, mul(layers, block));
  if (!mean_pooling) total = add(total, mul(2, h));
  ExtraTower tower = vit_tower(total, block, layers, h, heads, head_dim, inter);
  tower.stack.qkv_bias = qkv_bias;
  if (rms) tower.stack.norm = NormKind::rms;
  hidden_out = h;
  return tower;
}

// InternVLMultiModalProjector (mlp1 in InternVLChatModel): layer_norm LayerNorm(vision hidden x
// (1 / downsample_ratio)^2), linear_1 Linear(that, text hidden), linear_2 Linear(text hidden, text
// hidden), all with bias. InternVLConfig downsample_ratio default 0.5.
std::int64_t internvl_projector(std::int64_t in, std::int64_t text_hidden) {
  return add(add(mul(2, in), add(mul(in, text_hidden), text_hidden)), add(mul(text_hidden, text_hidden), text_hidden));
}

// The image rule (media_tokens.cpp `tiles`): tiles of the vision image_size (448), 1 to 12 of them and a
// thumbnail (InternVLChatConfig min_dynamic_patch / max_dynamic_patch / use_thumbnail; the -hf
// checkpoints' GotOcr2ImageProcessor crop_to_patches with min_patches 1, max_patches 12, whose
// crop_image_to_patches adds the thumbnail), (image_size / patch)^2 x downsample_ratio^2 tokens per tile
// (InternVLConfig image_seq_length 256 at 448 / 14 and 0.5) and <img>, </img> (processing_internvl.py).
void internvl_images(ObjectReader& top, std::int64_t image, std::int64_t patch, std::int64_t factor, VisionInputSpec& spec) {
  spec.scheme = VisionScheme::tiles;
  spec.image_size = image;
  spec.patch = patch;
  spec.class_tokens = 1;
  const std::int64_t side = image / patch;
  spec.tokens_per_image = (side / factor) * (side / factor);
  spec.marker_tokens = 2;
  spec.min_tiles = top.integer("min_dynamic_patch", 1, 1024, 1);
  spec.max_tiles = top.integer("max_dynamic_patch", spec.min_tiles, 1024, 12);
  spec.thumbnail = top.boolean("use_thumbnail", true);
}

void read_internvl(ObjectReader& top, ModelConfig& m, const char* text_key, const InternVitKeys& keys) {
  ObjectReader t = top.object(text_key);
  if (!read_known_text_config(t, m)) {
    count_generically(top, m);
    return;
  }
  m.tie_word_embeddings = top.boolean("tie_word_embeddings", m.tie_word_embeddings);
  ObjectReader v = top.object("vision_config");
  std::int64_t vision_hidden = 0;
  ExtraTower tower = intern_vit(v, keys, vision_hidden);
  const double ratio = top.number("downsample_ratio", 0.0625, 1.0, 0.5);
  const std::int64_t factor = static_cast<std::int64_t>(1.0 / ratio);  // int(1 / downsample_ratio)
  const std::int64_t in = mul(vision_hidden, mul(factor, factor));
  tower.params = add(tower.params, internvl_projector(in, m.text.hidden_size));
  m.towers.push_back(tower);
  VisionInputSpec& spec = m.vision_input;
  internvl_images(top, side_of(v, "image_size", 448), side_of(v, "patch_size", 14), factor, spec);
  spec.channels = v.integer("num_channels", 1, kMaxChannels, 3);
  spec.projector_in = in;
  spec.projector_hidden = m.text.hidden_size;
  spec.projector_out = m.text.hidden_size;
}

}  // namespace

// InternVLConfig: text_config (Qwen2Config when absent), vision_config InternVLVisionConfig.
void parse_internvl(ObjectReader& top, ModelConfig& m) {
  read_internvl(top, m, "text_config", InternVitKeys{"attention_bias", "use_qk_norm", false, "layer_norm"});
}

// InternVLChatConfig (configuration_internvl_chat.py): llm_config, vision_config InternVisionConfig
// (configuration_intern_vit.py: qkv_bias True, qk_normalization False, norm_type rms_norm by class default;
// the checkpoints name theirs).
void parse_internvl_chat(ObjectReader& top, ModelConfig& m) {
  read_internvl(top, m, "llm_config", InternVitKeys{"qkv_bias", "qk_normalization", true, "rms_norm"});
}

}  // namespace vramplan::hf
