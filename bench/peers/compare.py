#!/usr/bin/env python3
"""vramplan against the peers' published rules (bench/peers/peers.py) on the validation records.

    python3 bench/peers/compare.py BUILD/cli/vramplan [--dir tests/validation] [--models data/models.json] [--markdown]

For every record of tests/validation/*.json with a scenario and a measured figure, it runs
`vramplan estimate --json` and each peer on the same scenario, and prints the signed error of each
against the measured figure, then the median and worst absolute error per tool:

- over the records `vramplan validate` counts (quality_flag "measured" and match "exact", the rule of
  cli/cmd_validate.cpp), and
- over every compared record (information: looser configs, approximate scenarios).

Levels. vramplan is read at the record's level exactly as cmd_validate.cpp does (allocated, reserved,
device, weights, weights_device, kv_cache, kv_tokens, fit_boundary). A peer gives one figure and says
what it covers (its "claim", printed with it):
  accelerate   "Training using Adam" = model states for batch 1 (train records, full fine-tuning);
               "Total Size" = weights (weights records, LoRA/QLoRA, inference weights). No KV cache.
  deepspeed    ZeRO-2/ZeRO-3 model states per GPU (params, grads, optimizer states). No activations.
  megatron     weights + optimizer + activations (allocated memory, no CUDA context).
  llamafactory total GPU memory of the job from the README table.
A peer's figure is compared with the measured total (what users do with it), and, for the peers that
claim model states only, the summary also says how often it is at least a valid lower bound
(estimate <= measured). Records a peer has no rule for (KV cache, LoRA for DeepSpeed and Megatron,
inference for the training peers) are left out of that peer's statistics and shown as "-".
"""
import argparse
import glob
import json
import math
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peers  # noqa: E402

GIB = 1024 ** 3
PEERS = ("accelerate", "deepspeed", "megatron", "llamafactory")
MODEL_STATES_PEERS = ("accelerate", "deepspeed")


def run_json(cmd, stdin_text):
    p = subprocess.run(cmd, input=stdin_text, capture_output=True, text=True)
    if p.returncode != 0:
        return None, (p.stderr.strip() or f"exit {p.returncode}")
    return json.loads(p.stdout), None


def component(result, cid):
    return sum(c["bytes"] for c in result["per_gpu"]["components"] if c["id"] == cid)


def vramplan_at_level(level, scenario, result):
    """Mirror of estimate_at_level in cli/cmd_validate.cpp: (estimate, measured override or None)."""
    g = result["per_gpu"]
    if level == "allocated":
        return g["allocated_bytes"], None
    if level == "reserved":
        return g["reserved_bytes"], None
    if level == "device":
        return g["device_bytes"], None
    if level == "kv_cache":
        return component(result, "kv_cache"), None
    if level == "kv_tokens":
        return result["inference"]["kv_tokens"], None
    if level == "weights_device":
        return component(result, "weights") + component(result, "cuda_context"), None
    if level == "weights":
        train = scenario.get("train", {})
        full = train.get("method", "full") == "full"
        precision = train.get("precision", "amp-bf16")
        adapter_bytes = 2.0 if precision in ("bf16", "mixed-bf16") else 4.0
        adapters = result["model"]["params_trainable"]
        return component(result, "weights") + (0.0 if full else adapters * adapter_bytes), None
    if level == "fit_boundary":
        if "fit" not in result:
            return None, None
        return g["device_bytes"], result["fit"]["capacity_bytes"]
    return None, None


def model_config(scenario, catalog):
    model = scenario["model"]
    if isinstance(model, dict):
        cfg = dict(model)
    else:
        key = model.lower()
        cfg = None
        for m in catalog:
            if m["id"].lower() == key or key in (a.lower() for a in m.get("aliases", [])):
                cfg = dict(m["config"])
                break
        if cfg is None:
            return None
    if "text_config" in cfg and isinstance(cfg["text_config"], dict):
        merged = dict(cfg["text_config"])
        merged.setdefault("tie_word_embeddings", cfg.get("tie_word_embeddings", True))
        cfg = merged
    return cfg


