#pragma once
// Helpers shared by the tests that read `estimate` result documents (test_expert_parallel.cpp,
// test_media_inputs.cpp): the estimate of a scenario given as JSON text, its error line, a component's
// bytes, a warning.
#include <doctest/doctest.h>

#include <string>

#include "vramplan/api.hpp"

namespace vramplan::estimate_test {

inline Json run(const std::string& text) {
  auto r = api::estimate(Json::parse(text));
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().line()));
  return r.value();
}

inline std::string error_line(const std::string& text) {
  auto r = api::estimate(Json::parse(text));
  return r.ok() ? "(no error)" : r.error().line();
}

// A per-GPU component's bytes, or `missing` when the result has no such line.
inline double component(const Json& result, const char* id, double missing = 0) {
  for (const Json& c : result.at("per_gpu").at("components")) {
    if (c.at("id") == id) return c.at("bytes").get<double>();
  }
  return missing;
}

inline bool has_warning(const Json& result, const std::string& part) {
  for (const Json& w : result.at("warnings")) {
    if (w.get<std::string>().find(part) != std::string::npos) return true;
  }
  return false;
}

}  // namespace vramplan::estimate_test
