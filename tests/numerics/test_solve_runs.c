/* End-to-end behaviour of runs through the public API, checked against closed-form
 * solutions: exact save times (with t0, settling, and 10^5 saves in float32), values at the
 * saves, per-run status flags for forced failures, isolation of a failing run from the rest
 * of its batch, combinatorial and verbatim batch shapes, and float32 against float64.
 * Semantics: docs/loop.md (time, saves, statuses), docs/batches.md (grids).
 *   y' = -k*y                       y = y0*exp(-k*(t - t0))
 *   x' = v, v' = -w^2*x             x = x0*cos(w*(t - t0)), v = -x0*w*sin(w*(t - t0))
 *   z' = cos(t)*z                   z = z0*exp(sin(t) - sin(t0)) */
#include <math.h>
#include <stdio.h>

#include "batchode.h"
#include "harness.h"
#include "solvetest.h"
#include "status.h"

static const char *analytic_model = "model analytic\n"
                                    "param k = 1.5, w = 2.385\n"
                                    "state y = 2.385, x = 1.25, v = 0, z = 0.75\n"
                                    "dy/dt = -k*y\n"
                                    "dx/dt = v\n"
                                    "dv/dt = -w^2*x\n"
                                    "dz/dt = cos(t)*z\n";

static const char *decay_model = "model decay\n"
                                 "param k = 1.5\n"
                                 "state y = 2.385\n"
                                 "dy/dt = -k*y\n";

/* Exact state of the analytic model with its default initial values and parameters. */
static void analytic_exact(double t0, double t, double out[4])
{
    const double k = 1.5, w = 2.385, y0 = 2.385, x0 = 1.25, z0 = 0.75;
    out[0] = y0 * exp(-k * (t - t0));
    out[1] = x0 * cos(w * (t - t0));
    out[2] = -x0 * w * sin(w * (t - t0));
    out[3] = z0 * exp(sin(t) - sin(t0));
}

static int load(bo_context *ctx, const char *text, bo_model **m, bo_batch **b)
{
    *m = NULL;
    *b = NULL;
    int rc = bo_model_load_string(ctx, text, NULL, m);
    if (rc == BO_OK)
        rc = bo_batch_create(ctx, *m, b);
    T_EQ_INT(rc, BO_OK);
    return rc;
}

static void test_saves(bo_context *ctx)
{
    const double t0 = 0.5, every = 0.1, duration = 2.385;
    bo_model *m;
    bo_batch *b;
    if (load(ctx, analytic_model, &m, &b) != BO_OK)
        goto out;
    for (int settle = 0; settle < 2; ++settle) {
        const double settling = settle ? 1.5 : 0.0;
        const double t_start = t0 + settling;
        char conf[256];
        snprintf(conf, sizeof conf,
                 "rtol=1e-8 atol=1e-8 t0=%.17g settling=%.17g duration=%.17g save_every=%.17g", t0,
                 settling, duration, every);
        bo_results *r = solve(ctx, m, b, conf);
        T_CHECK(r != NULL);
        if (!r)
            continue;
        /* k = 0 .. floor(2.385 / 0.1) = 23. */
        T_EQ_INT(bo_results_save_count(r), 24);
        T_EQ_INT(bo_results_var_count(r), 4);
        T_EQ_STR(bo_results_var_name(r, 0), "y");
        T_EQ_STR(bo_results_var_name(r, 3), "z");
        T_EQ_INT(bo_results_status(r, 0), 0);
        T_REL(bo_results_final_time(r, 0), t_start + duration, 1e-15);
        double worst = 0.0;
        for (size_t k = 0; k < bo_results_save_count(r); ++k) {
            double t = t_start + (double)k * every, exact[4];
            T_CHECKF(bo_results_save_time(r, k) == t, "save %zu at %.17g, want %.17g", k,
                     bo_results_save_time(r, k), t);
            analytic_exact(t0, t, exact);
            for (size_t i = 0; i < 4; ++i) {
                double e = fabs(bo_results_value(r, k, i, 0) - exact[i]) / (1.0 + fabs(exact[i]));
                worst = e > worst ? e : worst;
            }
        }
        printf("saves, settling %g: largest scaled error at a save %.3g (rtol 1e-8)\n", settling,
               worst);
        T_CHECKF(worst < 1e-7, "settling %g: error %g", settling, worst);
        /* The first save is the state at t0 + settling, not the initial value. */
        double exact[4];
        analytic_exact(t0, t_start, exact);
        T_REL(bo_results_value(r, 0, 0, 0), exact[0], 1e-7);
        T_REL(bo_results_value(r, 0, 3, 0), exact[3], 1e-7);
        bo_results_destroy(r);
    }
out:
    bo_batch_destroy(b);
    bo_model_destroy(m);
}

