// The exercises in chapter order. The README's table lists the same rows.
#include "tutorials/exercises/harness/catalog.h"

#include <stdexcept>

namespace gs::workbook {

const std::vector<Exercise>& catalog() {
    static const std::vector<Exercise> list = {
        {"01.1", "01 derivatives", "tanh of a Value and its local derivative", "01_1_value_tanh.cpp"},
        {"01.2", "01 derivatives", "exp of a Value and its local derivative", "01_2_value_exp.cpp"},
        {"01.3", "01 derivatives", "a Value to a constant power", "01_3_value_pow.cpp"},
        {"01.4", "01 derivatives", "topological sort of a Value graph", "01_4_topo_sort.cpp"},
        {"01.5", "01 derivatives", "the backward pass over that order", "01_5_backward_pass.cpp"},
        {"02.1", "02 MLP from Values", "one neuron", "02_1_neuron.cpp"},
        {"02.2", "02 MLP from Values", "an MLP forward", "02_2_mlp_forward.cpp"},
        {"03.1", "03 tensors", "broadcast shape", "03_1_broadcast_shape.cpp"},
        {"03.2", "03 tensors", "broadcast strides", "03_2_broadcast_strides.cpp"},
        {"03.3", "03 tensors", "sum a broadcast gradient back to its shape", "03_3_sum_to_shape.cpp"},
        {"04.1", "04 backprop through ops", "matmul forward", "04_1_matmul_forward.cpp"},
        {"04.2", "04 backprop through ops", "matmul backward", "04_2_matmul_backward.cpp"},
        {"04.3", "04 backprop through ops", "softmax backward", "04_3_softmax_backward.cpp"},
        {"04.4", "04 backprop through ops", "log-softmax forward", "04_4_log_softmax_forward.cpp"},
        {"04.5", "04 backprop through ops", "cross-entropy backward", "04_5_cross_entropy_backward.cpp"},
        {"04.6", "04 backprop through ops", "layer norm forward", "04_6_layer_norm_forward.cpp"},
        {"04.7", "04 backprop through ops", "layer norm backward", "04_7_layer_norm_backward.cpp"},
        {"05.1", "05 modules and optimizers", "linear backward", "05_1_linear_backward.cpp"},
        {"05.2", "05 modules and optimizers", "an SGD step with momentum", "05_2_sgd_momentum_step.cpp"},
        {"05.3", "05 modules and optimizers", "an AdamW step", "05_3_adamw_step.cpp"},
        {"06.1", "06 bigram", "embedding backward", "06_1_embedding_backward.cpp"},
        {"08.1", "08 initialisation", "GELU backward", "08_1_gelu_backward.cpp"},
        {"09.1", "09 self-attention", "causal attention forward", "09_1_attention_forward.cpp"},
        {"09.2", "09 self-attention", "causal attention backward", "09_2_attention_backward.cpp"},
        {"10.1", "10 transformer block", "the pre-LN block forward", "10_1_block_forward.cpp"},
        {"11.1", "11 training a GPT", "the cosine learning-rate schedule", "11_1_cosine_lr.cpp"},
        {"11.2", "11 training a GPT", "clip_grad_norm", "11_2_clip_grad_norm.cpp"},
        {"13.1", "13 generation", "top-k filtering", "13_1_top_k_filter.cpp"},
        {"13.2", "13 generation", "top-p filtering", "13_2_top_p_filter.cpp"},
        {"14.1", "14 BPE", "one BPE merge step", "14_1_bpe_merge.cpp"},
        {"16.1", "16 making it fast", "a 4x8 register-tiled micro-kernel", "16_1_micro_kernel_4x8.cpp"},
        {"16.2", "16 making it fast", "packing A into 4-row panels", "16_2_pack_a_panel.cpp"},
    };
    return list;
}

const Exercise& find_exercise(const std::string& id) {
    for (const Exercise& e : catalog())
        if (e.id == id) return e;
    std::string ids;
    for (const Exercise& e : catalog()) ids += (ids.empty() ? "" : " ") + e.id;
    throw std::invalid_argument("workbook: there is no exercise " + id + "; the exercises are " + ids);
}

std::string suite_name(const std::string& id) {
    std::string s = "Ex" + id;
    for (char& c : s)
        if (c == '.') c = '_';
    return s;
}

}  // namespace gs::workbook
