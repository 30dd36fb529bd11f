/* Symbolic derivatives (src/model/deriv.c) against independent numerical derivatives:
 * the complex-step derivative Im f(x + ih)/h (Squire & Trapp 1998; complexified abs, min,
 * max and atan2 as in Martins, Sturdza & Alonso 2003, ACM TOMS 29(3)) where the function is
 * analytic, and 6th-order central differences elsewhere. Then a property test over random
 * composed expressions (gradients, JVP, df/dt, df/ddrivers), and the sparsity of Lorenz. */
#include <complex.h>

#include "harness.h"
#include "util/internal.h"
#include "model/deriv.h"

#define CS_H 1e-30

/* ---- a small deterministic generator ------------------------------------------------- */

static unsigned long long rng_state = 0x9e3779b97f4a7c15ull;

static double urand(double lo, double hi)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return lo + (hi - lo) * (double)(rng_state >> 11) * (1.0 / 9007199254740992.0);
}

static int irand(int n)
{
    int r = (int)urand(0, n);
    return r < n ? r : n - 1;
}

/* ---- complexified functions (independent of the library) ----------------------------- */

static double complex cx_call(ex_func fn, double complex a, double complex b)
{
    switch (fn) {
    case EXF_EXP:
        return cexp(a);
    case EXF_LOG:
        return clog(a);
    case EXF_LOG10:
        return clog(a) / log(10.0);
    case EXF_LOG2:
        return clog(a) / log(2.0);
    case EXF_SQRT:
        return csqrt(a);
    case EXF_CBRT:
        return creal(a) < 0 ? -cpow(-a, 1.0 / 3.0) : cpow(a, 1.0 / 3.0);
    case EXF_SIN:
        return csin(a);
    case EXF_COS:
        return ccos(a);
    case EXF_TAN:
        return ctan(a);
    case EXF_ASIN:
        return casin(a);
    case EXF_ACOS:
        return cacos(a);
    case EXF_ATAN:
        return catan(a);
    case EXF_SINH:
        return csinh(a);
    case EXF_COSH:
        return ccosh(a);
    case EXF_TANH:
        return ctanh(a);
    case EXF_ASINH:
        return casinh(a);
    case EXF_ACOSH:
        return cacosh(a);
    case EXF_ATANH:
        return catanh(a);
    case EXF_ABS:
        return creal(a) < 0 ? -a : a;
    case EXF_FLOOR:
        return floor(creal(a));
    case EXF_CEIL:
        return ceil(creal(a));
    case EXF_SIGN:
        return creal(a) > 0 ? 1.0 : (creal(a) < 0 ? -1.0 : 0.0);
    case EXF_ATAN2: {
        /* atan(a/b) plus the real quadrant offset, which is locally constant. */
        double off = atan2(creal(a), creal(b)) - atan(creal(a) / creal(b));
        return catan(a / b) + off;
    }
    case EXF_MIN:
        return creal(a) < creal(b) ? a : b;
    case EXF_MAX:
        return creal(a) > creal(b) ? a : b;
    case EXF_HYPOT:
        return csqrt(a * a + b * b);
    default:
        return NAN; /* erf, erfc: no complex version; checked by finite differences */
    }
}

typedef struct {
    double complex *vars[EXV_KIND_COUNT];
} cx_env;

static double complex cx_eval(const ex_graph *g, ex_id e, const cx_env *env)
{
    double complex *v = malloc(((size_t)e + 1) * sizeof *v);
    for (ex_id id = 0; id <= e; ++id) {
        const ex_node *n = ex_get(g, id);
        double complex a = n->op > EX_VAR && n->a >= 0 ? v[n->a] : 0;
        double complex b = n->b >= 0 ? v[n->b] : 0, c = n->c >= 0 ? v[n->c] : 0;
        double ra = creal(a), rb = creal(b);
        switch ((ex_op)n->op) {
        case EX_CONST:
            v[id] = n->value;
            break;
        case EX_VAR:
            v[id] = env->vars[n->sub] ? env->vars[n->sub][n->a] : 0;
            break;
        case EX_NEG:
            v[id] = -a;
            break;
        case EX_NOT:
            v[id] = ra == 0;
            break;
        case EX_ADD:
            v[id] = a + b;
            break;
        case EX_SUB:
            v[id] = a - b;
            break;
        case EX_MUL:
            v[id] = a * b;
            break;
        case EX_DIV:
            v[id] = a / b;
            break;
        case EX_POW:
            /* Integer powers by products: cpow of a negative base goes through clog, whose
             * imaginary part carries pi's rounding error, far above the step. */
            if (cimag(b) == 0 && rb == floor(rb) && fabs(rb) <= 8) {
                double complex r = 1;
                for (int q = 0; q < (int)fabs(rb); ++q)
                    r *= a;
                v[id] = rb < 0 ? 1 / r : r;
            } else {
                v[id] = cpow(a, b);
            }
            break;
        case EX_LT:
            v[id] = ra < rb;
            break;
        case EX_LE:
            v[id] = ra <= rb;
            break;
        case EX_GT:
            v[id] = ra > rb;
            break;
        case EX_GE:
            v[id] = ra >= rb;
            break;
        case EX_EQ:
            v[id] = ra == rb;
            break;
        case EX_NE:
            v[id] = ra != rb;
            break;
        case EX_AND:
            v[id] = ra != 0 && rb != 0;
            break;
        case EX_OR:
            v[id] = ra != 0 || rb != 0;
            break;
        case EX_SELECT:
            v[id] = ra != 0 ? b : c;
            break;
        case EX_CALL:
            v[id] = cx_call((ex_func)n->sub, a, b);
            break;
        default:
            v[id] = NAN;
        }
    }
    double complex r = v[e];
    free(v);
    return r;
}

