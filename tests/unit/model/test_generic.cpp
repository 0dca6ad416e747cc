// The generic counter (core/model/src/hf_generic.cpp): unknown model_types get a count from the standard
// keys, with every assumption stated, and a known text_config inside an unknown wrapper keeps its exact reader.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <string>

#include "vramplan/model.hpp"
#include "vramplan/params.hpp"

using vramplan::Json;
using vramplan::ModelConfig;

namespace {

ModelConfig parse_ok(const std::string& text) {
  const auto m = vramplan::model_from_hf_config(Json::parse(text), "");
  INFO((m.ok() ? std::string() : m.error().line()));
  REQUIRE(m.ok());
  return m.value();
}

std::int64_t total_params(const ModelConfig& m) {
  const auto c = vramplan::count_params(m);
  REQUIRE(c.ok());
  return c.value().total;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("a GPTBigCode fork (StarCoder's shape) is counted generically, by hand") {
  // bigcode/starcoder config.json (the model card: 15.5B parameters) under a model_type without an exact
  // reader (gpt_bigcode itself has one: test_params_families.cpp): multi-query attention, GPT-2 style
  // learned positions, LayerNorm with biases, a 4x MLP, tied embeddings.
  const ModelConfig m = parse_ok(R"({"model_type": "gpt_bigcode_fork", "architectures": ["GPTBigCodeForCausalLM"],
    "activation_function": "gelu_pytorch_tanh", "multi_query": true, "n_embd": 6144, "n_head": 48,
    "n_inner": 24576, "n_layer": 40, "n_positions": 8192, "vocab_size": 49152, "layer_norm_epsilon": 1e-05})");
  CHECK(m.counter == "generic");
  CHECK(m.text.num_kv_heads == 1);
  // GPTBigCodeAttention: c_attn Linear(h, h + 2 x head_dim) and c_proj Linear(h, h), with biases;
  // GPTBigCodeMLP c_fc / c_proj with biases; ln_1, ln_2 (weight + bias); wte, wpe, ln_f.
  const std::int64_t h = 6144, hd = 128, inner = 24576;
  const std::int64_t attention = h * (h + 2 * hd) + (h + 2 * hd) + h * h + h;
  const std::int64_t mlp = h * inner + inner + inner * h + h;
  const std::int64_t block = attention + mlp + 4 * h;
  const std::int64_t expected = 49152 * h + 8192 * h + 40 * block + 2 * h;
  CHECK(total_params(m) == expected);
  CHECK(std::llabs(expected - 15'500'000'000) < 50'000'000);  // the model card's 15.5B
  const std::string warning = vramplan::generic_count_warning(m);
  CHECK(contains(warning, "gpt_bigcode"));
  CHECK(contains(warning, "two-matrix MLP"));
  CHECK(contains(warning, "tied input and output embeddings"));
}

TEST_CASE("an unknown wrapper around a known language model keeps the exact text reader") {
  // llava-hf/llava-1.5-7b-hf config.json under a model_type without an exact reader (llava itself has one,
  // which gives exactly 7,063,427,072: test_params_families.cpp): text_config llama (vocab 32064),
  // vision_config CLIP ViT-L/14-336. Published total (safetensors metadata): 7,063,427,072.
  const ModelConfig m = parse_ok(R"({"model_type": "llava_fork", "architectures": ["LlavaForConditionalGeneration"],
    "text_config": {"model_type": "llama", "hidden_size": 4096, "intermediate_size": 11008,
      "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 32, "vocab_size": 32064,
      "rms_norm_eps": 1e-05},
    "vision_config": {"model_type": "clip_vision_model", "hidden_size": 1024, "intermediate_size": 4096,
      "num_hidden_layers": 24, "num_attention_heads": 16, "image_size": 336, "patch_size": 14,
      "projection_dim": 768}, "tie_word_embeddings": false})");
  CHECK(m.counter == "generic");
  CHECK(m.text.mlp == vramplan::MlpKind::gated);
  REQUIRE(m.towers.size() == 1);
  CHECK(m.towers[0].name == "vision");
  const double total = static_cast<double>(total_params(m));
  // The projector is a 2-layer MLP in LLaVA (about 21M) where the generic tower assumes one linear (4M):
  // within 0.5% of the published total.
  CHECK(std::fabs(total - 7063427072.0) / 7063427072.0 < 0.005);
}

TEST_CASE("an encoder-decoder config gets an encoder tower of the decoder's width") {
  // google-t5/t5-small (model card: 60M parameters; 60,506,624 in transformers).
  const ModelConfig m = parse_ok(R"({"model_type": "t5", "architectures": ["T5ForConditionalGeneration"],
    "d_model": 512, "d_ff": 2048, "d_kv": 64, "num_layers": 6, "num_heads": 8, "vocab_size": 32128,
    "feed_forward_proj": "relu", "is_encoder_decoder": true, "layer_norm_epsilon": 1e-06})");
  CHECK(m.kind == vramplan::ModelKind::encoder_decoder);
  CHECK(m.text.cross_attention);
  REQUIRE(m.towers.size() == 1);
  CHECK(m.towers[0].stack.layers == 6);
  // T5 has no biases and weight-only norms, which the generic LayerNorm assumption adds: within 2%.
  const double total = static_cast<double>(total_params(m));
  CHECK(std::fabs(total - 60506624.0) / 60506624.0 < 0.02);
}

TEST_CASE("a generic MoE reads the common expert keys") {
  const ModelConfig m = parse_ok(R"({"model_type": "some_new_moe", "hidden_size": 2048, "num_hidden_layers": 24,
    "num_attention_heads": 16, "num_key_value_heads": 4, "intermediate_size": 8192, "vocab_size": 100000,
    "num_experts": 64, "num_experts_per_tok": 8, "moe_intermediate_size": 1024, "hidden_act": "silu",
    "rms_norm_eps": 1e-6, "tie_word_embeddings": false})");
  CHECK(m.text.moe.num_experts == 64);
  CHECK(m.text.moe.experts_per_token == 8);
  CHECK(m.text.moe.expert_intermediate == 1024);
  const auto c = vramplan::count_params(m);
  REQUIRE(c.ok());
  // Routed expert: 3 x 2048 x 1024; 56 of 64 idle per token on each of 24 layers.
  CHECK(c.value().total - c.value().active == 24LL * 56 * 3 * 2048 * 1024);
}

