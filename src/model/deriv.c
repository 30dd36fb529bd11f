/* Forward-mode symbolic differentiation on the hash-consed DAG (see deriv.h).
 *
 * One sweep marks the nodes reachable from the requested roots (children have smaller ids,
 * so a descending pass suffices), then visits them in increasing id order and builds each
 * tangent from the children's tangents. Tangents are memoised for the sweep, so shared
 * subexpressions are differentiated once, and the work is linear in the size of the DAG.
 * Tangent terms that are the constant 0 are dropped before any product is formed. */
#include "deriv.h"

#include <stdlib.h>

#include "util/internal.h"

/* 2/sqrt(pi), the constant in d erf(x)/dx = 2/sqrt(pi) exp(-x^2) (Abramowitz & Stegun
 * 7.1.19); glibc's M_2_SQRTPI. */
#define DV_2_SQRTPI 1.12837916709551257390
#define DV_LN10 2.30258509299404568402
#define DV_LN2 0.69314718055994530942

int dv_is_zero(const ex_graph *g, ex_id d)
{
    return ex_is_zero(g, d);
}

typedef struct {
    ex_graph *g;
    ex_id zero, one;
} tctx;

static int is_zero(const tctx *c, ex_id d)
{
    return d == c->zero || ex_is_zero(c->g, d);
}

static ex_id tadd(const tctx *c, ex_id a, ex_id b)
{
    if (is_zero(c, a))
        return b;
    if (is_zero(c, b))
        return a;
    return ex_add(c->g, a, b);
}

static ex_id tneg(const tctx *c, ex_id a)
{
    return is_zero(c, a) ? c->zero : ex_neg(c->g, a);
}

static ex_id tsub(const tctx *c, ex_id a, ex_id b)
{
    if (is_zero(c, b))
        return a;
    if (is_zero(c, a))
        return ex_neg(c->g, b);
    return ex_sub(c->g, a, b);
}

/* a * b, writing a product with the constant -1 as an exact negation. */
static ex_id mul(const tctx *c, ex_id a, ex_id b)
{
    if (ex_is_const(c->g, a, -1.0))
        return ex_neg(c->g, b);
    if (ex_is_const(c->g, b, -1.0))
        return ex_neg(c->g, a);
    return ex_mul(c->g, a, b);
}

/* coef * d, where a zero factor makes the whole term vanish: a tangent is linear in the
 * seeds, so a zero coefficient contributes nothing (unlike the value x*0, which can be NaN). */
static ex_id tscale(const tctx *c, ex_id coef, ex_id d)
{
    if (is_zero(c, d) || is_zero(c, coef))
        return c->zero;
    return mul(c, coef, d);
}

static ex_id tdiv(const tctx *c, ex_id d, ex_id den)
{
    return is_zero(c, d) ? c->zero : ex_div(c->g, d, den);
}

static ex_id kconst(const tctx *c, double v)
{
    return ex_const(c->g, v);
}

static ex_id call1(const tctx *c, ex_func fn, ex_id a)
{
    return ex_call(c->g, fn, a, EX_NONE);
}

/* (1 - a)(1 + a): 1 - a^2 without the cancellation of 1 - a*a near |a| = 1. */
static ex_id one_minus_sq(const tctx *c, ex_id a)
{
    return ex_mul(c->g, ex_sub(c->g, c->one, a), ex_add(c->g, c->one, a));
}

