// Written by scripts/reference_bands: do not edit; rerun the script, then rebuild. The validation loss
// (nats per character) of `gpt train` with its default options on Tiny Shakespeare, over 5 seeds
// (1337 1 2 3 4), --threads 1: the lowest, the median and the highest at each iteration.
#pragma once
#include <cstdint>

namespace gs::gpt::reference_data {

constexpr int kSeeds = 5;
constexpr int64_t kDataBytes = 1115394;       // the corpus the runs trained on
constexpr uint32_t kDataCrc32 = 0xdf613551;
struct Row {
    int64_t iter;
    double min, median, max;
};
constexpr Row kRows[] = {
    {500, 2.26292, 2.28136, 2.30942},
    {1000, 2.04168, 2.06520, 2.06539},
    {2000, 1.86043, 1.88914, 1.89953},
};

}  // namespace gs::gpt::reference_data
