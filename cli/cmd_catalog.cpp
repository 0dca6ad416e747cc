// `params`, `models` and `gpus`: the catalogs and parameter counts.
#include <cstdio>

#include "commands.hpp"
#include "table.hpp"
#include "vramplan/api.hpp"

namespace vramplan::cli {
namespace {

std::int64_t int_at(const Json& j, const char* key) { return j.value(key, std::int64_t{0}); }

void print_params_table(const Json& counts) {
  const Json& model = counts.at("model");
  print_text("Model: " + model.value("id", std::string()) + " (" + model.value("model_type", std::string()) + ")\n");
  if (counts.contains("note")) print_text("Note: " + counts.at("note").get<std::string>() + "\n");
  if (counts.contains("warnings")) {
    for (const Json& w : counts.at("warnings")) print_text("Warning: " + w.get<std::string>() + "\n");
  }
  print_text("\n");
  Table summary({"count", "parameters", "approx."}, {Align::left, Align::right, Align::right});
  for (const char* key : {"total", "embedding", "non_embedding", "per_layer", "largest_layer", "active"}) {
    const std::int64_t n = int_at(counts, key);
    summary.add_row({key, format_grouped(n), format_params(n)});
  }
  print_text(summary.render());
  Table groups({"group", "parameters", "share"}, {Align::left, Align::right, Align::right});
  const double total = static_cast<double>(int_at(counts, "total"));
  for (const auto& g : counts.at("groups")) {
    const std::int64_t n = int_at(g, "params");
    char share[32];
    std::snprintf(share, sizeof share, "%.1f%%", total > 0 ? 100.0 * static_cast<double>(n) / total : 0.0);
    groups.add_row({g.value("id", std::string()), format_grouped(n), share});
  }
  print_text("\n" + groups.render());
}

void print_models_table(const Json& listing) {
  Table table({"id", "family", "params", "active", "context", "gated"},
              {Align::left, Align::left, Align::right, Align::right, Align::right, Align::left});
  for (const auto& m : listing.at("models")) {
    const std::int64_t total = int_at(m, "params");
    const std::int64_t active = int_at(m, "active_params");
    table.add_row({m.value("id", std::string()), m.value("family", std::string()), format_params(total),
                   active != total ? format_params(active) : "", format_grouped(int_at(m, "max_position_embeddings")),
                   m.value("gated", false) ? "yes" : "no"});
  }
  print_text(table.render());
}

void print_gpus_table(const Json& listing) {
  Table table({"id", "name", "memory (reported)", "bandwidth", "bf16 dense"},
              {Align::left, Align::left, Align::right, Align::right, Align::right});
  for (const auto& g : listing.at("gpus")) {
    char bandwidth[32];
    char flops[32];
    std::snprintf(bandwidth, sizeof bandwidth, "%.0f GB/s", g.value("bandwidth_bytes_per_s", 0.0) / 1e9);
    std::snprintf(flops, sizeof flops, "%.0f TFLOP/s", g.value("bf16_dense_flops", 0.0) / 1e12);
    const std::int64_t bytes = int_at(g, "memory_bytes");
    table.add_row({g.value("id", std::string()), g.value("name", std::string()),
                   format_grouped(bytes / 1048576) + " MiB", bandwidth, flops});
  }
  print_text(table.render());
}

// The schema's range or options column: "1..65536", "flash | sdpa | eager".
std::string accepted_values(const Json& key) {
  if (key.contains("options")) {
    std::string text;
    for (const auto& o : key.at("options")) text += (text.empty() ? "" : " | ") + o.get<std::string>();
    return text;
  }
  if (key.contains("min")) return key.at("min").dump() + ".." + key.at("max").dump();
  return "";
}

void print_schema_table(const Json& schema) {
  Table table({"key", "type", "default", "accepted", "workloads"},
              {Align::left, Align::left, Align::left, Align::left, Align::left});
  for (const auto& k : schema.at("keys")) {
    std::string workloads;
    for (const auto& w : k.at("workloads")) workloads += (workloads.empty() ? "" : ",") + w.get<std::string>();
    const Json& fallback = k.at("default");
    table.add_row({k.value("key", std::string()), k.value("type", std::string()),
                   fallback.is_string() ? fallback.get<std::string>() : fallback.dump(), accepted_values(k), workloads});
  }
  print_text(table.render());
}

// Shared shape of the listing commands: no input, a document, a table or JSON.
int run_listing(const std::vector<std::string>& args, Expected<Json> (*produce)(), void (*print_table)(const Json&)) {
  auto parsed = parse_args(args, {}, 0);
  if (!parsed.ok()) return report(parsed.error());
  auto document = produce();
  if (!document.ok()) return report(document.error());
  if (parsed->json) {
    print_json(document.value());
  } else {
    print_table(document.value());
  }
  return kExitOk;
}

}  // namespace

int run_params(const std::vector<std::string>& args) {
  auto parsed = parse_args(args, {"--model"}, 1);
  if (!parsed.ok()) return report(parsed.error());
  const auto model = parsed->values.find("--model");
  const bool has_file = !parsed->positional.empty();
  if ((model != parsed->values.end()) == has_file) {
    return report(Error{"FILE", "give exactly one of a config.json FILE (or - for stdin) and --model ID"});
  }
  Expected<Json> counts = Error{};
  if (has_file) {
    auto config = read_json_input(parsed->positional.front());
    if (!config.ok()) return report(config.error());
    counts = api::params_from_config(config.value());
  } else {
    counts = api::params_from_catalog_id(model->second);
  }
  if (!counts.ok()) return report(counts.error());
  if (parsed->json) {
    print_json(counts.value());
  } else {
    print_params_table(counts.value());
  }
  return kExitOk;
}

int run_models(const std::vector<std::string>& args) { return run_listing(args, api::models, print_models_table); }

int run_gpus(const std::vector<std::string>& args) { return run_listing(args, api::gpus, print_gpus_table); }

int run_schema(const std::vector<std::string>& args) { return run_listing(args, api::schema, print_schema_table); }

}  // namespace vramplan::cli
