// The vision tower over the positions images become (docs/memory-model.md "Images and audio").
//
// A ViT block is a transformer block over the image's patches: its saved tensors per position are the
// text block's (memory_activations.cpp layer_activation_bytes_per_token) with the tower's own shape
// from vision_config (Qwen2_5_VisionTransformerPretrainedModel: RMSNorm, gated MLP, qkv bias;
// CLIPEncoderLayer / SiglipEncoderLayer: LayerNorm, GELU MLP, biases). Attention runs within one image
// (Qwen: cu_seqlens per image, or per window; CLIP/SigLIP: a batch of images), so eager attention's
// scores are per image (the positions of one image squared; Qwen2.5-VL's windowed layers hold less:
// counted as full-image attention). Every tower drops no hidden states (dropout 0 in all three configs).
// The projector's saved tensors follow its modules:
//   - Qwen2_5_VLPatchMerger: ln_q (RMSNorm, fp32 input kept; normalised output when trained) over every
//     patch, then mlp Linear(h m^2, h m^2) -> GELU -> Linear(h m^2, out) over the merged tokens: inputs
//     of both linears and GELU's input;
//   - LlavaMultiModalProjector: linear_1 -> GELU -> linear_2 over the image tokens;
//   - Gemma3MultiModalProjector: AvgPool2d (keeps nothing), mm_soft_emb_norm (RMSNorm) over the pooled
//     tokens, a matmul reading the normalised tokens;
//   - InternVLMultiModalProjector (modeling_internvl.py): layer_norm, linear_1 -> GELU -> linear_2 over the
//     image tokens;
//   - Mistral3MultiModalProjector (modeling_mistral3.py): norm (RMSNorm) over every patch, patch_merger
//     (unfold, merging_layer Linear(h m^2, h)), linear_1 -> GELU -> linear_2 over the merged tokens.
// The processor's pixel_values are fp32 (kept by the batch) and cast to the compute dtype for the patch
// embedding, which keeps that copy.
#include <algorithm>
#include <cstdint>
#include <string>

#include "vramplan/memory_media.hpp"
#include "vramplan/text_format.hpp"

