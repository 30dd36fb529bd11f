/* Driver tables end to end on the host: samples -> spline coefficients (src/solve/drivers.c) ->
 * packed block -> the device evaluation of kernels/drivers.h, compiled natively from the
 * embedded text exactly as the generated program pastes it, in float64 and float32.
 *
 * Truth is independent of the code: polynomials the interpolants must reproduce exactly
 * (linear data for linear interpolation; a cubic for not-a-knot and for clamped with the
 * cubic's own end slopes, on uniform and non-uniform grids), the defining end condition of
 * the natural spline (u'' = 0), the O(h^4) convergence of the periodic spline on sin, hold
 * and wrap outside the sampled range, derivatives against the analytic ones, and every error
 * path (including the public API's and the CSV loader's messages). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "harness.h"

#include "ccutil.h"
#include "solve/drivers.h"
#include "util/embedded.h"
#include "util/internal.h"
#include "util/strbuf.h"

#define BO_TEST_PI 3.14159265358979323846

static bo_context *ctx;

typedef void (*eval_fn)(const void *data, double t, double *v, double *dv);

/* The device library for nd drivers at a precision, compiled as a shared object. */
static eval_fn load_eval(int bits, int nd)
{
    sb_buf b;
    sb_init(&b);
    sb_printf(&b, "#define BO_PRECISION %d\n", bits);
    sb_append(&b, bo_embedded_find("prelude.h"));
    sb_printf(&b, "#define BO_MODEL_ND %d\n", nd);
    sb_append(&b, bo_embedded_find("drivers.h"));
    sb_append(&b, "void drv_eval(const void *data, double t, double *v, double *dv);\n"
                  "void drv_eval(const void *data, double t, double *v, double *dv)\n{\n"
                  "    bo_real a[BO_MODEL_ND], b[BO_MODEL_ND];\n"
                  "    bo_drivers_eval(data, (bo_real)t, a);\n"
                  "    bo_drivers_eval_dt(data, (bo_real)t, b);\n"
                  "    for (int k = 0; k < BO_MODEL_ND; ++k) {\n"
                  "        v[k] = (double)a[k];\n"
                  "        dv[k] = (double)b[k];\n"
                  "    }\n}\n");
    char *src = sb_take(&b);
    void *h = src ? ccu_compile_so(src, CCU_STRICT) : NULL;
    free(src);
    if (!h)
        return NULL;
    eval_fn f;
    void *sym = dlsym(h, "drv_eval");
    memcpy(&f, &sym, sizeof f);
    return sym ? f : NULL;
}

static eval_fn eval64, eval32, eval64x3;

/* A table for the samples packed alone, at a precision (block: free with bo_free). */
static void *pack_one(const double *t, const double *v, size_t n, int interp, int ends, double s0,
                      double s1, int bytes, dr_table *tab_out)
{
    dr_table tab;
    void *block = NULL;
    size_t len = 0;
    int rc = dr_table_build(ctx, "u", t, v, n, interp, ends, s0, s1, &tab);
    T_CHECKF(rc == BO_OK, "build: %s", bo_errmsg(ctx));
    if (rc == BO_OK)
        T_EQ_INT(dr_pack(ctx, &tab, 1, bytes, &block, &len), BO_OK);
    if (tab_out)
        *tab_out = tab;
    else
        dr_table_free(&tab);
    return block;
}

static double cubic(double t)
{
    return ((0.3 * t - 1.2) * t + 2.385) * t + 0.5;
}

static double cubic_dt(double t)
{
    return (0.9 * t - 2.4) * t + 2.385;
}

/* Sample times on [a, b]: uniform (t0 + i*dt) or visibly non-uniform. */
static void grid(double a, double b, size_t n, int uniform, double *t)
{
    double dt = (b - a) / (double)(n - 1);
    for (size_t i = 0; i < n; ++i)
        t[i] = a + (double)i * dt;
    if (!uniform)
        for (size_t i = 1; i + 1 < n; ++i)
            t[i] += 0.37 * dt * sin(2.385 * (double)i);
}

