// Must NOT compile (tests/CMakeLists.txt, layering_wrong_way_fails): the model layer sits below the planner,
// so the planner's headers are not on its include path (docs/architecture.md).
#include "vramplan/estimate.hpp"

namespace vramplan {
double layering_probe() { return kMaxReportableBytes; }
}  // namespace vramplan
