// The reference bands' table (gpt/reference_bands_data.h, written by scripts/reference_bands), which runs
// it describes, and the line that places a run's val loss against a band. See reference_bands.h.
#include "gpt/reference_bands.h"

#include <cmath>
#include <cstdio>

#include "gpt/reference_bands_data.h"

namespace gs::gpt {

std::vector<ReferenceBand> reference_bands_for(const TrainOptions& o, int64_t data_bytes, uint32_t data_crc32) {
    const TrainOptions d;   // the defaults the bands were measured with
    const GPTConfig &m = o.model, &dm = d.model;
    bool same = m.n_layer == dm.n_layer && m.n_head == dm.n_head && m.n_embd == dm.n_embd &&
                m.block_size == dm.block_size && m.dropout == dm.dropout && m.bias == dm.bias &&
                o.batch_size == d.batch_size && o.grad_accum == d.grad_accum && o.lr == d.lr && o.min_lr == d.min_lr &&
                o.warmup_iters == d.warmup_iters && o.lr_decay_iters == d.lr_decay_iters &&
                o.weight_decay == d.weight_decay && o.beta1 == d.beta1 && o.beta2 == d.beta2 &&
                o.grad_clip == d.grad_clip && o.eval_iters == d.eval_iters && o.tokenizer == d.tokenizer &&
                o.init_from == d.init_from &&
                data_bytes == reference_data::kDataBytes && data_crc32 == reference_data::kDataCrc32;
    std::vector<ReferenceBand> bands;
    if (!same) return bands;
    for (const reference_data::Row& r : reference_data::kRows)
        bands.push_back({r.iter, r.min, r.median, r.max, reference_data::kSeeds});
    return bands;
}

std::string band_note(const ReferenceBand& b, double val_loss) {
    const double ln2 = std::log(2.0), width = b.max - b.min;
    // A band of a few seeds is narrow: a normal run lands outside it often, but by little. Only a run
    // farther out than the seeds spread among themselves is called unusual.
    const bool near = val_loss >= b.min - width && val_loss <= b.max + width;
    const char* where = val_loss < b.min ? (near ? "just below" : "below")
                      : val_loss > b.max ? (near ? "just above" : "above") : "inside";
    char buf[320];
    std::snprintf(buf, sizeof buf,
                  "val loss %.4f (%.3f bits per character) at iteration %lld: %s the reference band %.4f-%.4f "
                  "(%.3f-%.3f bits per character, median %.4f) of %d seeds",
                  val_loss, val_loss / ln2, (long long)b.iter, where, b.min, b.max, b.min / ln2, b.max / ln2, b.median,
                  b.seeds);
    std::string s = buf;
    if (near && val_loss < b.min) s += ", by less than the seeds differ: normal";
    if (near && val_loss > b.max) s += ", by less than the seeds differ: normal";
    if (!near && val_loss < b.min) s += ": better than the reference runs by more than they differ";
    if (!near && val_loss > b.max)
        s += ": worse than the reference runs by more than they differ; see tutorials/12_debugging_a_run.md";
    return s;
}

}  // namespace gs::gpt
