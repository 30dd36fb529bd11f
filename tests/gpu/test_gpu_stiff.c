/* Implicit and Rosenbrock methods on the GPU agree with the CPU backend, for every implicit
 * method in the library (found through the tableau list, so a new method is covered without
 * editing this test), on two stiff sweeps, in float64 and float32:
 *   - Robertson's kinetics with per-run rate constants, t in [0, 100];
 *   - van der Pol in scaled time with mu in [10, 1000], t in [0, 1].
 * Also, on the GPU: every buffer moved to shared memory gives the same results as all local
 * (to rounding: ptxas fuses multiply-adds differently when addresses change, see
 * test_gpu_agree.c), the Krylov linear solver agrees with the dense LU to the Newton and
 * step tolerances, and per-run failures (a non-finite parameter, a run stopped by max_steps)
 * carry the same status on both backends. Exits 77 without a usable CUDA device.
 *
 * Tolerances. The two backends round differently (fused multiply-adds, libm), so adaptive step
 * sequences may differ; both runs then still meet rtol, so final values are compared at
 * 1e3 * rtol relative to (|value| + the variable's largest magnitude in the batch), the bound
 * test_gpu_agree.c justifies for runs whose step counts differ. When the step and rejection
 * counts agree, float64 must agree to 1e-7: up to ~1e4 steps (Crank-Nicolson's first-order
 * estimate keeps its steps small) each losing a few units of roundoff through LU solves, and
 * van der Pol's fast jumps amplify such perturbations by up to ~1e4 (1e4 * 1e4 * 1e-16 * a
 * few). Measured on an H100: at most 1.2e-8, most methods below 1e-12. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "backend/cuda/cuda.h"
#include "batchode.h"
#include "harness.h"
#include "settings/settings.h"
#include "status.h"
#include "methods/tableau.h"

static bo_context *ctx;

static const char *const robertson_text = "model robertson\n"
                                          "param k1 = 0.04, k2 = 3e7, k3 = 1e4\n"
                                          "state y1 = 1, y2 = 0, y3 = 0\n"
                                          "dy1/dt = -k1*y1 + k3*y2*y3\n"
                                          "dy2/dt = k1*y1 - k2*y2^2 - k3*y2*y3\n"
                                          "dy3/dt = k2*y2^2\n";

static const char *const vdp_text = "model vdpol\n"
                                    "param mu = 100\n"
                                    "state y1 = 2, y2 = -0.6666666666666666\n"
                                    "dy1/dt = y2\n"
                                    "dy2/dt = mu^2*((1 - y1^2)*y2 - y1)\n";

typedef struct {
    const char *name;
    bo_model *model;
    bo_batch *batch;
    const char *duration, *atol, *dt;
} problem;

/* Solve with the given extra settings (NULL-terminated key/value pairs). */
static bo_results *solve(const problem *pb, const char *backend, const bo_tableau *t,
                         const char *prec, const char *const *extra)
{
    int f32 = strcmp(prec, "float32") == 0;
    int fixed = !tab_has_error_estimate(t);
    const char *kv[] = {"backend",   backend,
                        "algorithm", t->name,
                        "precision", prec,
                        "duration",  pb->duration,
                        "rtol",      f32 ? "1e-4" : "1e-6",
                        "atol",      pb->atol,
                        "max_steps", "200000",
                        "dt",        fixed ? pb->dt : "auto",
                        NULL};
    bo_settings *s = NULL;
    int rc = bo_settings_create(ctx, &s);
    for (size_t i = 0; rc == BO_OK && kv[i]; i += 2)
        rc = bo_settings_set(s, kv[i], kv[i + 1]);
    for (size_t i = 0; rc == BO_OK && extra && extra[i]; i += 2)
        rc = bo_settings_set(s, extra[i], extra[i + 1]);
    bo_solver *sv = NULL;
    if (rc == BO_OK)
        rc = bo_solver_create(ctx, pb->model, s, &sv);
    bo_results *r = NULL;
    if (rc == BO_OK)
        rc = bo_solver_solve(sv, pb->batch, &r);
    if (rc == BO_OK && strcmp(bo_solver_backend(sv), backend) != 0) {
        printf("asked for backend %s, got %s\n", backend, bo_solver_backend(sv));
        bo_results_destroy(r);
        r = NULL;
    }
    if (rc != BO_OK)
        printf("%s %s %s %s: %s\n%s\n", pb->name, backend, t->name, prec, bo_errmsg(ctx),
               bo_errlog(ctx));
    bo_solver_destroy(sv);
    bo_settings_destroy(s);
    return r;
}

