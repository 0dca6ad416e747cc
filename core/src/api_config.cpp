#include "vramplan/api.hpp"

namespace vramplan::api {

// The scenario and format are validated in full; generating the document is not implemented yet.
Expected<std::string> config(const Json& scenario, std::string_view format) {
  if (format != "nemo-rl" && format != "nemo-automodel" && format != "verl" && format != "trl") {
    return Error{"--format", "must be one of \"nemo-rl\", \"nemo-automodel\", \"verl\", \"trl\", got \"" +
                                 std::string(format.substr(0, 40)) + "\""};
  }
  auto parsed = scenario_from_json(scenario);
  if (!parsed.ok()) return parsed.error();
  return Error{"", "`config` is not implemented yet", ErrorKind::not_implemented};
}

}  // namespace vramplan::api
