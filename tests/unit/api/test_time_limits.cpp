// Physical limits of the time model over the whole GPU catalog: no training step faster than its
// matmul FLOPs at the GPU's dense peak (MFU 1), no decode step faster than reading the weights once at
// the GPU's full bandwidth, and never a NaN, infinity or negative time.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "vramplan/api.hpp"
#include "vramplan/catalog.hpp"
#include "vramplan/params.hpp"

using vramplan::Json;
namespace api = vramplan::api;

namespace {

const char* const kModel = "Qwen/Qwen2.5-7B-Instruct";

Json scenario(const std::string& gpu, const char* workload, const char* method, int gpus) {
  Json s = {{"model", kModel}, {"workload", workload}, {"gpu", gpu}, {"gpus", gpus}};
  if (std::string(workload) == "train") {
    s["train"] = {{"method", method}, {"micro_batch_size", 2}, {"seq_len", 2048},
                  {"gradient_checkpointing", true}, {"sharding", gpus > 1 ? "fsdp" : "none"}};
  } else if (std::string(workload) == "inference") {
    s["inference"] = {{"engine", method}, {"batch_size", 64}, {"context_len", 4096}};
  }
  return s;
}

// Every quantity of a "time" object is finite and positive, low <= value <= high for seconds.
void check_quantities(const Json& t) {
  // Named copies, not a structured binding: clang 14 cannot capture a binding in INFO's lambda.
  for (const auto& item : t.items()) {
    const std::string key = item.key();
    const Json& v = item.value();
    if (!v.is_object()) continue;
    INFO(key);
    for (const char* end : {"value", "low", "high"}) {
      const double x = v.at(end).get<double>();
      CHECK(std::isfinite(x));
      CHECK(x > 0);
    }
    // A communication-bound step does not depend on the MFU: its ends may be equal up to rounding.
    const double slack = 1 + 1e-12;
    if (key.find("seconds") != std::string::npos) {
      CHECK(v.at("low").get<double>() <= v.at("value").get<double>() * slack);
      CHECK(v.at("value").get<double>() <= v.at("high").get<double>() * slack);
    } else {
      CHECK(v.at("low").get<double>() <= v.at("high").get<double>() * slack);
    }
  }
}

}  // namespace

TEST_CASE("time physical limits over the GPU catalog") {
  const vramplan::Catalog* catalog = vramplan::load_catalog().value();
  const auto* model = vramplan::find_model(*catalog, kModel);
  REQUIRE(model != nullptr);
  const double non_embedding = static_cast<double>(vramplan::count_params(model->config).value().non_embedding);
  for (const vramplan::GpuSpec& g : catalog->gpus) {
    INFO(g.id);
    for (const char* method : {"full", "lora", "qlora"}) {
      for (int gpus : {1, 16}) {
        auto r = api::estimate(scenario(g.id, "train", method, gpus));
        if (!r.ok()) continue;  // a refused combination (e.g. qlora on a GPU without bf16) is not timed
        const Json& t = r.value().at("time");
        REQUIRE(t.at("available").get<bool>());
        check_quantities(t);
        // Lower bound: the frozen-base LoRA pass is 4N; full training 6N; tokens = 2 x 2048 x gpus.
        const double per_token = std::string(method) == "full" ? 6.0 * non_embedding : 4.0 * non_embedding;
        const double bound = per_token * 2 * 2048 * gpus / (gpus * g.bf16_dense_flops);
        CHECK(t.at("step_seconds").at("low").get<double>() >= bound);
      }
    }
    for (const char* engine : {"vllm", "hf"}) {
      auto r = api::estimate(scenario(g.id, "inference", engine, 1));
      if (!r.ok()) continue;
      const Json& t = r.value().at("time");
      check_quantities(t);
      // bf16 weights read once per decode step at the full HBM bandwidth.
      CHECK(t.at("time_per_output_token_seconds").at("low").get<double>() >=
            2.0 * non_embedding / g.bandwidth_bytes_per_s);
    }
    auto rl = api::estimate(Json{{"model", kModel}, {"workload", "rl"}, {"gpu", g.id}, {"gpus", 8}});
    if (rl.ok()) {
      check_quantities(rl.value().at("time"));
      for (const Json& phase : rl.value().at("phases")) {
        if (phase.at("time").is_null()) continue;
        CHECK(phase.at("time").at("seconds").at("value").get<double>() > 0);
      }
    }
  }
}

TEST_CASE("no GPU: time is unavailable with a warning, never a number") {
  auto r = api::estimate(Json{{"model", kModel}, {"workload", "train"}});
  REQUIRE(r.ok());
  const Json& t = r.value().at("time");
  CHECK_FALSE(t.at("available").get<bool>());
  CHECK_FALSE(t.contains("step_seconds"));
  CHECK(t.at("warnings").size() == 1);
}

