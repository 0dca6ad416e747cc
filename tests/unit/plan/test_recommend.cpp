// GPU recommendations: verdicts agree with estimate, the batch found is the largest that fits, and
// every suggestion's patch saves what it claims.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "vramplan/api.hpp"
#include "vramplan/recommend.hpp"

using namespace vramplan;

namespace {

const Catalog& catalog() {
  auto loaded = load_catalog();
  REQUIRE(loaded.ok());
  return *loaded.value();
}

Scenario scenario(const char* text) {
  auto s = parse_scenario(Json::parse(text), catalog());
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().line()));
  return s.value();
}

double device_bytes(const Scenario& s) {
  auto e = estimate_scenario(s);
  REQUIRE_MESSAGE(e.ok(), (e.ok() ? "" : e.error().line()));
  return e->peak.device_bytes;
}

Fit fit_on(Scenario s, const GpuSpec& gpu) {
  s.gpu = gpu;
  auto e = estimate_scenario(s);
  REQUIRE(e.ok());
  return assess_fit(e.value(), s, gpu);
}

const char* kTrain7B = R"({"model": "Qwen/Qwen2.5-7B-Instruct", "gpu": "H100-SXM-80GB",
  "train": {"micro_batch_size": 8, "seq_len": 1024}})";
const char* kLora1B = R"({"model": "meta-llama/Llama-3.2-1B", "gpu": "RTX-4090",
  "train": {"method": "lora", "micro_batch_size": 4, "seq_len": 2048, "gradient_checkpointing": true}})";
const char* kServe8B = R"({"model": "meta-llama/Llama-3.1-8B-Instruct", "workload": "inference", "gpu": "L4",
  "inference": {"batch_size": 16, "context_len": 8192}})";
const char* kVllm8B = R"({"model": "meta-llama/Llama-3.1-8B-Instruct", "workload": "inference", "gpu": "H100-SXM-80GB",
  "inference": {"engine": "vllm", "batch_size": 64, "context_len": 8192}})";

}  // namespace

TEST_CASE("every GPU's verdict agrees with estimate on that GPU") {
  for (const char* text : {kTrain7B, kLora1B, kServe8B, kVllm8B}) {
    const Scenario s = scenario(text);
    auto rec = recommend(s, catalog());
    REQUIRE(rec.ok());
    CHECK(rec->gpus.size() == catalog().gpus.size());
    for (const GpuOption& o : rec->gpus) {
      CAPTURE(o.gpu->id);
      const Fit direct = fit_on(s, *o.gpu);
      CHECK(o.fit.verdict == direct.verdict);
      CHECK(o.fit.headroom_bytes == doctest::Approx(direct.headroom_bytes));
      // And the JSON estimate says the same.
      Json doc = scenario_to_json(s);
      doc["gpu"] = o.gpu->id;
      auto e = api::estimate(doc);
      REQUIRE(e.ok());
      CHECK(e->at("fit").at("verdict") == to_string(direct.verdict));
    }
  }
}

TEST_CASE("tight: under 10% of the GPU left, or the band's high end beyond it, or the peak beyond it but not the low end") {
  const Scenario s = scenario(kLora1B);
  auto e = estimate_scenario(s);  // a training estimate: the same on every GPU, and so is its band
  REQUIRE(e.ok());
  auto rec = recommend(s, catalog());
  REQUIRE(rec.ok());
  int tight_by_band = 0, tight_over = 0;
  for (const GpuOption& o : rec->gpus) {
    const double capacity = static_cast<double>(o.gpu->memory_bytes);
    const bool close = o.fit.headroom_bytes < 0.1 * capacity;
    const bool band_over = e->band.high_bytes > capacity;
    const bool low_over = e->band.low_bytes > capacity;
    if (o.fit.verdict == Verdict::tight) {
      CHECK_FALSE(low_over);
      CHECK((close || band_over));
      if (!close) ++tight_by_band;
      if (o.fit.headroom_bytes < 0) ++tight_over;
    }
    if (o.fit.verdict == Verdict::fits) CHECK((!close && !band_over));
    if (o.fit.verdict == Verdict::no) {
      CHECK(low_over);
      CHECK(o.fit.headroom_bytes < 0);
    }
  }
  CHECK(tight_by_band > 0);  // the band's rule is exercised, not only the 10% one
  CHECK(tight_over > 0);     // and a peak beyond the GPU that its band's low end does not reach
}

