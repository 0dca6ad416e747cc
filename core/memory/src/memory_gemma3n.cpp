// Gemma 3n's towers over the images and audio it reads (docs/memory-model.md "Images and audio", Gemma 3n).
// Neither is a transformer stack of the text block's shape, so neither uses layer_activation_bytes_per_token.
//
// Vision: timm MobileNetV5 (a CNN): the feature maps its forward keeps (VisionInputSpec::cnn_saved_elements,
// counted block by block in core/model/src/hf_mobilenetv5.cpp) in the compute dtype, the fp32 pixel_values and
// their cast copy, and embed_vision (Gemma3nMultimodalEmbedder) over the soft tokens. Counted without gradient
// checkpointing: transformers checkpoints the text decoder's layers, and whether timm's blocks are too depends on
// the wrapper, so the tower's maps are all kept (an over-estimate when they are not).
// Audio (modeling_gemma3n.py Gemma3nAudioEncoder, over the positions media_gemma3n.cpp derives):
//   - the log-mel features in fp32 and their cast copy;
//   - each subsampling conv block (Conv2d -> CumulativeGroupNorm in fp32 -> ReLU): the conv's output, the norm's
//     fp32 input copy and normalised output (kept by its weight multiply), ReLU's output (the next conv's input);
//     then input_proj_linear's input (the permuted copy of the last map);
//   - every Gemma3nAudioConformerBlock per position, 47 d elements in the compute dtype: two feed-forward halves
//     of 13 d each (clamp input, norm input, ffw_layer_1 input, SiLU input 4d, ffw_layer_2 input 4d, clamp input,
//     post norm input), attention 10 d (clamp input, norm input, q/k/v input, q, k, v, per_dim_scale's scaled q,
//     post input, clamp input, post_norm input), light conv 9 d (norm input, linear_start input, GLU input 2d,
//     depthwise conv input, clamp input, conv_norm input, SiLU input, linear_end input), the block's clamp and
//     norm inputs 2 d; each of its 9 Gemma3nRMSNorms also keeps an fp32 copy of its input and its fp32
//     normalised output (8 B x d); the chunked local attention keeps heads x context logits per position, soft-
//     capped (tanh output) and softmaxed in fp32 (kGemma3nAudioScoreCopies x 4 B);
//   - embed_audio over the kept frames (every conf_reduction_factor-th): soft_embedding_norm's fp32 input and
//     output (8 B x d), the projection's input (d), the post-projection norm's fp32 input (4 B x text hidden).
#include <algorithm>
#include <cstdint>
#include <string>

#include "vramplan/memory_media.hpp"
#include "vramplan/text_format.hpp"

