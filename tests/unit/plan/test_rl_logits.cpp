// RL logits (issue 20): TRL's selective log-softmax over the completion's positions (rl.logprob_kernel
// "selective", rl.logits_scope), hand-computed on Qwen2.5-0.5B, and the seed GPU memory guide's tables
// in docs/validation/seed-gpu-memory-guide.md recomputed row by row from that file.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "rl_test_support.hpp"
#include "vramplan/estimate_rl.hpp"
#include "vramplan/memory.hpp"

using namespace vramplan;
using namespace vramplan::rl_test;

namespace {

// Qwen2.5-0.5B: vocab 151936; 2 sequences of 128 prompt + 384 response tokens.
std::string small(const std::string& rl_keys) {
  return R"({"model": "Qwen/Qwen2.5-0.5B", "workload": "rl", "gpus": 1,
    "train": {"precision": "amp-bf16", "micro_batch_size": 2},
    "rl": {)" + rl_keys + R"("rollout": {"engine": "hf", "prompts_per_step": 1, "generations_per_prompt": 2,
           "max_prompt_len": 128, "max_response_len": 384}}})";
}

constexpr double kVocab = 151936.0;

}  // namespace

TEST_CASE("rl logits: the selective kernel keeps fp32 logits of the completion's positions") {
  const ScenarioEstimate e = run(scenario(small(R"("logprob_kernel": "selective", )")));
  const double positions = 384 + 1;  // TRL logits_to_keep = completion length, + 1 position computed and dropped
  // Training: 2 sequences x 385 positions x vocab x kSelectiveLogitBytes 4 x kSelectiveLogitCopies 2.
  CHECK(memory::kSelectiveLogitBytes == 4);
  CHECK(memory::kSelectiveLogitCopies == 2);
  CHECK(component(*phase(e, "train"), "logits") == doctest::Approx(2 * positions * kVocab * 4 * 2));
  // Scoring (no grad): the fp32 logits and one sequence's row at a time.
  CHECK(component(*phase(e, "scoring"), "logits") == doctest::Approx((2 + 1) * positions * kVocab * 4));
  // The activations still run every token of the sequence (the blocks see prompt and completion).
  const ScenarioEstimate full_scope = run(scenario(small(R"("logprob_kernel": "selective", "logits_scope": "full", )")));
  CHECK(component(*phase(full_scope, "train"), "activations") == doctest::Approx(component(*phase(e, "train"), "activations")));
  CHECK(component(*phase(full_scope, "train"), "logits") == doctest::Approx(2 * 512 * kVocab * 4 * 2));
}

TEST_CASE("rl logits: the scope defaults per kernel and applies to every kernel") {
  CHECK(rl_logits_scope(scenario(small(""))) == LogitsScope::full);
  CHECK(rl_logits_scope(scenario(small(R"("logprob_kernel": "fused", )"))) == LogitsScope::full);
  CHECK(rl_logits_scope(scenario(small(R"("logprob_kernel": "selective", )"))) == LogitsScope::completion);
  CHECK(rl_logit_positions(scenario(small(""))) == 512);
  CHECK(rl_logit_positions(scenario(small(R"("logits_scope": "completion", )"))) == 385);
  // Packed sequences: the completion's mean length.
  const Scenario packed = scenario(R"({"model": "Qwen/Qwen2.5-0.5B", "workload": "rl", "rl": {"logprob_kernel": "selective",
    "sequence_packing": true, "rollout": {"mean_prompt_len": 100, "mean_response_len": 200}}})");
  CHECK(rl_logit_positions(packed) == 201);
  // The naive kernel over the completion only: 2 B + kLogProbFp32Copies 3 x 4 B per element of 2 x 385.
  const ScenarioEstimate naive = run(scenario(small(R"("logits_scope": "completion", )")));
  CHECK(component(*phase(naive, "scoring"), "logits") == doctest::Approx(2 * 385 * kVocab * 14));
  CHECK(component(*phase(naive, "train"), "logits") == doctest::Approx(2 * 385 * kVocab * (2 + 3 * 4)));
}

TEST_CASE("rl logits: keys parse, echo and report errors with their pointer") {
  const Scenario absent = scenario(small(""));
  CHECK_FALSE(absent.rl.logits_scope.has_value());
  CHECK(scenario_to_json(absent)["rl"]["logits_scope"].is_null());
  const Scenario set = scenario(small(R"("logprob_kernel": "selective", "logits_scope": "full", )"));
  const Json echoed = scenario_to_json(set);
  CHECK(echoed["rl"]["logits_scope"] == "full");
  CHECK(echoed["rl"]["logprob_kernel"] == "selective");
  auto again = parse_scenario(echoed, catalog());
  REQUIRE(again.ok());
  CHECK(scenario_to_json(again.value()) == echoed);
  CHECK(error_line(small(R"("logits_scope": "response", )")) ==
        "error: /rl/logits_scope: must be one of \"full\", \"completion\", got \"response\"");
  std::vector<std::string> names;
  for (const ConstantInfo& c : memory_constants()) names.push_back(c.name);
  for (const char* name : {"kSelectiveLogitBytes", "kSelectiveLogitCopies"}) {
    CHECK_MESSAGE(std::find(names.begin(), names.end(), name) != names.end(), name);
  }
}

