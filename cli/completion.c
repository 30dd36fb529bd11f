/* The bash completion script (batchode --bash-completion; the build installs its output as
 * share/bash-completion/completions/batchode). It is written from the tool's own tables: the
 * commands, each command's options (the table that drives parsing and --help), and, for the
 * options that set a settings key with a list of allowed values (choices and booleans, named
 * in the option's help as "(setting 'KEY'"), those values from the library's settings
 * reference, which comes from the key tables that validate the values. So the script offers
 * what the tool accepts and nothing else. The script itself needs only bash (not the
 * bash-completion package). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Options that take one of a list of values but set no settings key: the list is written
 * here, beside the check the command makes (cmd_solve.c). */
static const struct {
    const char *command, *option, *values;
} other_choices[] = {
    {"solve", "format", "csv npy"},
};

/* One row of the settings reference: the key, and its allowed values when they are a list
 * (space-separated; NULL otherwise). */
typedef struct {
    char *key;
    char *values;
} setting;

typedef struct {
    setting *items;
    size_t n;
    char *doc;
} settings_table;

static void table_free(settings_table *t)
{
    for (size_t i = 0; i < t->n; ++i)
        free(t->items[i].values);
    free(t->items);
    bo_free(t->doc);
    memset(t, 0, sizeof *t);
}

/* Copy the `quoted` words of text[0..n) into a new space-separated string. */
static char *quoted_words(const char *text, size_t n)
{
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    size_t len = 0;
    const char *p = text, *end = text + n;
    while (p < end) {
        const char *open = memchr(p, '`', (size_t)(end - p));
        if (!open)
            break;
        const char *close = memchr(open + 1, '`', (size_t)(end - open - 1));
        if (!close)
            break;
        if (len)
            out[len++] = ' ';
        memcpy(out + len, open + 1, (size_t)(close - open - 1));
        len += (size_t)(close - open - 1);
        p = close + 1;
    }
    out[len] = '\0';
    return out;
}

/* The rows of the settings reference as Markdown: "| `key` | type | `default` | allowed |
 * description |". For the types choice and bool the allowed cell lists the values, each in
 * backquotes, then "(aliases: ...)" (the aliases are accepted too but not offered). The key
 * strings point into t->doc. */
static int read_settings(settings_table *t)
{
    memset(t, 0, sizeof *t);
    if (bo_settings_doc(1, &t->doc) != BO_OK)
        return -1;
    size_t cap = 0;
    for (char *line = t->doc; line && *line;) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char *cells[4];
        int ncells = 0;
        if (strncmp(line, "| `", 3) == 0) {
            char *p = line + 2;
            while (ncells < 4) {
                char *bar = strstr(p, " | ");
                if (!bar)
                    break;
                *bar = '\0';
                cells[ncells++] = p;
                p = bar + 3;
            }
        }
        line = next;
        if (ncells < 4)
            continue;
        if (t->n == cap) {
            cap = cap ? 2 * cap : 128;
            setting *grown = realloc(t->items, cap * sizeof *grown);
            if (!grown)
                return -1;
            t->items = grown;
        }
        setting *s = &t->items[t->n];
        s->key = cells[0] + 1;
        s->key[strcspn(s->key, "`")] = '\0';
        s->values = NULL;
        if (strcmp(cells[1], "choice") == 0 || strcmp(cells[1], "bool") == 0) {
            char *aliases = strstr(cells[3], " (aliases:");
            size_t n = aliases ? (size_t)(aliases - cells[3]) : strlen(cells[3]);
            s->values = quoted_words(cells[3], n);
            if (!s->values)
                return -1;
        }
        ++t->n;
    }
    return t->n > 0 ? 0 : -1;
}

static const setting *find_setting(const settings_table *t, const char *key, size_t n)
{
    for (size_t i = 0; i < t->n; ++i)
        if (strlen(t->items[i].key) == n && strncmp(t->items[i].key, key, n) == 0)
            return &t->items[i];
    return NULL;
}

/* What an option's value is, as the script's _batchode_kind says it: "flag", "choice
 * WORD...", "file EXT" (EXT empty: any file), "dir", "assign-file EXT" (NAME=FILE),
 * "setting" (KEY=VALUE) or "text" (nothing to offer). Written to f. */
