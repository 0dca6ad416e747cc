// TRL command lines (`trl grpo|dpo|sft --flag value ...`, `python trl/scripts/sft.py ...`, `accelerate launch
// ... trl/scripts/X.py ...`) or a `--config` YAML back into a scenario. Defaults are the 2026 dataclasses
// (data/frameworks/trl/): _BaseConfig (gradient_checkpointing True, bf16 unless fp16), TrainingArguments
// (per_device_train_batch_size 8, gradient_accumulation_steps 1), GRPOConfig (num_generations 8,
// max_completion_length 512, beta 0.0, vllm_gpu_memory_utilization 0.3, sleep mode off), SFT/DPOConfig
// (max_length 1024), ModelConfig (dtype float32, lora_r 16, lora_alpha 32).
#include <algorithm>
#include <string>

#include "../import/import_internal.hpp"

namespace vramplan::config {

namespace {

constexpr std::int64_t kTrainingArgumentsBatch = 8;  // transformers TrainingArguments.per_device_train_batch_size
constexpr std::int64_t kGrpoGenerations = 8;        // GRPOConfig.num_generations
constexpr std::int64_t kGrpoCompletion = 512;       // GRPOConfig.max_completion_length
constexpr std::int64_t kTrlMaxLength = 1024;        // SFTConfig / DPOConfig.max_length
constexpr double kGrpoVllmUtilization = 0.3;        // GRPOConfig.vllm_gpu_memory_utilization
// trl/accelerate_configs/*.yaml all set num_processes: 8; without a preset `accelerate launch` runs one process.
constexpr std::int64_t kPresetProcesses = 8;

const std::vector<std::string> kHarmless = {
    "dataset_name", "dataset_config", "dataset_train_split", "dataset_test_split", "dataset_streaming", "output_dir",
    "learning_rate", "logging_steps", "save_steps", "eval_steps", "eval_strategy",
    "report_to", "run_name", "push_to_hub", "hub_model_id", "reward_funcs", "reward_weights", "temperature", "top_p",
    "top_k", "seed", "lr_scheduler_type", "warmup_ratio", "warmup_steps", "weight_decay", "loss_type", "config",
    "lora_dropout", "lora_task_type", "model_revision", "trust_remote_code", "log_completions", "epsilon", "scale_rewards",
    "dataset_text_field", "save_strategy", "bf16_full_eval", "logging_dir",
};

using Flags = Json;  // flag name -> value

// `--name value`, `--name=value`, or a bare `--name` (true) as HfArgumentParser and accelerate read them.
void read_flags(const std::vector<std::string>& words, Flags& flags, std::vector<std::string>& keys) {
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (word.rfind("--", 0) != 0 || word.size() <= 2) continue;
    std::string name = word.substr(2);
    Json value = true;
    const std::size_t eq = name.find('=');
    if (eq != std::string::npos) {
      value = scalar_value(name.substr(eq + 1));
      name = name.substr(0, eq);
    } else if (i + 1 < words.size() && words[i + 1].rfind("--", 0) != 0) {
      value = scalar_value(words[++i]);
      // nargs="+" flags (lora_target_modules, reward_funcs) take every word up to the next flag.
      while (i + 1 < words.size() && words[i + 1].rfind("--", 0) != 0) {
        if (!value.is_array()) value = Json::array({value});
        value.push_back(scalar_value(words[++i]));
      }
    }
    std::replace(name.begin(), name.end(), '-', '_');
    flags[name] = value;
    keys.push_back(name);
  }
}

// The trainer: the word after `trl`, or the script name (trl/scripts/sft.py).
std::string command_of(const std::vector<std::string>& words) {
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (words[i] == "trl" && i + 1 < words.size()) return words[i + 1];
    for (const char* name : {"grpo", "dpo", "sft"}) {
      if (words[i].find(std::string("/") + name + ".py") != std::string::npos || words[i] == std::string(name) + ".py") return name;
    }
  }
  for (const auto& w : words) {
    if (w == "grpo" || w == "dpo" || w == "sft") return w;
  }
  return "";
}

const char* sharding_of(const std::string& preset) {
  if (preset.find("zero1") != std::string::npos) return "zero1";
  if (preset.find("zero2") != std::string::npos) return "zero2";
  if (preset.find("zero3") != std::string::npos) return "zero3";
  if (preset.find("fsdp") != std::string::npos) return "fsdp";
  return "none";
}

const char* optimizer_of(const std::string& optim) {
  if (optim.find("8bit") != std::string::npos) return "adamw-8bit";
  if (optim.rfind("sgd", 0) == 0) return "sgd";
  if (optim.rfind("adafactor", 0) == 0) return "adafactor";
  return optim.find("adam") != std::string::npos ? "adamw" : nullptr;
}

