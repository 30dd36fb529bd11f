/* Per-run time spans (docs/loop.md, "Per-run spans"; docs/batches.md): a batch whose runs have
 * their own t0, settling and duration gives, run for run, exactly (bit for bit, on the CPU)
 * what each run gives solved alone with those values as settings; the values agree with
 * closed forms; saves and summary windows past a shorter run's end are NaN; bad spans are
 * refused naming the value or the run.
 *   y' = -k*y        y = y0*exp(-k*(t - t0))
 *   z' = cos(t)*z    z = z0*exp(sin(t) - sin(t0))   (depends on where the run starts) */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "batchode.h"
#include "harness.h"
#include "solvetest.h"

static const char *model_text = "model spans\n"
                                "param k = 1.5\n"
                                "state y = 2.385, z = 0.75\n"
                                "dy/dt = -k*y\n"
                                "dz/dt = cos(t)*z\n";

/* The same bits (NaN equals NaN of the same payload, as a run alone writes it). */
static int same(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0 || (isnan(a) && isnan(b));
}

#define NRUNS 6
static const double k_of[NRUNS] = {1.5, 0.7, 2.385, 1.1, 0.3, 1.9};
static const double t0_of[NRUNS] = {0.0, -1.25, 3.5, 100.0, 0.5, 2.0};
static const double settling_of[NRUNS] = {0.0, 0.5, 1.25, 0.0, 2.0, 0.75};
static const double duration_of[NRUNS] = {2.0, 1.0, 3.5, 2.25, 0.5, 3.0};

/* The mixed batch against each run alone, under the settings `conf` (which must not set t0,
 * settling or duration), with saves every 0.25 and, when sums, windows of 0.5. */
