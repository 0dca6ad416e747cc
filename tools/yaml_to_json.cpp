// Writes the JSON form of a framework snapshot YAML (data/frameworks/<framework>/<base>.yaml ->
// <base>.json, embedded into the core by cmake/EmbedFrameworkBases.cmake): tools/yaml_to_json IN.yaml OUT.json.
// tests/unit/frameworks/test_import.cpp checks that every committed .json equals its .yaml read this way.
#include <cstdio>
#include <fstream>
#include <sstream>

#include "../cli/yaml_tree.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: yaml_to_json IN.yaml OUT.json\n");
    return 2;
  }
  std::ifstream in(argv[1]);
  std::stringstream text;
  text << in.rdbuf();
  const auto tree = vramplan::cli::yaml_to_json(text.str());
  if (!tree.ok()) {
    std::fprintf(stderr, "%s: %s\n", argv[1], tree.error().line().c_str());
    return 2;
  }
  std::ofstream out(argv[2]);
  const std::string dumped = tree.value().dump(1, ' ', false, vramplan::Json::error_handler_t::replace);
  out << dumped << "\n";
  return 0;
}
