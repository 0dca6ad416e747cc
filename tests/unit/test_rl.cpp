// RL post-training estimates (core/src/estimate_rl.cpp): hand-computed roles and phases on small
// configs, the seed GPU memory guide (seeds/003, docs/validation/seed-gpu-memory-guide.md) and verl's
// resource table (seeds/002, docs/validation/verl-resource-table.md, scenarios in tests/rl/).
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "vramplan/api.hpp"
#include "vramplan/estimate_rl.hpp"
#include "vramplan/scenario_estimate.hpp"

using namespace vramplan;

namespace {

constexpr double kGiB = 1073741824.0;

const Catalog& catalog() {
  auto loaded = load_catalog();
  REQUIRE(loaded.ok());
  return *loaded.value();
}

Scenario scenario(const std::string& text) {
  auto s = parse_scenario(Json::parse(text), catalog());
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().line()));
  return s.value();
}

ScenarioEstimate run(const Scenario& s) {
  auto e = estimate_scenario(s);
  REQUIRE_MESSAGE(e.ok(), (e.ok() ? "" : e.error().line()));
  return e.value();
}

const Breakdown* phase(const ScenarioEstimate& e, const char* name) {
  for (const Breakdown& b : e.phases) {
    if (b.phase == name) return &b;
  }
  return nullptr;
}

double component(const Breakdown& b, const char* id) {
  for (const Component& c : b.components) {
    if (c.id == id) return c.bytes;
  }
  return -1;
}

void check_sums(const ScenarioEstimate& e) {
  for (const Breakdown& b : e.phases) {
    double total = 0;
    for (const Component& c : b.components) total += c.bytes;
    CHECK(total == doctest::Approx(b.device_bytes).epsilon(1e-9));
    CHECK(b.device_bytes <= e.peak.device_bytes);
  }
}

// Qwen2.5-0.5B (config.json): 24 layers, hidden 896, 2 KV heads of 64, vocab 151936.
const char* kSmall = R"({"model": "Qwen/Qwen2.5-0.5B", "workload": "rl", "gpus": 1,
  "train": {"precision": "bf16", "micro_batch_size": 2},
  "rl": {"algorithm": "grpo", "rollout": {"engine": "hf", "prompts_per_step": 2, "generations_per_prompt": 4,
         "max_prompt_len": 128, "max_response_len": 384}}})";

}  // namespace

TEST_CASE("rl: hand-computed roles on Qwen2.5-0.5B (GRPO, hf rollout, colocated)") {
  const Scenario s = scenario(kSmall);
  const ScenarioEstimate e = run(s);
  REQUIRE(e.phases.size() == 3);
  check_sums(e);
  const double params = static_cast<double>(e.params.total);
  const double seq = 128 + 384;
  // Reference: frozen bf16 copy of the policy, 2 B per parameter, unsharded on one GPU.
  for (const char* name : {"rollout", "scoring", "train"}) {
    REQUIRE(phase(e, name) != nullptr);
    CHECK(component(*phase(e, name), "reference.weights") == doctest::Approx(params * 2));
  }
  // Rollout (hf): KV of 2 x 4 = 8 sequences of 512 tokens; 2 (K,V) x 2 heads x 64 x 2 B x 24 layers per token.
  CHECK(component(*phase(e, "rollout"), "rollout.kv_cache") == doctest::Approx(8 * seq * 2 * 2 * 64 * 2 * 24));
  // hf generation on the trainer's unsharded weights keeps no second copy.
  CHECK(component(*phase(e, "rollout"), "rollout.weights") == 0);
  // Policy states resident during rollout: bf16 weights + AdamW's 2 bf16 states; gradients freed.
  CHECK(component(*phase(e, "rollout"), "weights") == doctest::Approx(params * 2));
  CHECK(component(*phase(e, "rollout"), "optimizer") == doctest::Approx(params * 4));
  CHECK(component(*phase(e, "rollout"), "gradients") < 0);
  // Scoring: log-probs of micro 2 x 512 tokens over 151936 vocab: 2 B + kLogProbFp32Copies 3 x 4 B.
  const double logits = 2 * seq * 151936.0 * 14;
  const double ref_logits = component(*phase(e, "scoring"), "reference.logits");
  const double pol_logits = component(*phase(e, "scoring"), "logits");
  CHECK(std::max(ref_logits, pol_logits) == doctest::Approx(logits));
  // Training: the policy's seq_len is max_prompt_len + max_response_len (train.seq_len is not used).
  CHECK(rl_sequence_len(s) == 512);
  CHECK(component(*phase(e, "train"), "gradients") == doctest::Approx(params * 2));
  // hf rollout: no refit buffer (generation runs on the trained module itself).
  CHECK(component(*phase(e, "train"), "refit_buffer") < 0);
  CHECK(e.rollout.sequences_per_step == 8);
}

