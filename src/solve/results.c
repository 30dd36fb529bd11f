/* Results of a solve: allocation for the solver, masking of failed runs, the public
 * accessors (bounds-checked: out of range gives NaN, 0 or NULL) and per-run status text. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/internal.h"
#include "results_internal.h"
#include "status.h"

static void free_names(char **names, size_t n)
{
    if (!names)
        return;
    for (size_t i = 0; i < n; ++i)
        bo_free(names[i]);
    bo_free(names);
}

void bo_results_destroy(bo_results *r)
{
    if (!r)
        return;
    bo_free(r->model_name);
    free_names(r->state_names, r->n_states);
    free_names(r->param_names, r->n_params);
    free_names(r->var_names, r->n_vars);
    bo_free(r->init);
    bo_free(r->params);
    bo_free(r->final);
    bo_free(r->final_t);
    bo_free(r->status);
    bo_free(r->steps);
    bo_free(r->rejections);
    bo_free(r->newton_iters);
    bo_free(r->save_t);
    bo_free(r->series);
    bo_free(r->spans);
    free_names(r->sum_names, r->n_sum_cols);
    free_names(r->sum_vars, r->n_sum_cols);
    free_names(r->sum_metrics, r->n_sum_cols);
    free_names(r->sum_outputs, r->n_sum_cols);
    free_names(r->sum_units, r->n_sum_cols);
    bo_free(r->window_t);
    bo_free(r->summaries);
    free_names(r->event_names, r->n_events);
    bo_free(r->event_counts);
    bo_free(r->ev_time);
    bo_free(r->ev_index);
    bo_free(r->ev_state);
    bo_free(r);
}

/* n *= f unless that overflows (then 0 and n is unchanged). */
static int mul_ok(size_t *n, size_t f)
{
    if (f && *n > SIZE_MAX / f)
        return 0;
    *n *= f;
    return 1;
}

/* a * b * c elements of size bytes fit in size_t. */
static int fits(size_t a, size_t b, size_t c, size_t size)
{
    size_t n = a;
    return mul_ok(&n, b) && mul_ok(&n, c) && mul_ok(&n, size);
}

static char **copy_names(size_t n, const char *(*get)(const void *, size_t), const void *src)
{
    char **out = bo_calloc(n, sizeof *out);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; ++i) {
        const char *s = get(src, i);
        out[i] = bo_strdup(s ? s : "");
        if (!out[i]) {
            free_names(out, n);
            return NULL;
        }
    }
    return out;
}

static const char *get_state(const void *m, size_t i)
{
    return bo_model_symbol_name((const bo_model *)m, BO_STATE, i);
}

static const char *get_param(const void *m, size_t i)
{
    return bo_model_symbol_name((const bo_model *)m, BO_PARAMETER, i);
}

static const char *get_var(const void *names, size_t i)
{
    return ((const char *const *)names)[i];
}

/* ---- recycled arrays ------------------------------------------------------------------ */

/* The per-run arrays of a results object, and their sizes in bytes from its counts: the
 * one place rs_create, rs_set_summaries and rs_spares_take take them from. */
enum {
    RS_INIT,
    RS_PARAMS,
    RS_FINAL,
    RS_FINAL_T,
    RS_STATUS,
    RS_STEPS,
    RS_REJ,
    RS_NEWTON,
    RS_SERIES,
    RS_SUMS,
    RS_ECOUNTS,
    RS_ETIME,
    RS_EINDEX,
    RS_ESTATE
};

static size_t array_bytes(const bo_results *r, int which)
{
    size_t per_run = 8; /* final time and the three 64-bit counters */
    switch (which) {
    case RS_INIT:
    case RS_FINAL:
        per_run = r->n_states * sizeof(double);
        break;
    case RS_PARAMS:
        per_run = r->n_params * sizeof(double);
        break;
    case RS_STATUS:
        per_run = sizeof(int32_t);
        break;
    case RS_SERIES:
        per_run = r->n_saves * r->n_vars * sizeof(double);
        break;
    case RS_SUMS:
        per_run = r->n_windows * r->n_sum_cols * sizeof(double);
        break;
    case RS_ECOUNTS:
        per_run = r->n_events * sizeof(int64_t);
        break;
    case RS_ETIME:
        per_run = r->n_records * sizeof(double);
        break;
    case RS_EINDEX:
        per_run = r->n_records * sizeof(int32_t);
        break;
    case RS_ESTATE:
        per_run = r->n_records * r->n_states * sizeof(double);
        break;
    }
    return per_run * r->runs; /* fits: checked when the results were made */
}

