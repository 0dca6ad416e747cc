// The training breakdown's lines compute their bytes and their formula text together
// (core/plan/src/train/train_terms.hpp): the text states the numbers the bytes were computed from. Each
// case is a line whose text once disagreed with its arithmetic (issue 15), checked through api::estimate.
#include <doctest/doctest.h>

#include <string>

#include "vramplan/api.hpp"
#include "vramplan/memory.hpp"

using namespace vramplan;

namespace {

Json run(const std::string& text) {
  auto r = api::estimate(Json::parse(text));
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().line()));
  return r.value();
}

const Json& line(const Json& result, const char* id) {
  for (const Json& c : result.at("per_gpu").at("components")) {
    if (c.at("id") == id) return c;
  }
  FAIL("no component " << id);
  static const Json kNone;
  return kNone;
}

bool says(const Json& component, const std::string& text) {
  const std::string formula = component.at("formula").get<std::string>();
  INFO(formula);
  return formula.find(text) != std::string::npos;
}

double trainable(const Json& result) { return result.at("model").at("params_trainable").get<double>(); }

}  // namespace

TEST_CASE("checkpointed LoRA activations name the residual stream's element size the bytes use") {
  // Qwen2.5-7B: 28 layers, hidden 3584; 1 x 1024 tokens. Under AMP a 16-bit LoRA base keeps a 16-bit
  // residual stream (2 B per checkpointed element); an fp32 base keeps 4 B.
  auto with = [](const char* lora) {
    return run(std::string(R"({"model": "Qwen/Qwen2.5-7B", "train": {"method": "lora", "precision": "amp-bf16",
      "micro_batch_size": 1, "seq_len": 1024, "gradient_checkpointing": true)") + lora + "}}");
  };
  const Json base16 = with("");
  const Json base32 = with(R"(, "lora": {"base_dtype": "fp32"})");
  CHECK(says(line(base16, "activations"), "1024 tokens x 28 layers x 3584 h x 2 B (checkpointed block inputs)"));
  CHECK(says(line(base32, "activations"), "1024 tokens x 28 layers x 3584 h x 4 B (checkpointed block inputs)"));
  CHECK(line(base32, "activations").at("bytes").get<double>() - line(base16, "activations").at("bytes").get<double>() ==
        doctest::Approx(1024.0 * 28 * 3584 * 2));
}

TEST_CASE("DDP buckets state the tensor-parallel split their bytes have") {
  // Full training, amp-bf16 (4 B gradients), no sharding, 4 GPUs at tp 2: dp 2, buckets = params x 4 / 2.
  const Json r = run(R"({"model": "Qwen/Qwen2.5-0.5B", "gpus": 4, "train": {"tp": 2, "micro_batch_size": 1,
    "seq_len": 256}})");
  const Json& ddp = line(r, "ddp_buckets");
  CHECK(ddp.at("bytes").get<double>() == doctest::Approx(trainable(r) * 4.0 / 2.0).epsilon(1e-12));
  CHECK(says(ddp, "params x 4 B / (tp x pp = 2)"));
}

TEST_CASE("the optimizer step's temporaries state the tensor-parallel split their bytes have") {
  // Full training with AdamW at 1 x 64 tokens: the foreach step's exp_avg_sq-sized temporary (4 B per
  // trainable parameter, / tp 2) is the peak's transient.
  const Json r = run(R"({"model": "Qwen/Qwen2.5-7B", "gpus": 2, "train": {"tp": 2, "micro_batch_size": 1,
    "seq_len": 64}})");
  const Json& step = line(r, "optimizer_step");
  CHECK(step.at("bytes").get<double>() ==
        doctest::Approx(memory::kAdamForeachTempStates * trainable(r) * 4.0 / 2.0).epsilon(1e-12));
  CHECK(says(step, "params x 4 B / (tp x pp = 2) / dp-shard 1"));
}

TEST_CASE("QLoRA's unquantized weights are counted and described in the compute dtype") {
  // precision fp32 is BitsAndBytesConfig's default compute dtype (float32): the rest is 4 B, not 2 B.
  const Json fp32 = run(R"({"model": "Qwen/Qwen2.5-0.5B", "train": {"method": "qlora", "precision": "fp32"}})");
  const Json bf16 = run(R"({"model": "Qwen/Qwen2.5-0.5B", "train": {"method": "qlora", "precision": "bf16"}})");
  CHECK(says(line(fp32, "weights"), "(embeddings, lm_head, norms) x 4 B"));
  CHECK(says(line(bf16, "weights"), "(embeddings, lm_head, norms) x 2 B"));
  // The same quantized part; the rest doubles.
  const double rest = fp32["model"]["params"].get<double>() - 357826560.0;
  CHECK(line(fp32, "weights").at("bytes").get<double>() - line(bf16, "weights").at("bytes").get<double>() ==
        doctest::Approx(rest * 2.0));
}
