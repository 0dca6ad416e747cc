// Images and audio in the estimates: see media_inputs.hpp and docs/memory-model.md "Images and audio".
#include "media_inputs.hpp"

#include <algorithm>
#include <string>

#include "vramplan/text_format.hpp"

namespace vramplan {
namespace {

using text::format;
using text::gib;

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

// inference.mm_profiling "skip" profiles the text model alone; "limit_zero" allows no media (given is 0); "dummy"
// runs mllama's V0 profile over max_num_seqs sequences (the scenario's, else V0's default) of --limit-mm-per-prompt
// images each (vLLM's default 1; at least the images the scenario gives, which vLLM accepts only under such a
// limit): memory_vision.cpp vllm_mllama_profile_floor.
memory::MediaTerm vllm_profile_encoder_term(const ModelConfig& model, const InferenceSettings& inf,
                                            const memory::MediaTerm& given, double compute_bytes) {
  if (inf.mm_profiling == MmProfiling::skip) return {};
  if (inf.mm_profiling == MmProfiling::limit_zero) return given;
  const double seqs = inf.max_num_seqs ? static_cast<double>(*inf.max_num_seqs) : memory::kVllmV0MaxNumSeqs;
  const double per_prompt = std::max(1.0, static_cast<double>(inf.media.images));
  memory::MediaTerm floor = memory::vllm_mllama_profile_floor(model, seqs * per_prompt, compute_bytes);
  return floor.bytes > given.bytes ? floor : given;
}

// vLLM's profile_run runs the encoder over its dummy batch of the processor's largest inputs and takes that
// peak from the KV pool (docs/memory-model.md "vllm engine", docs/validation/accuracy.md "vllm10"):
// - V0 encoder-decoder runner (vllm/worker/enc_dec_model_runner.py profile_run, every release that serves
//   mllama): max_num_seqs dummy sequences, each with limit_mm_per_prompt images (default 1) of max_num_tiles
//   tiles (mllama.py dummy_encoder_data_for_mllama), all through the vision model at once;
// - V0 decoder runner (vllm/worker/model_runner.py profile_run): min(max_num_seqs, max_num_batched_tokens //
//   the largest item's tokens) sequences, each with limit_mm_per_prompt items;
// - V1 (vllm/v1/worker/gpu_model_runner.py profile_run): min(cdiv(encoder budget, the largest item's tokens),
//   max_num_seqs x limit_mm_per_prompt) items, the budget max(max_num_batched_tokens, one item's tokens)
//   (vllm/v1/core/encoder_cache_manager.py compute_encoder_budget), their outputs kept through the text run.
// The encoder's whole peak over that batch is not sized: the source's liveness of the mllama vision model at 128
// images gives more than the measured 36.6 GiB (h213), so that count is not trusted; only mllama's floor is
// counted (vllm_profile_encoder_term) and the rest is said in words.
void add_vllm_mm_profile_warnings(Breakdown& b, const ModelConfig& model, MmProfiling mode,
                                  const memory::MediaTerm& tower) {
  if (model.towers.empty()) {
    if (mode != MmProfiling::dummy) {
      b.warnings.push_back(format("inference.mm_profiling \"%s\" has no effect: the model has no vision or audio encoder",
                                  to_string(mode)));
    }
    return;
  }
  if (mode == MmProfiling::limit_zero) return;  // no dummy media: vLLM profiles the text model alone, as here
  if (mode == MmProfiling::skip) {
    if (tower.bytes > 0) {
      b.warnings.push_back(format("--skip-mm-profiling (inference.mm_profiling \"skip\"): vLLM sizes the KV pool "
                                  "without the encoder, so requests with media need its %s forward on top of "
                                  "gpu_memory_utilization x GPU memory",
                                  gib(tower.bytes).c_str()));
    }
    return;
  }
  const bool mllama = model.vision_input.scheme == VisionScheme::mllama_tiles;
  b.warnings.push_back(
      std::string("vLLM profiles this model's vision/audio encoder at start-up on dummy inputs of the processor's "
                  "largest size, whatever the traffic, and takes that peak from the KV pool (V0 mllama: one max-tile "
                  "image in each of max_num_seqs sequences; V1: as many largest items as max_num_batched_tokens "
                  "holds); ") +
      (mllama ? "the reserve counts only what that batch surely holds (the vision output beside the projector's, "
                "and the pixel values), not its whole peak, so the KV pool shown is still an upper bound (2.2x too "
                "large for Llama-3.2-11B-Vision at 128 sequences, record h213)"
              : "vramplan does not size that run, so the KV pool shown is an upper bound") +
      ": for text-only serving set --limit-mm-per-prompt to 0 for every modality (inference.mm_profiling "
      "\"limit_zero\"), which the estimate then matches");
}

}  // namespace vramplan
