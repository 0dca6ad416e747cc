// Phi-4-multimodal (microsoft/Phi-4-multimodal-instruct): a Phi-4-mini decoder (Phi-3 layout: fused qkv_proj and
// gate_up_proj, two RMSNorms), a SigLIP vision encoder with its pooling head, a conformer speech encoder, their
// projections, and, in the original checkpoint, two LoRA adapters on every decoder linear.
//   - model_type "phi4_multimodal": transformers' native port (huggingface/transformers src/transformers/models/
//     phi4_multimodal/configuration_phi4_multimodal.py, modeling_phi4_multimodal.py): vision_config, audio_config.
//   - model_type "phi4mm": the checkpoint's remote code, whose config.json keys the conversion script
//     (convert_phi4_multimodal_weights_to_hf.py convert_config) maps: audio_processor.config (attention_dim ->
//     hidden_size, attention_heads, linear_units -> intermediate_size, nemo_conv_settings.conv_channels,
//     relative_attention_bias_args.t5_bias_max_distance -> bias_max_distance), embd_layer.audio_embd_layer
//     .downsample_rate, embd_layer.image_embd_layer.crop_size, vision_lora / speech_lora (their "r"; the script
//     drops the lora tensors: the native model has no adapters, they ship apart). The vision encoder's shape is
//     not in that file: Phi4MultimodalVisionConfig's defaults, the remote code's fixed SigLIP.
// Every default below is the transformers configuration class default.
#include <cstdint>
#include <string>

#include "hf_common.hpp"
#include "hf_families.hpp"
#include "vramplan/json_reader.hpp"
#include "vramplan/model.hpp"

