// Mechanisms of the time model fixed while validating it against published throughput
// (docs/validation/throughput.md): the pipeline bubble of an RL train phase counts its micro-batches,
// and fp8 serving weights compute at the fp8 peak where the GPU has fp8 tensor cores.
#include <doctest/doctest.h>

#include <string>

#include "vramplan/api.hpp"
#include "vramplan/scenario.hpp"

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

double value_of(const Json& result, const char* term) {
  return result.at("time").at(term).at("value").get<double>();
}

// The train phase without its optimizer step (memory bound, no bubble).
double train_phase_seconds(const Json& result) {
  for (const Json& p : result.at("phases")) {
    if (p.at("id").get<std::string>() == "train") {
      return p.at("time").at("seconds").at("value").get<double>() - value_of(result, "optimizer_step_seconds");
    }
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

// The phase `id`'s seconds.
double phase_seconds(const Json& result, const char* id) {
  for (const Json& p : result.at("phases")) {
    if (p.at("id").get<std::string>() == id) return p.at("time").at("seconds").at("value").get<double>();
  }
  FAIL("no such phase");
  return 0;
}

TEST_CASE("packed RL passes: m counts bins of micro x (max prompt + max response) tokens; scoring pays the bubble too") {
  // 32 sequences of 100 + 412 = 512 tokens on one data-parallel rank, packed into bins of 1 x (512 + 512)
  // tokens: m = 32 x 512 / 1,024 = 16 micro-batches, so pp 2 costs 1 + 1/16 of the same FLOPs on 2 GPUs with
  // tp 2 (no bubble), in the train phase and in the log-prob forwards (Megatron forward_only pipeline).
  auto packed = [](int tp, int pp) {
    Json s = rl_scenario(tp, pp);
    s["rl"]["sequence_packing"] = true;
    s["rl"]["rollout"]["max_prompt_len"] = 512;
    s["rl"]["rollout"]["max_response_len"] = 512;
    s["rl"]["rollout"]["mean_prompt_len"] = 100;
    s["rl"]["rollout"]["mean_response_len"] = 412;
    return s;
  };
  const Json pipelined = time_of(packed(1, 2));
  const Json tensor = time_of(packed(2, 1));
  CHECK(train_phase_seconds(pipelined) / train_phase_seconds(tensor) == doctest::Approx(1.0 + 1.0 / 16));
  CHECK(phase_seconds(pipelined, "scoring") / phase_seconds(tensor, "scoring") == doctest::Approx(1.0 + 1.0 / 16));
  // Unpacked, the same 32 sequences are 32 micro-batches of one padded sequence: 1 + 1/32 for both passes.
  const Json unpacked_pp = time_of(rl_scenario(1, 2));
  const Json unpacked_tp = time_of(rl_scenario(2, 1));
  CHECK(phase_seconds(unpacked_pp, "scoring") / phase_seconds(unpacked_tp, "scoring") == doctest::Approx(1.0 + 1.0 / 32));
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

namespace {
Json train_scenario(int accumulation, int pp, const char* sharding, int gpus) {
  return {{"model", "meta-llama/Llama-3.1-8B"},
          {"workload", "train"},
          {"gpu", "H100-SXM-80GB"},
          {"gpus", gpus},
          {"train",
           {{"micro_batch_size", 2}, {"seq_len", 2048}, {"pp", pp}, {"sharding", sharding},
            {"gradient_accumulation_steps", accumulation}}}};
}
}  // namespace

TEST_CASE("gradient accumulation: tokens per step, the pipeline bubble over its micro-batches, one optimizer step") {
  // pp 4 on 4 GPUs (one data-parallel rank, no data-parallel traffic): 8 micro-batches per step make the
  // compute 8 x (1 + 3/8) of one micro-batch's at m = 1 ... (1 + 3/1): ratio 8 x 1.375 / 4 = 2.75.
  const Json one = time_of(train_scenario(1, 4, "none", 4));
  const Json eight = time_of(train_scenario(8, 4, "none", 4));
  const double opt = value_of(one, "optimizer_step_seconds");
  CHECK(value_of(eight, "optimizer_step_seconds") == doctest::Approx(opt));  // once per step, not per micro-batch
  CHECK((value_of(eight, "step_seconds") - opt) / (value_of(one, "step_seconds") - opt) == doctest::Approx(2.75));
  // Tokens per step: 2 x 2048 x 8 micro-batches x 1 rank.
  CHECK(value_of(eight, "tokens_per_second") * value_of(eight, "step_seconds") == doctest::Approx(32768));
  // The run's steps divide by the accumulation (HF num_update_steps_per_epoch).
  Json sized = train_scenario(8, 4, "none", 4);
  sized["dataset"] = {{"tokens", 327680}};
  CHECK(value_of(time_of(sized), "steps") == doctest::Approx(10));
}

TEST_CASE("gradient accumulation: DDP reduces once per optimizer step, FSDP gathers in every micro-batch") {
  // 8 GPUs: with DDP the exposed traffic stays that of one step; with FSDP it grows with the micro-batches,
  // so 4 accumulated micro-batches cost FSDP more than 4x DDP's extra time over pure compute.
  auto extra = [](const char* sharding, int accumulation) {
    const Json r = time_of(train_scenario(accumulation, 1, sharding, 8));
    return value_of(r, "step_seconds") - value_of(r, "optimizer_step_seconds");
  };
  const double ddp1 = extra("none", 1), ddp4 = extra("none", 4), fsdp1 = extra("fsdp", 1), fsdp4 = extra("fsdp", 4);
  CHECK(ddp4 < 4 * ddp1);                                  // DDP's one all-reduce is amortised
  CHECK(fsdp4 == doctest::Approx(4 * fsdp1).epsilon(1e-9));  // FSDP's traffic scales with the micro-batches
}

TEST_CASE("gradient_accumulation_steps: range checked with a JSON pointer; train only") {
  auto bad = api::estimate(train_scenario(0, 1, "none", 1));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().line().find("/train/gradient_accumulation_steps") != std::string::npos);
  CHECK(bad.error().line().find("1 to 65536") != std::string::npos);
  Json rl = rl_scenario(1, 1);
  rl["train"]["gradient_accumulation_steps"] = 4;
  bool warned = false;
  const Json result = time_of(rl);
  for (const Json& w : result.at("warnings")) {
    warned = warned || w.get<std::string>().find("/train/gradient_accumulation_steps is set but has no effect") !=
                           std::string::npos;
  }
  CHECK(warned);
}

TEST_CASE("RL refit: the bf16 weights into the colocated engine at kRefitBytesPerS, else over the link") {
  Json colocated = rl_scenario(1, 1);
  const Json r = time_of(colocated);
  const double total = r.at("model").at("params").get<double>();
  CHECK(value_of(r, "refit_seconds") == doctest::Approx(total * 2 / 15e9));
  colocated["rl"]["rollout"]["colocated"] = false;
  // Separate engines: an NCCL broadcast over NVLink 4 (450 GB/s per GPU, data/gpus.json) at 80%.
  CHECK(value_of(time_of(colocated), "refit_seconds") == doctest::Approx(total * 2 / (450e9 * 0.8)));
}

TEST_CASE("vLLM sleep mode: the engine's bf16 weights to host RAM and back over the host link, by hand") {
  Json colocated = rl_scenario(1, 1);
  const Json r = time_of(colocated);
  const double total = r.at("model").at("params").get<double>();
  // Qwen2.5-0.5B, rollout tp 1 on an H100 SXM: 2 x (params x 2 B) / 64 GB/s (PCIe 5.0 x16, data/gpus.json).
  CHECK(value_of(r, "engine_sleep_seconds") == doctest::Approx(2 * total * 2 / 64e9));
  // The rollout phase counts it with the refit.
  double rollout = 0;
  for (const Json& p : r.at("phases")) {
    if (p.at("id").get<std::string>() == "rollout") rollout = p.at("time").at("seconds").at("value").get<double>();
  }
  CHECK(rollout > value_of(r, "engine_sleep_seconds") + value_of(r, "refit_seconds"));
  // Without sleep mode, or with a separate engine, there is no such copy and no term.
  Json awake = colocated;
  awake["rl"]["rollout"]["sleep_mode"] = false;
  CHECK_FALSE(time_of(awake).at("time").contains("engine_sleep_seconds"));
  Json separate = colocated;
  separate["rl"]["rollout"]["colocated"] = false;
  CHECK_FALSE(time_of(separate).at("time").contains("engine_sleep_seconds"));
}

TEST_CASE("rl.phase_offload: weights, optimizer states and the reference swap over the host link, by hand") {
  Json rl = rl_scenario(1, 1);
  rl["train"]["precision"] = "mixed-bf16";
  rl["train"]["optimizer"] = "adamw";
  rl["train"]["sharding"] = "zero1";
  rl["rl"]["phase_offload"] = true;
  const Json r = time_of(rl);
  const double p = r.at("model").at("params").get<double>();
  // 2 GPUs, tp = pp = 1: dp 2. Weights 2 B x P on each GPU (not sharded under ZeRO-1); AdamW's two fp32
  // states (8 B) and the fp32 master (4 B) sharded by dp: 6 B x P. Out and back: 2 x 2P + 2 x 6P = 16P;
  // the reference's swap: 3 x 2P = 6P. 22 P bytes at the H100's PCIe 5.0 x16, 64 GB/s (data/gpus.json).
  CHECK(value_of(r, "trainer_offload_seconds") == doctest::Approx(22 * p / 64e9));
  Json no_ref = rl;
  no_ref["rl"]["reference"] = false;
  CHECK(value_of(time_of(no_ref), "trainer_offload_seconds") == doctest::Approx(16 * p / 64e9));
  // A critic (PPO) is offloaded the same way: 2 x 16P + 6P.
  Json ppo = rl;
  ppo["rl"]["critic"] = true;
  CHECK(value_of(time_of(ppo), "trainer_offload_seconds") == doctest::Approx(38 * p / 64e9));
  // It is part of the rollout phase's transition time; without phase_offload there is no term.
  rl["rl"]["phase_offload"] = false;
  CHECK_FALSE(time_of(rl).at("time").contains("trainer_offload_seconds"));
}

TEST_CASE("inference.output_len splits context_len into a benchmark's prompt and output") {
  const Json base = {{"model", "meta-llama/Llama-3.1-8B-Instruct"},
                     {"workload", "inference"},
                     {"gpu", "H100-SXM-80GB"},
                     {"gpus", 1},
                     {"inference", {{"engine", "vllm"}, {"batch_size", 4}, {"context_len", 2000}}}};
  Json split = base;
  split["inference"]["output_len"] = 500;
  Json halves = base;
  halves["inference"]["context_len"] = 3000;
  const Json a = time_of(split), b = time_of(halves);
  // 2,000 - 500 = 1,500 prompt tokens: the same prefill as context_len 3,000 split in half.
  CHECK(value_of(a, "time_to_first_token_seconds") == doctest::Approx(value_of(b, "time_to_first_token_seconds")));
  // Decode at a mean context of 1,500 + 250 instead of 1,500 + 750, and the three other requests'
  // prefills spread over 500 output steps instead of 1,500: each step pays more of them.
  const double step = value_of(a, "time_per_output_token_seconds");
  const double ttft = value_of(a, "time_to_first_token_seconds");
  const double other = value_of(b, "time_per_output_token_seconds");
  const double ttft_b = value_of(b, "time_to_first_token_seconds");
  // TPOT + (B - 1) x (TTFT - decode step) / output, undone to the decode step of each.
  const double decode_a = (step - 3 * ttft / 500) / (1 - 3.0 / 500);
  const double decode_b = (other - 3 * ttft_b / 1500) / (1 - 3.0 / 1500);
  CHECK(decode_a < decode_b);
  CHECK(step - decode_a == doctest::Approx(3 * (ttft - decode_a) / 500));
  bool stated = false;
  for (const Json& s : a.at("time").at("assumptions")) {
    stated = stated || s.get<std::string>().find("1500 prompt tokens then 500 output tokens (inference.output_len)") !=
                           std::string::npos;
  }
  CHECK(stated);
  // The canonical scenario echoes it (null when absent).
  const auto parsed = api::scenario_from_json(split);
  REQUIRE(parsed.ok());
  CHECK(vramplan::scenario_to_json(parsed.value()).at("inference").at("output_len").get<int>() == 500);
  // The prompt needs at least one token.
  split["inference"]["output_len"] = 2000;
  const auto rejected = api::estimate(split);
  REQUIRE_FALSE(rejected.ok());
  CHECK(rejected.error().pointer == "/inference/output_len");
  CHECK(rejected.error().message.find("must be 1 to context_len - 1 = 1999") != std::string::npos);
}
