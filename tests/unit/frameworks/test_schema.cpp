// Framework schemas as data (issue 18): every key `vramplan config` emits exists in the framework's snapshot
// (data/frameworks/<framework>/, copied from upstream with its commit and date) with the same type, and every
// enum value is one the framework's parser accepts. Replaces the hand-copied tests/config/keys lists.
#include <doctest/doctest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "vramplan/api.hpp"
#include "vramplan/framework_import.hpp"
#include "yaml_tree.hpp"

using namespace vramplan;

namespace {

std::string read_text(const std::string& relative) {
  std::ifstream in(std::string(VRAMPLAN_SOURCE_DIR) + "/" + relative);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Json snapshot_yaml(const std::string& relative) {
  auto tree = cli::yaml_to_json(read_text(relative));
  REQUIRE_MESSAGE(tree.ok(), relative);
  return tree.value();
}

// Scenarios covering every branch of the emitters: algorithms, LoRA/QLoRA, parallelism, offload, roles.
const std::vector<std::string> kScenarios = {
    R"({"model": "Qwen/Qwen2.5-7B-Instruct", "workload": "rl", "gpus": 8})",
    R"({"model": "Qwen/Qwen2.5-7B-Instruct", "workload": "rl", "gpus": 8, "rl": {"algorithm": "ppo", "sequence_packing": true,
        "logprob_kernel": "fused", "logprob_micro_batch_size": 4, "reward_model": {"model": "Qwen/Qwen2.5-1.5B-Instruct"},
        "rollout": {"max_num_seqs": 256, "max_num_batched_tokens": 8192, "colocated": false, "tp": 2, "engine": "hf"}}})",
    R"({"model": "Qwen/Qwen2.5-7B-Instruct", "workload": "rl", "gpus": 4, "rl": {"algorithm": "dpo", "reference": false}})",
    R"({"model": "Qwen/Qwen2.5-7B-Instruct", "workload": "rl", "gpus": 2, "rl": {"reference": false},
        "train": {"method": "lora", "lora": {"targets": ["q_proj", "v_proj"]}, "precision": "bf16", "cp": 2}})",
    R"({"model": "Qwen/Qwen2.5-7B-Instruct", "gpus": 4, "train": {"method": "qlora", "optimizer": "adamw-8bit",
        "sharding": "zero2", "offload_optimizer": true, "attention": "sdpa"}})",
    R"({"model": "Qwen/Qwen2.5-7B-Instruct", "gpus": 8, "train": {"pp": 2, "tp": 2, "sharding": "fsdp", "precision": "fp32",
        "offload_params": true, "gradient_checkpointing": true, "optimizer": "sgd"}})",
    R"({"model": "Qwen/Qwen2.5-7B-Instruct", "gpus": 2, "train": {"sharding": "none", "optimizer": "adafactor",
        "precision": "amp-fp16", "method": "lora"}})",
    // The run's length (issue 18): epochs and steps keys.
    R"({"model": "Qwen/Qwen2.5-7B-Instruct", "workload": "rl", "gpus": 8, "rl": {"steps": 200},
        "dataset": {"samples": 7000, "epochs": 2}})",
    R"({"model": "Qwen/Qwen2.5-7B-Instruct", "workload": "rl", "gpus": 8, "rl": {"algorithm": "dpo", "steps": 50}})",
    R"({"model": "Qwen/Qwen2.5-7B-Instruct", "gpus": 2, "dataset": {"tokens": 100000000, "epochs": 3}})",
    // FP8 training: torchao (Automodel's fp8 block) and Transformer Engine on NeMo RL's Megatron backend.
    R"({"model": "Qwen/Qwen2.5-7B-Instruct", "gpus": 8, "train": {"sharding": "fsdp", "fp8": "torchao-tensorwise",
        "fp8_all_gather": true}})",
    R"({"model": "Qwen/Qwen2.5-7B-Instruct", "workload": "rl", "gpus": 8, "train": {"pp": 2, "precision": "mixed-bf16",
        "fp8": "te-delayed", "fp8_all_gather": true}})",
};

std::string type_of(const Json& v) {
  if (v.is_boolean()) return "bool";
  if (v.is_number()) return "number";
  if (v.is_string()) return "string";
  if (v.is_array()) return "list";
  if (v.is_object()) return "mapping";
  return "null";
}

