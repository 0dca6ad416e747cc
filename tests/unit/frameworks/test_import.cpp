// `vramplan import` (issue 18): each framework's own published recipes (tests/frameworks/<framework>/recipes/,
// copied unchanged from upstream) import to a scenario whose estimate equals that of the scenario a person
// wrote for the same run (tests/frameworks/<framework>/expected.json), and the config vramplan emits for
// that scenario imports back to the same scenario. Also: overrides, interpolation, script parsing,
// preflight warnings and the snapshot JSON files against their YAML.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "vramplan/api.hpp"
#include "vramplan/framework_import.hpp"
#include "yaml_tree.hpp"

using namespace vramplan;

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string source(const std::string& relative) { return std::string(VRAMPLAN_SOURCE_DIR) + "/" + relative; }

config::ImportInput input_of(const std::string& text, std::vector<std::string> extra = {}) {
  config::ImportInput input;
  auto tree = cli::yaml_to_json(text);
  if (tree.ok() && tree.value().is_object()) {
    input.tree = tree.value();
  } else {
    input.words = config::shell_words(text);
  }
  input.words.insert(input.words.end(), extra.begin(), extra.end());
  return input;
}

Json import_document(const std::string& format, const config::ImportInput& input) {
  auto outcome = api::import_config(format, input);
  REQUIRE_MESSAGE(outcome.ok(), (outcome.ok() ? std::string() : outcome.error().line()));
  REQUIRE_MESSAGE(!outcome->document.contains("error"), outcome->document.dump());
  return outcome->document;
}

// Imports every recipe of `framework` and checks the estimate and the round trip through `config`.
void check_recipes(const std::string& framework, std::vector<std::string> extra_words) {
  const Json expected = Json::parse(read_text(source("tests/frameworks/" + framework + "/expected.json")));
  REQUIRE(expected.size() >= 5);
  // Named copies, not a structured binding: clang 14 cannot capture a binding in CAPTURE's lambda.
  for (const auto& item : expected.items()) {
    const std::string file = item.key();
    const Json& hand_written = item.value();
    CAPTURE(file);
    const Json imported = import_document(framework, input_of(read_text(source("tests/frameworks/" + framework + "/recipes/" + file)), extra_words));
    for (const auto& w : imported.at("warnings")) MESSAGE(file << ": " << w.get<std::string>());
    auto by_hand = api::estimate_without_constants(hand_written);
    REQUIRE_MESSAGE(by_hand.ok(), (by_hand.ok() ? std::string() : by_hand.error().line()));
    CHECK(imported.at("estimate").at("per_gpu") == by_hand.value().at("per_gpu"));
    CHECK(imported.at("estimate").value("phases", Json()) == by_hand.value().value("phases", Json()));
    // config of that scenario re-imports to the same scenario.
    auto emitted = api::config(imported.at("scenario"), framework);
    REQUIRE_MESSAGE(emitted.ok(), (emitted.ok() ? std::string() : emitted.error().line()));
    const Json again = import_document(framework, input_of(emitted.value()));
    CHECK(again.at("scenario") == imported.at("scenario"));
  }
}

}  // namespace

TEST_CASE("verl: published example scripts import, estimate as written by hand, and round-trip") {
  check_recipes("verl", {});
}

TEST_CASE("NeMo RL: published recipes over their defaults import, estimate as written by hand, and round-trip") {
  check_recipes("nemo-rl", {});
}

TEST_CASE("NeMo Automodel: published recipes with their launch line import and round-trip") {
  check_recipes("nemo-automodel", {"--nproc-per-node", "8"});
}

TEST_CASE("TRL: commands from TRL's documentation import and round-trip") {
  check_recipes("trl", {});
}

TEST_CASE("the snapshot JSON files are their upstream YAML, read the way the CLI reads YAML") {
  for (const char* name : {"verl/_generated_ppo_trainer", "verl/sft_trainer", "nemo-rl/grpo_math_1B",
                           "nemo-rl/ppo_math_1B", "nemo-rl/dpo", "nemo-rl/sft"}) {
    CAPTURE(name);
    const auto yaml = cli::yaml_to_json(read_text(source(std::string("data/frameworks/") + name + ".yaml")));
    REQUIRE(yaml.ok());
    CHECK(yaml.value() == Json::parse(read_text(source(std::string("data/frameworks/") + name + ".json"))));
  }
}

