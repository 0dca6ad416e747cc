// train.optimizer_in_backward (torchtune's optimizer_in_bwd, core/scenario/src/scenario_optimizer.cpp and
// core/plan/src/train/train_states.cpp): the gradients line holds one parameter's gradient, the optimizer step's
// temporaries one parameter's, and the combinations torchtune refuses are refused naming the key.
#include <doctest/doctest.h>

#include <string>

#include "vramplan/api.hpp"
#include "vramplan/memory.hpp"
#include "vramplan/scenario.hpp"

using namespace vramplan;

namespace {

// Llama-2-7B full bf16 fine-tuning on one GPU with AdamW, as torchtune's 7B_full_low_memory recipe runs it.
Json llama7b(const std::string& extra) {
  return Json::parse(R"({"model": "meta-llama/Llama-2-7b-hf", "gpu": "A100-SXM-80GB", "train": {"method": "full",
    "precision": "bf16", "optimizer": "adamw", "micro_batch_size": 4, "seq_len": 2048,
    "gradient_checkpointing": true)" + extra + "}}");
}

double component_bytes(const Json& result, const char* id) {
  for (const Json& c : result.at("per_gpu").at("components")) {
    if (c.at("id") == id) return c.at("bytes").get<double>();
  }
  return 0.0;
}

}  // namespace

TEST_CASE("optimizer in backward: one parameter's gradient (the largest), not the model's") {
  auto plain = api::estimate(llama7b(""));
  auto in_backward = api::estimate(llama7b(R"(, "optimizer_in_backward": true)"));
  REQUIRE(plain.ok());
  REQUIRE(in_backward.ok());
  const Json& r = in_backward.value();
  // Llama-2-7B's largest parameters are its embedding and LM head, 32000 x 4096 each (its block linears are
  // 11008 x 4096 at most), in bf16.
  const double largest = 32000.0 * 4096.0;
  CHECK(component_bytes(r, "gradients") == doctest::Approx(largest * 2.0));
  CHECK(component_bytes(plain.value(), "gradients") ==
        doctest::Approx(plain.value().at("model").at("params_trainable").get<double>() * 2.0));
  // The states stay whole; the peak falls by the gradients no longer held.
  CHECK(component_bytes(r, "optimizer") == doctest::Approx(component_bytes(plain.value(), "optimizer")));
  CHECK(r.at("per_gpu").at("allocated_bytes").get<double>() <
        plain.value().at("per_gpu").at("allocated_bytes").get<double>());
}

TEST_CASE("optimizer_in_backward is echoed, false by default") {
  auto set = api::scenario_from_json(llama7b(R"(, "optimizer_in_backward": true)"));
  auto absent = api::scenario_from_json(llama7b(""));
  REQUIRE(set.ok());
  REQUIRE(absent.ok());
  CHECK(scenario_to_json(set.value())["train"]["optimizer_in_backward"] == true);
  CHECK(scenario_to_json(absent.value())["train"]["optimizer_in_backward"] == false);
}

TEST_CASE("optimizer in backward: the step's temporaries are one parameter's") {
  // fp32 at 1 x 8 tokens: the AdamW step is the peak's transient, with one exp_avg_sq-sized temporary of the
  // largest parameter (32000 x 4096, fp32 states), not of the model's 6.7B.
  auto r = api::estimate(Json::parse(R"({"model": "meta-llama/Llama-2-7b-hf", "train": {"method": "full",
    "precision": "fp32", "micro_batch_size": 1, "seq_len": 8, "optimizer_in_backward": true}})"));
  REQUIRE(r.ok());
  CHECK(component_bytes(r.value(), "optimizer_step") ==
        doctest::Approx(memory::kAdamForeachTempStates * 32000.0 * 4096.0 * 4.0));
}

TEST_CASE("optimizer in backward is a train-only key: RL's actors accumulate, so RL ignores it") {
  const char* rl = R"({"model": "Qwen/Qwen2.5-0.5B", "workload": "rl", "gpus": 2, "train": {"method": "full"%s}})";
  auto with = [&](const char* extra) {
    std::string text = rl;
    text.replace(text.find("%s"), 2, extra);
    auto r = api::estimate(Json::parse(text));
    REQUIRE(r.ok());
    return r.value().at("per_gpu").at("allocated_bytes").get<double>();
  };
  CHECK(with(R"(, "optimizer_in_backward": true)") == with(""));
}

TEST_CASE("optimizer in backward is refused with LoRA and with gradient accumulation, naming the key") {
  for (const char* extra : {R"(, "optimizer_in_backward": true, "gradient_accumulation_steps": 4)"}) {
    auto r = api::estimate(llama7b(extra));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().line().find("/train/optimizer_in_backward") != std::string::npos);
    CHECK(r.error().line().find("gradient_accumulation_steps") != std::string::npos);
  }
  auto lora = api::estimate(Json::parse(R"({"model": "meta-llama/Llama-2-7b-hf", "train": {"method": "lora",
    "optimizer_in_backward": true}})"));
  REQUIRE_FALSE(lora.ok());
  CHECK(lora.error().line().find("/train/optimizer_in_backward") != std::string::npos);
  CHECK(lora.error().line().find("\"full\"") != std::string::npos);
}
