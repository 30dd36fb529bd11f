/* Stiff batch benchmark: two stiff sweeps through batchode (CPU backend, and CUDA when a GPU
 * is present) beside a loop of SUNDIALS CVODE (BDF, dense direct solver, analytic Jacobian)
 * over the same runs on one CPU core, float64, rtol 1e-6:
 *
 *   robertson  y1' = -k1 y1 + k3 y2 y3, y2' = k1 y1 - k2 y2^2 - k3 y2 y3, y3' = k2 y2^2,
 *              y(0) = (1, 0, 0), t in [0, 1e5], per-run rate constants k_i = k_i0 * s_i with
 *              the scales s_i log-spaced in [0.5, 2] (k10 = 0.04, k20 = 3e7, k30 = 1e4);
 *              atol = 1e-8 for y1, y3 and 1e-12 for y2 (y2 stays below 4e-5).
 *   vdpol      van der Pol in Hairer & Wanner's scaled time (II, IV.1, VDPOL):
 *              y1' = y2, y2' = mu^2 ((1 - y1^2) y2 - y1), y(0) = (2, -2/3), t in [0, 2]
 *              (a little more than one period for every mu), per-run mu = linspace(10, 1000);
 *              atol = 1e-6.
 *
 * Each line of output is one measurement:
 *   cvode <problem> <runs> <seconds> <runs_per_s> <steps/run> <newton/run> <max_err>
 *   batchode <backend> <algorithm> <problem> <runs> <seconds> <runs_per_s> <steps/run>
 *            <rejections/run> <newton/run> <failed> <max_err>
 * seconds is the median of 3 repetitions (batchode: warm compile cache, bo_solver_solve
 * only). max_err is max over a sample of up to 64 runs of |y - y_ref| / (|y_ref| + atol_i),
 * the reference being CVODE at rtol 1e-12, atol 1e-3 of the benchmark's.
 *
 * Usage: bench_stiff [--problems robertson,vdpol] [--algorithms a,b,...] [--log2n 10,12,...]
 *        [--backends cpu,cuda] [--cvode-runs M] [--threads T]
 * CVODE is timed on min(N, M) runs (its cost per run does not depend on N; default M = 4096)
 * and reported as throughput. */
#include <cvode/cvode.h>
#include <math.h>
#include <nvector/nvector_serial.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>
#include <time.h>

#include "batchode.h"

#define MAXN 3
#define SAMPLE 64
#define REPS 3

typedef struct {
    const char *name;
    const char *model;
    int n, np;
    double t_end;
    double y0[MAXN];
    double atol[MAXN];
    const char *atol_setting;
    const char *param_names[MAXN];
} problem;

static const problem problems[] = {
    {"robertson",
     "model robertson_bench\n"
     "param k1 = 0.04, k2 = 3e7, k3 = 1e4\n"
     "state y1 = 1, y2 = 0, y3 = 0\n"
     "dy1/dt = -k1*y1 + k3*y2*y3\n"
     "dy2/dt = k1*y1 - k2*y2^2 - k3*y2*y3\n"
     "dy3/dt = k2*y2^2\n",
     3,
     3,
     1e5,
     {1, 0, 0},
     {1e-8, 1e-12, 1e-8},
     "1e-8,1e-12,1e-8",
     {"k1", "k2", "k3"}},
    {"vdpol",
     "model vdpol_bench\n"
     "param mu = 1000\n"
     "state y1 = 2, y2 = -0.6666666666666666\n"
     "dy1/dt = y2\n"
     "dy2/dt = mu^2*((1 - y1^2)*y2 - y1)\n",
     2,
     1,
     2.0,
     {2, -2.0 / 3.0, 0},
     {1e-6, 1e-6, 0},
     "1e-6",
     {"mu", NULL, NULL}},
};
#define NPROBLEMS (sizeof problems / sizeof problems[0])

/* Per-run parameters: robertson scales each constant by a log-spaced factor in [0.5, 2]
 * (three different strides so the runs are not all on the diagonal); vdpol's mu is linspace. */
static void run_params(const problem *pb, size_t run, size_t runs, double *p)
{
    double u = runs > 1 ? (double)run / (double)(runs - 1) : 0.0;
    if (strcmp(pb->name, "robertson") == 0) {
        double u2 = fmod(u * 7.0, 1.0), u3 = fmod(u * 13.0, 1.0);
        p[0] = 0.04 * pow(2.0, 2.0 * u - 1.0);
        p[1] = 3e7 * pow(2.0, 2.0 * u2 - 1.0);
        p[2] = 1e4 * pow(2.0, 2.0 * u3 - 1.0);
    } else {
        p[0] = 10.0 + 990.0 * u;
    }
}

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

