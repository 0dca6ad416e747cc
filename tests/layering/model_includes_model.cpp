// Must compile (tests/CMakeLists.txt, layering_right_way_builds): the control for model_includes_plan.cpp,
// the same kind of source against the model layer's own header.
#include "vramplan/params.hpp"

namespace vramplan {
double layering_probe() { return static_cast<double>(sizeof(ParamCounts)); }
}  // namespace vramplan
