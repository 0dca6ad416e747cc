// `validate DIR`: every measured record in DIR (tests/validation/*.json, one per record of the
// reference measurements) against the estimate of its scenario at the matching level, with the signed
// error, then the median and worst absolute error.
//
// A record counts toward the thresholds when its quality_flag is "measured" and its scenario expresses
// the run ("match": "exact"). Records the scenario can only approximate (features such as torch.compile
// or chunked cross-entropy that it has no option for) are estimated and printed but not counted;
// records it cannot express at all are listed with the reason. The command exits 1 when the median
// absolute error of the counted records exceeds 15% or any of them exceeds 35%. Throughput records
// (DIR/throughput/) are judged apart, by cmd_validate_time.cpp; the memory numbers do not include them.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "commands.hpp"
#include "table.hpp"
#include "validate_common.hpp"
#include "vramplan/text_format.hpp"
#include "vramplan/api.hpp"
#include "vramplan/json_reader.hpp"

namespace vramplan::cli {
namespace {

constexpr double kMedianLimit = 0.15;
constexpr double kWorstLimit = 0.35;
constexpr double kGiB = kBytesPerGiB;

struct Row {
  std::string id, flag, match, level, measured, estimated, error, note;
  double abs_error = -1;  // < 0: not compared
  double signed_error = 0;  // (estimated - measured) / measured: negative is an under-estimate
  bool counted = false;
  bool held_out = false;  // added after the constants were set and never used to set one
  double band_low = 0, band_high = 0;  // peak_band of a device-level record, in the record's unit (0: none)
  double measured_value = 0;
  std::string oom_verdict;  // level "oom": the verdict for a run that ran out of memory (should be `no`)
  std::string invalid;  // the error line of a record that could not be read
};

double component(const Json& result, const char* id) {
  for (const Json& c : result.at("per_gpu").at("components")) {
    if (c.at("id").get<std::string>() == id) return c.at("bytes").get<double>();
  }
  return 0;
}

// Adapter weight bytes per parameter: the precision's weight dtype (docs/CONTRACT.md train.precision).
double adapter_weight_bytes(const Json& scenario) {
  std::string precision = "amp-bf16";
  if (scenario.contains("train") && scenario["train"].contains("precision")) {
    precision = scenario["train"]["precision"].get<std::string>();
  }
  return precision == "bf16" || precision == "mixed-bf16" ? 2.0 : 4.0;
}

// The estimate at the record's level, in the record's unit (bytes for memory, tokens for kv_tokens).
bool estimate_at_level(const std::string& level, const Json& scenario, const Json& result, double* value,
                       double* measured_override) {
  const Json& g = result.at("per_gpu");
  if (level == "allocated") *value = g.at("allocated_bytes").get<double>();
  else if (level == "reserved") *value = g.at("reserved_bytes").get<double>();
  else if (level == "device") *value = g.at("device_bytes").get<double>();
  else if (level == "kv_cache") *value = component(result, "kv_cache");
  else if (level == "kv_tokens") *value = result.at("inference").at("kv_tokens").get<double>();
  else if (level == "weights_device") *value = component(result, "weights") + component(result, "cuda_context");
  else if (level == "weights") {
    const double adapters = result.at("model").at("params_trainable").get<double>();
    const bool full = !scenario.contains("train") || !scenario["train"].contains("method") ||
                      scenario["train"]["method"].get<std::string>() == "full";
    *value = component(result, "weights") + (full ? 0.0 : adapters * adapter_weight_bytes(scenario));
  } else if (level == "fit_boundary") {
    // The largest run that fits: the estimate should come close to the GPU's memory.
    if (!result.contains("fit")) return false;
    *value = g.at("device_bytes").get<double>();
    *measured_override = result.at("fit").at("capacity_bytes").get<double>();
  } else {
    return false;
  }
  return true;
}

std::string show(double v, const std::string& unit) {
  return unit == "tokens" ? fmt("%.0f tok", v) : fmt("%.2f GiB", v / kGiB);
}

// The p-quantile (nearest rank) of v.
double quantile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())));
  return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
}

// Under-estimating is the dangerous direction (a run told "fits" dies): the share of records more than
// kUnderLimit below their measurement and the worst one, reported beside the median and p90.
constexpr double kUnderLimit = 0.15;

