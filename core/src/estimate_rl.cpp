// RL post-training: one RL step as phases (rollout, scoring, training; plus the phases of GPUs that
// only generate or only score), each assembled from the roles present on a GPU in that phase.
// Roles are estimated with the training and inference estimators (estimate.hpp) and with the
// component functions (memory.hpp); docs/memory-model.md "RL" documents every rule used here.
#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <string>
#include <vector>

#include "vramplan/estimate_rl.hpp"
#include "vramplan/memory.hpp"
#include "text_format.hpp"

namespace vramplan {
namespace {

using namespace memory;

// Log-probabilities and entropy over [tokens x vocab] logits: the 16-bit logits the model returns plus
// this many fp32 tensors of the same shape live at once: the fp32 upcast, log_softmax's output and
// softmax(logits) * logits in the entropy (verl/utils/torch_functional.py logprobs_from_logits_naive
// and entropy_from_logits; TRL GRPOTrainer selective_log_softmax; NeMo RL's ClippedPGLoss upcasts the
// logits with .to(torch.float32) before log_softmax). Same count as kCrossEntropyFp32Copies.
constexpr double kLogProbFp32Copies = 3;

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

// A frozen forward over `tokens` tokens that needs per-token log-probabilities (reference, old
// policy) or values (critic, values=true): one block's working set (nothing kept for backward),
// FSDP's gathered units when the weights are sharded or offloaded, and the fp32 log-prob tensors.
Part forward_part(const std::string& role, const ModelConfig& m, const ParamCounts& p, double tokens, double tp,
                  bool gathers, bool values) {
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
    const double logits = tokens * vocab * (2.0 + kLogProbFp32Copies * 4.0);
    part.transient.push_back(Component{prefixed(role, "logits"), label_for(role, "Log-prob logits (16-bit + fp32 copies)"), logits,
                                       format("%.0f tokens x %.0f vocab%s x (2 B + kLogProbFp32Copies %.0f x 4 B)",
                                              tokens, vocab, tp > 1 ? " / tp" : "", kLogProbFp32Copies)});
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

}  // namespace

std::int64_t rl_sequence_len(const Scenario& s) { return s.rl.rollout.max_prompt_len + s.rl.rollout.max_response_len; }

Expected<RlEstimate> estimate_rl(const Scenario& s, const ParamCounts& params) {
  RlEstimate out;
  const RlSettings& rl = s.rl;
  const RolloutSettings& ro = rl.rollout;
  const bool dpo = rl.algorithm == RlAlgorithm::dpo;
  const double seq = d(rl_sequence_len(s));
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
  const double dp = std::max(1.0, d(train_gpus) / d(mp));
  const double ttp = d(s.train.tp);
  const bool sharded = shards_params(s.train.sharding) && dp > 1;
  const bool gathers = sharded || s.train.offload_params;

  // The policy trains on max_prompt_len + max_response_len tokens per sequence (the longest a rollout
  // produces); DPO's micro-batch holds chosen and rejected sequences.
  TrainSettings train = s.train;
  train.seq_len = rl_sequence_len(s);
  if (dpo) train.micro_batch_size *= 2;
  const double micro = d(train.micro_batch_size);
  // Tokens per GPU of one log-prob micro-batch (context / Ulysses sequence parallelism splits them).
  const double micro_tokens = micro * seq / d(s.train.cp);

  auto policy_train = estimate_training(s.model.config, params, train, train_gpus);
  if (!policy_train.ok()) return policy_train.error();
  const Breakdown& pt = policy_train.value();

  // Reference: a frozen bf16 copy of the policy, sharded and offloaded like the policy's parameters
  // (verl ref fsdp_config mirrors the actor's; NeMo RL keeps the reference on the trainer's GPUs).
  const double total = static_cast<double>(params.total);
  const double ref_model_bytes = total * 2.0 / ttp / (sharded ? dp : 1.0);
  Part reference_resident;
  if (rl.reference) {
    const double on_gpu = s.train.offload_params ? 0.0 : ref_model_bytes;
    reference_resident.persistent.push_back(Component{
        "reference.weights", "Reference: model weights (bf16, frozen)", on_gpu,
        format("%.0f params x 2 B / tp %.0f%s%s", total, ttp, sharded ? format(" / dp %.0f (sharded like the policy)", dp).c_str() : "",
               s.train.offload_params ? "; offloaded to host with the policy's parameters" : "")});
    if (s.train.offload_params) reference_resident.host = ref_model_bytes;
  }

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
    inf.batch_size = train.micro_batch_size;
    inf.context_len = rl_sequence_len(s);
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
  double rollout_weights_host = 0;
  if (!dpo) {
    const double sequences = d(ro.prompts_per_step) * d(ro.generations_per_prompt);
    const double engines = std::max(1.0, std::floor(d(rollout_gpus) / d(ro.tp)));
    const double per_engine = std::ceil(sequences / engines);
    InferenceSettings inf;
    inf.engine = ro.engine;
    inf.batch_size = static_cast<std::int64_t>(per_engine);
    inf.context_len = rl_sequence_len(s);
    inf.weight_dtype = DType::bf16;
    inf.kv_dtype = DType::bf16;
    inf.gpu_memory_utilization = ro.gpu_memory_utilization;
    inf.tp = ro.tp;
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
    out.rollout.max_concurrent_sequences = st.max_concurrent_sequences;
    out.rollout.sequences_per_step = sequences;
    out.rollout.sequences_per_engine = per_engine;
    out.rollout.engines = engines;
  }
  out.rollout.rollout_gpus = dpo ? 0.0 : d(rollout_gpus);
  out.rollout.train_gpus = d(train_gpus);

  Part policy_resident = part_of(pt, "", resident_ids(), "; resident between training steps");
  Part critic_resident;
  if (rl.critic) critic_resident = part_of(critic_train, "critic", resident_ids(), "; resident between training steps");

  // ---- rollout phase
  if (!dpo) {
    Part engine = part_of(rollout_b, "rollout");
    // vLLM's pool is held for the whole generation: nothing in it is transient.
    if (ro.engine == Engine::vllm) {
      for (Component& c : engine.transient) engine.persistent.push_back(c);
      engine.transient.clear();
    }
    if (ro.colocated) {
      std::vector<Part> parts{policy_resident, engine};
      if (rl.critic) parts.push_back(critic_resident);
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
    std::vector<Part> parts{policy_resident};
    Part policy_forward = forward_part("", s.model.config, params, micro_tokens, ttp, gathers, false);
    policy_forward.persistent.clear();
    parts.push_back(policy_forward);
    if (rl.reference) {
      Part ref = reference_resident;
      Part fwd = forward_part("reference", s.model.config, params, micro_tokens, ttp, gathers, false);
      ref.transient = fwd.transient;
      parts.push_back(ref);
    }
    if (rl.critic) {
      Part critic = critic_resident;
      critic.transient = forward_part("critic", critic_cfg, critic_params, micro_tokens, ttp, gathers, true).transient;
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
      const double bytes = gathers ? unit * 2.0 / ttp : total * 2.0 / ttp;
      refit.transient.push_back(Component{
          "refit_buffer", "Refit buffer (bf16 weights pushed to the rollout engine)", bytes,
          gathers ? format("largest gathered unit %.0f params x 2 B / tp %.0f", unit, ttp)
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
  if (!dpo && ro.engine == Engine::vllm && gpu != nullptr && out.rollout.max_concurrent_sequences < out.rollout.sequences_per_engine &&
      out.rollout.max_concurrent_sequences >= 1) {
    out.warnings.push_back(format("the rollout KV pool holds %.0f of the %.0f sequences per engine at once; vLLM "
                                  "generates them in waves (slower, not out of memory)",
                                  out.rollout.max_concurrent_sequences, out.rollout.sequences_per_engine));
  }
  return out;
}

}  // namespace vramplan
