// The tiling image rules kept out of media_tokens.cpp (media_rules.hpp).
//
// Phi-3-vision (media.hpp VisionScheme::hd_crops), from the remote code of
// microsoft/Phi-3.5-vision-instruct and Phi-3-vision-128k-instruct: image_processing_phi3_v.py
// (Phi3VImageProcessor: HD_transform, calc_hd_transform_size, calc_num_image_tokens_from_image_size,
// preprocess) and image_embedding_phi3_v.py (Phi3ImageEmbedding: the CLIP tower over every crop, 2x2 merge,
// sub_GN / glb_GN separators).
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "media_rules.hpp"
#include "vramplan/text_format.hpp"

namespace vramplan {

// calc_hd_transform_size: transpose a portrait image; ratio = width / height; the largest scale with
// scale x ceil(scale / ratio) <= hd_num; new_width = int(scale x 336), new_height = int(new_width / ratio);
// the height padded up to a multiple of 336 (padding_336); transposed back.
ResizedImage phi3v_hd_transform_size(std::int64_t height, std::int64_t width, std::int64_t hd_num, std::int64_t crop) {
  const bool transposed = width < height;
  if (transposed) std::swap(width, height);
  const double ratio = static_cast<double>(width) / static_cast<double>(height);
  std::int64_t scale = 1;
  while (static_cast<double>(scale) * std::ceil(static_cast<double>(scale) / ratio) <= static_cast<double>(hd_num)) ++scale;
  scale -= 1;
  const std::int64_t new_width = scale * crop;
  const std::int64_t new_height = static_cast<std::int64_t>(static_cast<double>(new_width) / ratio);
  const std::int64_t padded = static_cast<std::int64_t>(std::ceil(static_cast<double>(new_height) / static_cast<double>(crop))) * crop;
  return transposed ? ResizedImage{new_width, padded} : ResizedImage{padded, new_width};
}

// find_supported_resolutions(max_num_chunks, patch_size): every (h, w) tile grid with h x w <= max_tiles, in
// pixels. get_best_fit: per canvas the scale min(canvas_h / H, canvas_w / W) (torch float32); the smallest scale
// >= 1 if any (upscaling as little as possible), else the largest below 1; among the canvases with that scale
// the one of least area.
ResizedImage llama4_best_fit(std::int64_t height, std::int64_t width, std::int64_t tile, std::int64_t max_tiles) {
  auto scale_of = [&](std::int64_t a, std::int64_t b) {
    const float sh = static_cast<float>(a * tile) / static_cast<float>(height);
    const float sw = static_cast<float>(b * tile) / static_cast<float>(width);
    return sh > sw ? sw : sh;
  };
  float up = 0, down = 0;  // smallest scale >= 1, largest below 1 (0: none)
  for (std::int64_t a = 1; a <= max_tiles; ++a) {
    for (std::int64_t b = 1; a * b <= max_tiles; ++b) {
      const float s = scale_of(a, b);
      if (s >= 1.0f && (up == 0 || s < up)) up = s;
      if (s < 1.0f && s > down) down = s;
    }
  }
  const float chosen = up > 0 ? up : down;
  ResizedImage best{0, 0};
  for (std::int64_t a = 1; a <= max_tiles; ++a) {
    for (std::int64_t b = 1; a * b <= max_tiles; ++b) {
      if (scale_of(a, b) != chosen) continue;
      if (best.height == 0 || a * b < (best.height / tile) * (best.width / tile)) best = {a * tile, b * tile};
    }
  }
  return best;
}

namespace media {

// Llama 4 (image_processing_llama4_fast.py _preprocess: the image resized without distortion into the
// get_best_fit canvas, padded, split into canvas / tile tiles, and a global tile (the whole image at tile x tile)
// added when there is more than one; modeling_llama4.py Llama4VisionModel runs every tile on its own,
// (tile / patch)^2 patches + the class embedding; processing_llama4.py _prompt_split_image: <|image_start|>,
// with several tiles each tile's num_patches_per_chunk <|patch|> tokens, a <|tile_x_separator|> between the
// tiles of a row and a <|tile_y_separator|> after each row, then <|image|> and the global tile's tokens and
// <|image_end|>; num_patches_per_chunk = (tile / patch)^2 / downsample_ratio (pixel shuffle 0.5: 4)).
void llama4_tiles(const VisionInputSpec& v, const MediaInput& in, MediaTokens& t) {
  const std::int64_t tile = v.image_size;
  const ResizedImage canvas = llama4_best_fit(in.image_height, in.image_width, tile, v.max_tiles);
  const std::int64_t rows = canvas.height / tile, cols = canvas.width / tile;
  const std::int64_t grid = rows * cols;
  const std::int64_t side = tile / v.patch;
  t.resized_height = canvas.height;
  t.resized_width = canvas.width;
  t.tiles = grid + (grid > 1 ? 1 : 0);
  t.tower_positions = t.tiles * (side * side + v.class_tokens);
  const std::int64_t tiled = grid > 1 ? grid * v.tokens_per_image + rows * (cols - 1) + rows : 0;
  t.tokens_per_image = 1 + tiled + 1 + v.tokens_per_image + 1;
  t.pixel_values_per_position = v.channels * v.patch * v.patch;
  t.rule = text::format("%lldx%lld -> a %lldx%lld canvas (get_best_fit over grids of at most %lld tiles of %lld): %lld "
                        "x %lld tiles%s, %lld tower positions each; %lld tokens per tile, tile separators, <|image|>, "
                        "<|image_start|>, <|image_end|> = %lld tokens per image",
                        static_cast<long long>(in.image_width), static_cast<long long>(in.image_height),
                        static_cast<long long>(canvas.width), static_cast<long long>(canvas.height),
                        static_cast<long long>(v.max_tiles), static_cast<long long>(tile), static_cast<long long>(cols),
                        static_cast<long long>(rows), grid > 1 ? " + the global tile" : "",
                        static_cast<long long>(side * side + v.class_tokens), static_cast<long long>(v.tokens_per_image),
                        static_cast<long long>(t.tokens_per_image));
}

// Phi3VImageProcessor.preprocess: the HD image is cut into (h / 336) x (w / 336) crops, a global 336 x 336
// resize is put first, and the stack is padded to num_crops + 1 crops (pad_to_max_num_crops_tensor);
// Phi3ImageEmbedding runs the CLIP tower over all of them (pixel_values.flatten(0, 1)), 577 positions each
// ((336 / 14)^2 + class). LM tokens: num_img_tokens = (h/336 x w/336 + 1) x 144 + 1 + (h/336 + 1) x 12: 144
// 2x2-merged tokens per crop, a sub_GN separator after each of the sub-image's 12-token rows and the global
// image's, one glb_GN between them.
void hd_crops(const VisionInputSpec& v, const MediaInput& in, MediaTokens& t) {
  const std::int64_t crop = v.image_size;
  const ResizedImage r = phi3v_hd_transform_size(in.image_height, in.image_width, v.max_tiles, crop);
  const std::int64_t rows = r.height / crop, cols = r.width / crop;
  const std::int64_t side = crop / v.patch;             // 24 patches per side
  const std::int64_t merged = side / 2;                 // 12 tokens per side after the 2x2 merge
  t.resized_height = r.height;
  t.resized_width = r.width;
  t.tiles = v.max_tiles + 1;
  t.tower_positions = t.tiles * (side * side + v.class_tokens);
  t.tokens_per_image = (rows * cols + 1) * merged * merged + 1 + (rows + 1) * merged;
  t.pixel_values_per_position = v.channels * v.patch * v.patch;
  t.rule = text::format(
      "HD_transform(%lldx%lld, num_crops %lld) = %lldx%lld: %lld x %lld crops of %lld + the global crop, padded to "
      "%lld crops of %lld tower positions; (%lld + 1) x %lld tokens + 1 glb_GN + (%lld + 1) x %lld sub_GN = %lld "
      "tokens per image",
      static_cast<long long>(in.image_width), static_cast<long long>(in.image_height), static_cast<long long>(v.max_tiles),
      static_cast<long long>(r.width), static_cast<long long>(r.height), static_cast<long long>(cols),
      static_cast<long long>(rows), static_cast<long long>(crop), static_cast<long long>(t.tiles),
      static_cast<long long>(side * side + v.class_tokens), static_cast<long long>(rows * cols),
      static_cast<long long>(merged * merged), static_cast<long long>(rows), static_cast<long long>(merged),
      static_cast<long long>(t.tokens_per_image));
}

// Mllama (image_processing_mllama.py MllamaImageProcessor: the image cut into at most max_image_tiles tiles of
// image_size by get_optimal_tiled_canvas, and pad_batches_and_tiles pads every image to max_image_tiles tiles;
// processing_mllama.py puts one <|image|> token per image in the text; modeling_mllama.py MllamaVisionModel:
// (image_size / patch)^2 patches + the class token per tile, padded to a multiple of 8
// (num_padding_patches = (8 - n % 8) % 8), and all the tiles of an image joined into one sequence for the
// local and the global transformer (hidden_state.view(batch * media, -1, dim)). The text model reads the
// image through its cross-attention layers (their cache: TransformerStack::cross_attention_positions).
void mllama_tiles(const VisionInputSpec& v, MediaTokens& t) {
  const std::int64_t side = v.image_size / v.patch;
  const std::int64_t per_tile = side * side + v.class_tokens;
  const std::int64_t padded = (per_tile + 7) / 8 * 8;
  t.resized_height = t.resized_width = v.image_size;
  t.tiles = 1;  // attention spans the image's tiles together
  t.tower_positions = v.max_tiles * padded;
  t.tokens_per_image = 1;
  t.pixel_values_per_position = v.channels * v.patch * v.patch;
  t.rule = text::format("padded to max_image_tiles %lld tiles of %lld px: %lld x (%lld^2 patches + class = %lld, padded to "
                        "%lld) = %lld positions through the tower; 1 <|image|> token per image (the text reads the "
                        "image by cross-attention)",
                        static_cast<long long>(v.max_tiles), static_cast<long long>(v.image_size),
                        static_cast<long long>(v.max_tiles), static_cast<long long>(side),
                        static_cast<long long>(per_tile), static_cast<long long>(padded),
                        static_cast<long long>(t.tower_positions));
}

}  // namespace media
}  // namespace vramplan
