#pragma once
// The roles of an RL step, each a typed estimate: the policy and critic (training breakdowns with the
// trainer's log-prob kernel), the reference (frozen weights), the reward model (a frozen hf forward), the
// rollout engine (an inference estimate with its pool statistics), and the frozen log-prob / value
// forwards and the refit buffer. estimate_rl.cpp composes the phases from them; docs/memory-model.md "RL".
#include <cstdint>
#include <optional>
#include <string>

#include "rl_parts.hpp"
#include "vramplan/estimate_rl.hpp"

namespace vramplan::rl {

// Where the roles run and how the policy's weights are laid out.
struct Placement {
  std::int64_t train_gpus = 1;
  std::int64_t rollout_gpus = 1;
  double dp = 1;           // ranks that shard the weights (data x context parallel)
  double tp = 1;           // train.tp
  bool sharded = false;    // parameters sharded over dp > 1 ranks
  bool gathers = false;    // weights not whole on the GPU (sharded or offloaded): generation needs its copy
  bool unit_wise = false;  // forwards run unit by unit (FSDP / ZeRO-3, offload, rl.phase_offload)
};

Expected<Placement> place_roles(const Scenario& s);

// A trained role (policy or critic): its training breakdown and its states kept between steps.
struct TrainedRole {
  ModelConfig config;
  ParamCounts params;
  Breakdown train;
  Part resident;
};

// The policy trained on the RL sequences (DPO: chosen and rejected) with the trainer's log-prob kernel.
Expected<TrainedRole> policy_role(const Scenario& s, const ParamCounts& params, const Placement& at);
// The PPO critic: the policy's architecture with a one-output value head, trained like the policy.
Expected<TrainedRole> critic_role(const Scenario& s, const TrainedRole& policy, const Placement& at);

// The reward model's forward over one log-prob micro-batch of whole sequences (hf engine).
Expected<Breakdown> reward_role(const Scenario& s, const GpuSpec* gpu);

// The rollout engine: its inference estimate and what it generates per step.
struct RolloutRole {
  Breakdown engine;
  bool vllm = false;
  double weights_bytes = 0;  // the engine's weights (in host RAM under vLLM sleep mode)
  std::optional<std::int64_t> max_num_seqs;
  RolloutStats stats;
};
Expected<RolloutRole> rollout_role(const Scenario& s, const ParamCounts& params, const Placement& at,
                                   const GpuSpec* gpu);
// The engine while it generates (vLLM: its whole budget held) and while it waits (held, sleeping or not).
Part generating(const RolloutRole& r);
Part waiting(const RolloutRole& r);

// The reference policy's weights between its forwards.
Part reference_resident(const Scenario& s, double total_params, const Placement& at);
// A frozen forward over `tokens` tokens for log-probabilities (values = false) or values (critic).
struct ForwardSpec {
  double tokens = 0;          // run through the blocks
  double logit_tokens = 0;    // that get logits (rl.logits_scope)
  double row_positions = 0;   // logit positions of one sequence (the selective kernel's row)
  double tp = 1;
  bool gathers = false;
  bool values = false;
  LogprobKernel kernel = LogprobKernel::naive;
};
Part frozen_forward(const std::string& role, const ModelConfig& m, const ParamCounts& p, const ForwardSpec& f);
// The bf16 weights pushed to the rollout engine after the optimizer step.
Part refit_buffer(const ParamCounts& params, const Placement& at);

}  // namespace vramplan::rl