TEST_CASE("training step on one H100 by hand: (6N + 12 L h s) x tokens / (peak x kMfuHopper)") {
  const vramplan::Catalog* catalog = vramplan::load_catalog().value();
  const auto* model = vramplan::find_model(*catalog, kModel);
  REQUIRE(model != nullptr);
  const auto p = vramplan::count_params(model->config).value();
  const auto& t = model->config.text;
  // Matmul parameters: active - embeddings + the LM head (vocab x hidden).
  const double n = static_cast<double>(p.active - p.embedding) +
                   static_cast<double>(model->config.vocab_size) * static_cast<double>(t.hidden_size);
  const double flops = 6 * n + 12.0 * static_cast<double>(t.layers) * static_cast<double>(t.num_heads * t.head_dim) * 2048;
  Json s = scenario("H100-SXM-80GB", "train", "full", 1);
  s["train"]["gradient_checkpointing"] = false;
  auto r = api::estimate(s);
  REQUIRE(r.ok());
  const Json& step = r.value().at("time").at("step_seconds");
  // Plus one AdamW step under amp-bf16 (fp32 weights, grads and two states: 4 + 2 x 8 + 2 x 4 = 28 bytes
  // per parameter) over the H100's 3.35 TB/s at kDecodeBandwidthEfficiency 0.70, the same at both ends.
  const double opt = static_cast<double>(p.total) * 28 / (3.35e12 * 0.70);
  CHECK(r.value().at("time").at("optimizer_step_seconds").at("value").get<double>() == doctest::Approx(opt));
  CHECK(step.at("value").get<double>() == doctest::Approx(flops * 4096 / (989.4e12 * 0.40) + opt));
  CHECK(step.at("low").get<double>() == doctest::Approx(flops * 4096 / (989.4e12 * 0.48) + opt));
  // Gradient checkpointing adds one forward, 8N + 16 L h s, at the checkpointed hardware rate: the band
  // x kCheckpointHfuGain 1.2 (llm-foundry HFU with / without checkpointing).
  s["train"]["gradient_checkpointing"] = true;
  auto gc = api::estimate(s);
  REQUIRE(gc.ok());
  CHECK(gc.value().at("time").at("step_seconds").at("value").get<double>() ==
        doctest::Approx(flops * 4 / 3 * 4096 / (989.4e12 * 0.40 * 1.2) + opt));
  CHECK(gc.value().at("time").at("step_seconds").at("high").get<double>() ==
        doctest::Approx(flops * 4 / 3 * 4096 / (989.4e12 * 0.30 * 1.2) + opt));
  // A train.mfu the scenario gives is the rate itself: no gain on top.
  s["train"]["mfu"] = 0.5;
  auto given = api::estimate(s);
  REQUIRE(given.ok());
  CHECK(given.value().at("time").at("step_seconds").at("value").get<double>() ==
        doctest::Approx(flops * 4 / 3 * 4096 / (989.4e12 * 0.5) + opt));
}

TEST_CASE("steady continuous batching: each decode step carries the other requests' prefills, by hand") {
  // batch 16 on vLLM: TPOT = decode step + 15 x (TTFT - step) / 4096 output tokens; hf has no such term.
  Json v = scenario("H100-SXM-80GB", "inference", "vllm", 1);
  v["inference"]["context_len"] = 8192;  // 4096 prompt tokens: a prefill far longer than a decode step
  v["inference"]["batch_size"] = 16;
  Json h = v;
  h["inference"]["engine"] = "hf";
  Json one = v;
  one["inference"]["batch_size"] = 1;
  auto rv = api::estimate(v), rh = api::estimate(h), r1 = api::estimate(one);
  REQUIRE(rv.ok());
  REQUIRE(rh.ok());
  REQUIRE(r1.ok());
  const Json& tv = rv.value().at("time");
  const double ttft = tv.at("time_to_first_token_seconds").at("value").get<double>();
  const double tpot = tv.at("time_per_output_token_seconds").at("value").get<double>();
  // Without the term, vLLM's step equals hf's (same batch: the pool holds 16 sequences of 8k on an H100).
  const double step = rh.value().at("time").at("time_per_output_token_seconds").at("value").get<double>();
  REQUIRE(ttft > step);
  CHECK(tpot == doctest::Approx(step + 15 * (ttft - step) / 4096));
  const double low = tv.at("time_per_output_token_seconds").at("low").get<double>();
  CHECK(low <= tpot);
  // A batch of one has no other request: the decode step alone.
  const Json& t1 = r1.value().at("time");
  CHECK(t1.at("time_per_output_token_seconds").at("formula").get<std::string>().find("TTFT") == std::string::npos);
  CHECK(tv.at("time_per_output_token_seconds").at("formula").get<std::string>().find("(B - 1)") != std::string::npos);
}

TEST_CASE("decode step by hand: a batch of one on vLLM reads the weights and its KV at the mean context") {
  Json s = scenario("H100-SXM-80GB", "inference", "vllm", 1);
  s["inference"]["batch_size"] = 1;
  auto r = api::estimate(s);
  REQUIRE(r.ok());
  const double params = r.value().at("model").at("params").get<double>();
  const double kv = r.value().at("inference").at("kv_bytes_per_token").get<double>();
  // (2 bytes x params + 1 x KV/token x (2048 + 1024)) / (3.35e12 x 0.70), memory bound at batch 1.
  const double expected = (2 * params + kv * 3072) / (3.35e12 * 0.70);
  CHECK(r.value().at("time").at("time_per_output_token_seconds").at("value").get<double>() ==
        doctest::Approx(expected).epsilon(1e-6));
}
