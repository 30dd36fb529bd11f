/* MathML content in CellML: equations read into expression trees whose operations are the
 * model language's (cm_node), and those trees printed in the model language (evaluation and
 * the removable singularities are in cellml_eval.c). Every MathML element
 * not listed in docs/cellml.md is an error naming it and its line: a model is never imported
 * with a part silently dropped or changed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cellml_internal.h"
#include "util/numfmt.h"

/* ---- nodes ------------------------------------------------------------------------------ */

static void *arena_alloc(cm_state *st, size_t size)
{
    if (st->narena == st->caparena) {
        size_t nc = st->caparena ? st->caparena * 2 : 256;
        void **na = bo_array_realloc(st->arena, nc, sizeof *na);
        if (!na)
            return NULL;
        st->arena = na;
        st->caparena = nc;
    }
    void *p = bo_calloc(1, size);
    if (p)
        st->arena[st->narena++] = p;
    return p;
}

cm_node *cm_node_new(cm_state *st, cm_op op, int nkid)
{
    cm_node *n = arena_alloc(st, sizeof *n);
    if (n && nkid > 0)
        n->kid = arena_alloc(st, (size_t)nkid * sizeof *n->kid);
    if (!n || (nkid > 0 && !n->kid)) {
        cm_nomem(st);
        return NULL;
    }
    n->op = op;
    n->nkid = nkid;
    n->var = -1;
    return n;
}

cm_node *cm_num(cm_state *st, double v)
{
    cm_node *n = cm_node_new(st, CN_NUM, 0);
    if (n)
        n->num = v;
    return n;
}

cm_node *cm_mk1(cm_state *st, cm_op op, cm_node *a)
{
    if (!a)
        return NULL;
    cm_node *n = cm_node_new(st, op, 1);
    if (n)
        n->kid[0] = a;
    return n;
}

cm_node *cm_mk2(cm_state *st, cm_op op, cm_node *a, cm_node *b)
{
    if (!a || !b)
        return NULL;
    cm_node *n = cm_node_new(st, op, 2);
    if (n) {
        n->kid[0] = a;
        n->kid[1] = b;
    }
    return n;
}

cm_node *cm_call1(cm_state *st, const char *fn, cm_node *a)
{
    cm_node *n = cm_mk1(st, CN_CALL, a);
    if (n)
        n->fn = fn;
    return n;
}

/* ---- reading MathML ------------------------------------------------------------------- */

typedef struct {
    cm_state *st;
    cm_doc *doc;
    int comp;
} reader;

static xmlNodePtr first_elem(xmlNodePtr n)
{
    while (n && n->type != XML_ELEMENT_NODE)
        n = n->next;
    return n;
}

static xmlNodePtr next_elem(xmlNodePtr n)
{
    return n ? first_elem(n->next) : NULL;
}

static cm_node *fail(reader *r, xmlNodePtr at, int code, const char *fmt, const char *arg)
{
    cm_fail(r->st, r->doc, at, code, fmt, arg);
    return NULL;
}

