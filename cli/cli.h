/* Shared declarations of the batchode command-line tool: the command and option tables that
 * drive both argument parsing and --help (so the help text cannot drift from what is
 * accepted), the parsed-arguments structure, and small output helpers. The tool sees only
 * the public header batchode.h. */
#ifndef BO_CLI_H
#define BO_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "batchode.h"

/* Exit codes (docs/cli.md): success; nothing was computed or written (a runtime failure);
 * usage error (a bad command line, setting or combination of settings); the solve ran and its
 * results were written, but some runs failed (their status words say why). */
enum { CLI_EXIT_OK = 0, CLI_EXIT_FAILURE = 1, CLI_EXIT_USAGE = 2, CLI_EXIT_PARTIAL = 3 };
/* A solve stopped by a signal exits with 128 + the signal's number, as a shell reports it. */
enum { CLI_EXIT_SIGNAL = 128 };

typedef struct {
    const char *name;    /* long name without the dashes ("rtol") */
    char short_name;     /* 'o' for -o, 0 for none */
    const char *metavar; /* value placeholder for --help; NULL for a flag */
    const char *help;    /* one or more sentences; wrapped by the help printer */
    int id;              /* command-specific identifier */
} cli_option;

typedef struct {
    const cli_option *opt;
    const char *value; /* NULL for flags */
} cli_item;

typedef struct {
    cli_item *items; /* every option occurrence, in command-line order */
    size_t n_items;
    const char **positional;
    size_t n_positional;
    int help; /* --help or -h was given */
} cli_args;

typedef struct cli_command cli_command;
struct cli_command {
    const char *name;
    const char *summary;     /* one line, for the general help */
    const char *usage;       /* after "batchode NAME " */
    const char *description; /* paragraphs printed before the options */
    const char *epilog;      /* examples and notes printed after the options; may be NULL */
    const cli_option *options;
    size_t n_options;
    size_t min_positional, max_positional;
    int (*run)(const cli_command *cmd, const cli_args *args);
};

extern const cli_command cli_command_check;
extern const cli_command cli_command_codegen;
extern const cli_command cli_command_import;
extern const cli_command cli_command_solve;
extern const cli_command cli_command_settings;

/* Every command, in the order the general help lists them (main.c). */
extern const cli_command *const cli_commands[];
extern const size_t cli_command_count;

/* Option id shared by every command's --help entry, and that entry (-h, --help). */
#define CLI_OPT_HELP (-1)
extern const cli_option cli_help_option;

/* The options of batchode itself (before any command: --help, --version, --man-page,
 * --bash-completion), for parsing in main.c and for every help text. */
enum { CLI_GLOBAL_HELP = 1, CLI_GLOBAL_VERSION, CLI_GLOBAL_MAN_PAGE, CLI_GLOBAL_COMPLETION };
extern const cli_option cli_global_options[];
extern const size_t cli_global_option_count;

/* Parse argv[0..argc) (the words after the command name) against cmd's options. Prints a
 * usage diagnostic and returns CLI_EXIT_USAGE on a bad command line, else CLI_EXIT_OK.
 * free with cli_args_free. */
int cli_parse(const cli_command *cmd, int argc, char **argv, cli_args *out);
void cli_args_free(cli_args *args);
/* Value of the last occurrence of option id, NULL when absent (or a flag). */
const char *cli_args_get(const cli_args *args, int id);
int cli_args_has(const cli_args *args, int id);

/* Help layout: text is wrapped at CLI_HELP_WIDTH columns, option help starts at column
 * CLI_HELP_INDENT. */
enum { CLI_HELP_WIDTH = 100, CLI_HELP_INDENT = 28 };
/* The full --help text of a command. */
void cli_print_command_help(const cli_command *cmd, FILE *f);
/* One option as --help lists it: "  -o, --output FILE" and its wrapped help. */
void cli_print_option(FILE *f, const cli_option *o);
/* Print text word-wrapped to CLI_HELP_WIDTH, continuation lines indented by indent; col is
 * the column the cursor is already at. Explicit newlines in text are kept. */
void cli_print_wrapped(FILE *f, const char *text, int col, int indent);

/* The general help (batchode --help): usage, description, commands, global options, exit
 * status and environment (manual.c). */
void cli_print_general_help(FILE *f);
/* The manual page batchode(1) in roff (man macros), made from the same tables and texts as
 * the general help and every command's --help, so it cannot drift from them (manual.c). */
void cli_print_man_page(FILE *f);
/* A bash completion script for batchode: commands, each command's options, the values of
 * options that take one of a list (from the library's settings reference), setting keys for
 * --set, and file names where a file is expected (completion.c). Returns CLI_EXIT_OK or
 * CLI_EXIT_FAILURE (the settings reference could not be made). */
int cli_print_bash_completion(FILE *f);
/* "batchode: " + message + "\n" on stderr. */
void cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* A library message as given: printed verbatim, a newline added when it lacks one. */
void cli_print_raw(const char *msg);
/* "batchode: <prefix>: <bo_errmsg>" plus the library's diagnostic log when it has one. */
void cli_library_error(const bo_context *ctx, const char *prefix);
/* Print the library's warnings held in ctx, one "batchode: warning: ..." line each, then clear
 * them (so each is printed once). */
void cli_print_warnings(bo_context *ctx);
/* Usage hint "Try 'batchode NAME --help'." on stderr. */
void cli_usage_hint(const cli_command *cmd);

/* Load a model file. A parse or model error is printed exactly as the library words it
 * (file:line:col: message, the source line, a caret); other failures (a missing file) as
 * "batchode: message". Returns CLI_EXIT_OK or CLI_EXIT_FAILURE. */
int cli_load_model(bo_context *ctx, const char *path, bo_model **model);

/* Levenshtein distance (for "did you mean" suggestions). */
size_t cli_edit_distance(const char *a, const char *b);
/* Closest candidate to word among n names (NULL when n == 0). */
const char *cli_closest(const char *word, const char *const *names, size_t n);

/* The shortest %.*g text that reads back as v exactly ("nan", "inf", "-inf" otherwise). */
void cli_format_double(double v, char *buf, size_t len);

/* Write text to path ("-" means stdout). Prints a diagnostic and returns CLI_EXIT_FAILURE
 * on error. */
int cli_write_text(const char *path, const char *text);

#endif