static double scale_of(const bo_results *r, size_t v)
{
    double m = 0.0;
    for (size_t i = 0; i < bo_results_run_count(r); ++i) {
        double x = bo_results_final(r, i, v);
        if (isfinite(x) && fabs(x) > m)
            m = fabs(x);
    }
    return m;
}

/* Compare two result sets; returns the worst relative difference (or -1 on a failure). */
static double compare(const char *what, const problem *pb, const bo_tableau *t, const char *prec,
                      const bo_results *a, const bo_results *b, double tol_same, double tol_flip)
{
    T_CHECKF(a && b, "%s %s %s %s did not solve", what, pb->name, t->name, prec);
    if (!a || !b)
        return -1;
    size_t runs = bo_results_run_count(a), n = bo_model_count(pb->model, BO_STATE);
    T_EQ_INT(bo_results_run_count(b), runs);
    size_t bad = 0, status_bad = 0, flips = 0;
    double worst = 0;
    for (size_t i = 0; i < runs; ++i) {
        status_bad += bo_results_status(a, i) != bo_results_status(b, i);
        int same = bo_results_steps(a, i) == bo_results_steps(b, i) &&
                   bo_results_rejections(a, i) == bo_results_rejections(b, i);
        flips += !same;
        for (size_t v = 0; v < n; ++v) {
            double x = bo_results_final(a, i, v), y = bo_results_final(b, i, v);
            if (isnan(x) || isnan(y)) {
                bad += !(isnan(x) && isnan(y));
                continue;
            }
            double d = fabs(x - y) / (fabs(x) + scale_of(a, v));
            if (d > (same ? tol_same : tol_flip))
                ++bad;
            if (d > worst)
                worst = d;
        }
    }
    T_CHECKF(bad == 0, "%s %s %s %s: %zu values differ beyond tolerance (worst %.2e)", what,
             pb->name, t->name, prec, bad, worst);
    T_CHECKF(status_bad == 0, "%s %s %s %s: %zu status words differ", what, pb->name, t->name, prec,
             status_bad);
    printf("%-10s %-10s %-12s %s: worst relative difference %.2e, %zu of %zu runs stepped "
           "differently\n",
           what, pb->name, t->name, prec, worst, flips, runs);
    return worst;
}

static void check_method(const problem *pb, const bo_tableau *t, const char *prec)
{
    int f32 = strcmp(prec, "float32") == 0;
    double rtol = f32 ? 1e-4 : 1e-6;
    double same = f32 ? 1e3 * rtol : 1e-7, flip = 1e3 * rtol;
    bo_results *cpu = solve(pb, "cpu", t, prec, NULL);
    bo_results *gpu = solve(pb, "cuda", t, prec, NULL);
    compare("cpu/gpu", pb, t, prec, cpu, gpu, same, flip);

    /* Every buffer in shared memory, on the GPU. */
    const char *shared_kv[2 * 64 + 1];
    char keys[64][64];
    size_t k = 0;
    for (size_t i = 0; i < st_buffers_len && i < 64; ++i) {
        snprintf(keys[i], sizeof keys[i], "%s_location", st_buffers[i].name);
        shared_kv[k++] = keys[i];
        shared_kv[k++] = "shared";
    }
    shared_kv[k] = NULL;
    bo_results *gsh = solve(pb, "cuda", t, prec, shared_kv);
    compare("shared", pb, t, prec, gpu, gsh, same, flip);

    /* Krylov against dense, on the GPU (float64: GMRES to 1e-10 keeps the Newton and step
     * sequences close; differences are those of two converged solves). */
    if (!f32) {
        const char *kry[] = {"linear_solver", "krylov", "krylov_tolerance", "1e-10", NULL};
        bo_results *gk = solve(pb, "cuda", t, prec, kry);
        if (gk)
            compare("krylov", pb, t, prec, gpu, gk, flip, flip);
        else
            printf("krylov %s %s: not available (%s)\n", pb->name, t->name, bo_errmsg(ctx));
        bo_results_destroy(gk);
    }
    bo_results_destroy(cpu);
    bo_results_destroy(gpu);
    bo_results_destroy(gsh);
}

