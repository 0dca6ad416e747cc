// config.framework_version (issue 18): each format writes for a list of release lines, the newest by default;
// where a framework changed a key, a script or a preset between releases, the output follows the release asked
// for. Each switch is checked on both sides, with the upstream commit that made the change. Also the run's
// length (rl.steps, dataset.epochs) both ways: emitted as the frameworks' epoch/step limits and read back.
#include <doctest/doctest.h>

#include <string>

#include "vramplan/api.hpp"
#include "vramplan/framework_config.hpp"
#include "vramplan/framework_import.hpp"

using namespace vramplan;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// `scenario` with "config": {"framework_version": version} added (no key for an empty version).
Json with_version(const char* scenario, const std::string& version) {
  Json doc = Json::parse(scenario);
  if (!version.empty()) doc["config"]["framework_version"] = version;
  return doc;
}

std::string generate(const char* scenario, const char* format, const std::string& version = "") {
  const auto result = api::config(with_version(scenario, version), format);
  REQUIRE_MESSAGE(result.ok(), (result.ok() ? std::string() : result.error().line()));
  return result.value();
}

std::string error_line(const char* scenario, const char* format, const std::string& version) {
  const auto result = api::config(with_version(scenario, version), format);
  return result.ok() ? "(no error)" : result.error().line();
}

Json imported_scenario(const char* format, const config::ImportInput& input, Json* warnings = nullptr) {
  const auto outcome = api::import_config(format, input);
  REQUIRE_MESSAGE(outcome.ok(), (outcome.ok() ? std::string() : outcome.error().line()));
  REQUIRE_MESSAGE(!outcome->document.contains("error"), outcome->document.dump());
  if (warnings != nullptr) *warnings = outcome->document.at("warnings");
  return outcome->document.at("scenario");
}

Json import_words(const char* format, const std::string& text, Json* warnings = nullptr) {
  config::ImportInput input;
  input.words = config::shell_words(text);
  return imported_scenario(format, input, warnings);
}

bool any_contains(const Json& list, const std::string& part) {
  for (const auto& item : list) {
    if (item.is_string() && contains(item.get<std::string>(), part)) return true;
  }
  return false;
}

constexpr const char* kGrpo = R"({"model": "Qwen/Qwen2.5-1.5B-Instruct", "workload": "rl", "gpus": 8,
    "rl": {"rollout": {"max_prompt_len": 700, "max_response_len": 1000}}})";
constexpr const char* kPpo = R"({"model": "Qwen/Qwen2.5-1.5B-Instruct", "workload": "rl", "gpus": 8,
    "rl": {"algorithm": "ppo"}})";
constexpr const char* kLoraSft = R"({"model": "Qwen/Qwen2.5-1.5B-Instruct", "gpus": 2, "train": {"method": "lora"}})";
constexpr const char* kLoraGrpo = R"({"model": "Qwen/Qwen2.5-1.5B-Instruct", "workload": "rl", "gpus": 8,
    "train": {"method": "lora"}})";

}  // namespace