def model_params(binary, scenario):
    model = scenario["model"]
    if isinstance(model, dict):
        return run_json([binary, "params", "--json", "-"], json.dumps(model))
    return run_json([binary, "params", "--json", "--model", model], "")


def peer_estimates(scenario, level, cfg, counts):
    """{peer: (bytes, claim) or (None, why)} for one record."""
    out = {}
    workload = scenario.get("workload", "train")
    train = scenario.get("train", {})
    method = train.get("method", "full")
    precision = train.get("precision", "amp-bf16")
    sharding = train.get("sharding", "none")
    gpus = int(scenario.get("gpus", 1))
    tp, pp, cp = int(train.get("tp", 1)), int(train.get("pp", 1)), int(train.get("cp", 1))
    total = counts["total"]
    lm_head = sum(g["params"] for g in counts["groups"] if g["id"] == "lm_head")
    hidden = cfg.get("hidden_size", 0)
    vocab = cfg.get("vocab_size", 0)
    ffn = cfg.get("intermediate_size", 4 * hidden)
    # The largest single module's own parameters (DeepSpeed model_to_params; accelerate's largest
    # layer is reported by the tool but not used for the totals).
    largest_module = max(vocab * hidden, hidden * ffn)
    kv_level = level in ("kv_cache", "kv_tokens")

    # accelerate: AutoModel backbone (no untied LM head), fp32 on the meta device.
    backbone = total - lm_head
    weight_dtype = None
    if workload == "inference":
        wd = scenario.get("inference", {}).get("weight_dtype", "bf16")
        weight_dtype = {"fp32": "float32", "bf16": "float16", "fp16": "float16", "int8": "int8", "int4": "int4"}.get(wd)
    if kv_level:
        out["accelerate"] = (None, "no KV cache")
    elif workload == "inference":
        if weight_dtype is None:
            out["accelerate"] = (None, "no such dtype")
        else:
            out["accelerate"] = (peers.accelerate_estimate_memory(backbone, largest_module, weight_dtype)["total_size"],
                                 f"weights ({weight_dtype} Total Size)")
    elif level in ("weights", "weights_device") or method in ("lora", "qlora"):
        dtype = "float32" if precision == "fp32" else "float16"
        if method == "qlora":
            dtype = "int4"
        why = "weights" if level in ("weights", "weights_device") else "weights (no LoRA rule: Total Size)"
        out["accelerate"] = (peers.accelerate_estimate_memory(backbone, largest_module, dtype)["total_size"],
                             f"{why}, {dtype}")
    else:
        dtype = "float32" if precision == "fp32" else "float16"
        r = peers.accelerate_estimate_memory(backbone, largest_module, dtype)
        out["accelerate"] = (r["training_adam"], f"model states bs=1 ({dtype} Training using Adam)")

    is_train = workload in ("train", "rl") and not kv_level and level not in ("weights", "weights_device")
    # DeepSpeed ZeRO model states (full fine-tuning: it counts every parameter as trained).
    if not is_train:
        out["deepspeed"] = (None, "model states of training only")
    elif method != "full":
        out["deepspeed"] = (None, "no LoRA/QLoRA rule")
    else:
        per_node = min(gpus, 8)
        nodes = max(1, math.ceil(gpus / 8))
        if sharding in ("zero3", "fsdp"):
            _, gpu_mem, _ = peers.deepspeed_zero3_model_states_mem_needs(
                total, largest_module, num_gpus_per_node=per_node, num_nodes=nodes,
                cpu_offload=bool(train.get("offload_optimizer", False)),
                cpu_offload_params=bool(train.get("offload_params", False)), zero_init=True)
            out["deepspeed"] = (gpu_mem, "model states (ZeRO-3)")
        else:
            _, gpu_mem = peers.deepspeed_zero2_model_states_mem_needs(
                total, num_gpus_per_node=per_node, num_nodes=nodes,
                cpu_offload=bool(train.get("offload_optimizer", False)))
            out["deepspeed"] = (gpu_mem, "model states (ZeRO-2)")

    # Megatron-LM theoretical memory (full training, mixed precision Adam).
    if not is_train:
        out["megatron"] = (None, "training only")
    elif method != "full":
        out["megatron"] = (None, "no LoRA/QLoRA rule")
    elif "hidden_size" not in cfg:
        out["megatron"] = (None, "needs a Llama-style config (hidden_size, ffn_hidden_size)")
    else:
        dp = max(1, gpus // (tp * pp * cp))
        args = peers.megatron_args(cfg, seq_length=int(train.get("seq_len", 2048)),
                                   micro_batch_size=int(train.get("micro_batch_size", 1)), tp=tp, pp=pp, dp=dp,
                                   use_distributed_optimizer=sharding != "none",
                                   recompute_granularity="full" if train.get("gradient_checkpointing") else None)
        _, _, tot = peers.megatron_theoretical_memory(args)
        out["megatron"] = (tot, "weights+optimizer+activations")

    # LLaMA-Factory README table.
    if not is_train:
        out["llamafactory"] = (None, "training table only")
    else:
        if method == "full":
            key = ("full", 16) if precision == "bf16" else ("full", 32)
        elif method == "lora":
            key = ("lora", 16)
        else:
            key = ("qlora", 4)
        v = peers.llamafactory_table(key[0], key[1], total)
        if sharding != "none" and gpus > 1:
            v /= gpus
        out["llamafactory"] = (v, f"total ({key[0]} {key[1]}-bit row{', / gpus' if sharding != 'none' and gpus > 1 else ''})")
    return out


def median(v):
    return statistics.median(v) if v else float("nan")


def pct(x):
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:+.1f}%"


