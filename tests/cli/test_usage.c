/* The batchode tool's command line: exit codes (0 success, 1 runtime failure, 2 usage error),
 * --help completeness against the option list the CLI documents, diagnostics for unknown
 * options, bad setting values, unknown variables and invalid model files, and the `check`,
 * `codegen` and `settings` commands on small model files written here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batchode.h"
#include "cli_util.h"
#include "harness.h"

static const char decay_model[] = "# exponential decay, y(t) = y0 exp(-k t)\n"
                                  "model decay\n"
                                  "param k = 1.5 [1/s]\n"
                                  "state y = 2.385 [mM]\n"
                                  "dy/dt = -k*y\n";

static const char lorenz_model[] = "model lorenz\n"
                                   "const beta = 2.75\n"
                                   "param sigma = 10, rho = 28\n"
                                   "state x = 1, y = 0, z = 0\n"
                                   "dx/dt = sigma*(y - x)\n"
                                   "dy/dt = x*(rho - z) - y\n"
                                   "dz/dt = x*y - beta*z\n";

/* A stray '$' at line 4, column 14. */
static const char bad_model[] = "model bad\n"
                                "param k = 1\n"
                                "state y = 1\n"
                                "dy/dt = -k*y $\n";

static void test_global(void)
{
    T_EQ_INT(run("--version"), 0);
    T_CONTAINS(out_text, bo_version());
    T_EQ_INT(run(""), 2);
    T_CONTAINS(err_text, "Usage: batchode");
    T_EQ_INT(run("--help"), 0);
    static const char *const commands[] = {"check", "codegen", "solve", "settings", "help"};
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; ++i)
        T_CONTAINS(out_text, commands[i]);
    T_EQ_INT(run("-h"), 0);
    T_EQ_INT(run("help"), 0);
    T_CONTAINS(out_text, "batchode <command>");
    T_EQ_INT(run("solv decay.ode"), 2);
    T_CONTAINS(err_text, "batchode: unknown command 'solv'");
    T_CONTAINS(err_text, "'solve'");
    T_EQ_INT(run("help solv"), 2);
    T_EQ_INT(run("--verison"), 2);
    T_CONTAINS(err_text, "--version");
}

static void test_help(void)
{
    /* Every option of solve, as the command is specified. */
    static const char *const solve_opts[] = {
        "--algorithm",  "--controller", "--rtol",       "--atol",           "--dt",      "--t0",
        "--duration",   "--settling",   "--save-every", "--outputs",        "--param",   "--init",
        "--runs",       "--grid",       "--precision",  "--backend",        "--threads", "--set",
        "-o, --output", "--format",     "--quiet",      "--print-settings", "--source",  "--help"};
    T_EQ_INT(run("solve --help"), 0);
    char *solve_help = out_text ? strdup(out_text) : NULL;
    for (size_t i = 0; i < sizeof solve_opts / sizeof solve_opts[0]; ++i)
        T_CONTAINS(solve_help, solve_opts[i]);
    T_CONTAINS(solve_help, "combinatorial");
    T_CONTAINS(solve_help, "verbatim");
    T_CONTAINS(solve_help, "a:b:n");
    T_EQ_INT(run("help solve"), 0);
    T_EQ_STR(out_text, solve_help);
    T_EQ_INT(run("solve -h"), 0);
    T_EQ_STR(out_text, solve_help);
    free(solve_help);

    T_EQ_INT(run("check --help"), 0);
    T_CONTAINS(out_text, "Usage: batchode check MODEL.ode");
    T_CONTAINS(out_text, "--help");
    T_EQ_INT(run("codegen --help"), 0);
    T_CONTAINS(out_text, "-o, --output FILE");
    T_EQ_INT(run("settings --help"), 0);
    T_CONTAINS(out_text, "--markdown");
}

static void test_usage_errors(void)
{
    T_EQ_INT(run("solve decay.ode --rtoll 1e-6"), 2);
    T_CONTAINS(err_text, "unknown option '--rtoll'");
    T_CONTAINS(err_text, "'--rtol'");
    T_EQ_INT(run("solve decay.ode --outptus=state"), 2);
    T_CONTAINS(err_text, "'--outputs'");
    T_EQ_INT(run("solve decay.ode -x"), 2);
    T_EQ_INT(run("solve decay.ode --rtol"), 2);
    T_CONTAINS(err_text, "needs a value");
    T_EQ_INT(run("solve decay.ode --quiet=1"), 2);
    T_CONTAINS(err_text, "takes no value");
    T_EQ_INT(run("solve"), 2);
    T_CONTAINS(err_text, "missing argument");
    T_EQ_INT(run("solve decay.ode other.ode"), 2);
    T_CONTAINS(err_text, "unexpected argument 'other.ode'");
    T_EQ_INT(run("solve decay.ode --format xml"), 2);
    T_CONTAINS(err_text, "csv, npy");
    T_EQ_INT(run("solve decay.ode --format npy"), 2);
    T_CONTAINS(err_text, "-o DIR");
    T_EQ_INT(run("solve decay.ode --set rtol"), 2);
    T_CONTAINS(err_text, "KEY=VALUE");
    T_EQ_INT(run("check"), 2);
    T_EQ_INT(run("settings extra"), 2);
    /* Nothing printed on stdout for a usage error. */
    T_EQ_STR(out_text, "");
}

