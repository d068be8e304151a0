// nn::Module bookkeeping: parameter names spelled as PyTorch spells them, their order, a tied weight
// listed once, parameter counts, train()/eval() reaching every child (and the Dropouts in them), and
// zero_grad dropping every grad buffer.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "autograd/reduce.h"
#include "gpt/model.h"

using namespace gs;
using namespace gs::gpt;
using namespace gs::nn;

namespace {

GPTConfig block_cfg(bool bias, real dropout = 0) {
    GPTConfig c;
    c.n_embd = 8, c.n_head = 2, c.n_layer = 2, c.dropout = dropout, c.bias = bias;
    return c;
}

std::vector<std::string> names_of(const Module& m) {
    std::vector<std::string> names;
    for (auto& nt : m.named_parameters()) names.push_back(nt.first);
    return names;
}

// Its own parameter registered between two children: PyTorch lists a module's own parameters first,
// then each child's in registration order, and so does Module.
struct Net : Module {
    Linear fc1, fc2;
    Tensor scale;   // (2)
    explicit Net(Rng& rng) : fc1(3, 4, true, rng), fc2(4, 2, false, rng), scale(Tensor::ones({2})) {
        register_module("fc1", fc1);
        register_parameter("scale", scale);
        register_module("fc2", fc2);
    }
};

// Weight tying the way nanoGPT does it: after both layers are built, the head's weight handle is
// pointed at the embedding's tensor, so both names reach one tensor.
struct TiedLM : Module {
    Embedding wte;   // (10, 4)
    Linear lm_head;  // weight (10, 4), the same tensor as wte.weight
    explicit TiedLM(Rng& rng) : wte(10, 4, rng), lm_head(4, 10, false, rng) {
        register_module("wte", wte);
        register_module("lm_head", lm_head);
        lm_head.weight = wte.weight;
    }
};

// Two blocks under "h.0" and "h.1", as GPT's trunk holds them.
struct Stack : Module {
    std::vector<std::unique_ptr<Block>> h;
    Stack(const GPTConfig& cfg, Rng& init, Rng& drop) {
        for (int i = 0; i < 2; i++) {
            h.push_back(std::make_unique<Block>(cfg, init, drop));
            register_module("h." + std::to_string(i), *h.back());
        }
    }
};

}  // namespace

TEST(Module, BlockParameterNamesAndOrderFollowNanoGPT) {
    Rng init(1), drop(2);
    Block with_bias(block_cfg(true), init, drop);
    EXPECT_EQ(names_of(with_bias),
              (std::vector<std::string>{"ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias",
                                        "attn.c_proj.weight", "attn.c_proj.bias", "ln_2.weight", "ln_2.bias",
                                        "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias"}));
    Block no_bias(block_cfg(false), init, drop);
    EXPECT_EQ(names_of(no_bias), (std::vector<std::string>{"ln_1.weight", "attn.c_attn.weight", "attn.c_proj.weight",
                                                           "ln_2.weight", "mlp.c_fc.weight", "mlp.c_proj.weight"}));
    // the names lead to the members themselves, not to copies
    auto named = with_bias.named_parameters();
    EXPECT_TRUE(named[2].second.shares_storage_with(with_bias.attn.c_attn.weight));
    EXPECT_EQ(named[2].second.shape(), (Shape{24, 8}));   // (3C, C)
    EXPECT_TRUE(named[11].second.shares_storage_with(with_bias.mlp.c_proj.bias));
}

TEST(Module, NestedNamesJoinWithDots) {
    Rng init(1), drop(2);
    Stack s(block_cfg(true), init, drop);
    std::vector<std::string> names = names_of(s);
    ASSERT_EQ(names.size(), 24u);
    EXPECT_EQ(names.front(), "h.0.ln_1.weight");
    EXPECT_EQ(names[12], "h.1.ln_1.weight");
    EXPECT_EQ(names.back(), "h.1.mlp.c_proj.bias");
}

TEST(Module, OwnParametersComeBeforeChildrenAndBecomeLeavesThatRequireGrad) {
    Rng rng(3);
    Net net(rng);
    EXPECT_EQ(names_of(net), (std::vector<std::string>{"scale", "fc1.weight", "fc1.bias", "fc2.weight"}));
    for (const Tensor& p : net.parameters()) {
        EXPECT_TRUE(p.requires_grad());
        EXPECT_TRUE(p.is_leaf());
    }
    // scale 2 + fc1 4*3 + 4 + fc2 2*4 = 26
    EXPECT_EQ(net.num_parameters(), 26);
}

TEST(Module, TiedWeightIsListedOnceUnderItsFirstName) {
    Rng rng(4);
    TiedLM m(rng);
    EXPECT_EQ(names_of(m), (std::vector<std::string>{"wte.weight"}));
    EXPECT_EQ(m.num_parameters(), 40);   // 10 * 4, not 80
    ASSERT_EQ(m.parameters().size(), 1u);
    EXPECT_TRUE(m.parameters()[0].shares_storage_with(m.lm_head.weight));
}

TEST(Module, NumParametersCountsEveryBlockWeight) {
    Rng init(1), drop(2);
    // C = 8. With bias: ln_1 2C + c_attn (3C*C + 3C) + c_proj (C*C + C) + ln_2 2C + c_fc (4C*C + 4C)
    // + mlp c_proj (4C*C + C) = 16 + 216 + 72 + 16 + 288 + 264 = 872.
    EXPECT_EQ(Block(block_cfg(true), init, drop).num_parameters(), 872);
    // Without: C + 3C*C + C*C + C + 4C*C + 4C*C = 8 + 192 + 64 + 8 + 256 + 256 = 784.
    EXPECT_EQ(Block(block_cfg(false), init, drop).num_parameters(), 784);
}

TEST(Module, TrainAndEvalReachEveryChildAndItsDropout) {
    Rng init(1), drop(2);
    Block b(block_cfg(true, real(0.5)), init, drop);
    Tensor x = Tensor::randn({2, 4, 8}, init);
    std::vector<const Module*> all = {&b, &b.ln_1, &b.attn, &b.attn.c_attn, &b.attn.attn_dropout,
                                      &b.attn.resid_dropout, &b.ln_2, &b.mlp, &b.mlp.c_fc, &b.mlp.dropout};
    for (const Module* m : all) EXPECT_TRUE(m->training());   // a module starts in training mode

    b.eval();
    for (const Module* m : all) EXPECT_FALSE(m->training());
    // every dropout is now the identity: two calls agree, and the dropout stream is not touched
    RngState before = drop.state();
    std::vector<real> y = b.forward(x).to_vector();
    EXPECT_EQ(y, b.forward(x).to_vector());
    EXPECT_EQ(drop.state().state, before.state);

    b.train();
    for (const Module* m : all) EXPECT_TRUE(m->training());
    EXPECT_NE(b.forward(x).to_vector(), y);

    b.mlp.eval();   // a child's mode does not reach its parent or siblings
    EXPECT_TRUE(b.training());
    EXPECT_TRUE(b.attn.attn_dropout.training());
    EXPECT_FALSE(b.mlp.dropout.training());
}

TEST(Module, ZeroGradDropsEveryGrad) {
    Rng init(1), drop(2);
    Block b(block_cfg(true), init, drop);
    sum(b.forward(Tensor::randn({2, 4, 8}, init))).backward();
    for (auto& [name, p] : b.named_parameters()) EXPECT_TRUE(p.has_grad()) << name;
    b.zero_grad();
    for (auto& [name, p] : b.named_parameters()) EXPECT_FALSE(p.has_grad()) << name;
}
