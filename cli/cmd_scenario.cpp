// `estimate`, `recommend` and `config`: commands that take a scenario FILE (or - for stdin).
#include <algorithm>
#include <cstdio>
#include <iterator>

#include "commands.hpp"
#include "table.hpp"
#include "vramplan/api.hpp"

namespace vramplan::cli {
namespace {


double bytes_at(const Json& j, const char* key) { return j.value(key, 0.0); }

std::string percent(double part, double whole) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f%%", whole > 0 ? 100.0 * part / whole : 0.0);
  return buffer;
}

void print_breakdown(const Json& per_gpu) {
  const double device = bytes_at(per_gpu, "device_bytes");
  Table table({"component", "memory", "share", "formula"}, {Align::left, Align::right, Align::right, Align::left});
  for (const auto& c : per_gpu.at("components")) {
    const double bytes = bytes_at(c, "bytes");
    table.add_row({c.value("label", c.value("id", std::string())), format_gib(bytes), percent(bytes, device),
                   c.value("formula", std::string())});
  }
  print_text(table.render());
  print_text("\nallocated " + format_gib(bytes_at(per_gpu, "allocated_bytes")) + "   reserved " +
             format_gib(bytes_at(per_gpu, "reserved_bytes")) + "   device " + format_gib(device) + " (nvidia-smi)");
  if (bytes_at(per_gpu, "host_bytes") > 0) print_text("   host RAM " + format_gib(bytes_at(per_gpu, "host_bytes")));
  print_text("\n");
}

std::string number(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, v >= 100 ? "%.0f" : v >= 1 ? "%.2f" : "%.4g", v);
  return buffer;
}

// Seconds as the unit a person reads: "0.412 s", "12.5 min", "3.2 h", "4.1 days".
std::string duration(double seconds) {
  char buffer[48];
  if (seconds < 120) return number(seconds) + " s";
  if (seconds < 7200) std::snprintf(buffer, sizeof buffer, "%.1f min", seconds / 60);
  else if (seconds < 172800) std::snprintf(buffer, sizeof buffer, "%.1f h", seconds / 3600);
  else std::snprintf(buffer, sizeof buffer, "%.1f days", seconds / 86400);
  return buffer;
}

// A quantity of the time model in its unit: durations for *_seconds, dollars for cost_*.
std::string quantity(const std::string& key, double v) {
  if (key.size() > 7 && key.compare(key.size() - 7, 7, "seconds") == 0) return duration(v);
  if (key.rfind("cost", 0) == 0) return "$" + number(v);
  return number(v);
}

// The time model's quantities (docs/time-model.md) with their band and formula, then its assumptions.
void print_time(const Json& result) {
  if (!result.contains("time") || !result.at("time").value("available", false)) return;
  const Json& t = result.at("time");
  Table table({"time", "value", "range", "formula"}, {Align::left, Align::right, Align::right, Align::left});
  auto row = [&](const std::string& name, const Json& v) {
    table.add_row({name, quantity(name, v.value("value", 0.0)),
                   quantity(name, v.value("low", 0.0)) + " - " + quantity(name, v.value("high", 0.0)),
                   v.value("formula", std::string())});
  };
  // Per step, then per run, then money; anything else (a quantity added later) after them.
  static const char* const kOrder[] = {"step_seconds", "tokens_per_second", "tokens_per_second_per_gpu",
                                       "time_to_first_token_seconds", "time_per_output_token_seconds",
                                       "output_tokens_per_second", "steps", "epoch_seconds", "run_seconds", "gpu_hours",
                                       "cost_usd", "cost_per_million_tokens_usd"};
  for (const char* key : kOrder) {
    if (t.contains(key) && t.at(key).is_object()) row(key, t.at(key));
  }
  for (const auto& [key, v] : t.items()) {
    if (v.is_object() && std::find(std::begin(kOrder), std::end(kOrder), key) == std::end(kOrder)) row(key, v);
  }
  for (const auto& phase : result.value("phases", Json::array())) {
    if (!phase.contains("time") || phase.at("time").is_null()) continue;
    row("phase " + phase.value("id", std::string()) + " seconds", phase.at("time").at("seconds"));
  }
  print_text("\nTime (utilisation " + number(t.value("utilisation", 0.0)) + "; range from its band):\n\n");
  print_text(table.render());
  for (const auto& a : t.value("assumptions", Json::array())) print_text("assumes: " + a.get<std::string>() + "\n");
  for (const auto& w : t.value("warnings", Json::array())) print_text("warning: " + w.get<std::string>() + "\n");
}

// The fit line's words for a verdict: a `tight` with a negative headroom is a peak above the GPU whose band's
// low end is not (docs/CONTRACT.md `verdict`).
std::string verdict_words(const std::string& verdict, double headroom) {
  if (verdict == "fits") return "fits";
  if (verdict == "tight") {
    return headroom < 0 ? "tight, may NOT fit (the peak exceeds its memory; the peak band's low end does not)" : "tight";
  }
  return "does NOT fit";
}