/* 6th-order central difference of a real function of one variable. */
static double fd6(double (*f)(void *, double), void *u, double x)
{
    double h = 1e-3 * (fabs(x) > 1 ? fabs(x) : 1);
    return (-f(u, x - 3 * h) + 9 * f(u, x - 2 * h) - 45 * f(u, x - h) + 45 * f(u, x + h) -
            9 * f(u, x + 2 * h) + f(u, x + 3 * h)) /
           (60 * h);
}

/* Finite differences carry noise of about eps |f| / h, so a zero derivative reads ~1e-14. */
static int fd_ok(double got, double want)
{
    return fabs(got - want) <= 1e-7 * fabs(want) + 1e-10;
}

/* ---- per-function checks -------------------------------------------------------------- */

typedef struct {
    const ex_graph *g;
    ex_id e;
    double *vars; /* states */
    int which;
} fd_ctx;

static double fd_eval(void *u, double x)
{
    fd_ctx *c = u;
    double save = c->vars[c->which];
    c->vars[c->which] = x;
    ex_env env = {{0}};
    env.vars[EXV_STATE] = c->vars;
    double r = ex_eval(c->g, c->e, &env);
    c->vars[c->which] = save;
    return r;
}

static double eval_at(const ex_graph *g, ex_id e, double *states)
{
    ex_env env = {{0}};
    env.vars[EXV_STATE] = states;
    return ex_eval(g, e, &env);
}

static void check_unary(void)
{
    static const struct {
        ex_func fn;
        double lo, hi;
    } table[] = {
        {EXF_EXP, -2, 2},     {EXF_LOG, 0.2, 3},      {EXF_LOG10, 0.2, 3},   {EXF_LOG2, 0.2, 3},
        {EXF_SQRT, 0.2, 4},   {EXF_CBRT, -3, 3},      {EXF_SIN, -3, 3},      {EXF_COS, -3, 3},
        {EXF_TAN, -1.2, 1.2}, {EXF_ASIN, -0.9, 0.9},  {EXF_ACOS, -0.9, 0.9}, {EXF_ATAN, -3, 3},
        {EXF_SINH, -2, 2},    {EXF_COSH, -2, 2},      {EXF_TANH, -2, 2},     {EXF_ASINH, -3, 3},
        {EXF_ACOSH, 1.1, 4},  {EXF_ATANH, -0.9, 0.9}, {EXF_ABS, -3, 3},      {EXF_ERF, -2, 2},
        {EXF_ERFC, -2, 2},    {EXF_FLOOR, -3, 3},     {EXF_CEIL, -3, 3},     {EXF_SIGN, -3, 3},
    };
    const double c = 1.25; /* the argument is c*x, to exercise the chain rule */
    for (size_t q = 0; q < sizeof table / sizeof table[0]; ++q) {
        ex_func fn = table[q].fn;
        ex_graph *g = ex_graph_create();
        ex_id x = ex_var(g, EXV_STATE, 0);
        ex_id e = ex_call(g, fn, ex_mul(g, ex_const(g, c), x), EX_NONE);
        ex_id d = dv_diff(g, e, EXV_STATE, 0);
        T_CHECK(d != EX_NONE);
        if (fn == EXF_FLOOR || fn == EXF_CEIL || fn == EXF_SIGN) {
            T_CHECKF(dv_is_zero(g, d), "%s' is not a structural zero", ex_func_name(fn));
            ex_graph_destroy(g);
            continue;
        }
        for (int k = 0; k < 8; ++k) {
            double u = urand(table[q].lo, table[q].hi);
            if (fabs(u) < 0.2)
                u = u < 0 ? -0.2 - u : 0.2 + u; /* away from the kinks of cbrt and abs */
            double xs[1] = {u / c};
            double got = eval_at(g, d, xs);
            double want;
            if (fn == EXF_ERF || fn == EXF_ERFC) {
                fd_ctx fc = {g, e, xs, 0};
                want = fd6(fd_eval, &fc, xs[0]);
                T_CHECKF(fd_ok(got, want), "%s'(%g): got %.17g want %.17g", ex_func_name(fn), u,
                         got, want);
            } else {
                want = cimag(cx_call(fn, c * (xs[0] + I * CS_H), 0)) / CS_H;
                T_CHECKF(t_rel_ok(got, want, 1e-9), "%s'(%g): got %.17g want %.17g",
                         ex_func_name(fn), u, got, want);
            }
        }
        ex_graph_destroy(g);
    }
    /* |x| at the kink: the subgradient 0. */
    ex_graph *g = ex_graph_create();
    ex_id x = ex_var(g, EXV_STATE, 0);
    ex_id d = dv_diff(g, ex_call(g, EXF_ABS, x, EX_NONE), EXV_STATE, 0);
    double zero[1] = {0.0};
    T_EQ_INT(eval_at(g, d, zero) == 0.0, 1);
    ex_graph_destroy(g);
}