/* Runs stopped by max_steps carry BO_RUN_MAX_STEPS, with the same status words on both
 * backends. (Non-finite inputs cannot reach a solve: the batch API refuses them.) */
static void check_status(const problem *vdp, const bo_tableau *t)
{
    bo_batch *b = NULL;
    T_EQ_INT(bo_batch_create(ctx, vdp->model, &b), BO_OK);
    if (!b)
        return;
    double mus[3] = {10.0, 100.0, 1000.0};
    T_EQ_INT(bo_batch_set_values(b, BO_PARAMETER, "mu", mus, 3), BO_OK);
    problem pb = *vdp;
    pb.batch = b;
    const char *extra[] = {"max_steps", "30", NULL};
    bo_results *cpu = solve(&pb, "cpu", t, "float64", extra);
    bo_results *gpu = solve(&pb, "cuda", t, "float64", extra);
    T_CHECK(cpu && gpu);
    if (cpu && gpu)
        for (size_t i = 0; i < 3; ++i)
            T_EQ_INT(bo_results_status(cpu, i), bo_results_status(gpu, i));
    if (gpu)
        T_CHECKF(bo_results_status(gpu, 2) & BO_RUN_MAX_STEPS,
                 "%s: mu = 1000 in 30 steps should stop at max_steps", t->name);
    bo_results_destroy(cpu);
    bo_results_destroy(gpu);
    bo_batch_destroy(b);
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
    problem pbs[2] = {{"robertson", NULL, NULL, "100", "1e-8,1e-12,1e-8", "0.01"},
                      {"vdpol", NULL, NULL, "1", "1e-6", "1e-4"}};
    T_EQ_INT(bo_model_load_string(ctx, robertson_text, "robertson", &pbs[0].model), BO_OK);
    T_EQ_INT(bo_model_load_string(ctx, vdp_text, "vdpol", &pbs[1].model), BO_OK);
    for (int m = 0; m < 2; ++m)
        if (pbs[m].model)
            T_EQ_INT(bo_batch_create(ctx, pbs[m].model, &pbs[m].batch), BO_OK);
    if (pbs[0].batch && pbs[1].batch) {
        T_EQ_INT(bo_batch_set_spec(pbs[0].batch, BO_PARAMETER, "k1", "0.02,0.04,0.08"), BO_OK);
        T_EQ_INT(bo_batch_set_spec(pbs[0].batch, BO_PARAMETER, "k2", "1.5e7,3e7,6e7"), BO_OK);
        T_EQ_INT(bo_batch_set_spec(pbs[0].batch, BO_PARAMETER, "k3", "5e3,1e4,2e4"), BO_OK);
        T_EQ_INT(bo_batch_set_spec(pbs[1].batch, BO_PARAMETER, "mu", "10:1000:48"), BO_OK);
        size_t count = 0, implicit = 0;
        const bo_tableau *const *list = tab_list(&count);
        for (size_t i = 0; i < count; ++i) {
            if (!tab_is_implicit(list[i]))
                continue;
            ++implicit;
            for (int m = 0; m < 2; ++m)
                for (int f = 0; f < 2; ++f)
                    check_method(&pbs[m], list[i], f ? "float32" : "float64");
            if (tab_has_error_estimate(list[i]))
                check_status(&pbs[1], list[i]);
        }
        T_CHECKF(implicit > 0, "no implicit methods in the library");
    }
    for (int m = 0; m < 2; ++m) {
        bo_batch_destroy(pbs[m].batch);
        bo_model_destroy(pbs[m].model);
    }
    bo_context_destroy(ctx);
    T_DONE();
}
