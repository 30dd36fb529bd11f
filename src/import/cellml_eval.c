/* Expression trees of the CellML importer evaluated (constants, and the values a removable
 * singularity's interpolation needs), and the removal of the 0/0 singularities of
 * Hodgkin-Huxley-type rates N/(c*(exp(L) - 1)) by a linear interpolation across a small window
 * around the point where N and L vanish (docs/cellml.md). */
#include <math.h>
#include <string.h>

#include "cellml_internal.h"

/* ---- evaluation ----------------------------------------------------------------------- */

static double eval_at(const cm_state *st, const cm_node *e, int cls, double at)
{
    double a = e->nkid > 0 ? eval_at(st, e->kid[0], cls, at) : 0;
    double b = e->nkid > 1 ? eval_at(st, e->kid[1], cls, at) : 0;
    switch (e->op) {
    case CN_NUM:
        return e->num;
    case CN_VAR: {
        int c = st->vars[e->var].cls;
        if (c < 0 || !st->cls)
            return NAN;
        double x = c == cls ? at : st->cls[c].value;
        return x * cm_var_factor(st, e->var);
    }
    case CN_ADD:
        return a + b;
    case CN_SUB:
        return a - b;
    case CN_MUL:
        return a * b;
    case CN_DIV:
        return a / b;
    case CN_NEG:
        return -a;
    case CN_POW:
        return pow(a, b);
    case CN_NOT:
        return isnan(a) ? NAN : a == 0;
    case CN_AND:
        return isnan(a) || isnan(b) ? NAN : (a != 0 && b != 0);
    case CN_OR:
        return isnan(a) || isnan(b) ? NAN : (a != 0 || b != 0);
    case CN_EQ:
        return a == b;
    case CN_NE:
        return a != b;
    case CN_LT:
        return a < b;
    case CN_LE:
        return a <= b;
    case CN_GT:
        return a > b;
    case CN_GE:
        return a >= b;
    case CN_PW:
        for (int i = 0; i + 1 < e->nkid; i += 2) {
            double c = eval_at(st, e->kid[i], cls, at);
            if (isnan(c))
                return NAN;
            if (c != 0)
                return eval_at(st, e->kid[i + 1], cls, at);
        }
        return eval_at(st, e->kid[e->nkid - 1], cls, at);
    case CN_CALL: {
        const char *f = e->fn;
        static const struct {
            const char *name;
            double (*fn)(double);
        } F1[] = {{"abs", fabs},   {"exp", exp},   {"log", log},     {"log10", log10},
                  {"log2", log2},  {"sqrt", sqrt}, {"cbrt", cbrt},   {"floor", floor},
                  {"ceil", ceil},  {"sin", sin},   {"cos", cos},     {"tan", tan},
                  {"asin", asin},  {"acos", acos}, {"atan", atan},   {"sinh", sinh},
                  {"cosh", cosh},  {"tanh", tanh}, {"asinh", asinh}, {"acosh", acosh},
                  {"atanh", atanh}};
        for (size_t i = 0; i < sizeof F1 / sizeof F1[0]; ++i)
            if (strcmp(f, F1[i].name) == 0)
                return F1[i].fn(a);
        if (strcmp(f, "min") == 0)
            return isnan(a) || isnan(b) ? NAN : fmin(a, b);
        if (strcmp(f, "max") == 0)
            return isnan(a) || isnan(b) ? NAN : fmax(a, b);
        return NAN;
    }
    }
    return NAN;
}

double cm_eval(const cm_state *st, const cm_node *e)
{
    return eval_at(st, e, -1, 0);
}

/* ---- removable singularities ---------------------------------------------------------- */

int cm_is_constant(const cm_state *st, const cm_node *e)
{
    if (e->op == CN_VAR) {
        cm_kind k = st->cls[st->vars[e->var].cls].kind;
        return k == CK_CONST || k == CK_COMPUTED;
    }
    for (int i = 0; i < e->nkid; ++i)
        if (!cm_is_constant(st, e->kid[i]))
            return 0;
    return 1;
}

