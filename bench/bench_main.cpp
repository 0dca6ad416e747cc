// Speed of the core, natively: one estimate per workload (train, inference, rl), a full
// recommendation with its batch search, parameter counts of the whole catalog, and the JSON API path
// (api::estimate on a Json scenario, as the CLI --json and the WebAssembly module call it).
//
// Goals (docs/benchmarks.md, reported not asserted): one estimate < 20 us, a recommend < 5 ms.
// bench/wasm_bench.mjs times the same operations (the same scenarios) through the wasm module.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "vramplan/api.hpp"
#include "vramplan/catalog.hpp"
#include "vramplan/params.hpp"
#include "vramplan/recommend.hpp"
#include "vramplan/scenario.hpp"
#include "vramplan/scenario_estimate.hpp"
#include "vramplan/scenario_time.hpp"

namespace {

using vramplan::Json;

// The scenarios, kept identical to bench/wasm_bench.mjs.
const char* const kTrainScenario = R"({
  "model": "Qwen/Qwen2.5-7B-Instruct", "workload": "train", "gpu": "H100-SXM-80GB", "gpus": 1,
  "train": {"method": "full", "precision": "amp-bf16", "optimizer": "adamw", "micro_batch_size": 8,
            "seq_len": 1024, "gradient_checkpointing": false, "attention": "flash"}})";

const char* const kInferenceScenario = R"({
  "model": "meta-llama/Llama-3.1-8B-Instruct", "workload": "inference", "gpu": "H100-SXM-80GB", "gpus": 1,
  "inference": {"engine": "vllm", "gpu_memory_utilization": 0.9, "context_len": 16000,
                "weight_dtype": "bf16", "tp": 1}})";

const char* const kRlScenario = R"({
  "model": "Qwen/Qwen2.5-7B-Instruct", "workload": "rl", "gpu": "H100-SXM-80GB", "gpus": 8,
  "train": {"method": "full", "precision": "amp-bf16", "optimizer": "adamw", "micro_batch_size": 4,
            "seq_len": 1536, "gradient_checkpointing": true, "attention": "flash", "sharding": "fsdp"},
  "rl": {"algorithm": "grpo", "reference": true, "critic": false,
         "rollout": {"engine": "vllm", "colocated": true, "gpu_memory_utilization": 0.6,
                     "prompts_per_step": 32, "generations_per_prompt": 16,
                     "max_prompt_len": 512, "max_response_len": 1024, "tp": 1}}})";

const vramplan::Catalog& catalog() {
  static const vramplan::Catalog* c = [] {
    auto loaded = vramplan::load_catalog();
    return loaded.ok() ? loaded.value() : nullptr;
  }();
  return *c;
}

// Parses a scenario document once, outside the timed loop; an error skips the benchmark.
bool parse(benchmark::State& state, const char* text, vramplan::Scenario* out) {
  if (vramplan::load_catalog().ok() == false) {
    state.SkipWithError("the embedded catalog does not load");
    return false;
  }
  auto doc = vramplan::api::parse_json_text(text);
  if (!doc.ok()) {
    state.SkipWithError(doc.error().line().c_str());
    return false;
  }
  auto scenario = vramplan::parse_scenario(doc.value(), catalog());
  if (!scenario.ok()) {
    state.SkipWithError(scenario.error().line().c_str());
    return false;
  }
  *out = scenario.value();
  return true;
}

// One estimate of a parsed scenario (vramplan::estimate_scenario). A scenario the estimator rejects is
// skipped with its message, not timed.
void estimate_of(benchmark::State& state, const char* text) {
  vramplan::Scenario scenario;
  if (!parse(state, text, &scenario)) return;
  {
    auto probe = vramplan::estimate_scenario(scenario);
    if (!probe.ok()) {
      const std::string why = "error: " + probe.error().line();
      state.SkipWithError(why.c_str());
      return;
    }
  }
  for (auto _ : state) {
    auto result = vramplan::estimate_scenario(scenario);
    benchmark::DoNotOptimize(result);
  }
}

void BM_EstimateTrain(benchmark::State& state) { estimate_of(state, kTrainScenario); }
void BM_EstimateInference(benchmark::State& state) { estimate_of(state, kInferenceScenario); }
void BM_EstimateRl(benchmark::State& state) { estimate_of(state, kRlScenario); }

