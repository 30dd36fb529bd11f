/* Failed runs in a batch (docs/loop.md, docs/outputs.md): with keep_failed=false every value
 * of a failed run is NaN (final state, all saves, all summary windows), with keep_failed=true
 * it keeps what it computed before it failed; either way its status and final time say what
 * happened, and the runs around it are untouched. The kernel masks each run itself, so this
 * is checked on solves, in both precisions, against the closed form of
 *   x' = x^2,  x(t) = x0 / (1 - x0 t),
 * which blows up at t = 1/x0: runs with x0 = 1 fail near t = 1, the others (x0 <= 0.12) live
 * past the end at t = 2. */
#include <math.h>
#include <stdio.h>

#include "batchode.h"
#include "harness.h"
#include "solvetest.h"

#define RUNS 200
#define T_END 2.0
#define EVERY 0.25

static const char *model_text = "model blowup\n"
                                "state x = 0.1\n"
                                "dx/dt = x^2\n";

static const size_t failing[] = {0, 63, 64, 130, 192, 199};

static int fails(size_t run)
{
    for (size_t f = 0; f < sizeof failing / sizeof failing[0]; ++f)
        if (failing[f] == run)
            return 1;
    return 0;
}

static double x0_of(size_t run)
{
    return fails(run) ? 1.0 : 0.02 + 0.0005 * (double)run;
}

static double exact(size_t run, double t)
{
    double x0 = x0_of(run);
    return x0 / (1.0 - x0 * t);
}

static void check(const bo_results *r, int keep, double tol)
{
    size_t nsaves = bo_results_save_count(r), nwin = bo_results_window_count(r);
    T_EQ_INT(nsaves, (size_t)(T_END / EVERY) + 1);
    T_EQ_INT(nwin, 4);
    T_EQ_INT(bo_results_failed_count(r), sizeof failing / sizeof failing[0]);
    size_t wrong = 0;
    for (size_t run = 0; run < RUNS; ++run) {
        double tf = bo_results_final_time(r, run);
        if (!fails(run)) {
            wrong += bo_results_status(r, run) != 0 || tf != T_END;
            wrong += (size_t) !(fabs(bo_results_final(r, run, 0) - exact(run, T_END)) <= tol);
            for (size_t k = 0; k < nsaves; ++k)
                wrong += (size_t) !(fabs(bo_results_value(r, k, 0, run) -
                                         exact(run, bo_results_save_time(r, k))) <= tol);
            for (size_t w = 0; w < nwin; ++w)
                wrong += (size_t)!isfinite(bo_results_summary(r, w, 0, run));
            continue;
        }
        /* The failure is the blow-up: it stops at t = 1 to within a step of the shrinking
         * step sizes there. */
        T_CHECKF(bo_results_status(r, run) != 0 && tf > 0.9 && tf < 1.001,
                 "run %zu: status %d, final time %.17g", run, (int)bo_results_status(r, run), tf);
        double xf = bo_results_final(r, run, 0);
        T_CHECKF(keep ? isfinite(xf) && xf > 10.0 : isnan(xf), "run %zu: final x %g (keep %d)", run,
                 xf, keep);
        for (size_t k = 0; k < nsaves; ++k) {
            double t = bo_results_save_time(r, k), v = bo_results_value(r, k, 0, run);
            /* Relative above 1: the saves are interpolated (docs/loop.md), and the error
             * grows with x towards the blow-up. */
            if (keep && t < 0.9)
                wrong += (size_t) !(fabs(v - exact(run, t)) <= tol * (1.0 + fabs(exact(run, t))));
            else if (!keep || t > 1.0)
                wrong += (size_t)!isnan(v);
        }
        /* Window 0 is [0, 0.5]: complete before the failure; windows from [1, 1.5] on never
         * are. */
        for (size_t w = 0; w < nwin; ++w) {
            double v = bo_results_summary(r, w, 0, run);
            if (keep && w == 0)
                wrong += (size_t)!isfinite(v);
            else if (!keep || w >= 2)
                wrong += (size_t)!isnan(v);
        }
    }
    T_CHECKF(wrong == 0, "%zu values differ from what keep_failed=%d asks", wrong, keep);
}

int main(void)
{
    bo_context *ctx = NULL;
    bo_model *m = NULL;
    bo_batch *b = NULL;
    bo_context_create(&ctx);
    T_EQ_INT(bo_model_load_string(ctx, model_text, NULL, &m), BO_OK);
    T_EQ_INT(bo_batch_create(ctx, m, &b), BO_OK);
    double x0[RUNS];
    for (size_t run = 0; run < RUNS; ++run)
        x0[run] = x0_of(run);
    T_EQ_INT(bo_batch_set_grid(b, BO_GRID_VERBATIM), BO_OK);
    T_EQ_INT(bo_batch_set_values(b, BO_STATE, "x", x0, RUNS), BO_OK);
    T_EQ_INT(bo_batch_run_count(b), RUNS);
    for (int prec = 0; prec < 2; ++prec)
        for (int keep = 0; keep < 2; ++keep) {
            char conf[512];
            snprintf(conf, sizeof conf,
                     "precision=%s keep_failed=%s outputs=state,mean summarise_every=0.5 "
                     "sample_summaries_every=0.05 save_every=%g duration=%g rtol=1e-8 "
                     "atol=1e-10 max_steps=20000 threads=2",
                     prec ? "float32" : "float64", keep ? "true" : "false", EVERY, T_END);
            bo_results *r = solve(ctx, m, b, conf);
            T_CHECK(r != NULL);
            if (r)
                check(r, keep, prec ? 1e-5 : 1e-7);
            bo_results_destroy(r);
        }
    bo_batch_destroy(b);
    bo_model_destroy(m);
    bo_context_destroy(ctx);
    T_DONE();
}
