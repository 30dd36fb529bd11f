/* Dense output (kernels/dense.h) and save times (save_at) through the public API, against
 * closed-form solutions:
 *   y' = -k y                  y = y0 exp(-k t)
 *   x' = v, v' = -w^2 x        x = x0 cos(w t), v = -x0 w sin(w t)
 *   z' = cos(t) z              z = z0 exp(sin t)
 * - Observed order of every interpolant: one fixed step of size h from the exact initial
 *   value, saves inside it at theta = 0.3 and 0.5; the error there is the interpolant's local
 *   error O(h^(q+1)), q its order (4 for tsit5/dp5/rodas5p, 3 for the Hermite cubic, rodas4
 *   and Radau IIA's collocation polynomial). Its slope over halving h must be q + 1.
 * - Interpolated saves at off-step times of an adaptive solve meet the tolerance.
 * - The step count does not depend on the number of saves (100 vs 10,000) when interpolating,
 *   and grows with it when landing.
 * - Summary samples are interpolated too: a mean over 10,000 samples costs no more steps.
 * - save_at: the results' times are the given ones, the values match the closed form, and the
 *   same times given as lin:, a list, a file and through bo_solver_set_save_times agree; bad
 *   lists are refused with a message. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "batchode.h"
#include "harness.h"
#include "solvetest.h"

static const char *model_src = "model analytic\n"
                               "param k = 1.5, w = 2.385\n"
                               "state y = 2.385, x = 1.25, v = 0, z = 0.75\n"
                               "dy/dt = -k*y\n"
                               "dx/dt = v\n"
                               "dv/dt = -w^2*x\n"
                               "dz/dt = cos(t)*z\n";

/* The solution from the model's initial values at t = t0. */
static void exact(double t0, double t, double out[4])
{
    const double k = 1.5, w = 2.385, s = t - t0;
    out[0] = 2.385 * exp(-k * s);
    out[1] = 1.25 * cos(w * s);
    out[2] = -1.25 * w * sin(w * s);
    out[3] = 0.75 * exp(sin(t) - sin(t0));
}

/* Largest error over saves and states, each scaled by 1 + |exact|, for a run from t0. */
static double save_error_from(const bo_results *r, double t0)
{
    double worst = 0.0;
    if (!r || bo_results_status(r, 0) != 0)
        return INFINITY;
    for (size_t k = 0; k < bo_results_save_count(r); ++k) {
        double ex[4];
        exact(t0, bo_results_save_time(r, k), ex);
        for (size_t i = 0; i < 4; ++i) {
            double e = fabs(bo_results_value(r, k, i, 0) - ex[i]) / (1.0 + fabs(ex[i]));
            if (!(e <= worst))
                worst = e;
        }
    }
    return worst;
}

static double save_error(const bo_results *r)
{
    return save_error_from(r, 0.0);
}

static void test_orders(bo_context *ctx, bo_model *m, bo_batch *b)
{
    static const struct {
        const char *method;
        int q;
    } cases[] = {{"tsit5", 4},  {"dp5", 4},       {"bs3", 3},      {"rk4", 3},    {"vern7", 3},
                 {"dop853", 3}, {"cash_karp", 3}, {"kvaerno5", 3}, {"sdirk4", 3}, {"ros3p", 3},
                 {"rodas4", 3}, {"rodas5p", 4},   {"radau5", 3}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; ++c) {
        double err[4];
        double h0 = cases[c].q >= 4 ? 0.4 : 0.2;
        for (int j = 0; j < 4; ++j) {
            double h = h0 / (double)(1 << j);
            char conf[512];
            snprintf(conf, sizeof conf,
                     "algorithm=%s step_controller=fixed dt=%.17g duration=%.17g "
                     "save_at=%.17g,%.17g save_mode=interpolate t0=0.3",
                     cases[c].method, h, h, 0.3 * h, 0.5 * h);
            bo_results *r = solve(ctx, m, b, conf);
            T_CHECK(r != NULL);
            if (r)
                T_EQ_INT((int)bo_results_steps(r, 0), 1);
            err[j] = save_error_from(r, 0.3);
            bo_results_destroy(r);
        }
        double slope = log2(err[2] / err[3]);
        printf("%-10s errors %.3e %.3e %.3e %.3e slope %.2f (want %d)\n", cases[c].method, err[0],
               err[1], err[2], err[3], slope, cases[c].q + 1);
        T_CHECKF(fabs(slope - (cases[c].q + 1)) < 0.45, "%s: interpolant slope %.2f, want %d",
                 cases[c].method, slope, cases[c].q + 1);
    }
}

/* Adaptive solves with saves at off-step times: where save_mode=auto interpolates, the saves
 * meet the tolerance with fewer steps than landing; where it lands (an interpolant of lower
 * order than the error estimate: the Hermite cubic of vern7, dop853, kvaerno5), the steps are
 * those of save_mode=land. */