const char* precision_of(ImportContext& c) {
  // ModelConfig.dtype; torch_dtype before TRL 0.23 (208e9f7df).
  const std::string dtype = c.text("dtype").value_or(c.text("torch_dtype").value_or("float32"));
  const bool fp16 = c.flag("fp16", false);
  const bool bf16 = c.flag("bf16", !fp16);  // _BaseConfig: bf16 None -> on unless fp16
  if (dtype == "bfloat16" || dtype == "auto") return bf16 ? "bf16" : "fp32";
  if (fp16) return "amp-fp16";
  return bf16 ? "amp-bf16" : "fp32";
}

void map_model(ImportContext& c) {
  c.set("train.micro_batch_size", c.integer("per_device_train_batch_size").value_or(kTrainingArgumentsBatch));
  c.set("train.gradient_checkpointing", c.flag("gradient_checkpointing", true));
  c.set("train.precision", precision_of(c));
  if (c.flag("use_peft", false)) {
    c.set("train.method", c.flag("load_in_4bit", false) ? "qlora" : "lora");
    c.set("train.lora.rank", c.integer("lora_r").value_or(16));
    c.set("train.lora.alpha", c.number("lora_alpha").value_or(32));
    const Json* targets = c.get("lora_target_modules");
    if (targets == nullptr) {
      // PEFT's per-architecture default (peft/utils/constants.py): q_proj and v_proj for Llama/Qwen/Gemma.
      c.set("train.lora.targets", Json::array({"q_proj", "v_proj"}));
      c.warn("lora_target_modules is not set: PEFT adapts its per-architecture default, modelled as q_proj, v_proj");
    } else if (!(targets->is_string() && targets->get<std::string>() == "all-linear")) {
      c.set("train.lora.targets", targets->is_array() ? *targets : Json::array({*targets}));
    }
  }
  const auto optim = c.text("optim").value_or("adamw_torch");
  const char* mapped = optimizer_of(optim);
  if (mapped == nullptr) c.warn("optim=" + optim + ": modelled as AdamW");
  c.set("train.optimizer", mapped == nullptr ? "adamw" : mapped);
  const auto attention = c.text("attn_implementation");
  if (attention) c.set("train.attention", *attention == "eager" ? "eager" : *attention == "sdpa" ? "sdpa" : "flash");
}

std::int64_t gpu_count(ImportContext& c) {
  const bool preset = c.text("accelerate_config").has_value();
  return c.integer("num_processes").value_or(preset ? kPresetProcesses : 1);
}

void map_launch(ImportContext& c) {
  c.set("gpus", gpu_count(c));
  c.mark("num_machines");
  const auto preset = c.text("accelerate_config");
  c.set("train.sharding", preset ? sharding_of(*preset) : "none");
  // TRL's presets fsdp1.yaml / fsdp2.yaml set accelerate's fsdp_version (data/frameworks/trl/accelerate_configs/);
  // fsdp1.yaml also sets fsdp_cpu_ram_efficient_loading and fsdp_sync_module_states: rank 0 loads the model on the
  // CPU and FSDP1 moves, broadcasts and shards it unit by unit (train.fsdp_sync_module_states).
  if (preset && preset->find("fsdp1") != std::string::npos) c.set("train.fsdp_version", 1);
  if (preset && *preset == "fsdp1") c.set("train.fsdp_sync_module_states", true);
  if (preset && preset->find("fsdp2") != std::string::npos) c.set("train.fsdp_version", 2);
  if (preset && preset->find(".yaml") != std::string::npos) {
    c.warn("accelerate_config=" + *preset + ": a file of your own; its sharding is read from the name only, its "
           "offload settings are not read");
  }
}

// GRPOConfig: prompts per step = per_device x processes x accumulation / num_generations (one optimizer
// step per generation batch, steps_per_generation defaulting to gradient_accumulation_steps).
void map_grpo(ImportContext& c, std::int64_t gpus) {
  const std::int64_t micro = c.integer("per_device_train_batch_size").value_or(kTrainingArgumentsBatch);
  const std::int64_t accumulation = c.integer("gradient_accumulation_steps").value_or(1);
  const std::int64_t generations = c.integer("num_generations").value_or(kGrpoGenerations);
  const std::int64_t completions = micro * gpus * accumulation;
  if (completions % generations != 0) {
    c.warn("preflight: per_device_train_batch_size x num_processes x gradient_accumulation_steps = " +
           std::to_string(completions) + " is not divisible by num_generations=" + std::to_string(generations) +
           "; GRPOConfig refuses it. Fix: a multiple of " + std::to_string(generations));
  }
  const std::int64_t response = c.integer("max_completion_length").value_or(kGrpoCompletion);
  c.set("rl.algorithm", "grpo");
  c.set("rl.rollout.generations_per_prompt", generations);
  c.set("rl.rollout.prompts_per_step", std::max<std::int64_t>(1, completions / generations));
  c.set("rl.rollout.max_response_len", response);
  const auto model_len = c.integer("vllm_max_model_length");
  // GRPOConfig.max_prompt_length until TRL 0.28 (89070d241): the prompt's cut.
  const auto prompt = c.integer("max_prompt_length");
  if (model_len && *model_len > response) {
    c.set("rl.rollout.max_prompt_len", *model_len - response);
  } else if (prompt && *prompt > 0) {
    c.set("rl.rollout.max_prompt_len", *prompt);
  }
  c.set("rl.reference", c.number("beta").value_or(0.0) != 0.0);
  const bool vllm = c.flag("use_vllm", false);
  c.set("rl.rollout.engine", vllm ? "vllm" : "hf");
  c.set("rl.rollout.colocated", c.text("vllm_mode").value_or("colocate") != "server");
  c.set("rl.rollout.gpu_memory_utilization", c.number("vllm_gpu_memory_utilization").value_or(kGrpoVllmUtilization));
  c.set("rl.rollout.sleep_mode", c.flag("vllm_enable_sleep_mode", false));
  c.set("rl.rollout.tp", c.integer("vllm_tensor_parallel_size").value_or(1));
  if (const auto reward = c.text("reward_model_name_or_path")) c.set("rl.reward_model", Json{{"model", *reward}});
  c.set("rl.sequence_packing", c.flag("padding_free", false));
  // GRPOTrainer computes log-probs with trl's selective_log_softmax (docs/scenario.md rl.logprob_kernel).
  c.set("rl.logprob_kernel", "selective");
}

