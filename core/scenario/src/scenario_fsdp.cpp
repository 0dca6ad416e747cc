// train.fsdp_version (docs/scenario.md): which PyTorch FSDP implementation shards the model under
// train.sharding "fsdp". The two free gathered parameters differently (docs/memory-model.md "Sharding"):
// FSDP1 (FullyShardedDataParallel) frees them with record_stream, so the caching allocator keeps up to
// two freed blocks reserved; FSDP2 (fully_shard) does not. 1 is the default because accelerate's
// FullyShardedDataParallelPlugin.fsdp_version "defaults to 1" (accelerate/utils/dataclasses.py, v1.14-1.15 docs),
// as does transformers TrainingArguments fsdp_config["fsdp_version"]; accelerate 1.0 has FSDP1 only.
//
// train.fsdp_sync_module_states (docs/scenario.md): FSDP1 initialised from rank 0's CPU copy; default false
// (the model already on each GPU, or FSDP2). Read here with the other FSDP keys.
//
// train.gradient_checkpointing_reentrant (docs/scenario.md): torch.utils.checkpoint's use_reentrant, read
// here because only FSDP1 makes it change memory (train_transients.cpp retained_input_grads_term). The default
// true is transformers' (modeling_utils gradient_checkpointing_enable: {"use_reentrant": True} when
// gradient_checkpointing_kwargs is None, 4.35 and later) and torch.utils.checkpoint's up to 2.4.
#include "scenario_enum.hpp"

namespace vramplan {

void read_fsdp(ObjectReader& r, TrainSettings& t) {
  t.fsdp_version = r.integer("fsdp_version", 1, 2, t.fsdp_version);
  t.fsdp_sync_module_states = r.boolean("fsdp_sync_module_states", t.fsdp_sync_module_states);
  t.gradient_checkpointing_reentrant = r.boolean("gradient_checkpointing_reentrant", t.gradient_checkpointing_reentrant);
}

}  // namespace vramplan
