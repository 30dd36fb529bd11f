/* The hash-consed expression DAG (see expr.h for the simplification rules). */
#include "expr.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/internal.h"

struct ex_graph {
    ex_node *nodes;
    size_t count, cap;
    ex_id *table; /* open addressing, EX_NONE = empty */
    size_t table_cap;
    size_t probes; /* table slots inspected by lookups (ex_probes) */
    int failed;
};

static const struct {
    const char *name;
    int arity;
} func_table[EXF_COUNT] = {
    [EXF_EXP] = {"exp", 1},     [EXF_LOG] = {"log", 1},     [EXF_LOG10] = {"log10", 1},
    [EXF_LOG2] = {"log2", 1},   [EXF_SQRT] = {"sqrt", 1},   [EXF_CBRT] = {"cbrt", 1},
    [EXF_SIN] = {"sin", 1},     [EXF_COS] = {"cos", 1},     [EXF_TAN] = {"tan", 1},
    [EXF_ASIN] = {"asin", 1},   [EXF_ACOS] = {"acos", 1},   [EXF_ATAN] = {"atan", 1},
    [EXF_SINH] = {"sinh", 1},   [EXF_COSH] = {"cosh", 1},   [EXF_TANH] = {"tanh", 1},
    [EXF_ASINH] = {"asinh", 1}, [EXF_ACOSH] = {"acosh", 1}, [EXF_ATANH] = {"atanh", 1},
    [EXF_ABS] = {"abs", 1},     [EXF_FLOOR] = {"floor", 1}, [EXF_CEIL] = {"ceil", 1},
    [EXF_SIGN] = {"sign", 1},   [EXF_ERF] = {"erf", 1},     [EXF_ERFC] = {"erfc", 1},
    [EXF_ATAN2] = {"atan2", 2}, [EXF_MIN] = {"min", 2},     [EXF_MAX] = {"max", 2},
    [EXF_HYPOT] = {"hypot", 2},
};

const char *ex_func_name(ex_func fn)
{
    return (unsigned)fn < EXF_COUNT ? func_table[fn].name : "?";
}

int ex_func_arity(ex_func fn)
{
    return (unsigned)fn < EXF_COUNT ? func_table[fn].arity : 0;
}

int ex_func_lookup(const char *name, ex_func *fn)
{
    for (int i = 0; i < EXF_COUNT; ++i) {
        if (strcmp(func_table[i].name, name) == 0) {
            *fn = (ex_func)i;
            return 1;
        }
    }
    return 0;
}

/* NaN-propagating min/max and sign, matching kernels/prelude.h. */
static double nan_min(double a, double b)
{
    return (a != a || a < b) ? a : b;
}

static double nan_max(double a, double b)
{
    return (a != a || a > b) ? a : b;
}

double ex_func_eval(ex_func fn, double a, double b)
{
    switch (fn) {
    case EXF_EXP:
        return exp(a);
    case EXF_LOG:
        return log(a);
    case EXF_LOG10:
        return log10(a);
    case EXF_LOG2:
        return log2(a);
    case EXF_SQRT:
        return sqrt(a);
    case EXF_CBRT:
        return cbrt(a);
    case EXF_SIN:
        return sin(a);
    case EXF_COS:
        return cos(a);
    case EXF_TAN:
        return tan(a);
    case EXF_ASIN:
        return asin(a);
    case EXF_ACOS:
        return acos(a);
    case EXF_ATAN:
        return atan(a);
    case EXF_SINH:
        return sinh(a);
    case EXF_COSH:
        return cosh(a);
    case EXF_TANH:
        return tanh(a);
    case EXF_ASINH:
        return asinh(a);
    case EXF_ACOSH:
        return acosh(a);
    case EXF_ATANH:
        return atanh(a);
    case EXF_ABS:
        return fabs(a);
    case EXF_FLOOR:
        return floor(a);
    case EXF_CEIL:
        return ceil(a);
    case EXF_SIGN:
        return a > 0 ? 1.0 : (a < 0 ? -1.0 : a);
    case EXF_ERF:
        return erf(a);
    case EXF_ERFC:
        return erfc(a);
    case EXF_ATAN2:
        return atan2(a, b);
    case EXF_MIN:
        return nan_min(a, b);
    case EXF_MAX:
        return nan_max(a, b);
    case EXF_HYPOT:
        return hypot(a, b);
    case EXF_COUNT:
        break;
    }
    return NAN;
}

