// The peak's uncertainty band (docs/memory-model.md "Uncertainty band") and the `tight` verdict it gives.
#include <doctest/doctest.h>

#include "rl_test_support.hpp"
#include "vramplan/memory.hpp"

#include <algorithm>
#include <string>

using namespace vramplan;
using rl_test::catalog;
using rl_test::component;

namespace {

ScenarioEstimate run(const char* text) { return rl_test::run(rl_test::scenario(text)); }

// A line's bytes, 0 when the breakdown has none.
double line(const Breakdown& b, const char* id) { return std::max(0.0, component(b, id)); }

}  // namespace

TEST_CASE("band: each line at its kind's ends (parameters, activations, logits, allocator, context)") {
  using namespace memory;
  const ScenarioEstimate e = run(R"({"model": "Qwen/Qwen2.5-7B-Instruct", "train": {"micro_batch_size": 4, "seq_len": 1024,
      "gradient_accumulation_steps": 2}})");
  const Breakdown& b = e.peak;
  const double device = b.device_bytes;
  const double params = line(b, "weights") + line(b, "gradients") + line(b, "optimizer") + line(b, "master_weights");
  const double activations = line(b, "activations") + line(b, "optimizer_step") + line(b, "autocast_cache");
  const double logits = line(b, "logits");
  const double allocator = line(b, "allocator");
  REQUIRE(line(b, "cuda_context") == doctest::Approx(kCudaContextBytes));  // one GPU: no NCCL
  REQUIRE(params > 0);
  REQUIRE(activations + logits > 0);
  REQUIRE(allocator > 0);
  CHECK(e.band.expected_bytes == device);
  // By hand from the named fractions: parameters -3.5% / +2%, activations -54% / +23%, logits -33% / +2%,
  // the cache 5% / 85% of the transient memory (the line is 10% of it), the context 287,047,680 B / 1343 MiB.
  const double low = device - 0.035 * params - 0.54 * activations - 0.33 * logits - allocator * 0.5 -
                     (0.5 * kGiB - 287047680.0);
  const double high = device + 0.02 * params + 0.23 * activations + 0.02 * logits + allocator * 7.5 +
                      (1343.0 * 1024 * 1024 - 0.5 * kGiB);
  CHECK(e.band.low_bytes == doctest::Approx(low));
  CHECK(e.band.high_bytes == doctest::Approx(high));
}

TEST_CASE("band: a KV cache is spread as activations under HF generate, not as a vLLM engine's pool") {
  Breakdown b;
  b.components = {Component{"kv_cache", "KV cache", 10.0 * memory::kGiB, "", Level::step},
                  Component{"policy.logits", "Logits", 4.0 * memory::kGiB, "", Level::transient}};
  b.device_bytes = 14.0 * memory::kGiB;
  const PeakBand hf = peak_band(b, false, true, false);
  CHECK(hf.high_bytes == doctest::Approx(b.device_bytes + (memory::kBandActivationsHighFraction * 10.0 +
                                                           memory::kBandLogitsHighFraction * 4.0) * memory::kGiB));
  CHECK(hf.low_bytes ==
        doctest::Approx(b.device_bytes - (memory::kBandActivationsLowFraction * 10.0 + memory::kBandLogitsLowFraction * 4.0) * memory::kGiB));
  const PeakBand pool = peak_band(b, false, true, true);
  // The pool fills the budget whatever its error: only the logits spread the high end.
  CHECK(pool.high_bytes == doctest::Approx(b.device_bytes + memory::kBandLogitsHighFraction * 4.0 * memory::kGiB));
  CHECK(pool.low_bytes == doctest::Approx(b.device_bytes - memory::kBandLogitsLowFraction * 4.0 * memory::kGiB));
}

TEST_CASE("band constants: ordered around the estimate, and listed with their derivation") {
  using namespace memory;
  for (double f : {kBandParamsLowFraction, kBandParamsHighFraction, kBandActivationsLowFraction,
                   kBandActivationsHighFraction, kBandLogitsLowFraction, kBandLogitsHighFraction}) {
    CHECK(f > 0);
    CHECK(f < 1);
  }
  CHECK(kBandAllocatorLowFraction < kAllocatorTransientFraction);
  CHECK(kBandAllocatorHighFraction > kAllocatorTransientFraction);
  for (const char* name : {"kBandParamsLowFraction", "kBandParamsHighFraction", "kBandActivationsLowFraction",
                           "kBandActivationsHighFraction", "kBandLogitsLowFraction", "kBandLogitsHighFraction",
                           "kBandAllocatorLowFraction", "kBandAllocatorHighFraction"}) {
    CAPTURE(name);
    bool listed = false;
    for (const ConstantInfo& c : memory_constants()) listed = listed || std::string(c.name) == name;
    CHECK(listed);
  }
}

TEST_CASE("band: NCCL buffers stay at both ends; a vLLM server's band is its budget") {
  const ScenarioEstimate sharded = run(
      R"({"model": "Qwen/Qwen2.5-7B-Instruct", "gpus": 8, "train": {"sharding": "fsdp", "micro_batch_size": 1, "seq_len": 512}})");
  const double context = component(sharded.peak, "cuda_context");
  REQUIRE(context == doctest::Approx(memory::kCudaContextBytes + memory::kNcclBytes));
  const memory::Range r = memory::cuda_context_range(context);
  CHECK(r.low == doctest::Approx(memory::kCudaContextLazyLowBytes + memory::kNcclBytes));
  CHECK(r.high == doctest::Approx(memory::kCudaContextEagerBytes + memory::kNcclBytes));
  const ScenarioEstimate served = run(R"({"model": "meta-llama/Llama-3.1-8B-Instruct", "workload": "inference",
      "gpu": "H100-SXM-80GB", "inference": {"engine": "vllm", "batch_size": 8, "context_len": 4096}})");
  CHECK(served.band.low_bytes == served.peak.device_bytes);
  CHECK(served.band.high_bytes == served.peak.device_bytes);
}

