// Run totals of the time model (docs/time-model.md "Run totals"), each against a hand computation: steps
// from the dataset or rl.steps, run_seconds = steps x step_seconds, gpu_hours = run x GPUs / 3600,
// cost_usd = gpu_hours x the catalog's price; the NVLink collective of an FSDP step; the utilisation
// keys (train.mfu, inference.mfu, inference.decode_efficiency) and the new keys' errors and warnings.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "vramplan/api.hpp"
#include "vramplan/catalog.hpp"
#include "vramplan/params.hpp"
#include "vramplan/scenario.hpp"

using vramplan::Json;
namespace api = vramplan::api;

namespace {

const char* const kModel = "Qwen/Qwen2.5-7B-Instruct";
constexpr double kH100Peak = 989.4e12;  // data/gpus.json H100-SXM-80GB bf16 dense
constexpr double kH100Price = 3.49;     // data/gpus.json H100-SXM-80GB price.usd_per_gpu_hour

struct Counts {
  double n = 0;      // matmul parameters: active - embedding + the LM head
  double total = 0;  // every parameter (what FSDP gathers)
  double attn = 0;   // 12 L h per token of sequence
};

Counts counts() {
  const vramplan::Catalog* catalog = vramplan::load_catalog().value();
  const auto* model = vramplan::find_model(*catalog, kModel);
  const auto p = vramplan::count_params(model->config).value();
  const auto& t = model->config.text;
  return {static_cast<double>(p.active - p.embedding) +
              static_cast<double>(model->config.vocab_size) * static_cast<double>(t.hidden_size),
          static_cast<double>(p.total), 12.0 * static_cast<double>(t.layers) * static_cast<double>(t.num_heads * t.head_dim)};
}

Json train(int gpus, int mbs) {
  return Json{{"model", kModel},
              {"workload", "train"},
              {"gpu", "H100-SXM-80GB"},
              {"gpus", gpus},
              {"train", {{"micro_batch_size", mbs}, {"seq_len", 2048}, {"mfu", 0.5}, {"sharding", gpus > 1 ? "fsdp" : "none"}}}};
}

Json time_of(const Json& scenario) {
  auto r = api::estimate(scenario);
  REQUIRE(r.ok());
  return r.value().at("time");
}

double value(const Json& t, const char* key) { return t.at(key).at("value").get<double>(); }

bool has_text(const Json& list, const std::string& needle) {
  for (const Json& s : list) {
    if (s.get<std::string>().find(needle) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("train run totals by hand: 1000 samples x 2048 tokens, 3 epochs, train.mfu 0.5 on one H100") {
  Json s = train(1, 2);
  s["dataset"] = {{"samples", 1000}, {"epochs", 3}};
  const Json t = time_of(s);
  const Counts c = counts();
  // One step: 2 x 2048 tokens x (6N + 12 L h s) / (989.4 TFLOP/s x 0.5), no communication on one GPU,
  // plus one AdamW step under amp-bf16: 28 bytes per parameter over 3.35 TB/s x 0.70.
  const double opt = c.total * 28 / (3.35e12 * 0.7);
  CHECK(value(t, "optimizer_step_seconds") == doctest::Approx(opt));
  const double step = 4096 * (6 * c.n + c.attn * 2048) / (kH100Peak * 0.5) + opt;
  CHECK(value(t, "step_seconds") == doctest::Approx(step));
  // 1000 x 2048 / 4096 = 500 steps per epoch, 1500 in the run.
  CHECK(value(t, "steps") == 1500);
  CHECK(value(t, "epoch_seconds") == doctest::Approx(500 * step));
  CHECK(value(t, "run_seconds") == doctest::Approx(1500 * step));
  CHECK(value(t, "gpu_hours") == doctest::Approx(1500 * step / 3600));
  CHECK(value(t, "cost_usd") == doctest::Approx(1500 * step / 3600 * kH100Price));
  // A given MFU has no band: value = low = high, said in the assumptions.
  CHECK(t.at("run_seconds").at("low").get<double>() == doctest::Approx(1500 * step));
  CHECK(t.at("run_seconds").at("high").get<double>() == doctest::Approx(1500 * step));
  CHECK(has_text(t.at("assumptions"), "train.mfu = 0.5 set by the scenario"));
  // $ per million tokens = 1 GPU x $3.49 / (4096 tokens / step x 3600) x 1e6.
  CHECK(value(t, "cost_per_million_tokens_usd") == doctest::Approx(kH100Price * step / 4096 / 3600 * 1e6));
}

TEST_CASE("train steps round up per epoch; fractional epochs round the run up") {
  Json s = train(1, 1);
  s["dataset"] = {{"tokens", 1000001}, {"epochs", 0.5}};
  const Json t = time_of(s);
  // ceil(1,000,001 / 2048) = 489 steps per epoch; ceil(489 x 0.5) = 245 in the run.
  CHECK(value(t, "steps") == 245);
  CHECK(value(t, "epoch_seconds") == doctest::Approx(489 * value(t, "step_seconds")));
  CHECK(value(t, "run_seconds") == doctest::Approx(245 * value(t, "step_seconds")));
  // Without a dataset there is no run: no steps, run_seconds, gpu_hours or cost_usd.
  const Json plain = time_of(train(1, 1));
  for (const char* key : {"steps", "epoch_seconds", "run_seconds", "gpu_hours", "cost_usd"}) CHECK_FALSE(plain.contains(key));
  CHECK(plain.contains("cost_per_million_tokens_usd"));
}

TEST_CASE("RL run: rl.steps, else floor(prompts / prompts_per_step) per epoch; GPU-hours count every GPU") {
  Json s{{"model", kModel}, {"workload", "rl"}, {"gpu", "H100-SXM-80GB"}, {"gpus", 8}, {"rl", {{"steps", 100}}}};
  const Json t = time_of(s);
  const double step = value(t, "step_seconds");
  CHECK(value(t, "steps") == 100);
  CHECK(value(t, "run_seconds") == doctest::Approx(100 * step));
  CHECK(value(t, "gpu_hours") == doctest::Approx(100 * step * 8 / 3600));
  CHECK(value(t, "cost_usd") == doctest::Approx(100 * step * 8 / 3600 * kH100Price));
  CHECK_FALSE(t.contains("epoch_seconds"));
  // 1000 prompts / 32 per step = 31 steps (the last partial batch dropped, verl drop_last=True) x 2 epochs.
  s["rl"] = Json::object();
  s["dataset"] = {{"samples", 1000}, {"epochs", 2}};
  const Json d = time_of(s);
  CHECK(value(d, "steps") == 62);
  CHECK(value(d, "epoch_seconds") == doctest::Approx(31 * step));
  // Both: rl.steps wins and the dataset's samples get a warning.
  s["rl"] = {{"steps", 100}};
  auto both = api::estimate(s);
  REQUIRE(both.ok());
  CHECK(value(both.value().at("time"), "steps") == 100);
  CHECK(has_text(both.value().at("warnings"), "/dataset/samples is set but has no effect: rl.steps"));
}

TEST_CASE("a GPU without a catalog price: GPU-hours, no cost, and the output says so") {
  Json s = train(1, 1);
  s["gpu"] = "RTX-A6000";
  s["model"] = "Qwen/Qwen2.5-0.5B";
  s["dataset"] = {{"tokens", 1000000}};
  const Json t = time_of(s);
  CHECK(t.contains("gpu_hours"));
  CHECK_FALSE(t.contains("cost_usd"));
  CHECK_FALSE(t.contains("cost_per_million_tokens_usd"));
  CHECK(has_text(t.at("assumptions"), "no indicative price for RTX-A6000"));
}

TEST_CASE("FSDP on 8 H100 SXM: the collective runs over NVLink 4 at 450 GB/s (catalog), by hand") {
  const Counts c = counts();
  const Json t = time_of(train(8, 1));
  // Compute: 8 x 2048 tokens x (6N + 12 L h s) / (8 x 989.4 TFLOP/s x 0.5).
  // Compute plus one AdamW step over the GPU's 1/8 shard (28 bytes per parameter, memory bound).
  const double compute = 8 * 2048 * (6 * c.n + c.attn * 2048) / (8 * kH100Peak * 0.5) + c.total / 8 * 28 / (3.35e12 * 0.7);
  // FSDP: 2 all-gathers of the bf16 parameters + 1 reduce-scatter of bf16 gradients, ring (n-1)/n over
  // 450 GB/s at the NCCL efficiency 0.8; 80% of it can hide under compute.
  const double comm = 3 * c.total * 2 * 7.0 / 8.0 / (450e9 * 0.8);
  const double exposed = comm - std::min(0.8 * comm, compute);
  CHECK(value(t, "step_seconds") == doctest::Approx(compute + exposed));
  CHECK(has_text(t.at("assumptions"), "NVLink 4 (SXM), 450 GB/s per GPU"));
  CHECK(t.at("warnings").empty());
  // 16 GPUs span two nodes: the ring runs at the inter-node link, the constant or the cluster key.
  Json two = train(16, 1);
  const double comm16 = 3 * c.total * 2 * 15.0 / 16.0 / (50e9 * 0.8);
  const double compute16 = compute;  // tokens and GPUs both doubled
  CHECK(value(time_of(two), "step_seconds") == doctest::Approx(compute16 + comm16 - std::min(0.8 * comm16, compute16)));
  two["cluster"] = {{"inter_node_bytes_per_s", 100e9}};
  const double fast16 = 3 * c.total * 2 * 15.0 / 16.0 / (100e9 * 0.8);
  const Json fast = time_of(two);
  CHECK(value(fast, "step_seconds") == doctest::Approx(compute16 + fast16 - std::min(0.8 * fast16, compute16)));
  CHECK(has_text(fast.at("assumptions"), "cluster.inter_node_bytes_per_s"));
  // Within one node the key changes nothing, and the time says so.
  Json one = train(8, 1);
  one["cluster"] = {{"inter_node_bytes_per_s", 100e9}};
  const Json within = time_of(one);
  CHECK(value(within, "step_seconds") == doctest::Approx(compute + exposed));
  CHECK(has_text(within.at("warnings"), "cluster.inter_node_bytes_per_s has no effect"));
}

TEST_CASE("inference.mfu and inference.decode_efficiency replace the serving bands") {
  Json s{{"model", kModel}, {"workload", "inference"}, {"gpu", "H100-SXM-80GB"},
         {"inference", {{"engine", "vllm"}, {"batch_size", 1}, {"decode_efficiency", 0.8}, {"mfu", 0.6}}}};
  auto r = api::estimate(s);
  REQUIRE(r.ok());
  const Json& t = r.value().at("time");
  const double params = r.value().at("model").at("params").get<double>();
  const double kv = r.value().at("inference").at("kv_bytes_per_token").get<double>();
  const double tpot = (2 * params + kv * 3072) / (3.35e12 * 0.8);
  for (const char* end : {"value", "low", "high"}) {
    CHECK(t.at("time_per_output_token_seconds").at(end).get<double>() == doctest::Approx(tpot).epsilon(1e-6));
  }
  CHECK(t.at("utilisation").get<double>() == 0.8);
  CHECK(t.at("time_to_first_token_seconds").at("low").get<double>() ==
        doctest::Approx(t.at("time_to_first_token_seconds").at("high").get<double>()));
  CHECK(has_text(t.at("assumptions"), "inference.decode_efficiency = 0.8"));
}

TEST_CASE("time keys: ranges and JSON pointers; set-but-unused keys warn") {
  auto error_of = [](const Json& s) {
    auto r = api::estimate(s);
    REQUIRE_FALSE(r.ok());
    return r.error().pointer;
  };
  Json s{{"model", kModel}, {"gpu", "H100-SXM-80GB"}};
  Json bad = s;
  bad["train"] = {{"mfu", 0}};
  CHECK(error_of(bad) == "/train/mfu");
  bad["train"] = {{"mfu", 1.5}};
  CHECK(error_of(bad) == "/train/mfu");
  bad = s;
  bad["inference"] = {{"decode_efficiency", -1}};
  CHECK(error_of(bad) == "/inference/decode_efficiency");
  bad = s;
  bad["dataset"] = {{"tokens", 10}, {"samples", 10}};
  CHECK(error_of(bad) == "/dataset/samples");
  bad = s;
  bad["dataset"] = {{"epochs", 0}};
  CHECK(error_of(bad) == "/dataset/epochs");
  bad = s;
  bad["rl"] = {{"steps", 0}};
  CHECK(error_of(bad) == "/rl/steps");
  bad = s;
  bad["cluster"] = {{"inter_node_bytes_per_s", "fast"}};
  CHECK(error_of(bad) == "/cluster/inter_node_bytes_per_s");
  bad = s;
  bad["dataset"] = {{"rows", 10}};
  CHECK(error_of(bad) == "/dataset/rows");

  auto warnings_of = [](const Json& doc) {
    auto r = api::estimate(doc);
    REQUIRE(r.ok());
    return r.value().at("warnings");
  };
  Json serving = s;
  serving["workload"] = "inference";
  serving["dataset"] = {{"samples", 10}};
  CHECK(has_text(warnings_of(serving), "/dataset/samples is set but has no effect: workload \"inference\""));
  Json epochs_only = s;
  epochs_only["dataset"] = {{"epochs", 3}};
  CHECK(has_text(warnings_of(epochs_only), "/dataset/epochs is set but has no effect"));
  Json rl_tokens = s;
  rl_tokens["workload"] = "rl";
  rl_tokens["dataset"] = {{"tokens", 1000}};
  CHECK(has_text(warnings_of(rl_tokens), "/dataset/tokens is set but has no effect: workload \"rl\""));
  // Every new key is in the exported schema.
  auto schema = api::schema();
  REQUIRE(schema.ok());
  int found = 0;
  for (const Json& k : schema.value().at("keys")) {
    const std::string key = k.at("key").get<std::string>();
    for (const char* want : {"train.mfu", "inference.mfu", "inference.decode_efficiency", "rl.steps", "dataset.tokens",
                             "dataset.samples", "dataset.epochs", "cluster.inter_node_bytes_per_s"}) {
      if (key == want) ++found;
    }
  }
  CHECK(found == 8);
}
