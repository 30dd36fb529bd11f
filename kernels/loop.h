/* The integration loop: one run from t0 to t0 + settling + duration, with saves at
 * t0 + settling + k*save_every (or at the times of save_at), and the kernel / CPU entry
 * points. With BO_LOOP_INTERP (save_mode=interpolate) saves and summary samples inside a step
 * are read from the method's dense output (kernels/dense.h) and only the end of settling and
 * the end are landed on; otherwise (save_mode=land) every save and sample is an event landed
 * on as described below.
 *
 * Semantics (docs/loop.md):
 * - Time is accumulated in double (bo_time) and every event time is computed from its index
 *   (t_start + k*save_every), never by repeated addition, so long runs do not drift even in
 *   float32. A step that would pass an event is shortened to land on it exactly; a step that
 *   would end within 1% of an event is stretched onto it (no sliver steps). A shortened step
 *   is reported to the controller as truncated: it is accepted or rejected as usual but does
 *   not change the controller's history, and the next step resumes the step size proposed
 *   before the truncation.
 * - Termination is guaranteed: max_steps attempts, the controller's dt_min failure, and
 *   stagnation (t + dt == t).
 * - A non-finite proposed state is a rejection for adaptive controllers (the controller
 *   shrinks the step) and a failure for fixed steps. A run that dies reports why through its
 *   status bits; the others are unaffected.
 *
 * - Summary samples (kernels/summaries.h) fall at t_start + k*sample_every. The loop merges
 *   them with the saves: the next event is the earliest pending save or sample, and a save
 *   and a sample closer than 1e-9 of their intervals are one event (one landing serves both,
 *   with no sliver step between them).
 *
 * Needs, defined earlier in the unit: the model functions and BO_MODEL_* sizes, BO_N,
 * bo_drivers_eval, the method's step (bo_step, src/methods/algorithm.h), the controller
 * (bo_controller, bo_controller_init, BO_CONTROLLER), the registry's allocators, the output
 * selection (BO_N_SAVED_STATES, BO_N_SAVED_OBS, bo_saved_states[], bo_saved_obs[]) and the
 * summaries (BO_SUM_ACTIVE, bo_sum_take, bo_sum_fail), and for a model with events
 * (BO_MODEL_NE > 0) kernels/events.h.
 *
 * - Events (kernels/events.h) are looked for after every accepted step; one that assigns or
 *   stops ends the step at its time: the run restarts there (the method and the controller
 *   start afresh) or ends there, a success flagged BO_RUN_STOPPED_BY_EVENT whose saves and
 *   summary windows after the stop are NaN. Interpolated outputs of a step that an event ends
 *   are those up to the event; one at the event's time itself takes the state after it. */
#ifndef BO_LOOP_H
#define BO_LOOP_H

#ifndef BO_MODEL_NE
#define BO_MODEL_NE 0
#endif
#if BO_MODEL_NE == 0
#define BO_EV_STEP_FLAGS 0
#endif

#define BO_ADAPTIVE (BO_CONTROLLER != BO_CTRL_FIXED)
#ifndef BO_DENSE
#define BO_DENSE 0
#endif
/* Saves and summary samples inside a step are interpolated (save_mode=interpolate) instead of
 * landed on (kernels/dense.h). */
#if BO_DENSE && BO_DENSE_INTERPOLATE
#define BO_LOOP_INTERP 1
#else
#define BO_LOOP_INTERP 0
#endif
/* Longest run of fixed steps between two checks of the state (see the fixed-step block). */
#define BO_LOOP_BLOCK 64
#define BO_N_VARS (BO_N_SAVED_STATES + BO_N_SAVED_OBS)

/* Weighted RMS norm used by the starting-step estimate. */
BO_DEVICE bo_real bo_loop_wrms(const bo_real *v, const bo_real *y)
{
    bo_real s = BO_C(0);
    BO_UNROLL
    for (int i = 0; i < BO_N; ++i) {
        bo_real sc = bo_ctrl_atol[i] + bo_ctrl_rtol[i] * BO_FABS(y[i]);
        bo_real q = v[i] / sc;
        s += q * q;
    }
    return BO_SQRT(s / BO_C(BO_N));
}