TEST_CASE("config.framework_version: the scenario keeps it; a format refuses releases it does not write for") {
  auto catalog = load_catalog();
  REQUIRE(catalog.ok());
  const auto parsed = parse_scenario(with_version(kGrpo, "v0.6.0"), *catalog.value());
  REQUIRE(parsed.ok());
  CHECK(parsed.value().config.framework_version == std::string("v0.6.0"));
  CHECK(scenario_to_json(parsed.value())["config"]["framework_version"] == "v0.6.0");
  CHECK(scenario_to_json(parse_scenario(Json::parse(kGrpo), *catalog.value()).value())["config"]["framework_version"].is_null());
  for (const char* bad : {"latest", "0", "x", "0.6-rc1"}) {
    CAPTURE(bad);
    const auto refused = parse_scenario(with_version(kGrpo, bad), *catalog.value());
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().pointer == "/config/framework_version");
  }
  // Serving writes no framework config: the key changes nothing there, and says so.
  const auto serving = parse_scenario(Json::parse(R"({"model": "Qwen/Qwen2.5-1.5B-Instruct", "workload": "inference",
      "config": {"framework_version": "0.7"}})"), *catalog.value());
  REQUIRE(serving.ok());
  REQUIRE(serving.value().warnings.size() == 1);
  CHECK(contains(serving.value().warnings[0], "/config/framework_version is set but has no effect"));
  // Accepted spellings of one release line.
  for (const char* spelling : {"0.6", "0.6.1", "v0.6.0"}) {
    CHECK(contains(generate(kGrpo, "verl", spelling), "Written for verl 0.6 (config.framework_version"));
  }
  // Lines a format does not write for: the error names the field and the accepted lines.
  CHECK(error_line(kGrpo, "nemo-rl", "0.3") ==
        "error: /config/framework_version: --format nemo-rl writes for NeMo RL 0.4 to 0.7 (a release line, "
        "\"0.7\" or \"v0.7.0\"; default 0.7), got \"0.3\"");
  CHECK(contains(error_line(kGrpo, "verl", "0.4.1"), "verl 0.5 to 0.7 ("));
  CHECK(contains(error_line(kLoraSft, "nemo-automodel", "0.2"), "NeMo Automodel 0.3 to 0.5 ("));
  CHECK(contains(error_line(kGrpo, "trl", "2.0"), "TRL 0.18 to 0.29, 1.0 to 1.9 ("));
  CHECK(contains(error_line(kGrpo, "trl", "0.30"), "(a release line"));  // 0.29 was followed by 1.0
  // The default: the release of the snapshot in data/frameworks/ (PROVENANCE.md).
  CHECK(contains(generate(kGrpo, "nemo-rl"), "Written for NeMo RL 0.7 (config.framework_version; accepted: 0.4 to 0.7; default 0.7)."));
  CHECK(contains(generate(kGrpo, "verl"), "Written for verl 0.7"));
  CHECK(contains(generate(kLoraSft, "nemo-automodel"), "Written for NeMo Automodel 0.5"));
  CHECK(contains(generate(kGrpo, "trl"), "# Written for TRL 1.9"));
}

TEST_CASE("NeMo RL: the GRPO runner, PPO and LoRA follow the release") {
  // run_grpo.py came in 0.5 (7e5df0cc8, #1506); run_grpo_math.py left in 0.6 (4b4824887, #1841).
  CHECK(contains(generate(kGrpo, "nemo-rl", "0.4"), "uv run examples/run_grpo_math.py --config"));
  CHECK(contains(generate(kGrpo, "nemo-rl", "0.5"), "uv run examples/run_grpo.py --config"));
  CHECK_FALSE(contains(generate(kGrpo, "nemo-rl", "0.7"), "run_grpo_math"));
  // PPO: run_ppo.py (857b11522, #2530) and ppo_math_1B.yaml (4c0c268ad, #2837) are in 0.7.
  CHECK(contains(error_line(kPpo, "nemo-rl", "0.6"), "error: /rl/algorithm: NeMo RL 0.6 has no PPO"));
  CHECK(contains(generate(kPpo, "nemo-rl", "0.7"), "defaults: ppo_math_1B.yaml"));
  // LoRA: SFT's dtensor lora_cfg in 0.5 (32f5bef5e, #1556), GRPO's in 0.6 (dacac7e0c, #1797).
  CHECK(contains(error_line(kLoraSft, "nemo-rl", "0.4"), "error: /train/method: NeMo RL 0.4 has no LoRA for SFT"));
  CHECK(contains(generate(kLoraSft, "nemo-rl", "0.5"), "lora_cfg:"));
  CHECK(contains(error_line(kLoraGrpo, "nemo-rl", "0.5"), "give config.framework_version 0.6 or later"));
  CHECK(contains(generate(kLoraGrpo, "nemo-rl", "0.6"), "lora_cfg:"));
}

TEST_CASE("verl: the hf rollout and actor.fsdp_config.model_dtype follow the release") {
  constexpr const char* hf = R"({"model": "Qwen/Qwen2.5-1.5B-Instruct", "workload": "rl", "gpus": 8,
      "rl": {"rollout": {"engine": "hf"}}})";
  // 0.5 builds HFRollout for name hf; 0.6's rollout registry (19020f618, #3285) has no hf.
  CHECK(contains(generate(hf, "verl", "0.5"), "    name: hf  # rl.rollout.engine hf\n"));
  const std::string current = generate(hf, "verl", "0.6");
  CHECK(contains(current, "    name: vllm  # rl.rollout.engine hf\n"));
  CHECK(contains(current, "verl has no HF rollout since 0.6"));
  // model_dtype entered ppo_trainer.yaml in 0.6 (d7a046997, #3321); 0.5 reads it with .get(), default fp32.
  CHECK_FALSE(contains(generate(kGrpo, "verl", "0.5"), "model_dtype"));
  CHECK(contains(generate(kGrpo, "verl", "0.6"), "      model_dtype: fp32  # train.precision amp-bf16\n"));
  constexpr const char* bf16 = R"({"model": "Qwen/Qwen2.5-1.5B-Instruct", "workload": "rl", "gpus": 8,
      "train": {"precision": "bf16"}})";
  CHECK(contains(generate(bf16, "verl", "0.5"), "model_dtype: bf16"));
}