void print_estimate(const Json& result) {
  const Json& model = result.at("model");
  print_text("Model: " + model.value("id", std::string()) + "  (" + format_params(model.value("params", std::int64_t{0})) +
             " parameters, " + format_params(model.value("params_trainable", std::int64_t{0})) + " trainable)\n");
  const Json& per_gpu = result.at("per_gpu");
  print_text("Peak per GPU, during " + per_gpu.value("phase", std::string("?")) + ":\n\n");
  print_breakdown(per_gpu);
  if (result.contains("phases")) {
    for (const auto& phase : result.at("phases")) {
      print_text("\nPhase " + phase.value("id", std::string()) + ":\n");
      print_breakdown(phase.at("per_gpu"));
    }
  }
  if (result.contains("peak_band")) {
    const Json& band = result.at("peak_band");
    print_text("\nPeak band (CUDA context and allocator cache at their documented ends): " +
               format_gib(bytes_at(band, "low_bytes")) + " to " + format_gib(bytes_at(band, "high_bytes")) + "\n");
  }
  if (result.contains("fit")) {
    const Json& fit = result.at("fit");
    const double capacity = bytes_at(fit, "capacity_bytes");
    const double headroom = bytes_at(fit, "headroom_bytes");
    print_text("\n" + fit.value("gpu", std::string()) + ": " + verdict_words(fit.value("verdict", std::string()), headroom) +
               " (capacity " + format_gib(capacity) + ", headroom " + format_gib(headroom) + ")\n");
    if (fit.contains("reason")) print_text("  " + fit.value("reason", std::string()) + "\n");
  }
  print_time(result);
  for (const auto& w : result.value("warnings", Json::array())) {
    print_text("warning: " + (w.is_string() ? w.get<std::string>() : w.dump()) + "\n");
  }
}

// "value" of a {value, low, high} member of an option's time, or nullptr.
const Json* time_value(const Json& option, const char* key) {
  if (!option.contains("time") || !option.at("time").is_object()) return nullptr;
  const Json& t = option.at("time");
  return t.contains(key) && t.at(key).is_object() ? &t.at(key).at("value") : nullptr;
}

// Whether the scenario sizes the run (dataset or rl.steps): then time and cost are per run, else per
// million tokens and tokens/s.
bool has_runs(const Json& result) {
  for (const auto& g : result.at("gpus")) {
    if (time_value(g, "run_seconds") != nullptr) return true;
  }
  return false;
}

void print_recommendations(const Json& result) {
  const bool runs = has_runs(result);
  Table table({"gpu", "memory", "verdict", "headroom", "max micro-batch", "min GPUs", "layout at min", "$/hour at min",
               runs ? "time per run" : "tokens/s", runs ? "$ per run" : "$ per 1M tokens"},
              {Align::left, Align::right, Align::left, Align::right, Align::right, Align::right, Align::left, Align::right,
               Align::right, Align::right});
  for (const auto& g : result.at("gpus")) {
    const std::int64_t min_gpus = g.value("min_gpus", std::int64_t{0});
    std::string cost = "-";
    if (g.contains("cost_per_hour_usd") && g.at("cost_per_hour_usd").is_number()) {
      char buffer[32];
      std::snprintf(buffer, sizeof buffer, "%.2f", g.at("cost_per_hour_usd").get<double>());
      cost = buffer;
    }
    const Json* speed = time_value(g, runs ? "run_seconds" : "tokens_per_second");
    const Json* money = time_value(g, runs ? "cost_usd" : "cost_per_million_tokens_usd");
    table.add_row({g.value("id", std::string()), format_gib(bytes_at(g, "memory_bytes")), g.value("verdict", std::string()),
                   format_gib(bytes_at(g, "headroom_bytes")), std::to_string(g.value("max_micro_batch", 0)),
                   min_gpus > 0 ? std::to_string(min_gpus) : "none", min_gpus > 0 ? g.value("min_gpus_layout", std::string()) : "",
                   cost, speed ? (runs ? duration(speed->get<double>()) : number(speed->get<double>())) : "-",
                   money ? "$" + number(money->get<double>()) : "-"});
  }
  print_text(table.render());
  for (const auto& g : result.at("gpus")) {  // the reasons the peak does not show (vLLM cannot start)
    const std::string reason = g.value("reason", std::string());
    if (reason.rfind("vLLM", 0) == 0) print_text(g.value("id", std::string()) + ": " + reason + "\n");
  }
  print_text("\nverdict: fits (the peak band's high end fits, 10% left), tight (in between; a negative headroom: the "
             "peak exceeds the GPU, its band's low end does not), no (the band's low end exceeds it).\n"
             "max micro-batch: the largest " + result.value("batch_key", std::string("batch")) +
             " whose verdict is not no; min GPUs: the fewest whose verdict is not no (1, 2, 4, 8, then whole nodes "
             "of 8), sharding with " +
             result.value("assumed_sharding", std::string("-")) + "; prices are indicative on-demand figures (vramplan gpus --json).\n" +
             "Time and cost at min GPUs (docs/time-model.md), ranked by " + result.value("ranked_by", std::string("cost")) +
             (runs ? " per run" : " per token (give dataset or rl.steps for per-run figures)") + "; --sort cost|time|gpus.\n");
  const Json suggestions = result.value("suggestions", Json::array());
  if (!suggestions.empty()) {
    print_text("\nWhat to change (cheapest for you first):\n");
    for (const auto& s : suggestions) {
      std::string after;
      if (s.contains("fits_after")) after = s.at("fits_after").get<bool>() ? "  -> then fits" : "  -> still does not fit";
      print_text("  - " + s.value("change", std::string()) + ": saves " + format_gib(bytes_at(s, "saves_bytes")) + after + "\n");
    }
  }
}

