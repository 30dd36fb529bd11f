/* Radau IIA of order 5 (three stages), implemented as Hairer & Wanner's RADAU5 (Solving ODEs
 * II, 2nd ed., IV.8, and radau5.f): the stage increments Z = (z1, z2, z3), z_i = Y_i - y, solve
 * Z = dt (A x I) F(Z) by simplified Newton with the Jacobian J at (t, y). With
 * T^{-1} A^{-1} T = [[gamma, 0, 0], [0, alpha, -beta], [0, beta, alpha]] and W = (T^{-1} x I) Z,
 * one iteration (eq. (8.16)) is
 *   ((gamma/dt) I - J) dW1                    = r1 = (T^{-1} F)_1 - (gamma/dt) W1
 *   (((alpha + i beta)/dt) I - J)(dW2 + i dW3) = r2 + i r3,
 *   r2 + i r3 = (T^{-1} F)_2 + i (T^{-1} F)_3 - ((alpha + i beta)/dt)(W2 + i W3),
 * so each iteration solves one real and one complex n x n system. The real one goes through
 * kernels/linsolve.h (bo_ls_factor with shift gamma/dt); the complex one through the complex LU
 * below, on the n x n complex matrix rather than on its 2n x 2n real form: the elimination is
 * n^3/3 complex multiply-adds (8n^3/3 real flops) against (2n)^3/3 real ones (16n^3/3 flops),
 * with the same 2n^2 values held, and a quarter of the row-exchange selects (2n^3 against
 * 8n^3). One Jacobian per step (reused on BO_STEP_RETRY, when (t, y) is the same), both
 * factorisations once per attempt.
 *
 * Starting values: W = 0 on the first step of a run and after a failed Newton solve;
 * otherwise the collocation polynomial of the last converged attempt (the cubic through
 * (0, 0), (c1, z1), (c2, z2), (1, z3) over that attempt's step h_p), as radau5.f does: after
 * an accepted attempt it is extrapolated to t + c_i dt (s = 1 + c_i dt/h_p, minus z3), after a
 * rejected one it is interpolated (s = c_i dt/h_p: the retry starts from the same point).
 *
 * Newton convergence: kernels/newton.h's monitor on the weighted RMS norm of dW over all 3n
 * components (radau5.f measures the transformed increments too), its eta persistent between
 * steps. *niters = iterations used.
 *
 * Error estimate (adaptive controllers only; eqs. (8.19)-(8.20)):
 *   err = ((gamma/dt) I - J)^{-1} (f(t, y) + (e1 z1 + e2 z2 + e3 z3)/dt),
 * reusing the real factors. On the first step of a run and after a rejection, when that
 * estimate would reject the step, it is recomputed once with f(t, y + err) in place of
 * f(t, y) (8.20), which removes the estimate's growth for very stiff components, as radau5.f
 * (ESTRAD) does.
 *
 * The run's first attempt carries BO_STEP_FIRST: persistent buffers are not initialised by the
 * loop, so that is where this engine resets its history. f(t, y) is not carried from the
 * previous step (it is evaluated at the start of every step that is not a retry, as radau5.f
 * does after each accepted step).
 *
 * Needs, defined earlier: BO_N, BO_MODEL_ND, the model functions (bo_model_dxdt,
 * bo_model_jacobian), bo_drivers_eval, the constants of tab_emit_radau (BO_RADAU_*),
 * kernels/linsolve.h with BO_LINSOLVE == 0, kernels/newton.h, kernels/controllers.h, and the
 * allocators of the buffers src/methods/alg_radau.c registers under owner "algorithm":
 *   radau_stages      3n      W, the transformed stage increments
 *   radau_rhs         3n      stage derivatives, then Newton right-hand sides and updates
 *   radau_state       n       a stage's state y + z_i; the estimate's f-term
 *   radau_lu_complex  2n^2+n  complex LU of ((alpha + i beta)/dt) I - J, pivot rows
 *   radau_f0          n       f(t, y), persistent (a retry reuses it); 0 under fixed steps
 *   radau_predictor   3n+1    the last converged Z and its step (0 = none), persistent
 *   radau_eta         1       the Newton monitor's eta, persistent
 * and the child "linear_solver" (pg_register_linsolve). */
#ifndef BO_RADAU_H
#define BO_RADAU_H

