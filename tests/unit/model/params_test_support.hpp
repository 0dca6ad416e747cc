#pragma once
// Helpers shared by the parameter-count tests of the model families (test_params_families.cpp,
// test_params_hybrid.cpp, test_params_vlm.cpp): a config fixture of tests/unit/model/configs/, the counts
// with their groups checked to add up, a group's count, and the published-figure rule of test_params.cpp
// (within 0.5%, or half a unit of the last printed digit when looser).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include "vramplan/model.hpp"
#include "vramplan/params.hpp"

namespace vramplan::params_test {

// The "config" of a fixture file, which also names its "source".
inline Json fixture_config(const std::string& file) {
  std::ifstream in(std::string(VRAMPLAN_SOURCE_DIR) + "/tests/unit/model/configs/" + file);
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  const Json doc = Json::parse(text.str());
  REQUIRE(doc.contains("source"));
  return doc.at("config");
}

inline ModelConfig exact_model(const Json& config) {
  const auto m = model_from_hf_config(config, "");
  REQUIRE(m.ok());
  CHECK(m.value().counter == "exact");
  return m.value();
}

inline ParamCounts counts(const ModelConfig& m) {
  const auto c = count_params(m);
  REQUIRE(c.ok());
  std::int64_t sum = 0;
  for (const auto& g : c.value().groups) sum += g.params;
  CHECK(sum == c.value().total);
  return c.value();
}

inline std::int64_t group(const ParamCounts& c, const std::string& id) {
  for (const auto& g : c.groups) {
    if (g.id == id) return g.params;
  }
  return 0;
}

inline void check_published(std::int64_t exact, double published, double unit) {
  const double tolerance = std::max(0.005 * published, unit / 2);
  INFO("exact " << exact << " vs published " << published);
  CHECK(std::fabs(static_cast<double>(exact) - published) <= tolerance);
}

}  // namespace vramplan::params_test
