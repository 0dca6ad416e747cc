// recommend's suggestions as the framework's own key edits: each suggestion's scenario patch (a JSON merge
// patch) is walked leaf by leaf and every scenario key with a framework key becomes one edit, by the same
// key pairs the importers read (core/frameworks/src/<framework>/import.cpp).
#include <string>

#include "import_internal.hpp"

namespace vramplan::config {

namespace {

struct KeyPair {
  const char* scenario;
  const char* framework;
};

// Scenario key -> framework key where the value carries over unchanged.
const std::vector<KeyPair>& direct_keys(Format format, bool rl) {
  static const std::vector<KeyPair> verl_rl = {
      {"train.gradient_checkpointing", "actor_rollout_ref.model.enable_gradient_checkpointing"},
      {"train.micro_batch_size", "actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu"},
      {"train.offload_optimizer", "actor_rollout_ref.actor.fsdp_config.optimizer_offload"},
      {"train.offload_params", "actor_rollout_ref.actor.fsdp_config.param_offload"},
      {"train.cp", "actor_rollout_ref.actor.ulysses_sequence_parallel_size"},
      {"rl.phase_offload", "actor_rollout_ref.actor.fsdp_config.param_offload"},
      {"rl.phase_offload", "actor_rollout_ref.actor.fsdp_config.optimizer_offload"},
      {"rl.rollout.gpu_memory_utilization", "actor_rollout_ref.rollout.gpu_memory_utilization"},
      {"rl.rollout.tp", "actor_rollout_ref.rollout.tensor_model_parallel_size"},
      {"rl.rollout.prompts_per_step", "data.train_batch_size"},
      {"rl.sequence_packing", "actor_rollout_ref.model.use_remove_padding"},
      {"train.lora.rank", "actor_rollout_ref.model.lora_rank"},
  };
  static const std::vector<KeyPair> verl_sft = {
      {"train.gradient_checkpointing", "model.enable_gradient_checkpointing"},
      {"train.micro_batch_size", "data.micro_batch_size_per_gpu"},
      {"train.offload_optimizer", "model.fsdp_config.cpu_offload"},
      {"train.offload_params", "model.fsdp_config.offload_params"},
      {"train.lora.rank", "model.lora_rank"},
  };
  static const std::vector<KeyPair> nemo_rl = {
      {"train.gradient_checkpointing", "policy.dtensor_cfg.activation_checkpointing"},
      {"train.micro_batch_size", "policy.train_micro_batch_size"},
      {"train.offload_optimizer", "policy.dtensor_cfg.cpu_offload"},
      {"train.offload_params", "policy.dtensor_cfg.cpu_offload"},
      {"train.tp", "policy.dtensor_cfg.tensor_parallel_size"},
      {"rl.rollout.gpu_memory_utilization", "policy.generation.vllm_cfg.gpu_memory_utilization"},
      {"rl.sequence_packing", "policy.sequence_packing.enabled"},
      {"train.lora.rank", "policy.dtensor_cfg.lora_cfg.dim"},
  };
  static const std::vector<KeyPair> automodel = {
      {"train.gradient_checkpointing", "distributed.activation_checkpointing"},
      {"train.micro_batch_size", "step_scheduler.local_batch_size"},
      {"train.tp", "distributed.tp_size"},
      {"train.lora.rank", "peft.dim"},
  };
  static const std::vector<KeyPair> trl = {
      {"train.gradient_checkpointing", "gradient_checkpointing"},
      {"train.micro_batch_size", "per_device_train_batch_size"},
      {"gpus", "num_processes"},
      {"rl.rollout.gpu_memory_utilization", "vllm_gpu_memory_utilization"},
      {"rl.sequence_packing", "padding_free"},
      {"train.lora.rank", "lora_r"},
  };
  switch (format) {
    case Format::verl: return rl ? verl_rl : verl_sft;
    case Format::nemo_rl: return nemo_rl;
    case Format::nemo_automodel: return automodel;
    case Format::trl: return trl;
  }
  return trl;
}

void leaves(const Json& patch, const std::string& prefix, std::vector<std::pair<std::string, Json>>& out) {
  if (!patch.is_object()) {
    out.emplace_back(prefix, patch);
    return;
  }
  for (const auto& [key, value] : patch.items()) leaves(value, prefix.empty() ? key : prefix + "." + key, out);
}

// Edits whose value needs translating (methods, optimizers, sharding, GPU counts, kernels).
void special_edits(Format format, const std::string& key, const Json& value, const Json& scenario, bool rl,
                   std::vector<KeyEdit>& edits) {
  const auto text = value.is_string() ? value.get<std::string>() : std::string();
  const Json* rank_value = find_dotted(scenario, "train.lora.rank");
  const std::int64_t rank = rank_value != nullptr && rank_value->is_number_integer() ? rank_value->get<std::int64_t>() : 16;
  if (key == "train.method" && (text == "lora" || text == "qlora")) {
    // verl and NeMo RL have no 4-bit base weights: QLoRA has no key there.
    if (format == Format::verl && text == "lora") {
      edits.push_back({rl ? "actor_rollout_ref.model.lora_rank" : "model.lora_rank", rank, "LoRA adapters"});
    }
    if (format == Format::nemo_rl && text == "lora") edits.push_back({"policy.dtensor_cfg.lora_cfg.enabled", true, "LoRA adapters"});
    if (format == Format::nemo_automodel) {
      edits.push_back({"peft._target_", "nemo_automodel.components._peft.lora.PeftConfig", "LoRA adapters"});
      edits.push_back({"peft.match_all_linear", true, ""});
      edits.push_back({"peft.dim", rank, ""});
      if (text == "qlora") edits.push_back({"quantization.load_in_4bit", true, "4-bit NF4 base weights"});
    }
    if (format == Format::trl) {
      edits.push_back({"use_peft", true, "LoRA adapters"});
      if (text == "qlora") edits.push_back({"load_in_4bit", true, "4-bit NF4 base weights"});
    }
  } else if (key == "train.optimizer" && text == "adamw-8bit") {
    if (format == Format::trl) edits.push_back({"optim", "adamw_bnb_8bit", "8-bit AdamW states"});
    if (format == Format::nemo_automodel) edits.push_back({"optimizer._target_", "bitsandbytes.optim.AdamW8bit", "8-bit AdamW states"});
  } else if (key == "train.sharding" && format == Format::trl) {
    edits.push_back({"accelerate_config", text == "fsdp" ? "fsdp2" : text, "shard over the GPUs"});
  } else if (key == "train.sharding" && format == Format::nemo_automodel && text != "none") {
    edits.push_back({"distributed.strategy", "fsdp2", "shard over the GPUs"});
  } else if (key == "rl.logprob_kernel" && text == "fused" && format == Format::verl) {
    edits.push_back({"actor_rollout_ref.model.use_fused_kernels", true, "fused log-prob kernel"});
  } else if (key == "gpus" && value.is_number_integer() && (format == Format::verl || format == Format::nemo_rl)) {
    const ClusterShape shape = cluster_shape(value.get<std::int64_t>());
    const bool verl = format == Format::verl;
    edits.push_back({verl ? "trainer.n_gpus_per_node" : "cluster.gpus_per_node", shape.gpus_per_node, "more GPUs"});
    edits.push_back({verl ? "trainer.nnodes" : "cluster.num_nodes", shape.nodes, ""});
  }
}

}  // namespace

std::vector<KeyEdit> suggestion_edits(Format format, const Json& resolved, const Json& suggested_scenario,
                                      const Json& patch) {
  const bool rl = format != Format::verl || find_dotted(resolved, "model.partial_pretrain") == nullptr;
  std::vector<std::pair<std::string, Json>> changed;
  leaves(patch, "", changed);
  std::vector<KeyEdit> edits;
  // A suggestion is given as edits only when every setting it changes has a framework key: half of a
  // change (the GPU count without the tensor parallelism) would mislead.
  for (const auto& [key, value] : changed) {
    const std::size_t before = edits.size();
    for (const auto& pair : direct_keys(format, rl)) {
      if (key == pair.scenario) edits.push_back({pair.framework, value, key});
    }
    if (edits.size() == before) special_edits(format, key, value, suggested_scenario, rl, edits);
    const bool prompts = format == Format::nemo_rl && key == "rl.rollout.prompts_per_step";
    if (edits.size() == before && !prompts) return {};
  }
  if (format == Format::nemo_rl) {
    const bool ppo = find_dotted(resolved, "ppo") != nullptr;
    for (const auto& [key, value] : changed) {
      if (key == "rl.rollout.prompts_per_step") edits.push_back({ppo ? "ppo.num_prompts_per_step" : "grpo.num_prompts_per_step", value, key});
    }
  }
  return edits;
}

}  // namespace vramplan::config

