/* Drivers on the device: time-varying model inputs evaluated from piecewise cubic tables that
 * the host built from sampled data (src/solve/drivers.c). Every driver of the model lives in one
 * flat, relocatable block (byte offsets, no pointers), so the host copies it to the GPU as is
 * and the CPU backend passes its own copy.
 *
 * Block layout, in 8-byte words (BO_DRV_*):
 *   word 0   number of drivers (int64)     word 1   total bytes (int64)
 *   then one record of BO_DRV_RECORD_WORDS words per driver, in model order:
 *     N      knots n (int64, >= 2)         FLAGS  BO_DRV_UNIFORM | BO_DRV_WRAP (int64)
 *     TIMES  byte offset of the knot times, double[n] (0 on a uniform grid)
 *     COEF   byte offset of the coefficients, bo_real[4*(n-1)]
 *     T0     first knot (double)           T_END  last knot (double)
 *     DT     knot spacing (double, uniform grids; else 0)
 *     INV_DT 1/DT (double, uniform grids; else 0)
 * Interval i covers [t_i, t_{i+1}] and holds a, b, c, d with
 *   u(t) = a + b s + c s^2 + d s^3,  s = t - t_i
 * (linear interpolation is the same with c = d = 0, so there is one evaluation path). Knot
 * times stay in double whatever the working precision, so a long run still finds the right
 * interval; only the short local coordinate s is rounded to bo_real.
 *
 * Outside [t0, t_end] a driver holds its end value (derivative 0), or with BO_DRV_WRAP repeats
 * with period t_end - t0. A uniform grid finds its interval in O(1), any other by binary
 * search over the knot times.
 *
 * Needs BO_MODEL_ND (the model's driver count) defined before the functions. The host library
 * includes this file with BO_DRIVERS_LAYOUT_ONLY defined, for the layout constants alone. */
#ifndef BO_DRIVERS_H
#define BO_DRIVERS_H

#define BO_DRV_HEADER_WORDS 2
#define BO_DRV_RECORD_WORDS 8
#define BO_DRV_N 0
#define BO_DRV_FLAGS 1
#define BO_DRV_TIMES 2
#define BO_DRV_COEF 3
#define BO_DRV_T0 4
#define BO_DRV_T_END 5
#define BO_DRV_DT 6
#define BO_DRV_INV_DT 7
#define BO_DRV_UNIFORM 1
#define BO_DRV_WRAP 2

#ifndef BO_DRIVERS_LAYOUT_ONLY

/* Find the interval of driver k at time t: returns its coefficients and sets *s to the local
 * coordinate and *outside to 1 when a held driver is evaluated beyond its ends. */
BO_DEVICE const bo_real *bo_driver_locate(const void *data, int k, double t, bo_real *s,
                                          int *outside)
{
    const unsigned char *base = (const unsigned char *)data;
    const bo_i64 *iw = (const bo_i64 *)data + BO_DRV_HEADER_WORDS + BO_DRV_RECORD_WORDS * k;
    const double *dw = (const double *)data + BO_DRV_HEADER_WORDS + BO_DRV_RECORD_WORDS * k;
    bo_i64 n = iw[BO_DRV_N];
    double t0 = dw[BO_DRV_T0], t1 = dw[BO_DRV_T_END];
    *outside = 0;
    if (iw[BO_DRV_FLAGS] & BO_DRV_WRAP) {
        double period = t1 - t0;
        t -= floor((t - t0) / period) * period;
        /* The reduction may round just past either end. */
        t = t < t0 ? t0 : (t > t1 ? t1 : t);
    } else if (t < t0) {
        t = t0;
        *outside = 1;
    } else if (t > t1) {
        t = t1;
        *outside = 1;
    }
    bo_i64 i;
    double ti;
    if (iw[BO_DRV_FLAGS] & BO_DRV_UNIFORM) {
        double u = (t - t0) * dw[BO_DRV_INV_DT];
        /* Written so that a NaN time lands on interval 0 (and gives NaN through s) instead of
         * reaching an undefined float-to-integer conversion. */
        if (!(u >= 0.0))
            u = 0.0;
        if (u > (double)(n - 2))
            u = (double)(n - 2);
        i = (bo_i64)u;
        ti = t0 + (double)i * dw[BO_DRV_DT];
    } else {
        const double *knots = (const double *)(base + iw[BO_DRV_TIMES]);
        bo_i64 lo = 0, hi = n - 1;
        while (hi - lo > 1) {
            bo_i64 mid = lo + (hi - lo) / 2;
            if (knots[mid] <= t)
                lo = mid;
            else
                hi = mid;
        }
        i = lo;
        ti = knots[i];
    }
    *s = (bo_real)(t - ti);
    return (const bo_real *)(base + iw[BO_DRV_COEF]) + 4 * i;
}

/* Values of every driver at t (Horner's rule on the interval's cubic). */
BO_DEVICE void bo_drivers_eval(const void *data, bo_real t, bo_real *drv)
{
    BO_UNROLL
    for (int k = 0; k < BO_MODEL_ND; ++k) {
        bo_real s;
        int outside;
        const bo_real *c = bo_driver_locate(data, k, (double)t, &s, &outside);
        drv[k] = c[0] + s * (c[1] + s * (c[2] + s * c[3]));
    }
}

/* Time derivatives of every driver at t: b + 2 c s + 3 d s^2, and 0 where a held driver is
 * past its ends (Rosenbrock methods need df/dt = f_t + f_drv * ddrv/dt). */
BO_DEVICE void bo_drivers_eval_dt(const void *data, bo_real t, bo_real *ddrv_dt)
{
    BO_UNROLL
    for (int k = 0; k < BO_MODEL_ND; ++k) {
        bo_real s;
        int outside;
        const bo_real *c = bo_driver_locate(data, k, (double)t, &s, &outside);
        bo_real d = c[1] + s * (BO_C(2.0) * c[2] + s * (BO_C(3.0) * c[3]));
        ddrv_dt[k] = outside ? BO_C(0.0) : d;
    }
}

#endif /* BO_DRIVERS_LAYOUT_ONLY */
#endif