/* Write e = a*X + b, X the value of one non-constant class (*cls), a and b constant trees
 * (NULL for zero). Returns 0 when e is not of that form. */
static int linear(cm_state *st, const cm_node *e, int *cls, cm_node **a, cm_node **b)
{
    *a = *b = NULL;
    if (cm_is_constant(st, e)) {
        *b = (cm_node *)e;
        return 1;
    }
    cm_node *a1, *b1, *a2, *b2;
    switch (e->op) {
    case CN_VAR: {
        int c = st->vars[e->var].cls;
        if (*cls >= 0 && *cls != c)
            return 0;
        *cls = c;
        *a = cm_num(st, cm_var_factor(st, e->var));
        return *a != NULL;
    }
    case CN_NEG:
        if (!linear(st, e->kid[0], cls, &a1, &b1))
            return 0;
        *a = a1 ? cm_mk1(st, CN_NEG, a1) : NULL;
        *b = b1 ? cm_mk1(st, CN_NEG, b1) : NULL;
        return 1;
    case CN_ADD:
    case CN_SUB:
        if (!linear(st, e->kid[0], cls, &a1, &b1) || !linear(st, e->kid[1], cls, &a2, &b2))
            return 0;
        if (e->op == CN_SUB) {
            a2 = a2 ? cm_mk1(st, CN_NEG, a2) : NULL;
            b2 = b2 ? cm_mk1(st, CN_NEG, b2) : NULL;
        }
        *a = a1 && a2 ? cm_mk2(st, CN_ADD, a1, a2) : (a1 ? a1 : a2);
        *b = b1 && b2 ? cm_mk2(st, CN_ADD, b1, b2) : (b1 ? b1 : b2);
        return 1;
    case CN_MUL:
    case CN_DIV: {
        int kc = e->op == CN_DIV || cm_is_constant(st, e->kid[0]) ? 1 : 0; /* the constant side */
        if (e->op == CN_MUL && !cm_is_constant(st, e->kid[kc]))
            return 0;
        if (e->op == CN_DIV && !cm_is_constant(st, e->kid[1]))
            return 0;
        const cm_node *c = e->kid[kc];
        if (!linear(st, e->kid[1 - kc], cls, &a1, &b1))
            return 0;
        cm_op op = e->op;
        *a = a1 ? cm_mk2(st, op, a1, (cm_node *)c) : NULL;
        *b = b1 ? cm_mk2(st, op, b1, (cm_node *)c) : NULL;
        return 1;
    }
    default:
        return 0;
    }
}

/* The exponent L of a denominator c*(exp(L) - 1) (or c*(1 - exp(L)), -(...), (...)/c). */
static const cm_node *exp_minus_one(cm_state *st, const cm_node *d)
{
    for (;;) {
        if (d->op == CN_NEG)
            d = d->kid[0];
        else if (d->op == CN_MUL && cm_is_constant(st, d->kid[0]))
            d = d->kid[1];
        else if ((d->op == CN_MUL || d->op == CN_DIV) && cm_is_constant(st, d->kid[1]))
            d = d->kid[0];
        else
            break;
    }
    if (d->op != CN_SUB && d->op != CN_ADD)
        return NULL;
    for (int i = 0; i < 2; ++i) {
        const cm_node *x = d->kid[i], *k = d->kid[1 - i];
        if (x->op != CN_CALL || strcmp(x->fn, "exp") != 0 || !cm_is_constant(st, k))
            continue;
        double kv = cm_eval(st, k);
        /* exp(L) - 1, 1 - exp(L), exp(L) + (-1), (-1) + exp(L) */
        if ((d->op == CN_SUB && kv == 1) || (d->op == CN_ADD && kv == -1))
            return x->kid[0];
    }
    return NULL;
}

