/* bo_solver_solve_into: solving again into the results of an earlier solve gives exactly the
 * results of a fresh solve (every per-run array, the saves, summaries, statuses and counters,
 * bit for bit), in the same object, whatever the earlier results held: a failed run where
 * the new batch has none and the other way round (with keep_failed, so a stale value could
 * show), another batch size, another model. The values themselves are checked against the
 * exact decay y = y0 exp(-k t). An error destroys the results and leaves NULL. */
#include <math.h>
#include <string.h>

#include "batchode.h"
#include "harness.h"
#include "status.h"

static const char *decay_model = "model decay\n"
                                 "param k = 1.5\n"
                                 "state y = 2.385\n"
                                 "dy/dt = -k*y\n";
static const char *pair_model = "model pair\n"
                                "param w = 2\n"
                                "state p = 1, q = 0\n"
                                "dp/dt = q\n"
                                "dq/dt = -w^2*p\n";

static const char *conf[][2] = {{"backend", "cpu"},
                                {"rtol", "1e-7"},
                                {"atol", "1e-9"},
                                {"max_steps", "400"},
                                {"duration", "2"},
                                {"save_every", "0.25"},
                                {"outputs", "state,mean,max,counters"},
                                {"summarise_every", "1"},
                                {"sample_summaries_every", "0.05"},
                                {"keep_failed", "true"},
                                {"threads", "2"}};

static bo_solver *make_solver(bo_context *ctx, const bo_model *m, const char *precision)
{
    bo_settings *s = NULL;
    bo_solver *sv = NULL;
    int rc = bo_settings_create(ctx, &s);
    for (size_t i = 0; rc == BO_OK && i < sizeof conf / sizeof conf[0]; ++i)
        rc = bo_settings_set(s, conf[i][0], conf[i][1]);
    if (rc == BO_OK)
        rc = bo_settings_set(s, "precision", precision);
    if (rc == BO_OK)
        rc = bo_solver_create(ctx, m, s, &sv);
    T_CHECKF(rc == BO_OK, "solver: %s", bo_errmsg(ctx));
    bo_settings_destroy(s);
    return sv;
}

static bo_batch *make_batch(bo_context *ctx, const bo_model *m, const double *k, size_t n)
{
    bo_batch *b = NULL;
    T_EQ_INT(bo_batch_create(ctx, m, &b), BO_OK);
    if (b && k)
        T_EQ_INT(bo_batch_set_values(b, BO_PARAMETER, "k", k, n), BO_OK);
    return b;
}

/* Same bytes (NaN where NaN) over n doubles. */
static int same_doubles(const double *a, const double *b, size_t n)
{
    return (n == 0) || (a && b && memcmp(a, b, n * sizeof *a) == 0);
}

/* got (solved into reused results) is exactly want (a fresh solve). */
static void check_same(const bo_results *got, const bo_results *want, size_t ns, const char *what)
{
    size_t runs = bo_results_run_count(want), saves = bo_results_save_count(want);
    size_t vars = bo_results_var_count(want), windows = bo_results_window_count(want);
    size_t cols = bo_results_summary_count(want);
    T_CHECKF(bo_results_run_count(got) == runs && bo_results_save_count(got) == saves &&
                 bo_results_var_count(got) == vars && bo_results_window_count(got) == windows &&
                 bo_results_summary_count(got) == cols,
             "%s: shape differs", what);
    if (bo_results_run_count(got) != runs || bo_results_summary_count(got) != cols)
        return;
    for (size_t i = 0; i < runs; ++i) {
        T_CHECKF(bo_results_status(got, i) == bo_results_status(want, i) &&
                     bo_results_steps(got, i) == bo_results_steps(want, i) &&
                     bo_results_rejections(got, i) == bo_results_rejections(want, i) &&
                     bo_results_newton_iters(got, i) == bo_results_newton_iters(want, i),
                 "%s: run %zu status or counters differ", what, i);
        double ta = bo_results_final_time(got, i), tb = bo_results_final_time(want, i);
        T_CHECKF(memcmp(&ta, &tb, sizeof ta) == 0, "%s: run %zu final time differs", what, i);
    }
    T_CHECKF(same_doubles(bo_results_final_array(got), bo_results_final_array(want), ns * runs),
             "%s: final states differ", what);
    T_CHECKF(same_doubles(bo_results_init_array(got), bo_results_init_array(want), ns * runs),
             "%s: initial values differ", what);
    T_CHECKF(same_doubles(bo_results_series_array(got), bo_results_series_array(want),
                          saves * vars * runs),
             "%s: saved series differ", what);
    T_CHECKF(same_doubles(bo_results_summary_array(got), bo_results_summary_array(want),
                          windows * cols * runs),
             "%s: summaries differ", what);
    for (size_t v = 0; v < vars; ++v)
        T_CHECKF(strcmp(bo_results_var_name(got, v), bo_results_var_name(want, v)) == 0,
                 "%s: variable %zu named differently", what, v);
    for (size_t c = 0; c < cols; ++c)
        T_CHECKF(strcmp(bo_results_summary_name(got, c), bo_results_summary_name(want, c)) == 0,
                 "%s: summary column %zu named differently", what, c);
}

