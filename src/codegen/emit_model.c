/* Emission of a model's functions as device code: dx/dt, observables, the dense Jacobian and
 * its diagonal, the Jacobian-vector product, the total time derivative and df/ddrivers.
 *
 * The model's expressions are first copied into a private graph (only the nodes they reach),
 * so derivative nodes never touch the model and node order, hence the text, depends on the
 * model alone. Each function is then written with common-subexpression elimination: a node
 * referenced more than once by the function's code becomes a `const bo_real tK` in id order
 * (children before parents); every other node is written inline in its single user. */
#include <stdlib.h>
#include <string.h>

#include "codegen.h"
#include "util/embedded.h"
#include "model/deriv.h"

/* ---- copying the model's expressions ------------------------------------------------- */

static int import_roots(bo_context *ctx, const bo_model *m, ex_graph *dst, size_t nroots,
                        const ex_id *roots, ex_id *out)
{
    const ex_graph *src = m->g;
    size_t count = ex_count(src);
    if (nroots == 0)
        return BO_OK;
    ex_id *map = bo_malloc(count * sizeof *map);
    unsigned char *need = bo_calloc(count, 1);
    if (!map || !need) {
        free(map);
        free(need);
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory while emitting model functions");
    }
    int rc = BO_OK;
    for (size_t i = 0; i < nroots; ++i)
        need[roots[i]] = 1;
    ex_mark_reachable(src, (ex_id)count - 1, need);
    for (size_t id = 0; id < count && rc == BO_OK; ++id) {
        if (!need[id])
            continue;
        const ex_node *n = ex_get(src, (ex_id)id);
        ex_id r = EX_NONE;
        switch ((ex_op)n->op) {
        case EX_CONST:
            r = ex_const(dst, n->value);
            break;
        case EX_VAR: {
            static const bo_symbol_kind kinds[EXV_KIND_COUNT] = {BO_STATE,
                                                                 BO_PARAMETER,
                                                                 BO_DRIVER,
                                                                 BO_SYMBOL_KIND_COUNT,
                                                                 BO_SYMBOL_KIND_COUNT,
                                                                 BO_SYMBOL_KIND_COUNT};
            int ok = 0;
            if (n->sub == EXV_TIME)
                ok = n->a == 0;
            else if (n->sub < EXV_KIND_COUNT && kinds[n->sub] != BO_SYMBOL_KIND_COUNT)
                ok = n->a >= 0 && (size_t)n->a < m->count[kinds[n->sub]];
            if (!ok)
                rc = bo_error(ctx, BO_ERR_MODEL,
                              "model expression refers to variable kind %u index %d, which "
                              "the model does not have",
                              (unsigned)n->sub, (int)n->a);
            else
                r = ex_var(dst, (ex_varkind)n->sub, n->a);
            break;
        }
        case EX_NEG:
        case EX_NOT:
            r = ex_unary(dst, (ex_op)n->op, map[n->a]);
            break;
        case EX_SELECT:
            r = ex_select(dst, map[n->a], map[n->b], map[n->c]);
            break;
        case EX_CALL:
            if (n->sub >= EXF_COUNT) {
                rc = bo_error(ctx, BO_ERR_MODEL, "model expression calls unknown function %u",
                              (unsigned)n->sub);
                break;
            }
            r = ex_call(dst, (ex_func)n->sub, map[n->a],
                        ex_func_arity((ex_func)n->sub) == 2 ? map[n->b] : EX_NONE);
            break;
        default:
            if (n->op >= EX_ADD && n->op <= EX_OR)
                r = ex_binary(dst, (ex_op)n->op, map[n->a], map[n->b]);
            else
                rc = bo_error(ctx, BO_ERR_MODEL, "model expression has unknown operation %u",
                              (unsigned)n->op);
            break;
        }
        if (rc == BO_OK && r == EX_NONE)
            rc = bo_error(ctx, BO_ERR_NOMEM, "out of memory while emitting model functions");
        map[id] = r;
    }
    if (rc == BO_OK)
        for (size_t i = 0; i < nroots; ++i)
            out[i] = map[roots[i]];
    free(map);
    free(need);
    return rc;
}

/* The model in a private graph, with every derivative the emitted functions need. */
typedef struct {
    ex_graph *g;
    size_t n, np, nd, no;
    ex_id *f, *obs, *jac, *jv, *dfdt, *dfddrv;
} built_model;

