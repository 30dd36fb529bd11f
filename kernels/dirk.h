/* One engine for every diagonally implicit Runge-Kutta method (SDIRK, ESDIRK, backward Euler,
 * implicit midpoint, Crank-Nicolson): the tableau arrives as compile-time constants
 * (src/methods/alg_dirk.c: BO_DIRK_STAGES, BO_DIRK_GAMMA, BO_DIRK_EXPLICIT_FIRST,
 * BO_DIRK_HAS_ERROR, BO_DIRK_TABLEAU), the stage loops unroll fully and every coefficient
 * becomes an immediate.
 *
 * Stage i solves Y_i = B_i + dt*gamma*f(t + c_i dt, Y_i), B_i = y + dt*sum_{j<i} a_ij k_j, for
 * the increment z = Y_i - B_i with the simplified Newton iteration (Hairer & Wanner, Solving
 * ODEs II, 2nd ed., IV.8): with M = (1/(gamma dt)) I - J,
 *   M dz = f(t_i, B_i + z) - z/(gamma dt),   z <- z + dz,
 * J = df/dy at (t, y). Every implicit stage has the same diagonal gamma, so one Jacobian and
 * one factorisation of M serve all stages of the step; a step retried from the same (t, y)
 * (BO_STEP_RETRY) reuses the Jacobian and refactors only for the new dt. Convergence is
 * judged by kernels/newton.h; its rate estimate eta carries from stage to stage and from step
 * to step (persistent buffer newton_eta), so a well-converging problem stops after one
 * iteration per stage. The stage derivative is then k_i = z/(gamma dt) rather than
 * f(t_i, Y_i): the same value at convergence, without another evaluation, and without
 * multiplying the iteration's remaining error by the stiff Jacobian (Hairer & Wanner's code
 * SDIRK4 likewise works with the z_i throughout).
 *
 * Predictor: the first iterate of stage i is z = gamma dt k_{i-1}, the derivative of the
 * stage before (for the first stage: the last stage of the previous accepted step, which for
 * the stiffly accurate methods is f at the current point; after a rejection or on the first
 * step, z = 0). It is what an explicit Euler step from B_i with the latest slope predicts.
 *
 * Storage (owner "algorithm", registered by src/methods/alg_dirk.c):
 *   stage_rhs          n, persistent: the latest stage derivative; after an accepted step it
 *                      holds k_s (= f(t + dt, y_new) for the stiffly accurate methods), the
 *                      first stage of an explicit-first-stage method (FSAL) and the first
 *                      predictor of the others; during a Newton iteration, the residual.
 *   stage_accumulator  (s-1)*n: slot i-1 streams sum_j a_ij k_j for stage i (as in
 *                      kernels/erk.h) and then holds the stage state Y_i during its iteration.
 *                      The first stage, when implicit, iterates in y_new, which is free until
 *                      k_1 is streamed into it.
 *   stage_increment    n: z.
 *   newton_eta         1, persistent: eta of the last Newton solve (< 0: none usable).
 * and the linear solver's (child "linear_solver", kernels/linsolve.h).
 *
 * BO_STEP_FSAL is 1 for every method of the family, so the loop passes BO_STEP_FSAL_VALID after
 * every accepted step (stage_rhs then holds the last stage's derivative) and BO_STEP_RETRY after
 * every rejected one; BO_STEP_FIRST marks a run's first attempt, when the persistent buffers
 * hold nothing of this run yet.
 *
 * Failures return the BO_RUN_* bits with y_new = y (and err = 0): BO_RUN_SINGULAR (M could not be
 * factored), BO_RUN_NEWTON_DIVERGENCE (rate >= 1, a non-finite update, or a rate too slow to
 * reach the tolerance in the iterations left), BO_RUN_MAX_NEWTON_ITERS, or the linear
 * solver's bits.
 *
 * Needs, defined earlier: BO_N, BO_MODEL_ND, the model functions, bo_drivers_eval,
 * kernels/linsolve.h and kernels/newton.h (and what they need), and the registry's allocators
 * for the buffers above. */