/* Tangent of fn(a) (node id) given the tangent da of a, which is not zero. */
static ex_id unary_rule(const tctx *c, ex_func fn, ex_id id, ex_id a, ex_id da)
{
    ex_graph *g = c->g;
    switch (fn) {
    case EXF_EXP:
        return tscale(c, id, da);
    case EXF_LOG:
        return tdiv(c, da, a);
    case EXF_LOG10:
        return tdiv(c, da, ex_mul(g, a, kconst(c, DV_LN10)));
    case EXF_LOG2:
        return tdiv(c, da, ex_mul(g, a, kconst(c, DV_LN2)));
    case EXF_SQRT:
        return tdiv(c, ex_mul(g, kconst(c, 0.5), da), id);
    case EXF_CBRT:
        return tdiv(c, da, ex_mul(g, kconst(c, 3.0), ex_mul(g, id, id)));
    case EXF_SIN:
        return tscale(c, call1(c, EXF_COS, a), da);
    case EXF_COS:
        return tneg(c, tscale(c, call1(c, EXF_SIN, a), da));
    case EXF_TAN:
        return tscale(c, ex_add(g, c->one, ex_mul(g, id, id)), da);
    case EXF_ASIN:
        return tdiv(c, da, call1(c, EXF_SQRT, one_minus_sq(c, a)));
    case EXF_ACOS:
        return tneg(c, tdiv(c, da, call1(c, EXF_SQRT, one_minus_sq(c, a))));
    case EXF_ATAN:
        return tdiv(c, da, ex_add(g, c->one, ex_mul(g, a, a)));
    case EXF_SINH:
        return tscale(c, call1(c, EXF_COSH, a), da);
    case EXF_COSH:
        return tscale(c, call1(c, EXF_SINH, a), da);
    case EXF_TANH:
        return tscale(c, ex_sub(g, c->one, ex_mul(g, id, id)), da);
    case EXF_ASINH:
        return tdiv(c, da, call1(c, EXF_SQRT, ex_add(g, ex_mul(g, a, a), c->one)));
    case EXF_ACOSH: {
        /* sqrt(a-1)*sqrt(a+1) instead of sqrt(a*a-1): no cancellation near a = 1. */
        ex_id s = ex_mul(g, call1(c, EXF_SQRT, ex_sub(g, a, c->one)),
                         call1(c, EXF_SQRT, ex_add(g, a, c->one)));
        return tdiv(c, da, s);
    }
    case EXF_ATANH:
        return tdiv(c, da, one_minus_sq(c, a));
    case EXF_ABS:
        /* d|a| = sign(a) da, with sign(0) = 0 (a subgradient) at the kink. */
        return tscale(c, call1(c, EXF_SIGN, a), da);
    case EXF_ERF:
    case EXF_ERFC: {
        ex_id e = call1(c, EXF_EXP, ex_neg(g, ex_mul(g, a, a)));
        double s = fn == EXF_ERF ? DV_2_SQRTPI : -DV_2_SQRTPI;
        return tscale(c, ex_mul(g, kconst(c, s), e), da);
    }
    case EXF_FLOOR:
    case EXF_CEIL:
    case EXF_SIGN:
        /* Piecewise constant: derivative 0 everywhere it exists. */
        return c->zero;
    default:
        return EX_NONE;
    }
}

/* Tangent of fn(a, b) (node id) given the tangents da, db, not both zero. */
static ex_id binary_rule(const tctx *c, ex_func fn, ex_id id, ex_id a, ex_id b, ex_id da, ex_id db)
{
    ex_graph *g = c->g;
    switch (fn) {
    case EXF_ATAN2: {
        /* atan2(a, b) = angle of (b, a): d = (b da - a db) / (a^2 + b^2). */
        ex_id num = tsub(c, tscale(c, b, da), tscale(c, a, db));
        return tdiv(c, num, ex_add(g, ex_mul(g, a, a), ex_mul(g, b, b)));
    }
    case EXF_HYPOT:
        return tdiv(c, tadd(c, tscale(c, a, da), tscale(c, b, db)), id);
    case EXF_MIN:
        /* The derivative of the argument the value selects, on the same comparison. */
        return ex_select(g, ex_binary(g, EX_LT, a, b), da, db);
    case EXF_MAX:
        return ex_select(g, ex_binary(g, EX_GT, a, b), da, db);
    default:
        return EX_NONE;
    }
}

static ex_id pow_rule(const tctx *c, ex_id id, ex_id a, ex_id b, ex_id da, ex_id db)
{
    ex_graph *g = c->g;
    ex_id term = c->zero;
    if (!is_zero(c, da)) {
        /* d(a^b)/da = b a^(b-1); a constant b folds b-1, and a^1 simplifies to a. */
        const ex_node *nb = ex_get(g, b);
        if (!(nb->op == EX_CONST && nb->value == 0.0)) {
            ex_id coef = mul(c, b, ex_pow(g, a, ex_sub(g, b, c->one)));
            term = tscale(c, coef, da);
        }
    }
    if (!is_zero(c, db)) {
        /* d(a^b)/db = a^b log(a): defined for a > 0 only. */
        ex_id coef = ex_mul(g, id, call1(c, EXF_LOG, a));
        term = tadd(c, term, tscale(c, coef, db));
    }
    return term;
}

