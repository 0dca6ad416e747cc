// Gemma, Gemma 2, Gemma 3 (text, and with its SigLIP vision tower and projector).
// Every default is the transformers configuration class default named beside it (hf_config.cpp says why).
#include <cstdint>

#include "hf_common.hpp"
#include "hf_families.hpp"
#include "vramplan/json_reader.hpp"
#include "vramplan/model.hpp"

namespace vramplan::hf {
namespace {

// SiglipVisionConfig: hidden 768, intermediate 3072, layers 12, heads 12, num_channels 3,
// image_size 224, patch_size 16; vision_use_head defaults to True (SiglipVisionTransformer).
// SiglipVisionEmbeddings: patch_embedding Conv2d(channels, hidden, patch, stride patch) with bias,
// position_embedding Embedding((image/patch)^2, hidden). SiglipEncoderLayer: layer_norm1, self_attn
// (q/k/v/out_proj with bias), layer_norm2, mlp fc1/fc2 with bias. post_layernorm. The head
// (SiglipMultiheadAttentionPoolingHead): probe, nn.MultiheadAttention, LayerNorm, MLP.
// Gemma3MultiModalProjector (modeling_gemma3.py): mm_input_projection_weight (vision hidden x text
// hidden) and mm_soft_emb_norm Gemma3RMSNorm(vision hidden).
ExtraTower parse_siglip_with_gemma3_projector(ObjectReader& v, std::int64_t text_hidden, VisionInputSpec& spec) {
  const std::int64_t h = v.integer("hidden_size", 1, kMaxHidden, 768);
  const std::int64_t inter = v.integer("intermediate_size", 1, kMaxIntermediate, 3072);
  const std::int64_t layers = v.integer("num_hidden_layers", 1, kMaxLayers, 12);
  const std::int64_t heads = v.integer("num_attention_heads", 1, kMaxHeads, 12);
  const std::int64_t channels = v.integer("num_channels", 1, kMaxChannels, 3);
  const std::int64_t image = v.integer("image_size", 1, kMaxImageSize, 224);
  const std::int64_t patch = v.integer("patch_size", 1, kMaxImageSize, 16);
  if (patch > image) fail(v.pointer_of("patch_size"), "must be at most image_size (" + str(image) + "), got " + str(patch));
  const bool use_head = v.boolean("vision_use_head", true);
  const std::int64_t head_dim = read_head_dim(v, h, heads, 0, "hidden_size", "num_attention_heads", false);

  const std::int64_t per_side = image / patch;
  const std::int64_t ln = mul(2, h);
  const std::int64_t attention = mul(4, add(mul(h, h), h));
  const std::int64_t mlp = add(add(mul(2, mul(h, inter)), inter), h);
  const std::int64_t block = add(add(attention, mlp), mul(2, ln));

  std::int64_t total = add(mul(mul(mul(channels, patch), patch), h), h);  // patch_embedding + bias
  total = add(total, mul(mul(per_side, per_side), h));                   // position_embedding
  total = add(total, mul(layers, block));                                // encoder layers
  total = add(total, ln);                                                // post_layernorm
  if (use_head) {
    // probe + in_proj (3h x h + 3h) + out_proj (h x h + h) + layernorm + mlp
    const std::int64_t head = add(add(add(h, add(mul(4, mul(h, h)), mul(4, h))), ln), mlp);
    total = add(total, head);
  }
  total = add(total, add(mul(h, text_hidden), h));  // Gemma3MultiModalProjector

  spec.scheme = VisionScheme::pooled_fixed;
  spec.patch = patch;
  spec.channels = channels;
  spec.image_size = image;
  spec.marker_tokens = 2;  // processing_gemma3.py full_image_sequence: boi + image tokens + eoi
  spec.projector_in = h;   // Gemma3MultiModalProjector: AvgPool2d, mm_soft_emb_norm, matmul to text hidden
  spec.projector_out = text_hidden;

  return vit_tower(total, block, layers, h, heads, head_dim, inter);
}

}  // namespace

// GemmaConfig: vocab 256000, heads 16, kv 16, head_dim 256, max_pos 8192, tie True, attention_bias False.
void parse_gemma(ObjectReader& r, ModelConfig& m) {
  read_decoder_common(r, {256000, 16, 16, 256, 8192, true}, m);
  const bool attention_bias = r.boolean("attention_bias", false);
  m.text.qkv_bias = attention_bias;
  m.text.o_bias = attention_bias;
}

// Gemma2Config: vocab 256000, heads 8, kv 4, head_dim 256, max_pos 8192, tie True, sliding_window 4096
// on even layers (Gemma2DecoderLayer: is_sliding = not bool(layer_idx % 2)); four norms per layer
// (input, post_attention, pre_feedforward, post_feedforward).
void parse_gemma2(ObjectReader& r, ModelConfig& m) {
  read_decoder_common(r, {256000, 8, 4, 256, 8192, true}, m);
  const bool attention_bias = r.boolean("attention_bias", false);
  m.text.qkv_bias = attention_bias;
  m.text.o_bias = attention_bias;
  m.text.norms_per_layer = 4;
  m.text.sliding_window = read_sliding_window(r, 4096);
  const std::int64_t from_types = count_sliding_layer_types(r, m.text.layers);
  m.text.sliding_window_layers = from_types >= 0 ? from_types : (m.text.layers + 1) / 2;
}

// Gemma3TextConfig: vocab 262208, heads 8, kv 4, head_dim 256, max_pos 131072, tie True,
// sliding_window 4096, sliding_window_pattern 6 (Gemma3DecoderLayer: is_sliding =
// bool((layer_idx + 1) % sliding_window_pattern): five local layers, then one global); q_norm/k_norm =
// Gemma3RMSNorm(head_dim); four norms per layer as in Gemma 2.
void parse_gemma3_text(ObjectReader& r, ModelConfig& m) {
  read_decoder_common(r, {262208, 8, 4, 256, 131072, true}, m);
  const bool attention_bias = r.boolean("attention_bias", false);
  m.text.qkv_bias = attention_bias;
  m.text.o_bias = attention_bias;
  m.text.qk_norm = true;
  m.text.norms_per_layer = 4;
  m.text.sliding_window = read_sliding_window(r, 4096);
  const std::int64_t from_types = count_sliding_layer_types(r, m.text.layers);
  if (from_types >= 0) {
    m.text.sliding_window_layers = from_types;
  } else {
    std::int64_t pattern = 6;
    if (r.has("sliding_window_pattern")) {
      pattern = r.required_integer("sliding_window_pattern", 1, kMaxLayers);
    } else {
      pattern = r.integer("_sliding_window_pattern", 1, kMaxLayers, 6);
    }
    m.text.sliding_window_layers = m.text.layers - m.text.layers / pattern;
  }
}

// Gemma3Config: text_config (Gemma3TextConfig) + vision_config (SiglipVisionConfig);
// Gemma3ForConditionalGeneration ties lm_head to the text embeddings (PretrainedConfig default True).
void parse_gemma3(ObjectReader& top, ModelConfig& m) {
  ObjectReader t = top.object("text_config");
  parse_gemma3_text(t, m);
  m.tie_word_embeddings = top.boolean("tie_word_embeddings", t.boolean("tie_word_embeddings", true));
  ObjectReader v = top.object("vision_config");
  m.towers.push_back(parse_siglip_with_gemma3_projector(v, m.text.hidden_size, m.vision_input));
  // Gemma3Config mm_tokens_per_image (default 256): the pooled tokens of one image.
  m.vision_input.tokens_per_image = top.integer("mm_tokens_per_image", 1, kMaxPositions, 256);
}

}  // namespace vramplan::hf
