// The GPT model: names and sizes, causality, input errors, and that it can learn (overfits a batch).
// Its numbers are checked against PyTorch in test_gpt_parity.cpp.
#include <gtest/gtest.h>

#include "gpt/model.h"
#include "nn/optim.h"

using namespace gs;
using namespace gs::gpt;

namespace {

GPTConfig small(bool bias = false) {
    GPTConfig c;
    c.n_layer = 2;
    c.n_head = 2;
    c.n_embd = 16;
    c.block_size = 8;
    c.vocab_size = 10;
    c.bias = bias;
    return c;
}

Indices random_ids(int64_t B, int64_t T, int V, Rng& rng) {
    Indices x = Indices::zeros({B, T});
    for (int64_t i = 0; i < x.numel(); i++) x.data()[i] = int32_t(rng.below(uint32_t(V)));
    return x;
}

}  // namespace

TEST(GPT, ParameterNamesFollowNanoGPTAndTiedWeightIsStoredOnce) {
    GPT m(small(true), 1);
    std::vector<std::string> names;
    for (auto& nt : m.named_parameters()) names.push_back(nt.first);
    EXPECT_EQ(names.front(), "transformer.wte.weight");
    EXPECT_EQ(names[1], "transformer.wpe.weight");
    for (const char* want : {"transformer.h.0.ln_1.weight", "transformer.h.0.ln_1.bias", "transformer.h.0.attn.c_attn.weight",
                             "transformer.h.0.attn.c_attn.bias", "transformer.h.0.attn.c_proj.weight",
                             "transformer.h.1.mlp.c_fc.weight", "transformer.h.1.mlp.c_proj.bias", "transformer.ln_f.weight"})
        EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
    EXPECT_EQ(std::count_if(names.begin(), names.end(), [](auto& n) { return n.find("lm_head") != std::string::npos; }), 0);
}

TEST(GPT, ParameterCountMatchesTheFormula) {
    // no bias: wte V*C + wpe T*C + per layer (2 LN weights 2C, c_attn 3C*C, c_proj C*C, c_fc 4C*C, mlp c_proj 4C*C)
    // + ln_f C = 10*16 + 8*16 + 2 * (32 + 12*256) + 16 = 160 + 128 + 6208 + 16 = 6512
    EXPECT_EQ(GPT(small(false), 1).num_parameters(), 6512);
    // with bias: + per layer (2 LN biases 2C + 3C + C + 4C + C = 11C = 176) + ln_f bias 16 = 6512 + 352 + 16
    EXPECT_EQ(GPT(small(true), 1).num_parameters(), 6880);
}

TEST(GPT, LogitsShapeAndLossNearLnVAtInit) {
    GPT m(small(), 3);
    Rng rng(5);
    Indices x = random_ids(3, 8, 10, rng), y = random_ids(3, 8, 10, rng);
    GPTOutput out = m.forward(x, y);
    EXPECT_EQ(out.logits.shape(), (Shape{3, 8, 10}));
    // weights ~ N(0, 0.02) make the logits nearly uniform, so the loss starts near ln 10 = 2.303
    EXPECT_NEAR(out.loss.item(), std::log(10.0), 0.05);
    EXPECT_FALSE(m.forward(x).loss.defined());
}

TEST(GPT, ChangingLaterTokensLeavesEarlierLogitsUnchanged) {
    GPT m(small(true), 7);
    Rng rng(8);
    Indices x = random_ids(2, 8, 10, rng);
    Tensor before = m.forward(x).logits;
    for (int t = 0; t < 8; t++) {
        Indices x2 = x;
        for (int b = 0; b < 2; b++)
            for (int s = t + 1; s < 8; s++) x2.data()[size_t(b * 8 + s)] = int32_t((x.data()[size_t(b * 8 + s)] + 3) % 10);
        Tensor after = m.forward(x2).logits;
        for (int b = 0; b < 2; b++)
            for (int s = 0; s < 8; s++)
                for (int v = 0; v < 10 && s <= t; v++) {
                    int64_t i = (b * 8 + s) * 10 + v;
                    ASSERT_EQ(before.data()[i], after.data()[i]) << "t " << t << " s " << s;
                }
        if (t < 7) {   // and the later positions did see the change
            bool changed = false;
            for (int64_t i = (t + 1) * 10; i < 8 * 10; i++) changed = changed || before.data()[i] != after.data()[i];
            EXPECT_TRUE(changed) << "t " << t;
        }
    }
}

