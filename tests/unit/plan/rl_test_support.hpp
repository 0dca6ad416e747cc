#pragma once
// Helpers shared by the plan tests (test_rl.cpp, test_rl_logits.cpp, test_train_terms.cpp, ...): scenarios from
// JSON text, their estimates (as the core's structs or as api::estimate's document), and a phase's components by id.
#include <doctest/doctest.h>

#include <string>

#include "vramplan/api.hpp"
#include "vramplan/scenario_estimate.hpp"

namespace vramplan::rl_test {

constexpr double kGiB = 1073741824.0;

inline const Catalog& catalog() {
  auto loaded = load_catalog();
  REQUIRE(loaded.ok());
  return *loaded.value();
}

inline Scenario scenario(const std::string& text) {
  auto s = parse_scenario(Json::parse(text), catalog());
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().line()));
  return s.value();
}

inline ScenarioEstimate run(const Scenario& s) {
  auto e = estimate_scenario(s);
  REQUIRE_MESSAGE(e.ok(), (e.ok() ? "" : e.error().line()));
  return e.value();
}

// api::estimate's result document for a scenario in JSON text (the test stops with the error line if it fails).
inline Json api_estimate(const std::string& text) {
  auto r = api::estimate(Json::parse(text));
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().line()));
  return r.value();
}

inline const Breakdown* phase(const ScenarioEstimate& e, const char* name) {
  for (const Breakdown& b : e.phases) {
    if (b.phase == name) return &b;
  }
  return nullptr;
}

// A component's bytes, or -1 when the breakdown has no such line.
inline double component(const Breakdown& b, const char* id) {
  for (const Component& c : b.components) {
    if (c.id == id) return c.bytes;
  }
  return -1;
}

inline std::string error_line(const std::string& text) {
  auto s = parse_scenario(Json::parse(text), catalog());
  return s.ok() ? "(no error)" : s.error().line();
}

}  // namespace vramplan::rl_test
