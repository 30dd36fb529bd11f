/* The model commands: `check` loads a model file and prints what it declares (symbols,
 * defaults, units, Jacobian sparsity), `codegen` prints the C the library generates for the
 * model's functions. A model that fails to load is reported exactly as the library words it
 * (file:line:col, the source line and a caret) and exits 1: the command line was fine, the
 * file was not. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Jacobian patterns larger than this are summarised by their nonzero count only: a matrix
 * wider than a terminal is not readable. */
enum { MAX_PATTERN_SHOWN = 100 };

enum { OPT_OUTPUT = 1 };

int cli_load_model(bo_context *ctx, const char *path, bo_model **model)
{
    int st = bo_model_load_file(ctx, path, model);
    if (st == BO_OK)
        return CLI_EXIT_OK;
    const char *msg = bo_errmsg(ctx);
    if ((st == BO_ERR_PARSE || st == BO_ERR_MODEL) && *msg)
        cli_print_raw(msg); /* already "file:line:col: message", the line and a caret */
    else if (*msg && strstr(msg, path))
        cli_error("%s", msg);
    else if (*msg)
        cli_error("%s: %s", path, msg);
    else
        cli_error("%s: %s", path, bo_strerror(st));
    return CLI_EXIT_FAILURE;
}

static int open_context(bo_context **ctx)
{
    if (bo_context_create(ctx) != BO_OK) {
        cli_error("out of memory");
        return CLI_EXIT_FAILURE;
    }
    return CLI_EXIT_OK;
}

static const struct {
    bo_symbol_kind kind;
    const char *title;
    int has_value;
} sections[] = {
    {BO_STATE, "states", 1},   {BO_PARAMETER, "parameters", 1},   {BO_CONSTANT, "constants", 1},
    {BO_DRIVER, "drivers", 0}, {BO_OBSERVABLE, "observables", 0}, {BO_AUXILIARY, "auxiliaries", 0},
};

static void print_symbols(const bo_model *m, FILE *f)
{
    for (size_t s = 0; s < sizeof sections / sizeof sections[0]; ++s) {
        size_t n = bo_model_count(m, sections[s].kind);
        fprintf(f, "%s: %zu\n", sections[s].title, n);
        for (size_t i = 0; i < n; ++i) {
            const char *name = bo_model_symbol_name(m, sections[s].kind, i);
            const char *unit = bo_model_symbol_unit(m, sections[s].kind, i);
            fprintf(f, "  %s", name ? name : "?");
            if (sections[s].has_value) {
                char num[40];
                cli_format_double(bo_model_symbol_default(m, sections[s].kind, i), num, sizeof num);
                fprintf(f, " = %s", num);
            }
            if (unit)
                fprintf(f, " [%s]", unit);
            fputc('\n', f);
        }
    }
    size_t ne = bo_model_event_count(m); /* listed only when there are some */
    if (ne)
        fprintf(f, "events: %zu\n", ne);
    for (size_t i = 0; i < ne; ++i) {
        int dir = bo_model_event_direction(m, i);
        size_t na = bo_model_event_assignment_count(m, i);
        fprintf(f, "  %s (%s", bo_model_event_name(m, i),
                dir > 0   ? "rising"
                : dir < 0 ? "falling"
                          : "either direction");
        if (na)
            fprintf(f, ", assigns %zu state%s", na, na == 1 ? "" : "s");
        fprintf(f, "%s)\n", bo_model_event_stops(m, i) ? ", stops the run" : "");
    }
}

/* The Jacobian's sparsity, computed before anything is printed: a summary that reads as
 * success must not precede a failure. Only the nonzeros are held (compressed rows), so a
 * model of 10^5 states costs memory for its nonzeros, not for 10^10 entries. */
typedef struct {
    size_t n, nnz;
    size_t *row_start; /* n + 1, when the matrix is shown */
    size_t *cols;      /* nnz, likewise */
} pattern;

static int compute_pattern(const bo_model *m, pattern *pat)
{
    memset(pat, 0, sizeof *pat);
    pat->n = bo_model_count(m, BO_STATE);
    int st;
    if (pat->n > MAX_PATTERN_SHOWN) {
        st = bo_model_jacobian_nnz(m, &pat->nnz);
    } else {
        /* At most 100 x 100 entries: room for all of them spares a second pass. */
        pat->row_start = calloc(pat->n + 1, sizeof *pat->row_start);
        pat->cols = calloc(pat->n * pat->n + 1, sizeof *pat->cols);
        if (!pat->row_start || !pat->cols) {
            cli_error("out of memory for the Jacobian pattern");
            return CLI_EXIT_FAILURE;
        }
        st = bo_model_jacobian_csr(m, pat->row_start, pat->cols, pat->n * pat->n);
        pat->nnz = pat->row_start[pat->n];
    }
    if (st != BO_OK) {
        cli_error("cannot compute the Jacobian pattern: %s", bo_strerror(st));
        return CLI_EXIT_FAILURE;
    }
    return CLI_EXIT_OK;
}