static void test_linear(void)
{
    double t[9], v[9];
    grid(-1.5, 2.0, 9, 0, t);
    for (size_t i = 0; i < 9; ++i)
        v[i] = 2.385 * t[i] - 0.7;
    void *blk = pack_one(t, v, 9, BO_INTERP_LINEAR, BO_ENDS_HOLD, NAN, NAN, 8, NULL);
    for (int j = 0; blk && j <= 100; ++j) {
        double x = -1.5 + 3.5 * (j + 0.31) / 101.0, val, d;
        eval64(blk, x, &val, &d);
        T_ABS(val, 2.385 * x - 0.7, 1e-14 * 6.0);
        T_REL(d, 2.385, 1e-13);
    }
    bo_free(blk);
}

/* A cubic is reproduced by not-a-knot and by clamped with its exact end slopes. */
static void test_cubic_exact(void)
{
    const double a = -1.0, b = 2.3;
    double scale = 0.0, dscale = 0.0;
    for (int j = 0; j <= 1000; ++j) {
        double x = a + (b - a) * j / 1000.0;
        scale = fmax(scale, fabs(cubic(x)));
        dscale = fmax(dscale, fabs(cubic_dt(x)));
    }
    for (int uniform = 0; uniform < 2; ++uniform) {
        for (int kind = 0; kind < 2; ++kind) {
            size_t n = kind ? 5 : 12;
            double t[12], v[12];
            grid(a, b, n, uniform, t);
            for (size_t i = 0; i < n; ++i)
                v[i] = cubic(t[i]);
            int interp = kind ? BO_INTERP_CLAMPED : BO_INTERP_NOT_A_KNOT;
            dr_table tab;
            void *blk = pack_one(t, v, n, interp, BO_ENDS_HOLD, cubic_dt(a), cubic_dt(b), 8, &tab);
            T_EQ_INT(tab.uniform, uniform);
            double worst = 0.0, dworst = 0.0;
            for (int j = 0; blk && j < 997; ++j) {
                double x = a + (b - a) * (j + 0.5) / 997.0, val, d;
                eval64(blk, x, &val, &d);
                worst = fmax(worst, fabs(val - cubic(x)));
                dworst = fmax(dworst, fabs(d - cubic_dt(x)));
            }
            T_CHECKF(worst <= 1e-12 * scale, "%s %s: value error %g", kind ? "clamped" : "nak",
                     uniform ? "uniform" : "non-uniform", worst);
            T_CHECKF(dworst <= 1e-11 * dscale, "%s: derivative error %g", kind ? "clamped" : "nak",
                     dworst);
            dr_table_free(&tab);
            bo_free(blk);
        }
    }
    /* Clamped with the default end slopes (one-sided 3-point differences) is exact for a
     * quadratic: those differences are exact for it. */
    double t[7], v[7];
    grid(0.2, 3.1, 7, 0, t);
    for (size_t i = 0; i < 7; ++i)
        v[i] = 1.7 * t[i] * t[i] - 2.385 * t[i] + 0.4;
    void *blk = pack_one(t, v, 7, BO_INTERP_CLAMPED, BO_ENDS_HOLD, NAN, NAN, 8, NULL);
    for (int j = 0; blk && j < 50; ++j) {
        double x = 0.2 + 2.9 * (j + 0.5) / 50.0, val, d;
        eval64(blk, x, &val, &d);
        T_ABS(val, 1.7 * x * x - 2.385 * x + 0.4, 1e-13 * 10);
        T_ABS(d, 3.4 * x - 2.385, 1e-12 * 10);
    }
    bo_free(blk);
    /* Three samples, not-a-knot: the parabola through them. */
    double t3[3] = {0.0, 0.7, 2.0}, v3[3];
    for (int i = 0; i < 3; ++i)
        v3[i] = 2.0 * t3[i] * t3[i] - t3[i] + 1.0;
    blk = pack_one(t3, v3, 3, BO_INTERP_NOT_A_KNOT, BO_ENDS_HOLD, NAN, NAN, 8, NULL);
    for (int j = 0; blk && j < 20; ++j) {
        double x = 2.0 * (j + 0.5) / 20.0, val, d;
        eval64(blk, x, &val, &d);
        T_ABS(val, 2.0 * x * x - x + 1.0, 1e-13 * 8);
    }
    bo_free(blk);
}

