/* What the solver needs from a batch beyond the public API: the values of a range of runs in
 * the device's coalesced layout, produced without materialising the whole grid. */
#ifndef BO_BATCH_INTERNAL_H
#define BO_BATCH_INTERNAL_H

#include <stddef.h>

#include "batchode.h"

/* Values of runs [first_run, first_run + count): init[s * count + i] is the initial value of
 * state s for run first_run + i, params[p * count + i] likewise (variable-major, run index
 * fastest). Either array may be NULL. The batch must validate; a range past the last run is
 * BO_ERR_RANGE. Errors go to the batch's context. */
int bt_fill(const bo_batch *b, size_t first_run, size_t count, double *init, double *params);

/* The same with rows `stride` values apart: init[s * stride + i] (so ranges of one batch can be
 * filled into one full-size array, piece by piece, from several threads at once: pass
 * init + first_run and params + first_run with stride = the batch's run count). */
int bt_fill_rows(const bo_batch *b, size_t first_run, size_t count, size_t stride, double *init,
                 double *params);

/* bt_fill_rows writing rows of doubles (elem_bytes 8) or of floats (4, each value rounded
 * as by a cast): for filling a device's staging buffer directly. */
int bt_fill_rows_as(const bo_batch *b, size_t first_run, size_t count, size_t row_stride,
                    void *init, void *params, int elem_bytes);

/* The runs' spans, rows of row_stride values: spans[s * row_stride + i] is span s (a bo_span)
 * of run first_run + i; a span the batch does not give is fallback[s] for every run. The
 * batch must validate and the range be in it (not checked again: a pass of the solver). */
int bt_fill_spans(const bo_batch *b, size_t first_run, size_t count, size_t row_stride,
                  double *spans, const double fallback[BO_SPAN_COUNT]);

/* The model the batch was made for. */
const bo_model *bt_model(const bo_batch *b);

#endif
