#pragma once
// Helpers shared by `validate`'s memory records (cmd_validate.cpp) and throughput records
// (cmd_validate_time.cpp): the median and a printf-style number.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace vramplan::cli {

inline double median_of(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

inline std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

// The throughput records of `files` (tests/validation/throughput/*.json, docs/validation/throughput.md):
// prints their table and summary. `invalid` gets a "FILE: /pointer: message" error per unreadable record.
struct ThroughputOutcome {
  std::size_t counted = 0;
  double median = 0;
  bool pass = false;
  std::vector<std::pair<std::string, std::string>> invalid;  // file, "/pointer: message"
};
ThroughputOutcome validate_throughput(const std::vector<std::string>& files);

// Whether a parsed record is a throughput record (its `measured` names a `quantity`, not a memory `level`).
bool is_throughput_record(const std::string& path);

}  // namespace vramplan::cli