/* Starting step size: Hairer, Nørsett & Wanner, Solving ODEs I, 2nd ed., §II.4
 * ("Starting Step Size", p. 169): compare an explicit Euler trial step with the change of
 * the derivative. Two RHS evaluations. work must hold 2*BO_N values. */
BO_DEVICE bo_real bo_loop_initial_dt(const bo_real *y, const bo_real *p, bo_real *drv,
                                     const void *driver_data, bo_real t, bo_real span,
                                     bo_real *work)
{
    bo_real *f0 = work;
    bo_real *f1 = work + BO_N;
    bo_drivers_eval(driver_data, t, drv);
    bo_model_dxdt(y, p, drv, t, f0);
    bo_real d0 = bo_loop_wrms(y, y);
    bo_real d1 = bo_loop_wrms(f0, y);
    bo_real h0 = (d0 < BO_C(1e-5) || d1 < BO_C(1e-5)) ? BO_C(1e-6) : BO_C(0.01) * d0 / d1;
    if (h0 > span)
        h0 = span;
    bo_real y1[BO_N];
    BO_UNROLL
    for (int i = 0; i < BO_N; ++i)
        y1[i] = y[i] + h0 * f0[i];
    bo_drivers_eval(driver_data, t + h0, drv);
    bo_model_dxdt(y1, p, drv, t + h0, f1);
    BO_UNROLL
    for (int i = 0; i < BO_N; ++i)
        f1[i] = f1[i] - f0[i];
    bo_real d2 = bo_loop_wrms(f1, y) / h0;
    bo_real dmax = d1 > d2 ? d1 : d2;
    bo_real h1 = dmax <= BO_C(1e-15) ? (h0 * BO_C(1e-3) > BO_C(1e-6) ? h0 * BO_C(1e-3) : BO_C(1e-6))
                                     : BO_POW(BO_C(0.01) / dmax, BO_C(1) / BO_C(BO_CTRL_ORDER + 1));
    bo_real h = BO_C(100) * h0 < h1 ? BO_C(100) * h0 : h1;
    if (!(h == h) || h <= BO_C(0))
        h = BO_C(1e-6);
    return h;
}

BO_DEVICE int bo_loop_all_finite(const bo_real *v)
{
    int ok = 1;
    BO_UNROLL
    for (int i = 0; i < BO_N; ++i)
        ok &= bo_isfinite(v[i]);
    return ok;
}

/* Time of save k: t_start + save_times[k] for a list of save times (save_at), else
 * t_start + k*save_every, computed from the index so long runs do not drift. */
BO_DEVICE bo_time bo_loop_save_time(const bo_args *a, bo_time t_start, bo_i64 k)
{
    return a->save_times ? t_start + a->save_times[k] : t_start + (bo_time)k * a->save_every;
}

/* The next event after time t: the end of settling while t is before it, else the earliest
 * of the next save, the next summary sample and the end. With interpolated outputs only the
 * end of settling and the end are landed on. */
BO_DEVICE bo_time bo_loop_next_event(const bo_args *a, bo_time t, bo_time t_start, bo_time t_end,
                                     bo_i64 next_save, bo_i64 n_saves, bo_i64 next_sample,
                                     bo_i64 n_samples)
{
    if (t < t_start)
        return t_start;
    bo_time target = t_end;
#if BO_LOOP_INTERP
    (void)a;
    (void)next_save;
    (void)n_saves;
    (void)next_sample;
    (void)n_samples;
#else
    if (next_save < n_saves) {
        bo_time ts = bo_loop_save_time(a, t_start, next_save);
        if (ts < target)
            target = ts;
    }
    if (next_sample < n_samples) {
        bo_time tk = t_start + (bo_time)next_sample * a->sample_every;
        if (tk < target)
            target = tk;
    }
#endif
    return target;
}

