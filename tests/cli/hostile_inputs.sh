#!/usr/bin/env bash
# Hostile files through the real vramplan executable (docs/hardening.md): every invalid input gives
# exit status 2, nothing on stdout and exactly one line on stderr starting "error: "; no input
# crashes it (exit status >= 128: a signal, an abort, a sanitizer report) or hangs it (each run is
# limited to 10 s by timeout(1)). Inputs that are extreme but valid may succeed (exit 0) or be
# refused (2, or 3 for a capability not implemented yet), never crash.
#
#   bash tests/cli/hostile_inputs.sh VRAMPLAN [SOURCE_DIR]
#
# HOSTILE_SHARD=K/N runs every N-th case starting at case K (0-based), so CTest can run the cases on
# all cores (tests/CMakeLists.txt registers N shards); the single-run checks at the end run in shard 0.
# Under the sanitizers every start of the executable costs ~0.3 s, so one shard per core halves the wait.
#
# Last line: "hostile inputs: N passed, M failed"; exit status 1 when any failed.
set -u
cli=${1:?usage: hostile_inputs.sh VRAMPLAN [SOURCE_DIR]}
src=${2:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
limit=10
shard_spec=${HOSTILE_SHARD:-0/1}
shard=${shard_spec%%/*}
shards=${shard_spec#*/}
case_no=0
if ! [[ "$shard" =~ ^[0-9]+$ && "$shards" =~ ^[0-9]+$ ]] || [ "$shards" -lt 1 ] || [ "$shard" -ge "$shards" ]; then
  echo "error: HOSTILE_SHARD must be K/N with 0 <= K < N, got $shard_spec" >&2
  exit 2
fi

# mine: whether the next case belongs to this shard (every case calls it once, in the same order).
mine() {
  case_no=$((case_no + 1))
  [ $(((case_no - 1) % shards)) -eq "$shard" ]
}

fail() {
  failed=$((failed + 1))
  echo "FAIL: $1"
  [ -s "$tmp/err" ] && echo "  stderr: $(head -c 300 "$tmp/err" | tr '\n' '|')"
}

# run ARGS... (stdin from $stdin_file, default /dev/null): sets $status.
stdin_file=/dev/null
run() {
  timeout -k 2 "$limit" "$cli" "$@" >"$tmp/out" 2>"$tmp/err" <"$stdin_file"
  status=$?
}

# invalid NAME ARGS...: exit 2, empty stdout, one stderr line "error: ...".
invalid() {
  mine || return 0
  local name=$1
  shift
  run "$@"
  if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then fail "$name: hung (killed after ${limit} s)"; return; fi
  if [ "$status" -ge 128 ]; then fail "$name: crashed (exit $status)"; return; fi
  if [ "$status" -ne 2 ]; then fail "$name: exit $status, wanted 2"; return; fi
  if [ -s "$tmp/out" ]; then fail "$name: stdout not empty"; return; fi
  if [ "$(wc -l <"$tmp/err")" -ne 1 ] || [ "$(tail -c 1 "$tmp/err" | od -An -c | tr -d ' ')" != '\n' ]; then
    fail "$name: stderr is not exactly one line"; return
  fi
  if [ "$(head -c 7 "$tmp/err")" != "error: " ]; then fail "$name: stderr does not start with \"error: \""; return; fi
  if [ "$(wc -c <"$tmp/err")" -gt 2048 ]; then fail "$name: stderr line longer than 2048 bytes"; return; fi
  passed=$((passed + 1))
}

# survives NAME ARGS...: exit 0, 2 or 3; never a crash or a hang. Exit 0 prints something; 2 and 3
# print one stderr line and nothing on stdout.
survives() {
  mine || return 0
  local name=$1
  shift
  run "$@"
  if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then fail "$name: hung (killed after ${limit} s)"; return; fi
  if [ "$status" -ge 128 ]; then fail "$name: crashed (exit $status)"; return; fi
  case "$status" in
    0) if [ ! -s "$tmp/out" ]; then fail "$name: exit 0 with empty stdout"; return; fi ;;
    2 | 3)
      if [ -s "$tmp/out" ] || [ "$(wc -l <"$tmp/err")" -ne 1 ]; then fail "$name: exit $status without one stderr line"; return; fi ;;
    *) fail "$name: exit $status"; return ;;
  esac
  passed=$((passed + 1))
}

