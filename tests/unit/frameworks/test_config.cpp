// `config` (api::config, vramplan/framework_config.hpp): each format's output reflects the scenario,
// unsupported workloads and algorithms are errors with a JSON pointer, and the shared helpers
// (cluster shape, shell quoting) behave. tests/config/ parses the same outputs with real YAML and
// shell-word parsers and checks every key against the frameworks' own example configs.
#include <doctest/doctest.h>

#include <string>

#include "vramplan/api.hpp"
#include "vramplan/framework_config.hpp"

using namespace vramplan;

namespace {

std::string generate(const char* scenario, const char* format) {
  const auto result = api::config(Json::parse(scenario), format);
  REQUIRE_MESSAGE(result.ok(), (result.ok() ? std::string() : result.error().line()));
  return result.value();
}

std::string error_line(const char* scenario, const char* format) {
  const auto result = api::config(Json::parse(scenario), format);
  return result.ok() ? "(no error)" : result.error().line();
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

constexpr const char* kGrpo = R"({
  "model": "Qwen/Qwen2.5-7B-Instruct", "workload": "rl", "gpus": 16,
  "train": {"micro_batch_size": 2, "gradient_checkpointing": true, "precision": "bf16",
            "method": "lora", "lora": {"rank": 32, "alpha": 64, "targets": ["q_proj", "v_proj"]},
            "offload_optimizer": true},
  "rl": {"algorithm": "grpo", "rollout": {"tp": 2, "gpu_memory_utilization": 0.55, "prompts_per_step": 64,
         "generations_per_prompt": 8, "max_prompt_len": 1024, "max_response_len": 3072}}})";

constexpr const char* kSft = R"({
  "model": "meta-llama/Llama-3.1-8B-Instruct", "workload": "train", "gpus": 4,
  "train": {"micro_batch_size": 3, "seq_len": 4096, "sharding": "fsdp", "gradient_checkpointing": false,
            "precision": "amp-bf16"}})";

}  // namespace

TEST_CASE("nemo-rl GRPO: a recipe over grpo_math_1B.yaml with the scenario's values") {
  const std::string yaml = generate(kGrpo, "nemo-rl");
  CHECK(contains(yaml, "defaults: grpo_math_1B.yaml\n"));
  CHECK(contains(yaml, "  num_prompts_per_step: 64"));
  CHECK(contains(yaml, "  num_generations_per_prompt: 8"));
  CHECK(contains(yaml, "  model_name: Qwen/Qwen2.5-7B-Instruct\n"));
  CHECK(contains(yaml, "  train_global_batch_size: 512\n"));  // 64 prompts x 8 generations
  CHECK(contains(yaml, "  train_micro_batch_size: 2\n"));
  CHECK(contains(yaml, "  max_total_sequence_length: 4096"));  // 1024 + 3072
  CHECK(contains(yaml, "  precision: bfloat16"));
  CHECK(contains(yaml, "    cpu_offload: true"));
  CHECK(contains(yaml, "    activation_checkpointing: true\n"));
  CHECK(contains(yaml, "      dim: 32\n"));
  CHECK(contains(yaml, "      alpha: 64\n"));
  CHECK(contains(yaml, "        - q_proj\n        - v_proj\n"));
  CHECK(contains(yaml, "      tensor_parallel_size: 2  # rl.rollout.tp"));
  CHECK(contains(yaml, "      gpu_memory_utilization: 0.55"));
  CHECK(contains(yaml, "      max_model_len: 4096\n"));
  CHECK(contains(yaml, "  max_new_tokens: 3072"));
  CHECK(contains(yaml, "  max_input_seq_length: 1024"));
  CHECK(contains(yaml, "  gpus_per_node: 8"));
  CHECK(contains(yaml, "  num_nodes: 2\n"));
  CHECK(contains(yaml, "# NeMo RL GRPO config"));
}

