# From docs/source/clis.md, Scaling Up with Accelerate, GRPO (huggingface/trl@f2cd57710ae345ea6428ae95363267fcf38a3dc8), Apache-2.0 (c) The HuggingFace Team.
trl grpo \
  --model_name_or_path Qwen/Qwen2.5-0.5B \
  --dataset_name HuggingFaceH4/Polaris-Dataset-53K \
  --reward_funcs accuracy_reward \
  --num_processes 4