/* Move p (may be NULL) into sp; 1 when it went there, so its owner may forget it. */
static int take(rs_spares *sp, void *p, size_t bytes)
{
    if (!p || sp->n >= RS_SPARES)
        return 0;
    sp->p[sp->n] = p;
    sp->bytes[sp->n++] = bytes;
    return 1;
}

void rs_spares_take(rs_spares *sp, bo_results *r)
{
    if (!sp || !r)
        return;
    if (take(sp, r->init, array_bytes(r, RS_INIT)))
        r->init = NULL;
    if (take(sp, r->params, array_bytes(r, RS_PARAMS)))
        r->params = NULL;
    if (take(sp, r->final, array_bytes(r, RS_FINAL)))
        r->final = NULL;
    if (take(sp, r->final_t, array_bytes(r, RS_FINAL_T)))
        r->final_t = NULL;
    if (take(sp, r->status, array_bytes(r, RS_STATUS)))
        r->status = NULL;
    if (take(sp, r->steps, array_bytes(r, RS_STEPS)))
        r->steps = NULL;
    if (take(sp, r->rejections, array_bytes(r, RS_REJ)))
        r->rejections = NULL;
    if (take(sp, r->newton_iters, array_bytes(r, RS_NEWTON)))
        r->newton_iters = NULL;
    if (take(sp, r->series, array_bytes(r, RS_SERIES)))
        r->series = NULL;
    if (take(sp, r->summaries, array_bytes(r, RS_SUMS)))
        r->summaries = NULL;
    if (take(sp, r->event_counts, array_bytes(r, RS_ECOUNTS)))
        r->event_counts = NULL;
    if (take(sp, r->ev_time, array_bytes(r, RS_ETIME)))
        r->ev_time = NULL;
    if (take(sp, r->ev_index, array_bytes(r, RS_EINDEX)))
        r->ev_index = NULL;
    if (take(sp, r->ev_state, array_bytes(r, RS_ESTATE)))
        r->ev_state = NULL;
}

/* `bytes` from a spare of exactly that size, or freshly allocated; zeroed only without
 * spares (with spares the solver writes every element). */
static void *spare_alloc(rs_spares *sp, size_t bytes)
{
    if (!sp)
        return bo_calloc(bytes ? bytes : 1, 1);
    for (size_t i = 0; i < sp->n; ++i) {
        if (sp->p[i] && sp->bytes[i] == bytes) {
            void *p = sp->p[i];
            sp->p[i] = NULL;
            return p;
        }
    }
    return bo_malloc(bytes ? bytes : 1);
}

void rs_spares_free(rs_spares *sp)
{
    if (!sp)
        return;
    for (size_t i = 0; i < sp->n; ++i)
        bo_free(sp->p[i]);
    sp->n = 0;
}

