// gradcheck itself: it passes a correct backward and catches the kinds of mistakes it exists for.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/elementwise.h"
#include "autograd/gradcheck.h"

using namespace gs;

namespace {

// square with a backward scaled by `factor` (1 is correct) plus `extra` (0 is correct)
Tensor faulty_square(const Tensor& x, real factor, real extra) {
    Tensor y = Tensor::empty(x.shape());
    for (int64_t i = 0; i < x.numel(); i++) y.data()[i] = x.data()[i] * x.data()[i];
    y.set_backward("faulty_square", {x}, [x, factor, extra](const Tensor& out) {
        for (int64_t i = 0; i < x.numel(); i++)
            x.grad()[i] += out.grad()[i] * (factor * 2 * x.data()[i] + extra);
    });
    return y;
}

bool passes(real factor, real extra) {
    Rng rng(4);
    Tensor x = Tensor::randn({6}, rng).requires_grad_();
    return gradcheck([&](const std::vector<Tensor>& in) { return faulty_square(in[0], factor, extra); }, {x}).ok;
}

}  // namespace

TEST(Gradcheck, AcceptsCorrectBackward) { EXPECT_TRUE(passes(1, 0)); }
TEST(Gradcheck, CatchesFlippedSign) { EXPECT_FALSE(passes(-1, 0)); }
TEST(Gradcheck, CatchesWrongFactor) { EXPECT_FALSE(passes(0.5, 0)); }
TEST(Gradcheck, CatchesSmallExtraTerm) { EXPECT_FALSE(passes(1, 1e-3)); }

TEST(Gradcheck, ReportNamesTheMismatch) {
    Tensor x = Tensor::from({2}, {1, 2}).requires_grad_();
    GradcheckResult r = gradcheck([](const std::vector<Tensor>& in) { return faulty_square(in[0], 2, 0); }, {x});
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.checked, 2);
    EXPECT_NE(r.report.find("input 0 [2] element 0"), std::string::npos) << r.report;
}

TEST(Gradcheck, RejectsOutputWithoutGrad) {
    Tensor x = Tensor::from({2}, {1, 2});
    EXPECT_THROW(gradcheck([](const std::vector<Tensor>& in) { return in[0] * 2; }, {x}), std::invalid_argument);
}
