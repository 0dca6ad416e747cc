#!/usr/bin/env bash
# Runs the real vramplan executable and checks exit statuses, stdout and stderr (docs/CONTRACT.md
# "Command line"). Usage: run_cli_tests.sh VRAMPLAN SOURCE_DIR
set -u
cli=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

# expect NAME STATUS STDERR_PREFIX -- ARGS...   (STDERR_PREFIX "" means stderr must be empty)
expect() {
  local name=$1 status=$2 prefix=$3
  shift 4
  "$cli" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
  local got=$?
  local ok=1
  [ "$got" -eq "$status" ] || ok=0
  if [ -z "$prefix" ]; then
    [ ! -s "$tmp/err" ] || ok=0
  else
    [ "$(wc -l <"$tmp/err")" -eq 1 ] || ok=0
    case "$(cat "$tmp/err")" in "$prefix"*) ;; *) ok=0 ;; esac
  fi
  # Invalid input leaves stdout empty.
  if [ "$status" -ne 0 ] && [ -s "$tmp/out" ]; then ok=0; fi
  if [ $ok -eq 1 ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $name (status $got, wanted $status)"
    echo "  stderr: $(head -c 300 "$tmp/err")"
  fi
}

# json_ok NAME ARGS...: exit 0 and stdout is exactly one JSON document.
json_ok() {
  local name=$1
  shift
  expect "$name" 0 "" -- "$@"
  if ! node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$tmp/out" 2>/dev/null; then
    failed=$((failed + 1))
    echo "FAIL: $name: stdout is not one JSON document"
  fi
}

echo '{"model": "Qwen/Qwen2.5-7B-Instruct"}' >"$tmp/minimal.json"
echo '{"model": "Qwen/Qwen2.5-7B-Instruct", "train": {"micro_batch_size": -3}}' >"$tmp/bad_batch.json"
echo '{"model": "Qwen/Qwen2.5-7B-Instruc"}' >"$tmp/typo_model.json"
echo '{"model_type": "llama", "hidden_size": 4096, "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8, "intermediate_size": 14336, "vocab_size": 128256, "tie_word_embeddings": false}' >"$tmp/llama3_8b.json"
echo '{"model_type": "mamba9", "hidden_size": 1}' >"$tmp/unknown_type.json"
printf '{"model": ' >"$tmp/truncated.json"

json_ok "models --json" models --json
json_ok "gpus --json" gpus --json
json_ok "params --json --model" params --json --model Qwen/Qwen2.5-7B
json_ok "params --json FILE" params --json "$tmp/llama3_8b.json"
expect "models table" 0 "" -- models
expect "gpus table" 0 "" -- gpus
expect "params table" 0 "" -- params --model meta-llama/Llama-3.1-8B
expect "help" 0 "" -- --help

# The exact counts reach stdout.
"$cli" params --json --model Qwen/Qwen2.5-7B | grep -q '"total": 7615616512' || { failed=$((failed + 1)); echo "FAIL: Qwen2.5-7B total"; }
"$cli" params --json "$tmp/llama3_8b.json" | grep -q '"total": 8030261248' || { failed=$((failed + 1)); echo "FAIL: Llama-3.1-8B total from config.json"; }
"$cli" params --json - <"$tmp/llama3_8b.json" | grep -q '"total": 8030261248' || { failed=$((failed + 1)); echo "FAIL: params from stdin"; }
"$cli" gpus | grep -q 'H100-SXM-80GB.*81,559 MiB' || { failed=$((failed + 1)); echo "FAIL: H100 SXM memory in gpus table"; }

