// verl configs back into a scenario: a Hydra YAML that extends ppo_trainer / sft_trainer, or a launch
// script `python3 -m verl.trainer.main_ppo key=value ...` (examples/*/run_*.sh). The base is the snapshot
// data/frameworks/verl/_generated_ppo_trainer.json (ppo_trainer.yaml flattened by verl's own
// scripts/generate_trainer_config.sh) or sft_trainer.json. Key meanings: verl/trainer/config/*.yaml and
// verl/workers/fsdp_workers.py (ActorRolloutRefWorker: the reference exists when use_kl_loss or
// use_kl_in_reward; the critic when adv_estimator is gae).
#include <algorithm>
#include <string>

#include "../import/import_internal.hpp"

namespace vramplan::config {

namespace {

// Keys that change no memory (logging, paths, optimiser schedule, checkpoint cadence, sampling).
const std::vector<std::string> kHarmless = {
    "trainer.project_name", "trainer.experiment_name", "trainer.logger", "trainer.save_freq", "trainer.test_freq",
    "trainer.critic_warmup", "trainer.val_before_train",
    "trainer.default_local_dir", "trainer.resume_mode", "data.train_files", "data.val_files", "data.truncation",
    "data.filter_overlong_prompts", "data.return_raw_chat", "data.shuffle", "data.seed", "data.prompt_key",
    "*.optim.lr", "*.optim.lr_warmup_steps_ratio", "*.optim.weight_decay", "*.optim.warmup_style",
    "actor_rollout_ref.actor.kl_loss_coef", "actor_rollout_ref.actor.kl_loss_type", "actor_rollout_ref.actor.entropy_coeff",
    "actor_rollout_ref.actor.clip_ratio", "actor_rollout_ref.actor.loss_agg_mode", "actor_rollout_ref.rollout.temperature",
    "actor_rollout_ref.rollout.top_p", "actor_rollout_ref.rollout.top_k", "actor_rollout_ref.rollout.mode",
    "algorithm.kl_ctrl", "algorithm.gamma", "algorithm.lam", "algorithm.norm_adv_by_std_in_grpo",
    "custom_reward_function", "reward_model.reward_manager", "hydra", "defaults",
};

void map_lora(ImportContext& c, const std::string& model_key) {
  const auto rank = c.integer(model_key + ".lora_rank");
  const Json* targets = c.get(model_key + ".target_modules");
  const auto alpha = c.number(model_key + ".lora_alpha");
  if (!rank || *rank <= 0) return;
  c.set("train.method", "lora");
  c.set("train.lora.rank", *rank);
  if (alpha) c.set("train.lora.alpha", *alpha);
  if (targets != nullptr && targets->is_array()) c.set("train.lora.targets", *targets);
}

// fsdp_config.model_dtype: fp32 parameters with bf16 compute (verl's default) or bf16 parameters.
void map_precision(ImportContext& c, const std::string& fsdp_key) {
  const auto dtype = c.text(fsdp_key + ".model_dtype");
  c.set("train.precision", dtype && (*dtype == "bf16" || *dtype == "bfloat16") ? "bf16" : "amp-bf16");
}

void map_train(ImportContext& c) {
  c.set("train.sharding", "fsdp");
  c.set("train.gradient_checkpointing", c.flag("actor_rollout_ref.model.enable_gradient_checkpointing", true));
  map_lora(c, "actor_rollout_ref.model");
  map_precision(c, "actor_rollout_ref.actor.fsdp_config");
  c.set("train.offload_params", c.flag("actor_rollout_ref.actor.fsdp_config.param_offload", false));
  c.set("train.offload_optimizer", c.flag("actor_rollout_ref.actor.fsdp_config.optimizer_offload", false));
  const auto sp = c.integer("actor_rollout_ref.actor.ulysses_sequence_parallel_size");
  if (sp && *sp > 1) c.set("train.cp", *sp);
  const auto strategy = c.text("actor_rollout_ref.actor.strategy");
  if (strategy && *strategy == "megatron") {
    c.warn("actor_rollout_ref.actor.strategy=megatron: modelled as FSDP; the Megatron workers' tp/pp "
           "(actor.megatron.*) are not read");
  }
}

// ppo_micro_batch_size_per_gpu, or what verl derives it from (dynamic batches: tokens per GPU).
void map_micro_batch(ImportContext& c, std::int64_t gpus, std::int64_t sequence) {
  const auto micro = c.integer("actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu");
  const bool dynamic = c.flag("actor_rollout_ref.actor.use_dynamic_bsz", false);
  const auto tokens = c.integer("actor_rollout_ref.actor.ppo_max_token_len_per_gpu");
  const auto global = c.integer("actor_rollout_ref.actor.ppo_micro_batch_size");
  std::int64_t value = micro.value_or(1);
  if (dynamic && tokens && sequence > 0) {
    value = std::max<std::int64_t>(1, *tokens / sequence);
    c.warn("actor_rollout_ref.actor.use_dynamic_bsz=True: micro-batches hold up to ppo_max_token_len_per_gpu=" +
           std::to_string(*tokens) + " tokens; modelled as " + std::to_string(value) + " full-length sequences");
  } else if (!micro && global) {
    value = std::max<std::int64_t>(1, *global / std::max<std::int64_t>(1, gpus));
  } else if (!micro) {
    c.warn("actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu is not set (verl requires it): assumed 1");
  }
  c.set("train.micro_batch_size", value);
}

void map_rollout(ImportContext& c, std::int64_t micro) {
  const std::string r = "actor_rollout_ref.rollout.";
  const auto name = c.text(r + "name").value_or("vllm");
  if (name == "sglang") c.warn(r + "name=sglang: modelled as vLLM (the same weights + KV-cache pool rule)");
  c.set("rl.rollout.engine", name == "hf" ? "hf" : "vllm");
  c.set("rl.rollout.colocated", c.flag("actor_rollout_ref.hybrid_engine", true));
  c.set("rl.rollout.sleep_mode", c.flag(r + "free_cache_engine", true));
  // enforce_eager: no CUDA graph pool beside the KV pool, and none kept while the engine sleeps.
  if (c.flag(r + "enforce_eager", false)) c.set("rl.rollout.enforce_eager", true);
  if (const auto tp = c.integer(r + "tensor_model_parallel_size")) c.set("rl.rollout.tp", *tp);
  if (const auto u = c.number(r + "gpu_memory_utilization")) c.set("rl.rollout.gpu_memory_utilization", *u);
  if (const auto n = c.integer(r + "n")) c.set("rl.rollout.generations_per_prompt", *n);
  if (const auto seqs = c.integer(r + "max_num_seqs")) c.set("rl.rollout.max_num_seqs", *seqs);
  if (const auto tokens = c.integer(r + "max_num_batched_tokens")) c.set("rl.rollout.max_num_batched_tokens", *tokens);
  const auto logprob = c.integer(r + "log_prob_micro_batch_size_per_gpu");
  if (logprob && *logprob != micro) c.set("rl.logprob_micro_batch_size", *logprob);
  const auto ref_logprob = c.integer("actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu");
  if (ref_logprob && logprob && *ref_logprob != *logprob) {
    c.warn("actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu=" + std::to_string(*ref_logprob) +
           ": modelled with the rollout's log-prob micro batch " + std::to_string(*logprob));
  }
  c.set("rl.sequence_packing", c.flag("actor_rollout_ref.model.use_remove_padding", true));
  c.set("rl.logprob_kernel", c.flag("actor_rollout_ref.model.use_fused_kernels", false) ? "fused" : "naive");
}

// The reference, the critic and the reward model (fsdp_workers.py creates each only when it is used).
void map_roles(ImportContext& c, const std::string& policy, std::int64_t micro) {
  const std::string estimator = c.text("algorithm.adv_estimator").value_or("gae");
  const bool gae = estimator == "gae";
  if (!gae && estimator != "grpo") {
    c.warn("algorithm.adv_estimator=" + estimator + ": modelled as grpo (no critic, the same roles)");
  }
  c.set("rl.algorithm", gae ? "ppo" : "grpo");
  c.set("rl.critic", gae);
  const bool kl_loss = c.flag("actor_rollout_ref.actor.use_kl_loss", false);
  const bool kl_reward = c.flag("algorithm.use_kl_in_reward", false);
  c.set("rl.reference", kl_loss || kl_reward);
  if ((kl_loss || kl_reward) && c.flag("actor_rollout_ref.ref.fsdp_config.param_offload", false) &&
      !c.flag("actor_rollout_ref.actor.fsdp_config.param_offload", false)) {
    c.warn("actor_rollout_ref.ref.fsdp_config.param_offload=True: the reference waits in host RAM; vramplan "
           "counts it on the GPU (an over-estimate of its weights)");
  }
  if (gae) {
    const auto critic_path = c.text("critic.model.path");
    if (critic_path && *critic_path != policy) c.warn("critic.model.path=" + *critic_path + ": modelled as the policy's architecture");
    const auto critic_micro = c.integer("critic.ppo_micro_batch_size_per_gpu");
    if (critic_micro && *critic_micro != micro) {
      c.warn("critic.ppo_micro_batch_size_per_gpu=" + std::to_string(*critic_micro) +
             ": the critic is modelled with the policy's micro batch " + std::to_string(micro));
    }
    const bool policy_ckpt = c.flag("actor_rollout_ref.model.enable_gradient_checkpointing", true);
    if (c.flag("critic.model.enable_gradient_checkpointing", policy_ckpt) != policy_ckpt) {
      c.warn(std::string("critic.model.enable_gradient_checkpointing=") + (policy_ckpt ? "False" : "True") +
             ": the critic is modelled with the policy's setting; " +
             (policy_ckpt ? "its activations are under-estimated. Fix: critic.model.enable_gradient_checkpointing=True"
                          : "its activations are over-estimated"));
    }
    for (const char* key : {"critic.model.enable_gradient_checkpointing",
                            "critic.model.fsdp_config.param_offload", "critic.model.fsdp_config.optimizer_offload",
                            "critic.model.use_remove_padding"}) {
      c.mark(key);
    }
  }
  if (c.flag("reward_model.enable", false)) {
    const auto path = c.text("reward_model.model.path");
    if (path) c.set("rl.reward_model", Json{{"model", *path}});
    c.mark("reward_model.micro_batch_size_per_gpu");
  }
}

// The batch rules verl asserts at start-up (ray_trainer.py RayPPOTrainer._validate_config and
// fsdp_workers.py: mini-batch x n / (GPUs / sp) per GPU, divisible by the micro batch).
void preflight(ImportContext& c, std::int64_t gpus, std::int64_t micro, std::int64_t sp) {
  const auto prompts = c.integer("data.train_batch_size").value_or(1);
  const auto n = c.integer("actor_rollout_ref.rollout.n").value_or(1);
  const auto mini = c.integer("actor_rollout_ref.actor.ppo_mini_batch_size").value_or(prompts);
  if ((prompts * n) % gpus != 0) {
    std::int64_t fixed = prompts;
    while ((fixed * n) % gpus != 0) ++fixed;  // ends by fixed = prompts + gpus at the latest
    c.warn("preflight: data.train_batch_size x rollout.n = " + std::to_string(prompts * n) +
           " is not divisible by the " + std::to_string(gpus) + " GPUs; verl stops at start-up. Fix: data.train_batch_size=" +
           std::to_string(fixed));
  }
  if (mini > prompts) {
    c.warn("preflight: actor_rollout_ref.actor.ppo_mini_batch_size=" + std::to_string(mini) +
           " is above data.train_batch_size=" + std::to_string(prompts) + ". Fix: ppo_mini_batch_size=" + std::to_string(prompts));
  }
  const std::int64_t dp = std::max<std::int64_t>(1, gpus / std::max<std::int64_t>(1, sp));
  const std::int64_t per_gpu = mini * n / dp;
  if (per_gpu <= 0) {
    c.warn("preflight: ppo_mini_batch_size x rollout.n = " + std::to_string(mini * n) + " is below the data-parallel size " +
           std::to_string(dp) + ". Fix: ppo_mini_batch_size=" + std::to_string((dp + n - 1) / n));
  } else if (per_gpu % micro != 0) {
    c.warn("preflight: the mini-batch per GPU (ppo_mini_batch_size x n / dp = " + std::to_string(per_gpu) +
           ") is not a multiple of ppo_micro_batch_size_per_gpu=" + std::to_string(micro) +
           "; verl asserts it. Fix: a micro batch dividing " + std::to_string(per_gpu));
  }
}

Expected<ImportResult> rl_scenario(ImportContext& c) {
  const auto path = c.text("actor_rollout_ref.model.path");
  if (!path) return Error{"/actor_rollout_ref/model/path", "the policy model is required (a catalog id such as Qwen/Qwen2.5-7B-Instruct)"};
  const std::int64_t gpus = c.integer("trainer.n_gpus_per_node").value_or(8) * c.integer("trainer.nnodes").value_or(1);
  const std::int64_t prompt = c.integer("data.max_prompt_length").value_or(512);
  const std::int64_t response = c.integer("data.max_response_length").value_or(512);
  c.set("model", *path);
  c.set("workload", "rl");
  c.set("gpus", gpus);
  c.set("rl.rollout.prompts_per_step", c.integer("data.train_batch_size").value_or(1024));
  c.set("rl.rollout.max_prompt_len", prompt);
  c.set("rl.rollout.max_response_len", response);
  map_train(c);
  map_micro_batch(c, gpus, prompt + response);
  const std::int64_t micro = c.integer("actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu").value_or(1);
  map_rollout(c, micro);
  map_roles(c, *path, micro);
  c.mark("actor_rollout_ref.actor.ppo_mini_batch_size");
  preflight(c, gpus, micro, c.integer("actor_rollout_ref.actor.ulysses_sequence_parallel_size").value_or(1));
  const auto tp = c.integer("actor_rollout_ref.rollout.tensor_model_parallel_size").value_or(1);
  check_heads_divisible(c, *path, tp, "actor_rollout_ref.rollout.tensor_model_parallel_size");
  check_max_model_len(c, c.integer("actor_rollout_ref.rollout.max_model_len"), prompt + response,
                      "actor_rollout_ref.rollout.max_model_len");
  // ray_trainer.py: total_training_steps, when set, replaces len(dataloader) x total_epochs.
  map_run_length(c, RunLength{"trainer.total_epochs", "trainer.total_training_steps", true, 0});
  return c.finish(kHarmless);
}

// verl.trainer.fsdp_sft_trainer with sft_trainer.yaml.
Expected<ImportResult> sft_scenario(ImportContext& c) {
  const auto path = c.text("model.partial_pretrain");
  if (!path) return Error{"/model/partial_pretrain", "the model is required (a catalog id)"};
  c.set("model", *path);
  c.set("workload", "train");
  c.set("gpus", c.integer("trainer.n_gpus_per_node").value_or(8) * c.integer("trainer.nnodes").value_or(1));
  c.set("train.sharding", "fsdp");
  c.set("train.micro_batch_size", c.integer("data.micro_batch_size_per_gpu").value_or(4));
  c.set("train.seq_len", c.integer("data.max_length").value_or(1024));
  c.set("train.gradient_checkpointing", c.flag("model.enable_gradient_checkpointing", true));
  map_precision(c, "model.fsdp_config");
  const bool offload_params = c.flag("model.fsdp_config.offload_params", false);
  c.set("train.offload_params", offload_params);
  c.set("train.offload_optimizer", c.flag("model.fsdp_config.cpu_offload", false));
  map_lora(c, "model");
  const auto sp = c.integer("ulysses_sequence_parallel_size");
  if (sp && *sp > 1) c.set("train.cp", *sp);
  // fsdp_sft_trainer.py: total_training_steps, when set, replaces steps_per_epoch x total_epochs.
  map_run_length(c, RunLength{"trainer.total_epochs", "trainer.total_training_steps", false,
                              c.integer("data.train_batch_size").value_or(0)});
  return c.finish(kHarmless);
}

bool is_sft(const Json& tree, const std::vector<std::string>& words) {
  for (const auto& w : words) {
    if (w.find("fsdp_sft_trainer") != std::string::npos || w.find("sft_trainer") != std::string::npos) return true;
  }
  const Json* defaults = find_dotted(tree, "defaults");
  if (defaults != nullptr && defaults->dump().find("sft_trainer") != std::string::npos) return true;
  return find_dotted(tree, "model.partial_pretrain") != nullptr;
}

}  // namespace

Expected<ImportResult> import_verl(const ImportInput& input) {
  const bool sft = is_sft(input.tree, input.words);
  const Json* base = base_config(sft ? "verl/sft_trainer" : "verl/_generated_ppo_trainer");
  if (base == nullptr) return Error{"", "the verl base config snapshot is missing from this build"};
  Json tree = *base;
  std::vector<std::string> user_keys;
  Json own = input.tree;
  own.erase("defaults");
  own.erase("hydra");
  collect_leaves(own, "", user_keys);
  merge_into(tree, own);
  apply_overrides(tree, input.words, user_keys);
  ImportContext context(resolve_interpolations(tree), std::move(user_keys));
  return sft ? sft_scenario(context) : rl_scenario(context);
}

}  // namespace vramplan::config
