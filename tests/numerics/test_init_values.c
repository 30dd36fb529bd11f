/* Initial values written with parameters start each run from the run's own parameters, end
 * to end on the CPU backend, against closed forms:
 *   param k, I0, N;  state I = I0, S = N*(1 - I0)
 *   I' = -k*I, S' = -2*k*S      I(t) = I0 exp(-k t),  S(t) = N (1 - I0) exp(-2 k t)
 * on a combinatorial grid, a verbatim grid and a run file, with I given explicitly (it wins,
 * while S still follows I0) and not, in float64 and float32. The results' initial values
 * (what final.csv shows as I_0, S_0) must be the values each run started from. A run whose
 * initial value comes out non-finite (sqrt of a negative parameter) fails with bad_input and
 * leaves the others alone. */
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "batchode.h"
#include "harness.h"
#include "solvetest.h"
#include "status.h"

static const char *sir_model = "model decay_pair\n"
                               "param k = 0.5 [1/s], I0 = 0.001, N = 1000\n"
                               "state I = I0, S = N*(1 - I0)\n"
                               "dI/dt = -k*I\n"
                               "dS/dt = -2*k*S\n";

static const double T = 2.385;

/* Check run r of r against the closed form from its parameters, and its initial values
 * against want_i0 (the given I, or NAN for "from I0"). */
static void check_run(const bo_results *res, size_t r, double want_i0, double tol)
{
    size_t runs = bo_results_run_count(res);
    const double *init = bo_results_init_array(res), *par = bo_results_param_array(res);
    double k = par[0 * runs + r], i0 = par[1 * runs + r], n = par[2 * runs + r];
    double I0 = isnan(want_i0) ? i0 : want_i0, S0 = n * (1 - i0);
    T_EQ_INT(bo_results_status(res, r), 0);
    T_CHECKF(init[0 * runs + r] == I0, "run %zu: I_0 %.17g, want %.17g", r, init[0 * runs + r], I0);
    T_CHECKF(init[1 * runs + r] == S0, "run %zu: S_0 %.17g, want %.17g", r, init[1 * runs + r], S0);
    T_REL(bo_results_final(res, r, 0), I0 * exp(-k * T), tol);
    T_REL(bo_results_final(res, r, 1), S0 * exp(-2 * k * T), tol);
}