static void test_adaptive(bo_context *ctx, bo_model *m, bo_batch *b)
{
    static const struct {
        const char *method;
        int interpolates;
    } cases[] = {{"tsit5", 1},       {"dp5", 1},    {"bs3", 1},      {"rodas5p", 1},
                 {"rodas4", 1},      {"radau5", 1}, {"kvaerno3", 1}, {"ros3p", 1},
                 {"vern7", 0},       {"dop853", 0}, {"kvaerno5", 0}, {"cash_karp", 0},
                 {"rosenbrock23", 0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        const double tol = 1e-7;
        char conf[512];
        snprintf(conf, sizeof conf, "algorithm=%s rtol=%g atol=%g duration=5 save_every=0.0123",
                 cases[i].method, tol, tol);
        bo_results *ra = solve(ctx, m, b, conf);
        snprintf(conf, sizeof conf,
                 "algorithm=%s rtol=%g atol=%g duration=5 save_every=0.0123 save_mode=land",
                 cases[i].method, tol, tol);
        bo_results *rl = solve(ctx, m, b, conf);
        double ea = save_error(ra), el = save_error(rl);
        long long sa = ra ? (long long)bo_results_steps(ra, 0) : -1;
        long long sl = rl ? (long long)bo_results_steps(rl, 0) : -1;
        printf("%-12s auto %.2e (%lld steps), landed %.2e (%lld steps)\n", cases[i].method, ea, sa,
               el, sl);
        if (cases[i].interpolates) {
            /* ros3p's own error is far above the tolerance on this problem already. */
            T_CHECKF(ea < 30 * tol + 5 * el, "%s: interpolated saves off by %.3e at tol %g",
                     cases[i].method, ea, tol);
            T_CHECKF(sa > 0 && sa < sl, "%s: interpolating took %lld steps, landing %lld",
                     cases[i].method, sa, sl);
        } else {
            T_CHECKF(sa == sl && ea == el, "%s: save_mode=auto should land (%lld vs %lld steps)",
                     cases[i].method, sa, sl);
        }
        bo_results_destroy(ra);
        bo_results_destroy(rl);
    }
}

static void test_step_counts(bo_context *ctx, bo_model *m, bo_batch *b)
{
    const char *base = "algorithm=tsit5 rtol=1e-8 atol=1e-8 duration=10";
    long long steps[4];
    const char *extra[4] = {"save_every=0.1", "save_every=0.001", "save_every=0.001 save_mode=land",
                            "outputs=state,mean"
                            " sample_summaries_every=0.001"};
    for (int i = 0; i < 4; ++i) {
        char conf[512];
        snprintf(conf, sizeof conf, "%s %s", base, extra[i]);
        bo_results *r = solve(ctx, m, b, conf);
        steps[i] = r ? (long long)bo_results_steps(r, 0) : -1;
        if (i == 1)
            T_CHECKF(save_error(r) < 3e-7, "10,000 interpolated saves off by %.3e", save_error(r));
        bo_results_destroy(r);
    }
    printf("steps: 100 saves %lld, 10000 saves %lld, 10000 landed %lld, 10000 samples %lld\n",
           steps[0], steps[1], steps[2], steps[3]);
    T_CHECK(steps[0] > 0);
    T_CHECKF(steps[0] == steps[1], "steps with 100 saves (%lld) and 10,000 saves (%lld) differ",
             steps[0], steps[1]);
    T_CHECK(steps[2] >= 10000);
    T_CHECKF(steps[3] == steps[0], "10,000 interpolated summary samples took %lld steps, not %lld",
             steps[3], steps[0]);
}

static void test_save_at(bo_context *ctx, bo_model *m, bo_batch *b)
{
    /* The same 5 times as lin:, as a list, from a file and through the C API. */
    const char *path = "test_dense_times.txt";
    FILE *f = fopen(path, "w");
    T_CHECK(f != NULL);
    if (f) {
        fputs("0\n0.25, 0.5\n\n0.75\r\n1\n", f);
        fclose(f);
    }
    char conf[512];
    const char *specs[3] = {"lin:0:1:5", "0,0.25,0.5,0.75,1", path};
    bo_results *rs[4] = {NULL, NULL, NULL, NULL};
    for (int i = 0; i < 3; ++i) {
        snprintf(conf, sizeof conf, "duration=1 settling=0.5 t0=0.1 save_at=%s", specs[i]);
        rs[i] = solve(ctx, m, b, conf);
    }
    {
        bo_settings *s = NULL;
        bo_solver *sv = NULL;
        const double times[5] = {0, 0.25, 0.5, 0.75, 1};
        T_EQ_INT(bo_settings_create(ctx, &s), BO_OK);
        bo_settings_set(s, "backend", "cpu");
        bo_settings_set(s, "duration", "1");
        bo_settings_set(s, "settling", "0.5");
        bo_settings_set(s, "t0", "0.1");
        T_EQ_INT(bo_solver_create(ctx, m, s, &sv), BO_OK);
        T_EQ_INT(bo_solver_set_save_times(sv, times, 5), BO_OK);
        T_EQ_INT(bo_solver_solve(sv, b, &rs[3]), BO_OK);
        /* Refused: unsorted and repeated times. */
        const double bad1[3] = {0, 0.5, 0.25}, bad2[3] = {0, 0.5, 0.5};
        T_EQ_INT(bo_solver_set_save_times(sv, bad1, 3), BO_ERR_INVALID_ARG);
        T_CONTAINS(bo_errmsg(ctx), "strictly increasing");
        T_EQ_INT(bo_solver_set_save_times(sv, bad2, 3), BO_ERR_INVALID_ARG);
        T_CONTAINS(bo_errmsg(ctx), "repeats");
        /* Both ways at once, and with save_every. */
        T_EQ_INT(bo_solver_set(sv, "save_at", "0,1"), BO_OK);
        bo_results *r = NULL;
        T_EQ_INT(bo_solver_solve(sv, b, &r), BO_ERR_SETTING);
        T_CONTAINS(bo_errmsg(ctx), "given twice");
        T_EQ_INT(bo_solver_set_save_times(sv, NULL, 0), BO_OK);
        T_EQ_INT(bo_solver_set(sv, "save_every", "0.1"), BO_OK);
        T_EQ_INT(bo_solver_solve(sv, b, &r), BO_ERR_SETTING);
        T_CONTAINS(bo_errmsg(ctx), "save_every");
        T_CHECK(r == NULL);
        bo_solver_destroy(sv);
        bo_settings_destroy(s);
    }
    for (int i = 0; i < 4; ++i) {
        T_CHECK(rs[i] != NULL);
        if (!rs[i])
            continue;
        T_EQ_INT((int)bo_results_save_count(rs[i]), 5);
        for (size_t k = 0; k < 5 && bo_results_save_count(rs[i]) == 5; ++k)
            T_CHECKF(bo_results_save_time(rs[i], k) == 0.1 + 0.5 + 0.25 * (double)k,
                     "source %d: save %zu at %.17g", i, k, bo_results_save_time(rs[i], k));
        T_CHECKF(save_error_from(rs[i], 0.1) < 1e-5, "source %d: saves off by %.3e", i,
                 save_error_from(rs[i], 0.1));
        if (i > 0 && rs[0])
            T_CHECK(memcmp(bo_results_series_array(rs[i]), bo_results_series_array(rs[0]),
                           5 * 4 * sizeof(double)) == 0);
    }
    for (int i = 0; i < 4; ++i)
        bo_results_destroy(rs[i]);
    /* Log spacing; and landing on the given times gives the same times. */
    bo_results *r =
        solve(ctx, m, b, "duration=10 rtol=1e-8 atol=1e-8 save_at=log:0.001:10:50 save_mode=land");
    T_CHECK(r && bo_results_save_count(r) == 50);
    if (r) {
        T_ABS(bo_results_save_time(r, 0), 0.001, 1e-18);
        T_ABS(bo_results_save_time(r, 49), 10.0, 1e-15);
        T_CHECKF(save_error(r) < 1e-5, "landed save_at off by %.3e", save_error(r));
    }
    bo_results_destroy(r);

    /* Bad lists: the message names the fault. */
    static const struct {
        const char *conf;
        const char *says;
    } bad[] = {
        {"duration=1 save_at=0,0.5,0.25", "strictly increasing"},
        {"duration=1 save_at=0,0.5,0.5", "repeats"},
        {"duration=1 save_at=0,2", "outside the recorded span"},
        {"duration=1 save_at=-0.5,0.5", "outside the recorded span"},
        {"duration=1 save_at=0,1 save_every=0.1", "save_every"},
        {"duration=1 save_at=no_such_file.txt", "neither a list of times"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
        r = solve(ctx, m, b, bad[i].conf);
        T_CHECK(r == NULL);
        T_CONTAINS(bo_errmsg(ctx), bad[i].says);
        bo_results_destroy(r);
    }
    f = fopen(path, "w");
    if (f) {
        fputs("0\n0.5\n0.7x\n", f);
        fclose(f);
    }
    snprintf(conf, sizeof conf, "duration=1 save_at=%s", path);
    r = solve(ctx, m, b, conf);
    T_CHECK(r == NULL);
    T_CONTAINS(bo_errmsg(ctx), "test_dense_times.txt:3:1: '0.7x' is not a save time");
    bo_results_destroy(r);
    remove(path);
}

int main(void)
{
    bo_context *ctx = NULL;
    T_EQ_INT(bo_context_create(&ctx), BO_OK);
    bo_model *m = NULL;
    bo_batch *b = NULL;
    T_EQ_INT(bo_model_load_string(ctx, model_src, "analytic", &m), BO_OK);
    T_EQ_INT(bo_batch_create(ctx, m, &b), BO_OK);
    if (m && b) {
        test_orders(ctx, m, b);
        test_adaptive(ctx, m, b);
        test_step_counts(ctx, m, b);
        test_save_at(ctx, m, b);
    }
    bo_batch_destroy(b);
    bo_model_destroy(m);
    bo_context_destroy(ctx);
    T_DONE();
}