static void mixed_vs_alone(bo_context *ctx, const bo_model *m, const char *conf, int sums)
{
    bo_batch *b = NULL;
    T_EQ_INT(bo_batch_create(ctx, m, &b), BO_OK);
    T_EQ_INT(bo_batch_set_grid(b, BO_GRID_VERBATIM), BO_OK);
    T_EQ_INT(bo_batch_set_values(b, BO_PARAMETER, "k", k_of, NRUNS), BO_OK);
    T_EQ_INT(bo_batch_set_span(b, BO_SPAN_T0, t0_of, NRUNS), BO_OK);
    T_EQ_INT(bo_batch_set_span(b, BO_SPAN_SETTLING, settling_of, NRUNS), BO_OK);
    T_EQ_INT(bo_batch_set_span(b, BO_SPAN_DURATION, duration_of, NRUNS), BO_OK);
    char all[512];
    snprintf(all, sizeof all, "%s save_every=0.25%s", conf,
             sums ? " outputs=state,mean,max summarise_every=0.5 sample_summaries_every=0.05" : "");
    bo_results *r = solve(ctx, m, b, all);
    T_CHECK(r != NULL);
    if (!r) {
        bo_batch_destroy(b);
        return;
    }
    T_EQ_INT(bo_results_spans_vary(r), 1);
    T_EQ_INT(bo_results_run_count(r), NRUNS);
    /* The longest duration (3.5) sets the saves: 3.5 / 0.25 + 1; windows: 3.5 / 0.5. */
    T_EQ_INT(bo_results_save_count(r), 15);
    T_EQ_INT(bo_results_failed_count(r), 0);
    if (sums)
        T_EQ_INT(bo_results_window_count(r), 7);
    T_CHECK(bo_results_span_array(r, BO_SPAN_DURATION) != NULL);
    for (size_t k = 0; k < bo_results_save_count(r); ++k)
        T_CHECK(same(bo_results_save_time(r, k), 0.25 * (double)k));
    for (size_t i = 0; i < NRUNS; ++i) {
        T_CHECK(same(bo_results_span(r, i, BO_SPAN_T0), t0_of[i]));
        T_CHECK(same(bo_results_span(r, i, BO_SPAN_SETTLING), settling_of[i]));
        T_CHECK(same(bo_results_span(r, i, BO_SPAN_DURATION), duration_of[i]));
        T_CHECK(same(bo_results_span_array(r, BO_SPAN_T0)[i], t0_of[i]));
        T_CHECK(same(bo_results_run_start(r, i), t0_of[i] + settling_of[i]));
        bo_batch *one = NULL;
        T_EQ_INT(bo_batch_create(ctx, m, &one), BO_OK);
        T_EQ_INT(bo_batch_set_values(one, BO_PARAMETER, "k", &k_of[i], 1), BO_OK);
        char c1[640];
        snprintf(c1, sizeof c1, "%s t0=%.17g settling=%.17g duration=%.17g", all, t0_of[i],
                 settling_of[i], duration_of[i]);
        bo_results *a = solve(ctx, m, one, c1);
        T_CHECK(a != NULL);
        if (a) {
            T_EQ_INT(bo_results_spans_vary(a), 0);
            T_CHECK(bo_results_span_array(a, BO_SPAN_T0) == NULL);
            T_CHECK(same(bo_results_span(a, 0, BO_SPAN_DURATION), duration_of[i]));
            T_EQ_INT(bo_results_status(r, i), bo_results_status(a, 0));
            T_CHECK(same(bo_results_final_time(r, i), bo_results_final_time(a, 0)));
            T_CHECK(bo_results_steps(r, i) == bo_results_steps(a, 0));
            T_CHECK(bo_results_rejections(r, i) == bo_results_rejections(a, 0));
            for (size_t s = 0; s < 2; ++s)
                T_CHECKF(same(bo_results_final(r, i, s), bo_results_final(a, 0, s)),
                         "run %zu state %zu: %.17g alone %.17g", i, s, bo_results_final(r, i, s),
                         bo_results_final(a, 0, s));
            size_t own = bo_results_save_count(a);
            T_EQ_INT(own, (size_t)(duration_of[i] / 0.25 + 1e-9) + 1);
            for (size_t k = 0; k < bo_results_save_count(r); ++k) {
                T_CHECK(same(bo_results_run_save_time(r, i, k),
                             t0_of[i] + settling_of[i] + 0.25 * (double)k));
                if (k < own)
                    T_CHECK(same(bo_results_run_save_time(r, i, k), bo_results_save_time(a, k)));
                for (size_t v = 0; v < bo_results_var_count(r); ++v) {
                    double got = bo_results_value(r, k, v, i);
                    if (k < own)
                        T_CHECKF(same(got, bo_results_value(a, k, v, 0)),
                                 "run %zu save %zu var %zu: %.17g alone %.17g", i, k, v, got,
                                 bo_results_value(a, k, v, 0));
                    else
                        T_CHECKF(isnan(got), "run %zu save %zu past its end: %g", i, k, got);
                }
            }
            size_t own_w = bo_results_window_count(a);
            for (size_t w = 0; sums && w < bo_results_window_count(r); ++w)
                for (size_t c = 0; c < bo_results_summary_count(r); ++c) {
                    double got = bo_results_summary(r, w, c, i);
                    if (w < own_w)
                        T_CHECKF(same(got, bo_results_summary(a, w, c, 0)),
                                 "run %zu window %zu column %zu: %.17g alone %.17g", i, w, c, got,
                                 bo_results_summary(a, w, c, 0));
                    else
                        T_CHECKF(isnan(got), "run %zu window %zu past its end: %g", i, w, got);
                }
            if (sums && own_w > 0)
                T_CHECK(same(bo_results_window_start(r, 0) + bo_results_run_start(r, i),
                             bo_results_window_start(a, 0)));
        }
        bo_results_destroy(a);
        bo_batch_destroy(one);
    }
    bo_results_destroy(r);
    bo_batch_destroy(b);
}

/* Durations and starts as grid factors, against the closed forms. */
static void closed_forms(bo_context *ctx, const bo_model *m)
{
    bo_batch *b = NULL;
    T_EQ_INT(bo_batch_create(ctx, m, &b), BO_OK);
    T_EQ_INT(bo_batch_set_span_spec(b, BO_SPAN_T0, "-1.5,0,2.385"), BO_OK);
    T_EQ_INT(bo_batch_set_span_spec(b, BO_SPAN_DURATION, "lin:0.5:4.5:5"), BO_OK);
    T_EQ_INT(bo_batch_has_span(b, BO_SPAN_T0), 1);
    T_EQ_INT(bo_batch_has_span(b, BO_SPAN_SETTLING), 0);
    T_EQ_INT(bo_batch_run_count(b), 15);
    double sp[BO_SPAN_COUNT];
    T_EQ_INT(bo_batch_get_span(b, 7, sp), BO_OK);
    T_CHECK(sp[BO_SPAN_T0] == 0.0 && sp[BO_SPAN_DURATION] == 2.5 && isnan(sp[BO_SPAN_SETTLING]));
    bo_results *r = solve(ctx, m, b, "rtol=1e-10 atol=1e-12 settling=0.25 duration=7");
    T_CHECK(r != NULL);
    for (size_t i = 0; r && i < 15; ++i) {
        double t0 = bo_results_span(r, i, BO_SPAN_T0);
        double d = bo_results_span(r, i, BO_SPAN_DURATION);
        T_CHECK(t0 == (i / 5 == 0 ? -1.5 : i / 5 == 1 ? 0.0 : 2.385));
        T_CHECK(d == 0.5 + (double)(i % 5));
        T_CHECK(bo_results_span(r, i, BO_SPAN_SETTLING) == 0.25); /* the setting */
        double t_end = t0 + 0.25 + d;
        T_CHECK(bo_results_final_time(r, i) == t_end);
        T_REL(bo_results_final(r, i, 0), 2.385 * exp(-1.5 * (t_end - t0)), 1e-8);
        T_REL(bo_results_final(r, i, 1), 0.75 * exp(sin(t_end) - sin(t0)), 1e-8);
    }
    bo_results_destroy(r);
    bo_batch_destroy(b);
}