TEST_CASE("nemo-rl SFT and DPO use sft.yaml and dpo.yaml; pipeline parallelism switches to Megatron") {
  const std::string sft = generate(kSft, "nemo-rl");
  CHECK(contains(sft, "defaults: sft.yaml\n"));
  CHECK(contains(sft, "  train_global_batch_size: 12\n"));  // 3 x 4 data-parallel ranks
  CHECK(contains(sft, "  max_total_sequence_length: 4096"));
  CHECK(contains(sft, "  gpus_per_node: 4"));
  CHECK_FALSE(contains(sft, "grpo:"));

  const std::string dpo = generate(R"({"model": "Qwen/Qwen2.5-7B-Instruct", "workload": "rl",
      "train": {"seq_len": 2048, "micro_batch_size": 1}, "rl": {"algorithm": "dpo"}})", "nemo-rl");
  CHECK(contains(dpo, "defaults: dpo.yaml\n"));
  CHECK(contains(dpo, "  max_total_sequence_length: 2048"));
  CHECK_FALSE(contains(dpo, "generation:"));

  const std::string megatron = generate(R"({"model": "Qwen/Qwen2.5-7B-Instruct", "gpus": 8,
      "train": {"tp": 2, "pp": 2}})", "nemo-rl");
  CHECK(contains(megatron, "  megatron_cfg:\n    enabled: true"));
  CHECK(contains(megatron, "    pipeline_model_parallel_size: 2"));
  CHECK(contains(megatron, "    tensor_model_parallel_size: 2"));
}

TEST_CASE("nemo-automodel: SFT and PEFT recipes") {
  const std::string full = generate(kSft, "nemo-automodel");
  CHECK(contains(full, "  pretrained_model_name_or_path: meta-llama/Llama-3.1-8B-Instruct\n"));
  CHECK(contains(full, "  local_batch_size: 3\n"));
  CHECK(contains(full, "  global_batch_size: 12\n"));
  CHECK(contains(full, "  strategy: fsdp2\n"));
  CHECK(contains(full, "  seq_length: 4096"));
  // Regression (issue 18): Automodel's dtype_from_str raises KeyError on "fp32"; "float32" is accepted.
  CHECK(contains(full, "  torch_dtype: float32"));
  CHECK_FALSE(contains(full, "torch_dtype: fp32"));
  CHECK_FALSE(contains(full, "peft:"));

  const std::string qlora = generate(R"({"model": "Qwen/Qwen2.5-7B-Instruct",
      "train": {"method": "qlora", "precision": "bf16", "lora": {"rank": 8}, "gradient_checkpointing": true}})",
                                     "nemo-automodel");
  CHECK(contains(qlora, "quantization:\n"));
  CHECK(contains(qlora, "  load_in_4bit: true\n"));
  CHECK(contains(qlora, "  _target_: nemo_automodel.components._peft.lora.PeftConfig\n"));
  CHECK(contains(qlora, "  match_all_linear: true\n"));
  CHECK(contains(qlora, "  dim: 8"));
  CHECK(contains(qlora, "  alpha: 32"));
  CHECK(contains(qlora, "  activation_checkpointing: true"));
  CHECK(contains(qlora, "  strategy: ddp\n"));  // one GPU, no sharding
  CHECK(contains(qlora, "  torch_dtype: bf16"));
}

TEST_CASE("verl: GRPO and PPO over ppo_trainer, SFT over sft_trainer") {
  const std::string grpo = generate(kGrpo, "verl");
  CHECK(contains(grpo, "defaults:\n  - ppo_trainer\n  - _self_\n"));
  CHECK(contains(grpo, "  train_batch_size: 64\n"));
  CHECK(contains(grpo, "  max_prompt_length: 1024"));
  CHECK(contains(grpo, "  max_response_length: 3072"));
  CHECK(contains(grpo, "    ppo_micro_batch_size_per_gpu: 2\n"));
  CHECK(contains(grpo, "    \"n\": 8"));
  CHECK(contains(grpo, "    tensor_model_parallel_size: 2"));
  CHECK(contains(grpo, "    gpu_memory_utilization: 0.55"));
  CHECK(contains(grpo, "      optimizer_offload: true"));
  CHECK(contains(grpo, "      model_dtype: bf16"));
  CHECK(contains(grpo, "    lora_rank: 32"));
  CHECK(contains(grpo, "  adv_estimator: grpo"));
  CHECK(contains(grpo, "    use_kl_loss: true"));
  CHECK(contains(grpo, "  n_gpus_per_node: 8"));
  CHECK(contains(grpo, "  nnodes: 2"));

  const std::string ppo = generate(R"({"model": "Qwen/Qwen2.5-7B-Instruct", "workload": "rl",
      "rl": {"algorithm": "ppo", "reward_model": {"model": "Qwen/Qwen2.5-14B-Instruct"}}})", "verl");
  CHECK(contains(ppo, "  adv_estimator: gae"));
  CHECK(contains(ppo, "critic:\n"));
  CHECK(contains(ppo, "reward_model:\n  # rl.reward_model: a separate frozen scoring model\n  enable: true"));
  CHECK(contains(ppo, "    path: Qwen/Qwen2.5-14B-Instruct"));
  CHECK(contains(ppo, "  use_kl_in_reward: true"));

  const std::string sft = generate(kSft, "verl");
  CHECK(contains(sft, "  - sft_trainer\n"));
  CHECK(contains(sft, "  micro_batch_size_per_gpu: 3\n"));
  CHECK(contains(sft, "  max_length: 4096"));
  CHECK(contains(sft, "  partial_pretrain: meta-llama/Llama-3.1-8B-Instruct\n"));
  CHECK(contains(sft, "fsdp_sft_trainer"));
}

