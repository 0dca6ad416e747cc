#pragma once
// Images and audio in the scenario (train.* and inference.* keys, docs/scenario.md "Images and audio").
#include "vramplan/json_reader.hpp"
#include "vramplan/media.hpp"
#include "vramplan/scenario.hpp"

namespace vramplan {

// images_per_sample, image_size (an integer side, or {"width", "height"}), audio_seconds.
MediaInput read_media(ObjectReader& r);
// The canonical echo of those keys, added to the canonical scenario's "train" and "inference" sections.
void media_to_json(const MediaInput& train, const MediaInput& inference, Json& canonical);
// inference.mm_profiling against the release and the inputs: `skip` needs a vLLM with --skip-mm-profiling,
// `limit_zero` refuses every image and clip, so a scenario that gives some contradicts it.
void check_mm_profiling(const ObjectReader& r, MmProfiling mode, const VllmVersion& version, const MediaInput& media);

}  // namespace vramplan
