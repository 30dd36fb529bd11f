/* End-to-end accuracy of adaptive solves through the public API (model text -> settings ->
 * solver -> results) on problems with closed-form solutions:
 *   y' = -k*y                       y = y0*exp(-k*t)
 *   x' = v, v' = -w^2*x             x = x0*cos(w*t), v = -x0*w*sin(w*t)
 *   z' = cos(t)*z                   z = z0*exp(sin(t))
 * Every error-estimating method must meet its tolerance (global error at the end within
 * about 10x the tolerance, scaled by 1 + |y|) and the error must shrink with the tolerance
 * roughly in proportion (tolerance proportionality, Hairer, Norsett & Wanner I, II.4). Every
 * step controller must complete ten periods of the oscillator; the integral controller,
 * lacking the PI filter's damping of step-size oscillations (Gustafsson, ACM TOMS 17 (1991)
 * 533-554), must reject more steps than PI and PID. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "batchode.h"
#include "harness.h"
#include "solvetest.h"

static const char *analytic_model = "model analytic\n"
                                    "param k = 1.5, w = 2.385\n"
                                    "state y = 2.385, x = 1.25, v = 0, z = 0.75\n"
                                    "dy/dt = -k*y\n"
                                    "dx/dt = v\n"
                                    "dv/dt = -w^2*x\n"
                                    "dz/dt = cos(t)*z\n";

/* Mildly stiff relaxation towards cos(t): dp5's step is limited by stability, not accuracy,
 * which is where an integral controller's step size oscillates and steps get rejected
 * (Hairer & Wanner II, IV.2). k = 2385 puts dp5's stability limit far below its
 * accuracy limit at rtol 1e-6. Exact solution with y(0) = y0:
 *   y = (k^2 cos t + k sin t)/(k^2 + 1) + (y0 - k^2/(k^2 + 1)) exp(-k t). */
static const char *relaxation_model = "model relaxation\n"
                                      "param k = 2385\n"
                                      "state y = 2.385\n"
                                      "dy/dt = -k*(y - cos(t))\n";

static const char *oscillator_model = "model oscillator\n"
                                      "param w = 2.385\n"
                                      "state x = 1.25, v = 0\n"
                                      "dx/dt = v\n"
                                      "dv/dt = -w^2*x\n";

static const double ks[3] = {0.5, 1.5, 2.385};
static const double ws[3] = {1.0, 2.385, 3.1};

/* Largest error over states and runs of the analytic model at time T, each scaled by
 * 1 + |exact| so that it compares with rtol = atol. */
static double analytic_error(const bo_results *r, double T)
{
    const double y0 = 2.385, x0 = 1.25, z0 = 0.75;
    double worst = 0.0;
    for (size_t run = 0; run < 3; ++run) {
        double exact[4] = {y0 * exp(-ks[run] * T), x0 * cos(ws[run] * T),
                           -x0 * ws[run] * sin(ws[run] * T), z0 * exp(sin(T))};
        if (bo_results_status(r, run) != 0)
            return INFINITY;
        for (size_t i = 0; i < 4; ++i) {
            double e = fabs(bo_results_final(r, run, i) - exact[i]) / (1.0 + fabs(exact[i]));
            if (!(e <= worst))
                worst = e;
        }
    }
    return worst;
}

static void test_tolerances(bo_context *ctx)
{
    static const char *methods[] = {"tsit5",  "dp5",       "bs3",       "vern7",
                                    "dop853", "cash_karp", "fehlberg45"};
    static const double tols[3] = {1e-4, 1e-6, 1e-8};
    const double T = 2.385;
    bo_model *m = NULL;
    bo_batch *b = NULL;
    T_EQ_INT(bo_model_load_string(ctx, analytic_model, "analytic", &m), BO_OK);
    T_EQ_INT(bo_batch_create(ctx, m, &b), BO_OK);
    if (!m || !b)
        goto out;
    T_EQ_INT(bo_batch_set_grid(b, BO_GRID_VERBATIM), BO_OK);
    T_EQ_INT(bo_batch_set_values(b, BO_PARAMETER, "k", ks, 3), BO_OK);
    T_EQ_INT(bo_batch_set_values(b, BO_PARAMETER, "w", ws, 3), BO_OK);
    printf("method      tol     error/tol   steps  rejections\n");
    for (size_t mi = 0; mi < sizeof methods / sizeof methods[0]; ++mi) {
        double err[3];
        for (size_t ti = 0; ti < 3; ++ti) {
            char conf[256];
            snprintf(conf, sizeof conf, "algorithm=%s rtol=%g atol=%g duration=%.17g", methods[mi],
                     tols[ti], tols[ti], T);
            bo_results *r = solve(ctx, m, b, conf);
            T_CHECKF(r != NULL, "%s", conf);
            err[ti] = r ? analytic_error(r, T) : INFINITY;
            /* fehlberg45 propagates its lower-order solution, so its global error is the
             * sum of ~N local errors of size tol, with N growing like tol^(-1/5): the bound
             * grows by 10^(1/5) per decade below 1e-4. */
            double bound = 10.0 * tols[ti];
            if (strcmp(methods[mi], "fehlberg45") == 0)
                bound *= pow(1e-4 / tols[ti], 0.2);
            T_CHECKF(err[ti] < bound, "%s: error %.3g", conf, err[ti]);
            printf("%-10s %6.0e  %10.3g  %6lld  %6lld\n", methods[mi], tols[ti], err[ti] / tols[ti],
                   r ? (long long)bo_results_steps(r, 1) : -1LL,
                   r ? (long long)bo_results_rejections(r, 1) : -1LL);
            bo_results_destroy(r);
        }
        /* Two decades of tolerance should buy between one and three decades of accuracy:
         * strictly proportional control gives two. */
        for (size_t ti = 0; ti + 1 < 3; ++ti) {
            double decades = log10(err[ti] / err[ti + 1]);
            T_CHECKF(decades > 1.0 && decades < 3.0, "%s: error %g at tol %g, %g at tol %g",
                     methods[mi], err[ti], tols[ti], err[ti + 1], tols[ti + 1]);
        }
    }
out:
    bo_batch_destroy(b);
    bo_model_destroy(m);
}

