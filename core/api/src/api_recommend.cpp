// `recommend`: scenario JSON in, every catalog GPU with its verdict out (docs/CONTRACT.md "Result of
// recommend --json"). Extensions: per GPU device_bytes, min_gpus_layout, price and cost per hour;
// per suggestion id, device/host bytes after, fits_after; batch_key and assumed_sharding.
#include <cmath>

#include "vramplan/api.hpp"
#include "vramplan/recommend.hpp"

namespace vramplan::api {
namespace {

std::int64_t to_bytes(double v) { return static_cast<std::int64_t>(std::llround(v)); }

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

Expected<Json> recommend(const Json& scenario) {
  auto catalog = load_catalog();
  if (!catalog.ok()) return catalog.error();
  auto parsed = parse_scenario(scenario, *catalog.value());
  if (!parsed.ok()) return parsed.error();
  auto rec = vramplan::recommend(parsed.value(), *catalog.value());
  if (!rec.ok()) return rec.error();
  Json gpus = Json::array();
  for (const GpuOption& o : rec->gpus) gpus.push_back(option_json(o));
  Json suggestions = Json::array();
  for (const Suggestion& s : rec->suggestions) suggestions.push_back(suggestion_json(s));
  return Json{{"batch_key", rec->batch_key},
              {"assumed_sharding", rec->assumed_sharding},
              {"device_bytes", to_bytes(rec->device_bytes)},
              {"gpus", gpus},
              {"suggestions", suggestions}};
}

}  // namespace vramplan::api
