// Exact counts of the MoE / hybrid families of issue 17's "any model" part: Llama 4 (interleaved MoE with
// a shared expert, chunked attention, pixel-shuffle vision tower) and Qwen3-Next (Gated DeltaNet layers
// with a fixed state, gated attention, MoE with a gated shared expert). Each config is a fixture under
// tests/unit/model/configs/ (its source URL and the published figure are in the file). Each test pins the
// count derived by hand from the transformers modeling file (arithmetic in the comment) and checks it
// against the published figure: within 0.5%, or half a unit of the last printed digit when looser
// (test_params.cpp's rule).
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "model/params_test_support.hpp"
#include "vramplan/memory.hpp"

using vramplan::ModelConfig;
using vramplan::ParamCounts;
using vramplan::params_test::check_published;
using vramplan::params_test::counts;
using vramplan::params_test::group;

namespace {

ModelConfig fixture(const std::string& file) {
  return vramplan::params_test::exact_model(vramplan::params_test::fixture_config(file));
}

// Llama 4 Scout and Maverick share the attention, the embeddings and the vision tower:
//   attention q 5120x5120 + k, v 5120x1024 each + o 5120x5120 = 62,914,560; + 2 RMSNorms 10,240
//   one expert (and the shared expert) 3 x 5120 x 8192 = 125,829,120; dense MLP 3 x 5120 x 16384 = 251,658,240
//   embed_tokens and lm_head 202048 x 5120 = 1,034,485,760 each (untied), norm 5120
//   vision: patch linear 588x1408 = 827,904 + class 1408 + positions 577x1408 = 812,416 + 2 LayerNorms 5,632
//     + 34 blocks x (attention 4 x (1408^2 + 1408) = 7,935,488 + MLP 2 x 1408 x 5632 + 5632 + 1408 =
//     15,866,752 + 2 LayerNorms 5,632 = 23,807,872) = 809,467,648 + adapter 5632x4096 + 4096^2 = 39,845,888
//     + projector 4096x5120 = 20,971,520: 871,932,416.
constexpr std::int64_t kLlama4Block = 62'914'560 + 10'240;
constexpr std::int64_t kLlama4Expert = 125'829'120;
constexpr std::int64_t kLlama4Rest = 2LL * 1'034'485'760 + 5'120 + 871'932'416;

}  // namespace