// SFTConfig.loss_type (trl/trainer/sft_config.py): "nll" and "dft" compute the model's full logits (train.loss_kernel
// full); "chunked_nll" (TRL 1.4, 9bcf72943) is the chunked kernel, and __post_init__ makes it the default when
// loss_type is unset from TRL 1.7 (b58947c7e, #5846), "nll" when use_liger_kernel is set: Liger's fused linear
// cross-entropy (TrainingArguments.use_liger_kernel), the fused kernel. A command carries no TRL version, so an unset
// loss_type is read as 1.7's default, and the warning says so.
void map_sft_loss(ImportContext& c) {
  const bool liger = c.flag("use_liger_kernel", false);
  const auto loss_type = c.text("loss_type");
  if (liger) {
    if (loss_type && *loss_type == "chunked_nll") {
      c.warn("loss_type=chunked_nll with use_liger_kernel: SFTTrainer refuses the two together; modelled as Liger's "
             "fused kernel");
    }
    c.set("train.loss_kernel", "fused");
  } else if (!loss_type) {
    c.set("train.loss_kernel", "chunked");
    c.warn("loss_type is not set: SFTConfig defaults to chunked_nll from TRL 1.7 (nll before), modelled as "
           "train.loss_kernel chunked; with TRL 1.6 or earlier set train.loss_kernel full");
  } else {
    c.set("train.loss_kernel", *loss_type == "chunked_nll" ? "chunked" : "full");
  }
}

// DPO: precompute_ref_log_probs keeps no reference copy (the policy's initial weights score the data once,
// before training). reference_free (until TRL 0.28) changed the loss only: the copy was still loaded.
void map_dpo_reference(ImportContext& c) {
  c.set("rl.algorithm", "dpo");
  c.set("rl.reference", !c.flag("precompute_ref_log_probs", false));
  if (c.flag("reference_free", false)) {
    c.warn("reference_free=true (TRL 0.28 and earlier): it changes the DPO loss only; TRL still loads the reference "
           "copy unless precompute_ref_log_probs or --use_peft, so the reference is counted");
  }
}

}  // namespace

Expected<ImportResult> import_trl(const ImportInput& input) {
  Flags flags = input.tree;
  std::vector<std::string> keys;
  for (const auto& item : flags.items()) keys.push_back(item.key());
  read_flags(input.words, flags, keys);
  std::string command = command_of(input.words);
  ImportContext c(flags, keys);
  if (command.empty()) {
    command = "sft";
    c.warn("no trl command (grpo, dpo, sft) in the input: read as `trl sft`");
  }
  if (command != "grpo" && command != "dpo" && command != "sft") {
    return Error{"", "trl " + command + ": vramplan reads trl grpo, dpo and sft"};
  }
  const auto model = c.text("model_name_or_path");
  if (!model) return Error{"/model_name_or_path", "--model_name_or_path is required (a catalog id)"};
  c.set("model", *model);
  c.set("workload", command == "sft" ? "train" : "rl");
  map_launch(c);
  map_model(c);
  if (command == "grpo") {
    map_grpo(c, gpu_count(c));
  } else {
    c.set("train.seq_len", c.integer("max_length").value_or(kTrlMaxLength));
    c.mark("gradient_accumulation_steps");
    c.mark("beta");
    if (command == "dpo") map_dpo_reference(c);
    if (command == "sft") map_sft_loss(c);
  }
  // TrainingArguments: max_steps > 0 overrides num_train_epochs. One optimizer step takes
  // per_device x processes x accumulation sequences.
  const std::int64_t per_step = c.integer("per_device_train_batch_size").value_or(kTrainingArgumentsBatch) *
                                gpu_count(c) * c.integer("gradient_accumulation_steps").value_or(1);
  map_run_length(c, RunLength{"num_train_epochs", "max_steps", command != "sft", per_step});
  return c.finish(kHarmless);
}

}  // namespace vramplan::config
