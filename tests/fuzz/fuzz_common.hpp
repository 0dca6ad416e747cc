#pragma once
// Oracles shared by the libFuzzer harnesses. A harness aborts (a libFuzzer "crash") when an entry
// point breaks a promise of docs/scenario.md or docs/hardening.md, not only on sanitizer reports:
//   - an error is one printable line of bounded length naming a JSON pointer;
//   - every number in a result document is finite (no NaN or infinity reaches the output);
//   - results serialise as valid UTF-8 JSON.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "vramplan/api.hpp"

namespace vramplan::fuzz {

[[noreturn]] inline void violation(const char* what, const std::string& detail) {
  std::fprintf(stderr, "ORACLE VIOLATION: %s: %.2000s\n", what, detail.c_str());
  std::abort();
}

// Errors: at most a few hundred bytes, no line breaks (the CLI prints exactly one stderr line),
// a pointer that is "" or starts with "/" (or names a command-line option).
inline void check_error(const Error& error) {
  const std::string line = error.line();
  if (line.size() > 4096) violation("error line longer than 4096 bytes", line.substr(0, 300));
  if (line.find('\n') != std::string::npos || line.find('\r') != std::string::npos) {
    violation("error line contains a line break", line);
  }
  if (!error.pointer.empty() && error.pointer[0] != '/' && error.pointer[0] != '-') {
    violation("error pointer is not a JSON pointer", line);
  }
}

// Walks a result document: every number finite.
inline void check_finite(const Json& value, const std::string& path = "") {
  switch (value.type()) {
    case Json::value_t::object:
      for (const auto& item : value.items()) check_finite(item.value(), path + "/" + item.key());
      break;
    case Json::value_t::array:
      for (std::size_t i = 0; i < value.size(); ++i) check_finite(value[i], path + "/" + std::to_string(i));
      break;
    case Json::value_t::number_float:
      if (!std::isfinite(value.get<double>())) violation("non-finite number in a result", path);
      break;
    default:
      break;
  }
}

// A result must serialise strictly (valid UTF-8), as the CLI and the WebAssembly module print it.
inline void check_serialises(const Json& value) {
  try {
    (void)value.dump();
  } catch (const std::exception& e) {
    violation("result does not serialise as JSON", e.what());
  }
}

template <class T>
void check_result(const Expected<T>& result) {
  if (!result.ok()) {
    check_error(result.error());
    return;
  }
  if constexpr (std::is_same_v<T, Json>) {
    check_finite(result.value());
    check_serialises(result.value());
  }
}

}  // namespace vramplan::fuzz
