// Images and audio as inputs (issue 17 item 2): the keys are the same in train (per sample) and
// inference (per request). How they become positions is the model's (vramplan/media.hpp).
#include "scenario_media.hpp"

#include <string>
#include <utility>

#include "vramplan/text_format.hpp"

namespace vramplan {
namespace {

// Images per sample: far above any chat template's use, small enough that tokens stay exact.
constexpr std::int64_t kMaxImages = 1024;
constexpr std::int64_t kMaxImageSide = 65536;
// Audio per sample: 24 hours.
constexpr double kMaxAudioSeconds = 86400.0;
// --skip-mm-profiling came with vLLM PR #22950 (merged 2025-08-15, in 0.10.2); releases are keyed by
// major.minor, so 0.10 is accepted and anything older refused.
constexpr int kSkipMmProfilingMinor = 10;

}  // namespace

MediaInput read_media(ObjectReader& r) {
  MediaInput m;
  m.images = r.integer("images_per_sample", 0, kMaxImages, m.images);
  const Json* size = r.has("image_size") ? r.find("image_size") : nullptr;
  if (size != nullptr && size->is_object()) {
    ObjectReader wh(*size, r.pointer_of("image_size"));
    m.image_width = wh.required_integer("width", 1, kMaxImageSide);
    m.image_height = wh.required_integer("height", 1, kMaxImageSide);
    wh.reject_unknown_keys();
  } else {
    const std::int64_t side = r.integer("image_size", 1, kMaxImageSide, m.image_width);
    m.image_width = m.image_height = side;
  }
  m.audio_seconds = r.number("audio_seconds", 0.0, kMaxAudioSeconds, m.audio_seconds);
  return m;
}

void media_to_json(const MediaInput& train, const MediaInput& inference, Json& canonical) {
  for (const auto& [media, section] : {std::pair{&train, "train"}, std::pair{&inference, "inference"}}) {
    Json& out = canonical[section];
    out["images_per_sample"] = media->images;
    out["image_size"] = media->image_width == media->image_height
                            ? Json(media->image_width)
                            : Json{{"width", media->image_width}, {"height", media->image_height}};
    out["audio_seconds"] = media->audio_seconds;
  }
}

void check_mm_profiling(const ObjectReader& r, MmProfiling mode, const VllmVersion& version, const MediaInput& media) {
  if (mode == MmProfiling::skip && version.before(0, kSkipMmProfilingMinor)) {
    fail(r.pointer_of("mm_profiling"), "\"skip\" is vLLM's --skip-mm-profiling, which releases before 0.10.2 lack "
                                       "(inference.vllm_version is " + version.text + "); use \"dummy\" or \"limit_zero\"");
  }
  if (mode == MmProfiling::limit_zero && (media.images > 0 || media.audio_seconds > 0)) {
    fail(r.pointer_of("mm_profiling"),
         text::format("\"limit_zero\" (--limit-mm-per-prompt with every modality 0) makes vLLM refuse images and audio, "
                      "but inference.images_per_sample is %lld and inference.audio_seconds is %g",
                      static_cast<long long>(media.images), media.audio_seconds) +
             "; use \"dummy\" or \"skip\", or give no media");
  }
}

}  // namespace vramplan
