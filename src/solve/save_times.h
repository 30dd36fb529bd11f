/* Save times chosen by the user (setting save_at, bo_solver_set_save_times): parsing the
 * setting's text and checking a list against the run's span. Times are measured from the end
 * of settling, like save_every. docs/outputs.md describes them. */
#ifndef BO_SAVE_TIMES_H
#define BO_SAVE_TIMES_H

#include <stddef.h>

#include "util/internal.h"

/* Parse save_at's text: a value spec (src/util/number.h: v1,v2,..., lin:a:b:n, log:a:b:n,
 * a:b:n) or, when it is not one, the path of a file holding one time per line or
 * comma-separated times (blank lines allowed). *times: new array (bo_free it), *count >= 1.
 * Errors: BO_ERR_SETTING naming save_at and the fault; BO_ERR_IO when the file cannot be read;
 * BO_ERR_PARSE with file:line:col for a bad number in the file. */
int sv_save_times_parse(bo_context *ctx, const char *text, double **times, size_t *count);

/* Check times for use: finite and strictly increasing (BO_ERR_INVALID_ARG naming the first
 * offender; what names the source in messages, e.g. "save_at"). */
int sv_save_times_check_order(bo_context *ctx, const char *what, const double *t, size_t n);

/* Check times against a run: within [0, duration] (a relative 1e-9 of rounding allowed at the
 * end), and consecutive times at least spacing apart so the loop can tell them apart.
 * BO_ERR_SETTING naming the first offender. */
int sv_save_times_check_span(bo_context *ctx, const char *what, const double *t, size_t n,
                             double duration, double spacing);

#endif
