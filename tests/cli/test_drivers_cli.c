/* `batchode solve --driver` end to end: dx/dt = a*u with u = 1 + 2t sampled at t = 0, 0.5, 1.
 * Every interpolation reproduces a line, so the answers are exact integrals: with hold ends
 * x(2) = a*(2 + 3) (u stays 3 after t = 1), with wrap ends x(2) = a*2*2 (two periods of
 * mean 2); tight tolerances make the steps across u's kinks the only error. Also the usage
 * errors (unknown driver, a driver without --driver or with two, a malformed value: exit 2),
 * the file errors (missing file, bad row, a header naming another column, a stray quote:
 * exit 1), and --help. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "harness.h"

static const char *const model = "model ramp\nparam a = 1\ndriver u\nstate x = 0\n"
                                 "dx/dt = a*u\n";

/* The final state (last column) of run `run` in the stdout table; NaN when absent. */
static double final_x(size_t run)
{
    const char *p = out_text ? strchr(out_text, '\n') : NULL;
    for (size_t r = 0; p && r < run; ++r)
        p = strchr(p + 1, '\n');
    if (!p || !p[1])
        return NAN;
    const char *eol = strchr(p + 1, '\n');
    const char *comma = p + 1, *last = NULL;
    while ((comma = strchr(comma, ',')) && (!eol || comma < eol))
        last = ++comma;
    return last ? strtod(last, NULL) : NAN;
}

static void test_solves(void)
{
    write_file("u.csv", "time,u\n0,1\n0.5,2\n1,3\n");
    write_file("u_noheader.csv", "0,1\n0.5,2\n1,3\n");
    write_file("many.csv", "time,v,u\n0,9,1\n0.5,9,2\n1,9,3\n");
    T_EQ_INT(run("solve ramp.ode --backend cpu -q --rtol 1e-10 --atol 1e-10 --duration 2 --param "
                 "a=1,2.385 "
                 "--driver u=u.csv"),
             0);
    T_REL(final_x(0), 5.0, 1e-6);
    T_REL(final_x(1), 5.0 * 2.385, 1e-6);
    T_EQ_INT(run("solve ramp.ode --backend cpu -q --rtol 1e-10 --atol 1e-10 --duration 2 --driver "
                 "u=u_noheader.csv "
                 "--set driver_ends=wrap --set driver_interpolation=linear"),
             0);
    T_REL(final_x(0), 4.0, 1e-6);
    /* A many-column file gives the named column. */
    T_EQ_INT(run("solve ramp.ode --backend cpu -q --rtol 1e-10 --atol 1e-10 --duration 2 --driver "
                 "u=many.csv --set driver_interpolation=natural"),
             0);
    T_REL(final_x(0), 5.0, 1e-6);
}

static void test_errors(void)
{
    T_EQ_INT(run("solve ramp.ode --backend cpu"), 2);
    T_CONTAINS(err_text, "model 'ramp' has driver 'u': give its samples with --driver u=FILE.csv");
    T_EQ_INT(run("solve ramp.ode --backend cpu --driver v=u.csv"), 2);
    T_CONTAINS(err_text, "unknown driver 'v' (did you mean 'u'?)");
    T_EQ_INT(run("solve ramp.ode --backend cpu --driver u"), 2);
    T_CONTAINS(err_text, "expected NAME=FILE.csv");
    T_EQ_INT(run("solve ramp.ode --backend cpu --driver u=missing.csv"), 1);
    T_CONTAINS(err_text, "missing.csv");
    write_file("bad.csv", "0,1\n0.5,two\n");
    T_EQ_INT(run("solve ramp.ode --backend cpu --driver u=bad.csv"), 1);
    T_CONTAINS(err_text, "bad.csv:2:5: driver 'u': value 'two' is not a number");
    /* Two files for one driver: which was meant? A usage error, before anything loads. */
    T_EQ_INT(run("solve ramp.ode --backend cpu -q --driver u=u.csv --driver u=many.csv"), 2);
    T_CONTAINS(err_text, "solve: --driver u is given twice (u=u.csv, then u=many.csv): give each "
                         "driver one file");
    /* A two-column file whose header names another column is not taken as u. */
    write_file("g.csv", "t,G\n0,1\n0.5,2\n1,3\n");
    T_EQ_INT(run("solve ramp.ode --backend cpu -q --driver u=g.csv"), 1);
    T_CONTAINS(err_text, "g.csv:1:3: driver 'u': the header names the value column 'G', not 'u' "
                         "(name the column 'u', or leave the header out)");
    /* The quoting rules of CSV files: a stray quote is an error at its position. */
    write_file("q.csv", "t,u\"x\n0,1\n1,2\n");
    T_EQ_INT(run("solve ramp.ode --backend cpu -q --driver u=q.csv"), 1);
    T_CONTAINS(err_text, "q.csv:1:4: quote inside an unquoted field");
    T_EQ_INT(run("solve ramp.ode --backend cpu --driver u=u.csv --set driver_interpolation=cubicc"),
             2);
    T_CONTAINS(err_text, "driver_interpolation");
    T_EQ_INT(run("solve --help"), 0);
    T_CONTAINS(out_text, "--driver NAME=FILE.csv");
    T_CONTAINS(out_text, "driver_interpolation");
}

int main(void)
{
    if (cli_setup("/tmp/bo_cli_drivers_XXXXXX") != 0)
        T_SKIP("cannot create a temp dir");
    write_file("ramp.ode", model);
    test_solves();
    test_errors();
    cli_cleanup();
    T_DONE();
}
