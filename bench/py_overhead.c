/* The C side of bench/python_overhead.py: the same Lorenz sweep the Python package runs, through
 * the C API, timed the same way (one batch, one solve, the results freed; per repetition).
 *   bench_py_overhead MODEL N REPS [THREADS]
 * solves MODEL (examples/lorenz.ode) for rho = linspace(0, 21, N) with tsit5, rtol = atol =
 * 1e-8, t in [0, 1], final state only, on the CPU backend, once to warm the compile cache and
 * then REPS times, and prints each repetition's wall time in seconds on one line ("c 0.0123"),
 * then "check <sum of z over runs>" so the Python side can confirm it computed the same. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "batchode.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int fail(bo_context *ctx, const char *what)
{
    fprintf(stderr, "bench_py_overhead: %s: %s\n", what, bo_errmsg(ctx));
    return 1;
}

/* One repetition: the batch from the values, the solve, the results freed. */
static int solve_once(bo_context *ctx, const bo_model *m, bo_solver *sv, const double *rho,
                      size_t n, double *zsum)
{
    bo_batch *b = NULL;
    bo_results *r = NULL;
    if (bo_batch_create(ctx, m, &b) != BO_OK ||
        bo_batch_set_values(b, BO_PARAMETER, "rho", rho, n) != BO_OK ||
        bo_solver_solve(sv, b, &r) != BO_OK) {
        bo_batch_destroy(b);
        return -1;
    }
    if (zsum) {
        const double *fin = bo_results_final_array(r);
        *zsum = 0;
        for (size_t i = 0; i < n; ++i)
            *zsum += fin[2 * n + i];
    }
    bo_results_destroy(r);
    bo_batch_destroy(b);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_py_overhead MODEL N REPS [THREADS]\n");
        return 2;
    }
    size_t n = (size_t)strtoull(argv[2], NULL, 10);
    int reps = atoi(argv[3]);
    const char *threads = argc > 4 ? argv[4] : "0";
    double *rho = malloc(n * sizeof *rho);
    if (!rho || n == 0 || reps < 1)
        return 2;
    for (size_t i = 0; i < n; ++i)
        rho[i] = n > 1 ? 21.0 * (double)i / (double)(n - 1) : 0.0;
    bo_context *ctx = NULL;
    bo_model *m = NULL;
    bo_settings *s = NULL;
    bo_solver *sv = NULL;
    bo_context_create(&ctx);
    if (bo_model_load_file(ctx, argv[1], &m) != BO_OK)
        return fail(ctx, "model");
    if (bo_settings_create(ctx, &s) != BO_OK || bo_settings_set(s, "algorithm", "tsit5") ||
        bo_settings_set(s, "rtol", "1e-8") || bo_settings_set(s, "atol", "1e-8") ||
        bo_settings_set(s, "backend", "cpu") || bo_settings_set(s, "threads", threads) ||
        bo_solver_create(ctx, m, s, &sv) != BO_OK)
        return fail(ctx, "solver");
    double zsum = 0;
    if (solve_once(ctx, m, sv, rho, n, &zsum) != 0)
        return fail(ctx, "solve");
    for (int k = 0; k < reps; ++k) {
        double t0 = now();
        if (solve_once(ctx, m, sv, rho, n, NULL) != 0)
            return fail(ctx, "solve");
        printf("c %.9f\n", now() - t0);
    }
    printf("check %.17g\n", zsum);
    bo_solver_destroy(sv);
    bo_settings_destroy(s);
    bo_model_destroy(m);
    bo_context_destroy(ctx);
    free(rho);
    return 0;
}
