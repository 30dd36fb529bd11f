/* A program that keeps more on the stack than a thread's default allows still runs: 5,000
 * states on the Krylov path with a restart of 200 keep an 8 MB basis per run on the stack,
 * which overflowed the calling thread's 8 MiB (SIGSEGV). The CPU backend now gives such
 * programs threads with the stack they declare (bo_stack_bytes) and keeps the caller out of
 * the work. Checked against the closed form x_i(1) = x_i(0) e^{-1}, on one and two threads,
 * with progress and interrupt hooks (the caller only waits and reports then). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batchode.h"
#include "harness.h"

enum { N = 5000 };

static int calls;
static void on_progress(void *user, size_t done, size_t total)
{
    (void)user;
    (void)done;
    (void)total;
    ++calls;
}
static int never(void *user)
{
    (void)user;
    return 0;
}

int main(void)
{
    size_t cap = (size_t)N * 40 + 64;
    char *text = malloc(cap);
    T_CHECK(text != NULL);
    if (!text)
        T_DONE();
    size_t len = (size_t)snprintf(text, cap, "model diag\n");
    for (int i = 0; i < N; ++i)
        len += (size_t)snprintf(text + len, cap - len, "state x%d = %.3f\n", i, 1.0 + i * 1e-3);
    for (int i = 0; i < N; ++i)
        len += (size_t)snprintf(text + len, cap - len, "dx%d/dt = -x%d\n", i, i);
    bo_context *ctx = NULL;
    bo_model *m = NULL;
    bo_settings *s = NULL;
    bo_solver *sv = NULL;
    bo_batch *b = NULL;
    T_EQ_INT(bo_context_create(&ctx), BO_OK);
    T_EQ_INT(bo_model_load_string(ctx, text, "diag", &m), BO_OK);
    free(text);
    T_EQ_INT(bo_settings_create(ctx, &s), BO_OK);
    T_EQ_INT(bo_settings_set(s, "algorithm", "rodas5p"), BO_OK);
    T_EQ_INT(bo_settings_set(s, "linear_solver", "krylov"), BO_OK);
    T_EQ_INT(bo_settings_set(s, "krylov_restart", "200"), BO_OK);
    T_EQ_INT(bo_settings_set(s, "rtol", "1e-8"), BO_OK);
    T_EQ_INT(bo_settings_set(s, "atol", "1e-10"), BO_OK);
    T_EQ_INT(bo_solver_create(ctx, m, s, &sv), BO_OK);
    T_EQ_INT(bo_batch_create(ctx, m, &b), BO_OK);
    T_EQ_INT(bo_batch_set_spec(b, BO_STATE, "x0", "1:2:3"), BO_OK);
    for (int round = 0; round < 3 && sv; ++round) {
        T_EQ_INT(bo_solver_set(sv, "threads", round == 1 ? "2" : "1"), BO_OK);
        if (round == 2) {
            bo_solver_set_progress(sv, on_progress, NULL);
            bo_solver_set_interrupt(sv, never, NULL);
        }
        bo_results *r = NULL;
        T_EQ_INT(bo_solver_solve(sv, b, &r), BO_OK);
        T_EQ_INT(bo_results_failed_count(r), 0);
        for (size_t run = 0; r && run < 3; ++run) {
            T_REL(bo_results_final(r, run, 0), (1.0 + 0.5 * (double)run) * exp(-1.0), 1e-6);
            for (int i = 1; i < N; i += 997)
                T_REL(bo_results_final(r, run, (size_t)i), (1.0 + i * 1e-3) * exp(-1.0), 1e-6);
        }
        bo_results_destroy(r);
    }
    T_CHECK(calls > 0);
    bo_batch_destroy(b);
    bo_solver_destroy(sv);
    bo_settings_destroy(s);
    bo_model_destroy(m);
    bo_context_destroy(ctx);
    T_DONE();
}
