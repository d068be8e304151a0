// Exercise 10.1: the forward of a pre-LN transformer block. Chapter 10, tutorials/10_transformer_block.md.
//
// block holds the block's layers: block.ln_1, block.attn, block.ln_2 and block.mlp, each with a forward(x).
// x is (B, T, C). Return the block's output: first attention, then the MLP, each applied to a normalised
// copy of the running x and added back onto it (the residual stream). Use the library's ops (operator+
// from autograd/elementwise.h): your forward then gets its backward for free.
// Test it: make exercise EX=10.1. Then compare with Block::forward in gpt/model.cpp.
#include "autograd/elementwise.h"
#include "gpt/model.h"
#include "tutorials/exercises/exercises.h"

namespace gs::ex {

Tensor block_forward(const gpt::Block& block, const Tensor& x) {
    not_done("10.1");   // replace this line with your code
}

}  // namespace gs::ex
