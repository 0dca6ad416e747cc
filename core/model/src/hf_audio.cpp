// Speech models: Whisper (audio encoder + text decoder), wav2vec 2.0 (convolutional feature encoder +
// transformer encoder + CTC head).
// Every default is the transformers configuration class default named beside it (hf_config.cpp says why).
#include <cstdint>
#include <string>
#include <vector>

#include "hf_common.hpp"
#include "hf_families.hpp"
#include "vramplan/json_reader.hpp"
#include "vramplan/model.hpp"

namespace vramplan::hf {

// WhisperConfig: vocab 51865, num_mel_bins 80, heads 6, ffn 1536, max_source_positions 1500,
// max_target_positions 448, tie True. WhisperAttention: k_proj bias=False, q/v/out_proj with bias.
// WhisperEncoder: conv1 Conv1d(num_mel_bins, d_model, 3), conv2 Conv1d(d_model, d_model, 3, stride 2),
// embed_positions Embedding(max_source_positions, d_model) (a Parameter, frozen), layers, layer_norm.
// WhisperDecoder: embed_tokens, embed_positions (max_target_positions), layers with self and cross
// attention (three LayerNorms each), layer_norm; proj_out tied to embed_tokens.
void parse_whisper(ObjectReader& r, ModelConfig& m) {
  const std::int64_t d = r.required_integer("d_model", 1, kMaxHidden);
  const std::int64_t enc_layers = r.required_integer("encoder_layers", 1, kMaxLayers);
  const std::int64_t dec_layers = r.required_integer("decoder_layers", 1, kMaxLayers);
  const std::int64_t enc_heads = r.integer("encoder_attention_heads", 1, kMaxHeads, 6);
  const std::int64_t dec_heads = r.integer("decoder_attention_heads", 1, kMaxHeads, 6);
  const std::int64_t enc_ffn = r.integer("encoder_ffn_dim", 1, kMaxIntermediate, 1536);
  const std::int64_t dec_ffn = r.integer("decoder_ffn_dim", 1, kMaxIntermediate, 1536);
  const std::int64_t mels = r.integer("num_mel_bins", 1, kMaxChannels, 80);
  const std::int64_t src_pos = r.integer("max_source_positions", 1, kMaxPositions, 1500);
  const std::int64_t tgt_pos = r.integer("max_target_positions", 1, kMaxPositions, 448);
  m.vocab_size = r.integer("vocab_size", 1, kMaxVocab, 51865);
  m.tie_word_embeddings = r.boolean("tie_word_embeddings", true);
  m.kind = ModelKind::encoder_decoder;
  m.max_position_embeddings = tgt_pos;
  m.learned_position_embeddings = tgt_pos;

  TransformerStack dec = mha_stack(dec_layers, d, dec_heads,
                                   read_head_dim(r, d, dec_heads, 0, "d_model", "decoder_attention_heads", false),
                                   dec_ffn);
  use_biased_layernorm_block(dec);
  dec.k_bias = false;
  dec.cross_attention = true;
  dec.norms_per_layer = 3;
  m.text = dec;

  TransformerStack enc = mha_stack(enc_layers, d, enc_heads,
                                   read_head_dim(r, d, enc_heads, 0, "d_model", "encoder_attention_heads", false),
                                   enc_ffn);
  use_biased_layernorm_block(enc);
  enc.k_bias = false;

  // One encoder layer: self attention (4 d^2 + 3 d, k_proj has no bias), two LayerNorms, fc1, fc2.
  const std::int64_t attention = add(mul(4, mul(d, d)), mul(3, d));
  const std::int64_t mlp = add(add(mul(2, mul(d, enc_ffn)), enc_ffn), d);
  const std::int64_t block = add(add(attention, mlp), mul(4, d));
  std::int64_t total = add(mul(mul(mels, d), 3), d);    // conv1 (kernel 3) + bias
  total = add(total, add(mul(mul(d, d), 3), d));        // conv2 (kernel 3) + bias
  total = add(total, mul(src_pos, d));                  // embed_positions
  total = add(total, mul(enc_layers, block));           // layers
  total = add(total, mul(2, d));                        // layer_norm
  ExtraTower tower;
  tower.name = "audio_encoder";
  tower.params = total;
  tower.stack = enc;
  tower.block_params = block;
  m.towers.push_back(tower);
  m.audio_input.scheme = AudioScheme::whisper_windows;
  m.audio_input.mel_bins = mels;
  m.audio_input.window_positions = src_pos;
}

namespace {

// An integer list such as conv_dim (1 to 64 entries), each in [lo, hi].
std::vector<std::int64_t> read_int_list(ObjectReader& r, const char* key, std::vector<std::int64_t> fallback,
                                        std::int64_t lo, std::int64_t hi) {
  const Json* v = r.find(key);
  if (v == nullptr) return fallback;
  const std::string p = r.pointer_of(key);
  if (!v->is_array() || v->empty() || v->size() > 64) fail(p, "must be an array of 1 to 64 integers");
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; i < v->size(); ++i) out.push_back(read_integer((*v)[i], pointer_append(p, i), lo, hi));
  return out;
}

// Wav2Vec2FeatureEncoder + Wav2Vec2FeatureProjection + masked_spec_embed + Wav2Vec2PositionalConvEmbedding
// (modeling_wav2vec2.py): conv layer i is Conv1d(conv_dim[i-1] (1 for the waveform), conv_dim[i],
// conv_kernel[i], bias = conv_bias); feat_extract_norm "group" puts one GroupNorm(conv_dim[0]) (affine)
// after the first, "layer" a LayerNorm(conv_dim[i]) after each; the projection is a LayerNorm(conv_dim[-1])
// and Linear(conv_dim[-1], hidden); masked_spec_embed (hidden) exists when mask_time_prob or
// mask_feature_prob is above 0; pos_conv_embed is Conv1d(hidden, hidden, num_conv_pos_embeddings, groups =
// num_conv_pos_embedding_groups) under weight_norm(dim=2): weight_v (hidden x hidden/groups x kernel),
// weight_g (1 x 1 x kernel) and a bias.
std::int64_t wav2vec2_frontend(ObjectReader& r, std::int64_t hidden, AudioInputSpec& spec) {
  const std::vector<std::int64_t> dims = read_int_list(r, "conv_dim", std::vector<std::int64_t>(7, 512), 1, kMaxHidden);
  const std::vector<std::int64_t> kernels = read_int_list(r, "conv_kernel", {10, 3, 3, 3, 3, 2, 2}, 1, 65536);
  const std::vector<std::int64_t> strides = read_int_list(r, "conv_stride", {5, 2, 2, 2, 2, 2, 2}, 1, 65536);
  if (kernels.size() != dims.size()) fail(r.pointer_of("conv_kernel"), "must have one entry per conv_dim entry");
  if (strides.size() != dims.size()) fail(r.pointer_of("conv_stride"), "must have one entry per conv_dim entry");
  const bool bias = r.boolean("conv_bias", false);
  const std::string norm = r.choice("feat_extract_norm", {"group", "layer"}, "group");
  spec.scheme = AudioScheme::conv_frames;
  spec.conv_dim = dims;
  spec.conv_kernel = kernels;
  spec.conv_stride = strides;
  spec.conv_norm_every_layer = norm == "layer";
  std::int64_t total = 0;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    const std::int64_t in = i == 0 ? 1 : dims[i - 1];
    total = add(total, add(mul(mul(in, dims[i]), kernels[i]), bias ? dims[i] : 0));
    if (norm == "layer" || i == 0) total = add(total, mul(2, dims[i]));
  }
  const std::int64_t last = dims.back();
  total = add(total, add(mul(2, last), add(mul(last, hidden), hidden)));  // feature_projection
  const bool masked = r.number("mask_time_prob", 0.0, 1.0, 0.05) > 0.0 || r.number("mask_feature_prob", 0.0, 1.0, 0.0) > 0.0;
  if (masked) total = add(total, hidden);
  const std::int64_t kernel = r.integer("num_conv_pos_embeddings", 1, 65536, 128);
  const std::int64_t groups = r.integer("num_conv_pos_embedding_groups", 1, kMaxHeads, 16);
  if (hidden % groups != 0) {
    fail(r.pointer_of("num_conv_pos_embedding_groups"), "must divide hidden_size (" + str(hidden) + "), got " + str(groups));
  }
  total = add(total, add(add(mul(mul(hidden, hidden / groups), kernel), kernel), hidden));  // pos_conv_embed
  return total;
}

}  // namespace

