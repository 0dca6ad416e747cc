// Hugging Face config.json -> ModelConfig.
//
// Every default below is the default of the transformers configuration class named beside it
// (src/transformers/models/<type>/configuration_<type>.py): real config.json files omit keys whose value
// equals the class default (google/gemma-3-4b-it's text_config names only hidden_size,
// intermediate_size and num_hidden_layers), so those defaults are part of the format.
// hidden_size, num_hidden_layers and intermediate_size (or their GPT-2/DistilBERT/Whisper names) are
// required: they set the model's size, every real config names them, and guessing them would be wrong.
//
// This file is the dispatcher: model_type -> the family reader (hf_<family>.cpp, hf_families.hpp), else
// the generic counter (hf_generic.cpp).
#include <string>
#include <vector>

#include "hf_common.hpp"
#include "hf_families.hpp"
#include "hf_generic.hpp"
#include "vramplan/json_reader.hpp"
#include "vramplan/model.hpp"

namespace vramplan {
namespace {

using namespace hf;  // the readers and checked arithmetic shared by every family (hf_common.hpp)

struct Family {
  const char* model_type;
  void (*read)(ObjectReader& r, ModelConfig& m);
  // A wrapper with its own text_config/vision_config/audio_config layout: never the reader of a nested
  // text_config (read_known_text_config).
  bool multimodal;
};

// Every exactly counted model_type, sorted by name.
const std::vector<Family>& families() {
  static const std::vector<Family> kFamilies = {
      {"bert", parse_bert, false},
      {"camembert", parse_roberta, false},
      {"cohere", parse_cohere, false},
      {"deepseek_v2", [](ObjectReader& r, ModelConfig& m) { parse_deepseek(r, m, false); }, false},
      {"deepseek_v3", [](ObjectReader& r, ModelConfig& m) { parse_deepseek(r, m, true); }, false},
      {"distilbert", parse_distilbert, false},
      {"falcon", parse_falcon, false},
      {"gemma", parse_gemma, false},
      {"gemma2", parse_gemma2, false},
      {"gemma3", parse_gemma3, true},
      {"gemma3_text", parse_gemma3_text, false},
      {"gemma3n", parse_gemma3n, true},
      {"gemma3n_text", parse_gemma3n_text, false},
      {"gpt2", parse_gpt2, false},
      {"gpt_bigcode", parse_gpt_bigcode, false},
      {"gpt_neox", parse_gpt_neox, false},
      {"gpt_oss", parse_gpt_oss, false},
      {"gptj", parse_gptj, false},
      {"granite", parse_llama, false},
      {"internlm2", parse_internlm2, false},
      {"internvl", parse_internvl, true},
      {"internvl_chat", parse_internvl_chat, true},
      {"llama", parse_llama, false},
      {"llama4", parse_llama4, true},
      {"llama4_text", parse_llama4_text, false},
      {"llava", parse_llava, true},
      {"mistral", parse_mistral, false},
      {"mistral3", parse_mistral3, true},
      {"mixtral", parse_mixtral, false},
      {"mllama", parse_mllama, true},
      {"olmo2", parse_olmo2, false},
      {"phi", parse_phi, false},
      {"phi3", parse_phi3, false},
      {"phi3_v", parse_phi3_v, true},
      {"phi4_multimodal", [](ObjectReader& r, ModelConfig& m) { parse_phi4_multimodal(r, m, false); }, true},
      {"phi4mm", [](ObjectReader& r, ModelConfig& m) { parse_phi4_multimodal(r, m, true); }, true},
      {"qwen2", parse_qwen2, false},
      {"qwen2_5_vl", [](ObjectReader& r, ModelConfig& m) { parse_qwen_vl(r, m, true); }, true},
      {"qwen2_moe", parse_qwen2_moe, false},
      {"qwen2_vl", [](ObjectReader& r, ModelConfig& m) { parse_qwen_vl(r, m, false); }, true},
      {"qwen3", parse_qwen3, false},
      {"qwen3_moe", parse_qwen3_moe, false},
      {"qwen3_next", parse_qwen3_next, false},
      {"roberta", parse_roberta, false},
      {"stablelm", parse_stablelm, false},
      {"starcoder2", parse_starcoder2, false},
      {"wav2vec2", parse_wav2vec2, true},
      {"whisper", parse_whisper, true},
      {"xlm-roberta", parse_roberta, false},
  };
  return kFamilies;
}

const Family* find_family(const std::string& model_type) {
  for (const Family& f : families()) {
    if (model_type == f.model_type) return &f;
  }
  return nullptr;
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
  if (const Family* family = find_family(m.model_type)) {
    family->read(r, m);
  } else {
    parse_generic(r, m, read_known_text_config);
  }
  validate(m, pointer);
  return m;
}

}  // namespace

namespace hf {

bool read_known_text_config(ObjectReader& t, ModelConfig& m) {
  const Json* type = t.find("model_type");
  if (type == nullptr || !type->is_string()) return false;
  const Family* family = find_family(type->get_ref<const std::string&>());
  if (family == nullptr || family->multimodal) return false;
  family->read(t, m);
  return true;
}

void count_generically(ObjectReader& top, ModelConfig& m) {
  ModelConfig fresh;
  fresh.id = m.id;
  fresh.model_type = m.model_type;
  fresh.architecture = m.architecture;
  fresh.torch_dtype = m.torch_dtype;
  m = fresh;
  parse_generic(top, m, read_known_text_config);
}

}  // namespace hf

const std::vector<std::string>& supported_model_types() {
  static const std::vector<std::string> kTypes = [] {
    std::vector<std::string> types;
    for (const Family& f : families()) types.emplace_back(f.model_type);
    return types;
  }();
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
