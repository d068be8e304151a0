// The project's own random number generator, so that the same seed gives the same numbers with any
// C++ standard library (std::normal_distribution differs between libstdc++ and libc++).
// PCG32 (O'Neill, 2014) for the bits; Box-Muller for normals. The whole state is four integers and
// can be saved in a checkpoint and restored, so a resumed run draws exactly what it would have drawn.
#pragma once
#include <cmath>
#include <cstdint>

namespace gs {

struct RngState {
    uint64_t state;
    uint64_t inc;
    uint32_t has_spare;   // Box-Muller makes normals in pairs; the second waits here
    float spare;
};

class Rng {
public:
    // seed picks the starting point, stream one of 2^63 independent sequences (pcg32_srandom)
    explicit Rng(uint64_t seed = 1337, uint64_t stream = 0xda3e39cb94b95bdbULL) { seed_with(seed, stream); }

    void seed_with(uint64_t seed, uint64_t stream = 0xda3e39cb94b95bdbULL) {
        s_ = {0, (stream << 1u) | 1u, 0, 0.0f};
        next_u32();
        s_.state += seed;
        next_u32();
    }

    uint32_t next_u32() {
        uint64_t old = s_.state;
        s_.state = old * 6364136223846793005ULL + s_.inc;
        uint32_t xorshifted = uint32_t(((old >> 18u) ^ old) >> 27u);
        uint32_t rot = uint32_t(old >> 59u);
        return (xorshifted >> rot) | (xorshifted << ((32u - rot) & 31u));
    }

    // uniform in [0, 1), 24 random bits, exactly representable as float
    float uniform() { return float(next_u32() >> 8) * (1.0f / 16777216.0f); }

    // integer in [0, n), by rejection so every value is equally likely
    uint32_t below(uint32_t n) {
        uint32_t threshold = (0u - n) % n;
        for (;;) {
            uint32_t r = next_u32();
            if (r >= threshold) return r % n;
        }
    }

    // standard normal by Box-Muller; u1 is kept away from 0 so log(u1) is finite
    float normal() {
        if (s_.has_spare) { s_.has_spare = 0; return s_.spare; }
        double u1 = (double(next_u32() >> 8) + 1.0) * (1.0 / 16777217.0);
        double u2 = double(next_u32() >> 8) * (1.0 / 16777216.0);
        double r = std::sqrt(-2.0 * std::log(u1));
        double theta = 6.283185307179586 * u2;
        s_.spare = float(r * std::sin(theta));
        s_.has_spare = 1;
        return float(r * std::cos(theta));
    }

    RngState state() const { return s_; }
    void set_state(const RngState& s) { s_ = s; }

private:
    RngState s_;
};

}  // namespace gs