/* The text of an element (its text children only), trimmed. */
static char *text_of(reader *r, xmlNodePtr n)
{
    sb_buf b;
    sb_init(&b);
    for (xmlNodePtr c = n->children; c; c = c->next)
        if (c->type == XML_TEXT_NODE && c->content)
            sb_append(&b, (const char *)c->content);
    const char *s = sb_cstr(&b);
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        ++s;
    size_t len = strlen(s);
    while (len &&
           (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' || s[len - 1] == '\r'))
        --len;
    char *out = b.failed ? NULL : bo_strndup(s, len);
    sb_free(&b);
    if (!out)
        cm_nomem(r->st);
    return out;
}

static int parse_number(const char *s, double *out)
{
    char *end;
    if (!*s)
        return 0;
    *out = strtod(s, &end);
    return *end == '\0' && isfinite(*out);
}

static cm_node *read_cn(reader *r, xmlNodePtr n)
{
    char *type = cm_attr(r->st, n, "type");
    char *base = cm_attr(r->st, n, "base");
    if (r->st->status) {
        free(type);
        free(base);
        return NULL;
    }
    int bad_base = base && strcmp(base, "10") != 0;
    free(base);
    if (bad_base) {
        free(type);
        return fail(r, n, BO_ERR_PARSE, "numbers in a base other than 10 are not supported%s", "");
    }
    int two = 0; /* e-notation: mantissa <sep/> exponent; rational: numerator <sep/> denominator */
    if (type && (strcmp(type, "e-notation") == 0 || strcmp(type, "rational") == 0))
        two = strcmp(type, "e-notation") == 0 ? 1 : 2;
    else if (type && strcmp(type, "real") != 0 && strcmp(type, "integer") != 0 &&
             strcmp(type, "double") != 0) {
        cm_node *e = fail(r, n, BO_ERR_PARSE, "unsupported number type '%s'", type);
        free(type);
        return e;
    }
    free(type);
    /* The text before and after <sep/>. */
    sb_buf part[2];
    sb_init(&part[0]);
    sb_init(&part[1]);
    int k = 0;
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE && c->content)
            sb_append(&part[k], (const char *)c->content);
        else if (c->type == XML_ELEMENT_NODE && cm_is_mathml(c, "sep") && two && k == 0)
            k = 1;
        else if (c->type == XML_ELEMENT_NODE) {
            sb_free(&part[0]);
            sb_free(&part[1]);
            return fail(r, c, BO_ERR_PARSE, "unexpected element '%s' in a number",
                        (const char *)c->name);
        }
    }
    double v[2] = {0, 0};
    int ok = 1;
    for (int i = 0; i <= (two ? 1 : 0); ++i) {
        char *s = bo_strdup(sb_cstr(&part[i]));
        if (!s) {
            ok = 0;
            cm_nomem(r->st);
            break;
        }
        char *p = s;
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            ++p;
        size_t len = strlen(p);
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\n' ||
                       p[len - 1] == '\r'))
            p[--len] = '\0';
        if (!parse_number(p, &v[i])) {
            ok = 0;
            fail(r, n, BO_ERR_PARSE, "'%s' is not a number", p);
        }
        free(s);
        if (!ok)
            break;
    }
    sb_free(&part[0]);
    sb_free(&part[1]);
    if (!ok)
        return NULL;
    double x = v[0];
    if (two == 1)
        x = v[0] * pow(10, v[1]);
    else if (two == 2)
        x = v[0] / v[1];
    if (!isfinite(x))
        return fail(r, n, BO_ERR_PARSE, "the number is not finite%s", "");
    return cm_num(r->st, x);
}

static int find_var(cm_state *st, int comp, const char *name)
{
    const cm_comp *c = &st->comps[comp];
    for (size_t i = 0; i < c->nvar; ++i)
        if (strcmp(st->vars[c->var0 + i].name, name) == 0)
            return (int)(c->var0 + i);
    return -1;
}

static cm_node *read_ci(reader *r, xmlNodePtr n)
{
    char *name = text_of(r, n);
    if (!name)
        return NULL;
    int v = find_var(r->st, r->comp, name);
    if (v < 0) {
        cm_fail(r->st, r->doc, n, BO_ERR_MODEL, "unknown variable '%s' in component '%s'", name,
                r->st->comps[r->comp].name);
        free(name);
        return NULL;
    }
    free(name);
    cm_node *e = cm_node_new(r->st, CN_VAR, 0);
    if (e)
        e->var = v;
    return e;
}

static cm_node *read_expr(reader *r, xmlNodePtr n, int depth);

