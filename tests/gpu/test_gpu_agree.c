/* The GPU backend agrees with the CPU backend through the public API, for every algorithm with
 * every controller it supports, on Lorenz and van der Pol, in float64 and float32: final
 * states, saved series (states and observables), final times, step and rejection counts and
 * status flags. Exits 77 without a usable CUDA device.
 *
 * Tolerances. Both backends run the same generated source; they differ only in rounding:
 * NVRTC contracts a*b+c into fused multiply-adds where the host compiler may not, and the
 * device math library (sqrt, atan2) may differ from glibc in the last bit. Each step thus
 * differs by a few units of roundoff, and over N steps the difference grows at most like
 * N * eps * (error growth of the flow). Lorenz over t = 1 (largest Lyapunov exponent about
 * 0.9, transient growth at most a few tens) with N = 1000 fixed steps gives about
 * 1e3 * 1.1e-16 * 50 = 5e-12 in float64 and 1e3 * 6e-8 * 50 = 3e-3 relative in float32 at
 * worst; typical differences are far smaller. We compare |gpu - cpu| <= tol * (|cpu| + scale)
 * with scale the largest magnitude of that variable over the batch (so values crossing zero
 * are measured against the size of the solution) and tol = 1e-10 (float64), 1e-3 (float32,
 * fixed steps).
 *
 * Adaptive runs see the same differences in their error estimates. In float64 the step
 * sequence changes only if a rounding flips an accept/reject decision, which needs an error
 * norm within a few eps of 1: when the step and rejection counts agree the tolerance above
 * applies; when they do not, both runs are still accurate to their tolerance (rtol 1e-8), so
 * they may differ by a small multiple of the global error: 1e3 * rtol = 1e-5; such flips must
 * stay rare (at most 10% of runs). In float32 the error estimate (a difference of nearly
 * equal stage sums) carries a relative noise of about eps32 / rtol = 6e-8 / 1e-5 ~ 1%, so
 * every proposed step differs slightly and the final step count often differs by one; the
 * runs are then compared at 1e3 * rtol = 1e-2 with no limit on flips. (Run against a host
 * emulation of the driver, CPU -O3 with FMA vs -O1 without, float64 differed by at most
 * 3e-12 with 14 flips in 3072 runs; float32 by at most 4e-5 with flips in a quarter of
 * the runs.)
 * Status flags must match exactly (the failing runs are far from the limit that fails them). */
#include <math.h>
#include <string.h>

#include "backend/cuda/cuda.h"
#include "batchode.h"
#include "harness.h"
#include "status.h"

static bo_context *ctx;

static const char *const lorenz_text = "model lorenz\n"
                                       "const beta = 8/3\n"
                                       "param sigma = 10, rho = 28\n"
                                       "state x = 1, y = 0, z = 0\n"
                                       "dx/dt = sigma*(y - x)\n"
                                       "dy/dt = x*(rho - z) - y\n"
                                       "dz/dt = x*y - beta*z\n"
                                       "obs radius = sqrt(x^2 + y^2 + z^2)\n";

static const char *const vdp_text = "model vanderpol\n"
                                    "param mu = 2.385\n"
                                    "state x = 2, v = 0\n"
                                    "dx/dt = v\n"
                                    "dv/dt = mu*(1 - x^2)*v - x\n"
                                    "obs phase = atan2(v, x)\n";

typedef struct {
    const char *name;
    int embedded;
} algo;

static const algo algos[] = {
    {"euler", 0},     {"heun", 0},       {"ralston", 0}, {"rk4", 0},   {"bs3", 1},    {"dp5", 1},
    {"cash_karp", 1}, {"fehlberg45", 1}, {"tsit5", 1},   {"vern7", 1}, {"dop853", 1},
};
static const char *const adaptive[] = {"i", "pi", "pid", "gustafsson"};

typedef struct {
    const char *model_name;
    const bo_model *model;
    const bo_batch *batch;
    const char *duration;
} problem;

