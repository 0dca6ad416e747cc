// Gemma 3n's image and audio rules (Gemma3nProcessor, huggingface/transformers src/transformers/models/gemma3n/
// processing_gemma3n.py, feature_extraction_gemma3n.py, modeling_gemma3n.py).
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "media_rules.hpp"
#include "vramplan/text_format.hpp"

namespace vramplan::media {
namespace {

using text::format;
long long lld(std::int64_t v) { return static_cast<long long>(v); }

}  // namespace

// Images: SiglipImageProcessorFast resizes every image to image_size x image_size (preprocessor_config.json
// size 768 x 768); MobileNetV5 and its fusion adapter pool it to vision_soft_tokens_per_image (256) soft tokens;
// full_image_sequence adds boi and eoi. The tower is a CNN: tower_positions are its output tokens, each reading
// a (image_size^2 / tokens) pixel area of pixel_values.
void gemma3n_image(const VisionInputSpec& v, MediaTokens& t) {
  t.resized_height = t.resized_width = v.image_size;
  t.tower_positions = v.tokens_per_image;
  t.tokens_per_image = v.tokens_per_image + v.marker_tokens;
  t.pixel_values_per_position = v.channels * v.image_size * v.image_size / std::max<std::int64_t>(v.tokens_per_image, 1);
  t.rule = format("resized to %lldx%lld (the processor's size); MobileNetV5 pooled to %lld soft tokens + %lld boi/eoi "
                  "markers per image",
                  lld(v.image_size), lld(v.image_size), lld(v.tokens_per_image), lld(v.marker_tokens));
}

// Audio: Gemma3nAudioFeatureExtractor truncates to max_length 480,000 samples (30 s at 16 kHz), pads to a
// multiple of 128 samples, and takes frames of frame_length + 1 = 513 samples every hop 160 (its _unfold):
// (samples - 513) / 160 + 1 log-mel frames. Gemma3nAudioSubSampleConvProjection's two convolutions pad time
// by (0, kernel - 1) and stride it: (T - 1) / stride + 1 each. The conformer runs over those frames; it then keeps
// every conf_reduction_factor-th (ceil), and Gemma3nModel pads the clip to audio_soft_tokens_per_image (188) soft
// tokens (audio_padding_embs), inside boa ... eoa: the language model always reads 188 + 2 per clip.
void gemma3n_audio(const AudioInputSpec& a, const MediaInput& in, MediaTokens& t) {
  const std::int64_t asked = static_cast<std::int64_t>(std::llround(in.audio_seconds * static_cast<double>(a.sampling_rate)));
  const std::int64_t kept = std::min(asked, a.max_samples);
  const std::int64_t samples = (kept + a.pad_multiple - 1) / a.pad_multiple * a.pad_multiple;
  const std::int64_t frames = samples < a.frame_length + 1 ? 0 : (samples - a.frame_length - 1) / a.hop_length + 1;
  std::int64_t positions = frames;
  for (const std::int64_t stride : a.conv_stride) positions = positions > 0 ? (positions - 1) / stride + 1 : 0;
  const std::int64_t encoded = (positions + a.reduction - 1) / a.reduction;
  t.audio_windows = 1;
  t.audio_input_frames = frames;
  t.audio_positions = positions;
  t.llm_tokens = a.soft_tokens + a.marker_tokens;
  if (asked > a.max_samples) {
    t.warnings.push_back(format("Gemma 3n's feature extractor truncates a clip to %lld samples (%.0f s): the %.1f s of "
                                "audio are cut",
                                lld(a.max_samples), static_cast<double>(a.max_samples) / static_cast<double>(a.sampling_rate),
                                in.audio_seconds));
  }
  t.rule = format("%.1f s -> %lld samples (padded to a multiple of %lld) -> %lld log-mel frames -> 2 stride-2 "
                  "convolutions -> %lld conformer positions -> %lld kept, padded to %lld soft tokens + %lld boa/eoa markers",
                  in.audio_seconds, lld(samples), lld(a.pad_multiple), lld(frames), lld(positions), lld(encoded),
                  lld(a.soft_tokens), lld(a.marker_tokens));
}

}  // namespace vramplan::media
