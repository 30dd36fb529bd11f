/* A driven model on the GPU agrees with the CPU backend, through the public API: a damped
 * oscillator with two drivers (a force F on a non-uniform grid, not-a-knot, held past its
 * end; a stiffness modulation G on a uniform grid, periodic and wrapped), 512 runs over
 * damping and stiffness, float64 and float32, fixed-step rk4 and adaptive tsit5, final
 * states and a saved series of states and an observable that reads F. Both backends read
 * the same packed driver table (uploaded once per solve on the GPU), so they may differ only
 * in rounding, as in test_gpu_agree.c: fused multiply-adds on the device, one ulp in the
 * math library. The oscillator is not chaotic (its error growth over t = 12 stays below
 * a few units), so with N = 12000 fixed steps the difference is at most N * eps * 10 =
 * 3e-11 (float64) and 7e-3 (float32) relative to the solution's scale; we allow 1e-9 and
 * 1e-2. Adaptive runs at rtol 1e-8 (float64) may flip an accept/reject decision: compare at
 * 1e3 * rtol. A second solve with other driver data reuses the program (no recompile) and
 * must change the answers. Exits 77 without a usable CUDA device. */
#include <math.h>
#include <string.h>

#include "backend/cuda/cuda.h"
#include "batchode.h"
#include "harness.h"
#include "solve/solver_internal.h"

#define PI 3.14159265358979323846

static bo_context *ctx;

static const char *const model_text =
    "model driven2\nparam m = 1, c = 0.2, k = 4\ndriver F, G\nstate x = 0.1, v = 0\n"
    "dx/dt = v\ndv/dt = (F - c*v - k*(1 + 0.25*G)*x)/m\nobs power = F*v\n";

enum { NF = 301, NG = 65 };
static double tf[NF], vf[NF], tg[NG], vg[NG];

static void make_samples(double phase)
{
    for (int i = 0; i < NF; ++i) {
        double u = (double)i / (NF - 1);
        tf[i] = 10.0 * u * u; /* denser near 0: non-uniform */
        vf[i] = sin(3.0 * tf[i] + phase) * exp(-0.1 * tf[i]);
    }
    for (int i = 0; i < NG; ++i) {
        tg[i] = 2.0 * (double)i / (NG - 1);
        vg[i] = cos(PI * tg[i]);
    }
    vg[NG - 1] = vg[0];
}

static bo_solver *make_solver(const bo_model *m, const char *backend, const char *algorithm,
                              const char *prec)
{
    int f32 = strcmp(prec, "float32") == 0;
    const char *kv[] = {"backend",    backend,
                        "algorithm",  algorithm,
                        "precision",  prec,
                        "duration",   "12",
                        "save_every", "0.5",
                        "outputs",    "state,observables",
                        "dt",         "0.001",
                        "rtol",       f32 ? "1e-5" : "1e-8",
                        "atol",       f32 ? "1e-7" : "1e-10",
                        NULL};
    bo_settings *s = NULL;
    bo_solver *sv = NULL;
    int rc = bo_settings_create(ctx, &s);
    for (size_t i = 0; rc == BO_OK && kv[i]; i += 2)
        rc = bo_settings_set(s, kv[i], kv[i + 1]);
    if (rc == BO_OK)
        rc = bo_solver_create(ctx, m, s, &sv);
    bo_settings_destroy(s);
    if (rc != BO_OK) {
        printf("%s %s %s: %s\n%s\n", backend, algorithm, prec, bo_errmsg(ctx), bo_errlog(ctx));
        return NULL;
    }
    if (strcmp(bo_solver_backend(sv), backend) != 0) {
        printf("asked for %s, got %s\n", backend, bo_solver_backend(sv));
        bo_solver_destroy(sv);
        return NULL;
    }
    return sv;
}

static int set_drivers(bo_solver *sv)
{
    bo_driver_options g;
    bo_driver_options_init(&g);
    g.interpolation = BO_INTERP_PERIODIC;
    g.ends = BO_ENDS_WRAP;
    int rc = bo_solver_set_driver(sv, "F", tf, vf, NF, NULL);
    if (rc == BO_OK)
        rc = bo_solver_set_driver(sv, "G", tg, vg, NG, &g);
    if (rc != BO_OK)
        printf("set_driver: %s\n", bo_errmsg(ctx));
    return rc;
}

