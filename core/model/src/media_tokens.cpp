// Images and audio -> positions, as each family's processor does it (media.hpp). Every rule cites the
// transformers file it follows.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "media_rules.hpp"
#include "vramplan/media.hpp"
#include "vramplan/model.hpp"
#include "vramplan/text_format.hpp"

namespace vramplan {
namespace {

using text::format;

long long ll(std::int64_t v) { return static_cast<long long>(v); }

// Python's round(): to nearest, ties to even (std::nearbyint in the default rounding mode).
std::int64_t round_by_factor(double number, std::int64_t factor) {
  return static_cast<std::int64_t>(std::nearbyint(number / static_cast<double>(factor))) * factor;
}
std::int64_t floor_by_factor(double number, std::int64_t factor) {
  return static_cast<std::int64_t>(std::floor(number / static_cast<double>(factor))) * factor;
}
std::int64_t ceil_by_factor(double number, std::int64_t factor) {
  return static_cast<std::int64_t>(std::ceil(number / static_cast<double>(factor))) * factor;
}

// Qwen2-VL / Qwen2.5-VL (image_processing_qwen2_vl.py _preprocess): smart_resize with factor patch x
// merge, then grid_h = height / patch, grid_w = width / patch patches (a still image is repeated
// temporal_patch_size times, so grid_t = 1 and each patch holds C x T x P x P values); the vision
// tower's blocks run over grid_h x grid_w patches and the PatchMerger gives grid_h x grid_w / merge^2
// LM tokens (processing_qwen2_vl.py: image_grid_thw.prod() // merge_size**2 <|image_pad|> tokens).
void qwen_dynamic(const VisionInputSpec& v, const MediaInput& in, MediaTokens& t) {
  const std::int64_t factor = v.patch * v.merge;
  if (std::max(in.image_width, in.image_height) > 200 * std::min(in.image_width, in.image_height)) {
    t.warnings.push_back("the Qwen2-VL image processor refuses images with an aspect ratio above 200 (smart_resize)");
  }
  const ResizedImage r = qwen_smart_resize(in.image_height, in.image_width, factor, v.min_pixels, v.max_pixels);
  t.resized_height = r.height;
  t.resized_width = r.width;
  t.tower_positions = (r.height / v.patch) * (r.width / v.patch);
  t.tokens_per_image = t.tower_positions / (v.merge * v.merge);
  t.pixel_values_per_position = v.channels * v.temporal * v.patch * v.patch;
  t.rule = format("smart_resize(%lldx%lld, factor %lld, pixels %lld..%lld) = %lldx%lld; %lld x %lld patches of %lld; "
                  "/ merge %lld^2 = %lld tokens per image",
                  ll(in.image_width), ll(in.image_height), ll(factor), ll(v.min_pixels), ll(v.max_pixels), ll(r.width),
                  ll(r.height), ll(r.width / v.patch), ll(r.height / v.patch), ll(v.patch), ll(v.merge),
                  ll(t.tokens_per_image));
}

// CLIP in LLaVA (CLIPImageProcessor: resize shortest edge + center crop to image_size, whatever the
// input size): (image_size / patch)^2 patches and the class embedding run through the tower; the
// default vision_feature_select_strategy drops the class token, so (image_size / patch)^2 LM tokens
// (processing_llava.py num_image_tokens; modeling_llava.py get_image_features).
// Gemma 3 (Gemma3ImageProcessor resizes to image_size; Gemma3MultiModalProjector average-pools the
// (image_size / patch)^2 SigLIP positions to mm_tokens_per_image; processing_gemma3.py wraps them in
// boi and eoi tokens).
void fixed_size(const VisionInputSpec& v, MediaTokens& t) {
  const std::int64_t side = v.image_size / v.patch;
  t.resized_height = t.resized_width = v.image_size;
  t.tower_positions = side * side + v.class_tokens;
  const std::int64_t image_tokens = v.scheme == VisionScheme::pooled_fixed ? v.tokens_per_image : side * side;
  t.tokens_per_image = image_tokens + v.marker_tokens;
  t.pixel_values_per_position = v.channels * v.patch * v.patch;
  t.rule = format("resized to %lldx%lld (the vision config's image_size); (%lld / patch %lld)^2 = %lld patches%s; %lld "
                  "tokens per image%s",
                  ll(v.image_size), ll(v.image_size), ll(v.image_size), ll(v.patch), ll(side * side),
                  v.class_tokens > 0 ? " + class token" : "", ll(image_tokens),
                  v.marker_tokens > 0 ? format(" + %lld boi/eoi markers", ll(v.marker_tokens)).c_str() : "");
}

// Mistral 3 / Pixtral (processing_pixtral.py PixtralProcessor: the image processor gets patch_size x
// spatial_merge_size as its patch; image_processing_pixtral.py get_resize_output_image_size): the image is
// resized to pixtral_resize(); the Pixtral tower runs over (H / patch) x (W / patch) patches and the
// Mistral3PatchMerger merges merge x merge of them, so the LM gets rows = H / (patch x merge) rows of
// cols = W / (patch x merge) [IMG] tokens, each row followed by [IMG_BREAK], the last one replaced by
// [IMG_END] (PixtralProcessor.replace_image_token): rows x (cols + 1) tokens.
void pixtral(const VisionInputSpec& v, const MediaInput& in, MediaTokens& t) {
  const std::int64_t factor = v.patch * v.merge;
  const ResizedImage r = pixtral_resize(in.image_height, in.image_width, v.image_size, factor);
  t.resized_height = r.height;
  t.resized_width = r.width;
  t.tower_positions = (r.height / v.patch) * (r.width / v.patch);
  const std::int64_t rows = r.height / factor;
  const std::int64_t cols = r.width / factor;
  t.tokens_per_image = rows * (cols + 1);
  t.pixel_values_per_position = v.channels * v.patch * v.patch;
  t.rule = format("longest edge %lld, sides rounded up to multiples of patch %lld x merge %lld: %lldx%lld -> %lldx%lld; "
                  "%lld x %lld patches; %lld rows x (%lld [IMG] + 1 [IMG_BREAK]/[IMG_END]) = %lld tokens per image",
                  ll(v.image_size), ll(v.patch), ll(v.merge), ll(in.image_width), ll(in.image_height), ll(r.width),
                  ll(r.height), ll(r.width / v.patch), ll(r.height / v.patch), ll(rows), ll(cols),
                  ll(t.tokens_per_image));
}

// InternVL (processing_internvl.py with GotOcr2ImageProcessor crop_image_to_patches; the original
// InternVL dynamic_preprocess): the image is resized to the closest_tile_grid() canvas and cut into its
// tiles of image_size, plus a thumbnail of the whole image when there is more than one; every tile runs
// through the tower on its own ((image_size / patch)^2 patches + the class token) and gives
// tokens_per_image LM tokens (image_seq_length), wrapped once in <img> ... </img>.
void tiles(const VisionInputSpec& v, const MediaInput& in, MediaTokens& t) {
  const ResizedImage grid = closest_tile_grid(in.image_height, in.image_width, v.image_size, v.min_tiles, v.max_tiles);
  const std::int64_t crops = grid.height * grid.width;
  t.tiles = crops + (v.thumbnail && crops != 1 ? 1 : 0);
  t.resized_height = grid.height * v.image_size;
  t.resized_width = grid.width * v.image_size;
  const std::int64_t side = v.image_size / v.patch;
  t.tower_positions = t.tiles * (side * side + v.class_tokens);
  t.tokens_per_image = t.tiles * v.tokens_per_image + v.marker_tokens;
  t.pixel_values_per_position = v.channels * v.patch * v.patch;
  t.rule = format("%lldx%lld -> a %lld x %lld grid of %lld-pixel tiles (closest aspect ratio, %lld..%lld tiles)%s = %lld "
                  "tiles of %lld positions; %lld tokens per tile + <img></img> = %lld tokens per image",
                  ll(in.image_width), ll(in.image_height), ll(grid.width), ll(grid.height), ll(v.image_size),
                  ll(v.min_tiles), ll(v.max_tiles), t.tiles > crops ? " + thumbnail" : "", ll(t.tiles),
                  ll(side * side + v.class_tokens), ll(v.tokens_per_image), ll(t.tokens_per_image));
}

// Whisper (feature_extraction_whisper.py: chunk_length 30 s at 16 kHz, hop_length 160 -> 3000 mel
// frames, shorter audio padded and longer audio truncated; modeling_whisper.py WhisperEncoder: conv1
// stride 1, conv2 stride 2, and it requires exactly max_source_positions x 2 input frames).
// Long-form generation transcribes window after window: one window per sequence is in memory.
void whisper(const AudioInputSpec& a, const MediaInput& in, MediaTokens& t) {
  t.audio_windows = 1;
  t.audio_positions = a.window_positions;
  t.audio_input_frames = a.window_positions * 2;
  if (in.audio_seconds > 30.0) {
    t.warnings.push_back(format("Whisper reads one 30 s window (%lld mel frames) at a time: the %.1f s of audio are "
                                "truncated by the feature extractor in training, transcribed window after window by "
                                "long-form generation",
                                ll(t.audio_input_frames), in.audio_seconds));
  }
  t.rule = format("%.1f s padded/truncated to one 30 s window: %lld mel bins x %lld frames -> conv2 stride 2 -> %lld "
                  "encoder positions",
                  in.audio_seconds, ll(a.mel_bins), ll(t.audio_input_frames), ll(a.window_positions));
}

// wav2vec 2.0 (Wav2Vec2FeatureEncoder over the raw 16 kHz waveform; frame count by
// _get_feat_extract_output_lengths): the frames are the transformer encoder's sequence.
void conv_frames(const AudioInputSpec& a, const MediaInput& in, MediaTokens& t) {
  const std::int64_t samples = static_cast<std::int64_t>(std::llround(in.audio_seconds * static_cast<double>(a.sampling_rate)));
  t.audio_windows = 1;
  t.audio_input_frames = samples;
  t.audio_positions = conv_output_length(samples, a.conv_kernel, a.conv_stride);
  t.sequence_frames = std::max<std::int64_t>(t.audio_positions, 0);
  if (t.audio_positions < 1) {
    t.warnings.push_back(format("%.4f s of audio is shorter than the convolutional feature encoder's receptive field: no "
                                "frame",
                                in.audio_seconds));
  }
  std::int64_t stride = 1;
  for (std::int64_t s : a.conv_stride) stride *= s;
  t.rule = format("%.1f s x %lld Hz = %lld samples -> conv feature encoder (total stride %lld) -> %lld frames",
                  in.audio_seconds, ll(a.sampling_rate), ll(samples), ll(stride), ll(t.audio_positions));
}

}  // namespace

ResizedImage qwen_smart_resize(std::int64_t height, std::int64_t width, std::int64_t factor, std::int64_t min_pixels,
                               std::int64_t max_pixels) {
  const double h = static_cast<double>(height);
  const double w = static_cast<double>(width);
  std::int64_t h_bar = std::max(factor, round_by_factor(h, factor));
  std::int64_t w_bar = std::max(factor, round_by_factor(w, factor));
  if (static_cast<double>(h_bar) * static_cast<double>(w_bar) > static_cast<double>(max_pixels)) {
    const double beta = std::sqrt(h * w / static_cast<double>(max_pixels));
    h_bar = std::max(factor, floor_by_factor(h / beta, factor));
    w_bar = std::max(factor, floor_by_factor(w / beta, factor));
  } else if (static_cast<double>(h_bar) * static_cast<double>(w_bar) < static_cast<double>(min_pixels)) {
    const double beta = std::sqrt(static_cast<double>(min_pixels) / (h * w));
    h_bar = ceil_by_factor(h * beta, factor);
    w_bar = ceil_by_factor(w * beta, factor);
  }
  return {h_bar, w_bar};
}

// get_resize_output_image_size: ratio = max(height / longest_edge, width / longest_edge); above 1 both sides
// become floor(side / ratio) (floats, as Python computes them); then each side is rounded up to a whole
// number of patches: ((side - 1) // factor + 1) x factor (_num_image_tokens).
ResizedImage pixtral_resize(std::int64_t height, std::int64_t width, std::int64_t longest_edge, std::int64_t factor) {
  double h = static_cast<double>(height);
  double w = static_cast<double>(width);
  const double edge = static_cast<double>(longest_edge);
  const double ratio = std::max(h / edge, w / edge);
  if (ratio > 1.0) {
    h = std::floor(h / ratio);
    w = std::floor(w / ratio);
  }
  const auto up = [factor](double side) {
    const std::int64_t s = std::max<std::int64_t>(static_cast<std::int64_t>(side), 1);
    return ((s - 1) / factor + 1) * factor;
  };
  return {up(h), up(w)};
}

// get_all_supported_aspect_ratios(min, max): (w, h) for w, h in 1..max with min <= w h <= max, in that order,
// then stably sorted by w h; the first grid with the smallest |width/height - w/h| wins, and a later grid
// with the same difference replaces it while the image's area exceeds half the grid's (0.5 x tile^2 x w h).
ResizedImage closest_tile_grid(std::int64_t height, std::int64_t width, std::int64_t tile, std::int64_t min_tiles,
                               std::int64_t max_tiles) {
  std::vector<std::pair<std::int64_t, std::int64_t>> grids;
  for (std::int64_t w = 1; w <= max_tiles; ++w) {
    for (std::int64_t h = 1; h <= max_tiles / w; ++h) {
      if (w * h >= min_tiles && w * h <= max_tiles) grids.emplace_back(w, h);
    }
  }
  std::stable_sort(grids.begin(), grids.end(),
                   [](const auto& a, const auto& b) { return a.first * a.second < b.first * b.second; });
  const double aspect = static_cast<double>(width) / static_cast<double>(height);
  const double area = static_cast<double>(width) * static_cast<double>(height);
  double best_diff = std::numeric_limits<double>::infinity();
  std::pair<std::int64_t, std::int64_t> best{1, 1};
  for (const auto& g : grids) {
    const double diff = std::fabs(aspect - static_cast<double>(g.first) / static_cast<double>(g.second));
    if (diff < best_diff) {
      best_diff = diff;
      best = g;
    } else if (diff == best_diff &&
               area > 0.5 * static_cast<double>(tile) * static_cast<double>(tile) * static_cast<double>(g.first * g.second)) {
      best = g;
    }
  }
  return {best.second, best.first};
}

std::int64_t conv_output_length(std::int64_t samples, const std::vector<std::int64_t>& kernel,
                                const std::vector<std::int64_t>& stride) {
  std::int64_t length = samples;
  for (std::size_t i = 0; i < kernel.size() && i < stride.size(); ++i) {
    if (length < kernel[i]) return 0;
    length = (length - kernel[i]) / stride[i] + 1;
  }
  return length;
}

MediaTokens media_tokens(const ModelConfig& model, const MediaInput& input) {
  MediaTokens t;
  if (input.images > 0) {
    const VisionInputSpec& v = model.vision_input;
    if (v.scheme == VisionScheme::none) {
      t.warnings.push_back(format("images_per_sample %lld ignored: %s has no vision tower vramplan reads images for",
                                  ll(input.images), model.model_type.c_str()));
    } else {
      if (v.scheme == VisionScheme::qwen_dynamic) {
        qwen_dynamic(v, input, t);
      } else if (v.scheme == VisionScheme::pixtral) {
        pixtral(v, input, t);
      } else if (v.scheme == VisionScheme::tiles) {
        tiles(v, input, t);
      } else if (v.scheme == VisionScheme::hd_crops) {
        media::hd_crops(v, input, t);
      } else if (v.scheme == VisionScheme::mllama_tiles) {
        media::mllama_tiles(v, t);
      } else if (v.scheme == VisionScheme::llama4_tiles) {
        media::llama4_tiles(v, input, t);
      } else if (v.scheme == VisionScheme::mobilenet) {
        media::gemma3n_image(v, t);
      } else {
        fixed_size(v, t);
      }
      t.images = input.images;
      t.llm_tokens = t.images * t.tokens_per_image;
    }
  }
  if (input.audio_seconds > 0) {
    const AudioInputSpec& a = model.audio_input;
    std::string audio_rule;
    MediaTokens audio;
    if (a.scheme == AudioScheme::whisper_windows) {
      whisper(a, input, audio);
    } else if (a.scheme == AudioScheme::conv_frames) {
      conv_frames(a, input, audio);
    } else if (a.scheme == AudioScheme::usm_conformer) {
      media::gemma3n_audio(a, input, audio);
    } else {
      t.warnings.push_back(format("audio_seconds %.1f ignored: %s has no audio encoder vramplan reads audio for",
                                  input.audio_seconds, model.model_type.c_str()));
    }
    t.audio_windows = audio.audio_windows;
    t.audio_positions = audio.audio_positions;
    t.audio_input_frames = audio.audio_input_frames;
    t.sequence_frames = audio.sequence_frames;
    t.llm_tokens += audio.llm_tokens;  // Gemma 3n's audio soft tokens join the sequence
    t.warnings.insert(t.warnings.end(), audio.warnings.begin(), audio.warnings.end());
    if (!audio.rule.empty()) t.rule += (t.rule.empty() ? "" : "; ") + audio.rule;
  }
  return t;
}

}  // namespace vramplan
