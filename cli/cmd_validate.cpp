// `validate DIR`: estimates against measured records. Implemented with the memory model (issue 3).
#include "commands.hpp"

namespace vramplan::cli {

int run_validate(const std::vector<std::string>& args) {
  auto parsed = parse_args(args, {}, 1);
  if (!parsed.ok()) return report(parsed.error());
  return report(Error{"", "`validate` is not implemented yet", ErrorKind::not_implemented});
}

}  // namespace vramplan::cli
