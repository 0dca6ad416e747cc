#pragma once
// QLoRA's bitsandbytes transients (memory_weights.cpp). memory.hpp holds the NF4 storage constants.
#include "vramplan/memory.hpp"

namespace vramplan::memory {

// The largest block linear's weight elements (in x out), 0 without block linears.
double largest_block_linear(const LinearInventory& inventory);

// One 4-bit block linear rebuilt for a matmul: bitsandbytes MatMul4Bit's backward computes grad_A = grad_output @
// dequantize_4bit(B).to(grad_output.dtype) for every Linear4bit (bitsandbytes/autograd/_functions.py, 0.39 to 0.50.1),
// and its forward does the same (0.50's gemm_4bit falls back to dequantize + F.linear for training's row counts).
// dequantize_4bit (functional.py) writes the weight in the compute dtype and, with double quantization, first
// rebuilds the fp32 absmax (one per kNf4BlockSize weights). One at a time, the largest: in x out / tp x
// (compute_bytes + 4 / kNf4BlockSize if double_quant).
double nf4_dequantized_weight_bytes(const LinearInventory& inventory, double compute_bytes, double tp, bool double_quant);

}  // namespace vramplan::memory