# Every command that reads a file, on one file that is invalid for all of them.
invalid_everywhere() {
  local name=$1 file=$2
  invalid "estimate $name" estimate "$file"
  invalid "estimate --json $name" estimate --json "$file"
  invalid "recommend --json $name" recommend --json "$file"
  invalid "config verl $name" config --format verl "$file"
  invalid "params --json $name" params --json "$file"
}

# --- Files that are not JSON at all --------------------------------------------------------------
: >"$tmp/empty"
printf '   \n\t\r\n' >"$tmp/whitespace"
printf '{"model": ' >"$tmp/truncated"
printf '{"model": "Qwen/Qwen2.5-7B-Instruct"' >"$tmp/unclosed"
printf '\xff\xfe{\x00"\x00m\x00' >"$tmp/utf16"
printf '{"model": "\xff\xfe\xc3\x28"}' >"$tmp/bad_utf8"
printf '{"model": "Qwen\x00/Qwen2.5-7B-Instruct"}' >"$tmp/nul_byte"
printf '{"model": "Qwen/Qwen2.5-7B-Instruct"}\x00garbage' >"$tmp/trailing_nul"
printf '{"model": "Qwen/Qwen2.5-7B-Instruct"} {"model": "x"}' >"$tmp/two_documents"
printf '{"gpus": 1e400, "model": "Qwen/Qwen2.5-7B-Instruct"}' >"$tmp/overflowing_literal"
printf '{"gpus": NaN, "model": "Qwen/Qwen2.5-7B-Instruct"}' >"$tmp/nan_literal"
printf '{"gpus": Infinity, "model": "Qwen/Qwen2.5-7B-Instruct"}' >"$tmp/infinity_literal"
# Deterministic binary garbage (an LCG, so a failure reproduces).
LC_ALL=C awk 'BEGIN { x = 12345; for (i = 0; i < 65536; i++) { x = (x * 1103 + 12345) % 65536; printf "%c", int(x / 256) } }' \
  >"$tmp/garbage" 2>/dev/null || head -c 65536 /dev/urandom >"$tmp/garbage"
for f in empty whitespace truncated unclosed utf16 bad_utf8 nul_byte trailing_nul two_documents \
         overflowing_literal nan_literal infinity_literal garbage; do
  invalid_everywhere "$f" "$tmp/$f"
done

# --- Nesting ------------------------------------------------------------------------------------
python_or_printf() {  # repeat STRING COUNT > FILE, without python
  local s=$1 n=$2
  awk -v s="$s" -v n="$n" 'BEGIN { for (i = 0; i < n; i++) printf "%s", s }'
}
python_or_printf '[' 100000 >"$tmp/deep_arrays"
python_or_printf ']' 100000 >>"$tmp/deep_arrays"
python_or_printf '{"a":' 100000 >"$tmp/deep_objects"
python_or_printf '[' 1000000 >"$tmp/deep_unclosed"
{ printf '{"model": '; python_or_printf '[' 100000; python_or_printf ']' 100000; printf '}'; } >"$tmp/deep_model"
for f in deep_arrays deep_objects deep_unclosed deep_model; do invalid_everywhere "$f" "$tmp/$f"; done

# --- Wrong shapes and values ----------------------------------------------------------------------
printf 'null' >"$tmp/null"
printf '[]' >"$tmp/array"
printf '42' >"$tmp/number"
printf '"Qwen/Qwen2.5-7B-Instruct"' >"$tmp/string"
for f in null array number string; do invalid_everywhere "$f" "$tmp/$f"; done
scenario() { printf '%s' "$1" >"$tmp/$2"; invalid "estimate --json $2" estimate --json "$tmp/$2"; \
  invalid "recommend --json $2" recommend --json "$tmp/$2"; invalid "config trl $2" config --format trl "$tmp/$2"; }
