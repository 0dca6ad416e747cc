// NeMo RL (github.com/NVIDIA-NeMo/RL): a recipe that overrides one of its example configs.
// Key names and nesting are those of examples/configs/grpo_math_1B.yaml, ppo_math_1B.yaml, sft.yaml and
// dpo.yaml (snapshots in data/frameworks/nemo-rl/, checked by tests/unit/frameworks/test_schema.cpp); the
// `defaults:` form is the one used by every recipe under examples/configs/recipes/llm/.
#include <optional>
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


// policy.megatron_cfg.fp8_cfg (nemo_rl/models/policy/__init__.py Fp8Config: enabled, fp8, fp8_recipe, fp8_param;
// megatron/setup.py hands fp8 and fp8_recipe to Megatron-Core): Transformer Engine recipes on the Megatron backend.
// Megatron-Core's recipe names: delayed, tensorwise, mxfp8 (and blockwise, which vramplan does not model).
void set_fp8(yaml::Document& doc, const TrainSettings& t, bool megatron, std::vector<std::string>& notes) {
  if (t.fp8 == Fp8Recipe::none) return;
  const char* recipe = t.fp8 == Fp8Recipe::te_delayed      ? "delayed"
                       : t.fp8 == Fp8Recipe::te_tensorwise ? "tensorwise"
                       : t.fp8 == Fp8Recipe::te_mxfp8      ? "mxfp8"
                                                           : nullptr;
  if (recipe == nullptr || !megatron) {
    notes.push_back(std::string("train.fp8 ") + to_string(t.fp8) + ": NeMo RL trains in fp8 with Transformer Engine on " +
                    "its Megatron backend only (policy.megatron_cfg.fp8_cfg): fp8 left off");
    return;
  }
  doc.set("/policy/megatron_cfg/fp8_cfg/enabled", true, std::string("train.fp8 ") + to_string(t.fp8));
  doc.set("/policy/megatron_cfg/fp8_cfg/fp8", "e4m3");
  doc.set("/policy/megatron_cfg/fp8_cfg/fp8_recipe", recipe);
  doc.set("/policy/megatron_cfg/fp8_cfg/fp8_param", t.fp8_all_gather, {}, "train.fp8_all_gather: parameters kept in fp8");
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
    set_fp8(doc, t, true, notes);
    return;
  }
  set_fp8(doc, t, false, notes);
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

// What one algorithm's config is built from: its base config, runner and guide in NeMo RL.
struct Flavor {
  bool grpo = false;
  bool ppo = false;
  bool dpo = false;
  std::string base;    // examples/configs/<base>
  std::string runner;  // examples/<runner>
  std::string guide;   // docs/guides/<guide>
  std::string name;    // GRPO, PPO, DPO, SFT
};

// Runners: examples/run_grpo.py from NeMo RL 0.5 (7e5df0cc8, #1506, 2025-12-13), run_grpo_math.py before it
// (removed in 0.6 by 4b4824887, #1841); PPO from 0.7 (run_ppo.py 857b11522 #2530, ppo_math_1B.yaml 4c0c268ad
// #2837, 2026-06).
Flavor flavor_of(const Scenario& s, Version v) {
  Flavor f;
  const bool rl = s.workload == Workload::rl;
  f.grpo = rl && s.rl.algorithm == RlAlgorithm::grpo;
  f.ppo = rl && s.rl.algorithm == RlAlgorithm::ppo;
  f.dpo = rl && s.rl.algorithm == RlAlgorithm::dpo;
  if (f.grpo) {
    f = Flavor{true, false, false, "grpo_math_1B.yaml", v.at_least(0, 5) ? "examples/run_grpo.py" : "examples/run_grpo_math.py",
               "docs/guides/grpo.md", "GRPO"};
  }
  if (f.ppo) f = Flavor{false, true, false, "ppo_math_1B.yaml", "examples/run_ppo.py", "docs/guides/ppo.md", "PPO"};
  if (f.dpo) f = Flavor{false, false, true, "dpo.yaml", "examples/run_dpo.py", "docs/guides/dpo.md", "DPO"};
  if (!rl) f = Flavor{false, false, false, "sft.yaml", "examples/run_sft.py", "docs/guides/sft.md", "SFT"};
  return f;
}

bool generates(const Flavor& f) { return f.grpo || f.ppo; }

std::int64_t sequence_length(const Scenario& s, const Flavor& f) {
  return generates(f) ? s.rl.rollout.max_prompt_len + s.rl.rollout.max_response_len : s.train.seq_len;
}

