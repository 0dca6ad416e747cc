// RL post-training: one RL step as phases (rollout, scoring, training; plus the phases of GPUs that
// only generate or only score), each assembled from the roles present on a GPU in that phase.
// Roles are estimated with the training and inference estimators (estimate.hpp) and with the
// component functions (memory.hpp); docs/memory-model.md "RL" documents every rule used here.
#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "vramplan/estimate_rl.hpp"
#include "vramplan/memory.hpp"
#include "vramplan/text_format.hpp"

namespace vramplan {
namespace {

using namespace memory;

using text::format;
using text::gib;
double d(std::int64_t v) { return static_cast<double>(v); }
Error bad(const char* pointer, std::string message) { return Error{pointer, std::move(message), ErrorKind::invalid_input}; }

double group_params(const ParamCounts& p, const char* id) {
  for (const ParamGroup& g : p.groups) {
    if (g.id == id) return static_cast<double>(g.params);
  }
  return 0;
}

// What one role contributes to a phase on one GPU: memory held through the phase (persistent) and
// memory of the role's own computation (transient). Roles in a phase compute one after the other, so
// a phase holds every role's persistent memory plus the largest role's transient memory.
struct Part {
  std::vector<Component> persistent;
  std::vector<Component> transient;  // "allocator" among them: the cache of this role's transients
  double context = 0;                // CUDA context / NCCL (one per process: the largest is kept)
  double host = 0;
  std::vector<std::string> warnings;
};

bool is_transient_id(const std::string& id) {
  return id == "activations" || id == "logits" || id == "autocast_cache" || id == "optimizer_step" ||
         id == "allocator";
}

std::string role_label(const std::string& role) {
  if (role == "reference") return "Reference";
  if (role == "reward") return "Reward model";
  if (role == "critic") return "Critic";
  if (role == "rollout") return "Rollout engine";
  return role;
}

std::string label_for(const std::string& role, const char* label) {
  return role.empty() ? std::string(label) : role_label(role) + ": " + label;
}

std::string prefixed(const std::string& role, const std::string& id) { return role.empty() ? id : role + "." + id; }

// A whole breakdown as a part. `keep` non-empty: only those ids (a role resident between its steps).
Part part_of(const Breakdown& b, const std::string& role, const std::vector<std::string>& keep = {},
             const std::string& note = {}) {
  Part p;
  for (const Component& c : b.components) {
    if (c.id == "cuda_context") {
      p.context = std::max(p.context, c.bytes);
      continue;
    }
    if (!keep.empty() && std::find(keep.begin(), keep.end(), c.id) == keep.end()) continue;
    Component out = c;
    out.id = prefixed(role, c.id);
    if (!role.empty()) out.label = role_label(role) + ": " + c.label;
    if (!note.empty()) out.formula += note;
    if (keep.empty() && is_transient_id(c.id)) {
      p.transient.push_back(out);
    } else {
      p.persistent.push_back(out);
    }
  }
  p.host = b.host_bytes;
  p.warnings = b.warnings;
  return p;
}

double sum(const std::vector<Component>& cs, bool skip_allocator) {
  double total = 0;
  for (const Component& c : cs) {
    if (skip_allocator && c.id.size() >= 9 && c.id.compare(c.id.size() - 9, 9, "allocator") == 0) continue;
    total += c.bytes;
  }
  return total;
}

Breakdown combine(const char* phase, const std::vector<Part>& parts) {
  Breakdown b;
  b.phase = phase;
  double persistent = 0, context = 0;
  std::size_t chosen = parts.size();
  double chosen_transient = -1;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const Part& p = parts[i];
    for (const Component& c : p.persistent) b.components.push_back(c);
    persistent += sum(p.persistent, false);
    context = std::max(context, p.context);
    b.host_bytes += p.host;
    for (const std::string& w : p.warnings) {
      if (std::find(b.warnings.begin(), b.warnings.end(), w) == b.warnings.end()) b.warnings.push_back(w);
    }
    const double t = sum(p.transient, false);
    if (!p.transient.empty() && t > chosen_transient) {
      chosen_transient = t;
      chosen = i;
    }
  }
  double transient = 0, allocator = 0;
  if (chosen < parts.size()) {
    for (const Component& c : parts[chosen].transient) b.components.push_back(c);
    transient = sum(parts[chosen].transient, true);
    allocator = sum(parts[chosen].transient, false) - transient;
  }
  b.components.push_back(Component{"cuda_context", "CUDA context, kernels, NCCL", context,
                                   format("one process per GPU: the largest of its roles' contexts (%s)", gib(context).c_str())});
  b.allocated_bytes = persistent + transient;
  b.reserved_bytes = b.allocated_bytes + allocator;
  b.device_bytes = b.reserved_bytes + context;
  return b;
}

// fp32 [tokens x vocab] tensors a no-grad log-prob (and entropy) computation keeps beside the 16-bit
// logits. naive: kLogProbFp32Copies (fp32 upcast, log_softmax output, entropy's softmax x logits).
// fused: none. verl/utils/torch_functional.py logprobs_from_logits calls logprobs_from_logits_flash_attn
// whenever flash-attn is importable, i.e. flash_attn/ops/triton/cross_entropy.py CrossEntropyLoss,
// whose forward writes only per-row losses and log-sum-exp (ctx.save_for_backward(logits, lse,
// labels)); verl/workers/actor/dp_actor.py wraps entropy_from_logits in torch.compile (default
// use_torch_compile=True), which fuses softmax, product and sums into row reductions.
double logprob_fp32_copies(LogprobKernel kernel) { return kernel == LogprobKernel::fused ? 0.0 : kLogProbFp32Copies; }

// A frozen forward over `tokens` tokens that needs per-token log-probabilities (reference, old
// policy) or values (critic, values=true): one block's working set (nothing kept for backward),
// FSDP's gathered units when the weights are sharded or offloaded, and the fp32 log-prob tensors.
Part forward_part(const std::string& role, const ModelConfig& m, const ParamCounts& p, double tokens, double tp,
                  bool gathers, bool values, LogprobKernel kernel) {
  Part part;
  const TransformerStack& s = m.text;
  const LinearInventory inv = linear_inventory(s);
  double layer = inference_layer_bytes_per_token(s, 2.0, tp, false);
  if (inv.moe_layers > 0) layer = std::max(layer, inference_layer_bytes_per_token(s, 2.0, tp, true));
  const double act = tokens * layer;
  part.transient.push_back(Component{prefixed(role, "activations"),
                                     label_for(role, values ? "Value forward activations (no grad)" : "Log-prob forward activations (no grad)"),
                                     act, format("%.0f tokens x %.0f B (one block's working set, no_grad)", tokens, layer)});
  double transient = act;
  if (!values) {
    const double vocab = static_cast<double>(m.vocab_size) / tp;
    const bool fused = kernel == LogprobKernel::fused;
    const double copies = logprob_fp32_copies(kernel);
    const double logits = tokens * vocab * (2.0 + copies * 4.0);
    part.transient.push_back(Component{prefixed(role, "logits"),
                                       label_for(role, fused ? "Log-prob logits (16-bit, fused kernel)" : "Log-prob logits (16-bit + fp32 copies)"),
                                       logits,
                                       fused ? format("%.0f tokens x %.0f vocab%s x 2 B (fused: flash-attn cross-entropy keeps "
                                                      "per-row loss and log-sum-exp only, no fp32 copy)",
                                                      tokens, vocab, tp > 1 ? " / tp" : "")
                                             : format("%.0f tokens x %.0f vocab%s x (2 B + kLogProbFp32Copies %.0f x 4 B)", tokens,
                                                      vocab, tp > 1 ? " / tp" : "", copies)});
    transient += logits;
  }
  if (gathers) {
    const double unit = std::max({static_cast<double>(p.largest_layer), group_params(p, "embedding"),
                                  group_params(p, "lm_head")}) / tp;
    const double gathered = unit * kGatheredUnits * 2.0;
    part.transient.push_back(Component{prefixed(role, "gathered_params"), label_for(role, "All-gathered units (FSDP forward)"), gathered,
                                       format("kGatheredUnits %.0f x %.0f params (largest unit) x 2 B", kGatheredUnits, unit)});
    transient += gathered;
  }
  part.transient.push_back(Component{prefixed(role, "allocator"), label_for(role, "Caching-allocator cache (reserved - allocated)"),
                                     allocator_bytes(transient),
                                     format("kAllocatorTransientFraction %.2f x %s transient", kAllocatorTransientFraction,
                                            gib(transient).c_str())});
  return part;
}

// The critic: the policy's architecture with a one-output token-classification head instead of the
// LM head (verl critic: AutoModelForTokenClassification num_labels=1; OpenRLHF get_llm_for_sequence_regression).
void critic_model(const ModelConfig& policy, const ParamCounts& p, ModelConfig* m, ParamCounts* c) {
  *m = policy;
  const std::size_t pos = m->architecture.find("For");
  m->architecture = (pos == std::string::npos ? m->architecture : m->architecture.substr(0, pos)) + "ForTokenClassification";
  *c = p;
  const std::int64_t head = policy.text.hidden_size + 1;
  for (ParamGroup& g : c->groups) {
    if (g.id == "lm_head") {
      c->total -= g.params - head;
      c->embedding -= g.params;
      c->non_embedding += head;
      g.params = head;
    }
  }
  if (c->active > c->total) c->active = c->total;
}

// The policy's states that stay on the GPU between training steps (gradients are freed by
// zero_grad(set_to_none=True) after the step; offloaded states are already 0 in `train`).
const std::vector<std::string>& resident_ids() {
  static const std::vector<std::string> ids{"weights", "master_weights", "optimizer", "lora"};
  return ids;
}
// A training breakdown with persistent and transient components separated.
Part training_part(const Breakdown& b, const std::string& role) {
  Part p = part_of(b, role);
  return p;
}

Component* find_component(Breakdown& b, const char* id) {
  for (Component& c : b.components) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

// The optimizer step's temporaries, as estimate_training counts them (AdamW foreach), per GPU.
double step_temp_bytes(const TrainSettings& t, double trainable, double gpus) {
  if (t.offload_optimizer) return 0;
  const double mp = d(t.tp * t.pp);
  const double shard_ranks = std::max(1.0, gpus / mp);  // data x context parallel, as estimate_training
  return optimizer_step_temp_bytes(t.optimizer, trainable, precision_bytes(t.precision).state) / mp /
         shard_divisors(t.sharding, shard_ranks).optimizer;
}

// Sums a breakdown's components into its three levels (the transient is `transient`, whose cache is
// the allocator line).
void retotal(Breakdown& b, double transient) {
  double persistent = 0, context = 0;
  for (const Component& c : b.components) {
    if (c.id == "cuda_context") context += c.bytes;
    else if (!is_transient_id(c.id)) persistent += c.bytes;
  }
  b.allocated_bytes = persistent + transient;
  b.reserved_bytes = b.allocated_bytes + allocator_bytes(transient);
  b.device_bytes = b.reserved_bytes + context;
}

// Replaces the forward/backward transients of a training breakdown by the optimizer step's, as
// estimate_training does when the step's temporaries are the larger.
void peak_at_step(Breakdown& b, double step, double forward) {
  std::vector<Component> kept;
  for (const Component& c : b.components) {
    if (c.id != "activations" && c.id != "logits" && c.id != "autocast_cache") kept.push_back(c);
  }
  auto at = std::find_if(kept.begin(), kept.end(), [](const Component& c) { return c.id == "allocator"; });
  kept.insert(at, Component{"optimizer_step", "Optimizer step temporaries", step,
                            format("kAdamForeachTempStates %.0f x %.0f params x state bytes (AdamW foreach); larger "
                                   "than the forward/backward transients (%s)",
                                   kAdamForeachTempStates, b.trainable_params, gib(forward).c_str())});
  b.components = std::move(kept);
}

// rl.logprob_kernel "fused": the policy's loss keeps its logits in the compute dtype plus
// kFusedLogitGradCopies gradients of that shape (flash-attn CrossEntropyLoss.backward, verl
// dp_actor._forward_micro_batch) instead of kCrossEntropyFp32Copies fp32 tensors. Rewrites the
// training breakdown's logits line and its allocator cache; when the smaller forward falls below the
// optimizer step's temporaries the peak moves to the step, as in estimate_training.
void use_fused_loss(Breakdown& b, const ModelConfig& m, const TrainSettings& t, double gpus) {
  Component* logits = find_component(b, "logits");
  if (logits == nullptr || logits->bytes <= 0) return;  // optimizer-step peak or a classifier head
  const double e = t.method == Method::qlora ? 2.0 : precision_bytes(t.precision).compute;
  const double tokens = d(t.micro_batch_size) * d(t.seq_len) / d(t.cp);
  const double vocab = d(m.vocab_size) / d(t.tp);
  logits->bytes = tokens * vocab * e * (1.0 + kFusedLogitGradCopies);
  logits->label = "Logits and log-prob loss (fused kernel)";
  logits->formula = format("%.0f tokens x %.0f vocab%s x %.0f B x (logits + kFusedLogitGradCopies %.0f gradients)",
                           tokens, vocab, t.tp > 1 ? " / tp" : "", e, kFusedLogitGradCopies);
  double forward = 0;
  for (const Component& c : b.components) {
    if (c.id == "activations" || c.id == "logits" || c.id == "autocast_cache") forward += c.bytes;
  }
  const double step = step_temp_bytes(t, b.trainable_params, gpus);
  if (step > forward) peak_at_step(b, step, forward);
  const double transient = std::max(step, forward);
  if (Component* allocator = find_component(b, "allocator")) {
    allocator->bytes = allocator_bytes(transient);
    allocator->formula = format("kAllocatorTransientFraction %.2f x %s transient", kAllocatorTransientFraction,
                                gib(transient).c_str());
  }
  retotal(b, transient);
}

// The rollout engine's vLLM scheduler limits: the scenario's, else the offline LLM class defaults
// (vllm/engine/arg_utils.py get_batch_defaults, UsageContext.LLM_CLASS).
void rollout_vllm_limits(const RolloutSettings& ro, const GpuSpec* gpu, InferenceSettings* inf) {
  const bool large = vllm_large_gpu(gpu);
  inf->max_num_seqs = ro.max_num_seqs.value_or(static_cast<std::int64_t>(large ? kVllmLargeGpuMaxSeqs : kVllmSmallGpuMaxSeqs));
  inf->max_num_batched_tokens = ro.max_num_batched_tokens.value_or(
      static_cast<std::int64_t>(large ? kVllmLlmClassLargeGpuBatchedTokens : kVllmLlmClassSmallGpuBatchedTokens));
}

// Sequences a vLLM pool of `kv_tokens` runs at once: sequences of the mean length in whole blocks of
// kVllmBlockSize (vLLM allocates blocks as tokens arrive), at most max_num_seqs (the scheduler's cap);
// 0 when the pool cannot hold one sequence of the maximum length (`max_length_fits` false: vLLM
// refuses to start, vllm/v1/core/kv_cache_utils.py check_enough_kv_cache_memory).
double vllm_concurrency(double kv_tokens, double mean_len, double max_num_seqs, bool max_length_fits) {
  if (!max_length_fits) return 0;
  const double seq_tokens = std::ceil(mean_len / kVllmBlockSize) * kVllmBlockSize;
  return std::min(std::floor(kv_tokens / seq_tokens), max_num_seqs);
}

// The reference policy for the KL term. Full fine-tuning: a frozen bf16 copy of the policy, sharded
// like the policy's parameters (verl ref fsdp_config mirrors the actor's), in host RAM when the
// policy's parameters are offloaded or rl.phase_offload is set (verl ref param_offload: FSDP CPU
// offload; NeMo RL DTensorPolicyWorker keeps reference_model_state_dict in pinned host memory and
// copies it into the model for use_reference_model). LoRA / QLoRA: the frozen base with the adapters
// disabled, no second copy (verl ray_trainer ref_in_actor: compute_ref_log_prob runs compute_log_prob
// under actor_module.disable_adapter(); TRL GRPOTrainer with PEFT: ref_model None, disable_adapter).
Part reference_part(const Scenario& s, double total, double tp, double dp_shards) {
  Part p;
  if (s.train.method != Method::full) {
    p.persistent.push_back(Component{"reference.weights", "Reference: the policy's frozen base (adapters disabled)", 0.0,
                                     "LoRA: reference log-probs run the base model with the adapters disabled; no second copy"});
    return p;
  }
  const double bytes = total * 2.0 / tp / dp_shards;
  const bool in_host = s.train.offload_params || s.rl.phase_offload;
  p.persistent.push_back(Component{
      "reference.weights", "Reference: model weights (bf16, frozen)", in_host ? 0.0 : bytes,
      format("%.0f params x 2 B / tp %.0f%s%s", total, tp, dp_shards > 1 ? format(" / dp %.0f (sharded like the policy)", dp_shards).c_str() : "",
             s.train.offload_params ? "; offloaded to host with the policy's parameters"
             : s.rl.phase_offload   ? "; in host RAM, brought in for its forward (rl.phase_offload)"
                                    : "")});
  if (in_host) p.host = bytes;
  return p;
}

// rl.phase_offload: a role's states with these ids (unprefixed) are in host RAM during `phase` (verl
// fsdp_workers: offload_fsdp_model_to_cpu / offload_fsdp_optimizer after each step, load_fsdp_model_to_gpu
// in compute_log_prob, both loaded in update_actor; NeMo RL DTensorPolicyWorker: offload_after_refit
// before generation, prepare_for_lp_inference keeps the optimizer in host RAM, prepare_for_training).
Part moved_to_host(Part p, const std::vector<std::string>& ids, const char* phase) {
  for (Component& c : p.persistent) {
    const std::size_t dot = c.id.find('.');
    const std::string base = dot == std::string::npos ? c.id : c.id.substr(dot + 1);
    if (std::find(ids.begin(), ids.end(), base) == ids.end() || c.bytes <= 0) continue;
    p.host += c.bytes;
    c.formula = format("%s in host RAM during %s (rl.phase_offload; on the GPU for training)", gib(c.bytes).c_str(), phase);
    c.bytes = 0;
  }
  return p;
}

// Notes on how the mean lengths are used (the scenario is valid either way).
std::vector<std::string> length_warnings(const Scenario& s) {
  std::vector<std::string> out;
  const RolloutSettings& ro = s.rl.rollout;
  const bool means = ro.mean_prompt_len.has_value() || ro.mean_response_len.has_value();
  if (s.rl.sequence_packing && !means) {
    out.push_back("rl.sequence_packing without rl.rollout.mean_prompt_len / mean_response_len: sequences are counted "
                  "at their maximum length");
  }
  if (!s.rl.sequence_packing && means) {
    out.push_back("the mean lengths size only the rollout's concurrency; scoring and training micro-batches are padded "
                  "to max_prompt_len + max_response_len unless rl.sequence_packing is true");
  }
  return out;
}

}  // namespace

std::int64_t rl_sequence_len(const Scenario& s) { return s.rl.rollout.max_prompt_len + s.rl.rollout.max_response_len; }

std::int64_t rl_mean_sequence_len(const Scenario& s) {
  const RolloutSettings& ro = s.rl.rollout;
  return ro.mean_prompt_len.value_or(ro.max_prompt_len) + ro.mean_response_len.value_or(ro.max_response_len);
}

std::int64_t rl_scored_sequence_len(const Scenario& s) {
  return s.rl.sequence_packing ? rl_mean_sequence_len(s) : rl_sequence_len(s);
}

std::int64_t rl_logprob_micro_batch(const Scenario& s) {
  return s.rl.logprob_micro_batch_size.value_or(s.train.micro_batch_size);
}

Expected<RlEstimate> estimate_rl(const Scenario& s, const ParamCounts& params) {
  RlEstimate out;
  const RlSettings& rl = s.rl;
  const RolloutSettings& ro = rl.rollout;
  const bool dpo = rl.algorithm == RlAlgorithm::dpo;
  // Tokens per sequence in scoring and training: the mean with sequence packing, else the maximum.
  const double seq = d(rl_scored_sequence_len(s));
  const GpuSpec* gpu = s.gpu ? &*s.gpu : nullptr;

  // Placement: colocated rollout shares every GPU; otherwise one engine of rollout.tp GPUs generates
  // and the rest train (documented rule, docs/memory-model.md "RL").
  std::int64_t train_gpus = s.gpus;
  std::int64_t rollout_gpus = s.gpus;
  if (!dpo && !ro.colocated) {
    rollout_gpus = ro.tp;
    train_gpus = s.gpus - ro.tp;
    if (train_gpus < 1) {
      return bad("/rl/rollout/colocated",
                 format("false gives the rollout engine rollout.tp = %lld GPUs of its own; gpus = %lld leaves none "
                        "for training: raise gpus or set colocated to true",
                        static_cast<long long>(ro.tp), static_cast<long long>(s.gpus)));
    }
  }
  const std::int64_t mp = s.train.tp * s.train.pp * s.train.cp;
  if (train_gpus % mp != 0) {
    return bad("/gpus", format("the %lld training GPUs (gpus - rollout.tp, colocated false) must be a multiple of "
                               "train.tp x train.pp x train.cp = %lld",
                               static_cast<long long>(train_gpus), static_cast<long long>(mp)));
  }
  // Ranks that shard the weights: data-parallel together with context-parallel ones (as estimate_training).
  const double dp = std::max(1.0, d(train_gpus) / d(s.train.tp * s.train.pp));
  const double ttp = d(s.train.tp);
  const bool sharded = shards_params(s.train.sharding) && dp > 1;
  // Weights that are not whole on the GPU (sharded over dp or in host RAM): generation needs its own copy.
  const bool gathers = sharded || s.train.offload_params;
  // Forwards of an FSDP / ZeRO-3 module (any dp: FSDP's mixed precision casts each unit to a bf16 copy)
  // or of offloaded weights run unit by unit: kGatheredUnits units, and refit pushes one unit at a time.
  const bool unit_wise = shards_params(s.train.sharding) || s.train.offload_params || rl.phase_offload;

  // The policy trains on max_prompt_len + max_response_len tokens per sequence (padded to the longest a
  // rollout produces), or on the mean lengths when the trainer packs sequences (verl
  // use_remove_padding: dp_actor._forward_micro_batch unpad_input; NeMo RL sequence_packing); DPO's
  // micro-batch holds chosen and rejected sequences.
  TrainSettings train = s.train;
  train.seq_len = rl_scored_sequence_len(s);
  if (dpo) train.micro_batch_size *= 2;
  // Sequences of one log-prob (scoring) micro-batch: rl.logprob_micro_batch_size, else the training one.
  const double logprob_micro = d(rl_logprob_micro_batch(s)) * (dpo ? 2.0 : 1.0);
  // Tokens per GPU of one log-prob micro-batch (context / Ulysses sequence parallelism splits them).
  const double micro_tokens = logprob_micro * seq / d(s.train.cp);

  auto policy_train = estimate_training(s.model.config, params, train, train_gpus);
  if (!policy_train.ok()) return policy_train.error();
  Breakdown pt = std::move(policy_train).value();
  if (rl.logprob_kernel == LogprobKernel::fused) use_fused_loss(pt, s.model.config, train, d(train_gpus));

  const double total = static_cast<double>(params.total);
  Part reference_resident;
  if (rl.reference) reference_resident = reference_part(s, total, ttp, sharded ? dp : 1.0);
  const bool ref_gathers = unit_wise;  // offloaded or phase-offloaded references come in unit by unit too

  // Critic (PPO): the policy's architecture with a value head, trained with the policy's settings.
  ModelConfig critic_cfg;
  ParamCounts critic_params;
  Breakdown critic_train;
  if (rl.critic) {
    critic_model(s.model.config, params, &critic_cfg, &critic_params);
    auto ct = estimate_training(critic_cfg, critic_params, train, train_gpus);
    if (!ct.ok()) return ct.error();
    critic_train = std::move(ct).value();
  }

  // Reward model: a frozen scorer or generative judge in its own weight dtype; its forward reads a
  // micro-batch of whole sequences (KV cache and activations of the hf engine's prefill).
  Breakdown reward_b;
  const bool reward = rl.reward_model.has_value() && !dpo;
  if (reward) {
    auto rp = count_params(rl.reward_model->model.config);
    if (!rp.ok()) return Error{"/rl/reward_model/model", rp.error().message, ErrorKind::invalid_input};
    InferenceSettings inf;
    inf.engine = Engine::hf;
    inf.batch_size = static_cast<std::int64_t>(logprob_micro);
    inf.context_len = rl_scored_sequence_len(s);
    inf.weight_dtype = rl.reward_model->weight_dtype;
    auto rb = estimate_inference(rl.reward_model->model.config, rp.value(), inf, 1, gpu, nullptr);
    if (!rb.ok()) return Error{"/rl/reward_model", rb.error().message, ErrorKind::invalid_input};
    reward_b = std::move(rb).value();
  }
  if (rl.reward_model.has_value() && dpo) out.warnings.push_back("rl.reward_model is not used by dpo (preference pairs need no reward)");
  const bool reward_here = reward && rl.reward_model->colocated;
  auto reward_resident = [&]() {
    Part p = part_of(reward_b, "reward", {"weights"});
    return p;
  };
  auto reward_forward = [&]() {
    Part p = part_of(reward_b, "reward");
    // The judge's KV cache lives only for its forward.
    for (auto it = p.persistent.begin(); it != p.persistent.end();) {
      if (it->id == "reward.kv_cache") {
        p.transient.insert(p.transient.begin(), *it);
        it = p.persistent.erase(it);
      } else {
        ++it;
      }
    }
    return p;
  };

  // Rollout engine.
  Breakdown rollout_b;
  std::optional<std::int64_t> rollout_max_num_seqs;
  double rollout_weights_host = 0;
  if (!dpo) {
    const double sequences = d(ro.prompts_per_step) * d(ro.generations_per_prompt);
    const double engines = std::max(1.0, std::floor(d(rollout_gpus) / d(ro.tp)));
    const double per_engine = std::ceil(sequences / engines);
    const bool vllm = ro.engine == Engine::vllm;
    InferenceSettings inf;
    inf.engine = ro.engine;
    // hf generate pads every sequence of the batch to the longest; vLLM's pool does not depend on the
    // batch (its concurrency is computed below from the mean lengths), except without a GPU to size it.
    inf.batch_size = vllm && gpu != nullptr ? 1 : static_cast<std::int64_t>(per_engine);
    inf.context_len = rl_sequence_len(s);
    inf.weight_dtype = DType::bf16;
    inf.kv_dtype = DType::bf16;
    inf.gpu_memory_utilization = ro.gpu_memory_utilization;
    inf.tp = ro.tp;
    if (vllm) rollout_vllm_limits(ro, gpu, &inf);
    rollout_max_num_seqs = inf.max_num_seqs;
    InferenceStats st;
    auto rb = estimate_inference(s.model.config, params, inf, ro.tp, gpu, &st);
    if (!rb.ok()) {
      Error e = rb.error();
      if (e.pointer == "/inference/tp") e.pointer = "/rl/rollout/tp";
      return e;
    }
    rollout_b = std::move(rb).value();
    for (Component& c : rollout_b.components) {
      if (c.id == "cuda_context" && ro.engine == Engine::vllm) c.id = "non_torch";
      // hf generation on the trainer's GPUs uses the policy's own weights unless they are sharded or offloaded.
      if (c.id == "weights" && ro.engine == Engine::hf && ro.colocated && !gathers) {
        c.bytes = 0;
        c.formula = "generation uses the policy's resident weights (no separate copy)";
      }
      if (c.id == "weights") rollout_weights_host = c.bytes;
    }
    out.rollout.kv_tokens = st.kv_tokens;
    out.rollout.max_concurrent_sequences =
        vllm && gpu != nullptr
            ? vllm_concurrency(st.kv_tokens, d(rl_mean_sequence_len(s)), d(*inf.max_num_seqs), st.max_concurrent_sequences >= 1)
            : st.max_concurrent_sequences;
    out.rollout.mean_sequence_len = d(rl_mean_sequence_len(s));
    out.rollout.sequences_per_step = sequences;
    out.rollout.sequences_per_engine = per_engine;
    out.rollout.engines = engines;
  }
  out.rollout.rollout_gpus = dpo ? 0.0 : d(rollout_gpus);
  out.rollout.train_gpus = d(train_gpus);

  Part policy_resident = part_of(pt, "", resident_ids(), "; resident between training steps");
  Part critic_resident;
  if (rl.critic) critic_resident = part_of(critic_train, "critic", resident_ids(), "; resident between training steps");
  // rl.phase_offload: everything in host RAM while generating, the optimizer side while scoring.
  const std::vector<std::string> all_states = resident_ids();
  const std::vector<std::string> optimizer_side{"master_weights", "optimizer"};
  const Part policy_generating = rl.phase_offload ? moved_to_host(policy_resident, all_states, "rollout") : policy_resident;
  const Part policy_scoring = rl.phase_offload ? moved_to_host(policy_resident, optimizer_side, "scoring") : policy_resident;
  Part critic_generating = critic_resident, critic_scoring = critic_resident;
  if (rl.critic && rl.phase_offload) {
    critic_generating = moved_to_host(critic_resident, all_states, "rollout");
    critic_scoring = moved_to_host(critic_resident, optimizer_side, "scoring");
  }

  // ---- rollout phase
  if (!dpo) {
    Part engine = part_of(rollout_b, "rollout");
    // vLLM's pool is held for the whole generation: nothing in it is transient.
    if (ro.engine == Engine::vllm) {
      for (Component& c : engine.transient) engine.persistent.push_back(c);
      engine.transient.clear();
    }
    if (ro.colocated) {
      std::vector<Part> parts{policy_generating, engine};
      if (rl.critic) parts.push_back(critic_generating);
      if (rl.reference) parts.push_back(reference_resident);
      if (reward_here) parts.push_back(reward_resident());
      out.phases.push_back(combine("rollout", parts));
    } else {
      out.phases.push_back(combine("rollout", {engine}));
      out.phases.back().warnings.push_back(
          format("rollout phase on the %lld rollout GPU(s) (one engine of rollout.tp); the other %lld GPUs train",
                 static_cast<long long>(rollout_gpus), static_cast<long long>(train_gpus)));
    }
  }

  // ---- scoring phase: log-probabilities of the policy (old) and reference, rewards, values
  {
    std::vector<Part> parts{policy_scoring};
    Part policy_forward = forward_part("", s.model.config, params, micro_tokens, ttp, unit_wise, false, rl.logprob_kernel);
    policy_forward.persistent.clear();
    parts.push_back(policy_forward);
    if (rl.reference) {
      Part ref = reference_resident;
      Part fwd = forward_part("reference", s.model.config, params, micro_tokens, ttp, ref_gathers, false, rl.logprob_kernel);
      ref.transient = fwd.transient;
      parts.push_back(ref);
    }
    if (rl.critic) {
      Part critic = critic_scoring;
      critic.transient =
          forward_part("critic", critic_cfg, critic_params, micro_tokens, ttp, unit_wise, true, rl.logprob_kernel).transient;
      parts.push_back(critic);
    }
    if (reward_here) parts.push_back(reward_forward());
    if (!dpo && ro.colocated && !ro.sleep_mode) {
      Part pool = part_of(rollout_b, "rollout");
      for (Component& c : pool.transient) pool.persistent.push_back(c);
      pool.transient.clear();
      parts.push_back(pool);
    }
    out.phases.push_back(combine("scoring", parts));
  }

  // ---- training phase
  {
    std::vector<Part> parts{training_part(pt, "")};
    if (rl.critic) parts.push_back(training_part(critic_train, "critic"));
    if (rl.reference) parts.push_back(reference_resident);
    if (reward_here) parts.push_back(reward_resident());
    if (!dpo && ro.colocated && ro.engine == Engine::vllm) {
      if (ro.sleep_mode) {
        // Sleep level 1: weights to host, KV cache discarded (vllm LLM.sleep(level=1)).
        Part sleeping;
        sleeping.host = rollout_weights_host;
        parts.push_back(sleeping);
      } else {
        Part pool = part_of(rollout_b, "rollout");
        for (Component& c : pool.transient) pool.persistent.push_back(c);
        pool.transient.clear();
        parts.push_back(pool);
      }
    }
    if (!dpo && ro.engine == Engine::vllm) {
      // Refit after the optimizer step: bf16 weights pushed to the engine. Sharded or offloaded
      // parameters go one gathered unit at a time (verl FSDP sharding manager with layered_summon /
      // per-tensor full_tensor(); NeMo RL refit buckets); unsharded fp32 or bf16 parameters are
      // converted to one bf16 state dict of the whole model / tp.
      Part refit;
      const double unit = std::max({static_cast<double>(params.largest_layer), group_params(params, "embedding"),
                                    group_params(params, "lm_head")});
      const double bytes = unit_wise ? unit * 2.0 / ttp : total * 2.0 / ttp;
      refit.transient.push_back(Component{
          "refit_buffer", "Refit buffer (bf16 weights pushed to the rollout engine)", bytes,
          unit_wise ? format("largest gathered unit %.0f params x 2 B / tp %.0f", unit, ttp)
                  : format("%.0f params x 2 B / tp %.0f (one bf16 copy of the unsharded weights)", total, ttp)});
      parts.push_back(refit);
    }
    out.phases.push_back(combine("train", parts));
  }

  // ---- reward model on GPUs of its own
  if (reward && !reward_here) {
    Part p = part_of(reward_b, "reward");
    out.phases.push_back(combine("reward", {p}));
    out.phases.back().warnings.push_back("reward phase on the reward model's own GPU (reward_model.colocated false)");
  }

  for (std::size_t i = 0; i < out.phases.size(); ++i) {
    out.phases[i].trainable_params = pt.trainable_params;
    if (out.phases[i].device_bytes > out.phases[out.peak].device_bytes) out.peak = i;
    if (!std::isfinite(out.phases[i].device_bytes) || out.phases[i].device_bytes > kMaxReportableBytes) {
      return bad("", "the estimate exceeds 1 EiB per GPU; the model or batch is far beyond any device");
    }
  }
  for (const std::string& w : length_warnings(s)) out.warnings.push_back(w);
  if (!dpo && ro.engine == Engine::vllm && gpu != nullptr && out.rollout.max_concurrent_sequences < 1) {
    out.warnings.push_back(format("the rollout KV pool cannot hold one sequence of max_prompt_len + max_response_len = "
                                  "%lld tokens: vLLM refuses to start",
                                  static_cast<long long>(rl_sequence_len(s))));
  }
  if (!dpo && ro.engine == Engine::vllm && gpu != nullptr && out.rollout.max_concurrent_sequences < out.rollout.sequences_per_engine &&
      out.rollout.max_concurrent_sequences >= 1) {
    out.warnings.push_back(format("the rollout engine runs %.0f of the %.0f sequences per engine at once (KV pool of %.0f "
                                  "tokens at a mean of %.0f tokens per sequence, max_num_seqs %lld); vLLM generates "
                                  "them in waves (slower, not out of memory)",
                                  out.rollout.max_concurrent_sequences, out.rollout.sequences_per_engine,
                                  out.rollout.kv_tokens, out.rollout.mean_sequence_len,
                                  static_cast<long long>(*rollout_max_num_seqs)));
  }
  return out;
}

}  // namespace vramplan