namespace {

bool any_contains(const Json& list, const std::string& part) {
  for (const auto& item : list) {
    if (item.is_string() && item.get<std::string>().find(part) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("shell words: continuations, quotes, comments, variables, the launcher's command only") {
  const auto words = config::shell_words(
      "set -x\nMODEL=Qwen/Qwen2.5-7B-Instruct\nfiles=\"['$HOME/a', 'b']\"\n"
      "python3 -m verl.trainer.main_ppo \\\n  actor_rollout_ref.model.path=$MODEL \\\n"
      "  data.train_files=\"$files\" trainer.logger='[\"console\"]' \\\n  # a.b=1 \\\n  x.y=2\n");
  REQUIRE(words.size() == 6);
  CHECK(words[0] == "python3");
  CHECK(words[3] == "actor_rollout_ref.model.path=Qwen/Qwen2.5-7B-Instruct");
  CHECK(words[4] == "data.train_files=['$HOME/a', 'b']");
  CHECK(words[5] == "trainer.logger=[\"console\"]");
}

TEST_CASE("Hydra overrides and OmegaConf interpolation resolve as the frameworks resolve them") {
  config::ImportInput input;
  input.tree = Json::parse(R"({"defaults": "grpo_math_1B.yaml", "policy": {"model_name": "Qwen/Qwen2.5-1.5B",
      "train_micro_batch_size": 2}, "cluster": {"gpus_per_node": 4}})");
  input.words = {"policy.train_micro_batch_size=8", "policy.max_total_sequence_length=2048", "~grpo.max_num_steps"};
  const Json doc = import_document("nemo-rl", input);
  CHECK(doc["scenario"]["train"]["micro_batch_size"] == 8);
  // grpo_math_1B: max_new_tokens and max_input_seq_length are ${policy.max_total_sequence_length}.
  CHECK(doc["scenario"]["rl"]["rollout"]["max_prompt_len"].get<int>() + doc["scenario"]["rl"]["rollout"]["max_response_len"].get<int>() == 2048);
  // logprob_batch_size: ${policy.train_micro_batch_size} follows the override, so no separate value.
  CHECK(doc["scenario"]["rl"]["logprob_micro_batch_size"].is_null());
}

TEST_CASE("unmapped keys are warned about, never dropped; known harmless keys are not") {
  config::ImportInput input;
  input.words = config::shell_words("python3 -m verl.trainer.main_ppo actor_rollout_ref.model.path=Qwen/Qwen2.5-7B-Instruct "
                                    "actor_rollout_ref.rollout.enable_chunked_prefill=False trainer.project_name=x "
                                    "trainer.n_gpus_per_node=8 data.train_batch_size=64 actor_rollout_ref.actor.ppo_mini_batch_size=64 "
                                    "actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu=8 actor_rollout_ref.rollout.enforce_eager=True");
  const Json doc = import_document("verl", input);
  CHECK(doc["unmapped"] == Json::array({"actor_rollout_ref.rollout.enable_chunked_prefill"}));
  CHECK(any_contains(doc["warnings"], "actor_rollout_ref.rollout.enable_chunked_prefill=false: not modelled"));
  // enforce_eager is mapped (no CUDA graph pool), not unmapped.
  CHECK(doc["scenario"]["rl"]["rollout"]["enforce_eager"] == true);
}

TEST_CASE("preflight: the start-up checks of the frameworks come with the fix") {
  config::ImportInput verl;
  verl.words = {"actor_rollout_ref.model.path=Qwen/Qwen2.5-7B-Instruct", "trainer.n_gpus_per_node=8",
                "data.train_batch_size=7", "actor_rollout_ref.actor.ppo_mini_batch_size=7", "actor_rollout_ref.rollout.n=1",
                "actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu=2", "actor_rollout_ref.rollout.tensor_model_parallel_size=3",
                "actor_rollout_ref.rollout.max_model_len=1000", "data.max_prompt_length=512", "data.max_response_length=1024"};
  const Json v = import_document("verl", verl);
  CHECK(any_contains(v["warnings"], "is not divisible by the 8 GPUs; verl stops at start-up. Fix: data.train_batch_size=8"));
  CHECK(any_contains(v["warnings"], "is below the data-parallel size 8"));
  CHECK(any_contains(v["warnings"], "tensor_model_parallel_size=3 does not divide the 28 attention heads"));
  CHECK(any_contains(v["warnings"], "max_model_len=1000 is below prompt + response (1536)"));
  config::ImportInput nemo;
  nemo.tree = Json::parse(R"({"defaults": "grpo_math_1B.yaml", "cluster": {"gpus_per_node": 8},
      "policy": {"generation": {"colocated": {"enabled": false}}}})");
  const Json n = import_document("nemo-rl", nemo);
  CHECK(any_contains(n["warnings"], "colocated.enabled=false needs colocated.resources.gpus_per_node"));
  CHECK(n["scenario"]["rl"]["rollout"]["colocated"] == false);
}

TEST_CASE("suggestions come back as the framework's own key edits, and --fix edits the user's config") {
  config::ImportInput input;
  input.words = config::shell_words(read_text(source("tests/frameworks/verl/recipes/grpo_trainer_run_qwen2-7b.sh")));
  input.gpu = "H100-SXM-80GB";
  auto outcome = api::import_config("verl", input);
  REQUIRE(outcome.ok());
  const Json& doc = outcome->document;
  REQUIRE(!doc["fix"].empty());
  CHECK(doc["estimate"]["fit"]["fits"] == false);
  bool offload = false;
  for (const auto& s : doc["suggestions"]) {
    for (const auto& e : s["edits"]) offload = offload || e["key"] == "actor_rollout_ref.actor.fsdp_config.optimizer_offload";
  }
  CHECK(offload);
  // The first fitting suggestion's edits replace the script's own override words.
  const std::string key = doc["fix"][0]["key"].get<std::string>();
  bool replaced = false;
  for (const auto& w : outcome->fixed.words) replaced = replaced || w.rfind(key + "=", 0) == 0;
  CHECK(replaced);
  const Json again = import_document("verl", outcome->fixed);
  CHECK(again["scenario"] != doc["scenario"]);
}

// YAML 1.1 booleans as the frameworks' PyYAML loaders read them (cli/yaml_tree.cpp); web/import.js reads
// the same words the same way (tests/browser/answer.mjs checks the page against the CLI on such a file).
TEST_CASE("yaml_to_json reads yes/no/on/off as PyYAML does and keeps quoted ones as text") {
  const auto tree = cli::yaml_to_json("a: yes\nb: Off\nc: 'no'\nd: y\ne: NO\nf: oN\n");
  REQUIRE(tree.ok());
  CHECK(tree.value()["a"] == true);
  CHECK(tree.value()["b"] == false);
  CHECK(tree.value()["c"] == "no");
  CHECK(tree.value()["d"] == "y");  // PyYAML's resolver has no y/n
  CHECK(tree.value()["e"] == false);
  CHECK(tree.value()["f"] == "oN");
  // Emitted back, the string keeps its quotes so that a framework reads it as text.
  CHECK(cli::json_to_yaml(Json{{"c", "no"}}).find("\"no\"") != std::string::npos);
}

// F13 (docs/hardening.md), found by fuzz_import: a byte that is not UTF-8 in a script's key reached the
// document (as an unmapped key) and the document could not be written as strict JSON.
TEST_CASE("a script with bytes that are not UTF-8 gives a document that serialises strictly") {
  config::ImportInput input;
  input.words = config::shell_words(read_text(source("tests/frameworks/verl/recipes/grpo_trainer_run_qwen2-7b.sh")));
  input.words.push_back("actor_rollout_ref.ref.fsdp_config.par\xe1" "am_offload=True");
  auto outcome = api::import_config("verl", input);
  REQUIRE(outcome.ok());
  CHECK_NOTHROW((void)outcome->document.dump());
  CHECK(outcome->document.dump().find("par\xef\xbf\xbd" "am_offload") != std::string::npos);
}

TEST_CASE("train.fp8 goes through the frameworks that have it: Automodel's torchao block, NeMo RL's Megatron fp8_cfg") {
  // Automodel (components/quantization/fp8.py): fp8.enabled, recipe_name, enable_fsdp_float8_all_gather.
  const Json ao = Json::parse(R"({"model": "Qwen/Qwen2.5-7B-Instruct", "gpus": 8, "train": {"sharding": "fsdp",
    "fp8": "torchao-tensorwise", "fp8_all_gather": true}})");
  auto automodel = api::config(ao, "nemo-automodel");
  REQUIRE(automodel.ok());
  CHECK(automodel.value().find("enable_fsdp_float8_all_gather: true") != std::string::npos);
  CHECK(automodel.value().find("recipe_name: tensorwise") != std::string::npos);
  const Json back = import_document("nemo-automodel", input_of(automodel.value()));
  CHECK(back.at("scenario").at("train").at("fp8") == "torchao-tensorwise");
  CHECK(back.at("scenario").at("train").at("fp8_all_gather") == true);
  // A Transformer Engine recipe has no Automodel path: left off, with a note.
  const Json te = Json::parse(R"({"model": "Qwen/Qwen2.5-7B-Instruct", "gpus": 8, "train": {"fp8": "te-delayed"}})");
  auto automodel_te = api::config(te, "nemo-automodel");
  REQUIRE(automodel_te.ok());
  CHECK(automodel_te.value().find("fp8:") == std::string::npos);
  CHECK(automodel_te.value().find("not Transformer Engine's: fp8 left off") != std::string::npos);

  // NeMo RL (policy.megatron_cfg.fp8_cfg: enabled, fp8, fp8_recipe, fp8_param) on the Megatron backend (pp 2).
  const Json rl = Json::parse(R"({"model": "Qwen/Qwen2.5-7B-Instruct", "workload": "rl", "gpus": 8, "train": {"pp": 2,
    "precision": "mixed-bf16", "fp8": "te-delayed", "fp8_all_gather": true}})");
  auto nemo_rl = api::config(rl, "nemo-rl");
  REQUIRE(nemo_rl.ok());
  CHECK(nemo_rl.value().find("fp8_recipe: delayed") != std::string::npos);
  CHECK(nemo_rl.value().find("fp8_param: true") != std::string::npos);
  const Json rl_back = import_document("nemo-rl", input_of(nemo_rl.value()));
  CHECK(rl_back.at("scenario").at("train").at("fp8") == "te-delayed");
  CHECK(rl_back.at("scenario").at("train").at("fp8_all_gather") == true);
  CHECK(rl_back.at("scenario").at("train").at("precision") == "mixed-bf16");
}

