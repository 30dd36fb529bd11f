/* Argument parsing and help output for the batchode tool. Each command describes its
 * options once in a table; the parser accepts exactly those (as `--opt value`,
 * `--opt=value`, and `-o value` / `-oVALUE` for short names) and the help printer lists
 * exactly those, so --help stays complete. Also holds the small diagnostic and formatting
 * helpers every command shares. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const cli_option cli_help_option = {"help", 'h', NULL, "Show this help and exit.", CLI_OPT_HELP};

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("batchode: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void cli_print_raw(const char *msg)
{
    size_t n = strlen(msg);
    fputs(msg, stderr);
    if (n == 0 || msg[n - 1] != '\n')
        fputc('\n', stderr);
}

void cli_library_error(const bo_context *ctx, const char *prefix)
{
    const char *msg = bo_errmsg(ctx);
    const char *log = bo_errlog(ctx);
    if (prefix && *prefix)
        fprintf(stderr, "batchode: %s: %s", prefix, msg);
    else
        fprintf(stderr, "batchode: %s", msg);
    if (!*msg || msg[strlen(msg) - 1] != '\n')
        fputc('\n', stderr);
    if (log && *log)
        cli_print_raw(log);
}

void cli_print_warnings(bo_context *ctx)
{
    const char *w = bo_warnings(ctx);
    while (*w) {
        const char *e = strchr(w, '\n');
        int n = (int)(e ? (size_t)(e - w) : strlen(w));
        fprintf(stderr, "batchode: warning: %.*s\n", n, w);
        w += n + (e ? 1 : 0);
    }
    bo_clear_warnings(ctx);
}

void cli_usage_hint(const cli_command *cmd)
{
    if (cmd)
        fprintf(stderr, "Try 'batchode %s --help'.\n", cmd->name);
    else
        fputs("Try 'batchode --help'.\n", stderr);
}

size_t cli_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t *row = malloc((lb + 1) * sizeof *row);
    if (!row)
        return la > lb ? la : lb;
    for (size_t j = 0; j <= lb; ++j)
        row[j] = j;
    for (size_t i = 1; i <= la; ++i) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; ++j) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] == b[j - 1] ? 0u : 1u);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    size_t d = row[lb];
    free(row);
    return d;
}

const char *cli_closest(const char *word, const char *const *names, size_t n)
{
    const char *best = NULL;
    size_t best_d = 0;
    for (size_t i = 0; i < n; ++i) {
        size_t d = cli_edit_distance(word, names[i]);
        if (!best || d < best_d) {
            best = names[i];
            best_d = d;
        }
    }
    return best;
}

void cli_format_double(double v, char *buf, size_t len)
{
    bo_format_double(v, buf, len);
}

int cli_write_text(const char *path, const char *text)
{
    if (strcmp(path, "-") == 0) {
        fputs(text, stdout);
        if (fflush(stdout) != 0 || ferror(stdout)) {
            cli_error("cannot write to standard output: %s", strerror(errno));
            return CLI_EXIT_FAILURE;
        }
        return CLI_EXIT_OK;
    }
    FILE *f = fopen(path, "w");
    if (!f) {
        cli_error("cannot open '%s' for writing: %s", path, strerror(errno));
        return CLI_EXIT_FAILURE;
    }
    int bad = fputs(text, f) < 0;
    bad |= ferror(f) != 0;
    bad |= fclose(f) != 0;
    if (bad) {
        cli_error("cannot write '%s': %s", path, strerror(errno));
        return CLI_EXIT_FAILURE;
    }
    return CLI_EXIT_OK;
}

/* ---- parsing ---------------------------------------------------------------------------- */

static const cli_option *find_long(const cli_command *cmd, const char *name, size_t len)
{
    if (strlen(cli_help_option.name) == len && strncmp(cli_help_option.name, name, len) == 0)
        return &cli_help_option;
    for (size_t i = 0; i < cmd->n_options; ++i) {
        const cli_option *o = &cmd->options[i];
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
            return o;
    }
    return NULL;
}

static const cli_option *find_short(const cli_command *cmd, char c)
{
    if (c == cli_help_option.short_name)
        return &cli_help_option;
    for (size_t i = 0; i < cmd->n_options; ++i)
        if (cmd->options[i].short_name && cmd->options[i].short_name == c)
            return &cmd->options[i];
    return NULL;
}

static void unknown_option(const cli_command *cmd, const char *arg, const char *name, size_t len)
{
    char *word = malloc(len + 1);
    const char **names = malloc((cmd->n_options + 1) * sizeof *names);
    const char *best = NULL;
    if (word && names) {
        memcpy(word, name, len);
        word[len] = '\0';
        for (size_t i = 0; i < cmd->n_options; ++i)
            names[i] = cmd->options[i].name;
        names[cmd->n_options] = cli_help_option.name;
        best = cli_closest(word, names, cmd->n_options + 1);
    }
    if (best)
        cli_error("%s: unknown option '%s' (did you mean '--%s'?)", cmd->name, arg, best);
    else
        cli_error("%s: unknown option '%s'", cmd->name, arg);
    cli_usage_hint(cmd);
    free(word);
    free(names);
}

