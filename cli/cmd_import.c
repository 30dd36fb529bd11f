/* The import command: `batchode import MODEL.cellml [-o FILE]` translates a CellML model into
 * the model language (docs/cellml.md) and writes that text, which is exactly what `solve` and
 * `check` compile when given the CellML file itself. An import error is reported as the
 * library words it (file:line: message) and exits 1. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

enum { OPT_OUTPUT = 1 };

static int run_import(const cli_command *cmd, const cli_args *args)
{
    (void)cmd;
    bo_context *ctx = NULL;
    if (bo_context_create(&ctx) != BO_OK) {
        cli_error("out of memory");
        return CLI_EXIT_FAILURE;
    }
    const char *path = args->positional[0];
    char *text = NULL;
    int rc = CLI_EXIT_OK;
    int st = bo_model_import_cellml(ctx, path, &text);
    if (st != BO_OK) {
        const char *msg = bo_errmsg(ctx);
        if ((st == BO_ERR_PARSE || st == BO_ERR_MODEL) && *msg)
            cli_print_raw(msg); /* already "file:line: message" */
        else if (*msg && strstr(msg, path))
            cli_error("%s", msg);
        else if (*msg)
            cli_error("%s: %s", path, msg);
        else
            cli_error("%s: %s", path, bo_strerror(st));
        rc = CLI_EXIT_FAILURE;
    }
    if (rc == CLI_EXIT_OK) {
        cli_print_warnings(ctx);
        const char *out = cli_args_get(args, OPT_OUTPUT);
        rc = cli_write_text(out ? out : "-", text);
    }
    bo_free(text);
    bo_context_destroy(ctx);
    return rc;
}

static const cli_option import_options[] = {
    {"output", 'o', "FILE", "Write the model text to FILE instead of standard output.", OPT_OUTPUT},
};

const cli_command cli_command_import = {
    "import",
    "Translate a CellML model into the model language.",
    "MODEL.cellml [-o FILE]",
    "Read the CellML 1.0, 1.1 or 2.0 model MODEL.cellml (with the local files it imports)\n"
    "and print it in batchode's model language: the text that 'solve' and 'check' compile\n"
    "when given MODEL.cellml directly. Every CellML constant becomes a parameter (settable\n"
    "per run with --param, by its name or as component.variable), states keep their initial\n"
    "values and algebraic variables become observables; connected variables in different\n"
    "units are converted. Comments name each item's component, variable and units.\n"
    "docs/cellml.md describes what is supported and how names are chosen.\n\n"
    "An invalid model is reported as file:line: message and the exit status is 1.",
    "Examples:\n  batchode import hodgkin_huxley.cellml -o hh.ode\n"
    "  batchode solve hodgkin_huxley.cellml --param g_Na=100:140:5 --t1 50",
    import_options,
    sizeof import_options / sizeof import_options[0],
    1,
    1,
    run_import,
};