static void print_kind(FILE *f, const cli_command *cmd, const cli_option *o,
                       const settings_table *t)
{
    if (!o->metavar) {
        fputs("flag", f);
        return;
    }
    for (size_t i = 0; i < sizeof other_choices / sizeof other_choices[0]; ++i)
        if (strcmp(other_choices[i].command, cmd->name) == 0 &&
            strcmp(other_choices[i].option, o->name) == 0) {
            fprintf(f, "choice %s", other_choices[i].values);
            return;
        }
    const char *mark = strstr(o->help, "(setting '");
    if (mark) {
        const char *key = mark + strlen("(setting '");
        const setting *s = find_setting(t, key, strcspn(key, "'"));
        if (s && s->values) {
            fprintf(f, "choice %s", s->values);
            return;
        }
    }
    const char *m = o->metavar;
    const char *eq = strchr(m, '=');
    const char *dot = strrchr(m, '.');
    const char *ext = dot ? dot + 1 : "";
    if (strcmp(m, "KEY=VALUE") == 0)
        fputs("setting", f);
    else if (eq && strstr(eq, "FILE"))
        fprintf(f, "assign-file%s%s", *ext ? " " : "", ext);
    else if (strstr(m, "FILE"))
        fprintf(f, "file%s%s", *ext ? " " : "", ext);
    else if (strcmp(m, "DIR") == 0)
        fputs("dir", f);
    else
        fputs("text", f);
}