namespace vramplan::memory {
namespace {

using text::format;
using text::gib;

// Projector bytes kept for backward for one image.
double projector_bytes(const VisionInputSpec& v, const MediaTokens& t, double h, const ActivationConfig& c) {
  const double e = c.compute;
  const double positions = static_cast<double>(t.tower_positions);
  const double image_tokens = static_cast<double>(t.tokens_per_image - v.marker_tokens);
  const double in = static_cast<double>(v.projector_in);
  const double hidden = static_cast<double>(v.projector_hidden);
  const double rms = 4.0 + (c.full ? c.residual : 0.0);  // RMSNorm: fp32 input, + normalised when trained
  switch (v.scheme) {
    case VisionScheme::qwen_dynamic: return positions * h * rms + image_tokens * (in + 2.0 * hidden) * e;
    // Phi3ImageEmbedding img_projection (Linear(4 x 1024, h) -> GELU -> Linear(h, h)) over the merged tokens.
    case VisionScheme::fixed_grid:
    case VisionScheme::hd_crops: return image_tokens * (in + 2.0 * hidden) * e;
    // MllamaVisionModel concatenates the last hidden state and the intermediate layers (vision_output_dim) of
    // every position; multi_modal_projector Linear(vision_output_dim, text hidden) keeps that input.
    case VisionScheme::mllama_tiles: return positions * in * e;
    // Llama4VisionPixelShuffleMLP over every tile's pixel-shuffled tokens: fc1 input (in = intermediate_size),
    // GELU, fc2, GELU (Llama4VisionMLP2), then multi_modal_projector's input: in + 4 x projector dim each.
    case VisionScheme::llama4_tiles:
      return static_cast<double>(t.tiles * v.tokens_per_image) * (in + 4.0 * hidden) * e;
    case VisionScheme::pooled_fixed: return image_tokens * h * (4.0 + e);
    // InternVLMultiModalProjector: layer_norm (LayerNorm over the pixel-shuffled in = h / ratio^2 features),
    // linear_1 (input in) -> GELU -> linear_2 (input text hidden), over the image tokens.
    case VisionScheme::tiles: return image_tokens * (2.0 * in + 2.0 * hidden) * e;
    case VisionScheme::pixtral: {
      // Mistral3MultiModalProjector: norm over every patch, patch_merger.merging_layer over the merged
      // tokens (its input: in = h m^2), linear_1 (input h) -> GELU -> linear_2 (input text hidden).
      const double merged = positions / static_cast<double>(std::max<std::int64_t>(v.merge * v.merge, 1));
      return positions * h * rms + merged * (in + h + 2.0 * hidden) * e;
    }
    case VisionScheme::mobilenet:  // Gemma 3n: memory_gemma3n.cpp counts its embedder
    case VisionScheme::none: break;
  }
  return 0;
}

}  // namespace

const ExtraTower* find_tower(const ModelConfig& model, const char* name) {
  for (const ExtraTower& t : model.towers) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

MediaTerm vision_training_bytes(const ModelConfig& m, const MediaTokens& t, const ActivationConfig& c, double samples,
                                bool checkpointing) {
  MediaTerm out;
  if (m.vision_input.scheme == VisionScheme::mobilenet && t.images > 0) return mobilenet_training_bytes(m, t, c, samples);
  const ExtraTower* tower = find_tower(m, "vision");
  if (tower == nullptr || tower->stack.layers <= 0 || t.images <= 0 || t.tower_positions <= 0) return out;
  const TransformerStack& s = tower->stack;
  ActivationConfig tc = c;
  tc.dropout = false;
  const double images = static_cast<double>(t.images) * samples;
  const double positions = static_cast<double>(t.tower_positions);
  const double h = static_cast<double>(s.hidden_size);
  const double layers = static_cast<double>(s.layers);
  // Attention runs within one tile (InternVL: the tiles are a batch of crops): its span is positions / tiles.
  const double span = positions / static_cast<double>(std::max<std::int64_t>(t.tiles, 1));
  const double per_position = layer_activation_bytes_per_token(s, tc, span, false);
  const double blocks = checkpointing ? positions * (layers * h * c.residual + per_position) : positions * layers * per_position;
  const double pixels = positions * static_cast<double>(t.pixel_values_per_position) * (4.0 + c.compute);
  const double projector = projector_bytes(m.vision_input, t, h, c);
  out.bytes = images * (blocks + pixels + projector);
  out.formula = format("%.0f images (%lld per sample x %.0f samples) x [%s: %.0f positions x %s + pixel_values %.0f x "
                       "%lld x (4 + %.0f) B + projector %s] = %s per image; %s",
                       images, static_cast<long long>(t.images), samples,
                       checkpointing ? "checkpointed blocks" : "blocks", positions,
                       checkpointing ? format("(%.0f layers x %.0f h x %.0f B + one block %.0f B)", layers, h, c.residual,
                                              per_position).c_str()
                                     : format("%.0f layers x %.0f B", layers, per_position).c_str(),
                       positions, static_cast<long long>(t.pixel_values_per_position), c.compute, gib(projector).c_str(),
                       gib(blocks + pixels + projector).c_str(), t.rule.c_str());
  return out;
}

MediaTerm vision_inference_bytes(const ModelConfig& m, const MediaTokens& t, double compute_bytes, double tp,
                                 Attention attention, double sequences) {
  MediaTerm out;
  if (m.vision_input.scheme == VisionScheme::mobilenet && t.images > 0) {
    return mobilenet_inference_bytes(m, t, compute_bytes, sequences);
  }
  const ExtraTower* tower = find_tower(m, "vision");
  if (tower == nullptr || tower->stack.layers <= 0 || t.images <= 0 || t.tower_positions <= 0) return out;
  const TransformerStack& s = tower->stack;
  const double images = static_cast<double>(t.images) * sequences;
  const double positions = static_cast<double>(t.tower_positions);
  const double per_position = inference_layer_bytes_per_token(s, compute_bytes, tp, false);
  const double pixels = positions * static_cast<double>(t.pixel_values_per_position) * (4.0 + compute_bytes);
  const double crops = static_cast<double>(std::max<std::int64_t>(t.tiles, 1));
  const double scores =
      attention == Attention::eager ? eager_scores_bytes(s, crops, positions / crops, compute_bytes, tp) : 0.0;
  out.bytes = images * (positions * per_position + pixels + scores);
  out.formula = format("%.0f images x (%.0f positions x %.0f B (one block's working set) + pixel_values %.0f x %lld x "
                       "(4 + %.0f) B%s); %s",
                       images, positions, per_position, positions, static_cast<long long>(t.pixel_values_per_position),
                       compute_bytes, scores > 0 ? format(" + eager scores %s", gib(scores).c_str()).c_str() : "",
                       t.rule.c_str());
  return out;
}

// vllm/worker/enc_dec_model_runner.py profile_run (V0; commit 01b9fe69, and the late-2024 one): max_num_seqs dummy
// sequences, none capped by the multimodal tokens, each with limit_mm_per_prompt images from mllama.py's dummy
// encoder data (commit 005ad950: dummy_encoder_data_for_mllama, a 1024 x 1024 image; commit 6f0b37b8:
// MllamaDummyInputsBuilder at get_image_size_with_most_features): the processor pads pixel_values to
// max_num_tiles tiles whatever the image. MllamaForConditionalGeneration.get_cross_attention_states runs
// vision_model over the whole batch, whose output (batch, 1, tiles, num_patches, vision_output_dim) goes whole
// into multi_modal_projector (nn.Linear, later ColumnParallelLinear with gather_output: full on every TP rank),
// so input and output are alive together; the pixel values stay in the forward's kwargs (execute_model's
// MultiModalKwargs.as_kwargs in the model dtype). Everything else the profile holds (the vision encoder's
// dense aspect-ratio mask, its kept layer inputs, the decoder's cross-attention projections) is left out:
// docs/validation/accuracy.md "vllm10" says why.
MediaTerm vllm_mllama_profile_floor(const ModelConfig& m, double images, double compute_bytes) {
  const VisionInputSpec& v = m.vision_input;
  if (v.scheme != VisionScheme::mllama_tiles || v.patch <= 0 || images <= 0) return {};
  const double tiles = static_cast<double>(v.max_tiles);
  const double grid = static_cast<double>(v.image_size / v.patch);
  const double positions = tiles * (grid * grid + static_cast<double>(v.class_tokens));
  const double widths = static_cast<double>(v.projector_in + v.projector_out);
  const double pixels = tiles * static_cast<double>(v.channels * v.image_size * v.image_size);
  const double bytes = images * (positions * widths + pixels) * compute_bytes;
  return {bytes, format("vLLM V0 mllama profile, at least: %.0f dummy images x (%.0f positions (%.0f tiles x %.0f) x "
                        "(vision_output_dim %lld + projector out %lld) + pixel values %.0f tiles x %lld x %lld^2) x "
                        "%.0f B = %s",
                        images, positions, tiles, grid * grid + static_cast<double>(v.class_tokens),
                        static_cast<long long>(v.projector_in), static_cast<long long>(v.projector_out), tiles,
                        static_cast<long long>(v.channels), static_cast<long long>(v.image_size), compute_bytes,
                        gib(bytes).c_str())};
}

}  // namespace vramplan::memory