namespace {

std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream in(line);
  std::string cell;
  std::getline(in, cell, '|');
  while (std::getline(in, cell, '|')) {
    const auto b = cell.find_first_not_of(' ');
    const auto e = cell.find_last_not_of(' ');
    out.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
  }
  if (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

std::map<std::string, std::string> marker_fields(const std::string& line) {
  std::map<std::string, std::string> out;
  std::stringstream in(line);
  std::string word;
  while (in >> word) {
    const auto eq = word.find('=');
    if (eq != std::string::npos) out[word.substr(0, eq)] = word.substr(eq + 1);
  }
  return out;
}

// The seed command's scenario at batch N (docs/validation/seed-gpu-memory-guide.md "The scenario").
std::string seed_scenario(std::map<std::string, std::string> f, long batch, const char* gpu) {
  const long generations = batch % 8 == 0 ? 8 : batch;
  return std::string(R"({"model": ")") + f["model"] + R"(", "workload": "rl", "gpus": 1, "gpu": ")" + gpu +
         R"(", "train": {"method": "full", "precision": ")" + f["precision"] + R"(", "optimizer": "adamw", "micro_batch_size": )" +
         std::to_string(batch) + R"(, "gradient_checkpointing": )" + f["gradient_checkpointing"] +
         R"(, "attention": "sdpa", "sharding": "none"}, "rl": {"algorithm": "grpo", "reference": )" + f["reference"] +
         R"(, "logprob_kernel": "selective", "reward_model": {"model": ")" + f["judge"] + R"(", "weight_dtype": ")" +
         f["judge_dtype"] + R"("}, "rollout": {"engine": "hf", "prompts_per_step": )" + std::to_string(batch / generations) +
         R"(, "generations_per_prompt": )" + std::to_string(generations) +
         R"(, "max_prompt_len": 512, "max_response_len": 256}}})";
}

std::string gib_cell(const Breakdown& train, const char* id) {
  const double bytes = component(train, id);
  if (bytes < 0) return "step";
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", bytes / kGiB);
  return text;
}

}  // namespace

TEST_CASE("rl logits: the seed guide's recomputed tables match the estimator") {
  std::ifstream in(std::string(VRAMPLAN_SOURCE_DIR) + "/docs/validation/seed-gpu-memory-guide.md");
  REQUIRE(in.good());
  const char* gpus[] = {"L40S", "A100-SXM-80GB", "H100-SXM-80GB", "H200-141GB"};
  std::map<std::string, std::string> fields;
  std::string line;
  int rows = 0, tables = 0;
  while (std::getline(in, line)) {
    if (line.rfind("<!-- seed-table ", 0) == 0) {
      fields = marker_fields(line);
      ++tables;
      continue;
    }
    const std::vector<std::string> c = cells(line);
    if (fields.empty() || c.size() != 11 || c[0].find_first_not_of("0123456789") != std::string::npos) continue;
    const long batch = std::stol(c[0]);
    INFO("table " << tables << " batch " << batch);
    const ScenarioEstimate e = run(scenario(seed_scenario(fields, batch, "H200-141GB")));
    const Breakdown& train = *phase(e, "train");
    CHECK(gib_cell(train, "activations") == c[3]);
    CHECK(gib_cell(train, "logits") == c[4]);
    char peak[32];
    std::snprintf(peak, sizeof peak, "%.2f", e.peak.device_bytes / kGiB);
    CHECK(std::string(peak) == c[5]);
    CHECK(e.peak.phase == c[6]);
    for (std::size_t g = 0; g < 4; ++g) {
      const Scenario on = scenario(seed_scenario(fields, batch, gpus[g]));
      CHECK(std::string(to_string(assess_fit(run(on), on, *on.gpu).verdict)) == c[7 + g]);
    }
    ++rows;
  }
  CHECK(tables == 5);
  CHECK(rows == 33);
}

// The RL phases read each line's Level, so the levels must add up to the estimators' own totals:
// allocated = persistent + optimizer + step + transient lines, reserved adds the cache, device the context.
TEST_CASE("levels: every training and serving line's level adds up to the breakdown's totals") {
  const char* texts[] = {
      R"({"model": "Qwen/Qwen2.5-7B-Instruct", "train": {"micro_batch_size": 4, "seq_len": 1024}})",
      R"({"model": "Qwen/Qwen2.5-7B-Instruct", "train": {"micro_batch_size": 1, "seq_len": 64}})",
      R"({"model": "meta-llama/Llama-3.2-1B", "gpus": 4, "train": {"method": "lora", "sharding": "fsdp", "offload_optimizer": true}})",
      R"({"model": "meta-llama/Llama-3.2-1B", "gpus": 2, "train": {"sharding": "none"}})",
      R"({"model": "meta-llama/Llama-3.1-8B-Instruct", "workload": "inference", "inference": {"batch_size": 4}})",
      R"({"model": "meta-llama/Llama-3.1-8B-Instruct", "workload": "inference", "gpu": "H100-SXM-80GB",
          "inference": {"engine": "vllm", "batch_size": 4}})"};
  for (const char* text : texts) {
    INFO(text);
    const ScenarioEstimate e = run(scenario(text));
    double allocated = 0, transient = 0, cache = 0, context = 0, allocator = 0;
    for (const Component& c : e.peak.components) {
      if (c.id == "allocator") allocator += c.bytes;
      if (c.level == Level::cache) cache += c.bytes;  // the allocator's cache and FSDP1's pending frees
      else if (c.level == Level::context) context += c.bytes;
      else allocated += c.bytes;
      if (c.level == Level::transient) transient += c.bytes;
    }
    // The allocator caches a fraction of the transient lines (vLLM preallocates: no cache line).
    if (allocator > 0) CHECK(allocator == doctest::Approx(memory::kAllocatorTransientFraction * transient));
    CHECK(allocated == doctest::Approx(e.peak.allocated_bytes));
    CHECK(allocated + cache == doctest::Approx(e.peak.reserved_bytes));
    CHECK(allocated + cache + context == doctest::Approx(e.peak.device_bytes));
  }
}