/* Functions of one argument: MathML name -> how the model language writes it. */
enum { F_PLAIN, F_RECIP_OF, F_OF_RECIP };
static const struct {
    const char *mathml, *fn;
    int how; /* F_PLAIN fn(x); F_RECIP_OF 1/fn(x); F_OF_RECIP fn(1/x) */
} FUNCS[] = {
    {"abs", "abs", F_PLAIN},          {"exp", "exp", F_PLAIN},
    {"ln", "log", F_PLAIN},           {"floor", "floor", F_PLAIN},
    {"ceiling", "ceil", F_PLAIN},     {"sin", "sin", F_PLAIN},
    {"cos", "cos", F_PLAIN},          {"tan", "tan", F_PLAIN},
    {"sec", "cos", F_RECIP_OF},       {"csc", "sin", F_RECIP_OF},
    {"cot", "tan", F_RECIP_OF},       {"sinh", "sinh", F_PLAIN},
    {"cosh", "cosh", F_PLAIN},        {"tanh", "tanh", F_PLAIN},
    {"sech", "cosh", F_RECIP_OF},     {"csch", "sinh", F_RECIP_OF},
    {"coth", "tanh", F_RECIP_OF},     {"arcsin", "asin", F_PLAIN},
    {"arccos", "acos", F_PLAIN},      {"arctan", "atan", F_PLAIN},
    {"arcsec", "acos", F_OF_RECIP},   {"arccsc", "asin", F_OF_RECIP},
    {"arccot", "atan", F_OF_RECIP},   {"arcsinh", "asinh", F_PLAIN},
    {"arccosh", "acosh", F_PLAIN},    {"arctanh", "atanh", F_PLAIN},
    {"arcsech", "acosh", F_OF_RECIP}, {"arccsch", "asinh", F_OF_RECIP},
    {"arccoth", "atanh", F_OF_RECIP},
};

static const struct {
    const char *mathml;
    cm_op op;
} RELATIONS[] = {
    {"eq", CN_EQ}, {"neq", CN_NE}, {"lt", CN_LT}, {"leq", CN_LE}, {"gt", CN_GT}, {"geq", CN_GE},
};

/* The value of a qualifier (<degree>, <logbase>): its one child expression. */
static cm_node *qualifier(reader *r, xmlNodePtr q, int depth)
{
    xmlNodePtr c = first_elem(q->children);
    if (!c || next_elem(c))
        return fail(r, q, BO_ERR_PARSE, "'%s' must hold exactly one expression",
                    (const char *)q->name);
    return read_expr(r, c, depth + 1);
}

static double factorial(double x)
{
    double f = 1;
    for (int i = 2; i <= (int)x; ++i)
        f *= i;
    return f;
}

int cm_const_tree(const cm_node *e)
{
    if (e->op == CN_VAR)
        return 0;
    for (int i = 0; i < e->nkid; ++i)
        if (!cm_const_tree(e->kid[i]))
            return 0;
    return 1;
}

