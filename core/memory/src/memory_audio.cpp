// The audio encoder over the positions audio becomes (docs/memory-model.md "Images and audio").
//
// Whisper (modeling_whisper.py WhisperEncoder.forward): input_features [mel_bins x 3000] in fp32 from
// the feature extractor, cast to the compute dtype for conv1 (which keeps it); conv1 (stride 1) -> GELU
// -> conv2 (stride 2) -> GELU + embed_positions; GELU keeps its input and conv2 its input, so conv1's
// output and GELU's output (3000 x d each) and conv2's output (1500 x d) are saved. Then the encoder
// blocks over 1500 positions (the text block's per-position count with the encoder's shape), and the
// final layer_norm's input. Each decoder layer's cross-attention projects the encoder output to K and
// V (WhisperAttention k_proj / v_proj over encoder_hidden_states): 2 x 1500 x d saved per decoder
// layer, and in generation kept as the cross-attention cache (EncoderDecoderCache).
// wav2vec 2.0 (Wav2Vec2FeatureEncoder): conv layer i -> [GroupNorm (first layer) or LayerNorm (every
// layer with feat_extract_norm "layer")] -> GELU; conv's output (kept by the norm or GELU), the norm's
// output (kept by GELU) and GELU's output (kept by the next conv) per layer; the feature projection's
// LayerNorm input and normalised output (read by its Linear). Frames from media_tokens().
#include <algorithm>
#include <string>

#include "vramplan/memory_media.hpp"
#include "vramplan/text_format.hpp"

