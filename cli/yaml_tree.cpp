// yaml-cpp node <-> nlohmann::json (see yaml_tree.hpp for the scalar rules).
#include "yaml_tree.hpp"

#include <cstdlib>

#include <yaml-cpp/yaml.h>

namespace vramplan::cli {

namespace {

// YAML 1.1's other booleans, spelled as PyYAML's resolver accepts them (yaml/resolver.py, tag bool): the
// frameworks read their YAML with PyYAML's SafeLoader (NeMo RL through OmegaConf, omegaconf/_utils.py
// get_yaml_loader; Automodel with yaml.safe_load, nemo_automodel/components/config/loader.py), so an
// unquoted `enabled: yes` is true there (upstream configs quote 'no' where they mean the string, as in
// accelerate's downcast_bf16: 'no'). web/import.js reads them the same way.
// -> 1 (true), 0 (false) or -1 (not one of these words).
int yaml11_bool(const std::string& text) {
  for (const char* word : {"yes", "Yes", "YES", "on", "On", "ON"}) {
    if (text == word) return 1;
  }
  for (const char* word : {"no", "No", "NO", "off", "Off", "OFF"}) {
    if (text == word) return 0;
  }
  return -1;
}

Json plain_scalar(const std::string& text) {
  std::string lower;
  for (const char c : text) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (lower == "true") return true;
  if (lower == "false") return false;
  if (const int word = yaml11_bool(text); word >= 0) return word == 1;
  if (text.empty() || lower == "null" || text == "~") return nullptr;
  const char* begin = text.c_str();
  char* end = nullptr;
  const long long integer = std::strtoll(begin, &end, 10);
  if (end != begin && *end == '\0') return integer;
  const double number = std::strtod(begin, &end);
  const bool numeric = text.find_first_of("0123456789") != std::string::npos &&
                       text.find_first_of("xXnN") == std::string::npos;
  if (numeric && end != begin && *end == '\0') return number;
  return text;
}

Json to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: return nullptr;
    case YAML::NodeType::Scalar:
      // The "!" tag marks a quoted scalar: always a string.
      return node.Tag() == "!" ? Json(node.Scalar()) : plain_scalar(node.Scalar());
    case YAML::NodeType::Sequence: {
      Json out = Json::array();
      for (const auto& item : node) out.push_back(to_json(item));
      return out;
    }
    case YAML::NodeType::Map: {
      Json out = Json::object();
      for (const auto& item : node) out[item.first.Scalar()] = to_json(item.second);
      return out;
    }
  }
  return nullptr;
}

void emit(YAML::Emitter& out, const Json& value) {
  if (value.is_object()) {
    out << YAML::BeginMap;
    for (const auto& [key, child] : value.items()) {
      out << YAML::Key << key << YAML::Value;
      emit(out, child);
    }
    out << YAML::EndMap;
  } else if (value.is_array()) {
    out << YAML::Flow << YAML::BeginSeq;
    for (const auto& child : value) emit(out, child);
    out << YAML::EndSeq;
  } else if (value.is_string()) {
    const std::string text = value.get<std::string>();
    // A string that would read back as another type keeps its quotes.
    if (!plain_scalar(text).is_string()) out << YAML::DoubleQuoted;
    out << text;
  } else if (value.is_null()) {
    out << YAML::Null;
  } else {
    out << value.dump();
  }
}

}  // namespace

Expected<Json> yaml_to_json(const std::string& text) {
  try {
    const YAML::Node root = YAML::Load(text);
    return to_json(root);
  } catch (const YAML::Exception& e) {
    return Error{"", "not valid YAML: line " + std::to_string(e.mark.line + 1) + ": " + e.msg};
  }
}

std::string json_to_yaml(const Json& tree) {
  YAML::Emitter out;
  emit(out, tree);
  return std::string(out.c_str()) + "\n";
}

}  // namespace vramplan::cli
