// Mechanisms of the time model fixed while validating it against published throughput
// (docs/validation/throughput.md): the pipeline bubble of an RL train phase counts its micro-batches,
// and fp8 serving weights compute at the fp8 peak where the GPU has fp8 tensor cores.
#include <doctest/doctest.h>

#include <string>

#include "vramplan/api.hpp"

using vramplan::Json;
namespace api = vramplan::api;

namespace {

Json rl_scenario(int tp, int pp) {
  return {{"model", "Qwen/Qwen2.5-0.5B"},
          {"workload", "rl"},
          {"gpu", "H100-SXM-80GB"},
          {"gpus", 2},
          {"train", {{"micro_batch_size", 1}, {"tp", tp}, {"pp", pp}}},
          {"rl", {{"rollout", {{"prompts_per_step", 8}, {"generations_per_prompt", 4}}}}}};
}

double train_phase_seconds(const Json& result) {
  for (const Json& p : result.at("phases")) {
    if (p.at("id").get<std::string>() == "train") return p.at("time").at("seconds").at("value").get<double>();
  }
  FAIL("no train phase");
  return 0;
}

Json time_of(const Json& scenario) {
  auto r = api::estimate(scenario);
  REQUIRE(r.ok());
  return r.value();
}

}  // namespace

TEST_CASE("an RL train phase's pipeline bubble is (pp-1)/m over its micro-batches") {
  // 32 sequences, one data-parallel rank, micro-batch 1: m = 32, so pp 2 costs 1 + 1/32 of the same
  // FLOPs on 2 GPUs without a pipeline (tp 2, no bubble, no data-parallel traffic). With m = 1 it was 2x.
  const Json pipelined = time_of(rl_scenario(1, 2));
  const Json tensor = time_of(rl_scenario(2, 1));
  CHECK(train_phase_seconds(pipelined) / train_phase_seconds(tensor) == doctest::Approx(1.0 + 1.0 / 32));
  bool stated = false;
  for (const Json& a : pipelined.at("time").at("assumptions")) {
    stated = stated || a.get<std::string>().find("m = 32 micro-batch") != std::string::npos;
  }
  CHECK(stated);
}

TEST_CASE("fp8 serving weights compute at the fp8 peak only where the GPU has one") {
  auto prefill = [](const char* gpu, const char* dtype) {
    const Json s = {{"model", "meta-llama/Llama-3.1-8B"},
                    {"workload", "inference"},
                    {"gpu", gpu},
                    {"inference", {{"engine", "vllm"}, {"context_len", 8192}, {"weight_dtype", dtype}}}};
    return time_of(s).at("time").at("time_to_first_token_seconds").at("value").get<double>();
  };
  // H100 SXM: fp8 1979 vs bf16 989.4 TFLOP/s dense (data/gpus.json): the compute-bound prefill halves.
  CHECK(prefill("H100-SXM-80GB", "bf16") / prefill("H100-SXM-80GB", "fp8") == doctest::Approx(1979.0 / 989.4));
  // A100 has no fp8 tensor cores: vLLM runs fp8 weight-only (FP8 Marlin), prefill at the bf16 rate.
  CHECK(prefill("A100-SXM-80GB", "fp8") == doctest::Approx(prefill("A100-SXM-80GB", "bf16")));
}
