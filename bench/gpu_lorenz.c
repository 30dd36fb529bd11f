/* GPU benchmark: the GPUODEBenchmarks Lorenz ensemble (Utkarsh et al., "Automated translation
 * and accelerated solving of differential equation ensembles on GPU", CMAME 2024) through
 * batchode's CUDA backend, to be set beside the hand-written kernels of
 * bench/lorenz_kernels.cu (bench/run_gpu.sh runs both and joins them in one table):
 *   dx = 10(y - x), dy = rho*x - y - x*z, dz = x*y - (8/3)*z,  (x, y, z)(0) = (1, 0, 0),
 *   t in [0, 1], rho = linspace(0, 21, N), final state only;
 * cases rk4_fixed and tsit5_fixed (dt = 0.001) and tsit5_adaptive (atol = rtol = 1e-8, first
 * step 0.001, batchode's default PI controller), in float32 and float64, N = 2^10 ... 2^24.
 *
 * Per configuration (case, precision), in a fresh compile cache directory:
 *   compile <case> <prec> <create_ms> <nvrtc_ms>   first bo_solver_create (NVRTC compile)
 *   load_memory <case> <prec> <ms>                 a second solver (in-memory module cache)
 *   load_disk <case> <prec> <ms>                   a new solver after cc_mem_clear() (cubin
 *                                                  read from the disk cache and loaded)
 *   load_process <case> <prec> <ms>                the same in a new process, after that
 *                                                  process has initialised CUDA
 * then, per N (the median of the repetitions after one warm-up solve):
 *   batchode <case> <prec> <N> <kernel_ms> <wall_ms> <wall_into_ms> <transfer_ms>
 *   accuracy batchode <case> <prec> <N> <max_rel_err> <steps_per_run> <failed> <ok|FAIL>
 * kernel_ms is the CUDA-event time of the kernels (sv_last_kernel_ms), wall_ms the whole
 * bo_solver_solve (gathering the runs, transfers, building the results), wall_into_ms the whole
 * bo_solver_solve_into that reuses the previous solve's results (a loop of solves), and
 * transfer_ms the CUDA-event time of the host<->device copies (sv_last_transfer_ms). The error is
 * |got - ref| / (|ref| + 1) over up to 1024 evenly spaced runs, against a float64 host RK4 at
 * dt = 1e-4, as in bench/lorenz_kernels.cu. Finally each configuration's bo_solver_info
 * report, as lines "info <case> <prec> | <line>".
 *
 * Usage: bench_gpu_lorenz [--log2n 10,12,...] [--reps R] [--cases c1,c2] [--precs p1,p2]
 *        [--set KEY=VALUE]... (extra settings for every configuration, e.g. max_registers=32)
 *                         [--backend cuda|cpu]
 * Exit 77 when no GPU is usable. --backend cpu runs the same harness on the CPU backend (kernel
 * times then read 0), to check it where there is no GPU. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "batchode.h"
#include "backend/cache.h"
#include "solve/solver_internal.h"

#define MAX_SIZES 24
#define SAMPLE 1024
#define DEFAULT_REPS 10

enum { RK4_FIXED, TSIT5_FIXED, TSIT5_ADAPTIVE, NCASES };
static const char *const case_names[NCASES] = {"rk4_fixed", "tsit5_fixed", "tsit5_adaptive"};
static const char *const prec_names[2] = {"float32", "float64"};

static const char *lorenz_model = "model lorenz_bench\n"
                                  "const sigma = 10, beta = 8/3\n"
                                  "param rho = 21\n"
                                  "state x = 1, y = 0, z = 0\n"
                                  "dx/dt = sigma*(y - x)\n"
                                  "dy/dt = rho*x - y - x*z\n"
                                  "dz/dt = x*y - beta*z\n";
/* A different program, compiled first so that CUDA's one-time start-up (driver, primary
 * context) is not charged to the first configuration's compile or load. */
static const char *probe_model = "model gpubench_probe\n"
                                 "param k = 1.5\n"
                                 "state u = 2.385\n"
                                 "du/dt = -k*u\n";

typedef struct {
    const char *backend;
    int log2n[MAX_SIZES];
    int n_sizes;
    int reps;
    int use_case[NCASES];
    int use_prec[2];
} options;