static cm_node *read_apply(reader *r, xmlNodePtr n, int depth)
{
    cm_state *st = r->st;
    xmlNodePtr opn = first_elem(n->children);
    if (!opn)
        return fail(r, n, BO_ERR_PARSE, "empty <apply>%s", "");
    if (!cm_is_mathml(opn, NULL))
        return fail(r, opn, BO_ERR_PARSE, "unsupported element '%s' in MathML",
                    (const char *)opn->name);
    const char *op = (const char *)opn->name;
    /* Qualifiers and arguments. */
    xmlNodePtr degree = NULL, logbase = NULL;
    cm_node *args[64];
    int na = 0;
    for (xmlNodePtr c = next_elem(opn); c; c = next_elem(c)) {
        if (cm_is_mathml(c, "degree") && !degree) {
            degree = c;
            continue;
        }
        if (cm_is_mathml(c, "logbase") && !logbase) {
            logbase = c;
            continue;
        }
        if (cm_is_mathml(c, "bvar"))
            return fail(r, c, BO_ERR_PARSE,
                        "'%s' with a bound variable is not supported (a derivative may only be "
                        "the left-hand side of an equation)",
                        op);
        if (na == (int)(sizeof args / sizeof args[0]))
            return fail(r, c, BO_ERR_PARSE, "'%s' has more than 64 arguments", op);
        if (!(args[na++] = read_expr(r, c, depth + 1)))
            return NULL;
    }
    if ((degree && strcmp(op, "root") != 0) || (logbase && strcmp(op, "log") != 0))
        return fail(r, degree ? degree : logbase, BO_ERR_PARSE, "unexpected qualifier in '%s'", op);
#define NEED(cond, what)                                                                           \
    do {                                                                                           \
        if (!(cond))                                                                               \
            return fail(r, opn, BO_ERR_PARSE, "'%s' takes " what, op);                             \
    } while (0)
    if (strcmp(op, "plus") == 0 || strcmp(op, "times") == 0) {
        NEED(na >= 1, "at least one argument");
        cm_node *e = args[0];
        for (int i = 1; i < na; ++i)
            e = cm_mk2(st, op[0] == 'p' ? CN_ADD : CN_MUL, e, args[i]);
        return e;
    }
    if (strcmp(op, "minus") == 0) {
        NEED(na == 1 || na == 2, "one or two arguments");
        return na == 1 ? cm_mk1(st, CN_NEG, args[0]) : cm_mk2(st, CN_SUB, args[0], args[1]);
    }
    if (strcmp(op, "divide") == 0 || strcmp(op, "power") == 0) {
        NEED(na == 2, "two arguments");
        return cm_mk2(st, op[0] == 'd' ? CN_DIV : CN_POW, args[0], args[1]);
    }
    if (strcmp(op, "root") == 0) {
        NEED(na == 1, "one argument (and an optional degree)");
        cm_node *deg = degree ? qualifier(r, degree, depth) : NULL;
        if (degree && !deg)
            return NULL;
        if (!deg || (deg->op == CN_NUM && deg->num == 2))
            return cm_call1(st, "sqrt", args[0]);
        if (deg->op == CN_NUM && deg->num == 3)
            return cm_call1(st, "cbrt", args[0]);
        return cm_mk2(st, CN_POW, args[0], cm_mk2(st, CN_DIV, cm_num(st, 1), deg));
    }
    if (strcmp(op, "log") == 0) {
        NEED(na == 1, "one argument (and an optional logbase)");
        cm_node *base = logbase ? qualifier(r, logbase, depth) : NULL;
        if (logbase && !base)
            return NULL;
        if (!base || (base->op == CN_NUM && base->num == 10))
            return cm_call1(st, "log10", args[0]);
        if (base->op == CN_NUM && base->num == 2)
            return cm_call1(st, "log2", args[0]);
        return cm_mk2(st, CN_DIV, cm_call1(st, "log", args[0]), cm_call1(st, "log", base));
    }
    if (strcmp(op, "min") == 0 || strcmp(op, "max") == 0) {
        NEED(na >= 1, "at least one argument");
        cm_node *e = args[0];
        for (int i = 1; i < na && e; ++i) {
            cm_node *m = cm_mk2(st, CN_CALL, e, args[i]);
            if (m)
                m->fn = op[1] == 'i' ? "min" : "max";
            e = m;
        }
        return e;
    }
    if (strcmp(op, "rem") == 0) {
        /* a - b*trunc(a/b): the remainder with the sign of a, as C's fmod. */
        NEED(na == 2, "two arguments");
        cm_node *q = cm_mk2(st, CN_DIV, args[0], args[1]);
        cm_node *tr = cm_node_new(st, CN_PW, 3);
        if (!tr || !q)
            return NULL;
        tr->kid[0] = cm_mk2(st, CN_GE, q, cm_num(st, 0));
        tr->kid[1] = cm_call1(st, "floor", q);
        tr->kid[2] = cm_call1(st, "ceil", q);
        if (!tr->kid[0] || !tr->kid[1] || !tr->kid[2])
            return NULL;
        return cm_mk2(st, CN_SUB, args[0], cm_mk2(st, CN_MUL, args[1], tr));
    }
    if (strcmp(op, "factorial") == 0) {
        NEED(na == 1, "one argument");
        double x = cm_const_tree(args[0]) ? cm_eval(st, args[0]) : NAN;
        if (!(x >= 0 && x <= 170 && x == floor(x)))
            return fail(r, opn, BO_ERR_PARSE,
                        "factorial is supported only of a constant whole number from 0 to 170%s",
                        "");
        return cm_num(st, factorial(x));
    }
    for (size_t i = 0; i < sizeof FUNCS / sizeof FUNCS[0]; ++i) {
        if (strcmp(op, FUNCS[i].mathml) != 0)
            continue;
        NEED(na == 1, "one argument");
        if (FUNCS[i].how == F_PLAIN)
            return cm_call1(st, FUNCS[i].fn, args[0]);
        if (FUNCS[i].how == F_RECIP_OF)
            return cm_mk2(st, CN_DIV, cm_num(st, 1), cm_call1(st, FUNCS[i].fn, args[0]));
        return cm_call1(st, FUNCS[i].fn, cm_mk2(st, CN_DIV, cm_num(st, 1), args[0]));
    }
    for (size_t i = 0; i < sizeof RELATIONS / sizeof RELATIONS[0]; ++i) {
        if (strcmp(op, RELATIONS[i].mathml) != 0)
            continue;
        NEED(na >= 2, "at least two arguments");
        /* a < b < c means a < b and b < c. */
        cm_node *e = cm_mk2(st, RELATIONS[i].op, args[0], args[1]);
        for (int k = 2; k < na; ++k)
            e = cm_mk2(st, CN_AND, e, cm_mk2(st, RELATIONS[i].op, args[k - 1], args[k]));
        return e;
    }
    if (strcmp(op, "and") == 0 || strcmp(op, "or") == 0 || strcmp(op, "xor") == 0) {
        NEED(na >= 1, "at least one argument");
        cm_node *e = op[0] == 'x' ? cm_mk2(st, CN_NE, args[0], cm_num(st, 0)) : args[0];
        for (int i = 1; i < na && e; ++i) {
            if (op[0] == 'a')
                e = cm_mk2(st, CN_AND, e, args[i]);
            else if (op[0] == 'o')
                e = cm_mk2(st, CN_OR, e, args[i]);
            else /* exactly one of two true: (a != 0) != (b != 0) */
                e = cm_mk2(st, CN_NE, e, cm_mk2(st, CN_NE, args[i], cm_num(st, 0)));
        }
        return e;
    }
    if (strcmp(op, "not") == 0) {
        NEED(na == 1, "one argument");
        return cm_mk1(st, CN_NOT, args[0]);
    }
#undef NEED
    if (strcmp(op, "diff") == 0)
        return fail(r, opn, BO_ERR_PARSE,
                    "a derivative may only be the left-hand side of an equation%s", "");
    return fail(r, opn, BO_ERR_PARSE, "unsupported MathML operator '%s'", op);
}