TEST_CASE("NeMo Automodel: the recipe key and the launcher follow the release") {
  // `recipe:` and `automodel FILE` came with the CLI refactor in 0.4 (35b5ed9c9, #1406).
  const std::string old = generate(kLoraSft, "nemo-automodel", "0.3");
  CHECK_FALSE(contains(old, "\nrecipe:"));
  CHECK(contains(old, "# Run: automodel finetune llm -c <this file> --nproc-per-node 2"));
  const std::string current = generate(kLoraSft, "nemo-automodel", "0.4");
  CHECK(contains(current, "\nrecipe: TrainFinetuneRecipeForNextTokenPrediction\n"));
  CHECK(contains(current, "# Run: automodel <this file> --nproc-per-node 2"));
}

TEST_CASE("TRL: dtype, the prompt length, vLLM's model length and DPO without a reference follow the release") {
  // ModelConfig.torch_dtype became dtype in 0.23 (208e9f7df, #4000).
  CHECK(contains(generate(kGrpo, "trl", "0.22"), "--torch_dtype float32 \\"));
  CHECK(contains(generate(kGrpo, "trl", "0.23"), "--dtype float32 \\"));
  // GRPOConfig.max_prompt_length (default 512) until 0.28 (89070d241, #4847); vllm_max_model_length from 0.26
  // (ca21dd94c, #4300).
  const std::string v25 = generate(kGrpo, "trl", "0.25");
  CHECK(contains(v25, "--max_prompt_length 700 \\"));
  CHECK_FALSE(contains(v25, "--vllm_max_model_length"));
  const std::string v27 = generate(kGrpo, "trl", "0.27");
  CHECK(contains(v27, "--max_prompt_length 700 \\"));
  CHECK(contains(v27, "--vllm_max_model_length 1700 \\"));
  const std::string v28 = generate(kGrpo, "trl", "0.28");
  CHECK_FALSE(contains(v28, "--max_prompt_length"));
  CHECK(contains(v28, "--vllm_max_model_length 1700 \\"));
  // Without a reference copy: precompute_ref_log_probs; 0.28 refused it with ZeRO-3 (removed in 0.29).
  constexpr const char* dpo = R"({"model": "Qwen/Qwen2.5-1.5B-Instruct", "workload": "rl", "gpus": 2,
      "train": {"sharding": "zero3"}, "rl": {"algorithm": "dpo", "reference": false}})";
  const std::string old = generate(dpo, "trl", "0.28");
  CHECK(contains(old, "--precompute_ref_log_probs true \\"));
  CHECK(contains(old, "# note: TRL 0.28 refuses precompute_ref_log_probs with DeepSpeed ZeRO-3"));
  CHECK_FALSE(contains(generate(dpo, "trl", "0.29"), "refuses precompute_ref_log_probs"));
  for (const char* version : {"0.18", "0.28", "1.9"}) CHECK_FALSE(contains(generate(dpo, "trl", version), "reference_free"));
  // Older releases read back as the same scenario (the version itself is not in the command).
  for (const char* version : {"0.22", "0.25", "0.27"}) {
    CAPTURE(version);
    Json again = import_words("trl", generate(kGrpo, "trl", version));
    CHECK(again["rl"]["rollout"]["max_prompt_len"] == 700);
    CHECK(again["train"]["precision"] == "amp-bf16");
  }
}

