// Expert parallelism (train.ep / train.etp / inference.ep): per-GPU model states against Megatron-Bridge's
// estimator on the same layouts, FSDP gathering only the local experts, the dispatch buffers, vLLM EP.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "vramplan/api.hpp"
#include "vramplan/scenario.hpp"
#include "estimate_test_support.hpp"

using namespace vramplan;
using namespace vramplan::estimate_test;

namespace {

Json params(const char* id) {
  auto r = api::params_from_catalog_id(id);
  REQUIRE(r.ok());
  return r.value();
}

struct Layout {
  double gpus, tp, pp, cp, ep, etp;
};

// Megatron-Bridge src/megatron/bridge/training/utils/theoretical_memory_utils.py (estimate_training_memory,
// Megatron-LM PR #4687): with the distributed optimizer a parameter costs 6 + 12 / shard bytes (bf16 weight
// + fp32 main grad, then fp32 master + two Adam states sharded); dense parameters / (tp x pp) with shard
// dp x cp, routed experts / (pp x ep x etp) with shard dp x tp x cp / (ep x etp) (_expert_optimizer_shard_size).
// vramplan's mixed-bf16 keeps 16-bit gradients (Megatron's default main grads are fp32), so the gradient's
// bytes are a parameter here: the divisors and the buckets are what is compared.
double megatron_model_states(double dense, double routed, const Layout& l, double grad_bytes) {
  const double dp = l.gpus / (l.tp * l.pp * l.cp);
  const double edp = dp * l.tp * l.cp / (l.ep * l.etp);
  const double dense_per_gpu = dense / (l.tp * l.pp);
  const double routed_per_gpu = routed / (l.pp * l.ep * l.etp);
  return dense_per_gpu * (2 + grad_bytes + 12 / (dp * l.cp)) + routed_per_gpu * (2 + grad_bytes + 12 / edp);
}

std::string megatron_scenario(const char* model, const Layout& l) {
  char buffer[512];
  std::snprintf(buffer, sizeof buffer,
                R"({"model": "%s", "gpus": %.0f, "train": {"precision": "mixed-bf16", "optimizer": "adamw",
                "sharding": "zero1", "tp": %.0f, "pp": %.0f, "cp": %.0f, "ep": %.0f, "etp": %.0f,
                "gradient_checkpointing": true}})",
                model, l.gpus, l.tp, l.pp, l.cp, l.ep, l.etp);
  return buffer;
}

double model_states(const Json& r) {
  return component(r, "weights") + component(r, "gradients") + component(r, "master_weights") +
         component(r, "optimizer");
}

void check_against_megatron(const char* model, const Layout& l) {
  const Json p = params(model);
  const double routed = p["routed_experts"].get<double>();
  const double dense = p["total"].get<double>() - routed;
  REQUIRE(routed > 0);
  const Json r = run(megatron_scenario(model, l));
  CHECK(model_states(r) == doctest::Approx(megatron_model_states(dense, routed, l, 2)).epsilon(1e-9));
  // The old formula (everything / tp) under-counts the experts whenever ep x etp != tp.
  const double dp = l.gpus / (l.tp * l.pp * l.cp);
  const double all_over_tp = (dense + routed) / (l.tp * l.pp) * (4 + 12 / (dp * l.cp));
  if (l.ep * l.etp != l.tp) CHECK(std::fabs(model_states(r) - all_over_tp) > 0.01 * all_over_tp);
}

}  // namespace

TEST_CASE("routed experts counted apart: DeepSeek-V3 and Qwen3-30B-A3B") {
  // DeepSeek-V3: 58 MoE layers x 256 experts x 3 x 7168 x 2048; Qwen3-30B-A3B: 48 x 128 x 3 x 2048 x 768.
  CHECK(params("deepseek-ai/DeepSeek-V3")["routed_experts"] == 58LL * 256 * 3 * 7168 * 2048);
  CHECK(params("deepseek-ai/DeepSeek-V3")["routed_experts_per_layer"] == 256LL * 3 * 7168 * 2048);
  CHECK(params("Qwen/Qwen3-30B-A3B")["routed_experts"] == 48LL * 128 * 3 * 2048 * 768);
  CHECK(params("Qwen/Qwen2.5-7B-Instruct")["routed_experts"] == 0);
}

TEST_CASE("model states per GPU as Megatron-Bridge's estimator divides them (ETP x EP != TP)") {
  check_against_megatron("deepseek-ai/DeepSeek-V3", {256, 2, 1, 1, 64, 1});
  check_against_megatron("deepseek-ai/DeepSeek-V3", {256, 1, 1, 2, 32, 1});
  check_against_megatron("Qwen/Qwen3-30B-A3B", {16, 2, 1, 1, 8, 1});
  check_against_megatron("Qwen/Qwen3-30B-A3B", {32, 4, 1, 1, 4, 2});
}

