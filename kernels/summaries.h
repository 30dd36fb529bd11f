/* Summary metrics computed as a run goes, without storing its trajectory: each metric's
 * device functions, and the per-run driver the loop calls at every summary sample.
 *
 * Samples fall at t_start + k*sample_every (k = 0 .. n_windows*window_len), where
 * t_start = t0 + settling. Window w owns the samples k = w*M .. w*M + M - 1 (M =
 * window_len): the sample at a window's end opens the next window. Sample j is added to
 * its window when sample j+1 arrives, so every metric sees x[j-1], x[j] and x[j+1] at once:
 * first differences (x[j+1] - x[j]) / dt and second differences
 * (x[j+1] - 2 x[j] + x[j-1]) / dt^2 and local extrema centred on x[j] belong to the window of
 * sample j, using neighbours across the boundary. A window is therefore complete, and written,
 * when the sample at its end time arrives. Nothing is sampled during settling, so the first
 * window starts clean at t_start and its first sample has no x[j-1] (no second difference,
 * no peak there). docs/outputs.md states the definitions.
 *
 * A metric `name` is three functions, called per variable with acc pointing at the metric's
 * accumulator elements (its size is in the host table, src/codegen/summaries.c) and k its count:
 *   bo_sum_<name>_reset(acc, k)                    at the first sample of a window
 *   bo_sum_<name>_update(acc, k, smp)              for every sample of the window
 *   bo_sum_<name>_save(acc, k, smp, out, stride)   after the last: output c at out[c*stride]
 * The generated unit defines the BO_SUM_* sizes and the dispatch macros BO_SUM_RESET_VAR,
 * BO_SUM_UPDATE_VAR and BO_SUM_SAVE_VAR before this file. */
#ifndef BO_SUMMARIES_H
#define BO_SUMMARIES_H

/* Marks an empty min/max accumulator; it is the largest finite value, so no infinity has to
 * be formed (CPU tests run with floating-point traps). */
#if BO_PRECISION == 32
#define BO_SUM_HUGE BO_C(3.4028234663852886e38)
#else
#define BO_SUM_HUGE BO_C(1.7976931348623157e308)
#endif

/* A quiet NaN without an invalid operation. */
#if BO_CUDA
#if BO_PRECISION == 32
#define BO_SUM_NAN __int_as_float(0x7fc00000)
#else
#define BO_SUM_NAN __longlong_as_double(0x7ff8000000000000LL)
#endif
#else
#define BO_SUM_NAN ((bo_real)NAN)
#endif

/* What a metric sees when sample j is added to its window. */
typedef struct {
    bo_real prev;   /* x[j-1]; only when has_prev */
    bo_real x;      /* x[j] */
    bo_real next;   /* x[j+1] */
    bo_real inv_dt; /* 1 / sample_every */
    bo_time t;      /* time of sample j */
    bo_i64 n;       /* position of sample j in its window, from 0; at save: the last one */
    int has_prev;   /* j > 0: the recording has a sample before this one */
} bo_sum_sample;

/* ---- helpers ------------------------------------------------------------------------- */

/* Sums shifted by the window's first sample: acc = {shift, sum d, sum d^2} with d = x - shift.
 * The deviations are small where the signal's offset is large, so the variance S2/N - (S1/N)^2
 * does not cancel catastrophically in float32 (the shifted-data algorithm of Chan, Golub &
 * LeVeque, "Algorithms for computing the sample variance: analysis and recommendations",
 * The American Statistician 37(3), 1983, with the first datum as the shift). */
BO_DEVICE void bo_sum_shifted_add(bo_real *acc, const bo_sum_sample *s, int squares)
{
    if (s->n == 0)
        acc[0] = s->x;
    bo_real d = s->x - acc[0];
    acc[1] += d;
    if (squares)
        acc[2] += d * d;
}

BO_DEVICE bo_real bo_sum_variance(const bo_real *acc, const bo_sum_sample *s)
{
    bo_real inv_n = BO_C(1) / (bo_real)(s->n + 1);
    bo_real m = acc[1] * inv_n;
    bo_real v = acc[2] * inv_n - m * m;
    return v > BO_C(0) ? v : BO_C(0);
}

BO_DEVICE void bo_sum_zero(bo_real *acc, int n)
{
    for (int i = 0; i < n; ++i)
        acc[i] = BO_C(0);
}

/* A min/max accumulator that never saw a value reads as NaN. */
BO_DEVICE bo_real bo_sum_seen(bo_real v)
{
    return (v == BO_SUM_HUGE || v == -BO_SUM_HUGE) ? BO_SUM_NAN : v;
}

BO_DEVICE bo_real bo_sum_d1(const bo_sum_sample *s)
{
    return (s->next - s->x) * s->inv_dt;
}

