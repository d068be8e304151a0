// Where a run of `gpt train` stands against the reference bands: the validation loss that runs of the
// default configuration on Tiny Shakespeare reached at iterations 500, 1000 and 2000, the lowest, the
// median and the highest over several seeds. scripts/reference_bands trained those runs and wrote
// gpt/reference_bands_data.h. A run of another configuration or on other data has no reference, so it
// gets no bands and the trainer says nothing.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "gpt/train.h"

namespace gs::gpt {

struct ReferenceBand {
    int64_t iter;
    double min, median, max;   // validation loss, nats per character
    int seeds;                 // runs it was measured over
};

// The bands, if they describe this run: every option that shapes the losses up to iteration 2000 (the
// model and its random start, so no --init-from; the tokenizer, the batch, the schedule, AdamW,
// clipping, --eval-iters) is gpt train's default, and the data is the corpus the bands were measured
// on (its size and CRC-32). --seed, --max-iters, --eval-interval, --out and --threads may differ.
// Otherwise, none.
std::vector<ReferenceBand> reference_bands_for(const TrainOptions& opt, int64_t data_bytes, uint32_t data_crc32);

// One line for a val loss at band.iter, e.g. "val loss 2.0500 (2.958 bits per character) at iteration
// 1000: inside the reference band 2.0417-2.0654 (2.946-2.980 bits per character, median 2.0652) of 5
// seeds". A loss outside the band but by less than its width (max - min) is "just above" or "just below"
// it, which is normal for a band of a few seeds; farther out, "above" points to chapter 12. A
// character-level loss in nats per character is loss / ln 2 bits per character.
std::string band_note(const ReferenceBand& band, double val_loss);

}  // namespace gs::gpt
