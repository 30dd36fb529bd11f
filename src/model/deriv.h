/* Symbolic differentiation of the expression DAG in forward mode: given the tangent of every
 * variable, the tangent of each node is built once (memoised per sweep) from its children's
 * tangents by the chain rule. Derivatives are new nodes in the same graph.
 *
 * Zero tangents are never materialised as products: a term whose tangent is the constant 0
 * is skipped, so the derivative of an expression that does not depend on a variable is
 * exactly the constant-0 node. That is what makes Jacobian sparsity structural: an entry is
 * a structural zero iff its node is the constant 0 (dv_is_zero).
 *
 * Conventions at kinks and for non-smooth functions are listed in docs/codegen.md.
 *
 * All functions return BO_OK or BO_ERR_NOMEM (the graph ran out of memory; the graph stays
 * usable for destruction only), or BO_ERR_INVALID_ARG for bad sizes. Not thread-safe per
 * graph: one sweep at a time may add nodes to a graph. */
#ifndef BO_DERIV_H
#define BO_DERIV_H

#include <stddef.h>
#include <stdint.h>

#include "expr.h"

/* Tangent seeds of a sweep: the tangent of variable (kind, index) is seed[kind][index] when
 * seed[kind] is not NULL and index < count[kind]; every other variable has tangent 0. */
typedef struct {
    const ex_id *seed[EXV_KIND_COUNT];
    size_t count[EXV_KIND_COUNT];
} dv_seeds;

/* Forward sweep: tangents[i] = tangent of roots[i] under seeds. */
int dv_forward(ex_graph *g, const dv_seeds *seeds, size_t n, const ex_id *roots, ex_id *tangents);

/* Exact partial derivative de/d(kind, index); EX_NONE on allocation failure. */
ex_id dv_diff(ex_graph *g, ex_id e, ex_varkind kind, int index);

/* A sparse matrix of derivative nodes in compressed-row form: row i holds the entries
 * row_start[i] .. row_start[i+1]-1 of col (ascending) and val. Only structural nonzeros are
 * stored: every entry not listed is the constant 0. */
typedef struct {
    size_t nrows, ncols, nnz;
    size_t *row_start; /* nrows + 1 */
    int32_t *col;      /* nnz */
    ex_id *val;        /* nnz */
} dv_sparse;

void dv_sparse_free(dv_sparse *s);

/* Partial derivatives of nf expressions with respect to the first nv variables of one kind,
 * df_i / d(kind, j), as a sparse matrix (*out, free with dv_sparse_free; zeroed on error).
 * With kind EXV_STATE and nv = n this is the Jacobian df/dy; with EXV_DRIVER, df/ddrivers;
 * with EXV_TIME and nv = 1, the explicit df/dt. Column j is built by a sweep over the nodes
 * that depend on variable j only, so the work is proportional to the sum over variables of
 * the number of nodes depending on each, not to nv times the size of the graph (a model
 * whose equations each read a few states costs time linear in its size). The nodes built,
 * and their order, are those of nv dense forward sweeps. */
int dv_jacobian_sparse(ex_graph *g, size_t nf, const ex_id *f, ex_varkind kind, size_t nv,
                       dv_sparse *out);

/* The same as a dense row-major array, jac[i*nv + j] (nf*nv entries, structural zeros are
 * the constant 0): for small systems and tests. */
int dv_jacobian(ex_graph *g, size_t nf, const ex_id *f, ex_varkind kind, size_t nv, ex_id *jac);

/* Jacobian-vector product without forming J: jv[i] = sum_j df_i/dy_j * v_j, where v_j is the
 * variable ex_var(EXV_VEC, j), for the first ny states. */
int dv_jvp(ex_graph *g, size_t nf, const ex_id *f, size_t ny, ex_id *jv);

/* Total time derivative along driver trajectories (Rosenbrock methods need it):
 * out[i] = df_i/dt + sum_{k < nd} df_i/dd_k * ex_var(EXV_DRIVER_DT, k).
 * With nd = 0 this is the explicit partial df/dt. */
int dv_dfdt(ex_graph *g, size_t nf, const ex_id *f, size_t nd, ex_id *out);

/* Is a derivative node a structural zero (the constant 0 of either sign)? */
int dv_is_zero(const ex_graph *g, ex_id d);

#endif