namespace vramplan::memory {
namespace {

using text::format;
using text::gib;

constexpr double kConformerSavedPerWidth = 47;  // elements of d per position per block (the list above)
constexpr double kConformerNorms = 9;           // Gemma3nRMSNorms per block, each with 8 B x d of fp32 copies
constexpr double kGemma3nAudioScoreCopies = 3;  // logits, tanh soft-capped logits, fp32 probabilities

// Gemma3nMultimodalEmbedder over `tokens` soft tokens of width `d` into the text hidden size.
double embedder_bytes(double tokens, double d, double text_hidden, double e) {
  return tokens * (d * (8.0 + e) + text_hidden * 4.0);
}

// The subsampling convolutions and the features (elements and bytes as the header says).
double usm_frontend_bytes(const AudioInputSpec& a, const MediaTokens& t, double e) {
  double length = static_cast<double>(t.audio_input_frames);
  double bytes = length * static_cast<double>(a.mel_bins) * (4.0 + e);
  double last = 0;
  for (std::size_t i = 0; i < a.conv_dim.size() && i < a.conv_stride.size() && i < a.conv_freq.size(); ++i) {
    length = length > 0 ? static_cast<double>((static_cast<std::int64_t>(length) - 1) / a.conv_stride[i] + 1) : 0;
    last = length * static_cast<double>(a.conv_dim[i] * a.conv_freq[i]);
    bytes += last * (2.0 * e + 8.0);
  }
  return bytes + last * e;
}

double conformer_position_bytes(const AudioInputSpec& a, double e) {
  const double d = static_cast<double>(a.encoder_hidden);
  return kConformerSavedPerWidth * d * e + kConformerNorms * 8.0 * d +
         static_cast<double>(a.encoder_heads * a.attention_context) * kGemma3nAudioScoreCopies * 4.0;
}

}  // namespace

MediaTerm mobilenet_training_bytes(const ModelConfig& m, const MediaTokens& t, const ActivationConfig& c, double samples) {
  MediaTerm out;
  const VisionInputSpec& v = m.vision_input;
  const double images = static_cast<double>(t.images) * samples;
  const double e = c.compute;
  const double maps = static_cast<double>(v.cnn_saved_elements) * e;
  const double pixels = static_cast<double>(t.tower_positions * t.pixel_values_per_position) * (4.0 + e);
  const double embed = embedder_bytes(static_cast<double>(v.tokens_per_image), static_cast<double>(v.projector_in),
                                      static_cast<double>(v.projector_out), e);
  out.bytes = images * (maps + pixels + embed);
  out.formula = format("%.0f images x [MobileNetV5 feature maps %lld elements x %.0f B (not checkpointed) + pixel_values "
                       "%lld x (4 + %.0f) B + embed_vision %lld tokens x (%lld x (8 + %.0f) + %lld x 4) B] = %s per image; %s",
                       images, static_cast<long long>(v.cnn_saved_elements), e,
                       static_cast<long long>(t.tower_positions * t.pixel_values_per_position), e,
                       static_cast<long long>(v.tokens_per_image), static_cast<long long>(v.projector_in), e,
                       static_cast<long long>(v.projector_out), gib(maps + pixels + embed).c_str(), t.rule.c_str());
  return out;
}

MediaTerm mobilenet_inference_bytes(const ModelConfig& m, const MediaTokens& t, double compute_bytes, double sequences) {
  MediaTerm out;
  const double images = static_cast<double>(t.images) * sequences;
  const double block = static_cast<double>(m.vision_input.cnn_peak_elements) * compute_bytes;
  const double pixels = static_cast<double>(t.tower_positions * t.pixel_values_per_position) * (4.0 + compute_bytes);
  out.bytes = images * (block + pixels);
  out.formula = format("%.0f images x (the largest MobileNetV5 block's maps %s + pixel_values %s); %s", images,
                       gib(block).c_str(), gib(pixels).c_str(), t.rule.c_str());
  return out;
}

MediaTerm usm_training_bytes(const ModelConfig& m, const MediaTokens& t, const ActivationConfig& c, double clips) {
  MediaTerm out;
  const AudioInputSpec& a = m.audio_input;
  const double e = c.compute;
  const double positions = static_cast<double>(t.audio_positions);
  const double frontend = usm_frontend_bytes(a, t, e);
  const double per_position = conformer_position_bytes(a, e);
  const double blocks = static_cast<double>(a.encoder_layers) * positions * per_position;
  const double kept = static_cast<double>((t.audio_positions + a.reduction - 1) / std::max<std::int64_t>(a.reduction, 1));
  const double embed = embedder_bytes(kept, static_cast<double>(a.encoder_hidden), static_cast<double>(a.projector_out), e);
  out.bytes = clips * (frontend + blocks + embed);
  out.formula = format("%.0f clips x [features + subsampling convolutions %s + %lld conformer blocks x %.0f positions x "
                       "%.0f B (not checkpointed) + embed_audio %.0f frames %s]; %s",
                       clips, gib(frontend).c_str(), static_cast<long long>(a.encoder_layers), positions, per_position,
                       kept, gib(embed).c_str(), t.rule.c_str());
  return out;
}

MediaTerm usm_inference_bytes(const ModelConfig& m, const MediaTokens& t, double compute_bytes, double clips) {
  MediaTerm out;
  const AudioInputSpec& a = m.audio_input;
  const double frontend = usm_frontend_bytes(a, t, compute_bytes);
  const double block = static_cast<double>(t.audio_positions) * conformer_position_bytes(a, compute_bytes);
  out.bytes = clips * std::max(frontend, block);
  out.formula = format("%.0f clips x max(one conformer block over %lld positions %s, features + subsampling %s); %s", clips,
                       static_cast<long long>(t.audio_positions), gib(block).c_str(), gib(frontend).c_str(), t.rule.c_str());
  return out;
}

}  // namespace vramplan::memory
