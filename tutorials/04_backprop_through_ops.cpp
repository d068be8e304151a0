// Chapter 4: backprop through ops: the backward of matmul, softmax and layer norm, derived by hand.
// You will learn: how to turn an op's forward formula into its backward (write the output element as a
// sum, differentiate one term, collect terms with the chain rule), giving dA = dC·Bᵀ and dB = Aᵀ·dC,
// dx = y ⊙ (dy − Σ dy⊙y), and dx = rstd·(g − mean(g) − x̂·mean(g⊙x̂)). Each derivation is written out
// below as plain loops and compared with the library's backward and with finite differences.
// Assumes: chapters 1-3 (chain rule, finite differences, tensors, broadcasting sums, gradcheck).
// Library code used: autograd/matmul.h, autograd/softmax.h, autograd/layer_norm.h, autograd/gradcheck.h.
// Built against the double library (real = double), so hand, library and finite differences agree closely.
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "autograd/elementwise.h"
#include "autograd/gradcheck.h"
#include "autograd/layer_norm.h"
#include "autograd/matmul.h"
#include "autograd/reduce.h"
#include "autograd/softmax.h"
#include "tutorials/tutorial.h"

using namespace gs;

namespace {

tut::Checks claim;

// One op's comparison: every element's hand-derived gradient, the library's and the finite difference.
struct Compare {
    double lib_diff = 0, fd_diff = 0;
    int n = 0;
    // hand: our derivation for every element of t; L: the loss sum(dy * f(...)) whose gradient it is
    void add(const char* name, const Tensor& t, const std::vector<real>& hand, const std::function<double()>& L) {
        for (int64_t i = 0; i < t.numel(); i++) {
            double fd = tut::finite_diff(L, t, i);
            lib_diff = std::fmax(lib_diff, std::fabs(hand[size_t(i)] - t.grad()[i]));
            fd_diff = std::fmax(fd_diff, std::fabs(hand[size_t(i)] - fd));
            n++;
            std::printf("  %s[%d]  hand %12.8f   library %12.8f   finite diff %12.8f\n", name, int(i), hand[size_t(i)],
                        t.grad()[i], fd);
        }
    }
    void conclude(const char* op, const char* what) {
        claim(lib_diff < 1e-12 && fd_diff < 1e-7, "%s: hand-derived %s match the library's backward (max |diff| = "
              "%.1e) and finite differences (max |diff| = %.1e) on all %d elements", op, what, lib_diff, fd_diff, n);
    }
};

}  // namespace