// grpo.* / ppo.*: prompts and generations per step; the reference's KL term.
void set_algorithm(yaml::Document& doc, const Scenario& s, const Flavor& f, std::vector<std::string>& notes) {
  const RolloutSettings& r = s.rl.rollout;
  if (generates(f)) {
    const std::string section = f.grpo ? "/grpo" : "/ppo";
    doc.set(section + "/num_prompts_per_step", r.prompts_per_step, {}, "rl.rollout.prompts_per_step");
    doc.set(section + "/num_generations_per_prompt", r.generations_per_prompt, {}, "rl.rollout.generations_per_prompt");
  }
  if (f.grpo && !s.rl.reference) {
    doc.set("/loss_fn/reference_policy_kl_penalty", 0.0, "rl.reference is false: no KL term against a reference policy");
  }
  if (f.ppo) {
    // ppo_math_1B.yaml is DAPO-style: no KL and no reference log-probs unless asked for.
    doc.set("/ppo/skip_reference_policy_logprobs_calculation", !s.rl.reference, {},
            s.rl.reference ? "rl.reference: the reference policy scores every rollout" : "rl.reference is false");
    if (s.rl.reference) doc.set("/loss_fn/reference_policy_kl_penalty", 0.01, "the KL coefficient of grpo_math_1B.yaml");
    if (!s.rl.critic) notes.push_back("rl.critic is false, but NeMo RL's PPO always trains a value model (value.*)");
  }
  if (f.dpo && !s.rl.reference) {
    notes.push_back("rl.reference is false, but DPO in NeMo RL always scores against the reference policy");
  }
}

// policy.* batch and sequence keys.
void set_policy_batches(yaml::Document& doc, const Scenario& s, const Flavor& f, const EstimateNotes& estimate) {
  const TrainSettings& t = s.train;
  const RolloutSettings& r = s.rl.rollout;
  const std::int64_t dp = data_parallel_size(s);
  if (generates(f)) {
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
                (f.dpo ? std::string("; counted in preference pairs") : std::string()));
  }
  const std::string batch_note = micro_batch_note(s, estimate);
  doc.set("/policy/train_micro_batch_size", t.micro_batch_size,
          batch_note.empty() ? std::string("train.micro_batch_size") : batch_note,
          f.dpo ? "a pair is a chosen and a rejected sequence: 2 sequences each" : "");
  doc.set("/policy/max_total_sequence_length", sequence_length(s, f), {},
          generates(f) ? "rl.rollout.max_prompt_len + max_response_len" : "train.seq_len");
  doc.set("/policy/precision", nemo_precision(t.precision), {}, std::string("train.precision ") + to_string(t.precision));
  if (s.workload == Workload::rl && s.rl.logprob_micro_batch_size) {
    doc.set("/policy/logprob_batch_size", *s.rl.logprob_micro_batch_size, {}, "rl.logprob_micro_batch_size");
  }
  // Written either way: grpo_math_1B.yaml and ppo_math_1B.yaml pack by default, dpo.yaml and sft.yaml do not.
  if (s.workload == Workload::rl) {
    doc.set("/policy/sequence_packing/enabled", s.rl.sequence_packing, {},
            s.rl.sequence_packing ? "rl.sequence_packing: only real tokens" : "rl.sequence_packing false");
  }
}

// policy.generation.* (vLLM) and data.max_input_seq_length.
void set_generation(yaml::Document& doc, const Scenario& s, const Flavor& f, std::vector<std::string>& notes) {
  const RolloutSettings& r = s.rl.rollout;
  doc.set("/policy/generation/backend", "vllm",
          r.engine == Engine::hf ? "rl.rollout.engine is \"hf\"; NeMo RL generates with vLLM (or Megatron)"
                                 : std::string());
  doc.set("/policy/generation/max_new_tokens", r.max_response_len, {}, "rl.rollout.max_response_len");
  doc.set("/policy/generation/vllm_cfg/tensor_parallel_size", r.tp, {}, "rl.rollout.tp");
  doc.set("/policy/generation/vllm_cfg/gpu_memory_utilization", r.gpu_memory_utilization, {},
          "rl.rollout.gpu_memory_utilization");
  doc.set("/policy/generation/vllm_cfg/max_model_len", sequence_length(s, f));
  doc.set("/policy/generation/colocated/enabled", r.colocated,
          r.colocated ? std::string()
                      : "rollout on GPUs of its own: set policy.generation.colocated.resources (gpus_per_node on "
                        "one node, num_nodes on several) to the GPUs vLLM gets; they come out of cluster below");
  doc.set("/data/max_input_seq_length", r.max_prompt_len, {}, "rl.rollout.max_prompt_len");
  if (s.rl.reward_model) {
    notes.push_back("rl.reward_model: NeMo RL scores rollouts with an environment (env.math in " + f.base +
                    "); a reward model is configured as an environment, see " + f.guide);
  }
}

