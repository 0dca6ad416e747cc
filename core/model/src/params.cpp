// Exact parameter counts, mirroring what transformers' `model.num_parameters()` returns for the
// *ForCausalLM / *ForConditionalGeneration / *ForMaskedLM class of each architecture: every
// nn.Parameter counted once (tied embeddings once), buffers such as rotary inv_freq excluded.
// The shapes come from the modeling files named above each formula
// (huggingface/transformers src/transformers/models/<type>/modeling_<type>.py).
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "vramplan/json_reader.hpp"
#include "vramplan/params.hpp"

#include "hf_common.hpp"

namespace vramplan {
namespace {

// Overflow-checked arithmetic (hf_common.hpp): an absurd config fails with an Error instead of wrapping.
using hf::add;
using hf::kTooLarge;
using hf::mul;
std::int64_t mul(std::int64_t a, std::int64_t b, std::int64_t c) { return mul(mul(a, b), c); }
std::int64_t sub(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_sub_overflow(a, b, &r)) fail("", kTooLarge);
  return r;
}


// nn.Linear(in, out, bias).
std::int64_t linear(std::int64_t in, std::int64_t out, bool bias) {
  return add(mul(in, out), bias ? out : 0);
}

// Standard attention: q_proj (hidden -> heads*head_dim), k_proj and v_proj (hidden -> kv_heads*head_dim),
// o_proj (heads*head_dim -> hidden), as in LlamaAttention (modeling_llama.py), Qwen2Attention (q/k/v
// bias), Gemma2/3Attention, Phi3Attention (fused qkv_proj: same count), GPT2Attention (c_attn Conv1D:
// same count), BertSelfAttention + BertSelfOutput.dense, WhisperAttention (k_proj without bias).
// qk_norm: Qwen3RMSNorm/Gemma3RMSNorm(head_dim) on q and k; OLMo 2 norms the whole projection
// (Olmo2Attention q_norm(heads*head_dim), k_norm(kv_heads*head_dim)); Phi's qk_layernorm is a LayerNorm.
std::int64_t mha_params(const TransformerStack& s) {
  const std::int64_t q_dim = mul(s.num_heads, s.head_dim);
  const std::int64_t kv_dim = mul(s.num_kv_heads, s.head_dim);
  // Qwen3NextAttention: q_proj Linear(hidden, heads * head_dim * 2) when the output is gated.
  std::int64_t n = linear(s.hidden_size, s.attn_output_gate ? mul(2, q_dim) : q_dim, s.qkv_bias);
  n = add(n, linear(s.hidden_size, kv_dim, s.qkv_bias && s.k_bias));
  n = add(n, linear(s.hidden_size, kv_dim, s.qkv_bias));
  n = add(n, linear(q_dim, s.hidden_size, s.o_bias));
  if (s.qk_norm) {
    if (s.qk_norm_full_width) {
      n = add(n, add(norm_params(s.norm, q_dim), norm_params(s.norm, kv_dim)));
    } else {
      n = add(n, mul(2, norm_params(s.norm, s.head_dim)));
    }
  }
  return n;
}

// Multi-head latent attention, DeepseekV3Attention (modeling_deepseek_v3.py):
//   q_lora_rank == 0: q_proj Linear(hidden, heads*(nope+rope), bias=False)
//   else: q_a_proj Linear(hidden, q_lora_rank, bias=attention_bias), q_a_layernorm RMSNorm(q_lora_rank),
//         q_b_proj Linear(q_lora_rank, heads*(nope+rope), bias=False)
//   kv_a_proj_with_mqa Linear(hidden, kv_lora_rank + rope, bias=attention_bias),
//   kv_a_layernorm RMSNorm(kv_lora_rank), kv_b_proj Linear(kv_lora_rank, heads*(nope+v), bias=False),
//   o_proj Linear(heads*v, hidden, bias=attention_bias).
std::int64_t mla_params(const TransformerStack& s) {
  const MlaConfig& a = s.mla;
  const std::int64_t qk_head = add(a.qk_nope_head_dim, a.qk_rope_head_dim);
  std::int64_t n = 0;
  if (a.q_lora_rank == 0) {
    n = linear(s.hidden_size, mul(s.num_heads, qk_head), false);
  } else {
    n = linear(s.hidden_size, a.q_lora_rank, s.qkv_bias);
    n = add(n, a.q_lora_rank);  // q_a_layernorm
    n = add(n, linear(a.q_lora_rank, mul(s.num_heads, qk_head), false));
  }
  n = add(n, linear(s.hidden_size, add(a.kv_lora_rank, a.qk_rope_head_dim), s.qkv_bias));
  n = add(n, a.kv_lora_rank);  // kv_a_layernorm
  n = add(n, linear(a.kv_lora_rank, mul(s.num_heads, add(a.qk_nope_head_dim, a.v_head_dim)), false));
  n = add(n, linear(mul(s.num_heads, a.v_head_dim), s.hidden_size, s.o_bias));
  return n;
}

std::int64_t attention_params(const TransformerStack& s) {
  return s.attention == AttentionKind::mla ? mla_params(s) : mha_params(s);
}

// One MLP of width `width`. Gated (LlamaMLP, Qwen2MLP, GemmaMLP, Phi3MLP's fused gate_up_proj,
// MixtralBlockSparseTop2MLP w1/w3/w2, DeepseekV3MLP): gate_proj + up_proj (hidden -> width) and
// down_proj (width -> hidden). Plain (GPT2MLP c_fc/c_proj, PhiMLP fc1/fc2, BertIntermediate +
// BertOutput.dense, DistilBERT FFN lin1/lin2, Whisper fc1/fc2): up (hidden -> width), down.
std::int64_t mlp_params(const TransformerStack& s, std::int64_t width) {
  std::int64_t n = linear(width, s.hidden_size, s.mlp_bias);  // down
  n = add(n, linear(s.hidden_size, width, s.mlp_bias));       // up
  if (s.mlp == MlpKind::gated) n = add(n, linear(s.hidden_size, width, s.mlp_bias));  // gate
  return n;
}

// Per-block parts that do not depend on the MLP: attention (twice with cross attention, as in
// WhisperDecoderLayer self_attn + encoder_attn) and the block's hidden-size norms (Llama: input +
// post_attention; Gemma 2/3: four; Phi: one; OLMo 2: two post-norms; Whisper decoder: three), and what
// the family reader counted itself (TransformerStack::extra_block_params).
std::int64_t block_base_params(const TransformerStack& s) {
  std::int64_t n = attention_params(s);
  if (s.cross_attention) n = add(n, attention_params(s));
  n = add(n, s.extra_block_params);
  return add(n, mul(s.norms_per_layer, norm_params(s.norm, s.hidden_size)));
}

// The MLP of a MoE layer with every expert counted: routed experts, the router, shared experts.
// MixtralSparseMoeBlock: gate Linear(hidden, experts, bias=False) + experts.
// Qwen2MoeSparseMoeBlock: + shared_expert (width shared_expert_intermediate_size) + shared_expert_gate
// Linear(hidden, 1, bias=False). Qwen3MoeSparseMoeBlock: gate + experts.
// DeepseekV3MoE: experts + gate (DeepseekV3TopkRouter weight experts x hidden, e_score_correction_bias
// of experts) + shared_experts (one DeepseekV3MLP of width moe_intermediate_size * n_shared_experts,
// which has the parameters of n_shared_experts MLPs of width moe_intermediate_size).
struct MoeParts {
  std::int64_t expert = 0;       // one routed expert
  std::int64_t all = 0;          // the whole MoE MLP
};

MoeParts moe_params(const TransformerStack& s) {
  const MoeConfig& moe = s.moe;
  MoeParts p;
  p.expert = mlp_params(s, moe.expert_intermediate);
  std::int64_t n = mul(moe.num_experts, p.expert);
  n = add(n, add(mul(moe.num_experts, s.hidden_size), moe.router_bias ? moe.num_experts : 0));
  if (moe.shared_experts > 0) n = add(n, mul(moe.shared_experts, mlp_params(s, moe.shared_intermediate)));
  if (moe.shared_expert_gate) n = add(n, s.hidden_size);
  p.all = n;
  return p;
}

// MoE layers when the parser did not give their number: layer_idx >= first_dense_layers and
// layer_idx % layer_freq == 0 (deepseek-ai modeling_deepseek.py DeepseekV3DecoderLayer).
std::int64_t count_moe_layers(const TransformerStack& s) {
  const MoeConfig& moe = s.moe;
  if (moe.is_dense()) return 0;
  if (moe.moe_layers >= 0) return std::min(moe.moe_layers, s.layers);
  const std::int64_t first = std::clamp<std::int64_t>(moe.first_dense_layers, 0, s.layers);
  const std::int64_t freq = std::max<std::int64_t>(moe.layer_freq, 1);
  // Multiples of freq in [first, layers).
  const std::int64_t upto = (s.layers - 1) / freq + 1;                 // multiples in [0, layers)
  const std::int64_t below = first == 0 ? 0 : (first - 1) / freq + 1;  // multiples in [0, first)
  return upto - below;
}

// Qwen3NextGatedDeltaNet (modeling_qwen3_next.py): conv1d Conv1d(conv_dim, conv_dim, kernel, groups=conv_dim,
// bias=False) with conv_dim = 2 key_dim + value_dim; in_proj_qkvz Linear(hidden, 2 key_dim + 2 value_dim),
// in_proj_ba Linear(hidden, 2 v_heads), both without bias; dt_bias and A_log (v_heads each); norm
// Qwen3NextRMSNormGated(head_v_dim); out_proj Linear(value_dim, hidden, bias=False).
std::int64_t linear_attention_params(const TransformerStack& s) {
  const LinearAttentionConfig& l = s.linear_attention;
  const std::int64_t key_dim = mul(l.num_k_heads, l.head_k_dim);
  const std::int64_t value_dim = mul(l.num_v_heads, l.head_v_dim);
  const std::int64_t conv_dim = add(mul(2, key_dim), value_dim);
  std::int64_t n = mul(conv_dim, l.conv_kernel);
  n = add(n, mul(s.hidden_size, add(mul(2, key_dim), mul(2, value_dim))));
  n = add(n, mul(s.hidden_size, mul(2, l.num_v_heads)));
  n = add(n, add(mul(2, l.num_v_heads), l.head_v_dim));
  return add(n, mul(value_dim, s.hidden_size));
}

// What the layers with another token mixer add to (or take from) `layers` x the attention block: Gated
// DeltaNet in place of attention, Mllama's cross-attention layers' extra norms and gates. `largest` grows
// by the largest per-layer difference, so that it stays the biggest block.
std::int64_t mixer_adjustment(const TransformerStack& s, std::int64_t& largest) {
  std::int64_t total = 0;
  std::int64_t grow = 0;
  if (s.linear_attention.layers > 0) {
    const std::int64_t delta = sub(linear_attention_params(s), attention_params(s));
    total = add(total, mul(s.linear_attention.layers, delta));
    grow = std::max(grow, delta);
  }
  if (s.cross_attention_layers > 0) {
    total = add(total, mul(s.cross_attention_layers, s.cross_layer_extra_params));
    grow = std::max(grow, s.cross_layer_extra_params);
  }
  largest = add(largest, grow);
  return total;
}

void push(std::vector<ParamGroup>& groups, const char* id, std::int64_t params) {
  if (params > 0) groups.push_back(ParamGroup{id, params});
}

ParamCounts count(const ModelConfig& m) {
  const TransformerStack& s = m.text;
  const std::int64_t h = s.hidden_size;
  ParamCounts c;

  // Blocks: dense ones (every layer of a dense model) and MoE ones.
  const std::int64_t base = block_base_params(s);
  const std::int64_t dense_block = add(base, mlp_params(s, s.intermediate_size));
  const std::int64_t moe_layers = count_moe_layers(s);
  const std::int64_t dense_layers = sub(s.layers, moe_layers);
  std::int64_t layers_total = mul(dense_layers, dense_block);
  std::int64_t unselected = 0;  // routed experts a token does not use
  c.per_layer = dense_layers > 0 ? dense_block : 0;
  if (moe_layers > 0) {
    const MoeParts moe = moe_params(s);
    const std::int64_t moe_block = add(base, moe.all);
    layers_total = add(layers_total, mul(moe_layers, moe_block));
    const std::int64_t idle = std::max<std::int64_t>(0, s.moe.num_experts - s.moe.experts_per_token);
    unselected = mul(moe_layers, idle, moe.expert);
    c.routed_experts_per_layer = mul(s.moe.num_experts, moe.expert);
    c.routed_experts = mul(moe_layers, c.routed_experts_per_layer);
    c.per_layer = std::max(c.per_layer, moe_block);
  }
  layers_total = add(layers_total, mixer_adjustment(s, c.per_layer));

  // Token embeddings (nn.Embedding(vocab, hidden)); learned position tables (GPT-2 wpe, BERT/DistilBERT
  // position_embeddings and BERT token_type_embeddings, Whisper decoder embed_positions).
  const std::int64_t token_embedding = m.token_embeddings ? mul(add(m.vocab_size, m.extra_embedding_rows), h) : 0;
  const std::int64_t positions = add(mul(m.learned_position_embeddings, h), mul(m.token_type_embeddings, h));
  // BertEmbeddings.LayerNorm / DistilBERT Embeddings.LayerNorm.
  const std::int64_t embedding_norm = m.embedding_norm ? norm_params(s.norm, h) : 0;
  // The model's final norm (LlamaModel.norm, GPT2Model.ln_f, PhiModel.final_layernorm, WhisperDecoder
  // .layer_norm).
  const std::int64_t final_norm = m.final_norm ? norm_params(s.norm, h) : 0;
  // The output projection to the vocabulary: lm_head Linear(hidden, vocab) unless tied to the token
  // embeddings (PreTrainedModel.tie_weights); PhiForCausalLM's has a bias. Encoders have one only
  // with the MLM head (BertLMPredictionHead.decoder, DistilBERT vocab_projector).
  const bool has_output = m.kind != ModelKind::encoder || m.mlm_head;
  std::int64_t lm_head = 0;
  if (has_output && !m.tie_word_embeddings && m.token_embeddings) lm_head = mul(m.vocab_size, h);
  if (m.kind != ModelKind::encoder && m.lm_head_bias) lm_head = add(lm_head, m.vocab_size);
  // BertOnlyMLMHead: transform.dense Linear(hidden, hidden) + transform.LayerNorm + decoder bias (vocab);
  // DistilBertForMaskedLM: vocab_transform + vocab_layer_norm + vocab_projector bias.
  const std::int64_t mlm_head =
      m.mlm_head ? add(add(linear(h, h, true), norm_params(s.norm, h)), m.vocab_size) : 0;
  // BertPooler: dense Linear(hidden, hidden) with bias.
  const std::int64_t pooler = m.pooler ? linear(h, h, true) : 0;
  // Task heads: BertForSequenceClassification / ...ForTokenClassification classifier Linear(hidden,
  // num_labels), BertForQuestionAnswering qa_outputs Linear(hidden, 2), RobertaClassificationHead dense
  // Linear(hidden, hidden) + out_proj Linear(hidden, num_labels) (modeling_bert.py, modeling_roberta.py).
  const std::int64_t classifier =
      m.num_labels > 0 ? add(linear(h, m.num_labels, true), m.classifier_dense ? linear(h, h, true) : 0) : 0;

  push(c.groups, "embedding", token_embedding);
  push(c.groups, "per_layer_embedding", m.per_layer_embedding_params);
  push(c.groups, "position_embedding", positions);
  push(c.groups, "embedding_norm", embedding_norm);
  push(c.groups, "layers", layers_total);
  push(c.groups, "final_norm", final_norm);
  push(c.groups, "lm_head", lm_head);
  push(c.groups, "mlm_head", mlm_head);
  push(c.groups, "pooler", pooler);
  push(c.groups, "classifier", classifier);
  c.largest_layer = c.per_layer;
  for (const ExtraTower& t : m.towers) {
    push(c.groups, t.name.c_str(), t.params);
    c.largest_layer = std::max(c.largest_layer, t.block_params);
  }

  for (const ParamGroup& g : c.groups) c.total = add(c.total, g.params);
  c.embedding = add(add(add(token_embedding, positions), lm_head), m.per_layer_embedding_params);
  c.non_embedding = sub(c.total, c.embedding);
  c.active = sub(c.total, unselected);
  return c;
}

}  // namespace

// A norm over `dim` features: RMSNorm has a weight (LlamaRMSNorm, Gemma*RMSNorm, Qwen2RMSNorm ...),
// LayerNorm a weight and a bias (nn.LayerNorm in GPT-2, Phi, BERT, Whisper).
std::int64_t norm_params(NormKind kind, std::int64_t dim) {
  return kind == NormKind::layer ? hf::mul(2, dim) : dim;
}

std::int64_t dense_block_params(const TransformerStack& stack) {
  return add(block_base_params(stack), mlp_params(stack, stack.intermediate_size));
}

Expected<ParamCounts> count_params(const ModelConfig& model) {
  return catch_input_errors<ParamCounts>([&] { return count(model); });
}

}  // namespace vramplan
