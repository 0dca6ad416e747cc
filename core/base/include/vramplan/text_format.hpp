#pragma once
// Small text helpers private to the core's .cpp files: printf-style formatting for the breakdown's
// formula strings, and line joining for the generated configs.
#include <string>
#include <vector>

namespace vramplan {

// Bytes in a GiB (2^30): the one definition every layer and adapter uses.
inline constexpr double kBytesPerGiB = 1073741824.0;

}  // namespace vramplan

namespace vramplan::text {

// printf into a std::string; output longer than 1023 bytes is cut (formula lines are short).
std::string format(const char* f, ...) __attribute__((format(printf, 1, 2)));

// "12.34 GiB" (decimals 2), "12.3 GiB" (decimals 1).
std::string gib(double bytes, int decimals = 2);

// Lines joined with '\n', no trailing newline.
std::string join(const std::vector<std::string>& lines);

}  // namespace vramplan::text
