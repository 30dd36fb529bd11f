/* Summary metrics on the host: the table of metrics (one row each: name, whether it takes a
 * count `[k]`, accumulator and output sizes per variable, output column names), parsing of
 * metric names in the `outputs` setting, and the configuration the generated program gets
 * (sizes, selected variables, and the calls into each metric's device functions
 * bo_sum_<name>_reset/update/save in kernels/summaries.h). A metric is one row here plus its
 * three device functions; nothing else names it. docs/outputs.md defines every metric. */
#ifndef BO_SUMMARIES_H
#define BO_SUMMARIES_H

#include <stddef.h>

#include "util/internal.h"
#include "util/strbuf.h"

/* Largest count of a metric written name[k]. */
#define SM_MAX_COUNT 64
/* History kept per variable ahead of the metrics' accumulators: x_{j} and x_{j-1}. */
#define SM_HISTORY 2

typedef struct {
    const char *name;     /* as written in `outputs`; device functions bo_sum_<name>_* */
    int takes_count;      /* written name[k], 1 <= k <= SM_MAX_COUNT */
    size_t acc_fixed;     /* accumulator elements per variable: acc_fixed + acc_per_count*k */
    size_t acc_per_count; /* ... */
    /* Output sub-columns (NULL-terminated). NULL: a single output named after the metric.
     * With a count they repeat for i = 1..k with i appended: t1, v1, t2, v2, ... */
    const char *const *subs;
    const char *doc; /* one-line definition */
} sm_metric;

extern const sm_metric sm_metrics[];
extern const size_t sm_metrics_len;

/* One requested metric: a table row and its count (0 for metrics without one). */
typedef struct {
    const sm_metric *metric;
    int count;
} sm_request;

/* Parse one item of `outputs` (trimmed): 1 with *req filled when it names a metric in a valid
 * form ("mean", "peaks[3]"; names are case-insensitive), 0 when it is not a metric name at all,
 * or BO_ERR_SETTING when it names a metric in a wrong form (message names key, the item and the
 * allowed form; whole is the full value quoted when it differs from item). */
int sm_parse(bo_context *ctx, const char *key, const char *item, const char *whole,
             sm_request *req);
/* Canonical text of a request ("peaks[3]"). */
void sm_format(const sm_request *req, sb_buf *out);
/* Every metric form, comma-separated ("mean, rms, ..., peaks[k], ..."), as code in
 * Markdown when md. */
void sm_forms(sb_buf *out, int md);

/* Accumulator elements and outputs per variable of one request. */
size_t sm_acc_size(const sm_request *req);
size_t sm_out_count(const sm_request *req);
/* Name of output j of a request ("max", "t2"), written into buf; NULL when the metric has a
 * single output (its column is named after the metric). */
const char *sm_sub_name(const sm_request *req, size_t j, char *buf, size_t len);

/* The summary configuration of the generated program: BO_SUM_* sizes, the selected variables
 * (states then observables, by index) and the dispatch macros that call each metric's device
 * functions at its offset. With no request or no variable it emits BO_SUM_ACTIVE 0 only. */
void sm_emit(sb_buf *out, const sm_request *req, size_t n_req, const int *states, size_t n_states,
             const int *obs, size_t n_obs);

#endif
