#pragma once
// RL post-training (GRPO, PPO, DPO): per-GPU memory of each phase of one RL step (rollout, scoring,
// training, and the phases of GPUs given to the rollout engine or the reward model alone). Each phase
// is a Breakdown whose components carry the role as a prefix ("reference.weights", "rollout.kv_cache",
// "critic.optimizer"); the policy's are unprefixed. docs/memory-model.md "RL" explains the layout.
#include "vramplan/estimate.hpp"
#include "vramplan/params.hpp"
#include "vramplan/scenario.hpp"

namespace vramplan {

// What the rollout engine holds for the step (the rollout phase's InferenceStats plus the step's size).
struct RolloutStats {
  double kv_tokens = 0;                 // tokens the KV cache holds (vLLM: the pool; hf: the batch)
  double budget_bytes = 0;              // vLLM: InferenceStats::budget_bytes of one engine GPU; hf: 0
  double start_bytes = 0;               // vLLM: InferenceStats::start_bytes at max_prompt_len + max_response_len
  // Sequences generated at once per engine. vLLM: sequences of the mean length (mean prompt + mean
  // response) in whole KV blocks, at most max_num_seqs; 0 when the pool cannot hold one sequence of
  // max_prompt_len + max_response_len (vLLM refuses to start). hf: the batch.
  double max_concurrent_sequences = 0;
  double mean_sequence_len = 0;         // rl.rollout mean_prompt_len + mean_response_len (default: the maxima)
  double sequences_per_step = 0;        // prompts_per_step x generations_per_prompt (whole job)
  double sequences_per_engine = 0;      // per rollout data-parallel group (engine instance)
  double engines = 0;                   // rollout data-parallel groups
  double rollout_gpus = 0;              // GPUs generating (all of them when colocated)
  double train_gpus = 0;                // GPUs training the policy
};

struct RlEstimate {
  std::vector<Breakdown> phases;  // in step order; each with its `phase` name
  std::size_t peak = 0;           // index of the phase with the largest device_bytes
  RolloutStats rollout;
  // The policy's training activations and logits of one micro-batch (Breakdown::activation_bytes), the
  // memory that grows with the batch, whichever phase is the peak.
  double activation_bytes = 0;
  std::vector<std::string> warnings;
};

// The longest sequence: max_prompt_len + max_response_len (vLLM's max_model_len; hf generate pads to it).
std::int64_t rl_sequence_len(const Scenario& scenario);
// The expected sequence: mean_prompt_len + mean_response_len (each defaults to its maximum).
std::int64_t rl_mean_sequence_len(const Scenario& scenario);
// Tokens per sequence in scoring and training micro-batches (train.seq_len is not used): the mean with
// rl.sequence_packing (only real tokens are run), else the maximum (every sequence padded to it).
std::int64_t rl_scored_sequence_len(const Scenario& scenario);
// Sequences per GPU in one log-prob (scoring) forward: rl.logprob_micro_batch_size, else
// train.micro_batch_size (before DPO's doubling for chosen and rejected).
std::int64_t rl_logprob_micro_batch(const Scenario& scenario);
// rl.logits_scope, or its default: completion for the selective kernel (TRL), full otherwise.
LogitsScope rl_logits_scope(const Scenario& scenario);
// Positions per sequence that get logits in scoring and training: the scored length (full), or the
// response's positions + 1 (completion: TRL passes logits_to_keep = completion length + 1 and drops the
// last; the response is its mean with rl.sequence_packing, else max_response_len).
std::int64_t rl_logit_positions(const Scenario& scenario);

// Phases of one RL step of `scenario` (workload rl). Fails with an input Error (JSON pointer) on layouts
// that cannot run, e.g. colocated=false with no GPU left for training.
Expected<RlEstimate> estimate_rl(const Scenario& scenario, const ParamCounts& policy_params);

}  // namespace vramplan
