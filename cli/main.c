/* The batchode command-line tool: `batchode <command> [options]`. This file dispatches to
 * the commands (check, codegen, solve, settings, help) and prints the general help and the
 * version. Each command lives in its own file and sees only the public header. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const cli_command *const commands[] = {
    &cli_command_check,
    &cli_command_codegen,
    &cli_command_solve,
    &cli_command_settings,
};
enum { N_COMMANDS = (int)(sizeof commands / sizeof commands[0]) };

static void print_general_help(FILE *f)
{
    fprintf(f, "Usage: batchode <command> [options]\n"
               "       batchode help [command]\n"
               "       batchode --version\n\n"
               "Integrate large batches of ODE initial value problems (one model, many runs,\n"
               "each with its own initial values and parameters) on CPUs and NVIDIA GPUs.\n\n"
               "Commands:\n");
    for (int i = 0; i < N_COMMANDS; ++i)
        fprintf(f, "  %-10s  %s\n", commands[i]->name, commands[i]->summary);
    fprintf(f, "  %-10s  %s\n", "help", "Show the help of batchode or of one command.");
    fprintf(f, "\nOptions:\n"
               "  -h, --help     Show this help and exit.\n"
               "      --version  Print the version and exit.\n\n"
               "Exit status: 0 success; 1 runtime failure (invalid model file, compile error,\n"
               "failed runs, I/O error); 2 usage error (bad command line, option or setting).\n"
               "Run 'batchode <command> --help' for the options of a command.\n");
}

static const cli_command *find_command(const char *name)
{
    for (int i = 0; i < N_COMMANDS; ++i)
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    return NULL;
}

static int unknown_command(const char *name)
{
    const char *names[N_COMMANDS + 1];
    for (int i = 0; i < N_COMMANDS; ++i)
        names[i] = commands[i]->name;
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
        print_general_help(stdout);
        return print_stdout_status();
    }
    if (argc > 1) {
        cli_error("help: expected at most one command name, got %d words", argc);
        cli_usage_hint(NULL);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(argv[0], "help") == 0) {
        print_general_help(stdout);
        return print_stdout_status();
    }
    const cli_command *cmd = find_command(argv[0]);
    if (!cmd)
        return unknown_command(argv[0]);
    cli_print_command_help(cmd, stdout);
    return print_stdout_status();
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_general_help(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *word = argv[1];
    if (strcmp(word, "--version") == 0) {
        printf("batchode %s\n", bo_version());
        return print_stdout_status();
    }
    if (strcmp(word, "--help") == 0 || strcmp(word, "-h") == 0)
        return run_help(0, NULL);
    if (strcmp(word, "help") == 0)
        return run_help(argc - 2, argv + 2);
    if (word[0] == '-') {
        static const char *const global[] = {"help", "version"};
        const char *name = word + strspn(word, "-");
        cli_error("unknown option '%s' (did you mean '--%s'?)", word, cli_closest(name, global, 2));
        cli_usage_hint(NULL);
        return CLI_EXIT_USAGE;
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