/* Does n vanish at X = x0 (X the value of class cls)? A product vanishes when a factor does. */
static int vanishes(const cm_state *st, const cm_node *n, int cls, double x0, double unit)
{
    if (n->op == CN_MUL)
        return vanishes(st, n->kid[0], cls, x0, unit) || vanishes(st, n->kid[1], cls, x0, unit);
    if (n->op == CN_DIV || n->op == CN_NEG)
        return vanishes(st, n->kid[0], cls, x0, unit);
    double v0 = eval_at(st, n, cls, x0), v1 = eval_at(st, n, cls, x0 + unit);
    if (!isfinite(v0) || !isfinite(v1))
        return 0;
    return v0 == 0 || fabs(v0) <= 1e-9 * fabs(v1);
}

/* A copy of e with every variable of class cls replaced by the tree x (times its factor). */
static cm_node *subst(cm_state *st, const cm_node *e, int cls, cm_node *x)
{
    if (e->op == CN_VAR && st->vars[e->var].cls == cls) {
        double f = cm_var_factor(st, e->var);
        return f == 1 ? x : cm_mk2(st, CN_MUL, cm_num(st, f), x);
    }
    if (e->nkid == 0)
        return (cm_node *)e;
    cm_node *n = cm_node_new(st, e->op, e->nkid);
    if (!n)
        return NULL;
    n->fn = e->fn;
    for (int i = 0; i < e->nkid; ++i)
        if (!(n->kid[i] = subst(st, e->kid[i], cls, x)))
            return NULL;
    return n;
}

/* A tree of numbers only, as one number. */
static cm_node *fold(cm_state *st, cm_node *e)
{
    if (!e || e->op == CN_NUM || !cm_const_tree(e))
        return e;
    double v = cm_eval(st, e);
    return isfinite(v) ? cm_num(st, v) : e;
}

static cm_node *fix_division(cm_state *st, cm_node *e)
{
    const cm_node *L = exp_minus_one(st, e->kid[1]);
    if (!L)
        return e;
    int cls = -1;
    cm_node *a, *b;
    if (!linear(st, L, &cls, &a, &b) || cls < 0 || !a)
        return e;
    double av = cm_eval(st, a), bv = b ? cm_eval(st, b) : 0;
    if (!isfinite(av) || !isfinite(bv) || av == 0)
        return e;
    double x0 = -bv / av;
    if (!vanishes(st, e->kid[0], cls, x0, 1 / fabs(av)))
        return e;
    /* X at L = -w and L = +w: (+-w - b)/a; the rate there; linear in L between them. */
    const double w = CM_SINGULAR_WINDOW;
    cm_node *bb = b ? b : cm_num(st, 0);
    cm_node *xm = cm_mk2(st, CN_DIV, cm_mk2(st, CN_SUB, cm_num(st, -w), bb), a);
    cm_node *xp = cm_mk2(st, CN_DIV, cm_mk2(st, CN_SUB, cm_num(st, w), bb), a);
    if (!xm || !xp)
        return NULL;
    cm_node *fm = fold(st, subst(st, e, cls, fold(st, xm)));
    cm_node *fp = fold(st, subst(st, e, cls, fold(st, xp)));
    /* ((w - L)*fm + (L + w)*fp)/(2w) */
    cm_node *interp = cm_mk2(
        st, CN_DIV,
        cm_mk2(st, CN_ADD, cm_mk2(st, CN_MUL, cm_mk2(st, CN_SUB, cm_num(st, w), (cm_node *)L), fm),
               cm_mk2(st, CN_MUL, cm_mk2(st, CN_ADD, (cm_node *)L, cm_num(st, w)), fp)),
        cm_num(st, 2 * w));
    cm_node *cond = cm_mk2(st, CN_LT, cm_call1(st, "abs", (cm_node *)L), cm_num(st, w));
    cm_node *pw = cm_node_new(st, CN_PW, 3);
    if (!pw || !cond || !interp)
        return NULL;
    pw->kid[0] = cond;
    pw->kid[1] = interp;
    pw->kid[2] = e;
    return pw;
}

cm_node *cm_fix_singularities(cm_state *st, cm_node *e)
{
    if (!e)
        return NULL;
    for (int i = 0; i < e->nkid; ++i)
        if (!(e->kid[i] = cm_fix_singularities(st, e->kid[i])))
            return NULL;
    if (e->op == CN_DIV)
        return fix_division(st, e);
    return e;
}
