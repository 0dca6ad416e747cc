// Trees as OmegaConf/Hydra hold them: dotted keys, `key=value` overrides, deep merges and `${...}`
// interpolation (omegaconf/grammar: absolute `${a.b}`, relative `${.x}` / `${..x}`, `${oc.select:key,default}`).
#include <cstdlib>
#include <string>

#include "import_internal.hpp"

namespace vramplan::config {

namespace {

std::vector<std::string> split_dots(std::string_view dotted) {
  std::vector<std::string> parts;
  std::string part;
  for (const char c : dotted) {
    if (c == '.') {
      parts.push_back(part);
      part.clear();
    } else {
      part += c;
    }
  }
  parts.push_back(part);
  return parts;
}

bool all_digits(std::string_view text, std::size_t from = 0) {
  if (text.size() <= from) return false;
  for (std::size_t i = from; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  return true;
}

}  // namespace

namespace {

template <class Tree>
Tree* walk(Tree& tree, std::string_view dotted) {
  Tree* node = &tree;
  for (const auto& part : split_dots(dotted)) {
    if (!node->is_object()) return nullptr;
    const auto it = node->find(part);
    if (it == node->end()) return nullptr;
    node = &*it;
  }
  return node;
}

}  // namespace

const Json* find_dotted(const Json& tree, std::string_view dotted) { return walk(tree, dotted); }

void set_dotted(Json& tree, std::string_view dotted, Json value) {
  Json* node = &tree;
  for (const auto& part : split_dots(dotted)) {
    if (!node->is_object()) *node = Json::object();
    node = &(*node)[part];
  }
  *node = std::move(value);
}

bool erase_dotted(Json& tree, std::string_view dotted) {
  const std::size_t dot = dotted.rfind('.');
  Json* parent = &tree;
  if (dot != std::string_view::npos) {
    parent = walk(tree, dotted.substr(0, dot));
    if (parent == nullptr) return false;
  }
  return parent->is_object() && parent->erase(std::string(dotted.substr(dot == std::string_view::npos ? 0 : dot + 1))) > 0;
}

// A scalar as YAML 1.1 / OmegaConf reads an unquoted override value: bools in any case, null/None, ints,
// floats (1e-5 included), quoted strings without their quotes, [a, b] lists; anything else a string.
Json scalar_value(std::string_view text) {
  if (text.size() >= 2 && (text.front() == '\'' || text.front() == '"') && text.back() == text.front()) {
    return std::string(text.substr(1, text.size() - 2));
  }
  std::string lower;
  for (const char c : text) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (lower == "true") return true;
  if (lower == "false") return false;
  if (lower == "null" || lower == "none" || lower == "~") return nullptr;
  const std::size_t sign = (!text.empty() && (text[0] == '-' || text[0] == '+')) ? 1 : 0;
  if (all_digits(text, sign) && text.size() < 19) return std::strtoll(std::string(text).c_str(), nullptr, 10);
  if (!text.empty() && text.front() == '[' && text.back() == ']') {
    Json list = Json::array();
    std::string item;
    const std::string inner(text.substr(1, text.size() - 2));
    for (std::size_t i = 0; i <= inner.size(); ++i) {
      if (i == inner.size() || inner[i] == ',') {
        const std::size_t a = item.find_first_not_of(' ');
        if (a != std::string::npos) list.push_back(scalar_value(item.substr(a, item.find_last_not_of(' ') - a + 1)));
        item.clear();
      } else {
        item += inner[i];
      }
    }
    return list;
  }
  char* end = nullptr;
  const std::string owned(text);
  const double number = std::strtod(owned.c_str(), &end);
  const bool has_digit = owned.find_first_of("0123456789") != std::string::npos;
  if (has_digit && end != nullptr && *end == '\0' && !owned.empty() && owned.find_first_of("xX") == std::string::npos &&
      lower != "inf" && lower != "nan") {
    return number;
  }
  return owned;
}

std::optional<Override> parse_override(std::string_view word) {
  const std::size_t eq = word.find('=');
  if (word.empty() || word.front() == '-') return std::nullopt;
  std::string_view key = word.substr(0, eq);
  Override out;
  if (!key.empty() && key.front() == '~') {
    out.remove = true;
    key.remove_prefix(1);
  }
  while (!key.empty() && key.front() == '+') key.remove_prefix(1);
  if (key.empty() || key.find_first_of(" /$") != std::string_view::npos) return std::nullopt;
  if (eq == std::string_view::npos && !out.remove) return std::nullopt;
  out.key = std::string(key);
  if (eq != std::string_view::npos) out.value = scalar_value(word.substr(eq + 1));
  return out;
}

void merge_into(Json& base, const Json& over) {
  if (!base.is_object() || !over.is_object()) {
    base = over;
    return;
  }
  for (const auto& [key, value] : over.items()) {
    if (value.is_object() && base.contains(key) && base[key].is_object()) {
      merge_into(base[key], value);
    } else {
      base[key] = value;
    }
  }
}

void collect_leaves(const Json& tree, const std::string& prefix, std::vector<std::string>& out) {
  if (!tree.is_object() || tree.empty()) {
    if (!prefix.empty()) out.push_back(prefix);
    return;
  }
  for (const auto& [key, value] : tree.items()) collect_leaves(value, prefix.empty() ? key : prefix + "." + key, out);
}

}  // namespace vramplan::config