BO_DEVICE bo_real bo_sum_d2(const bo_sum_sample *s)
{
    return (s->next - BO_C(2) * s->x + s->prev) * (s->inv_dt * s->inv_dt);
}

/* Largest (sign 1) or smallest (sign -1) value into acc[0]. */
BO_DEVICE void bo_sum_extreme(bo_real *acc, bo_real v, int sign)
{
    acc[0] = sign > 0 ? bo_max(acc[0], v) : bo_min(acc[0], v);
}

/* ---- value metrics ------------------------------------------------------------------- */

BO_DEVICE void bo_sum_mean_reset(bo_real *acc, int k)
{
    (void)k;
    bo_sum_zero(acc, 2);
}

BO_DEVICE void bo_sum_mean_update(bo_real *acc, int k, const bo_sum_sample *s)
{
    (void)k;
    bo_sum_shifted_add(acc, s, 0);
}

BO_DEVICE void bo_sum_mean_save(const bo_real *acc, int k, const bo_sum_sample *s, bo_real *out,
                                bo_i64 stride)
{
    (void)k;
    (void)stride;
    out[0] = acc[0] + acc[1] / (bo_real)(s->n + 1);
}

BO_DEVICE void bo_sum_rms_reset(bo_real *acc, int k)
{
    (void)k;
    bo_sum_zero(acc, 3);
}

BO_DEVICE void bo_sum_rms_update(bo_real *acc, int k, const bo_sum_sample *s)
{
    (void)k;
    bo_sum_shifted_add(acc, s, 1);
}

/* mean(x^2) = mean^2 + variance, both from the shifted sums. */
BO_DEVICE void bo_sum_rms_save(const bo_real *acc, int k, const bo_sum_sample *s, bo_real *out,
                               bo_i64 stride)
{
    (void)k;
    (void)stride;
    bo_real m = acc[0] + acc[1] / (bo_real)(s->n + 1);
    out[0] = BO_SQRT(m * m + bo_sum_variance(acc, s));
}

BO_DEVICE void bo_sum_std_reset(bo_real *acc, int k)
{
    (void)k;
    bo_sum_zero(acc, 3);
}

BO_DEVICE void bo_sum_std_update(bo_real *acc, int k, const bo_sum_sample *s)
{
    (void)k;
    bo_sum_shifted_add(acc, s, 1);
}

BO_DEVICE void bo_sum_std_save(const bo_real *acc, int k, const bo_sum_sample *s, bo_real *out,
                               bo_i64 stride)
{
    (void)k;
    (void)stride;
    out[0] = BO_SQRT(bo_sum_variance(acc, s));
}

BO_DEVICE void bo_sum_min_reset(bo_real *acc, int k)
{
    (void)k;
    acc[0] = BO_SUM_HUGE;
}

BO_DEVICE void bo_sum_min_update(bo_real *acc, int k, const bo_sum_sample *s)
{
    (void)k;
    bo_sum_extreme(acc, s->x, -1);
}

BO_DEVICE void bo_sum_min_save(const bo_real *acc, int k, const bo_sum_sample *s, bo_real *out,
                               bo_i64 stride)
{
    (void)k;
    (void)s;
    (void)stride;
    out[0] = bo_sum_seen(acc[0]);
}

BO_DEVICE void bo_sum_max_reset(bo_real *acc, int k)
{
    (void)k;
    acc[0] = -BO_SUM_HUGE;
}

BO_DEVICE void bo_sum_max_update(bo_real *acc, int k, const bo_sum_sample *s)
{
    (void)k;
    bo_sum_extreme(acc, s->x, 1);
}

BO_DEVICE void bo_sum_max_save(const bo_real *acc, int k, const bo_sum_sample *s, bo_real *out,
                               bo_i64 stride)
{
    (void)k;
    (void)s;
    (void)stride;
    out[0] = bo_sum_seen(acc[0]);
}

/* Outputs: max, min. */
BO_DEVICE void bo_sum_extrema_reset(bo_real *acc, int k)
{
    (void)k;
    acc[0] = -BO_SUM_HUGE;
    acc[1] = BO_SUM_HUGE;
}

BO_DEVICE void bo_sum_extrema_update(bo_real *acc, int k, const bo_sum_sample *s)
{
    (void)k;
    bo_sum_extreme(acc, s->x, 1);
    bo_sum_extreme(acc + 1, s->x, -1);
}

BO_DEVICE void bo_sum_extrema_save(const bo_real *acc, int k, const bo_sum_sample *s, bo_real *out,
                                   bo_i64 stride)
{
    (void)k;
    (void)s;
    out[0] = bo_sum_seen(acc[0]);
    out[stride] = bo_sum_seen(acc[1]);
}

BO_DEVICE void bo_sum_max_magnitude_reset(bo_real *acc, int k)
{
    (void)k;
    acc[0] = -BO_SUM_HUGE;
}

