// `import`: a verl / NeMo RL / NeMo Automodel / TRL config read back into a scenario (docs/configs.md
// "Import"), and the `--from FORMAT` form of estimate and recommend. YAML is parsed here with yaml-cpp
// (yaml_tree.hpp); scripts and command lines are split into words by the core (config::shell_words).
#include <cstdio>

#include "commands.hpp"
#include "table.hpp"
#include "vramplan/api.hpp"
#include "yaml_tree.hpp"

namespace vramplan::cli {

namespace {

struct ImportArgs {
  std::string format;
  std::string file;
  std::vector<std::string> overrides;  // everything after FILE, verbatim
  std::optional<std::string> gpu;
  bool json = false;
  bool fix = false;
};

Expected<ImportArgs> parse_import_args(const std::vector<std::string>& args, const char* format_option) {
  ImportArgs out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (!out.file.empty()) {
      out.overrides.push_back(a);
    } else if (a == "--json") {
      out.json = true;
    } else if (a == "--fix") {
      out.fix = true;
    } else if (a == "--gpu" && i + 1 < args.size()) {
      out.gpu = args[++i];
    } else if (a == format_option && i + 1 < args.size()) {
      out.format = args[++i];
    } else if (a.rfind("--", 0) == 0) {
      return Error{a, "unknown option before FILE (see `vramplan --help`)"};
    } else {
      out.file = a;
    }
  }
  if (out.format.empty()) return Error{format_option, "is required: one of verl, nemo-rl, nemo-automodel, trl"};
  if (out.file.empty()) return Error{"FILE", "a framework config (YAML), launch script or command line is required"};
  return out;
}

// A YAML mapping is a config file; anything else (a script, a command line) is split into words.
Expected<config::ImportInput> read_framework_input(const ImportArgs& args) {
  auto text = read_input(args.file);
  if (!text.ok()) return text.error();
  config::ImportInput input;
  auto tree = yaml_to_json(text.value());
  if (tree.ok() && tree.value().is_object()) {
    input.tree = std::move(tree.value());
  } else {
    input.words = config::shell_words(text.value());
  }
  input.words.insert(input.words.end(), args.overrides.begin(), args.overrides.end());
  input.gpu = args.gpu;
  return input;
}

std::string shell_line(const std::vector<std::string>& words) {
  std::string line;
  // "$@" (a script passing its own arguments on) stays a shell expansion, not a quoted word.
  for (const auto& w : words) line += (line.empty() ? "" : " \\\n  ") + (w == "$@" ? w : config::shell_quote(w));
  return line + "\n";
}

void print(const std::string& text) { std::fwrite(text.data(), 1, text.size(), stdout); }

void print_fixed(const api::ImportOutcome& outcome) {
  if (!outcome.fixed.tree.empty()) print(json_to_yaml(outcome.fixed.tree));
  if (!outcome.fixed.words.empty()) print(shell_line(outcome.fixed.words));
}

void print_summary(const Json& doc) {
  print("Scenario understood (" + doc.value("format", std::string()) + "):\n");
  print_json(doc.at("scenario"));
  if (doc.contains("error")) print("error: " + doc["error"].value("pointer", std::string()) + ": " + doc["error"].value("message", std::string()) + "\n");
  if (doc.contains("estimate")) {
    const Json& per_gpu = doc["estimate"].at("per_gpu");
    std::string line = "\nestimate: " + format_gib(per_gpu.value("device_bytes", 0.0)) + " per GPU at the " +
                       per_gpu.value("phase", std::string("?")) + " peak";
    if (doc["estimate"].contains("fit")) line += doc["estimate"]["fit"].value("fits", false) ? ", fits" : ", does NOT fit";
    print(line + "\n");
  }
  for (const auto& w : doc.value("warnings", Json::array())) print("warning: " + w.get<std::string>() + "\n");
  for (const auto& s : doc.value("suggestions", Json::array())) {
    if (s.at("edits").empty()) continue;
    std::string edits;
    for (const auto& e : s.at("edits")) edits += "  " + e.value("key", std::string()) + "=" + (e["value"].is_string() ? e["value"].get<std::string>() : e["value"].dump());
    print("suggestion " + s.value("id", std::string()) + " (saves " + format_gib(s.value("saves_bytes", 0.0)) + "):" + edits + "\n");
  }
}

}  // namespace

Expected<Json> scenario_from_framework(const std::vector<std::string>& args) {
  auto parsed = parse_import_args(args, "--from");
  if (!parsed.ok()) return parsed.error();
  auto input = read_framework_input(parsed.value());
  if (!input.ok()) return input.error();
  auto outcome = api::import_config(parsed->format, input.value());
  if (!outcome.ok()) return outcome.error();
  const Json& doc = outcome->document;
  for (const auto& w : doc.value("warnings", Json::array())) std::fprintf(stderr, "warning: %s\n", w.get<std::string>().c_str());
  if (doc.contains("error")) return Error{doc["error"].value("pointer", std::string()), doc["error"].value("message", std::string())};
  return doc.at("scenario");
}

int run_import(const std::vector<std::string>& args) {
  auto parsed = parse_import_args(args, "--format");
  if (!parsed.ok()) return report(parsed.error());
  auto input = read_framework_input(parsed.value());
  if (!input.ok()) return report(input.error());
  auto outcome = api::import_config(parsed->format, input.value());
  if (!outcome.ok()) return report(outcome.error());
  if (parsed->fix) {
    print_fixed(outcome.value());
  } else if (parsed->json) {
    print_json(outcome->document);
  } else {
    print_summary(outcome->document);
  }
  return outcome->document.contains("error") ? kExitInvalid : kExitOk;
}

}  // namespace vramplan::cli
