// GPT parity with an independent reference: tests/fixtures/make_gpt_fixtures.py builds the same model
// directly in PyTorch, runs it in float64 on fixed weights and a fixed batch, and stores the logits,
// the loss and every parameter's gradient. Here gradschool loads those weights, runs the same batch and
// must agree. This file is compiled twice: in the float build (tolerance for float rounding) and, through
// tests/grad/test_gpt_parity_grad.cpp, in the double build, where the agreement must be near-exact.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "gpt/model.h"
#include "nn/io/safetensors.h"

using namespace gs;
using namespace gs::gpt;
using namespace gs::io;

struct Case {
    const char* name;
    GPTConfig cfg;
};

namespace {

// the configs of make_gpt_fixtures.py
const Case kCases[] = {
    {"tiny_bias", [] { GPTConfig c; c.n_layer = 2; c.n_head = 2; c.n_embd = 16; c.block_size = 8; c.vocab_size = 11; c.bias = true; return c; }()},
    {"tiny_nobias", [] { GPTConfig c; c.n_layer = 2; c.n_head = 4; c.n_embd = 16; c.block_size = 8; c.vocab_size = 13; c.bias = false; return c; }()},
};

// float: rounding through a dozen layers; double: only summation order differs from PyTorch
constexpr double kTol = sizeof(real) == 8 ? 1e-10 : 2e-4;

std::string fixture(const std::string& file) { return "tests/fixtures/" + file; }

Indices as_indices(const Tensor& t) {
    std::vector<int32_t> v;
    for (real x : t.to_vector()) v.push_back(int32_t(std::lround(x)));
    return Indices(t.shape(), v);
}

void expect_close(const Tensor& got, const Tensor& want, const std::string& what) {
    ASSERT_EQ(got.shape(), want.shape()) << what;
    double scale = 0, worst = 0;
    for (int64_t i = 0; i < want.numel(); i++) scale = std::max(scale, std::fabs(double(want.data()[i])));
    for (int64_t i = 0; i < want.numel(); i++)
        worst = std::max(worst, std::fabs(double(got.data()[i]) - double(want.data()[i])));
    EXPECT_LE(worst, kTol * std::max(scale, 1.0)) << what << ": max |diff| " << worst << " (largest value " << scale << ")";
}

}  // namespace

// outside the anonymous namespace: this file is also #included by the double build's test
class GPTParity : public ::testing::TestWithParam<Case> {};

TEST_P(GPTParity, LogitsLossAndEveryGradientMatchPyTorch) {
    const Case& c = GetParam();
    std::string weights = fixture(std::string("gpt_") + c.name + "_weights.safetensors");
    ASSERT_TRUE(std::ifstream(weights).good()) << weights << " is missing: run the tests from the project root";
    GPT model(c.cfg, 0);
    load_into(weights, model.named_parameters());
    std::map<std::string, Tensor> expected;
    for (auto& [name, t] : load_safetensors(fixture(std::string("gpt_") + c.name + "_expected.safetensors")).tensors)
        expected[name] = t;

    GPTOutput out = model.forward(as_indices(expected["idx"]), as_indices(expected["targets"]));
    expect_close(out.logits, expected["logits"], "logits");
    expect_close(out.loss, expected["loss"], "loss");
    out.loss.backward();
    int checked = 0;
    for (auto& [name, p] : model.named_parameters()) {
        ASSERT_TRUE(expected.count("grad." + name)) << "no reference gradient for " << name;
        expect_close(p.grad_tensor(), expected["grad." + name], "grad of " + name);
        checked++;
    }
    EXPECT_EQ(checked + 4, int(expected.size()));   // every reference gradient was compared
}

INSTANTIATE_TEST_SUITE_P(Fixtures, GPTParity, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& param) { return std::string(param.param.name); });
