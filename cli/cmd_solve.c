/* The `solve` command: model file + settings + batch -> solver -> results. Every option maps
 * onto one library call (a settings key, a batch value list, a run file), applied in
 * command-line order so that later options win and the combinatorial grid follows the order
 * the variables were given. Problems with the command line (unknown option, bad setting
 * value, unknown variable, bad spec) exit 2 before anything is compiled; problems with files,
 * compilation or memory exit 1; a solve whose results were written but some runs failed exits
 * 3; one stopped by SIGINT/SIGTERM exits 128 + the signal. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

enum {
    OPT_ALGORITHM = 1,
    OPT_CONTROLLER,
    OPT_RTOL,
    OPT_ATOL,
    OPT_DT,
    OPT_T0,
    OPT_DURATION,
    OPT_SETTLING,
    OPT_SAVE_EVERY,
    OPT_SAVE_AT,
    OPT_SAVE_MODE,
    OPT_OUTPUTS,
    OPT_SUMMARISE_EVERY,
    OPT_SAMPLE_EVERY,
    OPT_PARAM,
    OPT_INIT,
    OPT_SPAN,
    OPT_RUNS,
    OPT_DRIVER,
    OPT_GRID,
    OPT_PRECISION,
    OPT_BACKEND,
    OPT_THREADS,
    OPT_SET,
    OPT_OUTPUT,
    OPT_FORMAT,
    OPT_QUIET,
    OPT_PRINT_SETTINGS,
    OPT_INFO,
    OPT_SOURCE
};

/* Options that are shorthands for one settings key. */
static const struct {
    int id;
    const char *key;
} setting_options[] = {
    {OPT_ALGORITHM, "algorithm"},
    {OPT_CONTROLLER, "step_controller"},
    {OPT_RTOL, "rtol"},
    {OPT_ATOL, "atol"},
    {OPT_DT, "dt"},
    {OPT_T0, "t0"},
    {OPT_DURATION, "duration"},
    {OPT_SETTLING, "settling"},
    {OPT_SAVE_EVERY, "save_every"},
    {OPT_SAVE_AT, "save_at"},
    {OPT_SAVE_MODE, "save_mode"},
    {OPT_OUTPUTS, "outputs"},
    {OPT_SUMMARISE_EVERY, "summarise_every"},
    {OPT_SAMPLE_EVERY, "sample_summaries_every"},
    {OPT_GRID, "grid"},
    {OPT_PRECISION, "precision"},
    {OPT_BACKEND, "backend"},
    {OPT_THREADS, "threads"},
};

/* Failed runs listed individually on stderr; the rest are counted. */
enum { MAX_FAILED_LISTED = 5 };

static const char *setting_key(int id)
{
    for (size_t i = 0; i < sizeof setting_options / sizeof setting_options[0]; ++i)
        if (setting_options[i].id == id)
            return setting_options[i].key;
    return NULL;
}

/* Split "NAME=VALUE" at the first '='; NULL when there is no '=' or no name. */
static char *split_assignment(const char *text, const char **value)
{
    const char *eq = strchr(text, '=');
    if (!eq || eq == text)
        return NULL;
    size_t n = (size_t)(eq - text);
    char *name = malloc(n + 1);
    if (!name)
        return NULL;
    memcpy(name, text, n);
    name[n] = '\0';
    *value = eq + 1;
    return name;
}

/* Apply the settings options in command-line order. On an error the diagnostic names the
 * option as given and then the library's message (which names the key and the allowed
 * values). */
static int apply_settings(bo_context *ctx, bo_settings *settings, const cli_args *args)
{
    for (size_t i = 0; i < args->n_items; ++i) {
        const cli_item *it = &args->items[i];
        const char *key = setting_key(it->opt->id);
        const char *value = it->value;
        char *owned = NULL;
        if (it->opt->id == OPT_SET) {
            owned = split_assignment(it->value, &value);
            if (!owned) {
                cli_error("solve: --set '%s': expected KEY=VALUE", it->value);
                cli_usage_hint(&cli_command_solve);
                return CLI_EXIT_USAGE;
            }
            key = owned;
        }
        if (!key)
            continue;
        int st = bo_settings_set(settings, key, value);
        free(owned);
        if (st != BO_OK) {
            char prefix[256];
            snprintf(prefix, sizeof prefix, "--%s %s", it->opt->name, it->value);
            cli_library_error(ctx, prefix);
            cli_usage_hint(&cli_command_solve);
            return st == BO_ERR_NOMEM ? CLI_EXIT_FAILURE : CLI_EXIT_USAGE;
        }
    }
    return CLI_EXIT_OK;
}

static int parse_grid(const char *text, bo_grid *grid)
{
    if (strcmp(text, "combinatorial") == 0)
        *grid = BO_GRID_COMBINATORIAL;
    else if (strcmp(text, "verbatim") == 0)
        *grid = BO_GRID_VERBATIM;
    else
        return -1;
    return 0;
}