// Levels that measure a capacity vramplan promises (vLLM's KV pool in bytes or tokens), not a peak: there
// an over-estimate is the dangerous side (more concurrent tokens promised than the engine gives), so their
// error enters the direction statistics with its sign flipped.
bool is_pool_level(const std::string& level) { return level == "kv_cache" || level == "kv_tokens"; }

// Levels that measure a peak of the run's memory: what issue 20's bar is about.
bool is_peak_level(const std::string& level) {
  return level == "allocated" || level == "reserved" || level == "device";
}

// The error with the dangerous side negative, for every level.
double unsafe_signed_error(const std::string& level, double signed_error) {
  return is_pool_level(level) ? -signed_error : signed_error;
}

void print_direction(const char* what, const std::vector<double>& signed_errors, const std::vector<std::string>& ids) {
  std::vector<double> abs;
  std::size_t under = 0;
  double worst = 0;
  std::string worst_id = "-";
  for (std::size_t i = 0; i < signed_errors.size(); ++i) {
    abs.push_back(std::fabs(signed_errors[i]));
    if (signed_errors[i] < -kUnderLimit) ++under;
    if (signed_errors[i] < worst) worst = signed_errors[i], worst_id = ids[i];
  }
  const double share = signed_errors.empty() ? 0.0 : static_cast<double>(under) / static_cast<double>(signed_errors.size());
  std::printf("%s: p90 |error| %.1f%%; more than %.0f%% on the unsafe side (under a peak, over a KV pool): %zu of %zu "
              "(%.1f%%); worst unsafe error %+.1f%% (%s)\n",
              what, 100.0 * quantile(abs, 0.9), 100.0 * kUnderLimit, under, signed_errors.size(), 100.0 * share,
              100.0 * worst, worst_id.c_str());
}

// A validation record as read through the same checked reader as scenarios: a field of the wrong type is
// an error naming the file and the field's JSON pointer, never an exception.
struct Record {
  std::string id, flag, match, note, level, unit;
  bool held_out = false;
  double value = 0;  // measured value in `unit`; 0 when the record has no figure
  Json scenario;     // null when the record has none
  Json breakdown;    // vLLM profile components, or null
};

Record read_record(const Json& document, const std::string& fallback_id) {
  ObjectReader r(document, "");
  Record rec;
  rec.id = r.string("id", fallback_id, 128);
  rec.flag = r.string("quality_flag", "", 128);
  rec.match = r.choice("match", {"exact", "approximate", "none"}, "none");
  // As the throughput records (cmd_validate_time.cpp): absent means a calibration record.
  rec.held_out = r.choice("sample", {"in_sample", "held_out"}, "in_sample") == "held_out";
  rec.note = r.string("note", "", 65536);
  ObjectReader measured = r.object("measured");
  rec.level = measured.string("level", "-", 128);
  rec.unit = measured.choice("unit", {"GiB", "GB", "MiB", "tokens"}, "GiB");
  rec.value = measured.optional_number("value", 0.0, 1.0e15).value_or(0.0);
  if (const Json* scenario = r.find("scenario")) rec.scenario = *scenario;
  if (r.has("breakdown")) rec.breakdown = r.object("breakdown").raw();
  return rec;
}

// A run that ran out of memory on its GPU (level "oom", the figure nvidia-smi showed when it failed): no
// error is taken (the estimate has no peak to match), the verdict is judged. `fits` is the under-estimate
// the issue fears; `tight` at least warns.
Row oom_row(Row row, const Json& result, double measured_bytes, const std::string& unit) {
  row.measured = "OOM at " + show(measured_bytes, unit);
  row.estimated = show(result.at("per_gpu").at("device_bytes").get<double>(), unit);
  row.oom_verdict = result.contains("fit") ? result.at("fit").at("verdict").get<std::string>() : "-";
  row.error = row.oom_verdict == "fits" ? "verdict fits (wrong)" : "verdict " + row.oom_verdict;
  return row;
}

