/* Writing one model function (dx/dt, the Jacobian, a JVP, ...) as device code, for the
 * emitter of model functions (emit_model.c; docs/codegen.md describes the text).
 *
 * Common subexpressions: a node referenced more than once by the function's code becomes a
 * `const bo_real tK` in id order (children before parents); so does a node whose inline text
 * would nest more than 32 operations deep, which bounds both the copying of text (a chain of
 * n operations would cost n^2) and the parentheses compilers must parse. Every other node is
 * written inline in its single user. A function of more than 256 statements is written as
 * parts of 64 statements, each its own out-of-line function (BO_MODEL_PART), called in order;
 * values that later parts read live in a local array `s`: compilers optimise straight-line
 * code in time and memory that grow faster than linearly with its length. */
#ifndef BO_EMIT_FUNCTION_H
#define BO_EMIT_FUNCTION_H

#include "model/model_internal.h"
#include "util/strbuf.h"

/* One function to emit. */
typedef struct {
    const char *name;    /* C function name */
    const char *doc;     /* comment placed above it */
    const char *extra;   /* an extra input array ("v", "ddrv_dt"), or NULL */
    const char *out;     /* output array */
    size_t nout;         /* outputs written */
    const ex_id *ids;    /* nodes of the outputs */
    const size_t *index; /* their indices in out; NULL: 0 .. nout-1 */
    size_t clear_rows;   /* nonzero: out has clear_rows x ncol entries, zeroed by a loop first */
    size_t ncol;         /* 0: out[i] belongs to row symbol i; else out[i*ncol + j] */
    bo_symbol_kind row_kind; /* symbols naming the rows (and the columns for 2-D outputs) */
    bo_symbol_kind col_kind;
} cg_fn_spec;

/* Append the function fs, reading nodes of g (outputs and everything they reach), with the
 * symbol names of m in its comments. *parts_defined says whether BO_MODEL_PART has been
 * defined in the text yet (set once it is). *stack_elems is raised to the number of values
 * the function keeps in a local array (a function split into parts shares its values through
 * one), so the caller can say how much stack a thread needs. Errors: BO_ERR_NOMEM,
 * BO_ERR_MODEL (too many temporaries), with the message in ctx. */
int cg_emit_function(bo_context *ctx, const bo_model *m, const ex_graph *g, const cg_fn_spec *fs,
                     int *parts_defined, size_t *stack_elems, sb_buf *b);

/* A symbol name inside a C comment: nothing that could end the comment or the line. */
void cg_put_name(sb_buf *b, const char *s);
/* The name of symbol i of a kind, "?" when it has none; kind BO_SYMBOL_KIND_COUNT names
 * event i. */
const char *cg_sym_name(const bo_model *m, bo_symbol_kind kind, size_t i);

#endif
