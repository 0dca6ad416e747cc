#!/usr/bin/env python3
"""Turn measure.py's results (results-h100.jsonl) into validation records tests/validation/gNNa.json
(peak allocated) and gNNd.json (device: the process's memory in nvidia-smi). Run once after a
measurement; the records are committed, and `vramplan validate tests/validation` compares them."""
import json, os

HERE = os.path.dirname(os.path.abspath(__file__))
GiB = 2 ** 30
NOTES = {  # what each run shows beyond the numbers; written after reading the comparison
    "g19": "transformers' generate on Gemma 2 grows 4.6 GiB above the first token's peak during the 31 "
           "decode steps (diag: prefill + first token = 33.2 GiB); vramplan models the prefill peak only",
    "g20": "sliding-window layers hold the whole 8,160-token prompt at the prefill peak (diag-h100.txt: "
           "DynamicSlidingWindowLayer keeps 4,095 tokens afterwards)",
    "g22": "LoRA over an fp32 base (train.lora.base_dtype fp32) under autocast",
    "g25": "the largest full fine-tuning of a 7B model that fits one H100 in pure bf16: 73.05 GiB on the device",
    "g27": "precision bf16: PEFT keeps the adapters in fp32 (autocast_adapter_dtype), vramplan in bf16: "
           "6.8M adapter params, under 0.06 GiB",
}


def main():
    scenarios = {r["id"]: r["scenario"] for r in json.load(open(os.path.join(HERE, "scenarios.json")))["runs"]}
    env = None
    for line in open(os.path.join(HERE, "results-h100.jsonl")):
        rec = json.loads(line)
        if "environment" in rec:
            env = rec["environment"]
            continue
        if rec.get("status") != "ok":
            continue
        rid, scn = rec["id"], scenarios[rec["id"]]
        what_run = ("model.generate (DynamicCache, greedy, 32 new tokens)" if scn["workload"] == "inference"
                    else "2 optimizer steps x 2 accumulated micro-batches, torch AdamW/SGD foreach")
        source = (f"vramplan tests/validation/gpu/measure.py on the lent {env['gpu']} (driver 580.159.04), "
                  f"torch {env['torch']}, transformers {env['transformers']}, peft {env['peft']}, CUDA "
                  f"{env['cuda']}, 2026-11-24; model built from the catalog config.json with random weights; "
                  f"{what_run}")
        for level, key, suffix, what in (
                ("allocated", "peak_allocated", "a", "torch.cuda.max_memory_allocated over the run"),
                ("device", "device_process", "d", "NVML usedGpuMemory of the process at the end of the run "
                                                  "(nvidia-smi's per-process figure)")):
            out = {
                "id": rid + suffix,
                "source": source,
                "model_id": scn["model"],
                "task": f"{scn['workload']} measured on the GPU",
                "quality_flag": "measured",
                "kind": "peak",
                "measured": {"value": round(rec[key] / GiB, 3), "unit": "GiB", "unit_as_printed": "bytes",
                             "level": level, "what": what, "bytes": rec[key]},
                "match": "exact",
                "note": NOTES.get(rid, ""),
                "scenario": scn,
                "also_measured": {k: rec[k] for k in ("weights_allocated", "peak_allocated", "peak_reserved",
                                                      "device_process") if k in rec},
                "record_notes": "results-h100.jsonl holds the raw output; rerun with measure.py run scenarios.json",
            }
            with open(os.path.join(HERE, "..", out["id"] + ".json"), "w") as f:
                json.dump(out, f, indent=1)
                f.write("\n")


if __name__ == "__main__":
    main()
