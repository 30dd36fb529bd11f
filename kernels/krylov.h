/* The Krylov path of the linear solver of the implicit methods (kernels/linsolve.h, selected by
 * BO_LINSOLVE 1, setting linear_solver=krylov): the same interface as the dense LU, solving
 * M x = b with M = c*I - J(t, y) without ever forming J.
 *
 *   bo_ls_jacobian  records the point: a copy of y (persistent, so a retried step from the same
 *                   point reuses it) and, with the Jacobi preconditioner, the symbolic diagonal
 *                   J_ii(t, y) from bo_model_jacobian_diag;
 *   bo_ls_factor    stores c and builds the preconditioner P = diag(c - J_ii); never fails (a
 *                   singular M shows in the solve as a breakdown);
 *   bo_ls_solve     restarted GMRES(m) from a zero initial guess, products M v = c v - J v with
 *                   the exact, generated bo_model_jvp at the recorded y and the p, drv and t
 *                   given to the solve (those given to bo_ls_jacobian, as linsolve.h says).
 *
 * GMRES follows Saad, Iterative Methods for Sparse Linear Systems, 2nd ed. (SIAM 2003): Arnoldi
 * with modified Gram-Schmidt (Alg. 6.2), the least-squares problem kept triangular by Givens
 * rotations as the basis grows (Alg. 6.9 and eqs. (6.31)-(6.35): |g_{j+1}| is the residual
 * norm of the current iterate, so convergence is known without forming x), and right
 * preconditioning (Alg. 9.5): GMRES runs on M P^{-1} u = b and x = P^{-1} u, so the residual
 * it minimises and tests is the true residual b - M x, not a preconditioned one. The test is
 * |b - M x|_2 <= BO_KRYLOV_TOL |b|_2. Each restart recomputes the true residual, and a cycle
 * that ends on the iteration limit checks it once more before failing. At most
 * BO_KRYLOV_MAX_ITERS Arnoldi steps are taken per solve, over all restarts.
 *
 * Outcomes: 0 when the tolerance is met, including a "lucky" breakdown (h_{j+1,j} = 0: the
 * Krylov space is invariant and the iterate solves the system); BO_RUN_MAX_LINEAR_ITERS when
 * the limit is reached; BO_RUN_LINEAR_BREAKDOWN when the rotated Hessenberg matrix is singular
 * (the Krylov space is invariant but b is not reached: M is singular on it) or when a value is
 * not finite (NaN or infinity in b, J v or the iterate). After a failure x holds no usable
 * solution. ws.iters counts the Arnoldi steps of the last solve (tests, diagnostics).
 *
 * Jacobi preconditioner (BO_PRECOND 1): P^{-1} = diag(1 / (c - J_ii)); a row whose c - J_ii is
 * zero, not finite or subnormal (its reciprocal would overflow) uses 1 instead, so P stays
 * finite and invertible and GMRES sees that row unpreconditioned.
 *
 * Memory per run: the basis holds (m + 1) * n values with m = min(BO_KRYLOV_RESTART, n) (a
 * Krylov space of an n-dimensional system never needs more than n vectors), plus the
 * triangular factor and rotations (m^2 + 4m + 1), two work vectors (2n) and, with Jacobi, 2n
 * for the diagonal and its reciprocal; the copy of y (n) and the diagonal persist.
 *
 * bo_ls_solve is BO_DEVICE_NOINLINE: a method calls it once per stage or Newton iteration, and
 * one copy of GMRES serves them all instead of one inlined copy per call site.
 *
 * Needs, defined earlier: BO_N, BO_LINSOLVE, BO_PRECOND, BO_KRYLOV_TOL, BO_KRYLOV_MAX_ITERS,
 * BO_KRYLOV_RESTART, the model functions (bo_model_jvp, bo_model_jacobian_diag) and the
 * allocators of owner "linear_solver" that src/methods/algorithm.c registers. */
#ifndef BO_KRYLOV_H
#define BO_KRYLOV_H

#if BO_LINSOLVE == 1