int main() {
    Rng rng(4);

    tut::banner("1. matmul: C = A·B, so dA = dC·Bᵀ and dB = Aᵀ·dC");
    // C[i,j] = sum_k A[i,k] B[k,j]. A[i,k] appears in row i of C only, multiplied by B[k,j], so
    // dA[i,k] = sum_j dC[i,j] B[k,j] = (dC·Bᵀ)[i,k]; likewise dB[k,j] = sum_i A[i,k] dC[i,j] = (Aᵀ·dC)[k,j].
    const int M = 2, K = 3, N = 2;
    Tensor A = Tensor::randn({M, K}, rng).requires_grad_(), B = Tensor::randn({K, N}, rng).requires_grad_();
    Tensor dC = Tensor::randn({M, N}, rng);   // the gradient arriving from whatever uses C
    matmul(A, B).backward(dC);
    const real *a = A.data(), *b = B.data(), *dc = dC.data();
    std::vector<real> dA(M * K, 0), dB(K * N, 0);
    for (int i = 0; i < M; i++)
        for (int k = 0; k < K; k++)
            for (int j = 0; j < N; j++) {
                dA[i * K + k] += dc[i * N + j] * b[k * N + j];
                dB[k * N + j] += a[i * K + k] * dc[i * N + j];
            }
    auto L_mm = [&] { return double(sum(dC * matmul(A, B)).item()); };   // dL/dC = dC
    Compare mm;
    mm.add("dA", A, dA, L_mm);
    mm.add("dB", B, dB, L_mm);
    mm.conclude("matmul", "dA = dC·Bᵀ and dB = Aᵀ·dC");

    tut::banner("2. softmax: y = e^x / sum(e^x), so dx = y ⊙ (dy − Σ dy⊙y)");
    // dy_i/dx_j = y_i (δ_ij − y_j): raising x_j raises its own share and takes from every other one. So
    // dx_j = sum_i dy_i y_i (δ_ij − y_j) = y_j dy_j − y_j sum_i dy_i y_i. No D×D Jacobian is ever stored.
    const int D = 4;
    Tensor x = Tensor::randn({D}, rng).requires_grad_(), dy = Tensor::randn({D}, rng);
    Tensor y = softmax(x, 0);
    y.backward(dy);
    std::printf("x  = [%8.4f %8.4f %8.4f %8.4f]\ny  = [%8.4f %8.4f %8.4f %8.4f]  (sums to %.4f)\n", x.data()[0],
                x.data()[1], x.data()[2], x.data()[3], y.data()[0], y.data()[1], y.data()[2], y.data()[3],
                double(sum(y).item()));
    std::printf("the Jacobian dy_i/dx_j = y_i (δ_ij − y_j); each row and column sums to 0:\n");
    for (int i = 0; i < D; i++) {
        for (int j = 0; j < D; j++) std::printf(" %8.4f", y.data()[i] * ((i == j) - y.data()[j]));
        std::printf("\n");
    }
    const real *yv = y.data(), *dyv = dy.data();
    real dot = 0;   // sum_i dy_i y_i
    for (int i = 0; i < D; i++) dot += dyv[i] * yv[i];
    std::vector<real> dx(D);
    for (int j = 0; j < D; j++) dx[j] = yv[j] * (dyv[j] - dot);
    Compare sm;
    sm.add("dx", x, dx, [&] { return double(sum(dy * softmax(x, 0)).item()); });
    sm.conclude("softmax", "dx = y ⊙ (dy − Σ dy⊙y)");
    // A constant dy asks to raise every share at once, which a softmax cannot do: the shares sum to 1.
    x.zero_grad();
    softmax(x, 0).backward(Tensor::full({D}, 3.0));
    double flat = 0;
    for (int j = 0; j < D; j++) flat = std::fmax(flat, std::fabs(x.grad()[j]));
    std::printf("with dy = [3, 3, 3, 3], the library's dx has max |dx| = %.1e\n", flat);
    claim(flat < 1e-12, "a constant dy gives softmax dx = 0 (max |dx| = %.1e)", flat);

    tut::banner("3. layer norm: y = x̂ ⊙ w + b, x̂ = (x − mean)·rstd, rstd = 1/sqrt(var + eps)");
    // Per row of C values, with g = dy ⊙ w the gradient reaching x̂:
    //   dx̂_i/dx_j = rstd (δ_ij − 1/C − x̂_i x̂_j / C)    (the mean moves every x̂; so does var)
    //   dx_j = sum_i g_i dx̂_i/dx_j = rstd (g_j − mean(g) − x̂_j mean(g ⊙ x̂))
    //   dw = sum over rows of dy ⊙ x̂,   db = sum over rows of dy   (w and b are broadcast over rows)
    const int R = 2, C = 4;
    const real eps = 1e-5;
    Tensor X = Tensor::randn({R, C}, rng).requires_grad_(), W = Tensor::randn({C}, rng).requires_grad_();
    Tensor Bb = Tensor::randn({C}, rng).requires_grad_(), dY = Tensor::randn({R, C}, rng);
    layer_norm(X, W, Bb, eps).backward(dY);
    std::vector<real> dX(R * C), dW(C, 0), dBb(C, 0);
    for (int r = 0; r < R; r++) {
        const real *xr = X.data() + r * C, *dyr = dY.data() + r * C, *w = W.data();
        real mean = 0, var = 0;
        for (int c = 0; c < C; c++) mean += xr[c] / C;
        for (int c = 0; c < C; c++) var += (xr[c] - mean) * (xr[c] - mean) / C;
        real rstd = 1 / std::sqrt(var + eps), g_mean = 0, gx_mean = 0;
        std::vector<real> xhat(C);
        for (int c = 0; c < C; c++) {
            xhat[c] = (xr[c] - mean) * rstd;
            g_mean += dyr[c] * w[c] / C;
            gx_mean += dyr[c] * w[c] * xhat[c] / C;
        }
        for (int c = 0; c < C; c++) {
            dX[r * C + c] = rstd * (dyr[c] * w[c] - g_mean - xhat[c] * gx_mean);
            dW[c] += dyr[c] * xhat[c];
            dBb[c] += dyr[c];
        }
    }
    auto L_ln = [&] { return double(sum(dY * layer_norm(X, W, Bb, eps)).item()); };
    Compare ln;
    ln.add("dx", X, dX, L_ln);
    ln.add("dw", W, dW, L_ln);
    ln.add("db", Bb, dBb, L_ln);
    ln.conclude("layer_norm", "dx, dw and db");

    tut::banner("4. gradcheck on larger shapes, batch dims and a softmax along dim 0");
    int checked = 0;
    double max_err = 0;
    bool ok = true;
    auto run = [&](const char* what, const std::vector<Tensor>& in, const GradcheckFn& f) {
        GradcheckResult r = gradcheck(f, in);
        std::printf("  %-50s %3d elements  max |diff| %.1e  %s\n", what, int(r.checked), r.max_abs_err,
                    r.ok ? "ok" : r.report.c_str());
        checked += int(r.checked);
        max_err = std::fmax(max_err, r.max_abs_err);
        ok = ok && r.ok;
    };
    auto leaf = [&](const Shape& s) { return Tensor::randn(s, rng).requires_grad_(); };
    run("matmul [2, 3, 4] x [4, 5]", {leaf({2, 3, 4}), leaf({4, 5})},
        [](const std::vector<Tensor>& t) { return matmul(t[0], t[1]); });
    run("matmul [2, 1, 3, 4] x [3, 4, 2] (batch broadcast)", {leaf({2, 1, 3, 4}), leaf({3, 4, 2})},
        [](const std::vector<Tensor>& t) { return matmul(t[0], t[1]); });
    run("softmax [3, 5] along dim 1", {leaf({3, 5})}, [](const std::vector<Tensor>& t) { return softmax(t[0], 1); });
    run("softmax [3, 5] along dim 0", {leaf({3, 5})}, [](const std::vector<Tensor>& t) { return softmax(t[0], 0); });
    run("layer_norm [2, 3, 6] with weight and bias", {leaf({2, 3, 6}), leaf({6}), leaf({6})},
        [](const std::vector<Tensor>& t) { return layer_norm(t[0], t[1], t[2]); });
    claim(ok, "gradcheck passes on 5 uses of matmul, softmax and layer_norm (%d elements, max |diff| = %.1e)", checked,
          max_err);
    return claim.summary();
}