/* Bad values and spans that do not fit their saves are refused, naming what and where. */
static void errors(bo_context *ctx, const bo_model *m)
{
    bo_batch *b = NULL;
    T_EQ_INT(bo_batch_create(ctx, m, &b), BO_OK);
    const double neg[] = {1.0, -2.0};
    T_EQ_INT(bo_batch_set_span(b, BO_SPAN_DURATION, neg, 2), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "value 1 for span 'duration' (-2) is not positive");
    T_EQ_INT(bo_batch_set_span(b, BO_SPAN_SETTLING, neg, 2), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "settling must be >= 0");
    const double inf[] = {INFINITY};
    T_EQ_INT(bo_batch_set_span(b, BO_SPAN_T0, inf, 1), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "not finite");
    T_EQ_INT(bo_batch_set_span(b, (bo_span)7, neg, 1), BO_ERR_INVALID_ARG);
    T_EQ_INT(bo_batch_set_span_spec(b, BO_SPAN_DURATION, "0:1:3"), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "value 0 for span 'duration' (0)");
    T_EQ_INT(bo_batch_set_span_spec(b, BO_SPAN_DURATION, "1:2:x"), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "spec '1:2:x' for 'duration'");
    T_EQ_INT(bo_batch_has_span(b, BO_SPAN_DURATION), 0); /* nothing was installed */
    T_CHECK(bo_span_name(BO_SPAN_SETTLING) &&
            strcmp(bo_span_name(BO_SPAN_SETTLING), "settling") == 0);
    T_CHECK(bo_span_name((bo_span)3) == NULL);

    /* Run 2's duration is shorter than the save interval. */
    const double d[] = {2.0, 1.5, 0.1};
    T_EQ_INT(bo_batch_set_span(b, BO_SPAN_DURATION, d, 3), BO_OK);
    bo_settings *s = NULL;
    bo_solver *sv = NULL;
    bo_results *r = NULL;
    T_EQ_INT(bo_settings_create(ctx, &s), BO_OK);
    T_EQ_INT(bo_settings_set(s, "backend", "cpu"), BO_OK);
    T_EQ_INT(bo_settings_set(s, "save_every", "0.5"), BO_OK);
    T_EQ_INT(bo_solver_create(ctx, m, s, &sv), BO_OK);
    T_EQ_INT(bo_solver_solve(sv, b, &r), BO_ERR_SETTING);
    T_CONTAINS(bo_errmsg(ctx), "run 2 (t0 = 0, settling = 0, duration = 0.1): save_every (0.5)");
    /* A run whose end rounds onto its start at a large t0. */
    const double t0[] = {0.0, 0.0, 1e17};
    T_EQ_INT(bo_batch_set_span(b, BO_SPAN_T0, t0, 3), BO_OK);
    T_EQ_INT(bo_batch_set_span_spec(b, BO_SPAN_DURATION, "1"), BO_OK);
    T_EQ_INT(bo_batch_set_grid(b, BO_GRID_VERBATIM), BO_OK);
    T_EQ_INT(bo_solver_set(sv, "save_every", "0"), BO_OK);
    T_EQ_INT(bo_solver_solve(sv, b, &r), BO_ERR_SETTING);
    T_CONTAINS(bo_errmsg(ctx), "run 2 (t0 = 1e+17");
    T_CONTAINS(bo_errmsg(ctx), "duration (1) is below the resolution of time");
    /* One window of each run's whole duration cannot be shared by different durations. */
    T_EQ_INT(bo_batch_set_span_spec(b, BO_SPAN_T0, "0"), BO_OK);
    T_EQ_INT(bo_batch_set_span_spec(b, BO_SPAN_DURATION, "1,2"), BO_OK);
    T_EQ_INT(bo_solver_set(sv, "outputs", "state,mean"), BO_OK);
    T_EQ_INT(bo_solver_solve(sv, b, &r), BO_ERR_SETTING);
    T_CONTAINS(bo_errmsg(ctx), "durations differ");
    /* The same durations do share it. */
    T_EQ_INT(bo_batch_set_span_spec(b, BO_SPAN_DURATION, "2"), BO_OK);
    T_EQ_INT(bo_batch_set_span_spec(b, BO_SPAN_T0, "0,1,2"), BO_OK);
    T_EQ_INT(bo_solver_solve(sv, b, &r), BO_OK);
    T_EQ_INT(bo_results_window_count(r), 1);
    T_CHECK(bo_results_window_end(r, 0) == 2.0); /* an offset from each run's start */
    bo_results_destroy(r);
    bo_solver_destroy(sv);
    bo_settings_destroy(s);
    bo_batch_destroy(b);
}