static cm_node *read_piecewise(reader *r, xmlNodePtr n, int depth)
{
    int np = 0;
    xmlNodePtr other = NULL;
    for (xmlNodePtr c = first_elem(n->children); c; c = next_elem(c)) {
        if (cm_is_mathml(c, "piece"))
            ++np;
        else if (cm_is_mathml(c, "otherwise") && !other)
            other = c;
        else
            return fail(r, c, BO_ERR_PARSE, "unexpected element '%s' in a piecewise",
                        (const char *)c->name);
    }
    if (np == 0 && !other)
        return fail(r, n, BO_ERR_PARSE, "empty piecewise%s", "");
    cm_node *e = cm_node_new(r->st, CN_PW, 2 * np + 1);
    if (!e)
        return NULL;
    int k = 0;
    for (xmlNodePtr c = first_elem(n->children); c; c = next_elem(c)) {
        if (!cm_is_mathml(c, "piece"))
            continue;
        xmlNodePtr v = first_elem(c->children), cond = next_elem(v);
        if (!v || !cond || next_elem(cond))
            return fail(r, c, BO_ERR_PARSE, "a piece must hold a value and a condition%s", "");
        if (!(e->kid[k + 1] = read_expr(r, v, depth + 1)) ||
            !(e->kid[k] = read_expr(r, cond, depth + 1)))
            return NULL;
        k += 2;
    }
    if (other) {
        xmlNodePtr v = first_elem(other->children);
        if (!v || next_elem(v))
            return fail(r, other, BO_ERR_PARSE, "otherwise must hold one value%s", "");
        e->kid[k] = read_expr(r, v, depth + 1);
    } else {
        /* No otherwise: the value is undefined there (NaN), as in CellML. */
        e->kid[k] = cm_mk2(r->st, CN_DIV, cm_num(r->st, 0), cm_num(r->st, 0));
    }
    if (!e->kid[k])
        return NULL;
    if (np == 0)
        return e->kid[0];
    return e;
}