BO_DEVICE void bo_sum_max_magnitude_update(bo_real *acc, int k, const bo_sum_sample *s)
{
    (void)k;
    bo_sum_extreme(acc, BO_FABS(s->x), 1);
}

BO_DEVICE void bo_sum_max_magnitude_save(const bo_real *acc, int k, const bo_sum_sample *s,
                                         bo_real *out, bo_i64 stride)
{
    (void)k;
    (void)s;
    (void)stride;
    out[0] = bo_sum_seen(acc[0]);
}

/* ---- peaks: acc = {found, t1, v1, t2, v2, ...}; outputs t1, v1, ..., NaN when fewer ---- */

BO_DEVICE void bo_sum_peaks_common_reset(bo_real *acc, int k)
{
    bo_sum_zero(acc, 1 + 2 * k);
}

/* sign 1: strict local maximum x[j-1] < x[j] > x[j+1]; sign -1: strict minimum. */
BO_DEVICE void bo_sum_peaks_common_update(bo_real *acc, int k, const bo_sum_sample *s, int sign)
{
    int found = (int)acc[0];
    if (!s->has_prev || found >= k)
        return;
    int is_peak =
        sign > 0 ? (s->prev < s->x && s->x > s->next) : (s->prev > s->x && s->x < s->next);
    if (is_peak) {
        acc[1 + 2 * found] = (bo_real)s->t;
        acc[2 + 2 * found] = s->x;
        acc[0] = (bo_real)(found + 1);
    }
}

BO_DEVICE void bo_sum_peaks_common_save(const bo_real *acc, int k, bo_real *out, bo_i64 stride)
{
    int found = (int)acc[0];
    for (int i = 0; i < k; ++i) {
        out[(bo_i64)(2 * i) * stride] = i < found ? acc[1 + 2 * i] : BO_SUM_NAN;
        out[(bo_i64)(2 * i + 1) * stride] = i < found ? acc[2 + 2 * i] : BO_SUM_NAN;
    }
}

BO_DEVICE void bo_sum_peaks_reset(bo_real *acc, int k)
{
    bo_sum_peaks_common_reset(acc, k);
}

BO_DEVICE void bo_sum_peaks_update(bo_real *acc, int k, const bo_sum_sample *s)
{
    bo_sum_peaks_common_update(acc, k, s, 1);
}

BO_DEVICE void bo_sum_peaks_save(const bo_real *acc, int k, const bo_sum_sample *s, bo_real *out,
                                 bo_i64 stride)
{
    (void)s;
    bo_sum_peaks_common_save(acc, k, out, stride);
}

BO_DEVICE void bo_sum_negative_peaks_reset(bo_real *acc, int k)
{
    bo_sum_peaks_common_reset(acc, k);
}

BO_DEVICE void bo_sum_negative_peaks_update(bo_real *acc, int k, const bo_sum_sample *s)
{
    bo_sum_peaks_common_update(acc, k, s, -1);
}

BO_DEVICE void bo_sum_negative_peaks_save(const bo_real *acc, int k, const bo_sum_sample *s,
                                          bo_real *out, bo_i64 stride)
{
    (void)s;
    bo_sum_peaks_common_save(acc, k, out, stride);
}

/* ---- derivative extrema: finite differences of consecutive samples --------------------- */

/* order 1 or 2; which: 1 max, -1 min, 0 both (acc = {max, min}). */
BO_DEVICE void bo_sum_diff_reset(bo_real *acc, int which)
{
    acc[0] = which < 0 ? BO_SUM_HUGE : -BO_SUM_HUGE;
    if (which == 0)
        acc[1] = BO_SUM_HUGE;
}

BO_DEVICE void bo_sum_diff_update(bo_real *acc, const bo_sum_sample *s, int order, int which)
{
    if (order == 2 && !s->has_prev)
        return;
    bo_real d = order == 1 ? bo_sum_d1(s) : bo_sum_d2(s);
    if (which == 0) {
        bo_sum_extreme(acc, d, 1);
        bo_sum_extreme(acc + 1, d, -1);
    } else {
        bo_sum_extreme(acc, d, which);
    }
}

BO_DEVICE void bo_sum_diff_save(const bo_real *acc, bo_real *out, bo_i64 stride, int which)
{
    out[0] = bo_sum_seen(acc[0]);
    if (which == 0)
        out[stride] = bo_sum_seen(acc[1]);
}

