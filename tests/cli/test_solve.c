/* `batchode solve` end to end on exponential decay, y' = -k*y, whose exact solution is
 * y(t) = y0 exp(-k (t - t0)): the final.csv header and values, the stdout table, value
 * sweeps (a:b:n, lists, combinatorial order, verbatim pairing, run files), NPY output with a
 * valid header, the summary line, a failing run (dt_min too large for a stiff k) that must
 * exit 3 (results written, some runs failed) and name the run, time spans that round away or
 * saves closer than time can resolve (refused as usage errors before anything is written), run
 * files the reader must reject, and initial values written with parameters, which must start
 * each run from its own parameters. */
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli_util.h"
#include "harness.h"

/* A parsed CSV table of numbers below a header line. */
enum { MAX_ROWS = 64, MAX_COLS = 8 };
typedef struct {
    char header[256];
    size_t rows, cols;
    double v[MAX_ROWS][MAX_COLS];
} table;

static int parse_table(const char *text, table *t)
{
    memset(t, 0, sizeof *t);
    if (!text)
        return -1;
    size_t hl = strcspn(text, "\n");
    if (hl >= sizeof t->header || text[hl] != '\n')
        return -1;
    memcpy(t->header, text, hl);
    const char *p = text + hl + 1;
    while (*p && t->rows < MAX_ROWS) {
        size_t c = 0;
        while (*p && *p != '\n') {
            char *end;
            double x = strtod(p, &end);
            if (end == p || c >= MAX_COLS)
                return -1;
            t->v[t->rows][c++] = x;
            p = end;
            if (*p == ',')
                ++p;
        }
        if (t->rows == 0)
            t->cols = c;
        else if (c != t->cols)
            return -1;
        ++t->rows;
        if (*p == '\n')
            ++p;
    }
    return 0;
}

static double exact(double y0, double k, double elapsed)
{
    return y0 * exp(-k * elapsed);
}

static const char decay_model[] = "# exponential decay, y(t) = y0 exp(-k t)\n"
                                  "model decay\n"
                                  "param k = 1.5\n"
                                  "state y = 2.385\n"
                                  "dy/dt = -k*y\n";

/* Columns of final.csv for the decay model. */
enum { C_RUN, C_STATUS, C_T, C_K, C_Y0, C_Y };

static void check_decay_row(const table *t, size_t row, double k, double y0, double t_end,
                            double elapsed, double tol)
{
    T_EQ_INT(t->v[row][C_RUN], row);
    T_EQ_INT(t->v[row][C_STATUS], 0);
    T_REL(t->v[row][C_T], t_end, 1e-12);
    T_REL(t->v[row][C_K], k, 1e-15);
    T_REL(t->v[row][C_Y0], y0, 1e-15);
    T_REL(t->v[row][C_Y], exact(y0, k, elapsed), tol);
}

static void test_final_csv(void)
{
    table t;
    /* Default tolerances (1e-6): the global error of tsit5 stays within a few tolerances. */
    T_EQ_INT(run("solve decay.ode --t0 0.5 --duration 1.25 -o out1"), 0);
    T_EQ_STR(out_text, "");
    char *csv = read_in_dir("out1/final.csv", NULL);
    T_CHECK(parse_table(csv, &t) == 0);
    T_EQ_STR(t.header, "run,status,t,k,y_0,y");
    T_EQ_INT(t.rows, 1);
    T_EQ_INT(t.cols, 6);
    check_decay_row(&t, 0, 1.5, 2.385, 1.75, 1.25, 1e-5);
    free(csv);
    /* The summary line, computed from the results (stderr is not a terminal: no bar). */
    T_CONTAINS(err_text, "batchode: 1 runs, 0 failed, ");
    T_CONTAINS(err_text, " steps/s (");
    T_CONTAINS(err_text, ", tsit5, float64)");
    T_CHECK(strchr(err_text, '\r') == NULL);

    /* The same run printed to stdout: the same columns, the same numbers. */
    T_EQ_INT(run("solve decay.ode --t0=0.5 --duration=1.25 --quiet"), 0);
    T_EQ_STR(err_text, "");
    T_CHECK(parse_table(out_text, &t) == 0);
    T_EQ_STR(t.header, "run,status,t,k,y_0,y");
    T_EQ_INT(t.rows, 1);
    check_decay_row(&t, 0, 1.5, 2.385, 1.75, 1.25, 1e-5);
}

