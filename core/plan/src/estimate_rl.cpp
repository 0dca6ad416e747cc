// RL post-training: one RL step as phases (rollout, scoring, training; plus the phases of GPUs that
// only generate or only score), each composed from the typed role estimates of rl/rl_roles.hpp (policy,
// critic, reference, reward model, rollout engine) present on a GPU in that phase. docs/memory-model.md
// "RL" documents every rule used here.
#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rl/rl_roles.hpp"
#include "vramplan/estimate_rl.hpp"
#include "vramplan/text_format.hpp"

namespace vramplan {
namespace {

using namespace rl;
using text::format;

double d(std::int64_t v) { return static_cast<double>(v); }

// Every role of the step, estimated once; the phases below only choose and combine their parts.
struct Roles {
  Placement at;
  TrainedRole policy;
  std::optional<TrainedRole> critic;
  std::optional<Part> reference;      // resident reference weights
  std::optional<Breakdown> reward;    // the reward model's forward (not for DPO)
  std::optional<RolloutRole> rollout; // not for DPO
};

bool is_dpo(const Scenario& s) { return s.rl.algorithm == RlAlgorithm::dpo; }
bool reward_colocated(const Scenario& s, const Roles& r) { return r.reward && s.rl.reward_model->colocated; }

Expected<Roles> estimate_roles(const Scenario& s, const ParamCounts& params) {
  auto at = place_roles(s);
  if (!at.ok()) return at.error();
  auto policy = policy_role(s, params, at.value());
  if (!policy.ok()) return policy.error();
  Roles r{at.value(), std::move(policy).value(), std::nullopt, std::nullopt, std::nullopt, std::nullopt};
  if (s.rl.reference) r.reference = reference_resident(s, static_cast<double>(params.total), r.at);
  // DPO trains against a frozen reference on preference pairs: no value model exists to train
  // (TRL trl/trainer/dpo_trainer.py builds none), so rl.critic true is warned about and not counted.
  if (s.rl.critic && !is_dpo(s)) {
    auto critic = critic_role(s, r.policy, r.at);
    if (!critic.ok()) return critic.error();
    r.critic = std::move(critic).value();
  }
  if (s.rl.reward_model.has_value() && !is_dpo(s)) {
    auto reward = reward_role(s, s.gpu ? &*s.gpu : nullptr);
    if (!reward.ok()) return reward.error();
    r.reward = std::move(reward).value();
  }
  if (!is_dpo(s)) {
    auto rollout = rollout_role(s, params, r.at, s.gpu ? &*s.gpu : nullptr);
    if (!rollout.ok()) return rollout.error();
    r.rollout = std::move(rollout).value();
  }
  return r;
}

// A phase's parts, moved in (an initializer list would copy each of them).
template <typename... Parts>
std::vector<Part> parts_of(Parts&&... first) {
  std::vector<Part> parts;
  parts.reserve(6);
  (parts.push_back(std::forward<Parts>(first)), ...);
  return parts;
}

// rl.phase_offload: every resident state in host RAM while generating, the optimizer side while scoring.
Part offloaded_for(const Scenario& s, const Part& resident_states, const char* phase) {
  if (!s.rl.phase_offload) return resident_states;
  return moved_to_host(resident_states, std::string(phase) == "rollout" ? HostShare::all_states : HostShare::optimizer_states,
                       phase);
}

Breakdown rollout_phase(const Scenario& s, const Roles& r) {
  Part engine = generating(*r.rollout);
  if (!s.rl.rollout.colocated) {
    Breakdown b = combine("rollout", parts_of(std::move(engine)));
    b.warnings.push_back(format("rollout phase on the %lld rollout GPU(s) (one engine of rollout.tp); the other %lld GPUs train",
                                static_cast<long long>(r.at.rollout_gpus), static_cast<long long>(r.at.train_gpus)));
    return b;
  }
  std::vector<Part> parts = parts_of(offloaded_for(s, r.policy.resident, "rollout"), std::move(engine));
  if (r.critic) parts.push_back(offloaded_for(s, r.critic->resident, "rollout"));
  if (r.reference) parts.push_back(*r.reference);
  if (reward_colocated(s, r)) parts.push_back(resident(*r.reward, "reward"));
  return combine("rollout", std::move(parts));
}

// Sleep level 1 (vllm LLM.sleep(level=1)): weights to host, KV cache discarded, the rest kept
// (rl::engine_asleep), with what the model cannot know about the residual.
Part asleep(const RolloutRole& engine) {
  Part p = engine_asleep(engine.engine, "rollout", engine.weights_bytes);
  p.warnings.push_back(
      "the sleeping vLLM engine keeps its non-torch memory and CUDA graph pool on the GPU (rollout.non_torch, "
      "rollout.cuda_graphs); an engine in its own process (NeMo RL, OpenRLHF Ray workers) also keeps its CUDA "
      "context, and memory the engine leaks outside CuMemAllocator grows with the steps (NeMo RL issue #2619: 4 "
      "GiB after the first sleep, about 25 GiB after two steps with a newer vLLM), which no constant here models");
  return p;
}

// Log-probabilities of the policy (old) and reference, rewards, values: frozen forwards of one log-prob
// micro-batch (context / Ulysses sequence parallelism splits its tokens; DPO: chosen and rejected).
Breakdown scoring_phase(const Scenario& s, const Roles& r) {
  ForwardSpec f;
  const double sequences = d(rl_logprob_micro_batch(s)) * (is_dpo(s) ? 2.0 : 1.0);
  f.tokens = sequences * d(rl_scored_sequence_len(s)) / d(s.train.cp);
  f.row_positions = d(rl_logit_positions(s)) / d(s.train.cp);
  f.logit_tokens = sequences * f.row_positions;
  f.tp = r.at.tp;
  f.gathers = r.at.unit_wise;  // offloaded or phase-offloaded references come in unit by unit too
  f.kernel = s.rl.logprob_kernel;
  Part forward = frozen_forward("", r.policy.config, r.policy.params, f);
  std::vector<Part> parts = parts_of(offloaded_for(s, r.policy.resident, "scoring"), std::move(forward));
  // The reference runs the policy's forward on the same micro-batch: the same transient lines under its
  // own name, never larger than the policy's, which comes first, so combine (the largest transient, the
  // first of equals) never picks them. Only its resident weights join the phase.
  if (r.reference) parts.push_back(*r.reference);
  if (r.critic) {
    Part critic = offloaded_for(s, r.critic->resident, "scoring");
    ForwardSpec values = f;
    values.values = true;
    critic.transient = frozen_forward("critic", r.critic->config, r.critic->params, values).transient;
    parts.push_back(std::move(critic));
  }
  if (reward_colocated(s, r)) parts.push_back(forwarding(*r.reward, "reward"));
  if (r.rollout && s.rl.rollout.colocated) {
    if (!s.rl.rollout.sleep_mode) {
      parts.push_back(waiting(*r.rollout));
    } else if (r.rollout->vllm) {
      parts.push_back(asleep(*r.rollout));
    }
  }
  return combine("scoring", std::move(parts));
}

// The last phase to read the policy's training breakdown: its lines are moved into the phase.
Breakdown train_phase(const Scenario& s, Roles& r) {
  std::vector<Part> parts = parts_of(computing(std::move(r.policy.train), ""));
  if (r.critic) parts.push_back(computing(r.critic->train, "critic"));
  if (r.reference) parts.push_back(*r.reference);
  if (reward_colocated(s, r)) parts.push_back(resident(*r.reward, "reward"));
  if (r.rollout && r.rollout->vllm) {
    if (s.rl.rollout.colocated && s.rl.rollout.sleep_mode) {
      parts.push_back(asleep(*r.rollout));
    } else if (s.rl.rollout.colocated) {
      parts.push_back(waiting(*r.rollout));
    }
    parts.push_back(refit_buffer(r.policy.params, r.at));
  }
  return combine("train", std::move(parts));
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

// Warnings on the rollout engine's pool: it cannot start, or it generates in waves.
void rollout_warnings(const Scenario& s, const RolloutRole& r, std::vector<std::string>& out) {
  if (!r.vllm || !s.gpu) return;
  const RolloutStats& st = r.stats;
  if (st.max_concurrent_sequences < 1) {
    out.push_back(format("the rollout KV pool cannot hold one sequence of max_prompt_len + max_response_len = "
                         "%lld tokens: vLLM refuses to start",
                         static_cast<long long>(rl_sequence_len(s))));
  } else if (st.max_concurrent_sequences < st.sequences_per_engine) {
    out.push_back(format("the rollout engine runs %.0f of the %.0f sequences per engine at once (KV pool of %.0f "
                         "tokens at a mean of %.0f tokens per sequence, max_num_seqs %lld); vLLM generates "
                         "them in waves (slower, not out of memory)",
                         st.max_concurrent_sequences, st.sequences_per_engine, st.kv_tokens, st.mean_sequence_len,
                         static_cast<long long>(*r.max_num_seqs)));
  }
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

LogitsScope rl_logits_scope(const Scenario& s) {
  if (s.rl.logits_scope) return *s.rl.logits_scope;
  return s.rl.logprob_kernel == LogprobKernel::selective ? LogitsScope::completion : LogitsScope::full;
}

std::int64_t rl_logit_positions(const Scenario& s) {
  if (rl_logits_scope(s) == LogitsScope::full) return rl_scored_sequence_len(s);
  const RolloutSettings& ro = s.rl.rollout;
  const std::int64_t response = s.rl.sequence_packing ? ro.mean_response_len.value_or(ro.max_response_len) : ro.max_response_len;
  return response + 1;
}

Expected<RlEstimate> estimate_rl(const Scenario& s, const ParamCounts& params) {
  auto roles = estimate_roles(s, params);
  if (!roles.ok()) return roles.error();
  Roles& r = roles.value();
  RlEstimate out;
  const double trainable = r.policy.train.trainable_params;
  if (r.rollout) {
    out.rollout = r.rollout->stats;
    out.phases.push_back(rollout_phase(s, r));
  }
  out.rollout.rollout_gpus = r.rollout ? d(r.at.rollout_gpus) : 0.0;
  out.rollout.train_gpus = d(r.at.train_gpus);
  out.activation_bytes = r.policy.train.activation_bytes;
  out.phases.push_back(scoring_phase(s, r));
  out.phases.push_back(train_phase(s, r));
  if (r.reward && !reward_colocated(s, r)) {
    out.phases.push_back(combine("reward", parts_of(computing(*r.reward, "reward"))));
    out.phases.back().warnings.push_back("reward phase on the reward model's own GPU (reward_model.colocated false)");
  }
  for (std::size_t i = 0; i < out.phases.size(); ++i) {
    out.phases[i].trainable_params = trainable;
    if (out.phases[i].device_bytes > out.phases[out.peak].device_bytes) out.peak = i;
    if (!std::isfinite(out.phases[i].device_bytes) || out.phases[i].device_bytes > kMaxReportableBytes) {
      return Error{"", "the estimate exceeds 1 EiB per GPU; the model or batch is far beyond any device",
                   ErrorKind::invalid_input};
    }
  }
  if (s.rl.reward_model.has_value() && is_dpo(s)) out.warnings.push_back("rl.reward_model is not used by dpo (preference pairs need no reward)");
  if (s.rl.critic && is_dpo(s)) out.warnings.push_back("rl.critic is not used by dpo (no value model is trained); not counted");
  for (const std::string& w : length_warnings(s)) out.warnings.push_back(w);
  if (r.rollout) rollout_warnings(s, *r.rollout, out.warnings);
  return out;
}

}  // namespace vramplan
