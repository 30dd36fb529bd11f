/* Step-size controllers (device code): fixed, I, PI, PID and Gustafsson's predictive
 * controller. After every attempted step the loop calls bo_controller(), which measures the
 * embedded error estimate in a mean-square norm, accepts or rejects the step, and proposes
 * the next step size. The controller is chosen and tuned at compile time by the macros the
 * generated unit defines before including this file (docs/controllers.md lists them with the
 * formulas and every behaviour chosen here).
 *
 * History (previous errors and step sizes) lives only in the buffer the registry gives as
 * BO_ALLOC_controller_timestep_buffer(var, shared, persistent); the registry decides whether
 * it sits in shared or persistent local memory and nothing here depends on which. It must be
 * persistent: a fresh local array would forget the previous error every step. PI and PID keep
 * log2(E^2) of earlier steps, so each step takes one logarithm (of its own error); an entry of
 * BO_CTRL_NO_LOG or more means "no history yet" (stored values lie within +-100). Gustafsson
 * keeps dt and E^2, 0 meaning "no history yet" (stored values are always > 0).
 * bo_controller_init writes the empty history. */
#ifndef BO_CONTROLLERS_H
#define BO_CONTROLLERS_H

#define BO_CTRL_FIXED 0
#define BO_CTRL_I 1
#define BO_CTRL_PI 2
#define BO_CTRL_PID 3
#define BO_CTRL_GUSTAFSSON 4

#ifndef BO_N
#error "controllers.h: BO_N (state count) must be defined"
#endif
#ifndef BO_CONTROLLER
#error "controllers.h: BO_CONTROLLER must be defined"
#endif

/* Elements of timestep_buffer each controller registers (PI: E2_{n-1}; PID: E2_{n-1},
 * E2_{n-2}; Gustafsson: dt_{n-1}, E2_{n-1}). */
#if BO_CONTROLLER == BO_CTRL_FIXED || BO_CONTROLLER == BO_CTRL_I
#define BO_CTRL_HISTORY 0
#elif BO_CONTROLLER == BO_CTRL_PI
#define BO_CTRL_HISTORY 1
#elif BO_CONTROLLER == BO_CTRL_PID || BO_CONTROLLER == BO_CTRL_GUSTAFSSON
#define BO_CTRL_HISTORY 2
#else
#error "controllers.h: BO_CONTROLLER must be one of BO_CTRL_FIXED, _I, _PI, _PID, _GUSTAFSSON"
#endif

#if BO_CONTROLLER != BO_CTRL_FIXED
#if !defined(BO_CTRL_ORDER) || !defined(BO_CTRL_SAFETY) || !defined(BO_CTRL_MIN_GAIN) ||           \
    !defined(BO_CTRL_MAX_GAIN) || !defined(BO_CTRL_DEADBAND_MIN) ||                                \
    !defined(BO_CTRL_DEADBAND_MAX) || !defined(BO_CTRL_DT_MIN) || !defined(BO_CTRL_DT_MAX)
#error "controllers.h: an adaptive controller needs BO_CTRL_ORDER, _SAFETY, _MIN_GAIN, \
_MAX_GAIN, _DEADBAND_MIN, _DEADBAND_MAX, _DT_MIN and _DT_MAX"
#endif
#if (BO_CONTROLLER == BO_CTRL_PI || BO_CONTROLLER == BO_CTRL_PID) &&                               \
    (!defined(BO_CTRL_KP) || !defined(BO_CTRL_KI))
#error "controllers.h: PI and PID need BO_CTRL_KP and BO_CTRL_KI"
#endif
#if BO_CONTROLLER == BO_CTRL_PID && !defined(BO_CTRL_KD)
#error "controllers.h: PID needs BO_CTRL_KD"
#endif
#if BO_CONTROLLER == BO_CTRL_GUSTAFSSON &&                                                         \
    (!defined(BO_CTRL_GAMMA) || !defined(BO_CTRL_MAX_NEWTON_ITERS))
#error "controllers.h: Gustafsson needs BO_CTRL_GAMMA and BO_CTRL_MAX_NEWTON_ITERS"
#endif

/* A non-finite norm (NaN or Inf in the error or the state) is mapped to this value; any norm
 * at or above it marks a failed step that is shrunk by min_gain without evaluating the gain
 * formula. */
#define BO_CTRL_NORM_HUGE BO_C(1e30)
/* Floor on E^2 before it is raised to negative powers, so an exactly zero error gives a large
 * finite gain (then clamped to max_gain) instead of inf, and inf*0 cannot arise in PI/PID.
 * (1e-30)^(-1/(2(p+1))) still exceeds any sensible max_gain for p <= 8; 1e-30 is a normal
 * float32. */
#define BO_CTRL_NORM_FLOOR BO_C(1e-30)
/* Gustafsson stores E_{n-1} >= 1e-2 (E^2 >= 1e-4), as ERRACC = MAX(1.0D-2, ERR) in Hairer's
 * RADAU5 (radau5.f, predictive controller): one extremely accurate step must not make the
 * predictive gain needlessly timid for the next. */