ex_graph *ex_graph_create(void)
{
    ex_graph *g = bo_calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->table_cap = 1024;
    g->table = bo_malloc(g->table_cap * sizeof *g->table);
    if (!g->table) {
        free(g);
        return NULL;
    }
    for (size_t i = 0; i < g->table_cap; ++i)
        g->table[i] = EX_NONE;
    return g;
}

void ex_graph_destroy(ex_graph *g)
{
    if (!g)
        return;
    free(g->nodes);
    free(g->table);
    free(g);
}

size_t ex_count(const ex_graph *g)
{
    return g->count;
}

const ex_node *ex_get(const ex_graph *g, ex_id id)
{
    if (id < 0 || (size_t)id >= g->count)
        return NULL;
    return &g->nodes[id];
}

int ex_failed(const ex_graph *g)
{
    return g->failed;
}

size_t ex_probes(const ex_graph *g)
{
    return g->probes;
}

/* The table keeps the low bits of the hash, so every input bit must reach them: constants
 * such as 1.0, 2.0, 3.0 differ only in their high bits, and a weak mix (boost's hash_combine)
 * sent all of them, and chains of nodes with consecutive child ids, into one cluster of the
 * open-addressing table, making hash-consing quadratic. Each field goes through a
 * multiply-xorshift step, and the result through MurmurHash3's 64-bit finaliser (fmix64). */
static uint64_t mix(uint64_t h, uint64_t v)
{
    h = (h ^ v) * 0x9e3779b97f4a7c15ull;
    return h ^ (h >> 29);
}

static uint64_t fmix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

static uint64_t node_hash(const ex_node *n)
{
    uint64_t bits;
    memcpy(&bits, &n->value, sizeof bits);
    uint64_t h = (uint64_t)n->op | (uint64_t)n->sub << 8;
    h = mix(h, (uint64_t)(uint32_t)n->a);
    h = mix(h, (uint64_t)(uint32_t)n->b);
    h = mix(h, (uint64_t)(uint32_t)n->c);
    h = mix(h, bits);
    return fmix64(h);
}

static int node_equal(const ex_node *x, const ex_node *y)
{
    return x->op == y->op && x->sub == y->sub && x->a == y->a && x->b == y->b && x->c == y->c &&
           memcmp(&x->value, &y->value, sizeof x->value) == 0;
}

static int grow_table(ex_graph *g)
{
    size_t cap = g->table_cap * 2;
    ex_id *t = bo_malloc(cap * sizeof *t);
    if (!t)
        return 0;
    for (size_t i = 0; i < cap; ++i)
        t[i] = EX_NONE;
    for (size_t id = 0; id < g->count; ++id) {
        size_t h = (size_t)node_hash(&g->nodes[id]) & (cap - 1);
        while (t[h] != EX_NONE)
            h = (h + 1) & (cap - 1);
        t[h] = (ex_id)id;
    }
    free(g->table);
    g->table = t;
    g->table_cap = cap;
    return 1;
}

static ex_id intern(ex_graph *g, const ex_node *n)
{
    if (g->failed)
        return EX_NONE;
    size_t h = (size_t)node_hash(n) & (g->table_cap - 1);
    while (g->table[h] != EX_NONE) {
        ++g->probes;
        if (node_equal(&g->nodes[g->table[h]], n))
            return g->table[h];
        h = (h + 1) & (g->table_cap - 1);
    }
    if (g->count >= (size_t)INT32_MAX - 1) {
        g->failed = 1;
        return EX_NONE;
    }
    if (g->count == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 256;
        ex_node *nn = bo_array_realloc(g->nodes, cap, sizeof *nn);
        if (!nn) {
            g->failed = 1;
            return EX_NONE;
        }
        g->nodes = nn;
        g->cap = cap;
    }
    ex_id id = (ex_id)g->count;
    g->nodes[g->count++] = *n;
    g->table[h] = id;
    if (g->count * 2 > g->table_cap && !grow_table(g)) {
        g->failed = 1;
        return EX_NONE;
    }
    return id;
}

static ex_node blank(ex_op op)
{
    ex_node n;
    memset(&n, 0, sizeof n);
    n.op = (uint8_t)op;
    n.a = n.b = n.c = EX_NONE;
    return n;
}

