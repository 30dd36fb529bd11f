/* Dense output of every method on the host side (kernels/dense.h is the device side): which
 * interpolant a method gets, its order and degree, the buffer it needs and the constants the
 * generated program receives. docs/loop.md ("Dense output") lists the methods. */
#ifndef BO_METHODS_DENSE_H
#define BO_METHODS_DENSE_H

#include <stddef.h>

#include "codegen/program.h"

/* Interpolant kinds, equal to kernels/dense.h's BO_DENSE_HERMITE etc. */
enum { PG_DENSE_HERMITE = 1, PG_DENSE_ERK = 2, PG_DENSE_ROSENBROCK = 3, PG_DENSE_RADAU = 4 };

typedef struct {
    int kind;     /* PG_DENSE_* */
    int own;      /* 1: the method's own interpolant; 0: the cubic Hermite fallback */
    int order;    /* q: error O(dt^(q+1)) at interior points */
    int degree;   /* d: polynomial degree in theta */
    int record;   /* vectors the step records under BO_STEP_DENSE (stages, or f(t, y)) */
    int extra;    /* stages prepare evaluates itself (explicit methods with extra stages) */
    size_t slots; /* n-vectors in algorithm.dense_output */
} pg_dense_info;

/* The interpolant of t. Never fails for a known family (unknown ones get Hermite). */
pg_dense_info pg_dense_describe(const bo_tableau *t);

/* 1 when saves are interpolated by default with t: an interpolant of order >= 3 and at least
 * the order of the error estimate the controller sizes steps by (docs/loop.md lists them). */
int pg_dense_default_interpolate(const bo_tableau *t);

/* Register algorithm.dense_output (persistent) when cfg->dense; nothing otherwise. */
int pg_dense_register(reg_registry *reg, const pg_config *cfg, size_t n, reg_precision prec);

/* The constants of kernels/dense.h (BO_DENSE_KIND, _ORDER, _DEGREE, _RECORD, _INTERPOLATE and
 * the coefficient table BO_DENSE_TABLE) when cfg->dense; nothing otherwise. */
int pg_dense_emit(bo_context *ctx, const pg_config *cfg, sb_buf *out);

/* Fill B (room for 16*8 values) with the power-basis coefficients of an explicit method's own
 * interpolant: b_j(theta) = sum_{m=1..degree} B[j*degree + m-1] theta^m for its stages j
 * (*rows of them). Returns B, or NULL when t has no interpolant of this kind. */
const double *pg_dense_erk_table(const bo_tableau *t, double *B, int *rows, int *degree);

#endif
