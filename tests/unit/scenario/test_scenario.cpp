// Scenario parsing and validation (scenario.hpp): defaults, ranges, errors with JSON pointers.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "vramplan/catalog.hpp"
#include "vramplan/scenario.hpp"

using namespace vramplan;

namespace {

const Catalog& catalog() {
  auto loaded = load_catalog();
  REQUIRE_MESSAGE(loaded.ok(), (loaded.ok() ? "" : loaded.error().line()));
  return *loaded.value();
}

Expected<Scenario> parse(const char* text) { return parse_scenario(Json::parse(text), catalog()); }

std::string error_line(const char* text) {
  const auto result = parse(text);
  return result.ok() ? "(no error)" : result.error().line();
}

}  // namespace

TEST_CASE("a scenario of only a model is valid, with the documented defaults") {
  const auto s = parse(R"({"model": "Qwen/Qwen2.5-7B-Instruct"})");
  REQUIRE(s.ok());
  CHECK(s->model.id == "Qwen/Qwen2.5-7B-Instruct");
  CHECK(s->model.from_catalog);
  CHECK(s->workload == Workload::train);
  CHECK_FALSE(s->gpu.has_value());
  CHECK(s->gpus == 1);
  CHECK(s->train.method == Method::full);
  CHECK(s->train.precision == Precision::amp_bf16);
  CHECK(s->train.optimizer == Optimizer::adamw);
  CHECK(s->train.micro_batch_size == 1);
  CHECK(s->train.seq_len == 2048);
  CHECK(s->train.lora.rank == 16);
  CHECK(s->train.lora.all_linear);
  CHECK(s->inference.gpu_memory_utilization == doctest::Approx(0.9));
  CHECK(s->rl.algorithm == RlAlgorithm::grpo);
  CHECK(s->rl.reference);
  CHECK_FALSE(s->rl.critic);
  CHECK_FALSE(s->rl.reward_model.has_value());
  CHECK(s->rl.rollout.gpu_memory_utilization == doctest::Approx(0.6));
}

TEST_CASE("the contract's example scenario parses, ids case-insensitively") {
  const auto s = parse(R"({
    "model": "qwen/qwen2.5-7b-instruct", "workload": "rl", "gpu": "h100-sxm-80gb", "gpus": 1,
    "train": {"method": "full", "precision": "amp-bf16", "optimizer": "adamw", "micro_batch_size": 8,
              "seq_len": 1536, "gradient_checkpointing": false, "attention": "flash",
              "lora": {"rank": 16, "alpha": 32, "targets": "all-linear"}, "sharding": "none",
              "tp": 1, "pp": 1, "cp": 1, "offload_optimizer": false, "offload_params": false},
    "inference": {"engine": "hf", "batch_size": 1, "context_len": 4096, "weight_dtype": "bf16", "kv_dtype": "bf16",
                  "gpu_memory_utilization": 0.9, "attention": "flash", "tp": 1, "pp": 1},
    "rl": {"algorithm": "grpo", "reference": true, "critic": false,
           "reward_model": {"model": "Qwen/Qwen2.5-14B-Instruct", "weight_dtype": "bf16"},
           "rollout": {"engine": "vllm", "colocated": true, "gpu_memory_utilization": 0.6, "prompts_per_step": 32,
                       "generations_per_prompt": 16, "max_prompt_len": 512, "max_response_len": 1024, "tp": 1}}})");
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().line()));
  CHECK(s->model.id == "Qwen/Qwen2.5-7B-Instruct");
  CHECK(s->gpu->id == "H100-SXM-80GB");
  CHECK(s->train.micro_batch_size == 8);
  CHECK(s->rl.reward_model->model.id == "Qwen/Qwen2.5-14B-Instruct");
  CHECK(s->rl.rollout.generations_per_prompt == 16);
}