static void test_sweeps(void)
{
    table t;
    /* a:b:n: 4 values 0.5, 1, 1.5, 2 in order; tight tolerances, checked to 1e-7. */
    T_EQ_INT(run("solve decay.ode --param k=0.5:2:4 --rtol 1e-10 --atol 1e-12 --output=out2"), 0);
    char *csv = read_in_dir("out2/final.csv", NULL);
    T_CHECK(parse_table(csv, &t) == 0);
    free(csv);
    T_EQ_STR(t.header, "run,status,t,k,y_0,y");
    T_EQ_INT(t.rows, 4);
    for (size_t i = 0; i < 4 && i < t.rows; ++i)
        check_decay_row(&t, i, 0.5 + 0.5 * (double)i, 2.385, 1.0, 1.0, 1e-7);

    /* Combinatorial: the variable given first varies slowest. */
    T_EQ_INT(run("solve decay.ode --param k=1.25,2.5 --init y=3.5,4.75,6 -q --rtol 1e-10 "
                 "--atol 1e-12"),
             0);
    T_CHECK(parse_table(out_text, &t) == 0);
    T_EQ_INT(t.rows, 6);
    static const double ks[] = {1.25, 2.5}, ys[] = {3.5, 4.75, 6.0};
    for (size_t i = 0; i < 6 && i < t.rows; ++i)
        check_decay_row(&t, i, ks[i / 3], ys[i % 3], 1.0, 1.0, 1e-7);
    T_EQ_INT(run("solve decay.ode --init y=3.5,4.75,6 --param k=1.25,2.5 -q --rtol 1e-10 "
                 "--atol 1e-12"),
             0);
    T_CHECK(parse_table(out_text, &t) == 0);
    T_EQ_INT(t.rows, 6);
    for (size_t i = 0; i < 6 && i < t.rows; ++i)
        check_decay_row(&t, i, ks[i % 2], ys[i / 2], 1.0, 1.0, 1e-7);

    /* Verbatim: paired element-wise; a single value broadcasts. */
    T_EQ_INT(run("solve decay.ode --grid verbatim --param k=0.75,1.25,3 --init y=4,5,6 -q "
                 "--rtol 1e-10 --atol 1e-12"),
             0);
    T_CHECK(parse_table(out_text, &t) == 0);
    T_EQ_INT(t.rows, 3);
    static const double vk[] = {0.75, 1.25, 3.0}, vy[] = {4.0, 5.0, 6.0};
    for (size_t i = 0; i < 3 && i < t.rows; ++i)
        check_decay_row(&t, i, vk[i], vy[i], 1.0, 1.0, 1e-7);
    T_EQ_INT(run("solve decay.ode --set grid=verbatim --param k=0.75,1.25,3 --init y=4 -q "
                 "--rtol 1e-10 --atol 1e-12"),
             0);
    T_CHECK(parse_table(out_text, &t) == 0);
    T_EQ_INT(t.rows, 3);
    for (size_t i = 0; i < 3 && i < t.rows; ++i)
        check_decay_row(&t, i, vk[i], 4.0, 1.0, 1.0, 1e-7);

    /* A run file: one run per row, columns paired. */
    write_file("runs.csv", "k,y\n0.5,1.5\n2.25,3.125\n");
    T_EQ_INT(run("solve decay.ode --runs runs.csv -q --rtol 1e-10 --atol 1e-12"), 0);
    T_CHECK(parse_table(out_text, &t) == 0);
    T_EQ_INT(t.rows, 2);
    if (t.rows == 2) {
        check_decay_row(&t, 0, 0.5, 1.5, 1.0, 1.0, 1e-7);
        check_decay_row(&t, 1, 2.25, 3.125, 1.0, 1.0, 1e-7);
    }
    T_EQ_INT(run("solve decay.ode --runs no-such-runs.csv -q"), 1);
    T_CONTAINS(err_text, "batchode: ");

    /* A quote inside an unquoted header field used to hide the later commas from the field
     * count and overflow the reader's arrays (a crash from a 4 KB file): now an error at the
     * quote. */
    write_file("q.csv", "k\"a,y\n1,2\n");
    T_EQ_INT(run("solve decay.ode --runs q.csv -q"), 1);
    T_CONTAINS(err_text, "q.csv:1:2: quote inside an unquoted field");
    char path[600];
    snprintf(path, sizeof path, "%s/q4k.csv", dir);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs("k\"a", f);
        for (int i = 0; i < 2000; ++i)
            fputs(",y", f);
        fputs("\n1,2\n", f);
        fclose(f);
    }
    T_EQ_INT(run("solve decay.ode --runs q4k.csv -q"), 1);
    T_CONTAINS(err_text, "q4k.csv:1:2: quote inside an unquoted field");
    /* A NUL byte is an error at its position, not the end of the field (1<NUL>2 read as 1). */
    snprintf(path, sizeof path, "%s/nul.csv", dir);
    f = fopen(path, "wb");
    if (f) {
        fwrite("k,y\n1\0002,3\n", 1, 11, f);
        fclose(f);
    }
    T_EQ_INT(run("solve decay.ode --runs nul.csv -q"), 1);
    T_CONTAINS(err_text, "nul.csv:2:2: NUL byte");
    write_file("hex.csv", "k,y\n0x10,3\n");
    T_EQ_INT(run("solve decay.ode --runs hex.csv -q"), 1);
    T_CONTAINS(err_text, "hex.csv:2:1: not a number: '0x10' for column 'k' (hexadecimal numbers "
                         "are not accepted)");
}