/* Binary functions and powers: derivatives in both arguments. */
static void check_binary(void)
{
    enum {
        POW_VAR,
        POW_C2,
        POW_C3,
        POW_CM2,
        POW_CHALF,
        POW_C27,
        POW_BASE,
        ATAN2,
        HYPOT,
        MIN,
        MAX,
        SELECT,
        NCASE
    };
    for (int cs = 0; cs < NCASE; ++cs) {
        ex_graph *g = ex_graph_create();
        ex_id x = ex_var(g, EXV_STATE, 0), y = ex_var(g, EXV_STATE, 1);
        ex_id e = EX_NONE;
        int analytic = 1;
        switch (cs) {
        case POW_VAR:
            e = ex_pow(g, x, y);
            break;
        case POW_C2:
            e = ex_pow(g, ex_add(g, x, y), ex_const(g, 2));
            break;
        case POW_C3:
            e = ex_pow(g, ex_mul(g, x, y), ex_const(g, 3));
            break;
        case POW_CM2:
            e = ex_pow(g, ex_sub(g, x, y), ex_const(g, -2));
            break;
        case POW_CHALF:
            e = ex_pow(g, ex_mul(g, x, y), ex_const(g, 0.5));
            break;
        case POW_C27:
            e = ex_pow(g, ex_add(g, x, y), ex_const(g, 2.7));
            break;
        case POW_BASE:
            e = ex_pow(g, ex_const(g, 2.385), ex_mul(g, x, y));
            break;
        case ATAN2:
            e = ex_call(g, EXF_ATAN2, x, ex_sub(g, y, ex_const(g, 1.0)));
            break;
        case HYPOT:
            e = ex_call(g, EXF_HYPOT, x, ex_mul(g, y, y));
            break;
        case MIN:
            e = ex_call(g, EXF_MIN, ex_mul(g, x, x), ex_mul(g, y, ex_const(g, 1.5)));
            analytic = 0;
            break;
        case MAX:
            e = ex_call(g, EXF_MAX, ex_mul(g, x, x), ex_mul(g, y, ex_const(g, 1.5)));
            analytic = 0;
            break;
        case SELECT:
            e = ex_select(g, ex_binary(g, EX_LT, x, y), ex_mul(g, x, y),
                          ex_call(g, EXF_SIN, ex_mul(g, x, y), EX_NONE));
            analytic = 0;
            break;
        }
        ex_id dx = dv_diff(g, e, EXV_STATE, 0), dy = dv_diff(g, e, EXV_STATE, 1);
        for (int k = 0; k < 12; ++k) {
            double xs[2] = {urand(0.3, 2.0), urand(0.3, 2.0)};
            if (fabs(xs[0] * xs[0] - 1.5 * xs[1]) < 1e-2 || fabs(xs[0] - xs[1]) < 1e-2 ||
                fabs(xs[0] - xs[1]) < 0.2)
                continue; /* away from the kinks of min, max and the pole of (x-y)^-2 */
            for (int w = 0; w < 2; ++w) {
                double got = eval_at(g, w ? dy : dx, xs);
                double want;
                if (analytic) {
                    double complex zs[2] = {xs[0], xs[1]};
                    zs[w] += I * CS_H;
                    cx_env env = {{0}};
                    env.vars[EXV_STATE] = zs;
                    want = cimag(cx_eval(g, e, &env)) / CS_H;
                    T_CHECKF(t_rel_ok(got, want, 1e-9), "case %d d/dx%d: got %.17g want %.17g", cs,
                             w, got, want);
                } else {
                    fd_ctx fc = {g, e, xs, w};
                    want = fd6(fd_eval, &fc, xs[w]);
                    T_CHECKF(fd_ok(got, want), "case %d d/dx%d: got %.17g want %.17g", cs, w, got,
                             want);
                }
            }
        }
        ex_graph_destroy(g);
    }
    /* Comparisons and logic are piecewise constant: structural zeros. */
    ex_graph *g = ex_graph_create();
    ex_id x = ex_var(g, EXV_STATE, 0), y = ex_var(g, EXV_STATE, 1);
    for (int op = EX_LT; op <= EX_OR; ++op)
        T_CHECK(dv_is_zero(g, dv_diff(g, ex_binary(g, (ex_op)op, x, y), EXV_STATE, 0)));
    T_CHECK(dv_is_zero(g, dv_diff(g, ex_unary(g, EX_NOT, x), EXV_STATE, 0)));
    /* The derivative of pow with a constant exponent has no log term. */
    ex_id d2 = dv_diff(g, ex_pow(g, x, ex_const(g, 2.0)), EXV_STATE, 0);
    const ex_node *nd = ex_get(g, d2);
    T_CHECK(nd->op == EX_MUL);
    T_CHECK(ex_is_const(g, nd->a, 2.0) || ex_is_const(g, nd->b, 2.0));
    ex_graph_destroy(g);
}

