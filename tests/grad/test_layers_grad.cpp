// Finite-difference checks (double build) through each layer of nn/layers.h, with respect to the
// input and every parameter the layer owns: Linear (with and without bias, 2-d and 3-d input),
// Embedding (a repeated index), LayerNorm (with and without bias) and Dropout in training mode.
#include <gtest/gtest.h>

#include "autograd/gradcheck.h"
#include "nn/layers.h"
#include "tests/model_helpers.h"

using namespace gs;
using namespace gs::nn;
using namespace gs::test;

namespace {

// the input, then the module's parameters in order
std::vector<Tensor> with_params(const Tensor& x, const Module& m) {
    std::vector<Tensor> in = {x};
    for (const Tensor& p : m.parameters()) in.push_back(p);
    return in;
}

}  // namespace

TEST(LayersGrad, Linear) {
    for (bool bias : {true, false})
        for (Shape s : {Shape{5, 3}, Shape{2, 3, 3}}) {
            Rng rng(51);
            Linear fc(3, 4, bias, rng);
            scramble(fc, rng, real(0.5));
            Tensor x = Tensor::randn(s, rng).requires_grad_();
            // in[0] is x; the parameters are reached through fc itself, which gradcheck perturbs in place
            GradcheckResult r =
                gradcheck([&fc](const std::vector<Tensor>& in) { return fc.forward(in[0]); }, with_params(x, fc));
            EXPECT_TRUE(r.ok) << "bias " << bias << " " << shape_str(s) << "\n" << r.report;
            EXPECT_EQ(r.checked, x.numel() + fc.num_parameters());
        }
}

TEST(LayersGrad, EmbeddingWithARepeatedIndex) {
    Rng rng(52);
    Embedding e(5, 3, rng);
    Indices idx({2, 3}, {4, 1, 4, 0, 4, 2});   // row 4 gets three gradients, row 3 none
    GradcheckResult r = gradcheck([&](const std::vector<Tensor>&) { return e.forward(idx); }, {e.weight});
    EXPECT_TRUE(r.ok) << r.report;
}

TEST(LayersGrad, LayerNorm) {
    for (bool bias : {true, false}) {
        Rng rng(53);
        LayerNorm ln(6, bias);
        scramble(ln, rng, 1);
        Tensor x = Tensor::randn({2, 3, 6}, rng, 0.5, 2).requires_grad_();
        GradcheckResult r =
            gradcheck([&ln](const std::vector<Tensor>& in) { return ln.forward(in[0]); }, with_params(x, ln));
        EXPECT_TRUE(r.ok) << "bias " << bias << "\n" << r.report;
    }
}

TEST(LayersGrad, DropoutInTraining) {
    Rng rng(54), drop_rng(55);
    Dropout d(real(0.4), drop_rng);
    Tensor x = Tensor::randn({4, 5}, rng).requires_grad_();
    // every evaluation must see the same mask, so each one starts the stream from the same state
    RngState start = drop_rng.state();
    GradcheckResult r = gradcheck(
        [&](const std::vector<Tensor>& in) {
            drop_rng.set_state(start);
            return d.forward(in[0]);
        },
        {x});
    EXPECT_TRUE(r.ok) << r.report;
}