#ifndef BO_DIRK_H
#define BO_DIRK_H

/* Solve one stage's equations for z, with ys = B + z on entry (the predictor) and on exit.
 * r is n values of scratch. drv_j: the drivers at the Jacobian's time t_j, for a solver that
 * evaluates J v there. *eta carries the Newton rate from the previous solve and receives this
 * one's (-1 after a failure, so the next solve measures its rate afresh). *iters receives
 * the iterations used. Returns 0 or BO_RUN_* bits. */
BO_DEVICE int bo_dirk_newton(bo_ls_ws *ws, bo_real *BO_RESTRICT ys, bo_real *BO_RESTRICT z,
                             bo_real *BO_RESTRICT r, const bo_real *BO_RESTRICT y,
                             const bo_real *BO_RESTRICT p, const void *driver_data,
                             const bo_real *drv_j, bo_real t_j, bo_real ts, bo_real shift,
                             bo_real *eta, int *iters)
{
    bo_real drv[BO_DRV_LEN];
    bo_newton nw;
    bo_newton_begin(&nw, *eta);
    bo_drivers_eval(driver_data, ts, drv);
    for (;;) {
        bo_model_dxdt(ys, p, drv, ts, r);
        BO_UNROLL
        for (int i = 0; i < BO_N; ++i)
            r[i] -= shift * z[i];
        const int ls = bo_ls_solve(ws, p, drv_j, t_j, r);
        if (ls) {
            *iters = nw.iter + 1;
            *eta = BO_C(-1);
            return ls;
        }
        BO_UNROLL
        for (int i = 0; i < BO_N; ++i) {
            z[i] += r[i];
            ys[i] += r[i];
        }
        /* The norm weighs the update by the tolerances at the step's start, as the error
         * estimate is weighed (newton.h). */
        const int rc = bo_newton_check(&nw, bo_newton_norm(r, y));
        if (rc != 0) {
            *iters = nw.iter;
            *eta = rc > 0 ? nw.eta : BO_C(-1);
            return rc > 0 ? 0 : -rc;
        }
    }
}

/* A failed step hands the loop its starting state as the proposal and a zero estimate: the
 * loop tests the proposal for finiteness before it looks at the status, and a failure must
 * neither read as a non-finite state nor leave values unwritten (the loop then replaces the
 * estimate by NaN so that the controller rejects). */
BO_DEVICE int bo_dirk_fail(const bo_real *BO_RESTRICT y, bo_real *BO_RESTRICT y_new,
                           bo_real *BO_RESTRICT err, int status)
{
    BO_UNROLL
    for (int i = 0; i < BO_N; ++i) {
        y_new[i] = y[i];
#if BO_DIRK_HAS_ERROR
        err[i] = BO_C(0);
#endif
    }
#if !BO_DIRK_HAS_ERROR
    (void)err;
#endif
    return status;
}

