/* The GPU backend's events agree with the CPU backend's: counts, records (time, event, state),
 * terminal stops and final states of a batch of bouncing balls (restitution swept; a stop
 * when the ball has lost most of its height; an apex event counted) and of a Van der Pol sweep
 * with three events, in float64 with the adaptive tsit5 and with fixed rk4 steps, over a
 * chunked launch. Exits 77 without a usable CUDA device.
 *
 * Both backends run the same source and differ only in rounding (fused multiply-adds,
 * last-bit math functions), so event times and states agree to 1e-9 (relative to 1 + |x|)
 * over these short runs, and counts exactly. */
#include <math.h>
#include <string.h>

#include "backend/cuda/cuda.h"
#include "batchode.h"
#include "harness.h"

static bo_context *ctx;

static const char *const models[] = {
    "param e = 0.8, g = 9.81\nstate y = 1, v = 0\ndy/dt = v\ndv/dt = -g\n"
    "event bounce when y falling then v = -e*v\nevent apex when v falling\n"
    "event low when v*v - 0.5 falling stop\n",
    "param mu = 2.385\nstate x = 2, v = 0\ndx/dt = v\ndv/dt = mu*(1 - x^2)*v - x\n"
    "event up when x rising\nevent down when x - 0.5 falling\nevent vmax when v\n",
};

static bo_results *solve(const bo_model *m, const bo_batch *b, const char *backend,
                         const char *algorithm)
{
    const char *kv[] = {"backend",    backend, "algorithm", algorithm, "duration",      "12",
                        "rtol",       "1e-10", "atol",      "1e-12",   "event_records", "16",
                        "chunk_runs", "100",   NULL};
    bo_settings *s = NULL;
    int rc = bo_settings_create(ctx, &s);
    for (size_t i = 0; rc == BO_OK && kv[i]; i += 2)
        if (strcmp(backend, "cpu") != 0 || strcmp(kv[i], "chunk_runs") != 0)
            rc = bo_settings_set(s, kv[i], kv[i + 1]);
    if (rc == BO_OK && strcmp(algorithm, "rk4") == 0) {
        rc = bo_settings_set(s, "step_controller", "fixed");
        if (rc == BO_OK)
            rc = bo_settings_set(s, "dt", "0.001");
    }
    bo_solver *sv = NULL;
    bo_results *r = NULL;
    if (rc == BO_OK)
        rc = bo_solver_create(ctx, m, s, &sv);
    if (rc == BO_OK)
        rc = bo_solver_solve(sv, b, &r);
    T_CHECKF(rc == BO_OK, "%s %s: %s", backend, algorithm, bo_errmsg(ctx));
    bo_solver_destroy(sv);
    bo_settings_destroy(s);
    return r;
}

static int close_to(double a, double b)
{
    return (isnan(a) && isnan(b)) || fabs(a - b) <= 1e-9 * (1.0 + fabs(b));
}

int main(void)
{
    bo_context_create(&ctx);
    if (cu_available(ctx, 0) != BO_OK) {
        bo_context_destroy(ctx);
        T_SKIP("no usable CUDA device");
    }
    static const char *const algorithms[] = {"tsit5", "rk4"};
    for (size_t mi = 0; mi < 2; ++mi) {
        bo_model *m = NULL;
        T_EQ_INT(bo_model_load_string(ctx, models[mi], "events", &m), BO_OK);
        bo_batch *b = NULL;
        bo_batch_create(ctx, m, &b);
        bo_batch_set_spec(b, BO_PARAMETER, mi ? "mu" : "e", mi ? "0.5:4:300" : "0.5:0.95:300");
        for (size_t ai = 0; ai < 2; ++ai) {
            bo_results *rc = solve(m, b, "cpu", algorithms[ai]);
            bo_results *rg = solve(m, b, "cuda", algorithms[ai]);
            size_t runs = bo_results_run_count(rc), n = bo_model_count(m, BO_STATE);
            for (size_t i = 0; rc && rg && i < runs; ++i) {
                T_EQ_INT(bo_results_status(rg, i), bo_results_status(rc, i));
                T_CHECK(close_to(bo_results_final_time(rg, i), bo_results_final_time(rc, i)));
                for (size_t e = 0; e < 3; ++e)
                    T_EQ_INT(bo_results_event_occurrences(rg, e, i),
                             bo_results_event_occurrences(rc, e, i));
                for (size_t k = 0; k < 16; ++k) {
                    T_EQ_INT(bo_results_event_index(rg, k, i), bo_results_event_index(rc, k, i));
                    T_CHECKF(
                        close_to(bo_results_event_time(rg, k, i), bo_results_event_time(rc, k, i)),
                        "model %zu %s run %zu record %zu: %.17g vs %.17g", mi, algorithms[ai], i, k,
                        bo_results_event_time(rg, k, i), bo_results_event_time(rc, k, i));
                    for (size_t s = 0; s < n; ++s)
                        T_CHECK(close_to(bo_results_event_state(rg, k, s, i),
                                         bo_results_event_state(rc, k, s, i)));
                }
                for (size_t s = 0; s < n; ++s)
                    T_CHECK(close_to(bo_results_final(rg, i, s), bo_results_final(rc, i, s)));
            }
            bo_results_destroy(rc);
            bo_results_destroy(rg);
        }
        bo_batch_destroy(b);
        bo_model_destroy(m);
    }
    bo_context_destroy(ctx);
    T_DONE();
}
