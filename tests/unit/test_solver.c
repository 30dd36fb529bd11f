/* The solver: settings resolution errors, rebuilds exactly when a code setting changes, and
 * a solve checked against the closed-form solution y = y0 exp(-k t). */
#include <stdlib.h>

#include "harness.h"
#include "solve/solver_internal.h"

static const char *decay = "model decay\nparam k = 1.5\nstate y = 2.385\ndy/dt = -k*y\n"
                           "obs twice = 2*y\n";

static bo_context *ctx;

static bo_model *load(const char *text)
{
    bo_model *m = NULL;
    if (bo_model_load_string(ctx, text, "m.ode", &m) != BO_OK)
        printf("load failed: %s\n", bo_errmsg(ctx));
    return m;
}

/* Create a solver with one extra setting; return its status and leave the message. */
static int try_create(bo_model *m, const char *key, const char *value)
{
    bo_settings *s = NULL;
    bo_settings_create(ctx, &s);
    bo_settings_set(s, "backend", "cpu");
    int rc = bo_settings_set(s, key, value);
    bo_solver *sv = NULL;
    if (rc == BO_OK)
        rc = bo_solver_create(ctx, m, s, &sv);
    bo_solver_destroy(sv);
    bo_settings_destroy(s);
    return rc;
}

/* An interrupt hook that asks to stop the first time it is asked. */
static int stop_at_once(void *user)
{
    ++*(int *)user;
    return 1;
}