TEST_CASE("trl: grpo, sft and dpo command lines") {
  const std::string grpo = generate(kGrpo, "trl");
  CHECK(contains(grpo, "\ntrl grpo \\\n"));
  CHECK(contains(grpo, "--per_device_train_batch_size 2 \\"));
  CHECK(contains(grpo, "--gradient_accumulation_steps 16 \\"));  // 512 completions / (2 x 16 GPUs)
  CHECK(contains(grpo, "--num_generations 8 \\"));
  CHECK(contains(grpo, "--max_completion_length 3072 \\"));
  CHECK(contains(grpo, "--use_vllm true \\"));
  CHECK(contains(grpo, "--vllm_mode colocate \\"));
  CHECK(contains(grpo, "--vllm_gpu_memory_utilization 0.55 \\"));
  CHECK(contains(grpo, "--vllm_tensor_parallel_size 2 \\"));
  CHECK(contains(grpo, "--use_peft true \\"));
  CHECK(contains(grpo, "--lora_r 32 \\"));
  CHECK(contains(grpo, "--lora_target_modules q_proj v_proj \\"));
  CHECK(contains(grpo, "--dtype bfloat16 \\"));
  CHECK(contains(grpo, "--num_processes 16 \\"));
  CHECK(contains(grpo, "--num_machines 2"));

  const std::string sft = generate(kSft, "trl");
  CHECK(contains(sft, "\ntrl sft \\\n"));
  CHECK(contains(sft, "--max_length 4096 \\"));
  // train.fsdp_version 1 (the default): TRL's fsdp1 preset; 2: fsdp2.
  CHECK(contains(sft, "--accelerate_config fsdp1\n"));
  const std::string sft2 = generate(R"({"model": "meta-llama/Llama-3.1-8B-Instruct", "workload": "train", "gpus": 4,
      "train": {"sharding": "fsdp", "fsdp_version": 2}})", "trl");
  CHECK(contains(sft2, "--accelerate_config fsdp2\n"));
  CHECK(contains(sft, "--dtype float32 \\"));
  CHECK(contains(sft, "--bf16 true \\"));

  const std::string dpo = generate(R"({"model": "Qwen/Qwen2.5-7B-Instruct", "workload": "rl",
      "rl": {"algorithm": "dpo", "reference": false}})", "trl");
  CHECK(contains(dpo, "\ntrl dpo \\\n"));
  // Regression (issue 18): DPOConfig lost reference_free in TRL 0.29 and TRL's parser rejects unknown flags; no
  // reference copy in memory is precompute_ref_log_probs (every release from 0.18).
  CHECK_FALSE(contains(dpo, "--reference_free"));
  CHECK(contains(dpo, "--precompute_ref_log_probs true \\"));

  const std::string server = generate(R"({"model": "Qwen/Qwen2.5-7B-Instruct", "workload": "rl", "gpus": 8,
      "rl": {"rollout": {"colocated": false, "tp": 4}}})", "trl");
  CHECK(contains(server, "--vllm_mode server \\"));
  CHECK(contains(server, "#   trl vllm-serve --model Qwen/Qwen2.5-7B-Instruct --tensor_parallel_size 4"));
}