/* Column names of run tables: spans, qualified names, and the ambiguity of a model symbol
 * named like a span. */
static void columns(bo_context *ctx)
{
    bo_model *m = NULL;
    T_EQ_INT(bo_model_load_string(ctx,
                                  "param duration = 2, k = 1\nstate y = 1\n"
                                  "dy/dt = -k*duration*y\n",
                                  NULL, &m),
             BO_OK);
    bo_batch *b = NULL;
    T_EQ_INT(bo_batch_create(ctx, m, &b), BO_OK);
    const double c0[] = {1.0, 2.0}, c1[] = {0.5, 0.25};
    const double *cols[] = {c0, c1};
    const char *amb[] = {"duration", "k"};
    T_EQ_INT(bo_batch_set_runs(b, 2, amb, cols, 2), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "column 'duration' is ambiguous");
    T_CONTAINS(bo_errmsg(ctx), "'span.duration'");
    T_CONTAINS(bo_errmsg(ctx), "'parameter.duration'");
    const char *q[] = {"span.duration", "parameter.duration"};
    T_EQ_INT(bo_batch_set_runs(b, 2, q, cols, 2), BO_OK);
    T_EQ_INT(bo_batch_has_span(b, BO_SPAN_DURATION), 1);
    double params[2], sp[BO_SPAN_COUNT];
    T_EQ_INT(bo_batch_get_run(b, 1, NULL, params), BO_OK);
    T_EQ_INT(bo_batch_get_span(b, 1, sp), BO_OK);
    T_CHECK(params[0] == 0.25 && sp[BO_SPAN_DURATION] == 2.0);
    const char *plain[] = {"t0", "settling"};
    const double s_ok[] = {0.0, 1.0};
    const double *cols2[] = {c0, s_ok};
    T_EQ_INT(bo_batch_set_runs(b, 2, plain, cols2, 2), BO_OK);
    const char *bad[] = {"span.start", "k"};
    T_EQ_INT(bo_batch_set_runs(b, 2, bad, cols, 2), BO_ERR_NOT_FOUND);
    T_CONTAINS(bo_errmsg(ctx), "unknown span 'start'");
    const char *neg[] = {"span.duration", "k"};
    const double dneg[] = {1.0, -1.0};
    const double *cols3[] = {dneg, c1};
    T_EQ_INT(bo_batch_set_runs(b, 2, neg, cols3, 2), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "run 1: value for 'span.duration' (-1) is not positive");
    bo_batch_destroy(b);
    bo_model_destroy(m);
}

int main(void)
{
    bo_context *ctx = NULL;
    T_EQ_INT(bo_context_create(&ctx), BO_OK);
    bo_model *m = NULL;
    T_EQ_INT(bo_model_load_string(ctx, model_text, NULL, &m), BO_OK);
    if (!ctx || !m)
        T_DONE();
    mixed_vs_alone(ctx, m, "rtol=1e-9 atol=1e-12", 0);
    mixed_vs_alone(ctx, m, "rtol=1e-9 atol=1e-12", 1);
    mixed_vs_alone(ctx, m, "precision=float32 rtol=1e-5 atol=1e-7", 1);
    mixed_vs_alone(ctx, m, "algorithm=rk4 step_controller=fixed dt=0.01", 0);
    mixed_vs_alone(ctx, m, "algorithm=rodas5", 1);
    closed_forms(ctx, m);
    errors(ctx, m);
    columns(ctx);
    bo_model_destroy(m);
    bo_context_destroy(ctx);
    T_DONE();
}