/* ---- random composed expressions ------------------------------------------------------ */

enum { NS = 3, ND = 2 }; /* states, drivers; one parameter and t */

static ex_id rand_leaf(ex_graph *g)
{
    switch (irand(7)) {
    case 0:
    case 1:
    case 2:
        return ex_var(g, EXV_STATE, irand(NS));
    case 3:
        return ex_var(g, EXV_PARAM, 0);
    case 4:
        return ex_var(g, EXV_TIME, 0);
    case 5:
        return ex_var(g, EXV_DRIVER, irand(ND));
    default:
        return ex_const(g, urand(0.5, 2.5));
    }
}

/* c + u*u, positive for the domains of log, sqrt, pow bases. */
static ex_id positive(ex_graph *g, ex_id u, double c)
{
    return ex_add(g, ex_const(g, c), ex_mul(g, u, u));
}

static ex_id rand_tree(ex_graph *g, int depth)
{
    if (depth == 0 || irand(5) == 0)
        return rand_leaf(g);
    ex_id a = rand_tree(g, depth - 1);
    switch (irand(9)) {
    case 0:
        return ex_add(g, a, rand_tree(g, depth - 1));
    case 1:
        return ex_sub(g, a, rand_tree(g, depth - 1));
    case 2:
    case 3:
        return ex_mul(g, a, rand_tree(g, depth - 1));
    case 4:
        return ex_div(
            g, a, irand(2) ? positive(g, rand_tree(g, depth - 1), 0.5) : rand_tree(g, depth - 1));
    case 5: {
        static const double ks[] = {2, 3, -1, -2, 0.5, 1.7, 4};
        ex_id b = irand(3) ? ex_const(g, ks[irand(7)]) : rand_tree(g, depth - 1);
        return ex_pow(g, positive(g, a, 0.3), b);
    }
    case 6: {
        ex_id b = rand_tree(g, depth - 1);
        static const ex_func bin[] = {EXF_ATAN2, EXF_MIN, EXF_MAX, EXF_HYPOT};
        return ex_call(g, bin[irand(4)], a, b);
    }
    case 7:
        return ex_select(g, ex_binary(g, irand(2) ? EX_LT : EX_GE, a, rand_tree(g, depth - 1)), a,
                         rand_tree(g, depth - 1));
    default: {
        ex_func fn = (ex_func)irand(EXF_ERF); /* the unary functions except erf, erfc */
        switch (fn) {
        case EXF_LOG:
        case EXF_LOG10:
        case EXF_LOG2:
        case EXF_SQRT:
            a = positive(g, a, 0.3);
            break;
        case EXF_ACOSH:
            a = positive(g, a, 1.2);
            break;
        case EXF_ASIN:
        case EXF_ACOS:
        case EXF_ATANH:
            a = ex_mul(g, ex_const(g, 0.9), ex_call(g, EXF_TANH, a, EX_NONE));
            break;
        case EXF_EXP:
        case EXF_SINH:
        case EXF_COSH:
            a = ex_call(g, EXF_SIN, a, EX_NONE);
            break;
        default:
            break;
        }
        return ex_call(g, fn, a, EX_NONE);
    }
    }
}