TEST_CASE("errors name the field, the accepted range and the value") {
  CHECK(error_line(R"({"model": "Qwen/Qwen2.5-7B", "train": {"micro_batch_size": -3}})") ==
        "error: /train/micro_batch_size: must be an integer from 1 to 65536, got -3");
  CHECK(error_line(R"({"model": "Qwen/Qwen2.5-7B", "train": {"precison": "bf16"}})").rfind("error: /train/precison: unknown key", 0) == 0);
  CHECK(error_line(R"({"model": "Qwen/Qwen2.5-7B", "workload": "serve"})") ==
        "error: /workload: must be one of \"train\", \"inference\", \"rl\", got \"serve\"");
  CHECK(error_line(R"({"model": "Qwen/Qwen2.5-7B", "inference": {"gpu_memory_utilization": 1.5}})") ==
        "error: /inference/gpu_memory_utilization: must be a number from 0.05 to 1, got 1.5");
  CHECK(error_line(R"({"model": "Qwen/Qwen2.5-7B", "train": {"lora": {"targets": ["q_proj", "qproj"]}}})")
            .rfind("error: /train/lora/targets/1: must be a module name", 0) == 0);
  CHECK(error_line(R"({"model": "Qwen/Qwen2.5-7B", "rl": {"reward_model": {"weight_dtype": "int8"}}})") ==
        "error: /rl/reward_model/model: is required: a catalog id or a config.json object");
  CHECK(error_line(R"({"workload": "train"})").rfind("error: /model: is required", 0) == 0);
  CHECK(error_line(R"([1, 2])").rfind("error: /: must be an object", 0) == 0);
}

TEST_CASE("unknown catalog ids suggest the nearest") {
  CHECK(error_line(R"({"model": "Qwen/Qwen2.5-7B-Instruc"})").find("did you mean Qwen/Qwen2.5-7B-Instruct?") !=
        std::string::npos);
  CHECK(error_line(R"({"model": "Qwen2.5-7B-Instruct"})").find("did you mean Qwen/Qwen2.5-7B-Instruct?") !=
        std::string::npos);
  CHECK(error_line(R"({"model": "Qwen/Qwen2.5-7B", "gpu": "H100-SXM-80G"})").find("did you mean H100-SXM-80GB?") !=
        std::string::npos);
  CHECK(error_line(R"({"model": 42})").rfind("error: /model: must be a catalog model id or a config.json object", 0) == 0);
}

TEST_CASE("the parallel layout must be runnable") {
  CHECK(error_line(R"({"model": "Qwen/Qwen2.5-7B", "gpus": 2, "train": {"tp": 4}})").rfind("error: /gpus: must be at least", 0) == 0);
  CHECK(error_line(R"({"model": "Qwen/Qwen2.5-7B", "gpus": 6, "train": {"tp": 4}})").rfind("error: /gpus: must be a multiple", 0) == 0);
  CHECK(parse(R"({"model": "Qwen/Qwen2.5-7B", "gpus": 8, "train": {"tp": 4}})").ok());
  CHECK(error_line(R"({"model": "Qwen/Qwen2.5-7B", "workload": "inference", "inference": {"tp": 2}})")
            .rfind("error: /gpus: must be at least inference.tp", 0) == 0);
}

TEST_CASE("ppo turns the critic on unless told otherwise") {
  CHECK(parse(R"({"model": "Qwen/Qwen2.5-7B", "rl": {"algorithm": "ppo"}})")->rl.critic);
  CHECK_FALSE(parse(R"({"model": "Qwen/Qwen2.5-7B", "rl": {"algorithm": "ppo", "critic": false}})")->rl.critic);
}

TEST_CASE("a pasted config.json is accepted as the model, and its errors point inside it") {
  const auto s = parse(R"({"model": {"model_type": "llama", "hidden_size": 256, "num_hidden_layers": 2,
      "num_attention_heads": 4, "intermediate_size": 512, "vocab_size": 1000}})");
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().line()));
  CHECK_FALSE(s->model.from_catalog);
  CHECK(s->model.config.text.hidden_size == 256);
  CHECK(error_line(R"({"model": {"model_type": "llama", "num_hidden_layers": 2, "num_attention_heads": 4,
      "intermediate_size": 512, "vocab_size": 1000}})").rfind("error: /model/hidden_size:", 0) == 0);
}

