// Images and audio in the estimates: see media_inputs.hpp and docs/memory-model.md "Images and audio".
#include "media_inputs.hpp"

#include <string>

#include "vramplan/text_format.hpp"

namespace vramplan {
namespace {

using text::format;

bool has_tower(const ModelConfig& m, const char* name) { return memory::find_tower(m, name) != nullptr; }

// The language model's positions: the text's plus the media tokens, or wav2vec2's frames instead.
std::int64_t positions_with_media(std::int64_t text, const MediaTokens& media) {
  return media.sequence_frames > 0 ? media.sequence_frames : text + media.llm_tokens;
}

}  // namespace

TrainSettings with_media_positions(const TrainSettings& train, const MediaTokens& media) {
  TrainSettings t = train;
  t.seq_len = positions_with_media(train.seq_len, media);
  return t;
}

InferenceSettings with_media_positions(const InferenceSettings& inference, const MediaTokens& media) {
  InferenceSettings i = inference;
  i.context_len = positions_with_media(inference.context_len, media);
  return i;
}

memory::MediaTerm media_inference_term(const ModelConfig& model, const MediaTokens& media, double compute_bytes,
                                       double tp, Attention attention, double sequences) {
  memory::MediaTerm vision = memory::vision_inference_bytes(model, media, compute_bytes, tp, attention, sequences);
  const memory::MediaTerm audio = memory::audio_inference_bytes(model, media, compute_bytes, tp, sequences);
  vision.bytes += audio.bytes;
  if (!audio.formula.empty()) vision.formula += (vision.formula.empty() ? "" : "; ") + audio.formula;
  return vision;
}

void add_media_inference_lines(Breakdown& b, const memory::MediaTerm& tower, const memory::MediaTerm& cross,
                               double sequences) {
  if (tower.bytes > 0) {
    b.components.push_back(Component{"media_activations", "Vision / audio encoder forward", tower.bytes,
                                     tower.formula + " (counted on top of the prefill: conservative, the encoder runs first)",
                                     Level::transient});
  }
  if (cross.bytes > 0) {
    b.components.push_back(Component{"cross_kv_cache", "Cross-attention cache (encoder K, V)", cross.bytes * sequences,
                                     cross.formula, Level::step});
  }
}

void add_media_warnings(Breakdown& b, const ModelConfig& model, const MediaTokens& media, const MediaInput& input,
                        const char* section) {
  b.warnings.insert(b.warnings.end(), media.warnings.begin(), media.warnings.end());
  const bool vision = has_tower(model, "vision");
  const bool audio = has_tower(model, "audio_encoder") || has_tower(model, "audio_frontend");
  if (vision && input.images == 0 && model.vision_input.scheme != VisionScheme::none) {
    b.warnings.push_back(format("no images given (%s.images_per_sample 0): text-only samples; the vision tower's "
                                "activations and image tokens are not included",
                                section));
  } else if (vision && model.vision_input.scheme == VisionScheme::none) {
    b.warnings.push_back("activations of this model's vision tower are not included: vramplan has no image rule for "
                         "its processor");
  }
  if (audio && input.audio_seconds <= 0) {
    b.warnings.push_back(format("no audio given (%s.audio_seconds 0): the audio encoder's activations are not included%s",
                                section,
                                model.audio_input.scheme == AudioScheme::conv_frames
                                    ? format("; the %s tokens are taken as the encoder's frames",
                                             std::string(section) == "train" ? "seq_len" : "context_len")
                                          .c_str()
                                    : ""));
  }
}

// vLLM's profile_run builds its dummy batch with the model's largest multimodal inputs (V0: max_num_seqs dummy
// sequences each carrying max images; V1: the encoder budget of dummy items) and runs the encoder, and for mllama
// the cross-attention layers, over them unless --limit-mm-per-prompt sets the modality to 0; that peak is taken
// from the KV pool. Not sized here (h213: Llama-3.2-11B-Vision, 128 sequences, measured 36.6 GiB of profile
// activation against a 6.3 GiB text reserve), so the pool is an upper bound: said in words.
std::string vllm_encoder_profile_warning(bool media_given) {
  if (media_given) {
    return "vLLM profiles its vision/audio encoder on dummy inputs of the processor's largest size; the reserve "
           "counts the encoder over one request's inputs as given";
  }
  return "vLLM profiles this model's vision/audio encoder on dummy inputs at start-up even for text-only traffic "
         "(unless --limit-mm-per-prompt sets the modality to 0); with no inputs given the reserve leaves that out, "
         "so the KV pool shown is an upper bound (measured 3x smaller for Llama-3.2-11B-Vision at 128 sequences): "
         "set inference.images_per_sample or inference.audio_seconds to count the encoder";
}

}  // namespace vramplan
