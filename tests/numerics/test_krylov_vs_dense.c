/* The two linear solvers inside one implicit method on one stiff problem: linear_solver=dense
 * (LU on the exact Jacobian) and linear_solver=krylov (GMRES on exact Jacobian-vector
 * products, with the Jacobi preconditioner and without) must all complete every run and agree
 * with an independent reference: GSL's msbdf (variable-order BDF) at rtol = atol = 1e-10 with
 * the Jacobian written out here by hand. The problem is a 32-state reaction-diffusion chain
 *   dx_i/dt = D (x_{i-1} - 2 x_i + x_{i+1}) + r x_i (1 - x_i),  x_{-1} = x_32 = 0,
 * D = 1000 (eigenvalues of the diffusion part down to about -4000: stiff for t in [0, 1]),
 * r swept over three runs, x_i(0) = sin(pi (i + 1) / 33). linear_solver=auto with
 * dense_max_states below 32 must choose Krylov and give the same answer.
 *
 * The implicit methods are written alongside the Krylov solver: the test uses the first of
 * rodas5p, kvaerno5, sdirk4 and radau5 that the library knows, and skips (77) while it knows
 * none. */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_odeiv2.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "batchode.h"
#include "harness.h"
#include "solve/solver_internal.h"
#include "solvetest.h"

#define N 32
#define RUNS 3
#define DIFF 1000.0
#define T_END 1.0

static const double rs[RUNS] = {1.0, 2.385, 5.0};

static int chain_rhs(double t, const double y[], double f[], void *params)
{
    const double r = *(const double *)params;
    (void)t;
    for (int i = 0; i < N; ++i) {
        double left = i > 0 ? y[i - 1] : 0.0, right = i + 1 < N ? y[i + 1] : 0.0;
        f[i] = DIFF * (left - 2.0 * y[i] + right) + r * y[i] * (1.0 - y[i]);
    }
    return GSL_SUCCESS;
}

static int chain_jac(double t, const double y[], double *dfdy, double dfdt[], void *params)
{
    const double r = *(const double *)params;
    (void)t;
    for (int i = 0; i < N * N; ++i)
        dfdy[i] = 0.0;
    for (int i = 0; i < N; ++i) {
        dfdy[i * N + i] = -2.0 * DIFF + r * (1.0 - 2.0 * y[i]);
        if (i > 0)
            dfdy[i * N + i - 1] = DIFF;
        if (i + 1 < N)
            dfdy[i * N + i + 1] = DIFF;
        dfdt[i] = 0.0;
    }
    return GSL_SUCCESS;
}

static double initial(int i)
{
    return sin(3.14159265358979323846 * (i + 1) / (N + 1));
}

static void reference(double r, double *y)
{
    gsl_odeiv2_system sys = {chain_rhs, chain_jac, N, &r};
    gsl_odeiv2_driver *d =
        gsl_odeiv2_driver_alloc_y_new(&sys, gsl_odeiv2_step_msbdf, 1e-8, 1e-10, 1e-10);
    double t = 0.0;
    for (int i = 0; i < N; ++i)
        y[i] = initial(i);
    int rc = gsl_odeiv2_driver_apply(d, &t, T_END, y);
    T_EQ_INT(rc, GSL_SUCCESS);
    gsl_odeiv2_driver_free(d);
}

static char *model_text(void)
{
    static char text[8192];
    size_t len = 0;
    len += (size_t)snprintf(text + len, sizeof text - len, "model chain\nparam r = 1\nstate ");
    for (int i = 0; i < N; ++i)
        len += (size_t)snprintf(text + len, sizeof text - len, "%sx%d = %.17g", i ? ", " : "", i,
                                initial(i));
    len += (size_t)snprintf(text + len, sizeof text - len, "\n");
    for (int i = 0; i < N; ++i) {
        len += (size_t)snprintf(text + len, sizeof text - len, "dx%d/dt = %.17g*(", i, DIFF);
        if (i > 0)
            len += (size_t)snprintf(text + len, sizeof text - len, "x%d ", i - 1);
        len += (size_t)snprintf(text + len, sizeof text - len, "- 2*x%d", i);
        if (i + 1 < N)
            len += (size_t)snprintf(text + len, sizeof text - len, " + x%d", i + 1);
        len += (size_t)snprintf(text + len, sizeof text - len, ") + r*x%d*(1 - x%d)\n", i, i);
    }
    return text;
}

static const char *implicit_method(bo_context *ctx)
{
    static const char *const names[] = {"rodas5p", "kvaerno5", "sdirk4", "radau5"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; ++i) {
        bo_settings *s = NULL;
        if (bo_settings_create(ctx, &s) != BO_OK)
            return NULL;
        int known = bo_settings_set(s, "algorithm", names[i]) == BO_OK;
        bo_settings_destroy(s);
        if (known)
            return names[i];
    }
    return NULL;
}

