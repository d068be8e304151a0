// Exercise 06.1: the backward of an embedding lookup. Chapter 06, tutorials/06_bigram.md.
//
// The forward copied row idx[k] of the weight (V, C) into row k of the output (n, C), for k = 0..n-1.
// Given dout = dL/dout (n, C), add dL/dweight into dweight (V, C). Think about a token that appears twice
// in the batch, and about one that does not appear at all.
// Test it: make exercise EX=06.1. Then compare with embedding_backward in autograd/embedding.cpp.
#include <cstdint>

#include "tutorials/exercises/exercises.h"

namespace gs::ex {

void embedding_backward(real* dweight, const real* dout, const int32_t* idx, int64_t n, int64_t C) {
    for (int64_t k = 0; k < n; k++) {
        real* dw = dweight + int64_t(idx[k]) * C;   // the row that output row k was copied from
        const real* dy = dout + k * C;
        for (int64_t c = 0; c < C; c++) dw[c] += dy[c];   // +=: a token used twice gets both rows' gradients
    }
}

}  // namespace gs::ex
