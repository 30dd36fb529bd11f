/* The GPU backend's summaries agree with the CPU backend's: every metric, on states and an
 * observable, over several windows after a settling time, with the accumulators in local and in
 * shared memory, and over chunked launches (chunk_runs smaller than the batch). Exits 77
 * without a usable CUDA device.
 *
 * Tolerances (the argument of tests/gpu/test_gpu_agree.c): both backends run the same source
 * and differ only in rounding (fused multiply-adds, last-bit math functions), so samples agree
 * to tol * (|x| + scale_x) with tol = 1e-10 in float64 over these short runs. A metric is a
 * selection of samples (extrema, peaks), a mean of them (mean, rms, std) or a difference of
 * them: a first difference can differ by 2 * tol * scale_x / dt and a second by
 * 4 * tol * scale_x / dt^2, which sets each column's scale. Peak times are sample times: equal
 * unless a near-tie between neighbouring samples resolves differently, which at 1e-10 of the
 * signal does not happen on these smooth signals.
 * float32 runs fixed steps (differences up to 1e-3 relative, test_gpu_agree.c); only the
 * value metrics are compared there, since differences of float32 samples 0.01 apart amplify
 * that by 1/dt and 1/dt^2. */
#include <math.h>
#include <string.h>

#include "backend/cuda/cuda.h"
#include "batchode.h"
#include "harness.h"

static bo_context *ctx;

static const char *const vdp_text = "model vanderpol\n"
                                    "param mu = 2.385\n"
                                    "state x = 2, v = 0\n"
                                    "dx/dt = v\n"
                                    "dv/dt = mu*(1 - x^2)*v - x\n"
                                    "obs energy = 0.5*(x^2 + v^2)\n";

#define METRICS                                                                                    \
    "mean,rms,std,min,max,extrema,max_magnitude,peaks[3],negative_peaks[2],dxdt_max,dxdt_min,"     \
    "dxdt_extrema,d2xdt2_max,d2xdt2_min,d2xdt2_extrema"

static bo_results *solve(const bo_model *m, const bo_batch *b, const char *backend,
                         const char *const *extra)
{
    const char *kv[] = {"backend",
                        backend,
                        "outputs",
                        "state,observables," METRICS,
                        "duration",
                        "8",
                        "settling",
                        "1.25",
                        "summarise_every",
                        "2",
                        "sample_summaries_every",
                        "0.01",
                        NULL};
    bo_settings *s = NULL;
    int rc = bo_settings_create(ctx, &s);
    for (size_t i = 0; rc == BO_OK && kv[i]; i += 2)
        rc = bo_settings_set(s, kv[i], kv[i + 1]);
    for (size_t i = 0; rc == BO_OK && extra[i]; i += 2)
        rc = bo_settings_set(s, extra[i], extra[i + 1]);
    bo_solver *sv = NULL;
    if (rc == BO_OK)
        rc = bo_solver_create(ctx, m, s, &sv);
    bo_results *r = NULL;
    if (rc == BO_OK)
        rc = bo_solver_solve(sv, b, &r);
    if (rc != BO_OK)
        printf("%s: %s\n%s\n", backend, bo_errmsg(ctx), bo_errlog(ctx));
    bo_solver_destroy(sv);
    bo_settings_destroy(s);
    return r;
}

static double column_max(const bo_results *r, size_t c)
{
    double m = 0;
    for (size_t w = 0; w < bo_results_window_count(r); ++w)
        for (size_t i = 0; i < bo_results_run_count(r); ++i) {
            double v = bo_results_summary(r, w, c, i);
            if (isfinite(v) && fabs(v) > m)
                m = fabs(v);
        }
    return m;
}

/* Largest magnitude of the column "<var>.max_magnitude": the size of the variable. */
static double var_scale(const bo_results *r, const char *var)
{
    for (size_t c = 0; c < bo_results_summary_count(r); ++c)
        if (strcmp(bo_results_summary_variable(r, c), var) == 0 &&
            strcmp(bo_results_summary_metric(r, c), "max_magnitude") == 0)
            return column_max(r, c);
    return NAN;
}

