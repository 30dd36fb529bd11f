/* One engine for every explicit Runge-Kutta method: the tableau arrives as compile-time
 * constants (tab_emit_erk: BO_ERK_STAGES, BO_ERK_FSAL, BO_ERK_HAS_ERROR, BO_ERK_TABLEAU), the
 * stage loops unroll fully, and every coefficient becomes an immediate; terms whose
 * coefficient is zero fold away.
 *
 * Needs, defined earlier in the unit: BO_N (states), BO_MODEL_ND (drivers), the model's
 * bo_model_dxdt(y, p, drv, t, dydt), bo_drivers_eval(const void *driver_data, bo_real t,
 * bo_real *drv) (fills BO_MODEL_ND driver values at t; a no-op without drivers), and, for
 * methods of two or more stages, the registry's allocators for the buffers this component
 * registers under owner "algorithm":
 *   stage_rhs          n elements, persistent (holds k_1 of the next step for FSAL methods)
 *   stage_accumulator  (s-1)*n elements, local by default
 * A one-stage method (Euler) registers nothing and keeps its single stage in a local array.
 *
 * Stages are streamed (as in cubie): once k_j is known it is added, times a_ij, into the
 * partial sum of every later stage i (slot i-1 of stage_accumulator), times b_j into y_new
 * and times e_j = b_j - bhat_j into err. When stage i comes up its sum is complete; it is
 * turned into the stage state y + dt*sum in place and f is evaluated into stage_rhs. So s*n
 * values hold all the step's state, with no separate array per k_j.
 *
 * A sum whose coefficients are exact multiples of its first nonzero one (tab_emit_erk:
 * bo_erk_an / _as / _ap for the rows of A, bo_erk_bn / _bs / _bp for b, bo_erk_en / _es / _ep
 * for e) is kept divided by it: it starts as a copy of that k_j, and the scale joins dt in one
 * factor per sum and step. A stage with a single term (all of classical RK4's) then costs one
 * FMA per component, as in a hand-written step, and RK4's b = (1, 2, 2, 1)/6 costs three.
 * Other sums keep their coefficients (scale 1). Every sum still forms apart from y, so no
 * rounding at the size of y enters it.
 *
 * With BO_ERK_ERROR3 (dop853 only; tab_emit_erk then also declares bo_erk_e3) the estimate is
 * Hairer's: e5 = dt*sum(e_j k_j) and e3 = dt*sum(e3_j k_j) combine, per component, into
 * err = e5*|e5| / sqrt(e5^2 + 0.01*e3^2) (Hairer, Norsett & Wanner I, II.10; dop853.f). e3
 * needs n more values: they live in slot 0 of stage_accumulator, free once stage 2 has been
 * evaluated, so no buffer grows. k_1 is gone by then, but its e3 term is recovered from
 * y_new, which holds bn_1 k_1 alone at that point (tab_emit_erk refuses b_1 = 0); the extra
 * rounding is one ulp of that term (none when b is rescaled, bn_1 = 1). */
#ifndef BO_ERK_H
#define BO_ERK_H

#ifndef BO_ERK_ERROR3
#define BO_ERK_ERROR3 0
#endif
#ifndef BO_DENSE
#define BO_DENSE 0
#endif
#if !BO_DENSE
#define BO_DENSE_RECORD 0
#endif
#if BO_ERK_ERROR3 && (!BO_ERK_HAS_ERROR || BO_ERK_STAGES < 2)
#error "BO_ERK_ERROR3 needs an embedded pair and at least two stages"
#endif

/* Evaluate f(t, y) into stage_rhs, so that the next bo_erk_step may be called with
 * fsal_valid = 1. The loop calls it when it wants k_1 before the first step (for example to
 * estimate an initial step size); otherwise the first step, called with fsal_valid = 0,
 * evaluates k_1 itself. A no-op for one-stage methods, which keep no stage_rhs. */