/* The natural spline's second derivative vanishes at both ends; it reproduces a line. */
static void test_natural(void)
{
    double t[10], v[10];
    grid(0.0, 3.0, 10, 0, t);
    for (size_t i = 0; i < 10; ++i)
        v[i] = exp(0.6 * t[i]);
    dr_table tab;
    T_EQ_INT(dr_table_build(ctx, "u", t, v, 10, BO_INTERP_NATURAL, BO_ENDS_HOLD, NAN, NAN, &tab),
             BO_OK);
    const double *c0 = tab.coef, *cl = tab.coef + 4 * 8;
    double hl = tab.t[9] - tab.t[8];
    T_ABS(2.0 * c0[2], 0.0, 1e-13);
    T_ABS(2.0 * cl[2] + 6.0 * cl[3] * hl, 0.0, 1e-12);
    /* Interior curvature is not zero: the test would pass trivially otherwise. */
    T_CHECK(fabs(tab.coef[4 * 4 + 2]) > 0.1);
    /* Values and slopes are continuous at every interior knot. */
    for (size_t i = 1; i < 9; ++i) {
        const double *p = tab.coef + 4 * (i - 1), *q = tab.coef + 4 * i;
        double h = tab.t[i] - tab.t[i - 1];
        T_ABS(p[0] + h * (p[1] + h * (p[2] + h * p[3])), q[0], 1e-13);
        T_ABS(p[1] + h * (2 * p[2] + 3 * h * p[3]), q[1], 1e-12);
        T_ABS(2 * p[2] + 6 * h * p[3], 2 * q[2], 1e-11);
    }
    dr_table_free(&tab);
    for (size_t i = 0; i < 10; ++i)
        v[i] = 0.5 - 1.25 * t[i];
    void *blk = pack_one(t, v, 10, BO_INTERP_NATURAL, BO_ENDS_HOLD, NAN, NAN, 8, NULL);
    for (int j = 0; blk && j < 40; ++j) {
        double x = 3.0 * (j + 0.5) / 40.0, val, d;
        eval64(blk, x, &val, &d);
        T_ABS(val, 0.5 - 1.25 * x, 1e-14 * 4);
        T_ABS(d, -1.25, 1e-13);
    }
    bo_free(blk);
}

/* Largest error of the periodic spline of sin on one period sampled at n points. */
static double periodic_error(size_t n, double *derr)
{
    double *t = malloc(n * sizeof *t), *v = malloc(n * sizeof *v);
    const double p = 2.0 * BO_TEST_PI;
    for (size_t i = 0; i < n; ++i) {
        t[i] = p * (double)i / (double)(n - 1);
        v[i] = sin(t[i]);
    }
    /* v[n-1] = sin(2 pi) rounds to -2.4e-16, not 0: the periodic check must allow that. */
    void *blk = pack_one(t, v, n, BO_INTERP_PERIODIC, BO_ENDS_WRAP, NAN, NAN, 8, NULL);
    double worst = 0.0, dworst = 0.0;
    for (int j = 0; blk && j < 2000; ++j) {
        double x = p * (j + 0.5) / 2000.0, val, d;
        eval64(blk, x, &val, &d);
        worst = fmax(worst, fabs(val - sin(x)));
        dworst = fmax(dworst, fabs(d - cos(x)));
    }
    bo_free(blk);
    free(t);
    free(v);
    *derr = dworst;
    return worst;
}

static void test_periodic(void)
{
    double d1, d2, d3;
    double e1 = periodic_error(17, &d1), e2 = periodic_error(33, &d2), e3 = periodic_error(65, &d3);
    /* O(h^4): halving h divides the error by about 16 (de Boor, ch. V). */
    T_CHECKF(e1 / e2 > 13.0 && e1 / e2 < 19.0, "ratio %g (errors %g, %g)", e1 / e2, e1, e2);
    T_CHECKF(e2 / e3 > 13.0 && e2 / e3 < 19.0, "ratio %g (errors %g, %g)", e2 / e3, e2, e3);
    /* The derivative converges as O(h^3). */
    T_CHECKF(d1 / d2 > 6.0 && d1 / d2 < 10.0, "derivative ratio %g", d1 / d2);
    /* The error constant: 5/384 h^4 max|sin''''| bounds it (Hall & Meyer 1976). */
    double h = 2.0 * BO_TEST_PI / 32.0;
    T_CHECKF(e2 <= 5.0 / 384.0 * pow(h, 4) * 1.01, "error %g", e2);

    /* Smooth across the seam: slope at both ends, and wrapping is a shift by the period. */
    double t[33], v[33];
    for (int i = 0; i < 33; ++i) {
        t[i] = 2.0 * BO_TEST_PI * i / 32.0 + 1.0;
        v[i] = sin(t[i] - 1.0);
    }
    v[32] = v[0];
    void *blk = pack_one(t, v, 33, BO_INTERP_PERIODIC, BO_ENDS_WRAP, NAN, NAN, 8, NULL);
    double a, da, b, db;
    eval64(blk, t[0], &a, &da);
    eval64(blk, t[32], &b, &db);
    T_ABS(a, b, 1e-15);
    T_ABS(da, db, 1e-13);
    for (int j = 0; j < 20; ++j) {
        double x = 1.0 + 0.3217 * j;
        eval64(blk, x, &a, &da);
        eval64(blk, x + 3 * 2.0 * BO_TEST_PI, &b, &db);
        T_ABS(b, a, 1e-12);
        eval64(blk, x - 2 * 2.0 * BO_TEST_PI, &b, &db);
        T_ABS(b, a, 1e-12);
        T_ABS(db, da, 1e-10);
    }
    bo_free(blk);
}

