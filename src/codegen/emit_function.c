/* Writing one model function as device code (see emit_function.h): expressions with
 * common-subexpression elimination, inline text of bounded depth, long functions in parts. */
#include "emit_function.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const ex_graph *g;
    size_t count;
    int *uses;              /* references from the function's code */
    unsigned char *reached; /* the node's text is part of the function */
    char **text;            /* inline text, until its single user takes it */
    unsigned char *is_bool; /* text is a C condition (int), not a bo_real */
    unsigned char *depth;   /* inline text: nesting depth of the non-leaf nodes it spells */
    int32_t *temp;          /* temporary number (its statement), or -1 */
    int32_t *slot;          /* split functions: index in s of a temporary later parts read */
    int split;              /* the function is written in parts */
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
    } else if (e->slot[id] >= 0) {
        sb_printf(b, "s[%d]", (int)e->slot[id]);
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
void cg_put_name(sb_buf *b, const char *s)
{
    for (; s && *s; ++s) {
        char ch = *s;
        if (ch == '\n' || ch == '\r' || (ch == '*' && s[1] == '/') || (ch == '/' && s[1] == '*'))
            ch = '_';
        sb_putc(b, ch);
    }
}

const char *cg_sym_name(const bo_model *m, bo_symbol_kind kind, size_t i)
{
    if (kind == BO_SYMBOL_KIND_COUNT) /* the rows of the event functions */
        return i < m->n_events && m->events[i].name ? m->events[i].name : "?";
    const char *s = m->sym[kind] ? m->sym[kind][i].name : NULL;
    return s ? s : "?";
}

/* Inline text nests at most this many operations deep; a deeper node becomes a temporary.
 * Each level copies its children's text, so without a bound a chain of n single-use
 * operations (a long sum, a 10^5-term && chain) costs n^2 bytes of copying, and compilers
 * limit the nesting of parentheses (clang: 256 by default). */
#define INLINE_DEPTH_MAX 32

/* A function of more than SPLIT_STATEMENTS statements is written in parts of
 * PIECE_STATEMENTS: gcc -O3 took 57 s and 1.2 GB for one function of 10^4 assignments, and
 * 1.7 s and 120 MB for the same cut into functions of 64 (its CSE and dead-store passes grow
 * with the square of a basic block). */
#define SPLIT_STATEMENTS 256
#define PIECE_STATEMENTS 64

static void emitter_free(emitter *e)
{
    if (e->text)
        for (size_t i = 0; i < e->count; ++i)
            free(e->text[i]);
    free(e->text);
    free(e->uses);
    free(e->reached);
    free(e->is_bool);
    free(e->depth);
    free(e->temp);
    free(e->slot);
}

static void put_inputs(sb_buf *b, const cg_fn_spec *fs, int indent)
{
    sb_printf(b, "const bo_real *BO_RESTRICT y, const bo_real *BO_RESTRICT p,\n");
    sb_printf(b, "%*sconst bo_real *BO_RESTRICT drv, bo_real t,\n", indent, "");
    if (fs->extra)
        sb_printf(b, "%*sconst bo_real *BO_RESTRICT %s, ", indent, "", fs->extra);
    else
        sb_printf(b, "%*s", indent, "");
}

/* The statement that writes output i (its comment names the row, and column). */
static void put_output(emitter *e, const bo_model *m, const cg_fn_spec *fs, size_t i, sb_buf *b)
{
    size_t at = fs->index ? fs->index[i] : i;
    sb_printf(b, "    %s[%zu] = ", fs->out, at);
    put_value(e, b, fs->ids[i]);
    sb_append(b, "; /* ");
    if (fs->ncol == 0) {
        cg_put_name(b, cg_sym_name(m, fs->row_kind, at));
    } else {
        sb_append(b, "d(");
        cg_put_name(b, cg_sym_name(m, fs->row_kind, at / fs->ncol));
        sb_append(b, ")/d(");
        cg_put_name(b, cg_sym_name(m, fs->col_kind, at % fs->ncol));
        sb_putc(b, ')');
    }
    sb_append(b, " */\n");
}

/* Open piece k of a split function: its own noinline function over the same inputs, the
 * output and the array s of values that later pieces read. */
static void open_piece(sb_buf *b, const cg_fn_spec *fs, size_t k, size_t npieces)
{
    sb_printf(b, "/* %s, part %zu of %zu */\n", fs->name, k + 1, npieces);
    size_t start = b->len;
    sb_printf(b, "BO_MODEL_PART void %s_part%zu(", fs->name, k);
    put_inputs(b, fs, (int)(b->len - start));
    sb_printf(b, "bo_real *BO_RESTRICT %s, bo_real *BO_RESTRICT s)\n{\n", fs->out);
    sb_printf(b, "    (void)y;\n    (void)p;\n    (void)drv;\n    (void)t;\n");
    if (fs->extra)
        sb_printf(b, "    (void)%s;\n", fs->extra);
    sb_printf(b, "    (void)%s;\n    (void)s;\n", fs->out);
}

static size_t piece_of(int64_t stmt)
{
    return (size_t)stmt / PIECE_STATEMENTS;
}

/* Which piece reads each temporary last: every node's text is written in one statement (its
 * own when it is a temporary, else its single user's), found by walking from the outputs
 * towards the leaves. Temporaries read after their own piece get a slot in s. */
static int assign_slots(emitter *e, const cg_fn_spec *fs, int64_t ntemp, size_t *nslot)
{
    size_t c = e->count;
    int64_t *where = bo_malloc(c * sizeof *where);
    size_t *last = bo_calloc(c, sizeof *last);
    if (!where || !last) {
        free(where);
        free(last);
        return BO_ERR_NOMEM;
    }
    for (size_t id = 0; id < c; ++id)
        where[id] = -1;
    for (size_t i = 0; i < fs->nout; ++i) {
        ex_id id = fs->ids[i];
        if (is_leaf(ex_get(e->g, id)))
            continue;
        if (e->temp[id] >= 0)
            last[id] =
                piece_of(ntemp + (int64_t)i) > last[id] ? piece_of(ntemp + (int64_t)i) : last[id];
        else
            where[id] = ntemp + (int64_t)i;
    }
    for (size_t id = c; id-- > 0;) {
        const ex_node *n = ex_get(e->g, (ex_id)id);
        if (!e->reached[id] || is_leaf(n))
            continue;
        int64_t st = e->temp[id] >= 0 ? e->temp[id] : where[id];
        ex_id ch[3];
        int mult[3];
        child_refs(e->g, n, ch, mult);
        for (int q = 0; q < 3; ++q) {
            if (mult[q] == 0 || is_leaf(ex_get(e->g, ch[q])))
                continue;
            if (e->temp[ch[q]] >= 0) {
                if (piece_of(st) > last[ch[q]])
                    last[ch[q]] = piece_of(st);
            } else {
                where[ch[q]] = st;
            }
        }
    }
    *nslot = 0;
    for (size_t id = 0; id < c; ++id)
        if (e->temp[id] >= 0 && last[id] > piece_of(e->temp[id]))
            e->slot[id] = (int32_t)(*nslot)++;
    free(where);
    free(last);
    return BO_OK;
}

/* The qualifier of the parts of split functions: kept out of line (on the CPU too, where
 * BO_DEVICE_NOINLINE lets the compiler inline), or the compiler would paste them back into
 * one long function. */
static void define_part_qualifier(sb_buf *b)
{
    sb_append(b, "#if BO_CUDA\n#define BO_MODEL_PART static __device__ __noinline__\n"
                 "#elif defined(__GNUC__)\n"
                 "#define BO_MODEL_PART static __attribute__((noinline, unused))\n"
                 "#else\n#define BO_MODEL_PART static\n#endif\n\n");
}

int cg_emit_function(bo_context *ctx, const bo_model *m, const ex_graph *g, const cg_fn_spec *fs,
                     int *parts_defined, size_t *stack_elems, sb_buf *b)
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
    e.depth = bo_calloc(c, 1);
    e.temp = bo_malloc(c * sizeof *e.temp);
    e.slot = bo_malloc(c * sizeof *e.slot);
    if (!e.uses || !e.reached || !e.text || !e.is_bool || !e.depth || !e.temp || !e.slot) {
        emitter_free(&e);
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory while emitting model functions");
    }
    for (size_t id = 0; id < c; ++id)
        e.temp[id] = e.slot[id] = -1;
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
    /* Temporaries, in id order: nodes used twice or more, and nodes whose inline text would
     * nest deeper than INLINE_DEPTH_MAX (the depth of a text is one more than that of its
     * deepest inline child). */
    int64_t ntemp = 0;
    for (size_t id = 0; id < c; ++id) {
        const ex_node *n = ex_get(g, (ex_id)id);
        if (!e.reached[id] || is_leaf(n))
            continue;
        ex_id ch[3];
        int mult[3], depth = 1;
        child_refs(g, n, ch, mult);
        for (int q = 0; q < 3; ++q)
            if (mult[q] > 0 && e.temp[ch[q]] < 0 && e.depth[ch[q]] + 1 > depth)
                depth = e.depth[ch[q]] + 1;
        if (e.uses[id] >= 2 || depth > INLINE_DEPTH_MAX) {
            if (ntemp >= INT32_MAX) {
                emitter_free(&e);
                return bo_error(ctx, BO_ERR_MODEL, "model is too large");
            }
            e.temp[id] = (int32_t)ntemp++;
        } else {
            e.depth[id] = (unsigned char)depth;
        }
    }
    /* A long function is written as pieces of PIECE_STATEMENTS statements (temporaries and
     * outputs), each its own function, called in order: compilers optimise straight-line code
     * in time and memory that grow faster than linearly with its length. */
    int64_t nstmt = ntemp + (int64_t)fs->nout;
    size_t npieces = nstmt > SPLIT_STATEMENTS ? piece_of(nstmt - 1) + 1 : 0, nslot = 0;
    if (npieces && assign_slots(&e, fs, ntemp, &nslot) != BO_OK) {
        emitter_free(&e);
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory while emitting model functions");
    }
    e.split = npieces > 0;
    if (e.split && !*parts_defined) {
        define_part_qualifier(b);
        *parts_defined = 1;
    }

    /* The statements, into body (one function) or into pieces written ahead of the function
     * that calls them. */
    sb_buf body, tmp;
    sb_init(&body);
    sb_init(&tmp);
    int64_t stmt = 0;
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
        if (e.temp[id] < 0) {
            e.text[id] = text;
            e.is_bool[id] = (unsigned char)is_bool;
            continue;
        }
        sb_buf *out = e.split ? b : &body;
        if (e.split && stmt % PIECE_STATEMENTS == 0) {
            if (stmt > 0)
                sb_append(b, "}\n\n");
            open_piece(b, fs, piece_of(stmt), npieces);
        }
        if (e.slot[id] >= 0)
            sb_printf(out, "    s[%d] = ", (int)e.slot[id]);
        else
            sb_printf(out, "    const bo_real t%d = ", (int)e.temp[id]);
        if (is_bool)
            sb_printf(out, "(%s ? BO_C(1) : BO_C(0));\n", text);
        else
            sb_printf(out, "%s;\n", text);
        free(text);
        ++stmt;
    }
    for (size_t i = 0; i < fs->nout && !e.failed; ++i, ++stmt) {
        if (e.split && stmt % PIECE_STATEMENTS == 0) {
            if (stmt > 0)
                sb_append(b, "}\n\n");
            open_piece(b, fs, piece_of(stmt), npieces);
        }
        put_output(&e, m, fs, i, e.split ? b : &body);
    }
    if (e.split)
        sb_append(b, "}\n\n");

    sb_printf(b, "/* %s */\n", fs->doc);
    int indent = (int)strlen("BO_DEVICE void ") + (int)strlen(fs->name) + 1;
    sb_printf(b, "BO_DEVICE void %s(", fs->name);
    put_inputs(b, fs, indent);
    sb_printf(b, "bo_real *BO_RESTRICT %s)\n{\n", fs->out);
    static const struct {
        ex_varkind kind;
        const char *name;
    } inputs[4] = {{EXV_STATE, "y"}, {EXV_PARAM, "p"}, {EXV_DRIVER, "drv"}, {EXV_TIME, "t"}};
    for (int q = 0; q < 4 && !e.split; ++q)
        if (!e.used_var[inputs[q].kind])
            sb_printf(b, "    (void)%s;\n", inputs[q].name);
    if (fs->extra && !e.split) {
        ex_varkind xk = strcmp(fs->extra, "v") == 0 ? EXV_VEC : EXV_DRIVER_DT;
        if (!e.used_var[xk])
            sb_printf(b, "    (void)%s;\n", fs->extra);
    }
    if (fs->nout == 0 && fs->clear_rows == 0)
        sb_printf(b, "    (void)%s;\n", fs->out);
    if (fs->clear_rows > 0) {
        /* Row by row through a pointer: rows x columns may exceed an int. */
        sb_printf(b,
                  "    {\n        bo_real *row = %s;\n"
                  "        for (int i = 0; i < %zu; ++i, row += %zu)\n"
                  "            for (int j = 0; j < %zu; ++j)\n"
                  "                row[j] = BO_C(0.0);\n    }\n",
                  fs->out, fs->clear_rows, fs->ncol, fs->ncol);
    }
    if (e.split) {
        sb_printf(b, "    bo_real s[%zu]; /* values shared between the parts */\n",
                  nslot ? nslot : 1);
        if (nslot > *stack_elems)
            *stack_elems = nslot;
        for (size_t k = 0; k < npieces; ++k)
            sb_printf(b, "    %s_part%zu(y, p, drv, t, %s%s%s, s);\n", fs->name, k,
                      fs->extra ? fs->extra : "", fs->extra ? ", " : "", fs->out);
    } else {
        sb_append_n(b, body.data ? body.data : "", body.len);
    }
    sb_append(b, "}\n\n");
    int failed = e.failed || body.failed || tmp.failed;
    sb_free(&body);
    sb_free(&tmp);
    emitter_free(&e);
    if (failed || b->failed)
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory while emitting model functions");
    return BO_OK;
}