/* Is the point safely inside every domain and away from every kink, pole and tie? */
static int point_ok(const ex_graph *g, ex_id e, const double *val)
{
    for (ex_id id = 0; id <= e; ++id) {
        const ex_node *n = ex_get(g, id);
        double v = val[id];
        if (!isfinite(v) || fabs(v) > 1e6)
            return 0;
        double a = n->op > EX_VAR && n->a >= 0 ? val[n->a] : 0;
        double b = n->b >= 0 ? val[n->b] : 0;
        switch (n->op) {
        case EX_DIV:
            if (fabs(b) < 0.05)
                return 0;
            break;
        case EX_LT:
        case EX_LE:
        case EX_GT:
        case EX_GE:
            if (fabs(a - b) < 1e-3)
                return 0;
            break;
        case EX_CALL:
            switch (n->sub) {
            case EXF_ABS:
            case EXF_SIGN:
            case EXF_CBRT:
                if (fabs(a) < 1e-2)
                    return 0;
                break;
            case EXF_FLOOR:
            case EXF_CEIL:
                if (fabs(a - round(a)) < 1e-3)
                    return 0;
                break;
            case EXF_TAN:
                if (fabs(cos(a)) < 0.1)
                    return 0;
                break;
            case EXF_MIN:
            case EXF_MAX:
                if (fabs(a - b) < 1e-3)
                    return 0;
                break;
            case EXF_ATAN2:
            case EXF_HYPOT:
                if (fabs(a) + fabs(b) < 0.05 || (n->sub == EXF_ATAN2 && fabs(b) < 0.05))
                    return 0;
                break;
            default:
                break;
            }
            break;
        default:
            break;
        }
    }
    return 1;
}

typedef struct {
    double y[NS], p[1], t[1], d[ND], v[NS], dd[ND];
} point;

static void set_env(ex_env *env, point *pt)
{
    memset(env, 0, sizeof *env);
    env->vars[EXV_STATE] = pt->y;
    env->vars[EXV_PARAM] = pt->p;
    env->vars[EXV_TIME] = pt->t;
    env->vars[EXV_DRIVER] = pt->d;
    env->vars[EXV_VEC] = pt->v;
    env->vars[EXV_DRIVER_DT] = pt->dd;
}

/* Complex step of f_i along a direction: y += ih dy, p += ih dp, t += ih dt, d += ih dd. */
static double cs_dir(const ex_graph *g, ex_id e, const point *pt, const double *dy, double dp,
                     double dt, const double *dd)
{
    double complex y[NS], p[1], t[1], d[ND];
    for (int i = 0; i < NS; ++i)
        y[i] = pt->y[i] + I * CS_H * (dy ? dy[i] : 0);
    p[0] = pt->p[0] + I * CS_H * dp;
    t[0] = pt->t[0] + I * CS_H * dt;
    for (int k = 0; k < ND; ++k)
        d[k] = pt->d[k] + I * CS_H * (dd ? dd[k] : 0);
    cx_env env = {{0}};
    env.vars[EXV_STATE] = y;
    env.vars[EXV_PARAM] = p;
    env.vars[EXV_TIME] = t;
    env.vars[EXV_DRIVER] = d;
    return cimag(cx_eval(g, e, &env)) / CS_H;
}

static int close_enough(double got, double want, double scale)
{
    return fabs(got - want) <= 1e-9 * (fabs(want) + 1e-6 * scale) || (isnan(got) && isnan(want));
}

#define CHECK_CLOSE(got, want, scale, what)                                                        \
    T_CHECKF(close_enough((got), (want), (scale)), "system %d %s: got %.17g want %.17g", sys,      \
             what, (double)(got), (double)(want))

