// Gemma 3n (google/gemma-3n-E2B, -E4B and their -it variants): a Gemma text decoder with AltUp, LAuReL,
// per-layer embeddings and KV sharing; a timm MobileNetV5 vision encoder; a USM-style conformer audio
// encoder; two multimodal embedders. Every default is the transformers configuration class default named
// beside it (hf_config.cpp says why): huggingface/transformers src/transformers/models/gemma3n/
// configuration_gemma3n.py and modeling_gemma3n.py; the vision encoder is timm's (huggingface/
// pytorch-image-models timm/models/mobilenetv5.py, counted in hf_mobilenetv5.cpp).
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "hf_common.hpp"
#include "hf_families.hpp"
#include "vramplan/json_reader.hpp"
#include "vramplan/model.hpp"

namespace vramplan::hf {
namespace {

// The image processor's size: transformers docs/source/en/model_doc/gemma3n.md, "MobileNet v5 as the vision
// encoder, using a default resolution of 768x768 pixels" (the checkpoints' preprocessor_config.json, which the
// Hub holds and config.json does not name).
constexpr std::int64_t kGemma3nImageSize = 768;

// Gemma3nTextConfig.intermediate_size: one width for every layer or a list with one per layer (MatFormer
// mix-and-match checkpoints). The stack keeps one width, the widest; a list of unequal widths is then
// over-counted by 3 x hidden x (widest - width) per narrower layer, which the returned warning says.
std::int64_t read_mlp_width(ObjectReader& r, std::int64_t layers, std::int64_t hidden, std::string& warning) {
  const Json* v = r.find("intermediate_size");
  const std::string p = r.pointer_of("intermediate_size");
  if (v == nullptr) return 16384;
  if (!v->is_array()) return read_integer(*v, p, 1, kMaxIntermediate);
  if (static_cast<std::int64_t>(v->size()) != layers) {
    fail(p, "must have one width per layer (" + str(layers) + ") or be one number, got " + std::to_string(v->size()));
  }
  std::int64_t widest = 0, total = 0;
  for (std::size_t i = 0; i < v->size(); ++i) {
    const std::int64_t width = read_integer((*v)[i], pointer_append(p, i), 1, kMaxIntermediate);
    widest = std::max(widest, width);
    total = add(total, width);
  }
  const std::int64_t over = mul(mul(3, hidden), mul(widest, layers) - total);
  if (over > 0) {
    warning = "Gemma 3n: intermediate_size differs between layers; every layer is counted at the widest MLP (" +
              str(widest) + "), " + str(over) + " parameters more than the checkpoint has";
  }
  return widest;
}

// Gemma3nTextConfig.layer_types, default "full_attention" when (i + 1) % 5 == 0, else "sliding_attention".
std::vector<bool> read_sliding_layers(ObjectReader& r, std::int64_t layers) {
  std::vector<bool> sliding(static_cast<std::size_t>(layers));
  for (std::int64_t i = 0; i < layers; ++i) sliding[static_cast<std::size_t>(i)] = (i + 1) % 5 != 0;
  const Json* v = r.find("layer_types");
  if (v == nullptr) return sliding;
  const std::string p = r.pointer_of("layer_types");
  if (!v->is_array()) fail(p, "must be an array of layer type names such as \"full_attention\", got " + describe_value(*v));
  if (static_cast<std::int64_t>(v->size()) != layers) {
    fail(p, "must have one entry per layer (" + str(layers) + "), got " + std::to_string(v->size()));
  }
  for (std::size_t i = 0; i < v->size(); ++i) {
    const Json& e = (*v)[i];
    if (!e.is_string()) fail(pointer_append(p, i), "must be a string, got " + describe_value(e));
    sliding[i] = e.get_ref<const std::string&>() == "sliding_attention";
  }
  return sliding;
}

// Gemma3nTextAttention: the last num_kv_shared_layers layers read the K/V of the last earlier layer of their
// type (is_kv_shared_layer, kv_shared_layer_index) and store none; vLLM allocates them no cache either
// (kv_sharing_target_layer_name). Their q/k/v_proj still exist, so the parameters are unchanged.
void set_kv_sharing(TransformerStack& s, const std::vector<bool>& sliding, std::int64_t shared) {
  const std::int64_t first = s.layers - shared;
  if (shared <= 0 || first <= 0) return;  // is_kv_shared_layer = layer_idx >= first > 0
  for (std::int64_t i = first; i < s.layers; ++i) {
    const bool window = sliding[static_cast<std::size_t>(i)];
    // A type with no layer before the shared range has no producer; those layers then keep their own K/V.
    bool producer = false;
    for (std::int64_t j = 0; j < first; ++j) producer = producer || sliding[static_cast<std::size_t>(j)] == window;
    if (!producer) continue;
    ++s.kv_shared_layers;
    if (window) ++s.kv_shared_window_layers;
  }
}

// Gemma3nTextDecoderLayer parameters beyond attention, MLP and the four Gemma norms:
//   altup: correct_output_scale (h), correction_coefs Linear(n, n), prediction_coefs Linear(n, n^2),
//          modality_router Linear(h, n), router_norm (h)
//   laurel: linear_left Linear(h, rank), linear_right Linear(rank, h), post_laurel_norm (h)
//   per_layer_input_gate Linear(h, p), per_layer_projection Linear(p, h), post_per_layer_input_norm (h)
// (all without bias). v_norm is Gemma3nRMSNorm(with_scale=False): a buffer, no parameter.
std::int64_t gemma3n_block_extra(std::int64_t h, std::int64_t n, std::int64_t rank, std::int64_t p) {
  const std::int64_t altup = add(add(add(h, mul(n, n)), mul(n, mul(n, n))), add(mul(h, n), h));
  const std::int64_t laurel = add(mul(2, mul(h, rank)), h);
  const std::int64_t per_layer = add(mul(2, mul(h, p)), h);
  return add(add(altup, laurel), per_layer);
}

// What a Gemma3nTextDecoderLayer keeps for backward beyond a Gemma 3 block (elements per token, read off its
// forward): AltUp predict keeps router_norm's and modality_router's inputs (2h) and the n stacked streams of the
// coefficient matmul (n h); LAuReL linear_right's input (rank) and post_laurel_norm's (h); AltUp correct keeps
// router_norm's and modality_router's inputs (2h) and the repeated innovation multiplied by the coefficients
// (n h); scale_corrected_output's input (h); per_layer_input_gate's input (h), the activation's input, both
// factors of the multiply by the per-layer input and per_layer_projection's input (4p), the post norm's input
// (h); and the model's per-layer inputs, before and after projection, of this layer (2p).
std::int64_t gemma3n_saved_per_token(std::int64_t h, std::int64_t n, std::int64_t rank, std::int64_t p) {
  return add(add(mul(add(mul(2, n), 8), h), rank), mul(6, p));
}

// Gemma3nAudioEncoder (hidden d, heads, conformer layers, conv kernel k): subsample_conv_projection: two
// Conv2d without bias (1 -> c0, c0 -> c1, kernel 3x3 by default) each with a CumulativeGroupNorm weight (c),
// input_proj_linear Linear(c1 x f, d) where f is the mel bins after two stride-2 convolutions with one frame of
// padding on each side ((F + 2 - kw) / sw + 1 each); each Gemma3nAudioConformerBlock: two feed-forward halves
// (pre norm, Linear(d, 4d), Linear(4d, d), post norm), attention (pre norm, q/k/v Linear(d, d), per_dim_scale
// (d / heads), relative_position_embedding.pos_proj Linear(d, d), post Linear(d, d), post norm), light conv
// (pre norm, linear_start Linear(d, 2d), depthwise Conv1d(d, k, no bias), conv_norm, linear_end Linear(d, d)),
// and the block norm. Gemma3nMultimodalEmbedder: embedding (vocab x d), hard and soft embedding norms (d),
// embedding_projection Linear(d, text hidden); its post-projection norm has no weight.
std::int64_t conformer_block(std::int64_t d, std::int64_t heads, std::int64_t kernel) {
  const std::int64_t ffw = add(mul(8, mul(d, d)), mul(2, d));
  const std::int64_t attention = add(add(mul(5, mul(d, d)), d / heads), mul(2, d));
  const std::int64_t lconv = add(add(mul(3, mul(d, d)), mul(d, kernel)), mul(2, d));
  return add(add(mul(2, ffw), attention), add(lconv, d));
}

std::int64_t embedder_params(std::int64_t vocab, std::int64_t d, std::int64_t text_hidden) {
  return add(add(mul(vocab, d), mul(2, d)), mul(d, text_hidden));
}

// A list of `count` integers, or of `count` pairs when `pairs` (the sscp_* keys), each in [lo, hi].
std::vector<std::int64_t> read_int_list(ObjectReader& r, const char* key, std::size_t count, bool pairs,
                                        std::vector<std::int64_t> fallback, std::int64_t lo, std::int64_t hi) {
  const Json* v = r.find(key);
  if (v == nullptr) return fallback;
  const std::string p = r.pointer_of(key);
  if (!v->is_array() || v->size() != count) {
    fail(p, "must be an array of " + std::to_string(count) + (pairs ? " [height, width] pairs" : " integers") +
                ", got " + describe_value(*v));
  }
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; i < count; ++i) {
    const Json& e = (*v)[i];
    const std::string ep = pointer_append(p, i);
    if (!pairs) {
      out.push_back(read_integer(e, ep, lo, hi));
      continue;
    }
    if (!e.is_array() || e.size() != 2) fail(ep, "must be a [height, width] pair, got " + describe_value(e));
    out.push_back(read_integer(e[0], pointer_append(ep, std::size_t{0}), lo, hi));
    out.push_back(read_integer(e[1], pointer_append(ep, std::size_t{1}), lo, hi));
  }
  return out;
}

// Gemma3nAudioConfig: hidden 1536, input_feat_size 128, conf_num_attention_heads 8, conf_num_hidden_layers 12,
// conf_conv_kernel_size 5, sscp_conv_channel_size (128, 32), sscp_conv_kernel_size ((3, 3), (3, 3)),
// sscp_conv_stride_size ((2, 2), (2, 2)), vocab_size 128. The audio tower plus embed_audio.
ExtraTower gemma3n_audio(ObjectReader& a, std::int64_t text_hidden, ModelConfig& m) {
  const std::int64_t d = a.integer("hidden_size", 1, kMaxHidden, 1536);
  const std::int64_t feat = a.integer("input_feat_size", 1, kMaxChannels * 64, 128);
  const std::int64_t heads = a.integer("conf_num_attention_heads", 1, kMaxHeads, 8);
  const std::int64_t layers = a.integer("conf_num_hidden_layers", 0, kMaxLayers, 12);
  const std::int64_t kernel = a.integer("conf_conv_kernel_size", 1, kMaxImageSize, 5);
  const std::int64_t vocab = a.integer("vocab_size", 1, kMaxVocab, 128);
  const auto ch = read_int_list(a, "sscp_conv_channel_size", 2, false, {128, 32}, 1, kMaxHidden);
  const auto k = read_int_list(a, "sscp_conv_kernel_size", 2, true, {3, 3, 3, 3}, 1, kMaxImageSize);
  const auto st = read_int_list(a, "sscp_conv_stride_size", 2, true, {2, 2, 2, 2}, 1, kMaxImageSize);
  if (d % heads != 0) fail(a.pointer_of("conf_num_attention_heads"), "must divide hidden_size (" + str(d) + ")");
  std::int64_t f = feat, f1 = feat;
  for (std::size_t i = 0; i < 2; ++i) {
    if (f + 2 < k[2 * i + 1]) fail(a.pointer_of("input_feat_size"), "is too small for the subsampling convolutions");
    f = (f + 2 - k[2 * i + 1]) / st[2 * i + 1] + 1;
    if (i == 0) f1 = f;
  }
  std::int64_t sscp = add(mul(ch[0], mul(k[0], k[1])), ch[0]);
  sscp = add(sscp, add(mul(mul(ch[0], ch[1]), mul(k[2], k[3])), ch[1]));
  sscp = add(sscp, mul(mul(ch[1], f), d));
  // The clip's rule (media_gemma3n.cpp) and the encoder's shape for its activations (memory_audio.cpp):
  // Gemma3nAudioFeatureExtractor max_length 480,000, pad_to_multiple_of 128, frame_length 512 (32 ms), hop 160
  // (10 ms); Gemma3nAudioAttention's context: conf_attention_chunk_size (12) queries attend to the chunk plus
  // conf_attention_context_left - 1 (12) past and conf_attention_context_right (0) future frames.
  AudioInputSpec& spec = m.audio_input;
  spec.scheme = AudioScheme::usm_conformer;
  spec.sampling_rate = 16000;
  spec.max_samples = 480000;
  spec.pad_multiple = 128;
  spec.frame_length = 512;
  spec.hop_length = 160;
  spec.mel_bins = feat;
  spec.conv_dim = ch;
  spec.conv_stride = {st[0], st[2]};  // the time strides
  spec.conv_freq = {f1, f};
  spec.encoder_hidden = d;
  spec.encoder_layers = layers;
  spec.encoder_heads = heads;
  const std::int64_t chunk = a.integer("conf_attention_chunk_size", 1, kMaxPositions, 12);
  const std::int64_t left = a.integer("conf_attention_context_left", 1, kMaxPositions, 13);
  const std::int64_t right = a.integer("conf_attention_context_right", 0, kMaxPositions, 0);
  spec.attention_context = chunk + left - 1 + right;
  spec.reduction = a.integer("conf_reduction_factor", 1, 64, 4);
  spec.marker_tokens = 2;  // processing_gemma3n.py full_audio_sequence: boa + audio tokens + eoa
  spec.projector_out = text_hidden;
  ExtraTower t;
  t.name = "audio_encoder";
  t.block_params = conformer_block(d, heads, kernel);
  t.params = add(add(sscp, mul(layers, t.block_params)), embedder_params(vocab, d, text_hidden));
  return t;
}

// Gemma3nVisionConfig: architecture "mobilenetv5_300m_enc" (a timm model: TimmWrapperModel), hidden_size
// 2048, vocab_size 128. The tower plus embed_vision. Another timm architecture, or model_args changing it,
// is not one vramplan knows: only the embedder is counted and a warning says so.
ExtraTower gemma3n_vision(ObjectReader& v, std::int64_t text_hidden, std::int64_t tokens, ModelConfig& m) {
  const std::string arch = v.string("architecture", "mobilenetv5_300m_enc");
  const std::int64_t d = v.integer("hidden_size", 1, kMaxHidden, 2048);
  const std::int64_t vocab = v.integer("vocab_size", 1, kMaxVocab, 128);
  const bool custom = v.find("model_args") != nullptr;
  ExtraTower t;
  t.name = "vision";
  t.params = embedder_params(vocab, d, text_hidden);
  if (arch == "mobilenetv5_300m_enc" && !custom) {
    t.params = add(t.params, mobilenetv5_300m_params());
    // The image rule (media_gemma3n.cpp): the processor's 768 x 768 (preprocessor_config.json), the feature maps
    // that resolution keeps (hf_mobilenetv5.cpp), and embed_vision as the projector (its soft_embedding_norm input
    // d, its projection to the text hidden size).
    VisionInputSpec& spec = m.vision_input;
    spec.scheme = VisionScheme::mobilenet;
    spec.image_size = kGemma3nImageSize;
    spec.tokens_per_image = tokens;
    spec.marker_tokens = 2;  // processing_gemma3n.py full_image_sequence: boi + image tokens + eoi
    spec.projector_in = d;
    spec.projector_out = text_hidden;
    const MobileNetActivations acts = mobilenetv5_300m_activations(kGemma3nImageSize, tokens);
    spec.cnn_saved_elements = acts.saved;
    spec.cnn_peak_elements = acts.peak;
  } else {
    m.model_warnings.push_back("Gemma 3n: the vision encoder \"" + arch.substr(0, 64) +
                               (custom ? "\" with model_args" : "\"") +
                               " is not one vramplan counts (only timm mobilenetv5_300m_enc): its weights are left out");
  }
  return t;
}

}  // namespace