#define BO_CTRL_GUS_NORM2_FLOOR BO_C(1e-4)
/* k = 2(p+1): the gains act on E^2, so E2^(-1/k) = E^(-1/(p+1)). */
#define BO_CTRL_K ((bo_real)(2 * ((BO_CTRL_ORDER) + 1)))
/* "No history yet" for PI and PID: above any stored log2(E^2), which lies in [-100, 100]
 * (E^2 is floored at 1e-30 and a step with E^2 >= 1e30 stores nothing). */
#define BO_CTRL_NO_LOG BO_C(1e4)

/* Mean-square error norm E^2 = (1/n) sum_i (err_i / tol_i)^2 with
 * tol_i = atol_i + rtol_i * max(|y_new,i|, |y_old,i|) (Hairer, Norsett & Wanner, Solving ODEs
 * I, 2nd ed., II.4 eq. (4.10)-(4.11), with the max of old and new values). NaN or Inf anywhere
 * gives BO_CTRL_NORM_HUGE, so the step is rejected. The step is acceptable iff E^2 <= 1. */
BO_DEVICE bo_real bo_controller_error_norm2(const bo_real *state, const bo_real *state_prev,
                                            const bo_real *error)
{
    bo_real sum = BO_C(0);
    BO_UNROLL
    for (int i = 0; i < BO_N; ++i) {
        /* bo_max propagates NaN, so a NaN state is caught too. */
        const bo_real scale = bo_max(BO_FABS(state[i]), BO_FABS(state_prev[i]));
        const bo_real ratio = error[i] / (bo_ctrl_atol[i] + bo_ctrl_rtol[i] * scale);
        sum += ratio * ratio;
    }
    sum = sum / (bo_real)((BO_N) > 0 ? (BO_N) : 1);
    if (!bo_isfinite(sum) || sum > BO_CTRL_NORM_HUGE)
        sum = BO_CTRL_NORM_HUGE;
    return sum;
}
#endif /* BO_CONTROLLER != BO_CTRL_FIXED */

/* Reset the history at the start of a run. */
BO_DEVICE void bo_controller_init(bo_real *shared_scratch, bo_real *persistent_local)
{
#if BO_CTRL_HISTORY > 0
    BO_ALLOC_controller_timestep_buffer(hist, shared_scratch, persistent_local);
    BO_UNROLL
    for (int i = 0; i < BO_CTRL_HISTORY; ++i)
        hist[i] = BO_CONTROLLER == BO_CTRL_GUSTAFSSON ? BO_C(0) : BO_CTRL_NO_LOG;
#endif
    /* The registry's allocator uses only the region the buffer was placed in. */
    (void)shared_scratch;
    (void)persistent_local;
}

/* Decide on the step just attempted and propose the next dt.
 * dt: in = the step size just taken, out = the next step size.
 * state = proposed y_{n+1}, state_prev = y_n, error = embedded error estimate (n values),
 * niters = Newton iterations used by the step (0 for explicit methods; only Gustafsson reads
 * it), truncated = 1 if the loop shortened this step to land on an output time: an accepted
 * truncated step leaves dt and the history untouched, because its size says nothing about the
 * error the method could sustain and the loop resumes with its own pre-truncation dt,
 * accept_out = 1 accept / 0 reject. Returns 0, or BO_RUN_STEP_TOO_SMALL when the step is
 * rejected while dt is already at or below dt_min (nothing is left to shrink). */
