/* CPU benchmark: the GPUODEBenchmarks Lorenz ensemble (Utkarsh et al., "Automated translation
 * and accelerated solving of differential equation ensembles on GPU", CMAME 2024):
 *   dx = 10(y - x), dy = rho*x - y - x*z, dz = x*y - (8/3)*z,  (x, y, z)(0) = (1, 0, 0),
 *   t in [0, 1], rho = linspace(0, 21, N), float64,
 * with (a) fixed RK4, dt = 0.001 and (b) adaptive tsit5 / dp5 at rtol = atol = 1e-8.
 *
 * In one process it times, median of REPS repetitions:
 *   - batchode (warm compile cache) with threads=1 and threads=all;
 *   - a hand-written C loop for the same method (RK4; DP5 with the same PI controller and
 *     RMS error norm as batchode, docs/controllers.md): the speed of light per core;
 *   - a loop over runs of GSL's gsl_odeiv2_driver: rk4 through
 *     gsl_odeiv2_driver_apply_fixed_step, rkf45 and rk8pd adaptive;
 * and reports each one's final-state error against a tight reference (GSL rk8pd at 1e-13)
 * next to its time. Usage: bench_cpu_lorenz [max_N] (default 100000). GSL runs only up to
 * N = 10^4 (its cost per run does not depend on N). */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_odeiv2.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "batchode.h"

#define REPS 5
#define GSL_MAX_N 10000

#if defined(__GNUC__) && !defined(__clang__)
#define HOT __attribute__((optimize("O3")))
#else
#define HOT
#endif

static const char *lorenz_model = "model lorenz_bench\n"
                                  "const sigma = 10, beta = 8/3\n"
                                  "param rho = 21\n"
                                  "state x = 1, y = 0, z = 0\n"
                                  "dx/dt = sigma*(y - x)\n"
                                  "dy/dt = rho*x - y - x*z\n"
                                  "dz/dt = x*y - beta*z\n";

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

/* ---- hand-written reference loops ---------------------------------------------------- */

static inline void lorenz(double rho, const double *y, double *f)
{
    f[0] = 10.0 * (y[1] - y[0]);
    f[1] = rho * y[0] - y[1] - y[0] * y[2];
    f[2] = y[0] * y[1] - (8.0 / 3.0) * y[2];
}