/* 10^5 saves in float32: the time of every save comes from its index in double precision
 * (docs/loop.md), so the last one is exact and the solution there matches the exact one.
 * Steps land on the saves (save_mode=land), so each is at most 0.1 long and the error stays
 * that of float32 roundings; interpolated saves would leave the steps at the tolerance's
 * length, whose larger local errors add up to about 4e-2 over 10^4 time units either way. */
static void test_many_saves_float32(bo_context *ctx)
{
    const double t0 = 0.25, every = 0.1, duration = 1e4, z0 = 0.75;
    bo_model *m;
    bo_batch *b;
    if (load(ctx, "state z = 0.75\ndz/dt = cos(t)*z\n", &m, &b) != BO_OK)
        goto out;
    char conf[256];
    snprintf(conf, sizeof conf,
             "precision=float32 rtol=1e-5 atol=1e-5 t0=%.17g duration=%.17g save_every=%.17g "
             "save_mode=land",
             t0, duration, every);
    bo_results *r = solve(ctx, m, b, conf);
    T_CHECK(r != NULL);
    if (r) {
        size_t count = (size_t)floor(duration / every) + 1;
        T_EQ_INT(bo_results_save_count(r), count);
        T_EQ_INT(bo_results_status(r, 0), 0);
        size_t last = bo_results_save_count(r) - 1;
        double t_last = t0 + (double)last * every;
        T_CHECKF(bo_results_save_time(r, last) == t_last, "last save at %.17g, want %.17g",
                 bo_results_save_time(r, last), t_last);
        T_REL(t_last, t0 + duration, 1e-12);
        T_REL(bo_results_final_time(r, 0), t0 + duration, 1e-15);
        double worst = 0.0;
        for (size_t k = 0; k <= last; k += 997) {
            double t = bo_results_save_time(r, k);
            double e = fabs(bo_results_value(r, k, 0, 0) / (z0 * exp(sin(t) - sin(t0))) - 1.0);
            worst = e > worst ? e : worst;
        }
        double e_last =
            fabs(bo_results_value(r, last, 0, 0) / (z0 * exp(sin(t_last) - sin(t0))) - 1.0);
        printf("float32, %zu saves: largest relative error %.3g, at the last save %.3g\n",
               bo_results_save_count(r), worst, e_last);
        /* z' = cos(t)*z is neutrally stable, so the float32 roundings of ~10^5 steps (each
         * ~6e-8) and their local errors add up: allow 1e-2, well below the O(1) error a
         * drifting save time would leave at t = 10^4. */
        T_CHECKF(worst < 1e-2 && e_last < 1e-2, "errors %g %g", worst, e_last);
    }
    bo_results_destroy(r);
out:
    bo_batch_destroy(b);
    bo_model_destroy(m);
}

static void check_status(bo_context *ctx, const char *text, const char *conf, int32_t want,
                         int32_t allowed)
{
    bo_model *m;
    bo_batch *b;
    char buf[128];
    if (load(ctx, text, &m, &b) == BO_OK) {
        bo_results *r = solve(ctx, m, b, conf);
        T_CHECK(r != NULL);
        if (r) {
            int32_t st = bo_results_status(r, 0);
            printf("status for %s: %s\n", conf, bo_run_status_string(st, buf, sizeof buf));
            T_CHECKF((st & want) == want && (st & ~(want | allowed)) == 0, "%s: status %s", conf,
                     bo_run_status_string(st, buf, sizeof buf));
            T_EQ_INT(bo_results_failed_count(r), 1);
            T_CHECK(isnan(bo_results_final(r, 0, 0)));
        }
        bo_results_destroy(r);
    }
    bo_batch_destroy(b);
    bo_model_destroy(m);
}

