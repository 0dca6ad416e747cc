// Qwen: Qwen2, Qwen2-MoE, Qwen3, Qwen3-MoE, and Qwen2-VL / Qwen2.5-VL with their vision towers.
// Every default is the transformers configuration class default named beside it (hf_config.cpp says why).
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

// Qwen2/Qwen3 (and their MoE and VL variants): sliding windows only with use_sliding_window, on layers
// with index >= max_window_layers (configuration_qwen2.py: layer_types default).
void read_qwen_sliding(ObjectReader& r, ModelConfig& m, std::int64_t max_window_layers_default) {
  const bool use = r.boolean("use_sliding_window", false);
  if (!use) return;
  m.text.sliding_window = read_sliding_window(r, 4096);
  const std::int64_t from_types = count_sliding_layer_types(r, m.text.layers);
  if (from_types >= 0) {
    m.text.sliding_window_layers = from_types;
  } else {
    const std::int64_t mwl = r.integer("max_window_layers", 0, kMaxLayers, max_window_layers_default);
    m.text.sliding_window_layers = std::max<std::int64_t>(0, m.text.layers - mwl);
  }
}

// Qwen2-MoE / Qwen3-MoE: a layer is sparse when it is not in mlp_only_layers and
// (layer_idx + 1) % decoder_sparse_step == 0 (modeling_qwen2_moe.py Qwen2MoeDecoderLayer.__init__).
std::int64_t count_qwen_moe_layers(ObjectReader& r, std::int64_t layers) {
  const std::int64_t step = r.integer("decoder_sparse_step", 1, kMaxLayers, 1);
  const std::vector<bool> mlp_only = read_layer_set(r, "mlp_only_layers", layers);
  std::int64_t n = 0;
  for (std::int64_t i = 0; i < layers; ++i) {
    if (!mlp_only[static_cast<std::size_t>(i)] && (i + 1) % step == 0) ++n;
  }
  return n;
}

// Class defaults of the Qwen sparse block with a gated shared expert.
struct SharedMoeDefaults {
  std::int64_t top_k, expert_intermediate, shared_intermediate;
};

// Qwen2MoeSparseMoeBlock / Qwen3NextSparseMoeBlock: gate Linear(hidden, experts, bias=False), experts of
// moe_intermediate_size, one shared expert of shared_expert_intermediate_size and shared_expert_gate
// Linear(hidden, 1, bias=False), on the layers count_qwen_moe_layers finds. num_experts is read before.
void read_qwen_shared_moe(ObjectReader& r, ModelConfig& m, const SharedMoeDefaults& d) {
  MoeConfig& moe = m.text.moe;
  moe.experts_per_token = r.integer("num_experts_per_tok", 1, kMaxExperts, d.top_k);
  check_top_k(r, "num_experts_per_tok", moe);
  moe.expert_intermediate = r.integer("moe_intermediate_size", 1, kMaxIntermediate, d.expert_intermediate);
  moe.shared_intermediate = r.integer("shared_expert_intermediate_size", 1, kMaxIntermediate, d.shared_intermediate);
  moe.shared_experts = 1;
  moe.shared_expert_gate = true;
  moe.moe_layers = count_qwen_moe_layers(r, m.text.layers);
}