#if BO_LOOP_INTERP
/* The earliest pending save or summary sample (t_end + 1 when none is pending): a step that
 * reaches it is taken with BO_STEP_DENSE and interpolated inside. */
BO_DEVICE bo_time bo_loop_next_output(const bo_args *a, bo_time t_start, bo_time t_end,
                                      bo_i64 next_save, bo_i64 n_saves, bo_i64 next_sample,
                                      bo_i64 n_samples)
{
    bo_time out = t_end + 1.0 + (t_end - t_start);
    if (next_save < n_saves)
        out = bo_loop_save_time(a, t_start, next_save);
    if (next_sample < n_samples) {
        bo_time tk = t_start + (bo_time)next_sample * a->sample_every;
        if (tk < out)
            out = tk;
    }
    return out;
}
#endif

/* Write save k (states then observables) for this run. */
BO_DEVICE void bo_loop_save(const bo_args *a, bo_i64 run, bo_i64 k, const bo_real *y,
                            const bo_real *p, bo_real *drv, bo_real *obs, bo_time t)
{
    const bo_i64 S = a->run_stride;
    bo_real *row = a->series + k * (bo_i64)BO_N_VARS * S + run;
    BO_UNROLL
    for (int v = 0; v < BO_N_SAVED_STATES; ++v)
        row[(bo_i64)v * S] = y[bo_saved_states[v]];
#if BO_N_SAVED_OBS > 0
    bo_drivers_eval(a->driver_data, (bo_real)t, drv);
    bo_model_observables(y, p, drv, (bo_real)t, obs);
    BO_UNROLL
    for (int v = 0; v < BO_N_SAVED_OBS; ++v)
        row[(bo_i64)(BO_N_SAVED_STATES + v) * S] = obs[bo_saved_obs[v]];
#else
    (void)p;
    (void)drv;
    (void)obs;
    (void)t;
#endif
}

