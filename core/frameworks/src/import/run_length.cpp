// map_run_length(): the frameworks' epoch and step limits as the time model's run length (docs/scenario.md
// rl.steps, dataset.epochs; docs/configs.md "Import"). Each framework stops at whichever limit it reaches
// first (NeMo RL: min(max_num_epochs x len(dataloader), max_num_steps), sft.yaml's own comment; verl:
// total_training_steps, when set, replaces total_epochs x len(dataloader) in ray_trainer.py; TRL/transformers:
// max_steps > 0 overrides num_train_epochs; Automodel's StepScheduler: max_steps caps num_epochs).
#include <cmath>
#include <cstdio>
#include <string>

#include "import_internal.hpp"
#include "vramplan/scenario.hpp"

namespace vramplan::config {

namespace {

std::string count_text(double value) {
  return std::to_string(static_cast<std::int64_t>(std::llround(value)));
}

std::string number_text(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}

// The step limit the user set: a positive integer within the scenario's range, or nothing.
std::optional<std::int64_t> user_steps(ImportContext& c, const std::string& key) {
  if (key.empty() || !c.set_by_user(key)) {
    if (!key.empty()) c.mark(key);
    return std::nullopt;
  }
  const auto value = c.number(key);
  if (!value || *value <= 0) return std::nullopt;  // TRL's max_steps -1, verl's null: no step limit
  if (*value != std::floor(*value) || *value > static_cast<double>(limits::kMaxDatasetTokens)) {
    c.warn(key + "=" + number_text(*value) + ": not a step count vramplan reads (1 to 10^15); the run's length "
           "is not taken from it");
    return std::nullopt;
  }
  return static_cast<std::int64_t>(*value);
}

}  // namespace

void map_run_length(ImportContext& c, const RunLength& run) {
  const auto steps = user_steps(c, run.steps_key);
  if (steps && run.rl) c.set("rl.steps", *steps);
  if (steps && !run.rl) {
    const std::string samples =
        run.sequences_per_step > 0
            ? count_text(static_cast<double>(*steps) * static_cast<double>(run.sequences_per_step)) + " (" +
                  std::to_string(*steps) + " steps x " + std::to_string(run.sequences_per_step) + " sequences)"
            : std::to_string(*steps) + " x the global batch";
    c.warn(run.steps_key + "=" + std::to_string(*steps) + ": vramplan sizes a training run by its dataset; if the "
           "step limit ends the run first, give dataset.samples " + samples + " for its time and cost");
  }
  if (run.epochs_key.empty()) return;
  const auto epochs = c.number(run.epochs_key);
  // A limit left at the framework's default (verl's 30, TRL's 3) stays out of the scenario: without a dataset
  // size the epochs change nothing there, and a clean import warns about nothing (docs/configs.md "Run length").
  if (!c.set_by_user(run.epochs_key)) return;
  if (!epochs || !(*epochs >= 0.001 && *epochs <= limits::kMaxEpochs)) {
    c.warn(run.epochs_key + ": not an epoch count vramplan reads (0.001 to 10000); the run's length is not "
           "taken from it");
    return;
  }
  c.set("dataset.epochs", *epochs);
}

}  // namespace vramplan::config