/* ---- CVODE --------------------------------------------------------------------------- */

typedef struct {
    const problem *pb;
    double p[MAXN];
} cv_user;

static int cv_rhs(sunrealtype t, N_Vector yv, N_Vector fv, void *user)
{
    (void)t;
    const cv_user *u = user;
    const double *y = N_VGetArrayPointer(yv);
    double *f = N_VGetArrayPointer(fv);
    const double *p = u->p;
    if (u->pb->n == 3) {
        f[0] = -p[0] * y[0] + p[2] * y[1] * y[2];
        f[1] = p[0] * y[0] - p[1] * y[1] * y[1] - p[2] * y[1] * y[2];
        f[2] = p[1] * y[1] * y[1];
    } else {
        f[0] = y[1];
        f[1] = p[0] * p[0] * ((1.0 - y[0] * y[0]) * y[1] - y[0]);
    }
    return 0;
}

static int cv_jac(sunrealtype t, N_Vector yv, N_Vector fv, SUNMatrix J, void *user, N_Vector t1,
                  N_Vector t2, N_Vector t3)
{
    (void)t, (void)fv, (void)t1, (void)t2, (void)t3;
    const cv_user *u = user;
    const double *y = N_VGetArrayPointer(yv);
    const double *p = u->p;
    if (u->pb->n == 3) {
        SM_ELEMENT_D(J, 0, 0) = -p[0];
        SM_ELEMENT_D(J, 0, 1) = p[2] * y[2];
        SM_ELEMENT_D(J, 0, 2) = p[2] * y[1];
        SM_ELEMENT_D(J, 1, 0) = p[0];
        SM_ELEMENT_D(J, 1, 1) = -2.0 * p[1] * y[1] - p[2] * y[2];
        SM_ELEMENT_D(J, 1, 2) = -p[2] * y[1];
        SM_ELEMENT_D(J, 2, 0) = 0.0;
        SM_ELEMENT_D(J, 2, 1) = 2.0 * p[1] * y[1];
        SM_ELEMENT_D(J, 2, 2) = 0.0;
    } else {
        double m2 = p[0] * p[0];
        SM_ELEMENT_D(J, 0, 0) = 0.0;
        SM_ELEMENT_D(J, 0, 1) = 1.0;
        SM_ELEMENT_D(J, 1, 0) = m2 * (-2.0 * y[0] * y[1] - 1.0);
        SM_ELEMENT_D(J, 1, 1) = m2 * (1.0 - y[0] * y[0]);
    }
    return 0;
}

typedef struct {
    SUNContext sun;
    void *mem;
    N_Vector y, abstol;
    SUNMatrix A;
    SUNLinearSolver LS;
    cv_user user;
} cv_solver;

static int cv_open(cv_solver *c, const problem *pb, double rtol, double atol_scale)
{
    memset(c, 0, sizeof *c);
    c->user.pb = pb;
    if (SUNContext_Create(NULL, &c->sun))
        return -1;
    c->y = N_VNew_Serial(pb->n, c->sun);
    c->abstol = N_VNew_Serial(pb->n, c->sun);
    for (int i = 0; i < pb->n; ++i) {
        NV_Ith_S(c->y, i) = pb->y0[i];
        NV_Ith_S(c->abstol, i) = pb->atol[i] * atol_scale;
    }
    c->mem = CVodeCreate(CV_BDF, c->sun);
    if (!c->mem || CVodeInit(c->mem, cv_rhs, 0.0, c->y) ||
        CVodeSVtolerances(c->mem, rtol, c->abstol))
        return -1;
    c->A = SUNDenseMatrix(pb->n, pb->n, c->sun);
    c->LS = SUNLinSol_Dense(c->y, c->A, c->sun);
    if (CVodeSetLinearSolver(c->mem, c->LS, c->A) || CVodeSetJacFn(c->mem, cv_jac) ||
        CVodeSetUserData(c->mem, &c->user) || CVodeSetMaxNumSteps(c->mem, 1000000))
        return -1;
    return 0;
}

static void cv_close(cv_solver *c)
{
    CVodeFree(&c->mem);
    SUNLinSolFree(c->LS);
    SUNMatDestroy(c->A);
    N_VDestroy(c->y);
    N_VDestroy(c->abstol);
    SUNContext_Free(&c->sun);
}