namespace vramplan::hf {
namespace {

// Phi4MultimodalVisionModel: patch_embedding Conv2d(3, h, patch) with bias, position_embedding ((image / patch)^2
// x h), encoder layers (2 LayerNorms, q/k/v/out with biases, fc1/fc2 with biases), post_layernorm, and the
// Phi4MultimodalVisionMultiheadAttentionPoolingHead (probe h, nn.MultiheadAttention in_proj 3h x h + 3h and
// out_proj h x h + h, LayerNorm, MLP). Phi4MultimodalImageEmbedding adds img_projection_up (h -> text), _down
// (text -> text) and the global / sub feature extensors (h each).
ExtraTower phi4_vision(ObjectReader& v, std::int64_t text_hidden) {
  const std::int64_t h = v.integer("hidden_size", 1, kMaxHidden, 1152);
  const std::int64_t inter = v.integer("intermediate_size", 1, kMaxIntermediate, 4304);
  const std::int64_t layers = v.integer("num_hidden_layers", 1, kMaxLayers, 27);
  const std::int64_t heads = v.integer("num_attention_heads", 1, kMaxHeads, 16);
  const std::int64_t channels = v.integer("num_channels", 1, 64, 3);
  const std::int64_t image = v.integer("image_size", 1, kMaxImageSize, 448);
  const std::int64_t patch = v.integer("patch_size", 1, kMaxImageSize, 14);
  if (h % heads != 0) fail(v.pointer_of("num_attention_heads"), "must divide hidden_size (" + str(h) + ")");
  if (patch > image) fail(v.pointer_of("patch_size"), "must be at most image_size (" + str(image) + ")");
  const std::int64_t mlp = add(add(mul(2, mul(h, inter)), inter), h);
  const std::int64_t block = add(add(mul(4, add(mul(h, h), h)), mlp), mul(4, h));
  const std::int64_t side = image / patch;
  std::int64_t total = add(mul(mul(channels, mul(patch, patch)), h), h);
  total = add(total, mul(mul(side, side), h));
  total = add(total, add(mul(layers, block), mul(2, h)));
  const std::int64_t head = add(add(h, add(mul(3, mul(h, h)), mul(3, h))), add(add(mul(h, h), h), add(mul(2, h), mlp)));
  total = add(total, head);
  total = add(total, add(add(mul(h, text_hidden), text_hidden), add(add(mul(text_hidden, text_hidden), text_hidden), mul(2, h))));
  return vit_tower(total, block, layers, h, heads, h / heads, inter);
}

struct AudioShape {
  std::int64_t d, inter, blocks, heads, kernel, ext, separable, multiplier, input, reduction, channels, max_distance;
  bool symmetric;
  std::int64_t downsample;
};

// Phi4MultimodalAudioModel: embed (Phi4MultimodalAudioNemoConvSubsampling: Conv2d(1, c, 3, stride 2) then
// log2(time_reduction) - 1 times a depthwise Conv2d(c, c, 3, stride 2, groups c) and a pointwise Conv2d(c, c, 1),
// all with biases, and out Linear(c x final, d) where final is input_size halved log2(time_reduction) times as
// floor((f - 1) / 2 + 1)); relative_attention_bias_layer Embedding(max_distance x (1 or 2), heads); the conformer
// layers: two Phi4MultimodalAudioMLP (LayerNorm, gate_up d -> 2 inter, down inter -> d, biases), attention q/k/v/o
// with biases, Phi4MultimodalAudioConvModule (LayerNorm; GLU pointwise Conv1d(d, 2 ext) + b1, b2; depthwise
// Conv1d(d, d x multiplier, kernel, groups d) and pointwise Conv1d(d x multiplier, separable); ext_pw_conv_1d
// Conv1d(d, ext); biases), layer_norm_att and layer_norm. Phi4MultimodalAudioEmbedding adds up/down projections
// for speech and for vision-speech: 2 x (d x downsample -> text, text -> text).
ExtraTower phi4_audio(const AudioShape& a, std::int64_t text_hidden) {
  const std::int64_t d = a.d;
  std::int64_t steps = 0;
  for (std::int64_t r = a.reduction; r > 1; r /= 2) ++steps;
  std::int64_t final_size = a.input;
  for (std::int64_t i = 0; i < steps; ++i) final_size = (final_size - 1) / 2 + 1;
  const std::int64_t c = a.channels;
  std::int64_t embed = add(mul(9, c), c);
  embed = add(embed, mul(steps - 1, add(add(mul(9, c), c), add(mul(c, c), c))));
  embed = add(embed, add(mul(mul(c, final_size), d), d));
  const std::int64_t ffw = add(add(mul(2, d), add(mul(d, mul(2, a.inter)), mul(2, a.inter))), add(mul(a.inter, d), d));
  const std::int64_t attention = mul(4, add(mul(d, d), d));
  const std::int64_t dw = mul(d, a.multiplier);
  std::int64_t conv = add(mul(2, d), add(add(mul(d, mul(2, a.ext)), mul(2, a.ext)), mul(2, a.ext)));
  conv = add(conv, add(add(mul(dw, a.kernel), dw), add(mul(dw, a.separable), a.separable)));
  conv = add(conv, add(mul(d, a.ext), a.ext));
  ExtraTower t;
  t.name = "audio_encoder";
  t.block_params = add(add(mul(2, ffw), attention), add(conv, mul(4, d)));
  const std::int64_t bias = mul(mul(a.max_distance, a.symmetric ? 1 : 2), a.heads);
  const std::int64_t projections =
      mul(2, add(add(mul(mul(d, a.downsample), text_hidden), text_hidden), add(mul(text_hidden, text_hidden), text_hidden)));
  t.params = add(add(add(embed, bias), mul(a.blocks, t.block_params)), projections);
  return t;
}

void check_audio(ObjectReader& r, const AudioShape& a, const char* heads_key) {
  if (a.d % a.heads != 0) fail(r.pointer_of(heads_key), "must divide the audio hidden size (" + str(a.d) + ")");
  if (a.reduction < 2 || (a.reduction & (a.reduction - 1)) != 0) {
    fail(r.pointer_of("time_reduction"), "must be a power of 2 of at least 2, got " + str(a.reduction));
  }
}

// The conformer keys both layouts share, by their names in each (convert_config's renames): hidden size,
// intermediate size, heads and the separable conv's output channels (spelt "seperable" by the remote code).
struct AudioKeys {
  const char* hidden;
  const char* inter;
  const char* heads;
  const char* separable;
};

AudioShape read_audio_common(ObjectReader& a, const AudioKeys& k) {
  AudioShape s{};
  s.d = a.integer(k.hidden, 1, kMaxHidden, 1024);
  s.inter = a.integer(k.inter, 1, kMaxIntermediate, 1536);
  s.blocks = a.integer("num_blocks", 1, kMaxLayers, 24);
  s.heads = a.integer(k.heads, 1, kMaxHeads, 16);
  s.kernel = a.integer("kernel_size", 1, kMaxImageSize, 3);
  s.ext = a.integer("ext_pw_out_channel", 1, kMaxHidden, 1024);
  s.separable = a.integer(k.separable, 1, kMaxHidden, 1024);
  s.multiplier = a.integer("depthwise_multiplier", 1, 64, 1);
  s.input = a.integer("input_size", 1, kMaxHidden, 80);
  s.reduction = a.integer("time_reduction", 1, 1024, 8);
  return s;
}

// Phi4MultimodalAudioConfig (native audio_config).
AudioShape native_audio(ObjectReader& a) {
  AudioShape s = read_audio_common(a, {"hidden_size", "intermediate_size", "num_attention_heads",
                                       "depthwise_separable_out_channel"});
  s.channels = a.integer("nemo_conv_channels", 1, kMaxHidden, 1024);
  s.max_distance = a.integer("bias_max_distance", 1, kMaxPositions, 1000);
  s.symmetric = a.boolean("bias_symmetric", false);
  s.downsample = a.integer("downsample_rate", 1, 64, 1);
  check_audio(a, s, "num_attention_heads");
  return s;
}

// The remote code's audio_processor.config and embd_layer.audio_embd_layer (the names convert_config renames).
AudioShape remote_audio(ObjectReader& top) {
  ObjectReader processor = top.object("audio_processor");
  ObjectReader a = processor.object("config");
  AudioShape s = read_audio_common(a, {"attention_dim", "linear_units", "attention_heads", "depthwise_seperable_out_channel"});
  ObjectReader nemo = a.object("nemo_conv_settings");
  s.channels = nemo.integer("conv_channels", 1, kMaxHidden, 1024);
  ObjectReader bias = a.object("relative_attention_bias_args");
  s.max_distance = bias.integer("t5_bias_max_distance", 1, kMaxPositions, 1000);
  s.symmetric = false;  // T5RelativeAttentionLogitBias(symmetric=False) in the remote code
  ObjectReader embd = top.object("embd_layer");
  ObjectReader audio_embd = embd.object("audio_embd_layer");
  s.downsample = audio_embd.integer("downsample_rate", 1, 64, 1);
  check_audio(a, s, "attention_heads");
  return s;
}

// A LoRA adapter of rank r on qkv_proj, o_proj, gate_up_proj and down_proj of every decoder layer (vision_lora /
// speech_lora "layer" patterns): r x (in + out) per linear.
std::int64_t phi4_lora(ObjectReader& top, const char* key, const TransformerStack& s) {
  if (top.find(key) == nullptr) return 0;
  ObjectReader lora = top.object(key);
  const std::int64_t r = lora.integer("r", 0, kMaxLoraRank, 0);
  const std::int64_t h = s.hidden_size;
  const std::int64_t q = mul(s.num_heads, s.head_dim);
  const std::int64_t qkv = add(q, mul(2, mul(s.num_kv_heads, s.head_dim)));
  const std::int64_t per_layer =
      add(add(add(h, qkv), add(q, h)), add(add(h, mul(2, s.intermediate_size)), add(s.intermediate_size, h)));
  return mul(mul(r, per_layer), s.layers);
}

}  // namespace

// Phi4MultimodalConfig: vocab 200064, heads 32, kv 8, max_pos 131072, tie False, sliding_window None; the text
// model is Phi-3's layer layout.
void parse_phi4_multimodal(ObjectReader& r, ModelConfig& m, bool remote) {
  read_decoder_common(r, {200064, 32, 8, 0, 131072, false}, m);
  const std::int64_t sw = r.integer("sliding_window", 1, kMaxPositions, 0);
  if (sw > 0) {
    m.text.sliding_window = sw;
    m.text.sliding_window_layers = m.text.layers;
  }
  const std::int64_t h = m.text.hidden_size;
  if (remote) {
    const Json none = Json::object();  // the remote code's SigLIP: not in config.json
    ObjectReader v(none, r.pointer_of("vision_config"));
    m.towers.push_back(phi4_vision(v, h));
    m.towers.push_back(phi4_audio(remote_audio(r), h));
    ExtraTower lora;
    lora.name = "lora_adapters";
    lora.params = add(phi4_lora(r, "vision_lora", m.text), phi4_lora(r, "speech_lora", m.text));
    if (lora.params > 0) m.towers.push_back(lora);
  } else {
    ObjectReader v = r.object("vision_config");
    m.towers.push_back(phi4_vision(v, h));
    ObjectReader a = r.object("audio_config");
    m.towers.push_back(phi4_audio(native_audio(a), h));
  }
}

}  // namespace vramplan::hf