// Reads the single scenario argument; on failure returns the exit status through `status`.
Expected<Json> read_scenario_arg(const Args& args) {
  if (args.positional.empty()) return Error{"FILE", "a scenario file is required (or - for stdin)"};
  return read_json_input(args.positional.front());
}

void print_sweep(const Json& sweep) {
  Table table({sweep.value("key", std::string("value")), "activations", "total per GPU", "step time", "tokens/s", "fits on"},
              {Align::right, Align::right, Align::right, Align::right, Align::right, Align::left});
  auto timed = [](const Json& p, const char* key, bool seconds) -> std::string {
    if (!p.contains(key) || !p.at(key).is_number()) return "-";
    return seconds ? duration(p.at(key).get<double>()) : number(p.at(key).get<double>());
  };
  for (const auto& p : sweep.at("points")) {
    std::string fits;
    for (const auto& id : p.at("fits_on")) fits += (fits.empty() ? "" : ", ") + id.get<std::string>();
    table.add_row({p.at("value").is_string() ? p.at("value").get<std::string>() : p.at("value").dump(),
                   format_gib(bytes_at(p, "activation_bytes")), format_gib(bytes_at(p, "device_bytes")),
                   timed(p, "step_seconds", true), timed(p, "tokens_per_second", false), fits.empty() ? "none" : fits});
  }
  print_text(table.render());
}

int run_sweep(const Json& scenario, const std::string& assignment, bool json) {
  auto result = api::sweep(scenario, assignment);
  if (!result.ok()) return report(result.error());
  if (json) {
    print_json(result.value());
  } else {
    print_sweep(result.value());
  }
  return kExitOk;
}

}  // namespace

// `--from FORMAT` anywhere before FILE: the scenario comes from a framework config.
bool has_from(const std::vector<std::string>& args) {
  for (const auto& a : args) {
    if (a == "--from") return true;
    if (!a.empty() && a[0] != '-') return false;
  }
  return false;
}

// estimate/recommend of an imported framework config; --json is the only other option then.
int run_from(const std::vector<std::string>& args, bool recommend_it) {
  auto scenario = scenario_from_framework(args);
  if (!scenario.ok()) return report(scenario.error());
  bool json = false;
  for (const auto& a : args) json = json || a == "--json";
  auto result = recommend_it ? api::recommend(scenario.value()) : api::estimate(scenario.value());
  if (!result.ok()) return report(result.error());
  if (json) {
    print_json(result.value());
  } else if (recommend_it) {
    print_recommendations(result.value());
  } else {
    print_estimate(result.value());
  }
  return kExitOk;
}

int run_estimate(const std::vector<std::string>& args) {
  if (has_from(args)) return run_from(args, false);
  auto parsed = parse_args(args, {"--sweep"}, 1);
  if (!parsed.ok()) return report(parsed.error());
  auto scenario = read_scenario_arg(parsed.value());
  if (!scenario.ok()) return report(scenario.error());
  const auto sweep = parsed->values.find("--sweep");
  if (sweep != parsed->values.end()) return run_sweep(scenario.value(), sweep->second, parsed->json);
  auto result = api::estimate(scenario.value());
  if (!result.ok()) return report(result.error());
  if (parsed->json) {
    print_json(result.value());
  } else {
    print_estimate(result.value());
  }
  return kExitOk;
}

int run_recommend(const std::vector<std::string>& args) {
  if (has_from(args)) return run_from(args, true);
  auto parsed = parse_args(args, {"--sort"}, 1);
  if (!parsed.ok()) return report(parsed.error());
  auto scenario = read_scenario_arg(parsed.value());
  if (!scenario.ok()) return report(scenario.error());
  const auto sort = parsed->values.find("--sort");
  auto result = api::recommend_sorted(scenario.value(), sort == parsed->values.end() ? "cost" : sort->second);
  if (!result.ok()) return report(result.error());
  if (parsed->json) {
    print_json(result.value());
  } else {
    print_recommendations(result.value());
  }
  return kExitOk;
}

int run_config(const std::vector<std::string>& args) {
  auto parsed = parse_args(args, {"--format"}, 1);
  if (!parsed.ok()) return report(parsed.error());
  const auto format = parsed->values.find("--format");
  if (format == parsed->values.end()) {
    return report(Error{"--format", "is required: one of nemo-rl, nemo-automodel, verl, trl"});
  }
  auto scenario = read_scenario_arg(parsed.value());
  if (!scenario.ok()) return report(scenario.error());
  auto text = api::config(scenario.value(), format->second);
  if (!text.ok()) return report(text.error());
  print_text(text.value());
  return kExitOk;
}

}  // namespace vramplan::cli
