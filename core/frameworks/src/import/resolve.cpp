// OmegaConf interpolation over a merged tree: a value that is exactly "${ref}" takes the referenced value
// with its type; "${ref}" inside a longer string is replaced by the value's text. References are
// absolute (`a.b`), relative to the node holding the value (`.x`, `..x`), or `oc.select:ref,default`
// (omegaconf/resolvers/oc: select returns the default when the key is missing). `oc.env` and unknown
// resolvers are left as written. A chain deeper than kMaxInterpolationDepth (a cycle) is left as is.
#include <string>

#include "import_internal.hpp"

namespace vramplan::config {

namespace {

constexpr int kMaxInterpolationDepth = 16;

std::string parent_of(const std::string& path) {
  const std::size_t dot = path.rfind('.');
  return dot == std::string::npos ? std::string() : path.substr(0, dot);
}

// `ref` as seen from the node at `holder` (the dotted path of the mapping that holds the value).
std::string absolute_ref(std::string ref, std::string holder) {
  if (ref.empty() || ref.front() != '.') return ref;
  ref.erase(0, 1);
  while (!ref.empty() && ref.front() == '.') {
    holder = parent_of(holder);
    ref.erase(0, 1);
  }
  return holder.empty() ? ref : holder + "." + ref;
}

// `path`: the dotted path of `value` itself; relative references start at its parent.
Json resolve_value(const Json& root, const Json& value, const std::string& path, int depth);

std::optional<Json> lookup(const Json& root, const std::string& expression, const std::string& holder, int depth) {
  std::string ref = expression;
  std::optional<Json> fallback;
  if (ref.rfind("oc.select:", 0) == 0) {
    ref = ref.substr(10);
    const std::size_t comma = ref.find(',');
    if (comma != std::string::npos) {
      fallback = scalar_value(ref.substr(comma + 1));
      ref = ref.substr(0, comma);
    }
  } else if (ref.find(':') != std::string::npos) {
    return std::nullopt;  // another resolver (oc.env, now, ...): not a memory setting
  }
  const std::string key = absolute_ref(ref, holder);
  const Json* found = find_dotted(root, key);
  if (found == nullptr || (found->is_null() && fallback)) return fallback;
  return resolve_value(root, *found, key, depth + 1);
}

Json resolve_string(const Json& root, const std::string& text, const std::string& holder, int depth) {
  const std::size_t open = text.find("${");
  if (open == std::string::npos || depth > kMaxInterpolationDepth) return text;
  const std::size_t close = text.find('}', open);
  if (close == std::string::npos) return text;
  const auto value = lookup(root, text.substr(open + 2, close - open - 2), holder, depth);
  if (!value) return text;
  if (open == 0 && close + 1 == text.size()) return *value;
  const std::string piece = value->is_string() ? value->get<std::string>() : value->dump();
  return resolve_string(root, text.substr(0, open) + piece + text.substr(close + 1), holder, depth + 1);
}

Json resolve_value(const Json& root, const Json& value, const std::string& path, int depth) {
  if (value.is_string()) return resolve_string(root, value.get<std::string>(), parent_of(path), depth);
  if (value.is_object()) {
    Json out = Json::object();
    for (const auto& [key, child] : value.items()) {
      out[key] = resolve_value(root, child, path.empty() ? key : path + "." + key, depth);
    }
    return out;
  }
  if (value.is_array()) {
    Json out = Json::array();
    for (const auto& child : value) out.push_back(resolve_value(root, child, path + ".0", depth));
    return out;
  }
  return value;
}

}  // namespace

Json resolve_interpolations(const Json& tree) {
  return resolve_value(tree, tree, "", 0);
}

}  // namespace vramplan::config