// Qwen2-VL vision (Qwen2VLVisionConfig: depth 32, embed_dim 1280, hidden_size 3584, mlp_ratio 4,
// num_heads 16, in_channels 3, patch_size 14, spatial_merge_size 2, temporal_patch_size 2) and
// Qwen2.5-VL vision (Qwen2_5_VLVisionConfig: depth 32, hidden_size 3584, intermediate_size 3420,
// num_heads 16, in_channels 3, patch_size 14, spatial_merge_size 2, temporal_patch_size 2,
// out_hidden_size 3584).
// PatchEmbed: Conv3d(in_channels, dim, [temporal, patch, patch], bias=False).
// Qwen2VLVisionBlock: norm1/norm2 LayerNorm, VisionAttention qkv Linear(dim, 3 dim) and proj with bias,
// VisionMlp fc1/fc2 with bias (width dim * mlp_ratio); PatchMerger: ln_q LayerNorm(dim), mlp
// Linear(dim*m^2, dim*m^2) + Linear(dim*m^2, hidden_size), both with bias.
// Qwen2_5_VLVisionBlock: norm1/norm2 Qwen2RMSNorm, same attention, Qwen2_5_VLMLP gate/up/down with bias;
// Qwen2_5_VLPatchMerger: ln_q Qwen2RMSNorm(dim), mlp as above into out_hidden_size.
// The image bounds of the Qwen checkpoints' preprocessor_config.json (Qwen/Qwen2-VL-*-Instruct and
// Qwen/Qwen2.5-VL-*-Instruct: "min_pixels": 3136, "max_pixels": 12845056, as qwen-vl-utils MIN_PIXELS
// 4 x 28 x 28 and MAX_PIXELS 16384 x 28 x 28), which AutoProcessor loads; the class defaults of
// Qwen2VLImageProcessor (56 x 56 .. 28 x 28 x 1280) apply only without that file.
constexpr std::int64_t kQwenVlMinPixels = 3136;
constexpr std::int64_t kQwenVlMaxPixels = 12845056;

ExtraTower parse_qwen_vl_vision(ObjectReader& v, bool v2_5, VisionInputSpec& spec) {
  const std::int64_t depth = v.integer("depth", 1, kMaxLayers, 32);
  const std::int64_t heads = v.integer("num_heads", 1, kMaxHeads, 16);
  std::int64_t channels = 3;
  if (v.has("in_channels")) {
    channels = v.required_integer("in_channels", 1, kMaxChannels);
  } else {
    channels = v.integer("in_chans", 1, kMaxChannels, 3);
  }
  const std::int64_t patch = v.integer("patch_size", 1, kMaxImageSize, 14);
  const std::int64_t merge = v.integer("spatial_merge_size", 1, 1024, 2);
  const std::int64_t temporal = v.integer("temporal_patch_size", 1, 1024, 2);
  std::int64_t dim = 0;
  std::int64_t inter = 0;
  std::int64_t out = 0;
  if (v2_5) {
    dim = v.integer("hidden_size", 1, kMaxHidden, 3584);
    inter = v.integer("intermediate_size", 1, kMaxIntermediate, 3420);
    out = v.integer("out_hidden_size", 1, kMaxHidden, 3584);
  } else {
    dim = v.integer("embed_dim", 1, kMaxHidden, 1280);
    const double ratio = v.number("mlp_ratio", 0.0, 16'384.0, 4.0);
    const double width = std::floor(static_cast<double>(dim) * ratio);  // int(embed_dim * mlp_ratio)
    if (width < 1.0 || width > static_cast<double>(kMaxIntermediate)) {
      fail(v.pointer_of("mlp_ratio"), "gives an MLP width (embed_dim * mlp_ratio) outside 1 to 16,777,216");
    }
    inter = static_cast<std::int64_t>(width);
    out = v.integer("hidden_size", 1, kMaxHidden, 3584);
  }
  const std::int64_t head_dim = read_head_dim(v, dim, heads, 0, v2_5 ? "hidden_size" : "embed_dim", "num_heads", false);

  const std::int64_t norm = v2_5 ? dim : mul(2, dim);  // RMSNorm weight, or LayerNorm weight + bias
  const std::int64_t attention = add(add(mul(mul(3, dim), dim), mul(3, dim)), add(mul(dim, dim), dim));
  const std::int64_t mlp = v2_5 ? add(add(mul(3, mul(dim, inter)), mul(2, inter)), dim)
                                : add(add(mul(2, mul(dim, inter)), inter), dim);
  const std::int64_t block = add(add(attention, mlp), mul(2, norm));
  const std::int64_t merged = mul(mul(dim, merge), merge);

  std::int64_t total = mul(mul(mul(mul(channels, temporal), patch), patch), dim);  // patch_embed
  total = add(total, mul(depth, block));                                          // blocks
  total = add(total, norm);                                                       // merger.ln_q
  total = add(total, add(mul(merged, merged), merged));                           // merger.mlp.0
  total = add(total, add(mul(merged, out), out));                                 // merger.mlp.2

  spec.scheme = VisionScheme::qwen_dynamic;
  spec.patch = patch;
  spec.merge = merge;
  spec.temporal = temporal;
  spec.channels = channels;
  spec.min_pixels = kQwenVlMinPixels;
  spec.max_pixels = kQwenVlMaxPixels;
  spec.projector_in = merged;
  spec.projector_hidden = merged;
  spec.projector_out = out;

  ExtraTower tower;
  tower.name = "vision";
  tower.params = total;
  tower.block_params = block;
  TransformerStack& s = tower.stack;
  s = mha_stack(depth, dim, heads, head_dim, inter);
  s.mlp = v2_5 ? MlpKind::gated : MlpKind::plain;
  s.norm = v2_5 ? NormKind::rms : NormKind::layer;
  s.qkv_bias = true;
  s.o_bias = true;
  s.mlp_bias = true;
  return tower;
}

}  // namespace