/* The family's entry point for the loop (src/methods/algorithm.h). */
#define BO_STEP_FSAL 1
BO_DEVICE int bo_step(const bo_real *BO_RESTRICT y, bo_real *BO_RESTRICT y_new,
                      bo_real *BO_RESTRICT err, const bo_real *BO_RESTRICT p,
                      const void *driver_data, bo_real t, bo_real dt, int flags, int *niters,
                      bo_real *shared, bo_real *persistent)
{
    BO_DIRK_TABLEAU(void) bo_dirk_a;
    (void)bo_dirk_b;
    (void)bo_dirk_c;
    (void)bo_dirk_e;
#if !BO_DIRK_HAS_ERROR
    (void)err;
#endif
    bo_real drv0[BO_DRV_LEN];
    BO_ALLOC_algorithm_stage_rhs(k, shared, persistent);
    BO_ALLOC_algorithm_stage_accumulator(acc, shared, persistent);
    BO_ALLOC_algorithm_stage_increment(z, shared, persistent);
    BO_ALLOC_algorithm_newton_eta(eta, shared, persistent);
    bo_real *ls_sh = BO_CHILD_SHARED_algorithm_linear_solver(shared);
    bo_real *ls_pe = BO_CHILD_PERSISTENT_algorithm_linear_solver(persistent);
    BO_LS_WORKSPACE(ws, ls_sh, ls_pe);
    (void)ls_sh; /* a solver whose buffers are all local uses neither */
    (void)ls_pe;
    (void)acc;

    const bo_real shift = BO_C(1) / (BO_DIRK_GAMMA * dt);
    const bo_real gdt = BO_DIRK_GAMMA * dt;
    /* stage_rhs holds a derivative of this trajectory only after an accepted step. */
    const int have_prev = (flags & BO_STEP_FSAL_VALID) != 0;
    int most = 0;
    *niters = 0;
    if (flags & BO_STEP_FIRST)
        eta[0] = BO_C(-1);

    bo_drivers_eval(driver_data, t, drv0);
    if (!(flags & BO_STEP_RETRY))
        bo_ls_jacobian(&ws, y, p, drv0, t);
    const int fs = bo_ls_factor(&ws, shift);
    if (fs)
        return bo_dirk_fail(y, y_new, err, fs);

    BO_UNROLL
    for (int st = 0; st < BO_DIRK_STAGES; ++st) {
        if (st == 0 && BO_DIRK_EXPLICIT_FIRST) {
            /* FSAL: the previous accepted step's last stage is f(t, y). */
            if (!have_prev)
                bo_model_dxdt(y, p, drv0, t, k);
        } else {
            bo_real *ys = st == 0 ? y_new : acc + (st > 0 ? st - 1 : 0) * BO_N;
            const bo_real ts = t + bo_dirk_c[st] * dt;
            const int predict = st > 0 || have_prev;
            BO_UNROLL
            for (int i = 0; i < BO_N; ++i) {
                const bo_real zi = predict ? gdt * k[i] : BO_C(0);
                const bo_real base = st == 0 ? y[i] : y[i] + dt * ys[i];
                z[i] = zi;
                ys[i] = base + zi;
            }
            int it = 0;
            const int rc =
                bo_dirk_newton(&ws, ys, z, k, y, p, driver_data, drv0, t, ts, shift, eta, &it);
            most = it > most ? it : most;
            if (rc) {
                *niters = most;
                return bo_dirk_fail(y, y_new, err, rc);
            }
            BO_UNROLL
            for (int i = 0; i < BO_N; ++i)
                k[i] = shift * z[i];
        }
        /* Stream k_st into every sum that uses it (kernels/erk.h): the first stage assigns;
         * zero coefficients assign an exact 0 or are skipped, folded at compile time. */
        BO_UNROLL
        for (int i = 0; i < BO_N; ++i) {
            const bo_real ki = k[i];
            if (st == 0)
                y_new[i] = bo_dirk_b[0] != BO_C(0) ? bo_dirk_b[0] * ki : BO_C(0);
            else if (bo_dirk_b[st] != BO_C(0))
                y_new[i] += bo_dirk_b[st] * ki;
#if BO_DIRK_HAS_ERROR
            if (st == 0)
                err[i] = bo_dirk_e[0] != BO_C(0) ? bo_dirk_e[0] * ki : BO_C(0);
            else if (bo_dirk_e[st] != BO_C(0))
                err[i] += bo_dirk_e[st] * ki;
#endif
            BO_UNROLL
            for (int r = st + 1; r < BO_DIRK_STAGES; ++r) {
                const bo_real a = bo_dirk_a[r * BO_DIRK_STAGES + st];
                if (st == 0)
                    acc[(r - 1) * BO_N + i] = a != BO_C(0) ? a * ki : BO_C(0);
                else if (a != BO_C(0))
                    acc[(r - 1) * BO_N + i] += a * ki;
            }
        }
    }
    BO_UNROLL
    for (int i = 0; i < BO_N; ++i) {
        y_new[i] = y[i] + dt * y_new[i];
#if BO_DIRK_HAS_ERROR
        err[i] = dt * err[i];
#endif
    }
    *niters = most;
    return 0;
}

#endif