#if BO_LINSOLVE != 0
#error "radau.h: Radau IIA solves its complex system by dense LU; it needs linear_solver=dense"
#endif

/* The estimate is computed only for a controller that reads it. */
#define BO_RADAU_ESTIMATE (BO_CONTROLLER != BO_CTRL_FIXED)

/* Complex LU with partial pivoting of M = (ar + i ai) I - J, J real n x n row-major, into lc:
 * real parts (n*n), imaginary parts (n*n), pivot rows (n). The same scheme as kernels/
 * linsolve.h's BO_DEFINE_LU (Golub & Van Loan, Alg. 3.4.1): up to BO_LU_UNROLL_MAX states
 * unrolled with rows exchanged by selects so every index is a compile-time constant (rolled,
 * with indexed exchanges, above), the pivots' reciprocals stored on the diagonal. The
 * pivot is the largest |re| + |im| (as in Hairer's DECC), which needs no square root. Returns
 * BO_RUN_SINGULAR when a pivot is zero or not finite. */
BO_DEVICE int bo_radau_cfactor(bo_real *lc, const bo_real *jac, bo_real ar, bo_real ai)
{
    bo_real *re = lc, *im = lc + BO_N * BO_N, *piv = lc + 2 * BO_N * BO_N;
    int bad = 0;
    BO_LU_UNROLL
    for (int i = 0; i < BO_N; ++i) {
        BO_LU_UNROLL
        for (int j = 0; j < BO_N; ++j) {
            re[i * BO_N + j] = (i == j ? ar : BO_C(0)) - jac[i * BO_N + j];
            im[i * BO_N + j] = i == j ? ai : BO_C(0);
        }
    }
    BO_LU_UNROLL
    for (int k = 0; k < BO_N; ++k) {
        int pr = k;
        bo_real pv = BO_FABS(re[k * BO_N + k]) + BO_FABS(im[k * BO_N + k]);
        BO_LU_UNROLL
        for (int i = k + 1; i < BO_N; ++i) {
            const bo_real v = BO_FABS(re[i * BO_N + k]) + BO_FABS(im[i * BO_N + k]);
            if (v > pv) {
                pv = v;
                pr = i;
            }
        }
        piv[k] = (bo_real)pr;
        if (BO_LU_SELECT_SWAP) {
            BO_LU_UNROLL
            for (int i = k + 1; i < BO_N; ++i) {
                const int sw = pr == i;
                BO_LU_UNROLL
                for (int j = 0; j < BO_N; ++j) {
                    const bo_real rk = re[k * BO_N + j], ri = re[i * BO_N + j];
                    const bo_real ik = im[k * BO_N + j], ii = im[i * BO_N + j];
                    re[k * BO_N + j] = sw ? ri : rk;
                    re[i * BO_N + j] = sw ? rk : ri;
                    im[k * BO_N + j] = sw ? ii : ik;
                    im[i * BO_N + j] = sw ? ik : ii;
                }
            }
        } else if (pr != k) {
            BO_LU_UNROLL
            for (int j = 0; j < BO_N; ++j) {
                const bo_real rk = re[k * BO_N + j], ik = im[k * BO_N + j];
                re[k * BO_N + j] = re[pr * BO_N + j];
                im[k * BO_N + j] = im[pr * BO_N + j];
                re[pr * BO_N + j] = rk;
                im[pr * BO_N + j] = ik;
            }
        }
        bad |= !(pv > BO_C(0)) || !bo_isfinite(pv);
        /* 1/(a + ib) = (a - ib)/(a^2 + b^2), scaled by the pivot's size against overflow. */
        const bo_real pa = re[k * BO_N + k] / pv, pb = im[k * BO_N + k] / pv;
        const bo_real d = pv * (pa * pa + pb * pb);
        const bo_real inv_re = pa / d, inv_im = -pb / d;
        re[k * BO_N + k] = inv_re;
        im[k * BO_N + k] = inv_im;
        BO_LU_UNROLL
        for (int i = k + 1; i < BO_N; ++i) {
            const bo_real ar_ = re[i * BO_N + k], ai_ = im[i * BO_N + k];
            const bo_real lr = ar_ * inv_re - ai_ * inv_im, li = ar_ * inv_im + ai_ * inv_re;
            re[i * BO_N + k] = lr;
            im[i * BO_N + k] = li;
            BO_LU_UNROLL
            for (int j = k + 1; j < BO_N; ++j) {
                const bo_real ur = re[k * BO_N + j], ui = im[k * BO_N + j];
                re[i * BO_N + j] -= lr * ur - li * ui;
                im[i * BO_N + j] -= lr * ui + li * ur;
            }
        }
    }
    return bad ? BO_RUN_SINGULAR : 0;
}