// Qwen2Config: vocab 151936, heads 32, kv 32, max_pos 32768, tie False, max_window_layers 28;
// Qwen2Attention: q/k/v bias=True, o_proj bias=False.
void parse_qwen2(ObjectReader& r, ModelConfig& m) {
  read_decoder_common(r, {151936, 32, 32, 0, 32768, false}, m);
  m.text.qkv_bias = true;
  read_qwen_sliding(r, m, 28);
}

// Qwen2MoeConfig: vocab 151936, heads 16, kv 16, max_pos 32768, tie False, num_experts 60, top-k 4,
// moe_intermediate_size 1408, shared_expert_intermediate_size 5632, qkv_bias True;
// Qwen2MoeSparseMoeBlock: gate Linear(hidden, experts, bias=False), one shared expert and a
// shared_expert_gate Linear(hidden, 1, bias=False).
void parse_qwen2_moe(ObjectReader& r, ModelConfig& m) {
  read_decoder_common(r, {151936, 16, 16, 0, 32768, false}, m);
  m.text.qkv_bias = r.boolean("qkv_bias", true);
  read_qwen_sliding(r, m, 28);
  m.text.moe.num_experts = r.integer("num_experts", 1, kMaxExperts, 60);
  read_qwen_shared_moe(r, m, {4, 1408, 5632});
}

// Qwen3Config: vocab 151936, heads 32, kv 32, head_dim 128, max_pos 32768, tie False, attention_bias
// False; Qwen3Attention: q_norm/k_norm = Qwen3RMSNorm(head_dim).
void parse_qwen3(ObjectReader& r, ModelConfig& m) {
  read_decoder_common(r, {151936, 32, 32, 128, 32768, false}, m);
  const bool attention_bias = r.boolean("attention_bias", false);
  m.text.qkv_bias = attention_bias;
  m.text.o_bias = attention_bias;
  m.text.qk_norm = true;
  read_qwen_sliding(r, m, 28);
}

// Qwen3MoeConfig: vocab 151936, heads 32, kv 4, head_dim hidden/heads unless given, max_pos 32768,
// tie False, num_experts 128, top-k 8, moe_intermediate_size 768; Qwen3MoeSparseMoeBlock: gate
// Linear(hidden, experts, bias=False), no shared expert.
void parse_qwen3_moe(ObjectReader& r, ModelConfig& m) {
  read_decoder_common(r, {151936, 32, 4, 0, 32768, false}, m);
  const bool attention_bias = r.boolean("attention_bias", false);
  m.text.qkv_bias = attention_bias;
  m.text.o_bias = attention_bias;
  m.text.qk_norm = true;
  read_qwen_sliding(r, m, 28);
  MoeConfig& moe = m.text.moe;
  moe.num_experts = r.integer("num_experts", 1, kMaxExperts, 128);
  moe.experts_per_token = r.integer("num_experts_per_tok", 1, kMaxExperts, 8);
  check_top_k(r, "num_experts_per_tok", moe);
  moe.expert_intermediate = r.integer("moe_intermediate_size", 1, kMaxIntermediate, 768);
  moe.moe_layers = count_qwen_moe_layers(r, m.text.layers);
}

