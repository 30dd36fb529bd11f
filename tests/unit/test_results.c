/* Results: allocation (sizes, overflow, allocation failures), bounds-checked accessors and
 * per-run status text. (Failed runs are masked by the kernel: tests/numerics/test_mask.c.) */
#include <math.h>
#include <stdint.h>

#include "harness.h"
#include "util/internal.h"
#include "model/model_internal.h"
#include "solve/results_internal.h"
#include "status.h"

/* A hand-built model: states u, v and parameter g. */
static bo_model *make_model(void)
{
    bo_model *m = calloc(1, sizeof *m);
    m->name = bo_strdup("pair");
    m->count[BO_STATE] = 2;
    m->count[BO_PARAMETER] = 1;
    m->sym[BO_STATE] = calloc(2, sizeof(md_symbol));
    m->sym[BO_PARAMETER] = calloc(1, sizeof(md_symbol));
    m->sym[BO_STATE][0].name = bo_strdup("u");
    m->sym[BO_STATE][1].name = bo_strdup("v");
    m->sym[BO_PARAMETER][0].name = bo_strdup("g");
    return m;
}

static void free_model(bo_model *m)
{
    for (int k = 0; k < BO_SYMBOL_KIND_COUNT; ++k) {
        for (size_t i = 0; i < m->count[k]; ++i)
            free(m->sym[k][i].name);
        free(m->sym[k]);
    }
    free(m->name);
    free(m);
}

