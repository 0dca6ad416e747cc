// Build-time check of the embedded catalogs (run by the build, see cli/CMakeLists.txt).
// Parses both catalogs exactly as the product does, then checks what a parser cannot see alone:
// unique ids and aliases, and that every model's parameters can be counted.
#include <cstdio>
#include <set>
#include <string>

#include "vramplan/catalog.hpp"
#include "vramplan/params.hpp"

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return s;
}

int report(const std::string& where, const std::string& what) {
  std::fprintf(stderr, "catalog error: %s: %s\n", where.c_str(), what.c_str());
  return 1;
}

}  // namespace

int main() {
  const auto catalog = vramplan::load_catalog();
  if (!catalog.ok()) return report("data/*.json", catalog.error().line());

  std::set<std::string> model_ids;
  const auto& models = catalog.value()->models;
  for (std::size_t i = 0; i < models.size(); ++i) {
    const auto& m = models[i];
    const std::string where = "data/models.json /models/" + std::to_string(i) + " (" + m.id + ")";
    if (!model_ids.insert(lower(m.id)).second) return report(where, "duplicate id");
    for (const auto& alias : m.aliases) {
      if (!model_ids.insert(lower(alias)).second) return report(where + "/aliases", "duplicate id or alias " + alias);
    }
    const auto counts = vramplan::count_params(m.config);
    if (!counts.ok()) return report(where + "/config", counts.error().line());
  }

  std::set<std::string> gpu_ids;
  const auto& gpus = catalog.value()->gpus;
  for (std::size_t i = 0; i < gpus.size(); ++i) {
    const std::string where = "data/gpus.json /gpus/" + std::to_string(i) + " (" + gpus[i].id + ")";
    if (!gpu_ids.insert(lower(gpus[i].id)).second) return report(where, "duplicate id");
    for (const auto& alias : gpus[i].aliases) {
      if (!gpu_ids.insert(lower(alias)).second) return report(where + "/aliases", "duplicate id or alias " + alias);
    }
  }
  std::printf("catalogs ok: %zu models, %zu GPUs\n", models.size(), gpus.size());
  return 0;
}