Row validate_record(const std::string& path, std::vector<std::string>& details) {
  Row row;
  row.id = std::filesystem::path(path).stem().string();
  auto doc = read_json_input(path);
  if (!doc.ok()) {
    row.note = "unreadable: " + doc.error().message;
    return row;
  }
  auto read = catch_input_errors<Record>([&] { return read_record(doc.value(), row.id); });
  if (!read.ok()) {
    row.error = "invalid";
    row.invalid = read.error().line().substr(7);  // without "error: ": the file goes in front
    row.note = path + ": " + row.invalid;
    return row;
  }
  const Record& d = read.value();
  row.id = d.id;
  row.held_out = d.held_out;
  row.flag = d.flag;
  row.match = d.match;
  row.level = d.level;
  row.note = d.note;
  const Json& scenario = d.scenario;
  if (scenario.is_null() || row.match == "none") {
    row.measured = "-";
    row.estimated = "-";
    row.error = "unmatched";
    return row;
  }
  const std::string& unit = d.unit;
  // Records print GiB; MiB and GB are converted so a user's own measurements can be given as measured.
  const double unit_bytes = unit == "tokens" ? 1.0 : unit == "MiB" ? 1048576.0 : unit == "GB" ? 1.0e9 : kGiB;
  double measured_value = d.value * unit_bytes;
  auto result = api::estimate(scenario);
  if (!result.ok()) {
    row.estimated = "error";
    row.error = "-";
    row.note = result.error().line();
    return row;
  }
  if (row.level == "oom") return oom_row(row, result.value(), measured_value, unit);
  double estimated = 0;
  double override_measured = -1;
  if (!estimate_at_level(row.level, scenario, result.value(), &estimated, &override_measured)) {
    row.estimated = "-";
    row.error = "no level";
    return row;
  }
  if (override_measured > 0) measured_value = override_measured;
  row.estimated = show(estimated, unit);
  row.measured = measured_value > 0 ? show(measured_value, unit) : "-";
  if (measured_value > 0) {
    const double err = (estimated - measured_value) / measured_value;
    row.error = fmt("%+.1f%%", 100.0 * err);
    row.abs_error = std::fabs(err);
    row.signed_error = err;
    row.counted = row.flag == "measured" && row.match == "exact";
    row.measured_value = measured_value;
    if (row.level == "device" && result->contains("peak_band")) {
      row.band_low = result->at("peak_band").at("low_bytes").get<double>();
      row.band_high = result->at("peak_band").at("high_bytes").get<double>();
    }
  } else {
    row.error = "no figure";
  }
  // vLLM records: the profile's other components, for information.
  if (d.breakdown.is_object() && result->contains("inference")) {
    const Json& b = d.breakdown;
    auto line = [&](const char* name, const char* key, double est) {
      if (b.contains(key) && b[key].is_number()) {
        details.push_back(row.id + "  " + name + ": measured " + fmt("%.2f GiB", b[key].get<double>()) +
                          ", estimated " + fmt("%.2f GiB", est / kGiB));
      }
    };
    line("weights", "weights_gib", component(result.value(), "weights"));
    line("activation peak", "activation_peak_gib", component(result.value(), "activations"));
    line("non-torch", "non_torch_gib", component(result.value(), "cuda_context"));
  }
  return row;
}

// Issue 20's bar for runs the estimate was never tuned to (docs/validation/accuracy.md): median and p90 of
// the absolute error, and the share more than kUnderLimit under the measurement. Reported, not gated.
constexpr double kHeldOutMedianGoal = 0.08;
constexpr double kHeldOutP90Goal = 0.20;
constexpr double kHeldOutUnderShareGoal = 0.05;

// The counted records of one set (calibration or held-out): their errors and the band's coverage of the
// device-level ones (measured within [peak_band.low, peak_band.high]).
struct ErrorSet {
  std::vector<double> abs, signed_errors;
  std::vector<std::string> ids, above, below;
  std::size_t device = 0;
  double worst = 0;
  std::string worst_id = "-";
  void add(const Row& row) {
    abs.push_back(row.abs_error);
    signed_errors.push_back(unsafe_signed_error(row.level, row.signed_error));
    ids.push_back(row.id);
    if (row.abs_error > worst) worst = row.abs_error, worst_id = row.id;
    if (row.band_high <= 0) return;
    ++device;
    if (row.measured_value > row.band_high) above.push_back(row.id);
    if (row.measured_value < row.band_low) below.push_back(row.id);
  }
};

void print_coverage(const char* what, const ErrorSet& set) {
  if (set.device == 0) return;
  auto list = [](const std::vector<std::string>& ids) {
    std::string out;
    for (const std::string& id : ids) out += (out.empty() ? "" : " ") + id;
    return out.empty() ? std::string("-") : out;
  };
  std::printf("%s: peak_band covers %zu of %zu device-level records; above its high end: %s; below its low end: %s\n",
              what, set.device - set.above.size() - set.below.size(), set.device, list(set.above).c_str(),
              list(set.below).c_str());
}

