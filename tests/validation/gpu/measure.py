#!/usr/bin/env python3
"""Measure real GPU memory of vramplan scenarios with PyTorch + transformers on a model built from its
config.json (random weights; no download). One child process per scenario, so every peak starts from a
fresh CUDA context.

  python3 measure.py params OUT.jsonl            # parameter counts of every catalog model (meta device)
  python3 measure.py run SCENARIOS.json OUT.jsonl [ID ...]

What each run reports (all bytes):
  weights_allocated  torch.cuda.memory_allocated() after the model (and LoRA adapters) are built
  peak_allocated     torch.cuda.max_memory_allocated() over the whole run
  peak_reserved      torch.cuda.max_memory_reserved() over the whole run
  device_process     this process's usedGpuMemory from NVML (what nvidia-smi lists per process), read at
                     the end of the run; the caching allocator never returns memory unless asked, so this
                     is the device-level peak
Training follows what vramplan's memory model assumes (docs/memory-model.md): gradient accumulation of
two micro-batches per optimizer step (gradients live during the second forward), two steps, torch AdamW
with foreach=True, labels = input ids (transformers' ForCausalLMLoss). Inference: model.generate with a
DynamicCache, prompt = context_len - NEW_TOKENS, greedy, NEW_TOKENS new tokens.
"""
import json, os, subprocess, sys, time

NEW_TOKENS = 32
HERE = os.path.dirname(os.path.abspath(__file__))
CATALOG = os.path.join(HERE, "..", "..", "..", "data", "models.json")


def catalog():
    with open(CATALOG) as f:
        return {m["id"].lower(): m for m in json.load(f)["models"]}


def build_config(cfg_dict):
    from transformers import AutoConfig
    d = dict(cfg_dict)
    model_type = d.pop("model_type")
    return AutoConfig.for_model(model_type, **d)


def model_class(config):
    import transformers
    for arch in getattr(config, "architectures", None) or []:
        cls = getattr(transformers, arch, None)
        if cls is not None:
            return cls
    return transformers.AutoModelForCausalLM


def count_params():
    import torch, transformers
    out = []
    for mid, m in catalog().items():
        rec = {"id": m["id"], "model_type": m["config"].get("model_type")}
        try:
            config = build_config(m["config"])
            cls = model_class(config)
            with torch.device("meta"):
                model = cls.from_config(config) if cls.__name__.startswith("Auto") else cls._from_config(config)
            rec["class"] = type(model).__name__
            rec["params"] = sum(p.numel() for p in model.parameters())
            rec["tied"] = bool(getattr(config, "tie_word_embeddings", False))
        except Exception as e:  # noqa: BLE001  report, don't stop: one unsupported type is a finding
            rec["error"] = f"{type(e).__name__}: {e}"[:300]
        out.append(rec)
        print(json.dumps(rec), flush=True)
    return out


def dtype_of(name):
    import torch
    return {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}[name]


def nvml_process_bytes():
    import pynvml
    pynvml.nvmlInit()
    h = pynvml.nvmlDeviceGetHandleByIndex(0)
    me = os.getpid()
    for p in pynvml.nvmlDeviceGetComputeRunningProcesses(h):
        if p.pid == me:
            return int(p.usedGpuMemory or 0)
    # Inside a container NVML may not see our pid: fall back to the device's used memory.
    return int(pynvml.nvmlDeviceGetMemoryInfo(h).used)


def make_model(scn, train):
    import torch
    m = catalog()[scn["model"].lower()]
    config = build_config(m["config"])
    t = scn.get("train", {}) if train else {}
    i = scn.get("inference", {})
    attention = (t if train else i).get("attention", "flash")
    attn_impl = {"flash": "flash_attention_2", "sdpa": "sdpa", "eager": "eager"}[attention]
    precision = t.get("precision", "amp-bf16") if train else None
    method = t.get("method", "full") if train else "full"
    if train and method == "full":
        dtype = {"fp32": torch.float32, "amp-bf16": torch.float32, "amp-fp16": torch.float32}.get(
            precision, torch.bfloat16)
    elif train:
        # LoRA: the frozen base in train.lora.base_dtype (vramplan's default: the compute dtype).
        default_base = {"fp32": "fp32", "amp-fp16": "fp16"}.get(precision, "bf16")
        dtype = dtype_of(t.get("lora", {}).get("base_dtype", default_base))
    else:
        dtype = dtype_of(i.get("weight_dtype", "bf16"))
    # Causal LMs through the Auto class (every training/inference scenario here is text-only).
    from transformers import AutoModelForCausalLM
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device("cuda"):
            torch.manual_seed(0)
            model = AutoModelForCausalLM.from_config(config, attn_implementation=attn_impl)
    finally:
        torch.set_default_dtype(previous)
    model.to(dtype)
    return model, config


