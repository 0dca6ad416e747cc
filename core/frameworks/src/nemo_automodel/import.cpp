// NeMo Automodel recipes back into a scenario: examples/llm_finetune/<family>/*.yaml as `automodel FILE
// --nproc-per-node N [key=value ...]` runs them. Automodel has no base config: what a recipe leaves out
// takes the dataclass defaults (data/frameworks/nemo-automodel/config.py: FSDP2Config; shared_utils.py:
// dtype_from_str, bf16 when torch_dtype is absent).
#include <algorithm>
#include <string>

#include "../import/import_internal.hpp"

namespace vramplan::config {

namespace {

const std::vector<std::string> kHarmless = {
    "recipe", "rng", "dist_env", "checkpoint", "loss_fn", "dataset", "validation_dataset", "dataloader",
    "validation_dataloader", "step_scheduler.ckpt_every_steps", "step_scheduler.val_every_steps",
    "optimizer.lr", "optimizer.betas", "optimizer.eps",
    "optimizer.weight_decay", "optimizer.min_lr", "lr_scheduler", "ci", "wandb", "mlflow", "model._target_",
    "model.backend", "distributed.dp_size", "distributed.pipeline", "distributed.mp_policy", "peft._target_",
    "quantization.bnb_4bit_compute_dtype", "quantization.bnb_4bit_use_double_quant", "quantization.bnb_4bit_quant_type",
    "clip_grad_norm", "packed_sequence.split_across_pack",
};

// dtype_from_str: "bf16", "bfloat16", "torch.bfloat16" load bf16 weights; float32 keeps fp32 weights that
// FSDP2's MixedPrecisionPolicy computes in bf16.
const char* precision_of(const std::optional<std::string>& dtype) {
  if (!dtype) return "bf16";
  std::string lower;
  for (const char ch : *dtype) lower += static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
  if (lower.rfind("torch.", 0) == 0) lower = lower.substr(6);
  if (lower == "bf16" || lower == "bfloat16") return "bf16";
  if (lower == "float16" || lower == "half" || lower == "fp16") return "amp-fp16";
  return "amp-bf16";
}

const char* optimizer_of(const std::string& target) {
  if (target.find("8bit") != std::string::npos) return "adamw-8bit";
  if (target.find("SGD") != std::string::npos) return "sgd";
  if (target.find("Adafactor") != std::string::npos) return "adafactor";
  return target.find("Adam") != std::string::npos ? "adamw" : nullptr;
}

void map_adapters(ImportContext& c) {
  const bool qlora = c.flag("quantization.load_in_4bit", false);
  if (find_dotted(c.tree(), "peft") == nullptr) return;
  c.set("train.method", qlora ? "qlora" : "lora");
  if (const auto dim = c.integer("peft.dim")) c.set("train.lora.rank", *dim);
  if (const auto alpha = c.number("peft.alpha")) c.set("train.lora.alpha", *alpha);
  const Json* targets = c.get("peft.target_modules");
  if (!c.flag("peft.match_all_linear", false) && targets != nullptr && targets->is_array() && !targets->empty()) {
    c.set("train.lora.targets", *targets);
  }
}

void map_distributed(ImportContext& c) {
  const std::string strategy = c.text("distributed.strategy").value_or("fsdp2");
  if (strategy != "fsdp2" && strategy != "ddp") c.warn("distributed.strategy=" + strategy + ": modelled as fsdp2");
  c.set("train.sharding", strategy == "ddp" ? "none" : "fsdp");
  c.set("train.tp", c.integer("distributed.tp_size").value_or(1));
  c.set("train.cp", c.integer("distributed.cp_size").value_or(1));
  c.set("train.pp", c.integer("distributed.pp_size").value_or(1));
  c.set("train.gradient_checkpointing", c.flag("distributed.activation_checkpointing", false));
  if (c.flag("distributed.sequence_parallel", false)) {
    c.warn("distributed.sequence_parallel=true: TP sequence parallelism shards norm/dropout activations; not modelled "
           "(an over-estimate)");
  }
}

// Sequence length: dataset.seq_length, else packed_sequence_size, else the recipes pad to the batch's longest.
// fp8.* (components/quantization/fp8.py FP8Config): torchao's recipes; rowwise_with_gw_hp keeps the weight
// gradient's GEMM in high precision, which changes no memory vramplan counts: rowwise.
void map_fp8(ImportContext& c) {
  if (!c.flag("fp8.enabled", false)) return;
  const std::string recipe = c.text("fp8.recipe_name").value_or("tensorwise");
  c.set("train.fp8", recipe == "tensorwise" ? "torchao-tensorwise" : "torchao-rowwise");
  if (recipe == "tensorwise") c.set("train.fp8_all_gather", c.flag("fp8.enable_fsdp_float8_all_gather", false));
  c.mark("fp8.precompute_float8_dynamic_scale_for_fsdp");
  c.mark("fp8.filter_fqns");
}

void map_seq_len(ImportContext& c) {
  const auto seq = c.integer("dataset.seq_length");
  const auto packed = c.integer("packed_sequence.packed_sequence_size");
  if (seq) {
    c.set("train.seq_len", *seq);
  } else if (packed && *packed > 0) {
    c.set("train.seq_len", *packed);
  } else {
    c.set("train.seq_len", 2048);
    c.warn("dataset.seq_length is not set: the dataset pads each batch to its longest sample; modelled as 2048 "
           "tokens. Set dataset.seq_length=N (an override) for your data");
  }
}

// --nproc-per-node N [--nnodes M] from the launch words; without them, the data-parallel size the batch
// sizes imply with no gradient accumulation (global / local) times tp x pp x cp.
std::int64_t gpu_count(ImportContext& c, const std::vector<std::string>& words) {
  std::int64_t per_node = 0;
  std::int64_t nodes = 1;
  for (std::size_t i = 0; i + 1 < words.size(); ++i) {
    const Json value = scalar_value(words[i + 1]);
    if (!value.is_number_integer()) continue;
    if (words[i] == "--nproc-per-node" || words[i] == "--nproc_per_node") per_node = value.get<std::int64_t>();
    if (words[i] == "--nnodes") nodes = value.get<std::int64_t>();
  }
  if (per_node > 0) return per_node * nodes;
  const std::int64_t local = std::max<std::int64_t>(1, c.integer("step_scheduler.local_batch_size").value_or(1));
  const std::int64_t global = c.integer("step_scheduler.global_batch_size").value_or(local);
  const std::int64_t model_parallel = c.integer("distributed.tp_size").value_or(1) *
                                      c.integer("distributed.pp_size").value_or(1) *
                                      c.integer("distributed.cp_size").value_or(1);
  const std::int64_t gpus = std::max<std::int64_t>(1, global / local) * std::max<std::int64_t>(1, model_parallel);
  c.warn("the GPU count is not in the recipe: " + std::to_string(gpus) + " assumed (global_batch_size / local_batch_size "
         "x tp x pp x cp, no gradient accumulation); pass the launch's --nproc-per-node N");
  return gpus;
}

void check_batches(ImportContext& c, std::int64_t gpus) {
  const std::int64_t local = std::max<std::int64_t>(1, c.integer("step_scheduler.local_batch_size").value_or(1));
  const auto global = c.integer("step_scheduler.global_batch_size");
  const std::int64_t model_parallel = c.integer("distributed.tp_size").value_or(1) *
                                      c.integer("distributed.pp_size").value_or(1) *
                                      c.integer("distributed.cp_size").value_or(1);
  if (gpus % model_parallel != 0) {
    c.warn("preflight: " + std::to_string(gpus) + " GPUs are not a multiple of tp x pp x cp = " +
           std::to_string(model_parallel) + "; Automodel's device mesh refuses it");
    return;
  }
  const std::int64_t dp = gpus / model_parallel;
  if (global && *global % (local * dp) != 0) {
    c.warn("preflight: step_scheduler.global_batch_size=" + std::to_string(*global) + " is not a multiple of "
           "local_batch_size x data-parallel size (" + std::to_string(local) + " x " + std::to_string(dp) +
           "). Fix: global_batch_size=" + std::to_string((*global + local * dp - 1) / (local * dp) * (local * dp)));
  }
}

}  // namespace

Expected<ImportResult> import_nemo_automodel(const ImportInput& input) {
  Json tree = input.tree;
  std::vector<std::string> user_keys;
  collect_leaves(tree, "", user_keys);
  apply_overrides(tree, input.words, user_keys);
  ImportContext c(resolve_interpolations(tree), std::move(user_keys));
  const auto model = c.text("model.pretrained_model_name_or_path");
  if (!model) return Error{"/model/pretrained_model_name_or_path", "the model is required (a catalog id)"};
  c.set("model", *model);
  c.set("workload", "train");
  const std::int64_t gpus = gpu_count(c, input.words);
  c.set("gpus", gpus);
  c.set("train.micro_batch_size", c.integer("step_scheduler.local_batch_size").value_or(1));
  c.mark("step_scheduler.global_batch_size");
  c.set("train.precision", precision_of(c.text("model.torch_dtype")));
  if (const auto attention = c.text("model.attn_implementation")) {
    c.set("train.attention", *attention == "eager" ? "eager" : *attention == "sdpa" ? "sdpa" : "flash");
  }
  map_adapters(c);
  map_distributed(c);
  map_fp8(c);
  map_seq_len(c);
  const auto optimizer = c.text("optimizer._target_").value_or("torch.optim.AdamW");
  const char* mapped = optimizer_of(optimizer);
  if (mapped == nullptr) c.warn("optimizer._target_=" + optimizer + ": modelled as AdamW");
  c.set("train.optimizer", mapped == nullptr ? "adamw" : mapped);
  check_batches(c, gpus);
  // StepScheduler: max_steps caps num_epochs x the epoch's steps (one step: global_batch_size sequences).
  map_run_length(c, RunLength{"step_scheduler.num_epochs", "step_scheduler.max_steps", false,
                              c.integer("step_scheduler.global_batch_size").value_or(0)});
  return c.finish(kHarmless);
}

}  // namespace vramplan::config