scenario '{"model": "Qwen/Qwen2.5-7B-Instruct", "train": {"seq_len": 1000000000000000}}' tokens_1e15
scenario '{"model": "Qwen/Qwen2.5-7B-Instruct", "gpus": 1e308}' gpus_1e308
scenario '{"model": "Qwen/Qwen2.5-7B-Instruct", "gpus": -0}' gpus_neg0
scenario '{"model": "Qwen/Qwen2.5-7B-Instruct", "gpus": 18446744073709551616}' gpus_2_64
scenario '{"model": "Qwen/Qwen2.5-7B-Instruct", "inference": {"gpu_memory_utilization": 5e-324}}' util_denormal
scenario '{"model": "Qwen/Qwen2.5-7B-Instruct", "inference": {"context_len": 100, "output_len": 100}}' output_len_no_prompt
scenario '{"model": "Qwen/Qwen2.5-7B-Instruct", "inference": {"output_len": 1e300}}' output_len_1e300
scenario '{"model": "Qwen/Qwen2.5-7B-Instruct", "train": {"tp": 1024, "pp": 1024, "cp": 1024}, "gpus": 65536}' layout_overflow
scenario '{"model": {"model_type": "llama", "hidden_size": 4096, "num_hidden_layers": 2147483648, "intermediate_size": 11008}}' layers_2_31
scenario '{"model": {"model_type": "llama", "hidden_size": 4096, "num_hidden_layers": 32, "intermediate_size": 11008, "num_attention_heads": 0}}' zero_heads
scenario '{"model": {"model_type": "llama", "hidden_size": 4096, "num_hidden_layers": 32, "intermediate_size": 11008, "vocab_size": 0}}' vocab_0
scenario '{"model": {"model_type": "llama", "hidden_size": 4096, "num_hidden_layers": 32, "intermediate_size": 11008, "num_attention_heads": 30, "num_key_value_heads": 10}}' head_dim_split
scenario '{"model": "Qwen/Qwen2.5-7B-Instruct", "a\nb": 1}' key_with_newline
scenario '{"model": "Qwen/Qwen2.5-7B-Instruct", "train": {"method": "full\r\nerror: forged"}}' value_with_crlf
# 65,536 experts of 2^20 x 2^24 in 100,000 layers: more parameters than 64 bits count. The scenario
# parses (parsing does not count); params and estimate refuse it; nothing crashes.
printf '%s' '{"model": {"model_type": "mixtral", "hidden_size": 1048576, "num_hidden_layers": 100000, "intermediate_size": 16777216, "num_attention_heads": 65536, "num_local_experts": 65536, "vocab_size": 16777216}}' >"$tmp/params_overflow"
invalid "estimate --json params_overflow" estimate --json "$tmp/params_overflow"
survives "recommend --json params_overflow" recommend --json "$tmp/params_overflow"
survives "config trl params_overflow" config --format trl "$tmp/params_overflow"
for f in layers_2_31 zero_heads vocab_0 params_overflow; do
  sed 's/^{"model": //; s/}$//' "$tmp/$f" >"$tmp/$f.config"
  invalid "params --json $f" params --json "$tmp/$f.config"
done

# --- Huge inputs ----------------------------------------------------------------------------------
ten_mb=$(python_or_printf 'xxxxxxxxxxxxxxxx' 655360)
{ printf '{"model": "'; printf '%s' "$ten_mb"; printf '"}'; } >"$tmp/huge_model_id"
{ printf '{"model": "Qwen/Qwen2.5-7B-Instruct", "'; printf '%s' "$ten_mb"; printf '": 1}'; } >"$tmp/huge_key"
{ printf '{"model": "Qwen/Qwen2.5-7B-Instruct", "gpu": "'; printf '%s' "$ten_mb"; printf '"}'; } >"$tmp/huge_gpu"
{ printf '{"model_type": "'; printf '%s' "$ten_mb"; printf '"}'; } >"$tmp/huge_model_type"
unset ten_mb
for f in huge_model_id huge_key huge_gpu; do invalid "estimate --json $f" estimate --json "$tmp/$f"; done
invalid "params --json huge_model_type" params --json "$tmp/huge_model_type"
truncate -s 65M "$tmp/over_64_mib" 2>/dev/null || head -c 68157440 /dev/zero >"$tmp/over_64_mib"
invalid "estimate over 64 MiB" estimate "$tmp/over_64_mib"
invalid "estimate /dev/zero (endless input)" estimate /dev/zero
invalid "params /dev/zero (endless input)" params /dev/zero
invalid "estimate a directory" estimate "$tmp"
invalid "estimate a missing file" estimate "$tmp/does-not-exist"
invalid "estimate a file name with a line break" estimate "$tmp/no
such-file"