// The estimate with the time model (issue 16: "the speed budget of an estimate holds, time model
// included"): estimate_scenario then scenario_time, run totals and cost included (a dataset is added
// so that every term of the time model runs).
void estimate_with_time_of(benchmark::State& state, const char* text) {
  vramplan::Scenario scenario;
  if (!parse(state, text, &scenario)) return;
  scenario.dataset.samples = 100000;
  scenario.dataset.epochs = 2;
  if (!vramplan::estimate_scenario(scenario).ok()) {
    state.SkipWithError("the estimate fails");
    return;
  }
  for (auto _ : state) {
    auto result = vramplan::estimate_scenario(scenario);
    auto timing = vramplan::scenario_time(scenario, result.value());
    benchmark::DoNotOptimize(result);
    benchmark::DoNotOptimize(timing);
  }
}

void BM_EstimateWithTimeTrain(benchmark::State& state) { estimate_with_time_of(state, kTrainScenario); }
void BM_EstimateWithTimeInference(benchmark::State& state) { estimate_with_time_of(state, kInferenceScenario); }
void BM_EstimateWithTimeRl(benchmark::State& state) { estimate_with_time_of(state, kRlScenario); }

// A full recommendation: every catalog GPU, min GPUs, the largest batch that fits, suggestions.
void BM_RecommendTrain(benchmark::State& state) {
  vramplan::Scenario scenario;
  if (!parse(state, kTrainScenario, &scenario)) return;
  {
    auto probe = vramplan::recommend(scenario, catalog());
    if (!probe.ok()) {
      state.SkipWithError(probe.error().line().c_str());
      return;
    }
  }
  for (auto _ : state) {
    auto result = vramplan::recommend(scenario, catalog());
    benchmark::DoNotOptimize(result);
  }
}

// Exact parameter counts of every catalog model.
void BM_ParamsWholeCatalog(benchmark::State& state) {
  if (!vramplan::load_catalog().ok()) {
    state.SkipWithError("the embedded catalog does not load");
    return;
  }
  // The catalog parses its entries on first use (ModelCatalog): parse them all before timing.
  auto every = catalog().models.every_entry();
  if (!every.ok()) {
    state.SkipWithError(every.error().line().c_str());
    return;
  }
  const std::vector<const vramplan::CatalogModel*>& models = every.value();
  for (auto _ : state) {
    std::int64_t sum = 0;
    for (const vramplan::CatalogModel* m : models) {
      auto counts = vramplan::count_params(m->config);
      if (counts.ok()) sum += counts->total;
    }
    benchmark::DoNotOptimize(sum);
  }
  state.counters["models"] = static_cast<double>(models.size());
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(models.size()));
}

// The JSON API path: api::estimate on a Json scenario (scenario validation + estimate + result
// document), the work the CLI's --json and the wasm module do per call, less text (de)serialisation.
void api_estimate_of(benchmark::State& state, const char* text) {
  auto doc = vramplan::api::parse_json_text(text);
  if (!doc.ok()) {
    state.SkipWithError(doc.error().line().c_str());
    return;
  }
  const Json scenario = doc.value();
  {
    auto probe = vramplan::api::estimate(scenario);
    if (!probe.ok()) {
      state.SkipWithError(probe.error().line().c_str());
      return;
    }
  }
  for (auto _ : state) {
    auto result = vramplan::api::estimate(scenario);
    benchmark::DoNotOptimize(result);
  }
}

void BM_ApiEstimateTrain(benchmark::State& state) { api_estimate_of(state, kTrainScenario); }
void BM_ApiEstimateInference(benchmark::State& state) { api_estimate_of(state, kInferenceScenario); }
void BM_ApiEstimateRl(benchmark::State& state) { api_estimate_of(state, kRlScenario); }

// The wasm module's whole path before the speed work, natively: text in, parse, api::estimate,
// nlohmann dump out (BM_ModuleEstimate*Text below is what the module does now).
void BM_ApiEstimateTrainText(benchmark::State& state) {
  const std::string text = kTrainScenario;
  for (auto _ : state) {
    auto doc = vramplan::api::parse_json_text(text);
    if (!doc.ok()) {
      state.SkipWithError(doc.error().line().c_str());
      return;
    }
    auto result = vramplan::api::estimate(doc.value());
    if (!result.ok()) {
      state.SkipWithError(result.error().line().c_str());
      return;
    }
    std::string out = result->dump();
    benchmark::DoNotOptimize(out);
  }
}