namespace vramplan::config {

namespace {

std::string word_value(const Json& value) {
  if (value.is_boolean()) return value.get<bool>() ? "True" : "False";
  return value.is_string() ? value.get<std::string>() : value.dump();
}

void edit_words(std::vector<std::string>& words, const KeyEdit& edit, bool flags) {
  const std::string value = flags && edit.value.is_boolean() ? (edit.value.get<bool>() ? "true" : "false") : word_value(edit.value);
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (flags && words[i] == "--" + edit.key && i + 1 < words.size() && words[i + 1].rfind("--", 0) != 0) {
      words[i + 1] = value;
      return;
    }
    if (!flags && words[i].rfind(edit.key + "=", 0) == 0) {
      words[i] = edit.key + "=" + value;
      return;
    }
  }
  if (flags) {
    words.push_back("--" + edit.key);
    words.push_back(value);
  } else {
    words.push_back(edit.key + "=" + value);
  }
}

}  // namespace

ImportInput apply_edits(Format format, ImportInput input, const std::vector<KeyEdit>& edits) {
  const bool command_line = input.tree.empty();
  for (const auto& edit : edits) {
    if (command_line || format == Format::trl) {
      if (format == Format::trl && !command_line && input.words.empty()) {
        set_dotted(input.tree, edit.key, edit.value);
      } else {
        edit_words(input.words, edit, format == Format::trl);
      }
    } else {
      set_dotted(input.tree, edit.key, edit.value);
    }
  }
  return input;
}

}  // namespace vramplan::config