# --- stdin and command-line values ----------------------------------------------------------------
stdin_file="$tmp/garbage"
invalid "estimate - (garbage on stdin)" estimate --json -
stdin_file="$tmp/deep_arrays"
invalid "recommend - (deep nesting on stdin)" recommend --json -
stdin_file=/dev/null
invalid "estimate - (empty stdin)" estimate -
invalid "params --model 10 kB id" params --json --model "$(python_or_printf 'Qwen/' 2000)"
invalid "params --model bytes not UTF-8" params --json --model "$(printf 'Qwen\xff\xfe')"
invalid "params --model with a line break" params --json --model "$(printf 'Qwen\nerror: forged')"
echo '{"model": "Qwen/Qwen2.5-7B-Instruct"}' >"$tmp/minimal.json"
invalid "config --format with a line break" config --format "$(printf 'verl\nerror: forged')" "$tmp/minimal.json"
invalid "config --format bytes not UTF-8" config --format "$(printf '\xff\xfe\x01')" "$tmp/minimal.json"
invalid "unknown option with a line break" estimate "$(printf -- '--x\ny')" "$tmp/minimal.json"

# --- Extreme but valid: must not crash or hang ------------------------------------------------------
printf '%s' '{"model": "meta-llama/Llama-3.1-405B", "gpus": 65536, "gpu": "B200", "train": {"micro_batch_size": 65536, "seq_len": 16777216, "attention": "eager", "precision": "fp32", "lora": {"rank": 65536}}}' >"$tmp/max_train"
printf '%s' '{"model": "meta-llama/Llama-3.1-405B", "workload": "inference", "gpus": 65536, "gpu": "B200", "inference": {"engine": "vllm", "batch_size": 65536, "context_len": 16777216, "attention": "eager", "weight_dtype": "fp32", "kv_dtype": "fp32", "gpu_memory_utilization": 1}}' >"$tmp/max_inference"
printf '%s' '{"model": "deepseek-ai/DeepSeek-V3", "workload": "rl", "gpus": 65536, "train": {"micro_batch_size": 65536, "seq_len": 16777216}, "rl": {"algorithm": "ppo", "reward_model": {"model": "meta-llama/Llama-3.1-405B", "weight_dtype": "fp32"}, "rollout": {"engine": "hf", "prompts_per_step": 65536, "generations_per_prompt": 4096, "max_prompt_len": 16777216, "max_response_len": 16777216}}}' >"$tmp/max_rl"
printf '%s' '{"model": {"model_type": "llama", "hidden_size": 1, "num_hidden_layers": 1, "intermediate_size": 1, "num_attention_heads": 1, "vocab_size": 1}, "workload": "inference", "gpu": "RTX-3080-10GB"}' >"$tmp/min_model"
printf '\xef\xbb\xbf{"model": "Qwen/Qwen2.5-7B-Instruct"}' >"$tmp/utf8_bom"  # nlohmann skips a UTF-8 BOM
for f in max_train max_inference max_rl min_model utf8_bom; do
  survives "estimate --json $f" estimate --json "$tmp/$f"
  survives "estimate $f" estimate "$tmp/$f"
  survives "recommend --json $f" recommend --json "$tmp/$f"
  for format in nemo-rl nemo-automodel verl trl; do survives "config $format $f" config --format "$format" "$tmp/$f"; done
