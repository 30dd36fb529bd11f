/* Per-run time spans on the GPU: a batch whose runs have their own t0, settling and duration
 * (several chunks, float64 and float32) agrees with the same batch on the CPU, run for run:
 * final states, end times, saves on each run's own grid with NaN past a shorter run's end,
 * and summary windows; and with the closed forms
 *   y' = -k*y        y = y0*exp(-k*(t - t0))
 *   z' = cos(t)*z    z = z0*exp(sin(t) - sin(t0))
 * Exits 77 without a usable CUDA device. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "backend/cuda/cuda.h"
#include "batchode.h"
#include "harness.h"

static bo_context *ctx;

static const char *const model_text = "model spans\n"
                                      "param k = 1.5\n"
                                      "state y = 2.385, z = 0.75\n"
                                      "dy/dt = -k*y\n"
                                      "dz/dt = cos(t)*z\n";

static bo_results *solve_on(const bo_model *m, const bo_batch *b, const char *backend,
                            const char *prec)
{
    int f32 = strcmp(prec, "float32") == 0;
    const char *kv[] = {"backend",
                        backend,
                        "precision",
                        prec,
                        "rtol",
                        f32 ? "1e-6" : "1e-10",
                        "atol",
                        f32 ? "1e-9" : "1e-13",
                        "save_every",
                        "0.25",
                        "outputs",
                        "state,mean,max",
                        "summarise_every",
                        "0.5",
                        "sample_summaries_every",
                        "0.05",
                        "chunk_runs",
                        "3000",
                        NULL};
    bo_settings *s = NULL;
    int rc = bo_settings_create(ctx, &s);
    for (size_t i = 0; rc == BO_OK && kv[i]; i += 2)
        rc = bo_settings_set(s, kv[i], kv[i + 1]);
    bo_solver *sv = NULL;
    if (rc == BO_OK)
        rc = bo_solver_create(ctx, m, s, &sv);
    bo_results *r = NULL;
    if (rc == BO_OK)
        rc = bo_solver_solve(sv, b, &r);
    if (rc == BO_OK && strcmp(bo_solver_backend(sv), backend) != 0) {
        printf("asked for backend %s, got %s\n", backend, bo_solver_backend(sv));
        bo_results_destroy(r);
        r = NULL;
    }
    if (rc != BO_OK)
        printf("%s %s: %s\n%s\n", backend, prec, bo_errmsg(ctx), bo_errlog(ctx));
    bo_solver_destroy(sv);
    bo_settings_destroy(s);
    return r;
}

static void compare(const bo_results *g, const bo_results *c, double tol)
{
    size_t runs = bo_results_run_count(c);
    T_EQ_INT(bo_results_run_count(g), runs);
    T_EQ_INT(bo_results_save_count(g), bo_results_save_count(c));
    T_EQ_INT(bo_results_window_count(g), bo_results_window_count(c));
    T_EQ_INT(bo_results_failed_count(g), 0);
    int bad = 0;
    for (size_t i = 0; i < runs && bad < 10; ++i) {
        double t0 = bo_results_span(c, i, BO_SPAN_T0);
        double t_end =
            t0 + bo_results_span(c, i, BO_SPAN_SETTLING) + bo_results_span(c, i, BO_SPAN_DURATION);
        double k = bo_results_param_array(c)[i];
        int ok = bo_results_span(g, i, BO_SPAN_T0) == t0 && bo_results_final_time(g, i) == t_end;
        ok &= fabs(bo_results_final(g, i, 0) - 2.385 * exp(-k * (t_end - t0))) <=
              tol * 2.385 * exp(-k * (t_end - t0));
        ok &= fabs(bo_results_final(g, i, 1) - 0.75 * exp(sin(t_end) - sin(t0))) <= tol * 3.0;
        for (size_t s = 0; s < bo_results_save_count(c); ++s)
            for (size_t v = 0; v < 2; ++v) {
                double a = bo_results_value(g, s, v, i), b = bo_results_value(c, s, v, i);
                ok &= isnan(a) == isnan(b) && (isnan(a) || fabs(a - b) <= tol * (1 + fabs(b)));
            }
        for (size_t w = 0; w < bo_results_window_count(c); ++w)
            for (size_t col = 0; col < bo_results_summary_count(c); ++col) {
                double a = bo_results_summary(g, w, col, i), b = bo_results_summary(c, w, col, i);
                ok &= isnan(a) == isnan(b) && (isnan(a) || fabs(a - b) <= tol * (1 + fabs(b)));
            }
        T_CHECKF(ok, "run %zu (t0 %g, end %g) differs between GPU and CPU", i, t0, t_end);
        bad += !ok;
    }
}

int main(void)
{
    T_EQ_INT(bo_context_create(&ctx), BO_OK);
    if (cu_available(ctx, 0) != BO_OK) {
        printf("skip: %s\n", bo_errmsg(ctx));
        bo_context_destroy(ctx);
        T_SKIP("no usable CUDA device");
    }
    bo_model *m = NULL;
    bo_batch *b = NULL;
    T_EQ_INT(bo_model_load_string(ctx, model_text, NULL, &m), BO_OK);
    T_EQ_INT(bo_batch_create(ctx, m, &b), BO_OK);
    /* 10,000 runs over 4 chunks: 25 k x 20 starts x 4 settlings x 5 durations. */
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "k", "0.3:2.385:25"), BO_OK);
    T_EQ_INT(bo_batch_set_span_spec(b, BO_SPAN_T0, "-2:7.5:20"), BO_OK);
    T_EQ_INT(bo_batch_set_span_spec(b, BO_SPAN_SETTLING, "0,0.25,0.5,1.75"), BO_OK);
    T_EQ_INT(bo_batch_set_span_spec(b, BO_SPAN_DURATION, "0.5,1,1.5,2.5,3"), BO_OK);
    static const char *const precs[] = {"float64", "float32"};
    for (int p = 0; p < 2; ++p) {
        bo_results *c = solve_on(m, b, "cpu", precs[p]);
        bo_results *g = solve_on(m, b, "cuda", precs[p]);
        T_CHECK(c && g);
        if (c && g)
            compare(g, c, p == 0 ? 1e-8 : 1e-3);
        bo_results_destroy(c);
        bo_results_destroy(g);
    }
    bo_batch_destroy(b);
    bo_model_destroy(m);
    bo_context_destroy(ctx);
    T_DONE();
}