int rs_create(bo_context *ctx, const bo_model *model, size_t runs, size_t n_saves, size_t n_vars,
              const char *const *var_names, rs_spares *spares, bo_results **out)
{
    if (!out)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "results: out is NULL");
    *out = NULL;
    if (!model || (n_vars && !var_names))
        return bo_error(ctx, BO_ERR_INVALID_ARG, "results: model or variable names missing");
    size_t ns = bo_model_count(model, BO_STATE), np = bo_model_count(model, BO_PARAMETER);
    if (!fits(ns, runs, 1, sizeof(double)) || !fits(np, runs, 1, sizeof(double)) ||
        !fits(n_saves, n_vars, runs, sizeof(double)) || !fits(runs, 1, 1, sizeof(int64_t)))
        return bo_error(ctx, BO_ERR_RANGE,
                        "results for %zu runs x %zu saves x %zu variables do not fit in memory",
                        runs, n_saves, n_vars);
    bo_results *r = bo_calloc(1, sizeof *r);
    if (!r)
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory allocating results");
    r->ctx = ctx;
    r->runs = runs;
    r->n_states = ns;
    r->n_params = np;
    r->n_saves = n_saves;
    r->n_vars = n_vars;
    const char *mname = bo_model_name(model);
    r->model_name = bo_strdup(mname ? mname : "");
    r->state_names = copy_names(ns, get_state, model);
    r->param_names = copy_names(np, get_param, model);
    r->var_names = copy_names(n_vars, get_var, var_names);
    r->init = spare_alloc(spares, array_bytes(r, RS_INIT));
    r->params = spare_alloc(spares, array_bytes(r, RS_PARAMS));
    r->final = spare_alloc(spares, array_bytes(r, RS_FINAL));
    r->final_t = spare_alloc(spares, array_bytes(r, RS_FINAL_T));
    r->status = spare_alloc(spares, array_bytes(r, RS_STATUS));
    r->steps = spare_alloc(spares, array_bytes(r, RS_STEPS));
    r->rejections = spare_alloc(spares, array_bytes(r, RS_REJ));
    r->newton_iters = spare_alloc(spares, array_bytes(r, RS_NEWTON));
    r->save_t = bo_calloc(n_saves, sizeof(double));
    r->series = spare_alloc(spares, array_bytes(r, RS_SERIES));
    if (!r->model_name || !r->state_names || !r->param_names || !r->var_names || !r->init ||
        !r->params || !r->final || !r->final_t || !r->status || !r->steps || !r->rejections ||
        !r->newton_iters || !r->save_t || !r->series) {
        /* A failed name copy left its array NULL, so destroy must not walk the counts. */
        if (!r->state_names)
            r->n_states = 0;
        if (!r->param_names)
            r->n_params = 0;
        if (!r->var_names)
            r->n_vars = 0;
        bo_results_destroy(r);
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory allocating results for %zu runs", runs);
    }
    *out = r;
    return BO_OK;
}

void rs_set_spans(bo_results *r, double *spans, double t0, double settling, double duration,
                  double save_every)
{
    bo_free(r->spans);
    r->spans = spans;
    r->span[BO_SPAN_T0] = t0;
    r->span[BO_SPAN_SETTLING] = settling;
    r->span[BO_SPAN_DURATION] = duration;
    r->save_every = save_every;
}

int bo_results_spans_vary(const bo_results *r)
{
    return r && r->spans ? 1 : 0;
}

double bo_results_span(const bo_results *r, size_t run, bo_span span)
{
    if (!r || run >= r->runs || (int)span < 0 || span >= BO_SPAN_COUNT)
        return NAN;
    return r->spans ? r->spans[(size_t)span * r->runs + run] : r->span[span];
}

const double *bo_results_span_array(const bo_results *r, bo_span span)
{
    if (!r || !r->spans || (int)span < 0 || span >= BO_SPAN_COUNT)
        return NULL;
    return r->spans + (size_t)span * r->runs;
}

double bo_results_run_start(const bo_results *r, size_t run)
{
    return bo_results_span(r, run, BO_SPAN_T0) + bo_results_span(r, run, BO_SPAN_SETTLING);
}

double bo_results_run_save_time(const bo_results *r, size_t run, size_t save)
{
    if (!r || run >= r->runs || save >= r->n_saves)
        return NAN;
    return r->spans ? bo_results_run_start(r, run) + r->save_t[save] : r->save_t[save];
}

void rs_swap(bo_results *a, bo_results *b)
{
    bo_results t = *a;
    *a = *b;
    *b = t;
}

static void clear_summaries(bo_results *r)
{
    free_names(r->sum_names, r->n_sum_cols);
    free_names(r->sum_vars, r->n_sum_cols);
    free_names(r->sum_metrics, r->n_sum_cols);
    free_names(r->sum_outputs, r->n_sum_cols);
    free_names(r->sum_units, r->n_sum_cols);
    bo_free(r->window_t);
    bo_free(r->summaries);
    r->sum_names = r->sum_vars = r->sum_metrics = r->sum_outputs = r->sum_units = NULL;
    r->window_t = r->summaries = NULL;
    r->n_windows = r->n_sum_cols = 0;
}

