/* The expression DAG: hash-consed nodes (identical subexpressions stored once), with constant
 * folding and IEEE-exact algebraic simplification applied as nodes are built.
 *
 * Node ids are dense int32 indices. A node's children always have smaller ids than the node,
 * so increasing id order is a topological order of the whole graph.
 *
 * Simplification rules (applied by the constructors; all are exact in IEEE arithmetic):
 * - constant folding when every operand is a constant (evaluated in double);
 * - x*1 = 1*x = x, x/1 = x, x-0 = x, x+(-0) = x, -(-x) = x, x^1 = x;
 * - commutative operands (+, *, ==, !=, min, max, hypot) are ordered by id, so a+b and b+a
 *   are one node (IEEE + and * are commutative);
 * - a conditional with a constant condition becomes the chosen branch; c ? x : x = x.
 * Not simplified, because IEEE results would change: x+0 (sign of zero), x*0 (NaN, Inf),
 * x-x, x/x, reassociation and distribution. Derivative construction avoids creating zero
 * terms in the first place, which is how Jacobians stay sparse. */
#ifndef BO_EXPR_H
#define BO_EXPR_H

#include <stddef.h>
#include <stdint.h>

typedef int32_t ex_id;
#define EX_NONE ((ex_id)-1)

typedef enum {
    EX_CONST, /* value */
    EX_VAR,   /* kind, index */
    EX_NEG,   /* a */
    EX_NOT,   /* a: 1 if a == 0 else 0 */
    EX_ADD,   /* a, b */
    EX_SUB,
    EX_MUL,
    EX_DIV,
    EX_POW,
    EX_LT, /* comparisons give 1 or 0 */
    EX_LE,
    EX_GT,
    EX_GE,
    EX_EQ,
    EX_NE,
    EX_AND, /* logical: 1 if both nonzero */
    EX_OR,
    EX_SELECT, /* a != 0 ? b : c */
    EX_CALL,   /* fn(a) or fn(a, b) */
    EX_OP_COUNT
} ex_op;

typedef enum {
    EXF_EXP,
    EXF_LOG,
    EXF_LOG10,
    EXF_LOG2,
    EXF_SQRT,
    EXF_CBRT,
    EXF_SIN,
    EXF_COS,
    EXF_TAN,
    EXF_ASIN,
    EXF_ACOS,
    EXF_ATAN,
    EXF_SINH,
    EXF_COSH,
    EXF_TANH,
    EXF_ASINH,
    EXF_ACOSH,
    EXF_ATANH,
    EXF_ABS,
    EXF_FLOOR,
    EXF_CEIL,
    EXF_SIGN,
    EXF_ERF,
    EXF_ERFC,
    /* binary */
    EXF_ATAN2,
    EXF_MIN,
    EXF_MAX,
    EXF_HYPOT,
    EXF_COUNT
} ex_func;

typedef enum {
    EXV_STATE,     /* y[index] */
    EXV_PARAM,     /* p[index] */
    EXV_DRIVER,    /* driver value d[index] */
    EXV_TIME,      /* t (index 0) */
    EXV_VEC,       /* direction vector v[index] of a Jacobian-vector product */
    EXV_DRIVER_DT, /* time derivative of driver index */
    EXV_KIND_COUNT
} ex_varkind;

typedef struct {
    uint8_t op;      /* ex_op */
    uint8_t sub;     /* ex_func for EX_CALL, ex_varkind for EX_VAR, else 0 */
    int32_t a, b, c; /* children (EX_NONE when unused); for EX_VAR: a = index */
    double value;    /* EX_CONST */
} ex_node;

typedef struct ex_graph ex_graph;

ex_graph *ex_graph_create(void);
void ex_graph_destroy(ex_graph *g);
/* Number of nodes. */
size_t ex_count(const ex_graph *g);
/* Node by id (valid until the next node is added). */
const ex_node *ex_get(const ex_graph *g, ex_id id);
/* Nonzero once an allocation failed; every constructor then returns EX_NONE. */
int ex_failed(const ex_graph *g);
/* Occupied table slots inspected by the hash-consing lookups so far: about one per lookup
 * when the hash spreads well, up to the number of nodes per lookup when it clusters (tests
 * read it to keep building linear). */
size_t ex_probes(const ex_graph *g);

/* Constructors. They hash-cons and simplify; an EX_NONE operand gives EX_NONE. */
ex_id ex_const(ex_graph *g, double v);
ex_id ex_var(ex_graph *g, ex_varkind kind, int index);
ex_id ex_unary(ex_graph *g, ex_op op, ex_id a);           /* EX_NEG, EX_NOT */
ex_id ex_binary(ex_graph *g, ex_op op, ex_id a, ex_id b); /* EX_ADD .. EX_OR */
ex_id ex_select(ex_graph *g, ex_id cond, ex_id a, ex_id b);
ex_id ex_call(ex_graph *g, ex_func fn, ex_id a, ex_id b); /* b = EX_NONE for unary */

/* Convenience. */
ex_id ex_add(ex_graph *g, ex_id a, ex_id b);
ex_id ex_sub(ex_graph *g, ex_id a, ex_id b);
ex_id ex_mul(ex_graph *g, ex_id a, ex_id b);
ex_id ex_div(ex_graph *g, ex_id a, ex_id b);
ex_id ex_neg(ex_graph *g, ex_id a);
ex_id ex_pow(ex_graph *g, ex_id a, ex_id b);

/* Is the node the constant v (bitwise equal, so -0 and +0 differ)? */
int ex_is_const(const ex_graph *g, ex_id id, double v);
/* Is the node a constant equal to zero (either sign)? */
int ex_is_zero(const ex_graph *g, ex_id id);

/* Function table: name ("exp"), arity (1 or 2). */
const char *ex_func_name(ex_func fn);
int ex_func_arity(ex_func fn);
/* Look a function up by name; returns 1 and sets *fn when found. */
int ex_func_lookup(const char *name, ex_func *fn);
/* Evaluate a function on doubles (the same definitions the device code uses). */
double ex_func_eval(ex_func fn, double a, double b);
/* The value of operator op (not EX_CONST or EX_VAR; fn for EX_CALL) on operand values a, b,
 * c (unused ones ignored): the arithmetic constant folding and ex_eval_upto use. */
double ex_eval_op(ex_op op, ex_func fn, double a, double b, double c);

/* Close a set of nodes under "depends on": mark[id] != 0 marks the start set (the caller sets
 * it, e.g. the roots of some functions); every node a marked node with id <= top reads is
 * marked too. One sweep from top down suffices because children precede parents. mark must
 * cover ids 0..top. */
void ex_mark_reachable(const ex_graph *g, ex_id top, unsigned char *mark);
/* Is a variable of this kind among the marked nodes 0..top? */
int ex_marked_has_var(const ex_graph *g, ex_id top, const unsigned char *mark, ex_varkind kind);

/* Values of variables for evaluation: vars[kind][index]; NULL arrays read as 0. */
typedef struct {
    const double *vars[EXV_KIND_COUNT];
} ex_env;

/* Evaluate every node with id <= last into values[0..last] (caller-sized). */
void ex_eval_upto(const ex_graph *g, ex_id last, const ex_env *env, double *values);
/* Evaluate one node (allocates scratch; returns NaN on allocation failure). */
double ex_eval(const ex_graph *g, ex_id id, const ex_env *env);

#endif