BO_DEVICE void bo_erk_prepare(const bo_real *BO_RESTRICT y, const bo_real *BO_RESTRICT p,
                              const void *driver_data, bo_real t, bo_real *shared,
                              bo_real *persistent)
{
    (void)shared;
    (void)persistent;
#if BO_ERK_STAGES > 1
    bo_real drv[BO_DRV_LEN];
    BO_ALLOC_algorithm_stage_rhs(k, shared, persistent);
    bo_drivers_eval(driver_data, t, drv);
    bo_model_dxdt(y, p, drv, t, k);
#else
    (void)y;
    (void)p;
    (void)driver_data;
    (void)t;
#endif
}

/* Copy stage st's derivative into slot st of the dense output when the step records it
 * (kernels/dense.h: the first BO_DENSE_RECORD stages, under BO_STEP_DENSE). */
BO_DEVICE void bo_erk_record(int dense, int st, const bo_real *k, bo_real *shared,
                             bo_real *persistent)
{
#if BO_DENSE_RECORD > 0
    (void)shared;
    (void)persistent;
    if (dense && st < BO_DENSE_RECORD) {
        BO_ALLOC_algorithm_dense_output(dk, shared, persistent);
        BO_UNROLL
        for (int i = 0; i < BO_N; ++i)
            dk[st * BO_N + i] = k[i];
    }
#else
    (void)dense;
    (void)st;
    (void)k;
    (void)shared;
    (void)persistent;
#endif
}

/* One explicit RK step from (t, y) with step dt. Writes y_new and, when the method has an
 * error estimate, err (n values, = dt * sum_i e_i k_i, or Hairer's combination with
 * BO_ERK_ERROR3; err is not touched otherwise and may then be NULL). fsal_valid = 1 when stage_rhs
 * already holds f(t, y): the previous step was accepted and the method is FSAL (after it, stage_rhs
 * holds f(t + dt, y_new)), or the loop called bo_erk_prepare. After a rejected step, or for a
 * method that is not FSAL, pass 0. Returns 0: explicit steps cannot fail; non-finite values are
 * caught by the loop. */