static void built_free(built_model *b)
{
    ex_graph_destroy(b->g);
    free(b->f);
    free(b->obs);
    free(b->jac);
    free(b->jv);
    free(b->dfdt);
    free(b->dfddrv);
    memset(b, 0, sizeof *b);
}

static int check_model(bo_context *ctx, const bo_model *m)
{
    if (!m || !m->g)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "no model given");
    static const bo_symbol_kind with_expr[2] = {BO_STATE, BO_OBSERVABLE};
    for (int q = 0; q < 2; ++q) {
        bo_symbol_kind kind = with_expr[q];
        for (size_t i = 0; i < m->count[kind]; ++i) {
            ex_id e = m->sym[kind][i].expr;
            if (e < 0 || (size_t)e >= ex_count(m->g))
                return bo_error(ctx, BO_ERR_MODEL, "%s '%s' has no equation",
                                kind == BO_STATE ? "state" : "observable",
                                m->sym[kind][i].name ? m->sym[kind][i].name : "?");
        }
    }
    if (m->count[BO_STATE] > (size_t)INT32_MAX / 2 || m->count[BO_DRIVER] > (size_t)INT32_MAX)
        return bo_error(ctx, BO_ERR_MODEL, "model is too large");
    return BO_OK;
}

/* Build the private graph; with jac_only, only f and the Jacobian. */
static int build(bo_context *ctx, const bo_model *m, int jac_only, built_model *b)
{
    memset(b, 0, sizeof *b);
    int rc = check_model(ctx, m);
    if (rc)
        return rc;
    b->n = m->count[BO_STATE];
    b->np = m->count[BO_PARAMETER];
    b->nd = m->count[BO_DRIVER];
    b->no = m->count[BO_OBSERVABLE];
    size_t n = b->n;
    b->g = ex_graph_create();
    b->f = bo_calloc(n, sizeof *b->f);
    b->obs = bo_calloc(b->no, sizeof *b->obs);
    b->jac = n ? bo_array_realloc(NULL, n * n, sizeof *b->jac) : bo_calloc(1, sizeof *b->jac);
    b->jv = bo_calloc(n, sizeof *b->jv);
    b->dfdt = bo_calloc(n, sizeof *b->dfdt);
    b->dfddrv = bo_calloc(n * b->nd, sizeof *b->dfddrv);
    if (!b->g || !b->f || !b->obs || !b->jac || !b->jv || !b->dfdt || !b->dfddrv)
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory while emitting model functions");
    ex_id *roots = bo_calloc(n + b->no, sizeof *roots);
    ex_id *mapped = bo_calloc(n + b->no, sizeof *mapped);
    if (!roots || !mapped) {
        free(roots);
        free(mapped);
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory while emitting model functions");
    }
    for (size_t i = 0; i < n; ++i)
        roots[i] = m->sym[BO_STATE][i].expr;
    for (size_t i = 0; i < b->no; ++i)
        roots[n + i] = m->sym[BO_OBSERVABLE][i].expr;
    rc = import_roots(ctx, m, b->g, n + b->no, roots, mapped);
    if (rc == BO_OK) {
        memcpy(b->f, mapped, n * sizeof *b->f);
        memcpy(b->obs, mapped + n, b->no * sizeof *b->obs);
    }
    free(roots);
    free(mapped);
    if (rc)
        return rc;
    rc = dv_jacobian(b->g, n, b->f, EXV_STATE, n, b->jac);
    if (rc == BO_OK && !jac_only) {
        rc = dv_jvp(b->g, n, b->f, n, b->jv);
        if (rc == BO_OK)
            rc = dv_dfdt(b->g, n, b->f, b->nd, b->dfdt);
        if (rc == BO_OK)
            rc = dv_jacobian(b->g, n, b->f, EXV_DRIVER, b->nd, b->dfddrv);
    }
    if (rc)
        return bo_error(ctx, rc, "%s while differentiating the model",
                        rc == BO_ERR_NOMEM ? "out of memory" : "internal error");
    return BO_OK;
}