int main(void)
{
    bo_context *ctx;
    bo_context_create(&ctx);
    bo_model *m = make_model();
    const char *vars[] = {"v", "energy"};
    bo_results *r = NULL;

    T_EQ_INT(rs_create(ctx, m, 4, 3, 2, vars, NULL, &r), BO_OK);
    T_EQ_INT(bo_results_run_count(r), 4);
    T_EQ_INT(bo_results_save_count(r), 3);
    T_EQ_INT(bo_results_var_count(r), 2);
    T_EQ_STR(bo_results_var_name(r, 1), "energy");
    T_CHECK(bo_results_var_name(r, 2) == NULL);
    T_EQ_STR(r->state_names[1], "v");
    T_EQ_STR(r->param_names[0], "g");
    T_EQ_STR(r->model_name, "pair");
    T_EQ_INT(bo_results_failed_count(r), 0);

    /* The solver writes the arrays directly, runs fastest. */
    for (size_t i = 0; i < 4; ++i) {
        r->final[0 * 4 + i] = 2.385 * (double)(i + 1);
        r->final[1 * 4 + i] = -0.5 * (double)(i + 1);
        r->final_t[i] = 10.0;
        r->steps[i] = 100 + (int64_t)i;
        r->rejections[i] = (int64_t)i;
        r->init[i] = 1.0;
        r->params[i] = 0.25 * (double)i;
    }
    for (size_t k = 0; k < 3; ++k) {
        r->save_t[k] = 0.5 * (double)k;
        for (size_t v = 0; v < 2; ++v)
            for (size_t i = 0; i < 4; ++i)
                r->series[(k * 2 + v) * 4 + i] = (double)(100 * k + 10 * v + i);
    }
    r->status[2] = BO_RUN_STEP_TOO_SMALL;
    r->final_t[2] = 3.125;
    T_EQ_INT(bo_results_failed_count(r), 1);
    T_CHECK(bo_results_final(r, 2, 0) == 2.385 * 3);
    T_CHECK(bo_results_final(r, 1, 0) == 2.385 * 2);
    T_CHECK(bo_results_final(r, 3, 1) == -2.0);
    T_CHECK(bo_results_final_time(r, 2) == 3.125);
    T_EQ_INT(bo_results_status(r, 2), BO_RUN_STEP_TOO_SMALL);
    T_EQ_INT(bo_results_steps(r, 2), 102);
    T_EQ_INT(bo_results_rejections(r, 3), 3);
    T_CHECK(bo_results_value(r, 2, 1, 3) == 213.0);
    T_CHECK(bo_results_value(r, 0, 0, 0) == 0.0);
    T_CHECK(bo_results_value(r, 2, 0, 2) == 202.0);
    T_CHECK(bo_results_value(r, 1, 0, 1) == 101.0);
    T_CHECK(bo_results_save_time(r, 2) == 1.0);
    T_CHECK(bo_results_param_array(r)[3] == 0.75);
    T_CHECK(bo_results_init_array(r)[0] == 1.0);
    T_CHECK(bo_results_final_array(r)[4 + 1] == -1.0);
    T_CHECK(bo_results_series_array(r)[(1 * 2 + 1) * 4 + 3] == 113.0);
    /* The per-run arrays hold what the per-run accessors return, run i at index i. */
    for (size_t i = 0; i < 4; ++i) {
        T_EQ_INT(bo_results_status_array(r)[i], bo_results_status(r, i));
        T_CHECK(bo_results_final_time_array(r)[i] == bo_results_final_time(r, i));
        T_EQ_INT(bo_results_steps_array(r)[i], bo_results_steps(r, i));
        T_EQ_INT(bo_results_rejections_array(r)[i], bo_results_rejections(r, i));
        T_EQ_INT(bo_results_newton_iters_array(r)[i], bo_results_newton_iters(r, i));
    }
    T_EQ_INT(bo_results_status_array(r)[2], BO_RUN_STEP_TOO_SMALL);
    T_CHECK(bo_results_final_time_array(r)[2] == 3.125 && bo_results_steps_array(r)[3] == 103);

    /* Out of range: NaN for values, 0 for counts, NULL for names and arrays, and -1 for a
     * status (0 would read as a run that succeeded). */
    T_CHECK(isnan(bo_results_final(r, 4, 0)) && isnan(bo_results_final(r, 0, 2)));
    T_CHECK(isnan(bo_results_final_time(r, 4)) && isnan(bo_results_save_time(r, 3)));
    T_CHECK(isnan(bo_results_value(r, 3, 0, 0)) && isnan(bo_results_value(r, 0, 2, 0)) &&
            isnan(bo_results_value(r, 0, 0, 4)));
    T_EQ_INT(bo_results_status(r, 4), -1);
    T_EQ_INT(bo_results_status(NULL, 0), -1);
    T_EQ_INT(bo_results_steps(r, 4), 0);
    T_EQ_INT(bo_results_rejections(r, SIZE_MAX), 0);
    T_EQ_INT(bo_results_run_count(NULL), 0);
    T_EQ_INT(bo_results_failed_count(NULL), 0);
    T_CHECK(bo_results_final_array(NULL) == NULL && bo_results_series_array(NULL) == NULL);
    T_CHECK(bo_results_status_array(NULL) == NULL && bo_results_final_time_array(NULL) == NULL &&
            bo_results_steps_array(NULL) == NULL && bo_results_rejections_array(NULL) == NULL &&
            bo_results_newton_iters_array(NULL) == NULL);
    T_CHECK(isnan(bo_results_final(NULL, 0, 0)));
    bo_results_destroy(r);
    bo_results_destroy(NULL);

    /* No saves: the series is empty but valid. */
    T_EQ_INT(rs_create(ctx, m, 3, 0, 0, NULL, NULL, &r), BO_OK);
    T_EQ_INT(bo_results_save_count(r), 0);
    T_CHECK(isnan(bo_results_value(r, 0, 0, 0)));
    bo_results_destroy(r);

    /* Sizes that overflow size_t are an error, not a wrapped allocation. */
    r = (bo_results *)&r;
    T_EQ_INT(rs_create(ctx, m, SIZE_MAX / 4, 0, 0, NULL, NULL, &r), BO_ERR_RANGE);
    T_CHECK(r == NULL);
    T_EQ_INT(rs_create(ctx, m, (size_t)1 << 22, (size_t)1 << 22, (size_t)1 << 22, vars, NULL, &r),
             BO_ERR_RANGE);
    T_EQ_INT(rs_create(ctx, m, 2, 1, 2, NULL, NULL, &r), BO_ERR_INVALID_ARG);

    /* Every allocation failure is reported and leaks nothing. */
    int saw_fail = 0, saw_ok = 0;
    for (long n = 0; n < 40; ++n) {
        bo_test_fail_alloc_after(n);
        int rc = rs_create(ctx, m, 5, 2, 2, vars, NULL, &r);
        bo_test_fail_alloc_after(-1);
        if (rc == BO_OK) {
            saw_ok = 1;
            bo_results_destroy(r);
        } else {
            saw_fail += rc == BO_ERR_NOMEM && r == NULL;
        }
    }
    T_CHECK(saw_ok && saw_fail > 10);

    /* Status text from the flag list; unknown bits by number, in bit order. */
    char buf[128];
    T_EQ_STR(bo_run_status_string(0, buf, sizeof buf), "success");
    T_EQ_STR(bo_run_status_string(BO_RUN_STEP_TOO_SMALL, buf, sizeof buf), "step_too_small");
    T_EQ_STR(bo_run_status_string(BO_RUN_NONFINITE | BO_RUN_STEP_TOO_SMALL, buf, sizeof buf),
             "step_too_small|nonfinite");
    T_EQ_STR(bo_run_status_string(1 << 14, buf, sizeof buf), "bit14");
    T_EQ_STR(bo_run_status_string(BO_RUN_STOPPED_BY_EVENT, buf, sizeof buf), "stopped_by_event");
    T_EQ_INT(bo_run_failed(0), 0);
    T_EQ_INT(bo_run_failed(BO_RUN_STOPPED_BY_EVENT), 0);
    T_EQ_INT(bo_run_failed(BO_RUN_STOPPED_BY_EVENT | BO_RUN_MAX_EVENTS), 1);
    T_EQ_INT(bo_run_failed(BO_RUN_MAX_EVENTS), 1);
    T_EQ_STR(bo_run_status_string(1 | (1 << 11) | (1 << 4), buf, sizeof buf),
             "bit0|bit4|bad_input");
    T_EQ_STR(bo_run_status_string(BO_RUN_MAX_NEWTON_ITERS | BO_RUN_SINGULAR, buf, sizeof buf),
             "max_newton_iters|singular");
    T_EQ_STR(bo_run_status_string(INT32_MIN, buf, sizeof buf), "bit31");
    T_EQ_STR(bo_run_status_string(BO_RUN_STEP_TOO_SMALL, buf, 5), "step");
    T_EQ_STR(bo_run_status_string(BO_RUN_STEP_TOO_SMALL | BO_RUN_MAX_STEPS, buf, 15),
             "step_too_small");
    T_EQ_STR(bo_run_status_string(0, buf, 4), "suc");
    T_CHECK(bo_run_status_string(0, NULL, 0) == NULL);

    free_model(m);
    bo_context_destroy(ctx);
    T_DONE();
}
