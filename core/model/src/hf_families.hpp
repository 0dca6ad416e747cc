#pragma once
// The exact config.json readers, one file per architecture family (internal to core/model). Each fills a
// ModelConfig from a config object as transformers' configuration and modeling classes of that
// model_type define it; hf_config.cpp maps model_type to the reader.
#include "vramplan/json_reader.hpp"
#include "vramplan/model.hpp"

namespace vramplan::hf {

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

// hf_gemma.cpp
void parse_gemma(ObjectReader& r, ModelConfig& m);
void parse_gemma2(ObjectReader& r, ModelConfig& m);
void parse_gemma3_text(ObjectReader& r, ModelConfig& m);
void parse_gemma3(ObjectReader& top, ModelConfig& m);

// hf_deepseek.cpp (v3: DeepSeek-V3 class defaults rather than V2's)
void parse_deepseek(ObjectReader& r, ModelConfig& m, bool v3);

// hf_gpt.cpp
void parse_gpt2(ObjectReader& r, ModelConfig& m);

// hf_encoder.cpp
void parse_bert(ObjectReader& r, ModelConfig& m);
void parse_roberta(ObjectReader& r, ModelConfig& m);
void parse_distilbert(ObjectReader& r, ModelConfig& m);

// hf_audio.cpp
void parse_whisper(ObjectReader& r, ModelConfig& m);

}  // namespace vramplan::hf