// Keys whose snapshot default has one type but whose reader takes another too: verl hands
// model.target_modules to peft.LoraConfig, which takes a module list as well as "all-linear" (verl's own
// examples/sft/gsm8k/run_qwen_05_peft.sh shows model.target_modules=[q_proj,v_proj]).
const std::set<std::string> kListAlsoAccepted = {"actor_rollout_ref.model.target_modules", "model.target_modules"};
// Mappings whose keys are another class's constructor arguments: Automodel instantiates optimizer._target_
// with the rest of the block (torch.optim.SGD's momentum, transformers' Adafactor relative_step).
const std::set<std::string> kKwargsOf = {"optimizer"};

// Keys of `emitted` missing from `schema`, or of another type (null or an interpolation there: any type).
void compare(const Json& emitted, const Json& schema, const std::string& path, std::vector<std::string>& problems) {
  for (const auto& [key, value] : emitted.items()) {
    const std::string here = path.empty() ? key : path + "." + key;
    if (kKwargsOf.count(path) == 1 && key != "_target_") continue;
    if (!schema.is_object() || !schema.contains(key)) {
      problems.push_back(here + ": not in the snapshot");
      continue;
    }
    const Json& expected = schema.at(key);
    const bool any = expected.is_null() || (expected.is_string() && expected.get<std::string>().rfind("${", 0) == 0);
    if (value.is_object() && expected.is_object()) {
      compare(value, expected, here, problems);
    } else if (!any && type_of(value) != type_of(expected) && !(value.is_array() && kListAlsoAccepted.count(here) == 1)) {
      problems.push_back(here + ": " + type_of(value) + " here, " + type_of(expected) + " in the snapshot");
    }
  }
}

std::vector<std::string> emitted_configs(const char* format) {
  std::vector<std::string> out;
  for (const auto& scenario : kScenarios) {
    auto text = api::config(Json::parse(scenario), format);
    if (text.ok()) out.push_back(text.value());
  }
  return out;
}

Json automodel_schema() {
  Json schema = Json::object();
  for (const char* f : {"qwen2_5_7b_squad", "qwen2_5_7b_squad_peft", "qwen1_5_moe_a2_7b_qlora", "qwen3_32b_tulu3",
                        "llama_3_3_70b_instruct_squad", "gemma_2_9b_it_squad", "llama3_1_8b_hellaswag_fp8"}) {
    const Json tree = snapshot_yaml(std::string("data/frameworks/nemo-automodel/") + f + ".yaml");
    Json merged = tree;
    merged.merge_patch(schema);  // keep what an earlier file typed; add what this one has
    schema = merged;
  }
  return schema;
}

// Field names of the dataclasses in a snapshot Python file (`    name: type = field(`).
std::set<std::string> dataclass_fields(const std::string& relative) {
  std::set<std::string> out;
  const std::string text = read_text(relative);
  static const std::regex field(R"(\n    (\w+): [^=\n]+= field\()");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), field); it != std::sregex_iterator(); ++it) {
    out.insert((*it)[1]);
  }
  return out;
}

}  // namespace

TEST_CASE("verl: every emitted key is in _generated_ppo_trainer.yaml / sft_trainer.yaml with its type") {
  const Json rl = snapshot_yaml("data/frameworks/verl/_generated_ppo_trainer.yaml");
  const Json sft = snapshot_yaml("data/frameworks/verl/sft_trainer.yaml");
  const auto configs = emitted_configs("verl");
  REQUIRE(configs.size() >= 5);
  for (const auto& text : configs) {
    Json tree = cli::yaml_to_json(text).value();
    tree.erase("hydra");
    tree.erase("defaults");
    std::vector<std::string> problems;
    compare(tree, tree.contains("actor_rollout_ref") ? rl : sft, "", problems);
    CHECK_MESSAGE(problems.empty(), text);
    for (const auto& p : problems) MESSAGE(p);
    // verl/workers/rollout/base.py _ROLLOUT_REGISTRY: vllm, sglang, trtllm.
    if (const Json* name = config::find_dotted(tree, "actor_rollout_ref.rollout.name")) {
      CHECK(std::set<std::string>{"vllm", "sglang", "trtllm"}.count(name->get<std::string>()) == 1);
    }
    if (const Json* estimator = config::find_dotted(tree, "algorithm.adv_estimator")) {
      CHECK(std::set<std::string>{"gae", "grpo"}.count(estimator->get<std::string>()) == 1);
    }
  }
}

