// Vision-language wrappers around a known language model: LLaVA (CLIP vision tower), Mistral 3
// (Mistral Small 3.1: Pixtral vision tower and patch-merging projector) and Phi-3-vision (CLIP tower and
// the HD-transform projector).
// Every default is the transformers configuration class default named beside it (hf_config.cpp says why).
#include <cstdint>
#include <string>

#include "hf_common.hpp"
#include "hf_families.hpp"
#include "vramplan/json_reader.hpp"
#include "vramplan/model.hpp"

namespace vramplan::hf {
namespace {

// Vision-tower shape defaults of a configuration class.
struct VisionDefaults {
  std::int64_t hidden, intermediate, layers, heads, image, patch;
};

// CLIPVisionConfig() and the CLIPVisionConfig LlavaConfig builds when vision_config is absent
// (configuration_llava.py: ViT-L/14 at 336 pixels).
constexpr VisionDefaults kClipDefaults{768, 3072, 12, 12, 224, 32};
constexpr VisionDefaults kLlavaClipDefaults{1024, 4096, 24, 16, 336, 14};
// PixtralVisionConfig (configuration_pixtral.py).
constexpr VisionDefaults kPixtralDefaults{1024, 4096, 24, 16, 1024, 16};

struct VisionShape {
  std::int64_t hidden, intermediate, layers, heads, head_dim, channels, image, patch;
};

// A CLIP-style tower's input (one class token with the patches) whose projector maps projector_in features per
// LM token to the text hidden size through a hidden layer of that size.
VisionInputSpec clip_input(VisionScheme scheme, const VisionShape& shape, std::int64_t projector_in, std::int64_t text) {
  VisionInputSpec spec;
  spec.scheme = scheme;
  spec.patch = shape.patch;
  spec.channels = shape.channels;
  spec.image_size = shape.image;
  spec.class_tokens = 1;
  spec.projector_in = projector_in;
  spec.projector_hidden = text;
  spec.projector_out = text;
  return spec;
}

VisionShape read_vision_shape(ObjectReader& v, const VisionDefaults& d) {
  VisionShape s{};
  s.hidden = v.integer("hidden_size", 1, kMaxHidden, d.hidden);
  s.intermediate = v.integer("intermediate_size", 1, kMaxIntermediate, d.intermediate);
  s.layers = v.integer("num_hidden_layers", 1, kMaxLayers, d.layers);
  s.heads = v.integer("num_attention_heads", 1, kMaxHeads, d.heads);
  s.channels = v.integer("num_channels", 1, kMaxChannels, 3);
  s.image = v.integer("image_size", 1, kMaxImageSize, d.image);
  s.patch = v.integer("patch_size", 1, kMaxImageSize, d.patch);
  if (s.patch > s.image) {
    fail(v.pointer_of("patch_size"), "must be at most image_size (" + str(s.image) + "), got " + str(s.patch));
  }
  s.head_dim = read_head_dim(v, s.hidden, s.heads, 0, "hidden_size", "num_attention_heads", true);
  return s;
}

ExtraTower vision_tower(const VisionShape& v, std::int64_t params, std::int64_t block, bool pixtral) {
  ExtraTower tower;
  tower.name = "vision";
  tower.params = params;
  tower.block_params = block;
  tower.stack = mha_stack(v.layers, v.hidden, v.heads, v.head_dim, v.intermediate);
  if (pixtral) {
    tower.stack.mlp = MlpKind::gated;
    tower.stack.norm = NormKind::rms;
  } else {
    use_biased_layernorm_block(tower.stack);
  }
  return tower;
}

// CLIPVisionModel (modeling_clip.py): CLIPVisionEmbeddings class_embedding (hidden), patch_embedding
// Conv2d(channels, hidden, patch, stride patch, bias=False), position_embedding ((image/patch)^2 + 1
// rows); pre_layrnorm; CLIPEncoderLayer: self_attn q/k/v/out_proj with bias, layer_norm1, mlp fc1/fc2
// with bias, layer_norm2; post_layernorm.
ExtraTower clip_vision(ObjectReader& v, const VisionDefaults& d, VisionShape& s) {
  s = read_vision_shape(v, d);
  const std::int64_t h = s.hidden;
  const std::int64_t ln = mul(2, h);
  const std::int64_t attention = mul(4, add(mul(h, h), h));
  const std::int64_t mlp = add(add(mul(2, mul(h, s.intermediate)), s.intermediate), h);
  const std::int64_t block = add(add(attention, mlp), mul(2, ln));
  const std::int64_t positions = add(mul(s.image / s.patch, s.image / s.patch), 1);
  std::int64_t total = add(h, mul(mul(mul(s.channels, s.patch), s.patch), h));  // class + patch embedding
  total = add(total, mul(positions, h));                                     // position_embedding
  total = add(total, mul(s.layers, block));                                  // encoder layers
  total = add(total, mul(2, ln));                                            // pre_layrnorm, post_layernorm
  return vision_tower(s, total, block, false);
}

// PixtralVisionModel (modeling_pixtral.py): patch_conv Conv2d(channels, hidden, patch, bias=False),
// ln_pre PixtralRMSNorm; PixtralAttentionLayer: attention_norm, q/k/v/o_proj without bias, ffn_norm,
// feed_forward gate/up/down_proj without bias (rotary positions: no table).
ExtraTower pixtral_vision(ObjectReader& v, VisionShape& s) {
  s = read_vision_shape(v, kPixtralDefaults);
  const std::int64_t h = s.hidden;
  const std::int64_t q_dim = mul(s.heads, s.head_dim);
  const std::int64_t attention = mul(mul(4, h), q_dim);
  const std::int64_t block = add(add(attention, mul(mul(3, h), s.intermediate)), mul(2, h));
  std::int64_t total = mul(mul(mul(s.channels, s.patch), s.patch), h);  // patch_conv
  total = add(total, h);                                                // ln_pre
  total = add(total, mul(s.layers, block));
  return vision_tower(s, total, block, true);
}

// vision_feature_layer: one layer index, or a list whose features are concatenated (the projector's
// input is vision hidden * their number: LlavaMultiModalProjector, Mistral3MultiModalProjector).
std::int64_t feature_layer_count(ObjectReader& top) {
  const Json* f = top.find("vision_feature_layer");
  if (f == nullptr || !f->is_array()) return 1;
  if (f->empty()) fail(top.pointer_of("vision_feature_layer"), "must name at least one layer");
  return static_cast<std::int64_t>(f->size());
}

// LlavaConfig / Mistral3Config build text_config with CONFIG_MAPPING[model_type] (default "llama" and
// "mistral"), so keys a file leaves out take that class's defaults: LlamaConfig hidden 4096,
// intermediate 11008, 32 layers (llava-hf/llava-1.5-7b-hf names only max_position_embeddings and
// vocab_size); MistralConfig hidden 4096, intermediate 14336, 32 layers.
Json text_config_with_defaults(const Json& given, const char* default_type) {
  Json t = given.is_object() ? given : Json::object();
  if (!t.contains("model_type")) t["model_type"] = default_type;
  const std::string type = t["model_type"].is_string() ? t["model_type"].get<std::string>() : "";
  const bool mistral = type == "mistral";
  if (type != "llama" && !mistral) return t;
  if (!t.contains("hidden_size")) t["hidden_size"] = 4096;
  if (!t.contains("intermediate_size")) t["intermediate_size"] = mistral ? 14336 : 11008;
  if (!t.contains("num_hidden_layers")) t["num_hidden_layers"] = 32;
  return t;
}

// Reads the text model; false (after counting the whole config generically) when its model_type has
// no exact reader.
bool read_wrapped_text(ObjectReader& top, ModelConfig& m, const char* default_type) {
  const Json* given = top.find("text_config");
  const Json text = text_config_with_defaults(given != nullptr ? *given : Json::object(), default_type);
  ObjectReader t(text, top.pointer_of("text_config"));
  if (read_known_text_config(t, m)) return true;
  count_generically(top, m);
  return false;
}

}  // namespace

// LlavaConfig: vision_config CLIPVisionConfig (ViT-L/14-336 when absent), text_config LlamaConfig,
// multimodal_projector_bias True, vision_feature_layer -2. LlavaForConditionalGeneration
// (modeling_llava.py): vision_tower (CLIPVisionModel), multi_modal_projector linear_1 Linear(vision
// hidden * feature layers, text hidden) + linear_2 Linear(text hidden, text hidden), language_model.
void parse_llava(ObjectReader& top, ModelConfig& m) {
  if (!read_wrapped_text(top, m, "llama")) return;
  m.tie_word_embeddings = top.boolean("tie_word_embeddings", m.tie_word_embeddings);
  const bool present = top.has("vision_config");
  ObjectReader v = top.object("vision_config");
  const std::string type = v.string("model_type", "clip_vision_model", 64);
  if (type != "clip_vision_model") {
    count_generically(top, m);
    return;
  }
  VisionShape shape{};
  ExtraTower tower = clip_vision(v, present ? kClipDefaults : kLlavaClipDefaults, shape);
  const bool bias = top.boolean("multimodal_projector_bias", true);
  const std::int64_t in = mul(tower.stack.hidden_size, feature_layer_count(top));
  const std::int64_t text = m.text.hidden_size;
  const std::int64_t projector = add(add(mul(in, text), bias ? text : 0), add(mul(text, text), bias ? text : 0));
  tower.params = add(tower.params, projector);
  m.towers.push_back(tower);
  // The image processor resizes to the tower's image_size; one class token runs with the patches.
  m.vision_input = clip_input(VisionScheme::fixed_grid, shape, in, text);
}

// Mistral3Config: vision_config PixtralVisionConfig, text_config MistralConfig, spatial_merge_size 2,
// multimodal_projector_bias False, vision_feature_layer -1. Mistral3MultiModalProjector
// (modeling_mistral3.py): norm Mistral3RMSNorm(vision hidden), patch_merger.merging_layer Linear(vision
// hidden * merge^2, vision hidden, bias=False), linear_1 Linear(vision hidden * feature layers, text
// hidden), linear_2 Linear(text hidden, text hidden), both with bias = multimodal_projector_bias.
void parse_mistral3(ObjectReader& top, ModelConfig& m) {
  if (!read_wrapped_text(top, m, "mistral")) return;
  m.tie_word_embeddings = top.boolean("tie_word_embeddings", m.tie_word_embeddings);
  ObjectReader v = top.object("vision_config");
  VisionShape shape{};
  ExtraTower tower = pixtral_vision(v, shape);
  const std::int64_t merge = top.integer("spatial_merge_size", 1, 1024, 2);
  const bool bias = top.boolean("multimodal_projector_bias", false);
  const std::int64_t vh = tower.stack.hidden_size;
  const std::int64_t text = m.text.hidden_size;
  const std::int64_t in = mul(vh, feature_layer_count(top));
  std::int64_t projector = add(vh, mul(mul(mul(vh, merge), merge), vh));  // norm + merging_layer
  projector = add(projector, add(mul(in, text), bias ? text : 0));       // linear_1
  projector = add(projector, add(mul(text, text), bias ? text : 0));     // linear_2
  tower.params = add(tower.params, projector);
  m.towers.push_back(tower);
  // PixtralProcessor (processing_pixtral.py): the image processor's longest_edge is the vision config's
  // image_size in the Mistral 3 checkpoints (mistralai/Mistral-Small-3.1-24B-Instruct-2503:
  // preprocessor_config.json size.longest_edge 1540, vision_config.image_size 1540), patch_size the
  // tower's, spatial_merge_size the config's.
  VisionInputSpec& spec = m.vision_input;
  spec.scheme = VisionScheme::pixtral;
  spec.patch = shape.patch;
  spec.merge = merge;
  spec.channels = shape.channels;
  spec.image_size = shape.image;
  spec.projector_in = mul(mul(vh, merge), merge);
  spec.projector_hidden = text;
  spec.projector_out = text;
}

}  // namespace vramplan::hf

