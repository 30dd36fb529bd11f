/* `batchode check`, `codegen` and `solve` on large and endless inputs: a 10^5-state model is
 * summarised within a memory limit far below its dense Jacobian (10^10 entries), and nothing
 * reaches standard output before a failure; /dev/zero is refused at the model size limit
 * instead of filling memory; a 10^4-state model generates code in time and text linear in
 * its size; a 400-state model solves through the Krylov path with no n x n buffer. The runs go
 * through the shell with `ulimit -v` (left out under the sanitizers, which reserve terabytes of
 * address space) and `timeout`. */
#include <math.h>

#include "cli_util.h"
#include "harness.h"

/* Address space of one command, KiB: far more than a 10^5-state check needs (~60 MB), far
 * less than the old dense pattern (10 GB). */
#define LIMIT_KB 1000000

/* Run `batchode ARGS` in the temp dir under the memory limit and a time limit; returns the
 * exit code (124 when the time ran out). */
static int run_limited(const char *args, int seconds)
{
    free(out_text);
    free(err_text);
    char cmd[2048], limit[64] = "";
    if (!BO_LIB_LINK_FLAGS[0])
        snprintf(limit, sizeof limit, "ulimit -v %d && ", LIMIT_KB);
    snprintf(cmd, sizeof cmd, "cd '%s' && %stimeout %d '%s' %s >stdout.txt 2>stderr.txt", dir,
             limit, seconds, BO_CLI_PATH, args);
    int st = system(cmd);
    out_text = read_in_dir("stdout.txt", NULL);
    err_text = read_in_dir("stderr.txt", NULL);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void write_diagonal(const char *name, int n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    for (int i = 0; i < n; ++i)
        fprintf(f, "state x%d = 1\n", i);
    for (int i = 0; i < n; ++i)
        fprintf(f, "dx%d/dt = -x%d + 0.5*x%d\n", i, i, (i + 1) % n);
    fclose(f);
}

static void test_check_large(void)
{
    write_diagonal("big.ode", 100000);
    T_EQ_INT(run_limited("check big.ode", 120), 0);
    T_CONTAINS(out_text, "states: 100000\n");
    T_CONTAINS(out_text, "jacobian: 100000 x 100000, 200000 nonzeros");
    T_CONTAINS(out_text, "(matrix not shown for more than 100 states)\n");
    T_EQ_STR(err_text, "");
}

static void test_endless_input(void)
{
    /* Nothing printed before the failure, and the failure comes at the size limit. */
    T_EQ_INT(run_limited("check /dev/zero", 120), 1);
    T_EQ_STR(out_text, "");
    T_CONTAINS(err_text, "batchode: '/dev/zero' is larger than 256 MiB");
    T_EQ_INT(run_limited("codegen /dev/zero", 120), 1);
    T_EQ_STR(out_text, "");
}

static void test_codegen_large(void)
{
    write_diagonal("mid.ode", 10000);
    T_EQ_INT(run_limited("codegen mid.ode -o mid.c", 120), 0);
    T_EQ_STR(err_text, "");
    size_t len = 0;
    char *code = read_in_dir("mid.c", &len);
    T_CONTAINS(code, "#define BO_MODEL_N 10000 ");
    T_CONTAINS(code, "#define BO_MODEL_JAC_NNZ 20000 ");
    /* About 1.5 KB per state over the seven functions; the dense Jacobian alone once took
     * 10^8 lines. */
    T_CHECKF(len < 10000u * 2000u, "%zu bytes of code for 10^4 states", len);
    free(code);
}

/* A 400-state stiff-capable solve through the Krylov path (rodas5p; linear_solver=auto picks
 * Krylov above dense_max_states): dx_i/dt = -k_i x_i with k_i = 0.5 + i/400, x_i(0) = 1, so
 * x_i(1) = exp(-k_i). The generated program must not hold anything n x n (the largest
 * buffer is the Krylov basis, (restart + 1) n), and keeps its loops over the states rolled. */
static void test_solve_large(void)
{
    enum { N = 400 };
    char path[512];
    snprintf(path, sizeof path, "%s/rates.ode", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    for (int i = 0; i < N; ++i)
        fprintf(f, "state x%d = 1\n", i);
    for (int i = 0; i < N; ++i)
        fprintf(f, "dx%d/dt = -(0.5 + %d/%d)*x%d\n", i, i, N, i);
    fclose(f);
    T_EQ_INT(run_limited("solve rates.ode --algorithm rodas5p --duration 1 --rtol 1e-8 "
                         "--atol 1e-10 -q -o res --source prog.c",
                         600),
             0);
    char *final = read_in_dir("res/final.csv", NULL);
    T_CHECK(final != NULL);
    if (final) {
        /* Header, then one row: run,status,t, the initial values, the final values. */
        const char *row = strchr(final, '\n');
        int bad = 0, seen = 0;
        if (row) {
            char *end;
            const char *q = row + 1;
            for (int col = 0; col < 3 + 2 * N && *q; ++col) {
                double v = strtod(q, &end);
                if (col >= 3 + N) {
                    int i = col - 3 - N;
                    double want = exp(-(0.5 + (double)i / N));
                    bad += fabs(v - want) > 1e-6 * want;
                    ++seen;
                }
                q = *end == ',' ? end + 1 : end;
            }
        }
        T_EQ_INT(seen, N);
        T_EQ_INT(bad, 0);
    }
    free(final);
    char *prog = read_in_dir("prog.c", NULL);
    T_CONTAINS(prog, "#define BO_LINSOLVE 1 ");
    T_CONTAINS(prog, "BO_ALLOC_linear_solver_krylov_basis");
    T_CHECK(prog && !strstr(prog, "/* linear_solver.jacobian:")); /* the dense path's */
    T_CONTAINS(prog, "#if BO_N > 64\n#undef BO_UNROLL\n#define BO_UNROLL\n#endif\n");
    /* No buffer of the registry's layout holds n^2 elements. */
    long largest = 0;
    for (const char *q = prog; q && (q = strstr(q, " elements")) != NULL; ++q) {
        const char *d = q;
        while (d > prog && d[-1] >= '0' && d[-1] <= '9')
            --d;
        long v = strtol(d, NULL, 10);
        largest = v > largest ? v : largest;
    }
    T_CHECKF(largest > 0 && largest < (long)N * 20, "a buffer of %ld elements", largest);
    free(prog);
}

int main(void)
{
    if (cli_setup("/tmp/bo_cli_model_XXXXXX") != 0)
        T_SKIP("cannot create a temp dir");
    test_check_large();
    test_endless_input();
    test_codegen_large();
    test_solve_large();
    cli_cleanup();
    T_DONE();
}
