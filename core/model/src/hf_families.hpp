#pragma once
// The exact config.json readers, one file per architecture family (internal to core/model). Each fills a
// ModelConfig from a config object as transformers' configuration and modeling classes of that
// model_type define it; hf_config.cpp maps model_type to the reader.
#include "vramplan/json_reader.hpp"
#include "vramplan/model.hpp"

namespace vramplan::hf {

// hf_config.cpp: a nested text_config read by the exact reader of its own model_type; false when that
// type has none (or is itself a multimodal wrapper).
bool read_known_text_config(ObjectReader& text_config, ModelConfig& m);
// hf_config.cpp: counts the whole config generically instead (a wrapper around a model_type, or a task
// head, that has no exact reader): the identity read so far is kept, every architecture field starts over.
void count_generically(ObjectReader& top, ModelConfig& m);

// hf_llama.cpp
void parse_llama(ObjectReader& r, ModelConfig& m);
void parse_mistral(ObjectReader& r, ModelConfig& m);
void parse_mixtral(ObjectReader& r, ModelConfig& m);
void parse_phi(ObjectReader& r, ModelConfig& m);
void parse_phi3(ObjectReader& r, ModelConfig& m);
void parse_olmo2(ObjectReader& r, ModelConfig& m);

// hf_qwen.cpp (v2_5: Qwen2.5-VL rather than Qwen2-VL)
void parse_qwen2(ObjectReader& r, ModelConfig& m);
void parse_qwen2_moe(ObjectReader& r, ModelConfig& m);
void parse_qwen3(ObjectReader& r, ModelConfig& m);
void parse_qwen3_moe(ObjectReader& r, ModelConfig& m);
void parse_qwen_vl(ObjectReader& top, ModelConfig& m, bool v2_5);
void parse_qwen3_next(ObjectReader& r, ModelConfig& m);

// hf_llama4.cpp
void parse_llama4(ObjectReader& top, ModelConfig& m);
void parse_llama4_text(ObjectReader& r, ModelConfig& m);

// hf_gemma.cpp
void parse_gemma(ObjectReader& r, ModelConfig& m);
void parse_gemma2(ObjectReader& r, ModelConfig& m);
void parse_gemma3_text(ObjectReader& r, ModelConfig& m);
void parse_gemma3(ObjectReader& top, ModelConfig& m);

// hf_phi4mm.cpp: Phi-4-multimodal, native ("phi4_multimodal") or remote-code ("phi4mm", its LoRA adapters counted).
void parse_phi4_multimodal(ObjectReader& r, ModelConfig& m, bool remote);

// hf_mobilenetv5.cpp: timm mobilenetv5_300m_enc (Gemma 3n's vision encoder).
std::vector<std::string> mobilenetv5_300m_arch();
std::int64_t mobilenetv5_300m_params();
struct MobileNetActivations {
  std::int64_t saved = 0;  // elements kept for backward by one image's forward
  std::int64_t peak = 0;   // the most one block keeps
};
MobileNetActivations mobilenetv5_300m_activations(std::int64_t image, std::int64_t tokens);

// hf_gemma3n.cpp
void parse_gemma3n_text(ObjectReader& r, ModelConfig& m);
void parse_gemma3n(ObjectReader& top, ModelConfig& m);

// hf_deepseek.cpp (v3: DeepSeek-V3 class defaults rather than V2's)
void parse_deepseek(ObjectReader& r, ModelConfig& m, bool v3);

// hf_gpt.cpp
void parse_gpt2(ObjectReader& r, ModelConfig& m);
void parse_gpt_bigcode(ObjectReader& r, ModelConfig& m);
void parse_gptj(ObjectReader& r, ModelConfig& m);
void parse_gpt_neox(ObjectReader& r, ModelConfig& m);
void parse_falcon(ObjectReader& r, ModelConfig& m);

// hf_decoders.cpp
void parse_starcoder2(ObjectReader& r, ModelConfig& m);
void parse_cohere(ObjectReader& r, ModelConfig& m);
void parse_internlm2(ObjectReader& r, ModelConfig& m);
void parse_stablelm(ObjectReader& r, ModelConfig& m);

// hf_gpt_oss.cpp
void parse_gpt_oss(ObjectReader& r, ModelConfig& m);

// hf_vision.cpp
void parse_llava(ObjectReader& top, ModelConfig& m);
void parse_mistral3(ObjectReader& top, ModelConfig& m);
void parse_phi3_v(ObjectReader& r, ModelConfig& m);

// hf_internvl.cpp
void parse_internvl(ObjectReader& top, ModelConfig& m);
void parse_internvl_chat(ObjectReader& top, ModelConfig& m);

// hf_mllama.cpp
void parse_mllama(ObjectReader& top, ModelConfig& m);

// hf_encoder.cpp
void parse_bert(ObjectReader& r, ModelConfig& m);
void parse_roberta(ObjectReader& r, ModelConfig& m);
void parse_distilbert(ObjectReader& r, ModelConfig& m);

// hf_audio.cpp
void parse_whisper(ObjectReader& r, ModelConfig& m);
void parse_wav2vec2(ObjectReader& r, ModelConfig& m);

}  // namespace vramplan::hf