static cm_node *read_expr(reader *r, xmlNodePtr n, int depth)
{
    cm_state *st = r->st;
    if (depth > CM_MAX_DEPTH)
        return fail(r, n, BO_ERR_PARSE, "MathML nested more than 200 levels deep%s", "");
    if (!cm_is_mathml(n, NULL))
        return fail(r, n, BO_ERR_PARSE, "unsupported element '%s' in MathML (not MathML)",
                    (const char *)n->name);
    const char *name = (const char *)n->name;
    if (strcmp(name, "cn") == 0)
        return read_cn(r, n);
    if (strcmp(name, "ci") == 0)
        return read_ci(r, n);
    if (strcmp(name, "apply") == 0)
        return read_apply(r, n, depth);
    if (strcmp(name, "piecewise") == 0)
        return read_piecewise(r, n, depth);
    if (strcmp(name, "semantics") == 0) {
        xmlNodePtr c = first_elem(n->children);
        if (!c)
            return fail(r, n, BO_ERR_PARSE, "empty semantics%s", "");
        return read_expr(r, c, depth + 1);
    }
    if (strcmp(name, "pi") == 0)
        return cm_num(st, 3.141592653589793);
    if (strcmp(name, "exponentiale") == 0)
        return cm_num(st, 2.718281828459045);
    if (strcmp(name, "true") == 0)
        return cm_num(st, 1);
    if (strcmp(name, "false") == 0)
        return cm_num(st, 0);
    if (strcmp(name, "infinity") == 0)
        return cm_mk2(st, CN_DIV, cm_num(st, 1), cm_num(st, 0));
    if (strcmp(name, "notanumber") == 0)
        return cm_mk2(st, CN_DIV, cm_num(st, 0), cm_num(st, 0));
    return fail(r, n, BO_ERR_PARSE, "unsupported MathML element '%s'", name);
}

/* An equation: <apply><eq/> lhs rhs </apply>, lhs a variable or d(variable)/d(bvar). */
static int lhs_of(reader *r, xmlNodePtr lhs, int *var, int *bvar)
{
    *var = *bvar = -1;
    if (cm_is_mathml(lhs, "ci")) {
        cm_node *e = read_ci(r, lhs);
        if (!e)
            return r->st->status;
        *var = e->var;
        return BO_OK;
    }
    if (!cm_is_mathml(lhs, "apply"))
        return 1;
    xmlNodePtr op = first_elem(lhs->children);
    if (!cm_is_mathml(op, "diff"))
        return 1;
    xmlNodePtr bv = next_elem(op), x = next_elem(bv);
    if (!cm_is_mathml(bv, "bvar") || !x || next_elem(x) || !cm_is_mathml(x, "ci"))
        return cm_fail(r->st, r->doc, op, BO_ERR_PARSE,
                       "a derivative must be <diff/><bvar><ci>t</ci></bvar><ci>x</ci>");
    xmlNodePtr bci = first_elem(bv->children);
    for (xmlNodePtr d = next_elem(bci); d; d = next_elem(d))
        if (cm_is_mathml(d, "degree")) {
            xmlNodePtr dv = first_elem(d->children);
            char *t = dv && cm_is_mathml(dv, "cn") ? text_of(r, dv) : NULL;
            int one = t && strtod(t, NULL) == 1;
            free(t);
            if (!one)
                return cm_fail(r->st, r->doc, d, BO_ERR_PARSE,
                               "only first derivatives are supported (rewrite higher orders as "
                               "first-order equations)");
        }
    if (!cm_is_mathml(bci, "ci"))
        return cm_fail(r->st, r->doc, bv, BO_ERR_PARSE, "a bvar must name a variable");
    cm_node *b = read_ci(r, bci), *v = b ? read_ci(r, x) : NULL;
    if (!v)
        return r->st->status;
    *var = v->var;
    *bvar = b->var;
    return BO_OK;
}

