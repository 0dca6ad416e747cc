#pragma once
// Byte counts in result documents are whole numbers (docs/CONTRACT.md): the estimate's doubles rounded
// once, here, for every api file that writes them.
#include <cmath>
#include <cstdint>

namespace vramplan::api {

inline std::int64_t to_bytes(double v) { return static_cast<std::int64_t>(std::llround(v)); }

}  // namespace vramplan::api