// What the WebAssembly module's estimate does per call (wasm/bindings.cpp estimate()), natively:
// parse the text, then the estimate's text written straight into the envelope by
// api::append_estimate_text (no Json document). Gives the same text as {"ok":true,"value":api::estimate(...)}
// dumped by nlohmann (tests/unit/api/test_api_text.cpp).
void module_estimate_of(benchmark::State& state, const char* text_in) {
  const std::string text = text_in;
  for (auto _ : state) {
    auto doc = vramplan::api::parse_json_text(text);
    if (!doc.ok()) {
      state.SkipWithError(doc.error().line().c_str());
      return;
    }
    std::string out;
    out.reserve(32768);
    out += R"({"ok":true,"value":)";
    if (const auto error = vramplan::api::append_estimate_text(out, doc.value())) {
      state.SkipWithError(error->line().c_str());
      return;
    }
    out += '}';
    benchmark::DoNotOptimize(out);
  }
}

void BM_ModuleEstimateTrainText(benchmark::State& state) { module_estimate_of(state, kTrainScenario); }
void BM_ModuleEstimateInferenceText(benchmark::State& state) { module_estimate_of(state, kInferenceScenario); }
void BM_ModuleEstimateRlText(benchmark::State& state) { module_estimate_of(state, kRlScenario); }

// The stages of that path on the train scenario, one by one.
void BM_StageParseText(benchmark::State& state) {
  const std::string text = kTrainScenario;
  for (auto _ : state) {
    auto doc = vramplan::api::parse_json_text(text);
    benchmark::DoNotOptimize(doc);
  }
}

void BM_StageParseScenario(benchmark::State& state) {
  auto doc = vramplan::api::parse_json_text(kTrainScenario);
  if (!doc.ok() || !vramplan::load_catalog().ok()) {
    state.SkipWithError("the scenario or the catalog does not load");
    return;
  }
  for (auto _ : state) {
    auto scenario = vramplan::parse_scenario(doc.value(), catalog());
    benchmark::DoNotOptimize(scenario);
  }
}

void BM_StageResultDocument(benchmark::State& state) {  // parse_scenario + estimate + the result Json
  auto doc = vramplan::api::parse_json_text(kTrainScenario);
  if (!doc.ok()) {
    state.SkipWithError(doc.error().line().c_str());
    return;
  }
  for (auto _ : state) {
    auto result = vramplan::api::estimate_without_constants(doc.value());
    benchmark::DoNotOptimize(result);
  }
}

// The result without "constants" as text: api::to_text against nlohmann's dump.
void text_of(benchmark::State& state, bool nlohmann) {
  auto doc = vramplan::api::parse_json_text(kTrainScenario);
  auto result = doc.ok() ? vramplan::api::estimate_without_constants(doc.value()) : vramplan::Expected<Json>(doc.error());
  if (!result.ok()) {
    state.SkipWithError(result.error().line().c_str());
    return;
  }
  const Json& value = result.value();
  for (auto _ : state) {
    std::string out = nlohmann ? value.dump(-1, ' ', false, Json::error_handler_t::replace) : vramplan::api::to_text(value);
    benchmark::DoNotOptimize(out);
  }
}

void BM_StageToText(benchmark::State& state) { text_of(state, false); }
void BM_StageNlohmannDump(benchmark::State& state) { text_of(state, true); }

void BM_ApiRecommendTrain(benchmark::State& state) {
  auto doc = vramplan::api::parse_json_text(kTrainScenario);
  if (!doc.ok()) {
    state.SkipWithError(doc.error().line().c_str());
    return;
  }
  const Json scenario = doc.value();
  for (auto _ : state) {
    auto result = vramplan::api::recommend(scenario);
    if (!result.ok()) {
      state.SkipWithError(result.error().line().c_str());
      return;
    }
    benchmark::DoNotOptimize(result);
  }
}

}  // namespace

BENCHMARK(BM_EstimateTrain)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_EstimateInference)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_EstimateRl)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_EstimateWithTimeTrain)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_EstimateWithTimeInference)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_EstimateWithTimeRl)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RecommendTrain)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParamsWholeCatalog)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ApiEstimateTrain)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ApiEstimateInference)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ApiEstimateRl)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ApiEstimateTrainText)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ModuleEstimateTrainText)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ModuleEstimateInferenceText)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ModuleEstimateRlText)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_StageParseText)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_StageParseScenario)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_StageResultDocument)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_StageToText)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_StageNlohmannDump)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ApiRecommendTrain)->Unit(benchmark::kMillisecond);