TEST_CASE("TRL: the fsdp1 / fsdp2 presets carry train.fsdp_version both ways") {
  auto imported = [](const char* preset) {
    const std::string command = std::string("trl sft --model_name_or_path Qwen/Qwen2.5-0.5B --dataset_name stanfordnlp/imdb "
                                            "--num_processes 2 --accelerate_config ") + preset;
    return import_document("trl", input_of(command)).at("scenario");
  };
  const Json one = imported("fsdp1"), two = imported("fsdp2");
  CHECK(one.at("train").at("sharding") == "fsdp");
  CHECK(one.at("train").at("fsdp_version") == 1);
  CHECK(two.at("train").at("fsdp_version") == 2);
  // fsdp1.yaml loads on rank 0's CPU and syncs (fsdp_cpu_ram_efficient_loading, fsdp_sync_module_states: true).
  CHECK(one.at("train").at("fsdp_sync_module_states") == true);
  CHECK(two.at("train").at("fsdp_sync_module_states") == false);
  // The emitted command names the preset of the scenario's FSDP, and imports back to it.
  for (const Json* s : {&one, &two}) {
    auto emitted = api::config(*s, "trl");
    REQUIRE(emitted.ok());
    const bool v2 = s->at("train").at("fsdp_version") == 2;
    CHECK(emitted.value().find(v2 ? "--accelerate_config fsdp2" : "--accelerate_config fsdp1") != std::string::npos);
    CHECK(import_document("trl", input_of(emitted.value())).at("scenario") == *s);
  }
}

