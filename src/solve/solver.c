/* The solver: has its settings resolved into a program (solver_config.c), compiles it for
 * the backend through the compile cache, and runs batches.
 *
 * Code settings are resolved into a pg_config; the generated source is a pure function of
 * (model, pg_config, buffer layout). Runtime settings (t0, duration, settling, save_every,
 * dt, max_steps, threads) are read at each solve and passed as kernel arguments, so they
 * never recompile. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/cpu/cpu.h"
#include "backend/cuda/cuda.h"
#include "batch_internal.h"
#include "util/parallel.h"
#include "codegen/program.h"
#include "drivers.h"
#include "util/internal.h"
#include "model/model_internal.h"
#include "codegen/registry.h"
#include "results_internal.h"
#include "settings/settings.h"
#include "solver_config.h"
#include "solver_internal.h"
#include "save_times.h"
#include "util/strbuf.h"
#include "util/sysmem.h"
#include "methods/tableau.h"

typedef int32_t bo_args_i32;
typedef int64_t bo_args_i64;
#include "args.h"
BO_ARGS_STRUCT(args_f64, double)
BO_ARGS_STRUCT(args_f32, float)

struct bo_solver {
    bo_context *ctx;
    const bo_model *model;
    bo_settings *settings;
    pg_config cfg;
    char *source;
    cpu_module *cpu; /* exactly one of cpu and cu is set once built */
    cu_module *cu;
    size_t shared_stride; /* per-run shared elements of the layout (CUDA launch) */
    float last_kernel_ms, last_transfer_ms;
    double phase_ms[SV_PHASES]; /* host time of the last solve by phase (sv_last_phases) */
    int built;                  /* source and module match the settings */
    int build_count;            /* programs generated and loaded so far */
    bo_progress_fn progress;
    void *progress_user;
    bo_interrupt_fn interrupt;
    void *interrupt_user;
    double last_wall;
    dr_set *drivers;   /* driver data: per-solve, never part of the program */
    double *api_times; /* save times given by bo_solver_set_save_times, NULL when none */
    size_t n_api_times;
    double *save_times; /* the save times of the current solve (save_at or api_times) */
    par_pool *pool;     /* host threads for the passes over the batch and results */
    int pool_threads;
};

/* Which backend: cuda when asked, or for auto when a usable GPU is present; else cpu. A
 * request for cuda without a GPU is an error with the reason. */
static int choose_backend(bo_solver *sv, int *use_cuda, long *device)
{
    const char *backend;
    int rc = st_get_choice(sv->settings, "backend", &backend);
    if (rc == BO_OK)
        rc = st_get_int(sv->settings, "device", device);
    if (rc != BO_OK)
        return rc;
    *use_cuda = 0;
    if (strcmp(backend, "cuda") == 0) {
        rc = cu_available(sv->ctx, (int)*device);
        if (rc != BO_OK)
            return bo_error(sv->ctx, BO_ERR_BACKEND, "backend 'cuda' is not usable: %s",
                            bo_errmsg(sv->ctx));
        *use_cuda = 1;
    } else if (strcmp(backend, "auto") == 0) {
        *use_cuda = cu_available(NULL, (int)*device) == BO_OK;
    }
    return BO_OK;
}

static void release_modules(bo_solver *sv)
{
    cpu_module_release(sv->cpu);
    sv->cpu = NULL;
    cu_module_release(sv->cu);
    sv->cu = NULL;
}

static int build(bo_solver *sv)
{
    bo_context *ctx = sv->ctx;
    sv_config_free(&sv->cfg);
    free(sv->source);
    sv->source = NULL;
    release_modules(sv);
    sv->built = 0;

    int use_cuda = 0;
    long device = 0;
    int rc = choose_backend(sv, &use_cuda, &device);
    if (rc != BO_OK)
        return rc;
    rc =
        sv_generate_config(ctx, sv->model, sv->settings, &sv->cfg, &sv->source, &sv->shared_stride);
    if (rc != BO_OK)
        return rc;
    int disk_cache = 1;
    if ((rc = st_get_bool(sv->settings, "cache", &disk_cache)) != BO_OK)
        return rc;
    if (use_cuda) {
        rc = cu_module_load(ctx, sv->source, (int)device, disk_cache, &sv->cu);
    } else {
        const char *cc, *cflags;
        if ((rc = st_get_choice(sv->settings, "cc", &cc)) != BO_OK ||
            (rc = st_get_choice(sv->settings, "cflags", &cflags)) != BO_OK)
            return rc;
        rc = cpu_module_load(ctx, sv->source, cc, cflags, disk_cache, &sv->cpu);
    }
    if (rc != BO_OK)
        return rc;
    sv->built = 1;
    ++sv->build_count;
    return BO_OK;
}

int bo_solver_create(bo_context *ctx, const bo_model *model, const bo_settings *settings,
                     bo_solver **out)
{
    if (!out)
        return BO_ERR_INVALID_ARG;
    *out = NULL;
    if (!model || !settings)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "bo_solver_create needs a model and settings");
    bo_solver *sv = bo_calloc(1, sizeof *sv);
    if (!sv)
        return BO_ERR_NOMEM;
    sv->ctx = ctx;
    sv->model = model;
    int rc = bo_settings_copy(settings, &sv->settings);
    if (rc == BO_OK)
        rc = dr_set_create(ctx, model, &sv->drivers);
    if (rc == BO_OK)
        rc = build(sv);
    if (rc != BO_OK) {
        bo_solver_destroy(sv);
        return rc;
    }
    *out = sv;
    return BO_OK;
}

void bo_solver_destroy(bo_solver *s)
{
    if (!s)
        return;
    sv_config_free(&s->cfg);
    free(s->source);
    release_modules(s);
    bo_settings_destroy(s->settings);
    dr_set_destroy(s->drivers);
    bo_free(s->api_times);
    bo_free(s->save_times);
    par_pool_destroy(s->pool);
    free(s);
}

int bo_solver_set(bo_solver *s, const char *key, const char *value)
{
    if (!s)
        return BO_ERR_INVALID_ARG;
    char *old = NULL;
    int rc = bo_settings_get(s->settings, key, &old);
    if (rc != BO_OK)
        return bo_settings_set(s->settings, key, value); /* reports the unknown key */
    rc = bo_settings_set(s->settings, key, value);
    if (rc == BO_OK) {
        const st_entry *e = st_find(key);
        char *now = NULL;
        if (bo_settings_get(s->settings, key, &now) == BO_OK && strcmp(now, old) != 0 && e &&
            !(e->flags & ST_RUNTIME))
            s->built = 0;
        free(now);
    }
    free(old);
    return rc;
}

