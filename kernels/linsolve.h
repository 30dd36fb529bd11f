/* The linear solver of the implicit methods: systems with the iteration matrix
 * M = c*I - J(t, y), J = df/dy, for a shift c the method chooses (1/(gamma*dt) for SDIRK and
 * Rosenbrock stages). One interface, two implementations chosen at compile time by
 * BO_LINSOLVE (src/methods/algorithm.c, setting linear_solver):
 *
 *   BO_LS_WORKSPACE(ws, ls_shared, ls_persistent)  declares the workspace `bo_ls_ws ws` over
 *       the registered buffers of owner "linear_solver" (the caller's scope must outlive every
 *       use: declare it in the step function);
 *   bo_ls_jacobian(&ws, y, p, drv, t)   evaluate (dense) or record (Krylov) J at (t, y);
 *   bo_ls_factor(&ws, c)                prepare M = c*I - J: LU with partial pivoting (dense)
 *                                       or the preconditioner (Krylov); returns 0 or
 *                                       BO_RUN_SINGULAR;
 *   bo_ls_solve(&ws, p, drv, t, x)      x <- M^{-1} x; returns 0 or BO_RUN_* bits. p, drv
 *                                       and t must be those given to bo_ls_jacobian: the
 *                                       Krylov path evaluates J v at the recorded y with them.
 *
 * The dense path also offers one step of iterative refinement (BO_LS_REFINE 1; the Krylov path,
 * which solves only to krylov_tolerance, defines it 0):
 *
 *   bo_ls_refine(&ws, y, p, drv, t, b, x, r)   x <- x + M^{-1} (b - (c x - J x)), where J x is
 *                                       the generated Jacobian-vector product bo_model_jvp at
 *                                       the Jacobian's point, not the stored matrix;
 *   bo_ls_rounding_bound(&ws, xmax, bmax)  n u (xmax + bmax / c) (u the unit roundoff): what
 *                                       rounding of the equation's terms (c x, b and
 *                                       J x = c x - b, each at most c xmax + bmax) can move
 *                                       the solution along a null direction of J, where
 *                                       |M^{-1}| = 1/c. Cancellation inside J x is not seen.
 *
 * Why the residual comes from bo_model_jvp: with c = 1/(h gamma) small against |J|, M is nearly
 * singular along every left null vector w of J (w^T J = 0: a linear invariant w^T y of the
 * model), so an error e in the equation moves w^T x by w^T e / c = h gamma w^T e. The stored J
 * is itself rounded entry by entry (a Jacobian row that is the difference of two others, as in
 * y3' = y2' - y4', is exact only up to one rounding), so a residual b - c x + (stored J) x
 * reproduces its error; the generated product evaluates the model's own expressions in the
 * direction x, where such a row is again the difference of the same two computed values.
 *
 * Dense path (BO_LINSOLVE 0): the Jacobian comes from the symbolic core
 * (bo_model_jacobian), so structural zeros are compile-time zeros. The factorisation is
 * Doolittle LU with partial pivoting (Golub & Van Loan, Matrix Computations, 4th ed.,
 * Alg. 3.4.1). Up to BO_LU_UNROLL_MAX states it is fully unrolled and rows are exchanged by
 * selects over every candidate row rather than by indexing with the pivot, so every array
 * index is a compile-time constant and the matrix can stay in registers on the GPU; the cost
 * is n^3/3 selects beside the n^3/3 multiply-adds. Larger systems keep the loops rolled. The
 * reciprocals of the pivots replace the diagonal, so a solve has no division. BO_DEFINE_LU(name, N)
 * generates the same pair for any size (a method that solves a 2n-dimensional real form of a
 * complex system uses it).
 *
 * Krylov path (BO_LINSOLVE 1): kernels/krylov.h, pasted right after this file, defines the
 * same interface with matrix-free GMRES; the two blocks are alternatives and the methods never
 * see which one is active.
 *
 * Needs, defined earlier: BO_N, the model functions, BO_LINSOLVE, and the allocators of the
 * buffers src/methods/algorithm.c registers under owner "linear_solver". */
#ifndef BO_LINSOLVE_H
#define BO_LINSOLVE_H

/* Full unrolling pays while the factors fit in registers; past BO_LU_UNROLL_MAX states the
 * unrolled code grows like n^3 (a 24-state Rodas5P program took 30 s to compile with cc
 * -O2, against 1.3 s at 8 states) while the matrix lives in local memory anyway. Larger
 * systems therefore keep the loops rolled and exchange rows by index. */
