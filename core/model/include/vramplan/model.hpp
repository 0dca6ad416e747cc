#pragma once
// A model's architecture as the estimator sees it: typed, validated, independent of how it was given
// (a catalog id or a raw Hugging Face config.json). Built by model_from_hf_config().
#include <cstdint>
#include <string>
#include <vector>

#include "vramplan/error.hpp"
#include "vramplan/json_reader.hpp"
#include "vramplan/media.hpp"

namespace vramplan {

enum class ModelKind {
  decoder,          // causal LM: Llama, Qwen, Mistral, Gemma, Phi, GPT-2, DeepSeek, Mixtral ...
  encoder,          // BERT, DistilBERT
  encoder_decoder,  // Whisper: `text` is the decoder, `encoder` the audio encoder
};

enum class MlpKind {
  gated,  // gate_proj, up_proj, down_proj (SwiGLU / GeGLU): 3 matrices
  plain,  // fc1 (up), fc2 (down): 2 matrices (GPT-2, Phi-2, BERT, Whisper)
};

enum class NormKind {
  rms,    // RMSNorm: a weight vector
  layer,  // LayerNorm: weight and bias
};

enum class AttentionKind {
  mha_gqa,  // standard multi-head / grouped-query attention with q, k, v, o projections
  mla,      // DeepSeek multi-head latent attention
};

// Multi-head latent attention (DeepSeek-V2/V3, modeling_deepseek.py DeepseekV3Attention).
struct MlaConfig {
  std::int64_t q_lora_rank = 0;  // 0: q is a plain projection (no low-rank q)
  std::int64_t kv_lora_rank = 0;
  std::int64_t qk_nope_head_dim = 0;
  std::int64_t qk_rope_head_dim = 0;
  std::int64_t v_head_dim = 0;
};

// Mixture of experts. num_experts == 0 means a dense model.
struct MoeConfig {
  std::int64_t num_experts = 0;         // routed experts per MoE layer
  std::int64_t experts_per_token = 0;   // top-k
  std::int64_t expert_intermediate = 0; // intermediate size of one routed expert
  std::int64_t shared_experts = 0;      // always-active experts (DeepSeek, Qwen2-MoE)
  std::int64_t shared_intermediate = 0; // intermediate size of one shared expert
  std::int64_t first_dense_layers = 0;  // leading layers with a dense MLP (DeepSeek first_k_dense_replace)
  std::int64_t layer_freq = 1;          // every layer_freq-th layer (after the dense ones) is MoE
  bool router_bias = false;             // e_score_correction_bias (DeepSeek-V3) or a router Linear bias
  bool shared_expert_gate = false;      // Qwen2-MoE: a sigmoid gate over the shared expert
  // Exact number of MoE layers when the parser knows it (Qwen's decoder_sparse_step / mlp_only_layers
  // patterns do not fit first_dense_layers + layer_freq); -1: derive it from those two fields.
  std::int64_t moe_layers = -1;
  bool is_dense() const { return num_experts == 0; }
};

// Gated DeltaNet linear attention (Qwen3-Next, transformers modeling_qwen3_next.py Qwen3NextGatedDeltaNet):
// the layers that use it instead of softmax attention keep a fixed-size state per sequence (a short
// convolution window and a recurrent matrix per value head), not K/V that grow with the sequence.
struct LinearAttentionConfig {
  std::int64_t layers = 0;  // how many of the stack's layers use it (0: none)
  std::int64_t num_k_heads = 0, num_v_heads = 0, head_k_dim = 0, head_v_dim = 0;
  std::int64_t conv_kernel = 0;  // linear_conv_kernel_dim
};

// One stack of transformer blocks of identical shape.
struct TransformerStack {
  std::int64_t layers = 0;
  std::int64_t hidden_size = 0;
  std::int64_t num_heads = 0;
  std::int64_t num_kv_heads = 0;
  std::int64_t head_dim = 0;            // explicit in config, else hidden_size / num_heads
  std::int64_t intermediate_size = 0;   // dense MLP width
  AttentionKind attention = AttentionKind::mha_gqa;
  MlaConfig mla;
  MoeConfig moe;
  MlpKind mlp = MlpKind::gated;
  NormKind norm = NormKind::rms;
  bool qkv_bias = false;                // q, k, v projection biases
  bool o_bias = false;                  // output projection bias
  bool mlp_bias = false;                // MLP projection biases
  bool qk_norm = false;                 // per-head RMSNorm on q and k (Qwen3, Gemma 3)
  bool attn_output_gate = false;        // q_proj also emits a sigmoid gate over the attention output,
                                        // doubling its width (Qwen3NextAttention)
  bool qk_norm_full_width = false;      // with qk_norm: q_norm spans heads*head_dim and k_norm
                                        // kv_heads*head_dim instead of one head_dim each (OLMo 2)
  bool k_bias = true;                   // with qkv_bias: whether k_proj has a bias (Whisper's has none)
  std::int64_t norms_per_layer = 2;     // Gemma 2/3 have 4 (pre/post attention and MLP)
  bool cross_attention = false;         // decoder layers attending to an encoder (Whisper)
  // Attention span: layers with a sliding window attend to at most `sliding_window` tokens.
  std::int64_t sliding_window = 0;      // 0: no sliding window
  std::int64_t sliding_window_layers = 0;  // how many of `layers` use it
  // MLP activation written in Python ops (transformers NewGELUActivation, "gelu_new": GPT-2, Phi-2):
  // autograd keeps its intermediates (memory_activations.cpp mlp_bytes).
  bool python_tanh_gelu = false;
  bool hidden_dropout = false;  // residual dropout active in training (resid_pdrop > 0: GPT-2, Phi-2)
  // Parameters of one block that the fields above do not describe, set by the family reader that knows
  // them: gpt-oss attention sinks (one per head), StableLM's per-head q/k LayerNorms without bias.
  std::int64_t extra_block_params = 0;
  LinearAttentionConfig linear_attention;  // layers with Gated DeltaNet instead of attention
  // Mllama (Llama 3.2 Vision): layers whose attention is cross-attention to the image instead of
  // self-attention. Their K/V are the image's positions (cross_attention_positions per image), fixed per
  // sequence; each such layer has cross_layer_extra_params more parameters than a self-attention block.
  std::int64_t cross_attention_layers = 0;
  std::int64_t cross_attention_positions = 0;
  std::int64_t cross_layer_extra_params = 0;
  // Gemma 3n KV sharing (Gemma3nTextAttention is_kv_shared_layer): layers that read an earlier layer's K/V and
  // cache none, and how many of them are sliding-window layers.
  std::int64_t kv_shared_layers = 0;
  std::int64_t kv_shared_window_layers = 0;
  // Hidden-size streams carried from block to block (Gemma 3n AltUp: altup_num_inputs; 1 otherwise): what a
  // checkpointed block keeps as its input, and the residual stream at inference.
  std::int64_t residual_streams = 1;
  // Elements per token one block keeps for backward beyond what the fields above describe (Gemma 3n AltUp,
  // LAuReL and per-layer inputs), at the compute dtype, not split by tensor parallelism.
  std::int64_t extra_saved_per_token = 0;
};

// Extra parameters outside the text stack (vision tower and projector, audio encoder), counted
// exactly by the config parser, with a name for the breakdown.
struct ExtraTower {
  std::string name;           // "vision", "audio_encoder", ...
  std::int64_t params = 0;
  TransformerStack stack;     // its blocks, for activation estimates (layers == 0 when unknown)
  std::int64_t block_params = 0;  // parameters of one of its blocks (largest-layer estimates)
};

struct ModelConfig {
  std::string id;             // catalog id, or `_name_or_path` of a pasted config, or "custom"
  std::string model_type;     // Hugging Face model_type: "llama", "qwen2", "gemma3", ...
  std::string architecture;   // first entry of "architectures", if any
  ModelKind kind = ModelKind::decoder;
  TransformerStack text;      // the language model (the decoder of an encoder-decoder)
  std::int64_t vocab_size = 0;
  // Token-embedding rows beyond vocab_size that the LM head does not have (MllamaTextModel embed_tokens:
  // vocab_size + 8).
  std::int64_t extra_embedding_rows = 0;
  // Embedding-table parameters besides the token embeddings (Gemma 3n embed_tokens_per_layer): lookups, no FLOPs.
  std::int64_t per_layer_embedding_params = 0;
  std::int64_t max_position_embeddings = 0;
  std::int64_t learned_position_embeddings = 0;  // rows of a learned position table (GPT-2, BERT, Whisper decoder)
  std::int64_t token_type_embeddings = 0;        // BERT token_type_ids rows
  bool tie_word_embeddings = false;
  bool token_embeddings = true;  // false: the input is not tokens (wav2vec2's convolutional feature encoder)
  bool embedding_norm = false;   // a norm right after the embeddings (BERT, DistilBERT, wav2vec2's encoder)
  bool final_norm = true;        // norm before the LM head
  bool lm_head_bias = false;     // Phi-2
  bool mlm_head = false;         // BERT/DistilBERT masked-LM transform (dense + norm + decoder bias)
  bool pooler = false;           // BertModel's pooler (dense hidden x hidden + bias)
  // DeepSeek-V3 multi-token-prediction layers (num_nextn_predict_layers): stored in the checkpoint but
  // not built by transformers' DeepseekV3ForCausalLM, so not counted in the parameters.
  std::int64_t nextn_predict_layers = 0;
  std::vector<ExtraTower> towers;  // vision / audio encoders and projectors
  // How images and audio become positions (media.hpp); scheme none: the model reads no such input.
  VisionInputSpec vision_input;
  AudioInputSpec audio_input;
  // How the parameters were counted: "exact" (a reader written from this model_type's transformers
  // modeling file) or "generic" (hf_generic.cpp: the standard config keys under stated assumptions).
  std::string counter = "exact";
  std::vector<std::string> count_assumptions;  // what the generic counter assumed, in words
  // The task head on top of the encoder/decoder (from `architectures`; BERT-family readers and the critic).
  std::int64_t num_labels = 0;  // classifier outputs (id2label / num_labels) when the head is a classifier
  bool classifier_dense = false;  // RobertaClassificationHead: a dense hidden x hidden layer before out_proj
  std::string torch_dtype;       // as in config.json ("bfloat16", ...), "" when absent
  // What the exact reader knows the estimate approximates for this architecture (every result carries
  // them as warnings): e.g. Gated DeltaNet layers' activations taken as an attention layer's.
  std::vector<std::string> model_warnings;
};

// Builds a ModelConfig from a raw Hugging Face config.json (multimodal `text_config` included).
// `pointer` is where the config sits in the input document ("" for a file given alone, "/model" in a
// scenario), so that errors name the field: "/model/num_attention_heads: is required ...".
// An unknown model_type gets a generic count (counter "generic", with its assumptions) when the standard
// keys are there; a config without them is an error naming the missing field.
Expected<ModelConfig> model_from_hf_config(const Json& config, const std::string& pointer);

// "" for an exact count; for a generic one the warning every result carries: which model_type had no
// exact reader and what was assumed.
std::string generic_count_warning(const ModelConfig& model);

// The model_type values model_from_hf_config counts exactly.
const std::vector<std::string>& supported_model_types();

}  // namespace vramplan