#define BO_SUM_DIFF_METRIC(NAME, ORDER, WHICH)                                                     \
    BO_DEVICE void bo_sum_##NAME##_reset(bo_real *acc, int k)                                      \
    {                                                                                              \
        (void)k;                                                                                   \
        bo_sum_diff_reset(acc, WHICH);                                                             \
    }                                                                                              \
    BO_DEVICE void bo_sum_##NAME##_update(bo_real *acc, int k, const bo_sum_sample *s)             \
    {                                                                                              \
        (void)k;                                                                                   \
        bo_sum_diff_update(acc, s, ORDER, WHICH);                                                  \
    }                                                                                              \
    BO_DEVICE void bo_sum_##NAME##_save(const bo_real *acc, int k, const bo_sum_sample *s,         \
                                        bo_real *out, bo_i64 stride)                               \
    {                                                                                              \
        (void)k;                                                                                   \
        (void)s;                                                                                   \
        bo_sum_diff_save(acc, out, stride, WHICH);                                                 \
    }

BO_SUM_DIFF_METRIC(dxdt_max, 1, 1)
BO_SUM_DIFF_METRIC(dxdt_min, 1, -1)
BO_SUM_DIFF_METRIC(dxdt_extrema, 1, 0)
BO_SUM_DIFF_METRIC(d2xdt2_max, 2, 1)
BO_SUM_DIFF_METRIC(d2xdt2_min, 2, -1)
BO_SUM_DIFF_METRIC(d2xdt2_extrema, 2, 0)

/* ---- the per-run driver ------------------------------------------------------------- */

#if BO_SUM_ACTIVE
#define BO_SUM_COLUMNS (BO_SUM_N_VARS * BO_SUM_OUT_PER_VAR)

/* Take summary sample k of this run at time t (state y): add sample k-1 to its window, write
 * the window when k-1 was its last sample, and keep x[k], x[k-1] as history. t_start: the
 * run's first sample time (its t0 + settling). acc: the run's
 * BO_SUM_N_VARS * BO_SUM_ACC_PER_VAR accumulator elements. */
BO_DEVICE void bo_sum_take(const bo_args *a, bo_i64 run, bo_i64 k, const bo_real *y,
                           const bo_real *p, bo_real *drv, bo_real *obs, bo_time t, bo_time t_start,
                           bo_real *acc)
{
    bo_real v[BO_SUM_N_VARS];
    BO_UNROLL
    for (int i = 0; i < BO_SUM_N_STATES; ++i)
        v[i] = y[bo_sum_states[i]];
#if BO_SUM_N_OBS > 0
    bo_drivers_eval(a->driver_data, (bo_real)t, drv);
    bo_model_observables(y, p, drv, (bo_real)t, obs);
    BO_UNROLL
    for (int i = 0; i < BO_SUM_N_OBS; ++i)
        v[BO_SUM_N_STATES + i] = obs[bo_sum_obs[i]];
#else
    (void)p;
    (void)drv;
    (void)obs;
    (void)t;
#endif
    if (k > 0) {
        const bo_i64 S = a->run_stride;
        const bo_i64 M = a->window_len;
        const bo_i64 j = k - 1;
        const bo_i64 w = j / M;
        bo_sum_sample s;
        s.n = j - w * M;
        s.t = t_start + (bo_time)j * a->sample_every;
        s.inv_dt = (bo_real)(1.0 / a->sample_every);
        s.has_prev = j > 0;
        bo_real *row = a->summaries + w * (bo_i64)BO_SUM_COLUMNS * S + run;
        BO_UNROLL
        for (int i = 0; i < BO_SUM_N_VARS; ++i) {
            bo_real *h = acc + i * BO_SUM_ACC_PER_VAR;
            bo_real *m = h + BO_SUM_HISTORY;
            s.x = h[0];
            s.prev = h[1];
            s.next = v[i];
            if (s.n == 0)
                BO_SUM_RESET_VAR(m);
            BO_SUM_UPDATE_VAR(m, &s);
            if (s.n == M - 1)
                BO_SUM_SAVE_VAR(m, &s, row + (bo_i64)i * BO_SUM_OUT_PER_VAR * S, S);
        }
    }
    BO_UNROLL
    for (int i = 0; i < BO_SUM_N_VARS; ++i) {
        bo_real *h = acc + i * BO_SUM_ACC_PER_VAR;
        h[1] = k > 0 ? h[0] : v[i]; /* x[-1] is never read; keep it defined */
        h[0] = v[i];
    }
}

/* A failed run: the windows from the one sample samples_taken falls in onwards are NaN (0:
 * every window). */
BO_DEVICE void bo_sum_fail(const bo_args *a, bo_i64 run, bo_i64 samples_taken)
{
    const bo_i64 S = a->run_stride;
    bo_i64 done = samples_taken > 0 ? (samples_taken - 1) / a->window_len : 0;
    for (bo_i64 w = done; w < a->n_windows; ++w)
        for (int c = 0; c < BO_SUM_COLUMNS; ++c)
            a->summaries[(w * BO_SUM_COLUMNS + c) * S + run] = BO_SUM_NAN;
}
#endif

#endif
