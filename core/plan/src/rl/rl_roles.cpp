// Typed role estimates of an RL step (rl_roles.hpp).
#include "rl_roles.hpp"

#include <algorithm>
#include <cmath>

#include "vramplan/memory.hpp"
#include "vramplan/text_format.hpp"

namespace vramplan::rl {
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

// The largest unit FSDP gathers (or refit pushes) at once: a block, or the embedding / lm_head matrix.
double largest_unit(const ParamCounts& p) {
  return std::max({static_cast<double>(p.largest_layer), group_params(p, "embedding"), group_params(p, "lm_head")});
}


// The logits of a no-grad log-prob forward over f.logit_tokens positions, per kernel.
// naive: 16-bit logits + kLogProbFp32Copies fp32 copies (fp32 upcast, log_softmax output, entropy's
// softmax x logits: verl logprobs_from_logits_naive, NeMo RL get_logprobs).
// fused: 16-bit logits only. verl/utils/torch_functional.py logprobs_from_logits calls
// logprobs_from_logits_flash_attn whenever flash-attn is importable, i.e. flash_attn/ops/triton/
// cross_entropy.py CrossEntropyLoss, whose forward writes only per-row losses and log-sum-exp; verl's
// dp_actor wraps entropy_from_logits in torch.compile (use_torch_compile=True), fused into row reductions.
// selective: fp32 logits (accelerate convert_outputs_to_fp32) + one sequence's row: trl/trainer/utils.py
// selective_log_softmax loops over the sequences and, without grad, frees each row's log_softmax
// (16-bit path) or logsumexp temporary (fp32 path) before the next (trl GRPOTrainer
// _get_per_token_logps_and_entropies, logits_to_keep + 1 positions).
Component logprob_logits(const std::string& role, const ModelConfig& m, const ForwardSpec& f) {
  const double vocab = static_cast<double>(m.vocab_size) / f.tp;
  const char* split = f.tp > 1 ? " / tp" : "";
  Component c{prefixed(role, "logits"), "", 0, "", Level::transient};
  switch (f.kernel) {
    case LogprobKernel::fused:
      c.label = label_for(role, "Log-prob logits (16-bit, fused kernel)");
      c.bytes = f.logit_tokens * vocab * 2.0;
      c.formula = format("%.0f logit positions x %.0f vocab%s x 2 B (fused: flash-attn cross-entropy keeps per-row loss and "
                         "log-sum-exp only, no fp32 copy)",
                         f.logit_tokens, vocab, split);
      break;
    case LogprobKernel::selective:
      c.label = label_for(role, "Log-prob logits (fp32, selective log-softmax)");
      c.bytes = (f.logit_tokens + f.row_positions) * vocab * kSelectiveLogitBytes;
      c.formula = format("(%.0f logit positions + one sequence's %.0f) x %.0f vocab%s x kSelectiveLogitBytes %.0f B (TRL "
                         "selective_log_softmax: fp32 logits, one row's log_softmax at a time)",
                         f.logit_tokens, f.row_positions, vocab, split, kSelectiveLogitBytes);
      break;
    case LogprobKernel::naive:
      c.label = label_for(role, "Log-prob logits (16-bit + fp32 copies)");
      c.bytes = f.logit_tokens * vocab * (2.0 + kLogProbFp32Copies * 4.0);
      c.formula = format("%.0f logit positions x %.0f vocab%s x (2 B + kLogProbFp32Copies %.0f x 4 B)", f.logit_tokens, vocab,
                         split, kLogProbFp32Copies);
      break;
  }
  return c;
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

// The policy's and critic's training settings in RL: max_prompt_len + max_response_len tokens per
// sequence (padded to the longest a rollout produces), or the mean lengths when the trainer packs
// sequences (verl use_remove_padding: dp_actor._forward_micro_batch unpad_input; NeMo RL
// sequence_packing); DPO's micro-batch holds chosen and rejected sequences.
TrainSettings rl_train_settings(const Scenario& s) {
  TrainSettings train = s.train;
  train.seq_len = rl_scored_sequence_len(s);
  train.media = MediaInput{};  // train.images_per_sample / audio_seconds are read by the train workload only
  // torchtune's optimizer_in_bwd has no RL counterpart: verl, NeMo RL, TRL and OpenRLHF actors accumulate
  // gradients over their micro-batches (scenario_schema.cpp: a train-only key).
  train.optimizer_in_backward = false;
  if (s.rl.algorithm == RlAlgorithm::dpo) train.micro_batch_size *= 2;
  return train;
}

Expected<TrainedRole> trained_role(const ModelConfig& m, const ParamCounts& p, const Scenario& s, const Placement& at,
                                   const std::string& role) {
  LossOptions loss;
  loss.kernel = s.rl.logprob_kernel;
  loss.logit_positions = rl_logits_scope(s) == LogitsScope::completion ? rl_logit_positions(s) : 0;
  auto train = estimate_training(m, p, rl_train_settings(s), at.train_gpus, loss);
  if (!train.ok()) return train.error();
  TrainedRole r{m, p, std::move(train).value(), {}};
  r.resident = resident(r.train, role, "; resident between training steps");
  return r;
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

// The rollout engine's settings: one engine of rollout.tp GPUs generating its share of the step.
InferenceSettings rollout_settings(const Scenario& s, const GpuSpec* gpu, double per_engine) {
  const RolloutSettings& ro = s.rl.rollout;
  const bool vllm = ro.engine == Engine::vllm;
  InferenceSettings inf;
  inf.engine = ro.engine;
  // hf generate pads every sequence of the batch to the longest; vLLM's pool does not depend on the
  // batch (its concurrency is computed from the mean lengths), except without a GPU to size it.
  inf.batch_size = vllm && gpu != nullptr ? 1 : static_cast<std::int64_t>(per_engine);
  inf.context_len = rl_sequence_len(s);
  inf.weight_dtype = DType::bf16;
  inf.kv_dtype = DType::bf16;
  inf.gpu_memory_utilization = ro.gpu_memory_utilization;
  inf.tp = ro.tp;
  inf.vllm_version = ro.vllm_version;
  inf.enforce_eager = ro.enforce_eager;
  if (vllm) rollout_vllm_limits(ro, gpu, &inf);
  return inf;
}

// hf generation on the trainer's GPUs uses the policy's own weights unless they are sharded or
// offloaded: the engine's resident model (its Level::persistent lines, the weights) is no second copy.
void share_policy_weights(Breakdown& engine) {
  for (Component& c : engine.components) {
    if (c.level != Level::persistent) continue;
    engine.allocated_bytes -= c.bytes;
    engine.reserved_bytes -= c.bytes;
    engine.device_bytes -= c.bytes;
    c.bytes = 0;
    c.formula = "generation uses the policy's resident weights (no separate copy)";
  }
}

// The engine's model weights: its Level::persistent memory (vLLM's pool and reserve are Level::step,
// released by sleep mode).
double weights_line(const Breakdown& engine) {
  double bytes = 0;
  for (const Component& c : engine.components) {
    if (c.level == Level::persistent) bytes += c.bytes;
  }
  return bytes;
}

}  // namespace

Expected<Placement> place_roles(const Scenario& s) {
  const RolloutSettings& ro = s.rl.rollout;
  Placement at;
  at.train_gpus = s.gpus;
  at.rollout_gpus = s.gpus;
  // Colocated rollout shares every GPU; otherwise one engine of rollout.tp GPUs generates and the rest
  // train (documented rule, docs/memory-model.md "RL").
  if (s.rl.algorithm != RlAlgorithm::dpo && !ro.colocated) {
    at.rollout_gpus = ro.tp;
    at.train_gpus = s.gpus - ro.tp;
    if (at.train_gpus < 1) {
      return bad("/rl/rollout/colocated",
                 format("false gives the rollout engine rollout.tp = %lld GPUs of its own; gpus = %lld leaves none "
                        "for training: raise gpus or set colocated to true",
                        static_cast<long long>(ro.tp), static_cast<long long>(s.gpus)));
    }
  }
  const std::int64_t mp = s.train.tp * s.train.pp * s.train.cp;
  if (at.train_gpus % mp != 0) {
    return bad("/gpus", format("the %lld training GPUs (gpus - rollout.tp, colocated false) must be a multiple of "
                               "train.tp x train.pp x train.cp = %lld",
                               static_cast<long long>(at.train_gpus), static_cast<long long>(mp)));
  }
  // Ranks that shard the weights: data-parallel together with context-parallel ones (as estimate_training).
  at.dp = std::max(1.0, d(at.train_gpus) / d(s.train.tp * s.train.pp));
  at.tp = d(s.train.tp);
  at.sharded = shards_params(s.train.sharding) && at.dp > 1;
  at.gathers = at.sharded || s.train.offload_params;
  // Forwards of an FSDP / ZeRO-3 module (any dp: FSDP's mixed precision casts each unit to a bf16 copy)
  // or of offloaded weights run unit by unit: kGatheredUnits units, and refit pushes one unit at a time.
  at.unit_wise = shards_params(s.train.sharding) || s.train.offload_params || s.rl.phase_offload;
  return at;
}

Expected<TrainedRole> policy_role(const Scenario& s, const ParamCounts& params, const Placement& at) {
  return trained_role(s.model.config, params, s, at, "");
}

Expected<TrainedRole> critic_role(const Scenario& s, const TrainedRole& policy, const Placement& at) {
  ModelConfig m;
  ParamCounts p;
  critic_model(policy.config, policy.params, &m, &p);
  return trained_role(m, p, s, at, "critic");
}

// A frozen scorer or generative judge in its own weight dtype; its forward reads a log-prob micro-batch
// of whole sequences (KV cache and activations of the hf engine's prefill).
Expected<Breakdown> reward_role(const Scenario& s, const GpuSpec* gpu) {
  const RewardModelSettings& rm = *s.rl.reward_model;
  auto rp = count_params(rm.model.config);
  if (!rp.ok()) return Error{"/rl/reward_model/model", rp.error().message, ErrorKind::invalid_input};
  InferenceSettings inf;
  inf.engine = Engine::hf;
  inf.batch_size = rl_logprob_micro_batch(s);
  inf.context_len = rl_scored_sequence_len(s);
  inf.weight_dtype = rm.weight_dtype;
  auto rb = estimate_inference(rm.model.config, rp.value(), inf, 1, gpu, nullptr);
  if (!rb.ok()) return Error{"/rl/reward_model", rb.error().message, ErrorKind::invalid_input};
  return std::move(rb).value();
}

Expected<RolloutRole> rollout_role(const Scenario& s, const ParamCounts& params, const Placement& at,
                                   const GpuSpec* gpu) {
  const RolloutSettings& ro = s.rl.rollout;
  RolloutRole r;
  r.vllm = ro.engine == Engine::vllm;
  const double sequences = d(ro.prompts_per_step) * d(ro.generations_per_prompt);
  const double engines = std::max(1.0, std::floor(d(at.rollout_gpus) / d(ro.tp)));
  const double per_engine = std::ceil(sequences / engines);
  const InferenceSettings inf = rollout_settings(s, gpu, per_engine);
  r.max_num_seqs = inf.max_num_seqs;
  if (auto e = check_tensor_parallel(s.model.config.text, ro.tp, "/rl/rollout/tp")) return *e;
  InferenceStats st;
  auto rb = estimate_inference(s.model.config, params, inf, ro.tp, gpu, &st);
  if (!rb.ok()) return rb.error();
  r.engine = std::move(rb).value();
  if (ro.engine == Engine::hf && ro.colocated && !at.gathers) share_policy_weights(r.engine);
  r.weights_bytes = weights_line(r.engine);
  const double mean_len = d(rl_mean_sequence_len(s));
  r.stats.kv_tokens = st.kv_tokens;
  r.stats.budget_bytes = st.budget_bytes;
  r.stats.start_bytes = st.start_bytes;
  r.stats.max_concurrent_sequences =
      r.vllm && gpu != nullptr ? vllm_concurrency(st.kv_tokens, mean_len, d(*inf.max_num_seqs), st.max_concurrent_sequences >= 1)
                               : st.max_concurrent_sequences;
  r.stats.mean_sequence_len = mean_len;
  r.stats.sequences_per_step = sequences;
  r.stats.sequences_per_engine = per_engine;
  r.stats.engines = engines;
  return r;
}

Part generating(const RolloutRole& r) { return r.vllm ? engine_holding(r.engine, "rollout") : computing(r.engine, "rollout"); }

Part waiting(const RolloutRole& r) { return r.vllm ? engine_holding(r.engine, "rollout") : held(computing(r.engine, "rollout")); }

// The reference policy for the KL term. Full fine-tuning: a frozen bf16 copy of the policy, sharded
// like the policy's parameters (verl ref fsdp_config mirrors the actor's), in host RAM when the
// policy's parameters are offloaded or rl.phase_offload is set (verl ref param_offload: FSDP CPU
// offload; NeMo RL DTensorPolicyWorker keeps reference_model_state_dict in pinned host memory and
// copies it into the model for use_reference_model). LoRA / QLoRA: the frozen base with the adapters
// disabled, no second copy (verl ray_trainer ref_in_actor: compute_ref_log_prob runs compute_log_prob
// under actor_module.disable_adapter(); TRL GRPOTrainer with PEFT: ref_model None, disable_adapter).
Part reference_resident(const Scenario& s, double total, const Placement& at) {
  Part p;
  if (s.train.method != Method::full) {
    p.persistent.push_back(Component{"reference.weights", "Reference: the policy's frozen base (adapters disabled)", 0.0,
                                     "LoRA: reference log-probs run the base model with the adapters disabled; no second copy"});
    return p;
  }
  const double dp_shards = at.sharded ? at.dp : 1.0;
  const double bytes = total * 2.0 / at.tp / dp_shards;
  const bool in_host = s.train.offload_params || s.rl.phase_offload;
  p.persistent.push_back(Component{
      "reference.weights", "Reference: model weights (bf16, frozen)", in_host ? 0.0 : bytes,
      format("%.0f params x 2 B / tp %.0f%s%s", total, at.tp,
             dp_shards > 1 ? format(" / dp %.0f (sharded like the policy)", dp_shards).c_str() : "",
             s.train.offload_params ? "; offloaded to host with the policy's parameters"
             : s.rl.phase_offload   ? "; in host RAM, brought in for its forward (rl.phase_offload)"
                                    : "")});
  if (in_host) p.host = bytes;
  return p;
}

// One block's working set (nothing kept for backward), FSDP's gathered units when the weights are
// sharded or offloaded, and the fp32 log-prob tensors.
Part frozen_forward(const std::string& role, const ModelConfig& m, const ParamCounts& p, const ForwardSpec& f) {
  Part part;
  const TransformerStack& s = m.text;
  double layer = inference_layer_bytes_per_token(s, 2.0, f.tp, false);
  if (linear_inventory(s).moe_layers > 0) layer = std::max(layer, inference_layer_bytes_per_token(s, 2.0, f.tp, true));
  const double act = f.tokens * layer;
  part.transient.push_back(Component{prefixed(role, "activations"),
                                     label_for(role, f.values ? "Value forward activations (no grad)" : "Log-prob forward activations (no grad)"),
                                     act, format("%.0f tokens x %.0f B (one block's working set, no_grad)", f.tokens, layer),
                                     Level::transient});
  double transient = act;
  if (!f.values) {
    Component logits = logprob_logits(role, m, f);
    transient += logits.bytes;
    part.transient.push_back(std::move(logits));
  }
  if (f.gathers) {
    const double unit = largest_unit(p) / f.tp;
    const double gathered = unit * kGatheredUnits * 2.0;
    part.transient.push_back(Component{prefixed(role, "gathered_params"), label_for(role, "All-gathered units (FSDP forward)"), gathered,
                                       format("kGatheredUnits %.0f x %.0f params (largest unit) x 2 B", kGatheredUnits, unit),
                                       Level::transient});
    transient += gathered;
  }
  part.transient.push_back(Component{prefixed(role, "allocator"), label_for(role, "Caching-allocator cache (reserved - allocated)"),
                                     allocator_bytes(transient),
                                     format("kAllocatorTransientFraction %.2f x %s transient", kAllocatorTransientFraction,
                                            gib(transient).c_str()),
                                     Level::cache});
  return part;
}

// Refit after the optimizer step: bf16 weights pushed to the engine. Sharded or offloaded parameters
// go one gathered unit at a time (verl FSDP sharding manager with layered_summon / per-tensor
// full_tensor(); NeMo RL refit buckets); unsharded fp32 or bf16 parameters are converted to one bf16
// state dict of the whole model / tp.
Part refit_buffer(const ParamCounts& params, const Placement& at) {
  Part refit;
  const double unit = largest_unit(params);
  const double total = static_cast<double>(params.total);
  const double bytes = at.unit_wise ? unit * 2.0 / at.tp : total * 2.0 / at.tp;
  refit.transient.push_back(Component{
      "refit_buffer", "Refit buffer (bf16 weights pushed to the rollout engine)", bytes,
      at.unit_wise ? format("largest gathered unit %.0f params x 2 B / tp %.0f", unit, at.tp)
                   : format("%.0f params x 2 B / tp %.0f (one bf16 copy of the unsharded weights)", total, at.tp),
      Level::transient});
  return refit;
}

}  // namespace vramplan::rl