/* Everything of the script that does not depend on the tables. */
static const char script_logic[] =
    "# The length of $1 up to its last COMP_WORDBREAKS character: bash replaces only what\n"
    "# follows, so that much is cut from every reply.\n"
    "_batchode_cut()\n"
    "{\n"
    "    local i\n"
    "    _batchode_n=0\n"
    "    for ((i = ${#1} - 1; i >= 0; i--)); do\n"
    "        if [[ $COMP_WORDBREAKS == *\"${1:i:1}\"* ]]; then\n"
    "            _batchode_n=$((i + 1))\n"
    "            return\n"
    "        fi\n"
    "    done\n"
    "}\n"
    "\n"
    "# Offer each word of $3, prefixed by $2, that starts with the word being completed ($1).\n"
    "_batchode_offer()\n"
    "{\n"
    "    local w full\n"
    "    _batchode_cut \"$1\"\n"
    "    for w in $3; do\n"
    "        full=$2$w\n"
    "        [[ $full == \"$1\"* ]] && COMPREPLY+=(\"${full:_batchode_n}\")\n"
    "    done\n"
    "}\n"
    "\n"
    "# Offer file names for the word $1, which starts with $2 (an option and '=', or nothing):\n"
    "# names ending in .$3 and directories; with $3 empty any file, with $3 'dir' directories.\n"
    "_batchode_offer_files()\n"
    "{\n"
    "    local part=${1:${#2}} name full\n"
    "    local -a names\n"
    "    _batchode_cut \"$1\"\n"
    "    if [[ $3 == dir ]]; then\n"
    "        mapfile -t names < <(compgen -d -- \"$part\")\n"
    "    elif [[ -n $3 ]]; then\n"
    "        mapfile -t names < <(compgen -f -X \"!*.$3\" -- \"$part\"; compgen -d -- \"$part\")\n"
    "    else\n"
    "        mapfile -t names < <(compgen -f -- \"$part\")\n"
    "    fi\n"
    "    for name in \"${names[@]}\"; do\n"
    "        full=$2$name\n"
    "        COMPREPLY+=(\"${full:_batchode_n}\")\n"
    "    done\n"
    "    compopt -o filenames 2>/dev/null\n"
    "    return 0\n"
    "}\n"
    "\n"
    "# Offer values for the word $1, which starts with $2, of an option of kind $3 (the words\n"
    "# of a choice follow).\n"
    "_batchode_value()\n"
    "{\n"
    "    local cur=$1 prefix=$2 kind=$3 value key keys=''\n"
    "    shift 3\n"
    "    value=${cur:${#prefix}}\n"
    "    case $kind in\n"
    "    choice) _batchode_offer \"$cur\" \"$prefix\" \"$*\" ;;\n"
    "    file) _batchode_offer_files \"$cur\" \"$prefix\" \"${1-}\" ;;\n"
    "    dir) _batchode_offer_files \"$cur\" \"$prefix\" dir ;;\n"
    "    assign-file)\n"
    "        if [[ $value == *=* ]]; then\n"
    "            _batchode_offer_files \"$cur\" \"$prefix${value%%=*}=\" \"${1-}\"\n"
    "        fi\n"
    "        ;;\n"
    "    setting)\n"
    "        if [[ $value == *=* ]]; then\n"
    "            _batchode_setting_values \"${value%%=*}\"\n"
    "            _batchode_offer \"$cur\" \"$prefix${value%%=*}=\" \"$_batchode_w\"\n"
    "        else\n"
    "            for key in $_batchode_setting_keys; do\n"
    "                keys+=\" $key=\"\n"
    "            done\n"
    "            _batchode_offer \"$cur\" \"$prefix\" \"$keys\"\n"
    "            compopt -o nospace 2>/dev/null\n"
    "        fi\n"
    "        ;;\n"
    "    esac\n"
    "    return 0\n"
    "}\n"
    "\n"
    "_batchode()\n"
    "{\n"
    "    local _batchode_w _batchode_n line=${COMP_LINE:0:COMP_POINT} cmd cur prev options i\n"
    "    local -a words\n"
    "    read -ra words <<<\"$line\"\n"
    "    [[ -z $line || $line == *[[:space:]] ]] && words+=('')\n"
    "    local n=$((${#words[@]} - 1))\n"
    "    COMPREPLY=()\n"
    "    ((n >= 1)) || return 0\n"
    "    cur=${words[n]}\n"
    "    prev=${words[n - 1]}\n"
    "    if ((n == 1)); then\n"
    "        _batchode_offer \"$cur\" '' \"$_batchode_commands $_batchode_global\"\n"
    "        return 0\n"
    "    fi\n"
    "    cmd=${words[1]}\n"
    "    if [[ $cmd == help || $cmd == --help || $cmd == -h ]]; then\n"
    "        ((n == 2)) && _batchode_offer \"$cur\" '' \"$_batchode_commands\"\n"
    "        return 0\n"
    "    fi\n"
    "    _batchode_options \"$cmd\"\n"
    "    options=$_batchode_w\n"
    "    [[ -n $options ]] || return 0\n"
    "    _batchode_arguments \"$cmd\"\n"
    "    for ((i = 2; i < n; i++)); do\n"
    "        if [[ ${words[i]} == -- ]]; then\n"
    "            _batchode_value \"$cur\" '' $_batchode_w\n"
    "            return 0\n"
    "        fi\n"
    "    done\n"
    "    if ((n > 2)) && [[ $prev == -* ]]; then\n"
    "        _batchode_kind \"$cmd\" \"$prev\"\n"
    "        if [[ $_batchode_w != flag ]]; then\n"
    "            _batchode_value \"$cur\" '' $_batchode_w\n"
    "            return 0\n"
    "        fi\n"
    "    fi\n"
    "    if [[ $cur == --*=* ]]; then\n"
    "        _batchode_kind \"$cmd\" \"${cur%%=*}\"\n"
    "        [[ $_batchode_w == flag ]] || _batchode_value \"$cur\" \"${cur%%=*}=\" $_batchode_w\n"
    "        return 0\n"
    "    fi\n"
    "    if [[ $cur == -* ]]; then\n"
    "        _batchode_offer \"$cur\" '' \"$options\"\n"
    "        return 0\n"
    "    fi\n"
    "    _batchode_arguments \"$cmd\"\n"
    "    _batchode_value \"$cur\" '' $_batchode_w\n"
    "    return 0\n"
    "}\n"
    "\n"
    "complete -F _batchode batchode\n";

/* The positional arguments of a command, as a kind: its usage starts with a file name
 * (MODEL.ode: files ending in .ode), or it takes none. */
static void print_arguments_kind(FILE *f, const cli_command *cmd)
{
    const char *u = cmd->usage;
    size_t n = strcspn(u, " ");
    const char *dot = memchr(u, '.', n);
    if (cmd->max_positional == 0)
        fputs("text", f);
    else if (dot)
        fprintf(f, "file %.*s", (int)(u + n - dot - 1), dot + 1);
    else
        fputs("file", f);
}