TEST_CASE("without ep and etp the numbers are those of the dense rule") {
  const std::string base = R"({"model": "Qwen/Qwen3-30B-A3B", "gpus": 8, "train": {"precision": "mixed-bf16",
    "sharding": "fsdp", "tp": 2, "gradient_checkpointing": true)";
  const Json implicit = run(base + "}}");
  const Json explicit_layout = run(base + R"(, "ep": 1, "etp": 2}})");
  CHECK(implicit["per_gpu"]["device_bytes"] == explicit_layout["per_gpu"]["device_bytes"]);
  const double total = params("Qwen/Qwen3-30B-A3B")["total"].get<double>();
  CHECK(component(implicit, "weights") == doctest::Approx(total * 2 / 2 / 4));
  auto parsed = api::scenario_from_json(Json::parse(base + R"(, "ep": 4}})"));
  REQUIRE(parsed.ok());
  const Json echo = scenario_to_json(parsed.value());
  CHECK(echo["train"]["ep"] == 4);
  CHECK(echo["train"]["etp"].is_null());
  CHECK(echo["inference"]["ep"] == 1);
}

TEST_CASE("DeepSeek-V3 on 256 H100s with FSDP: a gathered block holds the local experts only") {
  const std::string base = R"({"model": "deepseek-ai/DeepSeek-V3", "gpu": "H100-SXM-80GB", "gpus": 256,
    "train": {"precision": "mixed-bf16", "sharding": "fsdp", "seq_len": 4096, "gradient_checkpointing": true,
    "gradient_accumulation_steps": 8)";
  const Json p = params("deepseek-ai/DeepSeek-V3");
  const double block = p["per_layer"].get<double>();
  const double routed_layer = p["routed_experts_per_layer"].get<double>();
  const Json without = run(base + "}}");
  // FSDP's root unit (embeddings + the untied lm_head) stays unsharded from forward to backward with its
  // 2 B gradient, beside 2 gathered blocks x 2 B + one block's 2 B gradient, all 256 experts.
  const double root = p["embedding"].get<double>();
  CHECK(root == doctest::Approx(2.0 * 129280 * 7168));
  CHECK(component(without, "gathered_params") == doctest::Approx(root * (2 + 2) + block * (2 * 2 + 2)));
  CHECK(without["fit"]["fits"] == false);
  CHECK(has_warning(without, "without expert parallelism gathers every MoE block with all 256"));

  const Json with = run(base + R"(, "ep": 64}})");
  // The block shrinks to its dense part + 4 local experts; the root unit is unchanged.
  const double local_block = block - routed_layer + routed_layer / 64;
  CHECK(component(with, "gathered_params") == doctest::Approx(root * (2 + 2) + local_block * (2 * 2 + 2)));
  // FSDP shards everything over all 256 ranks either way: ep moves the experts, not the total.
  CHECK(component(with, "weights") == doctest::Approx(component(without, "weights")));
  // All-to-all: 2 buffers x 4096 tokens x top-8 x 7168 x 2 B.
  CHECK(component(with, "moe_dispatch") == doctest::Approx(2.0 * 4096 * 8 * 7168 * 2));
  CHECK(with["fit"]["fits"] == true);
  CHECK_FALSE(has_warning(with, "without expert parallelism"));
}

TEST_CASE("vLLM expert parallelism: whole experts per GPU instead of a tp slice of each") {
  const Json p = params("Qwen/Qwen3-30B-A3B");
  const double total = p["total"].get<double>();
  const double routed = p["routed_experts"].get<double>();
  const std::string base = R"({"model": "Qwen/Qwen3-30B-A3B", "workload": "inference", "gpus": 4,
    "inference": {"engine": "vllm", "tp": 4)";
  // vLLM's routers (ReplicatedLinear gate, 48 layers x 2048 x 128 experts at 2 B) are whole on every rank.
  const double routers = 48.0 * 2048 * 128 * 2 * (1 - 1.0 / 4);
  const Json tp_only = run(base + "}}");
  CHECK(component(tp_only, "weights") == doctest::Approx(total * 2 / 4 + routers));
  const Json ep = run(base + R"(, "ep": 4}})");
  CHECK(component(ep, "weights") == doctest::Approx((total - routed) * 2 / 4 + routed * 2 / 4 + routers));
  // 128 experts over ep 3: the most loaded rank holds ceil(128 / 3) = 43.
  const Json uneven = run(R"({"model": "Qwen/Qwen3-30B-A3B", "workload": "inference", "gpus": 3,
    "inference": {"engine": "vllm", "tp": 1, "ep": 3}})");
  CHECK(component(uneven, "weights") == doctest::Approx((total - routed) * 2 + routed * 2 * 43 / 128));
}

TEST_CASE("expert-parallel layouts that cannot run are errors with pointers; ep on a dense model warns") {
  CHECK(error_line(R"({"model": "Qwen/Qwen3-30B-A3B", "gpus": 8, "train": {"ep": 3}})").find("/train/ep:") != std::string::npos);
  CHECK(error_line(R"({"model": "Qwen/Qwen3-30B-A3B", "gpus": 8, "train": {"ep": 0}})").find("/train/ep:") != std::string::npos);
  CHECK(error_line(R"({"model": "Qwen/Qwen3-30B-A3B", "gpus": 8, "train": {"etp": 2000}})").find("/train/etp:") != std::string::npos);
  CHECK(error_line(R"({"model": "Qwen/Qwen3-30B-A3B", "workload": "inference", "gpus": 2, "inference": {"ep": 4}})")
            .find("/inference/ep:") != std::string::npos);
  const Json dense = run(R"({"model": "Qwen/Qwen2.5-7B-Instruct", "gpus": 2, "train": {"ep": 2}})");
  CHECK(has_warning(dense, "train.ep has no effect"));
}
