// FSDP1 initialised from rank 0's CPU copy (train.fsdp_sync_module_states, train_states.cpp
// fsdp1_init_cache_term): the init's freed blocks stay cached on the compute stream, where FSDP1's all-gathers and
// reduce-scattered gradients (other streams) cannot use them. Bytes checked against a hand-computed case.
#include <doctest/doctest.h>

#include <string>

#include "rl_test_support.hpp"
#include "vramplan/api.hpp"

using namespace vramplan;

namespace {

const Json* init_cache_component(const Json& result, const char* id) {
  for (const Json& c : result.at("per_gpu").at("components")) {
    if (c.at("id") == id) return &c;
  }
  return nullptr;
}

double init_cache_bytes(const Json& result, const char* id) {
  const Json* c = init_cache_component(result, id);
  REQUIRE_MESSAGE(c != nullptr, "no component " << id);
  return c->at("bytes").get<double>();
}

// fsdp_qlora's benchmark template (benchmarks_03_2024.md): Llama-2-7B, 2 GPUs, FSDP1 FULL_SHARD, r 64 on six
// projections, reentrant checkpointing; `extra` adds train keys.
std::string fsdp_qlora_7b(const char* method, int seq_len, const std::string& extra) {
  return std::string(R"({"model": "meta-llama/Llama-2-7b-hf", "workload": "train", "gpu": "RTX-3090", "gpus": 2,
      "train": {"method": ")") +
         method + R"(", "precision": "bf16", "optimizer": "adamw", "micro_batch_size": 1, "seq_len": )" +
         std::to_string(seq_len) + R"(, "gradient_checkpointing": true, "attention": "sdpa", "sharding": "fsdp",
      "lora": {"rank": 64, "alpha": 16, "targets": ["k_proj", "q_proj", "v_proj", "up_proj", "down_proj",
      "gate_proj"]}, "transformers_version": "4.38")" +
         extra + "}}";
}

}  // namespace

TEST_CASE("FSDP1 init from rank 0's CPU copy: the root's and the largest block's two freed copies stay on the compute stream") {
  // Root unit: embed_tokens + lm_head, 2 x 32000 x 4096 = 262,144,000 params x 2 B = 524,288,000 B. Largest block:
  // 202,383,360 params as NF4 codes in 16-bit storage, 0.5 B each = 101,191,680 B. Each root tensor (262,144,000 B)
  // is larger than the block, so both copies of each stay free: 2 x 524,288,000 + 2 x 101,191,680 = 1,250,959,360 B.
  // Adapters: 143,130,624 params x 2 B / 2 ranks = 143,130,624 B of weights, as much of gradients.
  const double free_blocks = 2 * 524288000.0 + 2 * 101191680.0, adapter_weights = 143130624.0, adapter_grads = 143130624.0;
  CHECK(free_blocks == 1250959360.0);
  const Json r = rl_test::api_estimate(fsdp_qlora_7b("qlora", 512, R"(, "fsdp_sync_module_states": true)"));
  const double other_streams = init_cache_bytes(r, "gathered_params") + init_cache_bytes(r, "fsdp_pending_frees");
  const double start = init_cache_bytes(r, "weights") + adapter_weights + free_blocks + other_streams + adapter_grads;
  const Json& g = r.at("per_gpu");
  // The line is what the start exceeds the step's reserve by: the reserved level is the start exactly.
  CHECK(g.at("reserved_bytes").get<double>() == doctest::Approx(start).epsilon(1e-12));
  const Json* line = init_cache_component(r, "fsdp1_init_cache");
  REQUIRE(line != nullptr);
  const std::string formula = line->at("formula").get<std::string>();
  CHECK(formula.find("2 x root + 2 x largest block") != std::string::npos);
  // Without the key the same run's reserve is the step's: lower by the line's bytes.
  const Json without = rl_test::api_estimate(fsdp_qlora_7b("qlora", 512, ""));
  CHECK(init_cache_component(without, "fsdp1_init_cache") == nullptr);
  CHECK(without.at("per_gpu").at("reserved_bytes").get<double>() ==
        doctest::Approx(start - line->at("bytes").get<double>()).epsilon(1e-12));
}