static void test_statuses(bo_context *ctx)
{
    /* Stiff relaxation: tsit5 is stable only for dt below ~3.5/2385, far under dt_min. */
    check_status(ctx, "param k = 2385\nstate y = 2.385\ndy/dt = -k*(y - cos(t))\n",
                 "rtol=1e-6 atol=1e-6 dt_min=0.01 dt_max=0.5 duration=2.385", BO_RUN_STEP_TOO_SMALL,
                 0);
    check_status(ctx, analytic_model, "rtol=1e-10 atol=1e-10 max_steps=10 duration=2.385",
                 BO_RUN_MAX_STEPS, 0);
    /* y' = -sqrt(y - 2) reaches y = 2 at t = 2*sqrt(0.5); any step past it takes sqrt of a
     * negative number. */
    check_status(ctx, "state y = 2.5\ndy/dt = -sqrt(y - 2)\n",
                 "algorithm=rk4 step_controller=fixed dt=0.1 duration=2.385", BO_RUN_NONFINITE, 0);
    check_status(ctx, "state y = 2.5\ndy/dt = -sqrt(y - 2)\n",
                 "rtol=1e-6 atol=1e-6 dt_min=1e-6 duration=2.385", BO_RUN_NONFINITE,
                 BO_RUN_STEP_TOO_SMALL);

    bo_model *m;
    bo_batch *b;
    if (load(ctx, decay_model, &m, &b) == BO_OK) {
        const double bad[2] = {1.5, NAN}, inf[1] = {INFINITY};
        T_CHECK(bo_batch_set_values(b, BO_PARAMETER, "k", bad, 2) < 0);
        T_CHECK(bo_errmsg(ctx)[0] != '\0');
        T_CHECK(bo_batch_set_values(b, BO_STATE, "y", inf, 1) < 0);
        T_CHECK(bo_errmsg(ctx)[0] != '\0');
    }
    bo_batch_destroy(b);
    bo_model_destroy(m);
}

/* A run that fails (k = 2385 needs ~1700 tsit5 steps; max_steps is 500) must leave its
 * neighbours bit-for-bit as they are in a batch without it. */
static void test_failing_run_isolated(bo_context *ctx)
{
    const double good[3] = {0.5, 1.5, 2.385}, mixed[4] = {0.5, 1.5, 2385.0, 2.385};
    const char *conf = "rtol=1e-6 atol=1e-6 max_steps=500 duration=2.385 threads=2";
    bo_model *m;
    bo_batch *b;
    bo_batch *b2 = NULL;
    bo_results *r1 = NULL, *r2 = NULL;
    if (load(ctx, decay_model, &m, &b) != BO_OK)
        goto out;
    T_EQ_INT(bo_batch_create(ctx, m, &b2), BO_OK);
    T_EQ_INT(bo_batch_set_values(b, BO_PARAMETER, "k", good, 3), BO_OK);
    T_EQ_INT(bo_batch_set_values(b2, BO_PARAMETER, "k", mixed, 4), BO_OK);
    r1 = solve(ctx, m, b, conf);
    r2 = solve(ctx, m, b2, conf);
    T_CHECK(r1 && r2);
    if (!r1 || !r2)
        goto out;
    T_EQ_INT(bo_results_failed_count(r1), 0);
    T_EQ_INT(bo_results_failed_count(r2), 1);
    T_EQ_INT(bo_results_status(r2, 2), BO_RUN_MAX_STEPS);
    T_CHECK(isnan(bo_results_final(r2, 2, 0)));
    for (size_t i = 0; i < 3; ++i) {
        size_t j = i < 2 ? i : 3;
        T_EQ_INT(bo_results_status(r2, j), 0);
        T_CHECK(bo_results_final(r1, i, 0) == bo_results_final(r2, j, 0));
        T_EQ_INT(bo_results_steps(r1, i), bo_results_steps(r2, j));
        T_EQ_INT(bo_results_rejections(r1, i), bo_results_rejections(r2, j));
        T_REL(bo_results_final(r1, i, 0), 2.385 * exp(-good[i] * 2.385), 1e-5);
    }
    /* keep_failed: the failed run keeps the state it reached (the exact decay at the time it
     * stopped, to the tolerance) and its status; the others are unchanged. */
    bo_results_destroy(r1);
    r1 = solve(ctx, m, b2,
               "rtol=1e-6 atol=1e-6 max_steps=500 duration=2.385 threads=2 keep_failed=true");
    T_CHECK(r1 != NULL);
    if (r1) {
        T_EQ_INT(bo_results_status(r1, 2), BO_RUN_MAX_STEPS);
        double tf = bo_results_final_time(r1, 2), yf = bo_results_final(r1, 2, 0);
        T_CHECK(tf > 0.0 && tf < 2.385);
        T_CHECKF(isfinite(yf) && fabs(yf - 2.385 * exp(-2385.0 * tf)) <= 1e-5,
                 "kept failed run: y(%g) = %g", tf, yf);
        T_CHECK(bo_results_final(r1, 3, 0) == bo_results_final(r2, 3, 0));
    }
out:
    bo_results_destroy(r1);
    bo_results_destroy(r2);
    bo_batch_destroy(b2);
    bo_batch_destroy(b);
    bo_model_destroy(m);
}

