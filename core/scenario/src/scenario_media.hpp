#pragma once
// Images and audio in the scenario (train.* and inference.* keys, docs/scenario.md "Images and audio").
#include "vramplan/json_reader.hpp"
#include "vramplan/media.hpp"

namespace vramplan {

// images_per_sample, image_size (an integer side, or {"width", "height"}), audio_seconds.
MediaInput read_media(ObjectReader& r);
// The canonical echo of those keys, added to the canonical scenario's "train" and "inference" sections.
void media_to_json(const MediaInput& train, const MediaInput& inference, Json& canonical);

}  // namespace vramplan
