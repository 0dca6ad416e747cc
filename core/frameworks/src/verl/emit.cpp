// verl (github.com/volcengine/verl): a Hydra config that extends its trainer configs.
// RL (grpo, ppo): overrides of verl/trainer/config/ppo_trainer.yaml, key names and nesting as in
// _generated_ppo_trainer.yaml (the flattened reference of ppo_trainer.yaml) and the GRPO example
// scripts under examples/grpo_trainer/; the `hydra.searchpath` + `defaults` header is the form of
// examples/sglang_multiturn/config/gsm8k_multiturn_grpo.yaml. SFT (workload "train"): overrides of
// verl/trainer/config/sft_trainer.yaml for verl.trainer.fsdp_sft_trainer. verl has no DPO trainer.
#include <string>
#include <vector>

#include "vramplan/framework_config.hpp"
#include "vramplan/yaml.hpp"

namespace vramplan::config {

namespace {

using yaml::OrderedJson;


OrderedJson lora_targets(const LoraSettings& lora) {
  if (lora.all_linear) return "all-linear";
  OrderedJson modules = OrderedJson::array();
  for (const auto& name : lora.targets) modules.push_back(name);
  return modules;
}

// fsdp_config.model_dtype: verl's FSDP workers keep fp32 parameters and compute in bf16 unless the
// model is loaded in bf16.
const char* model_dtype(Precision precision) { return precision == Precision::bf16 ? "bf16" : "fp32"; }

// trainer.total_epochs / total_training_steps (ray_trainer.py and fsdp_sft_trainer.py: the steps, when set,
// replace len(dataloader) x total_epochs).
void set_run_length(yaml::Document& doc, const Scenario& s, std::vector<std::string>& notes) {
  const RunLimits run = run_limits(s, true, notes);
  if (run.epochs) doc.set("/trainer/total_epochs", static_cast<std::int64_t>(*run.epochs), {}, "dataset.epochs");
  if (run.steps) doc.set("/trainer/total_training_steps", *run.steps, {}, "rl.steps");
}

void hydra_header(yaml::Document& doc, const char* base) {
  doc.set("/hydra/searchpath", OrderedJson::array({"file://verl/trainer/config"}),
          "relative to the root of a verl checkout: run from there");
  doc.set("/defaults", OrderedJson::array({base, "_self_"}),
          std::string("every key not set below keeps its value from verl/trainer/config/") + base + ".yaml");
}

void training_notes(const Scenario& s, std::vector<std::string>& notes) {
  const TrainSettings& t = s.train;
  if (t.tp > 1 || t.pp > 1) {
    notes.push_back("train.tp/train.pp: verl's FSDP workers have no tensor or pipeline parallelism for training; "
                    "use its Megatron workers (ppo_megatron_trainer.yaml) for that");
  }
  if (t.method == Method::qlora) {
    notes.push_back("train.method qlora: verl has no 4-bit base weights; this is LoRA over bf16/fp32 base weights");
  }
  if (t.sharding != Sharding::fsdp && t.sharding != Sharding::zero3 && data_parallel_size(s) > 1) {
    notes.push_back(std::string("train.sharding \"") + to_string(t.sharding) +
                    "\": verl's FSDP workers shard parameters, gradients and optimizer states over all GPUs "
                    "(fsdp_config.fsdp_size -1), so they need less memory per GPU than estimated");
  }
  if (t.optimizer != Optimizer::adamw) {
    notes.push_back(std::string("train.optimizer \"") + to_string(t.optimizer) + "\": verl's FSDP workers use AdamW");
  }
}

ModelReference reward_reference(const RewardModelSettings& reward) {
  Scenario only_model;
  only_model.model = reward.model;
  return model_reference(only_model);
}

std::string sft_config(const Scenario& s, const EstimateNotes& estimate, Version v) {
  const TrainSettings& t = s.train;
  const ModelReference model = model_reference(s);
  const ClusterShape cluster = cluster_shape(s.gpus);
  const std::int64_t dp = data_parallel_size(s);
  std::vector<std::string> notes;
  training_notes(s, notes);

  yaml::Document doc;
  hydra_header(doc, "sft_trainer");
  doc.set("/data/train_batch_size", t.micro_batch_size * dp,
          "micro batch x data-parallel size (" + std::to_string(t.micro_batch_size) + " x " + std::to_string(dp) +
              "): no gradient accumulation; a larger value accumulates gradients");
  const std::string batch_note = micro_batch_note(s, estimate);
  doc.set("/data/micro_batch_size_per_gpu", t.micro_batch_size,
          batch_note.empty() ? std::string("train.micro_batch_size") : batch_note);
  doc.set("/data/max_length", t.seq_len, {}, "train.seq_len");
  doc.set("/data/train_files", "~/data/gsm8k/train.parquet", "example data paths: replace them with your parquet files");
  doc.set("/data/val_files", "~/data/gsm8k/test.parquet");
  doc.set("/model/partial_pretrain", model.path, model.note);
  doc.set("/model/fsdp_config/model_dtype", model_dtype(t.precision), {},
          std::string("train.precision ") + to_string(t.precision));
  doc.set("/model/fsdp_config/cpu_offload", t.offload_params || t.offload_optimizer);
  doc.set("/model/fsdp_config/offload_params", t.offload_params, {}, "train.offload_params");
  doc.set("/model/enable_gradient_checkpointing", t.gradient_checkpointing, {}, "train.gradient_checkpointing");
  if (t.method != Method::full) {
    doc.set("/model/lora_rank", t.lora.rank, {}, "train.lora.rank");
    doc.set("/model/lora_alpha", lora_alpha_json(t.lora.alpha));
    doc.set("/model/target_modules", lora_targets(t.lora));
  }
  if (t.cp > 1) {
    doc.set("/ulysses_sequence_parallel_size", t.cp, "train.cp: verl splits sequences with Ulysses sequence parallelism");
  }
  doc.set("/trainer/nnodes", cluster.nodes);
  doc.set("/trainer/n_gpus_per_node", cluster.gpus_per_node, {}, "gpus " + std::to_string(s.gpus) + " in nodes of up to 8");
  set_run_length(doc, s, notes);

  std::vector<std::string> header = {
      "verl SFT config (verl.trainer.fsdp_sft_trainer) for " + model.path + ", generated by vramplan from a scenario.",
      "verl is built for RL; this is its FSDP SFT trainer layout (verl/trainer/config/sft_trainer.yaml). Run from a "
      "verl checkout:",
      "  torchrun --nnodes=" + std::to_string(cluster.nodes) + " --nproc_per_node=" +
          std::to_string(cluster.gpus_per_node) +
          " -m verl.trainer.fsdp_sft_trainer --config-path=<dir of this file> --config-name=<file name without .yaml>",
      "Keys: verl/trainer/config/sft_trainer.yaml in github.com/volcengine/verl.",
      version_line(Format::verl, v),
  };
  return render_with_header(std::move(doc), std::move(header), s, estimate, notes);
}

// data.*: prompts per step and lengths.
void set_rl_data(yaml::Document& doc, const RolloutSettings& r) {
  doc.set("/data/train_batch_size", r.prompts_per_step, "prompts per step (rl.rollout.prompts_per_step)");
  doc.set("/data/max_prompt_length", r.max_prompt_len, {}, "rl.rollout.max_prompt_len");
  doc.set("/data/max_response_length", r.max_response_len, {}, "rl.rollout.max_response_len");
  doc.set("/data/train_files", "~/data/gsm8k/train.parquet", "example data paths: replace them with your parquet files");
  doc.set("/data/val_files", "~/data/gsm8k/test.parquet");

}

// actor_rollout_ref.hybrid_engine and .model.*.
void set_rl_model(yaml::Document& doc, const Scenario& s, const ModelReference& model) {
  const TrainSettings& t = s.train;
  const RolloutSettings& r = s.rl.rollout;
  doc.set("/actor_rollout_ref/hybrid_engine", true,
          r.colocated ? "rollout and training share the GPUs (rl.rollout.colocated)"
                      : "rl.rollout.colocated is false, but verl's main_ppo colocates rollout and training "
                        "(hybrid engine); a separate rollout pool needs its one-step-off/async recipes");
  doc.set("/actor_rollout_ref/model/path", model.path, model.note);
  // Written either way: ppo_trainer.yaml removes padding by default.
  doc.set("/actor_rollout_ref/model/use_remove_padding", s.rl.sequence_packing, {},
          s.rl.sequence_packing ? "rl.sequence_packing: only real tokens" : "rl.sequence_packing false");
  if (s.rl.logprob_kernel == LogprobKernel::fused) {
    doc.set("/actor_rollout_ref/model/use_fused_kernels", true, {}, "rl.logprob_kernel fused");
  }
  doc.set("/actor_rollout_ref/model/enable_gradient_checkpointing", t.gradient_checkpointing, {},
          "train.gradient_checkpointing");
  if (t.method != Method::full) {
    doc.set("/actor_rollout_ref/model/lora_rank", t.lora.rank, {}, "train.lora.rank");
    doc.set("/actor_rollout_ref/model/lora_alpha", lora_alpha_json(t.lora.alpha));
    doc.set("/actor_rollout_ref/model/target_modules", lora_targets(t.lora));
  }

}

// actor_rollout_ref.actor.*: batches, KL loss, FSDP offload and dtype.
void set_actor(yaml::Document& doc, const Scenario& s, const EstimateNotes& estimate, Version v) {
  const TrainSettings& t = s.train;
  const RolloutSettings& r = s.rl.rollout;
  const bool grpo = s.rl.algorithm == RlAlgorithm::grpo;
  doc.set("/actor_rollout_ref/actor/ppo_mini_batch_size", r.prompts_per_step,
          "in prompts (verl multiplies by rollout.n): one optimizer step per RL step");
  const std::string batch_note = micro_batch_note(s, estimate);
  doc.set("/actor_rollout_ref/actor/ppo_micro_batch_size_per_gpu", t.micro_batch_size,
          batch_note.empty() ? std::string("train.micro_batch_size") : batch_note);
  const bool kl_loss = grpo && s.rl.reference;
  doc.set("/actor_rollout_ref/actor/use_kl_loss", kl_loss, {},
          kl_loss ? "GRPO's KL term against the reference policy (rl.reference)"
                  : (grpo ? "rl.reference is false: no reference model" : ""));
  if (kl_loss) {
    doc.set("/actor_rollout_ref/actor/kl_loss_coef", 0.001);
    doc.set("/actor_rollout_ref/actor/kl_loss_type", "low_var_kl");
  }
  doc.set("/actor_rollout_ref/actor/fsdp_config/param_offload", t.offload_params, {}, "train.offload_params");
  doc.set("/actor_rollout_ref/actor/fsdp_config/optimizer_offload", t.offload_optimizer, {},
          "train.offload_optimizer");
  // actor.fsdp_config.model_dtype is in the base config from verl 0.6 (d7a046997, #3321, 2025-09-03). verl 0.5's
  // fsdp_workers.py already reads it (fsdp_config.get("model_dtype"), fp32 for the actor when absent), so 0.5
  // gets it only when it is not that default.
  if (v.at_least(0, 6) || t.precision == Precision::bf16) {
    doc.set("/actor_rollout_ref/actor/fsdp_config/model_dtype", model_dtype(t.precision),
            v.at_least(0, 6) ? std::string()
                             : "not in verl 0.5's ppo_trainer.yaml; its fsdp_workers.py reads it (default fp32)",
            std::string("train.precision ") + to_string(t.precision));
  }
  if (t.cp > 1) {
    doc.set("/actor_rollout_ref/actor/ulysses_sequence_parallel_size", t.cp,
            "train.cp: verl splits sequences with Ulysses sequence parallelism");
  }

}

// actor_rollout_ref.rollout.*: the vLLM engine.
void set_rollout(yaml::Document& doc, const Scenario& s, Version v) {
  const TrainSettings& t = s.train;
  const RolloutSettings& r = s.rl.rollout;
  // verl 0.5 builds an HFRollout for name "hf" (fsdp_workers.py, v0.5.0). From 0.6 rollouts come from
  // verl/workers/rollout/base.py _ROLLOUT_REGISTRY (19020f618, #3285, 2025-09-03): vllm, sglang (and trtllm)
  // only; "hf" stops at start-up, so the hf engine is written as vLLM with a note.
  const bool hf = r.engine == Engine::hf && !v.at_least(0, 6);
  doc.set("/actor_rollout_ref/rollout/name", hf ? "hf" : "vllm",
          r.engine == Engine::vllm || hf ? std::string()
                                   : "rl.rollout.engine is \"hf\", but verl has no HF rollout since 0.6 "
                                     "(vllm, sglang, trtllm): vLLM, which needs its own memory pool",
          std::string("rl.rollout.engine ") + to_string(r.engine));
  doc.set("/actor_rollout_ref/rollout/tensor_model_parallel_size", r.tp, {}, "rl.rollout.tp");
  doc.set("/actor_rollout_ref/rollout/gpu_memory_utilization", r.gpu_memory_utilization, {},
          "rl.rollout.gpu_memory_utilization");
  doc.set("/actor_rollout_ref/rollout/n", r.generations_per_prompt, {}, "rl.rollout.generations_per_prompt");
  doc.set("/actor_rollout_ref/rollout/max_model_len", r.max_prompt_len + r.max_response_len);
  if (r.max_num_seqs) doc.set("/actor_rollout_ref/rollout/max_num_seqs", *r.max_num_seqs, {}, "rl.rollout.max_num_seqs");
  if (r.max_num_batched_tokens) {
    doc.set("/actor_rollout_ref/rollout/max_num_batched_tokens", *r.max_num_batched_tokens, {},
            "rl.rollout.max_num_batched_tokens");
  }
  const std::int64_t logprob_batch = s.rl.logprob_micro_batch_size.value_or(t.micro_batch_size);
  doc.set("/actor_rollout_ref/rollout/log_prob_micro_batch_size_per_gpu", logprob_batch, {},
          s.rl.logprob_micro_batch_size ? "rl.logprob_micro_batch_size" : "");

}

// The reference, the critic (PPO), the reward model and algorithm.*.
void set_other_roles(yaml::Document& doc, const Scenario& s, const ModelReference& model, std::vector<std::string>& notes) {
  const TrainSettings& t = s.train;
  const bool grpo = s.rl.algorithm == RlAlgorithm::grpo;
  const std::int64_t logprob_batch = s.rl.logprob_micro_batch_size.value_or(t.micro_batch_size);
  if (s.rl.reference) {
    doc.set("/actor_rollout_ref/ref/log_prob_micro_batch_size_per_gpu", logprob_batch);
    doc.set("/actor_rollout_ref/ref/fsdp_config/param_offload", t.offload_params);
  }

  if (!grpo && s.rl.critic) {
    doc.set("/critic/model/path", model.path, "the critic (rl.critic): a value model of the policy's architecture");
    doc.set("/critic/model/enable_gradient_checkpointing", t.gradient_checkpointing);
    doc.set("/critic/model/fsdp_config/param_offload", t.offload_params);
    doc.set("/critic/model/fsdp_config/optimizer_offload", t.offload_optimizer);
    doc.set("/critic/ppo_micro_batch_size_per_gpu", t.micro_batch_size);
  } else if (!grpo) {
    notes.push_back("rl.critic is false, but PPO with adv_estimator gae trains a critic");
  } else if (s.rl.critic) {
    notes.push_back("rl.critic is true, but GRPO needs no critic; none is configured");
  }

  if (s.rl.reward_model) {
    const ModelReference reward = reward_reference(*s.rl.reward_model);
    doc.set("/reward_model/enable", true, "rl.reward_model: a separate frozen scoring model");
    doc.set("/reward_model/model/path", reward.path, reward.note);
    doc.set("/reward_model/micro_batch_size_per_gpu", t.micro_batch_size);
  }

  doc.set("/algorithm/adv_estimator", grpo ? "grpo" : "gae", {}, std::string("rl.algorithm ") + to_string(s.rl.algorithm));
  doc.set("/algorithm/use_kl_in_reward", !grpo && s.rl.reference, {},
          !grpo && s.rl.reference ? "PPO's KL penalty against the reference policy, in the reward" : "");

}

std::string rl_config(const Scenario& s, const EstimateNotes& estimate, Version v) {
  const RolloutSettings& r = s.rl.rollout;
  const bool grpo = s.rl.algorithm == RlAlgorithm::grpo;
  const ModelReference model = model_reference(s);
  const ClusterShape cluster = cluster_shape(s.gpus);
  std::vector<std::string> notes;
  training_notes(s, notes);

  yaml::Document doc;
  hydra_header(doc, "ppo_trainer");
  set_rl_data(doc, r);
  set_rl_model(doc, s, model);
  set_actor(doc, s, estimate, v);
  set_rollout(doc, s, v);
  set_other_roles(doc, s, model, notes);
  doc.set("/trainer/n_gpus_per_node", cluster.gpus_per_node, {}, "gpus " + std::to_string(s.gpus) + " in nodes of up to 8");
  doc.set("/trainer/nnodes", cluster.nodes);
  set_run_length(doc, s, notes);

  std::vector<std::string> header = {
      std::string("verl ") + (grpo ? "GRPO" : "PPO") + " config for " + model.path +
          ", generated by vramplan from a scenario.",
      "Run from the root of a verl checkout:",
      "  python3 -m verl.trainer.main_ppo --config-path=<dir of this file> --config-name=<file name without .yaml>",
      "Keys: verl/trainer/config/ppo_trainer.yaml (flattened: _generated_ppo_trainer.yaml) and "
      "examples/grpo_trainer/ in github.com/volcengine/verl.",
      version_line(Format::verl, v),
  };
  return render_with_header(std::move(doc), std::move(header), s, estimate, notes);
}

}  // namespace

Expected<std::string> verl_config(const Scenario& s, const EstimateNotes& estimate) {
  const auto version = resolve_version(s, Format::verl);
  if (!version.ok()) return version.error();
  if (s.workload == Workload::train) return sft_config(s, estimate, version.value());
  if (s.rl.algorithm == RlAlgorithm::dpo) {
    return Error{"/rl/algorithm",
                 "verl's trainers cover grpo and ppo (verl/trainer/config/ppo_trainer.yaml) and SFT; it has no "
                 "offline DPO trainer: use --format nemo-rl or trl, got \"dpo\""};
  }
  return rl_config(s, estimate, version.value());
}

}  // namespace vramplan::config
