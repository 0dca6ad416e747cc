// The estimate result's "time" object (docs/CONTRACT.md "time"; docs/time-model.md): the time model of
// core/time over the numbers the memory estimate already computed (parameter counts, the KV pool's
// concurrency), with each quantity's range, formula and assumptions. RL phases get their own "time".
#include <cmath>
#include <utility>

#include "api_time.hpp"

namespace vramplan::api {
namespace {

Json range_json(const time::Range& r, const std::string& formula) {
  Json out(Json::value_t::object);
  auto& m = out.get_ref<Json::object_t&>();
  m.emplace("value", r.value);
  m.emplace("low", r.low);
  m.emplace("high", r.high);
  m.emplace("formula", formula);
  return out;
}

}  // namespace

Json time_json(time::TimeEstimate&& t) {
  Json out(Json::value_t::object);
  auto& m = out.get_ref<Json::object_t&>();
  m.emplace("available", t.available);
  if (t.available) m.emplace("utilisation", t.utilisation);
  for (const time::TimeTerm& term : t.terms) m.emplace(term.id, range_json(term.range, term.formula));
  Json assumptions = Json::array();
  for (std::string& a : t.assumptions) assumptions.push_back(std::move(a));
  m.emplace("assumptions", std::move(assumptions));
  Json warnings = Json::array();
  for (std::string& w : t.warnings) warnings.push_back(std::move(w));
  m.emplace("warnings", std::move(warnings));
  return out;
}

Json phase_time_json(const time::TimeEstimate& t, const std::string& phase) {
  for (const time::TimePhase& p : t.phases) {
    if (p.id != phase) continue;
    Json out(Json::value_t::object);
    out.get_ref<Json::object_t&>().emplace("seconds", range_json(p.seconds, p.formula));
    return out;
  }
  return Json();  // null: a phase the time model does not time (the separate reward model)
}

}  // namespace vramplan::api