done
# The fuzz corpus, every file through every command.
if [ -d "$src/tests/fuzz/corpus" ]; then
  for f in "$src"/tests/fuzz/corpus/scenario/* "$src"/tests/fuzz/corpus/config/*; do
    [ -f "$f" ] || continue
    survives "estimate --json corpus/$(basename "$f")" estimate --json "$f"
    survives "params --json corpus/$(basename "$f")" params --json "$f"
  done
fi

# --- Accepted in silence before (issue 19): now refused with the field ----------------------------------
printf '%s' '{"gpus": 8, "model": "Qwen/Qwen2.5-7B-Instruct", "gpus": 1}' >"$tmp/dup_top"
printf '%s' '{"model": "Qwen/Qwen2.5-7B-Instruct", "train": {"micro_batch_size": 2, "micro_batch_size": 4}}' >"$tmp/dup_nested"
for f in dup_top dup_nested; do invalid_everywhere "$f" "$tmp/$f"; done
if mine; then
  run estimate "$tmp/dup_nested"
  grep -q "^error: /train/micro_batch_size: is given twice" "$tmp/err" || fail "dup_nested: the pointer of the repeated key is not named"
fi
printf '%s' '{"model": "Qwen/Qwen2.5-7B-Instruct", "gpus": 3, "train": {"tp": 3}}' >"$tmp/tp3"
printf '%s' '{"model": "Qwen/Qwen2.5-7B-Instruct", "gpus": 1024, "train": {"pp": 1024}}' >"$tmp/pp1024"
for f in tp3 pp1024; do
  for format in nemo-rl nemo-automodel verl trl; do invalid "config $format $f (estimate rejects it)" config --format "$format" "$tmp/$f"; done
done

# The single-run checks below read the output of one particular run: shard 0 runs them all.
if [ "$shard" -eq 0 ]; then

# --- validate DIR over hostile records: every bad file named with its field, exit 2, never a crash --------
mkdir -p "$tmp/records"
cp "$src/tests/validation/m111.json" "$tmp/records/good.json"
printf '%s' '[]' >"$tmp/records/r_array.json"
printf '%s' '{"id": 5}' >"$tmp/records/r_id.json"
printf '%s' '{"measured": 5}' >"$tmp/records/r_measured.json"
printf '%s' '{"note": {}}' >"$tmp/records/r_note.json"
printf '%s' '{"quality_flag": 5}' >"$tmp/records/r_flag.json"
printf '%s' '{"match": []}' >"$tmp/records/r_match.json"
printf '%s' '{"measured": {"value": "12"}}' >"$tmp/records/r_value.json"
printf '%s' '{"scenario": {"model": 5}, "match": "exact", "measured": {"value": 1}}' >"$tmp/records/r_scenario.json"
printf '%s' 'null' >"$tmp/records/r_null.json"
run validate "$tmp/records"
if [ "$status" -ge 124 ]; then fail "validate hostile records: crashed or hung (exit $status)"
elif [ "$status" -ne 2 ]; then fail "validate hostile records: exit $status, wanted 2"
elif [ "$(wc -l <"$tmp/err")" -ne 1 ] || [ "$(head -c 7 "$tmp/err")" != "error: " ]; then fail "validate hostile records: stderr is not one error line"
else
  ok=1
  for pair in "r_array:/: must be an object" "r_id:/id: must be a string" "r_measured:/measured: must be an object" \
              "r_note:/note: must be a string" "r_flag:/quality_flag: must be a string" "r_match:/match: must be one of" \
              "r_value:/measured/value:" "r_null:/: must be an object"; do
    file=${pair%%:*} want=${pair#*:}
    grep -F "$file.json: $want" "$tmp/out" >/dev/null || { fail "validate hostile records: $file not named with \"$want\""; ok=0; }
  done
  grep -q "error: /model: " "$tmp/out" || { fail "validate hostile records: the bad scenario's error is not shown"; ok=0; }
  [ "$ok" -eq 1 ] && passed=$((passed + 1))
fi

# --- small CLI cases: a directory, a null document, a full disk, --sweep in the help ---------------------
run estimate "$tmp"
if [ "$status" -ne 2 ] || ! grep -q "is a directory" "$tmp/err"; then fail "directory argument: exit $status, not reported as a directory"
else passed=$((passed + 1)); fi
printf '%s' 'null' >"$tmp/null.json"
run estimate "$tmp/null.json"
if [ "$status" -ne 2 ] || grep -q "null null" "$tmp/err" || ! grep -q "got null" "$tmp/err"; then fail "null document: exit $status or message repeats null"
else passed=$((passed + 1)); fi
if [ -w /dev/full ]; then
  timeout -k 2 "$limit" "$cli" gpus >/dev/full 2>"$tmp/err"
  status=$?
  if [ "$status" -eq 0 ] || ! grep -q "^error: stdout: cannot write" "$tmp/err"; then fail "/dev/full: exit $status without a write error"
  else passed=$((passed + 1)); fi
fi
run --help
if [ "$status" -ne 0 ] || ! grep -q -- "--sweep KEY=" "$tmp/out"; then fail "--help does not document --sweep"
else passed=$((passed + 1)); fi

fi

echo "hostile inputs (shard $shard_spec): $passed passed, $failed failed"
[ "$failed" -eq 0 ]