TEST_CASE("verdict: fits by the band's high end, no by its low end, tight in between (issue 20)") {
  auto s = parse_scenario(Json::parse(R"({"model": "Qwen/Qwen2.5-0.5B", "gpu": "RTX-3080-10GB"})"), catalog());
  REQUIRE(s.ok());
  const GpuSpec& gpu = *s->gpu;
  const double capacity = static_cast<double>(gpu.memory_bytes);
  ScenarioEstimate e;
  e.peak.device_bytes = 0.8 * capacity;  // 20% headroom: `fits` on the estimate alone
  e.band = {0.7 * capacity, 0.8 * capacity, 0.85 * capacity};
  CHECK(assess_fit(e, s.value(), gpu).verdict == Verdict::fits);
  e.band.high_bytes = 1.05 * capacity;
  CHECK(assess_fit(e, s.value(), gpu).verdict == Verdict::tight);
  // The estimate exceeds the GPU, the band's low end does not: tight with a negative headroom, no reason.
  e.peak.device_bytes = e.band.expected_bytes = 1.01 * capacity;
  const Fit over = assess_fit(e, s.value(), gpu);
  CHECK(over.verdict == Verdict::tight);
  CHECK(over.fits());
  CHECK(over.headroom_bytes == doctest::Approx(-0.01 * capacity));
  CHECK(over.reason.empty());
  // The low end exactly at the GPU is not above it: still tight; just above: no, with the reason naming it.
  e.band.low_bytes = capacity;
  CHECK(assess_fit(e, s.value(), gpu).verdict == Verdict::tight);
  e.band.low_bytes = 1.001 * capacity;
  const Fit out = assess_fit(e, s.value(), gpu);
  CHECK(out.verdict == Verdict::no);
  CHECK_FALSE(out.fits());
  CHECK(out.headroom_bytes < 0);
  CHECK(out.reason.find("band's low end") != std::string::npos);
}

TEST_CASE("estimate --json carries peak_band with low <= expected <= high") {
  auto r = api::estimate(Json::parse(R"({"model": "Qwen/Qwen2.5-7B-Instruct", "gpu": "L4",
      "train": {"method": "qlora", "micro_batch_size": 2, "seq_len": 1024}})"));
  REQUIRE(r.ok());
  const Json& band = r->at("peak_band");
  const auto low = band.at("low_bytes").get<std::int64_t>();
  const auto expected = band.at("expected_bytes").get<std::int64_t>();
  const auto high = band.at("high_bytes").get<std::int64_t>();
  CHECK(low < expected);
  CHECK(expected < high);
  CHECK(expected == r->at("per_gpu").at("device_bytes").get<std::int64_t>());
}

TEST_CASE("cuda_module_loading eager: the context is kCudaContextEagerBytes, known, so not spread") {
  const char* lazy = R"({"model": "google-bert/bert-base-uncased", "gpu": "V100-SXM2-16GB",
      "train": {"precision": "fp32", "micro_batch_size": 1, "seq_len": 512, "attention": "eager"}})";
  Json eager_doc = Json::parse(lazy);
  eager_doc["cuda_module_loading"] = "eager";
  const ScenarioEstimate l = run(lazy);
  const ScenarioEstimate e = rl_test::run(rl_test::scenario(eager_doc.dump()));
  const double more = memory::kCudaContextEagerBytes - memory::kCudaContextBytes;
  CHECK(e.peak.device_bytes == doctest::Approx(l.peak.device_bytes + more));
  CHECK(component(e.peak, "cuda_context") == doctest::Approx(memory::kCudaContextEagerBytes));
  // Known context: the high end spreads the modelled lines and the cache only (the 85% / 10% cache).
  const Breakdown& p = e.peak;
  const double params = line(p, "weights") + line(p, "gradients") + line(p, "optimizer") + line(p, "master_weights");
  const double acts = line(p, "activations") + line(p, "optimizer_step") + line(p, "autocast_cache");
  CHECK(e.band.high_bytes - e.band.expected_bytes ==
        doctest::Approx(0.02 * params + 0.23 * acts + 0.02 * line(p, "logits") + line(p, "allocator") * 7.5));
  // The canonical echo keeps it; a wrong value names the key.
  const Json echoed = scenario_to_json(rl_test::scenario(eager_doc.dump()));
  CHECK(echoed.at("cuda_module_loading") == "eager");
  CHECK(rl_test::scenario(echoed.dump()).cuda_module_loading == ModuleLoading::eager);
  eager_doc["cuda_module_loading"] = "sometimes";
  auto bad = api::estimate(eager_doc);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().pointer == "/cuda_module_loading");
  // A vLLM server is left as it is.
  const char* served = R"({"model": "meta-llama/Llama-3.1-8B-Instruct", "workload": "inference", "gpu": "H100-SXM-80GB",
      "inference": {"engine": "vllm", "batch_size": 8, "context_len": 4096}})";
  Json served_eager = Json::parse(served);
  served_eager["cuda_module_loading"] = "eager";
  CHECK(rl_test::run(rl_test::scenario(served_eager.dump())).peak.device_bytes == run(served).peak.device_bytes);
}