// Gemma3nTextConfig: vocab 262400, hidden 2048, intermediate 16384, 35 layers, heads 8, kv 2, head_dim 256,
// max_pos 32768, tie True, sliding_window 512, vocab_size_per_layer_input 262144, hidden_size_per_layer_input
// 256, altup_num_inputs 4, laurel_rank 64, num_kv_shared_layers 15.
// Gemma3nTextModel: embed_tokens (vocab x h); layers; norm; embed_tokens_per_layer Embedding(
// vocab_size_per_layer_input, layers x p); per_layer_model_projection Linear(h, layers x p); per_layer_projection_norm
// (p); altup_projections and altup_unembed_projections: n - 1 Linear(h, h) each. Gemma3nForCausalLM /
// Gemma3nForConditionalGeneration tie lm_head to embed_tokens.
void parse_gemma3n_text(ObjectReader& r, ModelConfig& m) {
  TransformerStack& s = m.text;
  s.layers = r.integer("num_hidden_layers", 1, kMaxLayers, 35);
  s.hidden_size = r.integer("hidden_size", 1, kMaxHidden, 2048);
  s.num_heads = r.integer("num_attention_heads", 1, kMaxHeads, 8);
  s.num_kv_heads = r.integer("num_key_value_heads", 1, kMaxHeads, 2);
  check_kv_heads(r, s.num_heads, s.num_kv_heads);
  s.head_dim = r.integer("head_dim", 1, kMaxHeadDim, 256);
  std::string width_warning;
  s.intermediate_size = read_mlp_width(r, s.layers, s.hidden_size, width_warning);
  if (!width_warning.empty()) m.model_warnings.push_back(width_warning);
  m.vocab_size = r.integer("vocab_size", 1, kMaxVocab, 262400);
  m.max_position_embeddings = r.integer("max_position_embeddings", 1, kMaxPositions, 32768);
  m.tie_word_embeddings = r.boolean("tie_word_embeddings", true);
  const bool bias = r.boolean("attention_bias", false);
  s.qkv_bias = bias;
  s.o_bias = bias;
  s.qk_norm = true;         // q_norm, k_norm: Gemma3nRMSNorm(head_dim)
  s.norms_per_layer = 4;    // input, post_attention, pre_feedforward, post_feedforward
  s.sliding_window = read_sliding_window(r, 512);
  const std::vector<bool> sliding = read_sliding_layers(r, s.layers);
  s.sliding_window_layers = static_cast<std::int64_t>(std::count(sliding.begin(), sliding.end(), true));
  set_kv_sharing(s, sliding, r.integer("num_kv_shared_layers", 0, s.layers, 15));

  const std::int64_t ple_vocab = r.integer("vocab_size_per_layer_input", 1, kMaxVocab, 262144);
  const std::int64_t p = r.integer("hidden_size_per_layer_input", 1, kMaxHidden, 256);
  const std::int64_t n = r.integer("altup_num_inputs", 1, 64, 4);
  const std::int64_t rank = r.integer("laurel_rank", 1, kMaxLoraRank, 64);
  const std::int64_t h = s.hidden_size;
  s.extra_block_params = gemma3n_block_extra(h, n, rank, p);
  s.residual_streams = n;  // AltUp carries n copies of the hidden state from block to block
  s.extra_saved_per_token = gemma3n_saved_per_token(h, n, rank, p);

  // embed_tokens_per_layer: a lookup table (an embedding: no FLOPs).
  m.per_layer_embedding_params = mul(ple_vocab, mul(s.layers, p));
  ExtraTower projections;
  projections.name = "per_layer_projections";
  // per_layer_model_projection + per_layer_projection_norm + altup_projections + altup_unembed_projections.
  projections.params = add(add(mul(h, mul(s.layers, p)), p), mul(mul(2, n - 1), mul(h, h)));
  m.towers.push_back(projections);
}

// Gemma3nConfig: text_config (Gemma3nTextConfig), vision_config, audio_config; Gemma3nModel adds vision_tower,
// audio_tower, embed_vision and embed_audio to the language model; tie_word_embeddings True.
void parse_gemma3n(ObjectReader& top, ModelConfig& m) {
  ObjectReader t = top.object("text_config");
  parse_gemma3n_text(t, m);
  m.tie_word_embeddings = top.boolean("tie_word_embeddings", m.tie_word_embeddings);
  // Gemma3nConfig vision_soft_tokens_per_image (256) and audio_soft_tokens_per_image (188): the soft tokens an
  // image and an audio clip become in the text.
  const std::int64_t image_tokens = top.integer("vision_soft_tokens_per_image", 1, kMaxPositions, 256);
  m.audio_input.soft_tokens = top.integer("audio_soft_tokens_per_image", 1, kMaxPositions, 188);
  ObjectReader v = top.object("vision_config");
  m.towers.push_back(gemma3n_vision(v, m.text.hidden_size, image_tokens, m));
  ObjectReader a = top.object("audio_config");
  m.towers.push_back(gemma3n_audio(a, m.text.hidden_size, m));
}

}  // namespace vramplan::hf