TEST_CASE("the largest batch found fits and the next one does not") {
  for (const char* text : {kTrain7B, kLora1B, kServe8B}) {
    const Scenario base = scenario(text);
    auto rec = recommend(base, catalog());
    REQUIRE(rec.ok());
    int searched = 0;
    for (const GpuOption& o : rec->gpus) {
      CAPTURE(o.gpu->id);
      Scenario s = base;
      const bool inference = s.workload == Workload::inference;
      auto set_batch = [&](std::int64_t b) { (inference ? s.inference.batch_size : s.train.micro_batch_size) = b; };
      if (o.max_batch == 0) {
        set_batch(1);
        CHECK_FALSE(fit_on(s, *o.gpu).fits());
        continue;
      }
      set_batch(o.max_batch);
      CHECK(fit_on(s, *o.gpu).fits());
      if (o.max_batch < limits::kMaxBatch) {
        set_batch(o.max_batch + 1);
        CHECK_FALSE(fit_on(s, *o.gpu).fits());
      }
      ++searched;
    }
    CHECK(searched > 0);
  }
}

TEST_CASE("vLLM's largest batch is the number of full sequences its pool holds") {
  const Scenario s = scenario(kVllm8B);
  auto rec = recommend(s, catalog());
  REQUIRE(rec.ok());
  for (const GpuOption& o : rec->gpus) {
    Scenario on = s;
    on.gpu = *o.gpu;
    auto e = estimate_scenario(on);
    REQUIRE(e.ok());
    if (o.fit.fits()) CHECK(o.max_batch == static_cast<std::int64_t>(std::floor(e->inference.max_concurrent_sequences)));
  }
}

TEST_CASE("min_gpus is the fewest of 1, 2, 4, 8, 16, ... that fit") {
  const Scenario s = scenario(R"({"model": "Qwen/Qwen2.5-32B-Instruct", "gpu": "H100-SXM-80GB",
      "train": {"micro_batch_size": 1, "seq_len": 2048, "gradient_checkpointing": true}})");
  auto rec = recommend(s, catalog());
  REQUIRE(rec.ok());
  CHECK(rec->assumed_sharding == "fsdp");
  for (const GpuOption& o : rec->gpus) {
    if (o.gpu->id != "H100-SXM-80GB") continue;
    REQUIRE(o.min_gpus > 1);  // 32B with AdamW does not fit one 80 GB GPU
    Scenario at_min = s;
    at_min.gpus = o.min_gpus;
    at_min.train.sharding = Sharding::fsdp;
    CHECK(fit_on(at_min, *o.gpu).fits());
    const std::int64_t fewer = o.min_gpus <= 8 ? o.min_gpus / 2 : o.min_gpus - 8;
    Scenario below = s;
    below.gpus = fewer;
    below.train.sharding = fewer > 1 ? Sharding::fsdp : s.train.sharding;
    CHECK_FALSE(fit_on(below, *o.gpu).fits());
    CHECK(o.min_gpus_layout.find("fsdp") != std::string::npos);
  }
}

TEST_CASE("every suggestion's patch, applied, saves what it claims") {
  for (const char* text : {kTrain7B, kLora1B, kServe8B}) {
    const Scenario s = scenario(text);
    auto rec = recommend(s, catalog());
    REQUIRE(rec.ok());
    CHECK_FALSE(rec->suggestions.empty());
    const double before = device_bytes(s);
    for (const Suggestion& sug : rec->suggestions) {
      CAPTURE(sug.id);
      // Apply the patch to the scenario as JSON, the way the page and a user would.
      Json doc = scenario_to_json(s);
      doc.merge_patch(sug.scenario_patch);
      auto patched = parse_scenario(doc, catalog());
      REQUIRE(patched.ok());
      const double after = device_bytes(patched.value());
      CHECK(before - after == doctest::Approx(sug.saves_bytes).epsilon(1e-9));
      if (sug.id != "bigger_gpu") CHECK(sug.saves_bytes > 0);
      if (sug.fits_after && patched->gpu) CHECK(*sug.fits_after == fit_on(patched.value(), *patched->gpu).fits());
    }
  }
}

TEST_CASE("the 7B full fine-tune gets the seed guide's remedies, and a bigger GPU") {
  auto rec = recommend(scenario(kTrain7B), catalog());
  REQUIRE(rec.ok());
  std::string ids;
  for (const Suggestion& s : rec->suggestions) ids += s.id + " ";
  for (const char* id : {"gradient_checkpointing", "smaller_micro_batch", "adamw_8bit", "lora", "qlora", "offload_optimizer",
                         "fsdp", "tensor_parallel_2"}) {
    CAPTURE(id);
    CHECK(ids.find(id) != std::string::npos);
  }
  // Offload reports the host RAM it needs.
  for (const Suggestion& s : rec->suggestions) {
    if (s.id == "offload_optimizer") CHECK(s.host_bytes_after > 0);
  }
}

