// `validate DIR`, throughput part: published step times, tokens/s, TTFT and TPOT (records in
// DIR/throughput/*.json, or any record whose `measured` names a `quantity`) against the time model's
// estimate of their scenario (docs/time-model.md; the records in docs/validation/throughput.md).
//
// The error is taken on time, whatever the record's unit: (estimated seconds - measured seconds) /
// measured seconds, a rate converted to seconds per unit of work (1 / rate). A negative error is a
// job estimated faster than it ran, the direction that makes a user under-budget. Records are read
// through the same checked reader as scenarios: a malformed one is an error naming the file and the
// field's JSON pointer, never a crash. The part passes when the median |error| of the counted records
// (a published or derived figure whose scenario the estimate expresses exactly) is at most 20%
// (issue 16); the worst is reported, not bounded.
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "commands.hpp"
#include "table.hpp"
#include "validate_common.hpp"
#include "vramplan/api.hpp"
#include "vramplan/json_reader.hpp"

namespace vramplan::cli {
namespace {

constexpr double kThroughputMedianLimit = 0.20;
constexpr double kUnderLimit = 0.15;  // an estimate more than 15% faster than the measurement

// A measured quantity, the `time` key of the estimate that answers it, and whether it is a rate.
struct Quantity {
  const char* id;
  const char* workload;
  const char* result_key;
  bool rate;
};
constexpr Quantity kQuantities[] = {
    {"train_tokens_per_second_per_gpu", "train", "tokens_per_second_per_gpu", true},
    {"train_step_seconds", "train", "step_seconds", false},
    {"rl_step_seconds", "rl", "step_seconds", false},
    {"rl_tokens_per_second_per_gpu", "rl", "tokens_per_second_per_gpu", true},
    {"time_per_output_token", "inference", "time_per_output_token_seconds", false},
    {"time_to_first_token", "inference", "time_to_first_token_seconds", false},
    {"output_tokens_per_second", "inference", "output_tokens_per_second", true},
};

const Quantity& quantity_of(const std::string& id) {
  for (const Quantity& q : kQuantities) {
    if (id == q.id) return q;
  }
  return kQuantities[0];  // unreachable: the reader's choice() admits only the ids above
}

struct TimeRecord {
  std::string id, flag, sample, match, quantity, unit, note;
  double value = 0;  // in `unit`
  Json scenario;     // null with match "none"
};

std::string required_string(ObjectReader& r, const char* key, const char* what) {
  if (!r.has(key)) fail(r.pointer_of(key), std::string("is required: ") + what);
  std::string s = r.string(key, "", 65536);
  if (s.empty()) fail(r.pointer_of(key), std::string("must not be empty: ") + what);
  return s;
}

void check_strings(const Json* list, const std::string& pointer) {
  if (list == nullptr) return;
  if (!list->is_array()) fail(pointer, "must be an array of strings, got " + describe_value(*list));
  for (std::size_t i = 0; i < list->size(); ++i) {
    if (!(*list)[i].is_string()) {
      fail(pointer_append(pointer, i), "must be a string, got " + describe_value((*list)[i]));
    }
  }
}

TimeRecord read_time_record(const Json& document, const std::string& fallback_id) {
  ObjectReader r(document, "");
  TimeRecord rec;
  rec.id = r.string("id", fallback_id, 128);
  required_string(r, "source", "the publication, URL and table or figure the figure comes from");
  rec.flag = r.choice("quality_flag", {"published", "derived"}, "");
  if (!r.has("quality_flag")) fail(r.pointer_of("quality_flag"), "is required: published or derived");
  rec.sample = r.choice("sample", {"in_sample", "held_out"}, "");
  if (!r.has("sample")) fail(r.pointer_of("sample"), "is required: in_sample or held_out");
  rec.match = r.choice("match", {"exact", "approximate", "none"}, "none");
  rec.note = r.string("note", "", 65536);
  check_strings(r.find("assumptions"), r.pointer_of("assumptions"));
  if (!r.has("measured")) fail(r.pointer_of("measured"), "is required: {quantity, value, unit}");
  ObjectReader m = r.object("measured");
  rec.quantity = m.choice("quantity",
                          {"train_tokens_per_second_per_gpu", "train_step_seconds", "rl_step_seconds",
                           "rl_tokens_per_second_per_gpu", "time_per_output_token", "time_to_first_token",
                           "output_tokens_per_second"},
                          "");
  if (!m.has("quantity")) fail(m.pointer_of("quantity"), "is required");
  rec.unit = m.choice("unit", {"s", "ms", "tokens/s"}, "");
  if (!m.has("unit")) fail(m.pointer_of("unit"), "is required: s, ms or tokens/s");
  const bool rate = quantity_of(rec.quantity).rate;
  if (rate != (rec.unit == "tokens/s")) {
    fail(m.pointer_of("unit"), std::string("must be ") + (rate ? "tokens/s" : "s or ms") + " for " + rec.quantity +
                                   ", got \"" + rec.unit + "\"");
  }
  if (!m.has("value")) fail(m.pointer_of("value"), "is required");
  rec.value = m.number("value", 1e-9, 1e15, 0.0);
  if (const Json* s = r.find("scenario")) {
    if (!s->is_object()) fail(r.pointer_of("scenario"), "must be an object, got " + describe_value(*s));
    rec.scenario = *s;
  } else if (rec.match != "none") {
    fail(r.pointer_of("scenario"), "is required unless match is \"none\"");
  }
  return rec;
}

struct Row {
  std::string id, flag, sample, match, quantity, measured, estimated, band, error, note;
  double signed_error = 0;  // on time; negative: estimated faster than measured
  bool compared = false, counted = false, in_band = false;
};

std::string show(double seconds_or_rate, const std::string& unit) {
  if (unit == "tokens/s") return fmt("%.1f tok/s", seconds_or_rate);
  if (unit == "ms") return fmt("%.2f ms", seconds_or_rate * 1e3);
  return fmt("%.2f s", seconds_or_rate);
}

// The estimate of `rec` in seconds (or tokens/s), its band, and the signed error on time.
void compare(const TimeRecord& rec, const Json& time, Row& row) {
  const Quantity& q = quantity_of(rec.quantity);
  if (!time.value("available", false) || !time.contains(q.result_key)) {
    row.estimated = "-";
    row.error = "no estimate";
    row.note = std::string("the estimate has no time.") + q.result_key + " (is the workload " + q.workload + "?)";
    return;
  }
  const Json& t = time.at(q.result_key);
  const double est = t.at("value").get<double>();
  const double lo = t.at("low").get<double>(), hi = t.at("high").get<double>();
  const double measured = rec.unit == "ms" ? rec.value / 1e3 : rec.value;
  row.measured = show(measured, rec.unit);
  row.estimated = show(est, rec.unit);
  row.band = show(std::min(lo, hi), rec.unit) + " - " + show(std::max(lo, hi), rec.unit);
  row.signed_error = q.rate ? measured / est - 1.0 : est / measured - 1.0;
  row.in_band = measured >= std::min(lo, hi) && measured <= std::max(lo, hi);
  row.error = fmt("%+.1f%%", 100.0 * row.signed_error);
  row.compared = true;
  row.counted = rec.match == "exact";
}

Row validate_one(const std::string& path, ThroughputOutcome& out) {
  Row row;
  row.id = std::filesystem::path(path).stem().string();
  auto doc = read_json_input(path);
  if (!doc.ok()) {
    row.error = "invalid";
    out.invalid.emplace_back(path, doc.error().line().substr(7));
    row.note = path + ": " + out.invalid.back().second;
    return row;
  }
  auto read = catch_input_errors<TimeRecord>([&] { return read_time_record(doc.value(), row.id); });
  if (!read.ok()) {
    row.error = "invalid";
    out.invalid.emplace_back(path, read.error().line().substr(7));
    row.note = path + ": " + out.invalid.back().second;
    return row;
  }
  const TimeRecord& rec = read.value();
  row.id = rec.id;
  row.flag = rec.flag;
  row.sample = rec.sample == "in_sample" ? "in" : "held-out";
  row.match = rec.match;
  row.quantity = rec.quantity;
  row.note = rec.note;
  if (rec.scenario.is_null() || rec.match == "none") {
    row.error = "unmatched";
    return row;
  }
  auto result = api::estimate(rec.scenario);
  if (!result.ok()) {
    row.error = "error";
    row.note = "scenario: " + result.error().line();
    return row;
  }
  compare(rec, result->contains("time") ? result->at("time") : Json(), row);
  return row;
}

struct Stats {
  std::vector<double> abs;
  std::size_t under = 0, in_band = 0;
  double worst = 0, worst_under = 0;
  std::string worst_id = "-", worst_under_id = "-";
  void add(const Row& r) {
    abs.push_back(std::fabs(r.signed_error));
    if (r.signed_error < -kUnderLimit) ++under;
    if (r.in_band) ++in_band;
    if (std::fabs(r.signed_error) > worst) worst = std::fabs(r.signed_error), worst_id = r.id;
    if (r.signed_error < worst_under) worst_under = r.signed_error, worst_under_id = r.id;
  }
};

void print_stats(const char* what, const Stats& s) {
  std::printf("%s: %zu records; median |error| %.1f%%, worst %.1f%% (%s); estimated more than %.0f%% faster "
              "than measured: %zu; worst under-estimate of time %+.1f%% (%s); measured inside the estimate's "
              "band: %zu of %zu\n",
              what, s.abs.size(), 100.0 * median_of(s.abs), 100.0 * s.worst, s.worst_id.c_str(),
              100.0 * kUnderLimit, s.under, 100.0 * s.worst_under, s.worst_under_id.c_str(), s.in_band,
              s.abs.size());
}

}  // namespace

bool is_throughput_record(const std::string& path) {
  auto doc = read_json_input(path);
  if (!doc.ok() || !doc->is_object()) return false;
  const Json& d = doc.value();
  return d.contains("measured") && d["measured"].is_object() && d["measured"].contains("quantity");
}

ThroughputOutcome validate_throughput(const std::vector<std::string>& files) {
  ThroughputOutcome out;
  Table table({"record", "quality", "sample", "match", "quantity", "measured", "estimated", "band", "time error",
               "note"},
              {Align::left, Align::left, Align::left, Align::left, Align::left, Align::right, Align::right,
               Align::right, Align::right, Align::left});
  Stats counted, held_out, in_sample, every;
  std::size_t counted_failures = 0;
  for (const std::string& f : files) {
    const Row row = validate_one(f, out);
    const std::string note = row.note.size() > 90 ? row.note.substr(0, 87) + "..." : row.note;
    table.add_row({row.id, row.flag, row.sample, row.match, row.quantity, row.measured, row.estimated, row.band,
                   row.error, note});
    if (row.compared) every.add(row);
    if (row.counted) {
      counted.add(row);
      (row.sample == "in" ? in_sample : held_out).add(row);
    } else if (row.match == "exact" && row.error != "invalid") {
      ++counted_failures;
    }
  }
  std::puts("\nthroughput records (time model, docs/validation/throughput.md; error on time: negative = "
            "estimated faster than measured):");
  std::fputs(table.render().c_str(), stdout);
  print_stats("\nthroughput (counted: scenario matches exactly)", counted);
  print_stats("throughput held-out (source not used for the defaults)", held_out);
  print_stats("throughput in-sample (source behind the MFU/efficiency defaults)", in_sample);
  print_stats("throughput every compared record (information)", every);
  out.counted = counted.abs.size();
  out.median = median_of(counted.abs);
  out.pass = out.counted > 0 && counted_failures == 0 && out.median <= kThroughputMedianLimit;
  if (counted_failures > 0) std::printf("%zu counted throughput record(s) could not be estimated\n", counted_failures);
  std::printf("throughput threshold: median |error| <= %.0f%%: %s\n", 100.0 * kThroughputMedianLimit,
              out.pass ? "pass" : "fail");
  return out;
}

}  // namespace vramplan::cli