#ifndef BO_LU_UNROLL_MAX
#define BO_LU_UNROLL_MAX 8
#endif
#if BO_N <= BO_LU_UNROLL_MAX
#define BO_LU_UNROLL BO_UNROLL
#define BO_LU_SELECT_SWAP 1
#else
#define BO_LU_UNROLL BO_NO_UNROLL
#define BO_LU_SELECT_SWAP 0
#endif

/* NAME_factor(a, piv): factor the N x N row-major a in place (L below the diagonal, U above,
 * 1/u_kk on it) and record the row exchanged with row k in piv[k]. Returns BO_RUN_SINGULAR
 * when a pivot is zero or not finite (the factors are then unusable), else 0.
 * NAME_solve(a, piv, x): x <- A^{-1} x with the factors. Unrolled with select exchanges when
 * the model has at most BO_LU_UNROLL_MAX states, rolled with indexed exchanges otherwise. */
#define BO_DEFINE_LU(NAME, N)                                                                      \
    BO_DEVICE int NAME##_factor(bo_real *a, bo_real *piv)                                          \
    {                                                                                              \
        int bad = 0;                                                                               \
        BO_LU_UNROLL                                                                               \
        for (int k = 0; k < (N); ++k) {                                                            \
            int pr = k;                                                                            \
            bo_real pv = BO_FABS(a[k * (N) + k]);                                                  \
            BO_LU_UNROLL                                                                           \
            for (int i = k + 1; i < (N); ++i) {                                                    \
                const bo_real v = BO_FABS(a[i * (N) + k]);                                         \
                if (v > pv) {                                                                      \
                    pv = v;                                                                        \
                    pr = i;                                                                        \
                }                                                                                  \
            }                                                                                      \
            piv[k] = (bo_real)pr;                                                                  \
            if (BO_LU_SELECT_SWAP) {                                                               \
                BO_LU_UNROLL                                                                       \
                for (int i = k + 1; i < (N); ++i) {                                                \
                    const int sw = pr == i;                                                        \
                    BO_LU_UNROLL                                                                   \
                    for (int j = 0; j < (N); ++j) {                                                \
                        const bo_real ak = a[k * (N) + j], ai = a[i * (N) + j];                    \
                        a[k * (N) + j] = sw ? ai : ak;                                             \
                        a[i * (N) + j] = sw ? ak : ai;                                             \
                    }                                                                              \
                }                                                                                  \
            } else if (pr != k) {                                                                  \
                BO_LU_UNROLL                                                                       \
                for (int j = 0; j < (N); ++j) {                                                    \
                    const bo_real ak = a[k * (N) + j];                                             \
                    a[k * (N) + j] = a[pr * (N) + j];                                              \
                    a[pr * (N) + j] = ak;                                                          \
                }                                                                                  \
            }                                                                                      \
            bad |= !(pv > BO_C(0)) || !bo_isfinite(pv);                                            \
            const bo_real inv = BO_C(1) / a[k * (N) + k];                                          \
            a[k * (N) + k] = inv;                                                                  \
            BO_LU_UNROLL                                                                           \
            for (int i = k + 1; i < (N); ++i) {                                                    \
                const bo_real l = a[i * (N) + k] * inv;                                            \
                a[i * (N) + k] = l;                                                                \
                BO_LU_UNROLL                                                                       \
                for (int j = k + 1; j < (N); ++j)                                                  \
                    a[i * (N) + j] -= l * a[k * (N) + j];                                          \
            }                                                                                      \
        }                                                                                          \
        return bad ? BO_RUN_SINGULAR : 0;                                                          \
    }                                                                                              \
    BO_DEVICE void NAME##_solve(const bo_real *a, const bo_real *piv, bo_real *x)                  \
    {                                                                                              \
        BO_LU_UNROLL                                                                               \
        for (int k = 0; k < (N); ++k) {                                                            \
            if (BO_LU_SELECT_SWAP) {                                                               \
                BO_LU_UNROLL                                                                       \
                for (int i = k + 1; i < (N); ++i) {                                                \
                    const int sw = piv[k] == (bo_real)i;                                           \
                    const bo_real xk = x[k], xi = x[i];                                            \
                    x[k] = sw ? xi : xk;                                                           \
                    x[i] = sw ? xk : xi;                                                           \
                }                                                                                  \
            } else {                                                                               \
                const int pk = (int)piv[k];                                                        \
                const bo_real xk = x[k];                                                           \
                x[k] = x[pk];                                                                      \
                x[pk] = xk;                                                                        \
            }                                                                                      \
        }                                                                                          \
        BO_LU_UNROLL                                                                               \
        for (int i = 1; i < (N); ++i) {                                                            \
            bo_real s = x[i];                                                                      \
            BO_LU_UNROLL                                                                           \
            for (int j = 0; j < i; ++j)                                                            \
                s -= a[i * (N) + j] * x[j];                                                        \
            x[i] = s;                                                                              \
        }                                                                                          \
        BO_LU_UNROLL                                                                               \
        for (int i = (N)-1; i >= 0; --i) {                                                         \
            bo_real s = x[i];                                                                      \
            BO_LU_UNROLL                                                                           \
            for (int j = i + 1; j < (N); ++j)                                                      \
                s -= a[i * (N) + j] * x[j];                                                        \
            x[i] = s * a[i * (N) + i];                                                             \
        }                                                                                          \
    }