// Issue 20's bar is on the peak: judged on the held-out records of a peak level (allocated, reserved,
// device), with the KV-pool records reported in the line above it.
void print_held_out(const ErrorSet& h, const ErrorSet& peaks) {
  if (h.abs.empty()) return;
  std::printf("\nheld-out (\"sample\": \"held_out\", never used to set a constant): %zu records; median |error| %.1f%%, worst "
              "%.1f%% (%s)\n",
              h.abs.size(), 100.0 * median_of(h.abs), 100.0 * h.worst, h.worst_id.c_str());
  print_direction("held-out", h.signed_errors, h.ids);
  if (!peaks.abs.empty()) {
    std::printf("held-out, peak levels only (allocated, reserved, device): %zu records; median |error| %.1f%%, worst %.1f%% (%s)\n",
                peaks.abs.size(), 100.0 * median_of(peaks.abs), 100.0 * peaks.worst, peaks.worst_id.c_str());
    print_direction("held-out, peak levels only", peaks.signed_errors, peaks.ids);
  }
  std::size_t under = 0;
  for (double e : peaks.signed_errors) under += e < -kUnderLimit ? 1 : 0;
  const double med = median_of(peaks.abs), p90 = quantile(peaks.abs, 0.9);
  const double share = peaks.abs.empty() ? 0.0 : static_cast<double>(under) / static_cast<double>(peaks.abs.size());
  const bool met = !peaks.abs.empty() && med <= kHeldOutMedianGoal && p90 <= kHeldOutP90Goal &&
                   share <= kHeldOutUnderShareGoal;
  std::printf("held-out peaks against issue 20 (median <= %.0f%%, p90 <= %.0f%%, at most %.0f%% more than %.0f%% under): "
              "%s (information, not a gate)\n",
              100.0 * kHeldOutMedianGoal, 100.0 * kHeldOutP90Goal, 100.0 * kHeldOutUnderShareGoal, 100.0 * kUnderLimit,
              met ? "met" : "not met");
  print_coverage("held-out", h);
}

void print_oom(const std::vector<std::string>& fits, const std::vector<std::string>& tight,
               const std::vector<std::string>& no) {
  const std::size_t n = fits.size() + tight.size() + no.size();
  if (n == 0) return;
  std::string named;
  for (const std::string& id : fits) named += " " + id;
  std::printf("runs that ran out of memory (level \"oom\"): %zu; verdict no: %zu, tight: %zu, fits: %zu%s%s\n", n,
              no.size(), tight.size(), fits.size(), fits.empty() ? "" : " (wrong:", fits.empty() ? "" : (named + ")").c_str());
}

// The memory records' table and summary; true when the calibration records (counted, not held out) pass
// the thresholds. Unreadable records go to `invalid`.
bool validate_memory(const std::vector<std::string>& files, std::vector<Error>& invalid) {
  Table table({"record", "quality", "match", "level", "measured", "estimated", "error", "note"},
              {Align::left, Align::left, Align::left, Align::left, Align::right, Align::right, Align::right, Align::left});
  std::vector<std::string> details;
  ErrorSet counted, held_out, held_out_peaks, compared;
  int counted_failures = 0;
  std::vector<std::string> oom_fits, oom_tight, oom_no;
  for (const std::string& f : files) {
    Row row = validate_record(f, details);
    if (!row.invalid.empty()) invalid.push_back(Error{f, row.invalid});
    std::string note = row.note.size() > 110 ? row.note.substr(0, 107) + "..." : row.note;
    const std::string id = row.held_out ? row.id + " (held-out)" : row.id;
    table.add_row({id, row.flag, row.match, row.level, row.measured, row.estimated, row.error, note});
    if (row.abs_error >= 0) compared.add(row);
    if (row.counted) (row.held_out ? held_out : counted).add(row);
    if (row.counted && row.held_out && is_peak_level(row.level)) held_out_peaks.add(row);
    if (!row.oom_verdict.empty()) {
      (row.oom_verdict == "fits" ? oom_fits : row.oom_verdict == "tight" ? oom_tight : oom_no).push_back(row.id);
    } else if (!row.counted && row.flag == "measured" && row.match == "exact") {
      ++counted_failures;  // not estimated
    }
  }
  std::fputs(table.render().c_str(), stdout);
  if (!details.empty()) {
    std::puts("\nvLLM profile components (information):");
    for (const std::string& line : details) std::printf("  %s\n", line.c_str());
  }
  const double med = median_of(counted.abs);
  std::printf("\ncounted (quality \"measured\", scenario matches exactly): %zu records (held-out records apart, below); "
              "median |error| %.1f%%, worst %.1f%% (%s)\n",
              counted.abs.size(), 100.0 * med, 100.0 * counted.worst, counted.worst_id.c_str());
  std::printf("every compared record (information): %zu records; median |error| %.1f%%, worst %.1f%% (%s)\n",
              compared.abs.size(), 100.0 * median_of(compared.abs), 100.0 * compared.worst, compared.worst_id.c_str());
  print_direction("counted", counted.signed_errors, counted.ids);
  print_direction("every compared record", compared.signed_errors, compared.ids);
  print_coverage("counted", counted);
  print_held_out(held_out, held_out_peaks);
  print_oom(oom_fits, oom_tight, oom_no);
  std::printf("thresholds (counted records): median <= %.0f%%, every counted record <= %.0f%%\n", 100.0 * kMedianLimit,
              100.0 * kWorstLimit);
  const bool pass = !counted.abs.empty() && counted_failures == 0 && med <= kMedianLimit && counted.worst <= kWorstLimit;
  if (counted_failures > 0) std::printf("%d counted record(s) could not be estimated\n", counted_failures);
  return pass;
}

