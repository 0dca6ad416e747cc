#pragma once
// The vramplan commands (docs/CONTRACT.md "Command line"). Each takes the arguments after its name and
// returns the process exit status: 0 success, 2 invalid input, 3 not implemented yet.
#include <map>
#include <string>
#include <vector>

#include "vramplan/error.hpp"
#include "vramplan/json_reader.hpp"

namespace vramplan::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalid = 2;

struct Args {
  bool json = false;                          // --json
  std::vector<std::string> positional;        // FILE, DIR, ...
  std::map<std::string, std::string> values;  // --format F, --model ID, --sweep K=V,...
};

// Parses `args` accepting --json and the valued options named in `valued` (e.g. {"--format"}).
// Fails with an Error naming the argument.
Expected<Args> parse_args(const std::vector<std::string>& args, const std::vector<std::string>& valued,
                          std::size_t max_positional);

// Reads FILE, or standard input for "-". Fails with an Error whose pointer is the path.
Expected<std::string> read_input(const std::string& path);

// Reads and parses a JSON document from FILE or "-".
Expected<Json> read_json_input(const std::string& path);

// Prints the contract's one-line error to stderr; returns the exit status for its kind.
int report(const Error& error);

// Prints one JSON document on stdout.
void print_json(const Json& document);
// Prints text as it is (no newline added) on stdout.
void print_text(const std::string& text);

int run_params(const std::vector<std::string>& args);
int run_models(const std::vector<std::string>& args);
int run_gpus(const std::vector<std::string>& args);
int run_schema(const std::vector<std::string>& args);
int run_estimate(const std::vector<std::string>& args);
int run_recommend(const std::vector<std::string>& args);
int run_config(const std::vector<std::string>& args);
int run_validate(const std::vector<std::string>& args);
int run_import(const std::vector<std::string>& args);

// `estimate|recommend --from FORMAT FILE [overrides...]`: the scenario a framework config imports to
// (its warnings on stderr).
Expected<Json> scenario_from_framework(const std::vector<std::string>& args);

}  // namespace vramplan::cli