# Invalid input: exit 2, nothing on stdout, one line on stderr naming the JSON pointer.
expect "negative micro-batch" 2 "error: /train/micro_batch_size: must be an integer from 1 to 65536, got -3" -- estimate "$tmp/bad_batch.json"
expect "typo in model id" 2 "error: /model: unknown model" -- estimate --json "$tmp/typo_model.json"
grep -q "did you mean Qwen/Qwen2.5-7B-Instruct?" "$tmp/err" || { failed=$((failed + 1)); echo "FAIL: no did-you-mean suggestion"; }
expect "unknown model_type without its layers" 2 "error: /num_hidden_layers: is required to count an unknown model_type generically" -- params "$tmp/unknown_type.json"
expect "truncated JSON" 2 "error: /: not valid JSON" -- estimate "$tmp/truncated.json"
expect "missing file" 2 "error: $tmp/nope.json: cannot open" -- estimate "$tmp/nope.json"
expect "unknown catalog id" 2 "error: /model: unknown model" -- params --model no/such-model
expect "unknown command" 2 "error: frobnicate: unknown command" -- frobnicate
expect "unknown option" 2 "error: --jsn: unknown option" -- models --jsn
expect "config without format" 2 "error: --format: is required" -- config "$tmp/minimal.json"
expect "config bad format" 2 "error: --format: must be one of" -- config --format axolotl "$tmp/minimal.json"

# import (docs/configs.md "Import"): a published recipe, one JSON document; estimate/recommend --from.
recipes="$src/tests/frameworks"
json_ok "import --json verl script" import --format verl --json "$recipes/verl/recipes/grpo_trainer_run_qwen2-7b.sh"
json_ok "import --json nemo-rl recipe" import --format nemo-rl --json --gpu H100-SXM-80GB "$recipes/nemo-rl/recipes/sft-llama3.2-1b-1n8g-fsdp2tp1.v3.yaml"
# TRL's SFT recipe leaves loss_type unset: one warning line (the default assumed, train.loss_kernel), the JSON on stdout.
expect "estimate --from trl" 0 "warning: loss_type is not set" -- estimate --from trl --json "$recipes/trl/recipes/sft_basic.sh"
if ! node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$tmp/out" 2>/dev/null; then
  failed=$((failed + 1))
  echo "FAIL: estimate --from trl: stdout is not one JSON document"
fi
expect "import without format" 2 "error: --format: is required" -- import "$recipes/trl/recipes/sft_basic.sh"
expect "import bad format" 2 "error: --format: must be one of" -- import --format axolotl "$recipes/trl/recipes/sft_basic.sh"
echo 'defaults: ../../grpo_math_8B.yaml' >"$tmp/unknown_base.yaml"
expect "import unknown NeMo RL base" 2 "error: /defaults: the base config \"grpo_math_8B\" is not in" -- import --format nemo-rl "$tmp/unknown_base.yaml"

# A verdict agrees with its headroom and its batch search (issue 20): verl's 3B GRPO-LoRA row, whose vLLM
# engine cannot start, reads "does NOT fit" with a negative headroom and the utilization it needs, and
# recommend's row for that GPU says no with a largest micro-batch of 0.
verl3b="$src/tests/rl/verl-qwen2.5-3b-grpo-lora-1xh100.json"
"$cli" estimate "$verl3b" >"$tmp/out" 2>&1
grep -q 'H100-SXM-80GB: does NOT fit (capacity 79.65 GiB, headroom -' "$tmp/out" || { failed=$((failed + 1)); echo "FAIL: verl 3B verdict/headroom"; }
grep -q 'vLLM cannot start: .*it needs rl.rollout.gpu_memory_utilization >= 0.1' "$tmp/out" || { failed=$((failed + 1)); echo "FAIL: verl 3B reason"; }
"$cli" recommend "$verl3b" >"$tmp/out" 2>&1
grep -qE '^H100-SXM-80GB +79.65 GiB +no +-[0-9.]+ GiB +0 ' "$tmp/out" || { failed=$((failed + 1)); echo "FAIL: verl 3B recommend row"; }

