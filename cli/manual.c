/* The general help (batchode --help) and the manual page batchode(1) (batchode --man-page).
 * Both are printed from the same data: the texts and tables below (description, exit status,
 * environment) and every command's table (usage, description, options, epilog) that also
 * drives argument parsing and the command's --help. The build runs --man-page to make the
 * installed man page, so the page cannot drift from what the tool accepts. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char name_line[] =
    "integrate large batches of ODE initial value problems on CPUs and NVIDIA GPUs";

static const char description[] =
    "Integrate large batches of ODE initial value problems (one model, many runs,\n"
    "each with its own initial values and parameters) on CPUs and NVIDIA GPUs.";

static const char help_command_summary[] = "Show the help of batchode or of one command.";

/* Exit status of every command (docs/cli.md has the long form). */
static const struct {
    int code;
    const char *meaning;
} exit_statuses[] = {
    {CLI_EXIT_OK, "Success (for solve: every run succeeded)."},
    {CLI_EXIT_FAILURE,
     "Runtime failure; nothing (more) was computed or written: an invalid or missing model, "
     "run or driver file, a failed compilation, an unavailable backend, a batch that does "
     "not fit in memory, an output that could not be written."},
    {CLI_EXIT_USAGE,
     "Usage error: the command line is wrong (unknown command or option, a bad option or "
     "setting value, settings that do not fit together or with the model, an unknown "
     "variable or driver, a bad value SPEC)."},
    {CLI_EXIT_PARTIAL,
     "solve only: partial success. The results were written (or printed), but some runs "
     "failed; their status words say why."},
    {CLI_EXIT_SIGNAL + 2,
     "solve only: stopped by SIGINT (Ctrl-C), or 143 by SIGTERM: the runs in flight finished "
     "and nothing was written. A second signal ends the tool at once."},
};

/* Every environment variable the tool and the library read. */
static const struct {
    const char *name;
    const char *meaning;
} environment[] = {
    {"BATCHODE_CACHE_DIR",
     "Directory of the compile cache: programs generated and compiled for a model and its "
     "settings are kept there and reused by later runs (setting cache=false turns it off). "
     "Default $XDG_CACHE_HOME/batchode, else $HOME/.cache/batchode."},
    {"BATCHODE_CACHE_KEY_FILE",
     "Secret key file of a deliberately shared compile cache (docs/cache.md): entries are "
     "then signed and checked with HMAC-SHA256 under that key, and a group-writable cache "
     "directory is accepted. Unset, the cache must belong to the user and be writable by "
     "nobody else, or it is not used."},
    {"XDG_CACHE_HOME", "Base of the default cache directory (an absolute path)."},
    {"HOME", "The cache is $HOME/.cache/batchode when neither of the above is set."},
    {"BATCHODE_EXTRA_CFLAGS",
     "Flags added to the C compiler's flags of the CPU backend, and to the compile-cache key "
     "(a debugging aid: the sanitizer build compiles generated programs with -fsanitize "
     "through it)."},
    {"TMPDIR",
     "Directory for the CPU backend's compile work directories (an absolute path; default "
     "/tmp)."},
    {"CUDA_HOME",
     "CUDA installation searched for libnvrtc (CUDA_HOME/lib64) when the loader does not find "
     "it; /usr/local/cuda is tried too. The NVIDIA driver's libcuda.so.1 must be on the "
     "loader's path."},
};

enum { N_EXIT = sizeof exit_statuses / sizeof exit_statuses[0] };
enum { N_ENV = sizeof environment / sizeof environment[0] };

/* ---- general help ----------------------------------------------------------------------- */

/* "  NAME" then text wrapped at CLI_HELP_INDENT, as options are printed. */
static void print_entry(FILE *f, const char *name, const char *text)
{
    int col = fprintf(f, "  %s", name);
    if (col + 2 > CLI_HELP_INDENT) {
        fprintf(f, "\n%*s", CLI_HELP_INDENT, "");
    } else {
        fprintf(f, "%*s", CLI_HELP_INDENT - col, "");
    }
    cli_print_wrapped(f, text, CLI_HELP_INDENT, CLI_HELP_INDENT);
}