/* Integrate run `run` of the launch. shared: this run's slice of the shared scratch. */
BO_DEVICE void bo_integrate_run(const bo_args *a, bo_i64 run, bo_real *shared)
{
    /* Zeroed per run: nothing a previous run on this thread left behind can leak into this
     * one (components still reset their own history on BO_STEP_FIRST). */
    bo_real persistent[BO_PERSISTENT_TOTAL > 0 ? BO_PERSISTENT_TOTAL : 1];
    BO_UNROLL
    for (int i = 0; i < (BO_PERSISTENT_TOTAL > 0 ? BO_PERSISTENT_TOTAL : 1); ++i)
        persistent[i] = BO_C(0);
    BO_ALLOC_loop_state(y, shared, persistent);
    BO_ALLOC_loop_proposed_state(y_new, shared, persistent);
    BO_ALLOC_loop_parameters(p, shared, persistent);
    BO_ALLOC_loop_drivers(drv, shared, persistent);
    BO_ALLOC_loop_observables(obs, shared, persistent);
    BO_ALLOC_loop_error(err, shared, persistent);
    bo_real *alg_shared = BO_CHILD_SHARED_loop_algorithm(shared);
    bo_real *alg_persistent = BO_CHILD_PERSISTENT_loop_algorithm(persistent);
    bo_real *ctl_shared = BO_CHILD_SHARED_loop_controller(shared);
    bo_real *ctl_persistent = BO_CHILD_PERSISTENT_loop_controller(persistent);
    /* Every method writes the proposed state and the error estimate of each step it takes;
     * zeroed once per run so that no compiler has to prove it (a run that fails before its
     * first step never reads them). */
    BO_UNROLL
    for (int i = 0; i < BO_N; ++i)
        y_new[i] = BO_C(0);
#if BO_ADAPTIVE /* a fixed-step program has no error estimate: its buffer holds one value */
    BO_UNROLL
    for (int i = 0; i < BO_N; ++i)
        err[i] = BO_C(0);
#endif
    (void)obs;
#if BO_SUM_ACTIVE
    bo_real *sum_shared = BO_CHILD_SHARED_loop_summaries(shared);
    bo_real *sum_persistent = BO_CHILD_PERSISTENT_loop_summaries(persistent);
    BO_ALLOC_summaries_summaries(sum_acc, sum_shared, sum_persistent);
    (void)sum_shared; /* one of the two is unused, depending on where the buffer lives */
    (void)sum_persistent;
    bo_i64 next_sample = 0; /* index of the next summary sample to take */
    bo_i64 n_samples = (a->summaries && a->n_windows > 0) ? a->n_windows * a->window_len + 1 : 0;
#else
    const bo_i64 next_sample = 0, n_samples = 0; /* no summaries: no samples to take */
#endif

    const bo_i64 S = a->run_stride;
    bo_i32 status = 0;
    int inputs_ok = 1;
    BO_UNROLL
    for (int i = 0; i < BO_N; ++i) {
        y[i] = a->init[(bo_i64)i * S + run];
        inputs_ok &= bo_isfinite(y[i]);
    }
    BO_UNROLL
    for (int i = 0; i < BO_MODEL_NP; ++i) {
        p[i] = a->params[(bo_i64)i * S + run];
        inputs_ok &= bo_isfinite(p[i]);
    }
    bo_controller_init(ctl_shared, ctl_persistent);

    /* The run's span: the launch's, or its own (docs/loop.md, "Per-run spans"). A run of its
     * own, shorter duration has fewer saves and summary windows than the launch holds; those
     * past its end are NaN (written below), not failures. */
    double t0 = a->t0, settling = a->settling, duration = a->duration;
    const bo_i64 n_saves_all = a->series ? a->n_saves : 0;
    bo_i64 n_saves = n_saves_all;
    if (a->spans) {
        t0 = a->spans[run];
        settling = a->spans[S + run];
        duration = a->spans[2 * S + run];
        if (a->save_times) /* save_at: the given times within the run's duration */
            while (n_saves > 0 && a->save_times[n_saves - 1] > duration * (1.0 + 1e-9))
                --n_saves;
        else if (n_saves > 0 && BO_SPAN_SAVES(duration, a->save_every) < n_saves)
            n_saves = BO_SPAN_SAVES(duration, a->save_every);
#if BO_SUM_ACTIVE
        const bo_i64 own_windows = BO_SPAN_SAMPLES(duration, a->sample_every) / a->window_len;
        if (n_samples > 0 && own_windows < a->n_windows)
            n_samples = own_windows * a->window_len + 1;
#endif
    }
    const bo_time t_start = t0 + settling;
    const bo_time t_end = t_start + duration;
    bo_time t = t0;
#if BO_MODEL_NE > 0
    bo_ev_run evr;
    bo_ev_begin(&evr, a, run, y, p, drv, t0);
    int stopped = 0; /* a terminal event ended the run */
#else
    const int stopped = 0;
#endif
    bo_i64 steps = 0, rejections = 0, newton = 0;
    bo_i64 next_save = 0; /* index of the next save to write */

    bo_real dt = (bo_real)a->dt0;
#if BO_ADAPTIVE
    if (inputs_ok && !(dt > BO_C(0))) {
        bo_real work[2 * BO_N];
        dt = bo_loop_initial_dt(y, p, drv, a->driver_data, (bo_real)t, (bo_real)(t_end - t), work);
    }
    if (dt < BO_CTRL_DT_MIN)
        dt = BO_CTRL_DT_MIN;
    if (dt > BO_CTRL_DT_MAX)
        dt = BO_CTRL_DT_MAX;
#endif
    if (!inputs_ok)
        status |= BO_RUN_BAD_INPUT;
    /* A span that rounds away (t0 + settling + duration == t0 + settling in double) has no
     * time to integrate over: fail rather than report the initial state as the end. */
    if (!(t_end > t_start) || (settling > 0.0 && !(t_start > t0)))
        status |= BO_RUN_STAGNATION;

    /* A save at the start itself (with save_at, the first time may come later). */
    if (!status && n_saves > 0 && settling <= 0.0 && bo_loop_save_time(a, t_start, 0) <= t) {
        bo_loop_save(a, run, 0, y, p, drv, obs, t);
        next_save = 1;
    }
#if BO_SUM_ACTIVE
    if (!status && n_samples > 0 && settling <= 0.0) {
        bo_sum_take(a, run, 0, y, p, drv, obs, t, t_start, sum_acc);
        next_sample = 1;
    }
#endif

    int step_flags = BO_STEP_FIRST;
    int niters = 0;
    int saw_nonfinite = 0;
    bo_i32 step_failures = 0; /* why rejected steps failed, reported if the run dies */
    /* The next event: the end of settling, the next save or summary sample, or the end. It
     * only changes when a step lands on it, so it is worked out then, not on every step. */
    bo_time target =
        bo_loop_next_event(a, t, t_start, t_end, next_save, n_saves, next_sample, n_samples);
#if BO_LOOP_INTERP
    /* The next output: a step reaching it records its dense output and is read inside. */
    bo_time t_out =
        bo_loop_next_output(a, t_start, t_end, next_save, n_saves, next_sample, n_samples);
#endif
    while (!status && !stopped && t < t_end) {
        if (steps >= a->max_steps) {
            status |= BO_RUN_MAX_STEPS;
            break;
        }
#if !BO_ADAPTIVE && BO_MODEL_NE == 0
        /* Fixed steps: the full steps before the next event run in a tight loop without the
         * event and stagnation logic. The count is conservative (floor, 1% margin), so the
         * general path below still decides every step near an event exactly as before. Inside
         * the block the time of step k is t_blk + k*dt (no accumulated rounding; not even
         * computed when f reads neither t nor drivers), the step counter is added once, and
         * the state is checked for non-finite values once, at the end: every method forms
         * y_new as y plus an increment, so a NaN or infinity in the state never disappears
         * again and the end-of-block check sees every one. Blocks hold at most
         * BO_LOOP_BLOCK steps, so a run that goes non-finite stops within that many steps
         * (and reports its block's end as its final time). */
        if (t + (bo_time)dt > t) {
#if BO_LOOP_INTERP
            /* The block also stops short of the next output, which the general path reads. */
            const bo_time block_end = t_out < target ? t_out : target;
#else
            const bo_time block_end = target;
#endif
            bo_time room = (block_end - t) / (bo_time)dt - 1.01;
            bo_i64 nfull = room > 0.0 ? (bo_i64)room : 0;
            if (nfull > a->max_steps - steps)
                nfull = a->max_steps - steps;
            if (nfull > BO_LOOP_BLOCK)
                nfull = BO_LOOP_BLOCK;
            const bo_time t_blk = t;
            const int nblk = (int)nfull; /* <= BO_LOOP_BLOCK: a 32-bit counter suffices */
            int k = 0;
            int fs = 0;
            for (; k < nblk; ++k) {
#if BO_MODEL_USES_TIME || BO_MODEL_ND > 0
                const bo_real tk = (bo_real)(t_blk + (bo_time)k * (bo_time)dt);
#else
                const bo_real tk = (bo_real)t_blk; /* f reads neither t nor drivers */
#endif
                fs = bo_step(y, y_new, err, p, a->driver_data, tk, dt, step_flags, &niters,
                             alg_shared, alg_persistent);
                newton += niters;
                if (fs)
                    break;
                BO_UNROLL
                for (int i = 0; i < BO_N; ++i)
                    y[i] = y_new[i];
                step_flags = BO_STEP_FSAL ? BO_STEP_FSAL_VALID : 0;
            }
            /* k steps completed; a failed attempt counts as a step too. */
            steps += fs ? k + 1 : k;
            t = t_blk + (bo_time)k * (bo_time)dt;
            if (fs) {
                status |= fs;
                break;
            }
            if (nfull > 0 && !bo_loop_all_finite(y)) {
                status |= BO_RUN_NONFINITE;
                break;
            }
            if (nfull > 0)
                continue;
        }
#endif
        bo_real dt_eff = dt;
        int lands = 0, truncated = 0;
        if (t + (bo_time)dt * 1.01 >= target) {
            dt_eff = (bo_real)(target - t);
            lands = 1;
            truncated = dt_eff < dt;
        }
        (void)truncated; /* read only by an adaptive controller */
        if (!(dt_eff > BO_C(0)) || t + (bo_time)dt_eff == t) {
            status |= BO_RUN_STAGNATION;
            break;
        }

#if BO_LOOP_INTERP
        /* The step's end if it is accepted; an output at or before it is read from this step. */
        const int dense = t_out <= (lands ? target : t + (bo_time)dt_eff) ? BO_STEP_DENSE : 0;
#else
        const int dense = 0;
#endif
        int step_status =
            bo_step(y, y_new, err, p, a->driver_data, (bo_real)t, dt_eff,
                    step_flags | dense | BO_EV_STEP_FLAGS, &niters, alg_shared, alg_persistent);
        ++steps;
        newton += niters;
        int finite = bo_loop_all_finite(y_new);
        int accept = 1;
#if BO_ADAPTIVE
        if (!finite || step_status) {
            saw_nonfinite |= !finite;
            step_failures |= step_status;
            BO_UNROLL
            for (int i = 0; i < BO_N; ++i)
                err[i] = BO_C(0) / BO_C(0); /* NaN: the controller rejects and shrinks */
        }
        bo_real dt_next = dt_eff;
        int ctl = bo_controller(&dt_next, y_new, y, err, niters, truncated, &accept, ctl_shared,
                                ctl_persistent);
        if (!finite || step_status)
            accept = 0;
        if (ctl) {
            status |= ctl;
            if (saw_nonfinite)
                status |= BO_RUN_NONFINITE;
            status |= step_failures;
            break;
        }
#else
        if (!finite || step_status) {
            status |= step_status ? step_status : BO_RUN_NONFINITE;
            break;
        }
#endif
        if (!accept) {
            ++rejections;
            step_flags = BO_STEP_RETRY;
#if BO_ADAPTIVE
            dt = dt_next;
#endif
            continue;
        }
#if BO_MODEL_NE > 0
        /* Events in the step (kernels/events.h). One that acts ends the step at its time t_ev
         * with y_new the state after it; the interpolant, if the events prepared it, is still
         * the whole step's. */
        const bo_time t_step = lands ? target : t + (bo_time)dt_eff;
        bo_time t_ev = t_step;
        int ev_prepared = 0;
        const int ev = bo_ev_step(&evr, a, run, p, drv, t, t_step, t_start, y, y_new, &t_ev,
                                  &status, alg_shared, alg_persistent, &ev_prepared);
#endif
#if BO_LOOP_INTERP
        if (dense) {
            /* Outputs up to the step's end, read from the dense output while y still holds
             * the step's start: interior ones interpolated (one prepare for all), one at the
             * end exactly y_new. A step an event ended ends at the event. */
#if BO_MODEL_NE > 0
            const bo_time t_new = t_ev;
            int prepared = ev_prepared;
#else
            const bo_time t_new = lands ? target : t + (bo_time)dt_eff;
            int prepared = 0;
#endif
            bo_real yi[BO_N];
            while (next_save < n_saves) {
                const bo_time ts = bo_loop_save_time(a, t_start, next_save);
                if (ts > t_new)
                    break;
                const bo_real *yo = y_new;
                if (ts < t_new) {
                    if (!prepared)
                        bo_dense_prepare(y, y_new, p, a->driver_data, (bo_real)t, dt_eff,
                                         alg_shared, alg_persistent);
                    prepared = 1;
                    bo_dense_eval(y, (bo_real)((ts - t) / (bo_time)dt_eff), yi, alg_shared,
                                  alg_persistent);
                    yo = yi;
                }
                bo_loop_save(a, run, next_save, yo, p, drv, obs, ts);
                ++next_save;
            }
#if BO_SUM_ACTIVE
            while (next_sample < n_samples) {
                const bo_time tk = t_start + (bo_time)next_sample * a->sample_every;
                if (tk > t_new)
                    break;
                const bo_real *yo = y_new;
                if (tk < t_new) {
                    if (!prepared)
                        bo_dense_prepare(y, y_new, p, a->driver_data, (bo_real)t, dt_eff,
                                         alg_shared, alg_persistent);
                    prepared = 1;
                    bo_dense_eval(y, (bo_real)((tk - t) / (bo_time)dt_eff), yi, alg_shared,
                                  alg_persistent);
                    yo = yi;
                }
                bo_sum_take(a, run, next_sample, yo, p, drv, obs, tk, t_start, sum_acc);
                ++next_sample;
            }
#endif
            t_out =
                bo_loop_next_output(a, t_start, t_end, next_save, n_saves, next_sample, n_samples);
        }
#endif
#if BO_MODEL_NE > 0
        /* A save or sample landed on at the step's end is then still due, unless the event fell
         * on the end itself. */
        lands = lands && t_ev == t_step;
        stopped = ev == BO_EV_STOP && !status;
        t = t_ev;
        BO_UNROLL
        for (int i = 0; i < BO_N; ++i)
            y[i] = y_new[i];
        step_flags = ev ? BO_STEP_FIRST : BO_STEP_FSAL ? BO_STEP_FSAL_VALID : 0;
        if (ev)
            bo_controller_init(ctl_shared, ctl_persistent);
#else
        t = lands ? target : t + (bo_time)dt_eff;
        BO_UNROLL
        for (int i = 0; i < BO_N; ++i)
            y[i] = y_new[i];
        step_flags = BO_STEP_FSAL ? BO_STEP_FSAL_VALID : 0;
#endif
        step_failures = 0;
#if BO_ADAPTIVE
        if (!truncated)
            dt = dt_next;
#endif
#if !BO_LOOP_INTERP
        if (lands && next_save < n_saves && t >= t_start &&
            bo_loop_save_time(a, t_start, next_save) <= t + 1e-9 * a->save_every) {
            bo_loop_save(a, run, next_save, y, p, drv, obs, t);
            ++next_save;
        }
#if BO_SUM_ACTIVE
        if (lands && next_sample < n_samples && t >= t_start &&
            t_start + (bo_time)next_sample * a->sample_every <= t + 1e-9 * a->sample_every) {
            bo_sum_take(a, run, next_sample, y, p, drv, obs, t, t_start, sum_acc);
            ++next_sample;
        }
#endif
#endif
        if (lands)
            target = bo_loop_next_event(a, t, t_start, t_end, next_save, n_saves, next_sample,
                                        n_samples);
    }
#if BO_MODEL_NE > 0
    bo_ev_end(&evr, a, run, status && a->mask_failed);
#endif

    /* A last save that coincides with the end up to rounding of its time is the end. */
    if (!status && !stopped && next_save < n_saves &&
        bo_loop_save_time(a, t_start, next_save) <= t_end + 1e-9 * duration) {
        bo_loop_save(a, run, next_save, y, p, drv, obs, t);
        ++next_save;
    }
#if BO_SUM_ACTIVE
    if (!status && !stopped && next_sample < n_samples &&
        t_start + (bo_time)next_sample * a->sample_every <= t_end + 1e-9 * duration) {
        bo_sum_take(a, run, next_sample, y, p, drv, obs, t, t_start, sum_acc);
        ++next_sample;
    }
#endif
    /* A save or sample still pending at the end was never reached: its time rounds onto the
     * end or onto another event (the solver rejects such spans at set-up; this keeps the kernel
     * honest on its own). The run did not do what was asked, so it fails, and its unreached
     * values become NaN below instead of staying unwritten. */
    if (!status && !stopped && (next_save < n_saves || next_sample < n_samples))
        status |= BO_RUN_STAGNATION;
#if BO_SUM_ACTIVE
    /* A failed run's windows: with mask_failed all of them are NaN, otherwise those it did
     * not complete. */
    if ((status || stopped) && n_samples > 0)
        bo_sum_fail(a, run, status && a->mask_failed ? 0 : next_sample);
    else if (n_samples > 0 && n_samples < a->n_windows * a->window_len + 1)
        bo_sum_fail(a, run, n_samples); /* the windows past a shorter span's end */
#endif
    (void)saw_nonfinite;
    (void)step_failures; /* read only with an adaptive controller */
    /* Saves past the end of a run shorter than the launch's longest are NaN. */
    for (bo_i64 k = status ? n_saves_all : n_saves; k < n_saves_all; ++k)
        for (int v = 0; v < BO_N_VARS; ++v)
            a->series[(k * (bo_i64)BO_N_VARS + v) * S + run] = BO_C(0) / BO_C(0);
    if (status || stopped) {
        /* A failed run's saves: with mask_failed (keep_failed=false) every one is NaN, and so
         * is its final state; otherwise the saves it never reached, which is also what a
         * stopped run leaves. Done here, by the run itself, so no pass over the whole batch
         * looks for failures afterwards. */
        const bo_real nan = BO_C(0) / BO_C(0);
        for (bo_i64 k = status && a->mask_failed ? 0 : next_save; k < n_saves_all; ++k)
            for (int v = 0; v < BO_N_VARS; ++v)
                a->series[(k * (bo_i64)BO_N_VARS + v) * S + run] = nan;
        if (status && a->mask_failed) {
            BO_UNROLL
            for (int i = 0; i < BO_N; ++i)
                y[i] = nan;
        }
    }
    BO_UNROLL
    for (int i = 0; i < BO_N; ++i)
        a->final_state[(bo_i64)i * S + run] = y[i];
    a->final_time[run] = t;
    a->status[run] = status | (stopped ? BO_RUN_STOPPED_BY_EVENT : 0);
    a->steps[run] = steps;
    a->rejections[run] = rejections;
    a->newton_iters[run] = newton;
}

