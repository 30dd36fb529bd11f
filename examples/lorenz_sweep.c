/* A complete C program using the public API: sweep the Lorenz model's rho over 10,000 values
 * with Tsitouras 5(4) and print how many runs end with z above 20.
 * Build: part of the CMake build (build/lorenz_sweep); run from the repository root. Against
 * an installed batchode: cc -std=c11 lorenz_sweep.c $(pkg-config --cflags --libs batchode),
 * then ./a.out PATH/TO/lorenz.ode (docs/c-api.md). */
#include <stdio.h>

#include "batchode.h"

static int check(bo_context *ctx, int rc, const char *what)
{
    if (rc != BO_OK)
        fprintf(stderr, "lorenz_sweep: %s: %s\n", what, bo_errmsg(ctx));
    return rc != BO_OK;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "examples/lorenz.ode";
    bo_context *ctx = NULL;
    bo_model *m = NULL;
    bo_settings *s = NULL;
    bo_batch *b = NULL;
    bo_solver *sv = NULL;
    bo_results *r = NULL;
    int failed = 1;
    if (bo_context_create(&ctx) != BO_OK)
        return 1;
    if (check(ctx, bo_model_load_file(ctx, path, &m), "loading the model") ||
        check(ctx, bo_settings_create(ctx, &s), "settings") ||
        check(ctx, bo_settings_set(s, "algorithm", "tsit5"), "algorithm") ||
        check(ctx, bo_settings_set(s, "rtol", "1e-8"), "rtol") ||
        check(ctx, bo_settings_set(s, "atol", "1e-8"), "atol") ||
        check(ctx, bo_batch_create(ctx, m, &b), "batch") ||
        check(ctx, bo_batch_set_spec(b, BO_PARAMETER, "rho", "0:21:10000"), "rho") ||
        check(ctx, bo_solver_create(ctx, m, s, &sv), "building the solver") ||
        check(ctx, bo_solver_solve(sv, b, &r), "solving"))
        goto done;
    size_t runs = bo_results_run_count(r), high = 0;
    for (size_t i = 0; i < runs; ++i)
        high += bo_results_final(r, i, 2) > 20.0;
    printf("%zu runs, %zu failed, %zu end with z > 20 (%.3f s)\n", runs, bo_results_failed_count(r),
           high, bo_solver_last_wall_seconds(sv));
    failed = bo_results_failed_count(r) != 0;
done:
    bo_results_destroy(r);
    bo_solver_destroy(sv);
    bo_batch_destroy(b);
    bo_settings_destroy(s);
    bo_model_destroy(m);
    bo_context_destroy(ctx);
    return failed;
}
