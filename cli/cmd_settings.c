/* The `settings` command: prints the library's reference of every setting key (type,
 * default, allowed values, description), as plain text or as Markdown. The text comes from
 * the library's own key tables, so it is the same list `solve --set` accepts. */
#include <stdio.h>

#include "cli.h"

enum { OPT_MARKDOWN = 1 };

static int run_settings(const cli_command *cmd, const cli_args *args)
{
    (void)cmd;
    char *doc = NULL;
    int st = bo_settings_doc(cli_args_has(args, OPT_MARKDOWN), &doc);
    if (st != BO_OK) {
        cli_error("settings: cannot produce the settings reference: %s", bo_strerror(st));
        return CLI_EXIT_FAILURE;
    }
    int rc = cli_write_text("-", doc);
    bo_free(doc);
    return rc;
}

static const cli_option settings_options[] = {
    {"markdown", 0, NULL, "Print the reference as Markdown (the text of docs/settings.md).",
     OPT_MARKDOWN},
};

const cli_command cli_command_settings = {
    "settings",
    "Print the reference of every setting key (for solve --set KEY=VALUE).",
    "[--markdown]",
    "Print every setting key the library knows: its type, default, allowed values and what\n"
    "it does. Any of them can be given to 'batchode solve' with --set KEY=VALUE.",
    "Examples:\n  batchode settings\n  batchode settings --markdown > settings.md",
    settings_options,
    sizeof settings_options / sizeof settings_options[0],
    0,
    0,
    run_settings,
};
