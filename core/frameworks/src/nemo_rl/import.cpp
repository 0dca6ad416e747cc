// NeMo RL recipes back into a scenario: a YAML with `defaults: <base>.yaml` (examples/configs/recipes/llm/)
// over the snapshot bases data/frameworks/nemo-rl/{grpo_math_1B,ppo_math_1B,dpo,sft}.json, plus
// `key=value` overrides as `uv run examples/run_grpo.py --config FILE key=value` takes them. Key meanings:
// nemo_rl/models/policy/__init__.py (PolicyConfig), nemo_rl/models/policy/workers/dtensor_policy_worker.py
// (fp32 weights, bf16 compute: torch_dtype=torch.float32 with a MixedPrecisionPolicy).
#include <algorithm>
#include <string>

#include "../import/import_internal.hpp"

namespace vramplan::config {

namespace {

const std::vector<std::string> kHarmless = {
    "checkpointing", "logger", "data.dataset_name", "data.prompt_file", "data.system_prompt_file", "data.shuffle",
    "data.train", "data.validation", "data.default", "env", "*.max_num_steps", "*.max_num_epochs", "*.val_period",
    "*.val_at_start", "*.val_at_end", "*.val_batch_size", "*.val_global_batch_size", "*.val_micro_batch_size",
    "*.max_val_samples", "*.seed", "*.lr", "policy.tokenizer", "policy.optimizer.kwargs", "policy.scheduler",
    "policy.max_grad_norm", "policy.make_sequence_length_divisible_by", "policy.generation.temperature",
    "policy.generation.top_p", "policy.generation.top_k", "policy.generation.stop_token_ids",
    "policy.generation.stop_strings", "loss_fn", "grpo.normalize_rewards", "grpo.use_leave_one_out_baseline",
    "grpo.overlong_filtering", "dpo.reference_policy_kl_penalty", "dpo.preference_loss_weight", "dpo.sft_loss_weight",
    "dpo.preference_average_log_probs", "dpo.sft_average_log_probs", "policy.dynamic_batching.train_mb_tokens",
    "policy.dynamic_batching.logprob_mb_tokens", "policy.dynamic_batching.sequence_length_round", "defaults",
    "data.add_generation_prompt", "cluster.segment_size",
};

const char* precision_of(const std::string& precision) {
  if (precision == "float32") return "fp32";
  if (precision == "float16") return "amp-fp16";
  return "amp-bf16";
}

void map_lora(ImportContext& c, const std::string& key, const char* rank_key) {
  if (!c.flag(key + ".enabled", false)) return;
  c.set("train.method", "lora");
  if (const auto rank = c.integer(key + "." + rank_key)) c.set("train.lora.rank", *rank);
  if (const auto alpha = c.number(key + ".alpha")) c.set("train.lora.alpha", *alpha);
  const Json* targets = c.get(key + ".target_modules");
  if (!c.flag(key + ".match_all_linear", true) && targets != nullptr && targets->is_array() && !targets->empty()) {
    c.set("train.lora.targets", *targets);
  }
}

// policy.dtensor_cfg (FSDP2, TP, CP) or policy.megatron_cfg.
void map_parallelism(ImportContext& c) {
  c.set("train.sharding", "fsdp");
  if (c.flag("policy.megatron_cfg.enabled", false)) {
    const std::string m = "policy.megatron_cfg.";
    c.set("train.tp", c.integer(m + "tensor_model_parallel_size").value_or(1));
    c.set("train.pp", c.integer(m + "pipeline_model_parallel_size").value_or(1));
    c.set("train.cp", c.integer(m + "context_parallel_size").value_or(1));
    c.set("train.gradient_checkpointing", c.flag(m + "activation_checkpointing", false));
    c.set("train.offload_optimizer", c.flag(m + "optimizer.optimizer_cpu_offload", false));
    map_lora(c, m + "peft", "dim");
    return;
  }
  const std::string d = "policy.dtensor_cfg.";
  c.set("train.tp", c.integer(d + "tensor_parallel_size").value_or(1));
  c.set("train.cp", c.integer(d + "context_parallel_size").value_or(1));
  c.set("train.gradient_checkpointing", c.flag(d + "activation_checkpointing", false));
  const bool offload = c.flag(d + "cpu_offload", false);
  c.set("train.offload_params", offload);
  c.set("train.offload_optimizer", offload);
  c.mark(d + "sequence_parallel");
  c.mark(d + "enabled");
  c.mark(d + "_v2");
  map_lora(c, d + "lora_cfg", "dim");
}

// policy.megatron_cfg.fp8_cfg (Fp8Config), read on the Megatron backend: Megatron-Core's recipe names; blockwise
// (128 x 128 block scales) is counted as tensorwise, whose copies it keeps. fp8_param keeps the parameters in fp8
// next to the distributed optimizer's fp32 main params: train.fp8_all_gather with mixed-bf16.
void map_fp8(ImportContext& c) {
  const std::string f = "policy.megatron_cfg.fp8_cfg.";
  if (!c.flag("policy.megatron_cfg.enabled", false) || !c.flag(f + "enabled", false)) return;
  const std::string recipe = c.text(f + "fp8_recipe").value_or("tensorwise");
  c.set("train.fp8", recipe == "delayed" ? "te-delayed" : recipe == "mxfp8" ? "te-mxfp8" : "te-tensorwise");
  if (recipe != "delayed" && recipe != "mxfp8" && recipe != "tensorwise") {
    c.warn("policy.megatron_cfg.fp8_cfg.fp8_recipe=" + recipe + ": counted as te-tensorwise");
  }
  c.mark(f + "fp8");
  if (c.flag(f + "fp8_param", false)) {
    c.set("train.fp8_all_gather", true);
    c.set("train.precision", "mixed-bf16");
  }
}

void map_policy(ImportContext& c) {
  c.set("train.micro_batch_size", c.integer("policy.train_micro_batch_size").value_or(1));
  c.set("train.precision", precision_of(c.text("policy.precision").value_or("bfloat16")));
  const auto optimizer = c.text("policy.optimizer.name").value_or("torch.optim.AdamW");
  if (optimizer.find("AdamW") == std::string::npos && optimizer.find("Adam") == std::string::npos) {
    c.warn("policy.optimizer.name=" + optimizer + ": modelled as AdamW (two fp32 states per parameter)");
  }
  if (c.flag("policy.dynamic_batching.enabled", false)) {
    c.warn("policy.dynamic_batching.enabled=true: micro-batches are packed up to train_mb_tokens; modelled as "
           "train_micro_batch_size full-length sequences");
  }
  c.mark("policy.train_global_batch_size");
  map_parallelism(c);
}

// Prompt and response lengths: both bounded by policy.max_total_sequence_length (vLLM's max_model_len).
void map_lengths(ImportContext& c) {
  const std::int64_t total = std::max<std::int64_t>(2, c.integer("policy.max_total_sequence_length").value_or(1024));
  const std::int64_t input = c.integer("data.max_input_seq_length").value_or(total);
  const std::int64_t new_tokens = c.integer("policy.generation.max_new_tokens").value_or(total);
  std::int64_t prompt = std::min(input, total);
  std::int64_t response = std::min(new_tokens, total - prompt);
  if (response < 1) {
    response = std::min(new_tokens, total / 2);
    prompt = total - response;
    c.warn("data.max_input_seq_length=" + std::to_string(input) + " and policy.generation.max_new_tokens=" +
           std::to_string(new_tokens) + " share policy.max_total_sequence_length=" + std::to_string(total) +
           ": modelled as prompt " + std::to_string(prompt) + " + response " + std::to_string(response));
  }
  c.set("rl.rollout.max_prompt_len", prompt);
  c.set("rl.rollout.max_response_len", response);
}

// policy.generation: vLLM, colocated or on GPUs of its own (grpo.py setup(): the resource rules).
void map_generation(ImportContext& c, std::int64_t gpus_per_node, std::int64_t nodes) {
  const std::string g = "policy.generation.";
  const auto backend = c.text(g + "backend").value_or("vllm");
  if (backend != "vllm") c.warn(g + "backend=" + backend + ": modelled as vLLM");
  c.set("rl.rollout.engine", "vllm");
  const auto tp = c.integer(g + "vllm_cfg.tensor_parallel_size").value_or(1);
  c.set("rl.rollout.tp", tp);
  if (const auto u = c.number(g + "vllm_cfg.gpu_memory_utilization")) c.set("rl.rollout.gpu_memory_utilization", *u);
  if (c.flag(g + "vllm_cfg.enforce_eager", false)) c.set("rl.rollout.enforce_eager", true);
  const bool colocated = c.flag(g + "colocated.enabled", true);
  c.set("rl.rollout.colocated", colocated);
  const auto gen_gpus = c.integer(g + "colocated.resources.gpus_per_node");
  const auto gen_nodes = c.integer(g + "colocated.resources.num_nodes");
  if (!colocated && !gen_gpus) {
    c.warn("preflight: policy.generation.colocated.enabled=false needs colocated.resources.gpus_per_node (and "
           "num_nodes); NeMo RL stops at start-up. Fix: colocated.resources.gpus_per_node=" + std::to_string(tp));
  } else if (!colocated && nodes == 1 && *gen_gpus >= gpus_per_node) {
    c.warn("preflight: colocated.resources.gpus_per_node=" + std::to_string(*gen_gpus) + " leaves no training GPU of the " +
           std::to_string(gpus_per_node) + " on the node. Fix: fewer generation GPUs or cluster.num_nodes=2");
  } else if (colocated && (gen_gpus || gen_nodes)) {
    c.warn("preflight: colocated.resources is set while colocated.enabled=true; NeMo RL requires it null when "
           "colocated. Fix: remove policy.generation.colocated.resources");
  }
  if (!colocated && gen_gpus && *gen_gpus % tp != 0) {
    c.warn("preflight: colocated.resources.gpus_per_node=" + std::to_string(*gen_gpus) +
           " is not a multiple of vllm_cfg.tensor_parallel_size=" + std::to_string(tp));
  }
  c.mark(g + "max_new_tokens");
}

// grpo.* / ppo.*: the algorithm, prompts and generations, the reference.
void map_rl(ImportContext& c, const std::string& algorithm) {
  const std::string section = algorithm == "ppo" ? "ppo." : "grpo.";
  c.set("rl.algorithm", algorithm);
  c.set("rl.rollout.prompts_per_step", c.integer(section + "num_prompts_per_step").value_or(32));
  c.set("rl.rollout.generations_per_prompt", c.integer(section + "num_generations_per_prompt").value_or(16));
  if (algorithm == "ppo") {
    c.set("rl.critic", true);
    c.set("rl.reference", !c.flag("ppo.skip_reference_policy_logprobs_calculation", false));
  } else {
    c.set("rl.reference", c.number("loss_fn.reference_policy_kl_penalty").value_or(0.01) != 0.0);
  }
  c.set("rl.sequence_packing", c.flag("policy.sequence_packing.enabled", false));
  const auto logprob = c.integer("policy.logprob_batch_size");
  if (logprob && *logprob != c.integer("policy.train_micro_batch_size").value_or(1)) {
    c.set("rl.logprob_micro_batch_size", *logprob);
  }
  map_lengths(c);
}

// NeMo RL asserts train_global_batch_size % (train_micro_batch_size x data-parallel size) == 0.
void check_global_batch(ImportContext& c, std::int64_t gpus) {
  const auto global = c.integer("policy.train_global_batch_size");
  const auto micro = c.integer("policy.train_micro_batch_size").value_or(1);
  const std::int64_t model_parallel = c.integer("policy.dtensor_cfg.tensor_parallel_size").value_or(1) *
                                      c.integer("policy.dtensor_cfg.context_parallel_size").value_or(1);
  const std::int64_t dp = std::max<std::int64_t>(1, gpus / std::max<std::int64_t>(1, model_parallel));
  if (global && *global % (micro * dp) != 0) {
    c.warn("preflight: policy.train_global_batch_size=" + std::to_string(*global) + " is not a multiple of micro batch x "
           "data-parallel size (" + std::to_string(micro) + " x " + std::to_string(dp) + "); NeMo RL stops at start-up. "
           "Fix: policy.train_global_batch_size=" + std::to_string((*global + micro * dp - 1) / (micro * dp) * (micro * dp)));
  }
}

// "../../grpo_math_1B.yaml" -> "grpo_math_1B"; the algorithm from the base's name.
std::string base_name(const Json& tree) {
  const Json* defaults = find_dotted(tree, "defaults");
  std::string name = defaults != nullptr && defaults->is_string() ? defaults->get<std::string>() : std::string();
  if (defaults != nullptr && defaults->is_array() && !defaults->empty() && defaults->front().is_string()) {
    name = defaults->front().get<std::string>();
  }
  const std::size_t slash = name.rfind('/');
  if (slash != std::string::npos) name = name.substr(slash + 1);
  if (name.size() > 5 && name.compare(name.size() - 5, 5, ".yaml") == 0) name.resize(name.size() - 5);
  if (name.empty()) {
    for (const char* section : {"grpo", "ppo", "dpo", "sft"}) {
      if (tree.contains(section)) return std::string(section) == "grpo" ? "grpo_math_1B" : std::string(section) == "ppo" ? "ppo_math_1B" : section;
    }
  }
  return name;
}

Expected<ImportResult> scenario_of(ImportContext& c, const std::string& base) {
  const auto model = c.text("policy.model_name");
  if (!model) return Error{"/policy/model_name", "the policy model is required (a catalog id)"};
  const std::int64_t per_node = c.integer("cluster.gpus_per_node").value_or(1);
  const std::int64_t nodes = c.integer("cluster.num_nodes").value_or(1);
  c.set("model", *model);
  c.set("gpus", per_node * nodes);
  map_policy(c);
  map_fp8(c);
  const bool grpo = base.rfind("grpo", 0) == 0;
  const bool ppo = base.rfind("ppo", 0) == 0;
  if (grpo || ppo) {
    c.set("workload", "rl");
    map_rl(c, ppo ? "ppo" : "grpo");
    map_generation(c, per_node, nodes);
    check_heads_divisible(c, *model, c.integer("policy.generation.vllm_cfg.tensor_parallel_size").value_or(1),
                          "policy.generation.vllm_cfg.tensor_parallel_size");
    check_max_model_len(c, c.integer("policy.generation.vllm_cfg.max_model_len"),
                        c.integer("policy.max_total_sequence_length").value_or(0), "policy.generation.vllm_cfg.max_model_len");
  } else {
    const bool dpo = base.rfind("dpo", 0) == 0;
    c.set("workload", dpo ? "rl" : "train");
    if (dpo) c.set("rl.algorithm", "dpo");
    c.set("train.seq_len", c.integer("policy.max_total_sequence_length").value_or(1024));
  }
  // <algorithm>.max_num_epochs / max_num_steps: the run ends at whichever comes first (sft.yaml's comment).
  const std::string section = grpo ? "grpo" : ppo ? "ppo" : base.rfind("dpo", 0) == 0 ? "dpo" : "sft";
  const bool rl = section != "sft";
  map_run_length(c, RunLength{section + ".max_num_epochs", section + ".max_num_steps", rl,
                              rl ? 0 : c.integer("policy.train_global_batch_size").value_or(0)});
  check_global_batch(c, per_node * nodes);
  return c.finish(kHarmless);
}

}  // namespace

Expected<ImportResult> import_nemo_rl(const ImportInput& input) {
  const std::string base = base_name(input.tree);
  const Json* found = base_config("nemo-rl/" + base);
  if (found == nullptr) {
    std::string known;
    for (const auto& name : base_config_names()) {
      if (name.rfind("nemo-rl/", 0) == 0) known += (known.empty() ? "" : ", ") + name.substr(8) + ".yaml";
    }
    return Error{"/defaults", "the base config \"" + base + "\" is not in vramplan's NeMo RL snapshot (" + known +
                                  "): merge it into the file or start from one of those"};
  }
  Json tree = *found;
  std::vector<std::string> user_keys;
  Json own = input.tree;
  own.erase("defaults");
  collect_leaves(own, "", user_keys);
  merge_into(tree, own);
  std::vector<std::string> words;
  for (const auto& w : input.words) {
    if (w.rfind("--", 0) != 0 && w.find('=') != std::string::npos) words.push_back(w);
  }
  apply_overrides(tree, words, user_keys);
  ImportContext context(resolve_interpolations(tree), std::move(user_keys));
  return scenario_of(context, base);
}

}  // namespace vramplan::config