/* (xr + i xi) <- M^{-1} (xr + i xi) with the factors of bo_radau_cfactor. */
BO_DEVICE void bo_radau_csolve(const bo_real *lc, bo_real *xr, bo_real *xi)
{
    const bo_real *re = lc, *im = lc + BO_N * BO_N, *piv = lc + 2 * BO_N * BO_N;
    BO_LU_UNROLL
    for (int k = 0; k < BO_N; ++k) {
        if (BO_LU_SELECT_SWAP) {
            BO_LU_UNROLL
            for (int i = k + 1; i < BO_N; ++i) {
                const int sw = piv[k] == (bo_real)i;
                const bo_real rk = xr[k], ri = xr[i], ik = xi[k], ii = xi[i];
                xr[k] = sw ? ri : rk;
                xr[i] = sw ? rk : ri;
                xi[k] = sw ? ii : ik;
                xi[i] = sw ? ik : ii;
            }
        } else {
            const int pk = (int)piv[k];
            const bo_real rk = xr[k], ik = xi[k];
            xr[k] = xr[pk];
            xi[k] = xi[pk];
            xr[pk] = rk;
            xi[pk] = ik;
        }
    }
    BO_LU_UNROLL
    for (int i = 1; i < BO_N; ++i) {
        bo_real sr = xr[i], si = xi[i];
        BO_LU_UNROLL
        for (int j = 0; j < i; ++j) {
            const bo_real lr = re[i * BO_N + j], li = im[i * BO_N + j];
            sr -= lr * xr[j] - li * xi[j];
            si -= lr * xi[j] + li * xr[j];
        }
        xr[i] = sr;
        xi[i] = si;
    }
    BO_LU_UNROLL
    for (int i = BO_N - 1; i >= 0; --i) {
        bo_real sr = xr[i], si = xi[i];
        BO_LU_UNROLL
        for (int j = i + 1; j < BO_N; ++j) {
            const bo_real ur = re[i * BO_N + j], ui = im[i * BO_N + j];
            sr -= ur * xr[j] - ui * xi[j];
            si -= ur * xi[j] + ui * xr[j];
        }
        const bo_real dr = re[i * BO_N + i], di = im[i * BO_N + i];
        xr[i] = sr * dr - si * di;
        xi[i] = sr * di + si * dr;
    }
}