void bo_solver_set_progress(bo_solver *s, bo_progress_fn fn, void *user)
{
    if (!s)
        return;
    s->progress = fn;
    s->progress_user = user;
}

void bo_solver_set_interrupt(bo_solver *s, bo_interrupt_fn fn, void *user)
{
    if (!s)
        return;
    s->interrupt = fn;
    s->interrupt_user = user;
}

const char *bo_solver_source(const bo_solver *s)
{
    return s && s->source ? s->source : "";
}

const char *bo_solver_backend(const bo_solver *s)
{
    return s && s->cu ? "cuda" : "cpu";
}

double bo_solver_last_wall_seconds(const bo_solver *s)
{
    return s ? s->last_wall : 0.0;
}

int bo_solver_settings_dump(const bo_solver *s, char **out)
{
    if (!s || !out)
        return BO_ERR_INVALID_ARG;
    *out = NULL;
    char *base = NULL;
    int rc = bo_settings_dump(s->settings, &base);
    if (rc != BO_OK)
        return rc;
    const pg_config *c = &s->cfg;
    sb_buf b;
    sb_init(&b);
    sb_append(&b, base);
    free(base);
    sb_printf(&b, "# resolved for model '%s'\n", s->model->name);
    sb_printf(&b, "resolved.algorithm = %s\nresolved.step_controller = %d\n", c->tableau->name,
              c->controller);
    sb_printf(&b, "resolved.algorithm_order = %d\n", c->order);
    sb_printf(&b, "resolved.min_gain = %.17g\nresolved.max_gain = %.17g\n", c->min_gain,
              c->max_gain);
    sb_printf(&b, "resolved.kp = %.17g\nresolved.ki = %.17g\nresolved.kd = %.17g\n", c->kp, c->ki,
              c->kd);
    sb_printf(&b, "resolved.deadband_min = %.17g\nresolved.deadband_max = %.17g\n", c->deadband_min,
              c->deadband_max);
    sb_printf(&b, "resolved.dt_min = %.17g\nresolved.dt_max = %.17g\n", c->dt_min, c->dt_max);
    *out = sb_take(&b);
    return *out ? BO_OK : BO_ERR_NOMEM;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Runtime settings of a solve. */
typedef struct {
    double t0, duration, settling, save_every, dt0;
    long max_steps, threads, block_size, chunk_runs, max_events, event_records;
    double max_memory; /* bytes; 0: no limit; -1: auto (what the system says is available) */
    int keep_failed;   /* 0: the kernel sets every value of a failed run to NaN */
    double window, sample_every; /* summary window length and sample interval */
    size_t n_windows, window_samples;
    int summaries;         /* the program has summary columns */
    const double *save_at; /* save times after settling (save_at), NULL for save_every */
    size_t n_save_at;
    double save_gap; /* the smallest gap between save_at's times (the duration for one) */
} run_params;

/* One run's time span, and how errors about it start: "" for the solve's settings, "run i
 * (t0 = ..): " for a run's own span. */
typedef struct {
    double t0, settling, duration;
    char who[160];
} span_check;

/* Summary windows: the window length (summarise_every, or the duration for 0) and the sample
 * interval must fit a whole number of samples into a window. duration: the runs' duration (one
 * that is not shared by every run is NaN; then the window must be given). */
static int summary_window(bo_solver *sv, run_params *r, double duration)
{
    const bo_settings *s = sv->settings;
    r->n_windows = r->window_samples = 0;
    r->window = r->sample_every = 0.0;
    r->summaries = sv->cfg.n_sum_metrics && (sv->cfg.n_sum_states + sv->cfg.n_sum_obs);
    if (!r->summaries)
        return BO_OK;
    double every = 0.0;
    int rc = st_get_real(s, "summarise_every", &every);
    if (rc != BO_OK)
        return rc;
    if (!(every > 0.0) && isnan(duration))
        return bo_error(sv->ctx, BO_ERR_SETTING,
                        "summarise_every is 0 (one window of the whole duration) but the runs' "
                        "durations differ: give summarise_every a window length shared by every "
                        "run");
    r->window = every > 0.0 ? every : duration;
    if (st_is_auto(s, "sample_summaries_every") == 1)
        r->sample_every = r->window / 100.0;
    else if ((rc = st_get_real(s, "sample_summaries_every", &r->sample_every)) != BO_OK)
        return rc;
    double per_window = floor(r->window / r->sample_every + 0.5);
    if (per_window < 1.0 || fabs(per_window * r->sample_every - r->window) > 1e-9 * r->window)
        return bo_error(sv->ctx, BO_ERR_SETTING,
                        "sample_summaries_every (%g) must divide the summary window "
                        "(summarise_every, or the duration when it is 0: %g) into a whole "
                        "number of samples",
                        r->sample_every, r->window);
    r->window_samples = (size_t)per_window;
    return BO_OK;
}

/* The smallest spacing of output times (saves, summary samples) the run can tell apart: a few
 * units in the last place of the largest time of the run, in double (the loop keeps time in
 * double whatever the precision). */
static double min_spacing(const span_check *c)
{
    double big =
        fmax(fmax(fabs(c->t0), fabs(c->t0 + c->settling)), fabs(c->t0 + c->settling + c->duration));
    return 4.0 * (nextafter(big, INFINITY) - big);
}

/* A span's times must be representable: t0 + settling + duration must lie past t0 + settling
 * (and settling past t0), and saves and summary samples must be far enough apart to have
 * distinct times and fit the span, or the run would report its initial state as its end, or
 * saves that were never reached. Its saves and summary windows go to *saves, *windows. */
static int check_span(bo_solver *sv, const run_params *r, const span_check *c, size_t *saves,
                      size_t *windows)
{
    const char *who = c->who;
    double t_start = c->t0 + c->settling, t_end = t_start + c->duration;
    *saves = *windows = 0;
    if (r->save_every > c->duration)
        return bo_error(sv->ctx, BO_ERR_SETTING,
                        "%ssave_every (%g) is longer than duration (%g): no save would fall "
                        "inside the run",
                        who, r->save_every, c->duration);
    if (c->settling > 0.0 && !(t_start > c->t0))
        return bo_error(sv->ctx, BO_ERR_SETTING,
                        "%ssettling (%.17g) is below the resolution of time at t0 = %.17g: "
                        "t0 + settling rounds to t0 in double precision",
                        who, c->settling, c->t0);
    if (!(t_end > t_start))
        return bo_error(sv->ctx, BO_ERR_SETTING,
                        "%sduration (%.17g) is below the resolution of time at t = %.17g: the "
                        "end time rounds to the start time in double precision (shift the "
                        "time origin, e.g. t0 = 0)",
                        who, c->duration, t_start);
    if (r->save_every > 0.0) {
        if (r->save_every < min_spacing(c))
            return bo_error(sv->ctx, BO_ERR_SETTING,
                            "%ssave_every (%.17g) is below the resolution of the save times near "
                            "t = %.17g (%.3g): saves would fall on the same time",
                            who, r->save_every, t_end, min_spacing(c));
        if (c->duration / r->save_every > 1e15)
            return bo_error(sv->ctx, BO_ERR_SETTING,
                            "%ssave_every (%g) gives more than 1e15 saves over duration (%g)", who,
                            r->save_every, c->duration);
        *saves = (size_t)BO_SPAN_SAVES(c->duration, r->save_every);
    } else if (r->save_at) {
        /* Save times: the settings' span must hold them all; a run's own span holds those up
         * to its end (the later ones are NaN for it, as saves past a shorter run's end are),
         * and solve_spans checks that some run reaches each. */
        const char *what = sv->api_times ? "bo_solver_set_save_times" : "save_at";
        int rc = sv_save_times_check_span(sv->ctx, what, r->save_at, r->n_save_at,
                                          who[0] ? INFINITY : c->duration, min_spacing(c));
        if (rc != BO_OK && who[0]) {
            char msg[512];
            snprintf(msg, sizeof msg, "%s", bo_errmsg(sv->ctx));
            return bo_error(sv->ctx, BO_ERR_SETTING, "%s%s", who, msg);
        }
        if (rc != BO_OK)
            return rc;
        size_t k = r->n_save_at;
        while (k > 0 && r->save_at[k - 1] > c->duration * (1.0 + 1e-9))
            --k;
        *saves = k;
    }
    if (!r->summaries)
        return BO_OK;
    if (r->window > c->duration * (1.0 + 1e-9))
        return bo_error(sv->ctx, BO_ERR_SETTING,
                        "%ssummarise_every (%g) is longer than duration (%g): no window would fit "
                        "(0 makes one window of the whole duration)",
                        who, r->window, c->duration);
    double per_run = floor(c->duration / r->sample_every + 0.5);
    if (fabs(per_run * r->sample_every - c->duration) > 1e-9 * c->duration)
        return bo_error(sv->ctx, BO_ERR_SETTING,
                        "%ssample_summaries_every (%g) must divide duration (%g) into a whole "
                        "number of samples",
                        who, r->sample_every, c->duration);
    if (per_run > 1e15)
        return bo_error(sv->ctx, BO_ERR_SETTING,
                        "%ssample_summaries_every (%g) gives more than 1e15 samples over duration "
                        "(%g)",
                        who, r->sample_every, c->duration);
    if (r->sample_every < min_spacing(c))
        return bo_error(sv->ctx, BO_ERR_SETTING,
                        "%ssample_summaries_every (%.17g) is below the resolution of the sample "
                        "times near t = %.17g (%.3g): samples would fall on the same time",
                        who, r->sample_every, t_end, min_spacing(c));
    *windows = (size_t)BO_SPAN_SAMPLES(c->duration, r->sample_every) / r->window_samples;
    return BO_OK;
}

/* Save times chosen by the user: the setting save_at or bo_solver_set_save_times (one of
 * them), exclusive with save_every, strictly increasing; check_span checks them against each span.
 */
static int save_times(bo_solver *sv, run_params *r)
{
    r->save_at = NULL;
    r->n_save_at = 0;
    r->save_gap = 0.0;
    const char *text = NULL;
    int rc = st_get_choice(sv->settings, "save_at", &text);
    if (rc != BO_OK)
        return rc;
    int from_setting = text && text[0];
    if (!from_setting && !sv->api_times)
        return BO_OK;
    const char *what = from_setting ? "save_at" : "bo_solver_set_save_times";
    if (from_setting && sv->api_times)
        return bo_error(sv->ctx, BO_ERR_SETTING,
                        "save times are given twice, by save_at and by "
                        "bo_solver_set_save_times: use one (save_at= clears the setting)");
    if (r->save_every > 0.0)
        return bo_error(sv->ctx, BO_ERR_SETTING,
                        "%s and save_every (%g) both choose save times: use one of them", what,
                        r->save_every);
    bo_free(sv->save_times);
    sv->save_times = NULL;
    size_t n = 0;
    if (from_setting) {
        if ((rc = sv_save_times_parse(sv->ctx, text, &sv->save_times, &n)) != BO_OK)
            return rc;
        if ((rc = sv_save_times_check_order(sv->ctx, what, sv->save_times, n)) != BO_OK)
            return bo_error(sv->ctx, BO_ERR_SETTING, "%s", bo_errmsg(sv->ctx));
    } else {
        n = sv->n_api_times;
        sv->save_times = bo_malloc(n * sizeof *sv->save_times);
        if (!sv->save_times)
            return bo_error(sv->ctx, BO_ERR_NOMEM, "out of memory");
        memcpy(sv->save_times, sv->api_times, n * sizeof *sv->save_times);
    }
    r->save_at = sv->save_times;
    r->n_save_at = n;
    r->save_gap = r->duration;
    for (size_t k = 1; k < n; ++k)
        if (sv->save_times[k] - sv->save_times[k - 1] < r->save_gap)
            r->save_gap = sv->save_times[k] - sv->save_times[k - 1];
    return BO_OK;
}

/* The runtime settings of a solve; the span checks follow in solve_spans. */
static int runtime(bo_solver *sv, run_params *r)
{
    const bo_settings *s = sv->settings;
    int rc;
    if ((rc = st_get_real(s, "t0", &r->t0)) != BO_OK ||
        (rc = st_get_real(s, "duration", &r->duration)) != BO_OK ||
        (rc = st_get_real(s, "settling", &r->settling)) != BO_OK ||
        (rc = st_get_real(s, "save_every", &r->save_every)) != BO_OK ||
        (rc = st_get_int(s, "max_steps", &r->max_steps)) != BO_OK ||
        (rc = st_get_int(s, "max_events", &r->max_events)) != BO_OK ||
        (rc = st_get_int(s, "event_records", &r->event_records)) != BO_OK ||
        (rc = st_get_int(s, "threads", &r->threads)) != BO_OK ||
        (rc = st_get_int(s, "block_size", &r->block_size)) != BO_OK ||
        (rc = st_get_int(s, "chunk_runs", &r->chunk_runs)) != BO_OK ||
        (rc = st_get_bool(s, "keep_failed", &r->keep_failed)) != BO_OK)
        return rc;
    if (st_is_auto(s, "max_memory") == 1)
        r->max_memory = -1.0;
    else if ((rc = st_get_real(s, "max_memory", &r->max_memory)) != BO_OK)
        return rc;
    /* Threads beyond a few per core only cost (65,536 threads for 20,000 runs made 20,000
     * threads, 35 times slower than 2): cap at twice the cores this process may use. */
    long cap = 2L * par_cores();
    if (r->threads > cap) {
        bo_warn(sv->ctx, "threads=%ld is more than twice the %d cores available: using %ld",
                r->threads, par_cores(), cap);
        r->threads = cap;
    }
    if (st_is_auto(s, "dt") == 1)
        r->dt0 = sv->cfg.controller == PG_CTRL_FIXED ? 1e-3 : 0.0;
    else if ((rc = st_get_real(s, "dt", &r->dt0)) != BO_OK)
        return rc;
    return save_times(sv, r);
}

/* The spans of a solve: without per-run spans (spans NULL) the settings' span is checked;
 * with them every run's (spans[3][runs], filled from the batch), a run's error naming it.
 * Sets the summary windows and returns the saves and windows of the longest span, which size
 * the results (a shorter run's later ones are NaN). */
static int solve_spans(bo_solver *sv, run_params *r, const double *spans, size_t runs,
                       size_t *n_saves, size_t *n_windows)
{
    span_check c = {r->t0, r->settling, r->duration, ""};
    *n_saves = *n_windows = 0;
    double shared_duration = spans && runs ? spans[2 * runs] : r->duration;
    for (size_t i = 0; spans && i < runs; ++i)
        if (spans[2 * runs + i] != shared_duration) {
            shared_duration = NAN; /* durations differ */
            break;
        }
    int rc = summary_window(sv, r, shared_duration);
    if (rc != BO_OK || !spans)
        return rc != BO_OK ? rc : check_span(sv, r, &c, n_saves, n_windows);
    for (size_t i = 0; i < runs; ++i) {
        double t0 = spans[i], settling = spans[runs + i], duration = spans[2 * runs + i];
        /* Grids repeat spans from run to run: check each change only. */
        if (i > 0 && t0 == c.t0 && settling == c.settling && duration == c.duration)
            continue;
        c.t0 = t0;
        c.settling = settling;
        c.duration = duration;
        snprintf(c.who, sizeof c.who, "run %zu (t0 = %g, settling = %g, duration = %g): ", i, t0,
                 settling, duration);
        size_t saves, windows;
        if ((rc = check_span(sv, r, &c, &saves, &windows)) != BO_OK)
            return rc;
        if (saves > *n_saves)
            *n_saves = saves;
        if (windows > *n_windows)
            *n_windows = windows;
    }
    if (r->save_at && *n_saves < r->n_save_at)
        return bo_error(sv->ctx, BO_ERR_SETTING,
                        "%s: save time %zu (%.17g) lies past the end of every run (times are "
                        "measured from the end of each run's settling)",
                        sv->api_times ? "bo_solver_set_save_times" : "save_at", *n_saves + 1,
                        r->save_at[*n_saves]);
    return BO_OK;
}

/* Describe the summary columns (variable-major, metrics in request order) and allocate them. */
static int summary_columns(bo_solver *sv, const run_params *rp, bo_results *res, rs_spares *sp,
                           size_t *n_cols)
{
    const pg_config *c = &sv->cfg;
    const bo_model *m = sv->model;
    *n_cols = 0;
    if (!rp->n_windows)
        return BO_OK;
    size_t per_var = 0;
    for (size_t i = 0; i < c->n_sum_metrics; ++i)
        per_var += sm_out_count(&c->sum_metrics[i]);
    size_t nv = c->n_sum_states + c->n_sum_obs;
    size_t n = nv * per_var;
    rs_sum_column *cols = bo_calloc(n, sizeof *cols);
    char *text = bo_calloc(n, 96); /* metric and output names */
    if (!cols || !text) {
        free(cols);
        free(text);
        return bo_error(sv->ctx, BO_ERR_NOMEM, "out of memory");
    }
    size_t col = 0;
    for (size_t v = 0; v < nv; ++v) {
        int is_state = v < c->n_sum_states;
        bo_symbol_kind kind = is_state ? BO_STATE : BO_OBSERVABLE;
        size_t idx = (size_t)(is_state ? c->sum_states[v] : c->sum_obs[v - c->n_sum_states]);
        for (size_t i = 0; i < c->n_sum_metrics; ++i) {
            const sm_request *req = &c->sum_metrics[i];
            sb_buf name;
            sb_init(&name);
            sm_format(req, &name);
            for (size_t j = 0; j < sm_out_count(req); ++j, ++col) {
                char *metric = text + col * 96, *output = metric + 64;
                snprintf(metric, 64, "%s", sb_cstr(&name));
                cols[col].var = bo_model_symbol_name(m, kind, idx);
                cols[col].metric = metric;
                cols[col].output = sm_sub_name(req, j, output, 32);
                cols[col].unit = bo_model_symbol_unit(m, kind, idx);
            }
            sb_free(&name);
        }
    }
    /* With per-run spans the window times are offsets from each run's start. */
    double t_first = res->spans ? 0.0 : rp->t0 + rp->settling;
    int rc = rs_set_summaries(res, rp->n_windows, t_first,
                              (double)rp->window_samples * rp->sample_every, n, cols, sp);
    free(cols);
    free(text);
    *n_cols = n;
    return rc;
}

/* The driver settings (driver_interpolation, driver_ends) as bo_interpolation/bo_driver_ends. */
static int driver_defaults(const bo_solver *sv, int *interp, int *ends)
{
    const char *iv, *ev;
    int rc = st_get_choice(sv->settings, "driver_interpolation", &iv);
    if (rc == BO_OK)
        rc = st_get_choice(sv->settings, "driver_ends", &ev);
    if (rc != BO_OK)
        return rc;
    *interp = dr_parse_interpolation(iv);
    *ends = dr_parse_ends(ev);
    if (*interp < 0 || *ends < 0)
        return bo_error(sv->ctx, BO_ERR_INTERNAL, "driver settings '%s', '%s' not understood", iv,
                        ev);
    return BO_OK;
}

int bo_solver_set_driver(bo_solver *s, const char *name, const double *t, const double *v, size_t n,
                         const bo_driver_options *opt)
{
    if (!s)
        return BO_ERR_INVALID_ARG;
    int interp, ends;
    int rc = driver_defaults(s, &interp, &ends);
    if (rc != BO_OK)
        return rc;
    return dr_set_samples(s->drivers, name, t, v, n, opt, interp, ends);
}

int bo_solver_load_driver_csv(bo_solver *s, const char *name, const char *path,
                              const bo_driver_options *opt)
{
    if (!s)
        return BO_ERR_INVALID_ARG;
    int interp, ends;
    int rc = driver_defaults(s, &interp, &ends);
    if (rc != BO_OK)
        return rc;
    return dr_set_load_csv(s->drivers, name, path, opt, interp, ends);
}

static void progress_thunk(void *user, size_t done, size_t total)
{
    bo_solver *sv = user;
    if (sv->progress)
        sv->progress(sv->progress_user, done, total);
}

/* ---- the host passes of a solve, spread over the cores (src/util/parallel.h) ---------------- */

typedef struct {
    const bo_batch *batch;
    size_t runs;
    double *init, *params;
    int rc;
} fill_job;

static void fill_piece(void *user, size_t begin, size_t end)
{
    fill_job *j = user;
    int rc = bt_fill_rows(j->batch, begin, end - begin, j->runs, j->init ? j->init + begin : NULL,
                          j->params ? j->params + begin : NULL);
    if (rc != BO_OK)
        j->rc = rc; /* for a validated batch only BO_ERR_NOMEM, without a message */
}

/* Filling a chunk's staging straight from the batch (cu_launch.fill_inputs), and the result
 * arrays' copy of the inputs while the kernel runs (cu_launch.while_running); the CUDA
 * launch's user pointer, so it also carries the solver for progress reports. */
typedef struct {
    bo_solver *sv;
    const bo_batch *batch;
    par_pool *pool;
    int threads;
    fill_job results; /* the inputs' copy in the results */
    size_t first, count;
    unsigned char *init, *params;
    int elem, rc;
    double results_ms; /* time fill_results took */
} staging_job;

static void staging_piece(void *user, size_t begin, size_t end)
{
    staging_job *j = user;
    size_t e = (size_t)j->elem;
    int rc = bt_fill_rows_as(j->batch, j->first + begin, end - begin, j->count,
                             j->init ? j->init + begin * e : NULL,
                             j->params ? j->params + begin * e : NULL, j->elem);
    if (rc != BO_OK)
        j->rc = rc;
}

static int fill_staging(void *user, size_t first, size_t count, void *init, void *params,
                        int elem_bytes)
{
    staging_job *j = user;
    j->first = first;
    j->count = count;
    j->init = init;
    j->params = params;
    j->elem = elem_bytes;
    j->rc = BO_OK;
    par_for(j->pool, count, (size_t)1 << 16, j->threads, staging_piece, j);
    if (j->rc == BO_ERR_NOMEM)
        return bo_error(j->sv->ctx, BO_ERR_NOMEM, "out of memory filling the runs' values");
    return j->rc;
}

static int fill_results(void *user)
{
    staging_job *j = user;
    double t = now_seconds();
    if (j->results.runs > 0)
        par_for(j->pool, j->results.runs, (size_t)1 << 16, j->threads, fill_piece, &j->results);
    j->results_ms = 1e3 * (now_seconds() - t);
    if (j->results.rc == BO_ERR_NOMEM)
        return bo_error(j->sv->ctx, BO_ERR_NOMEM, "out of memory filling the runs' values");
    return j->results.rc;
}

static int interrupt_thunk(void *user)
{
    bo_solver *sv = user;
    return sv->interrupt && sv->interrupt(sv->interrupt_user);
}

static int staging_interrupt(void *user)
{
    return interrupt_thunk(((staging_job *)user)->sv);
}

static void staging_progress(void *user, size_t done, size_t total)
{
    progress_thunk(((staging_job *)user)->sv, done, total);
}

/* f[i] = (float)d[i] (to_float) or d[i] = f[i] for i < n, over the host threads. */
static void convert(par_pool *pool, float *f, double *d, size_t n, int to_float, int threads)
{
    par_segment seg = to_float ? (par_segment){f, d, n, 4, 8} : (par_segment){d, f, n, 8, 4};
    par_copy(pool, &seg, 1, threads);
}

/* The solver's host thread pool for `threads` threads, made (again) when that changes. NULL
 * when it cannot be made: the passes then make threads per call. */
static par_pool *host_pool(bo_solver *sv, int threads)
{
    if (sv->pool && sv->pool_threads != threads) {
        par_pool_destroy(sv->pool);
        sv->pool = NULL;
    }
    if (!sv->pool && threads > 1) {
        sv->pool = par_pool_create(threads);
        sv->pool_threads = threads;
    }
    return sv->pool;
}

/* What one solve runs: its runtime settings and sizes, resolved once. */
typedef struct {
    run_params rp;
    size_t runs, n, np, nv, n_saves, n_cols;
    const double *spans;     /* [3][runs] per-run t0, settling, duration; NULL: the settings' */
    const void *driver_data; /* the driver block, in the program's precision (NULL: none) */
    size_t driver_bytes;
    int host_threads;
    par_pool *pool;
} solve_plan;

/* The launch on the GPU: the staging passes convert to and from the device's precision. */
static int run_cuda(bo_solver *sv, const solve_plan *pl, bo_results *res, staging_job *sj)
{
    const run_params *rp = &pl->rp;
    size_t sums_len = rp->n_windows * pl->n_cols * pl->runs;
    cu_launch L;
    memset(&L, 0, sizeof L);
    L.precision_bytes = sv->cfg.precision == 32 ? 4 : 8;
    L.n_states = pl->n;
    L.n_params = pl->np;
    L.n_vars = pl->nv;
    L.n_saves = pl->n_saves;
    L.n_sum_rows = sums_len ? rp->n_windows * pl->n_cols : 0;
    L.runs = (int64_t)pl->runs;
    L.fill_inputs = fill_staging;
    L.while_running = fill_results;
    L.final_state = res->final;
    L.series = pl->n_saves ? res->series : NULL;
    L.summaries = sums_len ? res->summaries : NULL;
    L.driver_data = pl->driver_data;
    L.driver_bytes = pl->driver_bytes;
    L.final_time = res->final_t;
    L.status = res->status;
    L.steps = res->steps;
    L.rejections = res->rejections;
    L.newton_iters = res->newton_iters;
    L.t0 = rp->t0;
    L.spans = pl->spans;
    L.settling = rp->settling;
    L.duration = rp->duration;
    L.n_events = res->n_events;
    L.event_records = res->n_records;
    L.event_counts = res->event_counts;
    L.event_time = res->ev_time;
    L.event_index = res->ev_index;
    L.event_state = res->ev_state;
    L.max_events = rp->max_events;
    L.save_every = rp->save_at ? rp->save_gap : rp->save_every;
    L.save_times = rp->save_at;
    L.sample_every = rp->sample_every;
    L.n_windows = (int64_t)rp->n_windows;
    L.window_samples = (int64_t)rp->window_samples;
    L.dt0 = rp->dt0;
    L.max_steps = rp->max_steps;
    L.mask_failed = !rp->keep_failed;
    L.shared_stride = sv->shared_stride;
    L.block_size = (int)rp->block_size;
    L.max_chunk_runs = rp->chunk_runs;
    L.host_threads = pl->host_threads;
    L.pool = pl->pool;
    L.progress = sv->progress ? staging_progress : NULL;
    L.interrupt = sv->interrupt ? staging_interrupt : NULL;
    L.user = sj;
    int rc = cu_run(sv->ctx, sv->cu, &L);
    sv->last_kernel_ms = L.kernel_ms;
    sv->last_transfer_ms = L.transfer_ms;
    sv->phase_ms[1] = sj->results_ms; /* overlaps the kernel: part of "wait" */
    for (int k = 0; k < 3; ++k)
        sv->phase_ms[2 + k] = L.host_ms[k];
    return rc;
}

/* The kernel's arguments that do not depend on the precision. */
#define SV_COMMON_ARGS(A, pl, res)                                                                 \
    do {                                                                                           \
        (A).driver_data = (pl)->driver_data;                                                       \
        (A).final_time = (res)->final_t;                                                           \
        (A).status = (res)->status;                                                                \
        (A).steps = (res)->steps;                                                                  \
        (A).rejections = (res)->rejections;                                                        \
        (A).newton_iters = (res)->newton_iters;                                                    \
        (A).t0 = (pl)->rp.t0;                                                                      \
        (A).settling = (pl)->rp.settling;                                                          \
        (A).duration = (pl)->rp.duration;                                                          \
        (A).save_every = (pl)->rp.save_at ? (pl)->rp.save_gap : (pl)->rp.save_every;               \
        (A).save_times = (pl)->rp.save_at;                                                         \
        (A).n_saves = (int64_t)(pl)->n_saves;                                                      \
        (A).run_stride = (int64_t)(pl)->runs;                                                      \
        (A).run_count = (int64_t)(pl)->runs;                                                       \
        (A).max_steps = (pl)->rp.max_steps;                                                        \
        (A).dt0 = (pl)->rp.dt0;                                                                    \
        (A).sample_every = (pl)->rp.sample_every;                                                  \
        (A).n_windows = (int64_t)(pl)->rp.n_windows;                                               \
        (A).window_len = (int64_t)(pl)->rp.window_samples;                                         \
        (A).mask_failed = !(pl)->rp.keep_failed;                                                   \
        (A).spans = (pl)->spans;                                                                   \
        (A).event_counts = (res)->event_counts;                                                    \
        (A).event_time = (res)->ev_time;                                                           \
        (A).event_index = (res)->ev_index;                                                         \
        (A).event_records = (int64_t)(res)->n_records;                                             \
        (A).max_events = (pl)->rp.max_events;                                                      \
    } while (0)

/* The run on the CPU: the batch into the results first; float64 then runs in place on the
 * result arrays, float32 converts in and out. */
static int run_cpu(bo_solver *sv, const solve_plan *pl, bo_results *res, staging_job *sj)
{
    int rc = fill_results(sj);
    sv->phase_ms[1] = sj->results_ms;
    if (rc != BO_OK)
        return rc;
    size_t runs = pl->runs, n = pl->n, np = pl->np;
    size_t series_len = pl->n_saves * pl->nv * runs;
    size_t sums_len = pl->rp.n_windows * pl->n_cols * runs;
    bo_progress_fn progress = sv->progress ? progress_thunk : NULL;
    cpu_interrupt_fn interrupt = sv->interrupt ? interrupt_thunk : NULL;
    if (sv->cfg.precision == 64) {
        args_f64 a;
        memset(&a, 0, sizeof a);
        a.init = res->init;
        a.params = res->params;
        a.final_state = res->final;
        a.series = pl->n_saves ? res->series : NULL;
        a.summaries = sums_len ? res->summaries : NULL;
        a.event_state = res->ev_state;
        SV_COMMON_ARGS(a, pl, res);
        return cpu_run(sv->ctx, sv->cpu, &a, (int64_t)runs, (int)pl->rp.threads, progress,
                       interrupt, sv);
    }
    args_f32 a;
    memset(&a, 0, sizeof a);
    a.init = bo_malloc((n * runs + 1) * sizeof *a.init);
    a.params = bo_malloc((np * runs + 1) * sizeof *a.params);
    a.final_state = bo_malloc((n * runs + 1) * sizeof *a.final_state);
    a.series = pl->n_saves ? bo_malloc((series_len + 1) * sizeof *a.series) : NULL;
    a.summaries = sums_len ? bo_malloc(sums_len * sizeof *a.summaries) : NULL;
    size_t ev_len = res->n_records * n * runs;
    a.event_state = ev_len ? bo_malloc(ev_len * sizeof *a.event_state) : NULL;
    rc = BO_ERR_NOMEM;
    if (a.init && a.params && a.final_state && (!pl->n_saves || a.series) &&
        (!sums_len || a.summaries) && (!ev_len || a.event_state)) {
        convert(pl->pool, (float *)a.init, res->init, n * runs, 1, pl->host_threads);
        convert(pl->pool, (float *)a.params, res->params, np * runs, 1, pl->host_threads);
        SV_COMMON_ARGS(a, pl, res);
        rc = cpu_run(sv->ctx, sv->cpu, &a, (int64_t)runs, (int)pl->rp.threads, progress, interrupt,
                     sv);
    }
    if (rc == BO_OK) {
        convert(pl->pool, a.final_state, res->final, n * runs, 0, pl->host_threads);
        convert(pl->pool, a.series, res->series, series_len, 0, pl->host_threads);
        convert(pl->pool, a.summaries, res->summaries, sums_len, 0, pl->host_threads);
        convert(pl->pool, a.event_state, res->ev_state, ev_len, 0, pl->host_threads);
    }
    free((void *)a.init);
    free((void *)a.params);
    free(a.final_state);
    free(a.series);
    free(a.summaries);
    free(a.event_state);
    return rc;
}
#undef SV_COMMON_ARGS

/* Host memory a solve needs: the results (per run: initial values, parameters, final state and
 * time, status and three counters; the saves and summary windows), the float32 copies the CPU
 * backend makes of them, and the CUDA backend's pinned staging (two slots at most). Refused
 * up front when it exceeds max_memory (auto: what the system has available), so a batch that
 * cannot fit fails at once with its size instead of being killed minutes later. */
static int memory_check(bo_solver *sv, const run_params *rp, size_t runs, size_t n_saves, size_t nv,
                        int spans, const rs_spares *spares)
{
    if (rp->max_memory == 0.0)
        return BO_OK;
    const pg_config *c = &sv->cfg;
    double n = (double)sv->model->count[BO_STATE], np = (double)sv->model->count[BO_PARAMETER];
    double per_run_vals = 2.0 * n + np + 1.0 + (spans ? 3.0 : 0.0);
    double series = (double)n_saves * (double)nv;
    double n_sum_cols = 0.0;
    for (size_t i = 0; i < c->n_sum_metrics; ++i)
        n_sum_cols += (double)sm_out_count(&c->sum_metrics[i]);
    n_sum_cols *= (double)(c->n_sum_states + c->n_sum_obs);
    double sums = (double)rp->n_windows * n_sum_cols;
    double ne = (double)sv->model->n_events;
    double records = ne > 0 && c->want_events ? (double)rp->event_records : 0.0;
    double results = (double)runs * (8.0 * (per_run_vals + series + sums) + 4.0 + 3.0 * 8.0 +
                                     8.0 * ne + records * (12.0 + 8.0 * n));
    double extra = 0.0;
    if (sv->cu)
        extra = 2.0 * 256e6 * 1.048576; /* two pinned slots of 256 MiB at most */
    else if (c->precision == 32)
        extra = (double)runs * 4.0 * (2.0 * n + np + series + sums + records * n);
    double need = results + extra;
    double limit = rp->max_memory;
    const char *source = "the limit set by max_memory";
    if (limit < 0.0) {
        int known = 0;
        limit = (double)sysmem_available(&known, &source);
        if (!known)
            return BO_OK;
        /* Arrays of earlier results that this solve reuses are already counted as used. */
        for (size_t i = 0; spares && i < spares->n; ++i)
            limit += (double)spares->bytes[i];
    }
    if (need <= limit)
        return BO_OK;
    char need_s[32], limit_s[32], series_s[32];
    sysmem_format(need, need_s, sizeof need_s);
    sysmem_format(limit, limit_s, sizeof limit_s);
    sysmem_format((double)runs * 8.0 * series, series_s, sizeof series_s);
    return bo_error(sv->ctx, BO_ERR_NOMEM,
                    "this solve needs %s of memory for %zu runs (%s of it the saved series), "
                    "more than the %s available (%s); ask for fewer runs or saves, summaries "
                    "instead of series (--outputs mean,max,... with no --save-every), or split "
                    "the batch; the setting max_memory changes the limit (bytes, 0: none)",
                    need_s, runs, series_s, limit_s, source);
}

/* One solve into a new results object; its per-run arrays come from spares when they fit. */
static int solve(bo_solver *sv, const bo_batch *batch, rs_spares *spares, bo_results **out)
{
    bo_context *ctx = sv->ctx;
    int rc;
    double t_phase = now_seconds();
    memset(sv->phase_ms, 0, sizeof sv->phase_ms);
    if (!sv->built && (rc = build(sv)) != BO_OK)
        return rc;
    run_params rp;
    if ((rc = runtime(sv, &rp)) != BO_OK)
        return rc;
    size_t runs = bo_batch_run_count(batch);
    /* Per-run spans, when the batch gives any: filled first, for their checks size the
     * results. */
    double *spans = NULL;
    int per_run_spans = 0;
    for (int i = 0; i < BO_SPAN_COUNT; ++i)
        per_run_spans |= bo_batch_has_span(batch, (bo_span)i);
    if (per_run_spans) {
        spans = bo_array_realloc(NULL, 3 * (runs ? runs : 1), sizeof *spans);
        if (!spans)
            return bo_error(ctx, BO_ERR_NOMEM, "out of memory for the runs' spans");
        const double fallback[BO_SPAN_COUNT] = {rp.t0, rp.settling, rp.duration};
        bt_fill_spans(batch, 0, runs, runs, spans, fallback);
    }
    size_t nv = sv->cfg.n_saved_states + sv->cfg.n_saved_obs;
    size_t n_saves = 0;
    if ((rc = solve_spans(sv, &rp, spans, runs, &n_saves, &rp.n_windows)) != BO_OK) {
        bo_free(spans);
        return rc;
    }
    if (!((rp.save_every > 0 || rp.save_at) && nv > 0))
        n_saves = 0;

    const bo_model *m = sv->model;
    const pg_config *c = &sv->cfg;
    /* One driver block serves every run; its precision follows the program's. */
    const void *driver_data = NULL;
    size_t driver_bytes = 0;
    int d_interp, d_ends;
    size_t n = m->count[BO_STATE], np = m->count[BO_PARAMETER];
    if ((rc = driver_defaults(sv, &d_interp, &d_ends)) != BO_OK ||
        (rc = dr_set_block(sv->drivers, d_interp, d_ends, c->precision == 32 ? 4 : 8, &driver_data,
                           &driver_bytes)) != BO_OK ||
        (rc = memory_check(sv, &rp, runs, n_saves, nv, spans != NULL, spares)) != BO_OK) {
        bo_free(spans);
        return rc;
    }
    const char **names = bo_calloc(nv ? nv : 1, sizeof *names);
    if (!names) {
        bo_free(spans);
        return BO_ERR_NOMEM;
    }
    for (size_t i = 0; i < c->n_saved_states; ++i)
        names[i] = m->sym[BO_STATE][c->saved_states[i]].name;
    for (size_t i = 0; i < c->n_saved_obs; ++i)
        names[c->n_saved_states + i] = m->sym[BO_OBSERVABLE][c->saved_obs[i]].name;
    bo_results *res = NULL;
    rc = rs_create(ctx, m, runs, n_saves, nv, names, spares, &res);
    free(names);
    if (rc != BO_OK) {
        bo_free(spans);
        return rc;
    }
    rs_set_spans(res, spans, rp.t0, rp.settling, rp.duration, rp.save_every);
    for (size_t k = 0; k < n_saves; ++k)
        res->save_t[k] = (spans ? 0.0 : rp.t0 + rp.settling) +
                         (rp.save_at ? rp.save_at[k] : (double)k * rp.save_every);
    res->write_counters = c->want_counters;
    if ((rc = rs_set_events(res, m, c->want_events ? (size_t)rp.event_records : 0, spares)) !=
        BO_OK) {
        bo_results_destroy(res);
        return rc;
    }
    size_t n_cols = 0;
    if ((rc = summary_columns(sv, &rp, res, spares, &n_cols)) != BO_OK) {
        bo_results_destroy(res);
        return rc;
    }
    int host_threads = rp.threads > 0 ? (int)rp.threads : par_cores();
    par_pool *pool = host_pool(sv, host_threads);
    res->threads = host_threads;
    sv->phase_ms[0] = 1e3 * (now_seconds() - t_phase);
    /* The batch is expanded in pieces over the cores: on the GPU straight into the pinned
     * staging, with its copy in the results written while the kernel runs; on the CPU into
     * that copy first, which the kernel reads. */
    staging_job sj = {.sv = sv, .batch = batch, .pool = pool, .threads = host_threads};
    sj.results = (fill_job){batch, runs, res->init, res->params, BO_OK};
    solve_plan pl = {.rp = rp,
                     .runs = runs,
                     .n = n,
                     .np = np,
                     .nv = nv,
                     .n_saves = n_saves,
                     .n_cols = n_cols,
                     .spans = res->spans,
                     .driver_data = driver_data,
                     .driver_bytes = driver_bytes,
                     .host_threads = host_threads,
                     .pool = pool};
    rc = sv->cu ? run_cuda(sv, &pl, res, &sj) : run_cpu(sv, &pl, res, &sj);
    if (rc != BO_OK) {
        bo_results_destroy(res);
        return rc;
    }
    *out = res;
    return BO_OK;
}

/* A batch made for model a fits a solver of model b: the same model, or one with the same
 * states and parameters in the same order. */
static int same_symbols(const bo_model *a, const bo_model *b)
{
    if (a == b)
        return 1;
    if (!a || !b)
        return 0;
    for (int k = 0; k < 2; ++k) {
        bo_symbol_kind kind = k ? BO_PARAMETER : BO_STATE;
        size_t n = bo_model_count(a, kind);
        if (n != bo_model_count(b, kind))
            return 0;
        for (size_t i = 0; i < n; ++i)
            if (strcmp(bo_model_symbol_name(a, kind, i), bo_model_symbol_name(b, kind, i)) != 0)
                return 0;
    }
    return 1;
}

int bo_solver_solve(bo_solver *sv, const bo_batch *batch, bo_results **out)
{
    if (!out)
        return BO_ERR_INVALID_ARG;
    *out = NULL;
    return bo_solver_solve_into(sv, batch, out);
}

int bo_solver_solve_into(bo_solver *sv, const bo_batch *batch, bo_results **results)
{
    if (!results)
        return BO_ERR_INVALID_ARG;
    bo_results *old = *results;
    int rc = BO_ERR_INVALID_ARG;
    if (sv && batch) {
        double t_begin = now_seconds();
        rc = bo_batch_validate(batch);
        if (rc == BO_OK && !same_symbols(bt_model(batch), sv->model))
            rc = bo_error(sv->ctx, BO_ERR_INVALID_ARG,
                          "the batch was made for model '%s', whose states and parameters differ "
                          "from those of the solver's model '%s'",
                          bo_model_name(bt_model(batch)) ? bo_model_name(bt_model(batch)) : "",
                          bo_model_name(sv->model) ? bo_model_name(sv->model) : "");
        if (rc == BO_OK) {
            rs_spares spares;
            memset(&spares, 0, sizeof spares);
            rs_spares_take(&spares, old);
            bo_results *res = NULL;
            rc = solve(sv, batch, &spares, &res);
            rs_spares_free(&spares);
            if (rc == BO_OK && old) {
                /* The caller's object takes the new contents; the old ones go. */
                rs_swap(old, res);
                bo_results_destroy(res);
                res = old;
                old = NULL;
            }
            if (rc == BO_OK) {
                *results = res;
                sv->last_wall = now_seconds() - t_begin;
                return BO_OK;
            }
        }
    }
    bo_results_destroy(old);
    *results = NULL;
    return rc;
}

int sv_build_count(const bo_solver *s)
{
    return s ? s->build_count : 0;
}

float sv_last_kernel_ms(const bo_solver *s)
{
    return s ? s->last_kernel_ms : 0.0f;
}

float sv_last_transfer_ms(const bo_solver *s)
{
    return s ? s->last_transfer_ms : 0.0f;
}

void sv_last_phases(const bo_solver *s, double ms[SV_PHASES])
{
    for (int k = 0; k < SV_PHASES; ++k)
        ms[k] = s ? s->phase_ms[k] : 0.0;
}

int bo_solver_info(const bo_solver *s, char **text)
{
    return sv_backend_info(s, text);
}

int sv_backend_info(const bo_solver *s, char **text)
{
    if (!s || !text)
        return BO_ERR_INVALID_ARG;
    if (s->cu)
        return cu_module_info(s->cu, text);
    *text = bo_strdup("backend: cpu\n");
    return *text ? BO_OK : BO_ERR_NOMEM;
}

int bo_solver_set_save_times(bo_solver *s, const double *times, size_t n)
{
    if (!s || (n > 0 && !times))
        return BO_ERR_INVALID_ARG;
    int rc = sv_save_times_check_order(s->ctx, "bo_solver_set_save_times", times, n);
    if (rc != BO_OK)
        return rc;
    double *copy = NULL;
    if (n > 0) {
        copy = bo_malloc(n * sizeof *copy);
        if (!copy)
            return bo_error(s->ctx, BO_ERR_NOMEM, "out of memory");
        memcpy(copy, times, n * sizeof *copy);
    }
    bo_free(s->api_times);
    s->api_times = copy;
    s->n_api_times = n;
    return BO_OK;
}
