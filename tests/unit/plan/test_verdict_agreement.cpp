// Every verdict agrees with its headroom and its batch search (issue 20): over the whole GPU catalog and
// every example scenario (examples/, tests/rl/), in the JSON of `estimate` and of `recommend`:
//   not ruled out (verdict fits or tight) <=> the largest batch >= the requested batch <=> no `reason`;
//   `no` => headroom_bytes < 0 (the band's low end exceeds the GPU, so the peak does);
//   headroom_bytes >= 0 => not `no`; `fits` => at least kTightHeadroomFraction of the GPU left;
//   a negative headroom that is not `no` is `tight` (the peak above the GPU, its band's low end not),
// where a vLLM server's batch is the sequences its pool holds (fits <=> at least one; `fits` needs all).
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "vramplan/api.hpp"
#include "vramplan/scenario.hpp"
#include "vramplan/scenario_estimate.hpp"

using namespace vramplan;

namespace {

std::vector<std::filesystem::path> example_scenarios() {
  std::vector<std::filesystem::path> out;
  for (const char* folder : {"/examples", "/tests/rl"}) {
    for (const auto& entry : std::filesystem::directory_iterator(std::string(VRAMPLAN_SOURCE_DIR) + folder)) {
      if (entry.path().extension() == ".json") out.push_back(entry.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

Json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return Json::parse(text.str());
}

std::int64_t requested_batch(const Json& scenario) {
  if (scenario.value("workload", std::string("train")) == "inference") {
    return scenario.at("inference").value("batch_size", std::int64_t{1});
  }
  return scenario.at("train").value("micro_batch_size", std::int64_t{1});
}

bool vllm_serving(const Json& scenario) {
  return scenario.value("workload", std::string()) == "inference" &&
         scenario.at("inference").value("engine", std::string()) == "vllm";
}

struct Counts {
  int gpus = 0;
  int no = 0;
  int vllm_refused = 0;
  int tight_over = 0;  // tight with a negative headroom
};

void check_gpu(const Json& scenario, const Json& option, Counts& counts) {
  const std::string id = option.at("id").get<std::string>();
  CAPTURE(id);
  const std::string verdict = option.at("verdict").get<std::string>();
  const bool fits = verdict != "no";
  const std::int64_t headroom = option.at("headroom_bytes").get<std::int64_t>();
  const std::int64_t max_batch = option.at("max_micro_batch").get<std::int64_t>();
  const std::int64_t requested = std::min(requested_batch(scenario), limits::kMaxBatch);
  const double capacity = static_cast<double>(option.at("memory_bytes").get<std::int64_t>());
  if (verdict == "no") CHECK(headroom < 0);
  if (headroom >= 0) CHECK(fits);
  if (headroom < 0 && fits) CHECK(verdict == "tight");
  if (verdict == "fits") CHECK(static_cast<double>(headroom) >= kTightHeadroomFraction * capacity - 1.0);
  if (vllm_serving(scenario)) {
    CHECK(fits == (max_batch >= 1));
    if (verdict == "fits") CHECK(max_batch >= requested);
  } else {
    CHECK(fits == (max_batch >= requested));
  }
  CHECK(fits == !option.contains("reason"));
  // `estimate` on this GPU says the same.
  Json on_gpu = scenario;
  on_gpu["gpu"] = id;
  auto e = api::estimate(on_gpu);
  REQUIRE_MESSAGE(e.ok(), (e.ok() ? "" : e.error().line()));
  const Json& fit = e->at("fit");
  CHECK(fit.at("verdict") == option.at("verdict"));
  CHECK(fit.at("fits").get<bool>() == fits);
  CHECK(fit.at("headroom_bytes").get<std::int64_t>() == headroom);
  ++counts.gpus;
  if (!fits) ++counts.no;
  if (fits && headroom < 0) ++counts.tight_over;
  if (!fits && headroom < 0 && fit.value("reason", std::string()).rfind("vLLM cannot start", 0) == 0) ++counts.vllm_refused;
}

}  // namespace

TEST_CASE("verdict, headroom and largest batch agree on every catalog GPU for every example scenario") {
  const auto files = example_scenarios();
  REQUIRE(files.size() >= 10);
  Counts counts;
  for (const auto& path : files) {
    CAPTURE(path.filename().string());
    const Json scenario = read_json(path);
    auto rec = api::recommend(scenario);
    REQUIRE_MESSAGE(rec.ok(), (rec.ok() ? "" : rec.error().line()));
    for (const Json& option : rec->at("gpus")) check_gpu(scenario, option, counts);
  }
  // The test covers both sides of every rule: GPUs that fit, GPUs that do not, and vLLM refusing to start.
  CHECK(counts.no > 0);
  CHECK(counts.no < counts.gpus);
  CHECK(counts.vllm_refused > 0);
}

TEST_CASE("a vLLM rollout that cannot start is `no` with a negative headroom, the utilization it needs and no batch") {
  for (const std::string file : {"verl-qwen2.5-3b-grpo-lora-1xh100.json", "verl-qwen2.5-7b-grpo-lora-1xh100.json"}) {
    CAPTURE(file);
    const Json scenario = read_json(std::string(VRAMPLAN_SOURCE_DIR) + "/tests/rl/" + file);
    auto e = api::estimate(scenario);
    REQUIRE(e.ok());
    const Json& fit = e->at("fit");
    CHECK(fit.at("verdict") == "no");
    CHECK(fit.at("headroom_bytes").get<std::int64_t>() < 0);
    const std::string reason = fit.at("reason").get<std::string>();
    const double given = scenario.at("rl").at("rollout").at("gpu_memory_utilization").get<double>();
    char named[64];
    std::snprintf(named, sizeof named, "rl.rollout.gpu_memory_utilization %.2f", given);
    CHECK(reason.find(named) != std::string::npos);
    // The utilization it names does start it.
    const auto at = reason.find(">= ");
    REQUIRE(at != std::string::npos);
    const double needed = std::stod(reason.substr(at + 3));
    CHECK(needed > given);
    Json raised = scenario;
    raised["rl"]["rollout"]["gpu_memory_utilization"] = needed;
    auto after = api::estimate(raised);
    REQUIRE(after.ok());
    CHECK(after->at("fit").at("fits").get<bool>());
    Json lowered = raised;
    lowered["rl"]["rollout"]["gpu_memory_utilization"] = needed - 0.02;
    auto before = api::estimate(lowered);
    REQUIRE(before.ok());
    CHECK(before->at("fit").at("verdict") == "no");
    auto rec = api::recommend(scenario);
    REQUIRE(rec.ok());
    for (const Json& option : rec->at("gpus")) {
      if (option.at("id") != "H100-SXM-80GB") continue;
      CHECK(option.at("verdict") == "no");
      CHECK(option.at("max_micro_batch").get<std::int64_t>() == 0);
    }
  }
}