BO_DEVICE int bo_controller(bo_real *dt, const bo_real *state, const bo_real *state_prev,
                            const bo_real *error, int niters, int truncated, int *accept_out,
                            bo_real *shared_scratch, bo_real *persistent_local)
{
#if BO_CONTROLLER == BO_CTRL_FIXED
    (void)dt;
    (void)state;
    (void)state_prev;
    (void)error;
    (void)niters;
    (void)truncated;
    (void)shared_scratch;
    (void)persistent_local;
    *accept_out = 1;
    return 0;
#else
    const bo_real h = *dt;
    const bo_real e2_raw = bo_controller_error_norm2(state, state_prev, error);
    const int failed = !(e2_raw < BO_CTRL_NORM_HUGE);
    const int accept = e2_raw <= BO_C(1);
    const bo_real e2 = bo_max_num(e2_raw, BO_CTRL_NORM_FLOOR); /* the norm is never NaN */
    bo_real gain;
    bo_real log2_e2 = BO_C(0); /* log2(E^2) of this step, once computed */
    int status = 0;
#if BO_CTRL_HISTORY > 0
    BO_ALLOC_controller_timestep_buffer(hist, shared_scratch, persistent_local);
#endif
    (void)shared_scratch;
    (void)persistent_local;
#if BO_CONTROLLER != BO_CTRL_GUSTAFSSON
    (void)niters;
#endif

    /* Gains are products of powers of E^2 and its history, computed as one exp2 of a sum of
     * log2 terms: one transcendental pair instead of a pow per factor (the powers agree with
     * pow to a few ulps). */
    if (failed) {
        gain = BO_CTRL_MIN_GAIN;
    } else {
#if BO_CONTROLLER == BO_CTRL_I
        /* Elementary controller, Hairer, Norsett & Wanner I, II.4 eq. (4.12)-(4.13). */
        log2_e2 = BO_LOG2(e2);
        gain = BO_CTRL_SAFETY * BO_EXP2(log2_e2 * (-BO_C(1) / BO_CTRL_K));
#elif BO_CONTROLLER == BO_CTRL_PI
        /* PI controller (Gustafsson 1991; Hairer, Norsett & Wanner I, II.4, "stabilized step
         * size control"); a first step has no E_{n-1} and uses E_n in its place. */
        log2_e2 = BO_LOG2(e2);
        const bo_real log2_prev = hist[0] < BO_CTRL_NO_LOG ? hist[0] : log2_e2;
        gain = BO_CTRL_SAFETY *
               BO_EXP2(log2_e2 * (-BO_CTRL_KP / BO_CTRL_K) + log2_prev * (-BO_CTRL_KI / BO_CTRL_K));
#elif BO_CONTROLLER == BO_CTRL_PID
        /* PID controller (Soderlind, "Digital filters in adaptive time-stepping", ACM TOMS
         * 29(1), 2003), in cubie's parametrisation; missing history falls back to the newest
         * error available. */
        log2_e2 = BO_LOG2(e2);
        const bo_real log2_prev = hist[0] < BO_CTRL_NO_LOG ? hist[0] : log2_e2;
        const bo_real log2_prev2 = hist[1] < BO_CTRL_NO_LOG ? hist[1] : log2_prev;
        gain = BO_CTRL_SAFETY *
               BO_EXP2(log2_e2 * (-BO_CTRL_KP / BO_CTRL_K) + log2_prev * (-BO_CTRL_KI / BO_CTRL_K) +
                       log2_prev2 * (-BO_CTRL_KD / BO_CTRL_K));
#elif BO_CONTROLLER == BO_CTRL_GUSTAFSSON
        /* Hairer & Wanner, Solving ODEs II, IV.8 (step size selection): the basic gain is
         * damped when Newton needed many iterations, fac = gamma * min(1, (2 NIT + 1) /
         * (2 NIT + niters)), exactly RADAU5's FAC = MIN(SAFE, CFAC/(NEWT+2*NIT)) with
         * CFAC = SAFE*(1+2*NIT). */
        const bo_real nit2 = BO_C(2) * (bo_real)(BO_CTRL_MAX_NEWTON_ITERS);
        const bo_real fac =
            BO_CTRL_GAMMA *
            bo_min(BO_C(1), (nit2 + BO_C(1)) / (nit2 + (bo_real)(niters > 0 ? niters : 0)));
        log2_e2 = BO_LOG2(e2);
        const bo_real gain_basic = fac * BO_EXP2(log2_e2 * (-BO_C(1) / BO_CTRL_K));
        gain = gain_basic;
        if (accept && hist[0] > BO_C(0)) {
            /* Predictive step (eq. (8.21)-(8.22)): h_n/h_{n-1} * (E_{n-1}/E_n^2)^(1/(p+1)). */
            const bo_real gain_pred = BO_CTRL_GAMMA * (h / hist[0]) *
                                      BO_EXP2(log2_e2 * (-BO_C(2) / BO_CTRL_K) +
                                              BO_LOG2(hist[1]) * (BO_C(1) / BO_CTRL_K));
            gain = bo_min(gain_pred, gain_basic);
        }
#endif
        /* Gains are finite here: exp2 of a finite sum, times finite factors. */
        gain = bo_min_num(bo_max_num(gain, BO_CTRL_MIN_GAIN), BO_CTRL_MAX_GAIN);
        /* Off when both bounds are 1: only gain == 1 matches, which changes nothing. */
        if (gain >= BO_CTRL_DEADBAND_MIN && gain <= BO_CTRL_DEADBAND_MAX)
            gain = BO_C(1);
    }
    if (!accept)
        gain = bo_min_num(gain, BO_CTRL_SAFETY);

    *accept_out = accept;
    if (accept && truncated)
        return 0;
    /* Only a rejection at dt_min is fatal; an accepted step at dt_min may go on (cubie flags
     * it even then). A truncated step shorter than dt_min counts as at dt_min: a retry would
     * be truncated to the same step and rejected again. */
    if (!accept && h <= BO_CTRL_DT_MIN)
        status = BO_RUN_STEP_TOO_SMALL;
    *dt = bo_min_num(bo_max_num(h * gain, BO_CTRL_DT_MIN), BO_CTRL_DT_MAX);

#if BO_CTRL_HISTORY > 0
    if (accept) {
#if BO_CONTROLLER == BO_CTRL_PI
        hist[0] = log2_e2;
#elif BO_CONTROLLER == BO_CTRL_PID
        hist[1] = hist[0];
        hist[0] = log2_e2;
#elif BO_CONTROLLER == BO_CTRL_GUSTAFSSON
        hist[0] = h;
        hist[1] = bo_max(e2, BO_CTRL_GUS_NORM2_FLOOR);
#endif
    }
#endif
    return status;
#endif /* BO_CONTROLLER == BO_CTRL_FIXED */
}

#endif
