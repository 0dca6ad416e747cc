// The scenario schema (docs/scenario.md "Schema"): the parser's own key list (scenario_schema_keys) plus
// what the parser alone cannot say: which workloads read each key, when a key matters, and the rules
// between keys. The page builds its form from this, the CLI prints it (`vramplan schema --json`).
#include <array>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scenario_workload.hpp"
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

// The workloads as bits, in the order the schema lists them.
constexpr unsigned kTrainBit = 1, kRlBit = 2, kInferenceBit = 4;

unsigned workload_bit(Workload w) {
  switch (w) {
    case Workload::train: return kTrainBit;
    case Workload::rl: return kRlBit;
    case Workload::inference: return kInferenceBit;
  }
  return 0;
}

// Which workloads read a key. RL trains its policy with the train.* settings except the sequence
// length: RL sequences are the rollout's prompt plus response (rl.rollout.max_prompt_len +
// max_response_len, core/plan/src/rl/), so train.seq_len changes nothing there. Bits rather than a Json
// list because every parse asks this of every key the document sets.
unsigned workload_bits(std::string_view key) {
  // An RL train phase runs every rollout sequence in micro-batches (core/time rl_time): no accumulation key.
  if (key == "train.seq_len" || key == "dataset.tokens" || key == "train.gradient_accumulation_steps") return kTrainBit;
  // torchtune's optimizer_in_bwd: RL actors accumulate over micro-batches (rl_roles.cpp rl_train_settings).
  if (key == "train.optimizer_in_backward") return kTrainBit;
  // RL policies compute log-probs with rl.logprob_kernel, not the SFT loss (scenario_loss.cpp).
  if (key == "train.loss_kernel") return kTrainBit;
  // Images and audio are added to train.seq_len's sequence; RL's sequences come from the rollout.
  if (key == "train.images_per_sample" || starts_with(key, "train.image_size") || key == "train.audio_seconds") {
    return kTrainBit;
  }
  // The dataset and the cluster size the training run (docs/time-model.md "Run totals").
  // config.framework_version: read by `vramplan config`, which writes training and RL configs only.
  if (starts_with(key, "dataset.") || starts_with(key, "cluster.") || starts_with(key, "config.")) return kTrainBit | kRlBit;
  if (starts_with(key, "train.")) return kTrainBit | kRlBit;
  if (starts_with(key, "inference.")) return kInferenceBit;
  if (starts_with(key, "rl.")) return kRlBit;
  return kTrainBit | kRlBit | kInferenceBit;
}

Json workloads_of(const std::string& key) {
  const unsigned bits = workload_bits(key);
  Json out = Json::array();
  for (Workload w : {Workload::train, Workload::rl, Workload::inference}) {
    if ((bits & workload_bit(w)) != 0) out.push_back(to_string(w));
  }
  return out;
}

struct Condition {
  std::string key_prefix;           // the keys this condition governs (a prefix ending in "." covers a group)
  std::string depends_on;
  std::vector<std::string> values;  // the depending key's values that make the key matter; empty: "set at all"
};

