/* Failure paths of the diagonally implicit steps (kernels/dirk.h), through the public API.
 * Each run must end (no hang) with the status the situation calls for:
 *   - Newton cannot converge in one iteration (max_newton_iters = 1, first solve of a run):
 *     BO_RUN_MAX_NEWTON_ITERS under a fixed step;
 *   - simplified Newton with the Jacobian frozen at y0 = 10 on y' = -y^3 with a step of 1:
 *     the contraction rate approaches 1 - (1 + 3Y^2)/301 ~ 0.96 near the root Y ~ 2 (worked
 *     out by hand), too slow for the iterations left: BO_RUN_NEWTON_DIVERGENCE with a fixed
 *     step; an adaptive run started with that step rejects it, retries smaller and finishes;
 *   - a singular iteration matrix: y' = 4y with backward Euler and dt = 1/4 makes
 *     M = 1/dt - 4 exactly 0: BO_RUN_SINGULAR under a fixed step; an adaptive run steps
 *     around it;
 *   - a RHS that turns NaN (sqrt of a negative number after t = 1.5): the fixed-step run stops
 *     there with a Newton or non-finite status, the adaptive one with BO_RUN_STEP_TOO_SMALL
 *     and the step's reason;
 *   - one failing run in a batch leaves the others untouched. */
#include <math.h>
#include <stdio.h>

#include "batchode.h"
#include "harness.h"
#include "solvetest.h"
#include "status.h"

static const char *cubic_model = "model cubic\n"
                                 "state y = 10\n"
                                 "dy/dt = -y^3\n";

static const char *growth_model = "model growth\n"
                                  "param k = 4\n"
                                  "state y = 1\n"
                                  "dy/dt = k*y\n";

static const char *nan_model = "model nan\n"
                               "state y = 1\n"
                               "dy/dt = sqrt(1.5 - t)\n";

static bo_results *run(bo_context *ctx, const char *text, const double *k, size_t nk,
                       const char *conf)
{
    bo_model *m = NULL;
    bo_batch *b = NULL;
    bo_results *r = NULL;
    if (bo_model_load_string(ctx, text, NULL, &m) == BO_OK &&
        bo_batch_create(ctx, m, &b) == BO_OK &&
        (!k || bo_batch_set_values(b, BO_PARAMETER, "k", k, nk) == BO_OK))
        r = solve(ctx, m, b, conf);
    T_CHECKF(r != NULL, "%s", conf);
    bo_batch_destroy(b);
    bo_model_destroy(m);
    return r;
}

static void test_max_iters(bo_context *ctx)
{
    static const char *const methods[] = {"backward_euler", "sdirk3", "kvaerno5"};
    for (size_t i = 0; i < 3; ++i) {
        char conf[256];
        snprintf(conf, sizeof conf,
                 "algorithm=%s step_controller=fixed dt=0.01 duration=1 max_newton_iters=1",
                 methods[i]);
        bo_results *r = run(ctx, cubic_model, NULL, 0, conf);
        if (!r)
            continue;
        printf("max_newton_iters=1 %-15s: status %d, %ld steps\n", methods[i],
               (int)bo_results_status(r, 0), (long)bo_results_steps(r, 0));
        T_EQ_INT(bo_results_status(r, 0), BO_RUN_MAX_NEWTON_ITERS);
        T_EQ_INT(bo_results_steps(r, 0), 1);
        T_EQ_INT(bo_results_failed_count(r), 1);
        /* The run stops where it was; its state is masked as NaN like any failed run's. */
        T_REL(bo_results_final_time(r, 0), 0.0, 0);
        T_CHECK(isnan(bo_results_final(r, 0, 0)));
        bo_results_destroy(r);
    }
}

static void test_divergence(bo_context *ctx)
{
    bo_results *r = run(ctx, cubic_model, NULL, 0,
                        "algorithm=backward_euler step_controller=fixed dt=1 duration=3");
    if (r) {
        printf("frozen-Jacobian divergence, fixed step: status %d\n", (int)bo_results_status(r, 0));
        T_EQ_INT(bo_results_status(r, 0), BO_RUN_NEWTON_DIVERGENCE);
        T_EQ_INT(bo_results_steps(r, 0), 1);
    }
    bo_results_destroy(r);
    /* Adaptive, the same first step: rejected, retried smaller, and the run completes.
     * y = 10 / sqrt(1 + 200 t) exactly. */
    static const char *const methods[] = {"sdirk4", "kvaerno3", "kvaerno5", "crank_nicolson"};
    for (size_t i = 0; i < 4; ++i) {
        char conf[256];
        snprintf(conf, sizeof conf, "algorithm=%s dt=1 duration=3 rtol=1e-6 atol=1e-9", methods[i]);
        r = run(ctx, cubic_model, NULL, 0, conf);
        if (!r)
            continue;
        long rej = (long)bo_results_rejections(r, 0);
        double exact = 10.0 / sqrt(1.0 + 200.0 * 3.0);
        printf("frozen-Jacobian divergence, %-15s adaptive: status %d, %ld steps, %ld rejected, "
               "error %.2e\n",
               methods[i], (int)bo_results_status(r, 0), (long)bo_results_steps(r, 0), rej,
               fabs(bo_results_final(r, 0, 0) - exact) / exact);
        T_EQ_INT(bo_results_status(r, 0), 0);
        T_CHECK(rej >= 1);
        T_REL(bo_results_final(r, 0, 0), exact, 1e-4);
        bo_results_destroy(r);
    }
}