/* Extra settings for every configuration (--set KEY=VALUE, e.g. max_registers=32). */
#define MAX_EXTRA 8
static const char *extra_keys[MAX_EXTRA];
static const char *extra_vals[MAX_EXTRA];
static size_t n_extra;
static char extra_store[MAX_EXTRA][128];

typedef struct {
    bo_context *ctx;
    bo_model *lorenz;
    bo_model *probe;
} bench_env;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return 1e3 * (double)ts.tv_sec + 1e-6 * (double)ts.tv_nsec;
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

static int in_list(const char *list, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == len && strncmp(p, name, len) == 0)
            return 1;
        p = end ? end + 1 : NULL;
    }
    return 0;
}

static int parse_options(int argc, char **argv, options *o)
{
    static const int default_sizes[] = {10, 12, 14, 16, 18, 20, 22, 24};
    memset(o, 0, sizeof *o);
    o->backend = "cuda";
    o->reps = DEFAULT_REPS;
    o->n_sizes = (int)(sizeof default_sizes / sizeof default_sizes[0]);
    memcpy(o->log2n, default_sizes, sizeof default_sizes);
    for (int c = 0; c < NCASES; ++c)
        o->use_case[c] = 1;
    o->use_prec[0] = o->use_prec[1] = 1;
    for (int a = 1; a < argc; ++a) {
        const char *v = a + 1 < argc ? argv[a + 1] : NULL;
        if (!v)
            return -1;
        if (strcmp(argv[a], "--log2n") == 0) {
            o->n_sizes = 0;
            for (const char *p = v; *p && o->n_sizes < MAX_SIZES;) {
                char *end = NULL;
                long k = strtol(p, &end, 10);
                if (end == p || k < 1 || k > 30)
                    return -1;
                o->log2n[o->n_sizes++] = (int)k;
                p = *end == ',' ? end + 1 : end;
            }
        } else if (strcmp(argv[a], "--reps") == 0) {
            o->reps = atoi(v);
            if (o->reps < 1)
                return -1;
        } else if (strcmp(argv[a], "--cases") == 0) {
            for (int c = 0; c < NCASES; ++c)
                o->use_case[c] = in_list(v, case_names[c]);
        } else if (strcmp(argv[a], "--precs") == 0) {
            for (int p = 0; p < 2; ++p)
                o->use_prec[p] = in_list(v, prec_names[p]);
        } else if (strcmp(argv[a], "--backend") == 0) {
            o->backend = v;
        } else if (strcmp(argv[a], "--set") == 0) {
            const char *eq = strchr(v, '=');
            if (!eq || n_extra == MAX_EXTRA || strlen(v) >= sizeof extra_store[0])
                return -1;
            char *kv = extra_store[n_extra];
            memcpy(kv, v, strlen(v) + 1);
            kv[eq - v] = '\0';
            extra_keys[n_extra] = kv;
            extra_vals[n_extra++] = kv + (eq - v) + 1;
        } else {
            return -1;
        }
        ++a;
    }
    return 0;
}

/* Settings of one configuration: the fixed cases take dt = 0.001; the adaptive one starts
 * with dt = 0.001 and keeps batchode's defaults for tsit5 (PI, kp 0.7, ki -0.4, gains
 * [0.2, 10], safety 0.9: docs/controllers.md). */
static int make_settings(bo_context *ctx, const char *backend, int c, int prec, bo_settings **out)
{
    const char *keys[7] = {"backend", "precision", "algorithm", "dt", "step_controller"};
    const char *vals[7] = {backend, prec_names[prec], c == RK4_FIXED ? "rk4" : "tsit5", "0.001",
                           "fixed"};
    size_t count = 5;
    if (c == TSIT5_ADAPTIVE) {
        vals[4] = "auto";
        keys[count] = "atol";
        vals[count++] = "1e-8";
        keys[count] = "rtol";
        vals[count++] = "1e-8";
    }
    *out = NULL;
    int rc = bo_settings_create(ctx, out);
    if (rc == BO_OK)
        rc = bo_settings_update(*out, count, keys, vals, NULL);
    if (rc == BO_OK && n_extra)
        rc = bo_settings_update(*out, n_extra, extra_keys, extra_vals, NULL);
    if (rc != BO_OK) {
        bo_settings_destroy(*out);
        *out = NULL;
    }
    return rc;
}