void cli_print_general_help(FILE *f)
{
    fprintf(f,
            "Usage: batchode <command> [options]\n"
            "       batchode help [command]\n"
            "       batchode --version\n\n"
            "%s\n\nCommands:\n",
            description);
    for (size_t i = 0; i < cli_command_count; ++i)
        print_entry(f, cli_commands[i]->name, cli_commands[i]->summary);
    print_entry(f, "help", help_command_summary);
    fputs("\nOptions:\n", f);
    for (size_t i = 0; i < cli_global_option_count; ++i)
        cli_print_option(f, &cli_global_options[i]);
    fputs("\nExit status:\n", f);
    for (size_t i = 0; i < N_EXIT; ++i) {
        char code[16];
        snprintf(code, sizeof code, "%d", exit_statuses[i].code);
        print_entry(f, code, exit_statuses[i].meaning);
    }
    fputs("\nEnvironment:\n", f);
    for (size_t i = 0; i < N_ENV; ++i)
        print_entry(f, environment[i].name, environment[i].meaning);
    fputs("\nRun 'batchode <command> --help' for the options of a command.\n", f);
}

/* ---- man page --------------------------------------------------------------------------- */

/* Text for roff: backslashes and hyphens escaped (so options read and copy as typed), a
 * control character at the start of a line made literal, and anything beyond ASCII written
 * as a \[uXXXX] glyph, so the page needs no input encoding. bol: at the start of an output
 * line. */
static void roff_escape(FILE *f, const char *s, size_t n, int bol)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        unsigned c = *p;
        if (bol && (c == '.' || c == '\''))
            fputs("\\&", f);
        bol = 0;
        if (c == '\\') {
            fputs("\\e", f);
        } else if (c == '-') {
            fputs("\\-", f);
        } else if (c == '"') {
            fputs("\\(dq", f);
        } else if (c < 0x80) {
            fputc((int)c, f);
        } else {
            /* UTF-8: the lead byte says how many continuation bytes follow. */
            int extra = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
            unsigned cp = c & (0x3fu >> extra);
            for (int k = 0; k < extra && p + 1 < end; ++k)
                cp = (cp << 6) | (*++p & 0x3fu);
            fprintf(f, "\\[u%04X]", cp);
        }
        ++p;
    }
}

static void roff_line(FILE *f, const char *s)
{
    roff_escape(f, s, strlen(s), 1);
    fputc('\n', f);
}

/* Help text as man paragraphs: a blank line starts a paragraph; lines indented by two
 * spaces (examples, lists) are kept as they are, indented; the other lines are filled. */
static void roff_paragraphs(FILE *f, const char *text)
{
    int literal = 0, paragraph = 0;
    const char *p = text;
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 0) {
            paragraph = 1;
        } else if (n > 2 && p[0] == ' ' && p[1] == ' ') {
            if (!literal) {
                if (paragraph)
                    fputs(".PP\n", f);
                fputs(".RS 4\n.nf\n", f);
                literal = 1;
            } else if (paragraph) {
                fputc('\n', f);
            }
            paragraph = 0;
            roff_escape(f, p + 2, n - 2, 1);
            fputc('\n', f);
        } else {
            if (literal) {
                fputs(".fi\n.RE\n", f);
                literal = 0;
            }
            if (paragraph)
                fputs(".PP\n", f);
            paragraph = 0;
            size_t lead = strspn(p, " ");
            roff_escape(f, p + lead, n - lead, 1);
            fputc('\n', f);
        }
        p += n + (e ? 1 : 0);
    }
    if (literal)
        fputs(".fi\n.RE\n", f);
}

