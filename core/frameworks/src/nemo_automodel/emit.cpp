// NeMo Automodel (github.com/NVIDIA-NeMo/Automodel): an SFT / PEFT fine-tuning recipe YAML.
// Key names, `_target_` entries and nesting follow examples/llm_finetune/qwen/qwen2_5_7b_squad.yaml,
// qwen2_5_7b_squad_peft.yaml, qwen1_5_moe_a2_7b_qlora.yaml and qwen3_32b_tulu3.yaml (snapshots with their
// commit in data/frameworks/nemo-automodel/, checked by tests/unit/frameworks/test_schema.cpp). Automodel fine-tunes; RL scenarios are refused.
#include <string>
#include <vector>

#include "vramplan/framework_config.hpp"
#include "vramplan/yaml.hpp"

namespace vramplan::config {

namespace {

using yaml::OrderedJson;


// model.torch_dtype: the dtype the weights are loaded in. nemo_automodel.shared.utils.dtype_from_str
// (snapshot: data/frameworks/nemo-automodel/shared_utils.py) accepts torch names with or without "torch."
// and "bf16", but not "fp32" (KeyError at start-up): "float32" it is.
const char* torch_dtype(Precision precision) {
  return precision == Precision::bf16 ? "bf16" : "float32";
}


// step_scheduler.*: batches in sequences.
void set_schedule(yaml::Document& doc, const Scenario& s, const EstimateNotes& estimate, std::vector<std::string>& notes) {
  const TrainSettings& t = s.train;
  const std::int64_t dp = data_parallel_size(s);
  doc.set("/step_scheduler/global_batch_size", t.micro_batch_size * dp,
          "micro batch x data-parallel size (" + std::to_string(t.micro_batch_size) + " x " + std::to_string(dp) +
              "): no gradient accumulation; a larger value accumulates gradients");
  const std::string batch_note = micro_batch_note(s, estimate);
  doc.set("/step_scheduler/local_batch_size", t.micro_batch_size,
          batch_note.empty() ? std::string("train.micro_batch_size") : batch_note);
  doc.set("/step_scheduler/ckpt_every_steps", 50);
  doc.set("/step_scheduler/val_every_steps", 50);
  // StepScheduler (components/training/step_scheduler.py): max_steps caps num_epochs x the epoch's steps. The
  // scenario's epochs when it sizes the run, else the recipes' 100-step example.
  const RunLimits run = run_limits(s, true, notes);
  if (run.epochs) {
    doc.set("/step_scheduler/num_epochs", static_cast<std::int64_t>(*run.epochs), {}, "dataset.epochs");
  } else {
    doc.set("/step_scheduler/max_steps", 100, {}, "the example recipes' length: set yours");
  }

}

// quantization.* (QLoRA) and peft.* (LoRA).
void set_adapters(yaml::Document& doc, const TrainSettings& t) {
  const bool lora = t.method != Method::full;
  if (t.method == Method::qlora) {
    doc.set("/quantization/load_in_4bit", true, "train.method qlora: 4-bit NF4 base weights, bf16 adapters");
    doc.set("/quantization/bnb_4bit_compute_dtype", "bfloat16");
    doc.set("/quantization/bnb_4bit_use_double_quant", true);
    doc.set("/quantization/bnb_4bit_quant_type", "nf4");
  }

  if (lora) {
    doc.set("/peft/_target_", "nemo_automodel.components._peft.lora.PeftConfig");
    doc.set("/peft/match_all_linear", t.lora.all_linear);
    if (!t.lora.all_linear) {
      OrderedJson modules = OrderedJson::array();
      for (const auto& name : t.lora.targets) modules.push_back(name);
      doc.set("/peft/target_modules", modules);
    }
    doc.set("/peft/dim", t.lora.rank, {}, "train.lora.rank");
    doc.set("/peft/alpha", lora_alpha_json(t.lora.alpha), {}, "train.lora.alpha");
  }

}

// fp8.*: Automodel's FP8 training is torchao's Float8Linear (components/quantization/fp8.py FP8Config; the block of
// examples/llm_finetune/llama3_1/llama3_1_8b_hellaswag_fp8.yaml). enable_fsdp_float8_all_gather and
// precompute_float8_dynamic_scale_for_fsdp apply to tensorwise only (apply_fp8_to_model builds rowwise configs from
// the recipe name). Transformer Engine recipes have no Automodel path: left off, with a note.
void set_fp8(yaml::Document& doc, const TrainSettings& t, std::vector<std::string>& notes) {
  if (t.fp8 == Fp8Recipe::none) return;
  if (t.fp8 != Fp8Recipe::torchao_tensorwise && t.fp8 != Fp8Recipe::torchao_rowwise) {
    notes.push_back(std::string("train.fp8 ") + to_string(t.fp8) + ": Automodel's fp8 is torchao's (fp8.recipe_name "
                    "tensorwise / rowwise), not Transformer Engine's: fp8 left off");
    return;
  }
  const bool tensorwise = t.fp8 == Fp8Recipe::torchao_tensorwise;
  doc.set("/fp8/enabled", true, std::string("train.fp8 ") + to_string(t.fp8));
  doc.set("/fp8/recipe_name", tensorwise ? "tensorwise" : "rowwise");
  if (tensorwise) {
    doc.set("/fp8/enable_fsdp_float8_all_gather", t.fp8_all_gather, {}, "train.fp8_all_gather");
    doc.set("/fp8/precompute_float8_dynamic_scale_for_fsdp", t.fp8_all_gather);
  }
  doc.set("/fp8/filter_fqns", OrderedJson::array({"lm_head"}), {}, "the examples keep the lm_head in bf16");
}

// distributed.pipeline: the block of llama_3_3_70b_instruct_squad.yaml. Older Automodel raised a ValueError for
// pp_size > 1 without it; the 2026 DistributedSetup fills defaults, so writing it works on both.
void set_pipeline(yaml::Document& doc, const TrainSettings& t) {
  doc.set("/distributed/pipeline/pp_schedule", "1f1b", "train.pp " + std::to_string(t.pp) + ": pipeline stages");
  doc.set("/distributed/pipeline/pp_microbatch_size", 1);
  doc.set("/distributed/pipeline/scale_grads_in_schedule", false);
}

// distributed.*: ddp for plain data parallelism, fsdp2 otherwise.
void set_distributed(yaml::Document& doc, const TrainSettings& t, std::vector<std::string>& notes) {
  const bool model_parallel = t.tp > 1 || t.pp > 1 || t.cp > 1;
  const bool ddp = t.sharding == Sharding::none && !model_parallel;
  std::string strategy_note;
  if (ddp) {
    strategy_note = "train.sharding none: every GPU holds the whole model (DistributedDataParallel)";
  } else if (t.sharding == Sharding::zero1 || t.sharding == Sharding::zero2) {
    strategy_note = std::string("train.sharding ") + to_string(t.sharding) +
                    ": Automodel has no ZeRO-1/2 stage; fsdp2 also shards the parameters (less memory than estimated)";
  } else if (t.sharding == Sharding::none) {
    strategy_note = "tensor, pipeline or context parallelism needs fsdp2 (ddp supports none of them)";
  }
  doc.set("/distributed/strategy", ddp ? "ddp" : "fsdp2", strategy_note);
  doc.set("/distributed/dp_size", "none", {}, "inferred: gpus / (tp x pp x cp)");
  doc.set("/distributed/tp_size", t.tp);
  doc.set("/distributed/cp_size", t.cp);
  doc.set("/distributed/pp_size", t.pp);
  // DDPConfig has no sequence_parallel field: Automodel rejects unknown options per strategy (ValueError
  // "Unknown options for strategy 'ddp'", config.py), so the key is written for fsdp2 only.
  if (!ddp) doc.set("/distributed/sequence_parallel", false);
  doc.set("/distributed/activation_checkpointing", t.gradient_checkpointing, {}, "train.gradient_checkpointing");
  if (t.pp > 1) set_pipeline(doc, t);

  if (t.offload_optimizer || t.offload_params) {
    notes.push_back("train.offload_*: Automodel's FSDP2Config takes offload_policy (a torch CPUOffloadPolicy, see "
                    "nemo_automodel/components/distributed/config.py); no example YAML sets it, so it is not emitted "
                    "and this config needs more GPU memory than the estimate");
  }

}

// dataset / dataloader blocks (SQuAD, as the example recipes).
void set_data(yaml::Document& doc, const TrainSettings& t) {
  doc.set("/dataset/_target_", "nemo_automodel.components.datasets.llm.squad.make_squad_dataset",
          "an example dataset (SQuAD); replace it with yours");
  doc.set("/dataset/dataset_name", "rajpurkar/squad");
  doc.set("/dataset/split", "train");
  doc.set("/dataset/seq_length", t.seq_len, {}, "train.seq_len");
  doc.set("/dataset/truncation", true);
  doc.set("/packed_sequence/packed_sequence_size", 0);
  doc.set("/dataloader/_target_", "torchdata.stateful_dataloader.StatefulDataLoader");
  doc.set("/dataloader/collate_fn", "nemo_automodel.components.datasets.utils.default_collater");
  doc.set("/dataloader/shuffle", false);
  doc.set("/validation_dataset/_target_", "nemo_automodel.components.datasets.llm.squad.make_squad_dataset");
  doc.set("/validation_dataset/dataset_name", "rajpurkar/squad");
  doc.set("/validation_dataset/split", "validation");
  doc.set("/validation_dataset/seq_length", t.seq_len);
  doc.set("/validation_dataset/truncation", true);
  doc.set("/validation_dataloader/_target_", "torchdata.stateful_dataloader.StatefulDataLoader");
  doc.set("/validation_dataloader/collate_fn", "nemo_automodel.components.datasets.utils.default_collater");

}

void set_optimizer(yaml::Document& doc, const TrainSettings& t) {
  switch (t.optimizer) {
    case Optimizer::adamw:
      doc.set("/optimizer/_target_", "torch.optim.AdamW", {}, "train.optimizer adamw");
      doc.set("/optimizer/betas", OrderedJson::array({0.9, 0.999}));
      doc.set("/optimizer/eps", 1e-8);
      doc.set("/optimizer/lr", 1.0e-5);
      doc.set("/optimizer/weight_decay", 0.0);
      break;
    case Optimizer::adamw_8bit:
      doc.set("/optimizer/_target_", "bitsandbytes.optim.AdamW8bit", "not from an Automodel example: any "
                                                                      "importable optimizer class works as _target_",
              "train.optimizer adamw-8bit");
      doc.set("/optimizer/lr", 1.0e-5);
      break;
    case Optimizer::sgd:
      doc.set("/optimizer/_target_", "torch.optim.SGD", {}, "train.optimizer sgd (with momentum)");
      doc.set("/optimizer/lr", 1.0e-5);
      doc.set("/optimizer/momentum", 0.9);
      break;
    case Optimizer::adafactor:
      doc.set("/optimizer/_target_", "transformers.optimization.Adafactor",
              "not from an Automodel example: any importable optimizer class works as _target_",
              "train.optimizer adafactor");
      doc.set("/optimizer/lr", 1.0e-5);
      doc.set("/optimizer/relative_step", false);
      break;
  }

}

}  // namespace

Expected<std::string> nemo_automodel_config(const Scenario& s, const EstimateNotes& estimate) {
  const auto version = resolve_version(s, Format::nemo_automodel);
  if (!version.ok()) return version.error();
  const Version v = version.value();
  if (s.workload != Workload::train) {
    return Error{"/workload",
                 "NeMo Automodel's recipes cover SFT and PEFT fine-tuning (workload \"train\"); for \"rl\" use "
                 "--format nemo-rl, verl or trl, got \"rl\""};
  }
  const TrainSettings& t = s.train;
  const ModelReference model = model_reference(s);
  const ClusterShape cluster = cluster_shape(s.gpus);
  const bool lora = t.method != Method::full;
  std::vector<std::string> notes;

  yaml::Document doc;
  // The short form 211 of Automodel's example recipes use (nemo_automodel/cli/app.py takes it or a _target_
  // mapping). It came with the `automodel FILE` launcher in 0.4 (35b5ed9c9, #1406, 2026-04-01); 0.3 names the
  // recipe on the command line (`automodel finetune llm -c FILE`).
  if (v.at_least(0, 4)) doc.set("/recipe", "TrainFinetuneRecipeForNextTokenPrediction");

  set_schedule(doc, s, estimate, notes);

  doc.set("/dist_env/backend", "nccl");
  doc.set("/dist_env/timeout_minutes", 10);

  doc.set("/rng/_target_", "nemo_automodel.components.training.rng.StatefulRNG");
  doc.set("/rng/seed", 1111);
  doc.set("/rng/ranked", true);

  doc.set("/model/_target_", "nemo_automodel.NeMoAutoModelForCausalLM.from_pretrained");
  doc.set("/model/pretrained_model_name_or_path", model.path, model.note);
  doc.set("/model/torch_dtype", torch_dtype(t.precision), {},
          std::string("train.precision ") + to_string(t.precision) +
              (t.precision == Precision::bf16 ? ": bf16 weights" : ": fp32 weights; FSDP2 computes in bf16"));

  // transformers' attn_implementation; flash-attention is Automodel's default backend, so only the others.
  if (t.attention != Attention::flash) {
    doc.set("/model/attn_implementation", t.attention == Attention::eager ? "eager" : "sdpa", {},
            std::string("train.attention ") + to_string(t.attention));
  }
  doc.set("/checkpoint/enabled", true);
  doc.set("/checkpoint/checkpoint_dir", "checkpoints/");
  doc.set("/checkpoint/model_save_format", "safetensors");
  doc.set("/checkpoint/save_consolidated", false);

  set_adapters(doc, t);

  set_distributed(doc, t, notes);
  set_fp8(doc, t, notes);

  doc.set("/loss_fn/_target_", "nemo_automodel.components.loss.masked_ce.MaskedCrossEntropy");

  set_data(doc, t);
  set_optimizer(doc, t);

  std::vector<std::string> header = {
      std::string("NeMo Automodel ") + (lora ? "PEFT (LoRA)" : "SFT") + " recipe for " + model.path +
          ", generated by vramplan from a scenario.",
      std::string(v.at_least(0, 4) ? "Run: automodel <this file>" : "Run: automodel finetune llm -c <this file>") +
          " --nproc-per-node " + std::to_string(cluster.gpus_per_node) +
          (cluster.nodes > 1 ? " on each of " + std::to_string(cluster.nodes) +
                                   " nodes (multi-node launches: https://docs.nvidia.com/nemo/automodel/latest/launcher/cluster.html)"
                             : std::string()),
      "Keys: examples/llm_finetune/ in github.com/NVIDIA-NeMo/Automodel (qwen/qwen2_5_7b_squad.yaml and its _peft, "
      "qlora and tulu3 siblings).",
      version_line(Format::nemo_automodel, v),
  };
  return render_with_header(std::move(doc), std::move(header), s, estimate, notes);
}

}  // namespace vramplan::config