static int create_timed(bench_env *e, const bo_model *m, const bo_settings *s, bo_solver **out,
                        double *ms)
{
    double t0 = now_ms();
    int rc = bo_solver_create(e->ctx, m, s, out);
    *ms = now_ms() - t0;
    return rc;
}

static int create_config(bench_env *e, const char *backend, int c, int prec, bo_solver **out,
                         double *ms)
{
    bo_settings *s = NULL;
    int rc = make_settings(e->ctx, backend, c, prec, &s);
    if (rc == BO_OK)
        rc = create_timed(e, e->lorenz, s, out, ms);
    bo_settings_destroy(s);
    return rc;
}

static int create_probe(bench_env *e, const char *backend, bo_solver **out, double *ms)
{
    bo_settings *s = NULL;
    int rc = bo_settings_create(e->ctx, &s);
    if (rc == BO_OK)
        rc = bo_settings_set(s, "backend", backend);
    if (rc == BO_OK)
        rc = create_timed(e, e->probe, s, out, ms);
    bo_settings_destroy(s);
    return rc;
}

/* NVRTC milliseconds from the info report's "compile: N ms (NVRTC, cache miss)"; 0 when the
 * program came from a cache (or from the CPU backend, which reports no compile line). */
static double nvrtc_ms(const bo_solver *sv)
{
    char *info = NULL;
    double ms = 0.0;
    if (bo_solver_info(sv, &info) == BO_OK) {
        const char *p = strstr(info, "compile: ");
        if (p && strstr(p, "NVRTC"))
            ms = strtod(p + strlen("compile: "), NULL);
    }
    bo_free(info);
    return ms;
}

static void print_info(const bo_solver *sv, int c, int prec)
{
    char *info = NULL;
    if (bo_solver_info(sv, &info) != BO_OK)
        return;
    for (char *line = info; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        printf("info %s %s | %s\n", case_names[c], prec_names[prec], line);
        line = nl ? nl + 1 : NULL;
    }
    bo_free(info);
}

/* ---- the float64 reference ------------------------------------------------------------- */

static void lorenz_rhs(double rho, const double *u, double *f)
{
    f[0] = 10.0 * (u[1] - u[0]);
    f[1] = rho * u[0] - u[1] - u[0] * u[2];
    f[2] = u[0] * u[1] - (8.0 / 3.0) * u[2];
}

/* RK4 at dt = 1e-4: its global error here is about 7.5e-10 at dt = 1e-3 (bench/RESULTS.md,
 * against GSL rk8pd at 1e-13), so about 1e-13 at 1e-4, far below every error measured. */
static void reference(double rho, double *u)
{
    const int steps = 10000;
    const double h = 1.0 / steps;
    double k1[3], k2[3], k3[3], k4[3], v[3];
    u[0] = 1.0;
    u[1] = 0.0;
    u[2] = 0.0;
    for (int s = 0; s < steps; ++s) {
        lorenz_rhs(rho, u, k1);
        for (int j = 0; j < 3; ++j)
            v[j] = u[j] + 0.5 * h * k1[j];
        lorenz_rhs(rho, v, k2);
        for (int j = 0; j < 3; ++j)
            v[j] = u[j] + 0.5 * h * k2[j];
        lorenz_rhs(rho, v, k3);
        for (int j = 0; j < 3; ++j)
            v[j] = u[j] + h * k3[j];
        lorenz_rhs(rho, v, k4);
        for (int j = 0; j < 3; ++j)
            u[j] += h / 6.0 * (k1[j] + 2.0 * k2[j] + 2.0 * k3[j] + k4[j]);
    }
}

/* Far above the expected errors (float64: RK4 ~1e-9, Tsit5 fixed ~1e-12, adaptive at 1e-8
 * ~1e-8; float32: rounding over 10^3 steps ~1e-5), far below the O(1) error of a wrong
 * result. The same bounds as bench/lorenz_kernels.cu. */
static double error_bound(int c, int prec)
{
    if (prec == 0)
        return 1e-3;
    return c == TSIT5_ADAPTIVE ? 1e-6 : 1e-8;
}

/* ---- one measurement ------------------------------------------------------------------- */

