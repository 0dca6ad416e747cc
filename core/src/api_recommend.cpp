#include "vramplan/api.hpp"

namespace vramplan::api {

// The scenario is parsed and validated in full, so input errors are reported exactly as they will
// be once the computation lands; until then the operation says so instead of inventing numbers.
Expected<Json> recommend(const Json& scenario) {
  auto parsed = scenario_from_json(scenario);
  if (!parsed.ok()) return parsed.error();
  return Error{"", "`recommend` is not implemented yet", ErrorKind::not_implemented};
}

}  // namespace vramplan::api
