// import_config(): dispatch to the framework's importer, the context that tracks what was read, and the
// checks shared by the formats.
#include <algorithm>

#include "import_internal.hpp"
#include "vramplan/catalog.hpp"

namespace vramplan::config {

ImportContext::ImportContext(Json resolved, std::vector<std::string> user_keys)
    : resolved_(std::move(resolved)), user_keys_(std::move(user_keys)) {}

const Json* ImportContext::get(std::string_view key) {
  read_.insert(std::string(key));
  const Json* value = find_dotted(resolved_, key);
  return value == nullptr || value->is_null() ? nullptr : value;
}

bool ImportContext::flag(std::string_view key, bool fallback) {
  const Json* value = get(key);
  return value != nullptr && value->is_boolean() ? value->get<bool>() : fallback;
}

std::optional<std::int64_t> ImportContext::integer(std::string_view key) {
  const Json* value = get(key);
  if (value == nullptr || !value->is_number()) return std::nullopt;
  if (value->is_number_float()) return static_cast<std::int64_t>(value->get<double>());
  return value->get<std::int64_t>();
}

std::optional<double> ImportContext::number(std::string_view key) {
  const Json* value = get(key);
  if (value == nullptr || !value->is_number()) return std::nullopt;
  return value->get<double>();
}

std::optional<std::string> ImportContext::text(std::string_view key) {
  const Json* value = get(key);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return value->get<std::string>();
}

bool ImportContext::set_by_user(std::string_view key) const {
  return std::find(user_keys_.begin(), user_keys_.end(), key) != user_keys_.end();
}

namespace {

bool matches(const std::string& key, const std::string& pattern) {
  if (pattern.rfind("*.", 0) == 0) {
    const std::string suffix = pattern.substr(1);
    return key.size() >= suffix.size() && key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0;
  }
  return key == pattern || key.rfind(pattern + ".", 0) == 0;
}

}  // namespace

ImportResult ImportContext::finish(const std::vector<std::string>& harmless) {
  ImportResult result;
  std::sort(user_keys_.begin(), user_keys_.end());
  user_keys_.erase(std::unique(user_keys_.begin(), user_keys_.end()), user_keys_.end());
  for (const auto& key : user_keys_) {
    bool known = read_.count(key) > 0;
    for (const auto& read : read_) known = known || key.rfind(read + ".", 0) == 0;
    for (const auto& pattern : harmless) known = known || matches(key, pattern);
    if (known) continue;
    const Json* value = find_dotted(resolved_, key);
    result.unmapped.push_back(key);
    warnings_.push_back(key + "=" + (value == nullptr ? std::string("(removed)") : describe_value(*value)) +
                        ": not modelled by vramplan; if it changes memory the estimate does not show it");
  }
  result.scenario = std::move(scenario_);
  result.warnings = std::move(warnings_);
  result.resolved = std::move(resolved_);
  return result;
}

std::vector<std::string> apply_overrides(Json& tree, const std::vector<std::string>& words,
                                         std::vector<std::string>& user_keys) {
  std::vector<std::string> rest;
  for (const auto& word : words) {
    const auto override_word = parse_override(word);
    if (!override_word) {
      rest.push_back(word);
      continue;
    }
    if (override_word->remove) {
      erase_dotted(tree, override_word->key);
    } else {
      set_dotted(tree, override_word->key, override_word->value);
    }
    user_keys.push_back(override_word->key);
  }
  return rest;
}

void check_heads_divisible(ImportContext& context, const std::string& model_id, std::int64_t tp, const std::string& key) {
  const auto catalog = load_catalog();
  const CatalogModel* entry = catalog.ok() ? find_model(*catalog.value(), model_id) : nullptr;
  if (entry == nullptr || tp <= 1 || entry->config.text.num_heads <= 0) return;
  const std::int64_t heads = entry->config.text.num_heads;
  const std::int64_t kv = entry->config.text.num_kv_heads;
  if (heads % tp != 0) {
    context.warn("preflight: " + key + "=" + std::to_string(tp) + " does not divide the " + std::to_string(heads) +
                 " attention heads of " + model_id + "; vLLM and Megatron refuse it at start-up. Fix: a divisor of " +
                 std::to_string(heads));
  } else if (kv > 0 && kv % tp != 0 && tp % kv != 0) {
    context.warn("preflight: " + key + "=" + std::to_string(tp) + " and the " + std::to_string(kv) +
                 " key-value heads of " + model_id + " divide neither way; vLLM refuses it. Fix: a divisor or multiple of " +
                 std::to_string(kv));
  }
}

void check_max_model_len(ImportContext& context, std::optional<std::int64_t> max_model_len, std::int64_t needed,
                         const std::string& key) {
  if (!max_model_len || *max_model_len >= needed) return;
  context.warn("preflight: " + key + "=" + std::to_string(*max_model_len) + " is below prompt + response (" +
               std::to_string(needed) + "): generation is cut short or vLLM refuses the request. Fix: " + key + "=" +
               std::to_string(needed));
}

Expected<ImportResult> import_config(Format format, const ImportInput& input) {
  if (!input.tree.is_object()) return Error{"", "the config must be a YAML mapping (key: value), got " + describe_value(input.tree)};
  Expected<ImportResult> result = Error{"", "unreachable"};
  switch (format) {
    case Format::verl: result = import_verl(input); break;
    case Format::nemo_rl: result = import_nemo_rl(input); break;
    case Format::nemo_automodel: result = import_nemo_automodel(input); break;
    case Format::trl: result = import_trl(input); break;
  }
  if (result.ok() && input.gpu) result.value().scenario["gpu"] = *input.gpu;
  return result;
}

}  // namespace vramplan::config