TEST_CASE("NeMo RL: every emitted key is in the base config it names, with its type") {
  const auto configs = emitted_configs("nemo-rl");
  REQUIRE(configs.size() >= 5);
  for (const auto& text : configs) {
    Json tree = cli::yaml_to_json(text).value();
    const std::string base = tree.at("defaults").get<std::string>();
    tree.erase("defaults");
    std::vector<std::string> problems;
    compare(tree, snapshot_yaml("data/frameworks/nemo-rl/" + base), "", problems);
    CHECK_MESSAGE(problems.empty(), text);
    for (const auto& p : problems) MESSAGE(p);
    // nemo_rl/models/policy: precision is a torch dtype name.
    CHECK(std::set<std::string>{"float32", "bfloat16", "float16"}.count(tree["policy"]["precision"].get<std::string>()) == 1);
  }
}

TEST_CASE("NeMo Automodel: emitted keys are in its recipes; dtype and strategy are ones its parsers accept") {
  const Json schema = automodel_schema();
  // shared_utils.py dtype_from_str: the lut's keys, or "torch." + the lowered value.
  std::set<std::string> dtypes;
  const std::string utils = read_text("data/frameworks/nemo-automodel/shared_utils.py");
  static const std::regex key(R"re("(torch\.\w+|bf16)":)re");
  for (auto it = std::sregex_iterator(utils.begin(), utils.end(), key); it != std::sregex_iterator(); ++it) dtypes.insert((*it)[1]);
  REQUIRE(dtypes.count("torch.float32") == 1);
  const auto configs = emitted_configs("nemo-automodel");
  REQUIRE(configs.size() >= 3);
  for (const auto& text : configs) {
    const Json tree = cli::yaml_to_json(text).value();
    std::vector<std::string> problems;
    compare(tree, schema, "", problems);
    CHECK_MESSAGE(problems.empty(), text);
    for (const auto& p : problems) MESSAGE(p);
    const std::string dtype = tree["model"]["torch_dtype"].get<std::string>();
    CHECK_MESSAGE((dtypes.count(dtype) == 1 || dtypes.count("torch." + dtype) == 1), dtype);
    const std::string strategy = tree["distributed"]["strategy"].get<std::string>();
    CHECK(std::set<std::string>{"fsdp2", "megatron_fsdp", "ddp"}.count(strategy) == 1);
    // DDPConfig has no sequence_parallel (config.py): "Unknown options for strategy 'ddp'".
    if (strategy == "ddp") CHECK_FALSE(tree["distributed"].contains("sequence_parallel"));
  }
}

TEST_CASE("TRL: every flag is a field of the 2026 config dataclasses or an accelerate launch flag") {
  std::set<std::string> fields;
  for (const char* f : {"grpo_config", "dpo_config", "sft_config", "model_config", "scripts_utils", "scripts_grpo", "base_config"}) {
    const auto more = dataclass_fields(std::string("data/frameworks/trl/") + f + ".py");
    fields.insert(more.begin(), more.end());
  }
  REQUIRE(fields.count("num_generations") == 1);
  REQUIRE(fields.count("reference_free") == 0);
  // transformers TrainingArguments (not snapshotted: the repository is too large to fetch here) and
  // `accelerate launch` (trl/cli/accelerate_config.py; docs/source/clis.md).
  for (const char* f : {"output_dir", "per_device_train_batch_size", "gradient_accumulation_steps", "bf16", "fp16",
                        "learning_rate", "optim", "num_train_epochs", "max_steps", "num_processes", "num_machines",
                        "accelerate_config"}) {
    fields.insert(f);
  }
  const auto configs = emitted_configs("trl");
  REQUIRE(configs.size() >= 5);
  for (const auto& text : configs) {
    const auto words = config::shell_words(text);
    for (std::size_t i = 0; i < words.size(); ++i) {
      if (words[i].rfind("--", 0) != 0) continue;
      const std::string flag = words[i].substr(2);
      CHECK_MESSAGE(fields.count(flag) == 1, flag);
      if (flag == "accelerate_config") {
        const std::string preset = read_text("data/frameworks/trl/accelerate_configs/" + words[i + 1] + ".yaml");
        CHECK_MESSAGE(!preset.empty(), words[i + 1]);
      }
    }
  }
}
