// The embedded snapshot base configs (cmake/EmbedFrameworkBases.cmake), parsed once on first use.
#include <cstddef>
#include <map>
#include <string>

#include "import_internal.hpp"

namespace vramplan::embedded {
struct FrameworkBase {
  const char* name;
  const char* json;
};
extern const FrameworkBase kFrameworkBases[];
extern const std::size_t kFrameworkBaseCount;
}  // namespace vramplan::embedded

namespace vramplan::config {

namespace {

const std::map<std::string, Json>& bases() {
  static const std::map<std::string, Json> parsed = [] {
    std::map<std::string, Json> out;
    for (std::size_t i = 0; i < embedded::kFrameworkBaseCount; ++i) {
      out[embedded::kFrameworkBases[i].name] = Json::parse(embedded::kFrameworkBases[i].json, nullptr, false);
    }
    return out;
  }();
  return parsed;
}

}  // namespace

const Json* base_config(std::string_view name) {
  const auto it = bases().find(std::string(name));
  return it == bases().end() || it->second.is_discarded() ? nullptr : &it->second;
}

std::vector<std::string> base_config_names() {
  std::vector<std::string> names;
  for (const auto& entry : bases()) names.push_back(entry.first);
  return names;
}

}  // namespace vramplan::config
