/* `batchode import` and CellML files given to `check` and `solve`: the text written (to
 * standard output and with -o) is the model that is solved, parameters are swept by their
 * plain and component.variable names, and errors (a missing file, broken XML, a unit
 * mismatch) exit 1 with file:line: message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batchode.h"
#include "cli_util.h"
#include "harness.h"

static char hh[1024];

static void test_import(void)
{
    char args[2048];
    snprintf(args, sizeof args, "import '%s'", hh);
    T_EQ_INT(run(args), 0);
    T_CONTAINS(out_text, "model hodgkin_huxley_1952\n");
    T_CONTAINS(out_text, "state V = -65 [millivolt]  # membrane.V\n");
    T_EQ_STR(err_text, "");
    snprintf(args, sizeof args, "import '%s' -o hh.ode", hh);
    T_EQ_INT(run(args), 0);
    T_EQ_STR(out_text, "");
    /* The written text solves to the same numbers as the CellML file. */
    T_EQ_INT(run("solve hh.ode --param g_Na=100,120 --duration 12 --rtol 1e-9 --atol 1e-9 "
                 "--quiet"),
             0);
    char *from_ode = out_text ? strdup(out_text) : NULL;
    snprintf(args, sizeof args,
             "solve '%s' --param sodium_channel.g_Na=100,120 --duration 12 --rtol 1e-9 "
             "--atol 1e-9 --quiet",
             hh);
    T_EQ_INT(run(args), 0);
    T_CHECK(from_ode && out_text && strcmp(from_ode, out_text) == 0);
    T_CONTAINS(out_text, "run,status,t,Cm,I_amp,t_on,g_Na,");
    free(from_ode);
    snprintf(args, sizeof args, "check '%s'", hh);
    T_EQ_INT(run(args), 0);
    T_CONTAINS(out_text, "states: 4\n");
    T_CONTAINS(out_text, "  g_Na = 120 [milliS_per_cm2]\n");
}

static void test_errors(void)
{
    T_EQ_INT(run("import nothere.cellml"), 1);
    T_CONTAINS(err_text, "batchode: cannot open 'nothere.cellml': No such file or directory");
    write_file("broken.cellml", "<?xml version='1.0'?>\n<model name='m'\n");
    T_EQ_INT(run("import broken.cellml"), 1);
    T_CONTAINS(err_text, "broken.cellml:3: XML error");
    T_EQ_INT(run("solve broken.cellml"), 1);
    T_CONTAINS(err_text, "broken.cellml:3: XML error");
    T_EQ_INT(run("import"), 2);
    char args[2048];
    snprintf(args, sizeof args, "solve '%s' --param membrane.g_Na=1", hh);
    T_EQ_INT(run(args), 2);
    T_CONTAINS(err_text, "unknown parameter 'membrane.g_Na'");
    T_EQ_INT(run("import --help"), 0);
    T_CONTAINS(out_text, "Usage: batchode import MODEL.cellml [-o FILE]");
}

int main(void)
{
    if (!bo_cellml_supported())
        T_SKIP("built without libxml2 (CellML import)");
    if (cli_setup("/tmp/bo_cli_import_XXXXXX") != 0)
        T_SKIP("cannot create a temp dir");
    snprintf(hh, sizeof hh, "%s/tests/data/cellml/hodgkin_huxley.cellml", BO_SOURCE_DIR);
    test_import();
    test_errors();
    cli_cleanup();
    T_DONE();
}
