/* The emitter of model functions: a model's equations and their symbolic derivatives written
 * as device-code C (the portable subset of kernels/prelude.h) into a string builder.
 * docs/codegen.md describes the emitted functions and the conventions of the code. */
#ifndef BO_CODEGEN_H
#define BO_CODEGEN_H

#include "model/model_internal.h"
#include "util/strbuf.h"

/* Structural sparsity of the Jacobian df/dy in compressed-row form (see
 * bo_model_jacobian_csr): *nnz, row_start[0..n] and, when cols is not NULL, the columns of
 * the nonzeros, ascending within each row, into cols[0..nnz) (BO_ERR_RANGE when nnz >
 * cols_cap). Any output may be NULL. Time and memory grow with the model and its nonzeros,
 * never with n*n. Errors: BO_ERR_INVALID_ARG, BO_ERR_MODEL (an equation is missing or uses an
 * unknown variable), BO_ERR_NOMEM, BO_ERR_RANGE, with the message in ctx. The model is not
 * modified. */
int cg_jacobian_sparsity(bo_context *ctx, const bo_model *model, size_t *nnz, size_t *row_start,
                         size_t *cols, size_t cols_cap);

/* The same as a dense map: pattern[i*n + j] = 1 when df_i/dy_j is not structurally zero,
 * else 0 (n = number of states; pattern has n*n entries). Returns BO_OK,
 * BO_ERR_INVALID_ARG, BO_ERR_MODEL or BO_ERR_NOMEM. */
int cg_jacobian_pattern(const bo_model *model, unsigned char *pattern);

/* Append the model functions (the BO_MODEL_* macros, bo_model_dxdt, bo_model_observables,
 * bo_model_jacobian, bo_model_jacobian_diag, bo_model_jvp, bo_model_dfdt, bo_model_dfddrv) to out.
 * The text is a pure function of the model. kernels/prelude.h must precede it in the translation
 * unit. The model is not modified (derivatives are built in a private copy of its graph), so
 * several threads may emit one model at once. Errors: BO_ERR_INVALID_ARG, BO_ERR_MODEL,
 * BO_ERR_NOMEM, with the message in ctx. On error out may hold a partial text. */
int cg_emit_model(bo_context *ctx, const bo_model *model, sb_buf *out);

/* Append a standalone translation unit: "#define BO_PRECISION <precision>" (32 or 64), the
 * embedded prelude, then the model functions. Errors as cg_emit_model, and BO_ERR_INTERNAL
 * when the prelude is not embedded. */
int cg_emit_unit(bo_context *ctx, const bo_model *model, int precision, sb_buf *out);

#endif
