/* Forward-mode symbolic differentiation on the hash-consed DAG (see deriv.h).
 *
 * One sweep marks the nodes reachable from the requested roots (children have smaller ids,
 * so a descending pass suffices), then visits them in increasing id order and builds each
 * tangent from the children's tangents. Tangents are memoised for the sweep, so shared
 * subexpressions are differentiated once, and the work is linear in the size of the DAG.
 * Tangent terms that are the constant 0 are dropped before any product is formed. */
#include "deriv.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

/* Tangent of a node that is not a variable (the callers seed those), given the tangents of
 * its children in tan; n is a copy of the node (building tangents may move the node array). */
static ex_id tangent(const tctx *c, ex_id id, const ex_node *n, const ex_id *tan)
{
    ex_graph *g = c->g;
    ex_id da = n->a >= 0 ? tan[n->a] : c->zero;
    ex_id db = n->b >= 0 ? tan[n->b] : c->zero;
    ex_id dc = n->c >= 0 ? tan[n->c] : c->zero;
    switch ((ex_op)n->op) {
    case EX_CONST:
        return c->zero;
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

/* The seed of a variable node under seeds. */
static ex_id seed_of(const tctx *c, const dv_seeds *s, const ex_node *n)
{
    unsigned kind = n->sub;
    if (kind < EXV_KIND_COUNT && s->seed[kind] && n->a >= 0 && (size_t)n->a < s->count[kind])
        return s->seed[kind][n->a];
    return c->zero;
}

/* Largest root id, or -1 (BO_ERR_INVALID_ARG when a root is not a node of g). */
static int top_root(const ex_graph *g, size_t n, const ex_id *roots, ex_id *top)
{
    size_t count = ex_count(g);
    *top = -1;
    for (size_t i = 0; i < n; ++i) {
        if (roots[i] < 0 || (size_t)roots[i] >= count)
            return BO_ERR_INVALID_ARG;
        if (roots[i] > *top)
            *top = roots[i];
    }
    return BO_OK;
}

int dv_forward(ex_graph *g, const dv_seeds *seeds, size_t n, const ex_id *roots, ex_id *tangents)
{
    if (!g || !seeds || (n && (!roots || !tangents)))
        return BO_ERR_INVALID_ARG;
    ex_id top;
    if (top_root(g, n, roots, &top) != BO_OK)
        return BO_ERR_INVALID_ARG;
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
        tan[id] = nd.op == EX_VAR ? seed_of(&c, seeds, &nd) : tangent(&c, id, &nd, tan);
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

void dv_sparse_free(dv_sparse *s)
{
    if (!s)
        return;
    free(s->row_start);
    free(s->col);
    free(s->val);
    memset(s, 0, sizeof *s);
}

/* Scratch of one sparse Jacobian: the reachable part of the graph with its parent lists
 * (compressed: parents of node x are parent[pstart[x] .. pstart[x+1]-1]) and, for each node,
 * the roots it is (rstart/rootidx, likewise), plus the entries found so far, column-major. */
typedef struct {
    size_t m;
    unsigned char *need, *seen;
    size_t *pstart, *rstart;
    ex_id *parent, *list, *stack, *tan, *varnode;
    int32_t *rootidx;
    size_t nent, cap;
    int32_t *erow, *ecol;
    ex_id *eval;
} sp_work;

static void sp_free(sp_work *w)
{
    free(w->need);
    free(w->seen);
    free(w->pstart);
    free(w->rstart);
    free(w->parent);
    free(w->list);
    free(w->stack);
    free(w->tan);
    free(w->varnode);
    free(w->rootidx);
    free(w->erow);
    free(w->ecol);
    free(w->eval);
}

/* The distinct children of a node (a variable or constant has none). */
static int children(const ex_node *n, ex_id ch[3])
{
    int k = 0;
    if (n->op == EX_VAR || n->op == EX_CONST)
        return 0;
    const ex_id all[3] = {n->a, n->b, n->c};
    for (int i = 0; i < 3; ++i) {
        if (all[i] < 0)
            continue;
        int dup = 0;
        for (int q = 0; q < k; ++q)
            dup |= ch[q] == all[i];
        if (!dup)
            ch[k++] = all[i];
    }
    return k;
}

/* Parent lists and root lists of the nodes the roots reach; variable nodes of the kind. */
static int sp_prepare(sp_work *w, const ex_graph *g, size_t nf, const ex_id *f, ex_varkind kind,
                      size_t nv, ex_id top)
{
    size_t m = w->m = (size_t)top + 1;
    w->need = bo_calloc(m, 1);
    w->seen = bo_calloc(m, 1);
    w->pstart = bo_calloc(m + 1, sizeof *w->pstart);
    w->rstart = bo_calloc(m + 1, sizeof *w->rstart);
    w->list = bo_malloc(m * sizeof *w->list);
    w->stack = bo_malloc(m * sizeof *w->stack);
    w->tan = bo_malloc(m * sizeof *w->tan);
    w->varnode = bo_malloc(nv * sizeof *w->varnode);
    w->rootidx = bo_malloc(nf * sizeof *w->rootidx);
    if (!w->need || !w->seen || !w->pstart || !w->rstart || !w->list || !w->stack || !w->tan ||
        !w->varnode || !w->rootidx)
        return BO_ERR_NOMEM;
    for (size_t i = 0; i < nf; ++i)
        w->need[f[i]] = 1;
    ex_mark_reachable(g, top, w->need);
    for (size_t j = 0; j < nv; ++j)
        w->varnode[j] = EX_NONE;
    /* Counts into pstart[x + 1], then prefix sums; the fill pass advances pstart[x] itself,
     * which leaves pstart[x] at the start of x + 1's list, so one shift restores it. */
    for (size_t id = 0; id < m; ++id) {
        if (!w->need[id])
            continue;
        const ex_node *n = ex_get(g, (ex_id)id);
        if (n->op == EX_VAR && n->sub == (uint8_t)kind && n->a >= 0 && (size_t)n->a < nv)
            w->varnode[n->a] = (ex_id)id;
        ex_id ch[3];
        int k = children(n, ch);
        for (int q = 0; q < k; ++q)
            w->pstart[ch[q] + 1]++;
    }
    for (size_t id = 0; id < m; ++id)
        w->pstart[id + 1] += w->pstart[id];
    w->parent = bo_malloc((w->pstart[m] ? w->pstart[m] : 1) * sizeof *w->parent);
    if (!w->parent)
        return BO_ERR_NOMEM;
    for (size_t id = 0; id < m; ++id) {
        if (!w->need[id])
            continue;
        ex_id ch[3];
        int k = children(ex_get(g, (ex_id)id), ch);
        for (int q = 0; q < k; ++q)
            w->parent[w->pstart[ch[q]]++] = (ex_id)id;
    }
    memmove(w->pstart + 1, w->pstart, m * sizeof *w->pstart);
    w->pstart[0] = 0;
    for (size_t i = 0; i < nf; ++i)
        w->rstart[f[i] + 1]++;
    for (size_t id = 0; id < m; ++id)
        w->rstart[id + 1] += w->rstart[id];
    for (size_t i = 0; i < nf; ++i)
        w->rootidx[w->rstart[f[i]]++] = (int32_t)i;
    memmove(w->rstart + 1, w->rstart, m * sizeof *w->rstart);
    w->rstart[0] = 0;
    return BO_OK;
}

static int sp_push_entry(sp_work *w, int32_t row, int32_t col, ex_id val)
{
    if (w->nent == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 64;
        int32_t *r = bo_array_realloc(w->erow, cap, sizeof *r);
        if (r)
            w->erow = r;
        int32_t *c = bo_array_realloc(w->ecol, cap, sizeof *c);
        if (c)
            w->ecol = c;
        ex_id *v = bo_array_realloc(w->eval, cap, sizeof *v);
        if (v)
            w->eval = v;
        if (!r || !c || !v)
            return BO_ERR_NOMEM;
        w->cap = cap;
    }
    w->erow[w->nent] = row;
    w->ecol[w->nent] = col;
    w->eval[w->nent] = val;
    ++w->nent;
    return BO_OK;
}

static int cmp_id(const void *a, const void *b)
{
    ex_id x = *(const ex_id *)a, y = *(const ex_id *)b;
    return (x > y) - (x < y);
}

/* Column j: the tangents, seeded by y_j = 1, of exactly the nodes that depend on y_j (its
 * ancestors), in increasing id order, as a dense sweep would visit them. Every other node's
 * tangent is zero, and a dense sweep would build nothing for it either, so the graph grows
 * exactly as under the dense sweep. */
static int sp_column(sp_work *w, const tctx *c, int32_t j)
{
    ex_id v = w->varnode[j];
    if (v == EX_NONE)
        return BO_OK;
    size_t k = 0, sp = 0;
    w->stack[sp++] = v;
    w->seen[v] = 1;
    while (sp > 0) {
        ex_id x = w->stack[--sp];
        w->list[k++] = x;
        for (size_t q = w->pstart[x]; q < w->pstart[x + 1]; ++q) {
            ex_id par = w->parent[q];
            if (!w->seen[par]) {
                w->seen[par] = 1;
                w->stack[sp++] = par;
            }
        }
    }
    qsort(w->list, k, sizeof *w->list, cmp_id);
    int rc = BO_OK;
    for (size_t q = 0; q < k && rc == BO_OK; ++q) {
        ex_id id = w->list[q];
        ex_node nd = *ex_get(c->g, id);
        ex_id t = id == v ? c->one : tangent(c, id, &nd, w->tan);
        if (t == EX_NONE) {
            rc = ex_failed(c->g) ? BO_ERR_NOMEM : BO_ERR_INVALID_ARG;
            break;
        }
        w->tan[id] = t;
        if (is_zero(c, t))
            continue;
        for (size_t r = w->rstart[id]; r < w->rstart[id + 1] && rc == BO_OK; ++r)
            rc = sp_push_entry(w, w->rootidx[r], j, t);
    }
    for (size_t q = 0; q < k; ++q) {
        w->tan[w->list[q]] = c->zero;
        w->seen[w->list[q]] = 0;
    }
    return rc;
}

int dv_jacobian_sparse(ex_graph *g, size_t nf, const ex_id *f, ex_varkind kind, size_t nv,
                       dv_sparse *out)
{
    if (!out)
        return BO_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    if (!g || (unsigned)kind >= EXV_KIND_COUNT || (nf && !f) || nf > (size_t)INT32_MAX ||
        nv > (size_t)INT32_MAX)
        return BO_ERR_INVALID_ARG;
    ex_id top;
    if (top_root(g, nf, f, &top) != BO_OK)
        return BO_ERR_INVALID_ARG;
    if (ex_failed(g))
        return BO_ERR_NOMEM;
    out->nrows = nf;
    out->ncols = nv;
    out->row_start = bo_calloc(nf + 1, sizeof *out->row_start);
    if (!out->row_start)
        return BO_ERR_NOMEM;
    if (nf == 0 || nv == 0)
        return BO_OK;
    sp_work w;
    memset(&w, 0, sizeof w);
    tctx c;
    c.g = g;
    c.zero = ex_const(g, 0.0);
    c.one = ex_const(g, 1.0);
    int rc = sp_prepare(&w, g, nf, f, kind, nv, top);
    if (rc == BO_OK) {
        for (size_t id = 0; id < w.m; ++id)
            w.tan[id] = c.zero;
        for (size_t j = 0; j < nv && rc == BO_OK; ++j)
            rc = sp_column(&w, &c, (int32_t)j);
    }
    if (rc == BO_OK && ex_failed(g))
        rc = BO_ERR_NOMEM;
    if (rc == BO_OK) {
        /* Column-major entries to rows: a stable counting sort keeps columns ascending. */
        out->col = bo_malloc((w.nent ? w.nent : 1) * sizeof *out->col);
        out->val = bo_malloc((w.nent ? w.nent : 1) * sizeof *out->val);
        if (!out->col || !out->val)
            rc = BO_ERR_NOMEM;
    }
    if (rc == BO_OK) {
        size_t *rs = out->row_start;
        for (size_t e = 0; e < w.nent; ++e)
            rs[w.erow[e] + 1]++;
        for (size_t i = 0; i < nf; ++i)
            rs[i + 1] += rs[i];
        for (size_t e = 0; e < w.nent; ++e) {
            size_t at = rs[w.erow[e]]++;
            out->col[at] = w.ecol[e];
            out->val[at] = w.eval[e];
        }
        memmove(rs + 1, rs, nf * sizeof *rs);
        rs[0] = 0;
        out->nnz = w.nent;
    }
    sp_free(&w);
    if (rc != BO_OK)
        dv_sparse_free(out);
    return rc;
}

int dv_jacobian(ex_graph *g, size_t nf, const ex_id *f, ex_varkind kind, size_t nv, ex_id *jac)
{
    if (!g || (unsigned)kind >= EXV_KIND_COUNT || (nf && !f) || (nf && nv && !jac))
        return BO_ERR_INVALID_ARG;
    if (nf == 0 || nv == 0)
        return BO_OK;
    if (nv > SIZE_MAX / nf)
        return BO_ERR_INVALID_ARG;
    dv_sparse sp;
    int rc = dv_jacobian_sparse(g, nf, f, kind, nv, &sp);
    if (rc != BO_OK)
        return rc;
    ex_id zero = ex_const(g, 0.0);
    for (size_t q = 0; q < nf * nv; ++q)
        jac[q] = zero;
    for (size_t i = 0; i < nf; ++i)
        for (size_t e = sp.row_start[i]; e < sp.row_start[i + 1]; ++e)
            jac[i * nv + (size_t)sp.col[e]] = sp.val[e];
    dv_sparse_free(&sp);
    return ex_failed(g) ? BO_ERR_NOMEM : BO_OK;
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