TEST_CASE("unsupported combinations are errors that name the field") {
  const char* inference = R"({"model": "Qwen/Qwen2.5-7B-Instruct", "workload": "inference"})";
  for (const char* format : {"nemo-rl", "nemo-automodel", "verl", "trl"}) {
    CAPTURE(format);
    CHECK(error_line(inference, format).rfind("error: /workload: config covers training and RL workloads", 0) == 0);
  }
  const char* ppo = R"({"model": "Qwen/Qwen2.5-7B-Instruct", "workload": "rl", "rl": {"algorithm": "ppo"}})";
  CHECK(error_line(ppo, "trl").rfind("error: /rl/algorithm: ", 0) == 0);
  const char* dpo = R"({"model": "Qwen/Qwen2.5-7B-Instruct", "workload": "rl", "rl": {"algorithm": "dpo"}})";
  CHECK(error_line(dpo, "verl").rfind("error: /rl/algorithm: ", 0) == 0);
  CHECK(error_line(dpo, "nemo-automodel").rfind("error: /workload: ", 0) == 0);
  CHECK(error_line(R"({"model": "Qwen/Qwen2.5-7B-Instruct"})", "megatron").rfind("error: --format: must be one of", 0) ==
        0);
  CHECK(error_line(R"({"model": "Qwen/Qwen2.5-7B-Instruct", "train": {"micro_batch_size": 0}})", "trl")
            .rfind("error: /train/micro_batch_size: ", 0) == 0);
}

TEST_CASE("a pasted config.json without a name gets a placeholder path and a note") {
  const std::string yaml = generate(R"({"model": {"model_type": "llama", "hidden_size": 256, "num_hidden_layers": 2,
      "num_attention_heads": 4, "num_key_value_heads": 4, "intermediate_size": 512, "vocab_size": 1000}})",
                                    "nemo-automodel");
  CHECK(contains(yaml, "pretrained_model_name_or_path: path/to/your/model"));
  CHECK(contains(yaml, "put your checkpoint's path here"));
}

TEST_CASE("cluster shape: nodes of up to 8 GPUs") {
  using config::cluster_shape;
  CHECK(cluster_shape(1).nodes == 1);
  CHECK(cluster_shape(1).gpus_per_node == 1);
  CHECK(cluster_shape(8).gpus_per_node == 8);
  CHECK(cluster_shape(16).nodes == 2);
  CHECK(cluster_shape(16).gpus_per_node == 8);
  CHECK(cluster_shape(12).nodes == 2);
  CHECK(cluster_shape(12).gpus_per_node == 6);
  CHECK(cluster_shape(17).nodes == 17);
  CHECK(cluster_shape(17).gpus_per_node == 1);
  CHECK(cluster_shape(65536).nodes == 8192);
}

TEST_CASE("shell quoting") {
  using config::shell_quote;
  CHECK(shell_quote("Qwen/Qwen2.5-7B-Instruct") == "Qwen/Qwen2.5-7B-Instruct");
  CHECK(shell_quote("0.55") == "0.55");
  CHECK(shell_quote("") == "''");
  CHECK(shell_quote("a b") == "'a b'");
  CHECK(shell_quote("it's") == "'it'\\''s'");
  CHECK(shell_quote("$HOME") == "'$HOME'");
  CHECK(shell_quote("~/x") == "'~/x'");
  CHECK(shell_quote("a;rm -rf /") == "'a;rm -rf /'");
  CHECK(shell_quote("`x`") == "'`x`'");
  CHECK(shell_quote("line\nbreak") == "'line\nbreak'");
}

TEST_CASE("estimate comments appear when the estimator answers, and are omitted when it cannot") {
  const std::string yaml = generate(R"({"model": "Qwen/Qwen2.5-0.5B-Instruct", "gpu": "H100-SXM-80GB",
      "train": {"micro_batch_size": 1}})", "nemo-automodel");
  const auto estimate = api::estimate(Json::parse(R"({"model": "Qwen/Qwen2.5-0.5B-Instruct", "gpu": "H100-SXM-80GB",
      "train": {"micro_batch_size": 1}})"));
  REQUIRE(estimate.ok());
  CHECK(contains(yaml, "# vramplan estimate: "));
  CHECK(contains(yaml, "H100-SXM-80GB"));
  const std::string no_gpu = generate(R"({"model": "Qwen/Qwen2.5-0.5B-Instruct"})", "nemo-automodel");
  CHECK_FALSE(contains(no_gpu, "fits"));
}