int cg_jacobian_pattern(const bo_model *model, unsigned char *pattern)
{
    if (!model || !pattern)
        return BO_ERR_INVALID_ARG;
    built_model b;
    int rc = build(NULL, model, 1, &b);
    if (rc == BO_OK)
        for (size_t i = 0; i < b.n * b.n; ++i)
            pattern[i] = dv_is_zero(b.g, b.jac[i]) ? 0 : 1;
    built_free(&b);
    return rc;
}

/* ---- writing expressions ------------------------------------------------------------- */

typedef struct {
    const ex_graph *g;
    size_t count;
    int *uses;              /* references from the function's code */
    unsigned char *reached; /* the node's text is part of the function */
    char **text;            /* inline text, until its single user takes it */
    unsigned char *is_bool; /* text is a C condition (int), not a bo_real */
    int32_t *temp;          /* temporary number, or -1 */
    int used_var[EXV_KIND_COUNT];
    int failed;
} emitter;

static const char *const call_name[EXF_COUNT] = {
    "BO_EXP",  "BO_LOG",   "BO_LOG10", "BO_LOG2",  "BO_SQRT", "BO_CBRT",  "BO_SIN",
    "BO_COS",  "BO_TAN",   "BO_ASIN",  "BO_ACOS",  "BO_ATAN", "BO_SINH",  "BO_COSH",
    "BO_TANH", "BO_ASINH", "BO_ACOSH", "BO_ATANH", "BO_FABS", "BO_FLOOR", "BO_CEIL",
    "bo_sign", "BO_ERF",   "BO_ERFC",  "BO_ATAN2", "bo_min",  "bo_max",   "BO_HYPOT"};

/* Exponent of a power written without pow(): an integer k with |k| <= 4 (products, and a
 * reciprocal for k < 0), or 0.5 (a square root). Returns 0 when pow() is used. */
enum { POW_GENERAL, POW_INT, POW_SQRT };

static int pow_form(const ex_graph *g, const ex_node *n, int *k)
{
    const ex_node *e = ex_get(g, n->b);
    if (e->op != EX_CONST)
        return POW_GENERAL;
    double v = e->value;
    if (v == 0.5)
        return POW_SQRT;
    if (v >= -4.0 && v <= 4.0 && v == (double)(int)v) {
        *k = (int)v;
        return POW_INT;
    }
    return POW_GENERAL;
}

/* How many times the node's code names each child. */
static void child_refs(const ex_graph *g, const ex_node *n, ex_id ch[3], int mult[3])
{
    ch[0] = n->a;
    ch[1] = n->b;
    ch[2] = n->c;
    for (int i = 0; i < 3; ++i)
        mult[i] = ch[i] >= 0 ? 1 : 0;
    if (n->op == EX_VAR || n->op == EX_CONST) {
        mult[0] = mult[1] = mult[2] = 0;
    } else if (n->op == EX_POW) {
        int k = 0;
        switch (pow_form(g, n, &k)) {
        case POW_INT:
            mult[0] = abs(k);
            mult[1] = 0;
            break;
        case POW_SQRT:
            mult[1] = 0;
            break;
        default:
            break;
        }
    }
}

static int is_leaf(const ex_node *n)
{
    return n->op == EX_CONST || n->op == EX_VAR;
}

static void put_const(sb_buf *b, double v)
{
    if (v != v)
        sb_append(b, "(BO_C(0.0) / BO_C(0.0))");
    else if (v > 0 && v - v != 0)
        sb_append(b, "(BO_C(1.0) / BO_C(0.0))");
    else if (v < 0 && v - v != 0)
        sb_append(b, "(BO_C(-1.0) / BO_C(0.0))");
    else {
        sb_append(b, "BO_C(");
        sb_double(b, v);
        sb_putc(b, ')');
    }
}

static void put_leaf(sb_buf *b, const ex_node *n)
{
    if (n->op == EX_CONST) {
        put_const(b, n->value);
        return;
    }
    static const char *const arr[EXV_KIND_COUNT] = {"y", "p", "drv", "t", "v", "ddrv_dt"};
    if (n->sub == EXV_TIME)
        sb_append(b, "t");
    else
        sb_printf(b, "%s[%d]", arr[n->sub], (int)n->a);
}