/* The step entry point (src/methods/algorithm.h). */
#define BO_STEP_FSAL 1
BO_DEVICE int bo_step(const bo_real *BO_RESTRICT y, bo_real *BO_RESTRICT y_new,
                      bo_real *BO_RESTRICT err, const bo_real *BO_RESTRICT p,
                      const void *driver_data, bo_real t, bo_real dt, int flags, int *niters,
                      bo_real *shared, bo_real *persistent)
{
    BO_ALLOC_algorithm_radau_stages(w, shared, persistent);
    BO_ALLOC_algorithm_radau_rhs(f, shared, persistent);
    BO_ALLOC_algorithm_radau_state(ys, shared, persistent);
    BO_ALLOC_algorithm_radau_lu_complex(lc, shared, persistent);
    BO_ALLOC_algorithm_radau_f0(f0, shared, persistent);
    BO_ALLOC_algorithm_radau_predictor(pred, shared, persistent);
    BO_ALLOC_algorithm_radau_eta(eta, shared, persistent);
    bo_real *ls_sh = BO_CHILD_SHARED_algorithm_linear_solver(shared);
    bo_real *ls_pe = BO_CHILD_PERSISTENT_algorithm_linear_solver(persistent);
    BO_LS_WORKSPACE(ws, ls_sh, ls_pe);
    (void)ls_sh; /* a linear solver whose buffers are all local uses neither */
    (void)ls_pe;
    bo_real drv[BO_DRV_LEN];
    const int first = (flags & BO_STEP_FIRST) != 0;
    const int retry = (flags & BO_STEP_RETRY) != 0;
    (void)f0;
    (void)err;
    (void)first;
    *niters = 0;
    if (first) {
        eta[0] = BO_C(0);
        pred[3 * BO_N] = BO_C(0);
    }

    if (!retry) {
        bo_drivers_eval(driver_data, t, drv);
#if BO_RADAU_ESTIMATE
        bo_model_dxdt(y, p, drv, t, f0);
#endif
        bo_ls_jacobian(&ws, y, p, drv, t);
    }
    const bo_real fac1 = BO_RADAU_GAMMA / dt, alphn = BO_RADAU_ALPHA / dt,
                  betan = BO_RADAU_BETA / dt;
    int status = bo_ls_factor(&ws, fac1);
    status |= bo_radau_cfactor(lc, ws.jac, alphn, betan);
    if (status)
        return status;

    /* Starting values (see the top of the file). */
    const bo_real hp = pred[3 * BO_N];
    if (hp > BO_C(0)) {
        const bo_real c1 = BO_RADAU_C1, c2 = BO_RADAU_C2;
        const bo_real base = retry ? BO_C(0) : BO_C(1), r = dt / hp;
        const bo_real cs[3] = {c1, c2, BO_C(1)};
        bo_real lag[9]; /* lag[3i + j] = L_j(s_i), Lagrange basis on (0, c1, c2, 1) */
        BO_UNROLL
        for (int i = 0; i < 3; ++i) {
            const bo_real s = base + cs[i] * r;
            lag[3 * i + 0] = s * (s - c2) * (s - BO_C(1)) / (c1 * (c1 - c2) * (c1 - BO_C(1)));
            lag[3 * i + 1] = s * (s - c1) * (s - BO_C(1)) / (c2 * (c2 - c1) * (c2 - BO_C(1)));
            lag[3 * i + 2] = s * (s - c1) * (s - c2) / ((BO_C(1) - c1) * (BO_C(1) - c2));
        }
        BO_UNROLL
        for (int k = 0; k < BO_N; ++k) {
            const bo_real p1 = pred[k], p2 = pred[BO_N + k], p3 = pred[2 * BO_N + k];
            bo_real z[3];
            BO_UNROLL
            for (int i = 0; i < 3; ++i)
                z[i] = lag[3 * i] * p1 + lag[3 * i + 1] * p2 + lag[3 * i + 2] * p3 - base * p3;
            w[k] = BO_RADAU_TI11 * z[0] + BO_RADAU_TI12 * z[1] + BO_RADAU_TI13 * z[2];
            w[BO_N + k] = BO_RADAU_TI21 * z[0] + BO_RADAU_TI22 * z[1] + BO_RADAU_TI23 * z[2];
            w[2 * BO_N + k] = BO_RADAU_TI31 * z[0] + BO_RADAU_TI32 * z[1] + BO_RADAU_TI33 * z[2];
        }
    } else {
        BO_UNROLL
        for (int k = 0; k < 3 * BO_N; ++k)
            w[k] = BO_C(0);
    }

    /* Simplified Newton iteration, eq. (8.16) in the transformed variables. */
    bo_newton nw;
    bo_newton_begin(&nw, eta[0]);
    for (int it = 0; it < BO_CTRL_MAX_NEWTON_ITERS; ++it) {
        BO_UNROLL
        for (int i = 0; i < 3; ++i) {
            const bo_real ti = t + (i == 0 ? BO_RADAU_C1 : i == 1 ? BO_RADAU_C2 : BO_C(1)) * dt;
            BO_UNROLL
            for (int k = 0; k < BO_N; ++k) {
                const bo_real w1 = w[k], w2 = w[BO_N + k], w3 = w[2 * BO_N + k];
                bo_real z;
                if (i == 0)
                    z = BO_RADAU_T11 * w1 + BO_RADAU_T12 * w2 + BO_RADAU_T13 * w3;
                else if (i == 1)
                    z = BO_RADAU_T21 * w1 + BO_RADAU_T22 * w2 + BO_RADAU_T23 * w3;
                else
                    z = BO_RADAU_T31 * w1 + BO_RADAU_T32 * w2 + BO_RADAU_T33 * w3;
                ys[k] = y[k] + z;
            }
            bo_drivers_eval(driver_data, ti, drv);
            bo_model_dxdt(ys, p, drv, ti, f + i * BO_N);
        }
        BO_UNROLL
        for (int k = 0; k < BO_N; ++k) {
            const bo_real a1 = f[k], a2 = f[BO_N + k], a3 = f[2 * BO_N + k];
            const bo_real w1 = w[k], w2 = w[BO_N + k], w3 = w[2 * BO_N + k];
            f[k] = BO_RADAU_TI11 * a1 + BO_RADAU_TI12 * a2 + BO_RADAU_TI13 * a3 - fac1 * w1;
            f[BO_N + k] = BO_RADAU_TI21 * a1 + BO_RADAU_TI22 * a2 + BO_RADAU_TI23 * a3 -
                          (alphn * w2 - betan * w3);
            f[2 * BO_N + k] = BO_RADAU_TI31 * a1 + BO_RADAU_TI32 * a2 + BO_RADAU_TI33 * a3 -
                              (alphn * w3 + betan * w2);
        }
        status = bo_ls_solve(&ws, p, drv, t, f);
        if (status)
            break;
        bo_radau_csolve(lc, f + BO_N, f + 2 * BO_N);
        const bo_real n1 = bo_newton_norm(f, y), n2 = bo_newton_norm(f + BO_N, y),
                      n3 = bo_newton_norm(f + 2 * BO_N, y);
        const int rc = bo_newton_check(&nw, BO_SQRT((n1 * n1 + n2 * n2 + n3 * n3) / BO_C(3)));
        if (rc < 0) {
            status = -rc;
            break;
        }
        BO_UNROLL
        for (int k = 0; k < 3 * BO_N; ++k)
            w[k] += f[k];
        if (rc == 1)
            break;
    }
    *niters = nw.iter;
    eta[0] = nw.eta;
    if (status) {
        pred[3 * BO_N] = BO_C(0); /* the retry starts from zero */
        return status;
    }

    /* Z = (T x I) W; y_new = y + z3 (stiffly accurate: b is A's last row). The converged Z
     * becomes the next predictor; a non-finite one is not kept. */
    int finite = 1;
    BO_UNROLL
    for (int k = 0; k < BO_N; ++k) {
        const bo_real w1 = w[k], w2 = w[BO_N + k], w3 = w[2 * BO_N + k];
        const bo_real z1 = BO_RADAU_T11 * w1 + BO_RADAU_T12 * w2 + BO_RADAU_T13 * w3;
        const bo_real z2 = BO_RADAU_T21 * w1 + BO_RADAU_T22 * w2 + BO_RADAU_T23 * w3;
        const bo_real z3 = BO_RADAU_T31 * w1 + BO_RADAU_T32 * w2 + BO_RADAU_T33 * w3;
        pred[k] = z1;
        pred[BO_N + k] = z2;
        pred[2 * BO_N + k] = z3;
        finite &= bo_isfinite(z1) && bo_isfinite(z2) && bo_isfinite(z3);
        y_new[k] = y[k] + z3;
#if BO_RADAU_ESTIMATE
        /* The estimate's f-independent term (e . Z)/dt, eq. (8.19) divided by gamma0 dt. */
        ys[k] = (BO_RADAU_E1 * z1 + BO_RADAU_E2 * z2 + BO_RADAU_E3 * z3) / dt;
#endif
    }
    pred[3 * BO_N] = finite ? dt : BO_C(0);

#if BO_RADAU_ESTIMATE
    BO_UNROLL
    for (int k = 0; k < BO_N; ++k)
        err[k] = f0[k] + ys[k];
    bo_ls_solve(&ws, p, drv, t, err);
    if ((first || retry) && bo_controller_error_norm2(y_new, y, err) > BO_C(1)) {
        /* (8.20): f at y + err instead of y. f (the Newton work) is free now. */
        BO_UNROLL
        for (int k = 0; k < BO_N; ++k)
            f[k] = y[k] + err[k];
        bo_drivers_eval(driver_data, t, drv);
        bo_model_dxdt(f, p, drv, t, err);
        BO_UNROLL
        for (int k = 0; k < BO_N; ++k)
            err[k] += ys[k];
        bo_ls_solve(&ws, p, drv, t, err);
    }
#endif
    return 0;
}

#endif