/* Runs that succeeded end at the exact decay. */
static void check_decay(const bo_results *r, const double *k, size_t n, double tol)
{
    for (size_t i = 0; i < n; ++i) {
        if (bo_results_status(r, i) != 0)
            continue;
        double want = 2.385 * exp(-k[i] * 2.0);
        T_CHECKF(fabs(bo_results_final(r, i, 0) - want) <= tol * (want + 1e-3),
                 "run %zu (k = %g): y(2) = %.17g, exact %.17g", i, k[i], bo_results_final(r, i, 0),
                 want);
    }
}

static void run_precision(bo_context *ctx, const char *precision, double tol)
{
    /* k = 5000 runs out of max_steps: a failed run that keeps what it reached. */
    const double ka[6] = {0.5, 5000.0, 1.5, 2.0, 0.25, 3.0};
    const double kb[6] = {1.0, 0.75, 2.5, 5000.0, 0.1, 1.25};
    const double kc[3] = {0.3, 0.6, 0.9};
    bo_model *m = NULL, *pm = NULL;
    T_EQ_INT(bo_model_load_string(ctx, decay_model, NULL, &m), BO_OK);
    T_EQ_INT(bo_model_load_string(ctx, pair_model, NULL, &pm), BO_OK);
    bo_solver *sv = make_solver(ctx, m, precision), *psv = make_solver(ctx, pm, precision);
    bo_batch *ba = make_batch(ctx, m, ka, 6), *bb = make_batch(ctx, m, kb, 6);
    bo_batch *bc = make_batch(ctx, m, kc, 3), *bp = make_batch(ctx, pm, NULL, 0);
    bo_results *fa = NULL, *fb = NULL, *fc = NULL, *fp = NULL, *r = NULL;
    if (!sv || !psv || !ba || !bb || !bc || !bp)
        goto out;
    T_EQ_INT(bo_solver_solve(sv, ba, &fa), BO_OK);
    T_EQ_INT(bo_solver_solve(sv, bb, &fb), BO_OK);
    T_EQ_INT(bo_solver_solve(sv, bc, &fc), BO_OK);
    T_EQ_INT(bo_solver_solve(psv, bp, &fp), BO_OK);
    if (!fa || !fb || !fc || !fp)
        goto out;
    T_EQ_INT(bo_results_failed_count(fa), 1);
    T_EQ_INT(bo_results_status(fa, 1), BO_RUN_MAX_STEPS);
    T_EQ_INT(bo_results_failed_count(fb), 1);
    check_decay(fa, ka, 6, tol);
    check_decay(fb, kb, 6, tol);
    check_decay(fc, kc, 3, tol);

    /* From NULL it is a plain solve. */
    T_EQ_INT(bo_solver_solve_into(sv, ba, &r), BO_OK);
    check_same(r, fa, 1, "into NULL");
    const bo_results *first = r;
    /* Same size: the failed run moves from run 1 to run 3; nothing of batch a may remain. */
    T_EQ_INT(bo_solver_solve_into(sv, bb, &r), BO_OK);
    T_CHECK(r == first);
    check_same(r, fb, 1, "b into a");
    T_EQ_INT(bo_solver_solve_into(sv, ba, &r), BO_OK);
    check_same(r, fa, 1, "a into b");
    /* Another size, then another model with other names and no summaries of its own. */
    T_EQ_INT(bo_solver_solve_into(sv, bc, &r), BO_OK);
    check_same(r, fc, 1, "c into a");
    T_EQ_INT(bo_solver_solve_into(psv, bp, &r), BO_OK);
    check_same(r, fp, 2, "other model into c");
    T_CHECK(r == first);
    T_EQ_STR(bo_results_var_name(r, 1), "q");
    T_EQ_INT(bo_solver_solve_into(sv, bb, &r), BO_OK);
    check_same(r, fb, 1, "b into other model");

    /* An error (a batch of another model) destroys the results: nothing left to free. */
    bo_results *none = NULL;
    T_CHECK(bo_solver_solve(sv, bp, &none) == BO_ERR_INVALID_ARG && none == NULL);
    T_CONTAINS(bo_errmsg(ctx), "the batch was made for model 'pair'");
    T_CHECK(bo_solver_solve_into(sv, bp, &r) != BO_OK);
    T_CHECK(r == NULL);
    T_EQ_INT(bo_solver_solve_into(sv, ba, NULL), BO_ERR_INVALID_ARG);
out:
    bo_results_destroy(r);
    bo_results_destroy(fa);
    bo_results_destroy(fb);
    bo_results_destroy(fc);
    bo_results_destroy(fp);
    bo_batch_destroy(ba);
    bo_batch_destroy(bb);
    bo_batch_destroy(bc);
    bo_batch_destroy(bp);
    bo_solver_destroy(sv);
    bo_solver_destroy(psv);
    bo_model_destroy(m);
    bo_model_destroy(pm);
}

int main(void)
{
    bo_context *ctx = NULL;
    T_EQ_INT(bo_context_create(&ctx), BO_OK);
    run_precision(ctx, "float64", 1e-6);
    run_precision(ctx, "float32", 2e-4);
    bo_context_destroy(ctx);
    T_DONE();
}