/* Errors the library reports: bad setting values and keys, unknown variables, bad specs. */
static void test_library_errors(void)
{
    T_EQ_INT(run("solve decay.ode --rtol abc"), 2);
    T_CONTAINS(err_text, "batchode: --rtol abc: ");
    T_CONTAINS(err_text, "rtol");
    T_EQ_STR(out_text, "");
    T_EQ_INT(run("solve decay.ode --precision=float16"), 2);
    T_CONTAINS(err_text, "--precision float16");
    T_CONTAINS(err_text, "float32");
    T_CONTAINS(err_text, "float64");
    T_EQ_INT(run("solve decay.ode --controller pd"), 2);
    T_CONTAINS(err_text, "step_controller");
    T_CONTAINS(err_text, "gustafsson");
    T_EQ_INT(run("solve decay.ode --set rtoll=1e-3"), 2);
    T_CONTAINS(err_text, "--set rtoll=1e-3");
    T_CONTAINS(err_text, "'rtol'");
    T_EQ_INT(run("solve decay.ode --grid diagonal"), 2);
    T_CONTAINS(err_text, "verbatim");
    T_EQ_INT(run("solve decay.ode --param kk=1"), 2);
    T_CONTAINS(err_text, "'kk'");
    T_CONTAINS(err_text, "'k'");
    T_EQ_INT(run("solve decay.ode --param y=1"), 2);
    T_CONTAINS(err_text, "--init");
    T_EQ_INT(run("solve decay.ode --init k=1"), 2);
    T_CONTAINS(err_text, "--param");
    T_EQ_INT(run("solve decay.ode --param k"), 2);
    T_CONTAINS(err_text, "NAME=SPEC");
    T_EQ_INT(run("solve decay.ode --param k=1,abc"), 2);
    T_CONTAINS(err_text, "--param k=1,abc");
    T_EQ_INT(run("solve decay.ode --grid verbatim --param k=1,2 --init y=1,2,3"), 2);
    T_EQ_STR(out_text, "");
}

/* Numbers are read by one strict grammar (the model language's decimal numbers): hex and
 * blanks are usage errors, in settings and specs alike. */
static void test_numbers(void)
{
    T_EQ_INT(run("solve decay.ode --rtol 0x10"), 2);
    T_CONTAINS(err_text, "batchode: --rtol 0x10: setting 'rtol' must be a real number >= 0, got "
                         "'0x10' (hexadecimal numbers are not accepted)");
    T_EQ_INT(run("solve decay.ode --rtol '1e-6 '"), 2);
    T_CONTAINS(err_text, "(numbers are written without blanks)");
    T_EQ_INT(run("solve decay.ode --set max_steps=0x10"), 2);
    T_EQ_INT(run("solve decay.ode --param k=0x10"), 2);
    T_CONTAINS(err_text, "spec '0x10' for 'k': value 1 '0x10' is not a number (hexadecimal "
                         "numbers are not accepted)");
    T_EQ_INT(run("solve decay.ode --init y=1e999"), 2);
    T_CONTAINS(err_text, "value 1 '1e999' is not finite");
    T_EQ_STR(out_text, "");
}

/* Value specs: a:b:n, lin:a:b:n and log:a:b:n; start:step:stop (n = 1 with a != b) is a usage
 * error that says how to write it. */
static void test_specs(void)
{
    T_EQ_INT(run("solve decay.ode --param k=0:0.1:1"), 2);
    T_CONTAINS(err_text, "--param k=0:0.1:1: spec '0:0.1:1' for 'k': a range is start:stop:count "
                         "(count values from start to stop, both included), so count 1 needs "
                         "start == stop; for values from 0 to 1 in steps of 0.1, write 0:1:11");
    T_EQ_STR(out_text, "");
    T_EQ_INT(run("solve decay.ode --param k=1:2:0"), 2);
    T_EQ_INT(run("solve decay.ode --param k=1:2:2.5"), 2);
    T_EQ_INT(run("solve decay.ode --param k=log:0:1:3"), 2);
    T_CONTAINS(err_text, "a log range needs start and stop > 0");
    T_EQ_INT(run("solve decay.ode --param k=log:0.01:100:5 -q"), 0);
    const double want[] = {0.01, 0.1, 1, 10, 100};
    const char *p = out_text ? strchr(out_text, '\n') : NULL;
    for (int i = 0; i < 5 && p; ++i, p = strchr(p + 1, '\n')) {
        const char *k = strchr(p + 1, ','); /* run,status,t,k: the third comma */
        k = k ? strchr(k + 1, ',') : NULL;
        k = k ? strchr(k + 1, ',') : NULL;
        T_CHECK(k && strtod(k + 1, NULL) == want[i]);
    }
    T_EQ_INT(run("solve decay.ode --param k=lin:1:2:3 -q"), 0);
    T_CONTAINS(out_text, "\n2,0,1,2,");
    T_EQ_INT(run("solve --help"), 0);
    T_CONTAINS(out_text, "log:a:b:n");
}