int cm_math_read(cm_state *st, int comp, xmlNodePtr math)
{
    reader r = {st, st->comps[comp].doc, comp};
    for (xmlNodePtr ap = first_elem(math->children); ap; ap = next_elem(ap)) {
        xmlNodePtr eq = cm_is_mathml(ap, "apply") ? first_elem(ap->children) : NULL;
        if (!cm_is_mathml(eq, "eq"))
            return cm_fail(st, r.doc, ap, BO_ERR_PARSE,
                           "expected an equation (<apply><eq/> ... </apply>) but found '%s'",
                           eq ? (const char *)eq->name : (const char *)ap->name);
        xmlNodePtr a = next_elem(eq), b = next_elem(a);
        if (!a || !b || next_elem(b))
            return cm_fail(st, r.doc, eq, BO_ERR_PARSE, "an equation has two sides");
        int var, bvar;
        int rc = lhs_of(&r, a, &var, &bvar);
        xmlNodePtr rhs = b;
        if (rc == 1) { /* x on the right: rhs = x */
            rc = lhs_of(&r, b, &var, &bvar);
            rhs = a;
        }
        if (rc == 1)
            return cm_fail(st, r.doc, ap, BO_ERR_PARSE,
                           "an equation must have a variable or a derivative on one side "
                           "(implicit equations are not supported)");
        if (rc)
            return rc;
        cm_node *e = read_expr(&r, rhs, 1);
        if (!e)
            return st->status ? st->status : cm_nomem(st);
        if (st->neq == st->capeq) {
            size_t nc = st->capeq ? st->capeq * 2 : 64;
            cm_eq *ne = bo_array_realloc(st->eqs, nc, sizeof *ne);
            if (!ne)
                return cm_nomem(st);
            st->eqs = ne;
            st->capeq = nc;
        }
        st->eqs[st->neq++] = (cm_eq){comp, var, bvar, e, r.doc, ap};
    }
    return BO_OK;
}

/* ---- printing ------------------------------------------------------------------------- */

/* Precedence as in docs/model-language.md: 1 ?: (unused), 2 ||, 3 &&, 4 == !=, 5 < <= > >=,
 * 6 + -, 7 * /, 8 unary, 9 ^, 10 atoms. */
static int prec(const cm_node *e)
{
    switch (e->op) {
    case CN_NUM:
        if (!isfinite(e->num))
            return 7; /* 1/0, 0/0 */
        return e->num < 0 || (e->num == 0 && signbit(e->num)) ? 8 : 10;
    case CN_VAR:
        return 10; /* a factor makes it a product: handled where printed */
    case CN_OR:
        return 2;
    case CN_AND:
        return 3;
    case CN_EQ:
    case CN_NE:
        return 4;
    case CN_LT:
    case CN_LE:
    case CN_GT:
    case CN_GE:
        return 5;
    case CN_ADD:
    case CN_SUB:
        return 6;
    case CN_MUL:
    case CN_DIV:
        return 7;
    case CN_NEG:
    case CN_NOT:
        return 8;
    case CN_POW:
        return 9;
    case CN_CALL:
    case CN_PW:
        return 10;
    }
    return 10;
}