static void test_ends(void)
{
    double t[6] = {1.0, 1.5, 2.5, 2.7, 3.4, 4.0}, v[6] = {0.3, -1.1, 0.8, 2.385, 1.0, -0.4};
    for (int interp = BO_INTERP_LINEAR; interp <= BO_INTERP_NOT_A_KNOT; ++interp) {
        void *blk = pack_one(t, v, 6, interp, BO_ENDS_HOLD, NAN, NAN, 8, NULL);
        double x, d;
        eval64(blk, -7.0, &x, &d);
        T_EQ_INT(x == 0.3, 1);
        T_EQ_INT(d == 0.0, 1);
        eval64(blk, 0.999, &x, &d);
        T_EQ_INT(x == 0.3 && d == 0.0, 1);
        eval64(blk, 4.001, &x, &d);
        T_ABS(x, -0.4, 1e-15);
        T_EQ_INT(d == 0.0, 1);
        /* At the samples the interpolant takes the sample values. */
        for (int i = 0; i < 6; ++i) {
            eval64(blk, t[i], &x, &d);
            T_ABS(x, v[i], 1e-15 * 4);
        }
        bo_free(blk);
        /* wrap: period 3; t = 4 + 0.2 reads t = 1.2; -2 + 0.2 too. */
        blk = pack_one(t, v, 6, interp, BO_ENDS_WRAP, NAN, NAN, 8, NULL);
        double y0, d0;
        eval64(blk, 1.2, &y0, &d0);
        eval64(blk, 4.2, &x, &d);
        T_ABS(x, y0, 1e-14);
        T_ABS(d, d0, 1e-12);
        eval64(blk, 1.2 - 3.0 * 7, &x, &d);
        T_ABS(x, y0, 1e-13);
        eval64(blk, 2.6 + 3.0 * 1e6, &x, &d); /* far out: the period reduction still lands */
        eval64(blk, 2.6, &y0, &d0);
        T_ABS(x, y0, 1e-8);
        bo_free(blk);
    }
    /* A NaN time gives NaN, never an out-of-range interval. */
    void *blk = pack_one(t, v, 6, BO_INTERP_NOT_A_KNOT, BO_ENDS_HOLD, NAN, NAN, 8, NULL);
    double x, d;
    eval64(blk, NAN, &x, &d);
    T_CHECK(isnan(x));
    bo_free(blk);
}

/* Uniform grids are recognised (O(1) lookup) and give the same values as a binary search. */
static void test_uniform(void)
{
    double t[41], v[41], acc = 0.0;
    for (int i = 0; i < 41; ++i) {
        t[i] = acc;
        acc += 0.1; /* accumulated: off t0 + i*dt by a few ulps, still uniform */
        v[i] = cos(1.3 * t[i]);
    }
    dr_table tab;
    void *blk = pack_one(t, v, 41, BO_INTERP_NOT_A_KNOT, BO_ENDS_HOLD, NAN, NAN, 8, &tab);
    T_EQ_INT(tab.uniform, 1);
    T_REL(tab.dt, 0.1, 1e-14);
    dr_table_free(&tab);
    /* The same data made non-uniform by one ulp-sized shift beyond the tolerance. */
    double tn[41];
    memcpy(tn, t, sizeof t);
    tn[20] += 1e-9;
    void *blk2 = pack_one(tn, v, 41, BO_INTERP_NOT_A_KNOT, BO_ENDS_HOLD, NAN, NAN, 8, &tab);
    T_EQ_INT(tab.uniform, 0);
    dr_table_free(&tab);
    for (int j = 0; j < 300; ++j) {
        double x = 4.0 * (j + 0.5) / 300.0, a, da, b, db;
        eval64(blk, x, &a, &da);
        eval64(blk2, x, &b, &db);
        T_ABS(a, b, 1e-7);
        T_ABS(a, cos(1.3 * x), 2e-5); /* 5/384 h^4 max|f''''| = 3.7e-6, more at the ends */
    }
    bo_free(blk);
    bo_free(blk2);
}

