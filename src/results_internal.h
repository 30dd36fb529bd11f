/* The results of a solve as the solver fills them and the accessors and writers read them.
 * Every per-run array has consecutive runs adjacent (the GPU's coalesced layout), so a
 * device chunk of runs [first, first + n) copies into each row at offset first. */
#ifndef BO_RESULTS_INTERNAL_H
#define BO_RESULTS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "batchode.h"

struct bo_results {
    bo_context *ctx;     /* where write errors go (borrowed) */
    char *model_name;    /* copy of the model's name ("" when it has none) */
    size_t runs;         /* number of runs */
    size_t n_states;     /* states of the model */
    size_t n_params;     /* parameters of the model */
    size_t n_saves;      /* saved time points (0: no time series) */
    size_t n_vars;       /* saved variables: the selected states, then observables */
    char **state_names;  /* [n_states] */
    char **param_names;  /* [n_params] */
    char **var_names;    /* [n_vars] */
    double *init;        /* [n_states][runs]: initial values each run used */
    double *params;      /* [n_params][runs]: parameters each run used */
    double *final;       /* [n_states][runs]: state at final_t (NaN for failed runs) */
    double *final_t;     /* [runs]: time reached (the end time when the run succeeded) */
    int32_t *status;     /* [runs]: BO_RUN_* bit flags, 0 = success */
    int64_t *steps;      /* [runs]: steps attempted */
    int64_t *rejections; /* [runs]: steps rejected */
    double *save_t;      /* [n_saves]: save times, shared by all runs */
    double *series;      /* [n_saves][n_vars][runs] (NaN for failed runs) */
    int write_counters;  /* the CSV writer adds counters.csv (outputs includes counters) */
};

/* Allocate zeroed results for runs runs of model with n_saves saves of n_vars variables named
 * var_names[n_vars] (copied). BO_ERR_RANGE when an array size overflows size_t. */
int rs_create(bo_context *ctx, const bo_model *model, size_t runs, size_t n_saves, size_t n_vars,
              const char *const *var_names, bo_results **out);

/* Make the final and series values of every failed run (status != 0) NaN; its status,
 * final_t, init, params and counters are kept. Called by the solver after a solve. */
void rs_mask_failed(bo_results *r);

/* Lower-case name of per-run status flag bit ("step_too_small") written into buf, or NULL when
 * the bit is not a defined flag. */
const char *rs_flag_name(unsigned bit, char *buf, size_t len);

#endif
