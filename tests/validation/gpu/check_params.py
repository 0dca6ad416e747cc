#!/usr/bin/env python3
"""vramplan's parameter count of every catalog model against transformers' own: the models built on the
meta device by measure.py params (transformers 5.17.0, params-transformers-5.17.jsonl), counted as
sum(p.numel() for p in model.parameters()). Exact, with one explained exception:
DeepSeek-V3's router e_score_correction_bias is a registered buffer in transformers (not a Parameter)
but a tensor in the checkpoint, which vramplan counts: n_routed_experts per MoE layer.

usage: check_params.py VRAMPLAN PARAMS_JSONL CATALOG_JSON"""
import json, subprocess, sys


def buffer_params(config):
    if config.get("model_type") != "deepseek_v3":
        return 0
    moe_layers = config["num_hidden_layers"] - config.get("first_k_dense_replace", 0)
    return config["n_routed_experts"] * moe_layers


def main(vramplan, params_path, catalog_path):
    catalog = {m["id"]: m["config"] for m in json.load(open(catalog_path))["models"]}
    failures, checked = [], 0
    for line in open(params_path):
        rec = json.loads(line)
        if rec["id"] not in catalog:
            continue  # a model removed from the catalog since the measurement
        out = subprocess.run([vramplan, "params", "--json", "--model", rec["id"]], capture_output=True, text=True)
        if out.returncode != 0:
            failures.append(f"{rec['id']}: vramplan failed: {out.stderr.strip()}")
            continue
        ours = json.loads(out.stdout)["total"]
        expected = rec["params"] + buffer_params(catalog[rec["id"]])
        checked += 1
        if ours != expected:
            failures.append(f"{rec['id']}: vramplan {ours:,}, transformers {rec['params']:,} "
                            f"(+{buffer_params(catalog[rec['id']]):,} buffer params)")
    print(f"{checked} catalog models checked against transformers' parameter counts; {len(failures)} differ")
    for f in failures:
        print("  " + f)
    return 1 if failures or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