TEST_CASE("a bare sliding_window is not applied (the larger, full-attention KV cache)") {
  const ModelConfig m = parse_ok(R"({"model_type": "new_arch", "hidden_size": 1024, "num_hidden_layers": 4,
    "num_attention_heads": 8, "vocab_size": 1000, "sliding_window": 512})");
  CHECK(m.text.sliding_window_layers == 0);
  CHECK(contains(vramplan::generic_count_warning(m), "full attention"));
  const ModelConfig typed = parse_ok(R"({"model_type": "new_arch", "hidden_size": 1024, "num_hidden_layers": 4,
    "num_attention_heads": 8, "vocab_size": 1000, "sliding_window": 512,
    "layer_types": ["sliding_attention", "full_attention", "sliding_attention", "full_attention"]})");
  CHECK(typed.text.sliding_window_layers == 2);
  CHECK(typed.text.sliding_window == 512);
}

TEST_CASE("encoder task heads follow `architectures` and num_labels") {
  const std::string bert = R"("model_type": "bert", "hidden_size": 768, "num_hidden_layers": 12,
    "num_attention_heads": 12, "intermediate_size": 3072, "vocab_size": 30522)";
  const ModelConfig mlm = parse_ok("{" + bert + R"(, "architectures": ["BertForMaskedLM"]})");
  const ModelConfig seq = parse_ok("{" + bert + R"(, "architectures": ["BertForSequenceClassification"],
    "id2label": {"0": "neg", "1": "neu", "2": "pos"}})");
  const ModelConfig tok = parse_ok("{" + bert + R"(, "architectures": ["BertForTokenClassification"],
    "num_labels": 9})");
  CHECK(mlm.mlm_head);
  CHECK(seq.num_labels == 3);
  CHECK(seq.pooler);
  CHECK_FALSE(seq.mlm_head);
  CHECK(tok.num_labels == 9);
  CHECK_FALSE(tok.pooler);
  // bert-base-uncased BertForSequenceClassification with 2 labels: 109,483,778 (transformers); here 3
  // labels: + 769. BertForMaskedLM: 109,514,298 (the MLM transform and decoder bias, no pooler).
  CHECK(total_params(seq) == 109'483'778 + 769);
  CHECK(total_params(mlm) == 109'514'298);
  CHECK(total_params(tok) == 109'482'240 - 768 * 768 - 768 + 768 * 9 + 9);
}

TEST_CASE("RoBERTa is BERT's architecture with its own head and defaults") {
  // FacebookAI/roberta-base RobertaForMaskedLM: 124,697,433; RobertaForSequenceClassification (2 labels):
  // 124,647,170 (transformers).
  const std::string base = R"("model_type": "roberta", "hidden_size": 768, "num_hidden_layers": 12,
    "num_attention_heads": 12, "intermediate_size": 3072, "vocab_size": 50265, "max_position_embeddings": 514,
    "type_vocab_size": 1)";
  CHECK(total_params(parse_ok("{" + base + R"(, "architectures": ["RobertaForMaskedLM"]})")) == 124'697'433);
  CHECK(total_params(parse_ok("{" + base + R"(, "architectures": ["RobertaForSequenceClassification"]})")) ==
        124'647'170);
}

TEST_CASE("a config without model_type is counted generically, and says so") {
  const ModelConfig m = parse_ok(R"({"hidden_size": 512, "num_hidden_layers": 2, "num_attention_heads": 8,
    "vocab_size": 1000, "intermediate_size": 1024})");
  CHECK(m.counter == "generic");
  CHECK(contains(vramplan::generic_count_warning(m), "has no exact reader"));
}