/* The vector loops of the solve run over BO_N entries of the basis, which is indexed at run
 * time and so lives in memory, not registers, on every backend: full unrolling would only
 * multiply the code (a dozen loops; a 40-state model took 7 s instead of 0.3 s with gcc -O2),
 * so they unroll by 4 for instruction-level parallelism. The point and the preconditioner,
 * which touch the caller's arrays, unroll fully (BO_UNROLL). */
#if BO_CUDA || defined(__clang__)
#define BO_KRYLOV_UNROLL BO_PRAGMA(unroll 4)
#elif defined(__GNUC__)
#define BO_KRYLOV_UNROLL BO_PRAGMA(GCC unroll 4)
#else
#define BO_KRYLOV_UNROLL
#endif

#define BO_KRYLOV_M (BO_KRYLOV_RESTART < BO_N ? BO_KRYLOV_RESTART : BO_N)

/* The smallest normal and the largest finite value: the reciprocal of any value between them
 * is finite (a subnormal's is not). */
#if BO_PRECISION == 32
#define BO_KRYLOV_TINY BO_C(1.1754943508222875e-38)
#define BO_KRYLOV_HUGE BO_C(3.4028234663852886e38)
#else
#define BO_KRYLOV_TINY BO_C(2.2250738585072014e-308)
#define BO_KRYLOV_HUGE BO_C(1.7976931348623157e308)
#endif

typedef struct {
    bo_real *y;       /* the recorded point (BO_N), persistent */
    bo_real *diag;    /* J_ii at the point (BO_N with Jacobi), persistent */
    bo_real *precond; /* 1 / (c - J_ii) or 1 (BO_N with Jacobi) */
    bo_real *basis;   /* the Arnoldi vectors, (BO_KRYLOV_M + 1) * BO_N */
    bo_real *hess;    /* columns of the rotated Hessenberg matrix, (M + 1) each, then the M
                         cosines, the M sines and the M + 1 entries of g */
    bo_real *work;    /* the right-hand side b, then a scratch vector (2 * BO_N) */
    bo_real c;        /* the shift of the last bo_ls_factor */
    int iters;        /* Arnoldi steps of the last bo_ls_solve */
} bo_ls_ws;