int rs_set_summaries(bo_results *r, size_t n_windows, double t_first, double window, size_t n_cols,
                     const rs_sum_column *cols, rs_spares *spares)
{
    if (!r || (n_cols && !cols))
        return BO_ERR_INVALID_ARG;
    clear_summaries(r);
    if (!n_windows || !n_cols)
        return BO_OK;
    if (!fits(n_windows, n_cols, r->runs, sizeof(double)) || !fits(n_windows, 2, 1, sizeof(double)))
        return bo_error(r->ctx, BO_ERR_RANGE,
                        "summaries for %zu runs x %zu windows x %zu columns do not fit in memory",
                        r->runs, n_windows, n_cols);
    r->n_sum_cols = n_cols;
    r->sum_names = bo_calloc(n_cols, sizeof *r->sum_names);
    r->sum_vars = bo_calloc(n_cols, sizeof *r->sum_vars);
    r->sum_metrics = bo_calloc(n_cols, sizeof *r->sum_metrics);
    r->sum_outputs = bo_calloc(n_cols, sizeof *r->sum_outputs);
    r->sum_units = bo_calloc(n_cols, sizeof *r->sum_units);
    r->window_t = bo_calloc(2 * n_windows, sizeof(double));
    r->n_windows = n_windows; /* sizes the array; reset by clear_summaries on failure */
    r->summaries = spare_alloc(spares, array_bytes(r, RS_SUMS));
    int ok = r->sum_names && r->sum_vars && r->sum_metrics && r->sum_outputs && r->sum_units &&
             r->window_t && r->summaries;
    for (size_t c = 0; ok && c < n_cols; ++c) {
        const rs_sum_column *col = &cols[c];
        size_t base = strcspn(col->metric, "[");
        r->sum_names[c] =
            col->output ? bo_asprintf("%s.%.*s.%s", col->var, (int)base, col->metric, col->output)
                        : bo_asprintf("%s.%s", col->var, col->metric);
        r->sum_vars[c] = bo_strdup(col->var);
        r->sum_metrics[c] = bo_strdup(col->metric);
        r->sum_outputs[c] = bo_strdup(col->output ? col->output : col->metric);
        r->sum_units[c] = col->unit ? bo_strdup(col->unit) : NULL;
        ok = r->sum_names[c] && r->sum_vars[c] && r->sum_metrics[c] && r->sum_outputs[c] &&
             (!col->unit || r->sum_units[c]);
    }
    if (!ok) {
        clear_summaries(r);
        return bo_error(r->ctx, BO_ERR_NOMEM, "out of memory allocating summaries");
    }
    for (size_t w = 0; w < n_windows; ++w) {
        r->window_t[2 * w] = t_first + (double)w * window;
        r->window_t[2 * w + 1] = t_first + (double)(w + 1) * window;
    }
    return BO_OK;
}

static void clear_events(bo_results *r)
{
    free_names(r->event_names, r->n_events);
    bo_free(r->event_counts);
    bo_free(r->ev_time);
    bo_free(r->ev_index);
    bo_free(r->ev_state);
    r->event_names = NULL;
    r->event_counts = NULL;
    r->ev_time = r->ev_state = NULL;
    r->ev_index = NULL;
    r->n_events = r->n_records = 0;
}

static const char *get_event(const void *m, size_t i)
{
    return bo_model_event_name((const bo_model *)m, i);
}

int rs_set_events(bo_results *r, const bo_model *model, size_t n_records, rs_spares *spares)
{
    if (!r || !model)
        return BO_ERR_INVALID_ARG;
    clear_events(r);
    size_t ne = bo_model_event_count(model);
    if (!ne)
        return BO_OK;
    if (!fits(ne, r->runs, 1, sizeof(int64_t)) ||
        !fits(n_records, r->n_states + 2, r->runs, sizeof(double)))
        return bo_error(r->ctx, BO_ERR_RANGE,
                        "event records for %zu runs x %zu records do not fit in memory", r->runs,
                        n_records);
    r->event_names = copy_names(ne, get_event, model);
    if (!r->event_names)
        return bo_error(r->ctx, BO_ERR_NOMEM, "out of memory allocating event results");
    r->n_events = ne; /* sizes the arrays; reset by clear_events on failure */
    r->n_records = n_records;
    r->event_counts = spare_alloc(spares, array_bytes(r, RS_ECOUNTS));
    if (n_records) {
        r->ev_time = spare_alloc(spares, array_bytes(r, RS_ETIME));
        r->ev_index = spare_alloc(spares, array_bytes(r, RS_EINDEX));
        r->ev_state = spare_alloc(spares, array_bytes(r, RS_ESTATE));
    }
    if (!r->event_counts || (n_records && (!r->ev_time || !r->ev_index || !r->ev_state))) {
        clear_events(r);
        return bo_error(r->ctx, BO_ERR_NOMEM, "out of memory allocating event results");
    }
    return BO_OK;
}