static void check_random(void)
{
    int systems = 0, tries = 0, sys = 0;
    while (systems < 170 && tries < 20000) {
        ++tries;
        ex_graph *g = ex_graph_create();
        ex_id f[NS];
        for (int i = 0; i < NS; ++i)
            f[i] = rand_tree(g, 4);
        point pt;
        for (int i = 0; i < NS; ++i) {
            pt.y[i] = urand(-2, 2);
            pt.v[i] = urand(-1.5, 1.5);
        }
        pt.p[0] = urand(0.5, 2);
        pt.t[0] = urand(0, 3);
        for (int k = 0; k < ND; ++k) {
            pt.d[k] = urand(-1, 1);
            pt.dd[k] = urand(-2, 2);
        }
        ex_env env;
        set_env(&env, &pt);
        ex_id top = f[0] > f[1] ? f[0] : f[1];
        top = top > f[2] ? top : f[2];
        double *val = malloc(((size_t)top + 1) * sizeof *val);
        ex_eval_upto(g, top, &env, val);
        int ok = point_ok(g, top, val);
        double scale = 0;
        for (ex_id id = 0; id <= top && ok; ++id)
            scale = fmax(scale, fabs(val[id]));
        free(val);
        if (!ok) {
            ex_graph_destroy(g);
            continue;
        }
        sys = systems++;
        ex_id jac[NS * NS], jv[NS], ft[NS], fd[NS * ND], tot[NS], pp[NS];
        T_EQ_INT(dv_jacobian(g, NS, f, EXV_STATE, NS, jac), BO_OK);
        T_EQ_INT(dv_jvp(g, NS, f, NS, jv), BO_OK);
        T_EQ_INT(dv_jacobian(g, NS, f, EXV_TIME, 1, ft), BO_OK);
        T_EQ_INT(dv_jacobian(g, NS, f, EXV_DRIVER, ND, fd), BO_OK);
        T_EQ_INT(dv_jacobian(g, NS, f, EXV_PARAM, 1, pp), BO_OK);
        T_EQ_INT(dv_dfdt(g, NS, f, ND, tot), BO_OK);
        for (int i = 0; i < NS; ++i) {
            double jvsum = 0;
            for (int j = 0; j < NS; ++j) {
                double e[NS] = {0, 0, 0};
                e[j] = 1;
                double want = cs_dir(g, f[i], &pt, e, 0, 0, NULL);
                double got = ex_eval(g, jac[i * NS + j], &env);
                CHECK_CLOSE(got, want, scale, "df/dy");
                /* Structural zeros are exact zeros. */
                if (dv_is_zero(g, jac[i * NS + j]))
                    T_CHECK(want == 0.0);
                jvsum += got * pt.v[j];
            }
            double want_jv = cs_dir(g, f[i], &pt, pt.v, 0, 0, NULL);
            double got_jv = ex_eval(g, jv[i], &env);
            CHECK_CLOSE(got_jv, want_jv, scale, "J v");
            CHECK_CLOSE(got_jv, jvsum, scale * 10, "J v = sum J_ij v_j");
            CHECK_CLOSE(ex_eval(g, pp[i], &env), cs_dir(g, f[i], &pt, NULL, 1, 0, NULL), scale,
                        "df/dp");
            CHECK_CLOSE(ex_eval(g, ft[i], &env), cs_dir(g, f[i], &pt, NULL, 0, 1, NULL), scale,
                        "df/dt");
            for (int k = 0; k < ND; ++k) {
                double e[ND] = {0, 0};
                e[k] = 1;
                CHECK_CLOSE(ex_eval(g, fd[i * ND + k], &env), cs_dir(g, f[i], &pt, NULL, 0, 0, e),
                            scale, "df/ddrv");
            }
            CHECK_CLOSE(ex_eval(g, tot[i], &env), cs_dir(g, f[i], &pt, NULL, 0, 1, pt.dd), scale,
                        "total df/dt");
        }
        ex_graph_destroy(g);
    }
    T_CHECKF(systems == 170, "only %d of 170 random systems had a valid point", systems);
    printf("random systems: %d checked (%d generated)\n", systems, tries);
}

/* ---- sparsity and exact values of Lorenz ---------------------------------------------- */