/* float32 blocks: coefficients rounded to float, times still double. */
static void test_float32(void)
{
    double t[12], v[12];
    grid(1000.0, 1003.3, 12, 0, t); /* times far from 0: double knots keep s accurate */
    for (size_t i = 0; i < 12; ++i)
        v[i] = cubic(t[i] - 1000.0);
    void *blk = pack_one(t, v, 12, BO_INTERP_NOT_A_KNOT, BO_ENDS_HOLD, NAN, NAN, 4, NULL);
    for (int j = 0; blk && j < 100; ++j) {
        /* t itself passes through bo_real (float): evaluate at float-representable times. */
        double x = (double)(float)(1000.0 + 3.3 * (j + 0.5) / 100.0), val, d;
        eval32(blk, x, &val, &d);
        T_ABS(val, cubic(x - 1000.0), 2e-6 * 4.0);
    }
    bo_free(blk);
}

/* Several drivers in one block, mixed grids: each reads its own table. */
static void test_pack_many(void)
{
    double t1[5] = {0, 1, 2, 3, 4}, v1[5] = {1, 3, 2, 5, 4};
    double t2[4] = {-1.0, 0.5, 0.75, 3.0}, v2[4] = {2.0, -1.0, 0.5, 0.25};
    double t3[3] = {0.0, 2.0, 4.0}, v3[3] = {7.0, 8.0, 7.0};
    dr_table tabs[3];
    T_EQ_INT(
        dr_table_build(ctx, "a", t1, v1, 5, BO_INTERP_LINEAR, BO_ENDS_HOLD, NAN, NAN, &tabs[0]),
        BO_OK);
    T_EQ_INT(
        dr_table_build(ctx, "b", t2, v2, 4, BO_INTERP_NOT_A_KNOT, BO_ENDS_WRAP, NAN, NAN, &tabs[1]),
        BO_OK);
    T_EQ_INT(
        dr_table_build(ctx, "c", t3, v3, 3, BO_INTERP_PERIODIC, BO_ENDS_WRAP, NAN, NAN, &tabs[2]),
        BO_OK);
    for (int bytes = 4; bytes <= 8; bytes += 4) {
        void *all = NULL;
        size_t len = 0;
        T_EQ_INT(dr_pack(ctx, tabs, 3, bytes, &all, &len), BO_OK);
        int64_t hdr[2];
        memcpy(hdr, all, sizeof hdr);
        T_EQ_INT(hdr[0], 3);
        T_EQ_INT(hdr[1], (int64_t)len);
        T_EQ_INT(len % 8, 0);
        for (int j = 0; bytes == 8 && j < 30; ++j) {
            double x = -2.0 + 7.0 * j / 29.0, val[3], d[3];
            eval64x3(all, x, val, d);
            for (int k = 0; k < 3; ++k) {
                const double *tk = k == 0 ? t1 : k == 1 ? t2 : t3;
                const double *vk = k == 0 ? v1 : k == 1 ? v2 : v3;
                size_t nk = k == 0 ? 5 : k == 1 ? 4 : 3;
                int interp = tabs[k].interpolation;
                void *one = pack_one(tk, vk, nk, interp, tabs[k].ends, NAN, NAN, 8, NULL);
                double w, dw;
                eval64(one, x, &w, &dw);
                T_EQ_INT(val[k] == w && d[k] == dw, 1);
                bo_free(one);
            }
        }
        bo_free(all);
    }
    /* The periodic spline through 7, 8, 7 at t = 0, 2, 4 is even about both t = 0 and t = 2
     * (its periodic extension is), so its slopes there vanish. */
    const double *c = tabs[2].coef;
    T_ABS(c[1], 0.0, 1e-14);
    T_ABS(c[4 + 1], 0.0, 1e-14);
    for (int k = 0; k < 3; ++k)
        dr_table_free(&tabs[k]);
}

