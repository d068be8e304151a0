// OpenMP's runtime calls, or single-thread stand-ins when the build has no OpenMP (`make OPENMP=0`, or
// a compiler without it). Include this instead of <omp.h>. Without -fopenmp every `#pragma omp` line is
// ignored and each loop runs on the calling thread, so one thread, numbered 0, is the whole team.
// Only the calls gradschool uses are here; kHaveOpenMP lets a test skip what needs several threads.
#pragma once

#ifdef _OPENMP
#include <omp.h>
namespace gs {
constexpr bool kHaveOpenMP = true;
}
#else
inline int omp_get_max_threads() { return 1; }
inline int omp_get_num_threads() { return 1; }
inline int omp_get_thread_num() { return 0; }
inline void omp_set_num_threads(int) {}   // there is only ever one thread
namespace gs {
constexpr bool kHaveOpenMP = false;
}
#endif