// Qwen2VLConfig / Qwen2_5_VLConfig: text fields at the top level (older files) or in text_config
// (transformers >= 4.53); defaults vocab 152064, heads 64, kv 8, max_pos 32768, tie False,
// max_window_layers 80; the text attention has q/k/v bias as in Qwen2.
void parse_qwen_vl(ObjectReader& top, ModelConfig& m, bool v2_5) {
  const bool nested = top.has("text_config");
  ObjectReader nested_reader = nested ? top.object("text_config") : top;
  ObjectReader& r = nested ? nested_reader : top;
  const bool tie_top = top.has("tie_word_embeddings");
  read_decoder_common(r, {152064, 64, 8, 0, 32768, false}, m);
  if (nested && tie_top) m.tie_word_embeddings = top.boolean("tie_word_embeddings", false);
  m.text.qkv_bias = true;
  read_qwen_sliding(r, m, 80);
  ObjectReader v = top.object("vision_config");
  m.towers.push_back(parse_qwen_vl_vision(v, v2_5, m.vision_input));
}

}  // namespace vramplan::hf

namespace vramplan::hf {

// Qwen3NextConfig (configuration_qwen3_next.py): vocab 151936, heads 16, kv 2, head_dim 256, max_pos 32768,
// tie False, attention_bias False, linear_conv_kernel_dim 4, linear_key_head_dim / linear_value_head_dim
// 128, linear_num_key_heads 16, linear_num_value_heads 32, num_experts 512, top-k 10,
// moe_intermediate_size 512, shared_expert_intermediate_size 512, decoder_sparse_step 1; layer_types
// default: "full_attention" when (i + 1) % full_attention_interval == 0 (interval 4), else
// "linear_attention". Qwen3NextDecoderLayer (modeling_qwen3_next.py): input_layernorm +
// post_attention_layernorm; linear_attn Qwen3NextGatedDeltaNet or self_attn Qwen3NextAttention (q_proj
// doubled for the output gate, q_norm/k_norm Qwen3NextRMSNorm(head_dim)); mlp Qwen3NextSparseMoeBlock
// (gate router experts x hidden, experts, shared_expert, shared_expert_gate Linear(hidden, 1)) on the
// Qwen2-MoE layer pattern, else Qwen3NextMLP(intermediate_size).
void parse_qwen3_next(ObjectReader& r, ModelConfig& m) {
  read_decoder_common(r, {151936, 16, 2, 256, 32768, false}, m);
  TransformerStack& s = m.text;
  const bool attention_bias = r.boolean("attention_bias", false);
  s.qkv_bias = attention_bias;
  s.o_bias = attention_bias;
  s.qk_norm = true;
  s.attn_output_gate = true;
  LinearAttentionConfig& l = s.linear_attention;
  l.layers = count_layer_types(r, s.layers, "linear_attention");
  if (l.layers < 0) l.layers = s.layers - s.layers / r.integer("full_attention_interval", 1, kMaxLayers, 4);
  l.num_k_heads = r.integer("linear_num_key_heads", 1, kMaxHeads, 16);
  l.num_v_heads = r.integer("linear_num_value_heads", 1, kMaxHeads, 32);
  if (l.num_v_heads % l.num_k_heads != 0) {
    fail(r.pointer_of("linear_num_value_heads"),
         "must be a multiple of linear_num_key_heads (" + str(l.num_k_heads) + "), got " + str(l.num_v_heads));
  }
  l.head_k_dim = r.integer("linear_key_head_dim", 1, kMaxHeadDim, 128);
  l.head_v_dim = r.integer("linear_value_head_dim", 1, kMaxHeadDim, 128);
  l.conv_kernel = r.integer("linear_conv_kernel_dim", 1, 1024, 4);
  s.moe.num_experts = r.integer("num_experts", 0, kMaxExperts, 512);
  if (s.moe.num_experts > 0) read_qwen_shared_moe(r, m, {10, 512, 512});
  if (l.layers > 0) {
    m.model_warnings.push_back(
        "Qwen3-Next: the " + str(l.layers) + " Gated DeltaNet layers keep a fixed recurrent state per sequence "
        "(counted in the KV cache); their training activations are estimated with an attention layer's shape");
  }
}

}  // namespace vramplan::hf