# Issue 19: DPO with a critic warns and counts no critic (DPO trains no value model).
echo '{"model": "Qwen/Qwen2.5-0.5B", "workload": "rl", "gpus": 1, "rl": {"algorithm": "dpo", "critic": true}}' >"$tmp/dpo_critic.json"
json_ok "estimate dpo with critic" estimate --json "$tmp/dpo_critic.json"
if ! grep -q 'rl.critic is not used by dpo' "$tmp/out" || grep -q '"critic.optimizer"' "$tmp/out"; then
  failed=$((failed + 1))
  echo "FAIL: dpo with critic: no warning, or a critic was counted"
fi

# Throughput validation (issue 16, docs/validation/throughput.md): the published records are judged apart
# from memory, the memory summary is unchanged, and a malformed record is exit 2 naming file and pointer.
"$cli" validate "$src/tests/validation" >"$tmp/out" 2>&1
grep -q '^throughput (counted: scenario matches exactly): [0-9]* records; median |error|' "$tmp/out" || { failed=$((failed + 1)); echo "FAIL: validate: no throughput summary"; }
grep -q '^counted (quality "measured", scenario matches exactly): ' "$tmp/out" || { failed=$((failed + 1)); echo "FAIL: validate: memory summary missing"; }
grep -q '^throughput threshold: median |error| <= 20%' "$tmp/out" || { failed=$((failed + 1)); echo "FAIL: validate: throughput threshold line"; }
"$cli" validate "$src/tests/validation" --only memory >"$tmp/out" 2>&1 && ! grep -q '^throughput' "$tmp/out" && grep -q 'validation: PASS' "$tmp/out" || { failed=$((failed + 1)); echo "FAIL: validate --only memory"; }
# The uncertainty band (docs/memory-model.md): its high end covers the calibration records' device-level
# peaks it was derived from (at least 9 in 10), and the held-out records are reported apart, with coverage.
cover=$(sed -n 's/^counted: peak_band covers \([0-9]*\) of \([0-9]*\) device-level records.*/\1 \2/p' "$tmp/out")
read -r covered device_records <<<"$cover"
[ -n "$cover" ] && [ $((covered * 10)) -ge $((device_records * 9)) ] || { failed=$((failed + 1)); echo "FAIL: validate: band coverage of counted device records ($cover)"; }
grep -q '^held-out ("sample": "held_out", never used to set a constant): [0-9]* records' "$tmp/out" && grep -q '^held-out: peak_band covers' "$tmp/out" || { failed=$((failed + 1)); echo "FAIL: validate: held-out summary"; }
grep -q '^held-out, peak levels only (allocated, reserved, device): [0-9]* records' "$tmp/out" && grep -q '^held-out peaks against issue 20' "$tmp/out" || { failed=$((failed + 1)); echo "FAIL: validate: held-out peak-level summary"; }
# Runs that ran out of memory (level "oom", h075 on): none may be told `fits`.
grep -q '^runs that ran out of memory (level "oom"): [1-9][0-9]*; verdict no: [0-9]*, tight: [0-9]*, fits: 0$' "$tmp/out" || { failed=$((failed + 1)); echo "FAIL: validate: a run that ran out of memory is estimated to fit"; }
# A KV pool is a promise: a pool estimated twice as large as measured is on the unsafe side (cmd_validate.cpp
# is_pool_level), a peak estimated twice as large is not.
mkdir -p "$tmp/tvk"
pool_record() {
  printf '{"id": "%s", "source": "hand check", "quality_flag": "measured", "match": "exact", "measured": {"level": "%s", "value": %s, "unit": "GiB"}, "scenario": {"model": "meta-llama/Llama-3.1-8B-Instruct", "workload": "inference", "gpu": "H100-SXM-80GB", "inference": {"engine": "vllm", "gpu_memory_utilization": 0.9, "context_len": 16000}}}' "$1" "$2" "$3" >"$tmp/tvk/$1.json"
}
pool_record pool kv_cache 25
"$cli" validate "$tmp/tvk" --only memory >"$tmp/out" 2>&1
grep -q '^counted: p90 |error| [0-9.]*%; more than 15% on the unsafe side (under a peak, over a KV pool): 1 of 1' "$tmp/out" || { failed=$((failed + 1)); echo "FAIL: validate: an over-estimated KV pool is not on the unsafe side"; }
rm "$tmp/tvk/pool.json"
pool_record peak device 35
"$cli" validate "$tmp/tvk" --only memory >"$tmp/out" 2>&1
grep -q '^counted: p90 |error| [0-9.]*%; more than 15% on the unsafe side (under a peak, over a KV pool): 0 of 1' "$tmp/out" || { failed=$((failed + 1)); echo "FAIL: validate: an over-estimated peak is on the unsafe side"; }
"$cli" validate "$src/tests/validation" --only throughput >"$tmp/out" 2>&1
! grep -q '^counted (quality' "$tmp/out" && grep -q '^throughput (counted' "$tmp/out" || { failed=$((failed + 1)); echo "FAIL: validate --only throughput"; }
expect "validate --only bad" 2 "error: --only: must be memory or throughput" -- validate "$src/tests/validation" --only speed
mkdir -p "$tmp/tv/throughput"
cat >"$tmp/tv/throughput/ok.json" <<'JSON'
{"id": "ok", "source": "hand check: 8B decode at batch 1", "quality_flag": "published", "sample": "held_out", "match": "exact",
 "measured": {"quantity": "time_per_output_token", "value": 1000, "unit": "ms"},
 "scenario": {"model": "meta-llama/Llama-3.1-8B", "workload": "inference", "gpu": "H100-SXM-80GB", "inference": {"engine": "vllm", "context_len": 512}}}
