// timm MobileNetV5 (huggingface/pytorch-image-models timm/models/mobilenetv5.py, _efficientnet_blocks.py,
// layers/attention2d.py), Gemma 3n's vision encoder (mobilenetv5_300m_enc): its parameters, and the feature
// maps one image's forward keeps for backward (docs/memory-model.md "Images and audio", Gemma 3n).
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "hf_common.hpp"
#include "hf_families.hpp"

namespace vramplan::hf {
namespace {

// Every conv is bias-free (create_conv2d / ConvNormAct default), every norm an RmsNorm2d (a weight per
// channel), layer scale (LayerScale2d, a gamma per channel) on UIR and attention blocks (layer_scale_init_value
// 1e-5).
//   er  EdgeResidual: conv_exp k x k (in -> in e, groups 1, the block's stride) + norm + GELU, conv_pwl 1x1
//       (-> out) + norm
//   uir UniversalInvertedResidual: [dw_start a x a depthwise + norm] pw_exp 1x1 (in -> in e) + norm + GELU
//       [dw_mid k x k depthwise + norm + GELU] pw_proj 1x1 (-> out) + norm, layer scale; the stride is dw_mid's,
//       or dw_start's when there is no dw_mid
//   mqa MobileAttention(use_multi_query): norm; query proj 1x1 (in -> heads d); with kv_stride > 1 a depthwise
//       k x k down_conv + norm before each of key and value; key proj, value proj 1x1 (in -> d); fused
//       scaled_dot_product_attention; output proj 1x1 (heads d -> out); layer scale
struct MnBlock {
  char type = 'u';  // 'e' er, 'u' uir, 'm' mqa
  std::int64_t start = 0, mid = 0, expand = 1, out = 0, heads = 0, dim = 0, kv_stride = 1, stride = 1;
};

// timm _decode_block_str: "<type>_r<repeat>_a<start kernel>_k<kernel>_s<stride>_e<expansion>_h<heads>_v<kv
// stride>_d<key/value dim>_c<channels>" (repeat is always 1 here).
MnBlock mn_decode(const std::string& text) {
  MnBlock b;
  b.type = text[0] == 'e' ? 'e' : text[0] == 'm' ? 'm' : 'u';
  std::size_t pos = text.find('_');
  while (pos != std::string::npos) {
    const std::size_t next = text.find('_', pos + 1);
    const char key = text[pos + 1];
    const std::int64_t value = std::stoll(text.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2));
    if (key == 'a') b.start = value;
    if (key == 'k') b.mid = value;
    if (key == 'e') b.expand = value;
    if (key == 'c') b.out = value;
    if (key == 'h') b.heads = value;
    if (key == 'd') b.dim = value;
    if (key == 'v') b.kv_stride = value;
    if (key == 's') b.stride = value;
    pos = next;
  }
  return b;
}

std::int64_t mn_block_params(const MnBlock& b, std::int64_t in, bool layer_scale) {
  const std::int64_t out = b.out;
  const std::int64_t scale = layer_scale ? out : 0;
  if (b.type == 'e') {
    const std::int64_t mid = mul(in, b.expand);
    return add(add(mul(mul(in, mid), mul(b.mid, b.mid)), mid), add(mul(mid, out), out));
  }
  if (b.type == 'u') {
    const std::int64_t mid = mul(in, b.expand);
    std::int64_t n = b.start > 0 ? add(mul(in, mul(b.start, b.start)), in) : 0;
    n = add(n, add(mul(in, mid), mid));
    if (b.mid > 0) n = add(n, add(mul(mid, mul(b.mid, b.mid)), mid));
    return add(n, add(add(mul(mid, out), out), scale));
  }
  std::int64_t n = add(in, mul(in, mul(b.heads, b.dim)));
  if (b.kv_stride > 1) n = add(n, mul(2, add(mul(in, mul(b.mid, b.mid)), in)));
  n = add(n, add(mul(mul(2, in), b.dim), mul(mul(b.heads, b.dim), out)));
  return add(n, scale);
}

// One conv + RmsNorm2d [+ GELU] unit's saved elements: the conv's input (it needs it for its weight gradient),
// the norm's input (pow/mean read it) and its normalised output (the weight multiply keeps it), and GELU's
// input when it has one. The unit's output is the next unit's conv input, counted there.
std::int64_t mn_unit(std::int64_t conv_in, std::int64_t out, bool act) { return add(conv_in, mul(act ? 3 : 2, out)); }

// Elements one block keeps for backward with `in` channels at `r` x `r` input (its output side is r / stride).
std::int64_t mn_block_saved(const MnBlock& b, std::int64_t in, std::int64_t r) {
  const std::int64_t area = mul(r, r);
  if (b.type == 'e') {
    const std::int64_t ro = r / b.stride, out_area = mul(ro, ro), mid = mul(in, b.expand);
    return add(mn_unit(mul(in, area), mul(mid, out_area), true), mn_unit(mul(mid, out_area), mul(b.out, out_area), false));
  }
  if (b.type == 'u') {
    const std::int64_t mid = mul(in, b.expand);
    const std::int64_t ra = b.mid > 0 ? r : r / b.stride, rm = ra / (b.mid > 0 ? b.stride : 1);
    std::int64_t n = b.start > 0 ? mn_unit(mul(in, area), mul(in, mul(ra, ra)), false) : 0;
    n = add(n, mn_unit(mul(in, mul(ra, ra)), mul(mid, mul(ra, ra)), true));
    if (b.mid > 0) n = add(n, mn_unit(mul(mid, mul(ra, ra)), mul(mid, mul(rm, rm)), true));
    n = add(n, mn_unit(mul(mid, mul(rm, rm)), mul(b.out, mul(rm, rm)), false));
    return add(n, mul(b.out, mul(rm, rm)));  // layer scale keeps its input
  }
  // mqa: the norm (input, normalised, weighted output read by the projections); q and the attention output
  // (heads x dim each, kept by the fused attention and the output projection); k and v (dim each) at the key
  // resolution, each behind a down_conv + norm unit when kv_stride > 1; layer scale's input.
  const std::int64_t rk = r / b.kv_stride, kv_area = mul(rk, rk);
  std::int64_t n = mul(3, mul(in, area));
  n = add(n, mul(mul(2, mul(b.heads, b.dim)), area));
  if (b.kv_stride > 1) n = add(n, mul(2, mul(3, mul(in, kv_area))));
  n = add(n, mul(mul(2, b.dim), kv_area));
  return add(n, mul(b.out, area));
}

// The fusion adapter's inputs: the last two stages (640 channels at 1/16, 1280 at 1/32 of the image).
constexpr std::int64_t kMnFusionIn = 640 + 1280, kMnFusionOut = 2048, kMnStem = 64;

}  // namespace