/* Largest |a - b| / (|b| + scale of the variable) over finals and the series. */
static double difference(const bo_results *a, const bo_results *b)
{
    size_t runs = bo_results_run_count(b), nv = bo_results_var_count(b);
    size_t ns = bo_results_save_count(b);
    double worst = 0.0;
    for (size_t var = 0; var < nv; ++var) {
        double scale = 0.0;
        for (size_t k = 0; k < ns; ++k)
            for (size_t r = 0; r < runs; ++r)
                scale = fmax(scale, fabs(bo_results_value(b, k, var, r)));
        for (size_t k = 0; k < ns; ++k)
            for (size_t r = 0; r < runs; ++r) {
                double x = bo_results_value(a, k, var, r), y = bo_results_value(b, k, var, r);
                double d = fabs(x - y) / (fabs(y) + scale);
                worst = isnan(d) ? INFINITY : fmax(worst, d);
            }
    }
    for (size_t r = 0; r < runs; ++r)
        for (size_t s = 0; s < 2; ++s) {
            double x = bo_results_final(a, r, s), y = bo_results_final(b, r, s);
            double d = fabs(x - y) / (fabs(y) + 1.0);
            worst = isnan(d) ? INFINITY : fmax(worst, d);
        }
    return worst;
}

static void compare(const bo_model *m, const bo_batch *b, const char *algorithm, const char *prec)
{
    int f32 = strcmp(prec, "float32") == 0, fixed = strcmp(algorithm, "rk4") == 0;
    double tol = fixed ? (f32 ? 1e-2 : 1e-9) : (f32 ? 1e-2 : 1e-5);
    bo_solver *cpu = make_solver(m, "cpu", algorithm, prec);
    bo_solver *gpu = make_solver(m, "cuda", algorithm, prec);
    T_CHECK(cpu && gpu);
    bo_results *rc = NULL, *rg = NULL;
    make_samples(0.0);
    if (cpu && gpu && set_drivers(cpu) == BO_OK && set_drivers(gpu) == BO_OK) {
        T_EQ_INT(bo_solver_solve(cpu, b, &rc), BO_OK);
        T_EQ_INT(bo_solver_solve(gpu, b, &rg), BO_OK);
    }
    if (rc && rg) {
        T_EQ_INT(bo_results_failed_count(rc), 0);
        T_EQ_INT(bo_results_failed_count(rg), 0);
        double d = difference(rg, rc);
        T_CHECKF(d <= tol, "%s %s: GPU differs from CPU by %g (tol %g)", algorithm, prec, d, tol);
        printf("%s %s: largest relative difference %.3g\n", algorithm, prec, d);
    }
    /* New data, same program: answers change, the backends still agree. */
    int builds = gpu ? sv_build_count(gpu) : 0;
    bo_results *rc2 = NULL, *rg2 = NULL;
    make_samples(1.0);
    if (rc && rg && set_drivers(cpu) == BO_OK && set_drivers(gpu) == BO_OK) {
        T_EQ_INT(bo_solver_solve(cpu, b, &rc2), BO_OK);
        T_EQ_INT(bo_solver_solve(gpu, b, &rg2), BO_OK);
        T_EQ_INT(sv_build_count(gpu), builds);
    }
    if (rc2 && rg2) {
        T_CHECKF(difference(rg2, rc2) <= tol, "%s %s: second data set", algorithm, prec);
        T_CHECK(difference(rc2, rc) > 1e-3);
    }
    bo_results_destroy(rc);
    bo_results_destroy(rg);
    bo_results_destroy(rc2);
    bo_results_destroy(rg2);
    bo_solver_destroy(cpu);
    bo_solver_destroy(gpu);
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
    T_EQ_INT(bo_model_load_string(ctx, model_text, "driven2", &m), BO_OK);
    if (m)
        T_EQ_INT(bo_batch_create(ctx, m, &b), BO_OK);
    if (b) {
        T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "c", "0.05:1.5:16"), BO_OK);
        T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "k", "0.5:9:32"), BO_OK);
        const char *const algs[] = {"rk4", "tsit5"};
        for (int a = 0; a < 2; ++a)
            for (int f = 0; f < 2; ++f)
                compare(m, b, algs[a], f ? "float32" : "float64");
    }
    bo_batch_destroy(b);
    bo_model_destroy(m);
    bo_context_destroy(ctx);
    T_DONE();
}