/* Little-endian readers for the NPY header length and float64 data. */
static unsigned read_u16le(const unsigned char *p)
{
    return (unsigned)p[0] | ((unsigned)p[1] << 8);
}

static double read_f64le(const unsigned char *p)
{
    uint64_t bits = 0;
    for (int i = 7; i >= 0; --i)
        bits = (bits << 8) | p[i];
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

static void test_npy(void)
{
    T_EQ_INT(run("solve decay.ode --param k=1.5,0.625 -o out3 --format npy -q"), 0);
    size_t len = 0;
    unsigned char *npy = (unsigned char *)read_in_dir("out3/final.npy", &len);
    T_CHECK(npy != NULL);
    if (!npy)
        return;
    T_CHECK(len >= 10 && memcmp(npy, "\x93NUMPY", 6) == 0);
    T_EQ_INT(npy[6], 1);
    T_EQ_INT(npy[7], 0);
    unsigned hlen = read_u16le(npy + 8);
    T_EQ_INT((10 + hlen) % 64, 0);
    T_CHECK(len >= 10 + (size_t)hlen);
    if (len >= 10 + (size_t)hlen) {
        char header[1024];
        size_t n = hlen < sizeof header - 1 ? hlen : sizeof header - 1;
        memcpy(header, npy + 10, n);
        header[n] = '\0';
        T_CONTAINS(header, "'descr': '<f8'");
        T_CONTAINS(header, "'fortran_order': False");
        T_CONTAINS(header, "'shape': (1, 2)");
        T_EQ_INT(header[n - 1], '\n');
        /* Data: final[state][run], 2 runs of one state. */
        T_EQ_INT(len, 10 + (size_t)hlen + 2 * 8);
        if (len == 10 + (size_t)hlen + 16) {
            T_REL(read_f64le(npy + 10 + hlen), exact(2.385, 1.5, 1.0), 1e-5);
            T_REL(read_f64le(npy + 10 + hlen + 8), exact(2.385, 0.625, 1.0), 1e-5);
        }
    }
    free(npy);
}

static void test_failures_and_extras(void)
{
    table t;
    /* k = 200 with steps of at least 0.05: k*dt = 10 lies far outside tsit5's stability
     * region, so every step at dt_min is rejected. k = 1.5 is fine at default tolerances. */
    T_EQ_INT(run("solve decay.ode --param k=1.5,200 --set dt_min=0.05 -o out4"), 3);
    T_CONTAINS(err_text, "batchode: 2 runs, 1 failed");
    T_CONTAINS(err_text, "run 1 failed");
    T_CHECK(strstr(err_text, "run 0 failed") == NULL);
    char *csv = read_in_dir("out4/final.csv", NULL);
    T_CHECK(parse_table(csv, &t) == 0);
    free(csv);
    T_EQ_INT(t.rows, 2);
    if (t.rows == 2) {
        T_EQ_INT(t.v[0][C_STATUS], 0);
        T_CHECK(t.v[1][C_STATUS] != 0);
        T_CHECK(isnan(t.v[1][C_Y]));
        T_REL(t.v[0][C_Y], exact(2.385, 1.5, 1.0), 1e-5);
    }
    /* --quiet keeps the failure report. */
    T_EQ_INT(run("solve decay.ode --param k=1.5,200 --set dt_min=0.05 --quiet"), 3);
    T_CONTAINS(err_text, "run 1 failed");
    T_CHECK(strstr(err_text, "0 failed") == NULL);

    /* The generated program and the effective settings. */
    T_EQ_INT(run("solve decay.ode --source prog.c --print-settings -q -o out5"), 0);
    size_t n = 0;
    char *src = read_in_dir("prog.c", &n);
    T_CHECK(src && n > 0);
    free(src);
    T_CONTAINS(err_text, "rtol = ");
    T_CONTAINS(err_text, "algorithm = tsit5");

    /* Settings given by option and by --set apply in order: the later one wins. */
    T_EQ_INT(run("solve decay.ode --duration 2 --set duration=0.5 -q"), 0);
    T_CHECK(parse_table(out_text, &t) == 0);
    if (t.rows == 1)
        check_decay_row(&t, 0, 1.5, 2.385, 0.5, 0.5, 1e-5);
}

/* t0 + duration == t0 in double (t0 = 1e16, ulp 2): the run used to "succeed" with the
 * initial state as its end and saves of uninitialised memory. Now a usage error, no output. */
static void test_time_resolution(void)
{
    T_EQ_INT(run("solve decay.ode --t0 1e16 --duration 1 --save-every 0.25 -o out6"), 2);
    T_CONTAINS(err_text, "below the resolution of time");
    T_CHECK(read_in_dir("out6/final.csv", NULL) == NULL);
    T_CHECK(read_in_dir("out6/series.csv", NULL) == NULL);
    T_EQ_INT(run("solve decay.ode --t0 1e9 --settling 1e-9 -q"), 2);
    T_CONTAINS(err_text, "settling");
    /* Saves a few ulps apart at t ~ 1e6 cannot be told apart. */
    T_EQ_INT(run("solve decay.ode --t0 1e6 --duration 1e-6 --save-every 1e-15 -q"), 2);
    T_CONTAINS(err_text, "save_every");
    /* Settings that do not fit together are usage errors too. */
    T_EQ_INT(run("solve decay.ode --save-every 2 --duration 1 -q"), 2);
    T_EQ_INT(run("solve decay.ode --outputs mean --sample-every 0.3 -q"), 2);
    /* A thread count far past the cores is capped, with a warning, and gives the same runs. */
    T_EQ_INT(run("solve decay.ode --threads 65536 --param k=1:2:5 -q"), 0);
    T_CONTAINS(err_text, "batchode: warning: threads=65536 is more than twice");
    table many;
    T_CHECK(parse_table(out_text, &many) == 0);
    T_EQ_INT(run("solve decay.ode --threads 1 --param k=1:2:5 -q"), 0);
    table one;
    T_CHECK(parse_table(out_text, &one) == 0);
    T_CHECK(many.rows == 5 && memcmp(&many, &one, sizeof many) == 0);
    /* An rtol below what the precision can deliver runs, with a warning naming the floor. */
    T_EQ_INT(run("solve decay.ode --precision float32 --rtol 1e-8 -q"), 0);
    T_CONTAINS(err_text, "batchode: warning: rtol 1e-08 is below what float32");
    T_EQ_INT(run("solve decay.ode --precision float32 --rtol 1e-6 -q"), 0);
    T_CHECK(strstr(err_text, "warning") == NULL);
    T_EQ_INT(run("solve decay.ode --rtol 1e-15 -q"), 0);
    T_CONTAINS(err_text, "below what float64 arithmetic can deliver (about 1e-14)");
    /* A large but resolvable origin still works and matches the closed form. */
    table t;
    T_EQ_INT(run("solve decay.ode --t0 1e9 --duration 1.25 -q"), 0);
    T_CHECK(parse_table(out_text, &t) == 0);
    if (t.rows == 1)
        T_REL(t.v[0][C_Y], exact(2.385, 1.5, 1.25), 1e-5);
}

/* An initial value written with a parameter starts each run from the run's value (the
 * issue: --param I0=0.001,0.1 gave two runs that both started from 0.001), in final.csv's
 * I_0 column and in the final state, from --param, from a run file, and not when --init gives
 * the state explicitly. Columns: run,status,t,k,I0,I_0,I. */
static void test_initial_values_from_parameters(void)
{
    write_file("seed.ode", "model seed\nparam k = 0.5, I0 = 0.001\nstate I = I0\ndI/dt = -k*I\n");
    const char *tight = "-q --rtol 1e-10 --atol 1e-14";
    char cmd[256];
    table t;
    snprintf(cmd, sizeof cmd, "solve seed.ode --param I0=0.001,0.1 -o outI %s", tight);
    T_EQ_INT(run(cmd), 0);
    char *csv = read_in_dir("outI/final.csv", NULL);
    T_CHECK(parse_table(csv, &t) == 0);
    T_EQ_STR(t.header, "run,status,t,k,I0,I_0,I");
    T_EQ_INT(t.rows, 2);
    const double i0[] = {0.001, 0.1};
    for (size_t r = 0; r < 2 && r < t.rows; ++r) {
        T_CHECK(t.v[r][4] == i0[r] && t.v[r][5] == i0[r]);
        T_REL(t.v[r][6], exact(i0[r], 0.5, 1.0), 1e-8);
    }
    free(csv);
    /* Explicit --init wins over the model's expression, for every run. */
    snprintf(cmd, sizeof cmd, "solve seed.ode --param I0=0.001,0.1 --init I=2.385 %s", tight);
    T_EQ_INT(run(cmd), 0);
    T_CHECK(parse_table(out_text, &t) == 0);
    for (size_t r = 0; r < 2 && r < t.rows; ++r) {
        T_CHECK(t.v[r][5] == 2.385);
        T_REL(t.v[r][6], exact(2.385, 0.5, 1.0), 1e-8);
    }
    /* A run file: I0 per row (and k), and a file that also gives I. */
    write_file("seed_runs.csv", "I0,k\n0.004,0.25\n0.4,2\n");
    snprintf(cmd, sizeof cmd, "solve seed.ode --runs seed_runs.csv %s", tight);
    T_EQ_INT(run(cmd), 0);
    T_CHECK(parse_table(out_text, &t) == 0);
    T_EQ_INT(t.rows, 2);
    const double fi0[] = {0.004, 0.4}, fk[] = {0.25, 2};
    for (size_t r = 0; r < 2 && r < t.rows; ++r) {
        T_CHECK(t.v[r][5] == fi0[r]);
        T_REL(t.v[r][6], exact(fi0[r], fk[r], 1.0), 1e-8);
    }
    write_file("seed_runs2.csv", "I0,I\n0.004,3\n0.4,5\n");
    snprintf(cmd, sizeof cmd, "solve seed.ode --runs seed_runs2.csv %s", tight);
    T_EQ_INT(run(cmd), 0);
    T_CHECK(parse_table(out_text, &t) == 0);
    for (size_t r = 0; r < 2 && r < t.rows; ++r) {
        T_CHECK(t.v[r][4] == fi0[r] && t.v[r][5] == (r ? 5.0 : 3.0));
        T_REL(t.v[r][6], exact(r ? 5.0 : 3.0, 0.5, 1.0), 1e-8);
    }
}

/* Whether process pid has a handler for SIGINT (the SigCgt mask of /proc/PID/status). */
static int catches_sigint(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    int yes = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long long mask;
        if (sscanf(line, "SigCgt: %llx", &mask) == 1) {
            yes = (mask >> (SIGINT - 1)) & 1u;
            break;
        }
    }
    fclose(f);
    return yes;
}

