// `vramplan import` (issue 18): each framework's own published recipes (tests/frameworks/<framework>/recipes/,
// copied unchanged from upstream) import to a scenario whose estimate equals that of the scenario a person
// wrote for the same run (tests/frameworks/<framework>/expected.json), and the config vramplan emits for
// that scenario imports back to the same scenario. Also: overrides, interpolation, script parsing,
// preflight warnings and the snapshot JSON files against their YAML.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "vramplan/api.hpp"
#include "vramplan/framework_import.hpp"
#include "yaml_tree.hpp"

using namespace vramplan;

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string source(const std::string& relative) { return std::string(VRAMPLAN_SOURCE_DIR) + "/" + relative; }

config::ImportInput input_of(const std::string& text, std::vector<std::string> extra = {}) {
  config::ImportInput input;
  auto tree = cli::yaml_to_json(text);
  if (tree.ok() && tree.value().is_object()) {
    input.tree = tree.value();
  } else {
    input.words = config::shell_words(text);
  }
  input.words.insert(input.words.end(), extra.begin(), extra.end());
  return input;
}

Json import_document(const std::string& format, const config::ImportInput& input) {
  auto outcome = api::import_config(format, input);
  REQUIRE_MESSAGE(outcome.ok(), (outcome.ok() ? std::string() : outcome.error().line()));
  REQUIRE_MESSAGE(!outcome->document.contains("error"), outcome->document.dump());
  return outcome->document;
}

// Imports every recipe of `framework` and checks the estimate and the round trip through `config`.
void check_recipes(const std::string& framework, std::vector<std::string> extra_words) {
  const Json expected = Json::parse(read_text(source("tests/frameworks/" + framework + "/expected.json")));
  REQUIRE(expected.size() >= 5);
  for (const auto& [file, hand_written] : expected.items()) {
    CAPTURE(file);
    const Json imported = import_document(framework, input_of(read_text(source("tests/frameworks/" + framework + "/recipes/" + file)), extra_words));
    for (const auto& w : imported.at("warnings")) MESSAGE(file << ": " << w.get<std::string>());
    auto by_hand = api::estimate_without_constants(hand_written);
    REQUIRE_MESSAGE(by_hand.ok(), (by_hand.ok() ? std::string() : by_hand.error().line()));
    CHECK(imported.at("estimate").at("per_gpu") == by_hand.value().at("per_gpu"));
    CHECK(imported.at("estimate").value("phases", Json()) == by_hand.value().value("phases", Json()));
    // config of that scenario re-imports to the same scenario.
    auto emitted = api::config(imported.at("scenario"), framework);
    REQUIRE_MESSAGE(emitted.ok(), (emitted.ok() ? std::string() : emitted.error().line()));
    const Json again = import_document(framework, input_of(emitted.value()));
    CHECK(again.at("scenario") == imported.at("scenario"));
  }
}

}  // namespace

TEST_CASE("verl: published example scripts import, estimate as written by hand, and round-trip") {
  check_recipes("verl", {});
}

TEST_CASE("NeMo RL: published recipes over their defaults import, estimate as written by hand, and round-trip") {
  check_recipes("nemo-rl", {});
}

TEST_CASE("NeMo Automodel: published recipes with their launch line import and round-trip") {
  check_recipes("nemo-automodel", {"--nproc-per-node", "8"});
}

TEST_CASE("TRL: commands from TRL's documentation import and round-trip") {
  check_recipes("trl", {});
}

TEST_CASE("the snapshot JSON files are their upstream YAML, read the way the CLI reads YAML") {
  for (const char* name : {"verl/_generated_ppo_trainer", "verl/sft_trainer", "nemo-rl/grpo_math_1B",
                           "nemo-rl/ppo_math_1B", "nemo-rl/dpo", "nemo-rl/sft"}) {
    CAPTURE(name);
    const auto yaml = cli::yaml_to_json(read_text(source(std::string("data/frameworks/") + name + ".yaml")));
    REQUIRE(yaml.ok());
    CHECK(yaml.value() == Json::parse(read_text(source(std::string("data/frameworks/") + name + ".json"))));
  }
}