static void put_value(emitter *e, sb_buf *b, ex_id id)
{
    const ex_node *n = ex_get(e->g, id);
    if (is_leaf(n)) {
        put_leaf(b, n);
    } else if (e->temp[id] >= 0) {
        sb_printf(b, "t%d", (int)e->temp[id]);
    } else if (!e->text[id]) {
        e->failed = 1;
    } else {
        if (e->is_bool[id])
            sb_printf(b, "(%s ? BO_C(1) : BO_C(0))", e->text[id]);
        else
            sb_append(b, e->text[id]);
        free(e->text[id]);
        e->text[id] = NULL;
    }
}

/* The node as a C condition: comparisons stay comparisons, values are tested against 0. */
static void put_cond(emitter *e, sb_buf *b, ex_id id)
{
    const ex_node *n = ex_get(e->g, id);
    if (!is_leaf(n) && e->temp[id] < 0 && e->text[id] && e->is_bool[id]) {
        sb_append(b, e->text[id]);
        free(e->text[id]);
        e->text[id] = NULL;
        return;
    }
    sb_putc(b, '(');
    put_value(e, b, id);
    sb_append(b, " != BO_C(0))");
}

/* Text of a non-leaf node from its children; sets *is_bool for C conditions. */
static void render(emitter *e, sb_buf *b, const ex_node *n, int *is_bool)
{
    static const char *const binop[EX_OP_COUNT] = {
        [EX_ADD] = "+", [EX_SUB] = "-", [EX_MUL] = "*",  [EX_DIV] = "/",
        [EX_LT] = "<",  [EX_LE] = "<=", [EX_GT] = ">",   [EX_GE] = ">=",
        [EX_EQ] = "==", [EX_NE] = "!=", [EX_AND] = "&&", [EX_OR] = "||"};
    *is_bool = 0;
    switch ((ex_op)n->op) {
    case EX_NEG:
        sb_append(b, "(-");
        put_value(e, b, n->a);
        sb_putc(b, ')');
        break;
    case EX_NOT:
        *is_bool = 1;
        sb_append(b, "(!");
        put_cond(e, b, n->a);
        sb_putc(b, ')');
        break;
    case EX_ADD:
    case EX_SUB:
    case EX_MUL:
    case EX_DIV:
    case EX_LT:
    case EX_LE:
    case EX_GT:
    case EX_GE:
    case EX_EQ:
    case EX_NE:
        *is_bool = n->op >= EX_LT;
        sb_putc(b, '(');
        put_value(e, b, n->a);
        sb_printf(b, " %s ", binop[n->op]);
        put_value(e, b, n->b);
        sb_putc(b, ')');
        break;
    case EX_AND:
    case EX_OR:
        *is_bool = 1;
        sb_putc(b, '(');
        put_cond(e, b, n->a);
        sb_printf(b, " %s ", binop[n->op]);
        put_cond(e, b, n->b);
        sb_putc(b, ')');
        break;
    case EX_POW: {
        int k = 0;
        switch (pow_form(e->g, n, &k)) {
        case POW_SQRT:
            sb_append(b, "BO_SQRT(");
            put_value(e, b, n->a);
            sb_putc(b, ')');
            break;
        case POW_INT:
            if (k == 0) {
                sb_append(b, "BO_C(1)");
                break;
            }
            sb_append(b, k < 0 ? "(BO_C(1) / (" : "(");
            for (int i = 0; i < abs(k); ++i) {
                if (i)
                    sb_append(b, " * ");
                put_value(e, b, n->a);
            }
            sb_append(b, k < 0 ? "))" : ")");
            break;
        default:
            sb_append(b, "BO_POW(");
            put_value(e, b, n->a);
            sb_append(b, ", ");
            put_value(e, b, n->b);
            sb_putc(b, ')');
            break;
        }
        break;
    }
    case EX_SELECT:
        sb_putc(b, '(');
        put_cond(e, b, n->a);
        sb_append(b, " ? ");
        put_value(e, b, n->b);
        sb_append(b, " : ");
        put_value(e, b, n->c);
        sb_putc(b, ')');
        break;
    case EX_CALL:
        sb_printf(b, "%s(", call_name[n->sub]);
        put_value(e, b, n->a);
        if (ex_func_arity((ex_func)n->sub) == 2) {
            sb_append(b, ", ");
            put_value(e, b, n->b);
        }
        sb_putc(b, ')');
        break;
    default:
        e->failed = 1;
        break;
    }
}