static void check_lorenz(void)
{
    ex_graph *g = ex_graph_create();
    ex_id x = ex_var(g, EXV_STATE, 0), y = ex_var(g, EXV_STATE, 1), z = ex_var(g, EXV_STATE, 2);
    ex_id sigma = ex_var(g, EXV_PARAM, 0), rho = ex_var(g, EXV_PARAM, 1),
          beta = ex_var(g, EXV_PARAM, 2);
    ex_id f[3] = {ex_mul(g, sigma, ex_sub(g, y, x)), ex_sub(g, ex_mul(g, x, ex_sub(g, rho, z)), y),
                  ex_sub(g, ex_mul(g, x, y), ex_mul(g, beta, z))};
    ex_id jac[9];
    T_EQ_INT(dv_jacobian(g, 3, f, EXV_STATE, 3, jac), BO_OK);
    static const int pattern[9] = {1, 1, 0, 1, 1, 1, 1, 1, 1};
    for (int i = 0; i < 9; ++i)
        T_CHECKF((dv_is_zero(g, jac[i]) ? 0 : 1) == pattern[i], "entry %d", i);
    T_CHECK(ex_is_const(g, jac[1 * 3 + 1], -1.0));
    double ys[3] = {1.25, -2.385, 7.5}, ps[3] = {10.0, 28.0, 8.0 / 3.0};
    ex_env env = {{0}};
    env.vars[EXV_STATE] = ys;
    env.vars[EXV_PARAM] = ps;
    /* J = [[-s, s, 0], [r - z, -1, -x], [y, x, -b]] */
    double want[9] = {-ps[0], ps[0], 0, ps[1] - ys[2], -1, -ys[0], ys[1], ys[0], -ps[2]};
    for (int i = 0; i < 9; ++i)
        T_REL(ex_eval(g, jac[i], &env), want[i], 1e-15);
    /* No time or driver dependence: df/dt and df/ddrv vanish structurally. */
    ex_id tot[3];
    T_EQ_INT(dv_dfdt(g, 3, f, 2, tot), BO_OK);
    for (int i = 0; i < 3; ++i)
        T_CHECK(dv_is_zero(g, tot[i]));

    /* Shared subexpressions are differentiated once: the derivative of s*s with s = sin(x)
     * reuses one cos(x) node. */
    ex_id s = ex_call(g, EXF_SIN, x, EX_NONE);
    size_t before = ex_count(g);
    ex_id d = dv_diff(g, ex_mul(g, s, s), EXV_STATE, 0);
    T_CHECK(d != EX_NONE);
    T_CHECK(ex_count(g) - before <= 5);

    /* Bad arguments and allocation failure. */
    ex_id bad = (ex_id)ex_count(g) + 10, out;
    dv_seeds seeds = {{0}, {0}};
    T_EQ_INT(dv_forward(g, &seeds, 1, &bad, &out), BO_ERR_INVALID_ARG);
    T_EQ_INT(dv_jacobian(NULL, 3, f, EXV_STATE, 3, jac), BO_ERR_INVALID_ARG);
    ex_graph_destroy(g);

    g = ex_graph_create();
    x = ex_var(g, EXV_STATE, 0);
    ex_id e = ex_call(g, EXF_EXP, ex_call(g, EXF_SIN, ex_mul(g, x, x), EX_NONE), EX_NONE);
    bo_test_fail_alloc_after(0);
    int rc = dv_jacobian(g, 1, &e, EXV_STATE, 1, jac);
    bo_test_fail_alloc_after(-1);
    T_EQ_INT(rc, BO_ERR_NOMEM);
    ex_graph_destroy(g);
}

/* ---- the sparse Jacobian --------------------------------------------------------------- */

/* dv_jacobian_sparse against dense forward sweeps (dv_forward seeded with one variable at a
 * time, which is how the Jacobian was built column by column before): the same entries, as
 * the very same nodes, and the dense sweeps afterwards find every node already built. */
static void check_sparse_vs_sweeps(ex_graph *g, size_t nf, const ex_id *f, size_t nv)
{
    dv_sparse sp;
    T_EQ_INT(dv_jacobian_sparse(g, nf, f, EXV_STATE, nv, &sp), BO_OK);
    size_t count = ex_count(g);
    ex_id *seed = malloc(nv * sizeof *seed), *col = malloc(nf * sizeof *col);
    ex_id zero = ex_const(g, 0.0), one = ex_const(g, 1.0);
    size_t found = 0;
    for (size_t j = 0; j < nv; ++j) {
        for (size_t q = 0; q < nv; ++q)
            seed[q] = q == j ? one : zero;
        dv_seeds s = {{0}, {0}};
        s.seed[EXV_STATE] = seed;
        s.count[EXV_STATE] = nv;
        T_EQ_INT(dv_forward(g, &s, nf, f, col), BO_OK);
        for (size_t i = 0; i < nf; ++i) {
            ex_id in_sparse = zero;
            for (size_t e = sp.row_start[i]; e < sp.row_start[i + 1]; ++e)
                if ((size_t)sp.col[e] == j)
                    in_sparse = sp.val[e];
            T_CHECKF(in_sparse == col[i] || (dv_is_zero(g, col[i]) && in_sparse == zero),
                     "entry (%zu, %zu): sparse node %d, dense node %d", i, j, (int)in_sparse,
                     (int)col[i]);
            found += dv_is_zero(g, col[i]) ? 0u : 1u;
        }
    }
    T_EQ_INT(found, sp.nnz);
    T_EQ_INT(ex_count(g), count);
    for (size_t i = 0; i < nf; ++i)
        for (size_t e = sp.row_start[i]; e + 1 < sp.row_start[i + 1]; ++e)
            T_CHECK(sp.col[e] < sp.col[e + 1]);
    free(seed);
    free(col);
    dv_sparse_free(&sp);
}