int main(void)
{
    T_EQ_INT(bo_context_create(&ctx), BO_OK);
    bo_model *m = load(decay);
    T_CHECK(m != NULL);

    /* Settings that cannot work with this model or method are clear errors. */
    T_EQ_INT(try_create(m, "algorithm", "rk4"), BO_OK); /* auto controller = fixed */
    bo_settings *s = NULL;
    bo_settings_create(ctx, &s);
    bo_settings_set(s, "algorithm", "rk4");
    bo_settings_set(s, "step_controller", "pi");
    bo_solver *sv = NULL;
    T_EQ_INT(bo_solver_create(ctx, m, s, &sv), BO_ERR_SETTING);
    T_CONTAINS(bo_errmsg(ctx), "no embedded error estimate");
    T_CHECK(sv == NULL);
    bo_settings_destroy(s);
    T_EQ_INT(try_create(m, "atol", "1e-6,1e-7"), BO_ERR_SETTING);
    T_EQ_STR(bo_errmsg(ctx), "setting 'atol' has 2 values; the model has 1 states (give one "
                             "value, or one per state)");
    T_CONTAINS(bo_errmsg(ctx), "1 states");
    T_EQ_INT(try_create(m, "save_variables", "twicee"), BO_ERR_SETTING);
    T_CONTAINS(bo_errmsg(ctx), "did you mean 'twice'");
    T_EQ_INT(try_create(m, "n", "3"), BO_ERR_SETTING);
    T_EQ_INT(try_create(m, "backend", "cuda"), BO_ERR_BACKEND);
    /* A missing compiler and a compile failure are clear errors carrying the compiler log. */
    T_EQ_INT(try_create(m, "cc", "no-such-cc-2385"), BO_ERR_COMPILE);
    T_CONTAINS(bo_errmsg(ctx), "no-such-cc-2385");
    T_EQ_INT(try_create(m, "cflags", "-DBO_PRECISION=1 -Werror"), BO_ERR_COMPILE);
    T_CONTAINS(bo_errmsg(ctx), "failed");
    T_CONTAINS(bo_errlog(ctx), "BO_PRECISION");
    /* Words after the compiler's name are options too, and part of the cache key: the program
     * the plain compiler made (cached above) must not serve this one. */
    T_EQ_INT(try_create(m, "cc", "cc"), BO_OK);
    T_EQ_INT(try_create(m, "cc", "cc -DBO_PRECISION=1 -Werror"), BO_ERR_COMPILE);
    T_CONTAINS(bo_errlog(ctx), "BO_PRECISION");
    /* A model with drivers compiles; solving it needs data for each driver. */
    bo_model *drv = load("driver F\nstate y = 1\ndy/dt = F - y\n");
    T_EQ_INT(try_create(drv, "rtol", "1e-6"), BO_OK);
    bo_model_destroy(drv);

    /* A solve against the closed form, and rebuild accounting. */
    bo_settings_create(ctx, &s);
    bo_settings_set(s, "rtol", "1e-10");
    bo_settings_set(s, "atol", "1e-12");
    bo_settings_set(s, "save_every", "0.25");
    bo_settings_set(s, "outputs", "state,observables");
    T_EQ_INT(bo_solver_create(ctx, m, s, &sv), BO_OK);
    T_EQ_INT(sv_build_count(sv), 1);
    bo_batch *b = NULL;
    bo_batch_create(ctx, m, &b);
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "k", "0.5:2.5:5"), BO_OK);
    bo_results *r = NULL;
    T_EQ_INT(bo_solver_solve(sv, b, &r), BO_OK);
    T_EQ_INT(bo_results_run_count(r), 5);
    T_EQ_INT(bo_results_save_count(r), 5);
    T_EQ_INT(bo_results_var_count(r), 2);
    T_EQ_STR(bo_results_var_name(r, 1), "twice");
    for (size_t run = 0; run < 5; ++run) {
        double k = 0.5 + 0.5 * (double)run;
        T_EQ_INT(bo_results_status(r, run), 0);
        T_REL(bo_results_final(r, run, 0), 2.385 * exp(-k), 1e-8);
        for (size_t j = 0; j < 5; ++j) {
            double t = 0.25 * (double)j;
            T_ABS(bo_results_save_time(r, j), t, 0);
            T_REL(bo_results_value(r, j, 0, run), 2.385 * exp(-k * t), 1e-8);
            T_REL(bo_results_value(r, j, 1, run), 2 * 2.385 * exp(-k * t), 1e-8);
        }
    }
    /* outputs=counters writes counters.csv with each run's step counts. */
    char dir[] = "/tmp/bo_solver_counters_XXXXXX";
    T_CHECK(mkdtemp(dir) != NULL);
    bo_results *rc_only = NULL;
    T_EQ_INT(bo_solver_set(sv, "outputs", "state,observables,counters"), BO_OK);
    T_EQ_INT(bo_solver_solve(sv, b, &rc_only), BO_OK);
    T_EQ_INT(bo_results_write(rc_only, dir, "csv"), BO_OK);
    char path[256], line[256];
    snprintf(path, sizeof path, "%s/counters.csv", dir);
    FILE *f = fopen(path, "r");
    T_CHECK(f != NULL);
    if (f) {
        T_CHECK(fgets(line, sizeof line, f) != NULL);
        T_EQ_STR(line, "run,status,steps,rejections,newton_iters\n");
        long long run, status, steps, rej;
        T_CHECK(fgets(line, sizeof line, f) != NULL);
        T_EQ_INT(sscanf(line, "%lld,%lld,%lld,%lld", &run, &status, &steps, &rej), 4);
        T_EQ_INT(run, 0);
        T_EQ_INT(steps, bo_results_steps(rc_only, 0));
        T_EQ_INT(rej, bo_results_rejections(rc_only, 0));
        T_CHECK(steps > 0);
        fclose(f);
    }
    bo_results_destroy(rc_only);
    snprintf(path, sizeof path, "rm -rf '%s'", dir);
    T_EQ_INT(system(path), 0);
    T_EQ_INT(sv_build_count(sv), 2);
    bo_results_destroy(r);
    /* Runtime settings never rebuild; a code setting does, on the next solve. */
    T_EQ_INT(bo_solver_set(sv, "duration", "2.385"), BO_OK);
    T_EQ_INT(bo_solver_set(sv, "t0", "1"), BO_OK);
    T_EQ_INT(bo_solver_set(sv, "dt", "0.01"), BO_OK);
    T_EQ_INT(bo_solver_solve(sv, b, &r), BO_OK);
    T_EQ_INT(sv_build_count(sv), 2);
    T_REL(bo_results_final_time(r, 0), 3.385, 1e-15);
    T_REL(bo_results_final(r, 4, 0), 2.385 * exp(-2.5 * 2.385), 1e-8);
    bo_results_destroy(r);
    T_EQ_INT(bo_solver_set(sv, "rtol", "1e-9"), BO_OK);
    T_EQ_INT(bo_solver_solve(sv, b, &r), BO_OK);
    T_EQ_INT(sv_build_count(sv), 3);
    bo_results_destroy(r);
    T_EQ_INT(bo_solver_set(sv, "rtoll", "1e-9"), BO_ERR_UNKNOWN_KEY);

    /* float32 agrees with the closed form to float32 accuracy. */
    T_EQ_INT(bo_solver_set(sv, "precision", "float32"), BO_OK);
    T_EQ_INT(bo_solver_set(sv, "rtol", "1e-6"), BO_OK);
    T_EQ_INT(bo_solver_set(sv, "atol", "1e-7"), BO_OK);
    T_EQ_INT(bo_solver_solve(sv, b, &r), BO_OK);
    T_REL(bo_results_final(r, 2, 0), 2.385 * exp(-1.5 * 2.385), 2e-5);
    T_CONTAINS(bo_solver_source(sv), "#define BO_PRECISION 32");
    bo_results_destroy(r);

    /* A solve that needs more memory than max_memory allows is refused before it runs, and
     * says how much it needs; 0 lifts the limit. 5 runs of 1 state and 1 parameter, 10 saves
     * (duration 2.385, save_every 0.25) of 2 variables: 5 * (8 * (2 + 1 + 1 + 20) + 28) =
     * 1,100 bytes of results and the float32 copies 5 * 4 * (2 + 1 + 20) = 460 bytes. */
    T_EQ_INT(bo_solver_set(sv, "max_memory", "1559"), BO_OK);
    r = NULL;
    T_EQ_INT(bo_solver_solve(sv, b, &r), BO_ERR_NOMEM);
    T_CHECK(r == NULL);
    T_CONTAINS(bo_errmsg(ctx), "needs 1.56 kB of memory for 5 runs (800 bytes of it the saved");
    T_CONTAINS(bo_errmsg(ctx), "more than the 1.56 kB available");
    T_EQ_INT(bo_solver_set(sv, "max_memory", "1560"), BO_OK);
    T_EQ_INT(bo_solver_solve(sv, b, &r), BO_OK);
    bo_results_destroy(r);
    T_EQ_INT(bo_solver_set(sv, "max_memory", "0"), BO_OK);
    T_EQ_INT(bo_solver_solve(sv, b, &r), BO_OK);
    bo_results_destroy(r);
    T_EQ_INT(bo_solver_set(sv, "max_memory", "-1"), BO_ERR_SETTING);

    /* The interrupt hook stops a solve: asked while runs are integrated, a nonzero answer
     * gives BO_ERR_CANCELLED and no results; removing the hook solves normally again. */
    T_EQ_INT(bo_solver_set(sv, "precision", "float64"), BO_OK);
    T_EQ_INT(bo_solver_set(sv, "threads", "2"), BO_OK);
    bo_batch *big = NULL;
    bo_batch_create(ctx, m, &big);
    T_EQ_INT(bo_batch_set_spec(big, BO_PARAMETER, "k", "0.5:2.5:20000"), BO_OK);
    T_EQ_INT(bo_solver_set(sv, "duration", "1000"), BO_OK);
    T_EQ_INT(bo_solver_set(sv, "save_every", "0"), BO_OK);
    int asked = 0;
    bo_solver_set_interrupt(sv, stop_at_once, &asked);
    r = NULL;
    T_EQ_INT(bo_solver_solve(sv, big, &r), BO_ERR_CANCELLED);
    T_CHECK(r == NULL);
    T_CHECK(asked > 0);
    T_CONTAINS(bo_errmsg(ctx), "interrupted after");
    bo_solver_set_interrupt(sv, NULL, NULL);
    T_EQ_INT(bo_solver_solve(sv, b, &r), BO_OK);
    T_EQ_INT(bo_results_failed_count(r), 0);
    bo_results_destroy(r);
    bo_batch_destroy(big);

    bo_batch_destroy(b);
    bo_solver_destroy(sv);
    bo_settings_destroy(s);
    bo_model_destroy(m);
    bo_context_destroy(ctx);
    T_DONE();
}