typedef struct {
    size_t n;
    size_t n_sample;
    size_t sample[SAMPLE];
    double ref[3 * SAMPLE];
} truth;

static void make_truth(truth *t, size_t n, const double *rho)
{
    t->n = n;
    t->n_sample = n < SAMPLE ? n : SAMPLE;
    for (size_t k = 0; k < t->n_sample; ++k) {
        t->sample[k] = t->n_sample == n
                           ? k
                           : (size_t)((double)k * (double)(n - 1) / (double)(t->n_sample - 1));
        reference(rho[t->sample[k]], &t->ref[3 * k]);
    }
}

/* Solves reps times after a warm-up; prints the timing and accuracy lines. Returns -1 when a
 * solve fails, 1 when the accuracy check fails, 0 otherwise. */
static int measure(bench_env *e, bo_solver *sv, const bo_batch *b, const truth *t, int c, int prec,
                   int reps)
{
    double *wall = malloc((size_t)reps * sizeof *wall);
    double *kern = malloc((size_t)reps * sizeof *kern);
    double *into = malloc((size_t)reps * sizeof *into);
    double *xfer = malloc((size_t)reps * sizeof *xfer);
    bo_results *r = NULL;
    int rc = wall && kern && into && xfer ? bo_solver_solve(sv, b, &r) : BO_ERR_NOMEM;
    for (int k = 0; rc == BO_OK && k < reps; ++k) {
        bo_results_destroy(r);
        r = NULL;
        double t0 = now_ms();
        rc = bo_solver_solve(sv, b, &r);
        wall[k] = now_ms() - t0;
        kern[k] = (double)sv_last_kernel_ms(sv);
        xfer[k] = (double)sv_last_transfer_ms(sv);
    }
    /* The loop of an inference or optimisation: each solve reuses the last one's results. */
    if (rc == BO_OK)
        rc = bo_solver_solve_into(sv, b, &r);
    double phases[SV_PHASES] = {0}, ph[SV_PHASES];
    for (int k = 0; rc == BO_OK && k < reps; ++k) {
        double t0 = now_ms();
        rc = bo_solver_solve_into(sv, b, &r);
        into[k] = now_ms() - t0;
        sv_last_phases(sv, ph);
        for (int j = 0; j < SV_PHASES; ++j)
            phases[j] += ph[j] / reps;
    }
    if (rc == BO_OK)
        printf("phases %s %s %zu setup %.3f fill %.3f gather %.3f wait %.3f scatter %.3f\n",
               case_names[c], prec_names[prec], t->n, phases[0], phases[1], phases[2], phases[3],
               phases[4]);
    if (rc != BO_OK) {
        fprintf(stderr, "bench_gpu_lorenz: %s %s N=%zu: %s\n", case_names[c], prec_names[prec],
                t->n, bo_errmsg(e->ctx));
        bo_results_destroy(r);
        free(wall);
        free(kern);
        free(into);
        free(xfer);
        return -1;
    }
    double worst = 0.0, steps = 0.0;
    for (size_t k = 0; k < t->n_sample; ++k)
        for (size_t j = 0; j < 3; ++j) {
            double want = t->ref[3 * k + j];
            double err = fabs(bo_results_final(r, t->sample[k], j) - want) / (fabs(want) + 1.0);
            if (!(err <= worst))
                worst = err; /* NaN sticks */
        }
    for (size_t run = 0; run < t->n; ++run)
        steps += (double)bo_results_steps(r, run);
    size_t failed = bo_results_failed_count(r);
    int ok = worst <= error_bound(c, prec) && failed == 0;
    printf("batchode %s %s %zu %.4f %.4f %.4f %.4f\n", case_names[c], prec_names[prec], t->n,
           median(kern, reps), median(wall, reps), median(into, reps), median(xfer, reps));
    printf("accuracy batchode %s %s %zu %.3e %.1f %zu %s\n", case_names[c], prec_names[prec], t->n,
           worst, steps / (double)t->n, failed, ok ? "ok" : "FAIL");
    fflush(stdout);
    bo_results_destroy(r);
    free(wall);
    free(kern);
    free(into);
    free(xfer);
    return ok ? 0 : 1;
}

/* ---- compile and load times ------------------------------------------------------------ */