/* A symbol name inside a C comment: nothing that could end the comment or the line. */
static void put_name(sb_buf *b, const char *s)
{
    for (; s && *s; ++s) {
        char ch = *s;
        if (ch == '\n' || ch == '\r' || (ch == '*' && s[1] == '/') || (ch == '/' && s[1] == '*'))
            ch = '_';
        sb_putc(b, ch);
    }
}

static const char *sym_name(const bo_model *m, bo_symbol_kind kind, size_t i)
{
    const char *s = m->sym[kind] ? m->sym[kind][i].name : NULL;
    return s ? s : "?";
}

/* One emitted function. */
typedef struct {
    const char *name;        /* C function name */
    const char *doc;         /* comment placed above it */
    const char *extra;       /* an extra input array ("v", "ddrv_dt"), or NULL */
    const char *out;         /* output array */
    size_t nout;             /* outputs */
    const ex_id *ids;        /* nodes of the outputs */
    size_t ncol;             /* 0: out[i] belongs to row symbol i; else out[i*ncol + j] */
    bo_symbol_kind row_kind; /* symbols naming the rows (and the columns for 2-D outputs) */
    bo_symbol_kind col_kind;
} fn_spec;

static void emitter_free(emitter *e)
{
    if (e->text)
        for (size_t i = 0; i < e->count; ++i)
            free(e->text[i]);
    free(e->text);
    free(e->uses);
    free(e->reached);
    free(e->is_bool);
    free(e->temp);
}

static void put_signature(sb_buf *b, const fn_spec *fs)
{
    int indent = (int)strlen("BO_DEVICE void ") + (int)strlen(fs->name) + 1;
    sb_printf(b, "BO_DEVICE void %s(const bo_real *BO_RESTRICT y, const bo_real *BO_RESTRICT p,\n",
              fs->name);
    sb_printf(b, "%*sconst bo_real *BO_RESTRICT drv, bo_real t,\n", indent, "");
    if (fs->extra)
        sb_printf(b, "%*sconst bo_real *BO_RESTRICT %s, bo_real *BO_RESTRICT %s)\n", indent, "",
                  fs->extra, fs->out);
    else
        sb_printf(b, "%*sbo_real *BO_RESTRICT %s)\n", indent, "", fs->out);
}

static int emit_function(bo_context *ctx, const bo_model *m, const ex_graph *g, const fn_spec *fs,
                         sb_buf *b)
{
    emitter e;
    memset(&e, 0, sizeof e);
    e.g = g;
    e.count = ex_count(g);
    size_t c = e.count;
    e.uses = bo_calloc(c, sizeof *e.uses);
    e.reached = bo_calloc(c, 1);
    e.text = bo_calloc(c, sizeof *e.text);
    e.is_bool = bo_calloc(c, 1);
    e.temp = bo_malloc(c * sizeof *e.temp);
    if (!e.uses || !e.reached || !e.text || !e.is_bool || !e.temp) {
        emitter_free(&e);
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory while emitting model functions");
    }
    for (size_t id = 0; id < c; ++id)
        e.temp[id] = -1;
    for (size_t i = 0; i < fs->nout; ++i) {
        e.reached[fs->ids[i]] = 1;
        e.uses[fs->ids[i]]++;
    }
    for (size_t id = c; id-- > 0;) {
        if (!e.reached[id])
            continue;
        const ex_node *n = ex_get(g, (ex_id)id);
        if (n->op == EX_VAR) {
            e.used_var[n->sub] = 1;
            continue;
        }
        ex_id ch[3];
        int mult[3];
        child_refs(g, n, ch, mult);
        for (int q = 0; q < 3; ++q) {
            if (mult[q] > 0) {
                e.reached[ch[q]] = 1;
                e.uses[ch[q]] += mult[q];
            }
        }
    }

    sb_printf(b, "/* %s */\n", fs->doc);
    put_signature(b, fs);
    sb_append(b, "{\n");
    static const struct {
        ex_varkind kind;
        const char *name;
    } inputs[4] = {{EXV_STATE, "y"}, {EXV_PARAM, "p"}, {EXV_DRIVER, "drv"}, {EXV_TIME, "t"}};
    for (int q = 0; q < 4; ++q)
        if (!e.used_var[inputs[q].kind])
            sb_printf(b, "    (void)%s;\n", inputs[q].name);
    if (fs->extra) {
        ex_varkind xk = strcmp(fs->extra, "v") == 0 ? EXV_VEC : EXV_DRIVER_DT;
        if (!e.used_var[xk])
            sb_printf(b, "    (void)%s;\n", fs->extra);
    }
    if (fs->nout == 0)
        sb_printf(b, "    (void)%s;\n", fs->out);

    int ntemp = 0;
    sb_buf tmp;
    sb_init(&tmp);
    for (size_t id = 0; id < c && !e.failed; ++id) {
        const ex_node *n = ex_get(g, (ex_id)id);
        if (!e.reached[id] || is_leaf(n))
            continue;
        int is_bool = 0;
        render(&e, &tmp, n, &is_bool);
        char *text = sb_take(&tmp);
        if (!text) {
            e.failed = 1;
            break;
        }
        if (e.uses[id] >= 2) {
            e.temp[id] = ntemp++;
            if (is_bool)
                sb_printf(b, "    const bo_real t%d = (%s ? BO_C(1) : BO_C(0));\n", (int)e.temp[id],
                          text);
            else
                sb_printf(b, "    const bo_real t%d = %s;\n", (int)e.temp[id], text);
            free(text);
        } else {
            e.text[id] = text;
            e.is_bool[id] = (unsigned char)is_bool;
        }
    }
    for (size_t i = 0; i < fs->nout && !e.failed; ++i) {
        sb_printf(b, "    %s[%zu] = ", fs->out, i);
        put_value(&e, b, fs->ids[i]);
        sb_append(b, "; /* ");
        if (fs->ncol == 0) {
            put_name(b, sym_name(m, fs->row_kind, i));
        } else {
            sb_append(b, "d(");
            put_name(b, sym_name(m, fs->row_kind, i / fs->ncol));
            sb_append(b, ")/d(");
            put_name(b, sym_name(m, fs->col_kind, i % fs->ncol));
            sb_putc(b, ')');
        }
        sb_append(b, " */\n");
    }
    sb_append(b, "}\n\n");
    int failed = e.failed;
    emitter_free(&e);
    if (failed || b->failed)
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory while emitting model functions");
    return BO_OK;
}

