/* Event overhead: the Lorenz ensemble (rho swept over [24, 34]) integrated with tsit5 for
 * 20 time units, with a counted event on x crossing 0 (either direction, `event cross when
 * x`) against the same model without it, the two solves alternating. Prints the median over
 * REPS solves of the
 * integration time (the kernel time on a GPU; the solve's wall time on the CPU, which is
 * almost all integration) and the events counted per run.
 *   bench_events [log2_runs=16] [backend=cpu] [reps=5] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batchode.h"
#include "solve/solver_internal.h"

static const char *base = "model lorenz\nparam sigma = 10, rho = 28, beta = 8/3\n"
                          "state x = 1, y = 0, z = 0\n"
                          "dx/dt = sigma*(y - x)\ndy/dt = x*(rho - z) - y\n"
                          "dz/dt = x*y - beta*z\n";

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct {
    bo_model *m;
    bo_settings *s;
    bo_solver *sv;
    bo_batch *b;
    bo_results *r;
    double t[64];
} config;

static int setup(bo_context *ctx, config *c, const char *text, const char *backend, size_t runs)
{
    memset(c, 0, sizeof *c);
    char spec[64];
    snprintf(spec, sizeof spec, "24:34:%zu", runs);
    if (bo_model_load_string(ctx, text, "lorenz", &c->m) || bo_settings_create(ctx, &c->s) ||
        bo_settings_set(c->s, "backend", backend) || bo_settings_set(c->s, "algorithm", "tsit5") ||
        bo_settings_set(c->s, "rtol", "1e-6") || bo_settings_set(c->s, "atol", "1e-6") ||
        bo_settings_set(c->s, "duration", "20") || bo_settings_set(c->s, "outputs", "state") ||
        bo_solver_create(ctx, c->m, c->s, &c->sv) || bo_batch_create(ctx, c->m, &c->b) ||
        bo_batch_set_spec(c->b, BO_PARAMETER, "rho", spec) ||
        bo_solver_solve_into(c->sv, c->b, &c->r)) { /* warm-up: compile, page faults */
        fprintf(stderr, "bench_events: %s\n", bo_errmsg(ctx));
        return 1;
    }
    return 0;
}

static int time_one(bo_context *ctx, config *c, int k)
{
    if (bo_solver_solve_into(c->sv, c->b, &c->r) != BO_OK) {
        fprintf(stderr, "bench_events: %s\n", bo_errmsg(ctx));
        return 1;
    }
    c->t[k] = strcmp(bo_solver_backend(c->sv), "cuda") == 0
                  ? 1e-3 * (double)sv_last_kernel_ms(c->sv)
                  : bo_solver_last_wall_seconds(c->sv);
    return 0;
}

static void teardown(config *c)
{
    bo_results_destroy(c->r);
    bo_batch_destroy(c->b);
    bo_solver_destroy(c->sv);
    bo_settings_destroy(c->s);
    bo_model_destroy(c->m);
}

int main(int argc, char **argv)
{
    int log2n = argc > 1 ? atoi(argv[1]) : 16;
    const char *backend = argc > 2 ? argv[2] : "cpu";
    int reps = argc > 3 ? atoi(argv[3]) : 5;
    if (log2n < 0 || log2n > 30 || reps < 1 || reps > 63)
        return 2;
    size_t runs = (size_t)1 << log2n;
    bo_context *ctx = NULL;
    bo_context_create(&ctx);
    char with[1024];
    snprintf(with, sizeof with, "%sevent cross when x\n", base);
    config a, e;
    int rc = setup(ctx, &a, base, backend, runs) || setup(ctx, &e, with, backend, runs);
    /* Alternate the two so that a busy machine slows both alike. */
    for (int k = 0; rc == 0 && k < reps; ++k)
        rc = time_one(ctx, &a, k) || time_one(ctx, &e, k);
    if (rc == 0) {
        qsort(a.t, (size_t)reps, sizeof a.t[0], cmp);
        qsort(e.t, (size_t)reps, sizeof e.t[0], cmp);
        double t0 = a.t[reps / 2], t1 = e.t[reps / 2], n = 0.0, steps0 = 0.0, steps1 = 0.0;
        for (size_t i = 0; i < runs; ++i) {
            n += (double)bo_results_event_occurrences(e.r, 0, i);
            steps0 += (double)bo_results_steps(a.r, i);
            steps1 += (double)bo_results_steps(e.r, i);
        }
        printf(
            "| runs | backend | no event (s) | counted event on x (s) | ratio | events per run | "
            "steps per run (no event, event) |\n|---|---|---|---|---|---|---|\n");
        printf("| 2^%d | %s | %.4f | %.4f | %.3f | %.1f | %.0f, %.0f |\n", log2n, backend, t0, t1,
               t1 / t0, n / (double)runs, steps0 / (double)runs, steps1 / (double)runs);
    }
    teardown(&a);
    teardown(&e);
    bo_context_destroy(ctx);
    return rc;
}
