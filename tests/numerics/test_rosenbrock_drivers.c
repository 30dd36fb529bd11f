/* Rosenbrock methods on a driven, time-dependent model: their stages need df/dt, which for a
 * model with drivers includes df/du * du/dt from the driver's interpolant
 * (bo_drivers_eval_dt). The stiff model dx/dt = -k (x - u(t)), k = 1e4, is solved twice at
 * the same fixed step: once with u a driver sampled from sin on a fine grid (not-a-knot
 * spline, h = 1e-3, interpolation error ~ h^4 = 1e-12), once with sin(t) written into the
 * model. The two must agree to the interpolation error, and both must match the closed form
 *   x(t) = k (k sin t - cos t) / (k^2 + 1) + (x0 + k / (k^2 + 1)) e^{-k t}.
 * Without the driver's time derivative the stages miss a term of size k * cos(t) * dt and the
 * two would differ by many orders more (a Rosenbrock method without df/dt drops to order 1:
 * docs/rosenbrock.md). */
#include <math.h>

#include "batchode.h"
#include "harness.h"

#define K 1e4
#define T_END 2.0
#define NS 2001

static double exact(double t)
{
    double d = K * K + 1.0;
    return K * (K * sin(t) - cos(t)) / d + (0.0 + K / d) * exp(-K * t);
}

static double solve_final(bo_context *ctx, const char *text, const char *alg, const char *dt,
                          int driven)
{
    bo_model *m = NULL;
    bo_settings *s = NULL;
    bo_solver *sv = NULL;
    bo_batch *b = NULL;
    bo_results *r = NULL;
    double x = NAN;
    int rc = bo_model_load_string(ctx, text, "driven", &m);
    if (rc == BO_OK)
        rc = bo_settings_create(ctx, &s);
    const char *kv[] = {"backend", "cpu",      "algorithm", alg, "step_controller", "fixed", "dt",
                        dt,        "duration", "2",         NULL};
    for (size_t i = 0; rc == BO_OK && kv[i]; i += 2)
        rc = bo_settings_set(s, kv[i], kv[i + 1]);
    if (rc == BO_OK)
        rc = bo_solver_create(ctx, m, s, &sv);
    if (rc == BO_OK && driven) {
        static double ts[NS], vs[NS];
        for (int i = 0; i < NS; ++i) {
            ts[i] = T_END * i / (NS - 1);
            vs[i] = sin(ts[i]);
        }
        rc = bo_solver_set_driver(sv, "u", ts, vs, NS, NULL);
    }
    if (rc == BO_OK)
        rc = bo_batch_create(ctx, m, &b);
    if (rc == BO_OK)
        rc = bo_solver_solve(sv, b, &r);
    if (rc == BO_OK && bo_results_status(r, 0) == 0)
        x = bo_results_final(r, 0, 0);
    if (rc != BO_OK)
        printf("%s: %s\n", alg, bo_errmsg(ctx));
    bo_results_destroy(r);
    bo_batch_destroy(b);
    bo_solver_destroy(sv);
    bo_settings_destroy(s);
    bo_model_destroy(m);
    return x;
}

int main(void)
{
    bo_context *ctx = NULL;
    T_EQ_INT(bo_context_create(&ctx), BO_OK);
    const char *driven = "model driven\ndriver u\nparam k = 1e4\nstate x = 0\n"
                         "dx/dt = -k*(x - u)\n";
    const char *written = "model written\nparam k = 1e4\nstate x = 0\ndx/dt = -k*(x - sin(t))\n";
    const char *algs[] = {"rosenbrock23", "ros3p", "rodas4", "rodas5p"};
    /* Global error bounds at dt = 0.02 from each method's order p on this (smooth after the
     * initial layer) solution: about dt^p / 4, i.e. 1e-4 (p = 2), 2e-6 (p = 3), 4e-8 (p = 4),
     * 1e-9 (p = 5). */
    const double bound[] = {1e-4, 2e-6, 4e-8, 1e-9};
    double want = exact(T_END);
    for (size_t a = 0; a < sizeof algs / sizeof algs[0]; ++a) {
        double xd = solve_final(ctx, driven, algs[a], "0.02", 1);
        double xw = solve_final(ctx, written, algs[a], "0.02", 0);
        printf("%-12s driven %.15g written %.15g exact %.15g\n", algs[a], xd, xw, want);
        T_CHECKF(fabs(xd - xw) <= 1e-9, "%s: driven and written differ by %.3g", algs[a],
                 fabs(xd - xw));
        T_CHECKF(fabs(xw - want) <= bound[a], "%s: error %.3g against the closed form (bound %g)",
                 algs[a], fabs(xw - want), bound[a]);
    }
    bo_context_destroy(ctx);
    T_DONE();
}
