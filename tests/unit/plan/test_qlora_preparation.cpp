// QLoRA's k-bit preparation (train.lora.kbit_preparation, core/plan/src/train/train_layout.cpp) and the backward's
// side apart from the loss (core/plan/src/train/train_backward.cpp): bytes computed by hand for Mistral-7B-v0.1
// (32 layers, hidden 4096, MLP 14336, vocabulary 32000, untied lm_head; 65 RMSNorm weights of 4096).
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "rl_test_support.hpp"
#include "vramplan/api.hpp"
#include "vramplan/memory_qlora.hpp"
#include "vramplan/scenario.hpp"

using namespace vramplan;

namespace {

double bytes_of(const Json& result, const char* id) {
  for (const Json& c : result.at("per_gpu").at("components")) {
    if (c.at("id") == id) return c.at("bytes").get<double>();
  }
  return 0;
}

std::string formula_of(const Json& result, const char* id) {
  for (const Json& c : result.at("per_gpu").at("components")) {
    if (c.at("id") == id) return c.at("formula").get<std::string>();
  }
  return "";
}

// Mistral-7B QLoRA, amp-bf16, 1 x 1024 tokens, checkpointed; `extra` goes inside "train".
Json mistral(const std::string& preparation, const std::string& extra = "") {
  return rl_test::api_estimate(R"({"model": "mistralai/Mistral-7B-v0.1", "gpus": 2, "train": {"method": "qlora",
    "precision": "amp-bf16", "micro_batch_size": 1, "seq_len": 1024, "gradient_checkpointing": true,
    "lora": {"kbit_preparation": ")" + preparation + "\"}" + extra + "}}");
}

constexpr double kTokens = 1024, kLayers = 32, kHidden = 4096;
constexpr double kEmbeddings = 2.0 * 32000 * 4096;  // embed_tokens + lm_head
constexpr double kNorms = 65.0 * 4096;              // 2 per layer + the final norm

}  // namespace

TEST_CASE("kbit_preparation: TRL's keeps the norms in fp32, PEFT's every unquantized parameter; both make the stream fp32") {
  const Json none = mistral("none"), trl = mistral("trl"), peft = mistral("peft");
  CHECK(bytes_of(trl, "weights") - bytes_of(none, "weights") == doctest::Approx(kNorms * 2.0));
  CHECK(bytes_of(peft, "weights") - bytes_of(none, "weights") == doctest::Approx((kNorms + kEmbeddings) * 2.0));
  CHECK(formula_of(trl, "weights").find("+ 266240 params x 4 B (fp32: train.lora.kbit_preparation \"trl\"") !=
        std::string::npos);
  CHECK(formula_of(none, "activations").find("x 4096 h x 2 B (checkpointed block inputs)") != std::string::npos);
  for (const Json* prepared : {&trl, &peft}) {
    CHECK(formula_of(*prepared, "activations").find("x 4096 h x 4 B (checkpointed block inputs)") != std::string::npos);
    // 2 B more per checkpointed element and per element of the recomputed MLP's gate, act(gate), up and
    // down_proj input (14336 wide; all-linear LoRA keeps down_proj's input); the RMSNorm inputs were fp32 already.
    CHECK(bytes_of(*prepared, "activations") - bytes_of(none, "activations") ==
          doctest::Approx(kTokens * (kLayers * kHidden * 2 + 4 * 14336 * 2)).epsilon(1e-9));
  }
}

TEST_CASE("kbit_preparation trl is skipped on a sharded model (TRL's is_sharded_qlora); peft is not") {
  const std::string fsdp = R"(, "sharding": "fsdp")";
  const Json trl = mistral("trl", fsdp), none = mistral("none", fsdp), peft = mistral("peft", fsdp);
  CHECK(bytes_of(trl, "weights") == doctest::Approx(bytes_of(none, "weights")));
  CHECK(bytes_of(trl, "activations") == doctest::Approx(bytes_of(none, "activations")));
  CHECK(bytes_of(peft, "weights") > bytes_of(none, "weights"));
  const Json zero3 = mistral("trl", R"(, "sharding": "zero3")"), zero2 = mistral("trl", R"(, "sharding": "zero2")");
  CHECK(formula_of(zero3, "activations").find("h x 2 B (checkpointed") != std::string::npos);
  CHECK(formula_of(zero2, "activations").find("h x 4 B (checkpointed") != std::string::npos);
}

TEST_CASE("bitsandbytes' dequantized weight: the largest block linear in the compute dtype with its fp32 absmax") {
  memory::LinearInventory inv;
  inv.modules[0] = memory::LinearModule{1, 4096, 4096, 32};
  inv.modules[1] = memory::LinearModule{2, 4096, 14336, 64};
  inv.size = 2;
  CHECK(memory::largest_block_linear(inv) == doctest::Approx(4096.0 * 14336));
  CHECK(memory::nf4_dequantized_weight_bytes(inv, 2.0, 2.0, true) ==
        doctest::Approx(4096.0 * 14336 / 2 * (2.0 + 4.0 / memory::kNf4BlockSize)));
  CHECK(memory::nf4_dequantized_weight_bytes(inv, 4.0, 1.0, false) == doctest::Approx(4096.0 * 14336 * 4.0));
  CHECK(memory::largest_block_linear(memory::LinearInventory{}) == 0);
  // In the estimate: Mistral's gate/up/down (4096 x 14336), bf16 + 4/64 B.
  CHECK(bytes_of(mistral("none"), "dequantized_weight") == doctest::Approx(4096.0 * 14336 * 2.0625));
  CHECK(bytes_of(rl_test::api_estimate(R"({"model": "mistralai/Mistral-7B-v0.1", "train": {"method": "lora"}})"),
                 "dequantized_weight") == 0);
}

TEST_CASE("the loss and the backward never coexist: the logits line keeps what the loss needs beyond them") {
  // One GPU, no sharding: the recomputed block and the dequantized weight come after the loss's tensors are freed.
  const Json one = rl_test::api_estimate(R"({"model": "mistralai/Mistral-7B-v0.1", "train": {"method": "qlora",
    "precision": "amp-bf16", "micro_batch_size": 1, "seq_len": 1024, "gradient_checkpointing": true}})");
  // Under FSDP the recomputed block stays beside the loss (the safe side); the dequantized weight still does not.
  const Json fsdp = mistral("none", R"(, "sharding": "fsdp")");
  const double dequantized = 4096.0 * 14336 * 2.0625;
  const double loss = bytes_of(fsdp, "logits") + dequantized;
  const double ckpt = kTokens * kLayers * kHidden * 2, final_norm = kTokens * 4 * kHidden;
  const double block = bytes_of(one, "activations") - ckpt - final_norm;
  CHECK(loss == doctest::Approx(kTokens * 32000 * 14));
  CHECK(bytes_of(one, "logits") == doctest::Approx(loss - block - dequantized));
  CHECK(formula_of(one, "logits").find("less the backward's recomputed block") != std::string::npos);
  CHECK(formula_of(fsdp, "logits").find("less the backward's dequantized weight") != std::string::npos);
  // The peak: checkpoints + final norm + the larger side.
  const double transient = bytes_of(one, "activations") + bytes_of(one, "logits") + bytes_of(one, "dequantized_weight");
  CHECK(transient == doctest::Approx(ckpt + final_norm + std::max(loss, block + dequantized)));
}

TEST_CASE("train.lora.kbit_preparation is echoed (default none) and a bad value is refused naming the key") {
  auto parse = [](const std::string& lora) {
    return api::scenario_from_json(Json::parse(R"({"model": "mistralai/Mistral-7B-v0.1", "train": {"method": "qlora",
      "lora": )" + lora + "}}"));
  };
  auto absent = parse("{}");
  REQUIRE(absent.ok());
  CHECK(scenario_to_json(absent.value())["train"]["lora"]["kbit_preparation"] == "none");
  auto trl = parse(R"({"kbit_preparation": "trl"})");
  REQUIRE(trl.ok());
  CHECK(trl.value().train.lora.kbit_preparation == KbitPreparation::trl);
  for (const char* bad : {R"("TRL")", R"("")", "1", R"("prepare")"}) {
    CAPTURE(bad);
    auto r = parse(std::string(R"({"kbit_preparation": )") + bad + "}");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().line().find("/train/lora/kbit_preparation") != std::string::npos);
  }
}