static void compare(const bo_model *m, const bo_batch *b, const char *label,
                    const char *const *extra, int f32)
{
    bo_results *cpu = solve(m, b, "cpu", extra);
    bo_results *gpu = solve(m, b, "cuda", extra);
    T_CHECKF(cpu && gpu, "%s did not solve", label);
    if (!cpu || !gpu) {
        bo_results_destroy(cpu);
        bo_results_destroy(gpu);
        return;
    }
    size_t W = bo_results_window_count(cpu), C = bo_results_summary_count(cpu);
    size_t runs = bo_results_run_count(cpu);
    T_EQ_INT(W, 4);
    T_EQ_INT(bo_results_window_count(gpu), W);
    T_EQ_INT(bo_results_summary_count(gpu), C);
    double tol = f32 ? 1e-3 : 1e-10, dt = 0.01;
    size_t bad = 0, compared = 0;
    double worst = 0;
    for (size_t c = 0; c < C; ++c) {
        const char *metric = bo_results_summary_metric(cpu, c);
        const char *out = bo_results_summary_output(cpu, c);
        double sx = var_scale(cpu, bo_results_summary_variable(cpu, c));
        int d1 = strncmp(metric, "dxdt", 4) == 0, d2 = strncmp(metric, "d2xdt2", 6) == 0;
        int peak = strstr(metric, "peaks") != NULL;
        if (f32 && (d1 || d2 || peak))
            continue;
        double scale = d1 ? 2 * sx / dt : d2 ? 4 * sx / (dt * dt) : sx;
        if (peak && out[0] == 't')
            scale = 0; /* times: relative to themselves */
        for (size_t w = 0; w < W; ++w)
            for (size_t i = 0; i < runs; ++i) {
                double g = bo_results_summary(gpu, w, c, i), v = bo_results_summary(cpu, w, c, i);
                ++compared;
                if (isnan(g) || isnan(v)) {
                    bad += !(isnan(g) && isnan(v));
                    continue;
                }
                double d = fabs(g - v) / (fabs(v) + scale);
                worst = d > worst ? d : worst;
                bad += d > (peak && out[0] == 't' ? 1e-15 : tol);
            }
    }
    for (size_t i = 0; i < runs; ++i)
        bad += bo_results_status(cpu, i) != bo_results_status(gpu, i);
    T_CHECKF(bad == 0, "%s: %zu of %zu summary values differ beyond tolerance", label, bad,
             compared);
    printf("%-34s %zu values, worst relative difference %.2e\n", label, compared, worst);
    bo_results_destroy(cpu);
    bo_results_destroy(gpu);
}

int main(void)
{
    bo_context_create(&ctx);
    if (cu_available(ctx, 0) != BO_OK) {
        printf("%s\n", bo_errmsg(ctx));
        bo_context_destroy(ctx);
        T_SKIP("no usable CUDA device");
    }
    bo_model *m = NULL;
    bo_batch *b = NULL;
    T_EQ_INT(bo_model_load_string(ctx, vdp_text, "vdp", &m), BO_OK);
    T_EQ_INT(bo_batch_create(ctx, m, &b), BO_OK);
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "mu", "0.5:4:37"), BO_OK);
    T_EQ_INT(bo_batch_set_spec(b, BO_STATE, "x", "1.5,2,2.385"), BO_OK);

    const char *const adaptive[] = {"algorithm", "tsit5", "rtol", "1e-8", "atol", "1e-10", NULL};
    const char *const fixed[] = {"algorithm", "rk4", "dt", "0.005", NULL};
    const char *const shared[] = {
        "algorithm",          "tsit5",  "rtol",       "1e-8", "atol", "1e-10",
        "summaries_location", "shared", "chunk_runs", "40",   NULL};
    const char *const single[] = {"algorithm", "rk4", "dt", "0.005", "precision", "float32", NULL};
    compare(m, b, "float64 tsit5", adaptive, 0);
    compare(m, b, "float64 rk4 (fixed)", fixed, 0);
    compare(m, b, "float64 tsit5, shared, chunks of 40", shared, 0);
    compare(m, b, "float32 rk4 (fixed)", single, 1);

    bo_batch_destroy(b);
    bo_model_destroy(m);
    bo_context_destroy(ctx);
    T_DONE();
}
