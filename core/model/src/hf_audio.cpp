// Speech models: Whisper (audio encoder + text decoder).
// Every default is the transformers configuration class default named beside it (hf_config.cpp says why).
#include <cstdint>

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
}

}  // namespace vramplan::hf