TEST_CASE("FSDP1 init's free blocks: a 16-bit block larger than a root tensor leaves only 2 x root certain") {
  // LoRA on the bf16 base: the block is 202,383,360 x 2 B = 404,766,720 B, above a 262,144,000 B root tensor, so a
  // root tensor may reuse the block's freed copies: max(2 x 524,288,000, 2 x 404,766,720 - 262,144,000) = 2 x root.
  const Json r = rl_test::api_estimate(fsdp_qlora_7b("lora", 512, R"(, "fsdp_sync_module_states": true)"));
  const double start = init_cache_bytes(r, "weights") + 143130624.0 + 2 * 524288000.0 + init_cache_bytes(r, "gathered_params") +
                       init_cache_bytes(r, "fsdp_pending_frees") + 143130624.0;
  CHECK(r.at("per_gpu").at("reserved_bytes").get<double>() == doctest::Approx(start).epsilon(1e-12));
  const Json* line = init_cache_component(r, "fsdp1_init_cache");
  REQUIRE(line != nullptr);
  CHECK(line->at("formula").get<std::string>().find("max(2 x root, 2 x block - root shard)") != std::string::npos);
}

TEST_CASE("FSDP1 init's free blocks add nothing once the step's compute-stream demand covers them, nor off FSDP1") {
  // 2048 tokens: checkpoints, the recomputed block and the fp32 loss exceed the 1.17 GiB of free blocks.
  CHECK(init_cache_component(rl_test::api_estimate(fsdp_qlora_7b("qlora", 2048, R"(, "fsdp_sync_module_states": true)")),
                             "fsdp1_init_cache") == nullptr);
  // FSDP2 (fully_shard has no sync_module_states path here) and FSDP1 with its shards offloaded: none.
  CHECK(init_cache_component(
            rl_test::api_estimate(fsdp_qlora_7b("qlora", 512, R"(, "fsdp_version": 2, "fsdp_sync_module_states": true)")),
            "fsdp1_init_cache") == nullptr);
  CHECK(init_cache_component(
            rl_test::api_estimate(fsdp_qlora_7b("qlora", 512, R"(, "offload_params": true, "fsdp_sync_module_states": true)")),
            "fsdp1_init_cache") == nullptr);
}

TEST_CASE("train.fsdp_sync_module_states says when it counts nothing: FSDP2, or FSDP1 with its shards offloaded") {
  const auto warned = [](const Json& result, const char* words) {
    for (const Json& w : result.at("warnings")) {
      if (w.get<std::string>().find(words) != std::string::npos) return true;
    }
    return false;
  };
  const Json fsdp2 = rl_test::api_estimate(fsdp_qlora_7b("qlora", 512, R"(, "fsdp_version": 2, "fsdp_sync_module_states": true)"));
  CHECK(warned(fsdp2, "train.fsdp_sync_module_states has no effect with train.fsdp_version 2"));
  const Json offload =
      rl_test::api_estimate(fsdp_qlora_7b("qlora", 512, R"(, "offload_params": true, "fsdp_sync_module_states": true)"));
  CHECK(warned(offload, "train.fsdp_sync_module_states with train.offload_params"));
  const Json counted = rl_test::api_estimate(fsdp_qlora_7b("qlora", 512, R"(, "fsdp_sync_module_states": true)"));
  CHECK_FALSE(warned(counted, "train.fsdp_sync_module_states"));
}

TEST_CASE("train.fsdp_sync_module_states is echoed, false by default, and reads back") {
  const Json set = scenario_to_json(rl_test::scenario(fsdp_qlora_7b("qlora", 512, R"(, "fsdp_sync_module_states": true)")));
  CHECK(set.at("train").at("fsdp_sync_module_states") == true);
  auto again = parse_scenario(set, rl_test::catalog());
  REQUIRE(again.ok());
  CHECK(again.value().train.fsdp_sync_module_states);
  const Json unset = scenario_to_json(rl_test::scenario(fsdp_qlora_7b("qlora", 512, "")));
  CHECK(unset.at("train").at("fsdp_sync_module_states") == false);
  auto wrong = parse_scenario(Json::parse(fsdp_qlora_7b("qlora", 512, R"(, "fsdp_sync_module_states": 1)")), rl_test::catalog());
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error().line().find("fsdp_sync_module_states") != std::string::npos);
}
