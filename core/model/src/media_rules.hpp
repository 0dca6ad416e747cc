#pragma once
// Image rules kept out of media_tokens.cpp for size (internal to core/model): each fills MediaTokens for one
// image of `in` by the family's processor, as media_tokens() dispatches on VisionScheme.
#include "vramplan/media.hpp"

namespace vramplan::media {

// media_tiled.cpp
void hd_crops(const VisionInputSpec& v, const MediaInput& in, MediaTokens& t);  // Phi-3-vision
void mllama_tiles(const VisionInputSpec& v, MediaTokens& t);                    // Mllama
void llama4_tiles(const VisionInputSpec& v, const MediaInput& in, MediaTokens& t);  // Llama 4

}  // namespace vramplan::media