static bo_results *solve(const problem *pb, const char *backend, const char *algorithm,
                         const char *ctrl, const char *prec, const char *max_steps)
{
    int f32 = strcmp(prec, "float32") == 0;
    const char *kv[] = {"backend",
                        backend,
                        "algorithm",
                        algorithm,
                        "step_controller",
                        ctrl,
                        "precision",
                        prec,
                        "duration",
                        pb->duration,
                        "save_every",
                        strcmp(pb->duration, "1") == 0 ? "0.1" : "0.2",
                        "outputs",
                        "state,observables",
                        "rtol",
                        f32 ? "1e-5" : "1e-8",
                        "atol",
                        f32 ? "1e-7" : "1e-10",
                        "max_steps",
                        max_steps,
                        NULL};
    bo_settings *s = NULL;
    int rc = bo_settings_create(ctx, &s);
    for (size_t i = 0; rc == BO_OK && kv[i]; i += 2)
        rc = bo_settings_set(s, kv[i], kv[i + 1]);
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
        printf("%s %s %s/%s %s: %s\n%s\n", pb->model_name, backend, algorithm, ctrl, prec,
               bo_errmsg(ctx), bo_errlog(ctx));
    bo_solver_destroy(sv);
    bo_settings_destroy(s);
    return r;
}

/* Largest magnitude of each column (a column = `width` consecutive values per row of runs). */
static double scale_of(const double *v, size_t runs, size_t row)
{
    double m = 0.0;
    for (size_t i = 0; i < runs; ++i)
        if (isfinite(v[row * runs + i]) && fabs(v[row * runs + i]) > m)
            m = fabs(v[row * runs + i]);
    return m;
}

static int close_enough(double g, double c, double scale, double tol)
{
    if (isnan(g) || isnan(c))
        return isnan(g) && isnan(c);
    return fabs(g - c) <= tol * (fabs(c) + scale);
}

static void compare(const problem *pb, const char *algorithm, const char *ctrl, const char *prec)
{
    int f32 = strcmp(prec, "float32") == 0;
    int fixed = strcmp(ctrl, "fixed") == 0;
    bo_results *cpu = solve(pb, "cpu", algorithm, ctrl, prec, "1000000");
    bo_results *gpu = solve(pb, "cuda", algorithm, ctrl, prec, "1000000");
    T_CHECKF(cpu && gpu, "%s %s/%s %s did not solve", pb->model_name, algorithm, ctrl, prec);
    if (!cpu || !gpu) {
        bo_results_destroy(cpu);
        bo_results_destroy(gpu);
        return;
    }
    size_t runs = bo_results_run_count(cpu);
    T_EQ_INT(bo_results_run_count(gpu), runs);
    size_t n = bo_model_count(pb->model, BO_STATE);
    size_t ns = bo_results_save_count(cpu), nv = bo_results_var_count(cpu);
    T_EQ_INT(bo_results_save_count(gpu), ns);
    T_EQ_INT(bo_results_var_count(gpu), nv);
    double tol = f32 ? (fixed ? 1e-3 : 1e-2) : 1e-10;
    double tol_flip = f32 ? 1e-2 : 1e-5;
    const double *cf = bo_results_final_array(cpu), *gf = bo_results_final_array(gpu);
    const double *cs = bo_results_series_array(cpu), *gs = bo_results_series_array(gpu);
    size_t flips = 0, bad = 0, status_bad = 0;
    double worst = 0.0;
    for (size_t i = 0; i < runs; ++i) {
        status_bad += bo_results_status(cpu, i) != bo_results_status(gpu, i);
        int same_path = bo_results_steps(cpu, i) == bo_results_steps(gpu, i) &&
                        bo_results_rejections(cpu, i) == bo_results_rejections(gpu, i);
        if (fixed && !same_path)
            ++bad; /* fixed steps never change their count */
        flips += !same_path;
        double t = same_path ? tol : tol_flip;
        bad += bo_results_final_time(cpu, i) != bo_results_final_time(gpu, i);
        for (size_t v = 0; v < n; ++v) {
            double sc = scale_of(cf, runs, v);
            double g = gf[v * runs + i], c = cf[v * runs + i];
            if (!close_enough(g, c, sc, t))
                ++bad;
            else if (isfinite(c) && fabs(g - c) / (fabs(c) + sc) > worst)
                worst = fabs(g - c) / (fabs(c) + sc);
        }
        for (size_t k = 0; k < ns; ++k)
            for (size_t v = 0; v < nv; ++v) {
                size_t row = k * nv + v;
                double sc = scale_of(cs, runs, row);
                if (!close_enough(gs[row * runs + i], cs[row * runs + i], sc, t))
                    ++bad;
            }
    }
    T_CHECKF(bad == 0, "%s %s/%s %s: %zu values differ beyond tolerance", pb->model_name, algorithm,
             ctrl, prec, bad);
    T_CHECKF(status_bad == 0, "%s %s/%s %s: %zu status words differ", pb->model_name, algorithm,
             ctrl, prec, status_bad);
    T_CHECKF(f32 || flips * 10 <= runs, "%s %s/%s %s: %zu of %zu runs took different steps",
             pb->model_name, algorithm, ctrl, prec, flips, runs);
    printf("%-9s %-10s %-10s %s: worst relative difference %.2e, %zu step-count flips\n",
           pb->model_name, algorithm, ctrl, prec, worst, flips);
    bo_results_destroy(cpu);
    bo_results_destroy(gpu);
}