def run_train(scn):
    import torch
    t = scn.get("train", {})
    model, config = make_model(scn, True)
    method = t.get("method", "full")
    precision = t.get("precision", "amp-bf16")
    if method == "lora":
        from peft import LoraConfig, get_peft_model
        lora = t.get("lora", {})
        targets = lora.get("targets", "all-linear")
        # PEFT's default autocast_adapter_dtype=True keeps the adapters in fp32 over a 16-bit base.
        model = get_peft_model(model, LoraConfig(r=lora.get("rank", 16), lora_alpha=lora.get("alpha", 32),
                                                 target_modules=targets, lora_dropout=0.0))
    if t.get("gradient_checkpointing", False):
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        if method == "lora":
            model.enable_input_require_grads()
    model.config.use_cache = False
    model.train()
    torch.cuda.synchronize()
    weights = torch.cuda.memory_allocated()
    params = [p for p in model.parameters() if p.requires_grad]
    opt_name = t.get("optimizer", "adamw")
    if opt_name == "adamw":
        opt = torch.optim.AdamW(params, lr=1e-5, foreach=True)
    elif opt_name == "sgd":
        opt = torch.optim.SGD(params, lr=1e-5, momentum=0.9, foreach=True)
    else:
        raise SystemExit(f"optimizer {opt_name} not measured by this script")
    b, s = t.get("micro_batch_size", 1), t.get("seq_len", 2048)
    vocab = config.get_text_config().vocab_size if hasattr(config, "get_text_config") else config.vocab_size
    autocast = precision.startswith("amp")
    amp_dtype = torch.float16 if precision == "amp-fp16" else torch.bfloat16
    g = torch.Generator(device="cuda").manual_seed(1)
    losses = []
    for step in range(2):
        for micro in range(2):
            ids = torch.randint(0, vocab, (b, s), device="cuda", generator=g)
            with torch.autocast("cuda", dtype=amp_dtype, enabled=autocast):
                loss = model(input_ids=ids, labels=ids).loss / 2
            loss.backward()
            losses.append(float(loss))
            del loss, ids
        opt.step()
        opt.zero_grad(set_to_none=True)
    torch.cuda.synchronize()
    return {"weights_allocated": weights, "losses": losses,
            "trainable_params": sum(p.numel() for p in params),
            "total_params": sum(p.numel() for p in model.parameters())}


def run_inference(scn):
    import torch
    i = scn.get("inference", {})
    model, config = make_model(scn, False)
    model.eval()
    torch.cuda.synchronize()
    weights = torch.cuda.memory_allocated()
    b, ctx = i.get("batch_size", 1), i.get("context_len", 4096)
    vocab = config.get_text_config().vocab_size if hasattr(config, "get_text_config") else config.vocab_size
    g = torch.Generator(device="cuda").manual_seed(1)
    ids = torch.randint(0, vocab, (b, ctx - NEW_TOKENS), device="cuda", generator=g)
    with torch.no_grad():
        out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=NEW_TOKENS,
                             min_new_tokens=NEW_TOKENS, do_sample=False, use_cache=True)
    torch.cuda.synchronize()
    return {"weights_allocated": weights, "generated": int(out.shape[1] - ids.shape[1]),
            "total_params": sum(p.numel() for p in model.parameters())}


def child(scn_json):
    import torch
    scn = json.loads(scn_json)
    t0 = time.time()
    rec = {}
    try:
        rec = run_inference(scn) if scn.get("workload") == "inference" else run_train(scn)
        rec["status"] = "ok"
    except torch.OutOfMemoryError as e:
        rec = {"status": "oom", "error": str(e)[:400]}
    rec["peak_allocated"] = torch.cuda.max_memory_allocated()
    rec["peak_reserved"] = torch.cuda.max_memory_reserved()
    rec["device_process"] = nvml_process_bytes()
    rec["seconds"] = round(time.time() - t0, 1)
    print("RESULT " + json.dumps(rec), flush=True)


def environment():
    import torch, transformers
    env = {"torch": torch.__version__, "transformers": transformers.__version__,
           "gpu": torch.cuda.get_device_name(0), "cuda": torch.version.cuda,
           "total_memory": torch.cuda.get_device_properties(0).total_memory}
    try:
        import peft
        env["peft"] = peft.__version__
    except ImportError:
        env["peft"] = None
    try:
        import flash_attn  # noqa: F401
        env["flash_attn"] = True
    except ImportError:
        env["flash_attn"] = False
    return env


def run_all(scenarios_path, out_path, only):
    with open(scenarios_path) as f:
        runs = json.load(f)["runs"]
    with open(out_path, "a") as out:
        out.write(json.dumps({"environment": environment()}) + "\n")
        for r in runs:
            if only and r["id"] not in only:
                continue
            p = subprocess.run([sys.executable, __file__, "child", json.dumps(r["scenario"])],
                               capture_output=True, text=True, timeout=r.get("timeout_s", 240))
            line = [l for l in p.stdout.splitlines() if l.startswith("RESULT ")]
            rec = json.loads(line[-1][7:]) if line else {"status": "crash", "stderr": p.stderr[-1500:]}
            rec["id"] = r["id"]
            out.write(json.dumps(rec) + "\n")
            out.flush()
            print(json.dumps(rec), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "child":
        child(sys.argv[2])
    elif sys.argv[1] == "params":
        with open(sys.argv[2], "w") as f:
            for rec in count_params():
                f.write(json.dumps(rec) + "\n")
    elif sys.argv[1] == "run":
        run_all(sys.argv[2], sys.argv[3], set(sys.argv[4:]))
