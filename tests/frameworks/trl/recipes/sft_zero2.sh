# From docs/source/clis.md, Using --accelerate_config, SFT (huggingface/trl@f2cd57710ae345ea6428ae95363267fcf38a3dc8), Apache-2.0 (c) The HuggingFace Team.
trl sft \
  --model_name_or_path Qwen/Qwen2.5-0.5B \
  --dataset_name stanfordnlp/imdb \
  --accelerate_config zero2  # or path/to/my/accelerate/config.yaml