/* Tangent of node id; n is a copy of the node (building tangents may move the node array). */
static ex_id tangent(const tctx *c, const dv_seeds *s, ex_id id, const ex_node *n, const ex_id *tan)
{
    ex_graph *g = c->g;
    ex_id da = n->a >= 0 && n->op != EX_VAR ? tan[n->a] : c->zero;
    ex_id db = n->b >= 0 ? tan[n->b] : c->zero;
    ex_id dc = n->c >= 0 ? tan[n->c] : c->zero;
    switch ((ex_op)n->op) {
    case EX_CONST:
        return c->zero;
    case EX_VAR: {
        unsigned kind = n->sub;
        if (kind < EXV_KIND_COUNT && s->seed[kind] && n->a >= 0 && (size_t)n->a < s->count[kind])
            return s->seed[kind][n->a];
        return c->zero;
    }
    case EX_NEG:
        return tneg(c, da);
    case EX_ADD:
        return tadd(c, da, db);
    case EX_SUB:
        return tsub(c, da, db);
    case EX_MUL:
        return tadd(c, tscale(c, n->b, da), tscale(c, n->a, db));
    case EX_DIV:
        /* d(a/b) = (da - (a/b) db) / b, reusing the quotient node. */
        return tdiv(c, tsub(c, da, tscale(c, id, db)), n->b);
    case EX_POW:
        return pow_rule(c, id, n->a, n->b, da, db);
    case EX_SELECT:
        /* The condition is piecewise constant: differentiate the branches. */
        if (is_zero(c, db) && is_zero(c, dc))
            return c->zero;
        return ex_select(g, n->a, db, dc);
    case EX_CALL:
        if (ex_func_arity((ex_func)n->sub) == 1)
            return is_zero(c, da) ? c->zero : unary_rule(c, (ex_func)n->sub, id, n->a, da);
        if (is_zero(c, da) && is_zero(c, db))
            return c->zero;
        return binary_rule(c, (ex_func)n->sub, id, n->a, n->b, da, db);
    case EX_NOT:
    case EX_LT:
    case EX_LE:
    case EX_GT:
    case EX_GE:
    case EX_EQ:
    case EX_NE:
    case EX_AND:
    case EX_OR:
        /* Comparisons and logic are piecewise constant. */
        return c->zero;
    default:
        return EX_NONE;
    }
}

int dv_forward(ex_graph *g, const dv_seeds *seeds, size_t n, const ex_id *roots, ex_id *tangents)
{
    if (!g || !seeds || (n && (!roots || !tangents)))
        return BO_ERR_INVALID_ARG;
    size_t count = ex_count(g);
    ex_id top = -1;
    for (size_t i = 0; i < n; ++i) {
        if (roots[i] < 0 || (size_t)roots[i] >= count)
            return BO_ERR_INVALID_ARG;
        if (roots[i] > top)
            top = roots[i];
    }
    if (ex_failed(g))
        return BO_ERR_NOMEM;
    if (n == 0)
        return BO_OK;
    size_t m = (size_t)top + 1;
    unsigned char *need = bo_calloc(m, 1);
    ex_id *tan = bo_malloc(m * sizeof *tan);
    if (!need || !tan) {
        free(need);
        free(tan);
        return BO_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; ++i)
        need[roots[i]] = 1;
    ex_mark_reachable(g, top, need);
    tctx c;
    c.g = g;
    c.zero = ex_const(g, 0.0);
    c.one = ex_const(g, 1.0);
    int rc = BO_OK;
    for (ex_id id = 0; id <= top; ++id) {
        if (!need[id])
            continue;
        ex_node nd = *ex_get(g, id);
        tan[id] = tangent(&c, seeds, id, &nd, tan);
        if (tan[id] == EX_NONE) {
            rc = ex_failed(g) ? BO_ERR_NOMEM : BO_ERR_INVALID_ARG;
            break;
        }
    }
    if (rc == BO_OK && ex_failed(g))
        rc = BO_ERR_NOMEM;
    if (rc == BO_OK)
        for (size_t i = 0; i < n; ++i)
            tangents[i] = tan[roots[i]];
    free(need);
    free(tan);
    return rc;
}

