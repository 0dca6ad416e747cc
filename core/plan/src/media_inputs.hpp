#pragma once
// Images and audio in the estimates (issue 17 item 2): the language model's sequence grows by the media
// positions, the towers' memory is added (memory_vision.cpp, memory_audio.cpp). Kept out of
// estimate.cpp, which only calls these.
#include <string>

#include "vramplan/estimate.hpp"
#include "vramplan/media.hpp"
#include "vramplan/memory_media.hpp"

namespace vramplan {

// seq_len (training) / context_len (inference) plus the media's LM tokens; wav2vec2's frames replace seq_len.
TrainSettings with_media_positions(const TrainSettings& train, const MediaTokens& media);
InferenceSettings with_media_positions(const InferenceSettings& inference, const MediaTokens& media);

// The vision and audio towers' forward working set for `sequences` requests.
memory::MediaTerm media_inference_term(const ModelConfig& model, const MediaTokens& media, double compute_bytes,
                                       double tp, Attention attention, double sequences);
// hf engine: the towers' line (transient) and the cross-attention cache of `sequences` sequences (step).
void add_media_inference_lines(Breakdown& b, const memory::MediaTerm& tower, const memory::MediaTerm& cross,
                               double sequences);

// The media's own warnings, and one when the model has a tower that got no input. `section` is "train"
// or "inference".
void add_media_warnings(Breakdown& b, const ModelConfig& model, const MediaTokens& media, const MediaInput& input,
                        const char* section);

// The encoder's part of vLLM's profiling reserve: `given` (the scenario's inputs' forward), or for mllama what
// vLLM's dummy batch surely holds when that is larger; none with --skip-mm-profiling.
memory::MediaTerm vllm_profile_encoder_term(const ModelConfig& model, const InferenceSettings& inf,
                                            const memory::MediaTerm& given, double compute_bytes);
// vLLM's start-up profile of a multimodal model's encoder (inference.mm_profiling): the warnings for what the
// reserve leaves out, or for the key when the model has no encoder.
void add_vllm_mm_profile_warnings(Breakdown& b, const ModelConfig& model, MmProfiling mode,
                                  const memory::MediaTerm& tower);

}  // namespace vramplan
