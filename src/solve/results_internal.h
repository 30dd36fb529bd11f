/* The results of a solve as the solver fills them and the accessors and writers read them.
 * Every per-run array has consecutive runs adjacent (the GPU's coalesced layout), so a
 * device chunk of runs [first, first + n) copies into each row at offset first. */
#ifndef BO_RESULTS_INTERNAL_H
#define BO_RESULTS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "batchode.h"

struct bo_results {
    bo_context *ctx;       /* where write errors go (borrowed) */
    char *model_name;      /* copy of the model's name ("" when it has none) */
    size_t runs;           /* number of runs */
    size_t n_states;       /* states of the model */
    size_t n_params;       /* parameters of the model */
    size_t n_saves;        /* saved time points (0: no time series) */
    size_t n_vars;         /* saved variables: the selected states, then observables */
    char **state_names;    /* [n_states] */
    char **param_names;    /* [n_params] */
    char **var_names;      /* [n_vars] */
    double *init;          /* [n_states][runs]: initial values each run used */
    double *params;        /* [n_params][runs]: parameters each run used */
    double *final;         /* [n_states][runs]: state at final_t (NaN for failed runs) */
    double *final_t;       /* [runs]: time reached (the end time when the run succeeded) */
    int32_t *status;       /* [runs]: BO_RUN_* bit flags, 0 = success */
    int64_t *steps;        /* [runs]: steps attempted */
    int64_t *rejections;   /* [runs]: steps rejected */
    int64_t *newton_iters; /* [runs]: Newton iterations over all attempted steps (0: explicit) */
    double *save_t;        /* [n_saves]: save times, shared by all runs; with per-run spans
                              the offsets k*save_every from each run's start */
    double *spans;         /* [3][runs]: each run's t0, settling, duration (bo_span order);
                              NULL when every run has the solve's span[] */
    double span[3];        /* the solve's t0, settling, duration (settings) */
    double save_every;     /* interval between saves */
    double *series;        /* [n_saves][n_vars][runs] (NaN for failed runs) */
    int write_counters;    /* the CSV writer adds counters.csv (outputs includes counters) */
    int threads;           /* host threads the writers format with (0: every core) */
    /* Summaries (rs_set_summaries; all zero/NULL without them). Column c of variable v's
     * metric m output o is named "v.m" for single-output metrics, "v.m.o" otherwise. */
    size_t n_windows;   /* summary windows */
    size_t n_sum_cols;  /* summary columns: variable-major, metrics in request order */
    char **sum_names;   /* [n_sum_cols] column names */
    char **sum_vars;    /* [n_sum_cols] variable of each column */
    char **sum_metrics; /* [n_sum_cols] metric as requested ("peaks[3]") */
    char **sum_outputs; /* [n_sum_cols] output of the metric ("t1"; the metric's name when it
                           has one output) */
    char **sum_units;   /* [n_sum_cols] unit of the variable, NULL entries when undeclared */
    double *window_t;   /* [n_windows][2]: start and end time of each window */
    double *summaries;  /* [n_windows][n_sum_cols][runs] (NaN for failed runs) */
    /* Events (rs_set_events; all zero/NULL for a model without events). */
    size_t n_events;       /* events of the model */
    char **event_names;    /* [n_events] */
    int64_t *event_counts; /* [n_events][runs]: occurrences of each event after settling */
    size_t n_records;      /* occurrences recorded per run (0: no records) */
    double *ev_time;       /* [n_records][runs]: time of record k (NaN: none) */
    int32_t *ev_index;     /* [n_records][runs]: its event (-1: none) */
    double *ev_state;      /* [n_records][n_states][runs]: the state at it */
};

/* One summary column as the solver describes it (strings are copied). */
typedef struct {
    const char *var, *metric, *output, *unit; /* output NULL: single output; unit may be NULL */
} rs_sum_column;

/* Per-run arrays of earlier results, kept for a new solve of the same size (the arrays of a
 * large batch cost more to allocate and fault in than to fill). */
#define RS_SPARES 14
typedef struct {
    void *p[RS_SPARES];
    size_t bytes[RS_SPARES];
    size_t n;
} rs_spares;

/* Move r's per-run arrays (init, params, final, final_t, status, counters, series,
 * summaries) into sp; r keeps its names and sizes, with those arrays NULL (destroy-safe). */
void rs_spares_take(rs_spares *sp, bo_results *r);
/* Free what nobody took. */
void rs_spares_free(rs_spares *sp);

/* Allocate results for runs runs of model with n_saves saves of n_vars variables named
 * var_names[n_vars] (copied). Without spares (NULL) the per-run arrays are zeroed. With
 * spares (which may be empty) each comes from a spare of exactly its size when there is one
 * and is NOT zeroed either way: the solver writes every element (the kernel stores each run's
 * final values, counters, and every save and summary window, NaN for those a failed run never
 * reached), so it need not pay for zeroing. BO_ERR_RANGE when an array size overflows. */
int rs_create(bo_context *ctx, const bo_model *model, size_t runs, size_t n_saves, size_t n_vars,
              const char *const *var_names, rs_spares *spares, bo_results **out);

/* Give r the runs' spans (spans[3][runs], taken over; NULL: every run has t0, settling,
 * duration) and the save interval. */
void rs_set_spans(bo_results *r, double *spans, double t0, double settling, double duration,
                  double save_every);

/* Exchange the contents of two results objects (so a caller's pointer can receive new ones). */
void rs_swap(bo_results *a, bo_results *b);

/* Give r n_windows summary windows, window w spanning [t_first + w*window, t_first + (w+1)*window],
 * of n_cols columns described by cols; the values (not zeroed) come from spares like
 * rs_create's. Replaces earlier summaries. BO_ERR_RANGE when the array size overflows. */
int rs_set_summaries(bo_results *r, size_t n_windows, double t_first, double window, size_t n_cols,
                     const rs_sum_column *cols, rs_spares *spares);

/* Give r the events of model (names copied, counts for each) and n_records records per run;
 * the arrays (not zeroed: the kernel writes every element) come from spares like rs_create's.
 * Replaces earlier events. BO_ERR_RANGE when an array size overflows. */
int rs_set_events(bo_results *r, const bo_model *model, size_t n_records, rs_spares *spares);

/* Lower-case name of per-run status flag bit ("step_too_small") written into buf, or NULL when
 * the bit is not a defined flag. */
const char *rs_flag_name(unsigned bit, char *buf, size_t len);

#endif
