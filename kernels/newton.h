/* Convergence monitoring of the simplified Newton iterations of the implicit methods
 * (Hairer & Wanner, Solving ODEs II, 2nd ed., IV.8, "Stopping criterion", eqs. (8.10)-(8.12),
 * and RADAU5's implementation). After iteration k with update norm |dz_k| (the weighted RMS
 * norm below, so 1 means "as large as the error tolerance"), the contraction rate is
 * theta_k = |dz_k| / |dz_{k-1}|, and eta_k = theta_k / (1 - theta_k) bounds the remaining
 * error by eta_k |dz_k|. The iteration
 *   - has converged when eta_k |dz_k| <= BO_NEWTON_TOL (setting newton_tolerance);
 *   - diverges when theta_k >= 1, or when even at rate theta_k the remaining iterations cannot
 *     reach the tolerance: theta_k^(kmax - k) / (1 - theta_k) |dz_k| > BO_NEWTON_TOL;
 *   - has failed when kmax = BO_CTRL_MAX_NEWTON_ITERS iterations did not converge.
 * Before a rate is known (the first iteration of a solve), eta is the previous solve's eta
 * raised to 0.8 and kept above the unit roundoff (Hairer & Wanner's choice), or 1 on the
 * first solve of a run, so a good previous rate lets an exact (linear) problem stop after one
 * iteration, while a first solve needs a second iteration to measure the rate.
 *
 * Needs, defined earlier: BO_N, bo_ctrl_atol[], bo_ctrl_rtol[], BO_NEWTON_TOL,
 * BO_CTRL_MAX_NEWTON_ITERS. */
#ifndef BO_NEWTON_H
#define BO_NEWTON_H

#if BO_PRECISION == 32
#define BO_NEWTON_UROUND BO_C(1.2e-7)
#else
#define BO_NEWTON_UROUND BO_C(2.3e-16)
#endif

typedef struct {
    bo_real eta;       /* carried from the previous solve (persistent across steps) */
    bo_real prev_norm; /* |dz_{k-1}| */
    int iter;          /* iterations done in this solve */
} bo_newton;

/* Weighted RMS norm of v with the error tolerances at y: sqrt(mean((v_i / sc_i)^2)),
 * sc_i = atol_i + rtol_i |y_i|. */
BO_DEVICE bo_real bo_newton_norm(const bo_real *v, const bo_real *y)
{
    bo_real s = BO_C(0);
    BO_UNROLL
    for (int i = 0; i < BO_N; ++i) {
        const bo_real q = v[i] / (bo_ctrl_atol[i] + bo_ctrl_rtol[i] * BO_FABS(y[i]));
        s += q * q;
    }
    return BO_SQRT(s / BO_C(BO_N));
}

/* Start a solve. eta_prev: the eta the previous solve ended with (<= 0 when there is none). */
BO_DEVICE void bo_newton_begin(bo_newton *nw, bo_real eta_prev)
{
    nw->eta = eta_prev > BO_C(0) ? BO_POW(bo_max(eta_prev, BO_NEWTON_UROUND), BO_C(0.8)) : BO_C(1);
    nw->prev_norm = BO_C(0);
    nw->iter = 0;
}

/* Account for one iteration whose update has norm dnorm. Returns 1 when converged, 0 to go
 * on, or BO_RUN_NEWTON_DIVERGENCE / BO_RUN_MAX_NEWTON_ITERS (as a negative number) when the
 * solve has failed. */
BO_DEVICE int bo_newton_check(bo_newton *nw, bo_real dnorm)
{
    const int k = nw->iter;
    nw->iter = k + 1;
    if (!bo_isfinite(dnorm))
        return -BO_RUN_NEWTON_DIVERGENCE;
    if (k > 0) {
        const bo_real theta = dnorm / nw->prev_norm;
        if (!(theta < BO_C(0.99)))
            return dnorm == BO_C(0) ? 1 : -BO_RUN_NEWTON_DIVERGENCE;
        const int left = BO_CTRL_MAX_NEWTON_ITERS - 1 - k;
        if (left > 0 && BO_POW(theta, (bo_real)left) / (BO_C(1) - theta) * dnorm > BO_NEWTON_TOL)
            return -BO_RUN_NEWTON_DIVERGENCE;
        nw->eta = theta / (BO_C(1) - theta);
    }
    nw->prev_norm = dnorm;
    if (nw->eta * dnorm <= BO_NEWTON_TOL || dnorm == BO_C(0))
        return 1;
    if (nw->iter >= BO_CTRL_MAX_NEWTON_ITERS)
        return -BO_RUN_MAX_NEWTON_ITERS;
    return 0;
}

#endif