/* Child mode (--load-only CASE PREC BACKEND): in a new process with the parent's cache
 * directory, start CUDA with the probe program (a disk-cache hit), then time the creation of
 * the configuration's solver (a disk-cache hit: read, check, load the cubin). */
static int load_only(bench_env *e, const char *case_name, const char *prec_name,
                     const char *backend)
{
    int c = 0, prec = 0;
    while (c < NCASES && strcmp(case_names[c], case_name) != 0)
        ++c;
    while (prec < 2 && strcmp(prec_names[prec], prec_name) != 0)
        ++prec;
    if (c == NCASES || prec == 2)
        return 2;
    bo_solver *probe = NULL, *sv = NULL;
    double ms_probe = 0.0, ms = 0.0;
    int rc = create_probe(e, backend, &probe, &ms_probe);
    if (rc == BO_OK)
        rc = create_config(e, backend, c, prec, &sv, &ms);
    if (rc == BO_OK)
        printf("load_process %s %s %.2f\n", case_name, prec_name, ms);
    else
        fprintf(stderr, "bench_gpu_lorenz: load in a new process: %s\n", bo_errmsg(e->ctx));
    bo_solver_destroy(sv);
    bo_solver_destroy(probe);
    return rc == BO_OK ? 0 : 1;
}

static void load_in_new_process(const char *backend, int c, int prec)
{
    char self[4096];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0) {
        fprintf(stderr, "bench_gpu_lorenz: cannot find /proc/self/exe; no load_process line\n");
        return;
    }
    self[len] = '\0';
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        char *args[] = {self,
                        (char *)"--load-only",
                        (char *)case_names[c],
                        (char *)prec_names[prec],
                        (char *)backend,
                        NULL};
        execv(self, args);
        _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0)
        fprintf(stderr, "bench_gpu_lorenz: the load in a new process failed\n");
}

/* Times the cold compile and the three kinds of cache hit of one configuration; *out is the
 * solver used for the measurements. */
static int compile_and_load(bench_env *e, const char *backend, int c, int prec, bo_solver **out)
{
    double ms_cold = 0.0, ms_mem = 0.0, ms_disk = 0.0;
    bo_solver *again = NULL;
    int rc = create_config(e, backend, c, prec, out, &ms_cold);
    if (rc != BO_OK)
        return rc;
    printf("compile %s %s %.2f %.2f\n", case_names[c], prec_names[prec], ms_cold, nvrtc_ms(*out));
    rc = create_config(e, backend, c, prec, &again, &ms_mem);
    bo_solver_destroy(again);
    again = NULL;
    if (rc != BO_OK)
        return rc;
    printf("load_memory %s %s %.2f\n", case_names[c], prec_names[prec], ms_mem);
    /* Live solvers keep their modules (and CUDA's primary context) while the map forgets. */
    cc_mem_clear();
    rc = create_config(e, backend, c, prec, &again, &ms_disk);
    bo_solver_destroy(again);
    if (rc != BO_OK)
        return rc;
    printf("load_disk %s %s %.2f\n", case_names[c], prec_names[prec], ms_disk);
    load_in_new_process(backend, c, prec);
    fflush(stdout);
    return BO_OK;
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *ent;
        while ((ent = readdir(d)) != NULL) {
            if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
                continue;
            size_t len = strlen(dir) + strlen(ent->d_name) + 2;
            char *path = malloc(len);
            if (path) {
                snprintf(path, len, "%s/%s", dir, ent->d_name);
                unlink(path);
                free(path);
            }
        }
        closedir(d);
    }
    rmdir(dir);
}

