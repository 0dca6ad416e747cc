#pragma once
// Shared by the framework importers (core/frameworks/src/<framework>/import.cpp): tree helpers, the
// context that records which framework keys were read, and the embedded base configs.
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "vramplan/framework_import.hpp"

namespace vramplan::config {

// One Hydra override: `key=value`, `+key=value`, `++key=value` or `~key`.
struct Override {
  std::string key;
  Json value;
  bool remove = false;
};
std::optional<Override> parse_override(std::string_view word);
Json scalar_value(std::string_view text);
bool erase_dotted(Json& tree, std::string_view dotted);
void merge_into(Json& base, const Json& over);
void collect_leaves(const Json& tree, const std::string& prefix, std::vector<std::string>& out);
Json resolve_interpolations(const Json& tree);

// The snapshot base configs (data/frameworks/<framework>/*.json, embedded at build time); nullptr for
// an unknown name. Names: "verl/ppo_trainer", "verl/sft_trainer", "nemo-rl/grpo_math_1B", ...
const Json* base_config(std::string_view name);
std::vector<std::string> base_config_names();

// The state of one import: the resolved tree, the keys the user set, what was read, the scenario.
class ImportContext {
 public:
  ImportContext(Json resolved, std::vector<std::string> user_keys);

  const Json& tree() const { return resolved_; }
  // The value at a dotted key (marked as mapped), or nullptr when absent or null.
  const Json* get(std::string_view key);
  bool flag(std::string_view key, bool fallback);
  std::optional<std::int64_t> integer(std::string_view key);
  std::optional<double> number(std::string_view key);
  std::optional<std::string> text(std::string_view key);
  // Marks keys as understood without mapping them (they change no memory).
  void mark(std::string_view key) { read_.insert(std::string(key)); }

  // Whether the user's file or overrides set `key` (not only the framework's base config).
  bool set_by_user(std::string_view key) const;

  void set(std::string_view scenario_key, Json value) { set_dotted(scenario_, scenario_key, std::move(value)); }
  void warn(std::string text) { warnings_.push_back(std::move(text)); }

  // Every key the user set that was neither read nor matches one of `harmless` (dotted prefixes, or
  // "*.suffix" for a last component) becomes a "not modelled" warning.
  ImportResult finish(const std::vector<std::string>& harmless);

 private:
  Json resolved_;
  std::vector<std::string> user_keys_;
  std::set<std::string> read_;
  Json scenario_ = Json::object();
  std::vector<std::string> warnings_;
};

// Applies `key=value` override words to `tree`; words that are not overrides are returned.
std::vector<std::string> apply_overrides(Json& tree, const std::vector<std::string>& words,
                                         std::vector<std::string>& user_keys);

Expected<ImportResult> import_verl(const ImportInput& input);
Expected<ImportResult> import_nemo_rl(const ImportInput& input);
Expected<ImportResult> import_nemo_automodel(const ImportInput& input);
Expected<ImportResult> import_trl(const ImportInput& input);

// The run's length (docs/scenario.md rl.steps, dataset.epochs) from the framework's epoch and step limits, read
// where the user's config sets them: the example bases' limits are placeholders the other limit reaches first
// (grpo_math_1B.yaml's max_num_steps 1000000). `rl`: the steps are rl.steps; training runs are sized by their
// dataset in vramplan, so a step limit there is a warning that names the dataset.samples it stands for
// (`sequences_per_step` sequences each). A step limit of 0 or less (TRL's max_steps -1) means none.
struct RunLength {
  std::string epochs_key;
  std::string steps_key;
  bool rl = false;
  std::int64_t sequences_per_step = 0;
};
void map_run_length(ImportContext& context, const RunLength& run);

// Preflight checks shared by the formats: rollout TP dividing the heads, vLLM's max_model_len.
void check_heads_divisible(ImportContext& context, const std::string& model_id, std::int64_t tp, const std::string& key);
void check_max_model_len(ImportContext& context, std::optional<std::int64_t> max_model_len, std::int64_t needed,
                         const std::string& key);

}  // namespace vramplan::config
