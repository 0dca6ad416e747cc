// `estimate --sweep`: the seed guide's "Batch Size vs Memory" table, computed.
#include <cmath>
#include <string>
#include <vector>

#include "api_bytes.hpp"
#include "vramplan/api.hpp"
#include "vramplan/recommend.hpp"
#include "vramplan/scenario_time.hpp"

namespace vramplan::api {
namespace {

constexpr std::size_t kMaxSweepPoints = 256;
constexpr std::size_t kMaxKeyDepth = 4;


std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(separator, start);
    parts.emplace_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

// "4" -> 4, "true" -> true, "bf16" -> "bf16": each value as JSON when it parses, else as a string.
Json sweep_value(const std::string& token) {
  Json parsed = Json::parse(token, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_discarded() && !parsed.is_object() && !parsed.is_array()) return parsed;
  return Json(token);
}

// {"train": {"micro_batch_size": value}} from "train.micro_batch_size".
Json patch_for(const std::vector<std::string>& path, const Json& value) {
  Json patch = value;
  for (auto it = path.rbegin(); it != path.rend(); ++it) patch = Json{{*it, patch}};
  return patch;
}

}  // namespace

Expected<Json> sweep(const Json& scenario, std::string_view assignment) {
  const std::size_t eq = assignment.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 >= assignment.size()) {
    return Error{"--sweep", "must be KEY=V1,V2,... (e.g. train.micro_batch_size=1,2,4,8)"};
  }
  const std::string key(assignment.substr(0, eq));
  const std::vector<std::string> path = split(key, '.');
  for (const auto& part : path) {
    if (part.empty() || path.size() > kMaxKeyDepth) return Error{"--sweep", "the key must be a dotted path such as train.micro_batch_size"};
  }
  const std::vector<std::string> tokens = split(assignment.substr(eq + 1), ',');
  if (tokens.size() > kMaxSweepPoints) return Error{"--sweep", "at most 256 values, got " + std::to_string(tokens.size())};

  auto catalog = load_catalog();
  if (!catalog.ok()) return catalog.error();
  auto base = parse_scenario(scenario, *catalog.value());
  if (!base.ok()) return base.error();

  Json points = Json::array();
  for (const std::string& token : tokens) {
    const Json value = sweep_value(token);
    auto point = apply_patch(base.value(), patch_for(path, value), *catalog.value());
    if (!point.ok()) return point.error();
    auto estimate = estimate_scenario(point.value());
    if (!estimate.ok()) return estimate.error();
    const double activation_bytes = estimate->activation_bytes;
    Json fits_on = Json::array();
    for (const GpuSpec& gpu : catalog.value()->gpus) {
      Scenario on_gpu = point.value();
      on_gpu.gpu = gpu;
      auto judged = estimate_depends_on_gpu(on_gpu) ? estimate_scenario(on_gpu) : estimate;
      if (judged.ok() && assess_fit(judged.value(), on_gpu, gpu).fits()) fits_on.push_back(gpu.id);
    }
    Json entry{{"value", value},
               {"activation_bytes", to_bytes(activation_bytes)},
               {"device_bytes", to_bytes(estimate->peak.device_bytes)},
               {"host_bytes", to_bytes(estimate->peak.host_bytes)},
               {"fits_on", fits_on}};
    if (point->gpu) entry["fits"] = assess_fit(estimate.value(), point.value(), *point->gpu).fits();
    // The time model on the scenario's GPU (serving: time per output token, output tokens/s); null without one.
    const std::optional<OptionTime> timed = option_time(point.value(), estimate.value());
    entry["step_seconds"] = timed ? Json(timed->step_seconds.value) : Json(nullptr);
    entry["tokens_per_second"] = timed ? Json(timed->tokens_per_second.value) : Json(nullptr);
    points.push_back(std::move(entry));
  }
  return Json{{"key", key}, {"points", points}};
}

}  // namespace vramplan::api
