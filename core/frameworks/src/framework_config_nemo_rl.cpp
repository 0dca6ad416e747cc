// NeMo RL (github.com/NVIDIA-NeMo/RL): a recipe that overrides one of its example configs.
// Key names and nesting are those of examples/configs/grpo_math_1B.yaml, sft.yaml and dpo.yaml
// (tests/config/keys/nemo-rl-*.json pin the key lists with their commits); the `defaults:` form is
// the one used by every recipe under examples/configs/recipes/llm/.
#include <string>
#include <vector>

#include "vramplan/framework_config.hpp"
#include "vramplan/yaml.hpp"

namespace vramplan::config {

namespace {

using yaml::OrderedJson;

const char* nemo_precision(Precision precision) {
  switch (precision) {
    case Precision::fp32: return "float32";
    case Precision::amp_fp16: return "float16";
    case Precision::amp_bf16:
    case Precision::bf16:
    case Precision::mixed_bf16: return "bfloat16";
  }
  return "bfloat16";
}

OrderedJson target_modules(const LoraSettings& lora) {
  OrderedJson modules = OrderedJson::array();
  for (const auto& name : lora.targets) modules.push_back(name);
  return modules;
}


// policy.dtensor_cfg (FSDP2 + TP/CP) or, with pipeline parallelism, policy.megatron_cfg.
void set_parallelism(yaml::Document& doc, const Scenario& s, bool sft_base, std::vector<std::string>& notes) {
  const TrainSettings& t = s.train;
  const bool lora = t.method != Method::full;
  if (t.pp > 1) {
    doc.set("/policy/dtensor_cfg/enabled", false, "pipeline parallelism (train.pp " + std::to_string(t.pp) +
                                                      ") needs the Megatron backend; the DTensor one has no pipeline stages");
    doc.set("/policy/megatron_cfg/enabled", true);
    doc.set("/policy/megatron_cfg/activation_checkpointing", t.gradient_checkpointing);
    doc.set("/policy/megatron_cfg/tensor_model_parallel_size", t.tp);
    doc.set("/policy/megatron_cfg/pipeline_model_parallel_size", t.pp);
    doc.set("/policy/megatron_cfg/context_parallel_size", t.cp);
    doc.set("/policy/megatron_cfg/optimizer/optimizer_cpu_offload", t.offload_optimizer);
    if (t.offload_optimizer) doc.set("/policy/megatron_cfg/optimizer/optimizer_offload_fraction", 1.0);
    if (lora && sft_base) {
      doc.set("/policy/megatron_cfg/peft/enabled", true);
      doc.set("/policy/megatron_cfg/peft/dim", t.lora.rank);
      doc.set("/policy/megatron_cfg/peft/alpha", lora_alpha_json(t.lora.alpha));
      if (!t.lora.all_linear) doc.set("/policy/megatron_cfg/peft/target_modules", target_modules(t.lora));
    } else if (lora) {
      notes.push_back("LoRA with the Megatron backend is not in this algorithm's example config; see "
                      "policy.megatron_cfg.peft in examples/configs/sft.yaml");
    }
    doc.set("/policy/make_sequence_length_divisible_by", t.tp);
    if (t.offload_params) notes.push_back("train.offload_params: the Megatron backend offloads optimizer states only");
    return;
  }
  doc.set("/policy/dtensor_cfg/enabled", true);
  const bool offload = t.offload_params || t.offload_optimizer;
  doc.set("/policy/dtensor_cfg/cpu_offload", offload,
          offload ? "FSDP2 CPU offload moves parameters, gradients and optimizer states to host RAM "
                    "(the scenario offloads " +
                        std::string(t.offload_params && t.offload_optimizer ? "parameters and optimizer states"
                                    : t.offload_params                       ? "parameters"
                                                                             : "optimizer states") +
                        ")"
                  : std::string());
  doc.set("/policy/dtensor_cfg/sequence_parallel", false);
  doc.set("/policy/dtensor_cfg/activation_checkpointing", t.gradient_checkpointing);
  doc.set("/policy/dtensor_cfg/tensor_parallel_size", t.tp);
  doc.set("/policy/dtensor_cfg/context_parallel_size", t.cp);
  if (lora) {
    doc.set("/policy/dtensor_cfg/lora_cfg/enabled", true,
            t.method == Method::qlora ? "NeMo RL has no 4-bit (QLoRA) base weights: this is LoRA over bf16 base "
                                        "weights, which needs more memory than the qlora estimate"
                                      : std::string());
    doc.set("/policy/dtensor_cfg/lora_cfg/match_all_linear", t.lora.all_linear);
    doc.set("/policy/dtensor_cfg/lora_cfg/target_modules", target_modules(t.lora));
    doc.set("/policy/dtensor_cfg/lora_cfg/dim", t.lora.rank);
    doc.set("/policy/dtensor_cfg/lora_cfg/alpha", lora_alpha_json(t.lora.alpha));
  }
  if (t.sharding != Sharding::fsdp && t.sharding != Sharding::zero3 && data_parallel_size(s) > 1) {
    notes.push_back(std::string("train.sharding \"") + to_string(t.sharding) +
                    "\": NeMo RL's DTensor policy always shards parameters, gradients and optimizer states over "
                    "the data-parallel ranks (FSDP2), so it needs less memory per GPU than estimated");
  }
}

}  // namespace

Expected<std::string> nemo_rl_config(const Scenario& s, const EstimateNotes& estimate) {
  const bool rl = s.workload == Workload::rl;
  if (rl && s.rl.algorithm == RlAlgorithm::ppo) {
    return Error{"/rl/algorithm",
                 "NeMo RL's example configs cover grpo (examples/configs/grpo_math_1B.yaml) and dpo (dpo.yaml); "
                 "ppo with a critic has none: use --format verl, got \"ppo\""};
  }
  const bool grpo = rl && s.rl.algorithm == RlAlgorithm::grpo;
  const bool dpo = rl && s.rl.algorithm == RlAlgorithm::dpo;
  const std::string base = grpo ? "grpo_math_1B.yaml" : dpo ? "dpo.yaml" : "sft.yaml";
  const std::string runner = grpo ? "examples/run_grpo_math.py" : dpo ? "examples/run_dpo.py" : "examples/run_sft.py";
  const std::string guide = grpo ? "docs/guides/grpo.md" : dpo ? "docs/guides/dpo.md" : "docs/guides/sft.md";
  const TrainSettings& t = s.train;
  const RolloutSettings& r = s.rl.rollout;
  const ModelReference model = model_reference(s);
  const ClusterShape cluster = cluster_shape(s.gpus);
  const std::int64_t dp = data_parallel_size(s);
  std::vector<std::string> notes;

  yaml::Document doc;
  doc.set("/defaults", base, "every key not set below keeps its value from examples/configs/" + base);

  if (grpo) {
    doc.set("/grpo/num_prompts_per_step", r.prompts_per_step, {}, "rl.rollout.prompts_per_step");
    doc.set("/grpo/num_generations_per_prompt", r.generations_per_prompt, {}, "rl.rollout.generations_per_prompt");
    if (!s.rl.reference) {
      doc.set("/loss_fn/reference_policy_kl_penalty", 0.0,
              "rl.reference is false: no KL term against a reference policy");
    }
  }
  if (dpo && !s.rl.reference) {
    notes.push_back("rl.reference is false, but DPO in NeMo RL always scores against the reference policy");
  }

  doc.set("/policy/model_name", model.path, model.note);
  doc.set("/policy/tokenizer/name", model.path);

  const std::int64_t sequence = grpo ? r.max_prompt_len + r.max_response_len : t.seq_len;
  if (grpo) {
    const std::int64_t samples = r.prompts_per_step * r.generations_per_prompt;
    doc.set("/policy/train_global_batch_size", samples,
            "prompts x generations per step (" + std::to_string(r.prompts_per_step) + " x " +
                std::to_string(r.generations_per_prompt) + "): one optimizer step per RL step");
    if (samples % (t.micro_batch_size * dp) != 0) {
      doc.comment("/policy/train_global_batch_size",
                  "note: NeMo RL needs it to be a multiple of micro batch x data-parallel size (" +
                      std::to_string(t.micro_batch_size) + " x " + std::to_string(dp) + ")");
    }
  } else {
    doc.set("/policy/train_global_batch_size", t.micro_batch_size * dp,
            "micro batch x data-parallel size (" + std::to_string(t.micro_batch_size) + " x " + std::to_string(dp) +
                "), no gradient accumulation; raise it in multiples of that" +
                (dpo ? std::string("; counted in preference pairs") : std::string()));
  }
  const std::string batch_note = micro_batch_note(s, estimate);
  doc.set("/policy/train_micro_batch_size", t.micro_batch_size,
          batch_note.empty() ? std::string("train.micro_batch_size") : batch_note,
          dpo ? "a pair is a chosen and a rejected sequence: 2 sequences each" : "");
  doc.set("/policy/max_total_sequence_length", sequence, {},
          grpo ? "rl.rollout.max_prompt_len + max_response_len" : "train.seq_len");
  doc.set("/policy/precision", nemo_precision(t.precision), {}, std::string("train.precision ") + to_string(t.precision));
  if (rl && s.rl.logprob_micro_batch_size) {
    doc.set("/policy/logprob_batch_size", *s.rl.logprob_micro_batch_size, {}, "rl.logprob_micro_batch_size");
  }
  if (rl && s.rl.sequence_packing) {
    doc.set("/policy/sequence_packing/enabled", true, {}, "rl.sequence_packing: only real tokens");
  }
  set_parallelism(doc, s, !rl, notes);

  if (grpo) {
    doc.set("/policy/generation/backend", "vllm",
            r.engine == Engine::hf ? "rl.rollout.engine is \"hf\"; NeMo RL's GRPO generates with vLLM (or Megatron)"
                                   : std::string());
    doc.set("/policy/generation/max_new_tokens", r.max_response_len, {}, "rl.rollout.max_response_len");
    doc.set("/policy/generation/vllm_cfg/tensor_parallel_size", r.tp, {}, "rl.rollout.tp");
    doc.set("/policy/generation/vllm_cfg/gpu_memory_utilization", r.gpu_memory_utilization, {},
            "rl.rollout.gpu_memory_utilization");
    doc.set("/policy/generation/vllm_cfg/max_model_len", sequence);
    doc.set("/policy/generation/colocated/enabled", r.colocated,
            r.colocated ? std::string()
                        : "rollout on GPUs of its own: set policy.generation.colocated.resources (gpus_per_node on "
                          "one node, num_nodes on several) to the GPUs vLLM gets; they come out of cluster below");
    doc.set("/data/max_input_seq_length", r.max_prompt_len, {}, "rl.rollout.max_prompt_len");
    if (s.rl.reward_model) {
      notes.push_back("rl.reward_model: NeMo RL scores GRPO rollouts with an environment (env.math in " + base +
                      "); a reward model is configured as an environment, see " + guide);
    }
  }

  doc.set("/cluster/gpus_per_node", cluster.gpus_per_node, {}, "gpus " + std::to_string(s.gpus) + " in nodes of up to 8");
  doc.set("/cluster/num_nodes", cluster.nodes);

  if (t.optimizer != Optimizer::adamw) {
    notes.push_back(std::string("train.optimizer \"") + to_string(t.optimizer) +
                    "\": the example configs use torch.optim.AdamW (policy.optimizer); change name and kwargs there");
  }

  std::vector<std::string> header = {
      std::string("NeMo RL ") + (grpo ? "GRPO" : dpo ? "DPO" : "SFT") + " config for " + model.path +
          ", generated by vramplan from a scenario.",
      "Save it in examples/configs/ of a NeMo RL checkout (or fix the relative path in `defaults`), then run:",
      "  uv run " + runner + " --config <this file>",
      "Keys: examples/configs/" + base + " and " + guide + " in github.com/NVIDIA-NeMo/RL.",
  };
  return render_with_header(std::move(doc), std::move(header), s, estimate, notes);
}

}  // namespace vramplan::config
