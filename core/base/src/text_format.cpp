#include "vramplan/text_format.hpp"

#include <algorithm>
#include <cstdarg>
#include <cstdio>

namespace vramplan::text {

std::string format(const char* f, ...) {
  char buffer[1024];
  va_list args;
  va_start(args, f);
  const int n = std::vsnprintf(buffer, sizeof buffer, f, args);
  va_end(args);
  if (n < 0) return {};
  return std::string(buffer, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof buffer - 1));
}

std::string gib(double bytes, int decimals) { return format("%.*f GiB", decimals, bytes / kBytesPerGiB); }

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) {
    if (!out.empty()) out += '\n';
    out += line;
  }
  return out;
}

}  // namespace vramplan::text