TEST_CASE("rl: vLLM rollout pool, sleep mode and refit buffer") {
  Scenario s = scenario(R"({"model": "Qwen/Qwen2.5-0.5B", "workload": "rl", "gpu": "H100-SXM-80GB", "gpus": 1,
    "train": {"precision": "bf16", "micro_batch_size": 2},
    "rl": {"rollout": {"engine": "vllm", "gpu_memory_utilization": 0.5, "prompts_per_step": 4,
                       "generations_per_prompt": 4, "max_prompt_len": 128, "max_response_len": 384}}})");
  const ScenarioEstimate e = run(s);
  check_sums(e);
  const Breakdown& rollout = *phase(e, "rollout");
  const double params = static_cast<double>(e.params.total);
  // The pool: weights (bf16) + profiling reserve + KV fill gpu_memory_utilization x (81,559 MiB - 0.47 GiB).
  const double budget = 0.5 * (81559.0 * 1048576.0 - 0.47 * kGiB);
  CHECK(component(rollout, "rollout.weights") + component(rollout, "rollout.activations") +
            component(rollout, "rollout.kv_cache") + component(rollout, "rollout.non_torch") ==
        doctest::Approx(budget));
  CHECK(e.rollout.max_concurrent_sequences >= 16);
  // Sleep mode (default): the training phase holds no pool.
  CHECK(component(*phase(e, "train"), "rollout.kv_cache") < 0);
  // Unsharded parameters: refit converts the whole model to one bf16 copy (2 B per parameter).
  const double refit = component(*phase(e, "train"), "refit_buffer");
  CHECK((refit < 0 || refit == doctest::Approx(params * 2)));
  // Without sleep mode (TRL colocate default) the pool stays through training.
  s.rl.rollout.sleep_mode = false;
  const ScenarioEstimate awake = run(s);
  CHECK(component(*phase(awake, "train"), "rollout.kv_cache") > 0);
  CHECK(awake.peak.device_bytes > e.peak.device_bytes);
}

TEST_CASE("rl: PPO critic, DPO pairs, separate rollout GPUs, reward model placement") {
  const ScenarioEstimate ppo = run(scenario(R"({"model": "Qwen/Qwen2.5-0.5B", "workload": "rl", "gpus": 1,
    "train": {"precision": "bf16", "micro_batch_size": 1}, "rl": {"algorithm": "ppo", "rollout": {"engine": "hf"}}})"));
  check_sums(ppo);
  const Breakdown& train = *phase(ppo, "train");
  // Critic: same architecture, value head instead of lm_head (tied embeddings here: lm_head shares them).
  CHECK(component(train, "critic.optimizer") > 0);
  CHECK(component(train, "critic.weights") == doctest::Approx(component(train, "weights")).epsilon(0.01));
  CHECK(component(train, "critic.logits") <= 0);

  // DPO: chosen + rejected double the policy's micro-batch; phases scoring and train only.
  const ScenarioEstimate dpo = run(scenario(R"({"model": "Qwen/Qwen2.5-0.5B", "workload": "rl", "gpus": 1,
    "train": {"precision": "bf16", "micro_batch_size": 1},
    "rl": {"algorithm": "dpo", "rollout": {"max_prompt_len": 256, "max_response_len": 256}}})"));
  REQUIRE(dpo.phases.size() == 2);
  CHECK(phase(dpo, "rollout") == nullptr);
  CHECK(component(*phase(dpo, "train"), "logits") == doctest::Approx(2 * 512 * 151936.0 * 14));

  // colocated false: one engine of rollout.tp GPUs generates, the rest train.
  const ScenarioEstimate split = run(scenario(R"({"model": "Qwen/Qwen2.5-0.5B", "workload": "rl", "gpus": 2,
    "gpu": "H100-SXM-80GB", "train": {"precision": "bf16"}, "rl": {"rollout": {"colocated": false}}})"));
  CHECK(split.rollout.rollout_gpus == 1);
  CHECK(split.rollout.train_gpus == 1);
  for (const Component& c : phase(split, "rollout")->components) {
    CHECK((c.id.rfind("rollout.", 0) == 0 || c.id == "cuda_context"));
  }
  auto none_left = estimate_scenario(scenario(R"({"model": "Qwen/Qwen2.5-0.5B", "workload": "rl", "gpus": 1,
    "rl": {"rollout": {"colocated": false}}})"));
  REQUIRE_FALSE(none_left.ok());
  CHECK(none_left.error().pointer == "/rl/rollout/colocated");

  // A reward model on its own GPUs leaves the policy's phases and gets a phase of its own.
  const ScenarioEstimate own = run(scenario(R"({"model": "Qwen/Qwen2.5-0.5B", "workload": "rl", "gpus": 1,
    "rl": {"reward_model": {"model": "Qwen/Qwen2.5-0.5B", "colocated": false}, "rollout": {"engine": "hf"}}})"));
  CHECK(phase(own, "reward") != nullptr);
  CHECK(component(*phase(own, "train"), "reward.weights") < 0);
}

