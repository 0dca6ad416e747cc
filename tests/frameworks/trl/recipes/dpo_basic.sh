# From docs/source/clis.md, Basic Usage, DPO (huggingface/trl@f2cd57710ae345ea6428ae95363267fcf38a3dc8), Apache-2.0 (c) The HuggingFace Team.
trl dpo \
  --model_name_or_path Qwen/Qwen2.5-0.5B \
  --dataset_name anthropic/hh-rlhf