/* Solve one run to t_end; final state into out. Returns 0 or the CVODE flag. */
static int cv_run(cv_solver *c, const double *p, double *out, long *steps, long *newton)
{
    const problem *pb = c->user.pb;
    memcpy(c->user.p, p, sizeof c->user.p);
    for (int i = 0; i < pb->n; ++i)
        NV_Ith_S(c->y, i) = pb->y0[i];
    if (CVodeReInit(c->mem, 0.0, c->y))
        return -1;
    sunrealtype t = 0.0;
    int flag = CVode(c->mem, pb->t_end, c->y, &t, CV_NORMAL);
    for (int i = 0; i < pb->n; ++i)
        out[i] = NV_Ith_S(c->y, i);
    long ns = 0, nn = 0;
    CVodeGetNumSteps(c->mem, &ns);
    CVodeGetNumNonlinSolvIters(c->mem, &nn);
    *steps += ns;
    *newton += nn;
    return flag < 0 ? flag : 0;
}

/* ---- references and errors ----------------------------------------------------------- */

static size_t sample_run(size_t k, size_t runs)
{
    size_t m = runs < SAMPLE ? runs : SAMPLE;
    return m > 1 ? k * (runs - 1) / (m - 1) : 0;
}

static int reference(const problem *pb, size_t runs, double *ref)
{
    cv_solver c;
    if (cv_open(&c, pb, 1e-12, 1e-3))
        return -1;
    size_t m = runs < SAMPLE ? runs : SAMPLE;
    long s = 0, nn = 0;
    for (size_t k = 0; k < m; ++k) {
        double p[MAXN];
        run_params(pb, sample_run(k, runs), runs, p);
        if (cv_run(&c, p, ref + k * MAXN, &s, &nn))
            return -1;
    }
    cv_close(&c);
    return 0;
}

static double max_err(const problem *pb, size_t runs, const double *ref, const double *got)
{
    size_t m = runs < SAMPLE ? runs : SAMPLE;
    double e = 0.0;
    for (size_t k = 0; k < m; ++k)
        for (int i = 0; i < pb->n; ++i) {
            double r = ref[k * MAXN + (size_t)i];
            double d = fabs(got[k * MAXN + (size_t)i] - r) / (fabs(r) + pb->atol[i]);
            if (!(d <= e))
                e = d;
        }
    return e;
}

static void bench_cvode(const problem *pb, size_t runs, size_t max_runs, const double *ref)
{
    size_t m = runs < max_runs ? runs : max_runs;
    cv_solver c;
    if (cv_open(&c, pb, 1e-6, 1.0)) {
        printf("cvode %s setup failed\n", pb->name);
        return;
    }
    double times[REPS];
    long steps = 0, newton = 0;
    double got[SAMPLE * MAXN];
    for (int r = 0; r < REPS; ++r) {
        double t0 = now(), out[MAXN];
        steps = newton = 0;
        for (size_t run = 0; run < m; ++run) {
            double p[MAXN];
            run_params(pb, run, runs, p);
            cv_run(&c, p, out, &steps, &newton);
        }
        times[r] = now() - t0;
    }
    size_t ms = runs < SAMPLE ? runs : SAMPLE;
    long s2 = 0, n2 = 0;
    for (size_t k = 0; k < ms; ++k) {
        double p[MAXN];
        run_params(pb, sample_run(k, runs), runs, p);
        cv_run(&c, p, got + k * MAXN, &s2, &n2);
    }
    cv_close(&c);
    double sec = median(times, REPS);
    printf("cvode %s %zu %.6g %.6g %.1f %.1f %.3g\n", pb->name, m, sec, (double)m / sec,
           (double)steps / (double)m, (double)newton / (double)m, max_err(pb, runs, ref, got));
    fflush(stdout);
}

/* ---- batchode ------------------------------------------------------------------------ */