void cm_print_num(double v, sb_buf *b)
{
    if (isnan(v)) {
        sb_append(b, "0/0");
        return;
    }
    if (isinf(v)) {
        sb_append(b, v < 0 ? "-1/0" : "1/0");
        return;
    }
    if (v < 0 || (v == 0 && signbit(v))) {
        sb_putc(b, '-');
        v = -v;
    }
    char buf[NF_DOUBLE_MAX + 1];
    size_t n = nf_double(buf, v);
    sb_append_n(b, buf, n);
}

static void print_at(const cm_state *st, const cm_node *e, int need, sb_buf *b);

/* Does e print starting with a '-'? */
static int signed_node(const cm_node *e)
{
    /* A left operand printed in parentheses does not start with its own sign. */
    if (e->op == CN_MUL || e->op == CN_DIV || e->op == CN_ADD || e->op == CN_SUB)
        return prec(e->kid[0]) >= prec(e) && signed_node(e->kid[0]);
    return e->op == CN_NEG || (e->op == CN_NUM && (e->num < 0 || (e->num == 0 && signbit(e->num))));
}

static int var_prec(const cm_state *st, const cm_node *e)
{
    return cm_var_factor(st, e->var) == 1 ? 10 : 7;
}

static void print_at(const cm_state *st, const cm_node *e, int need, sb_buf *b)
{
    int p = e->op == CN_VAR ? var_prec(st, e) : prec(e);
    int paren = p < need;
    if (paren)
        sb_putc(b, '(');
    static const char *const BIN[] = {
        [CN_ADD] = " + ",  [CN_SUB] = " - ", [CN_MUL] = "*",   [CN_DIV] = "/",   [CN_POW] = "^",
        [CN_AND] = " && ", [CN_OR] = " || ", [CN_EQ] = " == ", [CN_NE] = " != ", [CN_LT] = " < ",
        [CN_LE] = " <= ",  [CN_GT] = " > ",  [CN_GE] = " >= ",
    };
    switch (e->op) {
    case CN_NUM:
        cm_print_num(e->num, b);
        break;
    case CN_VAR: {
        double f = cm_var_factor(st, e->var);
        if (f != 1) {
            cm_print_num(f, b);
            sb_putc(b, '*');
        }
        sb_append(b, st->cls[st->vars[e->var].cls].id);
        break;
    }
    case CN_NEG:
    case CN_NOT:
        sb_putc(b, e->op == CN_NEG ? '-' : '!');
        print_at(st, e->kid[0], 9, b);
        break;
    case CN_ADD:
    case CN_SUB:
    case CN_MUL:
    case CN_DIV:
    case CN_AND:
    case CN_OR:
        print_at(st, e->kid[0], p, b);
        sb_append(b, BIN[e->op]);
        /* "a - -b" and "a*-b" read badly: a signed right operand gets parentheses. */
        print_at(st, e->kid[1], signed_node(e->kid[1]) ? 9 : p + 1, b);
        break;
    case CN_POW:
        print_at(st, e->kid[0], 10, b);
        sb_append(b, BIN[e->op]);
        print_at(st, e->kid[1], 9, b);
        break;
    case CN_EQ:
    case CN_NE:
    case CN_LT:
    case CN_LE:
    case CN_GT:
    case CN_GE:
        /* Comparisons are not chainable: operands are sums or tighter. */
        print_at(st, e->kid[0], 6, b);
        sb_append(b, BIN[e->op]);
        print_at(st, e->kid[1], 6, b);
        break;
    case CN_CALL:
    case CN_PW:
        sb_append(b, e->op == CN_PW ? "piecewise" : e->fn);
        sb_putc(b, '(');
        for (int i = 0; i < e->nkid; ++i) {
            if (i)
                sb_append(b, ", ");
            print_at(st, e->kid[i], 0, b);
        }
        sb_putc(b, ')');
        break;
    }
    if (paren)
        sb_putc(b, ')');
}

void cm_print(const cm_state *st, const cm_node *e, sb_buf *b)
{
    print_at(st, e, 0, b);
}