// Wav2Vec2Config: vocab 32, heads 12, feat_extract_norm "group", conv_dim (512,)*7, conv_kernel
// (10,3,3,3,3,2,2), conv_bias False, num_conv_pos_embeddings 128 in 16 groups, mask_time_prob 0.05,
// do_stable_layer_norm False, add_adapter False. Wav2Vec2EncoderLayer (and ...StableLayerNorm): attention
// q/k/v/out_proj with bias, layer_norm, feed_forward intermediate_dense / output_dense with bias,
// final_layer_norm; Wav2Vec2Encoder.layer_norm (before the layers, after them with do_stable_layer_norm).
// Wav2Vec2ForCTC: lm_head Linear(hidden, vocab_size) with bias; Wav2Vec2Model has no head. Other heads
// (pre-training quantizer, sequence classification, adapters) are counted generically.
void parse_wav2vec2(ObjectReader& r, ModelConfig& m) {
  const std::string& arch = m.architecture;
  const bool ctc = arch.empty() || arch == "Wav2Vec2ForCTC";
  if ((!ctc && arch != "Wav2Vec2Model") || r.boolean("add_adapter", false)) {
    count_generically(r, m);
    return;
  }
  TransformerStack& s = m.text;
  s.hidden_size = r.required_integer("hidden_size", 1, kMaxHidden);
  s.layers = r.required_integer("num_hidden_layers", 1, kMaxLayers);
  s.intermediate_size = r.required_integer("intermediate_size", 1, kMaxIntermediate);
  s.num_heads = r.integer("num_attention_heads", 1, kMaxHeads, 12);
  s.num_kv_heads = s.num_heads;
  s.head_dim = read_head_dim(r, s.hidden_size, s.num_heads, 0, "hidden_size", "num_attention_heads", false);
  use_biased_layernorm_block(s);
  m.kind = ModelKind::encoder;
  m.token_embeddings = false;
  m.vocab_size = r.integer("vocab_size", 1, kMaxVocab, 32);
  const bool stable = r.boolean("do_stable_layer_norm", false);
  m.embedding_norm = !stable;
  m.final_norm = stable;
  m.num_labels = ctc ? m.vocab_size : 0;  // the CTC lm_head, counted as a per-frame classifier
  m.max_position_embeddings = 0;  // convolutional positions: no table, no limit (0: unchecked)
  ExtraTower tower;
  tower.name = "audio_frontend";
  tower.params = wav2vec2_frontend(r, s.hidden_size, m.audio_input);
  m.towers.push_back(tower);
}

}  // namespace vramplan::hf
