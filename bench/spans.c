/* Cost of per-run spans on the CPU: the Lorenz ensemble (bench/README.md; rho = linspace(0, 21,
 * N), (x, y, z)(0) = (1, 0, 0), t in [0, 1]) with N = 2^16 runs, adaptive tsit5 at
 * rtol = atol = 1e-8 and fixed RK4 at dt = 1e-3, median of REPS solves each:
 *   - uniform: every run takes t0 and duration from the settings (the kernel's
 *     spans == NULL path: build this file against an older library with -DBENCH_BASELINE to
 *     time the same thing before per-run spans existed);
 *   - spans:   the same runs with t0 = 0 and duration = 1 given per run (the kernel reads
 *     them from the spans array: the same arithmetic, so any difference is the path's cost).
 * Usage: bench_spans [threads] (default 0 = every core). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "batchode.h"

#define REPS 7
#define N (1 << 16)

static const char *const lorenz = "model lorenz\n"
                                  "param sigma = 10, rho = 28, beta = 2.6666666666666665\n"
                                  "state x = 1, y = 0, z = 0\n"
                                  "dx/dt = sigma*(y - x)\n"
                                  "dy/dt = x*(rho - z) - y\n"
                                  "dz/dt = x*y - beta*z\n";

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void die(bo_context *ctx, const char *what)
{
    fprintf(stderr, "%s: %s\n", what, bo_errmsg(ctx));
    exit(1);
}

static double median_solve(bo_solver *sv, bo_batch *b, bo_context *ctx)
{
    double t[REPS];
    bo_results *r = NULL;
    for (int i = 0; i < REPS; ++i) {
        double t0 = now();
        if (bo_solver_solve_into(sv, b, &r) != BO_OK)
            die(ctx, "solve");
        t[i] = now() - t0;
    }
    bo_results_destroy(r);
    qsort(t, REPS, sizeof t[0], cmp);
    return t[REPS / 2];
}

int main(int argc, char **argv)
{
    const char *threads = argc > 1 ? argv[1] : "0";
    bo_context *ctx = NULL;
    bo_model *m = NULL;
    bo_batch *b = NULL;
    if (bo_context_create(&ctx) != BO_OK || bo_model_load_string(ctx, lorenz, NULL, &m) != BO_OK ||
        bo_batch_create(ctx, m, &b) != BO_OK ||
        bo_batch_set_spec(b, BO_PARAMETER, "rho", "0:21:65536") != BO_OK)
        die(ctx, "setup");
    static const char *const methods[][4] = {{"tsit5", "auto", "auto", "1e-8"},
                                             {"rk4", "fixed", "0.001", "1e-8"}};
    printf("| method | mode | N | threads | median s |\n|---|---|---|---|---|\n");
    for (int k = 0; k < 2; ++k) {
        bo_settings *s = NULL;
        bo_solver *sv = NULL;
        if (bo_settings_create(ctx, &s) != BO_OK || bo_settings_set(s, "backend", "cpu") ||
            bo_settings_set(s, "algorithm", methods[k][0]) ||
            bo_settings_set(s, "step_controller", methods[k][1]) ||
            bo_settings_set(s, "dt", methods[k][2]) || bo_settings_set(s, "rtol", methods[k][3]) ||
            bo_settings_set(s, "atol", methods[k][3]) || bo_settings_set(s, "threads", threads) ||
            bo_solver_create(ctx, m, s, &sv) != BO_OK)
            die(ctx, "solver");
        printf("| %s | uniform | %d | %s | %.4f |\n", methods[k][0], N, threads,
               median_solve(sv, b, ctx));
#ifndef BENCH_BASELINE
        bo_batch *bs = NULL;
        if (bo_batch_create(ctx, m, &bs) != BO_OK ||
            bo_batch_set_span_spec(bs, BO_SPAN_T0, "0") != BO_OK ||
            bo_batch_set_span_spec(bs, BO_SPAN_DURATION, "1") != BO_OK ||
            bo_batch_set_spec(bs, BO_PARAMETER, "rho", "0:21:65536") != BO_OK)
            die(ctx, "spans");
        printf("| %s | spans | %d | %s | %.4f |\n", methods[k][0], N, threads,
               median_solve(sv, bs, ctx));
        bo_batch_destroy(bs);
#endif
        bo_solver_destroy(sv);
        bo_settings_destroy(s);
    }
    bo_batch_destroy(b);
    bo_model_destroy(m);
    bo_context_destroy(ctx);
    return 0;
}
