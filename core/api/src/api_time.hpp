#pragma once
// The estimate result's "time" object (docs/CONTRACT.md "time"; docs/time-model.md): the time model of
// core/time over the numbers the memory estimate already computed (parameter counts, the KV pool's
// concurrency), with each quantity's range, formula and assumptions. RL phases get their own "time".
// Written through a sink (api_sink.hpp), as the rest of the estimate (api_estimate.cpp).
#include <string>
#include <string_view>
#include <vector>

#include "api_sink.hpp"
#include "vramplan/scenario_estimate.hpp"
#include "vramplan/scenario_time.hpp"
#include "vramplan/time_estimate.hpp"

namespace vramplan::api {

using vramplan::scenario_time;  // core/plan (vramplan/scenario_time.hpp)

// {formula, high, low, value}: the keys in nlohmann's (sorted) order, as every object below.
template <class Sink>
void write_range(Sink& out, const time::Range& r, const std::string& formula) {
  out.begin_object();
  member(out, "formula", formula);
  member(out, "high", r.high);
  member(out, "low", r.low);
  member(out, "value", r.value);
  out.end_object();
}

// The "time" object's members in nlohmann's order (sorted keys): the terms' ids are keys among the fixed
// ones. Of two members with one key the first given counts (available, utilisation, the terms in order,
// assumptions, warnings), as it did when they were emplaced into a Json object in that order. Not a
// template, so both sinks share it (api_time.cpp).
struct TimeMember {
  std::string_view key;
  const time::TimeTerm* term;  // null: one of the fixed members, named by its key
};
std::vector<TimeMember> time_members(const time::TimeEstimate& t);

// The result's "time" object: available, utilisation, each quantity {value, low, high, formula} under
// its id, assumptions, warnings.
template <class Sink>
void write_time(Sink& out, const time::TimeEstimate& t) {
  const auto strings = [&](const std::vector<std::string>& list) {
    out.begin_array();
    for (const std::string& s : list) out.value(s);
    out.end_array();
  };
  out.begin_object();
  for (const TimeMember& m : time_members(t)) {
    out.key(m.key);
    if (m.term) {
      write_range(out, m.term->range, m.term->formula);
    } else if (m.key == "available") {
      out.value(t.available);
    } else if (m.key == "utilisation") {
      out.value(t.utilisation);
    } else {
      strings(m.key == "assumptions" ? t.assumptions : t.warnings);
    }
  }
  out.end_object();
}

// An RL phase's "time": {seconds {value, low, high, formula}}, or null for a phase the time model does not
// time (the separate reward model).
template <class Sink>
void write_phase_time(Sink& out, const time::TimeEstimate& t, const std::string& phase) {
  for (const time::TimePhase& p : t.phases) {
    if (p.id != phase) continue;
    out.begin_object();
    out.key("seconds");
    write_range(out, p.seconds, p.formula);
    out.end_object();
    return;
  }
  out.value(nullptr);
}

}  // namespace vramplan::api