#define BO_LS_WORKSPACE(ws, ls_shared, ls_persistent)                                              \
    BO_ALLOC_linear_solver_krylov_point(ws##_kp, ls_shared, ls_persistent);                        \
    BO_ALLOC_linear_solver_krylov_diag(ws##_kd, ls_shared, ls_persistent);                         \
    BO_ALLOC_linear_solver_krylov_precond(ws##_kc, ls_shared, ls_persistent);                      \
    BO_ALLOC_linear_solver_krylov_basis(ws##_kb, ls_shared, ls_persistent);                        \
    BO_ALLOC_linear_solver_krylov_hessenberg(ws##_kh, ls_shared, ls_persistent);                   \
    BO_ALLOC_linear_solver_krylov_work(ws##_kw, ls_shared, ls_persistent);                         \
    (void)(ls_shared);                                                                             \
    (void)(ls_persistent);                                                                         \
    bo_ls_ws ws;                                                                                   \
    ws.y = ws##_kp;                                                                                \
    ws.diag = ws##_kd;                                                                             \
    ws.precond = ws##_kc;                                                                          \
    ws.basis = ws##_kb;                                                                            \
    ws.hess = ws##_kh;                                                                             \
    ws.work = ws##_kw;                                                                             \
    ws.c = BO_C(0);                                                                                \
    ws.iters = 0

BO_DEVICE void bo_ls_jacobian(bo_ls_ws *ws, const bo_real *y, const bo_real *p, const bo_real *drv,
                              bo_real t)
{
    BO_UNROLL
    for (int i = 0; i < BO_N; ++i)
        ws->y[i] = y[i];
#if BO_PRECOND == 1
    bo_model_jacobian_diag(y, p, drv, t, ws->diag);
#else
    (void)p;
    (void)drv;
    (void)t;
#endif
}

BO_DEVICE int bo_ls_factor(bo_ls_ws *ws, bo_real c)
{
    ws->c = c;
#if BO_PRECOND == 1
    BO_UNROLL
    for (int i = 0; i < BO_N; ++i) {
        const bo_real d = c - ws->diag[i];
        const bo_real ad = BO_FABS(d);
        /* Comparisons reject NaN too; no division happens on a rejected row, so a finite
         * problem raises no floating-point exception here. */
        const int usable = ad >= BO_KRYLOV_TINY && ad <= BO_KRYLOV_HUGE;
        ws->precond[i] = usable ? BO_C(1) / d : BO_C(1);
    }
#endif
    return 0;
}

/* P^{-1} v: written to z and returned with Jacobi; v itself without a preconditioner. */
BO_DEVICE const bo_real *bo_krylov_precond(const bo_ls_ws *ws, const bo_real *v, bo_real *z)
{
#if BO_PRECOND == 1
    BO_KRYLOV_UNROLL
    for (int i = 0; i < BO_N; ++i)
        z[i] = ws->precond[i] * v[i];
    return z;
#else
    (void)ws;
    (void)z;
    return v;
#endif
}

/* w <- M z = c z - J z (w must not overlap z). */
BO_DEVICE void bo_krylov_apply(const bo_ls_ws *ws, const bo_real *p, const bo_real *drv, bo_real t,
                               const bo_real *z, bo_real *w)
{
    bo_model_jvp(ws->y, p, drv, t, z, w);
    BO_KRYLOV_UNROLL
    for (int i = 0; i < BO_N; ++i)
        w[i] = ws->c * z[i] - w[i];
}

/* The 2-norm, scaled by the largest magnitude so that float32 squares cannot overflow (the
 * vectors of a stiff step reach 1/dt). NaN or infinity in v gives a non-finite result. */
BO_DEVICE bo_real bo_krylov_norm(const bo_real *v)
{
    bo_real big = BO_C(0);
    BO_KRYLOV_UNROLL
    for (int i = 0; i < BO_N; ++i)
        big = bo_max(big, BO_FABS(v[i]));
    if (!(big > BO_C(0)) || !bo_isfinite(big))
        return big;
    const bo_real s = BO_C(1) / big;
    bo_real sum = BO_C(0);
    BO_KRYLOV_UNROLL
    for (int i = 0; i < BO_N; ++i) {
        const bo_real q = v[i] * s;
        sum += q * q;
    }
    return big * BO_SQRT(sum);
}

BO_DEVICE_NOINLINE int bo_ls_solve(bo_ls_ws *ws, const bo_real *p, const bo_real *drv, bo_real t,
                                   bo_real *x)
{
    const int m = BO_KRYLOV_M;
    bo_real *b = ws->work;
    bo_real *z = ws->work + BO_N;
    bo_real *cs = ws->hess + (m + 1) * m;
    bo_real *sn = cs + m;
    bo_real *g = sn + m;
    ws->iters = 0;
    BO_KRYLOV_UNROLL
    for (int i = 0; i < BO_N; ++i) {
        b[i] = x[i];
        x[i] = BO_C(0);
    }
    const bo_real bnorm = bo_krylov_norm(b);
    if (!bo_isfinite(bnorm))
        return BO_RUN_LINEAR_BREAKDOWN;
    if (bnorm == BO_C(0))
        return 0;
    const bo_real target = BO_KRYLOV_TOL * bnorm;
    for (int cycle = 0;; ++cycle) {
        /* r0 = b - M x: b itself on the first cycle (x = 0), recomputed on a restart so that
         * rounding in the recurrences cannot hide a stagnating true residual. */
        bo_real *v0 = ws->basis;
        if (cycle == 0) {
            BO_KRYLOV_UNROLL
            for (int i = 0; i < BO_N; ++i)
                v0[i] = b[i];
        } else {
            bo_krylov_apply(ws, p, drv, t, x, v0);
            BO_KRYLOV_UNROLL
            for (int i = 0; i < BO_N; ++i)
                v0[i] = b[i] - v0[i];
        }
        const bo_real beta = cycle == 0 ? bnorm : bo_krylov_norm(v0);
        if (!bo_isfinite(beta))
            return BO_RUN_LINEAR_BREAKDOWN;
        if (beta <= target)
            return 0;
        if (ws->iters >= BO_KRYLOV_MAX_ITERS)
            return BO_RUN_MAX_LINEAR_ITERS;
        {
            const bo_real s = BO_C(1) / beta;
            BO_KRYLOV_UNROLL
            for (int i = 0; i < BO_N; ++i)
                v0[i] *= s;
        }
        g[0] = beta;
        int k = 0, converged = 0;
        while (k < m && ws->iters < BO_KRYLOV_MAX_ITERS) {
            const int j = k;
            bo_real *h = ws->hess + j * (m + 1);
            bo_real *w = ws->basis + (j + 1) * BO_N;
            ws->iters += 1;
            bo_krylov_apply(ws, p, drv, t, bo_krylov_precond(ws, ws->basis + j * BO_N, z), w);
            /* Modified Gram-Schmidt: each projection uses the already reduced w. */
            for (int i = 0; i <= j; ++i) {
                const bo_real *vi = ws->basis + i * BO_N;
                bo_real dot = BO_C(0);
                BO_KRYLOV_UNROLL
                for (int q = 0; q < BO_N; ++q)
                    dot += w[q] * vi[q];
                h[i] = dot;
                BO_KRYLOV_UNROLL
                for (int q = 0; q < BO_N; ++q)
                    w[q] -= dot * vi[q];
            }
            const bo_real hn = bo_krylov_norm(w);
            if (!bo_isfinite(hn))
                return BO_RUN_LINEAR_BREAKDOWN;
            /* The earlier rotations, then the one that annihilates h_{j+1,j} (Saad (6.31)). */
            for (int i = 0; i < j; ++i) {
                const bo_real hi = h[i], hi1 = h[i + 1];
                h[i] = cs[i] * hi + sn[i] * hi1;
                h[i + 1] = cs[i] * hi1 - sn[i] * hi;
            }
            const bo_real d = BO_HYPOT(h[j], hn);
            if (!(d > BO_C(0)) || !bo_isfinite(d))
                return BO_RUN_LINEAR_BREAKDOWN; /* singular on an invariant space, or NaN */
            cs[j] = h[j] / d;
            sn[j] = hn / d;
            h[j] = d;
            g[j + 1] = -sn[j] * g[j];
            g[j] = cs[j] * g[j];
            k = j + 1;
            if (BO_FABS(g[j + 1]) <= target) {
                converged = 1; /* includes the lucky breakdown hn == 0 */
                break;
            }
            const bo_real s = BO_C(1) / hn;
            BO_KRYLOV_UNROLL
            for (int q = 0; q < BO_N; ++q)
                w[q] *= s;
        }
        /* y = R^{-1} g by back substitution (in g), then x += P^{-1} V y. */
        for (int i = k - 1; i >= 0; --i) {
            bo_real s = g[i];
            for (int l = i + 1; l < k; ++l)
                s -= ws->hess[l * (m + 1) + i] * g[l];
            g[i] = s / ws->hess[i * (m + 1) + i];
        }
        BO_KRYLOV_UNROLL
        for (int q = 0; q < BO_N; ++q)
            z[q] = BO_C(0);
        for (int i = 0; i < k; ++i) {
            const bo_real *vi = ws->basis + i * BO_N;
            const bo_real yi = g[i];
            BO_KRYLOV_UNROLL
            for (int q = 0; q < BO_N; ++q)
                z[q] += yi * vi[q];
        }
        /* v0 is no longer needed: P^{-1} (V y) goes through it. */
        const bo_real *u = bo_krylov_precond(ws, z, ws->basis);
        int finite = 1;
        BO_KRYLOV_UNROLL
        for (int q = 0; q < BO_N; ++q) {
            x[q] += u[q];
            finite &= bo_isfinite(x[q]);
        }
        if (!finite)
            return BO_RUN_LINEAR_BREAKDOWN;
        if (converged)
            return 0;
    }
}

#endif

#endif