/* The effective grid: the settings' "grid" key (which --grid and --set grid=... both set). */
static int resolve_grid(const bo_settings *settings, const cli_args *args, bo_grid *grid)
{
    char *value = NULL;
    int rc = 0;
    *grid = BO_GRID_COMBINATORIAL;
    if (bo_settings_get(settings, "grid", &value) == BO_OK) {
        rc = parse_grid(value, grid);
        if (rc != 0)
            cli_error("solve: unexpected grid setting '%s'", value);
    } else {
        const char *opt = cli_args_get(args, OPT_GRID);
        if (opt && parse_grid(opt, grid) != 0) {
            cli_error("solve: --grid '%s': must be one of: combinatorial, verbatim", opt);
            rc = -1;
        }
    }
    bo_free(value);
    return rc;
}

/* Diagnose a --param/--init name the model lacks: say when it is a symbol of the other kind
 * (a state given to --param), else suggest the closest name of the right kind. */
static void unknown_variable(const bo_model *m, bo_symbol_kind kind, const char *opt,
                             const char *name)
{
    bo_symbol_kind other = kind == BO_STATE ? BO_PARAMETER : BO_STATE;
    if (bo_model_find(m, other, name) >= 0) {
        cli_error("solve: --%s %s: '%s' is a %s; use --%s", opt, name, name,
                  other == BO_STATE ? "state" : "parameter", other == BO_STATE ? "init" : "param");
        return;
    }
    size_t n = bo_model_count(m, kind);
    const char **names = malloc((n + 1) * sizeof *names);
    const char *best = NULL;
    if (names) {
        for (size_t i = 0; i < n; ++i)
            names[i] = bo_model_symbol_name(m, kind, i);
        best = cli_closest(name, names, n);
        free(names);
    }
    const char *what = kind == BO_STATE ? "state" : "parameter";
    if (best)
        cli_error("solve: --%s: unknown %s '%s' (did you mean '%s'?)", opt, what, name, best);
    else
        cli_error("solve: --%s: unknown %s '%s' (the model has no %ss)", opt, what, name, what);
}

/* One --span NAME=SPEC: the runs' own t0, settling or duration. */
static int add_span(bo_context *ctx, bo_batch *batch, const cli_item *it)
{
    const char *spec = NULL;
    char *name = split_assignment(it->value, &spec);
    if (!name) {
        cli_error("solve: --span '%s': expected NAME=SPEC with NAME one of t0, settling, "
                  "duration (SPEC: a:b:n, log:a:b:n, v1,v2,... or v)",
                  it->value);
        cli_usage_hint(&cli_command_solve);
        return CLI_EXIT_USAGE;
    }
    int span = -1;
    for (int k = 0; k < BO_SPAN_COUNT; ++k)
        if (strcmp(name, bo_span_name((bo_span)k)) == 0)
            span = k;
    int rc = CLI_EXIT_OK;
    if (span < 0) {
        cli_error("solve: --span %s: unknown span '%s' (spans: t0, settling, duration; model "
                  "parameters go to --param)",
                  it->value, name);
        cli_usage_hint(&cli_command_solve);
        rc = CLI_EXIT_USAGE;
    } else if (bo_batch_set_span_spec(batch, (bo_span)span, spec) != BO_OK) {
        char prefix[256];
        snprintf(prefix, sizeof prefix, "--span %s", it->value);
        cli_library_error(ctx, prefix);
        rc = CLI_EXIT_USAGE;
    }
    free(name);
    return rc;
}

