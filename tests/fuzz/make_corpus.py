#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz harnesses (tests/fuzz/corpus/<target>/) from the project's own
inputs:

  scenario    scenarios in tests/unit/*.cpp raw string literals, examples/*.json, the contract's
              example, and catalog configs pasted as a scenario's model
  config      every data/models.json entry's "config" object, and config.json literals of the tests
  catalog_id  catalog model and GPU ids and aliases (data/models.json, data/gpus.json), a few near misses
  sweep       "KEY=V1,V2,..." assignments (every numeric key the sweep accepts, bad values) on a first line,
              a scenario after it
  import      the published recipes of tests/frameworks/<framework>/recipes: a byte choosing the framework
              and the mode (tree: the YAML read by PyYAML as JSON, as the CLI and the page hand it over;
              text: the launch script or command line), then the input

Files are named by the SHA-1 of their content (as libFuzzer names what it finds), so re-running the
script is idempotent and never duplicates an input. Usage: python3 tests/fuzz/make_corpus.py [--max N]
"""
import argparse
import glob
import hashlib
import json
import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus")

CONTRACT_EXAMPLE = {
    "model": "Qwen/Qwen2.5-7B-Instruct", "workload": "rl", "gpu": "H100-SXM-80GB", "gpus": 1,
    "train": {"method": "full", "precision": "amp-bf16", "optimizer": "adamw", "micro_batch_size": 8,
              "seq_len": 1536, "gradient_checkpointing": False, "attention": "flash",
              "lora": {"rank": 16, "alpha": 32, "targets": "all-linear"}, "sharding": "none",
              "tp": 1, "pp": 1, "cp": 1, "offload_optimizer": False, "offload_params": False},
    "inference": {"engine": "hf", "batch_size": 1, "context_len": 4096, "weight_dtype": "bf16",
                  "kv_dtype": "bf16", "gpu_memory_utilization": 0.9, "attention": "flash", "tp": 1, "pp": 1},
    "rl": {"algorithm": "grpo", "reference": True, "critic": False,
           "reward_model": {"model": "Qwen/Qwen2.5-14B-Instruct", "weight_dtype": "bf16"},
           "rollout": {"engine": "vllm", "colocated": True, "gpu_memory_utilization": 0.6,
                       "prompts_per_step": 32, "generations_per_prompt": 16, "max_prompt_len": 512,
                       "max_response_len": 1024, "tp": 1}},
}

# Scenarios covering each workload, method, precision, optimizer, sharding, engine and dtype once.
VARIATIONS = [
    {"model": "meta-llama/Llama-3.1-8B-Instruct", "workload": "inference", "gpu": "A100-SXM-80GB",
     "inference": {"engine": "vllm", "batch_size": 64, "context_len": 8192, "weight_dtype": "int4",
                   "kv_dtype": "fp8", "gpu_memory_utilization": 0.95, "attention": "eager", "tp": 1}},
    {"model": "Qwen/Qwen2.5-7B-Instruct", "gpus": 8, "train": {"method": "qlora", "precision": "bf16",
     "optimizer": "adamw-8bit", "lora": {"rank": 64, "targets": ["q_proj", "v_proj"]}, "sharding": "fsdp",
     "offload_optimizer": True, "offload_params": True, "gradient_checkpointing": True}},
    {"model": "google/gemma-2-9b-it", "gpus": 16, "train": {"method": "lora", "precision": "mixed-bf16",
     "optimizer": "adafactor", "sharding": "zero3", "tp": 2, "pp": 2, "cp": 2, "attention": "sdpa"}},
    {"model": "microsoft/phi-2", "train": {"precision": "fp32", "optimizer": "sgd", "sharding": "zero1"}},
    {"model": "Qwen/Qwen2.5-7B-Instruct", "workload": "rl", "gpus": 4,
     "rl": {"algorithm": "ppo", "reward_model": None,
            "rollout": {"engine": "hf", "colocated": False, "tp": 2}}},
    {"model": "Qwen/Qwen2.5-7B-Instruct", "workload": "rl", "rl": {"algorithm": "dpo", "reference": False}},
    {"model": "Qwen/Qwen2.5-7B-Instruct", "train": {"precision": "amp-fp16", "sharding": "zero2"}},
]

RAW_STRING = re.compile(r'R"([A-Za-z0-9_]{0,16})\((.*?)\)\1"', re.S)


def write(target, text, seen):
    data = text.encode("utf-8") if isinstance(text, str) else text
    name = hashlib.sha1(data).hexdigest()
    if name in seen[target]:
        return
    seen[target].add(name)
    with open(os.path.join(OUT, target, name), "wb") as f:
        f.write(data)


def literals():
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "unit", "*.cpp"))):
        with open(path, encoding="utf-8") as f:
            for m in RAW_STRING.finditer(f.read()):
                try:
                    yield json.loads(m.group(2))
                except ValueError:
                    continue


SWEEPS = ["train.micro_batch_size=1,2,4,8", "train.seq_len=512,2048,8192", "gpus=1,2,4,8",
          "inference.batch_size=1,16,256", "inference.context_len=1024,32768",
          "rl.rollout.gpu_memory_utilization=0.3,0.6,0.9", "train.micro_batch_size=", "train.micro_batch_size=0,-1",
          "train.micro_batch_size=1e300", "train.micro_batch_size=a,b", "model=1,2", "=1,2", "gpus=1,,2"]
FORMATS = ["verl", "nemo-rl", "nemo-automodel", "trl"]


def sweep_seeds(seen):
    scenarios = [json.dumps(CONTRACT_EXAMPLE)] + [json.dumps(v) for v in VARIATIONS]
    for i, assignment in enumerate(SWEEPS):
        write("sweep", assignment + "\n" + scenarios[i % len(scenarios)], seen)


# The first byte of an import input: framework index + 4 for a YAML tree (fuzz_import.cpp).
def import_seeds(seen):
    try:
        import yaml  # PyYAML: reads the recipes as OmegaConf does (YAML 1.1)
    except ImportError:
        yaml = None
    for index, framework in enumerate(FORMATS):
        for path in sorted(glob.glob(os.path.join(ROOT, "tests", "frameworks", framework, "recipes", "*"))):
            text = open(path, encoding="utf-8").read()
            if path.endswith((".yaml", ".yml")):
                if yaml is None:
                    continue
                tree = yaml.safe_load(text)
                write("import", bytes([index + 4]) + json.dumps(tree, default=str).encode("utf-8"), seen)
            elif path.endswith(".sh"):
                write("import", bytes([index]) + text.encode("utf-8"), seen)
                write("import", bytes([index + 8]) + text.encode("utf-8"), seen)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max", type=int, default=60, help="most catalog configs to take (default 60)")
    args = parser.parse_args()
    targets = ("scenario", "config", "catalog_id", "sweep", "import")
    seen = {}
    for t in targets:
        os.makedirs(os.path.join(OUT, t), exist_ok=True)
        seen[t] = set(os.listdir(os.path.join(OUT, t)))

    models = json.load(open(os.path.join(ROOT, "data", "models.json"), encoding="utf-8"))["models"]
    gpus = json.load(open(os.path.join(ROOT, "data", "gpus.json"), encoding="utf-8"))["gpus"]

    # Scenarios.
    write("scenario", json.dumps(CONTRACT_EXAMPLE, indent=1), seen)
    for v in VARIATIONS:
        write("scenario", json.dumps(v), seen)
    for path in sorted(glob.glob(os.path.join(ROOT, "examples", "*.json"))):
        write("scenario", open(path, "rb").read(), seen)
    # Configs: one per model_type first, then others up to --max.
    by_type = {}
    for m in models:
        by_type.setdefault(m["config"].get("model_type"), m)
    chosen = list(by_type.values()) + [m for m in models if m not in by_type.values()]
    for m in chosen[: args.max]:
        write("config", json.dumps(m["config"]), seen)
    for m in by_type.values():
        write("scenario", json.dumps({"model": m["config"], "workload": "inference"}), seen)
    # Test literals: configs (model_type) and scenarios (model).
    for doc in literals():
        if isinstance(doc, dict) and "model_type" in doc:
            write("config", json.dumps(doc), seen)
        elif isinstance(doc, dict) and "model" in doc:
            write("scenario", json.dumps(doc), seen)
    # Catalog ids, aliases and near misses.
    for m in models:
        write("catalog_id", m["id"], seen)
        for a in m.get("aliases", []):
            write("catalog_id", a, seen)
    for g in gpus:
        write("catalog_id", g["id"], seen)
    for near in ("qwen/qwen2.5-7b-instruc", "Qwen2.5-7B-Instruct", "META-LLAMA/LLAMA-3.1-8B-INSTRUCT", "", "/", "~"):
        write("catalog_id", near, seen)
    sweep_seeds(seen)
    import_seeds(seen)
    for t in targets:
        print(f"{t}: {len(seen[t])} files in {os.path.relpath(os.path.join(OUT, t), ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
