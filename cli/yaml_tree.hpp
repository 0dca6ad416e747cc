#pragma once
// YAML text -> JSON tree with yaml-cpp (Debian libyaml-cpp-dev), read as OmegaConf/PyYAML read the
// frameworks' configs: plain scalars typed as YAML 1.1 (true/false in any case and PyYAML's yes/no/on/off
// spellings are booleans), null/~/empty as null, ints, floats including 1e-5; quoted scalars always
// strings. Used by `vramplan import` and tools/yaml_to_json.
#include <string>

#include "vramplan/error.hpp"
#include "vramplan/json_reader.hpp"

namespace vramplan::cli {

Expected<Json> yaml_to_json(const std::string& text);

// A JSON tree as block YAML (yaml-cpp's emitter), for the edited config `import --fix` prints.
std::string json_to_yaml(const Json& tree);

}  // namespace vramplan::cli