/* Does any of the roots depend on the variable kind? */
static int reaches_kind(const ex_graph *g, size_t n, const ex_id *roots, ex_varkind kind,
                        int *result)
{
    size_t c = ex_count(g);
    unsigned char *need = bo_calloc(c, 1);
    if (!need)
        return BO_ERR_NOMEM;
    for (size_t i = 0; i < n; ++i)
        need[roots[i]] = 1;
    ex_mark_reachable(g, (ex_id)c - 1, need);
    *result = ex_marked_has_var(g, (ex_id)c - 1, need, kind);
    free(need);
    return BO_OK;
}

static void put_symbol_list(sb_buf *b, const bo_model *m, bo_symbol_kind kind, const char *label,
                            const char *arr)
{
    if (m->count[kind] == 0)
        return;
    sb_printf(b, " * %s:", label);
    for (size_t i = 0; i < m->count[kind]; ++i) {
        sb_printf(b, "%s %s[%zu] ", i ? "," : "", arr, i);
        put_name(b, sym_name(m, kind, i));
    }
    sb_putc(b, '\n');
}

int cg_emit_model(bo_context *ctx, const bo_model *model, sb_buf *out)
{
    if (!out)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "no output buffer given");
    built_model bm;
    int rc = build(ctx, model, 0, &bm);
    if (rc) {
        built_free(&bm);
        return rc;
    }
    size_t n = bm.n, nnz = 0;
    for (size_t i = 0; i < n * n; ++i)
        nnz += dv_is_zero(bm.g, bm.jac[i]) ? 0u : 1u;
    int time_f = 0, time_o = 0;
    rc = reaches_kind(bm.g, n, bm.f, EXV_TIME, &time_f);
    if (rc == BO_OK)
        rc = reaches_kind(bm.g, bm.no, bm.obs, EXV_TIME, &time_o);
    if (rc) {
        built_free(&bm);
        return bo_error(ctx, rc, "out of memory while emitting model functions");
    }

    sb_append(out, "/* Model functions of '");
    put_name(out, model->name ? model->name : "model");
    sb_append(out, "', generated by batchode from the model's equations. Do not edit.\n");
    put_symbol_list(out, model, BO_STATE, "states", "y");
    put_symbol_list(out, model, BO_PARAMETER, "parameters", "p");
    put_symbol_list(out, model, BO_DRIVER, "drivers", "drv");
    put_symbol_list(out, model, BO_OBSERVABLE, "observables", "obs");
    sb_append(out, " */\n");
    sb_printf(out, "#define BO_MODEL_N %zu /* states */\n", n);
    sb_printf(out, "#define BO_MODEL_NP %zu /* parameters */\n", bm.np);
    sb_printf(out, "#define BO_MODEL_ND %zu /* drivers */\n", bm.nd);
    sb_printf(out, "#define BO_MODEL_NO %zu /* observables */\n", bm.no);
    sb_printf(out, "#define BO_MODEL_JAC_NNZ %zu /* structural nonzeros of df/dy */\n", nnz);
    sb_printf(out, "#define BO_MODEL_USES_TIME %d /* dx/dt or observables depend on t */\n\n",
              time_f || time_o);

    /* The diagonal alone, for the Jacobi preconditioner of the Krylov solver (kernels/krylov.h),
     * which must not pay for the n*n entries. */
    ex_id *diag = bo_calloc(n ? n : 1, sizeof *diag);
    if (!diag) {
        built_free(&bm);
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory while emitting model functions");
    }
    for (size_t i = 0; i < n; ++i)
        diag[i] = bm.jac[i * n + i];
    const fn_spec specs[7] = {
        {"bo_model_dxdt", "dydt[i] = f_i(y, p, drv, t)", NULL, "dydt", n, bm.f, 0, BO_STATE,
         BO_STATE},
        {"bo_model_observables", "obs[i] = observable i", NULL, "obs", bm.no, bm.obs, 0,
         BO_OBSERVABLE, BO_OBSERVABLE},
        {"bo_model_jacobian",
         "jac[i*BO_MODEL_N + j] = df_i/dy_j, row-major; every entry is written", NULL, "jac", n * n,
         bm.jac, n, BO_STATE, BO_STATE},
        {"bo_model_jacobian_diag", "d[i] = df_i/dy_i, the diagonal of the Jacobian", NULL, "d", n,
         diag, 0, BO_STATE, BO_STATE},
        {"bo_model_jvp", "jv = (df/dy) v without forming the Jacobian", "v", "jv", n, bm.jv, 0,
         BO_STATE, BO_STATE},
        {"bo_model_dfdt", "dfdt[i] = df_i/dt + sum_k df_i/ddrv_k * ddrv_dt[k]", "ddrv_dt", "dfdt",
         n, bm.dfdt, 0, BO_STATE, BO_STATE},
        {"bo_model_dfddrv", "out[i*BO_MODEL_ND + k] = df_i/ddrv_k, row-major", NULL, "out",
         n * bm.nd, bm.dfddrv, bm.nd, BO_STATE, BO_DRIVER},
    };
    for (int q = 0; q < 7 && rc == BO_OK; ++q)
        rc = emit_function(ctx, model, bm.g, &specs[q], out);
    free(diag);
    built_free(&bm);
    if (rc == BO_OK && out->failed)
        rc = bo_error(ctx, BO_ERR_NOMEM, "out of memory while emitting model functions");
    return rc;
}

int cg_emit_unit(bo_context *ctx, const bo_model *model, int precision, sb_buf *out)
{
    if (!out)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "no output buffer given");
    if (precision != 32 && precision != 64)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "precision must be 32 or 64, not %d", precision);
    const char *prelude = bo_embedded_find("prelude.h");
    if (!prelude)
        return bo_error(ctx, BO_ERR_INTERNAL, "the device prelude is not embedded");
    sb_printf(out, "#define BO_PRECISION %d\n", precision);
    sb_append(out, prelude);
    sb_append(out, "\n");
    return cg_emit_model(ctx, model, out);
}

int bo_model_emit_c(bo_context *ctx, const bo_model *model, char **out)
{
    if (!out)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "bo_model_emit_c: out is NULL");
    *out = NULL;
    if (!model)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "bo_model_emit_c: model is NULL");
    sb_buf b;
    sb_init(&b);
    int rc = cg_emit_unit(ctx, model, 64, &b);
    if (rc) {
        sb_free(&b);
        return rc;
    }
    char *text = sb_take(&b);
    if (!text)
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory while emitting model functions");
    *out = text;
    return BO_OK;
}