namespace vramplan::memory {
namespace {

using text::format;
using text::gib;

// Conv feature encoder tensors (elements) per sample: conv outputs, norm outputs and GELU outputs.
double conv_frontend_elements(const AudioInputSpec& a, double samples_in, double* largest_pair) {
  double length = samples_in;
  double total = 0;
  double previous = samples_in;
  *largest_pair = 0;
  for (std::size_t i = 0; i < a.conv_dim.size(); ++i) {
    length = std::max(0.0, static_cast<double>(static_cast<long long>((length - static_cast<double>(a.conv_kernel[i])) /
                                                                      static_cast<double>(a.conv_stride[i]))) + 1.0);
    const double out = length * static_cast<double>(a.conv_dim[i]);
    const bool norm = i == 0 || a.conv_norm_every_layer;
    total += out * (norm ? 3.0 : 2.0);
    *largest_pair = std::max(*largest_pair, previous + 2.0 * out);
    previous = out;
  }
  return total;
}

MediaTerm whisper_training(const ModelConfig& m, const MediaTokens& t, const ActivationConfig& c, double windows,
                           bool checkpointing) {
  MediaTerm out;
  const ExtraTower* tower = find_tower(m, "audio_encoder");
  if (tower == nullptr || tower->stack.layers <= 0) return out;
  const TransformerStack& s = tower->stack;
  ActivationConfig tc = c;
  tc.dropout = false;
  const double positions = static_cast<double>(t.audio_positions);
  const double frames = static_cast<double>(t.audio_input_frames);
  const double d = static_cast<double>(s.hidden_size);
  const double layers = static_cast<double>(s.layers);
  const double e = c.compute;
  const double mels = static_cast<double>(m.audio_input.mel_bins);
  const double per_position = layer_activation_bytes_per_token(s, tc, positions, false);
  const double frontend = mels * frames * (4.0 + e) + 2.0 * frames * d * e + positions * d * e;
  const double blocks = checkpointing ? positions * (layers * d * c.residual + per_position) : positions * layers * per_position;
  const double final_norm = positions * d * c.residual;
  const double cross = static_cast<double>(m.text.layers) * 2.0 * positions * static_cast<double>(m.text.hidden_size) * e /
                       std::max(1.0, c.tp);
  out.bytes = windows * (frontend + blocks + final_norm + cross);
  out.formula = format("%.0f windows x [conv front end %.0f mels x %.0f frames x (4 + %.0f) B + 2 x %.0f x %.0f d x %.0f B + "
                       "%.0f x %.0f x %.0f B = %s; %s: %.0f positions x %s = %s; final norm %s; decoder cross-attention "
                       "K,V %lld layers x 2 x %.0f positions x %lld x %.0f B = %s]; %s",
                       windows, mels, frames, e, frames, d, e, positions, d, e, gib(frontend).c_str(),
                       checkpointing ? "checkpointed blocks" : "blocks", positions,
                       checkpointing ? format("(%.0f layers x %.0f d x %.0f B + one block %.0f B)", layers, d, c.residual,
                                              per_position).c_str()
                                     : format("%.0f layers x %.0f B", layers, per_position).c_str(),
                       gib(blocks).c_str(), gib(final_norm).c_str(), static_cast<long long>(m.text.layers), positions,
                       static_cast<long long>(m.text.hidden_size), e, gib(cross).c_str(), t.rule.c_str());
  return out;
}

}  // namespace

MediaTerm audio_training_bytes(const ModelConfig& m, const MediaTokens& t, const ActivationConfig& c, double samples,
                               bool checkpointing) {
  const AudioInputSpec& a = m.audio_input;
  const double windows = static_cast<double>(t.audio_windows) * samples;
  if (t.audio_windows <= 0 || t.audio_positions <= 0) return {};
  if (a.scheme == AudioScheme::whisper_windows) return whisper_training(m, t, c, windows, checkpointing);
  if (a.scheme == AudioScheme::usm_conformer) return usm_training_bytes(m, t, c, windows);
  if (a.scheme != AudioScheme::conv_frames || a.conv_dim.empty()) return {};
  MediaTerm out;
  double pair = 0;
  const double samples_in = static_cast<double>(t.audio_input_frames);
  const double conv = conv_frontend_elements(a, samples_in, &pair) * c.compute;
  const double projection = static_cast<double>(t.audio_positions) * static_cast<double>(a.conv_dim.back()) * 2.0 * c.compute;
  const double waveform = samples_in * 4.0;
  out.bytes = windows * (conv + projection + waveform);
  out.formula = format("%.0f samples x [conv feature encoder (conv, norm, GELU outputs) %s + feature projection %.0f "
                       "frames x %lld x 2 x %.0f B + waveform %.0f x 4 B] (a frozen feature encoder, "
                       "freeze_feature_encoder(), keeps none of it); %s",
                       windows, gib(conv).c_str(), static_cast<double>(t.audio_positions),
                       static_cast<long long>(a.conv_dim.back()), c.compute, samples_in, t.rule.c_str());
  return out;
}

MediaTerm audio_inference_bytes(const ModelConfig& m, const MediaTokens& t, double compute_bytes, double tp,
                                double sequences) {
  MediaTerm out;
  const AudioInputSpec& a = m.audio_input;
  if (t.audio_windows <= 0 || t.audio_positions <= 0) return out;
  const double windows = static_cast<double>(t.audio_windows) * sequences;
  const double e = compute_bytes;
  if (a.scheme == AudioScheme::usm_conformer) return usm_inference_bytes(m, t, compute_bytes, windows);
  if (a.scheme == AudioScheme::whisper_windows) {
    const ExtraTower* tower = find_tower(m, "audio_encoder");
    if (tower == nullptr || tower->stack.layers <= 0) return out;
    const double positions = static_cast<double>(t.audio_positions);
    const double frames = static_cast<double>(t.audio_input_frames);
    const double d = static_cast<double>(tower->stack.hidden_size);
    const double block = positions * inference_layer_bytes_per_token(tower->stack, e, tp, false);
    const double frontend = static_cast<double>(a.mel_bins) * frames * (4.0 + e) + 2.0 * frames * d * e;
    out.bytes = windows * std::max(block, frontend);
    out.formula = format("%.0f windows x max(one encoder block %.0f positions = %s, conv front end %s); %s", windows,
                         positions, gib(block).c_str(), gib(frontend).c_str(), t.rule.c_str());
    return out;
  }
  double pair = 0;
  conv_frontend_elements(a, static_cast<double>(t.audio_input_frames), &pair);
  out.bytes = windows * pair * e;
  out.formula = format("%.0f samples x the largest conv layer's input + output and GELU output %s; %s", windows,
                       gib(pair * e).c_str(), t.rule.c_str());
  return out;
}

MediaTerm cross_attention_cache_bytes(const ModelConfig& m, const MediaTokens& t, double kv_bytes, double tp,
                                      double sequences) {
  MediaTerm out;
  if (m.audio_input.scheme != AudioScheme::whisper_windows || t.audio_positions <= 0) return out;
  const double layers = static_cast<double>(m.text.layers);
  const double kv_dim = static_cast<double>(m.text.num_heads * m.text.head_dim);
  const double positions = static_cast<double>(t.audio_positions);
  out.bytes = sequences * layers * 2.0 * positions * kv_dim * kv_bytes / std::max(1.0, tp);
  out.formula = format("%.0f sequences x %.0f decoder layers x 2 (K,V) x %.0f encoder positions x %.0f x %.0f B / tp %.0f",
                       sequences, layers, positions, kv_dim, kv_bytes, std::max(1.0, tp));
  return out;
}

}  // namespace vramplan::memory