/* SIGINT during a long solve stops it promptly: exit 130 (128 + SIGINT), a message, and no
 * result files. The cache is warmed first so the signal arrives during the solve, not the
 * compile. */
static void test_interrupt(void)
{
    T_EQ_INT(run("solve decay.ode --param k=0.5:2.5:4 --duration 1000 -q"), 0);
    char err_path[512];
    snprintf(err_path, sizeof err_path, "%s/interrupt-stderr.txt", dir);
    pid_t pid = fork();
    if (pid == 0) {
        if (chdir(dir) != 0 || !freopen(err_path, "w", stderr) ||
            !freopen("/dev/null", "w", stdout))
            _exit(99);
        execl(BO_CLI_PATH, "batchode", "solve", "decay.ode", "--param", "k=0.5:2.5:4000000",
              "--duration", "1000", "-o", "outint", "-q", (char *)NULL);
        _exit(98);
    }
    T_CHECK(pid > 0);
    if (pid <= 0)
        return;
    /* Wait until the tool catches SIGINT (it does from the start of `solve`), however slow
     * the machine, then a little longer so that the solve itself is usually under way. */
    for (int i = 0; i < 3000 && !catches_sigint(pid); ++i) {
        struct timespec tick = {0, 10 * 1000 * 1000};
        nanosleep(&tick, NULL);
    }
    struct timespec pause = {0, 300 * 1000 * 1000};
    nanosleep(&pause, NULL);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    kill(pid, SIGINT);
    int st = 0;
    waitpid(pid, &st, 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double waited = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    T_CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == 130, "status %d", st);
    T_CHECKF(waited < 5.0, "took %.2f s to stop", waited);
    char *err = read_all(err_path, NULL);
    T_CHECK(err && strstr(err, "batchode: interrupted by SIGINT") != NULL);
    free(err);
    T_CHECK(read_in_dir("outint/final.csv", NULL) == NULL);
}

int main(void)
{
    if (cli_setup("/tmp/bo_cli_solve_XXXXXX") != 0)
        T_SKIP("cannot create a temp dir");
    write_file("decay.ode", decay_model);

    test_final_csv();
    test_sweeps();
    test_npy();
    test_failures_and_extras();
    test_time_resolution();
    test_interrupt();
    test_initial_values_from_parameters();

    cli_cleanup();
    T_DONE();
}