/* An option as a tagged paragraph: \fB-o\fR, \fB--output\fR \fIDIR\fR, then its help. */
static void roff_option(FILE *f, const cli_option *o)
{
    fputs(".TP\n", f);
    if (o->short_name)
        fprintf(f, "\\fB\\-%c\\fR, ", o->short_name);
    fputs("\\fB\\-\\-", f);
    roff_escape(f, o->name, strlen(o->name), 0);
    fputs("\\fR", f);
    if (o->metavar) {
        fputs(" \\fI", f);
        roff_escape(f, o->metavar, strlen(o->metavar), 0);
        fputs("\\fR", f);
    }
    fputc('\n', f);
    roff_paragraphs(f, o->help);
}

static void roff_command(FILE *f, const cli_command *cmd)
{
    fprintf(f, ".SS \"batchode %s ", cmd->name);
    roff_escape(f, cmd->usage, strlen(cmd->usage), 0);
    fputs("\"\n", f);
    roff_paragraphs(f, cmd->description);
    fputs(".PP\nOptions:\n", f);
    for (size_t i = 0; i < cmd->n_options; ++i)
        roff_option(f, &cmd->options[i]);
    roff_option(f, &cli_help_option);
    if (cmd->epilog) {
        fputs(".PP\n", f);
        roff_paragraphs(f, cmd->epilog);
    }
}

void cli_print_man_page(FILE *f)
{
    fputs(".\\\" Manual page of batchode, generated by 'batchode --man-page' from the tool's own\n"
          ".\\\" help tables (the text of --help). Do not edit.\n",
          f);
    fprintf(f, ".TH BATCHODE 1 \"\" \"batchode %s\" \"User Commands\"\n", bo_version());
    /* Left-aligned and unhyphenated: option names, keys and paths must read as typed. */
    fputs(".ad l\n.nh\n", f);
    fputs(".SH NAME\nbatchode \\- ", f);
    roff_line(f, name_line);
    fputs(".SH SYNOPSIS\n"
          ".B batchode\n.I command\n.RI [ options ]\n.br\n"
          ".B batchode help\n.RI [ command ]\n.br\n"
          ".B batchode \\-\\-version\n",
          f);
    fputs(".SH DESCRIPTION\n", f);
    roff_paragraphs(f, description);
    fputs(".PP\nThe model is written in a small text language; batchode derives exact Jacobians\n"
          "symbolically, generates one program specialised to the model and the settings,\n"
          "compiles it once (cached on disk, see \\fBENVIRONMENT\\fR) and runs every run of\n"
          "the batch through it: on an NVIDIA GPU through NVRTC and the CUDA driver, or on the\n"
          "CPU with the system C compiler and a thread pool.\n"
          ".PP\nThe commands are listed below, each with its options: the text\n"
          ".B batchode\n.I command\n.B \\-\\-help\nprints. Settings keys (for\n"
          ".BR \"solve \\-\\-set\" )\nare listed by\n.BR \"batchode settings\" .\n",
          f);
    fputs(".SH OPTIONS\n", f);
    for (size_t i = 0; i < cli_global_option_count; ++i)
        roff_option(f, &cli_global_options[i]);
    fputs(".SH COMMANDS\n", f);
    for (size_t i = 0; i < cli_command_count; ++i)
        roff_command(f, cli_commands[i]);
    fputs(".SS \"batchode help [command]\"\n", f);
    roff_paragraphs(f, help_command_summary);
    fputs(".SH \"EXIT STATUS\"\n", f);
    for (size_t i = 0; i < N_EXIT; ++i) {
        fprintf(f, ".TP\n.B %d\n", exit_statuses[i].code);
        roff_paragraphs(f, exit_statuses[i].meaning);
    }
    fputs(".SH ENVIRONMENT\n", f);
    for (size_t i = 0; i < N_ENV; ++i) {
        fputs(".TP\n.B ", f);
        roff_line(f, environment[i].name);
        roff_paragraphs(f, environment[i].meaning);
    }
    fputs(".SH \"SEE ALSO\"\n"
          "The documentation installed with batchode (share/doc/batchode: README.md and docs/,\n"
          "among them cli.md for this tool, model\\-language.md, settings.md and c\\-api.md),\n"
          "and\n.BR \"batchode settings\" .\n",
          f);
}