ex_id dv_diff(ex_graph *g, ex_id e, ex_varkind kind, int index)
{
    if (!g || (unsigned)kind >= EXV_KIND_COUNT || index < 0)
        return EX_NONE;
    ex_id one = ex_const(g, 1.0);
    dv_seeds s = {{0}, {0}};
    /* Only (kind, index) is seeded: entries below index read as 0 via a local array. */
    ex_id *seed = bo_malloc(((size_t)index + 1) * sizeof *seed);
    if (!seed)
        return EX_NONE;
    ex_id zero = ex_const(g, 0.0);
    for (int i = 0; i < index; ++i)
        seed[i] = zero;
    seed[index] = one;
    s.seed[kind] = seed;
    s.count[kind] = (size_t)index + 1;
    ex_id out = EX_NONE;
    if (dv_forward(g, &s, 1, &e, &out) != BO_OK)
        out = EX_NONE;
    free(seed);
    return out;
}

int dv_jacobian(ex_graph *g, size_t nf, const ex_id *f, ex_varkind kind, size_t nv, ex_id *jac)
{
    if (!g || (unsigned)kind >= EXV_KIND_COUNT || (nf && !f) || (nf && nv && !jac))
        return BO_ERR_INVALID_ARG;
    if (nf == 0 || nv == 0)
        return BO_OK;
    ex_id *seed = bo_malloc(nv * sizeof *seed);
    ex_id *col = bo_malloc(nf * sizeof *col);
    if (!seed || !col) {
        free(seed);
        free(col);
        return BO_ERR_NOMEM;
    }
    ex_id zero = ex_const(g, 0.0), one = ex_const(g, 1.0);
    dv_seeds s = {{0}, {0}};
    s.seed[kind] = seed;
    s.count[kind] = nv;
    int rc = BO_OK;
    for (size_t j = 0; j < nv && rc == BO_OK; ++j) {
        for (size_t q = 0; q < nv; ++q)
            seed[q] = q == j ? one : zero;
        rc = dv_forward(g, &s, nf, f, col);
        for (size_t i = 0; i < nf && rc == BO_OK; ++i)
            jac[i * nv + j] = col[i];
    }
    free(seed);
    free(col);
    return rc;
}

int dv_jvp(ex_graph *g, size_t nf, const ex_id *f, size_t ny, ex_id *jv)
{
    if (!g || (nf && (!f || !jv)) || ny > (size_t)INT32_MAX)
        return BO_ERR_INVALID_ARG;
    ex_id *seed = bo_malloc(ny * sizeof *seed);
    if (!seed)
        return BO_ERR_NOMEM;
    for (size_t j = 0; j < ny; ++j)
        seed[j] = ex_var(g, EXV_VEC, (int)j);
    dv_seeds s = {{0}, {0}};
    s.seed[EXV_STATE] = seed;
    s.count[EXV_STATE] = ny;
    int rc = dv_forward(g, &s, nf, f, jv);
    free(seed);
    return rc;
}

int dv_dfdt(ex_graph *g, size_t nf, const ex_id *f, size_t nd, ex_id *out)
{
    if (!g || (nf && (!f || !out)) || nd > (size_t)INT32_MAX)
        return BO_ERR_INVALID_ARG;
    ex_id *seed = bo_malloc(nd * sizeof *seed);
    if (!seed)
        return BO_ERR_NOMEM;
    for (size_t k = 0; k < nd; ++k)
        seed[k] = ex_var(g, EXV_DRIVER_DT, (int)k);
    ex_id one = ex_const(g, 1.0);
    dv_seeds s = {{0}, {0}};
    s.seed[EXV_TIME] = &one;
    s.count[EXV_TIME] = 1;
    s.seed[EXV_DRIVER] = seed;
    s.count[EXV_DRIVER] = nd;
    int rc = dv_forward(g, &s, nf, f, out);
    free(seed);
    return rc;
}
