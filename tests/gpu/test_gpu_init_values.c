/* Initial values written with parameters on the GPU: each run starts from its own
 * parameters, filled into the device's staging (float64 and float32) in pieces over the host
 * threads and over several chunks, and the results' initial values are the ones each run
 * started from. Against closed forms:
 *   param k, I0, N;  state I = I0, S = N*(1 - I0)
 *   I' = -k*I, S' = -2*k*S      I(t) = I0 exp(-k t),  S(t) = N (1 - I0) exp(-2 k t)
 * over 2^18 runs (I0 log-spaced x k), then with I given explicitly (it wins). Exits 77
 * without a usable CUDA device. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "backend/cuda/cuda.h"
#include "batchode.h"
#include "harness.h"

static bo_context *ctx;

static const char *const model_text = "model decay_pair\n"
                                      "param k = 0.5, I0 = 0.001, N = 1000\n"
                                      "state I = I0, S = N*(1 - I0)\n"
                                      "dI/dt = -k*I\n"
                                      "dS/dt = -2*k*S\n";

static const double T = 1.5;

static bo_results *solve_on(const bo_model *m, const bo_batch *b, const char *backend,
                            const char *prec)
{
    int f32 = strcmp(prec, "float32") == 0;
    const char *kv[] = {"backend",    backend,
                        "precision",  prec,
                        "duration",   "1.5",
                        "rtol",       f32 ? "1e-6" : "1e-10",
                        "atol",       f32 ? "1e-12" : "1e-30",
                        "chunk_runs", "100000",
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

/* Every run against the closed form; given_i < 0: I from I0, else I = given_i. */
static void check(const bo_results *r, const bo_batch *b, double given_i, double tol)
{
    size_t runs = bo_results_run_count(r);
    T_EQ_INT(runs, bo_batch_run_count(b));
    const double *init = bo_results_init_array(r), *par = bo_results_param_array(r);
    size_t bad_init = 0, bad_final = 0, failed = 0;
    for (size_t i = 0; i < runs; ++i) {
        double k = par[i], i0 = par[runs + i], n = par[2 * runs + i];
        double I0 = given_i < 0 ? i0 : given_i, S0 = n * (1 - i0);
        double want_init[2], want_par[3];
        bo_batch_get_run(b, i, want_init, want_par);
        bad_init += init[i] != I0 || init[runs + i] != S0 || want_init[0] != I0 ||
                    want_init[1] != S0 || want_par[1] != i0;
        failed += bo_results_status(r, i) != 0;
        double eI = I0 * exp(-k * T), eS = S0 * exp(-2 * k * T);
        bad_final += !(fabs(bo_results_final(r, i, 0) - eI) <= tol * eI) ||
                     !(fabs(bo_results_final(r, i, 1) - eS) <= tol * eS);
    }
    T_CHECKF(bad_init == 0, "%zu runs with wrong initial values", bad_init);
    T_CHECKF(failed == 0, "%zu runs failed", failed);
    T_CHECKF(bad_final == 0, "%zu runs off the closed form", bad_final);
}

int main(void)
{
    if (bo_context_create(&ctx) != BO_OK)
        return 1;
    if (cu_available(ctx, 0) != BO_OK) {
        printf("%s\n", bo_errmsg(ctx));
        bo_context_destroy(ctx);
        T_SKIP("no usable CUDA device");
    }
    bo_model *m = NULL;
    bo_batch *b = NULL;
    T_EQ_INT(bo_model_load_string(ctx, model_text, "decay_pair", &m), BO_OK);
    if (m)
        T_EQ_INT(bo_batch_create(ctx, m, &b), BO_OK);
    if (b) {
        T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "I0", "log:1e-4:0.5:1024"), BO_OK);
        T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "k", "0.25:2:256"), BO_OK);
        for (int f = 0; f < 2; ++f) {
            const char *prec = f ? "float32" : "float64";
            bo_results *r = solve_on(m, b, "cuda", prec);
            T_CHECK(r != NULL);
            if (r)
                check(r, b, -1, f ? 1e-4 : 1e-7);
            bo_results_destroy(r);
        }
        T_EQ_INT(bo_batch_set_spec(b, BO_STATE, "I", "2.385"), BO_OK);
        bo_results *r = solve_on(m, b, "cuda", "float64");
        T_CHECK(r != NULL);
        if (r)
            check(r, b, 2.385, 1e-7);
        bo_results_destroy(r);
    }
    bo_batch_destroy(b);
    bo_model_destroy(m);
    bo_context_destroy(ctx);
    T_DONE();
}
