#!/usr/bin/env python3
"""Held-out validation records (h001-h074) from fms-acceleration's published benchmark table.

Usage: python3 fms_acceleration_records.py A100_80GB_CSV OUT_DIR
  A100_80GB_CSV: scripts/benchmarks/refs/a100_80gb.csv of foundation-model-stack/fms-acceleration at
  commit 24bdadb (not copied into this repository; SOURCE_URL below).

One record per table row with a peak and per level: `allocated` (peak_torch_mem_alloc_in_bytes, the HF
Trainer's memory metrics) and `device` (nvidia_mem_reserved, nvidia-smi memory.used), h001-h074; then one
record per row that ran out of memory (no peak), level `oom`, h075 on: `validate` judges their verdict. GPTQ and fused-kernel ("foak")
rows are skipped: the scenario cannot name AutoGPTQ training or the fused kernels. Every record is
`"sample": "held_out"`: written after the band constants and never read by tools/band_derivation.py.
"""
import json, csv, io, sys
CSV = open(sys.argv[1]).read()
OUT = sys.argv[2]
URL = "https://github.com/foundation-model-stack/fms-acceleration/blob/24bdadb228e2d55bc0c69deec034b86a73da6917/scripts/benchmarks/refs/a100_80gb.csv"
MODEL = {"mistralai/Mistral-7B-v0.1": "mistralai/Mistral-7B-v0.1",
         "mistralai/Mixtral-8x7B-Instruct-v0.1": "mistralai/Mixtral-8x7B-Instruct-v0.1",
         "NousResearch/Llama-2-70b-hf": "meta-llama/Llama-2-70b-hf",
         # bigcode/gpt_bigcode-santacoder config.json (architecture keys, as the HF hub file)
         "bigcode/gpt_bigcode-santacoder": {"architectures": ["GPTBigCodeForCausalLM"], "model_type": "gpt_bigcode",
             "activation_function": "gelu_pytorch_tanh", "multi_query": True, "n_embd": 2048, "n_head": 16, "n_inner": 8192,
             "n_layer": 24, "n_positions": 2048, "vocab_size": 49280, "layer_norm_epsilon": 1e-05}}
SRC = ("foundation-model-stack/fms-acceleration scripts/benchmarks/refs/a100_80gb.csv (commit 24bdadb, 2025-02-07; pinned in refs/requirements.txt: torch 2.4.1, transformers 4.48.1, peft 0.13.2, trl 0.13.0, accelerate 1.0.1, bitsandbytes 0.43.3, flash-attn 2.7.3), benchmark.py with "
       "MEMORY_LOGGING=all on A100 80GB; fms-hf-tuning sft_trainer, HF Trainer; scenarios.yaml + defaults.yaml: alpaca-cleaned, "
       "gradient_checkpointing true, use_flash_attn true, max_steps 100, adamw (HF default), torch_dtype bfloat16; "
       "accelerate.yaml: FSDP FULL_SHARD, BACKWARD_PRE, cpu_ram_efficient_loading, mixed_precision no; " + URL)
rows = list(csv.DictReader(io.StringIO(CSV)))
out = []
n = 0
def rows_of(oom):
    """Rows with a peak (oom False) or rows that ran out of memory (no peak, oom True), in table order."""
    for idx, r in enumerate(rows):
        if bool(r['mem_peak_torch_mem_alloc_in_bytes']) == oom: continue
        if oom and r['model_name_or_path'] not in MODEL: continue
        yield idx, r