static void test_sample_errors(void)
{
    double t[4] = {0.0, 1.0, 2.0, 3.0}, v[4] = {1.0, 2.0, 0.5, 1.5};
    dr_table tab;
    T_EQ_INT(dr_check_samples(ctx, "F", t, v, 1), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "driver 'F': needs at least 2 samples");
    double bad[4] = {0.0, 1.0, 1.0, 3.0};
    T_EQ_INT(dr_check_samples(ctx, "F", bad, v, 4), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "increase strictly");
    T_CONTAINS(bo_errmsg(ctx), "t[2]");
    bad[2] = NAN;
    T_EQ_INT(dr_check_samples(ctx, "F", bad, v, 4), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "t[2] is not finite");
    double nv[4] = {1.0, NAN, 0.5, 1.5};
    T_EQ_INT(dr_check_samples(ctx, "F", t, nv, 4), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "v[1] (at t = 1) is NaN");
    T_EQ_INT(dr_table_build(ctx, "F", t, v, 4, BO_INTERP_PERIODIC, BO_ENDS_WRAP, NAN, NAN, &tab),
             BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "periodic interpolation needs the last sample to repeat");
    dr_table_free(&tab);
    T_EQ_INT(
        dr_table_build(ctx, "F", t, v, 4, BO_INTERP_CLAMPED, BO_ENDS_HOLD, INFINITY, 0.0, &tab),
        BO_ERR_INVALID_ARG);
    dr_table_free(&tab);
    T_EQ_INT(dr_parse_interpolation("not_a_knot"), BO_INTERP_NOT_A_KNOT);
    T_EQ_INT(dr_parse_interpolation("cubic"), -1);
    T_EQ_INT(dr_parse_ends("wrap"), BO_ENDS_WRAP);
}

static const char *model_text = "model forced\ndriver force, gain\nstate y = 0\n"
                                "dy/dt = gain*force - y\n";

static bo_solver *make_solver(bo_model **m)
{
    *m = NULL;
    bo_settings *s = NULL;
    bo_solver *sv = NULL;
    if (bo_model_load_string(ctx, model_text, "forced.ode", m) != BO_OK ||
        bo_settings_create(ctx, &s) != BO_OK || bo_settings_set(s, "backend", "cpu") != BO_OK ||
        bo_solver_create(ctx, *m, s, &sv) != BO_OK)
        printf("setup failed: %s\n", bo_errmsg(ctx));
    bo_settings_destroy(s);
    return sv;
}

static char *write_temp(const char *text)
{
    return ccu_write_temp(text, ".csv");
}

