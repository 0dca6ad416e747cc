#!/usr/bin/env python3
"""Diagnostics behind the measured records (README.md): what the CUDA context costs on this stack, and
how many tokens transformers' DynamicCache keeps for a sliding-window model (Mistral-7B-v0.1)."""
import json, os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import measure  # noqa: E402


def context():
    import torch
    torch.zeros(1, device="cuda")
    a = torch.randn(256, 256, device="cuda", dtype=torch.bfloat16)
    (a @ a).sum().item()
    torch.cuda.synchronize()
    return {"what": "context", "device_process": measure.nvml_process_bytes(),
            "reserved": torch.cuda.memory_reserved()}


def mistral_cache():
    import torch
    from transformers import DynamicCache
    scn = {"model": "mistralai/Mistral-7B-v0.1", "workload": "inference",
           "inference": {"batch_size": 1, "context_len": 8192, "attention": "sdpa"}}
    model, config = measure.make_model(scn, False)
    ids = torch.randint(0, 32000, (1, 8000), device="cuda")
    cache = DynamicCache(config=config)
    with torch.no_grad():
        model(input_ids=ids, past_key_values=cache, use_cache=True)
    layer = cache.layers[0]
    return {"what": "mistral_cache", "layer_class": type(layer).__name__,
            "keys_shape": list(layer.keys.shape), "sliding_window": config.sliding_window,
            "layer_types": getattr(config, "layer_types", None) and sorted(set(config.layer_types))}


def prefill_parts(model_id, attention, batch, prompt):
    """Peak above the weights for: a prefill without cache, with a DynamicCache, and generate(1 token)."""
    import torch
    from transformers import DynamicCache
    scn = {"model": model_id, "workload": "inference",
           "inference": {"batch_size": batch, "context_len": prompt, "attention": attention}}
    model, config = measure.make_model(scn, False)
    model.eval()
    torch.cuda.synchronize()
    base = torch.cuda.memory_allocated()
    ids = torch.randint(0, 1000, (batch, prompt), device="cuda")
    out = {"what": "prefill_parts", "model": model_id, "attention": attention}
    variants = {
        "no_cache": lambda: model(input_ids=ids, use_cache=False, logits_to_keep=1),
        "dynamic_cache": lambda: model(input_ids=ids, past_key_values=DynamicCache(config=config),
                                       use_cache=True, logits_to_keep=1),
        "generate_1": lambda: model.generate(input_ids=ids, attention_mask=torch.ones_like(ids),
                                             max_new_tokens=1, do_sample=False),
    }
    for name, fn in variants.items():
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
        with torch.no_grad():
            r = fn()
        del r
        out[name] = torch.cuda.max_memory_allocated() - base
    return out


if __name__ == "__main__":
    if sys.argv[1] == "prefill":
        print("DIAG " + json.dumps(prefill_parts(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))),
              flush=True)
        sys.exit(0)
    which = sys.argv[1]
    print("DIAG " + json.dumps({"context": context, "mistral_cache": mistral_cache}[which]()), flush=True)
