/* The batchode command-line tool: `batchode <command> [options]`. This file holds the table
 * of commands and of the global options, and dispatches to the commands (check, codegen,
 * import, solve, settings, help) and the global options (--help, --version, --man-page,
 * --bash-completion). Each command lives in its own file and sees only the public header;
 * the general help and the man page are in manual.c, the completion script in completion.c. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

const cli_command *const cli_commands[] = {
    &cli_command_check, &cli_command_codegen,  &cli_command_import,
    &cli_command_solve, &cli_command_settings,
};
const size_t cli_command_count = sizeof cli_commands / sizeof cli_commands[0];
enum { N_COMMANDS = (int)(sizeof cli_commands / sizeof cli_commands[0]) };

const cli_option cli_global_options[] = {
    {"help", 'h', NULL, "Show this help and exit.", CLI_GLOBAL_HELP},
    {"version", 0, NULL, "Print the version and exit.", CLI_GLOBAL_VERSION},
    {"man-page", 0, NULL,
     "Print the manual page batchode(1) in roff; read it with 'batchode --man-page | man -l -'.",
     CLI_GLOBAL_MAN_PAGE},
    {"bash-completion", 0, NULL,
     "Print the bash completion script (installed as "
     "share/bash-completion/completions/batchode; or: source <(batchode --bash-completion)).",
     CLI_GLOBAL_COMPLETION},
};
const size_t cli_global_option_count = sizeof cli_global_options / sizeof cli_global_options[0];

static const cli_command *find_command(const char *name)
{
    for (int i = 0; i < N_COMMANDS; ++i)
        if (strcmp(cli_commands[i]->name, name) == 0)
            return cli_commands[i];
    return NULL;
}

static int unknown_command(const char *name)
{
    const char *names[N_COMMANDS + 1];
    for (int i = 0; i < N_COMMANDS; ++i)
        names[i] = cli_commands[i]->name;
    names[N_COMMANDS] = "help";
    const char *best = cli_closest(name, names, (size_t)N_COMMANDS + 1);
    cli_error("unknown command '%s' (did you mean '%s'?)", name, best);
    cli_usage_hint(NULL);
    return CLI_EXIT_USAGE;
}

static int print_stdout_status(void)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("cannot write to standard output");
        return CLI_EXIT_FAILURE;
    }
    return CLI_EXIT_OK;
}

static int run_help(int argc, char **argv)
{
    if (argc == 0) {
        cli_print_general_help(stdout);
        return print_stdout_status();
    }
    if (argc > 1) {
        cli_error("help: expected at most one command name, got %d words", argc);
        cli_usage_hint(NULL);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(argv[0], "help") == 0) {
        cli_print_general_help(stdout);
        return print_stdout_status();
    }
    const cli_command *cmd = find_command(argv[0]);
    if (!cmd)
        return unknown_command(argv[0]);
    cli_print_command_help(cmd, stdout);
    return print_stdout_status();
}

/* The global option word names (--help, -h, --version, ...), or NULL. */
static const cli_option *find_global(const char *word)
{
    for (size_t i = 0; i < cli_global_option_count; ++i) {
        const cli_option *o = &cli_global_options[i];
        if ((word[0] == '-' && word[1] == '-' && strcmp(word + 2, o->name) == 0) ||
            (o->short_name && word[0] == '-' && word[1] == o->short_name && word[2] == '\0'))
            return o;
    }
    return NULL;
}

static int unknown_global(const char *word)
{
    const char *names[sizeof cli_global_options / sizeof cli_global_options[0]];
    for (size_t i = 0; i < cli_global_option_count; ++i)
        names[i] = cli_global_options[i].name;
    const char *name = word + strspn(word, "-");
    cli_error("unknown option '%s' (did you mean '--%s'?)", word,
              cli_closest(name, names, cli_global_option_count));
    cli_usage_hint(NULL);
    return CLI_EXIT_USAGE;
}

static int run_global(const cli_option *opt, int argc, char **argv)
{
    if (opt->id == CLI_GLOBAL_HELP) /* --help [command], as help [command] */
        return run_help(argc - 2, argv + 2);
    if (argc > 2) {
        cli_error("--%s takes no arguments", opt->name);
        cli_usage_hint(NULL);
        return CLI_EXIT_USAGE;
    }
    int rc = CLI_EXIT_OK;
    switch (opt->id) {
    case CLI_GLOBAL_VERSION:
        printf("batchode %s\n", bo_version());
        break;
    case CLI_GLOBAL_MAN_PAGE:
        cli_print_man_page(stdout);
        break;
    case CLI_GLOBAL_COMPLETION:
        rc = cli_print_bash_completion(stdout);
        break;
    }
    int out = print_stdout_status();
    return rc != CLI_EXIT_OK ? rc : out;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        cli_print_general_help(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *word = argv[1];
    if (strcmp(word, "help") == 0)
        return run_help(argc - 2, argv + 2);
    if (word[0] == '-') {
        const cli_option *opt = find_global(word);
        return opt ? run_global(opt, argc, argv) : unknown_global(word);
    }
    const cli_command *cmd = find_command(word);
    if (!cmd)
        return unknown_command(word);
    cli_args args;
    int rc = cli_parse(cmd, argc - 2, argv + 2, &args);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (args.help) {
        cli_print_command_help(cmd, stdout);
        cli_args_free(&args);
        return print_stdout_status();
    }
    rc = cmd->run(cmd, &args);
    cli_args_free(&args);
    return rc;
}