/* Fill the batch from --param, --init, --span and --runs, in command-line order. */
static int build_batch(bo_context *ctx, const bo_model *m, bo_batch *batch, const cli_args *args)
{
    for (size_t i = 0; i < args->n_items; ++i) {
        const cli_item *it = &args->items[i];
        int id = it->opt->id;
        if (id == OPT_RUNS) {
            if (bo_batch_load_csv(batch, it->value) != BO_OK) {
                cli_library_error(ctx, NULL);
                return CLI_EXIT_FAILURE;
            }
            continue;
        }
        if (id == OPT_SPAN) {
            int rc = add_span(ctx, batch, it);
            if (rc != CLI_EXIT_OK)
                return rc;
            continue;
        }
        if (id != OPT_PARAM && id != OPT_INIT)
            continue;
        bo_symbol_kind kind = id == OPT_PARAM ? BO_PARAMETER : BO_STATE;
        const char *spec = NULL;
        char *name = split_assignment(it->value, &spec);
        if (!name) {
            cli_error("solve: --%s '%s': expected NAME=SPEC (SPEC: a:b:n, log:a:b:n, v1,v2,... "
                      "or v)",
                      it->opt->name, it->value);
            cli_usage_hint(&cli_command_solve);
            return CLI_EXIT_USAGE;
        }
        int rc = CLI_EXIT_OK;
        if (bo_model_find(m, kind, name) < 0) {
            unknown_variable(m, kind, it->opt->name, name);
            cli_usage_hint(&cli_command_solve);
            rc = CLI_EXIT_USAGE;
        } else if (bo_batch_set_spec(batch, kind, name, spec) != BO_OK) {
            char prefix[256];
            snprintf(prefix, sizeof prefix, "--%s %s", it->opt->name, it->value);
            cli_library_error(ctx, prefix);
            rc = CLI_EXIT_USAGE;
        }
        free(name);
        if (rc != CLI_EXIT_OK)
            return rc;
    }
    if (bo_batch_validate(batch) != BO_OK) {
        cli_library_error(ctx, "batch");
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

/* Every --driver names a driver of the model, and every driver of the model has one: checked
 * before anything is compiled, since both are mistakes on the command line. */
static int check_drivers(const bo_model *m, const cli_args *args)
{
    size_t nd = bo_model_count(m, BO_DRIVER);
    for (size_t i = 0; i < args->n_items; ++i) {
        const cli_item *it = &args->items[i];
        if (it->opt->id != OPT_DRIVER)
            continue;
        const char *file = NULL;
        char *name = split_assignment(it->value, &file);
        if (!name || !*file) {
            cli_error("solve: --driver '%s': expected NAME=FILE.csv", it->value);
            free(name);
            cli_usage_hint(&cli_command_solve);
            return CLI_EXIT_USAGE;
        }
        if (bo_model_find(m, BO_DRIVER, name) < 0) {
            const char **names = malloc((nd + 1) * sizeof *names);
            const char *best = NULL;
            if (names) {
                for (size_t k = 0; k < nd; ++k)
                    names[k] = bo_model_symbol_name(m, BO_DRIVER, k);
                best = cli_closest(name, names, nd);
                free(names);
            }
            if (nd == 0)
                cli_error("solve: --driver: model '%s' has no drivers", bo_model_name(m));
            else if (best)
                cli_error("solve: --driver: unknown driver '%s' (did you mean '%s'?)", name, best);
            else
                cli_error("solve: --driver: unknown driver '%s'", name);
            free(name);
            cli_usage_hint(&cli_command_solve);
            return CLI_EXIT_USAGE;
        }
        /* One file per driver: a second --driver for the same name is a mistake (which file
         * was meant?), not a replacement. */
        size_t len = strlen(name);
        for (size_t j = 0; j < i; ++j) {
            const cli_item *prev = &args->items[j];
            if (prev->opt->id != OPT_DRIVER || strncmp(prev->value, name, len) != 0 ||
                prev->value[len] != '=')
                continue;
            cli_error("solve: --driver %s is given twice (%s, then %s): give each driver one "
                      "file",
                      name, prev->value, it->value);
            free(name);
            cli_usage_hint(&cli_command_solve);
            return CLI_EXIT_USAGE;
        }
        free(name);
    }
    for (size_t k = 0; k < nd; ++k) {
        const char *dn = bo_model_symbol_name(m, BO_DRIVER, k);
        int given = 0;
        for (size_t i = 0; !given && i < args->n_items; ++i) {
            const cli_item *it = &args->items[i];
            size_t len = strlen(dn);
            given = it->opt->id == OPT_DRIVER && strncmp(it->value, dn, len) == 0 &&
                    it->value[len] == '=';
        }
        if (!given) {
            cli_error("solve: model '%s' has driver '%s': give its samples with --driver "
                      "%s=FILE.csv",
                      bo_model_name(m), dn, dn);
            cli_usage_hint(&cli_command_solve);
            return CLI_EXIT_USAGE;
        }
    }
    return CLI_EXIT_OK;
}

/* Load the --driver files into the solver, in command-line order (check_drivers made sure
 * each driver has exactly one). */
static int load_drivers(bo_context *ctx, bo_solver *solver, const cli_args *args)
{
    for (size_t i = 0; i < args->n_items; ++i) {
        const cli_item *it = &args->items[i];
        if (it->opt->id != OPT_DRIVER)
            continue;
        const char *file = NULL;
        char *name = split_assignment(it->value, &file);
        if (!name) {
            cli_error("out of memory");
            return CLI_EXIT_FAILURE;
        }
        int st = bo_solver_load_driver_csv(solver, name, file, NULL);
        free(name);
        if (st != BO_OK) {
            char prefix[256];
            snprintf(prefix, sizeof prefix, "--driver %s", it->value);
            cli_library_error(ctx, prefix);
            return CLI_EXIT_FAILURE;
        }
    }
    return CLI_EXIT_OK;
}

/* ---- progress --------------------------------------------------------------------------- */

typedef struct {
    int drawn;
    int last_permille;
} progress_state;

enum { BAR_WIDTH = 40 };

static void draw_progress(void *user, size_t done, size_t total)
{
    progress_state *p = user;
    int permille = total ? (int)((double)done * 1000.0 / (double)total) : 1000;
    if (permille > 1000)
        permille = 1000;
    /* Redrawing only when the shown value changes keeps the cost independent of how often
     * the library reports. */
    if (p->drawn && permille == p->last_permille)
        return;
    p->drawn = 1;
    p->last_permille = permille;
    static const char bar[] = "########################################";
    int fill = permille * BAR_WIDTH / 1000;
    fprintf(stderr, "\rbatchode: [%.*s%*s] %5.1f%% %zu/%zu runs", fill, bar, BAR_WIDTH - fill, "",
            (double)permille / 10.0, done, total);
    fflush(stderr);
}

static void end_progress(progress_state *p)
{
    if (p->drawn) {
        fputc('\n', stderr);
        p->drawn = 0;
    }
}

/* ---- output ----------------------------------------------------------------------------- */

/* The final-state table with the columns of final.csv:
 * run,status,t,[t0,settling,duration,]<parameters>,<state>_0,<states>. */
static int print_final_table(const bo_model *m, const bo_results *r)
{
    size_t runs = bo_results_run_count(r);
    size_t ns = bo_model_count(m, BO_STATE), np = bo_model_count(m, BO_PARAMETER);
    const double *init = bo_results_init_array(r);
    const double *params = bo_results_param_array(r);
    char num[40];
    fputs("run,status,t", stdout);
    for (int k = 0; bo_results_spans_vary(r) && k < BO_SPAN_COUNT; ++k) {
        const char *name = bo_span_name((bo_span)k);
        int taken =
            bo_model_find(m, BO_STATE, name) >= 0 || bo_model_find(m, BO_PARAMETER, name) >= 0;
        printf(",%s%s", taken ? "span." : "", name);
    }
    for (size_t p = 0; p < np; ++p)
        printf(",%s", bo_model_symbol_name(m, BO_PARAMETER, p));
    for (size_t s = 0; s < ns; ++s)
        printf(",%s_0", bo_model_symbol_name(m, BO_STATE, s));
    for (size_t s = 0; s < ns; ++s)
        printf(",%s", bo_model_symbol_name(m, BO_STATE, s));
    fputc('\n', stdout);
    for (size_t run = 0; run < runs; ++run) {
        cli_format_double(bo_results_final_time(r, run), num, sizeof num);
        printf("%zu,%ld,%s", run, (long)bo_results_status(r, run), num);
        for (int k = 0; bo_results_spans_vary(r) && k < BO_SPAN_COUNT; ++k) {
            cli_format_double(bo_results_span(r, run, (bo_span)k), num, sizeof num);
            printf(",%s", num);
        }
        for (size_t p = 0; p < np; ++p) {
            cli_format_double(params ? params[p * runs + run] : NAN, num, sizeof num);
            printf(",%s", num);
        }
        for (size_t s = 0; s < ns; ++s) {
            cli_format_double(init ? init[s * runs + run] : NAN, num, sizeof num);
            printf(",%s", num);
        }
        for (size_t s = 0; s < ns; ++s) {
            cli_format_double(bo_results_final(r, run, s), num, sizeof num);
            printf(",%s", num);
        }
        fputc('\n', stdout);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("cannot write to standard output: %s", strerror(errno));
        return CLI_EXIT_FAILURE;
    }
    return CLI_EXIT_OK;
}

/* Value of "key = value" in a settings dump, copied into buf ("?" when absent). */
static void dump_value(const char *dump, const char *key, char *buf, size_t len)
{
    size_t klen = strlen(key);
    const char *line = dump;
    snprintf(buf, len, "?");
    while (line && *line) {
        if (strncmp(line, key, klen) == 0 && strncmp(line + klen, " = ", 3) == 0) {
            const char *v = line + klen + 3;
            size_t n = strcspn(v, "\n");
            if (n >= len)
                n = len - 1;
            memcpy(buf, v, n);
            buf[n] = '\0';
            return;
        }
        line = strchr(line, '\n');
        if (line)
            ++line;
    }
}

static void print_summary(const bo_solver *solver, const bo_results *r)
{
    size_t runs = bo_results_run_count(r);
    int64_t steps = 0;
    for (size_t run = 0; run < runs; ++run)
        steps += bo_results_steps(r, run);
    double wall = bo_solver_last_wall_seconds(solver);
    char algorithm[64], precision[64], *dump = NULL;
    if (bo_solver_settings_dump(solver, &dump) != BO_OK)
        dump = NULL;
    dump_value(dump, "algorithm", algorithm, sizeof algorithm);
    dump_value(dump, "precision", precision, sizeof precision);
    bo_free(dump);
    char rate[48];
    if (wall > 0.0) {
        double per_s = (double)steps / wall;
        if (per_s >= 1e9)
            snprintf(rate, sizeof rate, "%.1f G steps/s", per_s / 1e9);
        else if (per_s >= 1e6)
            snprintf(rate, sizeof rate, "%.1f M steps/s", per_s / 1e6);
        else if (per_s >= 1e3)
            snprintf(rate, sizeof rate, "%.1f k steps/s", per_s / 1e3);
        else
            snprintf(rate, sizeof rate, "%.1f steps/s", per_s);
    } else {
        snprintf(rate, sizeof rate, "%lld steps", (long long)steps);
    }
    const char *backend = bo_solver_backend(solver);
    cli_error("%zu runs, %zu failed, %.3f s, %s (%s, %s, %s)", runs, bo_results_failed_count(r),
              wall, rate, backend ? backend : "?", algorithm, precision);
}

static void print_failures(const bo_results *r)
{
    size_t runs = bo_results_run_count(r), listed = 0, failed = bo_results_failed_count(r);
    for (size_t run = 0; run < runs && listed < MAX_FAILED_LISTED; ++run) {
        int32_t status = bo_results_status(r, run);
        if (!bo_run_failed(status))
            continue;
        char text[256], t[40];
        bo_run_status_string(status, text, sizeof text);
        cli_format_double(bo_results_final_time(r, run), t, sizeof t);
        cli_error("run %zu failed at t = %s: %s", run, t, text);
        ++listed;
    }
    if (failed > listed)
        cli_error("... and %zu more failed runs (see the status column)", failed - listed);
}

/* ---- the command ------------------------------------------------------------------------ */

/* Checks that need neither the model nor the library. */
static int check_options(const cli_args *args)
{
    const char *format = cli_args_get(args, OPT_FORMAT);
    if (format && strcmp(format, "csv") != 0 && strcmp(format, "npy") != 0) {
        cli_error("solve: --format '%s': must be one of: csv, npy", format);
        cli_usage_hint(&cli_command_solve);
        return CLI_EXIT_USAGE;
    }
    if (format && strcmp(format, "npy") == 0 && !cli_args_get(args, OPT_OUTPUT)) {
        cli_error("solve: --format npy needs an output directory (-o DIR)");
        cli_usage_hint(&cli_command_solve);
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

typedef struct {
    bo_context *ctx;
    bo_settings *settings;
    bo_model *model;
    bo_batch *batch;
    bo_solver *solver;
    bo_results *results;
} solve_state;

static void solve_state_free(solve_state *s)
{
    bo_results_destroy(s->results);
    bo_solver_destroy(s->solver);
    bo_batch_destroy(s->batch);
    bo_model_destroy(s->model);
    bo_settings_destroy(s->settings);
    bo_context_destroy(s->ctx);
}

static int setup(solve_state *s, const cli_args *args)
{
    if (bo_context_create(&s->ctx) != BO_OK || bo_settings_create(s->ctx, &s->settings) != BO_OK) {
        cli_error("out of memory");
        return CLI_EXIT_FAILURE;
    }
    int rc = apply_settings(s->ctx, s->settings, args);
    if (rc != CLI_EXIT_OK)
        return rc;
    const char *path = args->positional[0];
    rc = cli_load_model(s->ctx, path, &s->model);
    if (rc != CLI_EXIT_OK)
        return rc;
    bo_grid grid;
    if (resolve_grid(s->settings, args, &grid) != 0)
        return CLI_EXIT_USAGE;
    if (bo_batch_create(s->ctx, s->model, &s->batch) != BO_OK ||
        bo_batch_set_grid(s->batch, grid) != BO_OK) {
        cli_library_error(s->ctx, "batch");
        return CLI_EXIT_FAILURE;
    }
    rc = build_batch(s->ctx, s->model, s->batch, args);
    if (rc == CLI_EXIT_OK)
        rc = check_drivers(s->model, args);
    return rc;
}

/* Ctrl-C (or SIGTERM) during the solve: the handler records the signal and puts the default
 * action back, so a second one ends the process at once; the solve's interrupt hook sees the
 * first and the solve stops cleanly, with nothing written. */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
    stop_signal = sig;
    signal(sig, SIG_DFL);
}

static int stop_requested(void *user)
{
    (void)user;
    return stop_signal != 0;
}

static void catch_stop_signals(int on)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on ? on_stop_signal : SIG_DFL;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* The end of a solve stopped by SIGINT or SIGTERM: the message, nothing written, and exit
 * 128 + the signal. */
static int interrupted(solve_state *s)
{
    int sig = stop_signal ? stop_signal : SIGINT;
    cli_error("interrupted by %s: the solve stopped; nothing was written",
              sig == SIGTERM ? "SIGTERM" : "SIGINT");
    solve_state_free(s);
    return CLI_EXIT_SIGNAL + sig;
}

static int solve_caught(const cli_args *args)
{
    int rc = check_options(args);
    if (rc != CLI_EXIT_OK)
        return rc;
    solve_state s;
    memset(&s, 0, sizeof s);
    rc = setup(&s, args);
    if (rc != CLI_EXIT_OK) {
        solve_state_free(&s);
        return rc;
    }
    if (stop_signal)
        return interrupted(&s);
    int quiet = cli_args_has(args, OPT_QUIET);
    int st = bo_solver_create(s.ctx, s.model, s.settings, &s.solver);
    cli_print_warnings(s.ctx);
    if (stop_signal)
        return interrupted(&s);
    if (st != BO_OK) {
        cli_library_error(s.ctx, "solve");
        solve_state_free(&s);
        return (st == BO_ERR_SETTING || st == BO_ERR_UNKNOWN_KEY) ? CLI_EXIT_USAGE
                                                                  : CLI_EXIT_FAILURE;
    }
    rc = load_drivers(s.ctx, s.solver, args);
    if (rc != CLI_EXIT_OK) {
        solve_state_free(&s);
        return rc;
    }
    if (cli_args_has(args, OPT_PRINT_SETTINGS)) {
        char *dump = NULL;
        if (bo_solver_settings_dump(s.solver, &dump) == BO_OK) {
            fputs(dump, stderr);
            bo_free(dump);
        }
    }
    if (cli_args_has(args, OPT_INFO)) {
        char *info = NULL;
        if (bo_solver_info(s.solver, &info) == BO_OK) {
            fputs(info, stderr);
            bo_free(info);
        }
    }
    const char *source_path = cli_args_get(args, OPT_SOURCE);
    if (source_path) {
        const char *src = bo_solver_source(s.solver);
        rc = cli_write_text(source_path, src ? src : "");
        if (rc != CLI_EXIT_OK) {
            solve_state_free(&s);
            return rc;
        }
    }
    progress_state progress = {0, -1};
    if (!quiet && isatty(STDERR_FILENO))
        bo_solver_set_progress(s.solver, draw_progress, &progress);
    bo_solver_set_interrupt(s.solver, stop_requested, NULL);
    st = stop_signal ? BO_ERR_CANCELLED : bo_solver_solve(s.solver, s.batch, &s.results);
    catch_stop_signals(0);
    end_progress(&progress);
    cli_print_warnings(s.ctx);
    if (st == BO_ERR_CANCELLED)
        return interrupted(&s);
    if (st != BO_OK) {
        cli_library_error(s.ctx, "solve");
        solve_state_free(&s);
        /* Runtime settings are checked against each other at the solve (save_every against
         * duration, say): a bad combination is a usage error like a bad value. */
        return (st == BO_ERR_SETTING || st == BO_ERR_UNKNOWN_KEY) ? CLI_EXIT_USAGE
                                                                  : CLI_EXIT_FAILURE;
    }
    const char *dir = cli_args_get(args, OPT_OUTPUT);
    if (dir) {
        const char *format = cli_args_get(args, OPT_FORMAT);
        if (bo_results_write(s.results, dir, format ? format : "csv") != BO_OK) {
            cli_library_error(s.ctx, dir);
            rc = CLI_EXIT_FAILURE;
        }
    } else {
        rc = print_final_table(s.model, s.results);
    }
    /* After an output failure the summary would read as success: leave it out. */
    if (!quiet && rc == CLI_EXIT_OK)
        print_summary(s.solver, s.results);
    if (bo_results_failed_count(s.results) > 0) {
        print_failures(s.results);
        /* Results that were written (or printed) are a partial success, told apart from
         * "nothing was computed" so scripts can keep the good runs. */
        if (rc == CLI_EXIT_OK)
            rc = CLI_EXIT_PARTIAL;
    }
    solve_state_free(&s);
    return rc;
}

/* Signals are caught from the start to the end of the solve, so that a Ctrl-C while the
 * batch is read or the program compiled also ends with exit 130 and nothing written (a
 * compiler in the same process group that fails from the same signal is reported as the
 * interruption, not as a compile error). Writing the results is not interrupted. */
static int run_solve(const cli_command *cmd, const cli_args *args)
{
    (void)cmd;
    catch_stop_signals(1);
    int rc = solve_caught(args);
    catch_stop_signals(0);
    return rc;
}

static const cli_option solve_options[] = {
    {"algorithm", 0, "NAME",
     "Integration algorithm (setting 'algorithm'). Explicit: euler, heun, ralston, rk4, bs3, "
     "dp5, cash_karp, fehlberg45, tsit5, vern7, dop853. For stiff models: rodas5p, rodas4, "
     "ros3p, rosenbrock23 (Rosenbrock), radau5 (Radau IIA), kvaerno5, kvaerno3, sdirk4, "
     "crank_nicolson (adaptive), sdirk2, sdirk3, backward_euler, implicit_midpoint (fixed "
     "step). Default tsit5; 'batchode settings' lists the aliases.",
     OPT_ALGORITHM},
    {"controller", 0, "NAME",
     "Step-size controller (setting 'step_controller'): auto, fixed, i, pi, pid, gustafsson.",
     OPT_CONTROLLER},
    {"rtol", 0, "X",
     "Relative tolerance (setting 'rtol'): one value, or a comma list with one "
     "value per state.",
     OPT_RTOL},
    {"atol", 0, "X", "Absolute tolerance (setting 'atol'): one value or one per state.", OPT_ATOL},
    {"dt", 0, "X", "Initial step (adaptive controllers) or the step (fixed) (setting 'dt').",
     OPT_DT},
    {"t0", 0, "T", "Start time (setting 't0').", OPT_T0},
    {"duration", 0, "T",
     "Length of the integration after the settling time (setting "
     "'duration'); runs end at t0 + settling + duration.",
     OPT_DURATION},
    {"settling", 0, "T", "Warm-up time integrated before outputs start (setting 'settling').",
     OPT_SETTLING},
    {"save-every", 0, "T",
     "Save the outputs every T time units (setting 'save_every'; 0 "
     "saves only the final state).",
     OPT_SAVE_EVERY},
    {"save-at", 0, "TIMES",
     "Save the outputs at these times after settling, shared by every run (setting 'save_at'; "
     "not with --save-every): a comma list t1,t2,..., lin:a:b:n or log:a:b:n, or a file with one "
     "time per line or comma-separated times. Strictly increasing, inside [0, duration].",
     OPT_SAVE_AT},
    {"save-mode", 0, "MODE",
     "How saves and summary samples between steps are made (setting 'save_mode'): interpolate "
     "(from the method's dense output; steps are not shortened), land (steps end exactly on "
     "them) or auto (interpolate with an adaptive controller and an interpolant of order >= 3).",
     OPT_SAVE_MODE},
    {"outputs", 0, "LIST",
     "What to output, comma-separated among state, observables (what the saved series "
     "records), time (its time column, always written), counters (adds counters.csv: steps, "
     "rejections and Newton iterations of each run), events (adds events.csv: the first "
     "event_records events of each run; on by default for a model with events, whose counts "
     "final.csv always has), and summary metrics computed as the runs go: "
     "mean, rms, "
     "std, min, max, extrema, max_magnitude, peaks[k], negative_peaks[k], dxdt_max, dxdt_min, "
     "dxdt_extrema, d2xdt2_max, d2xdt2_min, d2xdt2_extrema (adds summaries.csv) (setting "
     "'outputs'; e.g. state,mean,std,peaks[3]).",
     OPT_OUTPUTS},
    {"summarise-every", 0, "T",
     "Length of each summary window from the end of settling (setting 'summarise_every'; 0, "
     "the default, makes one window of the whole duration).",
     OPT_SUMMARISE_EVERY},
    {"sample-every", 0, "T",
     "Interval between the samples summaries are computed from (setting "
     "'sample_summaries_every'; must divide the window and the duration; default a hundredth "
     "of the window).",
     OPT_SAMPLE_EVERY},
    {"param", 0, "NAME=SPEC",
     "Values of parameter NAME. SPEC is a:b:n or lin:a:b:n (n values evenly spaced from a to "
     "b, both included; not start:step:stop, so n = 1 needs a = b), log:a:b:n (n values evenly "
     "spaced in log from a to b, both > 0), a comma list v1,v2,... or one value v. Numbers are "
     "decimal, without blanks. Repeatable.",
     OPT_PARAM},
    {"init", 0, "NAME=SPEC",
     "Initial values of state NAME (SPEC as for --param); they win over an initial value the "
     "model writes with parameters, which otherwise follows each run's parameters. Repeatable.",
     OPT_INIT},
    {"span", 0, "NAME=SPEC",
     "Per-run time spans: NAME is t0, settling or duration, SPEC as for --param; the values "
     "take part in the grid like a parameter's, and override the setting of that name for "
     "every run. Each run's saves and summary windows start at its own t0 + settling; with "
     "different durations the longest sets the number of saves, and a shorter run's later "
     "saves are NaN (docs/batches.md). Repeatable.",
     OPT_SPAN},
    {"runs", 0, "FILE.csv",
     "Runs from a CSV file: a header naming states and/or parameters (and t0, settling, "
     "duration for per-run spans; span.NAME, state.NAME or parameter.NAME when a model "
     "symbol has a span's name), one run per row. The rows form one group of paired values.",
     OPT_RUNS},
    {"driver", 0, "NAME=FILE.csv",
     "Samples of driver NAME: rows of time,value (a header row is optional; a header names "
     "NAME's column, and a file with more columns needs one). Every driver of the model needs "
     "exactly one. Interpolation and behaviour outside the sampled times come from --set "
     "driver_interpolation=linear|natural|clamped|not_a_knot|periodic (default not_a_knot) "
     "and --set driver_ends=hold|wrap (default hold); see docs/drivers.md. Repeatable, once "
     "per driver.",
     OPT_DRIVER},
    {"grid", 0, "MODE",
     "How value lists combine (setting 'grid'): combinatorial (every combination, the "
     "variable given last varies fastest; default) or verbatim (lists paired element-wise, a "
     "single value broadcasts).",
     OPT_GRID},
    {"precision", 0, "P", "Working precision (setting 'precision'): float32 or float64.",
     OPT_PRECISION},
    {"backend", 0, "B",
     "Where to integrate (setting 'backend'): auto (a usable GPU, else the CPU), cpu or cuda.",
     OPT_BACKEND},
    {"threads", 0, "N", "CPU threads (setting 'threads'; 0 uses every core).", OPT_THREADS},
    {"set", 0, "KEY=VALUE",
     "Set any setting key (see 'batchode settings'). Repeatable; options are applied in the "
     "order given, so later ones win.",
     OPT_SET},
    {"output", 'o', "DIR",
     "Write the results into DIR (created if needed): final.csv, plus the saved series when "
     "there are saves and the summaries when there are some; result files of an earlier solve "
     "that this one does not write are removed. Without -o the final-state table is printed to "
     "standard output.",
     OPT_OUTPUT},
    {"format", 0, "F",
     "Output format with -o: csv (default) or npy (NumPy files final.npy, ... and "
     "legend.json).",
     OPT_FORMAT},
    {"quiet", 'q', NULL, "No progress bar and no summary line (errors are still printed).",
     OPT_QUIET},
    {"print-settings", 0, NULL,
     "Print the effective settings (as resolved for this model) to standard error before "
     "solving.",
     OPT_PRINT_SETTINGS},
    {"info", 0, NULL,
     "Print a report on the compiled program to standard error before solving: the backend "
     "and, on a GPU, the device, architecture, registers per thread, spilled bytes, shared "
     "memory, block size, occupancy, compile time and whether the compile cache served it.",
     OPT_INFO},
    {"source", 0, "FILE",
     "Write the generated program source to FILE ('-' for standard "
     "output).",
     OPT_SOURCE},
};

const cli_command cli_command_solve = {
    "solve",
    "Integrate a batch of runs of a model and write or print the results.",
    "MODEL.ode [options]",
    "Integrate every run of a batch of MODEL.ode. The runs are built from --param, --init,\n"
    "--span and --runs (variables not given take the model's defaults, spans the t0,\n"
    "settling and duration settings; with none given there is one run); a model with\n"
    "drivers takes their samples from --driver, shared by every run.\n"
    "The program is generated for the model and the settings, compiled (or taken from the\n"
    "compile cache) and run on the chosen backend.\n\n"
    "Without -o, the final-state table (the columns of final.csv: run,status,t, each\n"
    "run's t0,settling,duration when they vary, the parameters, each state's initial\n"
    "value <state>_0, then the final states) is printed to standard output. A summary\n"
    "line goes to standard error, and a progress bar when standard error is a terminal.\n"
    "Runs that fail are listed (up to 5) on standard error and the exit status is 3; their values "
    "are nan and their status word is nonzero.\n"
    "Ctrl-C (SIGINT) or SIGTERM stops a running solve cleanly, writing nothing; a second\n"
    "one ends the tool at once.\n\n"
    "MODEL may also be a CellML file (a name ending in .cellml, or XML text): it is imported\n"
    "as 'batchode import' shows, and its variables may be named component.variable.",
    "Exit status: 0 all runs succeeded; 1 nothing was computed or written (the model file,\n"
    "run file, compilation, memory or output failed); 2 the command line is wrong (unknown\n"
    "option, bad setting value or combination, unknown variable or driver, bad SPEC, a\n"
    "driver without --driver); 3 results written but some runs failed; 130 or 143 the solve\n"
    "was stopped by SIGINT or SIGTERM.\n\n"
    "Examples:\n"
    "  batchode solve decay.ode --param k=0.5:2:4\n"
    "  batchode solve lorenz.ode --param rho=10:40:1000 --init x=1,2 --duration 50 -o out\n"
    "  batchode solve decay.ode --grid verbatim --param k=1,2,3 --init y=4,5,6 --rtol 1e-9\n"
    "  batchode solve decay.ode --param k=0.5,1 --span duration=1:10:10 --save-every 0.5\n"
    "  batchode solve lorenz.ode --runs runs.csv --save-every 0.1 -o out --format npy\n"
    "  batchode solve vanderpol.ode --outputs 'mean,std,peaks[3]' --summarise-every 10 "
    "--sample-every 0.01 -o out\n"
    "  batchode solve robertson.ode --set dt_min=1e-12 --set max_steps=100000 --quiet\n"
    "  batchode solve driven_oscillator.ode --driver F=force.csv --set driver_ends=wrap",
    solve_options,
    sizeof solve_options / sizeof solve_options[0],
    1,
    1,
    run_solve,
};
