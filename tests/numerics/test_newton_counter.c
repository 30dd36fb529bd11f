/* The per-run Newton iteration counter (bo_results_newton_iters, counters.csv): zero for
 * explicit methods; for backward Euler with a fixed step on a linear problem, where Newton's
 * first update is exact, between one and two iterations per step (one when the previous
 * solve's contraction rate already certifies convergence, two when the rate must be measured
 * first: kernels/newton.h); for an adaptive implicit method at least one per accepted step
 * and at most max_newton_iters per attempt. Each bound follows from the Newton stopping rule,
 * not from a previous run's output. */
#include "harness.h"
#include "solvetest.h"

static const char *const model_text = "model prothero\n"
                                      "param lambda = -1000\n"
                                      "state y = 1\n"
                                      "dy/dt = lambda*(y - cos(t)) - sin(t)\n";

int main(void)
{
    bo_context *ctx = NULL;
    T_EQ_INT(bo_context_create(&ctx), BO_OK);
    bo_model *m = NULL;
    T_EQ_INT(bo_model_load_string(ctx, model_text, "prothero", &m), BO_OK);
    bo_batch *b = NULL;
    T_EQ_INT(bo_batch_create(ctx, m, &b), BO_OK);
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "lambda", "-10,-1000,-1e5"), BO_OK);

    bo_results *r = solve(ctx, m, b, "algorithm=tsit5 rtol=1e-6 duration=1");
    T_CHECK(r != NULL);
    for (size_t i = 0; r && i < 3; ++i)
        T_EQ_INT(bo_results_newton_iters(r, i), 0);
    bo_results_destroy(r);

    r = solve(ctx, m, b, "algorithm=backward_euler dt=0.01 duration=1");
    T_CHECK(r != NULL);
    for (size_t i = 0; r && i < 3; ++i) {
        int64_t steps = bo_results_steps(r, i), nit = bo_results_newton_iters(r, i);
        T_EQ_INT(steps, 100);
        T_CHECKF(nit >= steps && nit <= 2 * steps, "run %zu: %lld Newton iterations in %lld steps",
                 i, (long long)nit, (long long)steps);
    }
    bo_results_destroy(r);

    r = solve(ctx, m, b, "algorithm=kvaerno5 rtol=1e-6 atol=1e-9 duration=1 max_newton_iters=7");
    T_CHECK(r != NULL);
    for (size_t i = 0; r && i < 3; ++i) {
        T_EQ_INT(bo_results_status(r, i), 0);
        int64_t steps = bo_results_steps(r, i), rej = bo_results_rejections(r, i);
        int64_t nit = bo_results_newton_iters(r, i);
        T_CHECKF(nit >= steps - rej && nit <= 7 * steps,
                 "run %zu: %lld Newton iterations in %lld steps (%lld rejected)", i, (long long)nit,
                 (long long)steps, (long long)rej);
    }
    bo_results_destroy(r);
    bo_batch_destroy(b);
    bo_model_destroy(m);
    bo_context_destroy(ctx);
    T_DONE();
}
