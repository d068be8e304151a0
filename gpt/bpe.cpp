// Byte-pair encoding. See bpe.h.
#include "gpt/bpe.h"

namespace gs::gpt {

std::vector<int32_t> bpe_merge(const std::vector<int32_t>& ids, int32_t a, int32_t b, int32_t new_id) {
    std::vector<int32_t> out;
    out.reserve(ids.size());
    size_t i = 0;
    while (i < ids.size()) {
        if (i + 1 < ids.size() && ids[i] == a && ids[i + 1] == b) {
            out.push_back(new_id);   // the pair becomes one token, and the scan moves past both halves
            i += 2;
        } else {
            out.push_back(ids[i]);
            i += 1;
        }
    }
    return out;
}

}  // namespace gs::gpt
