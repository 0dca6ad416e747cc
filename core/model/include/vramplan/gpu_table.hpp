// The GPU catalog is embedded as C++ data (cmake/EmbedCatalogs.cmake, core/model/src/embedded_gpus.hpp)
// rather than parsed at start-up; the build's catalog check (tools/catalog_check.cpp) and the tests compare
// that table with parse_gpu_catalog(data/gpus.json), field by field.
#pragma once

#include <string>

#include "vramplan/catalog.hpp"

namespace vramplan {

// The first field in which two GPU specs differ, named as in data/gpus.json ("" when none).
std::string gpu_spec_difference(const GpuSpec& a, const GpuSpec& b);

}  // namespace vramplan
