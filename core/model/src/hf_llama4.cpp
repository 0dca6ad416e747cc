// Llama 4 (meta-llama/Llama-4-Scout-17B-16E, -Maverick-17B-128E): a mixture of experts with a shared
// expert on every `interleave_moe_layer_step`-th layer, chunked local attention on the RoPE layers, and
// a ViT vision tower with a pixel-shuffle adapter.
// Every default is the transformers configuration class default named beside it (hf_config.cpp says why):
// huggingface/transformers src/transformers/models/llama4/configuration_llama4.py and modeling_llama4.py.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "hf_common.hpp"
#include "hf_families.hpp"
#include "vramplan/json_reader.hpp"
#include "vramplan/model.hpp"

namespace vramplan::hf {
namespace {

// Llama4TextConfig.__post_init__: moe_layers, when not given, is range(step - 1, layers, step), which has
// floor(layers / step) entries.
std::int64_t count_llama4_moe_layers(ObjectReader& r, std::int64_t layers) {
  const std::int64_t step = r.integer("interleave_moe_layer_step", 1, kMaxLayers, 1);
  if (r.has("moe_layers")) {
    std::int64_t n = 0;
    for (const bool moe : read_layer_set(r, "moe_layers", layers)) n += moe ? 1 : 0;
    return n;
  }
  return layers / step;
}

// Chunked-attention layers: layer_types "chunked_attention" when given, else the RoPE layers
// (no_rope_layers[i] == 1; default 1 unless (i + 1) % no_rope_layer_interval == 0, interval 4). With
// attention_chunk_size null no layer is chunked.
std::int64_t count_llama4_chunked_layers(ObjectReader& r, std::int64_t layers) {
  const std::int64_t from_types = count_layer_types(r, layers, "chunked_attention");
  if (from_types >= 0) return from_types;
  const Json* given = r.find("no_rope_layers");
  if (given != nullptr && given->is_array() && !given->empty()) {
    const std::string p = r.pointer_of("no_rope_layers");
    if (static_cast<std::int64_t>(given->size()) < layers) {
      fail(p, "must have at least one entry per layer (" + str(layers) + "), got " + std::to_string(given->size()));
    }
    std::int64_t n = 0;
    for (std::int64_t i = 0; i < layers; ++i) {
      n += read_integer((*given)[static_cast<std::size_t>(i)], pointer_append(p, static_cast<std::size_t>(i)), 0, 1);
    }
    return n;
  }
  const std::int64_t interval = r.integer("no_rope_layer_interval", 1, kMaxLayers, 4);
  return layers - layers / interval;
}

// Llama4VisionModel: patch_embedding Llama4UnfoldConvolution linear (channels x patch^2 -> hidden, no
// bias), class_embedding (hidden), positional_embedding_vlm ((image/patch)^2 + 1 rows), layernorm_pre
// and layernorm_post (LayerNorm); Llama4VisionEncoderLayer: q/k/v/o_proj with bias, mlp fc1/fc2 with
// bias, input_layernorm and post_attention_layernorm (LayerNorm); vision_adapter
// Llama4VisionPixelShuffleMLP: mlp fc1 Linear(intermediate_size, projector_input_dim) and fc2
// Linear(projector_output_dim, projector_output_dim), both without bias. Llama4VisionConfig defaults:
// hidden 768, 34 layers, 16 heads, 3 channels, intermediate 5632, vision_output_dim 7680, image 448,
// patch 14, projector_input_dim / projector_output_dim 4096.
// Llama4MultiModalProjector: linear_1 Linear(vision_output_dim, text hidden, bias=False).
ExtraTower llama4_vision(ObjectReader& v, std::int64_t text_hidden, VisionInputSpec& spec) {
  const std::int64_t h = v.integer("hidden_size", 1, kMaxHidden, 768);
  const std::int64_t layers = v.integer("num_hidden_layers", 0, kMaxLayers, 34);
  const std::int64_t heads = v.integer("num_attention_heads", 1, kMaxHeads, 16);
  const std::int64_t channels = v.integer("num_channels", 1, kMaxChannels, 3);
  const std::int64_t inter = v.integer("intermediate_size", 1, kMaxIntermediate, 5632);
  const std::int64_t out_dim = v.integer("vision_output_dim", 1, kMaxHidden, 7680);
  const std::int64_t image = v.integer("image_size", 1, kMaxImageSize, 448);
  const std::int64_t patch = v.integer("patch_size", 1, kMaxImageSize, 14);
  const std::int64_t proj_in = v.integer("projector_input_dim", 1, kMaxHidden, 4096);
  const std::int64_t proj_out = v.integer("projector_output_dim", 1, kMaxHidden, 4096);
  if (patch > image) fail(v.pointer_of("patch_size"), "must be at most image_size (" + str(image) + "), got " + str(patch));
  const std::int64_t head_dim = read_head_dim(v, h, heads, 0, "hidden_size", "num_attention_heads", false);
  const std::int64_t q_dim = mul(heads, head_dim);
  const std::int64_t attention = add(mul(4, mul(h, q_dim)), add(mul(3, q_dim), h));
  const std::int64_t mlp = add(add(mul(2, mul(h, inter)), inter), h);
  const std::int64_t block = add(add(attention, mlp), mul(4, h));
  const std::int64_t grid = image / patch;
  std::int64_t total = mul(mul(mul(channels, patch), patch), h);        // patch_embedding.linear
  total = add(total, h);                                                // class_embedding
  total = add(total, mul(add(mul(grid, grid), 1), h));                  // positional_embedding_vlm
  total = add(total, mul(4, h));                                        // layernorm_pre, layernorm_post
  total = add(total, mul(layers, block));                               // encoder layers
  total = add(total, add(mul(inter, proj_in), mul(proj_out, proj_out)));  // vision_adapter.mlp
  total = add(total, mul(out_dim, text_hidden));                        // multi_modal_projector.linear_1
  // The image rule (media_tiled.cpp): tiles of image_size (the checkpoints' processor size, 336), at most
  // Llama4ImageProcessorFast.max_patches = 16 of them; pixel_shuffle_ratio 0.5 keeps a quarter of the patches.
  const double shuffle = v.number("pixel_shuffle_ratio", 0.01, 1.0, 0.5);
  const std::int64_t downsample = static_cast<std::int64_t>(std::llround(1.0 / (shuffle * shuffle)));
  spec.scheme = VisionScheme::llama4_tiles;
  spec.patch = patch;
  spec.channels = channels;
  spec.image_size = image;
  spec.class_tokens = 1;
  spec.max_tiles = 16;
  spec.tokens_per_image = std::max<std::int64_t>(1, grid * grid / std::max<std::int64_t>(downsample, 1));
  spec.projector_in = inter;
  spec.projector_hidden = proj_out;
  spec.projector_out = text_hidden;
  return vit_tower(total, block, layers, h, heads, head_dim, inter);
}

}  // namespace

// Llama4TextConfig: vocab 202048, heads 40, kv 8, head_dim 128, max_pos 131072, tie False,
// intermediate_size 8192 (one expert and the shared expert), intermediate_size_mlp 16384 (dense layers),
// num_local_experts 16, num_experts_per_tok 1, attention_bias False, attention_chunk_size 8192.
// Llama4TextDecoderLayer: input_layernorm + post_attention_layernorm (RMSNorm); Llama4TextAttention
// q/k/v/o_proj (bias = attention_bias) and, with use_qk_norm, Llama4TextL2Norm, which has no weight;
// feed_forward Llama4TextMoe on moe_layers: experts gate_up_proj (experts, hidden, 2 x intermediate) +
// down_proj (experts, intermediate, hidden), router Llama4Router Linear(hidden, experts, bias=False),
// shared_expert Llama4TextMLP(intermediate_size); elsewhere Llama4TextMLP(intermediate_size_mlp).
void parse_llama4_text(ObjectReader& r, ModelConfig& m) {
  read_decoder_common(r, {202048, 40, 8, 128, 131072, false}, m);
  TransformerStack& s = m.text;
  const std::int64_t expert_width = s.intermediate_size;
  s.intermediate_size = r.integer("intermediate_size_mlp", 1, kMaxIntermediate, 16384);
  const bool bias = r.boolean("attention_bias", false);
  s.qkv_bias = bias;
  s.o_bias = bias;
  MoeConfig& moe = s.moe;
  moe.num_experts = r.integer("num_local_experts", 1, kMaxExperts, 16);
  moe.experts_per_token = r.integer("num_experts_per_tok", 1, kMaxExperts, 1);
  check_top_k(r, "num_experts_per_tok", moe);
  moe.expert_intermediate = expert_width;
  moe.shared_experts = 1;
  moe.shared_intermediate = expert_width;
  moe.moe_layers = count_llama4_moe_layers(r, s.layers);
  // Chunked attention attends within chunks of attention_chunk_size tokens, so those layers keep at most
  // that many tokens' K/V, as a sliding window does (vLLM ChunkedLocalAttentionSpec; transformers
  // create_chunked_causal_mask).
  const bool unchunked = r.raw().contains("attention_chunk_size") && r.raw()["attention_chunk_size"].is_null();
  if (!unchunked) {
    s.sliding_window = r.integer("attention_chunk_size", 1, kMaxPositions, 8192);
    s.sliding_window_layers = count_llama4_chunked_layers(r, s.layers);
  }
}

// Llama4Config: text_config Llama4TextConfig, vision_config Llama4VisionConfig, tie_word_embeddings False.
// Llama4ForConditionalGeneration: vision_model, multi_modal_projector, language_model (Llama4ForCausalLM).
void parse_llama4(ObjectReader& top, ModelConfig& m) {
  ObjectReader t = top.object("text_config");
  parse_llama4_text(t, m);
  m.tie_word_embeddings = top.boolean("tie_word_embeddings", false);
  ObjectReader v = top.object("vision_config");
  m.towers.push_back(llama4_vision(v, m.text.hidden_size, m.vision_input));
}

}  // namespace vramplan::hf
