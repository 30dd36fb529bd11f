/* Saves at chosen times, interpolated against landed (docs/loop.md, "Dense output"): the
 * GPUODEBenchmarks Lorenz ensemble (Utkarsh et al., CMAME 2024; bench/cpu_lorenz.c),
 *   dx = 10(y - x), dy = rho*x - y - x*z, dz = x*y - (8/3)*z, (x, y, z)(0) = (1, 0, 0),
 *   t in [0, 1], rho = linspace(0, 21, N), tsit5, rtol = atol = 1e-8, float64,
 * with 100 save times (save_at=lin:0:1:100) taken with save_mode=interpolate and with
 * save_mode=land. Prints, per mode, the mean steps per run, the median wall time of REPS
 * solves (warm compile cache) and, on the GPU, the median kernel time (CUDA events), and the
 * largest difference between the two modes' saves. Usage:
 *   bench_dense_saves [--backend cpu|cuda] [--log2n K] [--reps R]   (default cpu, 16, 5)
 * Exit 77 when the backend is not usable. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batchode.h"
#include "solve/solver_internal.h"

static const char *lorenz_model = "model lorenz_bench\n"
                                  "const sigma = 10, beta = 8/3\n"
                                  "param rho = 21\n"
                                  "state x = 1, y = 0, z = 0\n"
                                  "dx/dt = sigma*(y - x)\n"
                                  "dy/dt = rho*x - y - x*z\n"
                                  "dz/dt = x*y - beta*z\n";

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    const char *backend = "cpu";
    int log2n = 16, reps = 5;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--backend") == 0)
            backend = argv[i + 1];
        else if (strcmp(argv[i], "--log2n") == 0)
            log2n = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--reps") == 0)
            reps = atoi(argv[i + 1]);
    }
    if (reps < 1 || reps > 100 || log2n < 0 || log2n > 26) {
        fprintf(stderr, "bad arguments\n");
        return 2;
    }
    size_t n = (size_t)1 << log2n;
    bo_context *ctx = NULL;
    bo_model *m = NULL;
    bo_batch *b = NULL;
    bo_context_create(&ctx);
    char spec[64];
    snprintf(spec, sizeof spec, "lin:0:21:%zu", n);
    if (bo_model_load_string(ctx, lorenz_model, "lorenz", &m) != BO_OK ||
        bo_batch_create(ctx, m, &b) != BO_OK || bo_batch_set_spec(b, BO_PARAMETER, "rho", spec)) {
        fprintf(stderr, "%s\n", bo_errmsg(ctx));
        return 1;
    }
    static const char *const modes[2] = {"interpolate", "land"};
    bo_results *res[2] = {NULL, NULL};
    printf("# Lorenz ensemble, N = 2^%d, tsit5 rtol=atol=1e-8, 100 save times, backend %s\n", log2n,
           backend);
    printf("# mode steps_per_run wall_ms_median kernel_ms_median\n");
    for (int k = 0; k < 2; ++k) {
        bo_settings *s = NULL;
        bo_solver *sv = NULL;
        bo_settings_create(ctx, &s);
        int rc = bo_settings_set(s, "backend", backend);
        const char *kv[][2] = {{"algorithm", "tsit5"},
                               {"rtol", "1e-8"},
                               {"atol", "1e-8"},
                               {"duration", "1"},
                               {"save_at", "lin:0:1:100"},
                               {"save_mode", modes[k]},
                               {"outputs", "state,counters"}};
        for (size_t i = 0; i < sizeof kv / sizeof kv[0] && rc == BO_OK; ++i)
            rc = bo_settings_set(s, kv[i][0], kv[i][1]);
        if (rc == BO_OK)
            rc = bo_solver_create(ctx, m, s, &sv);
        if (rc != BO_OK) {
            fprintf(stderr, "%s\n", bo_errmsg(ctx));
            return rc == BO_ERR_BACKEND ? 77 : 1;
        }
        double wall[100], kern[100];
        for (int r = 0; r < reps; ++r) {
            if (bo_solver_solve_into(sv, b, &res[k]) != BO_OK) {
                fprintf(stderr, "%s\n", bo_errmsg(ctx));
                return 1;
            }
            wall[r] = 1e3 * bo_solver_last_wall_seconds(sv);
            kern[r] = (double)sv_last_kernel_ms(sv);
        }
        qsort(wall, (size_t)reps, sizeof *wall, cmp);
        qsort(kern, (size_t)reps, sizeof *kern, cmp);
        const int64_t *steps = bo_results_steps_array(res[k]);
        double total = 0.0;
        for (size_t i = 0; i < n; ++i)
            total += (double)steps[i];
        printf("%s %.1f %.1f %.2f\n", modes[k], total / (double)n, wall[reps / 2], kern[reps / 2]);
        bo_solver_destroy(sv);
        bo_settings_destroy(s);
    }
    const double *a = bo_results_series_array(res[0]), *c = bo_results_series_array(res[1]);
    double worst = 0.0;
    for (size_t i = 0; i < 100 * 3 * n; ++i)
        worst = fmax(worst, fabs(a[i] - c[i]) / (1.0 + fabs(c[i])));
    printf("# largest difference interpolate vs land (scaled by 1 + |x|): %.2e\n", worst);
    bo_results_destroy(res[0]);
    bo_results_destroy(res[1]);
    bo_batch_destroy(b);
    bo_model_destroy(m);
    bo_context_destroy(ctx);
    return 0;
}