TEST_CASE("llama4 (Scout 17B-16E): 48 MoE layers of 16 experts + a shared expert: 109B total, 17B active") {
  const ModelConfig m = fixture("llama4-scout-17b-16e-instruct.json");
  const ParamCounts c = counts(m);
  // MoE block: 16 experts + router 16x5120 + shared expert = 2,139,176,960; x48 with attention and norms.
  const std::int64_t moe_block = kLlama4Block + 17 * kLlama4Expert + 16 * 5'120;
  CHECK(c.total == 48 * moe_block + kLlama4Rest);
  CHECK(c.total == 108'641'793'536);
  CHECK(group(c, "vision") == 871'932'416);
  check_published(c.total, 109e9, 1e9);
  // top-1: 15 idle experts per layer. The card's 17B active is the language model's
  // (107,769,861,120 - 48 x 15 x 125,829,120 = 17,172,894,720); the vision tower adds 0.87B.
  CHECK(c.active == c.total - 48 * 15 * kLlama4Expert);
  check_published(c.active - group(c, "vision"), 17e9, 1e9);
  // 36 chunked-attention (RoPE) layers keep 8192 tokens; the 12 NoPE layers are global.
  CHECK(m.text.sliding_window == 8192);
  CHECK(m.text.sliding_window_layers == 36);
  CHECK(m.text.moe.moe_layers == 48);
  CHECK(m.text.intermediate_size == 16384);
}

TEST_CASE("llama4 (Maverick 17B-128E): MoE on every second layer, dense MLP 16384 on the others: 400B total") {
  const ModelConfig m = fixture("llama4-maverick-17b-128e-instruct.json");
  const ParamCounts c = counts(m);
  // interleave_moe_layer_step 2: moe_layers = range(1, 48, 2), 24 of them. use_qk_norm False (no weights
  // either way: Llama4TextL2Norm has none).
  const std::int64_t moe_block = kLlama4Block + 129 * kLlama4Expert + 128 * 5'120;
  const std::int64_t dense_block = kLlama4Block + 251'658'240;
  CHECK(m.text.moe.moe_layers == 24);
  CHECK(c.total == 24 * moe_block + 24 * dense_block + kLlama4Rest);
  CHECK(c.total == 401'583'781'376);
  check_published(c.total, 400e9, 1e9);  // 0.40% above the card's rounded 400B
  CHECK(c.active == c.total - 24 * 127 * kLlama4Expert);
  check_published(c.active - group(c, "vision"), 17e9, 1e9);  // 17,184,691,200
  CHECK(c.largest_layer == moe_block);
}

TEST_CASE("llama4: a text-only llama4_text config, moe_layers and layer_types given, attention_chunk_size null") {
  const auto m = vramplan::model_from_hf_config(vramplan::Json::parse(R"({"model_type": "llama4_text",
    "hidden_size": 64, "intermediate_size": 32, "intermediate_size_mlp": 128, "num_hidden_layers": 4,
    "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16, "num_local_experts": 4,
    "vocab_size": 100, "moe_layers": [1, 3],
    "layer_types": ["chunked_attention", "full_attention", "chunked_attention", "full_attention"]})"), "");
  REQUIRE(m.ok());
  CHECK(m.value().text.moe.moe_layers == 2);
  CHECK(m.value().text.sliding_window_layers == 2);
  // attention 64x64 + 2 x 64x32 + 64x64 = 12,288, norms 128; dense 3 x 64 x 128 = 24,576; MoE 5 x 3 x 64 x
  // 32 + router 4 x 64 = 30,976 (4 experts + the shared one); embeddings 2 x 100 x 64 + norm 64.
  const auto c = vramplan::count_params(m.value());
  REQUIRE(c.ok());
  CHECK(c.value().total == 2 * (12'416 + 24'576) + 2 * (12'416 + 5 * 3 * 64 * 32 + 4 * 64) + 12'800 + 64);
  const auto unchunked = vramplan::model_from_hf_config(vramplan::Json::parse(R"({"model_type": "llama4_text",
    "hidden_size": 64, "intermediate_size": 32, "num_hidden_layers": 4, "attention_chunk_size": null})"), "");
  REQUIRE(unchunked.ok());
  CHECK(unchunked.value().text.sliding_window_layers == 0);
  const auto bad = vramplan::model_from_hf_config(vramplan::Json::parse(R"({"model_type": "llama4_text",
    "hidden_size": 64, "intermediate_size": 32, "num_hidden_layers": 4, "moe_layers": [7]})"), "");
  REQUIRE(!bad.ok());
  CHECK(bad.error().pointer == "/moe_layers/0");
}

TEST_CASE("qwen3_next (80B-A3B): 36 Gated DeltaNet + 12 gated-attention layers, 512 experts: 80B total") {
  const ModelConfig m = fixture("qwen3-next-80b-a3b-instruct.json");
  const ParamCounts c = counts(m);
  // full attention: q 2048 x (16 x 256 x 2) = 16,777,216 + k, v 2048 x 512 = 1,048,576 each + o 4096 x 2048
  //   = 8,388,608 + q_norm, k_norm 256 each: 27,263,488
  // Gated DeltaNet: conv1d 8192 x 4 = 32,768 + in_proj_qkvz 2048 x 12288 = 25,165,824 + in_proj_ba 2048 x 64
  //   = 131,072 + dt_bias, A_log 32 each + norm 128 + out_proj 4096 x 2048 = 8,388,608: 33,718,464
  // MoE: 512 experts x 3 x 2048 x 512 = 1,610,612,736 + router 512 x 2048 + shared expert 3,145,728 + gate
  //   2048 = 1,614,809,088; + 2 norms 4,096
  // embeddings 2 x 151936 x 2048 = 622,329,856 (untied) + norm 2048
  CHECK(m.text.linear_attention.layers == 36);
  const std::int64_t layers = 12LL * 27'263'488 + 36LL * 33'718'464 + 48LL * (1'614'809'088 + 4'096);
  CHECK(c.total == layers + 622'329'856 + 2'048);
  CHECK(c.total == 79'674'391'296);
  check_published(c.total, 80e9, 1e9);
  check_published(c.non_embedding, 79e9, 1e9);  // the card's non-embedding figure
  // top-10 of 512: 502 idle experts per layer; the card's 3B activated is the non-embedding count,
  // 3,874,683,648 - 622,329,856 = 3,252,353,792.
  CHECK(c.active == c.total - 48LL * 502 * 3'145'728);
  check_published(c.active - c.embedding, 3e9, 1e9);
  CHECK(c.largest_layer == 33'718'464 + 1'614'809'088 + 4'096);
  CHECK(!m.model_warnings.empty());
}

TEST_CASE("qwen3_next KV: 12 attention layers grow with the sequence, 36 DeltaNet layers keep a fixed state") {
  const ModelConfig m = fixture("qwen3-next-80b-a3b-instruct.json");
  // bf16: 12 layers x 2 x 2 kv heads x 256 x 2 B = 24,576 B per token. State per DeltaNet layer
  // (transformers: fp32 recurrent state): conv 3 x 8192 x 2 B = 49,152 + recurrent 32 x 128 x 128 x 4 B =
  // 2,097,152; x36 = 77,266,944 B per sequence.
  const auto kv = vramplan::memory::kv_bytes_per_token(m.text, 2.0, 1.0, false);
  CHECK(kv.full_bytes == doctest::Approx(24'576.0));
  CHECK(kv.window_bytes == 0.0);
  CHECK(kv.state_bytes == doctest::Approx(77'266'944.0));
  CHECK(vramplan::memory::kv_cache_bytes(kv, 4.0, 1000.0) == doctest::Approx(4.0 * (24'576.0 * 1000.0 + 77'266'944.0)));
  // tp 2: kv heads 1, conv 3 x 4096 x 2 B, recurrent 16 x 128 x 128 x 4 B.
  const auto kv2 = vramplan::memory::kv_bytes_per_token(m.text, 2.0, 2.0, false);
  CHECK(kv2.full_bytes == doctest::Approx(12'288.0));
  CHECK(kv2.state_bytes == doctest::Approx(36.0 * (24'576.0 + 1'048'576.0)));
  // vLLM keeps the recurrent state at the model dtype: 32 x 128 x 128 x 2 B = 1,048,576 per layer.
  const auto vllm = vramplan::memory::kv_bytes_per_token(m.text, 2.0, 1.0, true);
  CHECK(vllm.full_bytes == doctest::Approx(24'576.0));
  CHECK(vllm.state_bytes == doctest::Approx(36.0 * (49'152.0 + 1'048'576.0)));
}

TEST_CASE("llama4 KV: chunked layers keep attention_chunk_size tokens") {
  const ModelConfig m = fixture("llama4-scout-17b-16e-instruct.json");
  // 2 x 8 kv heads x 128 x 2 B = 4,096 B per layer per token: 12 global layers, 36 chunked.
  const auto kv = vramplan::memory::kv_bytes_per_token(m.text, 2.0, 1.0, false);
  CHECK(kv.full_bytes == doctest::Approx(12 * 4'096.0));
  CHECK(kv.window_bytes == doctest::Approx(36 * 4'096.0));
  CHECK(kv.state_bytes == 0.0);
  CHECK(vramplan::memory::kv_cache_bytes(kv, 1.0, 100'000.0) == doctest::Approx(49'152.0 * 100'000.0 + 147'456.0 * 8'192.0));
}

TEST_CASE("hybrid families: bad keys are errors naming the field, never a wrong count") {
  const auto error_of = [](const char* text) {
    const auto m = vramplan::model_from_hf_config(vramplan::Json::parse(text), "/model");
    REQUIRE(!m.ok());
    return m.error().pointer;
  };
  // Qwen3NextGatedDeltaNet splits value heads over key heads (fix_query_key_value_ordering).
  CHECK(error_of(R"({"model_type": "qwen3_next", "hidden_size": 64, "intermediate_size": 32, "num_hidden_layers": 4,
    "linear_num_key_heads": 3, "linear_num_value_heads": 4})") == "/model/linear_num_value_heads");
  CHECK(error_of(R"({"model_type": "qwen3_next", "hidden_size": 64, "intermediate_size": 32, "num_hidden_layers": 4,
    "layer_types": ["linear_attention"]})") == "/model/layer_types");
  CHECK(error_of(R"({"model_type": "llama4_text", "hidden_size": 64, "intermediate_size": 32, "num_hidden_layers": 4,
    "no_rope_layers": [1, 0]})") == "/model/no_rope_layers");
  CHECK(error_of(R"({"model_type": "llama4_text", "hidden_size": 64, "intermediate_size": 32, "num_hidden_layers": 4,
    "no_rope_layers": [1, 1, 2, 0]})") == "/model/no_rope_layers/2");
  CHECK(error_of(R"({"model_type": "internvl", "text_config": {"model_type": "qwen2", "hidden_size": 64,
    "intermediate_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2},
    "vision_config": {"image_size": []}})") == "/model/vision_config/image_size");
  CHECK(error_of(R"({"model_type": "mllama", "text_config": {"hidden_size": 64, "intermediate_size": 32,
    "num_hidden_layers": 4, "num_attention_heads": 4, "num_key_value_heads": 2, "cross_attention_layers": [9]}})") ==
        "/model/text_config/cross_attention_layers/0");
  // Huge linear-attention shapes overflow the count cleanly.
  const auto huge = vramplan::model_from_hf_config(vramplan::Json::parse(R"({"model_type": "qwen3_next",
    "hidden_size": 1048576, "intermediate_size": 32, "num_hidden_layers": 100000, "linear_num_key_heads": 65536,
    "linear_num_value_heads": 65536, "linear_key_head_dim": 65536, "linear_value_head_dim": 65536})"), "");
  REQUIRE(huge.ok());
  CHECK(!vramplan::count_params(huge.value()).ok());
}
