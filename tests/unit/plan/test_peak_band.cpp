// The peak's uncertainty band (docs/memory-model.md "Uncertainty band") and the `tight` verdict it gives.
#include <doctest/doctest.h>

#include "rl_test_support.hpp"
#include "vramplan/memory.hpp"

using namespace vramplan;
using rl_test::catalog;
using rl_test::component;

namespace {

ScenarioEstimate run(const char* text) { return rl_test::run(rl_test::scenario(text)); }

}  // namespace

TEST_CASE("band: the context at lazy / eager loading and the allocator cache at 0 / kAllocatorHighFraction") {
  using namespace memory;
  const ScenarioEstimate e = run(R"({"model": "Qwen/Qwen2.5-7B-Instruct", "train": {"micro_batch_size": 4, "seq_len": 1024}})");
  const double device = e.peak.device_bytes;
  const double context = component(e.peak, "cuda_context");
  const double allocator = component(e.peak, "allocator");
  REQUIRE(context == doctest::Approx(kCudaContextBytes));  // one GPU: no NCCL
  REQUIRE(allocator > 0);
  CHECK(e.band.expected_bytes == device);
  // By hand: 287,047,680 B instead of 0.5 GiB and no cache; 1343 MiB and 2.4x the 10% cache.
  CHECK(e.band.low_bytes == doctest::Approx(device - (0.5 * kGiB - 287047680.0) - allocator));
  CHECK(e.band.high_bytes == doctest::Approx(device + (1343.0 * 1024 * 1024 - 0.5 * kGiB) + allocator * 1.4));
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

TEST_CASE("verdict: tight when the band's high end exceeds the GPU, no only when the estimate does") {
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
  e.peak.device_bytes = 1.01 * capacity;  // the estimate exceeds the GPU, the low end does not: still no
  const Fit over = assess_fit(e, s.value(), gpu);
  CHECK(over.verdict == Verdict::no);
  CHECK(over.headroom_bytes < 0);
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
  CHECK(e.band.high_bytes - e.band.expected_bytes == doctest::Approx(component(e.peak, "allocator") * 1.4));
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