BO_DEVICE int bo_erk_step(const bo_real *BO_RESTRICT y, bo_real *BO_RESTRICT y_new,
                          bo_real *BO_RESTRICT err, const bo_real *BO_RESTRICT p,
                          const void *driver_data, bo_real t, bo_real dt, int fsal_valid, int dense,
                          bo_real *shared, bo_real *persistent)
{
    BO_ERK_TABLEAU
    bo_real drv[BO_DRV_LEN];
    (void)bo_erk_a;
    (void)bo_erk_b;
    (void)bo_erk_c;
    (void)bo_erk_e;
    (void)bo_erk_an;
    (void)bo_erk_as;
    (void)bo_erk_ap;
    (void)bo_erk_bn;
    (void)bo_erk_bp;
    (void)bo_erk_en;
    (void)bo_erk_es;
    (void)bo_erk_ep;
#if BO_ERK_ERROR3
    (void)bo_erk_e3;
#endif
    (void)shared;
    (void)persistent;
#if !BO_ERK_HAS_ERROR
    (void)err;
#endif
#if BO_ERK_STAGES == 1
    /* Forward Euler: no buffers to register; k_1 is always evaluated. */
    bo_real k[BO_N];
    (void)fsal_valid;
    bo_drivers_eval(driver_data, t, drv);
    bo_model_dxdt(y, p, drv, t, k);
    bo_erk_record(dense, 0, k, shared, persistent);
    const bo_real hb = dt * bo_erk_bs;
    BO_UNROLL
    for (int i = 0; i < BO_N; ++i)
        y_new[i] = y[i] + hb * k[i];
#else
    BO_ALLOC_algorithm_stage_rhs(k, shared, persistent);
    BO_ALLOC_algorithm_stage_accumulator(acc, shared, persistent);
    if (!fsal_valid) {
        bo_drivers_eval(driver_data, t, drv);
        bo_model_dxdt(y, p, drv, t, k);
    }
    BO_UNROLL
    for (int st = 0; st < BO_ERK_STAGES; ++st) {
        if (st > 0) {
            /* Stage st's sum is complete: ys = y + (dt * scale) * sum, or y for a zero row. */
            bo_real *ys = acc + (st - 1) * BO_N;
            const bo_real ts = t + bo_erk_c[st] * dt;
            const bo_real h = dt * bo_erk_as[st];
            BO_UNROLL
            for (int i = 0; i < BO_N; ++i)
                ys[i] = bo_erk_ap[st] < st ? y[i] + h * ys[i] : y[i];
            bo_drivers_eval(driver_data, ts, drv);
            bo_model_dxdt(ys, p, drv, ts, k);
        }
        bo_erk_record(dense, st, k, shared, persistent);
        /* Stream k_st into every sum that uses it. A sum starts at its pivot by a copy, so
         * nothing needs zeroing, and later zero coefficients are skipped (they fold away once
         * unrolled; 0*k would have to stay: IEEE 0*Inf is NaN). */
        BO_UNROLL
        for (int i = 0; i < BO_N; ++i) {
            const bo_real ki = k[i];
#if BO_ERK_ERROR3
            /* Before y_new takes k_2 it holds bn_1 k_1 alone (b's pivot is stage 1, as
             * tab_emit_erk refuses b_1 = 0; bn_1 is 1 or b_1). */
            if (st == 1) {
                acc[i] =
                    bo_erk_e3[0] != BO_C(0) ? (bo_erk_e3[0] / bo_erk_bn[0]) * y_new[i] : BO_C(0);
                if (bo_erk_e3[1] != BO_C(0))
                    acc[i] += bo_erk_e3[1] * ki;
            } else if (st > 1 && bo_erk_e3[st] != BO_C(0)) {
                acc[i] += bo_erk_e3[st] * ki;
            }
#endif
            if (st == bo_erk_bp)
                y_new[i] = bo_erk_bn[st] * ki;
            else if (st > bo_erk_bp && bo_erk_bn[st] != BO_C(0))
                y_new[i] += bo_erk_bn[st] * ki;
#if BO_ERK_HAS_ERROR
            if (st == bo_erk_ep)
                err[i] = bo_erk_en[st] * ki;
            else if (st > bo_erk_ep && bo_erk_en[st] != BO_C(0))
                err[i] += bo_erk_en[st] * ki;
#endif
            BO_UNROLL
            for (int r = st + 1; r < BO_ERK_STAGES; ++r) {
                const bo_real a = bo_erk_an[r * BO_ERK_STAGES + st];
                if (st == bo_erk_ap[r])
                    acc[(r - 1) * BO_N + i] = a * ki;
                else if (st > bo_erk_ap[r] && a != BO_C(0))
                    acc[(r - 1) * BO_N + i] += a * ki;
            }
        }
    }
    const bo_real hb = dt * bo_erk_bs;
#if BO_ERK_HAS_ERROR
    const bo_real he = dt * bo_erk_es;
#endif
    BO_UNROLL
    for (int i = 0; i < BO_N; ++i) {
        y_new[i] = y[i] + hb * y_new[i];
#if BO_ERK_ERROR3
        {
            /* The component-wise form of dop853.f's err5^2 / sqrt(err5^2 + 0.01 err3^2): the
             * same number for one state (see docs/algorithms.md). hypot cannot overflow where
             * the squares would; h = 0 only when e5 = e3 = 0, and then err = 0 (dop853.f
             * likewise replaces a zero denominator by 1). */
            const bo_real e5 = he * err[i], e3 = dt * acc[i];
            const bo_real h = BO_HYPOT(e5, BO_C(0.1) * e3);
            err[i] = e5 * (BO_FABS(e5) / (h > BO_C(0) ? h : BO_C(1)));
        }
#elif BO_ERK_HAS_ERROR
        err[i] = he * err[i];
#endif
    }
#endif
    return 0;
}

/* The family's entry point for the loop (src/methods/algorithm.h): explicit steps use no
 * Newton iterations and never fail. */
#define BO_STEP_FSAL BO_ERK_FSAL
BO_DEVICE int bo_step(const bo_real *BO_RESTRICT y, bo_real *BO_RESTRICT y_new,
                      bo_real *BO_RESTRICT err, const bo_real *BO_RESTRICT p,
                      const void *driver_data, bo_real t, bo_real dt, int flags, int *niters,
                      bo_real *shared, bo_real *persistent)
{
    *niters = 0;
    return bo_erk_step(y, y_new, err, p, driver_data, t, dt, flags & BO_STEP_FSAL_VALID,
                       flags & BO_STEP_DENSE, shared, persistent);
}

#endif