TEST_CASE("fitting options come first, cheapest per million tokens first (issue 16: cost, not price per hour)") {
  auto rec = recommend(scenario(kLora1B), catalog());
  REQUIRE(rec.ok());
  CHECK(rec->ranked_by == RankBy::cost);
  bool seen_no = false;
  double last_cost = 0;
  std::string last_group;
  int ranked = 0;
  for (const GpuOption& o : rec->gpus) {
    if (o.fit.verdict == Verdict::no) seen_no = true;
    if (!seen_no) {
      CHECK(o.fit.fits());
    } else {
      CHECK(o.fit.verdict == Verdict::no);
    }
    // Within a group (verdict, fits on some count), priced options by the cost of a million tokens
    // at min_gpus: gpus x price / (tokens/s x 3600) x 1e6.
    const std::string group = std::string(to_string(o.fit.verdict)) + (o.min_gpus > 0 ? "+" : "-");
    if (group != last_group) last_cost = 0;
    last_group = group;
    if (o.time && o.time->cost_per_million_tokens_usd && o.gpu->price_usd_per_gpu_hour) {
      const double cost = o.time->cost_per_million_tokens_usd->value;
      CHECK(cost == doctest::Approx(static_cast<double>(o.min_gpus) * *o.gpu->price_usd_per_gpu_hour /
                                    (o.time->tokens_per_second.value * 3600) * 1e6));
      CHECK(cost >= last_cost);
      last_cost = cost;
      ++ranked;
    }
  }
  CHECK(ranked >= 10);
}

TEST_CASE("--sort time and gpus rank each group by tokens/s and by min_gpus") {
  for (RankBy by : {RankBy::time, RankBy::gpus}) {
    auto rec = recommend(scenario(kLora1B), catalog(), by);
    REQUIRE(rec.ok());
    CHECK(rec->ranked_by == by);
    std::string last_group;
    double last = 0;
    for (const GpuOption& o : rec->gpus) {
      const std::string group = std::string(to_string(o.fit.verdict)) + (o.min_gpus > 0 ? "+" : "-");
      if (group != last_group) last = 0;
      last_group = group;
      if (!o.time) continue;
      const double key = by == RankBy::gpus ? static_cast<double>(o.min_gpus) : 1.0 / o.time->tokens_per_second.value;
      CHECK(key >= last);
      last = key;
    }
  }
  CHECK(rank_by_from("cost") == RankBy::cost);
  CHECK_FALSE(rank_by_from("price").has_value());
}

TEST_CASE("sweep: one point per value, each equal to its own estimate") {
  const Json base = Json::parse(kTrain7B);
  auto sweep = api::sweep(base, "train.micro_batch_size=1,2,4");
  REQUIRE(sweep.ok());
  REQUIRE(sweep->at("points").size() == 3);
  for (const Json& p : sweep->at("points")) {
    Json doc = base;
    doc["train"]["micro_batch_size"] = p.at("value");
    auto e = api::estimate(doc);
    REQUIRE(e.ok());
    CHECK(p.at("device_bytes") == e->at("per_gpu").at("device_bytes"));
    CHECK(p.at("fits") == e->at("fit").at("fits"));
  }
  CHECK(sweep->at("points")[0].at("device_bytes").get<double>() < sweep->at("points")[2].at("device_bytes").get<double>());
  CHECK(api::sweep(base, "train.micro_batch_size=0").error().pointer == "/train/micro_batch_size");
  CHECK(api::sweep(base, "nonsense").error().pointer == "--sweep");
}

// The sweep's activation column is the micro-batch's own memory, read from the typed estimate: it
// scales with the tokens of the micro-batch also when the optimizer step (full fine-tuning at
// micro-batch 1) or another RL phase (the rollout's vLLM pool) is the peak and holds no activation line.
TEST_CASE("sweep: activations scale with the micro-batch whichever phase is the peak") {
  const char* rl_vllm = R"({"model": "Qwen/Qwen2.5-0.5B-Instruct", "workload": "rl", "gpu": "H100-SXM-80GB",
    "train": {"method": "full", "micro_batch_size": 1},
    "rl": {"algorithm": "grpo", "rollout": {"engine": "vllm", "gpu_memory_utilization": 0.6,
           "prompts_per_step": 8, "generations_per_prompt": 4, "max_prompt_len": 256, "max_response_len": 256}}})";
  for (const char* text : {kTrain7B, rl_vllm}) {
    auto sweep = api::sweep(Json::parse(text), "train.micro_batch_size=1,2");
    REQUIRE(sweep.ok());
    const double one = sweep->at("points")[0].at("activation_bytes").get<double>();
    const double two = sweep->at("points")[1].at("activation_bytes").get<double>();
    CHECK(one > 0);
    CHECK(two == doctest::Approx(2.0 * one).epsilon(1e-6));
  }
  // The cases above are the ones whose peak holds no activation line.
  Json train = Json::parse(kTrain7B);
  train["train"]["micro_batch_size"] = 1;
  auto e = api::estimate(train);
  REQUIRE(e.ok());
  for (const Json& c : e->at("per_gpu").at("components")) CHECK(c.at("id") != "activations");
  auto rl = estimate_scenario(scenario(rl_vllm));
  REQUIRE(rl.ok());
  CHECK(rl->peak.phase == "rollout");
}