TEST(GPT, RejectsLongSequencesAndUnknownTokens) {
    GPT m(small(), 1);
    try {
        m.forward(Indices::zeros({1, 9}));
        FAIL();
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("length 9"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("block_size is only 8"), std::string::npos) << e.what();
    }
    Indices bad = Indices::zeros({1, 4});
    bad.data()[2] = 10;
    try {
        m.forward(bad);
        FAIL();
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("token id 10 at position 2 is outside the vocabulary of 10"), std::string::npos)
            << e.what();
    }
    EXPECT_THROW(m.forward(Indices::zeros({4})), std::invalid_argument);
    EXPECT_THROW(m.forward(Indices::zeros({1, 4}), Indices::zeros({1, 3})), std::invalid_argument);
}

TEST(GPT, ConfigValidationNamesTheField) {
    GPTConfig c = small();
    c.n_embd = 15;   // not a multiple of n_head 2
    try {
        GPT m(c, 1);
        FAIL();
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("n_embd (15) must be a positive multiple of n_head (2)"), std::string::npos);
    }
    c = small();
    c.block_size = 0;
    EXPECT_THROW(GPT(c, 1), std::invalid_argument);
    c = small();
    c.dropout = 1;
    EXPECT_THROW(GPT(c, 1), std::invalid_argument);
}

TEST(GPT, SameSeedSameWeights) {
    GPT a(small(), 42), b(small(), 42), c(small(), 43);
    auto pa = a.named_parameters(), pb = b.named_parameters(), pc = c.named_parameters();
    ASSERT_EQ(pa[0].first, "transformer.wte.weight");   // drawn from the seed (LayerNorm weights are all ones)
    EXPECT_EQ(pa[0].second.to_vector(), pb[0].second.to_vector());
    EXPECT_NE(pa[0].second.to_vector(), pc[0].second.to_vector());
}

TEST(GPT, DropoutIsActiveInTrainingAndOffInEval) {
    GPTConfig c = small();
    c.dropout = real(0.3);
    GPT m(c, 1);
    Rng rng(2);
    Indices x = random_ids(1, 8, 10, rng);
    m.eval();
    EXPECT_EQ(m.forward(x).logits.to_vector(), m.forward(x).logits.to_vector());
    m.train();
    EXPECT_NE(m.forward(x).logits.to_vector(), m.forward(x).logits.to_vector());
}

TEST(GPT, OverfitsASingleBatch) {
    GPTConfig c = small();
    c.n_embd = 32;
    GPT m(c, 11);
    Rng rng(12);
    Indices x = random_ids(4, 8, 10, rng), y = random_ids(4, 8, 10, rng);
    nn::AdamW opt({{m.parameters(), 0}}, real(1e-2));
    double loss = 0;
    for (int step = 0; step < 300; step++) {
        Tensor l = m.forward(x, y).loss;
        loss = l.item();
        if (loss < 0.05) break;
        l.backward();
        opt.step();
        m.zero_grad();
    }
    EXPECT_LT(loss, 0.05);   // 32 random targets memorised
}

TEST(GPT, TrainingStepStopsAllocatingAfterTheFirstSteps) {
    GPTConfig c = small();
    GPT m(c, 21);
    Rng rng(22);
    Indices x = random_ids(4, 8, 10, rng), y = random_ids(4, 8, 10, rng);
    nn::AdamW opt({{m.parameters(), real(0.1)}}, real(1e-3));
    std::vector<int64_t> heap;   // buffers obtained from the system, after each step
    for (int step = 0; step < 8; step++) {
        Tensor loss = m.forward(x, y).loss;
        loss.backward();
        opt.step();
        m.zero_grad();
        heap.push_back(alloc_stats().heap_allocs);
    }
    // the first steps fill the caching allocator; from then on every tensor reuses a cached buffer
    for (size_t i = 3; i < heap.size(); i++) EXPECT_EQ(heap[i], heap[2]) << "step " << i;
}
