#pragma once
// Images and audio as model inputs: how a model's own vision or audio front end turns them into
// positions (issue 17 item 2). The readers (hf_*.cpp) fill the specs from config.json; media_tokens()
// applies the family's image processor or feature extractor rule (core/model/src/media_tokens.cpp,
// each rule cited there). The memory of those positions is core/memory (memory_vision.cpp,
// memory_audio.cpp).
#include <cstdint>
#include <string>
#include <vector>

namespace vramplan {

// How a family's image processor and vision tower turn one image into positions.
enum class VisionScheme {
  none,          // no vision tower
  qwen_dynamic,  // Qwen2-VL / Qwen2.5-VL: smart_resize to multiples of patch x merge within pixel bounds
  fixed_grid,    // CLIP (LLaVA): resized to image_size; (image_size / patch)^2 patches (+ class token)
  pooled_fixed,  // Gemma 3 (SigLIP): resized to image_size, pooled to mm_tokens_per_image tokens
  pixtral,       // Mistral 3 (Pixtral): longest edge capped at image_size, sides rounded up to patch x merge,
                 // one [IMG_BREAK] per row of merged patches, the last one [IMG_END]
  tiles,         // InternVL: cut into a grid of image_size tiles of the closest aspect ratio (min..max tiles),
                 // plus a thumbnail; each tile gives tokens_per_image tokens
  hd_crops,      // Phi-3-vision: HD_transform to at most max_tiles (num_crops) crops of image_size, plus a global
                 // crop; the tower runs over num_crops + 1 crops (padded), 2x2-merged tokens with separators
  mllama_tiles,  // Mllama: every image padded to max_tiles tiles of image_size run jointly through the tower;
                 // one <|image|> token in the text, the image read by cross-attention
  llama4_tiles,  // Llama 4: the canvas of at most max_tiles tiles of image_size that resizes the image least, a
                 // global tile when there are several; tokens_per_image per tile plus tile separators
  mobilenet,     // Gemma 3n: resized to image_size (768), a MobileNetV5 CNN pooled to tokens_per_image soft tokens;
                 // its saved feature maps are cnn_saved_elements (no transformer blocks)
};

struct VisionInputSpec {
  VisionScheme scheme = VisionScheme::none;
  std::int64_t patch = 0;
  std::int64_t merge = 1;           // spatial merge (Qwen): merge^2 patches become one LM token
  std::int64_t temporal = 1;        // temporal patch (Qwen): a still image is repeated this many times
  std::int64_t channels = 3;
  std::int64_t image_size = 0;      // fixed_grid / pooled_fixed: the processor's square resize target;
                                    // pixtral: the processor's longest_edge
  std::int64_t class_tokens = 0;    // tower positions besides the patches (CLIP's class embedding)
  std::int64_t tokens_per_image = 0;  // pooled_fixed: mm_tokens_per_image; tiles: per tile
  std::int64_t min_tiles = 1, max_tiles = 1;  // tiles: the processor's min_patches / max_patches
  bool thumbnail = false;           // tiles: a whole-image tile is added when the grid has more than one
  std::int64_t marker_tokens = 0;   // tokens the processor adds around each image (Gemma 3 boi/eoi)
  std::int64_t min_pixels = 0;      // qwen_dynamic: the checkpoint processor's bounds
  std::int64_t max_pixels = 0;
  // Projector (LLaVA linear-GELU-linear, Qwen patch merger, Gemma 3 pooling + linear): widths of its
  // input per LM token, its hidden layer and its output, for its activations.
  std::int64_t projector_in = 0, projector_hidden = 0, projector_out = 0;
  // mobilenet: elements of the feature maps one image's forward keeps for backward, and the largest one block
  // holds at once (inference), at image_size (hf_mobilenetv5.cpp).
  std::int64_t cnn_saved_elements = 0, cnn_peak_elements = 0;
};

enum class AudioScheme {
  none,
  whisper_windows,  // Whisper: 30 s windows of num_mel_bins x 3000 frames, conv stride 2 -> 1500 positions
  conv_frames,      // wav2vec 2.0: the convolutional feature encoder's strides over the raw waveform
  usm_conformer,    // Gemma 3n: one clip of at most 30 s, log-mel frames, two stride-2 convolutions, a conformer
                    // over the subsampled frames, every reduction-th frame kept and padded to soft_tokens
};

struct AudioInputSpec {
  AudioScheme scheme = AudioScheme::none;
  std::int64_t sampling_rate = 16000;
  std::int64_t mel_bins = 0;            // whisper
  std::int64_t window_positions = 0;    // whisper: max_source_positions (encoder positions per window)
  std::vector<std::int64_t> conv_dim, conv_kernel, conv_stride;  // conv_frames
  bool conv_norm_every_layer = false;   // wav2vec2 feat_extract_norm "layer" (else only after the first)
  // usm_conformer (Gemma3nAudioFeatureExtractor + Gemma3nAudioEncoder): conv_dim = sscp channels, conv_stride =
  // their time strides; the conformer's width, blocks, heads and attention context (chunk + left context).
  std::int64_t max_samples = 0, frame_length = 0, hop_length = 0, pad_multiple = 1;
  std::vector<std::int64_t> conv_freq;  // usm_conformer: mel bins left after each subsampling convolution
  std::int64_t encoder_hidden = 0, encoder_layers = 0, encoder_heads = 0, attention_context = 0;
  std::int64_t reduction = 1, soft_tokens = 0, marker_tokens = 0;
  std::int64_t projector_out = 0;  // embed_audio's output (the text hidden size)
};

// What a scenario feeds the model besides text, per sample (training) or per request (inference).
struct MediaInput {
  std::int64_t images = 0;        // images_per_sample
  std::int64_t image_width = 1024;
  std::int64_t image_height = 1024;
  double audio_seconds = 0;
  bool empty() const { return images == 0 && audio_seconds <= 0; }
};

// The positions those inputs become.
struct MediaTokens {
  // Language model: positions added to every sequence (image tokens and markers), or, for an audio
  // encoder that is the model itself (wav2vec2), the frames that replace the sequence.
  std::int64_t llm_tokens = 0;
  std::int64_t sequence_frames = 0;  // > 0: the text stack's sequence is these frames (wav2vec2)
  // Vision: per image, the processor's resized size, the tower's positions and the LM tokens.
  std::int64_t images = 0;
  std::int64_t resized_width = 0, resized_height = 0;
  std::int64_t tower_positions = 0;      // positions every ViT block runs over, per image
  std::int64_t tiles = 1;                // crops the tower attends within separately (tower_positions / tiles each)
  std::int64_t tokens_per_image = 0;     // LM positions per image (markers included)
  std::int64_t pixel_values_per_position = 0;  // input elements per tower position (C x T x P x P)
  // Audio: encoder windows per sample and positions per window (whisper), or frames (wav2vec2).
  std::int64_t audio_windows = 0;
  std::int64_t audio_positions = 0;      // per window: the encoder's positions
  std::int64_t audio_input_frames = 0;   // per window: mel frames (whisper) or waveform samples (wav2vec2)
  std::string rule;                      // how the counts were derived, with the numbers
  std::vector<std::string> warnings;
};

struct ModelConfig;

// The positions `input` becomes for `model`. Inputs the model cannot read (images for a text model)
// give zero positions and a warning naming them.
MediaTokens media_tokens(const ModelConfig& model, const MediaInput& input);

// Qwen2VLImageProcessor smart_resize (transformers image_processing_qwen2_vl.py): {height, width}.
struct ResizedImage {
  std::int64_t height = 0, width = 0;
};
ResizedImage qwen_smart_resize(std::int64_t height, std::int64_t width, std::int64_t factor, std::int64_t min_pixels,
                               std::int64_t max_pixels);

// PixtralImageProcessor get_resize_output_image_size (transformers image_processing_pixtral.py) with the
// processor's patch_size x spatial_merge_size as `factor`: {height, width}.
ResizedImage pixtral_resize(std::int64_t height, std::int64_t width, std::int64_t longest_edge, std::int64_t factor);

// GotOcr2ImageProcessor get_optimal_tiled_canvas (transformers image_processing_got_ocr2.py, the InternVL
// processor; InternVL's dynamic_preprocess find_closest_aspect_ratio is the same rule): the grid
// {width tiles, height tiles} returned as {height, width} in tiles.
ResizedImage closest_tile_grid(std::int64_t height, std::int64_t width, std::int64_t tile, std::int64_t min_tiles,
                               std::int64_t max_tiles);

// Phi3VImageProcessor calc_hd_transform_size (microsoft/Phi-3.5-vision-instruct image_processing_phi3_v.py):
// the image scaled so that at most `hd_num` crops of `crop` pixels cover it, the short side padded up to a
// multiple of `crop`: {height, width}.
ResizedImage phi3v_hd_transform_size(std::int64_t height, std::int64_t width, std::int64_t hd_num, std::int64_t crop);

// Llama4ImageProcessorFast get_best_fit over find_supported_resolutions(max_tiles, tile) (transformers
// image_processing_llama4_fast.py, resize_to_max_canvas False): the canvas {height, width} in pixels.
ResizedImage llama4_best_fit(std::int64_t height, std::int64_t width, std::int64_t tile, std::int64_t max_tiles);

// Wav2Vec2Model._get_feat_extract_output_lengths: floor((L - kernel) / stride) + 1 per conv layer.
std::int64_t conv_output_length(std::int64_t samples, const std::vector<std::int64_t>& kernel,
                                const std::vector<std::int64_t>& stride);

}  // namespace vramplan
