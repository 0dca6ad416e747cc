#pragma once
// Image and audio rules kept out of media_tokens.cpp for size (internal to core/model): each fills MediaTokens
// for one image (or clip) of `in` by the family's processor, as media_tokens() dispatches on the scheme.
#include "vramplan/media.hpp"

namespace vramplan::media {

// media_tiled.cpp
void hd_crops(const VisionInputSpec& v, const MediaInput& in, MediaTokens& t);  // Phi-3-vision
void mllama_tiles(const VisionInputSpec& v, MediaTokens& t);                    // Mllama
void llama4_tiles(const VisionInputSpec& v, const MediaInput& in, MediaTokens& t);  // Llama 4

// media_gemma3n.cpp: Gemma 3n (MobileNetV5 soft tokens; the USM conformer's clip)
void gemma3n_image(const VisionInputSpec& v, MediaTokens& t);
void gemma3n_audio(const AudioInputSpec& a, const MediaInput& in, MediaTokens& t);

}  // namespace vramplan::media