// The records of DIR: memory records are DIR/*.json; throughput records are DIR/throughput/*.json and
// any record of DIR whose `measured` names a `quantity` (cmd_validate_time.cpp).
bool collect_records(const std::string& dir, std::vector<std::string>& memory, std::vector<std::string>& time) {
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() != ".json") continue;
    (is_throughput_record(it->path().string()) ? time : memory).push_back(it->path().string());
  }
  if (ec) return false;
  const std::filesystem::path sub = std::filesystem::path(dir) / "throughput";
  std::error_code absent;  // no throughput/ folder is not an error (is_directory sets ENOENT)
  if (std::filesystem::is_directory(sub, absent)) {
    for (std::filesystem::directory_iterator it(sub, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->path().extension() == ".json") time.push_back(it->path().string());
    }
  }
  std::sort(memory.begin(), memory.end());
  std::sort(time.begin(), time.end());
  return !ec && !(memory.empty() && time.empty());
}

}  // namespace

int run_validate(const std::vector<std::string>& args) {
  auto parsed = parse_args(args, {"--only"}, 1);
  if (!parsed.ok()) return report(parsed.error());
  if (parsed->positional.size() != 1) {
    return report(Error{"", "usage: vramplan validate DIR [--only memory|throughput] (a folder of validation "
                            "records, e.g. tests/validation)"});
  }
  const auto only = parsed->values.find("--only");
  const std::string part = only == parsed->values.end() ? "all" : only->second;
  if (part != "all" && part != "memory" && part != "throughput") {
    return report(Error{"--only", "must be memory or throughput, got \"" + part + "\""});
  }
  const std::string dir = parsed->positional[0];
  std::vector<std::string> memory_files, time_files;
  if (!collect_records(dir, memory_files, time_files)) {
    return report(Error{dir, "must be a folder holding validation records (*.json)"});
  }
  // --only judges one part (the memory thresholds and the throughput threshold are separate gates).
  if (part == "memory") time_files.clear();
  if (part == "throughput") memory_files.clear();
  if (memory_files.empty() && time_files.empty()) {
    return report(Error{dir, "holds no " + part + " validation records"});
  }
  std::vector<Error> invalid;
  // Memory and throughput are reported and judged separately; each part present must pass.
  bool pass = true;
  if (!memory_files.empty()) pass = validate_memory(memory_files, invalid) && pass;
  if (!time_files.empty()) {
    const ThroughputOutcome t = validate_throughput(time_files);
    for (const auto& [file, message] : t.invalid) invalid.push_back(Error{file, message});
    pass = t.pass && pass;
  }
  if (!invalid.empty()) {
    // A record that cannot be read is the user's input error (exit 2): the tables above name every one;
    // the contract's single stderr line names the first.
    std::printf("%zu record(s) could not be read (listed above with the field)\n", invalid.size());
    std::fflush(stdout);
    return report(invalid.front());
  }
  std::puts(pass ? "validation: PASS" : "validation: FAIL");
  return pass ? kExitOk : 1;
}

}  // namespace vramplan::cli
