#!/usr/bin/env python3
"""Held-out errors grouped by mechanism (docs/validation/accuracy.md "Held-out records").

Usage: python3 tools/heldout_groups.py VRAMPLAN_CLI [tests/validation]

For every held-out record with a peak (`"sample": "held_out"`, level allocated or device, match exact) the
estimate of its scenario is compared with the measurement, and the errors are grouped by what decides
them: method (full / lora / qlora), one GPU or sharded, the model, and the level measured. For the
fms-acceleration records, which measure both levels of one run, the device level's extra over the
allocated level (nvidia-smi minus max_memory_allocated: CUDA context, NCCL, the caching allocator's
reserve) is printed beside the estimate's own extra, so a miss can be charged to the allocated memory or
to what lies above it. Reads nothing but the records and the CLI; sets no constant.
"""
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile

GIB = 1024.0 ** 3
# The records' units (cli/cmd_validate.cpp converts the same way), in GiB.
UNIT_GIB = {"GiB": 1.0, "MiB": 1.0 / 1024.0, "GB": 1.0e9 / GIB}


def breakdown(cli, scenario):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(scenario, f)
        path = f.name
    try:
        out = subprocess.run([cli, "estimate", path, "--json"], capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(path)
    return json.loads(out)["per_gpu"]


def model_name(scenario):
    m = scenario["model"]
    return m.split("/")[-1] if isinstance(m, str) else m.get("model_type", "custom")


def rows(cli, folder):
    out = []
    for path in sorted(glob.glob(os.path.join(folder, "*.json"))):
        with open(path) as f:
            r = json.load(f)
        level = r.get("measured", {}).get("level")
        if r.get("sample") != "held_out" or r.get("match") != "exact" or level not in ("allocated", "device"):
            continue
        b = breakdown(cli, r["scenario"])
        est = (b["allocated_bytes"] if level == "allocated" else b["device_bytes"]) / GIB
        meas = r["measured"]["value"] * UNIT_GIB[r["measured"].get("unit", "GiB")]
        workload = r["scenario"].get("workload", "train")
        t = r["scenario"].get("train", {})
        also = r.get("also_measured", {})
        # A serving record is grouped under its workload (it has no training method).
        method = t.get("method", "full") if workload == "train" else workload
        out.append({"id": r["id"], "level": level, "method": method,
                    "sharded": t.get("sharding", "none") != "none", "model": model_name(r["scenario"]),
                    "meas": meas, "est": est, "err": 100.0 * (est - meas) / meas,
                    "est_gap": (b["device_bytes"] - b["allocated_bytes"]) / GIB,
                    "meas_gap": (also["nvidia_mem_reserved_mib"] / 1024.0 - also["peak_torch_mem_alloc_bytes"] / GIB)
                    if "nvidia_mem_reserved_mib" in also else None})
    return out


def summary(group):
    errs = [g["err"] for g in group]
    under = sum(1 for e in errs if e < -15)
    return "n=%-2d median %+6.1f%%  range %+6.1f%% .. %+6.1f%%  >15%% under %d" % (
        len(errs), statistics.median(errs), min(errs), max(errs), under)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    folder = sys.argv[2] if len(sys.argv) > 2 else "tests/validation"
    data = rows(sys.argv[1], folder)
    keys = sorted({(d["method"], d["sharded"], d["model"], d["level"]) for d in data})
    print("method  GPUs     model                     level      errors")
    for k in keys:
        group = [d for d in data if (d["method"], d["sharded"], d["model"], d["level"]) == k]
        print("%-7s %-8s %-25s %-10s %s" % (k[0], "sharded" if k[1] else "one", k[2], k[3], summary(group)))
    print("\ndevice extra over allocated (GiB): measured vs estimated, per run (device-level records)")
    for d in data:
        if d["level"] == "device" and d["meas_gap"] is not None:
            print("  %s %-5s %-8s %-22s measured %5.2f  estimated %5.2f  missing %+5.2f" % (
                d["id"], d["method"], "sharded" if d["sharded"] else "one", d["model"], d["meas_gap"], d["est_gap"],
                d["meas_gap"] - d["est_gap"]))


if __name__ == "__main__":
    main()