static int usage_error(const cli_command *cmd, cli_args *out, const char *fmt, const char *a)
{
    fprintf(stderr, "batchode: %s: ", cmd->name);
    fprintf(stderr, fmt, a);
    fputc('\n', stderr);
    cli_usage_hint(cmd);
    cli_args_free(out);
    return CLI_EXIT_USAGE;
}

int cli_parse(const cli_command *cmd, int argc, char **argv, cli_args *out)
{
    memset(out, 0, sizeof *out);
    size_t n = argc > 0 ? (size_t)argc : 0;
    out->items = malloc((n + 1) * sizeof *out->items);
    out->positional = malloc((n + 1) * sizeof *out->positional);
    if (!out->items || !out->positional) {
        cli_error("out of memory");
        cli_args_free(out);
        return CLI_EXIT_FAILURE;
    }
    int only_positional = 0;
    for (int i = 0; i < argc; ++i) {
        char *arg = argv[i];
        if (only_positional || arg[0] != '-' || arg[1] == '\0') {
            out->positional[out->n_positional++] = arg;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            only_positional = 1;
            continue;
        }
        const cli_option *opt;
        const char *value = NULL;
        int has_inline = 0;
        if (arg[1] == '-') {
            const char *name = arg + 2;
            const char *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            opt = find_long(cmd, name, len);
            if (!opt) {
                unknown_option(cmd, arg, name, len);
                cli_args_free(out);
                return CLI_EXIT_USAGE;
            }
            if (eq) {
                value = eq + 1;
                has_inline = 1;
            }
        } else {
            opt = find_short(cmd, arg[1]);
            if (!opt) {
                unknown_option(cmd, arg, arg + 1, 1);
                cli_args_free(out);
                return CLI_EXIT_USAGE;
            }
            if (arg[2] != '\0') {
                if (!opt->metavar)
                    return usage_error(cmd, out, "option '%s' takes no value", arg);
                value = arg + 2;
                has_inline = 1;
            }
        }
        if (!opt->metavar && has_inline)
            return usage_error(cmd, out, "option '--%s' takes no value", opt->name);
        if (opt->metavar && !has_inline) {
            if (i + 1 >= argc)
                return usage_error(cmd, out, "option '%s' needs a value", arg);
            value = argv[++i];
        }
        if (opt->id == CLI_OPT_HELP)
            out->help = 1;
        out->items[out->n_items].opt = opt;
        out->items[out->n_items].value = value;
        ++out->n_items;
    }
    if (out->help)
        return CLI_EXIT_OK;
    if (out->n_positional < cmd->min_positional)
        return usage_error(cmd, out, "missing argument: %s", cmd->usage);
    if (out->n_positional > cmd->max_positional)
        return usage_error(cmd, out, "unexpected argument '%s'",
                           out->positional[cmd->max_positional]);
    return CLI_EXIT_OK;
}

void cli_args_free(cli_args *args)
{
    free(args->items);
    free((void *)args->positional);
    memset(args, 0, sizeof *args);
}

const char *cli_args_get(const cli_args *args, int id)
{
    const char *v = NULL;
    for (size_t i = 0; i < args->n_items; ++i)
        if (args->items[i].opt->id == id)
            v = args->items[i].value;
    return v;
}

int cli_args_has(const cli_args *args, int id)
{
    for (size_t i = 0; i < args->n_items; ++i)
        if (args->items[i].opt->id == id)
            return 1;
    return 0;
}

/* ---- help ------------------------------------------------------------------------------- */

void cli_print_wrapped(FILE *f, const char *text, int col, int indent)
{
    const char *p = text;
    while (*p) {
        if (*p == '\n') {
            fputc('\n', f);
            fprintf(f, "%*s", indent, "");
            col = indent;
            ++p;
            continue;
        }
        size_t word = strcspn(p, " \n");
        if (col > indent && col + 1 + (int)word > CLI_HELP_WIDTH) {
            fprintf(f, "\n%*s", indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', f);
            ++col;
        }
        fwrite(p, 1, word, f);
        col += (int)word;
        p += word;
        while (*p == ' ')
            ++p;
    }
    fputc('\n', f);
}

void cli_print_option(FILE *f, const cli_option *o)
{
    char head[96];
    if (o->short_name)
        snprintf(head, sizeof head, "  -%c, --%s%s%s", o->short_name, o->name,
                 o->metavar ? " " : "", o->metavar ? o->metavar : "");
    else
        snprintf(head, sizeof head, "      --%s%s%s", o->name, o->metavar ? " " : "",
                 o->metavar ? o->metavar : "");
    fputs(head, f);
    int col = (int)strlen(head);
    if (col + 2 > CLI_HELP_INDENT) {
        fprintf(f, "\n%*s", CLI_HELP_INDENT, "");
    } else {
        fprintf(f, "%*s", CLI_HELP_INDENT - col, "");
    }
    cli_print_wrapped(f, o->help, CLI_HELP_INDENT, CLI_HELP_INDENT);
}

void cli_print_command_help(const cli_command *cmd, FILE *f)
{
    fprintf(f, "Usage: batchode %s %s\n\n", cmd->name, cmd->usage);
    fprintf(f, "%s\n\nOptions:\n", cmd->description);
    for (size_t i = 0; i < cmd->n_options; ++i)
        cli_print_option(f, &cmd->options[i]);
    cli_print_option(f, &cli_help_option);
    if (cmd->epilog)
        fprintf(f, "\n%s\n", cmd->epilog);
}
