// The scalar type of every tensor. Programs use float (the default build). The finite-difference
// gradient tests compile the same sources a second time with -DGRADSCHOOL_DOUBLE, where real is
// double, so that a gradient check can be tight enough to catch a wrong factor or a missing term.
#pragma once

namespace gs {
#ifdef GRADSCHOOL_DOUBLE
using real = double;
#else
using real = float;
#endif
}  // namespace gs
