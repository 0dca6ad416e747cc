// TRL (github.com/huggingface/trl): a `trl grpo|sft|dpo` command line. The TRL CLI parses the
// trainer's config dataclass (GRPOConfig, SFTConfig, DPOConfig, each a transformers TrainingArguments),
// ModelConfig (model and PEFT flags) and ScriptArguments with TrlParser, and hands what is left
// (--num_processes, --num_machines, --accelerate_config) to `accelerate launch`
// (trl/cli/commands/training.py, trl/cli/accelerate_config.py). Flag names are the dataclass
// field names; the 2026 dataclasses are snapshotted in data/frameworks/trl/ (tests/unit/frameworks/test_schema.cpp).
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "vramplan/framework_config.hpp"

namespace vramplan::config {

namespace {

struct Argument {
  std::string flag;                 // without the leading "--"
  std::vector<std::string> values;  // empty: a bare flag
};

std::string bool_text(bool value) { return value ? "true" : "false"; }

std::string number_text(double value) {
  // Rollout fractions have at most a few digits; "%g" keeps 0.6 as "0.6".
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}

void add(std::vector<Argument>& args, std::string flag, std::string value) {
  args.push_back({std::move(flag), {std::move(value)}});
}

// Precision as TRL spells it: the dtype the model is loaded in (ModelConfig `dtype`, `torch_dtype` before TRL
// 0.23: 208e9f7df, #4000, 2025-09-03) and the autocast flags of TrainingArguments (GRPOConfig and SFTConfig
// default bf16 to true).
void add_precision(std::vector<Argument>& args, Precision precision, Version v, std::vector<std::string>& notes) {
  const std::string dtype = v.at_least(0, 23) ? "dtype" : "torch_dtype";
  switch (precision) {
    case Precision::fp32:
      add(args, dtype, "float32");
      add(args, "bf16", "false");
      break;
    case Precision::amp_bf16:
      add(args, dtype, "float32");
      add(args, "bf16", "true");
      break;
    case Precision::amp_fp16:
      add(args, dtype, "float32");
      add(args, "bf16", "false");
      add(args, "fp16", "true");
      break;
    case Precision::bf16:
      add(args, dtype, "bfloat16");
      add(args, "bf16", "true");
      break;
    case Precision::mixed_bf16:
      add(args, dtype, "bfloat16");
      add(args, "bf16", "true");
      notes.push_back("train.precision mixed-bf16: bf16 weights with an fp32 master copy is what DeepSpeed's bf16 "
                      "mode keeps; without DeepSpeed this trains in pure bf16");
      break;
  }
}

void add_peft(std::vector<Argument>& args, const TrainSettings& t) {
  if (t.method == Method::full) return;
  add(args, "use_peft", "true");
  add(args, "lora_r", std::to_string(t.lora.rank));
  add(args, "lora_alpha", number_text(t.lora.alpha));
  Argument targets{"lora_target_modules", {}};
  if (t.lora.all_linear) {
    targets.values.push_back("all-linear");
  } else {
    targets.values = t.lora.targets;
  }
  args.push_back(std::move(targets));
  if (t.method == Method::qlora) add(args, "load_in_4bit", "true");
}

// accelerate: process count, machines and the DeepSpeed/FSDP preset for train.sharding.
void add_launch(std::vector<Argument>& args, const Scenario& s, std::vector<std::string>& notes) {
  const TrainSettings& t = s.train;
  const ClusterShape cluster = cluster_shape(s.gpus);
  add(args, "num_processes", std::to_string(s.gpus));
  if (cluster.nodes > 1) {
    add(args, "num_machines", std::to_string(cluster.nodes));
    notes.push_back("multi-node: run the command on each of the " + std::to_string(cluster.nodes) +
                    " nodes with accelerate's --machine_rank and --main_process_ip");
  }
  const bool offload = t.offload_optimizer || t.offload_params;
  switch (t.sharding) {
    case Sharding::none:
      if (s.gpus > 1) add(args, "accelerate_config", "multi_gpu");
      break;
    case Sharding::zero1: add(args, "accelerate_config", "zero1"); break;
    // trl/accelerate_configs/zero2.yaml ships with the CLI's presets since TRL 0.18 (1954c02d8, #3409, 2025-05-06;
    // snapshot: data/frameworks/trl/accelerate_configs/).
    case Sharding::zero2: add(args, "accelerate_config", "zero2"); break;
    case Sharding::zero3: add(args, "accelerate_config", "zero3"); break;
    // fsdp1.yaml (fsdp_version: 1) and fsdp2.yaml ship together since TRL 0.18 (1954c02d8): the preset follows
    // train.fsdp_version, which decides FSDP1's pending frees (docs/memory-model.md "Sharding").
    case Sharding::fsdp: add(args, "accelerate_config", t.fsdp_version == 2 ? "fsdp2" : "fsdp1"); break;
  }
  if (t.sharding == Sharding::fsdp && t.fsdp_version == 1 && !t.fsdp_sync_module_states) {
    notes.push_back("train.fsdp_sync_module_states: TRL's fsdp1 preset loads the model on rank 0's CPU and syncs it "
                    "(fsdp_cpu_ram_efficient_loading, fsdp_sync_module_states: true), which leaves the init's freed "
                    "blocks cached; set the key to count them, or copy the preset with both false");
  }
  if (offload) {
    const bool deepspeed = t.sharding == Sharding::zero1 || t.sharding == Sharding::zero2 ||
                           t.sharding == Sharding::zero3 || t.sharding == Sharding::none;
    notes.push_back(deepspeed ? "train.offload_*: TRL's presets do not offload; copy trl/accelerate_configs/zero3.yaml, "
                                "set offload_optimizer_device (and offload_param_device) to cpu, and pass that "
                                "file to --accelerate_config"
                              : "train.offload_*: TRL's fsdp2 preset does not offload; copy "
                                "trl/accelerate_configs/fsdp2.yaml, set fsdp_offload_params: true, and pass that "
                                "file to --accelerate_config");
  }
  if (t.tp > 1 || t.pp > 1 || t.cp > 1) {
    notes.push_back("train.tp/pp/cp: TRL trains with data parallelism (DDP, DeepSpeed or FSDP) only; the command "
                    "runs one process per GPU without tensor, pipeline or context parallelism");
  }
}

std::string render(const std::string& command, const std::vector<Argument>& args,
                   const std::vector<std::string>& comments) {
  std::string out;
  for (const auto& line : comments) {
    std::string clean;
    for (const char c : line) clean += (c == '\n' || c == '\r') ? ' ' : c;
    out += "# " + clean + "\n";
  }
  out += command;
  for (const auto& arg : args) {
    out += " \\\n  --" + arg.flag;
    for (const auto& value : arg.values) out += " " + shell_quote(value);
  }
  out += "\n";
  return out;
}

// GRPOConfig: generations per prompt, completion length, KL beta and the vLLM engine.
void add_grpo(std::vector<Argument>& args, const Scenario& s, Version v, std::vector<std::string>& notes) {
  const TrainSettings& t = s.train;
  const RolloutSettings& r = s.rl.rollout;
  const std::int64_t completions = r.prompts_per_step * r.generations_per_prompt;
  const std::int64_t per_pass = t.micro_batch_size * s.gpus;
  const std::int64_t accumulation = completions >= per_pass ? completions / per_pass : 1;
  add(args, "gradient_accumulation_steps", std::to_string(accumulation));
  if (accumulation * per_pass != completions) {
    notes.push_back("rl.rollout: " + std::to_string(completions) + " completions per step is not a multiple of "
                    "micro batch x GPUs (" + std::to_string(per_pass) + "); TRL generates " +
                    std::to_string(accumulation * per_pass) + " per optimizer step here");
  }
  add(args, "num_generations", std::to_string(r.generations_per_prompt));
  add(args, "max_completion_length", std::to_string(r.max_response_len));
  // GRPOConfig.max_prompt_length (default 512, prompts cut to it) until TRL 0.28 removed it (89070d241, #4847,
  // 2026-01-17); before 0.26 it also sized the colocated vLLM (max_model_len = max_prompt_length +
  // max_completion_length, grpo_trainer.py v0.25.0).
  if (!v.at_least(0, 28)) add(args, "max_prompt_length", std::to_string(r.max_prompt_len));
  add(args, "beta", s.rl.reference ? "0.001" : "0.0");
  if (r.engine == Engine::vllm) {
    add(args, "use_vllm", "true");
    add(args, "vllm_mode", r.colocated ? "colocate" : "server");
    if (r.colocated) {
      add(args, "vllm_gpu_memory_utilization", number_text(r.gpu_memory_utilization));
      add(args, "vllm_tensor_parallel_size", std::to_string(r.tp));
      // GRPOConfig.vllm_max_model_length from TRL 0.26 (ca21dd94c, #4300, 2025-12-08).
      if (v.at_least(0, 26)) add(args, "vllm_max_model_length", std::to_string(r.max_prompt_len + r.max_response_len));
    }
  } else {
    add(args, "use_vllm", "false");
  }
  if (s.rl.reward_model) {
    const Scenario reward_only = [&] {
      Scenario only;
      only.model = s.rl.reward_model->model;
      return only;
    }();
    add(args, "reward_model_name_or_path", model_reference(reward_only).path);
  }
}

// SFTConfig / DPOConfig. Without a reference, DPO keeps no reference copy in memory with
// precompute_ref_log_probs: the reference log-probs are computed once, before training, with the policy's
// own initial weights (DPOTrainer: ref_model None when precompute_ref_log_probs; every release from 0.18).
// train.loss_kernel as SFTConfig spells it (trl/trainer/sft_config.py): loss_type exists from TRL 0.23 (659d2c128),
// "chunked_nll" from 1.4 (9bcf72943) and is the default from 1.7 (b58947c7e), so "full" is written as "nll"
// whenever the flag exists (the import reads an unset loss_type as 1.7's default); Liger's fused kernel is
// TrainingArguments' use_liger_kernel, with which SFTConfig's unset loss_type is "nll".
void add_sft_loss(std::vector<Argument>& args, LossKernel kernel, Version v, std::vector<std::string>& notes) {
  switch (kernel) {
    case LossKernel::full:
      if (v.at_least(0, 23)) add(args, "loss_type", "nll");
      break;
    case LossKernel::chunked:
      if (v.at_least(1, 4)) {
        add(args, "loss_type", "chunked_nll");
      } else {
        notes.push_back("train.loss_kernel chunked: SFTConfig's loss_type \"chunked_nll\" exists from TRL 1.4; TRL " +
                        version_text(v) + " computes the full logits (train.loss_kernel full)");
      }
      break;
    case LossKernel::fused: add(args, "use_liger_kernel", "true"); break;
  }
}

// `reference_free` was deprecated in 0.28 (a0e5f2656, #4969) and removed in 0.29 (e3b7897c8, #3906,
// 2026-02-19; CPOTrainer is the reference-free objective now); it changed the loss only, TRL still loaded
// the reference copy, so it is not what rl.reference false means.
void add_offline(std::vector<Argument>& args, const Scenario& s, bool dpo, Version v, std::vector<std::string>& notes) {
  add(args, "gradient_accumulation_steps", "1");
  add(args, "max_length", std::to_string(s.train.seq_len));
  if (!dpo) return add_sft_loss(args, s.train.loss_kernel, v, notes);
  add(args, "beta", "0.1");
  if (!s.rl.reference) {
    add(args, "precompute_ref_log_probs", "true");
    if (!v.at_least(0, 29) && s.train.sharding == Sharding::zero3) {
      notes.push_back("TRL " + version_text(v) + " refuses precompute_ref_log_probs with DeepSpeed ZeRO-3 (a "
                      "ValueError in DPOTrainer until 0.29); use zero2 or fsdp2, or TRL 0.29 or later");
    }
  }
}

// --max_steps (rl.steps: optimizer steps, one per RL step here) and --num_train_epochs (TrainingArguments:
// max_steps > 0 overrides the epochs).
void add_run_length(std::vector<Argument>& args, const Scenario& s, std::vector<std::string>& notes) {
  const RunLimits run = run_limits(s, false, notes);
  if (run.epochs) add(args, "num_train_epochs", number_text(*run.epochs));
  if (run.steps) add(args, "max_steps", std::to_string(*run.steps));
}

// The comment lines above the command: what it is, the estimate, the vLLM server, the notes.
std::vector<std::string> command_comments(const Scenario& s, const EstimateNotes& estimate, const std::string& command,
                                          const std::vector<std::string>& notes) {
  const bool grpo = command == "trl grpo";
  const bool dpo = command == "trl dpo";
  const RolloutSettings& r = s.rl.rollout;
  const ModelReference model = model_reference(s);
  std::vector<std::string> comments = {
      command + " for " + model.path + ", generated by vramplan from a scenario.",
      std::string("Flags: ") + (grpo ? "GRPOConfig" : dpo ? "DPOConfig" : "SFTConfig") +
          " (trl/trainer/" + (grpo ? "grpo" : dpo ? "dpo" : "sft") +
          "_config.py), ModelConfig and transformers TrainingArguments; launch flags go to accelerate.",
      "The dataset is an example from TRL's documentation: replace it with yours.",
  };
  const std::string batch_note = micro_batch_note(s, estimate);
  if (!batch_note.empty()) comments.push_back(batch_note);
  for (const auto& line : estimate_lines(s, estimate)) comments.push_back(line);
  if (grpo && r.engine == Engine::vllm && !r.colocated) {
    comments.push_back("rollout on GPUs of its own (rl.rollout.colocated false): start the vLLM server there first:");
    comments.push_back("  trl vllm-serve --model " + shell_quote(model.path) + " --tensor_parallel_size " +
                       std::to_string(r.tp) + " --gpu_memory_utilization " + number_text(r.gpu_memory_utilization) +
                       " --max_model_len " + std::to_string(r.max_prompt_len + r.max_response_len));
  }
  for (const auto& line : notes) comments.push_back("note: " + line);
  return comments;
}

}  // namespace

Expected<std::string> trl_command(const Scenario& s, const EstimateNotes& estimate) {
  const auto version = resolve_version(s, Format::trl);
  if (!version.ok()) return version.error();
  const Version v = version.value();
  const bool rl = s.workload == Workload::rl;
  if (rl && s.rl.algorithm == RlAlgorithm::ppo) {
    return Error{"/rl/algorithm",
                 "the trl command line covers grpo, dpo and sft (`trl grpo|dpo|sft`); PPO with a critic is not "
                 "one of its commands: use --format verl, got \"ppo\""};
  }
  const bool grpo = rl && s.rl.algorithm == RlAlgorithm::grpo;
  const bool dpo = rl && s.rl.algorithm == RlAlgorithm::dpo;
  const TrainSettings& t = s.train;
  const ModelReference model = model_reference(s);
  std::vector<std::string> notes;
  std::vector<Argument> args;

  add(args, "model_name_or_path", model.path);
  if (!model.note.empty()) notes.push_back(model.note);
  add(args, "dataset_name", grpo ? "trl-lib/DeepMath-103K" : dpo ? "trl-lib/ultrafeedback_binarized" : "trl-lib/Capybara");
  if (grpo) add(args, "reward_funcs", "accuracy_reward");
  add(args, "output_dir", grpo ? "grpo-output" : dpo ? "dpo-output" : "sft-output");
  add(args, "per_device_train_batch_size", std::to_string(t.micro_batch_size));

  if (grpo) {
    add_grpo(args, s, v, notes);
  } else {
    add_offline(args, s, dpo, v, notes);
  }
  add_run_length(args, s, notes);
  add(args, "gradient_checkpointing", bool_text(t.gradient_checkpointing));
  add_precision(args, t.precision, v, notes);
  add_peft(args, t);
  add_launch(args, s, notes);
  if (t.optimizer != Optimizer::adamw) {
    notes.push_back(std::string("train.optimizer \"") + to_string(t.optimizer) +
                    "\": pick it with TrainingArguments --optim (e.g. adamw_bnb_8bit, sgd, adafactor)");
  }

  const std::string command = grpo ? "trl grpo" : dpo ? "trl dpo" : "trl sft";
  std::vector<std::string> comments = command_comments(s, estimate, command, notes);
  comments.insert(comments.begin() + 1, version_line(Format::trl, v));
  return render(command, args, comments);
}

}  // namespace vramplan::config
