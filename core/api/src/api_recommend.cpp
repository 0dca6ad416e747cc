// `recommend`: scenario JSON in, every catalog GPU with its verdict out (docs/CONTRACT.md "Result of
// recommend --json"). Extensions: per GPU device_bytes, min_gpus_layout, price and cost per hour;
// per suggestion id, device/host bytes after, fits_after; batch_key and assumed_sharding; per GPU the
// time and cost at min_gpus (docs/time-model.md "Recommend") and the ranking used (ranked_by).
#include <cmath>
#include <optional>
#include <string>

#include "api_bytes.hpp"
#include "vramplan/api.hpp"
#include "vramplan/recommend.hpp"

namespace vramplan::api {
namespace {


Json range_json(const time::Range& r) { return Json{{"value", r.value}, {"low", r.low}, {"high", r.high}}; }

// {step_seconds, tokens_per_second, run_seconds, cost_usd, cost_per_million_tokens_usd}: null where not known.
Json option_time_json(const std::optional<OptionTime>& t) {
  if (!t) return Json(nullptr);
  auto maybe = [](const std::optional<time::Range>& r) { return r ? range_json(*r) : Json(nullptr); };
  return Json{{"step_seconds", range_json(t->step_seconds)},
              {"tokens_per_second", range_json(t->tokens_per_second)},
              {"run_seconds", maybe(t->run_seconds)},
              {"cost_usd", maybe(t->cost_usd)},
              {"cost_per_million_tokens_usd", maybe(t->cost_per_million_tokens_usd)}};
}

const char* to_string(RankBy by) { return by == RankBy::time ? "time" : by == RankBy::gpus ? "gpus" : "cost"; }

Json option_json(const GpuOption& o) {
  Json out{{"id", o.gpu->id},
           {"name", o.gpu->name},
           {"memory_bytes", o.gpu->memory_bytes},
           {"verdict", to_string(o.fit.verdict)},
           {"min_gpus", o.min_gpus},
           {"max_micro_batch", o.max_batch},
           {"headroom_bytes", to_bytes(o.fit.headroom_bytes)},
           {"device_bytes", to_bytes(o.device_bytes)},
           {"min_gpus_layout", o.min_gpus_layout}};
  if (!o.fit.reason.empty()) out["reason"] = o.fit.reason;
  if (o.gpu->price_usd_per_gpu_hour) {
    out["price"] = {{"usd_per_gpu_hour", *o.gpu->price_usd_per_gpu_hour},
                    {"date", o.gpu->price_date},
                    {"source", o.gpu->price_source},
                    {"indicative", true}};
  }
  out["cost_per_hour_usd"] = o.cost_per_hour ? Json(*o.cost_per_hour) : Json(nullptr);
  out["time"] = option_time_json(o.time);
  return out;
}

Json suggestion_json(const Suggestion& s) {
  Json out{{"id", s.id},
           {"change", s.change},
           {"saves_bytes", to_bytes(s.saves_bytes)},
           {"device_bytes_after", to_bytes(s.device_bytes_after)},
           {"host_bytes_after", to_bytes(s.host_bytes_after)},
           {"scenario_patch", s.scenario_patch}};
  if (s.fits_after) out["fits_after"] = *s.fits_after;
  return out;
}

}  // namespace

Expected<Json> recommend(const Json& scenario) { return recommend_sorted(scenario, "cost"); }

Expected<Json> recommend_sorted(const Json& scenario, std::string_view sort) {
  const std::optional<RankBy> by = rank_by_from(sort);
  if (!by) return Error{"--sort", "must be one of cost, time, gpus, got \"" + std::string(sort.substr(0, 40)) + "\""};
  auto catalog = load_catalog();
  if (!catalog.ok()) return catalog.error();
  auto parsed = parse_scenario(scenario, *catalog.value());
  if (!parsed.ok()) return parsed.error();
  auto rec = vramplan::recommend(parsed.value(), *catalog.value(), *by);
  if (!rec.ok()) return rec.error();
  Json gpus = Json::array();
  for (const GpuOption& o : rec->gpus) gpus.push_back(option_json(o));
  Json suggestions = Json::array();
  for (const Suggestion& s : rec->suggestions) suggestions.push_back(suggestion_json(s));
  return Json{{"batch_key", rec->batch_key},
              {"assumed_sharding", rec->assumed_sharding},
              {"device_bytes", to_bytes(rec->device_bytes)},
              {"ranked_by", to_string(rec->ranked_by)},
              {"gpus", gpus},
              {"suggestions", suggestions}};
}

}  // namespace vramplan::api