#if BO_LINSOLVE == 0

BO_DEFINE_LU(bo_lu, BO_N)

#define BO_LS_REFINE 1

/* The unit roundoff of bo_real (2^-24, 2^-53). */
#if BO_PRECISION == 32
#define BO_LS_UROUND BO_C(5.9604644775390625e-8)
#else
#define BO_LS_UROUND BO_C(1.1102230246251565e-16)
#endif

typedef struct {
    bo_real *jac; /* J, n*n row-major */
    bo_real *lu;  /* factors of c*I - J (n*n), then n pivot rows */
    bo_real c;    /* the shift of the last bo_ls_factor */
} bo_ls_ws;

#define BO_LS_WORKSPACE(ws, ls_shared, ls_persistent)                                              \
    BO_ALLOC_linear_solver_jacobian(ws##_jac, ls_shared, ls_persistent);                           \
    BO_ALLOC_linear_solver_lu(ws##_lu, ls_shared, ls_persistent);                                  \
    bo_ls_ws ws;                                                                                   \
    ws.jac = ws##_jac;                                                                             \
    ws.lu = ws##_lu;                                                                               \
    ws.c = BO_C(0)

BO_DEVICE void bo_ls_jacobian(bo_ls_ws *ws, const bo_real *y, const bo_real *p, const bo_real *drv,
                              bo_real t)
{
    bo_model_jacobian(y, p, drv, t, ws->jac);
}

BO_DEVICE int bo_ls_factor(bo_ls_ws *ws, bo_real c)
{
    BO_UNROLL
    for (int i = 0; i < BO_N; ++i) {
        BO_UNROLL
        for (int j = 0; j < BO_N; ++j)
            ws->lu[i * BO_N + j] = (i == j ? c : BO_C(0)) - ws->jac[i * BO_N + j];
    }
    ws->c = c;
    return bo_lu_factor(ws->lu, ws->lu + BO_N * BO_N);
}

BO_DEVICE int bo_ls_solve(bo_ls_ws *ws, const bo_real *p, const bo_real *drv, bo_real t, bo_real *x)
{
    (void)p;
    (void)drv;
    (void)t;
    bo_lu_solve(ws->lu, ws->lu + BO_N * BO_N, x);
    return 0;
}

/* How far rounding can move a solution x of M x = b along a null direction of J, where
 * |M^{-1}| = 1/c: errors of n u times the equation's terms, c |x|, |b| and |J x| <= c |x| + |b|
 * (xmax = max |x_i|, bmax = max |b_i|). It costs nothing beyond the two maxima, where
 * n u |J| |x| / c would need |J| (n^2 more operations per factorisation, 8% of a Rodas5P
 * step at 8 to 15 states), and it misses only cancellation inside J x. Not finite when x or
 * b is not. */
BO_DEVICE bo_real bo_ls_rounding_bound(const bo_ls_ws *ws, bo_real xmax, bo_real bmax)
{
    return (bo_real)BO_N * BO_LS_UROUND * (xmax + bmax / ws->c);
}

/* One step of iterative refinement of x ~ M^{-1} b (see the top of this file): r receives the
 * residual b - (c x - J x), with J x from bo_model_jvp at (t, y) and the drivers drv given to
 * bo_ls_jacobian, then the correction M^{-1} r, which is added to x. r is n values of scratch,
 * distinct from b and x. */
BO_DEVICE void bo_ls_refine(const bo_ls_ws *ws, const bo_real *BO_RESTRICT y,
                            const bo_real *BO_RESTRICT p, const bo_real *BO_RESTRICT drv, bo_real t,
                            const bo_real *BO_RESTRICT b, bo_real *BO_RESTRICT x,
                            bo_real *BO_RESTRICT r)
{
    bo_model_jvp(y, p, drv, t, x, r);
    BO_UNROLL
    for (int i = 0; i < BO_N; ++i)
        r[i] = (b[i] - ws->c * x[i]) + r[i];
    bo_lu_solve(ws->lu, ws->lu + BO_N * BO_N, r);
    BO_UNROLL
    for (int i = 0; i < BO_N; ++i)
        x[i] += r[i];
}

#else
#define BO_LS_REFINE 0
#endif

#endif