// When a key matters beyond its workload: LoRA settings with a LoRA method (k-bit preparation with QLoRA), the FSDP version with fsdp
// sharding, vLLM's own knobs with the vLLM engine (the hf engine has no pool, docs/memory-model.md), the
// reward model's settings with a reward model.
const std::vector<Condition>& conditions() {
  static const std::vector<Condition> kConditions = [] {
    const std::vector<std::string> vllm{to_string(Engine::vllm)};
    return std::vector<Condition>{
        // Ahead of the "train.lora." prefix (the first matching condition wins): k-bit preparation exists only
        // for a quantized base (docs/scenario.md "train.lora.kbit_preparation").
        {"train.lora.kbit_preparation", "train.method", {to_string(Method::qlora)}},
        {"train.lora.", "train.method", {to_string(Method::lora), to_string(Method::qlora)}},
        {"train.fsdp_version", "train.sharding", {to_string(Sharding::fsdp)}},
        {"train.fsdp_sync_module_states", "train.sharding", {to_string(Sharding::fsdp)}},
        {"train.optimizer_in_backward", "train.method", {to_string(Method::full)}},
        {"train.gradient_checkpointing_reentrant", "train.sharding", {to_string(Sharding::fsdp)}},
        {"inference.gpu_memory_utilization", "inference.engine", vllm},
        {"inference.max_num_seqs", "inference.engine", vllm},
        {"inference.max_num_batched_tokens", "inference.engine", vllm},
        {"inference.enforce_eager", "inference.engine", vllm},
        {"inference.mm_profiling", "inference.engine", vllm},
        {"rl.rollout.gpu_memory_utilization", "rl.rollout.engine", vllm},
        {"rl.rollout.sleep_mode", "rl.rollout.engine", vllm},
        {"rl.rollout.max_num_seqs", "rl.rollout.engine", vllm},
        {"rl.rollout.max_num_batched_tokens", "rl.rollout.engine", vllm},
        {"rl.rollout.enforce_eager", "rl.rollout.engine", vllm},
        {"rl.reward_model.weight_dtype", "rl.reward_model.model", {}},
        {"rl.reward_model.colocated", "rl.reward_model.model", {}},
        // torchao gathers in fp8 only with tensorwise scaling (Float8LinearConfig.from_recipe_name's rowwise
        // recipes take no enable_fsdp_float8_all_gather; NeMo Automodel fp8.py passes it for tensorwise only).
        {"train.fp8_all_gather", "train.fp8",
         {to_string(Fp8Recipe::te_delayed), to_string(Fp8Recipe::te_tensorwise), to_string(Fp8Recipe::te_mxfp8),
          to_string(Fp8Recipe::torchao_tensorwise)}},
    };
  }();
  return kConditions;
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

const Condition* condition_of(std::string_view key) {
  for (const Condition& c : conditions()) {
    if (starts_with(key, c.key_prefix)) return &c;
  }
  return nullptr;
}

// The schema's form of a condition: {"key", "in": [...]} or {"key", "set": true}; null when none.
Json condition_for(const std::string& key) {
  const Condition* c = condition_of(key);
  if (c == nullptr) return Json(nullptr);
  Json when{{"key", c->depends_on}};
  if (c->values.empty()) when["set"] = true;
  else when["in"] = c->values;
  return when;
}

// Whether a condition holds in the parsed scenario (its canonical settings, defaults filled).
bool condition_holds(const Condition& c, const Json& canonical) {
  const Json* value = &canonical;
  for (std::string_view rest = c.depends_on; value != nullptr;) {
    const std::size_t dot = rest.find('.');
    const std::string part(rest.substr(0, dot));
    value = value->is_object() && value->contains(part) ? &value->at(part) : nullptr;
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  if (c.values.empty()) return value != nullptr && !value->is_null();
  if (value == nullptr || !value->is_string()) return false;
  for (const std::string& v : c.values) {
    if (v == value->get_ref<const std::string&>()) return true;
  }
  return false;
}

// The parsed scenario's canonical settings, written only when a set key has a condition to check.
class CanonicalSettings {
 public:
  explicit CanonicalSettings(const Scenario& s) : scenario_(s) {}
  const Json& get() {
    if (!json_) json_ = detail::scenario_settings_to_json(scenario_);
    return *json_;
  }

 private:
  const Scenario& scenario_;
  std::optional<Json> json_;
};

// Why a key whose workload reads it changes nothing: its condition does not hold.
std::string unmet(const Condition& c) {
  if (c.values.empty()) return c.depends_on + " is not set";
  std::string only;
  for (const std::string& v : c.values) only += (only.empty() ? "\"" : " or \"") + v + "\"";
  return c.depends_on + " is not " + only;
}

const Json* member_of(const Json* object, const std::string& name) {
  if (object == nullptr || !object->is_object()) return nullptr;
  const Json::object_t& members = object->get_ref<const Json::object_t&>();
  const auto found = members.find(name);
  return found == members.end() ? nullptr : &found->second;
}

// Depth-first over the document's leaves. A model (a catalog id or a whole config.json) is one leaf.
// `pointer` is the node's pointer as the warnings write it, grown by each member's name and cut back
// after it (one string for the whole walk, none built per leaf). `defaults` is the defaults' node at the
// same place (null where they have none). A key is reported when it is set to something other than its
// default (the page sends every default: most leaves stop there) and either its workload does not read
// it or its condition does not hold.
void collect_ignored(const Json& node, std::string& pointer, CanonicalSettings& canonical, const Json* defaults,
                     Workload workload, std::vector<std::string>* out) {
  const std::size_t parent_size = pointer.size();
  for (const auto& [name, value] : node.get_ref<const Json::object_t&>()) {
    pointer.append(1, '/').append(name);
    if (value.is_object() && name != "model") {
      collect_ignored(value, pointer, canonical, member_of(defaults, name), workload, out);
    } else if (!value.is_null()) {
      const Json* default_value = member_of(defaults, name);
      if (default_value == nullptr || !(*default_value == value)) {
        const std::string key = dotted(pointer);
        if ((workload_bits(key) & workload_bit(workload)) == 0) {
          out->push_back(pointer + " is set but has no effect: workload \"" + to_string(workload) + "\" does not read it");
        } else if (const Condition* condition = condition_of(key);
                   condition != nullptr && !condition_holds(*condition, canonical.get())) {
          out->push_back(pointer + " is set but has no effect: " + unmet(*condition));
        }
      }
    }
    pointer.resize(parent_size);
  }
}

// The canonical settings of a scenario with nothing set but its workload and RL algorithm: they depend
// on nothing else (no model), so each of the nine is written once, indexed by the enums' values, and only
// when a scenario of that workload and algorithm first asks for it. Writing all nine on the first call was
// 4,000 of a first RL estimate's 8,000 allocations, and in the page it made V8 tier dlmalloc and
// nlohmann's destructor up to TurboFan during the first estimate (docs/benchmarks.md, 2026-12-06 sixth
// session).
const Json& default_settings(Workload workload, RlAlgorithm algorithm) {
  static_assert(static_cast<int>(Workload::rl) == 2 && static_cast<int>(RlAlgorithm::dpo) == 2, "enum order");
  constexpr std::size_t kCombinations = 9;
  static std::array<std::once_flag, kCombinations> written;
  static std::array<Json, kCombinations> defaults;
  const std::size_t index = static_cast<std::size_t>(workload) * 3 + static_cast<std::size_t>(algorithm);
  std::call_once(written[index], [&] {
    Scenario plain;
    plain.workload = workload;
    plain.rl.algorithm = algorithm;
    plain.rl.critic = algorithm == RlAlgorithm::ppo;
    defaults[index] = detail::scenario_settings_to_json(plain);
  });
  return defaults[index];
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
  // defaults are worth a warning. The defaults: a scenario of the same workload and RL algorithm.
  const Json& defaults = default_settings(s.workload, s.rl.algorithm);
  CanonicalSettings canonical(s);
  for (const char* section : {"train", "inference", "rl", "dataset", "cluster", "config"}) {
    const auto found = document.find(section);
    if (found == document.end() || !found->is_object()) continue;
    std::string pointer = std::string("/") + section;
    collect_ignored(*found, pointer, canonical, member_of(&defaults, section), s.workload, &out);
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
