// train.fsdp_version (docs/scenario.md): which PyTorch FSDP implementation shards the model under
// train.sharding "fsdp". The two free gathered parameters differently (docs/memory-model.md "Sharding"):
// FSDP1 (FullyShardedDataParallel) frees them with record_stream, so the caching allocator keeps up to
// two freed blocks reserved; FSDP2 (fully_shard) does not. 1 is the default because accelerate's
// FullyShardedDataParallelPlugin.fsdp_version "defaults to 1" (accelerate/utils/dataclasses.py, v1.14-1.15 docs),
// as does transformers TrainingArguments fsdp_config["fsdp_version"]; accelerate 1.0 has FSDP1 only.
#include "scenario_enum.hpp"

namespace vramplan {

void read_fsdp(ObjectReader& r, TrainSettings& t) { t.fsdp_version = r.integer("fsdp_version", 1, 2, t.fsdp_version); }

}  // namespace vramplan