static int bench_batchode(bo_context *ctx, const problem *pb, const char *backend,
                          const char *algorithm, const char *threads, size_t runs,
                          const double *ref)
{
    bo_model *model = NULL;
    bo_settings *s = NULL;
    bo_solver *solver = NULL;
    bo_batch *batch = NULL;
    bo_results *res = NULL;
    int rc = bo_model_load_string(ctx, pb->model, pb->name, &model);
    if (!rc)
        rc = bo_settings_create(ctx, &s);
    char tend[64];
    snprintf(tend, sizeof tend, "%.17g", pb->t_end);
    const char *keys[] = {"backend",  "algorithm", "rtol",   "atol",
                          "duration", "max_steps", "threads"};
    const char *vals[] = {
        backend, algorithm, "1e-6", pb->atol_setting, tend, "1000000", threads ? threads : "0"};
    size_t nk = threads ? 7 : 6;
    if (!rc)
        rc = bo_settings_update(s, nk, keys, vals, NULL);
    if (!rc)
        rc = bo_solver_create(ctx, model, s, &solver);
    if (!rc)
        rc = bo_batch_create(ctx, model, &batch);
    if (!rc)
        rc = bo_batch_set_grid(batch, BO_GRID_VERBATIM);
    double *vals_p = rc ? NULL : malloc(runs * sizeof *vals_p);
    for (int j = 0; j < pb->np && !rc; ++j) {
        for (size_t r = 0; r < runs; ++r) {
            double p[MAXN];
            run_params(pb, r, runs, p);
            vals_p[r] = p[j];
        }
        rc = bo_batch_set_values(batch, BO_PARAMETER, pb->param_names[j], vals_p, runs);
    }
    free(vals_p);
    double times[REPS];
    for (int r = 0; r <= REPS && !rc; ++r) {
        bo_results_destroy(res);
        res = NULL;
        double t0 = now();
        rc = bo_solver_solve(solver, batch, &res);
        if (r > 0)
            times[r - 1] = now() - t0;
    }
    if (rc) {
        printf("batchode %s %s %s %zu error: %s\n", backend, algorithm, pb->name, runs,
               bo_errmsg(ctx));
    } else {
        double steps = 0, rej = 0, newton = 0;
        for (size_t r = 0; r < runs; ++r) {
            steps += (double)bo_results_steps(res, r);
            rej += (double)bo_results_rejections(res, r);
            newton += (double)bo_results_newton_iters(res, r);
        }
        double got[SAMPLE * MAXN];
        size_t m = runs < SAMPLE ? runs : SAMPLE;
        for (size_t k = 0; k < m; ++k)
            for (int i = 0; i < pb->n; ++i)
                got[k * MAXN + (size_t)i] = bo_results_final(res, sample_run(k, runs), (size_t)i);
        double sec = median(times, REPS);
        printf("batchode %s %s %s %zu %.6g %.6g %.1f %.1f %zu %.3g\n", bo_solver_backend(solver),
               algorithm, pb->name, runs, sec, (double)runs / sec, steps / (double)runs,
               rej / (double)runs, bo_results_failed_count(res), max_err(pb, runs, ref, got));
    }
    fflush(stdout);
    bo_results_destroy(res);
    bo_batch_destroy(batch);
    bo_solver_destroy(solver);
    bo_settings_destroy(s);
    bo_model_destroy(model);
    return rc;
}

/* ---- command line -------------------------------------------------------------------- */

static int in_list(const char *list, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = list; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t l = comma ? (size_t)(comma - p) : strlen(p);
        if (l == len && strncmp(p, name, l) == 0)
            return 1;
        p = comma ? comma + 1 : NULL;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *problem_list = "robertson,vdpol";
    const char *algorithms = "rodas5p,radau5,kvaerno5";
    const char *log2n = "10,12,14";
    const char *backends = "cpu";
    const char *threads = NULL;
    size_t cvode_runs = 4096;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--problems"))
            problem_list = argv[i + 1];
        else if (!strcmp(argv[i], "--algorithms"))
            algorithms = argv[i + 1];
        else if (!strcmp(argv[i], "--log2n"))
            log2n = argv[i + 1];
        else if (!strcmp(argv[i], "--backends"))
            backends = argv[i + 1];
        else if (!strcmp(argv[i], "--threads"))
            threads = argv[i + 1];
        else if (!strcmp(argv[i], "--cvode-runs"))
            cvode_runs = (size_t)strtoul(argv[i + 1], NULL, 10);
        else {
            fprintf(stderr, "bench_stiff: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    bo_context *ctx = NULL;
    if (bo_context_create(&ctx))
        return 1;
    for (size_t q = 0; q < NPROBLEMS; ++q) {
        const problem *pb = &problems[q];
        if (!in_list(problem_list, pb->name))
            continue;
        for (const char *p = log2n; p && *p;) {
            int e = atoi(p);
            size_t runs = (size_t)1 << e;
            double ref[SAMPLE * MAXN];
            if (reference(pb, runs, ref)) {
                printf("reference %s failed\n", pb->name);
                break;
            }
            bench_cvode(pb, runs, cvode_runs, ref);
            for (const char *a = algorithms; a && *a;) {
                const char *comma = strchr(a, ',');
                char alg[64];
                size_t l = comma ? (size_t)(comma - a) : strlen(a);
                snprintf(alg, sizeof alg, "%.*s", (int)l, a);
                for (const char *b = backends; b && *b;) {
                    const char *bc = strchr(b, ',');
                    char be[16];
                    size_t bl = bc ? (size_t)(bc - b) : strlen(b);
                    snprintf(be, sizeof be, "%.*s", (int)bl, b);
                    bench_batchode(ctx, pb, be, alg, threads, runs, ref);
                    b = bc ? bc + 1 : NULL;
                }
                a = comma ? comma + 1 : NULL;
            }
            const char *comma = strchr(p, ',');
            p = comma ? comma + 1 : NULL;
        }
    }
    bo_context_destroy(ctx);
    return 0;
}
