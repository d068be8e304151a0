// Finite-difference check (double build) for dropout in training mode. Every call of the function
// builds its own Rng from the same seed, so each finite-difference evaluation sees the same mask.
#include <gtest/gtest.h>

#include "autograd/dropout.h"
#include "autograd/gradcheck.h"

using namespace gs;

TEST(DropoutGrad, TrainingModeReusesTheMask) {
    Rng rng(61);
    Tensor x = Tensor::randn({4, 5}, rng).requires_grad_();
    GradcheckResult r = gradcheck(
        [](const std::vector<Tensor>& in) {
            Rng mask_rng(7);
            return dropout(in[0], real(0.4), true, mask_rng);
        },
        {x});
    EXPECT_TRUE(r.ok) << r.report;
}