/* A stiff run exhausts max_steps on both backends; the others succeed. */
static void compare_status(const bo_model *vdp)
{
    bo_batch *b = NULL;
    T_EQ_INT(bo_batch_create(ctx, vdp, &b), BO_OK);
    if (!b)
        return;
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "mu", "0.5,2.385,100000"), BO_OK);
    problem pb = {"vanderpol", vdp, b, "2"};
    for (int f = 0; f < 2; ++f) {
        const char *prec = f ? "float32" : "float64";
        bo_results *cpu = solve(&pb, "cpu", "tsit5", "pi", prec, "2000");
        bo_results *gpu = solve(&pb, "cuda", "tsit5", "pi", prec, "2000");
        T_CHECK(cpu && gpu);
        if (cpu && gpu) {
            for (size_t i = 0; i < 3; ++i) {
                int32_t want = i == 2 ? BO_RUN_MAX_STEPS : 0;
                T_EQ_INT(bo_results_status(cpu, i), want);
                T_EQ_INT(bo_results_status(gpu, i), want);
            }
            T_EQ_INT(bo_results_failed_count(gpu), 1);
        }
        bo_results_destroy(cpu);
        bo_results_destroy(gpu);
    }
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
    bo_model *lorenz = NULL, *vdp = NULL;
    T_EQ_INT(bo_model_load_string(ctx, lorenz_text, "lorenz", &lorenz), BO_OK);
    T_EQ_INT(bo_model_load_string(ctx, vdp_text, "vanderpol", &vdp), BO_OK);
    bo_batch *bl = NULL, *bv = NULL;
    if (lorenz && vdp) {
        T_EQ_INT(bo_batch_create(ctx, lorenz, &bl), BO_OK);
        T_EQ_INT(bo_batch_create(ctx, vdp, &bv), BO_OK);
    }
    if (bl && bv) {
        /* 96 Lorenz runs from decaying to chaotic (rho 0.5..45), 64 van der Pol runs from
         * nearly harmonic to relaxation oscillations (mu 0.1..6). */
        T_EQ_INT(bo_batch_set_spec(bl, BO_PARAMETER, "rho", "0.5:45:24"), BO_OK);
        T_EQ_INT(bo_batch_set_spec(bl, BO_PARAMETER, "sigma", "5,8.5,10,12.25"), BO_OK);
        T_EQ_INT(bo_batch_set_spec(bv, BO_PARAMETER, "mu", "0.1:6:32"), BO_OK);
        T_EQ_INT(bo_batch_set_spec(bv, BO_STATE, "x", "0.5,2.385"), BO_OK);
        problem pbs[2] = {{"lorenz", lorenz, bl, "1"}, {"vanderpol", vdp, bv, "2"}};
        for (size_t m = 0; m < 2; ++m)
            for (int f = 0; f < 2; ++f)
                for (size_t a = 0; a < sizeof algos / sizeof algos[0]; ++a) {
                    size_t nc = algos[a].embedded ? 4 : 1;
                    for (size_t c = 0; c < nc; ++c)
                        compare(&pbs[m], algos[a].name, algos[a].embedded ? adaptive[c] : "fixed",
                                f ? "float32" : "float64");
                }
        compare_status(vdp);
    }
    bo_batch_destroy(bl);
    bo_batch_destroy(bv);
    bo_model_destroy(lorenz);
    bo_model_destroy(vdp);
    bo_context_destroy(ctx);
    T_DONE();
}