TEST_CASE("TRL SFT: loss_type and use_liger_kernel carry train.loss_kernel both ways") {
  auto imported = [](const std::string& flags) {
    return import_document("trl", input_of("trl sft --model_name_or_path Qwen/Qwen2.5-0.5B --dataset_name "
                                           "stanfordnlp/imdb" + flags));
  };
  // Unset: SFTConfig's default from TRL 1.7 (chunked_nll), said in a warning.
  const Json unset = imported("");
  CHECK(unset.at("scenario").at("train").at("loss_kernel") == "chunked");
  bool warned = false;
  for (const auto& w : unset.at("warnings")) warned = warned || w.get<std::string>().find("TRL 1.7") != std::string::npos;
  CHECK(warned);
  CHECK(imported(" --loss_type nll").at("scenario").at("train").at("loss_kernel") == "full");
  CHECK(imported(" --loss_type dft").at("scenario").at("train").at("loss_kernel") == "full");
  CHECK(imported(" --loss_type chunked_nll").at("scenario").at("train").at("loss_kernel") == "chunked");
  CHECK(imported(" --use_liger_kernel").at("scenario").at("train").at("loss_kernel") == "fused");
  CHECK(imported(" --use_liger_kernel true").at("scenario").at("train").at("loss_kernel") == "fused");
  // The emitted command writes the flag of each kernel and imports back to the same scenario.
  const char* flag[] = {"--loss_type nll", "--loss_type chunked_nll", "--use_liger_kernel true"};
  const char* kernels[] = {"full", "chunked", "fused"};
  for (int i = 0; i < 3; ++i) {
    CAPTURE(kernels[i]);
    Json scenario = unset.at("scenario");
    scenario["train"]["loss_kernel"] = kernels[i];
    auto emitted = api::config(scenario, "trl");
    REQUIRE(emitted.ok());
    CHECK(emitted.value().find(flag[i]) != std::string::npos);
    CHECK(import_document("trl", input_of(emitted.value())).at("scenario") == scenario);
  }
}

TEST_CASE("TRL SFT before 1.4 has no chunked_nll: the emitter says so instead of writing the flag") {
  Json scenario = Json::parse(R"({"model": "Qwen/Qwen2.5-0.5B", "train": {"loss_kernel": "chunked"},
    "config": {"framework_version": "1.3"}})");
  auto emitted = api::config(scenario, "trl");
  REQUIRE(emitted.ok());
  CHECK(emitted.value().find("--loss_type") == std::string::npos);
  CHECK(emitted.value().find("exists from TRL 1.4") != std::string::npos);
}
