// The workbook: every function a learner writes, one per file in tutorials/exercises/work/ (copied there
// from stubs/ on the first `make exercises`). Each file's opening comment gives the contract and the
// formula; this header only lists them, by chapter, for the tests in harness/ to call.
// A function not written yet throws NotDone, which the tests report as "not done" rather than "wrong".
// The workbook is built against the double library (real = double), so finite differences are tight.
// This header stays light (no tensor.h): an exercise file includes the library headers it uses itself,
// so that most of them compile in a blink.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "autograd/real.h"

namespace gs {
using Shape = std::vector<int64_t>;   // as in autograd/check.h
class Tensor;                         // autograd/tensor.h
class Value;                          // autograd/value.h
struct ValueNode;
namespace gpt {
struct Block;                         // gpt/model.h
}
}  // namespace gs

namespace gs::ex {

// Every stub's body: throws gs::ex::NotDone (harness/check.h), "exercise 04.3 (softmax backward) is not done
// yet", which the tests report as "not done". Replace the call with your code.
[[noreturn]] void not_done(const char* id);

// ---- 01 derivatives: Value ----
// The result of op `op` on `a`, holding `data`, with local derivative d(result)/d(a) = `local`:
// backward() will add local * result.grad into a.grad. (value.cpp does the same for the library's ops.)
Value make_result(double data, const char* op, const Value& a, double local);

Value value_tanh(const Value& a);                            // 01.1
Value value_exp(const Value& a);                             // 01.2
Value value_pow(const Value& a, double k);                   // 01.3
std::vector<ValueNode*> topo_sort(ValueNode* root);          // 01.4
void backward_pass(const std::vector<ValueNode*>& order);    // 01.5

// ---- 02 an MLP from Values ----
struct ValueLayer {
    std::vector<std::vector<Value>> w;   // (nout, nin): w[o] holds neuron o's weights
    std::vector<Value> b;                // (nout,)
};
Value neuron(const std::vector<Value>& w, const Value& b, const std::vector<Value>& x, bool nonlinear);   // 02.1
std::vector<Value> mlp_forward(const std::vector<ValueLayer>& layers, const std::vector<Value>& x);       // 02.2

// ---- 03 tensors: broadcasting ----
Shape broadcast_shape(const Shape& a, const Shape& b);                                   // 03.1
std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out);               // 03.2
void sum_to_shape(real* dst, const Shape& dst_shape, const real* src, const Shape& src_shape);   // 03.3

// ---- 04 backprop through ops (row-major buffers; a "row" is the last dim) ----
void matmul_forward(real* C, const real* A, const real* B, int64_t M, int64_t K, int64_t N);     // 04.1
void matmul_backward(real* dA, real* dB, const real* dC, const real* A, const real* B, int64_t M, int64_t K,
                     int64_t N);                                                                  // 04.2
void softmax_backward(real* dinp, const real* out, const real* dout, int64_t N, int64_t D);      // 04.3
void log_softmax_forward(real* out, const real* inp, int64_t N, int64_t D);                      // 04.4
void cross_entropy_backward(real* dlogits, const real* logits, const int32_t* targets, real scale, int64_t N,
                            int64_t C, int32_t ignore_index);                                     // 04.5
void layer_norm_forward(real* out, real* mean, real* rstd, const real* inp, const real* weight, const real* bias,
                        int64_t N, int64_t C, real eps);                                          // 04.6
void layer_norm_backward(real* dinp, real* dweight, real* dbias, const real* dout, const real* inp,
                         const real* weight, const real* mean, const real* rstd, int64_t N, int64_t C);   // 04.7

// ---- 05 modules and optimizers ----
void linear_backward(real* dinp, real* dweight, real* dbias, const real* dout, const real* inp, const real* weight,
                     int64_t N, int64_t IC, int64_t OC);                                          // 05.1
void sgd_momentum_step(real* p, const real* g, real* buf, int64_t n, real lr, real momentum,
                       real weight_decay);                                                        // 05.2
void adamw_step(real* p, const real* g, real* m, real* v, int64_t n, real lr, real beta1, real beta2, real eps,
                real weight_decay, int64_t t);                                                    // 05.3

// ---- 06 bigram ----
void embedding_backward(real* dweight, const real* dout, const int32_t* idx, int64_t n, int64_t C);   // 06.1

// ---- 08 initialisation: GELU ----
void gelu_backward(real* dinp, const real* inp, const real* dout, int64_t n);                    // 08.1

// ---- 09 self-attention (naive loops) ----
void attention_forward(real* out, real* att, const real* qkv, int64_t B, int64_t T, int64_t C, int64_t NH);   // 09.1
void attention_backward(real* dqkv, const real* dout, const real* qkv, const real* att, int64_t B, int64_t T,
                        int64_t C, int64_t NH);                                                   // 09.2

// ---- 10 the transformer block ----
Tensor block_forward(const gpt::Block& block, const Tensor& x);                                  // 10.1

// ---- 11 training ----
real cosine_lr(int64_t step, real max_lr, real min_lr, int64_t warmup_iters, int64_t decay_iters);   // 11.1
real clip_grad_norm(const std::vector<Tensor>& params, real max_norm);                              // 11.2

// ---- 13 generation ----
void top_k_filter(real* logits, int64_t V, int k);                                               // 13.1
void top_p_filter(real* logits, int64_t V, real top_p);                                          // 13.2

// ---- 14 BPE ----
std::vector<int32_t> bpe_merge(const std::vector<int32_t>& ids, int32_t a, int32_t b, int32_t new_id);   // 14.1

// ---- 16 making it fast ----
void micro_kernel_4x8(int64_t kc, const real* a, const real* b, real* c, int64_t ldc, bool add);   // 16.1
void pack_a_panel(real* Ap, const real* A, int64_t lda, int64_t rows, int64_t kc);                // 16.2

}  // namespace gs::ex