int main(void)
{
    bo_context *ctx = NULL;
    if (bo_context_create(&ctx) != BO_OK)
        return 1;
    const char *method = implicit_method(ctx);
    if (!method) {
        bo_context_destroy(ctx);
        T_SKIP("no implicit method in the library yet (rodas5p, kvaerno5, sdirk4, radau5)");
    }
    printf("implicit method: %s\n", method);
    bo_model *m = NULL;
    T_EQ_INT(bo_model_load_string(ctx, model_text(), "chain", &m), BO_OK);
    bo_batch *b = NULL;
    if (m)
        T_EQ_INT(bo_batch_create(ctx, m, &b), BO_OK);
    if (!m || !b) {
        printf("%s\n", bo_errmsg(ctx));
        bo_model_destroy(m);
        bo_context_destroy(ctx);
        T_DONE();
    }
    T_EQ_INT(bo_batch_set_grid(b, BO_GRID_VERBATIM), BO_OK);
    T_EQ_INT(bo_batch_set_values(b, BO_PARAMETER, "r", rs, RUNS), BO_OK);

    /* auto picks Krylov above dense_max_states and dense up to it. */
    for (int dmax = 8; dmax <= 32; dmax += 24) {
        bo_settings *s = NULL;
        char *src = NULL, val[16];
        snprintf(val, sizeof val, "%d", dmax);
        T_EQ_INT(bo_settings_create(ctx, &s), BO_OK);
        T_EQ_INT(bo_settings_set(s, "algorithm", method), BO_OK);
        T_EQ_INT(bo_settings_set(s, "dense_max_states", val), BO_OK);
        T_EQ_INT(sv_generate(ctx, m, s, &src, NULL, NULL), BO_OK);
        T_CHECKF(src && (strstr(src, "/* ---- kernels/krylov.h ---- */") != NULL) == (dmax < N),
                 "dense_max_states=%d", dmax);
        bo_free(src);
        bo_settings_destroy(s);
    }

    double ref[RUNS][N];
    for (int run = 0; run < RUNS; ++run)
        reference(rs[run], ref[run]);

    static const char *const solvers[] = {
        "linear_solver=dense",
        "linear_solver=krylov preconditioner=jacobi",
        "linear_solver=krylov preconditioner=none krylov_restart=20 krylov_max_iters=200",
        "linear_solver=auto dense_max_states=8",
    };
    enum { NS = sizeof solvers / sizeof solvers[0] };
    double final[NS][RUNS][N];
    int ok[NS] = {0};
    for (int q = 0; q < NS; ++q) {
        char conf[512];
        snprintf(conf, sizeof conf,
                 "algorithm=%s duration=%g rtol=1e-6 atol=1e-8 krylov_tolerance=1e-9 %s", method,
                 T_END, solvers[q]);
        bo_results *r = solve(ctx, m, b, conf);
        T_CHECKF(r != NULL, "%s", conf);
        if (!r)
            continue;
        ok[q] = 1;
        double worst = 0.0;
        for (int run = 0; run < RUNS; ++run) {
            T_CHECKF(bo_results_status(r, (size_t)run) == 0, "%s run %d: status %d", conf, run,
                     (int)bo_results_status(r, (size_t)run));
            T_REL(bo_results_final_time(r, (size_t)run), T_END, 1e-12);
            for (int i = 0; i < N; ++i) {
                final[q][run][i] = bo_results_final(r, (size_t)run, (size_t)i);
                double e = fabs(final[q][run][i] - ref[run][i]);
                if (!(e <= worst))
                    worst = e;
            }
        }
        printf("%-80s steps %lld rejected %lld, largest error %.3g\n", solvers[q],
               (long long)bo_results_steps(r, 1), (long long)bo_results_rejections(r, 1), worst);
        /* States are O(1): 1e-4 is a hundred times the tolerance. */
        T_CHECKF(worst <= 1e-4, "%s: error %g against GSL msbdf", solvers[q], worst);
        bo_results_destroy(r);
    }
    /* Same method, different linear solvers: they differ by the linear solves' residuals and
     * the step sequences those lead to, well inside the integration error. */
    for (int q = 1; q < NS; ++q) {
        if (!ok[0] || !ok[q])
            continue;
        double worst = 0.0;
        for (int run = 0; run < RUNS; ++run)
            for (int i = 0; i < N; ++i) {
                double e = fabs(final[q][run][i] - final[0][run][i]);
                if (!(e <= worst))
                    worst = e;
            }
        printf("%s vs dense: largest difference %.3g\n", solvers[q], worst);
        T_CHECKF(worst <= 1e-4, "%s vs dense: %g", solvers[q], worst);
    }
    bo_batch_destroy(b);
    bo_model_destroy(m);
    bo_context_destroy(ctx);
    T_DONE();
}