TEST_CASE("rl: estimate --json carries phases and rollout numbers") {
  auto r = api::estimate(Json::parse(kSmall));
  REQUIRE(r.ok());
  const Json& j = r.value();
  REQUIRE(j.contains("phases"));
  CHECK(j["phases"].size() == 3);
  CHECK(j["phases"][0]["id"] == "rollout");
  CHECK(j["phases"][0]["per_gpu"].contains("components"));
  CHECK(j["rollout"]["sequences_per_step"] == 8);
  CHECK(j["per_gpu"]["phase"] == "train");
}

// Seed 003 (GPU memory guide): Qwen2.5-7B-Instruct policy trained with TRL GRPOTrainer (HF generation,
// accelerate on one GPU, --bf16), judge Qwen2.5-14B-Instruct via HFClient, "batch size" 8 =
// per_device_train_batch_size: 8 sequences = 1 prompt x num_generations 8, TRL's default lengths
// 512 prompt + 256 completion. The guide's verdicts and vramplan's differ; see the validation doc.
TEST_CASE("rl: seed GPU memory guide (7B policy + 14B judge)") {
  auto make = [](const char* gpu, const char* dtype, const char* precision) {
    return scenario(std::string(R"({"model": "Qwen/Qwen2.5-7B-Instruct", "workload": "rl", "gpus": 1, "gpu": ")") + gpu +
                    R"(", "train": {"precision": ")" + precision + R"(", "micro_batch_size": 8},
      "rl": {"algorithm": "grpo", "reward_model": {"model": "Qwen/Qwen2.5-14B-Instruct", "weight_dtype": ")" + dtype +
                    R"("}, "rollout": {"engine": "hf", "prompts_per_step": 1, "generations_per_prompt": 8,
      "max_prompt_len": 512, "max_response_len": 256}}})");
  };
  for (const char* gpu : {"H100-SXM-80GB", "H200-141GB", "A100-SXM-80GB", "L40S"}) {
    for (const char* dtype : {"bf16", "int8"}) {
      // AMP (fp32 weights, Trainer --bf16): 16 B per parameter of states alone = 113 GiB: fits nowhere.
      const Scenario s = make(gpu, dtype, "amp-bf16");
      const ScenarioEstimate e = run(s);
      CHECK(assess_fit(e, s, *s.gpu).verdict == Verdict::no);
      CHECK(e.peak.phase == "train");
    }
  }
  // Pure bf16 states (8 B per parameter) with the int8 judge: the only fit, tight on H200 (139.9 GiB).
  const Scenario h200 = make("H200-141GB", "int8", "bf16");
  const ScenarioEstimate e = run(h200);
  CHECK(assess_fit(e, h200, *h200.gpu).verdict == Verdict::tight);
  CHECK(e.peak.device_bytes / kGiB == doctest::Approx(139.9).epsilon(0.01));
  const Scenario h200_bf16 = make("H200-141GB", "bf16", "bf16");
  CHECK(assess_fit(run(h200_bf16), h200_bf16, *h200_bf16.gpu).verdict == Verdict::no);
}

// Seed 002 (verl "Hardware Resource Needed for RL") with verl's examples/tuning/*.sh settings
// (tests/rl/verl-*.json; sources listed in tests/rl/README.md). vramplan sizes every sequence at
// max_prompt_len + max_response_len and vLLM's profiling at its default max_num_seqs, so most do not
// fit as written: docs/validation/verl-resource-table.md explains each.
TEST_CASE("rl: verl resource table scenarios") {
  struct Case {
    const char* file;
    Verdict verdict;
  };
  const Case cases[] = {
      {"verl-qwen2.5-0.5b-grpo-lora-1xh100.json", Verdict::no}, {"verl-qwen2.5-1.5b-grpo-lora-1xh100.json", Verdict::no},
      {"verl-qwen2.5-3b-grpo-lora-1xh100.json", Verdict::no},   {"verl-qwen2.5-7b-grpo-lora-1xh100.json", Verdict::no},
      {"verl-qwen2.5-14b-grpo-lora-2xh100.json", Verdict::no},  {"verl-qwen2.5-32b-grpo-lora-4xh100.json", Verdict::no},
      {"verl-qwen2.5-72b-grpo-lora-8xh100.json", Verdict::tight}, {"verl-qwen2.5-7b-grpo-2xh800.json", Verdict::no},
      {"verl-qwen2.5-14b-grpo-4xh800.json", Verdict::no},
  };
  for (const Case& c : cases) {
    std::ifstream in(std::string(VRAMPLAN_SOURCE_DIR) + "/tests/rl/" + c.file);
    REQUIRE_MESSAGE(in.good(), c.file);
    std::stringstream text;
    text << in.rdbuf();
    const Scenario s = scenario(text.str());
    const ScenarioEstimate e = run(s);
    check_sums(e);
    INFO(c.file, " peak ", e.peak.device_bytes / kGiB, " GiB in ", e.peak.phase);
    CHECK(assess_fit(e, s, *s.gpu).verdict == c.verdict);
  }
}
