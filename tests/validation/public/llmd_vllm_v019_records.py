#!/usr/bin/env python3
"""Held-out validation records (h100-h120) from vLLM 0.19.0 start-up logs published by llm-d-planner.

Usage: python3 llmd_vllm_v019_records.py LOGS_DIR OUT_DIR [FIRST_ID]
  LOGS_DIR: accuracy/results/v0.19.0/logs/ of llm-d-incubation/llm-d-planner at commit d3121e0
  (2026-04-22, "Add logs"; not copied into this repository: SOURCE_URL below).

Each log is one `vllm serve` start on one H100 80GB (vLLM 0.19.0 printed in the banner), the flags in its
"non-default args" line, and vLLM's own memory profile: "Model loading took X GiB", "torch peak memory
increase", "non-torch forward increase memory", "Available KV cache memory: X GiB" and "GPU KV cache size:
N tokens". The record's figure is the KV pool in GiB (level `kv_cache`); kv-cache-dtype runs are judged in
tokens (level `kv_tokens`), since the pool in GiB does not depend on the element type. Every figure is
parsed from the log line that the record quotes. These runs are not the llm-d figures m111-m118
(docs/empirical-vllm-memory-results.md, pre-v0.17) nor the Qwen3-14B version sweep that the current
sampler constant was checked on (accuracy/results/version-sweep/): they were never read to set a constant.
"""
import json
import os
import re
import sys

COMMIT = "d3121e059da88662db39a926a3ead964be97359b"
SOURCE_URL = ("https://github.com/llm-d-incubation/llm-d-planner/tree/%s/accuracy/results/v0.19.0/logs" % COMMIT)

# log file (without .log), catalog model, weight_dtype (vLLM --dtype or --quantization), kv_dtype (--kv-cache-dtype, auto = the dtype)
RUNS = [
    ("codellama-codellama-7b-h--h100-80gb--tp1pp1dp1--8192", "codellama/CodeLlama-7b-hf", "bf16", "bf16"),
    ("google-gemma-2-2b-it--h100-80gb--tp1pp1dp1--8192", "google/gemma-2-2b-it", "bf16", "bf16"),
    ("google-gemma-2-9b-it--h100-80gb--tp1pp1dp1--8192", "google/gemma-2-9b-it", "bf16", "bf16"),
    ("google-gemma-2-27b-it--h100-80gb--tp1pp1dp1--8192", "google/gemma-2-27b-it", "bf16", "bf16"),
    ("google-gemma-3-4b-it--h100-80gb--tp1pp1dp1--8192", "google/gemma-3-4b-it", "bf16", "bf16"),
    ("google-gemma-3-12b-it--h100-80gb--tp1pp1dp1--8192", "google/gemma-3-12b-it", "bf16", "bf16"),
    ("google-gemma-3-27b-it--h100-80gb--tp1pp1dp1--8192", "google/gemma-3-27b-it", "bf16", "bf16"),
    ("meta-llama-llama-3-1-8b---h100-80gb--tp1pp1dp1--8192", "meta-llama/Llama-3.1-8B-Instruct", "bf16", "bf16"),
    ("meta-llama-llama-3-1-8b---h100-80gb--tp2pp1dp1--8192", "meta-llama/Llama-3.1-8B-Instruct", "bf16", "bf16"),
    ("meta-llama-llama-3-1-8b---h100-80gb--tp1pp2dp1--8192", "meta-llama/Llama-3.1-8B-Instruct", "bf16", "bf16"),
    ("meta-llama-llama-3--h100-80gb--tp1pp1dp1--8192-dtf32", "meta-llama/Llama-3.1-8B-Instruct", "fp32", "fp32"),
    ("meta-llama---h100-80gb--tp1pp1dp1--8192-dtbf16-kvfp8", "meta-llama/Llama-3.1-8B-Instruct", "bf16", "fp8"),
    ("meta-llama-llama-3---h100-80gb--tp1pp1dp1--8192-qfp8", "meta-llama/Llama-3.1-8B-Instruct", "fp8", "bf16"),
    ("microsoft-phi-2--h100-80gb--tp1pp1dp1--2048", "microsoft/phi-2", "fp16", "fp16"),
    ("microsoft-phi-4--h100-80gb--tp1pp1dp1--8192", "microsoft/phi-4", "bf16", "bf16"),
    ("mistralai-mixtral-8x7b-i--h100-80gb--tp2pp1dp1--8192", "mistralai/Mixtral-8x7B-Instruct-v0.1", "bf16", "bf16"),
    ("qwen-qwen2-5-72b-instruc--h100-80gb--tp2pp1dp1--8192", "Qwen/Qwen2.5-72B-Instruct", "bf16", "bf16"),
    ("qwen-qwen2-5-7b-instruct--h100-80gb--tp1pp1dp1--8192", "Qwen/Qwen2.5-7B-Instruct", "bf16", "bf16"),
    ("qwen-qwen2-5-7b-instruct--h100-80gb--tp4pp1dp1--8192", "Qwen/Qwen2.5-7B-Instruct", "bf16", "bf16"),
    ("qwen-qwen3-30b-a3b--h100-80gb--tp1pp1dp1--8192", "Qwen/Qwen3-30B-A3B", "bf16", "bf16"),
    ("qwen-qwen3-8b--h100-80gb--tp1pp1dp1--8192", "Qwen/Qwen3-8B", "bf16", "bf16"),
]

