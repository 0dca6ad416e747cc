// Hugging Face config.json -> ModelConfig.
//
// Every default below is the default of the transformers configuration class named beside it
// (src/transformers/models/<type>/configuration_<type>.py): real config.json files omit keys whose value
// equals the class default (google/gemma-3-4b-it's text_config names only hidden_size,
// intermediate_size and num_hidden_layers), so those defaults are part of the format.
// hidden_size, num_hidden_layers and intermediate_size (or their GPT-2/DistilBERT/Whisper names) are
// required: they set the model's size, every real config names them, and guessing them would be wrong.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "hf_common.hpp"
#include "hf_generic.hpp"
#include "vramplan/json_reader.hpp"
#include "vramplan/model.hpp"

namespace vramplan {
namespace {

using namespace hf;  // the readers and checked arithmetic shared by every family (hf_common.hpp)



// Qwen2/Qwen3 (and their MoE and VL variants): sliding windows only with use_sliding_window, on layers
// with index >= max_window_layers (configuration_qwen2.py: layer_types default).
void read_qwen_sliding(ObjectReader& r, ModelConfig& m, std::int64_t max_window_layers_default) {
  const bool use = r.boolean("use_sliding_window", false);
  if (!use) return;
  m.text.sliding_window = read_sliding_window(r, 4096);
  const std::int64_t from_types = count_sliding_layer_types(r, m.text.layers);
  if (from_types >= 0) {
    m.text.sliding_window_layers = from_types;
  } else {
    const std::int64_t mwl = r.integer("max_window_layers", 0, kMaxLayers, max_window_layers_default);
    m.text.sliding_window_layers = std::max<std::int64_t>(0, m.text.layers - mwl);
  }
}

// Layer indices listed in e.g. mlp_only_layers, each checked to be a layer index.
std::vector<bool> read_layer_set(ObjectReader& r, const char* key, std::int64_t layers) {
  std::vector<bool> set(static_cast<std::size_t>(layers), false);
  const Json* v = r.find(key);
  if (!v) return set;
  const std::string p = r.pointer_of(key);
  if (!v->is_array()) fail(p, "must be an array of layer indices, got " + describe_value(*v));
  for (std::size_t i = 0; i < v->size(); ++i) {
    const std::int64_t idx = read_integer((*v)[i], pointer_append(p, i), 0, layers - 1);
    set[static_cast<std::size_t>(idx)] = true;
  }
  return set;
}


// Qwen2-MoE / Qwen3-MoE: a layer is sparse when it is not in mlp_only_layers and
// (layer_idx + 1) % decoder_sparse_step == 0 (modeling_qwen2_moe.py Qwen2MoeDecoderLayer.__init__).
std::int64_t count_qwen_moe_layers(ObjectReader& r, std::int64_t layers) {
  const std::int64_t step = r.integer("decoder_sparse_step", 1, kMaxLayers, 1);
  const std::vector<bool> mlp_only = read_layer_set(r, "mlp_only_layers", layers);
  std::int64_t n = 0;
  for (std::int64_t i = 0; i < layers; ++i) {
    if (!mlp_only[static_cast<std::size_t>(i)] && (i + 1) % step == 0) ++n;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------------
// Families

// LlamaConfig (configuration_llama.py): vocab 32000, heads 32, kv = heads, max_pos 2048, tie False;
// LlamaAttention q/k/v/o bias = attention_bias, LlamaMLP bias = mlp_bias.
void parse_llama(ObjectReader& r, ModelConfig& m) {
  read_decoder_common(r, {32000, 32, 0, 0, 2048, false}, m);
  const bool attention_bias = r.boolean("attention_bias", false);
  m.text.qkv_bias = attention_bias;
  m.text.o_bias = attention_bias;
  m.text.mlp_bias = r.boolean("mlp_bias", false);
}

// MistralConfig: vocab 32000, heads 32, kv 8, head_dim None (hidden/heads; Mistral-Nemo sets 128),
// max_pos 4096*32, tie False, sliding_window 4096 (on every layer; null in v0.2+ configs).
void parse_mistral(ObjectReader& r, ModelConfig& m) {
  read_decoder_common(r, {32000, 32, 8, 0, 4096 * 32, false}, m);
  if (r.raw().contains("sliding_window") && r.raw().at("sliding_window").is_null()) {
    r.find("sliding_window");
  } else {
    m.text.sliding_window = read_sliding_window(r, 4096);
    m.text.sliding_window_layers = m.text.layers;
  }
}

// MixtralConfig: vocab 32000, heads 32, kv 8, max_pos 4096*32, tie False, sliding_window None,
// num_local_experts 8, num_experts_per_tok 2; MixtralSparseMoeBlock: gate Linear(hidden, experts,
// bias=False), experts of width intermediate_size, on every layer.
void parse_mixtral(ObjectReader& r, ModelConfig& m) {
  read_decoder_common(r, {32000, 32, 8, 0, 4096 * 32, false}, m);
  const std::int64_t sw = r.integer("sliding_window", 1, kMaxPositions, 0);
  if (sw > 0) {
    m.text.sliding_window = sw;
    m.text.sliding_window_layers = m.text.layers;
  }
  MoeConfig& moe = m.text.moe;
  moe.num_experts = r.integer("num_local_experts", 1, kMaxExperts, 8);
  moe.experts_per_token = r.integer("num_experts_per_tok", 1, kMaxExperts, 2);
  check_top_k(r, "num_experts_per_tok", moe);
  moe.expert_intermediate = m.text.intermediate_size;
  moe.moe_layers = m.text.layers;
}

// Qwen2Config: vocab 151936, heads 32, kv 32, max_pos 32768, tie False, max_window_layers 28;
// Qwen2Attention: q/k/v bias=True, o_proj bias=False.
void parse_qwen2(ObjectReader& r, ModelConfig& m) {
  read_decoder_common(r, {151936, 32, 32, 0, 32768, false}, m);
  m.text.qkv_bias = true;
  read_qwen_sliding(r, m, 28);
}

// Qwen2MoeConfig: vocab 151936, heads 16, kv 16, max_pos 32768, tie False, num_experts 60, top-k 4,
// moe_intermediate_size 1408, shared_expert_intermediate_size 5632, qkv_bias True;
// Qwen2MoeSparseMoeBlock: gate Linear(hidden, experts, bias=False), one shared expert and a
// shared_expert_gate Linear(hidden, 1, bias=False).
void parse_qwen2_moe(ObjectReader& r, ModelConfig& m) {
  read_decoder_common(r, {151936, 16, 16, 0, 32768, false}, m);
  m.text.qkv_bias = r.boolean("qkv_bias", true);
  read_qwen_sliding(r, m, 28);
  MoeConfig& moe = m.text.moe;
  moe.num_experts = r.integer("num_experts", 1, kMaxExperts, 60);
  moe.experts_per_token = r.integer("num_experts_per_tok", 1, kMaxExperts, 4);
  check_top_k(r, "num_experts_per_tok", moe);
  moe.expert_intermediate = r.integer("moe_intermediate_size", 1, kMaxIntermediate, 1408);
  moe.shared_intermediate = r.integer("shared_expert_intermediate_size", 1, kMaxIntermediate, 5632);
  moe.shared_experts = 1;
  moe.shared_expert_gate = true;
  moe.moe_layers = count_qwen_moe_layers(r, m.text.layers);
}

// Qwen3Config: vocab 151936, heads 32, kv 32, head_dim 128, max_pos 32768, tie False, attention_bias
// False; Qwen3Attention: q_norm/k_norm = Qwen3RMSNorm(head_dim).
void parse_qwen3(ObjectReader& r, ModelConfig& m) {
  read_decoder_common(r, {151936, 32, 32, 128, 32768, false}, m);
  const bool attention_bias = r.boolean("attention_bias", false);
  m.text.qkv_bias = attention_bias;
  m.text.o_bias = attention_bias;
  m.text.qk_norm = true;
  read_qwen_sliding(r, m, 28);
}

// Qwen3MoeConfig: vocab 151936, heads 32, kv 4, head_dim hidden/heads unless given, max_pos 32768,
// tie False, num_experts 128, top-k 8, moe_intermediate_size 768; Qwen3MoeSparseMoeBlock: gate
// Linear(hidden, experts, bias=False), no shared expert.
void parse_qwen3_moe(ObjectReader& r, ModelConfig& m) {
  read_decoder_common(r, {151936, 32, 4, 0, 32768, false}, m);
  const bool attention_bias = r.boolean("attention_bias", false);
  m.text.qkv_bias = attention_bias;
  m.text.o_bias = attention_bias;
  m.text.qk_norm = true;
  read_qwen_sliding(r, m, 28);
  MoeConfig& moe = m.text.moe;
  moe.num_experts = r.integer("num_experts", 1, kMaxExperts, 128);
  moe.experts_per_token = r.integer("num_experts_per_tok", 1, kMaxExperts, 8);
  check_top_k(r, "num_experts_per_tok", moe);
  moe.expert_intermediate = r.integer("moe_intermediate_size", 1, kMaxIntermediate, 768);
  moe.moe_layers = count_qwen_moe_layers(r, m.text.layers);
}

// GemmaConfig: vocab 256000, heads 16, kv 16, head_dim 256, max_pos 8192, tie True, attention_bias False.
void parse_gemma(ObjectReader& r, ModelConfig& m) {
  read_decoder_common(r, {256000, 16, 16, 256, 8192, true}, m);
  const bool attention_bias = r.boolean("attention_bias", false);
  m.text.qkv_bias = attention_bias;
  m.text.o_bias = attention_bias;
}

// Gemma2Config: vocab 256000, heads 8, kv 4, head_dim 256, max_pos 8192, tie True, sliding_window 4096
// on even layers (Gemma2DecoderLayer: is_sliding = not bool(layer_idx % 2)); four norms per layer
// (input, post_attention, pre_feedforward, post_feedforward).
void parse_gemma2(ObjectReader& r, ModelConfig& m) {
  read_decoder_common(r, {256000, 8, 4, 256, 8192, true}, m);
  const bool attention_bias = r.boolean("attention_bias", false);
  m.text.qkv_bias = attention_bias;
  m.text.o_bias = attention_bias;
  m.text.norms_per_layer = 4;
  m.text.sliding_window = read_sliding_window(r, 4096);
  const std::int64_t from_types = count_sliding_layer_types(r, m.text.layers);
  m.text.sliding_window_layers = from_types >= 0 ? from_types : (m.text.layers + 1) / 2;
}

// Gemma3TextConfig: vocab 262208, heads 8, kv 4, head_dim 256, max_pos 131072, tie True,
// sliding_window 4096, sliding_window_pattern 6 (Gemma3DecoderLayer: is_sliding =
// bool((layer_idx + 1) % sliding_window_pattern): five local layers, then one global); q_norm/k_norm =
// Gemma3RMSNorm(head_dim); four norms per layer as in Gemma 2.
void parse_gemma3_text(ObjectReader& r, ModelConfig& m) {
  read_decoder_common(r, {262208, 8, 4, 256, 131072, true}, m);
  const bool attention_bias = r.boolean("attention_bias", false);
  m.text.qkv_bias = attention_bias;
  m.text.o_bias = attention_bias;
  m.text.qk_norm = true;
  m.text.norms_per_layer = 4;
  m.text.sliding_window = read_sliding_window(r, 4096);
  const std::int64_t from_types = count_sliding_layer_types(r, m.text.layers);
  if (from_types >= 0) {
    m.text.sliding_window_layers = from_types;
  } else {
    std::int64_t pattern = 6;
    if (r.has("sliding_window_pattern")) {
      pattern = r.required_integer("sliding_window_pattern", 1, kMaxLayers);
    } else {
      pattern = r.integer("_sliding_window_pattern", 1, kMaxLayers, 6);
    }
    m.text.sliding_window_layers = m.text.layers - m.text.layers / pattern;
  }
}

// PhiConfig: vocab 51200, heads 32, kv = heads, max_pos 2048, tie False, qk_layernorm False;
// PhiDecoderLayer: one LayerNorm (attention and MLP in parallel); PhiAttention q/k/v/dense bias=True;
// PhiMLP fc1/fc2 with bias; PhiForCausalLM lm_head bias=True.
void parse_phi(ObjectReader& r, ModelConfig& m) {
  read_decoder_common(r, {51200, 32, 0, 0, 2048, false}, m, /*honor_head_dim=*/false);
  TransformerStack& s = m.text;
  s.norm = NormKind::layer;
  s.mlp = MlpKind::plain;
  s.qkv_bias = true;
  s.o_bias = true;
  s.mlp_bias = true;
  s.norms_per_layer = 1;
  s.qk_norm = r.boolean("qk_layernorm", false);
  m.lm_head_bias = true;
  // PhiConfig defaults: hidden_act "gelu_new", resid_pdrop 0.0 (Phi-2's config.json sets 0.1).
  s.python_tanh_gelu = r.string("hidden_act", "gelu_new", 64) == "gelu_new";
  s.hidden_dropout = r.number("resid_pdrop", 0.0, 1.0, 0.0) > 0.0;
}

// Phi3Config: vocab 32064, heads 32, kv = heads, max_pos 4096, tie False, sliding_window None (2047 in
// Phi-3-mini-4k, on every layer); Phi3Attention qkv_proj and o_proj without bias; Phi3MLP gate_up_proj
// (fused) and down_proj without bias.
void parse_phi3(ObjectReader& r, ModelConfig& m) {
  read_decoder_common(r, {32064, 32, 0, 0, 4096, false}, m);
  const std::int64_t sw = r.integer("sliding_window", 1, kMaxPositions, 0);
  if (sw > 0) {
    m.text.sliding_window = sw;
    m.text.sliding_window_layers = m.text.layers;
  }
}

// Olmo2Config: vocab 50304, heads 32, kv = heads, max_pos 2048, tie False, attention_bias False;
// Olmo2Attention: q_norm = Olmo2RMSNorm(heads * head_dim), k_norm = Olmo2RMSNorm(kv_heads * head_dim);
// Olmo2DecoderLayer has post_attention_layernorm and post_feedforward_layernorm only (no input norm).
void parse_olmo2(ObjectReader& r, ModelConfig& m) {
  read_decoder_common(r, {50304, 32, 0, 0, 2048, false}, m);
  const bool attention_bias = r.boolean("attention_bias", false);
  m.text.qkv_bias = attention_bias;
  m.text.o_bias = attention_bias;
  m.text.qk_norm = true;
  m.text.qk_norm_full_width = true;
  m.text.norms_per_layer = 2;
}

// DeepseekV3Config (configuration_deepseek_v3.py): vocab 129280, heads 128, kv 128, max_pos 4096,
// tie False, q_lora_rank 1536 (None: plain q_proj), kv_lora_rank 512, qk_nope_head_dim 128,
// qk_rope_head_dim 64, v_head_dim 128, n_routed_experts 256, n_shared_experts 1, top-k 8,
// moe_intermediate_size 2048, first_k_dense_replace 3.
// DeepseekV2Config: vocab 102400, heads 32, kv 32, max_pos 2048, n_routed_experts None (dense),
// n_shared_experts None, num_experts_per_tok None, moe_intermediate_size 1407, first_k_dense_replace 0.
// A layer is MoE when layer_idx >= first_k_dense_replace and layer_idx % moe_layer_freq == 0
// (deepseek-ai's modeling_deepseek.py; transformers' DeepseekV3DecoderLayer ignores moe_layer_freq,
// which is 1 in every released config).
void parse_deepseek(ObjectReader& r, ModelConfig& m, bool v3) {
  const DecoderDefaults d = v3 ? DecoderDefaults{129280, 128, 128, 0, 4096, false}
                               : DecoderDefaults{102400, 32, 32, 0, 2048, false};
  TransformerStack& s = m.text;
  s.hidden_size = r.required_integer("hidden_size", 1, kMaxHidden);
  s.layers = r.required_integer("num_hidden_layers", 1, kMaxLayers);
  s.intermediate_size = r.required_integer("intermediate_size", 1, kMaxIntermediate);
  s.num_heads = r.integer("num_attention_heads", 1, kMaxHeads, d.num_attention_heads);
  s.num_kv_heads = r.integer("num_key_value_heads", 1, kMaxHeads, s.num_heads);
  check_kv_heads(r, s.num_heads, s.num_kv_heads);
  m.vocab_size = r.integer("vocab_size", 1, kMaxVocab, d.vocab_size);
  m.max_position_embeddings = r.integer("max_position_embeddings", 1, kMaxPositions, d.max_position_embeddings);
  m.tie_word_embeddings = r.boolean("tie_word_embeddings", false);
  const bool attention_bias = r.boolean("attention_bias", false);
  s.qkv_bias = attention_bias;
  s.o_bias = attention_bias;

  s.attention = AttentionKind::mla;
  MlaConfig& mla = s.mla;
  // q_lora_rank: an explicit null means no low-rank q (DeepSeek-V2-Lite); absent means the class default.
  if (r.raw().contains("q_lora_rank") && r.raw().at("q_lora_rank").is_null()) {
    r.find("q_lora_rank");
    mla.q_lora_rank = 0;
  } else {
    mla.q_lora_rank = r.integer("q_lora_rank", 1, kMaxLoraRank, 1536);
  }
  mla.kv_lora_rank = r.integer("kv_lora_rank", 1, kMaxLoraRank, 512);
  mla.qk_nope_head_dim = r.integer("qk_nope_head_dim", 1, kMaxHeadDim, 128);
  mla.qk_rope_head_dim = r.integer("qk_rope_head_dim", 1, kMaxHeadDim, 64);
  mla.v_head_dim = r.integer("v_head_dim", 1, kMaxHeadDim, 128);
  s.head_dim = mla.qk_nope_head_dim + mla.qk_rope_head_dim;  // the q/k head dimension

  MoeConfig& moe = s.moe;
  const std::int64_t routed = r.integer("n_routed_experts", 1, kMaxExperts, v3 ? 256 : 0);
  if (routed > 0) {
    moe.num_experts = routed;
    moe.experts_per_token = v3 ? r.integer("num_experts_per_tok", 1, kMaxExperts, 8)
                               : r.required_integer("num_experts_per_tok", 1, kMaxExperts);
    check_top_k(r, "num_experts_per_tok", moe);
    moe.expert_intermediate = r.integer("moe_intermediate_size", 1, kMaxIntermediate, v3 ? 2048 : 1407);
    moe.shared_experts = r.integer("n_shared_experts", 0, kMaxExperts, v3 ? 1 : 0);
    moe.shared_intermediate = moe.shared_experts > 0 ? moe.expert_intermediate : 0;
    moe.first_dense_layers = r.integer("first_k_dense_replace", 0, s.layers, v3 ? 3 : 0);
    moe.layer_freq = r.integer("moe_layer_freq", 1, kMaxLayers, 1);
    // DeepSeek-V3's router carries e_score_correction_bias (n_routed_experts values), a Parameter in
    // deepseek-ai's modeling_deepseek.py MoEGate and in the checkpoint (a buffer in transformers'
    // DeepseekV3TopkRouter). DeepSeek-V2 uses it only with topk_method "noaux_tc".
    moe.router_bias = v3 || r.string("topk_method", "greedy") == "noaux_tc";
    std::int64_t n = 0;
    for (std::int64_t i = moe.first_dense_layers; i < s.layers; ++i) {
      if (i % moe.layer_freq == 0) ++n;
    }
    moe.moe_layers = n;
  }
  if (v3) m.nextn_predict_layers = r.integer("num_nextn_predict_layers", 0, kMaxLayers, 0);
}

// GPT2Config: vocab 50257, n_positions 1024, n_head 12, n_inner None (4 * n_embd), tie True.
// GPT2Block: ln_1, attn (c_attn Conv1D(3*n_embd) and c_proj with bias), ln_2, mlp (c_fc, c_proj with
// bias); GPT2Model: wte, wpe, ln_f; GPT2LMHeadModel lm_head tied to wte.
void parse_gpt2(ObjectReader& r, ModelConfig& m) {
  TransformerStack& s = m.text;
  s.hidden_size = r.required_integer("n_embd", 1, kMaxHidden);
  s.layers = r.required_integer("n_layer", 1, kMaxLayers);
  s.num_heads = r.integer("n_head", 1, kMaxHeads, 12);
  s.num_kv_heads = s.num_heads;
  s.head_dim = read_head_dim(r, s.hidden_size, s.num_heads, 0, "n_embd", "n_head", false);
  const std::int64_t four_h = s.hidden_size * 4;
  s.intermediate_size = r.integer("n_inner", 1, kMaxIntermediate, std::min(four_h, kMaxIntermediate));
  if (!r.has("n_inner") && four_h > kMaxIntermediate) {
    fail(r.pointer_of("n_embd"), "gives an MLP width (4 * n_embd) above 16,777,216");
  }
  s.norm = NormKind::layer;
  s.mlp = MlpKind::plain;
  s.qkv_bias = true;
  s.o_bias = true;
  s.mlp_bias = true;
  m.vocab_size = r.integer("vocab_size", 1, kMaxVocab, 50257);
  m.max_position_embeddings = r.integer("n_positions", 1, kMaxPositions, 1024);
  m.learned_position_embeddings = m.max_position_embeddings;
  m.tie_word_embeddings = r.boolean("tie_word_embeddings", true);
  // GPT2Config defaults: activation_function "gelu_new", resid_pdrop 0.1.
  s.python_tanh_gelu = r.string("activation_function", "gelu_new", 64) == "gelu_new";
  s.hidden_dropout = r.number("resid_pdrop", 0.0, 1.0, 0.1) > 0.0;
}

// The head on a BERT-family encoder, from the first `architectures` entry (modeling_bert.py,
// modeling_roberta.py): ...Model keeps the pooler and has no head; ...ForMaskedLM (and a config without
// architectures, as bert-base-uncased's own) the MLM head; ...ForSequenceClassification a classifier over
// num_labels on the pooled output (BERT: the pooler; RoBERTa: RobertaClassificationHead, no pooler);
// ...ForTokenClassification a per-token classifier (no pooler); ...ForQuestionAnswering qa_outputs of 2;
// ...ForMultipleChoice one logit per choice on the pooled output. num_labels: the key, else the size of
// id2label, else PretrainedConfig's default 2.
std::int64_t read_num_labels(ObjectReader& r) {
  if (r.has("num_labels")) return r.integer("num_labels", 1, kMaxVocab, 2);
  if (const Json* labels = r.find("id2label"); labels != nullptr && labels->is_object() && !labels->empty()) {
    return std::min<std::int64_t>(static_cast<std::int64_t>(labels->size()), kMaxVocab);
  }
  return 2;
}

bool architecture_ends_with(const ModelConfig& m, const char* suffix) {
  const std::string tail(suffix);
  return m.architecture.size() >= tail.size() &&
         m.architecture.compare(m.architecture.size() - tail.size(), tail.size(), tail) == 0;
}

void read_encoder_head(ObjectReader& r, ModelConfig& m, bool classification_pools) {
  const std::int64_t labels = read_num_labels(r);
  m.mlm_head = false;
  m.pooler = false;
  if (architecture_ends_with(m, "ForSequenceClassification")) {
    m.num_labels = labels;
    m.pooler = classification_pools;
    m.classifier_dense = !classification_pools;
  } else if (architecture_ends_with(m, "ForTokenClassification")) {
    m.num_labels = labels;
  } else if (architecture_ends_with(m, "ForQuestionAnswering")) {
    m.num_labels = 2;
  } else if (architecture_ends_with(m, "ForMultipleChoice")) {
    m.num_labels = 1;
    m.pooler = classification_pools;
    m.classifier_dense = !classification_pools;
  } else if (architecture_ends_with(m, "Model")) {
    m.pooler = true;
  } else {
    m.mlm_head = true;
  }
}

// BertConfig: vocab 30522, heads 12, max_pos 512, type_vocab_size 2, tie True.
// BertEmbeddings: word, position, token_type tables and a LayerNorm; BertLayer: self q/k/v with bias,
// output dense + LayerNorm, intermediate dense, output dense + LayerNorm. BertForMaskedLM (the default
// here, as in bert-base-uncased's architectures): no pooler, cls.predictions transform (dense +
// LayerNorm) and a decoder bias of vocab_size, decoder weight tied. BertModel: a pooler, no MLM head.
void parse_bert(ObjectReader& r, ModelConfig& m) {
  TransformerStack& s = m.text;
  s.hidden_size = r.required_integer("hidden_size", 1, kMaxHidden);
  s.layers = r.required_integer("num_hidden_layers", 1, kMaxLayers);
  s.intermediate_size = r.required_integer("intermediate_size", 1, kMaxIntermediate);
  s.num_heads = r.integer("num_attention_heads", 1, kMaxHeads, 12);
  s.num_kv_heads = s.num_heads;
  s.head_dim = read_head_dim(r, s.hidden_size, s.num_heads, 0, "hidden_size", "num_attention_heads", false);
  s.norm = NormKind::layer;
  s.mlp = MlpKind::plain;
  s.qkv_bias = true;
  s.o_bias = true;
  s.mlp_bias = true;
  m.kind = ModelKind::encoder;
  m.vocab_size = r.integer("vocab_size", 1, kMaxVocab, 30522);
  m.max_position_embeddings = r.integer("max_position_embeddings", 1, kMaxPositions, 512);
  m.learned_position_embeddings = m.max_position_embeddings;
  m.token_type_embeddings = r.integer("type_vocab_size", 0, kMaxVocab, 2);
  m.tie_word_embeddings = r.boolean("tie_word_embeddings", true);
  m.embedding_norm = true;
  m.final_norm = false;
  read_encoder_head(r, m, /*classification_pools=*/true);
}

// RobertaConfig / XLMRobertaConfig / CamembertConfig: BERT's architecture (RobertaEmbeddings,
// RobertaLayer = BertLayer) with vocab 50265 (XLM-R 250002), max_pos 514 (padding_idx offset),
// type_vocab_size 1; RobertaForMaskedLM's lm_head is dense + layer_norm + decoder (tied) + bias, the
// same parameters as BERT's MLM head; the classification head has no pooler.
void parse_roberta(ObjectReader& r, ModelConfig& m) {
  parse_bert(r, m);
  m.vocab_size = r.integer("vocab_size", 1, kMaxVocab, 50265);
  m.max_position_embeddings = r.integer("max_position_embeddings", 1, kMaxPositions, 514);
  m.learned_position_embeddings = m.max_position_embeddings;
  m.token_type_embeddings = r.integer("type_vocab_size", 0, kMaxVocab, 1);
  read_encoder_head(r, m, /*classification_pools=*/false);
}

// DistilBertConfig: vocab 30522, max_position_embeddings 512, n_heads 12, tie True.
// Embeddings: word and position tables (a Parameter even when sinusoidal_pos_embds) and a LayerNorm;
// TransformerBlock: q_lin/k_lin/v_lin/out_lin with bias, sa_layer_norm, ffn lin1/lin2 with bias,
// output_layer_norm. DistilBertForMaskedLM: vocab_transform (dense), vocab_layer_norm, vocab_projector
// (weight tied to the word embeddings, bias of vocab_size).
void parse_distilbert(ObjectReader& r, ModelConfig& m) {
  TransformerStack& s = m.text;
  s.hidden_size = r.required_integer("dim", 1, kMaxHidden);
  s.layers = r.required_integer("n_layers", 1, kMaxLayers);
  s.intermediate_size = r.required_integer("hidden_dim", 1, kMaxIntermediate);
  s.num_heads = r.integer("n_heads", 1, kMaxHeads, 12);
  s.num_kv_heads = s.num_heads;
  s.head_dim = read_head_dim(r, s.hidden_size, s.num_heads, 0, "dim", "n_heads", false);
  s.norm = NormKind::layer;
  s.mlp = MlpKind::plain;
  s.qkv_bias = true;
  s.o_bias = true;
  s.mlp_bias = true;
  m.kind = ModelKind::encoder;
  m.vocab_size = r.integer("vocab_size", 1, kMaxVocab, 30522);
  m.max_position_embeddings = r.integer("max_position_embeddings", 1, kMaxPositions, 512);
  m.learned_position_embeddings = m.max_position_embeddings;
  m.tie_word_embeddings = r.boolean("tie_word_embeddings", true);
  m.embedding_norm = true;
  m.final_norm = false;
  // DistilBertForSequenceClassification / ForMultipleChoice: pre_classifier Linear(dim, dim) + classifier
  // (modeling_distilbert.py), i.e. RoBERTa's head shape; token classification and QA: one Linear. The
  // bare DistilBertModel has no pooler.
  read_encoder_head(r, m, /*classification_pools=*/false);
  m.pooler = false;
}

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

  TransformerStack base;
  base.hidden_size = d;
  base.norm = NormKind::layer;
  base.mlp = MlpKind::plain;
  base.qkv_bias = true;
  base.k_bias = false;
  base.o_bias = true;
  base.mlp_bias = true;

  TransformerStack dec = base;
  dec.layers = dec_layers;
  dec.num_heads = dec_heads;
  dec.num_kv_heads = dec_heads;
  dec.head_dim = read_head_dim(r, d, dec_heads, 0, "d_model", "decoder_attention_heads", false);
  dec.intermediate_size = dec_ffn;
  dec.cross_attention = true;
  dec.norms_per_layer = 3;
  m.text = dec;

  TransformerStack enc = base;
  enc.layers = enc_layers;
  enc.num_heads = enc_heads;
  enc.num_kv_heads = enc_heads;
  enc.head_dim = read_head_dim(r, d, enc_heads, 0, "d_model", "encoder_attention_heads", false);
  enc.intermediate_size = enc_ffn;

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

// ---------------------------------------------------------------------------------------------------
// Vision towers

// SiglipVisionConfig: hidden 768, intermediate 3072, layers 12, heads 12, num_channels 3,
// image_size 224, patch_size 16; vision_use_head defaults to True (SiglipVisionTransformer).
// SiglipVisionEmbeddings: patch_embedding Conv2d(channels, hidden, patch, stride patch) with bias,
// position_embedding Embedding((image/patch)^2, hidden). SiglipEncoderLayer: layer_norm1, self_attn
// (q/k/v/out_proj with bias), layer_norm2, mlp fc1/fc2 with bias. post_layernorm. The head
// (SiglipMultiheadAttentionPoolingHead): probe, nn.MultiheadAttention, LayerNorm, MLP.
// Gemma3MultiModalProjector (modeling_gemma3.py): mm_input_projection_weight (vision hidden x text
// hidden) and mm_soft_emb_norm Gemma3RMSNorm(vision hidden).
ExtraTower parse_siglip_with_gemma3_projector(ObjectReader& v, std::int64_t text_hidden) {
  const std::int64_t h = v.integer("hidden_size", 1, kMaxHidden, 768);
  const std::int64_t inter = v.integer("intermediate_size", 1, kMaxIntermediate, 3072);
  const std::int64_t layers = v.integer("num_hidden_layers", 1, kMaxLayers, 12);
  const std::int64_t heads = v.integer("num_attention_heads", 1, kMaxHeads, 12);
  const std::int64_t channels = v.integer("num_channels", 1, kMaxChannels, 3);
  const std::int64_t image = v.integer("image_size", 1, kMaxImageSize, 224);
  const std::int64_t patch = v.integer("patch_size", 1, kMaxImageSize, 16);
  if (patch > image) fail(v.pointer_of("patch_size"), "must be at most image_size (" + str(image) + "), got " + str(patch));
  const bool use_head = v.boolean("vision_use_head", true);
  const std::int64_t head_dim = read_head_dim(v, h, heads, 0, "hidden_size", "num_attention_heads", false);

  const std::int64_t per_side = image / patch;
  const std::int64_t ln = mul(2, h);
  const std::int64_t attention = mul(4, add(mul(h, h), h));
  const std::int64_t mlp = add(add(mul(2, mul(h, inter)), inter), h);
  const std::int64_t block = add(add(attention, mlp), mul(2, ln));

  std::int64_t total = add(mul(mul(mul(channels, patch), patch), h), h);  // patch_embedding + bias
  total = add(total, mul(mul(per_side, per_side), h));                   // position_embedding
  total = add(total, mul(layers, block));                                // encoder layers
  total = add(total, ln);                                                // post_layernorm
  if (use_head) {
    // probe + in_proj (3h x h + 3h) + out_proj (h x h + h) + layernorm + mlp
    const std::int64_t head = add(add(add(h, add(mul(4, mul(h, h)), mul(4, h))), ln), mlp);
    total = add(total, head);
  }
  total = add(total, add(mul(h, text_hidden), h));  // Gemma3MultiModalProjector

  ExtraTower tower;
  tower.name = "vision";
  tower.params = total;
  tower.block_params = block;
  TransformerStack& s = tower.stack;
  s.layers = layers;
  s.hidden_size = h;
  s.num_heads = heads;
  s.num_kv_heads = heads;
  s.head_dim = head_dim;
  s.intermediate_size = inter;
  s.mlp = MlpKind::plain;
  s.norm = NormKind::layer;
  s.qkv_bias = true;
  s.o_bias = true;
  s.mlp_bias = true;
  return tower;
}

// Qwen2-VL vision (Qwen2VLVisionConfig: depth 32, embed_dim 1280, hidden_size 3584, mlp_ratio 4,
// num_heads 16, in_channels 3, patch_size 14, spatial_merge_size 2, temporal_patch_size 2) and
// Qwen2.5-VL vision (Qwen2_5_VLVisionConfig: depth 32, hidden_size 3584, intermediate_size 3420,
// num_heads 16, in_channels 3, patch_size 14, spatial_merge_size 2, temporal_patch_size 2,
// out_hidden_size 3584).
// PatchEmbed: Conv3d(in_channels, dim, [temporal, patch, patch], bias=False).
// Qwen2VLVisionBlock: norm1/norm2 LayerNorm, VisionAttention qkv Linear(dim, 3 dim) and proj with bias,
// VisionMlp fc1/fc2 with bias (width dim * mlp_ratio); PatchMerger: ln_q LayerNorm(dim), mlp
// Linear(dim*m^2, dim*m^2) + Linear(dim*m^2, hidden_size), both with bias.
// Qwen2_5_VLVisionBlock: norm1/norm2 Qwen2RMSNorm, same attention, Qwen2_5_VLMLP gate/up/down with bias;
// Qwen2_5_VLPatchMerger: ln_q Qwen2RMSNorm(dim), mlp as above into out_hidden_size.
ExtraTower parse_qwen_vl_vision(ObjectReader& v, bool v2_5) {
  const std::int64_t depth = v.integer("depth", 1, kMaxLayers, 32);
  const std::int64_t heads = v.integer("num_heads", 1, kMaxHeads, 16);
  std::int64_t channels = 3;
  if (v.has("in_channels")) {
    channels = v.required_integer("in_channels", 1, kMaxChannels);
  } else {
    channels = v.integer("in_chans", 1, kMaxChannels, 3);
  }
  const std::int64_t patch = v.integer("patch_size", 1, kMaxImageSize, 14);
  const std::int64_t merge = v.integer("spatial_merge_size", 1, 1024, 2);
  const std::int64_t temporal = v.integer("temporal_patch_size", 1, 1024, 2);
  std::int64_t dim = 0;
  std::int64_t inter = 0;
  std::int64_t out = 0;
  if (v2_5) {
    dim = v.integer("hidden_size", 1, kMaxHidden, 3584);
    inter = v.integer("intermediate_size", 1, kMaxIntermediate, 3420);
    out = v.integer("out_hidden_size", 1, kMaxHidden, 3584);
  } else {
    dim = v.integer("embed_dim", 1, kMaxHidden, 1280);
    const double ratio = v.number("mlp_ratio", 0.0, 16'384.0, 4.0);
    const double width = std::floor(static_cast<double>(dim) * ratio);  // int(embed_dim * mlp_ratio)
    if (width < 1.0 || width > static_cast<double>(kMaxIntermediate)) {
      fail(v.pointer_of("mlp_ratio"), "gives an MLP width (embed_dim * mlp_ratio) outside 1 to 16,777,216");
    }
    inter = static_cast<std::int64_t>(width);
    out = v.integer("hidden_size", 1, kMaxHidden, 3584);
  }
  const std::int64_t head_dim = read_head_dim(v, dim, heads, 0, v2_5 ? "hidden_size" : "embed_dim", "num_heads", false);

  const std::int64_t norm = v2_5 ? dim : mul(2, dim);  // RMSNorm weight, or LayerNorm weight + bias
  const std::int64_t attention = add(add(mul(mul(3, dim), dim), mul(3, dim)), add(mul(dim, dim), dim));
  const std::int64_t mlp = v2_5 ? add(add(mul(3, mul(dim, inter)), mul(2, inter)), dim)
                                : add(add(mul(2, mul(dim, inter)), inter), dim);
  const std::int64_t block = add(add(attention, mlp), mul(2, norm));
  const std::int64_t merged = mul(mul(dim, merge), merge);

  std::int64_t total = mul(mul(mul(mul(channels, temporal), patch), patch), dim);  // patch_embed
  total = add(total, mul(depth, block));                                          // blocks
  total = add(total, norm);                                                       // merger.ln_q
  total = add(total, add(mul(merged, merged), merged));                           // merger.mlp.0
  total = add(total, add(mul(merged, out), out));                                 // merger.mlp.2

  ExtraTower tower;
  tower.name = "vision";
  tower.params = total;
  tower.block_params = block;
  TransformerStack& s = tower.stack;
  s.layers = depth;
  s.hidden_size = dim;
  s.num_heads = heads;
  s.num_kv_heads = heads;
  s.head_dim = head_dim;
  s.intermediate_size = inter;
  s.mlp = v2_5 ? MlpKind::gated : MlpKind::plain;
  s.norm = v2_5 ? NormKind::rms : NormKind::layer;
  s.qkv_bias = true;
  s.o_bias = true;
  s.mlp_bias = true;
  return tower;
}

// Qwen2VLConfig / Qwen2_5_VLConfig: text fields at the top level (older files) or in text_config
// (transformers >= 4.53); defaults vocab 152064, heads 64, kv 8, max_pos 32768, tie False,
// max_window_layers 80; the text attention has q/k/v bias as in Qwen2.
void parse_qwen_vl(ObjectReader& top, ModelConfig& m, bool v2_5) {
  const bool nested = top.has("text_config");
  ObjectReader nested_reader = nested ? top.object("text_config") : top;
  ObjectReader& r = nested ? nested_reader : top;
  const bool tie_top = top.has("tie_word_embeddings");
  read_decoder_common(r, {152064, 64, 8, 0, 32768, false}, m);
  if (nested && tie_top) m.tie_word_embeddings = top.boolean("tie_word_embeddings", false);
  m.text.qkv_bias = true;
  read_qwen_sliding(r, m, 80);
  ObjectReader v = top.object("vision_config");
  m.towers.push_back(parse_qwen_vl_vision(v, v2_5));
}

// Gemma3Config: text_config (Gemma3TextConfig) + vision_config (SiglipVisionConfig);
// Gemma3ForConditionalGeneration ties lm_head to the text embeddings (PretrainedConfig default True).
void parse_gemma3(ObjectReader& top, ModelConfig& m) {
  ObjectReader t = top.object("text_config");
  parse_gemma3_text(t, m);
  m.tie_word_embeddings = top.boolean("tie_word_embeddings", t.boolean("tie_word_embeddings", true));
  ObjectReader v = top.object("vision_config");
  m.towers.push_back(parse_siglip_with_gemma3_projector(v, m.text.hidden_size));
}

void validate(const ModelConfig& m, const std::string& pointer) {
  if (m.text.sliding_window_layers < 0 || m.text.sliding_window_layers > m.text.layers) {
    fail(pointer, "sliding-window layers (" + str(m.text.sliding_window_layers) + ") must be between 0 and the number of layers (" + str(m.text.layers) + ")");
  }
  const MoeConfig& moe = m.text.moe;
  if (!moe.is_dense() && (moe.moe_layers < 0 || moe.moe_layers > m.text.layers)) {
    fail(pointer, "MoE layers must be between 0 and the number of layers");
  }
}

// The exact reader of `type`, applied to `r`; false when there is none.
bool parse_family(const std::string& t, ObjectReader& r, ModelConfig& m) {
  if (t == "llama") parse_llama(r, m);
  else if (t == "mistral") parse_mistral(r, m);
  else if (t == "mixtral") parse_mixtral(r, m);
  else if (t == "qwen2") parse_qwen2(r, m);
  else if (t == "qwen2_moe") parse_qwen2_moe(r, m);
  else if (t == "qwen3") parse_qwen3(r, m);
  else if (t == "qwen3_moe") parse_qwen3_moe(r, m);
  else if (t == "gemma") parse_gemma(r, m);
  else if (t == "gemma2") parse_gemma2(r, m);
  else if (t == "gemma3_text") parse_gemma3_text(r, m);
  else if (t == "gemma3") parse_gemma3(r, m);
  else if (t == "phi") parse_phi(r, m);
  else if (t == "phi3") parse_phi3(r, m);
  else if (t == "olmo2") parse_olmo2(r, m);
  else if (t == "deepseek_v2") parse_deepseek(r, m, false);
  else if (t == "deepseek_v3") parse_deepseek(r, m, true);
  else if (t == "gpt2") parse_gpt2(r, m);
  else if (t == "bert") parse_bert(r, m);
  else if (t == "roberta" || t == "xlm-roberta" || t == "camembert") parse_roberta(r, m);
  else if (t == "distilbert") parse_distilbert(r, m);
  else if (t == "whisper") parse_whisper(r, m);
  else if (t == "qwen2_vl") parse_qwen_vl(r, m, false);
  else if (t == "qwen2_5_vl") parse_qwen_vl(r, m, true);
  else return false;
  return true;
}

// A nested text_config read by its own model_type's exact reader (a multimodal wrapper around a known
// language model); only text-only families qualify.
bool parse_known_text_config(ObjectReader& t, ModelConfig& m) {
  const Json* type = t.find("model_type");
  if (type == nullptr || !type->is_string()) return false;
  const std::string& name = type->get_ref<const std::string&>();
  if (name == "gemma3" || name == "qwen2_vl" || name == "qwen2_5_vl" || name == "whisper") return false;
  return parse_family(name, t, m);
}

void read_identity(ObjectReader& r, ModelConfig& m) {
  m.id = r.string("_name_or_path", "", 1024);
  if (m.id.empty()) m.id = "custom";
  if (const Json* arch = r.find("architectures")) {
    const std::string p = r.pointer_of("architectures");
    if (!arch->is_array()) fail(p, "must be an array of class names, got " + describe_value(*arch));
    if (!arch->empty()) {
      const Json& first = (*arch)[0];
      if (!first.is_string()) fail(pointer_append(p, std::size_t{0}), "must be a string, got " + describe_value(first));
      m.architecture = first.get<std::string>();
      if (m.architecture.size() > 256) fail(pointer_append(p, std::size_t{0}), "must be at most 256 bytes");
    }
  }
  if (r.has("torch_dtype")) {
    m.torch_dtype = r.string("torch_dtype", "");
  } else {
    m.torch_dtype = r.string("dtype", "");  // transformers >= 4.56 writes "dtype"
  }
}

ModelConfig parse(const Json& config, const std::string& pointer) {
  ObjectReader r(config, pointer);
  ModelConfig m;
  const Json* type = r.find("model_type");
  if (type != nullptr && !type->is_string()) {
    fail(r.pointer_of("model_type"), "must be a string such as \"llama\", got " + describe_value(*type));
  }
  m.model_type = type != nullptr ? type->get<std::string>() : "";
  if (m.model_type.size() > 128) fail(r.pointer_of("model_type"), "must be at most 128 bytes");
  read_identity(r, m);
  if (!parse_family(m.model_type, r, m)) parse_generic(r, m, parse_known_text_config);
  validate(m, pointer);
  return m;
}

}  // namespace

const std::vector<std::string>& supported_model_types() {
  static const std::vector<std::string> kTypes = {
      "bert",  "camembert", "deepseek_v2", "deepseek_v3", "distilbert", "gemma",     "gemma2",     "gemma3",
      "gemma3_text", "gpt2", "llama",      "mistral",    "mixtral",   "olmo2",      "phi",
      "phi3",  "qwen2",       "qwen2_5_vl",  "qwen2_moe",  "qwen2_vl",  "qwen3",      "qwen3_moe",
      "roberta", "whisper", "xlm-roberta"};
  return kTypes;
}

std::string generic_count_warning(const ModelConfig& model) {
  if (model.counter != "generic") return "";
  std::string text = "parameters counted generically: model_type \"" + model.model_type.substr(0, 64) +
                     "\" has no exact reader; the standard config keys were read and it assumed ";
  for (std::size_t i = 0; i < model.count_assumptions.size(); ++i) {
    text += (i == 0 ? "" : "; ") + model.count_assumptions[i];
  }
  if (model.count_assumptions.empty()) text += "nothing beyond the standard keys";
  return text;
}

Expected<ModelConfig> model_from_hf_config(const Json& config, const std::string& pointer) {
  return catch_input_errors<ModelConfig>([&] { return parse(config, pointer); });
}

}  // namespace vramplan