/* ---- accessors ------------------------------------------------------------------------- */

size_t bo_results_run_count(const bo_results *r)
{
    return r ? r->runs : 0;
}

size_t bo_results_failed_count(const bo_results *r)
{
    size_t n = 0;
    if (r)
        for (size_t i = 0; i < r->runs; ++i)
            n += (r->status[i] & ~BO_RUN_NOT_FAILURE) != 0;
    return n;
}

int32_t bo_results_status(const bo_results *r, size_t run)
{
    /* Out of range is not a run: -1 (every flag bit set), never 0, which reads as success. */
    return r && run < r->runs ? r->status[run] : -1;
}

double bo_results_final_time(const bo_results *r, size_t run)
{
    return r && run < r->runs ? r->final_t[run] : NAN;
}

double bo_results_final(const bo_results *r, size_t run, size_t state)
{
    return r && run < r->runs && state < r->n_states ? r->final[state * r->runs + run] : NAN;
}

int64_t bo_results_steps(const bo_results *r, size_t run)
{
    return r && run < r->runs ? r->steps[run] : 0;
}

int64_t bo_results_rejections(const bo_results *r, size_t run)
{
    return r && run < r->runs ? r->rejections[run] : 0;
}

int64_t bo_results_newton_iters(const bo_results *r, size_t run)
{
    return r && run < r->runs ? r->newton_iters[run] : 0;
}

size_t bo_results_save_count(const bo_results *r)
{
    return r ? r->n_saves : 0;
}

double bo_results_save_time(const bo_results *r, size_t save)
{
    return r && save < r->n_saves ? r->save_t[save] : NAN;
}

size_t bo_results_var_count(const bo_results *r)
{
    return r ? r->n_vars : 0;
}

const char *bo_results_var_name(const bo_results *r, size_t var)
{
    return r && var < r->n_vars ? r->var_names[var] : NULL;
}

double bo_results_value(const bo_results *r, size_t save, size_t var, size_t run)
{
    if (!r || save >= r->n_saves || var >= r->n_vars || run >= r->runs)
        return NAN;
    return r->series[(save * r->n_vars + var) * r->runs + run];
}

const double *bo_results_final_array(const bo_results *r)
{
    return r ? r->final : NULL;
}

const double *bo_results_series_array(const bo_results *r)
{
    return r ? r->series : NULL;
}

const double *bo_results_init_array(const bo_results *r)
{
    return r ? r->init : NULL;
}

const double *bo_results_param_array(const bo_results *r)
{
    return r ? r->params : NULL;
}

const int32_t *bo_results_status_array(const bo_results *r)
{
    return r ? r->status : NULL;
}

const double *bo_results_final_time_array(const bo_results *r)
{
    return r ? r->final_t : NULL;
}

const int64_t *bo_results_steps_array(const bo_results *r)
{
    return r ? r->steps : NULL;
}

const int64_t *bo_results_rejections_array(const bo_results *r)
{
    return r ? r->rejections : NULL;
}

const int64_t *bo_results_newton_iters_array(const bo_results *r)
{
    return r ? r->newton_iters : NULL;
}

size_t bo_results_window_count(const bo_results *r)
{
    return r ? r->n_windows : 0;
}

double bo_results_window_start(const bo_results *r, size_t window)
{
    return r && window < r->n_windows ? r->window_t[2 * window] : NAN;
}

double bo_results_window_end(const bo_results *r, size_t window)
{
    return r && window < r->n_windows ? r->window_t[2 * window + 1] : NAN;
}

size_t bo_results_summary_count(const bo_results *r)
{
    return r ? r->n_sum_cols : 0;
}

const char *bo_results_summary_name(const bo_results *r, size_t column)
{
    return r && column < r->n_sum_cols ? r->sum_names[column] : NULL;
}

const char *bo_results_summary_variable(const bo_results *r, size_t column)
{
    return r && column < r->n_sum_cols ? r->sum_vars[column] : NULL;
}

const char *bo_results_summary_metric(const bo_results *r, size_t column)
{
    return r && column < r->n_sum_cols ? r->sum_metrics[column] : NULL;
}

const char *bo_results_summary_output(const bo_results *r, size_t column)
{
    return r && column < r->n_sum_cols ? r->sum_outputs[column] : NULL;
}

const char *bo_results_summary_unit(const bo_results *r, size_t column)
{
    return r && column < r->n_sum_cols ? r->sum_units[column] : NULL;
}