TEST_CASE("packing, fused log-probs, log-prob batch and vLLM limits reach verl and NeMo RL") {
  constexpr const char* packed = R"({
    "model": "Qwen/Qwen2.5-7B-Instruct", "workload": "rl", "gpus": 8,
    "train": {"micro_batch_size": 4, "gradient_checkpointing": true, "precision": "bf16"},
    "rl": {"sequence_packing": true, "logprob_kernel": "fused", "logprob_micro_batch_size": 16,
           "rollout": {"max_num_seqs": 512, "max_num_batched_tokens": 1536}}})";
  const std::string verl = generate(packed, "verl");
  CHECK(contains(verl, "use_remove_padding: true"));
  CHECK(contains(verl, "use_fused_kernels: true"));
  CHECK(contains(verl, "max_num_seqs: 512"));
  CHECK(contains(verl, "max_num_batched_tokens: 1536"));
  CHECK(contains(verl, "log_prob_micro_batch_size_per_gpu: 16"));
  const std::string nemo = generate(packed, "nemo-rl");
  CHECK(contains(nemo, "logprob_batch_size: 16"));
  CHECK(contains(nemo, "sequence_packing:"));
  // Without the keys, none of it is written.
  const std::string plain = generate(kGrpo, "verl");
  // use_remove_padding is written either way: ppo_trainer.yaml defaults it to true, so leaving it out
  // would turn packing on for a scenario without it (the import round trip found this).
  CHECK(contains(plain, "use_remove_padding: false"));
  CHECK_FALSE(contains(plain, "max_num_seqs"));
}

TEST_CASE("start-up failures of 2026 frameworks (issue 18) stay fixed") {
  // Automodel: DDPConfig rejects sequence_parallel (ValueError "Unknown options for strategy 'ddp'").
  const std::string ddp = generate(R"({"model": "Qwen/Qwen2.5-0.5B-Instruct", "gpus": 2})", "nemo-automodel");
  CHECK(contains(ddp, "  strategy: ddp"));
  CHECK_FALSE(contains(ddp, "sequence_parallel"));
  const std::string fsdp = generate(R"({"model": "Qwen/Qwen2.5-0.5B-Instruct", "gpus": 2,
      "train": {"sharding": "fsdp"}})", "nemo-automodel");
  CHECK(contains(fsdp, "  sequence_parallel: false"));
  // Automodel: pp_size > 1 comes with its distributed.pipeline block.
  const std::string pp = generate(R"({"model": "Qwen/Qwen2.5-0.5B-Instruct", "gpus": 2,
      "train": {"pp": 2, "sharding": "fsdp"}})", "nemo-automodel");
  CHECK(contains(pp, "  pp_size: 2\n"));
  CHECK(contains(pp, "  pipeline:\n    # train.pp 2: pipeline stages\n    pp_schedule: \"1f1b\"\n    pp_microbatch_size: 1\n"));
  CHECK_FALSE(contains(fsdp, "pipeline:"));
  // TRL ships a zero2 preset now: the flag names it.
  const std::string zero2 = generate(R"({"model": "Qwen/Qwen2.5-0.5B-Instruct", "gpus": 2,
      "train": {"sharding": "zero2"}})", "trl");
  CHECK(contains(zero2, "--accelerate_config zero2\n"));
  CHECK_FALSE(contains(zero2, "zero2.yaml"));
  // NeMo RL: run_grpo_math.py became run_grpo.py.
  const std::string grpo = generate(R"({"model": "Qwen/Qwen2.5-0.5B-Instruct", "workload": "rl"})", "nemo-rl");
  CHECK(contains(grpo, "uv run examples/run_grpo.py --config"));
  CHECK_FALSE(contains(grpo, "run_grpo_math"));
  // NeMo RL PPO: ppo_math_1B.yaml and run_ppo.py, with the value model.
  const std::string ppo = generate(R"({"model": "Qwen/Qwen2.5-0.5B-Instruct", "workload": "rl", "gpus": 2,
      "rl": {"algorithm": "ppo", "rollout": {"prompts_per_step": 8, "generations_per_prompt": 4}}})", "nemo-rl");
  CHECK(contains(ppo, "defaults: ppo_math_1B.yaml"));
  CHECK(contains(ppo, "uv run examples/run_ppo.py --config"));
  CHECK(contains(ppo, "ppo:\n  num_prompts_per_step: 8  # rl.rollout.prompts_per_step\n  num_generations_per_prompt: 4"));
  CHECK(contains(ppo, "  skip_reference_policy_logprobs_calculation: false"));
  CHECK(contains(ppo, "value:\n  # the value model (critic) of the policy's architecture\n  train_micro_batch_size: 1\n"));
}
