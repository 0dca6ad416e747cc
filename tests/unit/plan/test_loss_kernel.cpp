// train.loss_kernel (core/scenario/src/scenario_loss.cpp, core/plan/src/train/train_loss_kernel.cpp): the train
// workload's logits line under the full loss, TRL's chunked_nll and Liger's fused linear cross-entropy, each term
// computed by hand from the formulas of vramplan/memory.hpp, and the key's parsing, echo and schema.
#include <doctest/doctest.h>

#include <string>

#include "vramplan/api.hpp"
#include "vramplan/memory.hpp"
#include "vramplan/memory_loss.hpp"
#include "vramplan/scenario.hpp"

using namespace vramplan;

namespace {

// Llama-3.1-8B (vocab 128256, hidden 4096), 4 x 2048 tokens, gradients accumulated over 4 micro-batches so they
// are live through the step and the logits line is the loss's whole working set; no checkpointing, so the
// forward/backward (not the optimizer step) is the peak whose breakdown carries the line.
Json llama8b(const std::string& precision, const std::string& extra) {
  return Json::parse(R"({"model": "meta-llama/Llama-3.1-8B", "gpu": "H100-SXM-80GB", "train": {"method": "full",
    "precision": ")" + precision + R"(", "micro_batch_size": 4, "seq_len": 2048, "gradient_accumulation_steps": 4,
    "gradient_checkpointing": false)" + extra + "}}");
}

const Json* loss_component(const Json& result, const char* id) {
  for (const Json& c : result.at("per_gpu").at("components")) {
    if (c.at("id") == id) return &c;
  }
  return nullptr;
}

double logits_line(const Json& scenario) {
  auto r = api::estimate(scenario);
  REQUIRE(r.ok());
  const Json* c = loss_component(r.value(), "logits");
  REQUIRE(c != nullptr);
  return c->at("bytes").get<double>();
}

std::string logits_formula(const Json& scenario) {
  auto r = api::estimate(scenario);
  REQUIRE(r.ok());
  const Json* c = loss_component(r.value(), "logits");
  REQUIRE(c != nullptr);
  return c->at("formula").get<std::string>();
}

constexpr double kTokens = 4.0 * 2048.0, kVocab = 128256.0, kHidden = 4096.0;

}  // namespace

TEST_CASE("loss kernels, pure bf16: fused < chunked < full, each term by hand") {
  const double full = logits_line(llama8b("bf16", ""));
  const double chunked = logits_line(llama8b("bf16", R"(, "loss_kernel": "chunked")"));
  const double fused = logits_line(llama8b("bf16", R"(, "loss_kernel": "fused")"));
  // full: transformers' ForCausalLMLoss, 2 B logits + kCrossEntropyFp32Copies 3 x 4 B per element.
  CHECK(full == doctest::Approx(kTokens * kVocab * 14.0).epsilon(1e-12));
  // chunked: one 256-token chunk of fp32 logits (no autocast) + 3 fp32 copies; the packed bf16 hidden states and
  // their gradient; the bf16 lm_head's fp32 copy and its fp32 gradient.
  CHECK(memory::kTrlChunkedNllTokens == 256);
  const double chunked_hand = 256.0 * kVocab * (4.0 + 12.0) + 2.0 * kTokens * kHidden * 2.0 + 2.0 * kVocab * kHidden * 4.0;
  CHECK(chunked == doctest::Approx(chunked_hand).epsilon(1e-12));
  // fused: Liger's chunk = next_power_of_2(ceil(8192 / ceil(128256 / 4096) = 32)) = 256 rows of bf16 logits,
  // grad_input (8192 x 4096 bf16) and grad_weight (128256 x 4096 bf16).
  CHECK(memory::fused_linear_ce_chunk_tokens(kTokens, kVocab, kHidden) == 256.0);
  const double fused_hand = 256.0 * kVocab * 2.0 + kTokens * kHidden * 2.0 + kVocab * kHidden * 2.0;
  CHECK(fused == doctest::Approx(fused_hand).epsilon(1e-12));
  CHECK(fused < chunked);
  CHECK(chunked < full);
}

