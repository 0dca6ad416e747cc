#pragma once
// Memory of the vision and audio towers over the positions images and audio become (media.hpp):
// memory_vision.cpp and memory_audio.cpp, formulas in docs/memory-model.md "Images and audio".
#include <string>

#include "vramplan/media.hpp"
#include "vramplan/memory.hpp"
#include "vramplan/model.hpp"

namespace vramplan::memory {

// Bytes with the formula that produced them (numbers and rule written out).
struct MediaTerm {
  double bytes = 0;
  std::string formula;
};

// The tower of `model.towers` named `name` ("vision", "audio_encoder", "audio_frontend"), or nullptr.
const ExtraTower* find_tower(const ModelConfig& model, const char* name);

// Training: what the vision tower and its projector keep for backward over `samples` sequences' images
// (`c` as the text stack's, the tower trained with the same method); with gradient checkpointing the
// blocks' inputs plus one block recomputed.
MediaTerm vision_training_bytes(const ModelConfig& m, const MediaTokens& t, const ActivationConfig& c, double samples,
                                bool checkpointing);
// Inference: the tower's forward over `sequences` requests' images at once, nothing kept (one block's
// working set, eager attention's per-image scores).
MediaTerm vision_inference_bytes(const ModelConfig& m, const MediaTokens& t, double compute_bytes, double tp,
                                 Attention attention, double sequences);

// Training: the audio encoder's saved activations (Whisper: conv front end, blocks, final norm, and the
// decoder's cross-attention keys/values over the encoder positions; wav2vec2: the conv feature encoder).
MediaTerm audio_training_bytes(const ModelConfig& m, const MediaTokens& t, const ActivationConfig& c, double samples,
                               bool checkpointing);
// Inference: the encoder's forward working set for `sequences` requests.
MediaTerm audio_inference_bytes(const ModelConfig& m, const MediaTokens& t, double compute_bytes, double tp,
                                double sequences);
// vLLM's V0 engine default --max-num-seqs (vllm/engine/arg_utils.py EngineArgs.max_num_seqs = 256): the mllama
// profile's dummy sequences when the scenario gives none (mllama runs on V0 in every release that serves it).
inline constexpr double kVllmV0MaxNumSeqs = 256;
// What vLLM's V0 encoder-decoder profile of mllama surely holds at one moment (a floor of its peak, not the
// peak): `images` dummy images (max_num_seqs x images per prompt) of max_num_tiles tiles, their pixel values
// in the model dtype and, in the projector, the vision model's output beside the projector's output
// (docs/memory-model.md "vllm engine"). 0 for a model whose images are not mllama tiles.
MediaTerm vllm_mllama_profile_floor(const ModelConfig& m, double images, double compute_bytes);

// Whisper's cross-attention cache (EncoderDecoderCache): per decoder layer K and V over the encoder
// positions, per sequence, kept for the whole generation.
MediaTerm cross_attention_cache_bytes(const ModelConfig& m, const MediaTokens& t, double kv_bytes, double tp,
                                      double sequences);

// Gemma 3n's towers (memory_gemma3n.cpp), which the functions above call for its schemes: MobileNetV5's feature
// maps (VisionScheme::mobilenet) and the USM conformer's clip (AudioScheme::usm_conformer).
MediaTerm mobilenet_training_bytes(const ModelConfig& m, const MediaTokens& t, const ActivationConfig& c, double samples);
MediaTerm mobilenet_inference_bytes(const ModelConfig& m, const MediaTokens& t, double compute_bytes, double sequences);
MediaTerm usm_training_bytes(const ModelConfig& m, const MediaTokens& t, const ActivationConfig& c, double clips);
MediaTerm usm_inference_bytes(const ModelConfig& m, const MediaTokens& t, double compute_bytes, double clips);

}  // namespace vramplan::memory