static void test_grids(bo_context *ctx, const bo_model *m, const char *prec, double tol)
{
    char conf[256];
    snprintf(conf, sizeof conf, "rtol=1e-10 atol=1e-14 duration=%.17g precision=%s", T, prec);
    if (prec[5] == '3')
        snprintf(conf, sizeof conf, "rtol=1e-6 atol=1e-9 duration=%.17g precision=%s", T, prec);

    /* Combinatorial: I0 (log-spaced) x k; the issue's --param I0=0.001,0.1 is its core. */
    bo_batch *b = NULL;
    bo_batch_create(ctx, m, &b);
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "I0", "log:0.001:0.1:3"), BO_OK);
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "k", "0.5,1.25"), BO_OK);
    bo_results *r = solve(ctx, m, b, conf);
    T_CHECK(r != NULL);
    if (r) {
        T_EQ_INT(bo_results_run_count(r), 6);
        for (size_t i = 0; i < 6; ++i)
            check_run(r, i, NAN, tol);
        /* The two ends of the example start from 0.001 and 0.1, not both 0.001. */
        T_CHECK(bo_results_init_array(r)[0] == 0.001 && bo_results_init_array(r)[5] == 0.1);
    }
    bo_results_destroy(r);

    /* Explicit I wins for every run; S keeps following I0. */
    T_EQ_INT(bo_batch_set_spec(b, BO_STATE, "I", "2.385"), BO_OK);
    r = solve(ctx, m, b, conf);
    T_CHECK(r != NULL);
    for (size_t i = 0; r && i < 6; ++i)
        check_run(r, i, 2.385, tol);
    bo_results_destroy(r);
    bo_batch_destroy(b);

    /* Verbatim: I0 and N paired, k broadcast; then I given per run. */
    bo_batch_create(ctx, m, &b);
    bo_batch_set_grid(b, BO_GRID_VERBATIM);
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "I0", "0.25,0.5,0.125"), BO_OK);
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "N", "10,20,30"), BO_OK);
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "k", "0.75"), BO_OK);
    r = solve(ctx, m, b, conf);
    T_CHECK(r != NULL);
    for (size_t i = 0; r && i < 3; ++i)
        check_run(r, i, NAN, tol);
    bo_results_destroy(r);
    T_EQ_INT(bo_batch_set_spec(b, BO_STATE, "I", "1,2,3"), BO_OK);
    r = solve(ctx, m, b, conf);
    T_CHECK(r != NULL);
    for (size_t i = 0; r && i < 3; ++i)
        check_run(r, i, (double)(i + 1), tol);
    bo_results_destroy(r);
    bo_batch_destroy(b);

    /* A run file with I0 and k, then one that also gives I (explicit, so it wins). */
    char path[] = "/tmp/bo_init_values_XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (f) {
        fputs("I0,k\n0.002,0.5\n0.02,1\n0.2,2\n", f);
        fclose(f);
    }
    bo_batch_create(ctx, m, &b);
    T_EQ_INT(bo_batch_load_csv(b, path), BO_OK);
    r = solve(ctx, m, b, conf);
    T_CHECK(r != NULL);
    for (size_t i = 0; r && i < 3; ++i)
        check_run(r, i, NAN, tol);
    bo_results_destroy(r);
    bo_batch_destroy(b);
    f = fopen(path, "w");
    if (f) {
        fputs("I0,I,k\n0.002,7,0.5\n0.02,8,1\n", f);
        fclose(f);
    }
    bo_batch_create(ctx, m, &b);
    T_EQ_INT(bo_batch_load_csv(b, path), BO_OK);
    r = solve(ctx, m, b, conf);
    T_CHECK(r != NULL);
    for (size_t i = 0; r && i < 2; ++i)
        check_run(r, i, 7.0 + (double)i, tol);
    bo_results_destroy(r);
    bo_batch_destroy(b);
    unlink(path);
}

/* u = sqrt(a): a run with a < 0 starts from NaN and fails with bad_input; the other runs of
 * the batch are untouched. */
static void test_non_finite(bo_context *ctx)
{
    bo_model *m = NULL;
    T_EQ_INT(bo_model_load_string(ctx, "param a = 1\nstate u = sqrt(a)\ndu/dt = -u\n", "sq", &m),
             BO_OK);
    bo_batch *b = NULL;
    bo_batch_create(ctx, m, &b);
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "a", "4,-1,9"), BO_OK);
    bo_results *r = solve(ctx, m, b, "rtol=1e-10 atol=1e-12 duration=1");
    T_CHECK(r != NULL);
    if (r) {
        T_CHECK(bo_results_status(r, 1) & BO_RUN_BAD_INPUT);
        T_CHECK(isnan(bo_results_init_array(r)[1]));
        T_EQ_INT(bo_results_status(r, 0), 0);
        T_EQ_INT(bo_results_status(r, 2), 0);
        T_REL(bo_results_final(r, 0, 0), 2.0 * exp(-1.0), 1e-8);
        T_REL(bo_results_final(r, 2, 0), 3.0 * exp(-1.0), 1e-8);
        T_EQ_INT(bo_results_failed_count(r), 1);
    }
    bo_results_destroy(r);
    bo_batch_destroy(b);
    bo_model_destroy(m);
}

int main(void)
{
    bo_context *ctx;
    bo_context_create(&ctx);
    bo_model *m = NULL;
    T_EQ_INT(bo_model_load_string(ctx, sir_model, NULL, &m), BO_OK);
    if (m) {
        test_grids(ctx, m, "float64", 1e-8);
        test_grids(ctx, m, "float32", 2e-5);
    }
    test_non_finite(ctx);
    bo_model_destroy(m);
    bo_context_destroy(ctx);
    T_DONE();
}
