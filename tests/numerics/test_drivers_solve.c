/* Driven models solved end to end on the CPU backend, against closed forms.
 *
 * dx/dt = a*u with u = sin sampled on a fine grid must match the same model with sin(t)
 * written in and the exact x(T) = a*(1 - cos T). The tolerance comes from the interpolation
 * error: a cubic spline of sin with spacing h is within 5/384 h^4 max|sin''''| of it (Hall &
 * Meyer, J. Approx. Theory 16 (1976)); with h = 0.01 that is 1.3e-10, and integrating over
 * T = 10 adds at most T times that, 1.3e-9, to x. The end conditions (not-a-knot) add a
 * boundary layer of comparable size near the ends only. The integrator runs at rtol = atol =
 * 1e-12 with dop853, so we allow 2e-9 * a. Linear interpolation errs by up to h^2/8 = 1.25e-5
 * in u; over the oscillation its integral largely cancels, and we allow T * h^2/8 * a.
 *
 * Also: every run of a batch shares the table (a per-run gain), the interpolation setting is a
 * runtime setting (no rebuild), wrap ends with a periodic spline extend one sampled period to
 * any duration, hold ends freeze the driver, and float32 programs get float32 tables. */
#include <math.h>

#include "harness.h"
#include "solve/solver_internal.h"

#define PI 3.14159265358979323846

static bo_context *ctx;

static bo_model *load(const char *text)
{
    bo_model *m = NULL;
    if (bo_model_load_string(ctx, text, "m.ode", &m) != BO_OK)
        printf("load failed: %s\n", bo_errmsg(ctx));
    return m;
}

static bo_solver *make(bo_model *m, const char *const *kv)
{
    bo_settings *s = NULL;
    bo_solver *sv = NULL;
    int rc = bo_settings_create(ctx, &s);
    if (rc == BO_OK)
        rc = bo_settings_set(s, "backend", "cpu");
    for (size_t i = 0; rc == BO_OK && kv[i]; i += 2)
        rc = bo_settings_set(s, kv[i], kv[i + 1]);
    if (rc == BO_OK)
        rc = bo_solver_create(ctx, m, s, &sv);
    if (rc != BO_OK)
        printf("solver: %s\n", bo_errmsg(ctx));
    bo_settings_destroy(s);
    return sv;
}

/* Samples of sin on [t0, t1] with n points. */
static void sample_sin(double t0, double t1, size_t n, double *t, double *v)
{
    for (size_t i = 0; i < n; ++i) {
        t[i] = t0 + (t1 - t0) * (double)i / (double)(n - 1);
        v[i] = sin(t[i]);
    }
}

static const char *const gains = "0.5,1.25,2.385";

static void test_sampled_vs_analytic(void)
{
    bo_model *driven = load("model driven\nparam a = 1\ndriver u\nstate x = 0\ndx/dt = a*u\n");
    bo_model *exact = load("model exact\nparam a = 1\nstate x = 0\ndx/dt = a*sin(t)\n");
    const char *const kv[] = {"algorithm", "dop853",   "rtol", "1e-12", "atol",
                              "1e-12",     "duration", "10",   NULL};
    bo_solver *sd = make(driven, kv), *se = make(exact, kv);
    bo_batch *bd = NULL, *be = NULL;
    bo_batch_create(ctx, driven, &bd);
    bo_batch_create(ctx, exact, &be);
    bo_batch_set_spec(bd, BO_PARAMETER, "a", gains);
    bo_batch_set_spec(be, BO_PARAMETER, "a", gains);
    static double t[1001], v[1001];
    sample_sin(0.0, 10.0, 1001, t, v);
    T_EQ_INT(bo_solver_set_driver(sd, "u", t, v, 1001, NULL), BO_OK);
    bo_results *rd = NULL, *re = NULL;
    T_EQ_INT(bo_solver_solve(sd, bd, &rd), BO_OK);
    T_EQ_INT(bo_solver_solve(se, be, &re), BO_OK);
    const double a[3] = {0.5, 1.25, 2.385};
    double truth = 1.0 - cos(10.0);
    for (size_t run = 0; rd && re && run < 3; ++run) {
        T_EQ_INT(bo_results_status(rd, run), 0);
        T_ABS(bo_results_final(rd, run, 0), a[run] * truth, 2e-9 * a[run]);
        T_ABS(bo_results_final(re, run, 0), a[run] * truth, 1e-10 * a[run]);
        T_ABS(bo_results_final(rd, run, 0), bo_results_final(re, run, 0), 2e-9 * a[run]);
    }
    bo_results_destroy(rd);

    /* Linear interpolation through the runtime setting: no rebuild. */
    int builds = sv_build_count(sd);
    T_EQ_INT(bo_solver_set(sd, "driver_interpolation", "linear"), BO_OK);
    T_EQ_INT(bo_solver_solve(sd, bd, &rd), BO_OK);
    T_EQ_INT(sv_build_count(sd), builds);
    for (size_t run = 0; rd && run < 3; ++run) {
        double got = bo_results_final(rd, run, 0);
        T_ABS(got, a[run] * truth, 10.0 * 1.25e-5 * a[run]);
        /* ... and it really is the linear interpolant: worse than the spline by far. */
        T_CHECK(fabs(got - a[run] * truth) > 1e-8 * a[run]);
    }
    bo_results_destroy(rd);
    bo_results_destroy(re);
    bo_batch_destroy(bd);
    bo_batch_destroy(be);
    bo_solver_destroy(sd);
    bo_solver_destroy(se);
    bo_model_destroy(driven);
    bo_model_destroy(exact);
}

