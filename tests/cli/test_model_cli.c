/* `batchode check` and `batchode codegen` on large and endless inputs: a 10^5-state model is
 * summarised within a memory limit far below its dense Jacobian (10^10 entries), and nothing
 * reaches standard output before a failure; /dev/zero is refused at the model size limit
 * instead of filling memory; a 10^4-state model generates code in time and text linear in
 * its size. The runs go through the shell with `ulimit -v` (left out under the sanitizers,
 * which reserve terabytes of address space) and `timeout`. */
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

int main(void)
{
    if (cli_setup("/tmp/bo_cli_model_XXXXXX") != 0)
        T_SKIP("cannot create a temp dir");
    test_check_large();
    test_endless_input();
    test_codegen_large();
    cli_cleanup();
    T_DONE();
}
