/* Results writers: the time bo_results_write takes for CSV against NPY on one solved sweep, side
 * by side in one process. The default sweep is the one users reported, the Lorenz model of
 * examples/lorenz.ode with rho = 0:21:2^20 (t in [0, 1], the CLI's default settings, final
 * state only), which makes a 100 MB final.csv and 105 MB of .npy files.
 *
 *   bench_writers [--model FILE] [--log2n N] [--reps R] [--save-every S] [--threads N]
 *                 [--dir DIR]
 *
 * The sweep is solved once; then each repetition writes CSV into DIR/csv and NPY into DIR/npy
 * (alternating, so both see the same state of the machine), timing each whole
 * bo_results_write call (formatting, writing, syncing and renaming every file). The table
 * gives the median, the fastest and the slowest of R repetitions (default 7), the bytes
 * written, CSV's median over NPY's, and the median user and system CPU time of a write (all
 * threads), which other work on the machine disturbs less than the wall time. --save-every adds the
 * time series (series.csv / series.npy); --threads sets the solver's threads setting, which the CSV
 * writer formats with (default: every core). DIR defaults to a fresh directory under /tmp, removed
 * at the end. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "batchode.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* User (sys = 0) or system (sys = 1) CPU seconds of the process (all threads). */
static double cpu_seconds(int sys)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    struct timeval t = sys ? ru.ru_stime : ru.ru_utime;
    return (double)t.tv_sec + 1e-6 * (double)t.tv_usec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Bytes and count of the regular files in dir. */
static double dir_bytes(const char *dir, int *files)
{
    DIR *d = opendir(dir);
    double total = 0;
    *files = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char p[4096];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
            total += (double)st.st_size;
            ++*files;
        }
    }
    if (d)
        closedir(d);
    return total;
}

static void die(bo_context *ctx, const char *what)
{
    fprintf(stderr, "bench_writers: %s: %s\n", what, bo_errmsg(ctx));
    exit(1);
}

int main(int argc, char **argv)
{
    const char *model_path = "examples/lorenz.ode", *save_every = NULL, *dir_arg = NULL,
               *threads = NULL;
    int log2n = 20, reps = 7;
    for (int i = 1; i < argc; ++i) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--model") == 0 && v)
            model_path = v;
        else if (strcmp(argv[i], "--log2n") == 0 && v)
            log2n = atoi(v);
        else if (strcmp(argv[i], "--reps") == 0 && v)
            reps = atoi(v);
        else if (strcmp(argv[i], "--save-every") == 0 && v)
            save_every = v;
        else if (strcmp(argv[i], "--dir") == 0 && v)
            dir_arg = v;
        else if (strcmp(argv[i], "--threads") == 0 && v)
            threads = v;
        else {
            fprintf(stderr, "usage: bench_writers [--model FILE] [--log2n N] [--reps R] "
                            "[--save-every S] [--threads N] [--dir DIR]\n");
            return 2;
        }
        ++i;
    }
    if (log2n < 1 || log2n > 30 || reps < 1 || reps > 1000) {
        fprintf(stderr, "bench_writers: --log2n must be 1..30 and --reps 1..1000\n");
        return 2;
    }
    char tmpl[] = "/tmp/bench_writers_XXXXXX", dir[4096], sub[2][4200];
    if (dir_arg)
        snprintf(dir, sizeof dir, "%s", dir_arg);
    else if (mkdtemp(tmpl))
        snprintf(dir, sizeof dir, "%s", tmpl);
    else {
        perror("bench_writers: mkdtemp");
        return 1;
    }
    static const char *const formats[2] = {"csv", "npy"};
    for (int f = 0; f < 2; ++f)
        snprintf(sub[f], sizeof sub[f], "%s/%s", dir, formats[f]);

    bo_context *ctx;
    bo_model *model;
    bo_settings *set;
    bo_solver *solver;
    bo_batch *batch;
    bo_results *res = NULL;
    if (bo_context_create(&ctx) != BO_OK)
        return 1;
    if (bo_model_load_file(ctx, model_path, &model) != BO_OK)
        die(ctx, model_path);
    if (bo_settings_create(ctx, &set) != BO_OK ||
        (save_every && bo_settings_set(set, "save_every", save_every) != BO_OK) ||
        (threads && bo_settings_set(set, "threads", threads) != BO_OK))
        die(ctx, "settings");
    if (bo_solver_create(ctx, model, set, &solver) != BO_OK)
        die(ctx, "solver");
    char spec[64];
    snprintf(spec, sizeof spec, "0:21:%lu", 1ul << log2n);
    if (bo_batch_create(ctx, model, &batch) != BO_OK ||
        bo_batch_set_spec(batch, BO_PARAMETER, "rho", spec) != BO_OK)
        die(ctx, "batch");
    double t0 = now();
    if (bo_solver_solve(solver, batch, &res) != BO_OK)
        die(ctx, "solve");
    double t_solve = now() - t0;

    double *times[2], *user[2], *sys[2];
    for (int f = 0; f < 2; ++f) {
        times[f] = calloc((size_t)reps, sizeof(double));
        user[f] = calloc((size_t)reps, sizeof(double));
        sys[f] = calloc((size_t)reps, sizeof(double));
        if (!times[f] || !user[f] || !sys[f])
            return 1;
    }
    for (int r = 0; r < reps; ++r) {
        for (int f = 0; f < 2; ++f) {
            double u0 = cpu_seconds(0), s0 = cpu_seconds(1);
            t0 = now();
            if (bo_results_write(res, sub[f], formats[f]) != BO_OK)
                die(ctx, "write");
            times[f][r] = now() - t0;
            user[f][r] = cpu_seconds(0) - u0;
            sys[f][r] = cpu_seconds(1) - s0;
        }
    }

    char host[256] = "?";
    gethostname(host, sizeof host);
    printf("sweep: %s, rho = %s (%zu runs), save_every = %s; solve %.3f s; %ld cores; "
           "library %s; medians of %d writes into %s\n\n",
           model_path, spec, bo_results_run_count(res), save_every ? save_every : "none", t_solve,
           sysconf(_SC_NPROCESSORS_ONLN), bo_version(), reps, dir);
    printf("| format | files | MB written | median s | fastest s | slowest s | MB/s | "
           "median / npy median | user CPU s | system CPU s |\n"
           "|---|---|---|---|---|---|---|---|---|---|\n");
    double med[2];
    for (int f = 0; f < 2; ++f) {
        qsort(times[f], (size_t)reps, sizeof(double), cmp_double);
        qsort(user[f], (size_t)reps, sizeof(double), cmp_double);
        qsort(sys[f], (size_t)reps, sizeof(double), cmp_double);
        med[f] = times[f][reps / 2];
    }
    for (int f = 0; f < 2; ++f) {
        int files;
        double mb = dir_bytes(sub[f], &files) / 1e6;
        printf("| %s | %d | %.1f | %.3f | %.3f | %.3f | %.0f | %.2f | %.3f | %.3f |\n", formats[f],
               files, mb, med[f], times[f][0], times[f][reps - 1], mb / med[f], med[f] / med[1],
               user[f][reps / 2], sys[f][reps / 2]);
    }
    if (!dir_arg) {
        char cmd[4200];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "bench_writers: could not remove %s\n", dir);
    }
    for (int f = 0; f < 2; ++f) {
        free(times[f]);
        free(user[f]);
        free(sys[f]);
    }
    bo_results_destroy(res);
    bo_batch_destroy(batch);
    bo_solver_destroy(solver);
    bo_settings_destroy(set);
    bo_model_destroy(model);
    bo_context_destroy(ctx);
    return 0;
}