static void free_pattern(pattern *pat)
{
    free(pat->row_start);
    free(pat->cols);
}

static void print_pattern(const bo_model *m, const pattern *pat, FILE *f)
{
    size_t n = pat->n;
    if (n == 0) {
        fprintf(f, "jacobian: 0 x 0, 0 nonzeros\n");
        return;
    }
    fprintf(f, "jacobian: %zu x %zu, %zu nonzeros (row i: d(dx_i/dt)/dx_j, j = column)\n", n, n,
            pat->nnz);
    if (!pat->row_start) {
        fprintf(f, "  (matrix not shown for more than %d states)\n", (int)MAX_PATTERN_SHOWN);
        return;
    }
    for (size_t i = 0; i < n; ++i) {
        fputs("  ", f);
        size_t e = pat->row_start[i];
        for (size_t j = 0; j < n; ++j) {
            int nz = e < pat->row_start[i + 1] && pat->cols[e] == j;
            e += nz ? 1u : 0u;
            fputc(nz ? '*' : '.', f);
            if (j + 1 < n)
                fputc(' ', f);
        }
        const char *name = bo_model_symbol_name(m, BO_STATE, i);
        fprintf(f, "   %s\n", name ? name : "?");
    }
}

static int run_check(const cli_command *cmd, const cli_args *args)
{
    (void)cmd;
    bo_context *ctx = NULL;
    bo_model *m = NULL;
    pattern pat;
    memset(&pat, 0, sizeof pat);
    int rc = open_context(&ctx);
    if (rc == CLI_EXIT_OK)
        rc = cli_load_model(ctx, args->positional[0], &m);
    if (rc == CLI_EXIT_OK)
        rc = compute_pattern(m, &pat);
    if (rc == CLI_EXIT_OK) {
        const char *name = bo_model_name(m);
        printf("model: %s\n", name ? name : "?");
        print_symbols(m, stdout);
        print_pattern(m, &pat, stdout);
        if (fflush(stdout) != 0 || ferror(stdout)) {
            cli_error("cannot write to standard output");
            rc = CLI_EXIT_FAILURE;
        }
    }
    free_pattern(&pat);
    bo_model_destroy(m);
    bo_context_destroy(ctx);
    return rc;
}

static int run_codegen(const cli_command *cmd, const cli_args *args)
{
    (void)cmd;
    bo_context *ctx = NULL;
    bo_model *m = NULL;
    char *source = NULL;
    int rc = open_context(&ctx);
    if (rc == CLI_EXIT_OK)
        rc = cli_load_model(ctx, args->positional[0], &m);
    if (rc == CLI_EXIT_OK && bo_model_emit_c(ctx, m, &source) != BO_OK) {
        cli_library_error(ctx, "codegen");
        rc = CLI_EXIT_FAILURE;
    }
    if (rc == CLI_EXIT_OK) {
        const char *out = cli_args_get(args, OPT_OUTPUT);
        rc = cli_write_text(out ? out : "-", source);
    }
    bo_free(source);
    bo_model_destroy(m);
    bo_context_destroy(ctx);
    return rc;
}

/* check has no options of its own (only --help); C has no empty arrays, so one unused entry
 * stands in and n_options is 0. */
static const cli_option check_options[] = {{NULL, 0, NULL, NULL, 0}};

const cli_command cli_command_check = {
    "check",
    "Load a model file and summarise it (symbols, defaults, units, Jacobian sparsity).",
    "MODEL.ode",
    "Load MODEL.ode and print its name; its states (initial values), parameters (defaults),\n"
    "constants (values), drivers, observables and auxiliaries, each with its unit when one\n"
    "is declared; and the structural sparsity of the Jacobian d(dx/dt)/dx as a matrix of\n"
    "'*' (may be nonzero) and '.' (identically zero) with its nonzero count. Matrices of\n"
    "more than 100 states are summarised by the count only.\n\n"
    "An invalid model is reported as file:line:col: message, the source line and a caret,\n"
    "and the exit status is 1. MODEL may also be a CellML file (a name ending in .cellml, or\n"
    "XML text), imported as 'batchode import' shows (its errors: file:line: message).",
    "Example:\n  batchode check lorenz.ode",
    check_options,
    0,
    1,
    1,
    run_check,
};

static const cli_option codegen_options[] = {
    {"output", 'o', "FILE", "Write the source to FILE instead of standard output.", OPT_OUTPUT},
};

const cli_command cli_command_codegen = {
    "codegen",
    "Print the C source generated for a model's functions.",
    "MODEL.ode [-o FILE]",
    "Print the C source the library generates for MODEL.ode: the derivative function, the\n"
    "observables, the Jacobian, Jacobian-vector product and the partial derivatives with\n"
    "respect to time and drivers. The output is deterministic. MODEL may also be a CellML\n"
    "file, imported as 'batchode import' shows.",
    "Examples:\n  batchode codegen lorenz.ode\n  batchode codegen lorenz.ode -o lorenz.c",
    codegen_options,
    sizeof codegen_options / sizeof codegen_options[0],
    1,
    1,
    run_codegen,
};
