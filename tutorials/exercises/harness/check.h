// The checks every exercise's tests share. Each adds at most one GoogleTest failure, and its message is
// written for the learner: the exercise and its inputs' shapes, the first wrong element with the expected
// and the computed value, a diagnosis when the error has a recognisable shape (a flipped sign, a constant
// factor, = where += belongs, nothing written at all) and the case's one-line hint:
//
//   exercise 04.3 (softmax backward), x [3, 5]: dx[0, 1] is wrong: expected 0.0734 (the library's
//   backward; finite differences give 0.0734), got -0.0734 (...)
//     hint: dx = y * (dy - sum_j dy_j y_j): ...
//
// Expected values always come from the library: its op for a forward, its backward (itself held to
// finite differences in tests/grad/) and gs::gradcheck for a backward.
#pragma once
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "autograd/gradcheck.h"
#include "autograd/tensor.h"
#include "autograd/value.h"

namespace gs::ex {

// What not_done() throws: "exercise 04.3 (softmax backward) is not done yet".
class NotDone : public std::logic_error {
public:
    explicit NotDone(const std::string& id);
};

}  // namespace gs::ex

namespace gs::workbook {

// One test case of one exercise.
struct Case {
    std::string id;     // "04.3"
    std::string what;   // the inputs and their shapes: "x [3, 5]"
    std::string hint;   // one line, printed under any failure of this case
    std::string prefix() const;   // "exercise 04.3 (softmax backward), x [3, 5]"
};

// Runs fn, which calls the learner's code. A NotDone, or any other exception, becomes one failure.
// Returns whether fn completed.
bool attempt(const Case& c, const std::function<void()>& fn);

// Adds one failure: prefix, message, hint.
void fail(const Case& c, const std::string& message);

// Element by element, in the order of `shape`; the first mismatch fails, named name[i, j].
// |got - expected| <= atol + rtol * |expected|; infinities must match exactly; NaN is never right.
bool expect_close(const Case& c, const std::string& name, const Shape& shape, const real* expected, const real* got,
                  double atol = 1e-9, double rtol = 1e-7);
bool expect_close(const Case& c, const std::string& name, const Shape& shape, const std::vector<real>& expected,
                  const std::vector<real>& got, double atol = 1e-9, double rtol = 1e-7);

// The backward check. `yours` and `reference` compute the same function of `inputs`; yours records the
// learner's backward, reference is the library's op. Both are run on copies of the inputs and seeded
// with the same output gradient. Passes when
//   1. every input's gradient from yours equals the reference's, element by element; the inputs' grads
//      already hold 0.5 before your backward runs, so that = where += belongs is caught, and
//   2. gs::gradcheck (central finite differences, double precision) accepts yours.
// grad_names name the inputs' gradients in messages ("dA", "dB"). finite_differences = false skips step 2
// where finite differences cannot be trusted (a logit of 800 leaves them too few significant digits).
bool expect_backward(const Case& c, const GradcheckFn& yours, const GradcheckFn& reference,
                     const std::vector<Tensor>& inputs, const std::vector<std::string>& grad_names,
                     bool finite_differences = true);

// ---- Value graphs as Tensor ops, so that chapter 1's exercises meet gradcheck too ----

// Builds output Values from leaf Values: leaves[k] holds input tensor k's elements, in order.
using ValueFn = std::function<std::vector<Value>(const std::vector<std::vector<Value>>&)>;
// Pushes d(root)/d(node) into every node of root's graph (the library's Value::backward, or yours).
using ValueEngine = std::function<void(const Value& root)>;

// The op y (out_shape) = f(inputs) computed through Values. Its backward builds root = sum_o dy_o * y_o,
// runs `engine` on it and adds each leaf's grad into its tensor's grad.
Tensor value_op(const std::vector<Tensor>& inputs, const Shape& out_shape, const ValueFn& f,
                const ValueEngine& engine);

// The library's Value::backward as an engine.
void library_engine(const Value& root);

// A correct topological order of root's graph (every node after its inputs, root last), written
// independently of the library's, which is private to value.cpp.
std::vector<ValueNode*> reference_topo(ValueNode* root);

// ---- small helpers ----
std::string fmt(double v);                       // 10 significant digits: "0.07341223918", "-inf", "nan"
std::string position(int64_t k, const Shape& shape);   // "[1, 2]"; "" for a 0-d shape
Tensor copy_of(const Tensor& t);                 // a new leaf with the same data and requires_grad

}  // namespace gs::workbook
