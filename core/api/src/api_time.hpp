#pragma once
// The estimate result's "time" object (docs/CONTRACT.md "time"; docs/time-model.md): the time model of
// core/time over the numbers the memory estimate already computed (parameter counts, the KV pool's
// concurrency), with each quantity's range, formula and assumptions. RL phases get their own "time".
// Written through a sink (api_sink.hpp), as the rest of the estimate (api_estimate.cpp).
#include <algorithm>
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

// The result's "time" object: available, utilisation, each quantity {value, low, high, formula} under
// its id, assumptions, warnings. The terms' ids are keys among the fixed ones, so the members are
// sorted here; of two members with one key the first given counts (available, utilisation, the terms
// in order, assumptions, warnings), as it did when they were emplaced into a Json object in that order.
template <class Sink>
void write_time(Sink& out, const time::TimeEstimate& t) {
  struct Member {
    std::string_view key;
    const time::TimeTerm* term;  // null: one of the fixed members
  };
  std::vector<Member> members;
  members.reserve(t.terms.size() + 4);
  members.push_back({"available", nullptr});
  if (t.available) members.push_back({"utilisation", nullptr});
  for (const time::TimeTerm& term : t.terms) members.push_back({term.id, &term});
  members.push_back({"assumptions", nullptr});
  members.push_back({"warnings", nullptr});
  std::stable_sort(members.begin(), members.end(), [](const Member& a, const Member& b) { return a.key < b.key; });
  const auto strings = [&](const std::vector<std::string>& list) {
    out.begin_array();
    for (const std::string& s : list) out.value(s);
    out.end_array();
  };
  out.begin_object();
  for (std::size_t i = 0; i < members.size(); ++i) {
    const Member& m = members[i];
    if (i > 0 && members[i - 1].key == m.key) continue;
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