TEST_CASE("the run's length: rl.steps and dataset.epochs as the frameworks' limits, and back") {
  constexpr const char* run = R"({"model": "Qwen/Qwen2.5-1.5B-Instruct", "workload": "rl", "gpus": 8,
      "rl": {"steps": 120}, "dataset": {"samples": 5000, "epochs": 2}})";
  const std::string verl = generate(run, "verl");
  CHECK(contains(verl, "  total_epochs: 2  # dataset.epochs\n"));
  CHECK(contains(verl, "  total_training_steps: 120  # rl.steps\n"));
  CHECK(contains(generate(run, "nemo-rl"), "grpo:\n  num_prompts_per_step: 32  # rl.rollout.prompts_per_step\n"));
  CHECK(contains(generate(run, "nemo-rl"), "  max_num_steps: 120  # rl.steps\n"));
  const std::string trl = generate(run, "trl");
  CHECK(contains(trl, "--num_train_epochs 2 \\"));
  CHECK(contains(trl, "--max_steps 120 \\"));
  // No size and one epoch: the frameworks' own limits stay (nothing written).
  CHECK_FALSE(contains(generate(kGrpo, "verl"), "total_epochs"));
  CHECK_FALSE(contains(generate(kGrpo, "trl"), "num_train_epochs"));
  // Whole epochs only: 1.5 runs 2, said in a note; TRL takes the fraction.
  constexpr const char* half = R"({"model": "Qwen/Qwen2.5-1.5B-Instruct", "gpus": 2,
      "dataset": {"tokens": 1000000, "epochs": 1.5}})";
  const std::string automodel = generate(half, "nemo-automodel");
  CHECK(contains(automodel, "  num_epochs: 2  # dataset.epochs\n"));
  CHECK_FALSE(contains(automodel, "max_steps"));
  CHECK(contains(automodel, "# note: dataset.epochs 1.5"));
  CHECK(contains(generate(half, "trl"), "--num_train_epochs 1.5 \\"));

  // Back: the limits the user set.
  Json warnings;
  const Json verl_run = import_words("verl", "python3 -m verl.trainer.main_ppo actor_rollout_ref.model.path=Qwen/Qwen2.5-7B-Instruct "
                                            "trainer.total_epochs=15 trainer.total_training_steps=300");
  CHECK(verl_run["rl"]["steps"] == 300);
  CHECK(verl_run["dataset"]["epochs"] == 15);
  const Json verl_default = import_words("verl", "python3 -m verl.trainer.main_ppo actor_rollout_ref.model.path=Qwen/Qwen2.5-7B-Instruct",
                                         &warnings);
  CHECK(verl_default["rl"]["steps"].is_null());
  // verl's own 30 epochs (ppo_trainer.yaml) are not the user's: a clean import warns about nothing.
  CHECK(verl_default["dataset"]["epochs"] == 1);
  CHECK_FALSE(any_contains(warnings, "total_epochs"));
  config::ImportInput nemo;
  nemo.tree = Json::parse(R"({"defaults": "grpo_math_1B.yaml", "grpo": {"max_num_steps": 500},
      "policy": {"model_name": "Qwen/Qwen2.5-1.5B"}})");
  CHECK(imported_scenario("nemo-rl", nemo)["rl"]["steps"] == 500);
  // The base's placeholder (grpo_math_1B.yaml max_num_steps 1000000) is not a run length.
  nemo.tree.erase("grpo");
  CHECK(imported_scenario("nemo-rl", nemo)["rl"]["steps"].is_null());
  const Json trl_run = import_words("trl", "trl grpo --model_name_or_path Qwen/Qwen2.5-0.5B-Instruct --max_steps 40 "
                                           "--num_train_epochs 2");
  CHECK(trl_run["rl"]["steps"] == 40);
  CHECK(trl_run["dataset"]["epochs"] == 2);
  // A training run is sized by its dataset: a step limit is a warning with the samples it stands for.
  const Json sft = import_words("trl", "trl sft --model_name_or_path Qwen/Qwen2.5-0.5B-Instruct --max_steps 100 "
                                       "--per_device_train_batch_size 4 --num_processes 2", &warnings);
  CHECK(sft["dataset"]["samples"].is_null());
  CHECK(any_contains(warnings, "max_steps=100: vramplan sizes a training run by its dataset; if the step limit ends "
                               "the run first, give dataset.samples 800 (100 steps x 8 sequences)"));
  // TRL's max_steps -1 (the default) is no limit.
  CHECK(import_words("trl", "trl grpo --model_name_or_path Qwen/Qwen2.5-0.5B-Instruct --max_steps -1")["rl"]["steps"].is_null());
}

TEST_CASE("TRL import reads the flags of older releases") {
  Json warnings;
  const Json old = import_words("trl", "trl dpo --model_name_or_path Qwen/Qwen2.5-0.5B-Instruct --torch_dtype bfloat16 "
                                       "--reference_free true", &warnings);
  CHECK(old["train"]["precision"] == "bf16");
  CHECK(old["rl"]["reference"] == true);  // reference_free changed the loss; the copy was still loaded
  CHECK(any_contains(warnings, "reference_free=true (TRL 0.28 and earlier): it changes the DPO loss only"));
  CHECK(import_words("trl", "trl dpo --model_name_or_path Qwen/Qwen2.5-0.5B-Instruct --precompute_ref_log_probs true")
            ["rl"]["reference"] == false);
}