namespace vramplan::hf {

// Phi3VConfig (microsoft/Phi-3-vision-128k-instruct, microsoft/Phi-3.5-vision-instruct, remote code
// configuration_phi3_v.py): the Phi-3 text fields at the top level; img_processor {image_dim_out,
// model_name "openai/clip-vit-large-patch14-336"}; embd_layer {projection_cls, use_hd_transform,
// with_learnable_separator}. Phi3ImageEmbedding (image_embedding_phi3_v.py): img_processor =
// CLIPVisionModel(CLIP_VIT_LARGE_PATCH14_336_CONFIG), the whole model (ViT-L/14 at 336 pixels, as LLaVA's
// default); glb_GN and sub_GN (image_dim_out x 4 each) with the learnable separator; img_projection
// Linear(image_dim_out x 4, hidden) -> GELU -> Linear(hidden, hidden) for "mlp" with the HD transform,
// Linear(image_dim_out, hidden) -> GELU -> Linear(hidden, hidden) for "mlp" without it, else
// Linear(image_dim_out, hidden); all with bias.
void parse_phi3_v(ObjectReader& r, ModelConfig& m) {
  parse_phi3(r, m);
  ObjectReader img = r.object("img_processor");
  const std::int64_t dim_out = img.integer("image_dim_out", 1, kMaxHidden, 1024);
  ObjectReader e = r.object("embd_layer");
  const bool hd = e.boolean("use_hd_transform", false);
  const bool separator = e.boolean("with_learnable_separator", false);
  const std::string projection = e.string("projection_cls", "linear", 64);
  const Json clip_config = Json::object();  // CLIP_VIT_LARGE_PATCH14_336_CONFIG: not in config.json
  ObjectReader clip(clip_config, r.pointer_of("img_processor"));
  VisionShape shape{};
  ExtraTower tower = clip_vision(clip, kLlavaClipDefaults, shape);
  const std::int64_t h = m.text.hidden_size;
  const std::int64_t in = projection == "mlp" && hd ? mul(4, dim_out) : dim_out;
  std::int64_t projector = add(mul(in, h), h);
  if (projection == "mlp") projector = add(projector, add(mul(h, h), h));
  if (separator) projector = add(projector, mul(8, dim_out));
  tower.params = add(tower.params, projector);
  m.towers.push_back(tower);
  // The HD image rule (media_tiled.cpp). num_crops lives in preprocessor_config.json, not config.json:
  // Phi-3.5-vision-instruct ships 4, Phi-3-vision-128k-instruct 16 (HD_transform's default hd_num); a config
  // whose _name_or_path names Phi-3.5 takes 4, any other 16 (more crops: the larger estimate).
  if (hd && projection == "mlp") {
    m.vision_input = clip_input(VisionScheme::hd_crops, shape, in, h);
    m.vision_input.max_tiles = m.id.find("3.5") != std::string::npos ? 4 : 16;
  }
}

}  // namespace vramplan::hf