def apct(x):
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.1f}%"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("vramplan", help="path to the vramplan binary")
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    ap.add_argument("--dir", default=os.path.join(root, "tests", "validation"))
    ap.add_argument("--models", default=os.path.join(root, "data", "models.json"))
    ap.add_argument("--markdown", action="store_true", help="print the tables as Markdown")
    a = ap.parse_args()
    if not os.access(a.vramplan, os.X_OK):
        sys.exit(f"error: {a.vramplan}: not an executable vramplan binary")
    catalog = json.load(open(a.models, encoding="utf-8"))["models"]

    rows = []
    skipped = []
    for path in sorted(glob.glob(os.path.join(a.dir, "*.json"))):
        d = json.load(open(path, encoding="utf-8"))
        rid = d.get("id", os.path.basename(path)[:-5])
        scenario = d.get("scenario")
        measured = d.get("measured") or {}
        level = measured.get("level")
        if scenario is None or d.get("match", "none") == "none":
            skipped.append((rid, "no scenario (" + (d.get("note") or "unmatched")[:70] + ")"))
            continue
        unit = measured.get("unit", "GiB")
        value = measured.get("value")
        mval = value * (1.0 if unit == "tokens" else GIB) if isinstance(value, (int, float)) else None
        result, err = run_json([a.vramplan, "estimate", "--json", "-"], json.dumps(scenario))
        if result is None:
            skipped.append((rid, "vramplan: " + err[:80]))
            continue
        est, override = vramplan_at_level(level, scenario, result)
        if override:
            mval = override
        if est is None or not mval:
            skipped.append((rid, f"no figure at level {level}"))
            continue
        cfg = model_config(scenario, catalog)
        counts, perr = model_params(a.vramplan, scenario)
        row = {
            "id": rid, "level": level, "unit": unit, "measured": mval,
            "counted": d.get("quality_flag") == "measured" and d.get("match") == "exact",
            "vramplan": (est - mval) / mval, "peers": {},
        }
        if cfg is not None and counts is not None:
            for name, (v, claim) in peer_estimates(scenario, level, cfg, counts).items():
                row["peers"][name] = ((v - mval) / mval if v is not None else None, claim, v)
        rows.append(row)

    md = a.markdown

    def table(header, body):
        if md:
            lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
            lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in body]
        else:
            w = [max(len(str(h)), *(len(str(r[i])) for r in body)) if body else len(h) for i, h in enumerate(header)]
            lines = ["  ".join(str(h).ljust(w[i]) for i, h in enumerate(header)),
                     "  ".join("-" * x for x in w)]
            lines += ["  ".join(str(c).ljust(w[i]) for i, c in enumerate(r)) for r in body]
        print("\n".join(lines))

    print("Per record: signed error of each estimate against the measured figure (* = counted by `vramplan validate`)\n")
    body = []
    for r in rows:
        shown = f"{r['measured']:.0f} tok" if r["unit"] == "tokens" else f"{r['measured'] / GIB:.2f} GiB"
        body.append([r["id"] + ("*" if r["counted"] else ""), r["level"], shown, pct(r["vramplan"])] +
                    [pct(r["peers"].get(p, (None,))[0]) for p in PEERS])
    table(["record", "level", "measured", "vramplan"] + list(PEERS), body)

    print("\nWhat each peer's figure covers (claim), per record where it gives one:\n")
    claims = {}
    for r in rows:
        for p in PEERS:
            e = r["peers"].get(p)
            if e and e[0] is not None:
                claims.setdefault(p, {}).setdefault(e[1], []).append(r["id"])
    body = [[p, c, ", ".join(ids)] for p in PEERS for c, ids in claims.get(p, {}).items()]
    table(["peer", "claim", "records"], body)

    def summary(subset, title):
        print(f"\n{title}: {len(subset)} records\n")
        body = []
        vr = [abs(r["vramplan"]) for r in subset]
        body.append(["vramplan", len(vr), apct(median(vr)), apct(max(vr) if vr else None), "-", "-", "-"])
        best = None
        for p in PEERS:
            got = [r for r in subset if r["peers"].get(p) and r["peers"][p][0] is not None]
            errs = [abs(r["peers"][p][0]) for r in got]
            same = [abs(r["vramplan"]) for r in got]
            lb = "-"
            if p in MODEL_STATES_PEERS and got:
                lb = f"{sum(1 for r in got if r['peers'][p][0] <= 0)}/{len(got)}"
            body.append([p, len(errs), apct(median(errs)), apct(max(errs) if errs else None),
                         apct(median(same)), apct(max(same) if same else None), lb])
            if errs and (best is None or median(errs) < best[1]):
                best = (p, median(errs), median(same), len(errs))
        table(["tool", "records", "median abs err", "worst abs err", "vramplan median on same", "vramplan worst on same",
               "lower bound holds"], body)
        if best and vr:
            v_all = median(vr)
            goal_all = v_all <= best[1] / 2
            goal_same = best[2] <= best[1] / 2
            print(f"\nbest peer: {best[0]} (median {apct(best[1])} on its {best[3]} records). "
                  f"Goal vramplan median <= half the best peer's ({apct(best[1] / 2)}): "
                  f"all {len(vr)} records {apct(v_all)} -> {'MET' if goal_all else 'NOT MET'}; "
                  f"same {best[3]} records {apct(best[2])} -> {'MET' if goal_same else 'NOT MET'}")

    summary([r for r in rows if r["counted"]], "Counted records (quality \"measured\", scenario exact; the `vramplan validate` rule)")
    summary(rows, "Every compared record (information)")
    if skipped:
        print(f"\nNot compared ({len(skipped)}): " + "; ".join(f"{i}: {w}" for i, w in skipped))


if __name__ == "__main__":
    main()