static void test_check(void)
{
    T_EQ_INT(run("check decay.ode"), 0);
    T_CONTAINS(out_text, "model: decay\n");
    T_CONTAINS(out_text, "states: 1\n  y = 2.385 [mM]\n");
    T_CONTAINS(out_text, "parameters: 1\n  k = 1.5 [1/s]\n");
    T_CONTAINS(out_text, "constants: 0\n");
    T_CONTAINS(out_text, "jacobian: 1 x 1, 1 nonzeros");
    T_EQ_STR(err_text, "");

    /* Lorenz, by hand: dx depends on x, y; dy on x, y, z; dz on x, y, z -> 8 nonzeros. */
    T_EQ_INT(run("check lorenz.ode"), 0);
    T_CONTAINS(out_text, "model: lorenz\n");
    T_CONTAINS(out_text, "states: 3\n  x = 1\n  y = 0\n  z = 0\n");
    T_CONTAINS(out_text, "parameters: 2\n  sigma = 10\n  rho = 28\n");
    T_CONTAINS(out_text, "constants: 1\n  beta = 2.75\n");
    T_CONTAINS(out_text, "jacobian: 3 x 3, 8 nonzeros");
    T_CONTAINS(out_text, "  * * .   x\n  * * *   y\n  * * *   z\n");

    /* An invalid model: the library's message verbatim (no "batchode:" prefix), exit 1. */
    T_EQ_INT(run("check bad.ode"), 1);
    T_CHECKF(err_text && strncmp(err_text, "bad.ode:4:14: ", 14) == 0, "stderr: %s",
             err_text ? err_text : "(null)");
    T_CONTAINS(err_text, "dy/dt = -k*y $");
    T_CONTAINS(err_text, "^");
    T_EQ_STR(out_text, "");
    T_EQ_INT(run("solve bad.ode"), 1);
    T_CHECK(err_text && strncmp(err_text, "bad.ode:4:14: ", 14) == 0);
    T_EQ_INT(run("codegen bad.ode"), 1);

    T_EQ_INT(run("check missing.ode"), 1);
    T_CHECK(err_text && strncmp(err_text, "batchode: ", 10) == 0);
    T_CONTAINS(err_text, "missing.ode");
}

static void test_codegen_settings(void)
{
    T_EQ_INT(run("codegen decay.ode"), 0);
    char *printed = out_text ? strdup(out_text) : NULL;
    T_CHECK(printed && strlen(printed) > 0);
    T_EQ_INT(run("codegen decay.ode -o decay.c"), 0);
    T_EQ_STR(out_text, "");
    char *file = read_in_dir("decay.c", NULL);
    T_EQ_STR(file, printed);
    free(file);
    T_EQ_INT(run("codegen decay.ode --output=decay2.c"), 0);
    file = read_in_dir("decay2.c", NULL);
    T_EQ_STR(file, printed);
    free(file);
    free(printed);
    T_EQ_INT(run("codegen decay.ode -o no/such/dir/x.c"), 1);
    T_CONTAINS(err_text, "batchode: ");

    T_EQ_INT(run("settings"), 0);
    T_CONTAINS(out_text, "rtol");
    T_CONTAINS(out_text, "step_controller");
    T_CONTAINS(out_text, "timestep_memory");
    T_EQ_INT(run("settings --markdown"), 0);
    T_CONTAINS(out_text, "|");
    T_CONTAINS(out_text, "atol");
}

int main(void)
{
    if (cli_setup("/tmp/bo_cli_usage_XXXXXX") != 0)
        T_SKIP("cannot create a temp dir");
    write_file("decay.ode", decay_model);
    write_file("lorenz.ode", lorenz_model);
    write_file("bad.ode", bad_model);

    test_global();
    test_help();
    test_usage_errors();
    test_library_errors();
    test_numbers();
    test_specs();
    test_check();
    test_codegen_settings();

    cli_cleanup();
    T_DONE();
}