#if BO_CUDA
extern "C" __global__ void bo_kernel(bo_args a)
{
    extern __shared__ bo_real bo_shared_block[];
    bo_i64 run = (bo_i64)blockIdx.x * blockDim.x + threadIdx.x;
    if (run >= a.run_count)
        return;
    bo_integrate_run(&a, run, bo_shared_block + (bo_i64)threadIdx.x * BO_SHARED_STRIDE);
}
#else
#ifndef BO_MODEL_STACK_ELEMS
#define BO_MODEL_STACK_ELEMS 0
#endif
/* Stack one thread needs to integrate runs, in bytes, for the CPU backend to size its threads
 * by: the registry's local buffers (all at once: a bound), the persistent and shared arrays of
 * a run, the model functions' arrays, the few state-sized arrays the loop and the methods
 * declare themselves, all twice over for what the compiler adds, and 1 MiB for the rest. */
const unsigned long long bo_stack_bytes =
    2ull * sizeof(bo_real) *
        ((unsigned long long)BO_LOCAL_TOTAL + BO_PERSISTENT_TOTAL + BO_SHARED_STRIDE +
         BO_MODEL_STACK_ELEMS + 8ull * BO_N + BO_DRV_LEN +
         (BO_MODEL_NE > 0 ? 6ull * BO_N + 4ull * BO_MODEL_NE : 0ull)) +
    (1ull << 20);
/* CPU entry point: integrate runs [begin, end) of the launch. */
void bo_run_range(const bo_args *a, bo_i64 begin, bo_i64 end);
void bo_run_range(const bo_args *a, bo_i64 begin, bo_i64 end)
{
    /* Zeroed once per call, so no compiler has to prove that a buffer placed here (a method's
     * dense output, say) is written before it is read. */
    bo_real shared[BO_SHARED_STRIDE > 0 ? BO_SHARED_STRIDE : 1] = {0};
    for (bo_i64 run = begin; run < end; ++run)
        bo_integrate_run(a, run, shared);
}
#endif

#endif