int cli_print_bash_completion(FILE *f)
{
    settings_table t;
    if (read_settings(&t) != 0) {
        table_free(&t);
        cli_error("cannot read the settings reference for the completion script");
        return CLI_EXIT_FAILURE;
    }
    fprintf(f,
            "# bash completion for batchode %s: commands, options, their values (choices,\n"
            "# setting keys, file names). Generated by 'batchode --bash-completion' from the "
            "tool's\n"
            "# option tables and the library's settings reference; do not edit.\n"
            "# shellcheck shell=bash\n\n",
            bo_version());

    fputs("_batchode_commands='", f);
    for (size_t i = 0; i < cli_command_count; ++i)
        fprintf(f, "%s ", cli_commands[i]->name);
    fputs("help'\n_batchode_global='", f);
    for (size_t i = 0; i < cli_global_option_count; ++i) {
        const cli_option *o = &cli_global_options[i];
        fprintf(f, "%s--%s", i ? " " : "", o->name);
        if (o->short_name)
            fprintf(f, " -%c", o->short_name);
    }
    fputs("'\n_batchode_setting_keys='", f);
    for (size_t i = 0; i < t.n; ++i)
        fprintf(f, "%s%s", i ? " " : "", t.items[i].key);
    fputs("'\n\n", f);

    fputs("# The options of command $1.\n_batchode_options()\n{\n    case $1 in\n", f);
    for (size_t i = 0; i < cli_command_count; ++i) {
        const cli_command *cmd = cli_commands[i];
        fprintf(f, "    %s) _batchode_w='", cmd->name);
        for (size_t k = 0; k <= cmd->n_options; ++k) {
            const cli_option *o = k < cmd->n_options ? &cmd->options[k] : &cli_help_option;
            fprintf(f, "%s--%s", k ? " " : "", o->name);
            if (o->short_name)
                fprintf(f, " -%c", o->short_name);
        }
        fputs("' ;;\n", f);
    }
    fputs("    *) _batchode_w='' ;;\n    esac\n}\n\n", f);

    fputs("# What the value of option $2 of command $1 is: flag (it takes none), choice WORD...,\n"
          "# file EXT (EXT empty: any file), dir, assign-file EXT (NAME=FILE), setting\n"
          "# (KEY=VALUE) or text (nothing to offer).\n"
          "_batchode_kind()\n{\n    case \"$1 $2\" in\n",
          f);
    for (size_t i = 0; i < cli_command_count; ++i) {
        const cli_command *cmd = cli_commands[i];
        for (size_t k = 0; k < cmd->n_options; ++k) {
            const cli_option *o = &cmd->options[k];
            if (!o->metavar)
                continue;
            fprintf(f, "    '%s --%s'", cmd->name, o->name);
            if (o->short_name)
                fprintf(f, " | '%s -%c'", cmd->name, o->short_name);
            fputs(") _batchode_w='", f);
            print_kind(f, cmd, o, &t);
            fputs("' ;;\n", f);
        }
    }
    fputs("    *) _batchode_w='flag' ;;\n    esac\n}\n\n", f);

    fputs("# The arguments of command $1, as a kind of value.\n"
          "_batchode_arguments()\n{\n    case $1 in\n",
          f);
    for (size_t i = 0; i < cli_command_count; ++i) {
        fprintf(f, "    %s) _batchode_w='", cli_commands[i]->name);
        print_arguments_kind(f, cli_commands[i]);
        fputs("' ;;\n", f);
    }
    fputs("    *) _batchode_w='text' ;;\n    esac\n}\n\n", f);

    fputs("# The values of setting $1 when they are a list (choices, booleans).\n"
          "_batchode_setting_values()\n{\n    case $1 in\n",
          f);
    for (size_t i = 0; i < t.n; ++i)
        if (t.items[i].values)
            fprintf(f, "    %s) _batchode_w='%s' ;;\n", t.items[i].key, t.items[i].values);
    fputs("    *) _batchode_w='' ;;\n    esac\n}\n\n", f);

    fputs(script_logic, f);
    table_free(&t);
    return CLI_EXIT_OK;
}