PATTERNS = {
    "args": r"non-default args: (\{.*\})",
    "version": r"Initializing a V1 LLM engine \(v([0-9.]+)\)",
    "weights": r"(Model loading took ([0-9.]+) GiB memory)",
    "profile": r"(torch peak memory increase: ([0-9.]+)GiB; non-torch forward increase memory: ([0-9.]+)GiB)",
    "kv": r"(Available KV cache memory: ([0-9.]+) GiB)",
    "tokens": r"(GPU KV cache size: ([0-9,]+) tokens)",
    "seqs": r"Defaulting max_num_seqs to ([0-9]+)",
    "batched": r"Defaulting max_num_batched_tokens to ([0-9]+)",
    "total": r"(total_memory=([0-9.]+)GiB)",
}


def parse(text):
    out = {}
    for key, pat in PATTERNS.items():
        m = re.search(pat, text)
        if not m:
            raise SystemExit("pattern %s not found" % key)
        out[key] = m.groups()
    return out


def args_of(raw):
    # The line is a Python dict literal with only strings, numbers and booleans.
    return json.loads(raw.replace("'", '"').replace("False", "false").replace("True", "true").replace("None", "null"))


def record(rid, name, model, wdtype, kvdtype, p):
    a = args_of(p["args"][0])
    tp = int(a.get("tensor_parallel_size", 1))
    pp = int(a.get("pipeline_parallel_size", 1))
    kv_level = kvdtype == "fp8"
    inference = {"engine": "vllm", "gpu_memory_utilization": a["gpu_memory_utilization"],
                 "context_len": int(a["max_model_len"]), "weight_dtype": wdtype, "kv_dtype": kvdtype,
                 "tp": tp, "pp": pp, "max_num_seqs": int(p["seqs"][0]),
                 "max_num_batched_tokens": int(p["batched"][0]), "vllm_version": p["version"][0]}
    kv_gib = float(p["kv"][1])
    tokens = int(p["tokens"][1].replace(",", ""))
    quoted = [p["weights"][0], p["profile"][0], p["kv"][0], p["tokens"][0], "non-default args: " + p["args"][0]]
    assumed = [
        "GPU H100-SXM-80GB: the run names H100-80GB and vLLM measured total_memory=%sGiB; the SXM and PCIe parts "
        "have the same memory (the catalog's 79.65 GiB less kDriverReservedBytes), so the form factor does not "
        "change the pool" % p["total"][1],
        "no other process on the GPU (vLLM's start-up snapshot shows only its own CUDA context)",
    ]
    if wdtype == "fp8":
        assumed.append("--quantization fp8 on a bf16 checkpoint: vLLM's online fp8 (per-tensor scales), weight_dtype fp8; "
                       "embeddings and lm_head stay bf16 as vramplan counts them")
    measured = {"value": tokens if kv_level else kv_gib, "unit": "tokens" if kv_level else "GiB",
                "unit_as_printed": "tokens" if kv_level else "GiB", "level": "kv_tokens" if kv_level else "kv_cache",
                "what": ("vLLM 0.19.0 'GPU KV cache size' (kv_cache_utils.py) in tokens" if kv_level else
                         "vLLM 0.19.0 'Available KV cache memory' (gpu_worker.py determine_available_memory): "
                         "gpu_memory_utilization x total - weights - torch peak increase - non-torch increase"),
                "quoted": quoted}
    return {
        "id": rid,
        "source": ("llm-d-incubation/llm-d-planner accuracy/results/v0.19.0/logs/%s.log (commit d3121e0, 2026-04-22): "
                   "vllm serve v0.19.0 start-up log on one H100 80GB node, DEBUG logging" % name),
        "source_url": "%s/%s.log" % (SOURCE_URL, name),
        "model_id": model,
        "task": "inference (vLLM 0.19.0 serve, KV-cache pre-allocation)",
        "quality_flag": "measured",
        "kind": "vllm_profile",
        "sample": "held_out",
        "sample_note": "added on 2026-12-06 (issue 20, branch data7) after the constants were set; no constant is set from it",
        "measured": measured,
        "match": "exact",
        "note": "",
        "scenario": {"model": model, "workload": "inference", "gpu": "H100-SXM-80GB", "gpus": tp * pp,
                     "inference": inference},
        "assumed": assumed,
        "breakdown": {"gpu_memory_utilization": a["gpu_memory_utilization"], "weights_gib": float(p["weights"][1]),
                      "activation_peak_gib": float(p["profile"][1]), "non_torch_gib": float(p["profile"][2]),
                      "kv_cache_gib": kv_gib, "kv_cache_tokens": tokens},
    }


def main():
    logs, out = sys.argv[1], sys.argv[2]
    first = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    for i, (name, model, wdtype, kvdtype) in enumerate(RUNS):
        with open(os.path.join(logs, name + ".log"), encoding="utf-8", errors="replace") as f:
            p = parse(f.read())
        rid = "h%03d" % (first + i)
        with open(os.path.join(out, rid + ".json"), "w") as f:
            json.dump(record(rid, name, model, wdtype, kvdtype, p), f, indent=1, ensure_ascii=True)
            f.write("\n")


if __name__ == "__main__":
    main()
