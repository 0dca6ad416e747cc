#!/usr/bin/env python3
"""Per component kind, the spread of the validation errors behind the uncertainty band (peak_band).

Usage: python3 tools/band_derivation.py VRAMPLAN_CLI [tests/validation] [--check]

--check (ctest `band_constants`): exit 1 when a calibration record's error of some kind lies outside the
constants the CLI lists (a new record that the band does not cover must widen it, with its source).

For every calibration record (not `"sample": "held_out"`) whose source measured more than the total, the estimate
of its scenario (`vramplan estimate --json`) is split into component kinds (core/memory band_kind):
weights (parameters held across steps), optimizer (states, master weights, gradients, gathered units),
activations, logits, allocator (the caching allocator's cache) and context (CUDA context, NCCL). A
measurement that isolates a kind gives that kind's relative error:

  weights      weights_allocated (memory after loading, before the first step) vs the weights kind
  transient    peak_allocated - estimated persistent bytes, vs the activations + logits kinds
               (weights and optimizer states are parameter arithmetic: their error is the weights kind's)
  allocator    peak_reserved - peak_allocated, as a fraction of the estimated transient bytes
  context      device_process - peak_reserved, in bytes, vs the context kind

The printed extremes are the band's constants (core/memory/include/vramplan/memory.hpp "Uncertainty
band"): the high end covers the largest under-estimate of each kind seen in the calibration records,
the low end the largest over-estimate. Held-out records (`"sample": "held_out"`) are never read here; their
coverage is the test of the band (docs/validation/accuracy.md).
"""
import json
import os
import subprocess
import sys
import tempfile

GIB = 1024.0 ** 3
TRANSIENT_LOGITS = ("logits", "logprob")


def kind_of(component_id, level_hint=None):
    """The band kind of a component id (mirrors core/memory band_kind)."""
    cid = component_id.split(".")[-1]
    if cid in ("weights", "lora"):
        return "weights"
    if cid in ("optimizer", "master_weights", "gradients", "gathered_params", "ddp_buckets"):
        return "optimizer"
    # reserved - allocated (FSDP1's pending frees and the shifted loss's block too)
    if cid in ("allocator", "fsdp_pending_frees", "loss_shift_block", "loss_segments_after_states",
               "forward_segments", "sharded_grad_pool"):
        return "allocator"
    if cid == "zero3_whole_model_start":
        return "exact"
    if cid in ("cuda_context", "non_torch"):
        return "context"
    if cid in ("kv_cache",) or "vllm" in cid:
        return "vllm"
    if any(t in cid for t in TRANSIENT_LOGITS):
        return "logits"
    return "activations"


def estimate(cli, scenario):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(scenario, f)
        path = f.name
    try:
        out = subprocess.run([cli, "estimate", path, "--json"], capture_output=True, text=True)
    finally:
        os.unlink(path)
    if out.returncode != 0:
        return None
    return json.loads(out.stdout)


def kinds(result):
    total = {}
    for c in result["per_gpu"]["components"]:
        k = kind_of(c["id"])
        total[k] = total.get(k, 0.0) + c["bytes"]
    return total


def spread(values):
    values = sorted(values, key=lambda v: v[1])
    return values[0], values[len(values) // 2], values[-1]


def listed_constants(cli, folder):
    """The kBand* constants as the CLI lists them in a result's `constants`."""
    result = estimate(cli, {"model": "Qwen/Qwen2.5-0.5B", "train": {"micro_batch_size": 1, "seq_len": 128}})
    return {c["name"]: c["value"] for c in result["constants"] if c["name"].startswith("kBand")}


def check(rows, k):
    """(kind, lowest allowed, highest allowed) against every record's error; the failures' lines."""
    limits = [("weights", -k["kBandParamsLowFraction"], k["kBandParamsHighFraction"]),
              ("activations", -k["kBandActivationsLowFraction"], k["kBandActivationsHighFraction"]),
              ("logits", -k["kBandLogitsLowFraction"], k["kBandLogitsHighFraction"]),
              ("allocator", k["kBandAllocatorLowFraction"], k["kBandAllocatorHighFraction"])]
    failures = []
    for kind, lo, hi in limits:
        for rid, value in rows[kind]:
            if value < lo - 1e-9 or value > hi + 1e-9:
                failures.append("%s: %s error %+.3f outside the band's [%+.3f, %+.3f]" % (rid, kind, value, lo, hi))
    return failures


def main():
    args = [a for a in sys.argv[1:] if a != "--check"]
    cli = args[0]
    folder = args[1] if len(args) > 1 else "tests/validation"
    rows = {"weights": [], "activations": [], "logits": [], "allocator": [], "context": [], "vllm_profile": []}
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".json"):
            continue
        doc = json.load(open(os.path.join(folder, name)))
        if doc.get("sample") == "held_out" or doc.get("match") != "exact" or doc.get("quality_flag") != "measured":
            continue
        also = doc.get("also_measured", {})
        breakdown = doc.get("breakdown") or {}
        if "activation_peak_gib" in breakdown:
            result = estimate(cli, doc["scenario"])
            est = sum(c["bytes"] for c in result["per_gpu"]["components"] if c["id"] == "activations") / GIB
            rows["vllm_profile"].append((doc["id"], (breakdown["activation_peak_gib"] - est) / est))
        if "peak_allocated" not in also or doc.get("measured", {}).get("level") != "allocated":
            continue
        result = estimate(cli, doc["scenario"])
        if result is None:
            continue
        k = kinds(result)
        persistent = k.get("weights", 0) + k.get("optimizer", 0)
        # HF generate's KV cache grows by concatenation (transformers DynamicCache.update: torch.cat), so it
        # is counted with the activations; vLLM's pool is its budget's remainder (exact by construction).
        activations = k.get("activations", 0) + k.get("vllm", 0)
        logits = k.get("logits", 0)
        transient = activations + logits
        rid = doc["id"]
        rows["weights"].append((rid, (also["weights_allocated"] - k["weights"]) / k["weights"]))
        # What the allocated peak lacks (or has in excess), charged to the transient kind that dominates.
        residual = also["peak_allocated"] - persistent - transient
        dominant = "logits" if logits >= activations else "activations"
        rows[dominant].append((rid, residual / (logits if dominant == "logits" else activations)))
        rows["allocator"].append((rid, (also["peak_reserved"] - also["peak_allocated"]) / transient))
        rows["context"].append((rid, (also["device_process"] - also["peak_reserved"]) / GIB))
    for kind, values in rows.items():
        if not values:
            continue
        low, mid, high = spread(values)
        unit = "GiB" if kind == "context" else ("of the transient bytes" if kind == "allocator" else "of the kind's bytes")
        print("%-12s n=%-3d min %+.3f (%s)  median %+.3f  max %+.3f (%s)  [%s]" % (
            kind, len(values), low[1], low[0], mid[1], high[1], high[0], unit))
    if "--check" in sys.argv:
        if len(rows["weights"]) < 20:
            print("band check: too few calibration records with separate measurements (%d)" % len(rows["weights"]))
            sys.exit(1)
        failures = check(rows, listed_constants(cli, folder))
        for line in failures:
            print("band check: " + line)
        print("band check: %s" % ("FAIL" if failures else "every calibration record inside the band's constants"))
        sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