static void test_singular(bo_context *ctx)
{
    const double k[2] = {4.0, 2.0};
    bo_results *r = run(ctx, growth_model, k, 2,
                        "algorithm=backward_euler step_controller=fixed dt=0.25 duration=1");
    if (r) {
        T_EQ_INT(bo_results_run_count(r), 2);
        T_EQ_INT(bo_results_status(r, 0), BO_RUN_SINGULAR);
        T_EQ_INT(bo_results_failed_count(r), 1);
        /* k = 2 is a regular run: backward Euler gives (1 - k dt)^-4 = 16 exactly. */
        T_EQ_INT(bo_results_status(r, 1), 0);
        T_REL(bo_results_final(r, 1, 0), 16.0, 1e-14);
    }
    bo_results_destroy(r);
    /* SDIRK: M = 1/(gamma dt) - k with gamma = 1/4 is singular at dt = 1 for k = 4. */
    r = run(ctx, growth_model, k, 1, "algorithm=sdirk4 step_controller=fixed dt=1 duration=2");
    if (r)
        T_EQ_INT(bo_results_status(r, 0), BO_RUN_SINGULAR);
    bo_results_destroy(r);
    /* Adaptive with that first step: rejected, then solved (y = e^(4t)). */
    r = run(ctx, growth_model, k, 1, "algorithm=sdirk4 dt=1 duration=1 rtol=1e-8 atol=1e-8");
    if (r) {
        printf("singular first step, adaptive: status %d, %ld rejected\n",
               (int)bo_results_status(r, 0), (long)bo_results_rejections(r, 0));
        T_EQ_INT(bo_results_status(r, 0), 0);
        T_CHECK(bo_results_rejections(r, 0) >= 1);
        T_REL(bo_results_final(r, 0, 0), exp(4.0), 1e-6);
    }
    bo_results_destroy(r);
}

static void test_nan(bo_context *ctx)
{
    static const char *const methods[] = {"backward_euler", "sdirk4", "kvaerno5"};
    for (size_t i = 0; i < 3; ++i) {
        char conf[256];
        snprintf(conf, sizeof conf, "algorithm=%s step_controller=fixed dt=0.125 duration=3",
                 methods[i]);
        bo_results *r = run(ctx, nan_model, NULL, 0, conf);
        if (r) {
            int st = (int)bo_results_status(r, 0);
            printf("NaN RHS, %-15s fixed: status %d at t = %g\n", methods[i], st,
                   bo_results_final_time(r, 0));
            T_CHECK(st == BO_RUN_NEWTON_DIVERGENCE || st == BO_RUN_NONFINITE);
            /* Steps end on multiples of 1/8: the last one that can succeed ends at 1.5 or
             * before (a stage beyond 1.5 sees the NaN). */
            T_CHECK(bo_results_final_time(r, 0) <= 1.5 && bo_results_final_time(r, 0) >= 1.0);
        }
        bo_results_destroy(r);
        if (i == 0)
            continue; /* backward Euler has no estimate */
        snprintf(conf, sizeof conf, "algorithm=%s duration=3 max_steps=100000", methods[i]);
        r = run(ctx, nan_model, NULL, 0, conf);
        if (r) {
            int st = (int)bo_results_status(r, 0);
            printf("NaN RHS, %-15s adaptive: status %d at t = %.17g after %ld steps\n", methods[i],
                   st, bo_results_final_time(r, 0), (long)bo_results_steps(r, 0));
            T_CHECK(st & BO_RUN_STEP_TOO_SMALL);
            T_CHECK(st & (BO_RUN_NEWTON_DIVERGENCE | BO_RUN_NONFINITE));
            T_CHECK(!(st & BO_RUN_MAX_STEPS));
            T_ABS(bo_results_final_time(r, 0), 1.5, 1e-6);
        }
        bo_results_destroy(r);
    }
}

int main(void)
{
    bo_context *ctx = NULL;
    T_EQ_INT(bo_context_create(&ctx), BO_OK);
    if (!ctx)
        T_DONE();
    test_max_iters(ctx);
    test_divergence(ctx);
    test_singular(ctx);
    test_nan(ctx);
    bo_context_destroy(ctx);
    T_DONE();
}