TEST_CASE("loss kernels under autocast: 16-bit chunk logits, the fp32 head is used as is") {
  const double chunked = logits_line(llama8b("amp-bf16", R"(, "loss_kernel": "chunked")"));
  const double fused = logits_line(llama8b("amp-bf16", R"(, "loss_kernel": "fused")"));
  // amp-bf16: fp32 weights (w.float() returns the weight itself) and an fp32 residual stream.
  CHECK(chunked == doctest::Approx(256.0 * kVocab * (2.0 + 12.0) + 2.0 * kTokens * kHidden * 4.0).epsilon(1e-12));
  CHECK(fused == doctest::Approx(256.0 * kVocab * 2.0 + kTokens * kHidden * 4.0 + kVocab * kHidden * 4.0).epsilon(1e-12));
  // Here Liger's fp32 grad_weight (zeros_like the fp32 head, allocated in forward) outweighs TRL's chunk, which
  // copies nothing of an fp32 head: the source's order is fused < chunked only for a 16-bit head.
  CHECK(chunked < fused);
  CHECK(fused < logits_line(llama8b("amp-bf16", "")));
}

TEST_CASE("loss kernels with LoRA: a frozen head has no gradient, TRL still copies it to fp32") {
  const std::string lora = R"({"model": "meta-llama/Llama-3.1-8B", "train": {"method": "lora", "precision": "bf16",
    "micro_batch_size": 4, "seq_len": 2048, "gradient_accumulation_steps": 4, "gradient_checkpointing": false,
    "loss_kernel": ")";
  const double chunked = logits_line(Json::parse(lora + R"(chunked"}})"));
  const double fused = logits_line(Json::parse(lora + R"(fused"}})"));
  CHECK(chunked == doctest::Approx(256.0 * kVocab * 16.0 + 2.0 * kTokens * kHidden * 2.0 + kVocab * kHidden * 4.0)
                       .epsilon(1e-12));
  CHECK(fused == doctest::Approx(256.0 * kVocab * 2.0 + kTokens * kHidden * 2.0).epsilon(1e-12));
}

TEST_CASE("the formula names the kernel and its chunk") {
  CHECK(logits_formula(llama8b("bf16", R"(, "loss_kernel": "chunked")")).find("kTrlChunkedNllTokens 256") !=
        std::string::npos);
  CHECK(logits_formula(llama8b("bf16", R"(, "loss_kernel": "fused")")).find("Liger fused linear cross-entropy") !=
        std::string::npos);
  CHECK(logits_formula(llama8b("bf16", "")).find("ForCausalLMLoss") != std::string::npos);
}

TEST_CASE("full is the default and leaves the estimate as it was") {
  auto absent = api::estimate(llama8b("bf16", ""));
  auto full = api::estimate(llama8b("bf16", R"(, "loss_kernel": "full")"));
  REQUIRE(absent.ok());
  REQUIRE(full.ok());
  CHECK(api::to_text(absent.value()) == api::to_text(full.value()));
  auto parsed = api::scenario_from_json(llama8b("bf16", ""));
  REQUIRE(parsed.ok());
  CHECK(scenario_to_json(parsed.value())["train"]["loss_kernel"] == "full");
}

TEST_CASE("a bad loss_kernel is refused naming the key and the accepted values") {
  auto r = api::estimate(llama8b("bf16", R"(, "loss_kernel": "liger")"));
  REQUIRE_FALSE(r.ok());
  const std::string line = r.error().line();
  CHECK(line.find("/train/loss_kernel") != std::string::npos);
  CHECK(line.find("\"chunked\"") != std::string::npos);
  CHECK(line.find("liger") != std::string::npos);
  auto number = api::estimate(llama8b("bf16", R"(, "loss_kernel": 3)"));
  REQUIRE_FALSE(number.ok());
  CHECK(number.error().line().find("/train/loss_kernel") != std::string::npos);
}

TEST_CASE("the schema offers train.loss_kernel to the train workload only") {
  auto schema = api::schema();
  REQUIRE(schema.ok());
  const Json* entry = nullptr;
  for (const Json& k : schema.value().at("keys")) {
    if (k.at("key") == "train.loss_kernel") entry = &k;
  }
  REQUIRE(entry != nullptr);
  CHECK(entry->at("options") == Json{"full", "chunked", "fused"});
  CHECK(entry->at("default") == "full");
  CHECK(entry->at("workloads") == Json{"train"});
}

TEST_CASE("RL policies ignore train.loss_kernel (rl.logprob_kernel decides)") {
  Json policy = Json::parse(R"({"model": "Qwen/Qwen2.5-0.5B", "workload": "rl", "gpus": 2, "train": {"method": "full"}})");
  auto plain = api::estimate(policy);
  policy["train"]["loss_kernel"] = "fused";
  auto fused = api::estimate(policy);
  REQUIRE(plain.ok());
  REQUIRE(fused.ok());
  CHECK(plain.value().at("per_gpu") == fused.value().at("per_gpu"));
  const std::string warnings = fused.value().at("warnings").dump();
  CHECK(warnings.find("/train/loss_kernel is set but has no effect") != std::string::npos);
}