TEST_CASE("scenario_to_json fills every default and parses back to the same scenario") {
  const auto s = parse(R"({"model": "Qwen/Qwen2.5-7B", "workload": "rl", "gpu": "H100-SXM-80GB", "gpus": 8,
      "train": {"method": "lora", "lora": {"rank": 8, "targets": ["q_proj", "v_proj"]}, "sharding": "fsdp"},
      "rl": {"reward_model": {"model": "Qwen/Qwen2.5-0.5B-Instruct", "weight_dtype": "int8"}}})");
  REQUIRE(s.ok());
  const Json canonical = scenario_to_json(s.value());
  CHECK(canonical.at("train").at("seq_len") == 2048);
  CHECK(canonical.at("train").at("lora").at("targets") == Json({"q_proj", "v_proj"}));
  const auto again = parse_scenario(canonical, catalog());
  REQUIRE(again.ok());
  CHECK(scenario_to_json(again.value()) == canonical);
}

TEST_CASE("an alias resolves to the real model and the result says so") {
  const auto s = parse(R"({"model": "microsoft/Phi-4-Instruct"})");
  REQUIRE(s.ok());
  CHECK(s->model.id == "microsoft/phi-4");
  CHECK(s->model.resolution_note.find("resolves to microsoft/phi-4") != std::string::npos);
  CHECK(parse(R"({"model": "microsoft/PHI-4"})")->model.resolution_note.empty());
}

// The scenario schema (scenario_schema): recorded from the parser, so every key the canonical scenario
// echoes is in it with the parser's own range, and the page's form can be built from it.
namespace {

const Json* key_entry(const Json& schema, const std::string& key) {
  for (const auto& k : schema.at("keys")) {
    if (k.at("key") == key) return &k;
  }
  return nullptr;
}

void leaves(const Json& node, const std::string& prefix, std::set<std::string>& out) {
  for (const auto& item : node.items()) {
    const std::string key = prefix.empty() ? item.key() : prefix + "." + item.key();
    if (item.value().is_object() && key != "model") leaves(item.value(), key, out);
    else out.insert(key);
  }
}

}  // namespace

TEST_CASE("every key of the canonical scenario is in the schema, and nothing else") {
  const Json doc = Json::parse(R"({"model": "Qwen/Qwen2.5-7B-Instruct", "gpu": "H100-SXM-80GB",
    "rl": {"reward_model": {"model": "Qwen/Qwen2.5-7B-Instruct"}}})");
  const auto s = parse_scenario(doc, catalog());
  REQUIRE(s.ok());
  std::set<std::string> echoed;
  leaves(scenario_to_json(s.value()), "", echoed);
  const Json schema = scenario_schema(catalog());
  std::set<std::string> described;
  for (const auto& k : schema.at("keys")) described.insert(k.at("key").get<std::string>());
  CHECK(echoed == described);
}

TEST_CASE("the schema carries the parser's ranges, options and defaults") {
  const Json schema = scenario_schema(catalog());
  const Json* mbs = key_entry(schema, "train.micro_batch_size");
  REQUIRE(mbs != nullptr);
  CHECK(mbs->at("type") == "integer");
  CHECK(mbs->at("min") == 1);
  CHECK(mbs->at("max") == limits::kMaxBatch);
  CHECK(mbs->at("default") == 1);
  const Json* kernel = key_entry(schema, "rl.logprob_kernel");
  REQUIRE(kernel != nullptr);
  CHECK(kernel->at("options") == Json{"naive", "fused", "selective"});
  CHECK(kernel->at("default") == "naive");
  const Json* seqs = key_entry(schema, "rl.rollout.max_num_seqs");
  REQUIRE(seqs != nullptr);
  CHECK(seqs->at("default").is_null());
  CHECK(seqs->at("when") == Json{{"key", "rl.rollout.engine"}, {"in", Json{"vllm"}}});
}

TEST_CASE("the schema shows k-bit preparation for QLoRA only, the other LoRA keys for both LoRA methods") {
  const Json schema = scenario_schema(catalog());
  CHECK(key_entry(schema, "train.lora.kbit_preparation")->at("when") ==
        Json{{"key", "train.method"}, {"in", Json{"qlora"}}});
  CHECK(key_entry(schema, "train.lora.rank")->at("when") ==
        Json{{"key", "train.method"}, {"in", Json{"lora", "qlora"}}});
}