for idx, r in list(rows_of(False)) + list(rows_of(True)):
    oom = not r['mem_peak_torch_mem_alloc_in_bytes']
    cfg = r['framework_config']; peft = r['peft_method']
    gpus = int(r['num_gpus']); mb = int(r['per_device_train_batch_size'])
    seq = 2048 if "santacoder" in r["model_name_or_path"] else 4096
    train = {"micro_batch_size": mb, "seq_len": seq, "gradient_checkpointing": True, "attention": "flash", "optimizer": "adamw"}
    if oom:
        assumed = ["seq_len %d: as every row of this model that ran (the Trainer's token count: every sample padded to the model's length)" % seq]
    else:
        tok = float(r['train_tokens_per_second']) / (float(r['train_samples_per_second']) / gpus)
        assumed = ["seq_len %d: the Trainer's own count, train_tokens_per_second / per-device samples per second = %.0f tokens per sample (every sample padded to the model's length)" % (seq, tok)]
    if cfg == 'none' and not peft:
        train.update(method="full", precision="bf16"); task = "full fine-tune, bf16 weights without AMP"
        assumed.append("precision bf16: torch_dtype bfloat16 without --bf16, so weights, gradients and torch AdamW states are bf16 (zeros_like(param))")
    elif cfg == 'none':
        train.update(method="lora", precision="bf16", lora={"rank": 16, "alpha": 16, "targets": ["q_proj","k_proj","v_proj","o_proj"]})
        task = "LoRA on a bf16 base without AMP"
        assumed.append("precision bf16: torch_dtype bfloat16 without --bf16; adapters assumed 16-bit (PEFT 0.13 autocast_adapter_dtype may keep them fp32: r16 on q,k,v,o is under 0.2 GiB either way)")
    elif cfg in ('baseline-peft-bnb', 'accelerated-peft-bnb'):
        train.update(method="qlora", precision="amp-bf16", lora={"rank": 16, "alpha": 16, "targets": ["c_attn"] if "santacoder" in r["model_name_or_path"] else ["q_proj","k_proj","v_proj","o_proj"]})
        task = "QLoRA (bitsandbytes NF4, %s)" % cfg
        assumed.append("amp-bf16: --bf16 with torch_dtype bfloat16 (bnb_4bit_compute_dtype bfloat16, double quant, nf4: plugins/accelerated-peft/src/fms_acceleration_peft/framework_plugin_bnb.py); sample-configurations/%s-nf4-sample-configuration.yaml" % cfg)
        if gpus > 1:
            assumed.append("FSDP QLoRA: framework_plugin_bnb.py model_loader sets bnb_4bit_quant_storage = torch_dtype (bfloat16) when ACCELERATE_USE_FSDP and world_size > 1, so the 4-bit codes are flat-parameter elements FSDP shards; the quant state (Params4bit.quant_state) is not a parameter and stays whole on each rank")
    else:
        continue
    if gpus > 1: train["sharding"] = "fsdp"
    # refs/requirements.txt pins transformers 4.48.1: its ForCausalLMLoss copies the shifted fp32 logits.
    train["transformers_version"] = "4.48.1"
    assumed.append("transformers_version 4.48.1: pinned in scripts/benchmarks/refs/requirements.txt; its ForCausalLMLoss copies the "
                   "shifted fp32 logits (transformers < 4.49), which decides the reserved level's loss block (docs/memory-model.md "
                   "\"Logits and loss\")")
    match, note = "exact", ""
    if cfg == 'baseline-peft-bnb' and gpus == 1:
        match = "approximate"
        note = ("not expressible: TRL 0.13 SFTTrainer._prepare_peft_model runs peft prepare_model_for_kbit_training on an unsharded "
                "4-bit model (fp32 upcast of every non-quantized parameter, reentrant checkpointing with input grads), then "
                "peft_module_casting_to_bf16; under FSDP (is_sharded_qlora) it skips both, which is why the 2-GPU rows equal "
                "accelerated-peft-bnb's")
    scen = {"model": MODEL[r['model_name_or_path']], "workload": "train", "gpu": "A100-SXM-80GB", "gpus": gpus, "train": train}
    for level in (("oom",) if oom else ("allocated", "device")):
        n += 1
        rid = "h%03d" % n
        if level == "oom":
            meas = {"value": float(r['mem_nvidia_mem_reserved']), "unit": "MiB", "unit_as_printed": "MiB", "level": "oom",
                    "what": "the run failed with CUDA out of memory (no peak in the table); nvidia_mem_reserved is what nvidia-smi showed, the GPU full"}
        elif level == "allocated":
            val = float(r['mem_peak_torch_mem_alloc_in_bytes']) / 2**30
            meas = {"value": round(val, 3), "unit": "GiB", "unit_as_printed": "bytes", "level": "allocated",
                    "what": ("peak_torch_mem_alloc_in_bytes: benchmark.py extract_gpu_memory_metrics adds before_init_mem_gpu, the init and train stages' "
                             "gpu alloc deltas and train's peaked delta; transformers trainer_utils.py TrainerMemoryTracker resets the peak stats at each "
                             "stage's start and reports peaked = max_memory_allocated - memory_allocated at its end, so the sum is "
                             "torch.cuda.max_memory_allocated() during Trainer.train(); rank 0 only (benchmark.py --log_memory_hf: 'for distributed runs "
                             "only rank 0 is measured')"),
                    "bytes": float(r['mem_peak_torch_mem_alloc_in_bytes'])}
        else:
            val = float(r['mem_nvidia_mem_reserved']) / 1024
            meas = {"value": round(val, 3), "unit": "GiB", "unit_as_printed": "MiB", "level": "device",
                    "what": ("nvidia_mem_reserved: benchmark.py runs nvidia-smi --query-gpu timestamp,name,index,memory.used --loop 1 beside the run; "
                             "get_peak_mem_usage_by_device_id takes each GPU's largest memory.used minus its first reading (taken as the run starts) "
                             "and the mean over the GPUs: the processes' whole device memory (CUDA context, NCCL, the caching allocator's reserve) "
                             "sampled once a second, so a peak shorter than a second can be missed"),
                    "mib": float(r['mem_nvidia_mem_reserved'])}
        rec = {"id": rid, "source": SRC, "source_url": URL, "source_row": idx + 2,
               "model_id": r['model_name_or_path'], "task": task, "quality_flag": "measured", "kind": "oom" if oom else "peak",
               "sample": "held_out", "sample_note": "added on 2026-12-05 after the band constants were set; no constant is set from it",
               "measured": meas, "match": match, "note": note, "scenario": scen,
               "assumed": assumed,
               "also_measured": {} if oom else {
                   "peak_torch_mem_alloc_bytes": float(r['mem_peak_torch_mem_alloc_in_bytes']),
                   "torch_mem_alloc_after_train_bytes": float(r['mem_torch_mem_alloc_in_bytes']),
                   "nvidia_mem_reserved_mib": float(r['mem_nvidia_mem_reserved'])}}
        out.append(rec)
for rec in out:
    path = '%s/%s.json' % (OUT, rec['id'])
    with open(path, 'w') as f:
        json.dump(rec, f, indent=1)
        f.write('\n')
print(len(out))