ex_id ex_const(ex_graph *g, double v)
{
    ex_node n = blank(EX_CONST);
    if (v != v)
        v = NAN; /* one canonical NaN */
    n.value = v;
    return intern(g, &n);
}

ex_id ex_var(ex_graph *g, ex_varkind kind, int index)
{
    ex_node n = blank(EX_VAR);
    n.sub = (uint8_t)kind;
    n.a = index;
    return intern(g, &n);
}

int ex_is_const(const ex_graph *g, ex_id id, double v)
{
    const ex_node *n = ex_get(g, id);
    return n && n->op == EX_CONST && memcmp(&n->value, &v, sizeof v) == 0;
}

int ex_is_zero(const ex_graph *g, ex_id id)
{
    const ex_node *n = ex_get(g, id);
    return n && n->op == EX_CONST && n->value == 0.0;
}

static int is_constant(const ex_graph *g, ex_id id, double *v)
{
    const ex_node *n = ex_get(g, id);
    if (n && n->op == EX_CONST) {
        *v = n->value;
        return 1;
    }
    return 0;
}

static double eval_op(ex_op op, ex_func fn, double a, double b, double c)
{
    switch (op) {
    case EX_NEG:
        return -a;
    case EX_NOT:
        return a == 0.0 ? 1.0 : 0.0;
    case EX_ADD:
        return a + b;
    case EX_SUB:
        return a - b;
    case EX_MUL:
        return a * b;
    case EX_DIV:
        return a / b;
    case EX_POW:
        return pow(a, b);
    case EX_LT:
        return a < b ? 1.0 : 0.0;
    case EX_LE:
        return a <= b ? 1.0 : 0.0;
    case EX_GT:
        return a > b ? 1.0 : 0.0;
    case EX_GE:
        return a >= b ? 1.0 : 0.0;
    case EX_EQ:
        return a == b ? 1.0 : 0.0;
    case EX_NE:
        return a != b ? 1.0 : 0.0;
    case EX_AND:
        return (a != 0.0 && b != 0.0) ? 1.0 : 0.0;
    case EX_OR:
        return (a != 0.0 || b != 0.0) ? 1.0 : 0.0;
    case EX_SELECT:
        return a != 0.0 ? b : c;
    case EX_CALL:
        return ex_func_eval(fn, a, b);
    default:
        return NAN;
    }
}

double ex_eval_op(ex_op op, ex_func fn, double a, double b, double c)
{
    return eval_op(op, fn, a, b, c);
}

ex_id ex_unary(ex_graph *g, ex_op op, ex_id a)
{
    if (a == EX_NONE)
        return EX_NONE;
    double va;
    if (is_constant(g, a, &va))
        return ex_const(g, eval_op(op, EXF_COUNT, va, 0, 0));
    if (op == EX_NEG) {
        const ex_node *na = ex_get(g, a);
        if (na->op == EX_NEG)
            return na->a;
    }
    ex_node n = blank(op);
    n.a = a;
    return intern(g, &n);
}

static int commutative(ex_op op)
{
    return op == EX_ADD || op == EX_MUL || op == EX_EQ || op == EX_NE;
}

ex_id ex_binary(ex_graph *g, ex_op op, ex_id a, ex_id b)
{
    if (a == EX_NONE || b == EX_NONE)
        return EX_NONE;
    double va, vb;
    int ca = is_constant(g, a, &va), cb = is_constant(g, b, &vb);
    if (ca && cb)
        return ex_const(g, eval_op(op, EXF_COUNT, va, vb, 0));
    switch (op) {
    case EX_MUL:
        if (ex_is_const(g, a, 1.0))
            return b;
        if (ex_is_const(g, b, 1.0))
            return a;
        break;
    case EX_DIV:
        if (ex_is_const(g, b, 1.0))
            return a;
        break;
    case EX_SUB:
        if (ex_is_const(g, b, 0.0))
            return a;
        break;
    case EX_ADD:
        if (ex_is_const(g, b, -0.0))
            return a;
        if (ex_is_const(g, a, -0.0))
            return b;
        break;
    case EX_POW:
        if (ex_is_const(g, b, 1.0))
            return a;
        break;
    default:
        break;
    }
    if (commutative(op) && b < a) {
        ex_id t = a;
        a = b;
        b = t;
    }
    ex_node n = blank(op);
    n.a = a;
    n.b = b;
    return intern(g, &n);
}