/* Solve one model with dp5 at rtol = atol = 1e-6 under each controller over [0, T]; check
 * the final state against exact[] (absolute errors within bound) and record rejections. */
static void run_controllers(bo_context *ctx, const char *text, double T, const double *exact,
                            size_t n, double bound, long long rejections[4])
{
    static const char *controllers[] = {"i", "pi", "pid", "gustafsson"};
    bo_model *m = NULL;
    bo_batch *b = NULL;
    T_EQ_INT(bo_model_load_string(ctx, text, NULL, &m), BO_OK);
    T_EQ_INT(bo_batch_create(ctx, m, &b), BO_OK);
    for (size_t c = 0; c < 4 && m && b; ++c) {
        char conf[256];
        snprintf(conf, sizeof conf,
                 "algorithm=dp5 step_controller=%s rtol=1e-6 atol=1e-6 duration=%.17g",
                 controllers[c], T);
        bo_results *r = solve(ctx, m, b, conf);
        T_CHECKF(r != NULL, "%s", conf);
        if (!r)
            continue;
        T_EQ_INT(bo_results_status(r, 0), 0);
        T_REL(bo_results_final_time(r, 0), T, 1e-14);
        double worst = 0.0;
        for (size_t i = 0; i < n; ++i) {
            double e = fabs(bo_results_final(r, 0, i) - exact[i]);
            worst = e > worst ? e : worst;
        }
        T_CHECKF(worst < bound, "%s: error %g", conf, worst);
        rejections[c] = (long long)bo_results_rejections(r, 0);
        printf("  %-11s %6lld  %10lld  %10.3g\n", controllers[c], (long long)bo_results_steps(r, 0),
               rejections[c], worst);
        bo_results_destroy(r);
    }
    bo_batch_destroy(b);
    bo_model_destroy(m);
}

static void test_controllers(bo_context *ctx)
{
    const double w = 2.385, x0 = 1.25, k = 2385, y0 = 2.385;
    const double T_osc = 10.0 * 2.0 * 3.14159265358979323846 / w, T_rel = 2.385;
    const double osc[2] = {x0 * cos(w * T_osc), -x0 * w * sin(w * T_osc)};
    const double rel[1] = {(k * k * cos(T_rel) + k * sin(T_rel)) / (k * k + 1.0) +
                           (y0 - k * k / (k * k + 1.0)) * exp(-k * T_rel)};
    long long rej_osc[4] = {-1, -1, -1, -1}, rej_rel[4] = {-1, -1, -1, -1};
    printf("controller      steps  rejections  max |error|\n");
    /* Ten periods accumulate global error: allow 100 tolerances times the amplitude of v. */
    printf("oscillator, 10 periods:\n");
    run_controllers(ctx, oscillator_model, T_osc, osc, 2, 100.0 * 1e-6 * (1.0 + x0 * w), rej_osc);
    printf("relaxation k = 2385:\n");
    run_controllers(ctx, relaxation_model, T_rel, rel, 1, 10.0 * 1e-6, rej_rel);
    for (int c = 0; c < 4; ++c)
        T_CHECK(rej_osc[c] >= 0 && rej_rel[c] >= 0);
    T_CHECKF(rej_rel[1] < rej_rel[0], "pi %lld vs i %lld", rej_rel[1], rej_rel[0]);
    T_CHECKF(rej_rel[2] < rej_rel[0], "pid %lld vs i %lld", rej_rel[2], rej_rel[0]);
    T_CHECKF(rej_osc[1] <= rej_osc[0], "pi %lld vs i %lld", rej_osc[1], rej_osc[0]);
    T_CHECKF(rej_osc[2] <= rej_osc[0], "pid %lld vs i %lld", rej_osc[2], rej_osc[0]);
}

int main(void)
{
    bo_context *ctx = NULL;
    T_EQ_INT(bo_context_create(&ctx), BO_OK);
    if (!ctx)
        T_DONE();
    test_tolerances(ctx);
    test_controllers(ctx);
    bo_context_destroy(ctx);
    T_DONE();
}