// value.* (PPO's critic): the policy's parallelism, checkpointing and micro-batch.
void set_value_model(yaml::Document& doc, const Scenario& s) {
  const TrainSettings& t = s.train;
  doc.set("/value/train_micro_batch_size", t.micro_batch_size, "the value model (critic) of the policy's architecture");
  doc.set("/value/dtensor_cfg/cpu_offload", t.offload_params || t.offload_optimizer);
  doc.set("/value/dtensor_cfg/activation_checkpointing", t.gradient_checkpointing);
  doc.set("/value/dtensor_cfg/tensor_parallel_size", t.tp);
  doc.set("/value/dtensor_cfg/context_parallel_size", t.cp);
}

// What a release cannot run: PPO before 0.7; LoRA (policy.dtensor_cfg.lora_cfg) for SFT before 0.5
// (32f5bef5e, #1556), for GRPO (dacac7e0c, #1797) and DPO (c9db94684, #1826) and the Megatron SFT path
// (megatron_cfg.peft, 480976524, #1629) before 0.6. Older releases ignore the keys: a silent full fine-tune.
std::optional<Error> unsupported(const Scenario& s, const Flavor& f, Version v) {
  const std::string release = "NeMo RL " + version_text(v);
  if (f.ppo && !v.at_least(0, 7)) {
    return Error{"/rl/algorithm", release + " has no PPO (examples/run_ppo.py and ppo_math_1B.yaml came in 0.7): "
                                            "give config.framework_version 0.7 or use --format verl, got \"ppo\""};
  }
  if (s.train.method == Method::full) return std::nullopt;
  const bool sft_dtensor = !f.grpo && !f.ppo && !f.dpo && s.train.pp == 1;
  const Version needed = sft_dtensor ? Version{0, 5} : Version{0, 6};
  if (v.at_least(needed.major, needed.minor)) return std::nullopt;
  return Error{"/train/method", release + " has no LoRA for " + f.name + (s.train.pp > 1 ? " with Megatron" : "") +
                                    " (policy." + (s.train.pp > 1 ? "megatron_cfg.peft" : "dtensor_cfg.lora_cfg") +
                                    " came in " + version_text(needed) + "): give config.framework_version " +
                                    version_text(needed) + " or later, got \"" + to_string(s.train.method) + "\""};
}

// {grpo,ppo,dpo,sft}.max_num_epochs / max_num_steps: NeMo RL stops at whichever comes first.
void set_run_length(yaml::Document& doc, const Scenario& s, const Flavor& f, std::vector<std::string>& notes) {
  const RunLimits run = run_limits(s, true, notes);
  const std::string section = f.grpo ? "/grpo" : f.ppo ? "/ppo" : f.dpo ? "/dpo" : "/sft";
  if (run.epochs) doc.set(section + "/max_num_epochs", static_cast<std::int64_t>(*run.epochs), {}, "dataset.epochs");
  if (run.steps) doc.set(section + "/max_num_steps", *run.steps, {}, "rl.steps");
}

}  // namespace

Expected<std::string> nemo_rl_config(const Scenario& s, const EstimateNotes& estimate) {
  const auto version = resolve_version(s, Format::nemo_rl);
  if (!version.ok()) return version.error();
  const Version v = version.value();
  const Flavor f = flavor_of(s, v);
  if (auto refused = unsupported(s, f, v)) return *refused;
  const ModelReference model = model_reference(s);
  const ClusterShape cluster = cluster_shape(s.gpus);
  std::vector<std::string> notes;

  yaml::Document doc;
  doc.set("/defaults", f.base, "every key not set below keeps its value from examples/configs/" + f.base);
  set_algorithm(doc, s, f, notes);
  set_run_length(doc, s, f, notes);
  doc.set("/policy/model_name", model.path, model.note);
  doc.set("/policy/tokenizer/name", model.path);
  set_policy_batches(doc, s, f, estimate);
  set_parallelism(doc, s, s.workload != Workload::rl, notes);
  if (generates(f)) set_generation(doc, s, f, notes);
  if (f.ppo) set_value_model(doc, s);

  doc.set("/cluster/gpus_per_node", cluster.gpus_per_node, {}, "gpus " + std::to_string(s.gpus) + " in nodes of up to 8");
  doc.set("/cluster/num_nodes", cluster.nodes);
  if (s.train.optimizer != Optimizer::adamw) {
    notes.push_back(std::string("train.optimizer \"") + to_string(s.train.optimizer) +
                    "\": the example configs use torch.optim.AdamW (policy.optimizer); change name and kwargs there");
  }
  std::vector<std::string> header = {
      "NeMo RL " + f.name + " config for " + model.path + ", generated by vramplan from a scenario.",
      "Save it in examples/configs/ of a NeMo RL checkout (or fix the relative path in `defaults`), then run:",
      "  uv run " + f.runner + " --config <this file>",
      "Keys: examples/configs/" + f.base + " and " + f.guide + " in github.com/NVIDIA-NeMo/RL.",
      version_line(Format::nemo_rl, v),
  };
  return render_with_header(std::move(doc), std::move(header), s, estimate, notes);
}

}  // namespace vramplan::config