static void test_batch_shapes(bo_context *ctx)
{
    const double ks[3] = {0.5, 1.5, 2.385}, y0s[3] = {1.25, 3.5, 0.75}, T = 2.385;
    for (int verbatim = 0; verbatim < 2; ++verbatim) {
        bo_model *m;
        bo_batch *b;
        if (load(ctx, decay_model, &m, &b) != BO_OK)
            goto next;
        T_EQ_INT(bo_batch_set_grid(b, verbatim ? BO_GRID_VERBATIM : BO_GRID_COMBINATORIAL), BO_OK);
        T_EQ_INT(bo_batch_set_values(b, BO_PARAMETER, "k", ks, 3), BO_OK);
        T_EQ_INT(bo_batch_set_values(b, BO_STATE, "y", y0s, verbatim ? 3 : 2), BO_OK);
        bo_results *r = solve(ctx, m, b, "rtol=1e-9 atol=1e-9 duration=2.385");
        size_t want = verbatim ? 3 : 6;
        T_CHECK(r != NULL);
        if (r) {
            T_EQ_INT(bo_results_run_count(r), want);
            for (size_t run = 0; run < want && run < bo_results_run_count(r); ++run) {
                /* docs/batches.md: k was given first, so y varies fastest. */
                double k = verbatim ? ks[run] : ks[run / 2];
                double y0 = verbatim ? y0s[run] : y0s[run % 2];
                T_EQ_INT(bo_results_status(r, run), 0);
                T_CHECK(bo_results_param_array(r)[run] == k);
                T_CHECK(bo_results_init_array(r)[run] == y0);
                T_REL(bo_results_final(r, run, 0), y0 * exp(-k * T), 1e-7);
            }
        }
        bo_results_destroy(r);
    next:
        bo_batch_destroy(b);
        bo_model_destroy(m);
    }
}

static void test_float32_vs_float64(bo_context *ctx)
{
    const double T = 2.385;
    bo_model *m;
    bo_batch *b;
    bo_results *r32 = NULL, *r64 = NULL;
    if (load(ctx, analytic_model, &m, &b) != BO_OK)
        goto out;
    r32 = solve(ctx, m, b, "precision=float32 rtol=1e-5 atol=1e-5 duration=2.385");
    r64 = solve(ctx, m, b, "precision=float64 rtol=1e-5 atol=1e-5 duration=2.385");
    T_CHECK(r32 && r64);
    if (r32 && r64) {
        double exact[4], worst = 0.0;
        analytic_exact(0.0, T, exact);
        T_EQ_INT(bo_results_status(r32, 0), 0);
        for (size_t i = 0; i < 4; ++i) {
            double a = bo_results_final(r32, 0, i), d = bo_results_final(r64, 0, i);
            double e = fabs(a - d) / (1.0 + fabs(d));
            worst = e > worst ? e : worst;
            T_CHECKF(fabs(a - exact[i]) < 1e-4 * (1.0 + fabs(exact[i])), "state %zu: %g vs %g", i,
                     a, exact[i]);
        }
        printf("float32 vs float64 at rtol 1e-5: largest scaled difference %.3g\n", worst);
        T_CHECKF(worst < 1e-4, "difference %g", worst);
    }
out:
    bo_results_destroy(r32);
    bo_results_destroy(r64);
    bo_batch_destroy(b);
    bo_model_destroy(m);
}

int main(void)
{
    bo_context *ctx = NULL;
    T_EQ_INT(bo_context_create(&ctx), BO_OK);
    if (!ctx)
        T_DONE();
    test_saves(ctx);
    test_many_saves_float32(ctx);
    test_statuses(ctx);
    test_failing_run_isolated(ctx);
    test_batch_shapes(ctx);
    test_float32_vs_float64(ctx);
    bo_context_destroy(ctx);
    T_DONE();
}
