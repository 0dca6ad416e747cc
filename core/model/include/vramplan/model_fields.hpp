// Every field of a ModelConfig, in declaration order, handed to a visitor: the catalog's models are compiled
// in as plain values (core/model/src/embedded_models.cpp), written from what model_from_hf_config reads out
// of data/models.json (tools/catalog_check.cpp --write-models) and read back into ModelConfigs without
// parsing JSON (catalog.cpp). One list serves the writer, the reader and the comparison, so they cannot
// disagree; tests/unit/model/test_catalog_lazy.cpp checks that it leaves out no member of these structs
// (every byte a default-constructed ModelConfig writes belongs to a visited member).
//
// A visitor has `void operator()(T& field)` for std::int64_t, bool, std::string, the enums (kept as their
// underlying integers), std::vector<std::int64_t> and std::vector<std::string>, and
// `template <class T, class Each> void list(std::vector<T>& items, Each each)` for a list of structs.
// `M` is the struct or its const form (a writer reads a const ModelConfig).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vramplan/model.hpp"

namespace vramplan::model_fields {

template <class V, class M>
void visit_mla(V& v, M& m) {
  v(m.q_lora_rank), v(m.kv_lora_rank), v(m.qk_nope_head_dim), v(m.qk_rope_head_dim), v(m.v_head_dim);
}

template <class V, class M>
void visit_moe(V& v, M& m) {
  v(m.num_experts), v(m.experts_per_token), v(m.expert_intermediate), v(m.shared_experts), v(m.shared_intermediate);
  v(m.first_dense_layers), v(m.layer_freq), v(m.router_bias), v(m.shared_expert_gate), v(m.moe_layers);
}

template <class V, class M>
void visit_linear_attention(V& v, M& m) {
  v(m.layers), v(m.num_k_heads), v(m.num_v_heads), v(m.head_k_dim), v(m.head_v_dim), v(m.conv_kernel);
}

template <class V, class M>
void visit_stack(V& v, M& s) {
  v(s.layers), v(s.hidden_size), v(s.num_heads), v(s.num_kv_heads), v(s.head_dim), v(s.intermediate_size);
  v(s.attention);
  visit_mla(v, s.mla);
  visit_moe(v, s.moe);
  v(s.mlp), v(s.norm), v(s.qkv_bias), v(s.o_bias), v(s.mlp_bias), v(s.qk_norm), v(s.attn_output_gate);
  v(s.qk_norm_full_width), v(s.k_bias), v(s.norms_per_layer), v(s.cross_attention), v(s.sliding_window);
  v(s.sliding_window_layers), v(s.python_tanh_gelu), v(s.hidden_dropout), v(s.extra_block_params);
  visit_linear_attention(v, s.linear_attention);
  v(s.cross_attention_layers), v(s.cross_attention_positions), v(s.cross_layer_extra_params);
  v(s.kv_shared_layers), v(s.kv_shared_window_layers), v(s.residual_streams), v(s.extra_saved_per_token);
}

template <class V, class M>
void visit_tower(V& v, M& t) {
  v(t.name), v(t.params);
  visit_stack(v, t.stack);
  v(t.block_params);
}

template <class V, class M>
void visit_vision(V& v, M& x) {
  v(x.scheme), v(x.patch), v(x.merge), v(x.temporal), v(x.channels), v(x.image_size), v(x.class_tokens);
  v(x.tokens_per_image), v(x.min_tiles), v(x.max_tiles), v(x.thumbnail), v(x.marker_tokens), v(x.min_pixels);
  v(x.max_pixels), v(x.projector_in), v(x.projector_hidden), v(x.projector_out), v(x.cnn_saved_elements);
  v(x.cnn_peak_elements);
}

template <class V, class M>
void visit_audio(V& v, M& a) {
  v(a.scheme), v(a.sampling_rate), v(a.mel_bins), v(a.window_positions), v(a.conv_dim), v(a.conv_kernel);
  v(a.conv_stride), v(a.conv_norm_every_layer), v(a.max_samples), v(a.frame_length), v(a.hop_length);
  v(a.pad_multiple), v(a.conv_freq), v(a.encoder_hidden), v(a.encoder_layers), v(a.encoder_heads);
  v(a.attention_context), v(a.reduction), v(a.soft_tokens), v(a.marker_tokens), v(a.projector_out);
}

template <class V, class M>
void visit_model(V& v, M& m) {
  v(m.id), v(m.model_type), v(m.architecture), v(m.kind);
  visit_stack(v, m.text);
  v(m.vocab_size), v(m.extra_embedding_rows), v(m.per_layer_embedding_params), v(m.max_position_embeddings);
  v(m.learned_position_embeddings), v(m.token_type_embeddings), v(m.tie_word_embeddings), v(m.token_embeddings);
  v(m.embedding_norm), v(m.final_norm), v(m.lm_head_bias), v(m.mlm_head), v(m.pooler), v(m.nextn_predict_layers);
  v.list(m.towers, [&v](auto& tower) { visit_tower(v, tower); });
  visit_vision(v, m.vision_input);
  visit_audio(v, m.audio_input);
  v(m.counter), v(m.count_assumptions), v(m.num_labels), v(m.classifier_dense), v(m.torch_dtype);
  v(m.model_warnings);
}

// A ModelConfig as plain values: its numbers (integers, booleans, enums, list lengths) and its strings, each in
// visit_model's order.
struct FlatModel {
  std::vector<std::int64_t> cells;
  std::vector<std::string> strings;
  bool operator==(const FlatModel& other) const { return cells == other.cells && strings == other.strings; }
};
FlatModel flatten(const ModelConfig& model);
// The inverse of flatten, from arrays the build compiled in (`cells` and `strings` as flatten wrote them).
ModelConfig unflatten(const long long* cells, const char* const* strings);

}  // namespace vramplan::model_fields
