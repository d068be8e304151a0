// What a config costs (gpt/memory.h): the parameter shapes it lists are exactly those a built GPT has,
// the counts agree, the estimates grow as they should, and a config no machine holds is refused with
// the figure (U1 of issue 11).
#include <gtest/gtest.h>

#include "gpt/memory.h"

using namespace gs;
using namespace gs::gpt;

namespace {

GPTConfig small(bool bias) {
    GPTConfig c;
    c.n_layer = 3, c.n_head = 2, c.n_embd = 8, c.block_size = 5, c.vocab_size = 7, c.bias = bias;
    return c;
}

}  // namespace

TEST(Memory, ParameterShapesAreThoseOfTheBuiltModel) {
    for (bool bias : {false, true}) {
        GPTConfig cfg = small(bias);
        GPT model(cfg, 1);
        std::vector<NamedShape> want;
        for (auto& [name, p] : model.named_parameters()) want.push_back({name, p.shape()});
        EXPECT_EQ(parameter_shapes(cfg), want) << "bias " << bias;
        EXPECT_EQ(num_parameter_tensors(cfg), double(want.size()));
        EXPECT_EQ(num_parameters(cfg), double(model.num_parameters()));
    }
}

TEST(Memory, HugeConfigsAreCountedWithoutOverflow) {
    GPTConfig cfg = small(false);
    cfg.n_layer = 10'000'000;
    cfg.n_embd = 1'000'000;
    // 12 C^2 per layer dominates: 1.2e20 parameters, far past int64's 9.2e18
    EXPECT_NEAR(num_parameters(cfg) / 1.2e20, 1.0, 1e-3);
    EXPECT_EQ(num_parameter_tensors(cfg), 2 + 6 * 1e7 + 1);
}

TEST(Memory, EstimatesGrowWithTheBatchAndTheModel) {
    GPTConfig cfg = small(false);
    MemoryEstimate a = training_memory(cfg, 4, 2, 1000), b = training_memory(cfg, 8, 2, 1000);
    EXPECT_EQ(a.weights, 4 * num_parameters(cfg) * sizeof(real));
    EXPECT_GT(b.activations, a.activations);
    EXPECT_GT(eval_memory(cfg, 64, 1000).total(), eval_memory(cfg, 8, 1000).total());
    EXPECT_GT(sample_memory(cfg, 1, 1'000'000).data, sample_memory(cfg, 1, 1000).data);
}

TEST(Memory, TooBigIsRefusedWithTheFigure) {
    GPTConfig cfg = small(false);
    cfg.n_embd = 1'000'000, cfg.n_head = 1;
    try {
        check_fits_in_memory(training_memory(cfg, 12, 20, 1000), "gpt train", "this model", "make it smaller");
        FAIL() << "a model of 4e13 parameters fits?";
    } catch (const std::invalid_argument& e) {
        std::string msg = e.what();
        EXPECT_EQ(msg.rfind("gpt train: this model needs about ", 0), 0u) << msg;
        EXPECT_NE(msg.find(" TiB (weights "), std::string::npos) << msg;
        EXPECT_NE(msg.find("; make it smaller"), std::string::npos) << msg;
    }
    EXPECT_NO_THROW(check_fits_in_memory(training_memory(small(false), 4, 2, 1000), "gpt train", "x", "y"));
    EXPECT_EQ(format_bytes(512), "512 bytes");
    EXPECT_EQ(format_bytes(1536), "1.5 KiB");
    EXPECT_EQ(format_bytes(300.0 * 1024 * 1024), "300 MiB");
}
