#pragma once
// `vramplan import`: a framework's own config (verl, NeMo RL, NeMo Automodel, TRL) read back into a
// scenario. The core never parses YAML: the adapters (CLI: yaml-cpp, page: js-yaml, Debian node-js-yaml) hand
// it the parsed tree as JSON, and command lines as words. What the framework itself resolves is resolved
// here: `defaults:` against the snapshot base configs (data/frameworks/, embedded), Hydra/OmegaConf
// `key=value` overrides, `${...}` interpolations, verl launch scripts and TRL/accelerate flags.
// Every key the recipe sets that is not mapped and not known to leave memory alone is reported in
// `warnings` (never silently dropped); preflight checks the framework fails on at start-up are too.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vramplan/framework_config.hpp"
#include "vramplan/json_reader.hpp"

namespace vramplan::config {

struct ImportInput {
  Json tree = Json::object();        // the parsed YAML file; an empty object for a command line only
  std::vector<std::string> words;    // a command line / script split into words, then `key=value` overrides
  std::optional<std::string> gpu;    // the catalog GPU for the verdict (frameworks do not name one)
};

// A key edit in the framework's own terms ("actor_rollout_ref.actor.fsdp_config.param_offload", true).
struct KeyEdit {
  std::string key;
  Json value;
  std::string why;
};

struct ImportResult {
  Json scenario = Json::object();    // a scenario document (docs/scenario.md), validated by the caller
  std::vector<std::string> warnings;  // unmapped keys, assumptions, preflight failures with their fix
  std::vector<std::string> unmapped;  // the dotted keys behind the "not modelled" warnings
  Json resolved = Json::object();    // the framework config after defaults, overrides and interpolation
};

// Reads one framework config. Errors name the framework key (as a JSON pointer into the resolved tree).
Expected<ImportResult> import_config(Format format, const ImportInput& input);

// POSIX-shell words of a script or command line: quotes, backslash-newline continuations, comments,
// `NAME=value` assignment lines and `$NAME` / `${NAME}` expansion of those (other variables stay as
// written). Only the first command that names a known launcher (python3 -m verl..., trl, accelerate
// launch, torchrun, automodel) is returned, from its program word on; with none, every word of the text.
std::vector<std::string> shell_words(std::string_view text);

// The framework key edits that apply one recommend suggestion (its scenario merge patch, and the scenario
// after it) to a config of `format` (`resolved`: ImportResult::resolved); empty when the framework has no
// key for it.
std::vector<KeyEdit> suggestion_edits(Format format, const Json& resolved, const Json& suggested_scenario,
                                      const Json& patch);

// The user's input with `edits` applied: the tree (YAML formats) with the keys set, and the words with
// each edit replacing its `key=value` override (verl, NeMo RL) or `--flag value` (TRL), or appended.
ImportInput apply_edits(Format format, ImportInput input, const std::vector<KeyEdit>& edits);

// Sets a dotted key in a tree, creating objects on the way.
void set_dotted(Json& tree, std::string_view dotted, Json value);
// The value at a dotted key, or nullptr.
const Json* find_dotted(const Json& tree, std::string_view dotted);

}  // namespace vramplan::config