HOT static void hand_rk4(size_t n, const double *rho, double *out)
{
    for (size_t r = 0; r < n; ++r) {
        double y[3] = {1.0, 0.0, 0.0}, k1[3], k2[3], k3[3], k4[3], tmp[3];
        const double h = 0.001;
        for (int s = 0; s < 1000; ++s) {
            lorenz(rho[r], y, k1);
            for (int i = 0; i < 3; ++i)
                tmp[i] = y[i] + 0.5 * h * k1[i];
            lorenz(rho[r], tmp, k2);
            for (int i = 0; i < 3; ++i)
                tmp[i] = y[i] + 0.5 * h * k2[i];
            lorenz(rho[r], tmp, k3);
            for (int i = 0; i < 3; ++i)
                tmp[i] = y[i] + h * k3[i];
            lorenz(rho[r], tmp, k4);
            for (int i = 0; i < 3; ++i)
                y[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
        }
        memcpy(out + 3 * r, y, sizeof y);
    }
}

/* Dormand & Prince, J. Comput. Appl. Math. 6 (1980) 19-26, Table 2 (RK5(4)7M), FSAL; PI
 * control on the RMS norm with kp = 0.7, ki = -0.4, order 4, safety 0.9, gains [0.2, 10]
 * (HNW I, II.4): the same controller batchode's dp5 defaults to. */
HOT static void hand_dp5(size_t n, const double *rho, double tol, double *out, long *steps)
{
    static const double a21 = 1.0 / 5.0, a31 = 3.0 / 40.0, a32 = 9.0 / 40.0, a41 = 44.0 / 45.0,
                        a42 = -56.0 / 15.0, a43 = 32.0 / 9.0, a51 = 19372.0 / 6561.0,
                        a52 = -25360.0 / 2187.0, a53 = 64448.0 / 6561.0, a54 = -212.0 / 729.0,
                        a61 = 9017.0 / 3168.0, a62 = -355.0 / 33.0, a63 = 46732.0 / 5247.0,
                        a64 = 49.0 / 176.0, a65 = -5103.0 / 18656.0, b1 = 35.0 / 384.0,
                        b3 = 500.0 / 1113.0, b4 = 125.0 / 192.0, b5 = -2187.0 / 6784.0,
                        b6 = 11.0 / 84.0, e1 = 71.0 / 57600.0, e3 = -71.0 / 16695.0,
                        e4 = 71.0 / 1920.0, e5 = -17253.0 / 339200.0, e6 = 22.0 / 525.0,
                        e7 = -1.0 / 40.0;
    long total = 0;
    for (size_t r = 0; r < n; ++r) {
        const double p = rho[r];
        double y[3] = {1.0, 0.0, 0.0}, k1[3], k2[3], k3[3], k4[3], k5[3], k6[3], k7[3], yn[3],
               tmp[3];
        double t = 0.0, h = 1e-3, prev = 1.0;
        lorenz(p, y, k1);
        while (t < 1.0) {
            int last = t + h >= 1.0 * (1.0 - 1e-12);
            if (last)
                h = 1.0 - t;
            for (int i = 0; i < 3; ++i)
                tmp[i] = y[i] + h * a21 * k1[i];
            lorenz(p, tmp, k2);
            for (int i = 0; i < 3; ++i)
                tmp[i] = y[i] + h * (a31 * k1[i] + a32 * k2[i]);
            lorenz(p, tmp, k3);
            for (int i = 0; i < 3; ++i)
                tmp[i] = y[i] + h * (a41 * k1[i] + a42 * k2[i] + a43 * k3[i]);
            lorenz(p, tmp, k4);
            for (int i = 0; i < 3; ++i)
                tmp[i] = y[i] + h * (a51 * k1[i] + a52 * k2[i] + a53 * k3[i] + a54 * k4[i]);
            lorenz(p, tmp, k5);
            for (int i = 0; i < 3; ++i)
                tmp[i] = y[i] +
                         h * (a61 * k1[i] + a62 * k2[i] + a63 * k3[i] + a64 * k4[i] + a65 * k5[i]);
            lorenz(p, tmp, k6);
            for (int i = 0; i < 3; ++i)
                yn[i] = y[i] + h * (b1 * k1[i] + b3 * k3[i] + b4 * k4[i] + b5 * k5[i] + b6 * k6[i]);
            lorenz(p, yn, k7);
            double e2 = 0.0;
            for (int i = 0; i < 3; ++i) {
                double err = h * (e1 * k1[i] + e3 * k3[i] + e4 * k4[i] + e5 * k5[i] + e6 * k6[i] +
                                  e7 * k7[i]);
                double sc = tol + tol * fmax(fabs(y[i]), fabs(yn[i]));
                e2 += (err / sc) * (err / sc);
            }
            e2 = fmax(e2 / 3.0, 1e-30);
            ++total;
            if (e2 <= 1.0) {
                double g = 0.9 * pow(e2, -0.7 / 10.0) * pow(prev, 0.4 / 10.0);
                g = fmin(fmax(g, 0.2), 10.0);
                t = last ? 1.0 : t + h;
                memcpy(y, yn, sizeof y);
                memcpy(k1, k7, sizeof k1);
                prev = e2;
                h *= g;
            } else {
                h *= fmax(0.9 * pow(e2, -1.0 / 10.0), 0.2);
            }
        }
        memcpy(out + 3 * r, y, sizeof y);
    }
    *steps = total;
}

/* ---- GSL ------------------------------------------------------------------------------ */

static int gsl_lorenz(double t, const double y[], double f[], void *params)
{
    (void)t;
    lorenz(*(const double *)params, y, f);
    return GSL_SUCCESS;
}

/* kind 0: rk4 fixed dt = 0.001; 1: rkf45 adaptive; 2: rk8pd adaptive. */
static int gsl_solve(int kind, size_t n, const double *rho, double tol, double *out)
{
    for (size_t r = 0; r < n; ++r) {
        double p = rho[r], y[3] = {1.0, 0.0, 0.0}, t = 0.0;
        gsl_odeiv2_system sys = {gsl_lorenz, NULL, 3, &p};
        const gsl_odeiv2_step_type *type = kind == 0   ? gsl_odeiv2_step_rk4
                                           : kind == 1 ? gsl_odeiv2_step_rkf45
                                                       : gsl_odeiv2_step_rk8pd;
        gsl_odeiv2_driver *d = gsl_odeiv2_driver_alloc_y_new(&sys, type, 1e-3, tol, tol);
        if (!d)
            return -1;
        int rc = kind == 0 ? gsl_odeiv2_driver_apply_fixed_step(d, &t, 1e-3, 1000, y)
                           : gsl_odeiv2_driver_apply(d, &t, 1.0, y);
        gsl_odeiv2_driver_free(d);
        if (rc != GSL_SUCCESS)
            return -1;
        memcpy(out + 3 * r, y, sizeof y);
    }
    return 0;
}

/* ---- batchode ------------------------------------------------------------------------- */

typedef struct {
    bo_context *ctx;
    bo_model *model;
    bo_batch *batch;
} bench_env;

static bo_solver *make_solver(bench_env *e, const char *algorithm)
{
    bo_settings *s = NULL;
    bo_solver *sv = NULL;
    int rc = bo_settings_create(e->ctx, &s);
    if (rc == BO_OK)
        rc = bo_settings_set(s, "backend", "cpu");
    if (rc == BO_OK)
        rc = bo_settings_set(s, "algorithm", algorithm);
    if (rc == BO_OK && strcmp(algorithm, "rk4") == 0)
        rc = bo_settings_set(s, "dt", "0.001");
    if (rc == BO_OK && strcmp(algorithm, "rk4") != 0) {
        rc = bo_settings_set(s, "rtol", "1e-8");
        if (rc == BO_OK)
            rc = bo_settings_set(s, "atol", "1e-8");
    }
    if (rc == BO_OK)
        rc = bo_solver_create(e->ctx, e->model, s, &sv);
    bo_settings_destroy(s);
    if (rc != BO_OK)
        fprintf(stderr, "bench_cpu_lorenz: %s\n", bo_errmsg(e->ctx));
    return sv;
}

/* Median wall time of REPS solves; the final states go to out[3*run + i]. */
static double time_batchode(bo_solver *sv, const bo_batch *b, const char *threads, double *out,
                            long *steps)
{
    double t[REPS];
    bo_results *r = NULL;
    if (bo_solver_set(sv, "threads", threads) != BO_OK || bo_solver_solve(sv, b, &r) != BO_OK)
        return NAN; /* the first solve also loads the compiled object */
    bo_results_destroy(r);
    for (int k = 0; k < REPS; ++k) {
        double t0 = now();
        if (bo_solver_solve(sv, b, &r) != BO_OK)
            return NAN;
        t[k] = now() - t0;
        if (k == REPS - 1) {
            size_t n = bo_results_run_count(r);
            *steps = 0;
            for (size_t run = 0; run < n; ++run) {
                for (size_t i = 0; i < 3; ++i)
                    out[3 * run + i] = bo_results_final(r, run, i);
                *steps += (long)bo_results_steps(r, run);
            }
        }
        bo_results_destroy(r);
    }
    return median(t, REPS);
}

static double max_error(size_t n, const double *got, const double *ref)
{
    double worst = 0.0;
    for (size_t k = 0; k < 3 * n; ++k) {
        double e = fabs(got[k] - ref[k]) / (fabs(ref[k]) + 1.0);
        worst = e > worst || isnan(e) ? e : worst;
    }
    return worst;
}

static void row(const char *method, const char *impl, size_t n, double secs, double err, long steps,
                double ratio, const char *ratio_name)
{
    printf("| %-6s | %-22s | %6zu | %9.4f | %10.3e | %9.2e | %9.1f | %8.2f | %s |\n", method, impl,
           n, secs, (double)n / secs, err, steps > 0 ? (double)steps / (double)n : 0.0, ratio,
           ratio_name);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    size_t max_n = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 100000;
    bench_env e = {NULL, NULL, NULL};
    gsl_set_error_handler_off();
    if (bo_context_create(&e.ctx) != BO_OK ||
        bo_model_load_string(e.ctx, lorenz_model, NULL, &e.model) != BO_OK) {
        fprintf(stderr, "bench_cpu_lorenz: %s\n", e.ctx ? bo_errmsg(e.ctx) : "no memory");
        return 1;
    }
    static const char *algs[4] = {"rk4", "dp5", "tsit5", "dop853"};
    bo_solver *solvers[4];
    for (int a = 0; a < 4; ++a)
        if (!(solvers[a] = make_solver(&e, algs[a])))
            return 1;
    printf("| method | implementation | N | median s | runs/s | max error | steps/run | ratio | "
           "ratio of |\n|---|---|---|---|---|---|---|---|---|\n");
    for (size_t n = 1000; n <= max_n; n *= 10) {
        double *rho = malloc(n * sizeof *rho), *out = malloc(3 * n * sizeof *out),
               *ref = malloc(3 * n * sizeof *ref);
        if (!rho || !out || !ref)
            return 1;
        for (size_t r = 0; r < n; ++r)
            rho[r] = 21.0 * (double)r / (double)(n - 1);
        /* The reference for every run: rk8pd at 1e-13 (error well below 1e-10). */
        if (gsl_solve(2, n, rho, 1e-13, ref) != 0)
            return 1;
        bo_batch_destroy(e.batch);
        e.batch = NULL;
        if (bo_batch_create(e.ctx, e.model, &e.batch) != BO_OK ||
            bo_batch_set_values(e.batch, BO_PARAMETER, "rho", rho, n) != BO_OK)
            return 1;
        for (int a = 0; a < 4; ++a) {
            long steps = 0, hsteps = 0;
            double t_one = time_batchode(solvers[a], e.batch, "1", out, &steps);
            double err_bo = max_error(n, out, ref);
            double t_all = time_batchode(solvers[a], e.batch, "0", out, &steps);
            /* Hand-written loop for the same method (tsit5 has none: DP5 stands in; dop853
             * has none). */
            double th[REPS], t_hand = NAN, err_hand = NAN;
            for (int k = 0; k < REPS && a != 3; ++k) {
                double t0 = now();
                if (a == 0)
                    hand_rk4(n, rho, out);
                else
                    hand_dp5(n, rho, 1e-8, out, &hsteps);
                th[k] = now() - t0;
            }
            if (a != 3) {
                t_hand = median(th, REPS);
                err_hand = max_error(n, out, ref);
            }
            /* GSL at matched accuracy: the loosest tolerance whose error is no larger than
             * batchode's (rk4 is fixed-step: same dt). rkf45 is matched with dp5, rk8pd with
             * dop853. */
            double t_gsl = NAN, err_gsl = NAN, gsl_tol = 0.0;
            int kind = a == 0 ? 0 : a == 1 ? 1 : a == 3 ? 2 : -1;
            if (n <= GSL_MAX_N && kind >= 0) {
                static const double tols[] = {1e-8, 3e-9, 1e-9, 3e-10, 1e-10, 3e-11, 1e-11, 3e-12};
                for (size_t ti = 0; ti < sizeof tols / sizeof tols[0]; ++ti) {
                    gsl_tol = tols[ti];
                    if (gsl_solve(kind, n, rho, gsl_tol, out) == 0 &&
                        (kind == 0 || max_error(n, out, ref) <= err_bo))
                        break;
                }
                double tg[REPS];
                for (int k = 0; k < REPS; ++k) {
                    double t0 = now();
                    gsl_solve(kind, n, rho, gsl_tol, out);
                    tg[k] = now() - t0;
                }
                t_gsl = median(tg, REPS);
                err_gsl = max_error(n, out, ref);
            }
            char label[64];
            row(algs[a], "batchode threads=1", n, t_one, err_bo, steps,
                isnan(t_hand) ? NAN : t_one / t_hand, isnan(t_hand) ? "" : "batchode/hand");
            row(algs[a], "batchode threads=all", n, t_all, err_bo, steps, t_one / t_all,
                "speedup vs threads=1");
            if (!isnan(t_hand))
                row(a == 0 ? "rk4" : "dp5", "hand-written C", n, t_hand, err_hand,
                    a == 0 ? 1000L * (long)n : hsteps, 1.0, "");
            if (!isnan(t_gsl)) {
                snprintf(label, sizeof label, "GSL driver tol %.0e", kind == 0 ? 0.0 : gsl_tol);
                row(kind == 0   ? "rk4"
                    : kind == 1 ? "rkf45"
                                : "rk8pd",
                    label, n, t_gsl, err_gsl, kind == 0 ? 1000L * (long)n : 0, t_gsl / t_one,
                    "GSL/batchode threads=1");
            }
        }
        free(rho);
        free(out);
        free(ref);
    }
    for (int a = 0; a < 4; ++a)
        bo_solver_destroy(solvers[a]);
    bo_batch_destroy(e.batch);
    bo_model_destroy(e.model);
    bo_context_destroy(e.ctx);
    return 0;
}