JSON
# 1 s per token is far slower than any estimate: a record that cannot pass, so the part fails (exit 1).
"$cli" validate "$tmp/tv" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] && grep -q '^throughput (counted: scenario matches exactly): 1 records' "$tmp/out" && grep -q 'validation: FAIL' "$tmp/out" || { failed=$((failed + 1)); echo "FAIL: validate: a far-off throughput record does not fail"; }
grep -q '^ok .* -9[0-9]\.[0-9]%' "$tmp/out" || { failed=$((failed + 1)); echo "FAIL: validate: time error of the far-off record"; }
bad() {  # bad NAME POINTER_PREFIX JSON
  rm -f "$tmp/tv/throughput/"*.json
  printf '%s\n' "$3" >"$tmp/tv/throughput/bad.json"
  # validate prints its table before the error, so stdout is not empty: checked here rather than by expect.
  "$cli" validate "$tmp/tv" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  if [ "$got" -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && case "$(cat "$tmp/err")" in "error: $tmp/tv/throughput/bad.json: $2"*) true ;; *) false ;; esac; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: validate throughput: $1 (status $got): $(head -c 300 "$tmp/err")"
  fi
}
base='"source": "s", "quality_flag": "published", "sample": "held_out", "match": "exact", "scenario": {"model": "Qwen/Qwen2.5-0.5B", "workload": "inference", "gpu": "H100-SXM-80GB"}'
bad "unknown quantity" "/measured/quantity: must be one of" "{$base, \"measured\": {\"quantity\": \"speed\", \"value\": 1, \"unit\": \"ms\"}}"
bad "rate in ms" "/measured/unit: must be tokens/s" "{$base, \"measured\": {\"quantity\": \"output_tokens_per_second\", \"value\": 1, \"unit\": \"ms\"}}"
bad "negative value" "/measured/value: must be" "{$base, \"measured\": {\"quantity\": \"time_to_first_token\", \"value\": -1, \"unit\": \"ms\"}}"
bad "no source" "/source: is required" '{"quality_flag": "published", "sample": "held_out", "measured": {"quantity": "time_to_first_token", "value": 1, "unit": "s"}}'
bad "no sample" "/sample: is required" '{"source": "s", "quality_flag": "published", "measured": {"quantity": "time_to_first_token", "value": 1, "unit": "s"}}'
bad "assumptions not strings" "/assumptions/1: must be a string" "{$base, \"assumptions\": [\"a\", 3], \"measured\": {\"quantity\": \"time_to_first_token\", \"value\": 1, \"unit\": \"s\"}}"
bad "scenario not an object" "/scenario: must be an object" '{"source": "s", "quality_flag": "published", "sample": "held_out", "match": "exact", "scenario": [1], "measured": {"quantity": "time_to_first_token", "value": 1, "unit": "s"}}'
bad "not JSON" "/: not valid JSON" '{"source": '
# Issue 16: recommend ranks fitting options by cost per run (default), time per run or GPU count; a bad
# --sort is invalid input. Each ranking is checked inside the groups the verdict (fits, tight, no) and
# min_gpus make (core/plan/src/recommend.cpp ranks the verdict first).
echo '{"model": "Qwen/Qwen2.5-7B-Instruct", "workload": "train", "gpu": "H100-SXM-80GB", "train": {"method": "lora", "seq_len": 2048}, "dataset": {"samples": 10000, "epochs": 2}}' >"$tmp/sized.json"
expect "recommend bad --sort" 2 "error: --sort: must be one of cost, time, gpus, got \"price\"" -- recommend --sort price "$tmp/sized.json"
expect "recommend --sort without value" 2 "error: --sort:" -- recommend "$tmp/sized.json" --sort
for key in cost time gpus; do
  args=(recommend --json "$tmp/sized.json")
  [ "$key" = cost ] || args=(recommend --json --sort "$key" "$tmp/sized.json")
  json_ok "recommend --sort $key" "${args[@]}"
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")), key = process.argv[2];
    if (r.ranked_by !== key) throw new Error("ranked_by " + r.ranked_by);
    const of = (g) => key === "gpus" ? g.min_gpus : key === "time" ? g.time.run_seconds.value : g.time.cost_usd && g.time.cost_usd.value;
    const group = (g) => g.verdict + ":" + (g.min_gpus > 0);  // recommend ranks fits, tight, no first
    let timed = 0;
    for (let i = 1; i < r.gpus.length; i++) {
      const a = r.gpus[i - 1], b = r.gpus[i];
      if (!a.time || !b.time || group(a) !== group(b) || of(a) == null || of(b) == null) continue;
      timed++;
      if (of(a) > of(b)) throw new Error(a.id + " before " + b.id);
    }
    if (timed < 5) throw new Error("only " + timed + " ranked pairs");
    const h = r.gpus.find((g) => g.id === "H100-SXM-80GB");
    if (!(h.time.run_seconds.value > 0 && h.time.cost_usd.value > 0)) throw new Error("H100 has no run time or cost");
  ' "$tmp/out" "$key" || { failed=$((failed + 1)); echo "FAIL: recommend --sort $key order"; }
done
"$cli" recommend "$tmp/sized.json" >"$tmp/out" 2>&1
grep -q 'time per run' "$tmp/out" && grep -q 'ranked by cost per run' "$tmp/out" || { failed=$((failed + 1)); echo "FAIL: recommend table time/cost columns"; }
"$cli" estimate "$tmp/sized.json" >"$tmp/out" 2>&1
grep -qE '^run_seconds +[0-9.]+ (min|h|days)' "$tmp/out" && grep -qE '^cost_usd +\$[0-9.]+' "$tmp/out" && grep -qE '^gpu_hours ' "$tmp/out" \
  || { failed=$((failed + 1)); echo "FAIL: estimate table run time, GPU-hours and cost"; }
"$cli" estimate --sweep train.micro_batch_size=1,2 "$tmp/sized.json" >"$tmp/out" 2>&1
grep -q 'step time' "$tmp/out" && grep -qE '^ +2 .* s +[0-9]+' "$tmp/out" || { failed=$((failed + 1)); echo "FAIL: sweep step time and tokens/s columns"; }

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