static int run_all(bench_env *e, const options *o)
{
    bo_solver *sv[NCASES][2] = {{NULL, NULL}, {NULL, NULL}, {NULL, NULL}};
    bo_solver *probe = NULL;
    double ms_probe = 0.0;
    int rc = create_probe(e, o->backend, &probe, &ms_probe);
    if (rc == BO_ERR_BACKEND) {
        fprintf(stderr, "bench_gpu_lorenz: skipped, no usable GPU: %s\n", bo_errmsg(e->ctx));
        return 77;
    }
    if (rc != BO_OK) {
        fprintf(stderr, "bench_gpu_lorenz: %s\n", bo_errmsg(e->ctx));
        return 1;
    }
    printf("# backend %s; first solver of the process (CUDA start-up and a small compile): "
           "%.0f ms\n",
           bo_solver_backend(probe), ms_probe);
    int failures = 0;
    for (int c = 0; c < NCASES && rc == BO_OK; ++c)
        for (int p = 0; p < 2 && rc == BO_OK; ++p)
            if (o->use_case[c] && o->use_prec[p])
                rc = compile_and_load(e, o->backend, c, p, &sv[c][p]);
    if (rc != BO_OK)
        fprintf(stderr, "bench_gpu_lorenz: %s\n", bo_errmsg(e->ctx));
    truth *t = malloc(sizeof *t);
    if (!t)
        rc = BO_ERR_NOMEM;
    for (int s = 0; s < o->n_sizes && rc == BO_OK; ++s) {
        size_t n = (size_t)1 << o->log2n[s];
        double *rho = malloc(n * sizeof *rho);
        bo_batch *b = NULL;
        if (!rho) {
            rc = BO_ERR_NOMEM;
            break;
        }
        for (size_t r = 0; r < n; ++r)
            rho[r] = 21.0 * (double)r / (double)(n - 1);
        make_truth(t, n, rho);
        rc = bo_batch_create(e->ctx, e->lorenz, &b);
        if (rc == BO_OK)
            rc = bo_batch_set_values(b, BO_PARAMETER, "rho", rho, n);
        free(rho);
        for (int c = 0; c < NCASES && rc == BO_OK; ++c)
            for (int p = 0; p < 2 && rc == BO_OK; ++p) {
                if (!sv[c][p])
                    continue;
                int m = measure(e, sv[c][p], b, t, c, p, o->reps);
                if (m < 0)
                    rc = BO_ERR_DEVICE;
                failures += m > 0;
            }
        bo_batch_destroy(b);
    }
    free(t);
    for (int c = 0; c < NCASES; ++c)
        for (int p = 0; p < 2; ++p) {
            if (sv[c][p])
                print_info(sv[c][p], c, p);
            bo_solver_destroy(sv[c][p]);
        }
    bo_solver_destroy(probe);
    if (failures)
        fprintf(stderr, "bench_gpu_lorenz: %d accuracy check%s failed (FAIL lines)\n", failures,
                failures == 1 ? "" : "s");
    return rc != BO_OK || failures ? 1 : 0;
}

int main(int argc, char **argv)
{
    options o;
    bench_env e = {NULL, NULL, NULL};
    int child = argc == 5 && strcmp(argv[1], "--load-only") == 0;
    if (!child && parse_options(argc, argv, &o) != 0) {
        fprintf(stderr, "usage: bench_gpu_lorenz [--log2n 10,12,...] [--reps R] "
                        "[--cases rk4_fixed,tsit5_fixed,tsit5_adaptive] "
                        "[--precs float32,float64] [--backend cuda|cpu]\n");
        return 2;
    }
    if (bo_context_create(&e.ctx) != BO_OK ||
        bo_model_load_string(e.ctx, lorenz_model, NULL, &e.lorenz) != BO_OK ||
        bo_model_load_string(e.ctx, probe_model, NULL, &e.probe) != BO_OK) {
        fprintf(stderr, "bench_gpu_lorenz: %s\n", e.ctx ? bo_errmsg(e.ctx) : "no memory");
        bo_model_destroy(e.lorenz);
        bo_context_destroy(e.ctx);
        return 1;
    }
    int rc;
    if (child) {
        rc = load_only(&e, argv[2], argv[3], argv[4]);
    } else {
        /* A fresh, empty cache directory: the first compile of each program is cold. */
        char dir[] = "/tmp/bo-gpubench-XXXXXX";
        if (!mkdtemp(dir) || setenv("BATCHODE_CACHE_DIR", dir, 1) != 0) {
            fprintf(stderr, "bench_gpu_lorenz: cannot make a temporary cache directory\n");
            rc = 1;
        } else {
            rc = run_all(&e, &o);
            cc_mem_clear();
            remove_dir(dir);
        }
    }
    bo_model_destroy(e.probe);
    bo_model_destroy(e.lorenz);
    bo_context_destroy(e.ctx);
    return rc;
}
