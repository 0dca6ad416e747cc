# From docs/source/quickstart.md, Command Line Interface, DPO (huggingface/trl@f2cd57710ae345ea6428ae95363267fcf38a3dc8), Apache-2.0 (c) The HuggingFace Team.
trl dpo --model_name_or_path Qwen/Qwen2.5-0.5B-Instruct \
    --dataset_name trl-lib/ultrafeedback_binarized