// mobilenetv5_300m_enc: _gen_mobilenet_v5's arch_def (the non-"base" one), stem ConvNormAct(3 -> 64, 3x3,
// stride 2), and the MobileNetV5MultiScaleFusionAdapter over the outputs of the last two stages (640 + 1280
// channels): a UIR (1920 -> 2048, exp 2, no depthwise convs, layer_scale_init_value None) and an RmsNorm2d(2048).
std::vector<std::string> mobilenetv5_300m_arch() {
  std::vector<std::string> arch = {"er_k3_s2_e4_c128", "er_k3_s1_e4_c128", "er_k3_s1_e4_c128",
                                   "uir_a3_k5_s2_e6_c256", "uir_a5_k0_s1_e4_c256", "uir_a3_k0_s1_e4_c256",
                                   "uir_a5_k0_s1_e4_c256", "uir_a3_k0_s1_e4_c256", "uir_a5_k5_s2_e6_c640"};
  for (int i = 0; i < 7; ++i) arch.emplace_back("uir_a5_k0_s1_e4_c640");
  arch.emplace_back("uir_a0_k0_s1_e1_c640");
  for (int i = 0; i < 13; ++i) {
    arch.emplace_back("mqa_k3_h12_v2_s1_d64_c640");
    arch.emplace_back("uir_a0_k0_s1_e2_c640");
  }
  arch.emplace_back("uir_a5_k5_s2_e6_c1280");
  for (int i = 0; i < 19; ++i) {
    arch.emplace_back("mqa_k3_h16_s1_d96_c1280");
    arch.emplace_back("uir_a0_k0_s1_e2_c1280");
  }
  return arch;
}

std::int64_t mobilenetv5_300m_params() {
  std::int64_t total = 3 * kMnStem * 3 * 3 + kMnStem;  // conv_stem
  std::int64_t in = kMnStem;
  for (const std::string& text : mobilenetv5_300m_arch()) {
    const MnBlock b = mn_decode(text);
    total = add(total, mn_block_params(b, in, true));
    in = b.out;
  }
  MnBlock fusion;
  fusion.expand = 2;
  fusion.out = kMnFusionOut;
  return add(add(total, mn_block_params(fusion, kMnFusionIn, false)), kMnFusionOut);
}

// The feature maps one image of `image` x `image` pixels keeps for backward (elements; the cast pixel_values
// are the memory layer's): the stem unit after its conv, every block (mn_block_saved), the adapter's UIR over
// the concatenated stages at the higher one's resolution (nearest upsampling and concatenation keep nothing)
// and its norm after pooling to `tokens` positions. `peak`: the most one block keeps (its input included).
MobileNetActivations mobilenetv5_300m_activations(std::int64_t image, std::int64_t tokens) {
  MobileNetActivations a;
  std::int64_t r = image / 2;
  a.saved = mul(3 * kMnStem, mul(r, r));  // stem norm input, normalised, GELU input (its conv reads the pixels)
  a.peak = a.saved;
  std::int64_t in = kMnStem;
  std::int64_t fusion_r = r;
  for (const std::string& text : mobilenetv5_300m_arch()) {
    const MnBlock b = mn_decode(text);
    const std::int64_t block = mn_block_saved(b, in, r);
    a.saved = add(a.saved, block);
    a.peak = std::max(a.peak, block);
    if (b.stride > 1) fusion_r = r;  // the stage before the last downsampling is the adapter's resolution
    r /= b.stride;
    in = b.out;
  }
  const std::int64_t area = mul(fusion_r, fusion_r);
  const std::int64_t adapter = add(mn_unit(mul(kMnFusionIn, area), mul(2 * kMnFusionIn, area), true),
                                   mn_unit(mul(2 * kMnFusionIn, area), mul(kMnFusionOut, area), false));
  a.saved = add(add(a.saved, adapter), mul(2 * kMnFusionOut, tokens));
  a.peak = std::max(a.peak, adapter);
  return a;
}

}  // namespace vramplan::hf