static void test_api_errors(void)
{
    bo_model *m = NULL;
    bo_solver *sv = make_solver(&m);
    T_CHECK(sv != NULL);
    if (!sv)
        return;
    bo_batch *b = NULL;
    bo_batch_create(ctx, m, &b);
    double t[3] = {0.0, 0.5, 1.0}, v[3] = {1.0, 2.0, 1.0};
    T_EQ_INT(bo_solver_set_driver(sv, "forse", t, v, 3, NULL), BO_ERR_NOT_FOUND);
    T_CONTAINS(bo_errmsg(ctx), "model 'forced' has no driver 'forse' (did you mean 'force'?)");
    T_EQ_INT(bo_solver_set_driver(sv, "zzzzzz", t, v, 3, NULL), BO_ERR_NOT_FOUND);
    T_CONTAINS(bo_errmsg(ctx), "its drivers: force, ...");
    T_EQ_INT(bo_solver_set_driver(sv, "force", t, v, 1, NULL), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "driver 'force': needs at least 2 samples");
    bo_driver_options o;
    bo_driver_options_init(&o);
    o.interpolation = 9;
    T_EQ_INT(bo_solver_set_driver(sv, "force", t, v, 3, &o), BO_ERR_INVALID_ARG);
    o.interpolation = BO_INTERP_PERIODIC;
    v[2] = 1.5;
    T_EQ_INT(bo_solver_set_driver(sv, "force", t, v, 3, &o), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "driver 'force': periodic");
    v[2] = 1.0;

    /* Missing data: the solve is refused, naming the driver. */
    bo_results *r = NULL;
    T_EQ_INT(bo_solver_set_driver(sv, "force", t, v, 3, NULL), BO_OK);
    T_EQ_INT(bo_solver_solve(sv, b, &r), BO_ERR_STATE);
    T_CONTAINS(bo_errmsg(ctx), "has driver 'gain' but no data");
    T_CHECK(r == NULL);

    /* CSV: header optional; errors name file:line:col. */
    char *p = write_temp("time,gain\n0,2\n0.5,2\n1,2\n");
    T_EQ_INT(bo_solver_load_driver_csv(sv, "gain", p, NULL), BO_OK);
    unlink(p);
    free(p);
    /* A two-column header names the driver it holds: one written for another driver, or a
     * generic name, is not taken for this one (a file without a header is). */
    p = write_temp("t,force\n0,7\n1,7\n");
    T_EQ_INT(bo_solver_load_driver_csv(sv, "gain", p, NULL), BO_ERR_PARSE);
    T_CONTAINS(bo_errmsg(ctx), ":1:3: driver 'gain': the header names the value column 'force', "
                               "not 'gain' (name the column 'gain', or leave the header out)");
    unlink(p);
    free(p);
    p = write_temp("time,value\n0,7\n1,7\n");
    T_EQ_INT(bo_solver_load_driver_csv(sv, "gain", p, NULL), BO_ERR_PARSE);
    T_CONTAINS(bo_errmsg(ctx), "the header names the value column 'value', not 'gain'");
    unlink(p);
    free(p);
    p = write_temp("0,1\n1,oops\n");
    T_EQ_INT(bo_solver_load_driver_csv(sv, "gain", p, NULL), BO_ERR_PARSE);
    T_CONTAINS(bo_errmsg(ctx), ":2:3: driver 'gain': value 'oops' is not a number");
    unlink(p);
    free(p);
    p = write_temp("t,gain\n0,1\n1,2,3\n");
    T_EQ_INT(bo_solver_load_driver_csv(sv, "gain", p, NULL), BO_ERR_PARSE);
    T_CONTAINS(bo_errmsg(ctx), ":3: driver 'gain': expected 2 columns, found 3");
    unlink(p);
    free(p);
    p = write_temp("0,1\n1,2\n0.5,3\n");
    T_EQ_INT(bo_solver_load_driver_csv(sv, "gain", p, NULL), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), ":3: driver 'gain': times must increase strictly");
    unlink(p);
    free(p);
    p = write_temp("time,gain\n0,1\n");
    T_EQ_INT(bo_solver_load_driver_csv(sv, "gain", p, NULL), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "needs at least 2 samples");
    unlink(p);
    free(p);
    p = write_temp("0,1,2\n1,2,3\n");
    T_EQ_INT(bo_solver_load_driver_csv(sv, "gain", p, NULL), BO_ERR_PARSE);
    T_CONTAINS(bo_errmsg(ctx), "needs a header row");
    unlink(p);
    free(p);
    p = write_temp("time,other,force\n0,1,2\n1,2,3\n");
    T_EQ_INT(bo_solver_load_driver_csv(sv, "gain", p, NULL), BO_ERR_PARSE);
    T_CONTAINS(bo_errmsg(ctx), "no column named 'gain'");
    T_EQ_INT(bo_solver_load_driver_csv(sv, "force", p, NULL), BO_OK);
    unlink(p);
    free(p);
    T_EQ_INT(bo_solver_load_driver_csv(sv, "gain", "/nonexistent/dir/g.csv", NULL), BO_ERR_IO);
    T_EQ_INT(bo_solver_load_driver_csv(sv, "gian", "/nonexistent/dir/g.csv", NULL),
             BO_ERR_NOT_FOUND);
    /* A failed load keeps the earlier data: the solve runs with force = 2 + t (two samples:
     * a line) and gain = 2, so dy/dt = 4 + 2t - y, y(0) = 0: y = 2 + 2t - 2 e^{-t}. */
    T_EQ_INT(bo_solver_solve(sv, b, &r), BO_OK);
    T_REL(bo_results_final(r, 0, 0), 4.0 - 2.0 * exp(-1.0), 1e-5);
    bo_results_destroy(r);
    bo_batch_destroy(b);
    bo_solver_destroy(sv);
    bo_model_destroy(m);

    /* A model without drivers has none to set. */
    bo_model *plain = NULL;
    bo_model_load_string(ctx, "state y = 1\ndy/dt = -y\n", "p.ode", &plain);
    bo_settings *s = NULL;
    bo_settings_create(ctx, &s);
    bo_settings_set(s, "backend", "cpu");
    bo_solver_create(ctx, plain, s, &sv);
    T_EQ_INT(bo_solver_set_driver(sv, "u", t, v, 3, NULL), BO_ERR_NOT_FOUND);
    T_CONTAINS(bo_errmsg(ctx), "declares no drivers");
    bo_solver_destroy(sv);
    bo_settings_destroy(s);
    bo_model_destroy(plain);
}