double bo_results_summary(const bo_results *r, size_t window, size_t column, size_t run)
{
    if (!r || window >= r->n_windows || column >= r->n_sum_cols || run >= r->runs)
        return NAN;
    return r->summaries[(window * r->n_sum_cols + column) * r->runs + run];
}

const double *bo_results_summary_array(const bo_results *r)
{
    return r ? r->summaries : NULL;
}

size_t bo_results_event_count(const bo_results *r)
{
    return r ? r->n_events : 0;
}

const char *bo_results_event_name(const bo_results *r, size_t event)
{
    return r && event < r->n_events ? r->event_names[event] : NULL;
}

int64_t bo_results_event_occurrences(const bo_results *r, size_t event, size_t run)
{
    return r && event < r->n_events && run < r->runs ? r->event_counts[event * r->runs + run] : 0;
}

const int64_t *bo_results_event_counts_array(const bo_results *r)
{
    return r ? r->event_counts : NULL;
}

size_t bo_results_event_record_count(const bo_results *r)
{
    return r ? r->n_records : 0;
}

double bo_results_event_time(const bo_results *r, size_t record, size_t run)
{
    return r && record < r->n_records && run < r->runs ? r->ev_time[record * r->runs + run] : NAN;
}

int32_t bo_results_event_index(const bo_results *r, size_t record, size_t run)
{
    return r && record < r->n_records && run < r->runs ? r->ev_index[record * r->runs + run] : -1;
}

double bo_results_event_state(const bo_results *r, size_t record, size_t state, size_t run)
{
    if (!r || record >= r->n_records || state >= r->n_states || run >= r->runs)
        return NAN;
    return r->ev_state[(record * r->n_states + state) * r->runs + run];
}

const double *bo_results_event_time_array(const bo_results *r)
{
    return r ? r->ev_time : NULL;
}

const int32_t *bo_results_event_index_array(const bo_results *r)
{
    return r ? r->ev_index : NULL;
}

const double *bo_results_event_state_array(const bo_results *r)
{
    return r ? r->ev_state : NULL;
}

/* ---- per-run status text --------------------------------------------------------------- */

/* Flag names are the BO_RUN_ names without the prefix, in lower case ("step_too_small"). */
static const char *flag_name_upper(unsigned bit)
{
    switch (bit) {
#define BO_X_FLAG(name, b, text)                                                                   \
    case b:                                                                                        \
        return &#name[sizeof "BO_RUN_" - 1];
        BO_RUN_STATUS_LIST(BO_X_FLAG)
#undef BO_X_FLAG
    default:
        return NULL;
    }
}

const char *rs_flag_name(unsigned bit, char *buf, size_t len)
{
    const char *up = bit < 32 ? flag_name_upper(bit) : NULL;
    if (!up || !buf || len == 0)
        return NULL;
    size_t i = 0;
    for (; up[i] && i + 1 < len; ++i)
        buf[i] = (char)(up[i] >= 'A' && up[i] <= 'Z' ? up[i] - 'A' + 'a' : up[i]);
    buf[i] = '\0';
    return buf;
}

/* Append name to buf (with a '|' separator), truncating at len - 1 characters. */
static void append_flag(char *buf, size_t len, size_t *pos, const char *name)
{
    if (*pos && *pos + 1 < len)
        buf[(*pos)++] = '|';
    for (const char *p = name; *p && *pos + 1 < len; ++p)
        buf[(*pos)++] = *p;
    buf[*pos] = '\0';
}

int bo_run_failed(int32_t status)
{
    return (status & ~BO_RUN_NOT_FAILURE) != 0;
}

const char *bo_run_status_string(int32_t status, char *buf, size_t len)
{
    if (!buf || len == 0)
        return buf;
    buf[0] = '\0';
    if (status == 0) {
        snprintf(buf, len, "success");
        return buf;
    }
    uint32_t bits = (uint32_t)status;
    size_t pos = 0;
    for (unsigned bit = 0; bit < 32; ++bit) {
        if (!(bits & (1u << bit)))
            continue;
        char tmp[64];
        const char *name = rs_flag_name(bit, tmp, sizeof tmp);
        if (!name) {
            snprintf(tmp, sizeof tmp, "bit%u", bit);
            name = tmp;
        }
        append_flag(buf, len, &pos, name);
    }
    return buf;
}
