// BERT-family encoders (BERT, RoBERTa, XLM-R, CamemBERT, DistilBERT) and their task heads.
// Every default is the transformers configuration class default named beside it (hf_config.cpp says why).
#include <algorithm>
#include <cstdint>
#include <string>

#include "hf_common.hpp"
#include "hf_families.hpp"
#include "vramplan/json_reader.hpp"
#include "vramplan/model.hpp"

namespace vramplan::hf {
namespace {

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

}  // namespace

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
  use_biased_layernorm_block(s);
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
  use_biased_layernorm_block(s);
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

}  // namespace vramplan::hf