/* Every allocation of setting data, loading a file and packing may fail: the call then
 * reports BO_ERR_NOMEM, leaks nothing (the sanitizer build checks) and leaves the driver's
 * earlier data usable. */
static void test_alloc_failures(void)
{
    bo_model *m = NULL;
    bo_solver *sv = make_solver(&m);
    if (!sv)
        return;
    double t[5] = {0.0, 0.25, 0.5, 0.75, 1.0}, v[5] = {0.0, 1.0, 0.0, -1.0, 0.0};
    char *p = write_temp("time,gain\n0,1\n1,2\n2,1.5\n");
    bo_driver_options o;
    bo_driver_options_init(&o);
    o.interpolation = BO_INTERP_PERIODIC;
    int nomem = 0, ok = 0;
    for (long k = 0; k < 40; ++k) {
        bo_test_fail_alloc_after(k);
        int a = bo_solver_set_driver(sv, "force", t, v, 5, &o);
        bo_test_fail_alloc_after(k);
        int b = bo_solver_load_driver_csv(sv, "gain", p, NULL);
        bo_test_fail_alloc_after(-1);
        T_CHECK(a == BO_OK || a == BO_ERR_NOMEM);
        T_CHECK(b == BO_OK || b == BO_ERR_NOMEM);
        nomem += (a == BO_ERR_NOMEM) + (b == BO_ERR_NOMEM);
        ok += (a == BO_OK) + (b == BO_OK);
    }
    T_CHECK(nomem > 4 && ok > 4);
    dr_table tabs[2];
    T_EQ_INT(dr_table_build(ctx, "a", t, v, 5, BO_INTERP_NATURAL, BO_ENDS_HOLD, NAN, NAN, &tabs[0]),
             BO_OK);
    T_EQ_INT(dr_table_build(ctx, "b", t, v, 5, BO_INTERP_LINEAR, BO_ENDS_WRAP, NAN, NAN, &tabs[1]),
             BO_OK);
    for (long k = 0; k < 4; ++k) {
        void *blk = NULL;
        size_t len = 0;
        dr_table tb;
        bo_test_fail_alloc_after(k);
        int a = dr_table_build(ctx, "c", t, v, 5, BO_INTERP_CLAMPED, BO_ENDS_HOLD, NAN, NAN, &tb);
        dr_table_free(&tb);
        bo_test_fail_alloc_after(k);
        int b = dr_pack(ctx, tabs, 2, 8, &blk, &len);
        bo_test_fail_alloc_after(-1);
        T_CHECK(a == BO_OK || a == BO_ERR_NOMEM);
        T_CHECK(b == BO_OK || b == BO_ERR_NOMEM);
        T_CHECK((b == BO_OK) == (blk != NULL));
        bo_free(blk);
    }
    dr_table_free(&tabs[0]);
    dr_table_free(&tabs[1]);
    /* After all that, both drivers hold their data and a solve runs. */
    bo_batch *b = NULL;
    bo_batch_create(ctx, m, &b);
    bo_results *r = NULL;
    T_EQ_INT(bo_solver_solve(sv, b, &r), BO_OK);
    bo_results_destroy(r);
    bo_batch_destroy(b);
    unlink(p);
    free(p);
    bo_solver_destroy(sv);
    bo_model_destroy(m);
}

int main(void)
{
    T_EQ_INT(bo_context_create(&ctx), BO_OK);
    eval64 = load_eval(64, 1);
    eval32 = load_eval(32, 1);
    eval64x3 = load_eval(64, 3);
    T_CHECK(eval64 && eval32 && eval64x3);
    if (eval64 && eval32 && eval64x3) {
        test_linear();
        test_cubic_exact();
        test_natural();
        test_periodic();
        test_ends();
        test_uniform();
        test_float32();
        test_pack_many();
    }
    test_sample_errors();
    test_api_errors();
    test_alloc_failures();
    bo_context_destroy(ctx);
    T_DONE();
}
