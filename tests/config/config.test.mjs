// Runs the built `vramplan config` for several scenarios and formats and checks what it prints:
// - YAML formats (nemo-rl, nemo-automodel, verl) parse with the `yaml` package as YAML 1.2 and as
//   YAML 1.1 (what PyYAML/OmegaConf/Hydra read) to the same data, with no errors or warnings;
// - (key names and types against the frameworks' snapshots: tests/unit/frameworks/test_schema.cpp);
// - the values reflect the scenario;
// - the trl command line splits into shell words (quotes respected) whose flags are all fields of
//   GRPOConfig/SFTConfig/DPOConfig, ModelConfig, ScriptArguments, TrainingArguments or accelerate.
// Usage: VRAMPLAN=/path/to/vramplan node --test tests/config/config.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const vramplan = process.env.VRAMPLAN;
if (!vramplan) throw new Error('set VRAMPLAN to the vramplan executable (scripts/test-config.sh does)');

const workdir = mkdtempSync(join(tmpdir(), 'vramplan-config-'));
process.on('exit', () => rmSync(workdir, { recursive: true, force: true }));

let counter = 0;
function run(format, scenario) {
  const file = join(workdir, `scenario-${counter++}.json`);
  writeFileSync(file, JSON.stringify(scenario));
  const result = spawnSync(vramplan, ['config', '--format', format, file], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function generate(format, scenario) {
  const { status, stdout, stderr } = run(format, scenario);
  assert.equal(status, 0, `vramplan config --format ${format} failed: ${stderr}`);
  assert.equal(stderr, '');
  return stdout;
}

// Parses YAML strictly, as 1.2 and as 1.1; both must agree and report nothing.
function parseYaml(text) {
  const docs = {};
  for (const version of ['1.2', '1.1']) {
    const doc = parseDocument(text, { version, strict: true, uniqueKeys: true, prettyErrors: true });
    assert.deepEqual(doc.errors.map(String), [], `YAML ${version} errors`);
    assert.deepEqual(doc.warnings.map(String), [], `YAML ${version} warnings`);
    docs[version] = doc.toJS();
  }
  assert.deepEqual(docs['1.1'], docs['1.2'], 'YAML 1.1 and 1.2 readers disagree: a scalar is missing its quotes');
  return docs['1.2'];
}



const at = (object, path) => path.split('.').reduce((node, key) => (node == null ? undefined : node[key]), object);

function checkValues(parsed, expected) {
  for (const [path, value] of Object.entries(expected)) assert.deepEqual(at(parsed, path), value, path);
}

// A small POSIX shell lexer: comments, '...' and "..." quoting, backslash escapes and
// backslash-newline continuations; returns the commands as arrays of words.
function shellCommands(text) {
  const commands = [];
  let words = [];
  let word = null;
  const endWord = () => {
    if (word !== null) words.push(word);
    word = null;
  };
  const endCommand = () => {
    endWord();
    if (words.length) commands.push(words);
    words = [];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      if (text[i + 1] === '\n') {
        i++;
        endWord();
        continue;
      }
      word = (word ?? '') + text[++i];
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      assert.ok(end > i, 'unterminated single quote');
      word = (word ?? '') + text.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      let out = '';
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\' && '$`"\\\n'.includes(text[j + 1])) out += text[++j];
        else out += text[j];
      }
      assert.ok(j < text.length, 'unterminated double quote');
      word = (word ?? '') + out;
      i = j;
    } else if (c === '#' && word === null) {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end - 1;
    } else if (c === '\n' || c === ';') {
      endCommand();
    } else if (c === ' ' || c === '\t') {
      endWord();
    } else {
      assert.ok(!'|&<>()$`'.includes(c), `unquoted shell metacharacter ${c}`);
      word = (word ?? '') + c;
    }
  }
  endCommand();
  return commands;
}

// `--flag value...` pairs after the command words.
function flags(words, commandLength) {
  const result = new Map();
  let current = null;
  for (const word of words.slice(commandLength)) {
    if (word.startsWith('--')) {
      current = word.slice(2);
      assert.ok(!result.has(current), `--${current} given twice`);
      result.set(current, []);
    } else {
      assert.ok(current !== null, `a value before any flag: ${word}`);
      result.get(current).push(word);
    }
  }
  return result;
}

function parseTrl(text, command) {
  const commands = shellCommands(text);
  assert.equal(commands.length, 1, 'one command');
  const words = commands[0];
  assert.deepEqual(words.slice(0, 2), ['trl', command]);
  return flags(words, 2);
}

const grpo = {
  model: 'Qwen/Qwen2.5-7B-Instruct', workload: 'rl', gpu: 'H100-SXM-80GB', gpus: 16,
  train: { micro_batch_size: 2, gradient_checkpointing: true, precision: 'bf16', method: 'lora',
    lora: { rank: 32, alpha: 64, targets: ['q_proj', 'v_proj'] }, offload_optimizer: true },
  rl: { algorithm: 'grpo', rollout: { tp: 2, gpu_memory_utilization: 0.55, prompts_per_step: 64,
    generations_per_prompt: 8, max_prompt_len: 1024, max_response_len: 3072 } },
};
const sft = {
  model: 'meta-llama/Llama-3.1-8B-Instruct', workload: 'train', gpu: 'A100-SXM-80GB', gpus: 4,
  train: { micro_batch_size: 3, seq_len: 4096, sharding: 'fsdp', gradient_checkpointing: true, precision: 'amp-bf16' },
};
const qlora = { model: 'Qwen/Qwen2.5-7B-Instruct', train: { method: 'qlora', precision: 'bf16', seq_len: 1024 } };
const dpo = { model: 'Qwen/Qwen2.5-7B-Instruct', workload: 'rl', gpus: 2,
  train: { micro_batch_size: 1, seq_len: 2048 }, rl: { algorithm: 'dpo', reference: false } };
const ppo = { model: 'Qwen/Qwen2.5-1.5B-Instruct', workload: 'rl', gpus: 8,
  train: { micro_batch_size: 4 }, rl: { algorithm: 'ppo', reward_model: { model: 'Qwen/Qwen2.5-7B-Instruct' },
    rollout: { colocated: true, generations_per_prompt: 4 } } };
const pipeline = { model: 'Qwen/Qwen2.5-7B-Instruct', gpus: 8, train: { tp: 2, pp: 2, method: 'lora' } };
const weirdName = { model: { _name_or_path: "org/it's: a #test\nname ü", model_type: 'llama', hidden_size: 256,
  num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 4, intermediate_size: 512, vocab_size: 1000 },
workload: 'rl', rl: { algorithm: 'dpo' } };

test('nemo-rl GRPO', () => {
  const y = parseYaml(generate('nemo-rl', grpo));
  checkValues(y, {
    defaults: 'grpo_math_1B.yaml',
    'grpo.num_prompts_per_step': 64, 'grpo.num_generations_per_prompt': 8,
    'policy.model_name': 'Qwen/Qwen2.5-7B-Instruct', 'policy.tokenizer.name': 'Qwen/Qwen2.5-7B-Instruct',
    'policy.train_global_batch_size': 512, 'policy.train_micro_batch_size': 2,
    'policy.max_total_sequence_length': 4096, 'policy.precision': 'bfloat16',
    'policy.dtensor_cfg.cpu_offload': true, 'policy.dtensor_cfg.activation_checkpointing': true,
    'policy.dtensor_cfg.lora_cfg.enabled': true, 'policy.dtensor_cfg.lora_cfg.dim': 32,
    'policy.dtensor_cfg.lora_cfg.alpha': 64, 'policy.dtensor_cfg.lora_cfg.target_modules': ['q_proj', 'v_proj'],
    'policy.generation.vllm_cfg.tensor_parallel_size': 2, 'policy.generation.vllm_cfg.gpu_memory_utilization': 0.55,
    'policy.generation.vllm_cfg.max_model_len': 4096, 'policy.generation.max_new_tokens': 3072,
    'policy.generation.colocated.enabled': true, 'data.max_input_seq_length': 1024,
    'cluster.gpus_per_node': 8, 'cluster.num_nodes': 2,
  });
});

test('nemo-rl SFT, DPO and the Megatron backend', () => {
  const s = parseYaml(generate('nemo-rl', sft));
  checkValues(s, { defaults: 'sft.yaml', 'policy.model_name': 'meta-llama/Llama-3.1-8B-Instruct',
    'policy.train_micro_batch_size': 3, 'policy.train_global_batch_size': 12,
    'policy.max_total_sequence_length': 4096, 'cluster.gpus_per_node': 4, 'cluster.num_nodes': 1 });
  const d = parseYaml(generate('nemo-rl', dpo));
  checkValues(d, { defaults: 'dpo.yaml', 'policy.max_total_sequence_length': 2048, 'policy.train_global_batch_size': 2 });
  const m = parseYaml(generate('nemo-rl', pipeline));
  checkValues(m, { 'policy.dtensor_cfg.enabled': false, 'policy.megatron_cfg.enabled': true,
    'policy.megatron_cfg.tensor_model_parallel_size': 2, 'policy.megatron_cfg.pipeline_model_parallel_size': 2,
    'policy.megatron_cfg.peft.enabled': true, 'policy.megatron_cfg.peft.dim': 16 });
  const w = parseYaml(generate('nemo-rl', weirdName));
  assert.equal(w.policy.model_name, "org/it's: a #test\nname ü");
});

test('nemo-automodel SFT and QLoRA', () => {
  const s = parseYaml(generate('nemo-automodel', sft));
  checkValues(s, { 'model.pretrained_model_name_or_path': 'meta-llama/Llama-3.1-8B-Instruct',
    'step_scheduler.local_batch_size': 3, 'step_scheduler.global_batch_size': 12,
    'distributed.strategy': 'fsdp2', 'distributed.activation_checkpointing': true, 'distributed.tp_size': 1,
    'dataset.seq_length': 4096, 'model.torch_dtype': 'float32', 'optimizer._target_': 'torch.optim.AdamW',
    // Automodel's short recipe form (examples/llm_finetune/*.yaml in 2026): the class name alone.
    'recipe': 'TrainFinetuneRecipeForNextTokenPrediction' });
  assert.equal(s.peft, undefined);
  const q = parseYaml(generate('nemo-automodel', qlora));
  checkValues(q, { 'quantization.load_in_4bit': true, 'quantization.bnb_4bit_quant_type': 'nf4',
    'peft._target_': 'nemo_automodel.components._peft.lora.PeftConfig', 'peft.match_all_linear': true,
    'peft.dim': 16, 'peft.alpha': 32, 'model.torch_dtype': 'bf16', 'distributed.strategy': 'ddp',
    'dataset.seq_length': 1024 });
  const { status, stderr } = run('nemo-automodel', grpo);
  assert.equal(status, 2);
  assert.match(stderr, /^error: \/workload: /);
});

test('verl GRPO, PPO and SFT', () => {
  const g = parseYaml(generate('verl', grpo));
  checkValues(g, { 'hydra.searchpath': ['file://verl/trainer/config'], defaults: ['ppo_trainer', '_self_'],
    'data.train_batch_size': 64, 'data.max_prompt_length': 1024, 'data.max_response_length': 3072,
    'actor_rollout_ref.model.path': 'Qwen/Qwen2.5-7B-Instruct',
    'actor_rollout_ref.model.enable_gradient_checkpointing': true, 'actor_rollout_ref.model.lora_rank': 32,
    'actor_rollout_ref.model.lora_alpha': 64, 'actor_rollout_ref.model.target_modules': ['q_proj', 'v_proj'],
    'actor_rollout_ref.actor.ppo_mini_batch_size': 64, 'actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu': 2,
    'actor_rollout_ref.actor.use_kl_loss': true, 'actor_rollout_ref.actor.fsdp_config.optimizer_offload': true,
    'actor_rollout_ref.actor.fsdp_config.param_offload': false,
    'actor_rollout_ref.rollout.name': 'vllm', 'actor_rollout_ref.rollout.tensor_model_parallel_size': 2,
    'actor_rollout_ref.rollout.gpu_memory_utilization': 0.55, 'actor_rollout_ref.rollout.n': 8,
    'algorithm.adv_estimator': 'grpo', 'algorithm.use_kl_in_reward': false,
    'trainer.n_gpus_per_node': 8, 'trainer.nnodes': 2 });
  const p = parseYaml(generate('verl', ppo));
  checkValues(p, { 'algorithm.adv_estimator': 'gae', 'critic.model.path': 'Qwen/Qwen2.5-1.5B-Instruct',
    'critic.ppo_micro_batch_size_per_gpu': 4, 'reward_model.enable': true,
    'reward_model.model.path': 'Qwen/Qwen2.5-7B-Instruct', 'actor_rollout_ref.rollout.n': 4,
    'algorithm.use_kl_in_reward': true, 'trainer.n_gpus_per_node': 8, 'trainer.nnodes': 1 });
  const s = parseYaml(generate('verl', sft));
  checkValues(s, { defaults: ['sft_trainer', '_self_'], 'data.micro_batch_size_per_gpu': 3,
    'data.train_batch_size': 12, 'data.max_length': 4096, 'model.partial_pretrain': 'meta-llama/Llama-3.1-8B-Instruct',
    'model.enable_gradient_checkpointing': true, 'trainer.n_gpus_per_node': 4, 'trainer.nnodes': 1 });
  const { status, stderr } = run('verl', dpo);
  assert.equal(status, 2);
  assert.match(stderr, /^error: \/rl\/algorithm: /);
});

test('trl grpo, sft and dpo command lines', () => {
  const g = parseTrl(generate('trl', grpo), 'grpo');
  const one = (flag) => (g.get(flag) ?? [])[0];
  assert.equal(one('model_name_or_path'), 'Qwen/Qwen2.5-7B-Instruct');
  assert.equal(one('per_device_train_batch_size'), '2');
  assert.equal(one('gradient_accumulation_steps'), '16');
  assert.equal(one('num_generations'), '8');
  assert.equal(one('max_completion_length'), '3072');
  assert.equal(one('use_vllm'), 'true');
  assert.equal(one('vllm_mode'), 'colocate');
  assert.equal(one('vllm_gpu_memory_utilization'), '0.55');
  assert.equal(one('vllm_tensor_parallel_size'), '2');
  assert.equal(one('vllm_max_model_length'), '4096');
  assert.equal(one('gradient_checkpointing'), 'true');
  assert.equal(one('bf16'), 'true');
  assert.equal(one('use_peft'), 'true');
  assert.equal(one('lora_r'), '32');
  assert.equal(one('lora_alpha'), '64');
  assert.deepEqual(g.get('lora_target_modules'), ['q_proj', 'v_proj']);
  assert.equal(one('num_processes'), '16');
  assert.equal(one('num_machines'), '2');
  assert.equal(one('beta'), '0.001');

  const s = parseTrl(generate('trl', sft), 'sft');
  assert.equal(s.get('max_length')[0], '4096');
  assert.equal(s.get('per_device_train_batch_size')[0], '3');
  assert.equal(s.get('accelerate_config')[0], 'fsdp1');  // train.fsdp_version 1, the default
  assert.equal(s.get('dtype')[0], 'float32');

  const d = parseTrl(generate('trl', dpo), 'dpo');
  // --reference_free left DPOConfig in early 2026 and TRL's parser rejects unknown flags: never written.
  assert.equal(d.get('reference_free'), undefined);
  assert.equal(d.get('max_length')[0], '2048');
  assert.equal(d.get('num_processes')[0], '2');

  const w = parseTrl(generate('trl', weirdName), 'dpo');
  assert.equal(w.get('model_name_or_path')[0], "org/it's: a #test\nname ü");

  const q = parseTrl(generate('trl', qlora), 'sft');
  assert.equal(q.get('load_in_4bit')[0], 'true');
  assert.deepEqual(q.get('lora_target_modules'), ['all-linear']);
});

test('trl with a separate vLLM server names the vllm-serve command in a comment', () => {
  const text = generate('trl', { ...grpo, rl: { ...grpo.rl, rollout: { ...grpo.rl.rollout, colocated: false } } });
  const g = parseTrl(text, 'grpo');
  assert.equal(g.get('vllm_mode')[0], 'server');
  const line = text.split('\n').find((l) => l.startsWith('#   trl vllm-serve'));
  assert.ok(line, 'the vllm-serve line');
  const [words] = shellCommands(line.replace(/^#\s+/, ''));
  const serve = flags(words, 2);
  // trl vllm-serve's ScriptArguments (huggingface/trl, trl/scripts/vllm_serve.py at 01bd4a596bb79314778ef8647bbba038a650bdcb).
  const allowed = new Set(["model", "revision", "tensor_parallel_size", "host", "port", "gpu_memory_utilization", "dtype", "max_model_len", "enable_prefix_caching", "enforce_eager", "log_level"]);
  assert.deepEqual([...serve.keys()].filter((f) => !allowed.has(f)), []);
  assert.equal(serve.get('tensor_parallel_size')[0], '2');
  assert.equal(serve.get('max_model_len')[0], '4096');
});

test('unsupported workloads and algorithms exit 2 with one error line', () => {
  for (const format of ['nemo-rl', 'nemo-automodel', 'verl', 'trl']) {
    const { status, stdout, stderr } = run(format, { model: 'Qwen/Qwen2.5-7B-Instruct', workload: 'inference' });
    assert.equal(status, 2, format);
    assert.equal(stdout, '');
    assert.match(stderr, /^error: \/workload: config covers training and RL workloads[^\n]*\n$/);
  }
  {
    const { status, stderr } = run('trl', ppo);
    assert.equal(status, 2, 'trl');
    assert.match(stderr, /^error: \/rl\/algorithm: /);
  }
  // NeMo RL ships PPO now (examples/configs/ppo_math_1B.yaml, examples/run_ppo.py).
  const nemoPpo = run('nemo-rl', ppo);
  assert.equal(nemoPpo.status, 0);
  assert.match(nemoPpo.stdout, /run_ppo\.py/);
  const { status, stderr } = run('yaml', grpo);
  assert.equal(status, 2);
  assert.match(stderr, /^error: --format: /);
});


test('every output is deterministic', () => {
  assert.equal(generate('verl', grpo), generate('verl', grpo));
  assert.equal(generate('trl', sft), generate('trl', sft));
});

