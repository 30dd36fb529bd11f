/* batchode: integrate huge batches of ODE initial value problems (one model, many runs, each
 * with its own initial values and parameters) on NVIDIA GPUs and on CPUs.
 *
 * This is the whole public API. Every function is prefixed bo_; handles are opaque.
 *
 * Conventions (all functions):
 * - Fallible functions return int: BO_OK (0) on success, a negative bo_status otherwise. The
 *   message for the last error is kept in the context: bo_errmsg(ctx).
 * - bo_x_create(..., bo_x **out) / bo_x_destroy(bo_x *): a failed create leaves *out == NULL and
 *   leaks nothing; destroy accepts NULL.
 * - Arrays passed in are borrowed for the duration of the call only.
 * - Thread rules: a context and everything created through it belong to one thread at a time.
 *   Different contexts may be used concurrently from different threads.
 * - The library never prints and never exits.
 */
#ifndef BATCHODE_H
#define BATCHODE_H

#include <stddef.h>
#include <stdint.h>

#include "batchode_version.h" /* BO_VERSION_MAJOR, _MINOR, _PATCH, _STRING (generated) */

#ifdef __cplusplus
extern "C" {
#endif

#if defined(BO_BUILDING_LIBRARY) && defined(__GNUC__)
#define BO_API __attribute__((visibility("default")))
#else
#define BO_API
#endif

/* ---------------------------------------------------------------------------------------
 * Status codes. One list generates the enum, bo_status_name() and bo_strerror().
 * ------------------------------------------------------------------------------------- */
#define BO_STATUS_LIST(X)                                                                          \
    X(BO_OK, 0, "success")                                                                         \
    X(BO_ERR_NOMEM, -1, "out of memory")                                                           \
    X(BO_ERR_INVALID_ARG, -2, "invalid argument")                                                  \
    X(BO_ERR_IO, -3, "input/output error")                                                         \
    X(BO_ERR_PARSE, -4, "model text has an error")                                                 \
    X(BO_ERR_MODEL, -5, "model is not valid")                                                      \
    X(BO_ERR_SETTING, -6, "invalid setting")                                                       \
    X(BO_ERR_UNKNOWN_KEY, -7, "unknown setting key")                                               \
    X(BO_ERR_COMPILE, -8, "compilation of generated code failed")                                  \
    X(BO_ERR_BACKEND, -9, "backend unavailable")                                                   \
    X(BO_ERR_DEVICE, -10, "device (GPU) error")                                                    \
    X(BO_ERR_NOT_FOUND, -11, "not found")                                                          \
    X(BO_ERR_RANGE, -12, "value out of range")                                                     \
    X(BO_ERR_STATE, -13, "object is not in a state that allows this call")                         \
    X(BO_ERR_INTERNAL, -14, "internal error")                                                      \
    X(BO_ERR_CANCELLED, -15, "cancelled by the caller's interrupt hook")

typedef enum {
#define BO_X_ENUM(name, value, text) name = value,
    BO_STATUS_LIST(BO_X_ENUM)
#undef BO_X_ENUM
} bo_status;

/* Symbolic name of a status code ("BO_ERR_NOMEM"); "BO_UNKNOWN_STATUS" for other values. */
BO_API const char *bo_status_name(int status);
/* Short human description of a status code. */
BO_API const char *bo_strerror(int status);

/* Version of the library in use as "MAJOR.MINOR.PATCH"; BO_VERSION_STRING is the version of
 * the header a program was compiled with. */
BO_API const char *bo_version(void);

/* ---------------------------------------------------------------------------------------
 * Context: holds the last error message and log (compiler output) for one thread of use.
 * ------------------------------------------------------------------------------------- */
typedef struct bo_context bo_context;

BO_API int bo_context_create(bo_context **out);
BO_API void bo_context_destroy(bo_context *ctx);
/* Last error message ("" when none). Valid until the next call that uses ctx. */
BO_API const char *bo_errmsg(const bo_context *ctx);
/* Last long diagnostic log (e.g. a compiler's output), "" when none. */
BO_API const char *bo_errlog(const bo_context *ctx);
/* Clear the error message and log. */
BO_API void bo_clear_error(bo_context *ctx);
/* Warnings: requests that were honoured but deserve a word (a tolerance below what the
 * precision can deliver, a compile cache that was not trusted and so not used, ...). One
 * warning per line, each ending in '\n'; "" when none. They accumulate (a warning already
 * held is not repeated) until bo_clear_warnings. The library never prints them: a program
 * shows them as it likes (the CLI prints each as "batchode: warning: ..."). */
BO_API const char *bo_warnings(const bo_context *ctx);
BO_API void bo_clear_warnings(bo_context *ctx);

/* ---------------------------------------------------------------------------------------
 * Models: parsed from the .ode model language (docs/model-language.md).
 * ------------------------------------------------------------------------------------- */
typedef struct bo_model bo_model;

typedef enum {
    BO_STATE = 0,      /* integrated variables, with initial values */
    BO_PARAMETER = 1,  /* per-run values, with defaults */
    BO_CONSTANT = 2,   /* compiled into the generated code */
    BO_DRIVER = 3,     /* time-varying inputs whose values are supplied at run time */
    BO_OBSERVABLE = 4, /* named outputs computed from the state */
    BO_AUXILIARY = 5,  /* named intermediate expressions */
    BO_SYMBOL_KIND_COUNT = 6
} bo_symbol_kind;

/* The longest model text accepted, in bytes (256 MiB): a file or string beyond it is refused
 * with BO_ERR_RANGE, and reading a source that never ends (/dev/zero, a pipe) stops there. */
#define BO_MODEL_MAX_BYTES ((size_t)256 * 1024 * 1024)

/* Load a model from a file. On a parse or model error returns BO_ERR_PARSE / BO_ERR_MODEL and
 * bo_errmsg(ctx) holds "file:line:col: message" followed by the source line and a caret.
 * BO_ERR_IO when the file cannot be read, BO_ERR_RANGE when it holds more than
 * BO_MODEL_MAX_BYTES.
 * A CellML file (docs/cellml.md) is recognised by its name ending in ".cellml" (any case) or
 * by its text starting with '<' (after blanks and a byte order mark), and is imported: the
 * model is the one bo_model_import_cellml's text describes; its errors are
 * "file:line: message" with the CellML file's line. */
BO_API int bo_model_load_file(bo_context *ctx, const char *path, bo_model **out);
/* Load a model from text. source_name is used in error messages (NULL: "<string>").
 * BO_ERR_RANGE when the text is longer than BO_MODEL_MAX_BYTES. Text that starts with '<'
 * is read as CellML (imports of other files are refused: a string has no directory). */
BO_API int bo_model_load_string(bo_context *ctx, const char *text, const char *source_name,
                                bo_model **out);
/* Translate the CellML 1.0, 1.1 or 2.0 file at path into model-language text (*out, a new
 * NUL-terminated string, free with bo_free): the exact text bo_model_load_file compiles for
 * that file, with comments naming each variable's component and units (docs/cellml.md).
 * Errors: BO_ERR_IO (unreadable file or import), BO_ERR_PARSE (not well-formed XML, not
 * CellML, unsupported MathML), BO_ERR_MODEL (missing variables, unit mismatches, cycles, ...),
 * each with "file:line: message"; BO_ERR_BACKEND when batchode was built without libxml2. */
BO_API int bo_model_import_cellml(bo_context *ctx, const char *path, char **out);
/* 1 when this build imports CellML (it was built with libxml2), else 0. */
BO_API int bo_cellml_supported(void);
BO_API void bo_model_destroy(bo_model *model);

/* The model's name (from its `model` line, else the file name without extension). */
BO_API const char *bo_model_name(const bo_model *model);
/* Number of symbols of a kind; 0 for an invalid kind. */
BO_API size_t bo_model_count(const bo_model *model, bo_symbol_kind kind);
/* Name of symbol i of a kind, NULL when out of range. */
BO_API const char *bo_model_symbol_name(const bo_model *model, bo_symbol_kind kind, size_t i);
/* Unit declared for symbol i (e.g. "mV"), NULL when none was declared. */
BO_API const char *bo_model_symbol_unit(const bo_model *model, bo_symbol_kind kind, size_t i);
/* Default value of symbol i: initial value (states), default (parameters), value (constants).
 * NaN for kinds without a value. */
BO_API double bo_model_symbol_default(const bo_model *model, bo_symbol_kind kind, size_t i);
/* Index of a symbol by name within a kind; -1 when absent. A model imported from CellML also
 * finds each variable by its "component.variable" name (docs/cellml.md). */
BO_API long bo_model_find(const bo_model *model, bo_symbol_kind kind, const char *name);

/* Events (docs/model-language.md#events), in declaration order: `event NAME when EXPR
 * [rising | falling] [then x = EXPR, ...] [stop]`. The count (0 when the model declares none or
 * model is NULL), an event's name (NULL out of range), its direction (1 rising, -1 falling,
 * 0 either; 0 out of range), whether it stops the run (1) or not (0), how many states it
 * assigns, and the index of an event by name (-1 when absent). */
BO_API size_t bo_model_event_count(const bo_model *model);
BO_API const char *bo_model_event_name(const bo_model *model, size_t i);
BO_API int bo_model_event_direction(const bo_model *model, size_t i);
BO_API int bo_model_event_stops(const bo_model *model, size_t i);
BO_API size_t bo_model_event_assignment_count(const bo_model *model, size_t i);
BO_API long bo_model_event_find(const bo_model *model, const char *name);

/* Structural sparsity of the Jacobian df/dy: pattern[i*n + j] = 1 when df_i/dy_j is not
 * identically zero (n = number of states; caller provides n*n bytes). For small models: a
 * large one needs n*n bytes here, while the two calls below need memory for the nonzeros
 * only. */
BO_API int bo_model_jacobian_pattern(const bo_model *model, unsigned char *pattern);
/* Number of structural nonzeros of df/dy (*nnz). Time and memory grow with the size of the
 * model's equations and their nonzeros, never with n*n. */
BO_API int bo_model_jacobian_nnz(const bo_model *model, size_t *nnz);
/* The same sparsity in compressed sparse row form: the nonzeros of row i (state i's
 * equation) have their columns (the states it depends on) in cols[row_start[i]] ..
 * cols[row_start[i+1] - 1], ascending. row_start has n + 1 entries (row_start[0] = 0,
 * row_start[n] = nnz); cols has room for cols_cap entries (cols may be NULL when cols_cap is
 * 0). Returns BO_ERR_RANGE when cols_cap < nnz, with row_start filled all the same, so a
 * caller may size cols from row_start[n]. */
BO_API int bo_model_jacobian_csr(const bo_model *model, size_t *row_start, size_t *cols,
                                 size_t cols_cap);

/* Write the generated C source for the model's functions (dxdt, observables, Jacobian, JVP,
 * df/dt, df/ddrivers) into a newly allocated NUL-terminated string (*out, free with
 * bo_free). Deterministic. */
BO_API int bo_model_emit_c(bo_context *ctx, const bo_model *model, char **out);

/* ---------------------------------------------------------------------------------------
 * Settings: every compile and run setting of every component (docs/settings.md lists them
 * all). Values are given and read as text; each key validates its value when set.
 * ------------------------------------------------------------------------------------- */
typedef struct bo_settings bo_settings;

/* Create settings holding every key at its default. Errors later go to ctx. */
BO_API int bo_settings_create(bo_context *ctx, bo_settings **out);
BO_API void bo_settings_destroy(bo_settings *s);
/* Deep copy (same context). */
BO_API int bo_settings_copy(const bo_settings *s, bo_settings **out);
/* Set one key. Unknown key: BO_ERR_UNKNOWN_KEY, message names the key and close matches.
 * Bad value: BO_ERR_SETTING, message names the allowed range or values. On error the
 * settings are unchanged. */
BO_API int bo_settings_set(bo_settings *s, const char *key, const char *value);
/* Set several keys at once, all or nothing. recognised (may be NULL) receives, for each key,
 * 1 if it is a known key, else 0; the call fails with BO_ERR_UNKNOWN_KEY if any is unknown
 * (after filling recognised), or BO_ERR_SETTING for the first bad value. */
BO_API int bo_settings_update(bo_settings *s, size_t count, const char *const *keys,
                              const char *const *values, unsigned char *recognised);
/* Current value of a key as text (*value: new string, free with bo_free). */
BO_API int bo_settings_get(const bo_settings *s, const char *key, char **value);
/* 1 if the key was set explicitly (not a default), 0 if not, negative on an unknown key. */
BO_API int bo_settings_is_set(const bo_settings *s, const char *key);
/* Return a key to its default. */
BO_API int bo_settings_reset(bo_settings *s, const char *key);
/* All effective settings as "key = value" lines in a stable order (*out: free with bo_free). */
BO_API int bo_settings_dump(const bo_settings *s, char **out);
/* Documentation of every key, as Markdown (docs/settings.md) or as plain text for --help. */
BO_API int bo_settings_doc(int markdown, char **out);

/* ---------------------------------------------------------------------------------------
 * Batches: which runs to integrate. Each run has one value per state (initial value) and
 * one per parameter; whatever is not given takes the model's default, which a model may
 * write with parameters: such defaults follow each run's parameters.
 * ------------------------------------------------------------------------------------- */
typedef struct bo_batch bo_batch;

typedef enum {
    BO_GRID_COMBINATORIAL = 0, /* Cartesian product of the given value lists (last varies
                                  fastest), deduplicated per variable order as given */
    BO_GRID_VERBATIM = 1       /* lists paired element-wise; a single value broadcasts */
} bo_grid;

BO_API int bo_batch_create(bo_context *ctx, const bo_model *model, bo_batch **out);
BO_API void bo_batch_destroy(bo_batch *b);
BO_API int bo_batch_set_grid(bo_batch *b, bo_grid grid);
/* Values for a state's initial value (kind BO_STATE) or a parameter (BO_PARAMETER), by
 * name. Replaces earlier values for the same variable. Non-finite values are rejected. */
BO_API int bo_batch_set_values(bo_batch *b, bo_symbol_kind kind, const char *name,
                               const double *values, size_t count);
/* The same from text: "a:b:n" or "lin:a:b:n" (n values from a to b inclusive; n = 1 needs
 * a == b), "log:a:b:n" (log-spaced, a, b > 0), "v1,v2,..." or "v"; numbers are decimal with
 * no blanks (docs/batches.md). A bad spec is BO_ERR_INVALID_ARG naming the fault. */
BO_API int bo_batch_set_spec(bo_batch *b, bo_symbol_kind kind, const char *name, const char *spec);
/* Runs from a CSV file: a header row naming states and/or parameters, then one run per row.
 * The rows form one block of paired columns: combined with other values as one variable
 * group (combinatorial) or paired with them (verbatim). Errors name file:line.
 * Column names, here and in bo_batch_set_runs: a state or parameter; "t0", "settling" or
 * "duration" for the runs' spans (see bo_span below); or a qualified name, which is never
 * ambiguous: "state.NAME", "parameter.NAME", "span.t0", "span.settling", "span.duration". A
 * plain t0, settling or duration when the model also has a state or parameter of that name is
 * an error (BO_ERR_INVALID_ARG; BO_ERR_PARSE with file:line:col from a file) naming both
 * qualified forms. */
BO_API int bo_batch_load_csv(bo_batch *b, const char *path);
/* The same runs from arrays instead of a file (a table of runs in memory, such as a data
 * frame): n_cols columns, column c named names[c] (a state or a parameter) with the n_rows
 * values columns[c][0..n_rows) (copied), run r of the block being row r. A block like a CSV
 * run file's: combined with other values as one variable group (combinatorial) or paired with
 * them (verbatim). Errors: BO_ERR_NOT_FOUND (an unknown name; the closest one suggested),
 * BO_ERR_INVALID_ARG (no columns or rows, a NULL column, a name twice, a value not finite).
 * On error the batch is unchanged. */
BO_API int bo_batch_set_runs(bo_batch *b, size_t n_cols, const char *const *names,
                             const double *const *columns, size_t n_rows);
/* Per-run time spans (docs/batches.md): a run may have its own start time t0, warm-up
 * settling and recorded duration instead of the solver's settings of those names. Spans are
 * given like values (a list, a spec, or columns "t0", "settling", "duration" of a run file or
 * of bo_batch_set_runs) and take part in the grid like a variable: one more factor of a
 * combinatorial grid, one more paired list of a verbatim one. A span the batch does not give
 * is the setting's value for every run. */
typedef enum {
    BO_SPAN_T0 = 0,       /* start time */
    BO_SPAN_SETTLING = 1, /* warm-up integrated before recording, >= 0 */
    BO_SPAN_DURATION = 2, /* recorded time after settling, > 0 */
    BO_SPAN_COUNT = 3
} bo_span;

/* "t0", "settling" or "duration"; NULL for another value. */
BO_API const char *bo_span_name(bo_span span);
/* Per-run values of a span, like bo_batch_set_values: they replace earlier values of that
 * span. Values must be finite, durations > 0 and settling >= 0 (BO_ERR_INVALID_ARG naming
 * the value's index otherwise). */
BO_API int bo_batch_set_span(bo_batch *b, bo_span span, const double *values, size_t count);
/* The same from a spec, as bo_batch_set_spec. */
BO_API int bo_batch_set_span_spec(bo_batch *b, bo_span span, const char *spec);
/* 1 when the batch gives span `span` per run, 0 when it does not (the setting applies). */
BO_API int bo_batch_has_span(const bo_batch *b, bo_span span);
/* Number of runs the batch describes (0 on an inconsistent verbatim batch: see
 * bo_batch_validate). */
BO_API size_t bo_batch_run_count(const bo_batch *b);
/* Check the batch (e.g. verbatim lengths agree); BO_OK or an error naming the problem. */
BO_API int bo_batch_validate(const bo_batch *b);
/* Values of one run: init[n_states], params[n_params] (either may be NULL). A state or
 * parameter the batch does not give and whose model value is written with parameters is
 * evaluated from this run's parameters (docs/batches.md). */
BO_API int bo_batch_get_run(const bo_batch *b, size_t run, double *init, double *params);
/* The spans of one run: span[BO_SPAN_COUNT], NaN for a span the batch does not give. */
BO_API int bo_batch_get_span(const bo_batch *b, size_t run, double span[BO_SPAN_COUNT]);

/* ---------------------------------------------------------------------------------------
 * Per-run status: bit flags (kernels/status.h). 0 means success; so does the flag
 * stopped_by_event alone (a terminal event ended the run early, as the model asked). Every
 * other flag is a failure.
 * ------------------------------------------------------------------------------------- */
/* 1 when a per-run status word reports a failure (any flag but stopped_by_event), else 0. */
BO_API int bo_run_failed(int32_t status);
/* Human-readable description of a per-run status word, e.g. "success" or
 * "step_too_small|nonfinite". Writes into buf (always NUL-terminated); returns buf. */
BO_API const char *bo_run_status_string(int32_t status, char *buf, size_t len);

/* ---------------------------------------------------------------------------------------
 * Results of a solve. Values are double on the host whatever the working precision.
 * Failed runs keep their status; their values are NaN.
 * ------------------------------------------------------------------------------------- */
typedef struct bo_results bo_results;

BO_API void bo_results_destroy(bo_results *r);
BO_API size_t bo_results_run_count(const bo_results *r);
/* Runs whose status reports a failure (bo_run_failed). */
BO_API size_t bo_results_failed_count(const bo_results *r);
/* Status word of a run (0: success; see bo_run_failed). -1 for a run out of range or NULL results:
 * never 0, so an index bug never reads as a successful run. */
BO_API int32_t bo_results_status(const bo_results *r, size_t run);
/* Final time reached by a run (the end time when it succeeded). */
BO_API double bo_results_final_time(const bo_results *r, size_t run);
/* Final value of state i of a run. */
BO_API double bo_results_final(const bo_results *r, size_t run, size_t state);
/* Steps attempted and steps rejected by a run. */
BO_API int64_t bo_results_steps(const bo_results *r, size_t run);
BO_API int64_t bo_results_rejections(const bo_results *r, size_t run);
/* Newton iterations a run used, summed over its attempted steps (0 for explicit and
 * Rosenbrock methods, which solve no nonlinear systems). */
BO_API int64_t bo_results_newton_iters(const bo_results *r, size_t run);
/* Each run's span (docs/loop.md): t0, settling, duration as the run used them (the settings'
 * values, or the batch's per-run values: bo_batch_set_span). NaN out of range. */
BO_API double bo_results_span(const bo_results *r, size_t run, bo_span span);
/* 1 when the batch gave per-run spans (then the arrays below exist), else 0. */
BO_API int bo_results_spans_vary(const bo_results *r);
/* A span as an array of run_count values, run i at index i; NULL when the spans do not vary
 * (every run has the settings' span: bo_results_span(r, 0, span)). Valid while r lives. */
BO_API const double *bo_results_span_array(const bo_results *r, bo_span span);
/* Where a run's recording starts: its t0 + settling. */
BO_API double bo_results_run_start(const bo_results *r, size_t run);
/* Saved time series: save_count time points, var_count variables (the selected states, then
 * the selected observables). Save k of a run is at its start + k*save_every, so every run
 * has the same save times when the spans do not vary, and bo_results_save_time(r, k) is that
 * time. With per-run spans it is the offset k*save_every from each run's start (the time of
 * save k of run i is bo_results_run_save_time(r, i, k)), and save_count is that of the
 * longest duration: the saves past a shorter run's end are NaN. */
BO_API size_t bo_results_save_count(const bo_results *r);
BO_API double bo_results_save_time(const bo_results *r, size_t save);
BO_API double bo_results_run_save_time(const bo_results *r, size_t run, size_t save);
BO_API size_t bo_results_var_count(const bo_results *r);
BO_API const char *bo_results_var_name(const bo_results *r, size_t var);
BO_API double bo_results_value(const bo_results *r, size_t save, size_t var, size_t run);
/* Raw arrays, laid out with consecutive runs adjacent: final[state][run],
 * series[save][var][run]. Valid while r lives. */
BO_API const double *bo_results_final_array(const bo_results *r);
BO_API const double *bo_results_series_array(const bo_results *r);
/* The initial values and parameters each run used: init[state][run], params[param][run]. */
BO_API const double *bo_results_init_array(const bo_results *r);
BO_API const double *bo_results_param_array(const bo_results *r);
/* The per-run values as arrays of run_count elements, run i at index i (the values of
 * bo_results_status, bo_results_final_time, bo_results_steps, bo_results_rejections and
 * bo_results_newton_iters), for reading a large batch without a call per run. Valid while r
 * lives; NULL for NULL results. */
BO_API const int32_t *bo_results_status_array(const bo_results *r);
BO_API const double *bo_results_final_time_array(const bo_results *r);
BO_API const int64_t *bo_results_steps_array(const bo_results *r);
BO_API const int64_t *bo_results_rejections_array(const bo_results *r);
BO_API const int64_t *bo_results_newton_iters_array(const bo_results *r);
/* Summaries (docs/outputs.md): statistics of each run over window_count windows, one value
 * per (window, column, run). Columns are variable-major, the metrics in the order requested,
 * named "<variable>.<metric>" or "<variable>.<metric>.<output>" for metrics with several
 * outputs ("x.mean", "x.extrema.max", "x.peaks.t1"). Out of range: 0, NaN or NULL. */
BO_API size_t bo_results_window_count(const bo_results *r);
/* Start and end time of a window: its first sample and the sample that closes it. With
 * per-run spans these are offsets from each run's start (bo_results_run_start), window_count
 * is that of the longest duration, and the windows past a shorter run's end are NaN. */
BO_API double bo_results_window_start(const bo_results *r, size_t window);
BO_API double bo_results_window_end(const bo_results *r, size_t window);
BO_API size_t bo_results_summary_count(const bo_results *r);
BO_API const char *bo_results_summary_name(const bo_results *r, size_t column);
/* The column's variable, metric as requested ("peaks[3]"), output ("t1"; the metric's name
 * for a single output) and the variable's declared unit (NULL when the model declares none;
 * derivative metrics are in that unit per time unit, peak times in time units). */
BO_API const char *bo_results_summary_variable(const bo_results *r, size_t column);
BO_API const char *bo_results_summary_metric(const bo_results *r, size_t column);
BO_API const char *bo_results_summary_output(const bo_results *r, size_t column);
BO_API const char *bo_results_summary_unit(const bo_results *r, size_t column);
BO_API double bo_results_summary(const bo_results *r, size_t window, size_t column, size_t run);
/* summaries[window][column][run], consecutive runs adjacent. Valid while r lives. */
BO_API const double *bo_results_summary_array(const bo_results *r);
/* Events (docs/events.md) of a model that declares some: event_count events (the model's, in
 * declaration order, named as there); each run's number of occurrences of each event after
 * settling (counts[event][run]); and, when outputs includes events, the first record_count
 * occurrences of each run after settling, in time order: time[record][run], the event's index
 * index[record][run] (-1 where the run had fewer events, with time and state NaN) and the
 * state at the event, before its assignments, state[record][state][run]. Out of range: 0,
 * NaN, -1 or NULL. Arrays are valid while r lives. */
BO_API size_t bo_results_event_count(const bo_results *r);
BO_API const char *bo_results_event_name(const bo_results *r, size_t event);
BO_API int64_t bo_results_event_occurrences(const bo_results *r, size_t event, size_t run);
BO_API const int64_t *bo_results_event_counts_array(const bo_results *r);
BO_API size_t bo_results_event_record_count(const bo_results *r);
BO_API double bo_results_event_time(const bo_results *r, size_t record, size_t run);
BO_API int32_t bo_results_event_index(const bo_results *r, size_t record, size_t run);
BO_API double bo_results_event_state(const bo_results *r, size_t record, size_t state, size_t run);
BO_API const double *bo_results_event_time_array(const bo_results *r);
BO_API const int32_t *bo_results_event_index_array(const bo_results *r);
BO_API const double *bo_results_event_state_array(const bo_results *r);
/* Write results into dir (created if needed): format "csv" or "npy". Always writes
 * final.csv (csv) or final.npy + legend (npy); the time series when saves exist; the
 * summaries (summaries.csv or summaries.npy) when there are some. All or nothing: files are
 * written under temporary names, synced, and renamed into place together; result files of an
 * earlier write that this one does not produce are removed, so dir holds one write's results;
 * temporaries that interrupted writes of processes no longer running left in dir are removed.
 * CSV is formatted on the solve's `threads` host threads. Writes into one dir at the same time
 * (threads or processes) each leave whole files, but which write's files remain is undefined.
 * See docs/outputs.md for the files and columns. */
BO_API int bo_results_write(const bo_results *r, const char *dir, const char *format);

/* ---------------------------------------------------------------------------------------
 * Solver: a model + settings, compiled for one backend. Changing per-run data (batch, t0,
 * duration, settling, save_every) never recompiles; changing a code setting does.
 * ------------------------------------------------------------------------------------- */
typedef struct bo_solver bo_solver;

/* Progress callback: runs done out of total; called from the solving thread. */
typedef void (*bo_progress_fn)(void *user, size_t done, size_t total);

/* Resolve settings against the model (per-algorithm defaults, tolerances per state, buffer
 * locations), generate the program and compile it (or load it from the compile cache).
 * settings are copied; model is borrowed and must outlive the solver. Errors: BO_ERR_SETTING
 * (a setting that does not fit this model or method), BO_ERR_MODEL, BO_ERR_COMPILE (the
 * compiler's log in bo_errlog), BO_ERR_BACKEND (backend=cuda without a usable GPU). */
BO_API int bo_solver_create(bo_context *ctx, const bo_model *model, const bo_settings *settings,
                            bo_solver **out);
BO_API void bo_solver_destroy(bo_solver *s);
/* Change one setting; a code setting recompiles on the next solve. */
BO_API int bo_solver_set(bo_solver *s, const char *key, const char *value);
BO_API void bo_solver_set_progress(bo_solver *s, bo_progress_fn fn, void *user);
/* Interrupt hook, for stopping a long solve (Ctrl-C, a time limit, a GUI's stop button):
 * fn(user) is called from the solving thread about every 100 ms while runs are integrated on
 * the CPU, and between chunks of runs on the GPU. When it returns nonzero the solve stops
 * once the runs in flight finish, and bo_solver_solve returns BO_ERR_CANCELLED with no
 * results. fn must be cheap and must not call the library; to stop on a signal, set a
 * volatile sig_atomic_t flag in the handler and return it here. NULL removes the hook. */
typedef int (*bo_interrupt_fn)(void *user);
BO_API void bo_solver_set_interrupt(bo_solver *s, bo_interrupt_fn fn, void *user);
/* Save at the n times (copied; finite and strictly increasing, else BO_ERR_INVALID_ARG),
 * measured from the end of settling like save_every and shared by every run; n = 0 (times
 * may be NULL) goes back to save_every. The same as the setting save_at, and exclusive with
 * it and with save_every > 0: the solve refuses a combination (BO_ERR_SETTING), and a time
 * outside [0, duration]. Results' save times are t0 + settling + times[k]. */
BO_API int bo_solver_set_save_times(bo_solver *s, const double *times, size_t n);
/* Integrate every run of the batch. Returns BO_OK when the solve ran (even if some runs
 * failed: see bo_results_failed_count), an error when it could not run (BO_ERR_STATE when a
 * driver of the model has no data: see bo_solver_set_driver). */
BO_API int bo_solver_solve(bo_solver *s, const bo_batch *batch, bo_results **out);
/* bo_solver_solve for a loop of solves: *results is NULL or the results of an earlier solve
 * (of any solver), and receives the new results in the same object. Per-run arrays of the
 * sizes this solve needs are reused rather than allocated again, so repeated solves of one
 * batch size allocate and page in nothing new (on a large batch that is most of a solve's
 * host time); the rest is freed. On an error *results is destroyed and set to NULL, so
 * nothing is left to free:
 *     bo_results *r = NULL;
 *     for (...) { if (bo_solver_solve_into(s, batch, &r) != BO_OK) break; use(r); }
 *     bo_results_destroy(r);  */
BO_API int bo_solver_solve_into(bo_solver *s, const bo_batch *batch, bo_results **results);
/* The generated source of the current program (owned by the solver). */
BO_API const char *bo_solver_source(const bo_solver *s);
/* Backend in use: "cpu" or "cuda". */
BO_API const char *bo_solver_backend(const bo_solver *s);
/* Effective (resolved) settings, "key = value" lines (*out: free with bo_free). */
BO_API int bo_solver_settings_dump(const bo_solver *s, char **out);
/* A report on the compiled program and its backend (*out: free with bo_free). For CUDA:
 * device, architecture, registers per thread, local (spill) bytes, shared bytes, block size
 * and occupancy, compile time and whether the compile cache served it. */
BO_API int bo_solver_info(const bo_solver *s, char **out);
/* Seconds spent in the last solve: total wall time and integration time. */
BO_API double bo_solver_last_wall_seconds(const bo_solver *s);

/* ---------------------------------------------------------------------------------------
 * Drivers: time-varying model inputs (`driver u` in the model) given as samples (t_i, v_i)
 * and interpolated on the device (docs/drivers.md). One table per driver is shared by every
 * run of a batch. Driver data is per-solve data: setting or changing it never recompiles.
 * ------------------------------------------------------------------------------------- */
typedef enum {
    BO_INTERP_LINEAR = 0,     /* piecewise linear */
    BO_INTERP_NATURAL = 1,    /* cubic spline, zero second derivative at both ends */
    BO_INTERP_CLAMPED = 2,    /* cubic spline with given end slopes */
    BO_INTERP_NOT_A_KNOT = 3, /* cubic spline, third derivative continuous at t_1, t_{n-2} */
    BO_INTERP_PERIODIC = 4    /* cubic spline, periodic: needs v_0 == v_{n-1} */
} bo_interpolation;

typedef enum {
    BO_ENDS_HOLD = 0, /* constant at the end values outside [t_0, t_{n-1}] */
    BO_ENDS_WRAP = 1  /* repeats with period t_{n-1} - t_0 */
} bo_driver_ends;

/* "Take this choice from the solver's settings" (driver_interpolation, driver_ends). */
#define BO_DRIVER_FROM_SETTINGS (-1)

typedef struct {
    int interpolation;  /* a bo_interpolation, or BO_DRIVER_FROM_SETTINGS */
    int ends;           /* a bo_driver_ends, or BO_DRIVER_FROM_SETTINGS */
    double slope_start; /* clamped only: du/dt at t_0; NaN: one-sided 3-point difference */
    double slope_end;   /* clamped only: du/dt at t_{n-1}; NaN: the same at that end */
} bo_driver_options;

/* Fill opt with the defaults: both choices from the settings, NaN slopes. */
BO_API void bo_driver_options_init(bo_driver_options *opt);

/* Give driver `name` of the solver's model the n samples (t[i], v[i]) (copied; t strictly
 * increasing, uniform or not; everything finite; n >= 2). opt may be NULL (= the defaults of
 * bo_driver_options_init). The samples are checked and the interpolant built at once, so
 * errors show here: BO_ERR_NOT_FOUND (the model has no such driver; close names suggested),
 * BO_ERR_INVALID_ARG (too few samples, times not increasing or not finite, NaN values, bad
 * options, periodic data whose ends differ). On error the driver keeps its earlier data.
 * Every driver of the model needs data before bo_solver_solve. */
BO_API int bo_solver_set_driver(bo_solver *s, const char *name, const double *t, const double *v,
                                size_t n, const bo_driver_options *opt);
/* The same from a CSV file: rows of time,value; an optional header row (in a two-column file
 * its second column must be `name`). A file with more than two columns needs a header, and the
 * driver's values are the column named `name` (the first column is always time). Errors name
 * file:line:col (BO_ERR_IO: cannot read; BO_ERR_PARSE: not a number, wrong column count or
 * header; BO_ERR_INVALID_ARG as above). */
BO_API int bo_solver_load_driver_csv(bo_solver *s, const char *name, const char *path,
                                     const bo_driver_options *opt);

/* A double as the shortest text that reads back (strtod) to exactly v, the way the results
 * writers print it: "0.1", "2.385", "4.540018782744335e-05", "nan", "inf", "-inf". Writes at
 * most len bytes into buf, always NUL-terminated when len > 0, and returns the length of the
 * whole text (at most 24), as snprintf does. Safe from any thread. */
BO_API size_t bo_format_double(double v, char *buf, size_t len);

/* Free memory returned by the library (strings). Accepts NULL. */
BO_API void bo_free(void *p);

#ifdef __cplusplus
}
#endif

#endif /* BATCHODE_H */
