#pragma once
// The time model's scenario keys that size the job and its surroundings (docs/scenario.md "dataset",
// "cluster", "Time model keys"): parsed here so that scenario.cpp stays about memory settings.
#include <string>
#include <vector>

#include "vramplan/scenario.hpp"

namespace vramplan::detail {

DatasetSettings read_dataset(ObjectReader r);
ClusterSettings read_cluster(ObjectReader r);
ConfigSettings read_config(ObjectReader r);
// Adds the time-model keys (train.mfu, inference.mfu, inference.decode_efficiency, rl.steps, dataset,
// cluster, config) to a canonical scenario whose train/inference/rl objects are already written.
void time_keys_to_json(const Scenario& s, Json& out);
// The canonical scenario without its model (scenario_to_json adds the model): what the ignored-key check
// compares against, which depends on no model.
Json scenario_settings_to_json(const Scenario& s);
// Keys of `dataset` that change nothing in this scenario beyond what ignored_key_warnings sees: epochs
// without a size, samples overridden by rl.steps.
std::vector<std::string> dataset_warnings(const Json& document, const Scenario& s);

}  // namespace vramplan::detail
