// The scenario schema (docs/scenario.md "Schema"): the parser's own key list (scenario_schema_keys) plus
// what the parser alone cannot say: which workloads read each key, when a key matters, and the rules
// between keys. The page builds its form from this, the CLI prints it (`vramplan schema --json`).
#include <string>
#include <string_view>
#include <vector>

#include "vramplan/scenario.hpp"

namespace vramplan {
namespace {

// "/rl/rollout/tp" -> "rl.rollout.tp" (scenario keys hold no "/" or "~").
std::string dotted(const std::string& pointer) {
  std::string key = pointer.substr(pointer.empty() ? 0 : 1);
  for (char& c : key) {
    if (c == '/') c = '.';
  }
  return key;
}

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

// Which workloads read a key. RL trains its policy with the train.* settings except the sequence
// length: RL sequences are the rollout's prompt plus response (rl.rollout.max_prompt_len +
// max_response_len, core/plan/src/rl/), so train.seq_len changes nothing there.
Json workloads_of(const std::string& key) {
  const Json all{to_string(Workload::train), to_string(Workload::rl), to_string(Workload::inference)};
  // An RL train phase runs every rollout sequence in micro-batches (core/time rl_time): no accumulation key.
  if (key == "train.seq_len" || key == "dataset.tokens" || key == "train.gradient_accumulation_steps") {
    return Json{to_string(Workload::train)};
  }
  // Images and audio are added to train.seq_len's sequence; RL's sequences come from the rollout.
  if (key == "train.images_per_sample" || starts_with(key, "train.image_size") || key == "train.audio_seconds") {
    return Json{to_string(Workload::train)};
  }
  // The dataset and the cluster size the training run (docs/time-model.md "Run totals").
  // config.framework_version: read by `vramplan config`, which writes training and RL configs only.
  if (starts_with(key, "dataset.") || starts_with(key, "cluster.") || starts_with(key, "config.")) {
    return Json{to_string(Workload::train), to_string(Workload::rl)};
  }
  if (starts_with(key, "train.")) return Json{to_string(Workload::train), to_string(Workload::rl)};
  if (starts_with(key, "inference.")) return Json{to_string(Workload::inference)};
  if (starts_with(key, "rl.")) return Json{to_string(Workload::rl)};
  return all;
}

struct Condition {
  const char* key_prefix;  // the keys this condition governs (a prefix ending in "." covers a group)
  const char* depends_on;
  Json values;             // the depending key's values that make the key matter; null: "set at all"
};

// When a key matters beyond its workload: LoRA settings with a LoRA method, vLLM's own knobs with the
// vLLM engine (the hf engine has no pool, docs/memory-model.md), the reward model's settings with a
// reward model.
Json condition_for(const std::string& key) {
  const Condition conditions[] = {
      {"train.lora.", "train.method", Json{to_string(Method::lora), to_string(Method::qlora)}},
      {"inference.gpu_memory_utilization", "inference.engine", Json{to_string(Engine::vllm)}},
      {"inference.max_num_seqs", "inference.engine", Json{to_string(Engine::vllm)}},
      {"inference.max_num_batched_tokens", "inference.engine", Json{to_string(Engine::vllm)}},
      {"rl.rollout.gpu_memory_utilization", "rl.rollout.engine", Json{to_string(Engine::vllm)}},
      {"rl.rollout.sleep_mode", "rl.rollout.engine", Json{to_string(Engine::vllm)}},
      {"rl.rollout.max_num_seqs", "rl.rollout.engine", Json{to_string(Engine::vllm)}},
      {"rl.rollout.max_num_batched_tokens", "rl.rollout.engine", Json{to_string(Engine::vllm)}},
      {"rl.reward_model.weight_dtype", "rl.reward_model.model", Json(nullptr)},
      {"rl.reward_model.colocated", "rl.reward_model.model", Json(nullptr)},
  };
  for (const Condition& c : conditions) {
    if (!starts_with(key, c.key_prefix)) continue;
    Json when{{"key", c.depends_on}};
    if (c.values.is_null()) when["set"] = true;
    else when["in"] = c.values;
    return when;
  }
  return Json(nullptr);
}

// Keys that matter only for a model with a feature (api params `model.features`): the media keys for a
// model with an image or audio rule, expert parallelism for a model with routed experts. The estimate
// warns when they are set for another model (media_tokens, memory_experts); the page hides them.
const char* model_feature_for(const std::string& key) {
  if (key == "train.images_per_sample" || key == "inference.images_per_sample" || starts_with(key, "train.image_size") ||
      starts_with(key, "inference.image_size")) {
    return "images";
  }
  if (key == "train.audio_seconds" || key == "inference.audio_seconds") return "audio";
  if (key == "train.ep" || key == "train.etp" || key == "inference.ep") return "experts";
  return nullptr;
}

// Whether a condition of condition_for holds in the parsed scenario (its canonical form, defaults filled).
bool condition_holds(const Json& when, const Json& canonical) {
  const Json* value = &canonical;
  for (std::string_view rest = when.at("key").get_ref<const std::string&>(); value != nullptr;) {
    const std::size_t dot = rest.find('.');
    const std::string part(rest.substr(0, dot));
    value = value->is_object() && value->contains(part) ? &value->at(part) : nullptr;
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  if (when.contains("set")) return value != nullptr && !value->is_null();
  if (value == nullptr) return false;
  for (const Json& v : when.at("in")) {
    if (v == *value) return true;
  }
  return false;
}

// Why a key changes nothing for this scenario, or "" when it matters.
std::string why_ignored(const std::string& key, const Json& canonical, Workload workload) {
  const std::string name = to_string(workload);
  bool read = false;
  for (const Json& w : workloads_of(key)) read = read || w == name;
  if (!read) return "workload \"" + name + "\" does not read it";
  const Json when = condition_for(key);
  if (when.is_null() || condition_holds(when, canonical)) return "";
  const std::string& on = when.at("key").get_ref<const std::string&>();
  if (when.contains("set")) return on + " is not set";
  std::string only;
  for (const Json& v : when.at("in")) only += (only.empty() ? "" : " or ") + v.dump();
  return on + " is not " + only;
}

// Depth-first over the document's leaves. A model (a catalog id or a whole config.json) is one leaf.
void collect_ignored(const Json& node, const std::string& pointer, const Json& canonical, const Json& defaults,
                     Workload workload, std::vector<std::string>* out) {
  for (const auto& [name, value] : node.items()) {
    const std::string child = pointer + "/" + name;
    if (value.is_object() && name != "model") {
      collect_ignored(value, child, canonical, defaults, workload, out);
      continue;
    }
    const Json::json_pointer at(child);
    if (value.is_null() || (defaults.contains(at) && defaults.at(at) == value)) continue;
    const std::string why = why_ignored(dotted(child), canonical, workload);
    if (!why.empty()) out->push_back(child + " is set but has no effect: " + why);
  }
}

// Rules between keys, as read_rl and check_parallel_layout in scenario.cpp apply them.
Json rules() {
  return Json::array({
      Json{{"key", "rl.critic"}, {"rule", "default_from"}, {"from", "rl.algorithm"}, {"equals", to_string(RlAlgorithm::ppo)},
           {"text", "the critic (value model) defaults to on for PPO and off for GRPO and DPO"}},
      Json{{"key", "rl.rollout.mean_prompt_len"}, {"rule", "at_most"}, {"of", Json{"rl.rollout.max_prompt_len"}},
           {"text", "a mean length is at most the maximum it averages"}},
      Json{{"key", "rl.rollout.mean_response_len"}, {"rule", "at_most"}, {"of", Json{"rl.rollout.max_response_len"}},
           {"text", "a mean length is at most the maximum it averages"}},
      Json{{"key", "gpus"}, {"rule", "multiple_of_product"}, {"of", Json{"train.tp", "train.pp", "train.cp"}},
           {"workloads", Json{to_string(Workload::train), to_string(Workload::rl)}},
           {"text", "the data-parallel size is gpus / (tp x pp x cp)"}},
      Json{{"key", "gpus"}, {"rule", "at_least_product"}, {"of", Json{"inference.tp", "inference.pp"}},
           {"workloads", Json{to_string(Workload::inference)}}, {"text", "one replica needs tp x pp GPUs"}},
      Json{{"key", "dataset.samples"}, {"rule", "exclusive_with"}, {"of", Json{"dataset.tokens"}},
           {"text", "the dataset's size is given once, in tokens or in samples"}},
      Json{{"key", "rl.rollout.tp"}, {"rule", "at_most"}, {"of", Json{"gpus"}},
           {"workloads", Json{to_string(Workload::rl)}}, {"text", "the rollout engine's tensor parallelism fits in the job"}},
  });
}

}  // namespace

std::vector<std::string> ignored_key_warnings(const Json& document, const Scenario& s) {
  std::vector<std::string> out;
  if (!document.is_object()) return out;
  // The page sends whole documents with every default filled in: only values that differ from the
  // defaults are worth a warning. The defaults: a scenario of the same model and workload.
  Scenario plain;
  plain.model = s.model;
  plain.workload = s.workload;
  plain.rl.algorithm = s.rl.algorithm;
  plain.rl.critic = s.rl.algorithm == RlAlgorithm::ppo;
  const Json defaults = scenario_to_json(plain);
  const Json canonical = scenario_to_json(s);
  for (const char* section : {"train", "inference", "rl", "dataset", "cluster", "config"}) {
    const auto found = document.find(section);
    if (found == document.end() || !found->is_object()) continue;
    collect_ignored(*found, std::string("/") + section, canonical, defaults, s.workload, &out);
  }
  return out;
}

Json scenario_schema(const Catalog& catalog) {
  Json keys = Json::array();
  for (Json entry : scenario_schema_keys(catalog)) {
    const std::string key = dotted(entry.at("pointer").get<std::string>());
    entry.erase("pointer");
    entry["key"] = key;
    entry["workloads"] = workloads_of(key);
    Json when = condition_for(key);
    if (!when.is_null()) entry["when"] = std::move(when);
    if (const char* feature = model_feature_for(key)) entry["model_has"] = feature;
    keys.push_back(std::move(entry));
  }
  const Json workloads{to_string(Workload::train), to_string(Workload::rl), to_string(Workload::inference)};
  return Json{{"keys", std::move(keys)}, {"rules", rules()}, {"workloads", workloads}};
}

}  // namespace vramplan