/* One period of sin with wrap ends and a periodic spline drives dx/dt = u for 25 time units
 * (almost four periods) and must give 1 - cos(25); hold ends on w = t over [0, 1] freeze w
 * at 1 afterwards, so dy/dt = w gives y(25) = 1/2 + 24. */
static void test_ends(void)
{
    bo_model *m = load("model ends\ndriver u, w\nstate x = 0, y = 0\ndx/dt = u\ndy/dt = w\n");
    const char *const kv[] = {"algorithm", "dop853",   "rtol", "1e-12", "atol",
                              "1e-12",     "duration", "25",   NULL};
    bo_solver *sv = make(m, kv);
    static double t[201], v[201];
    sample_sin(0.0, 2.0 * PI, 201, t, v);
    bo_driver_options o;
    bo_driver_options_init(&o);
    o.interpolation = BO_INTERP_PERIODIC;
    o.ends = BO_ENDS_WRAP;
    T_EQ_INT(bo_solver_set_driver(sv, "u", t, v, 201, &o), BO_OK);
    double tw[3] = {0.0, 0.5, 1.0}, vw[3] = {0.0, 0.5, 1.0};
    T_EQ_INT(bo_solver_set_driver(sv, "w", tw, vw, 3, NULL), BO_OK);
    bo_batch *b = NULL;
    bo_batch_create(ctx, m, &b);
    bo_results *r = NULL;
    T_EQ_INT(bo_solver_solve(sv, b, &r), BO_OK);
    if (r) {
        /* h = 2 pi/200: |u - sin| <= 5/384 h^4 = 1.3e-8, over 25 time units. */
        T_ABS(bo_results_final(r, 0, 0), 1.0 - cos(25.0), 25 * 5.0 / 384.0 * pow(PI / 100, 4));
        T_ABS(bo_results_final(r, 0, 1), 0.5 + 24.0, 1e-8);
    }
    bo_results_destroy(r);
    bo_batch_destroy(b);
    bo_solver_destroy(sv);
    bo_model_destroy(m);
}

/* float32: the table is float, times stay double; compare with the float64 answer at the
 * float32 integrator's accuracy. */
static void test_float32(void)
{
    bo_model *m = load("model driven\nparam a = 1\ndriver u\nstate x = 0\ndx/dt = a*u\n");
    const char *const kv[] = {"precision", "float32",  "rtol", "1e-6", "atol",
                              "1e-6",      "duration", "10",   NULL};
    bo_solver *sv = make(m, kv);
    static double t[501], v[501];
    sample_sin(0.0, 10.0, 501, t, v);
    T_EQ_INT(bo_solver_set_driver(sv, "u", t, v, 501, NULL), BO_OK);
    bo_batch *b = NULL;
    bo_batch_create(ctx, m, &b);
    bo_batch_set_spec(b, BO_PARAMETER, "a", gains);
    bo_results *r = NULL;
    T_EQ_INT(bo_solver_solve(sv, b, &r), BO_OK);
    const double a[3] = {0.5, 1.25, 2.385};
    for (size_t run = 0; r && run < 3; ++run)
        T_ABS(bo_results_final(r, run, 0), a[run] * (1.0 - cos(10.0)), 1e-4 * a[run]);
    bo_results_destroy(r);
    bo_batch_destroy(b);
    bo_solver_destroy(sv);
    bo_model_destroy(m);
}

int main(void)
{
    T_EQ_INT(bo_context_create(&ctx), BO_OK);
    test_sampled_vs_analytic();
    test_ends();
    test_float32();
    bo_context_destroy(ctx);
    T_DONE();
}