ex_id ex_select(ex_graph *g, ex_id cond, ex_id a, ex_id b)
{
    if (cond == EX_NONE || a == EX_NONE || b == EX_NONE)
        return EX_NONE;
    double vc;
    if (is_constant(g, cond, &vc))
        return vc != 0.0 ? a : b;
    if (a == b)
        return a;
    ex_node n = blank(EX_SELECT);
    n.a = cond;
    n.b = a;
    n.c = b;
    return intern(g, &n);
}

ex_id ex_call(ex_graph *g, ex_func fn, ex_id a, ex_id b)
{
    int arity = ex_func_arity(fn);
    if (a == EX_NONE || (arity == 2 && b == EX_NONE) || arity == 0)
        return EX_NONE;
    if (arity == 1)
        b = EX_NONE;
    double va, vb = 0;
    if (is_constant(g, a, &va) && (arity == 1 || is_constant(g, b, &vb)))
        return ex_const(g, ex_func_eval(fn, va, vb));
    if (arity == 2 && (fn == EXF_MIN || fn == EXF_MAX || fn == EXF_HYPOT) && b < a) {
        ex_id t = a;
        a = b;
        b = t;
    }
    ex_node n = blank(EX_CALL);
    n.sub = (uint8_t)fn;
    n.a = a;
    n.b = b;
    return intern(g, &n);
}

ex_id ex_add(ex_graph *g, ex_id a, ex_id b)
{
    return ex_binary(g, EX_ADD, a, b);
}

ex_id ex_sub(ex_graph *g, ex_id a, ex_id b)
{
    return ex_binary(g, EX_SUB, a, b);
}

ex_id ex_mul(ex_graph *g, ex_id a, ex_id b)
{
    return ex_binary(g, EX_MUL, a, b);
}

ex_id ex_div(ex_graph *g, ex_id a, ex_id b)
{
    return ex_binary(g, EX_DIV, a, b);
}

ex_id ex_neg(ex_graph *g, ex_id a)
{
    return ex_unary(g, EX_NEG, a);
}

ex_id ex_pow(ex_graph *g, ex_id a, ex_id b)
{
    return ex_binary(g, EX_POW, a, b);
}

void ex_mark_reachable(const ex_graph *g, ex_id top, unsigned char *mark)
{
    for (ex_id id = top; id >= 0; --id) {
        if (!mark[id])
            continue;
        const ex_node *n = &g->nodes[id];
        if (n->op == EX_VAR || n->op == EX_CONST)
            continue;
        if (n->a >= 0)
            mark[n->a] = 1;
        if (n->b >= 0)
            mark[n->b] = 1;
        if (n->c >= 0)
            mark[n->c] = 1;
    }
}

int ex_marked_has_var(const ex_graph *g, ex_id top, const unsigned char *mark, ex_varkind kind)
{
    for (ex_id id = 0; id <= top; ++id)
        if (mark[id] && g->nodes[id].op == EX_VAR && g->nodes[id].sub == kind)
            return 1;
    return 0;
}

void ex_eval_upto(const ex_graph *g, ex_id last, const ex_env *env, double *values)
{
    for (ex_id id = 0; id <= last && (size_t)id < g->count; ++id) {
        const ex_node *n = &g->nodes[id];
        switch (n->op) {
        case EX_CONST:
            values[id] = n->value;
            break;
        case EX_VAR: {
            const double *arr = n->sub < EXV_KIND_COUNT ? env->vars[n->sub] : NULL;
            values[id] = arr ? arr[n->a] : 0.0;
            break;
        }
        default: {
            double a = n->a >= 0 ? values[n->a] : 0.0;
            double b = n->b >= 0 ? values[n->b] : 0.0;
            double c = n->c >= 0 ? values[n->c] : 0.0;
            values[id] = eval_op((ex_op)n->op, (ex_func)n->sub, a, b, c);
            break;
        }
        }
    }
}

double ex_eval(const ex_graph *g, ex_id id, const ex_env *env)
{
    if (id < 0 || (size_t)id >= g->count)
        return NAN;
    double *values = bo_malloc(((size_t)id + 1) * sizeof *values);
    if (!values)
        return NAN;
    ex_eval_upto(g, id, env, values);
    double v = values[id];
    free(values);
    return v;
}