static void check_sparse(void)
{
    for (int sys = 0; sys < 60; ++sys) {
        ex_graph *g = ex_graph_create();
        ex_id f[NS + 1];
        for (int i = 0; i < NS; ++i)
            f[i] = rand_tree(g, 4);
        f[NS] = f[sys % NS]; /* a root that appears twice */
        check_sparse_vs_sweeps(g, NS + 1, f, NS);
        check_sparse_vs_sweeps(g, NS + 1, f, 1); /* variables past nv are constants */
        ex_graph_destroy(g);
    }

    /* A chain y_i' = y_{i+1} - y_i: two nonzeros per row, in order. */
    enum { M = 50 };
    ex_graph *g = ex_graph_create();
    ex_id f[M];
    for (int i = 0; i < M; ++i)
        f[i] = ex_sub(g, ex_var(g, EXV_STATE, (i + 1) % M), ex_var(g, EXV_STATE, i));
    dv_sparse sp;
    T_EQ_INT(dv_jacobian_sparse(g, M, f, EXV_STATE, M, &sp), BO_OK);
    T_EQ_INT(sp.nnz, 2 * M);
    T_EQ_INT(sp.nrows, M);
    T_EQ_INT(sp.ncols, M);
    T_CHECK(sp.row_start[0] == 0 && sp.row_start[M] == 2 * M);
    T_CHECK(sp.col[0] == 0 && sp.col[1] == 1 && ex_is_const(g, sp.val[0], -1.0) &&
            ex_is_const(g, sp.val[1], 1.0));
    T_CHECK(sp.col[2 * M - 2] == 0 && sp.col[2 * M - 1] == M - 1);
    dv_sparse_free(&sp);
    check_sparse_vs_sweeps(g, M, f, M);

    /* Empty sizes, bad arguments, and every allocation failing in turn. */
    T_EQ_INT(dv_jacobian_sparse(g, 0, NULL, EXV_STATE, M, &sp), BO_OK);
    T_CHECK(sp.nnz == 0 && sp.row_start && sp.row_start[0] == 0);
    dv_sparse_free(&sp);
    T_EQ_INT(dv_jacobian_sparse(g, M, f, EXV_STATE, 0, &sp), BO_OK);
    T_CHECK(sp.nnz == 0 && sp.row_start[M] == 0);
    dv_sparse_free(&sp);
    T_EQ_INT(dv_jacobian_sparse(NULL, M, f, EXV_STATE, M, &sp), BO_ERR_INVALID_ARG);
    T_CHECK(sp.row_start == NULL);
    ex_id bad = (ex_id)ex_count(g) + 3;
    T_EQ_INT(dv_jacobian_sparse(g, 1, &bad, EXV_STATE, M, &sp), BO_ERR_INVALID_ARG);
    T_EQ_INT(dv_jacobian_sparse(g, M, f, EXV_STATE, M, NULL), BO_ERR_INVALID_ARG);
    ex_graph_destroy(g);
    int ok = 0, failures = 0;
    for (long k = 0; k < 1000 && !ok; ++k) {
        g = ex_graph_create();
        ex_id x = ex_var(g, EXV_STATE, 0), y = ex_var(g, EXV_STATE, 1);
        ex_id h[2] = {ex_call(g, EXF_SIN, ex_mul(g, x, y), EX_NONE),
                      ex_call(g, EXF_EXP, y, EX_NONE)};
        bo_test_fail_alloc_after(k);
        int rc = dv_jacobian_sparse(g, 2, h, EXV_STATE, 2, &sp);
        bo_test_fail_alloc_after(-1);
        if (rc == BO_OK) {
            ok = 1;
            T_EQ_INT(sp.nnz, 3);
            dv_sparse_free(&sp);
        } else {
            ++failures;
            T_EQ_INT(rc, BO_ERR_NOMEM);
            T_CHECK(sp.row_start == NULL && sp.col == NULL && sp.val == NULL);
        }
        ex_graph_destroy(g);
    }
    T_CHECK(ok);
    T_CHECK(failures >= 8);
}

int main(void)
{
    check_unary();
    check_binary();
    check_random();
    check_lorenz();
    check_sparse();
    T_DONE();
}