TEST_CASE("the schema says which workloads read a key: RL ignores train.seq_len") {
  const Json schema = scenario_schema(catalog());
  CHECK(key_entry(schema, "train.seq_len")->at("workloads") == Json{"train"});
  CHECK(key_entry(schema, "train.optimizer_in_backward")->at("workloads") == Json{"train"});
  CHECK(key_entry(schema, "train.micro_batch_size")->at("workloads") == Json{"train", "rl"});
  CHECK(key_entry(schema, "rl.rollout.sleep_mode")->at("workloads") == Json{"rl"});
  CHECK(key_entry(schema, "gpus")->at("workloads") == Json{"train", "rl", "inference"});
}

TEST_CASE("the PPO critic rule is in the schema's rules") {
  const Json schema = scenario_schema(catalog());
  bool found = false;
  for (const auto& r : schema.at("rules")) {
    found = found || (r.at("key") == "rl.critic" && r.at("from") == "rl.algorithm" && r.at("equals") == "ppo");
  }
  CHECK(found);
  // And the parser applies it: PPO without a critic key trains one.
  const auto ppo = parse_scenario(Json::parse(R"({"model": "Qwen/Qwen2.5-7B-Instruct", "rl": {"algorithm": "ppo"}})"), catalog());
  REQUIRE(ppo.ok());
  CHECK(ppo.value().rl.critic);
}

TEST_CASE("keys set to a value that changes nothing are named in a warning, defaults are not") {
  auto warnings_of = [](const char* text) {
    const auto s = parse(text);
    REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().line()));
    return s.value().warnings;
  };
  // vLLM's knobs with the hf engine.
  auto hf = warnings_of(R"({"model": "Qwen/Qwen2.5-0.5B", "workload": "inference",
    "inference": {"engine": "hf", "gpu_memory_utilization": 0.5, "max_num_seqs": 4, "batch_size": 2}})");
  REQUIRE(hf.size() == 2);
  CHECK(hf[0] == "/inference/gpu_memory_utilization is set but has no effect: inference.engine is not \"vllm\"");
  CHECK(hf[1].rfind("/inference/max_num_seqs is set", 0) == 0);
  // The same keys with vLLM matter.
  CHECK(warnings_of(R"({"model": "Qwen/Qwen2.5-0.5B", "workload": "inference",
    "inference": {"engine": "vllm", "gpu_memory_utilization": 0.5, "max_num_seqs": 4}})").empty());
  // enforce_eager (no CUDA graph pool) is vLLM's too.
  auto eager = warnings_of(R"({"model": "Qwen/Qwen2.5-0.5B", "workload": "inference",
    "inference": {"engine": "hf", "enforce_eager": true}})");
  REQUIRE(eager.size() == 1);
  CHECK(eager[0] == "/inference/enforce_eager is set but has no effect: inference.engine is not \"vllm\"");
  CHECK(warnings_of(R"({"model": "Qwen/Qwen2.5-0.5B", "workload": "inference",
    "inference": {"engine": "vllm", "enforce_eager": true}})").empty());
  // Another workload's section, and LoRA settings under full fine-tuning.
  auto train = warnings_of(R"({"model": "Qwen/Qwen2.5-0.5B", "inference": {"batch_size": 8},
    "train": {"lora": {"rank": 64}}, "rl": {"rollout": {"engine": "hf", "gpu_memory_utilization": 0.3}}})");
  REQUIRE(train.size() == 4);
  CHECK(train[0] == "/train/lora/rank is set but has no effect: train.method is not \"lora\" or \"qlora\"");
  CHECK(train[1] == "/inference/batch_size is set but has no effect: workload \"train\" does not read it");
  // A whole document with every default filled in (what the page sends) warns about nothing.
  const auto full = parse(R"({"model": "Qwen/Qwen2.5-0.5B"})");
  REQUIRE(full.ok());
  Json document = scenario_to_json(full.value());
  CHECK(parse_scenario(document, catalog()).value().warnings.empty());
  document["workload"] = "inference";
  CHECK(parse_scenario(document, catalog()).value().warnings.empty());
}
