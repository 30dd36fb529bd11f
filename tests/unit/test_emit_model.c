/* Emitted model functions (src/codegen/emit_model.c), compiled with the system compiler under
 * -std=c11 -Wall -Wextra -Werror -pedantic in double and float, loaded, and compared with a
 * direct evaluation of the expression DAG (and, for Lorenz, with the Jacobian derived by
 * hand). Also: structural facts of the text, the public bo_model_emit_c, and errors. */
#include "ccutil.h"
#include "codegen/codegen.h"
#include "harness.h"
#include "model/deriv.h"

/* ---- building models by hand (the parser is not involved) ----------------------------- */

static bo_model *model_new(const char *name)
{
    bo_model *m = bo_calloc(1, sizeof *m);
    m->name = bo_strdup(name);
    m->source_name = bo_strdup("<test>");
    m->g = ex_graph_create();
    return m;
}

static void model_add(bo_model *m, bo_symbol_kind kind, const char *name, double value, ex_id expr)
{
    size_t n = m->count[kind];
    m->sym[kind] = bo_array_realloc(m->sym[kind], n + 1, sizeof *m->sym[kind]);
    md_symbol *s = &m->sym[kind][n];
    memset(s, 0, sizeof *s);
    s->name = bo_strdup(name);
    s->value = value;
    s->expr = expr;
    m->count[kind] = n + 1;
}

static void model_free(bo_model *m)
{
    if (!m)
        return;
    for (int k = 0; k < BO_SYMBOL_KIND_COUNT; ++k) {
        for (size_t i = 0; i < m->count[k]; ++i) {
            free(m->sym[k][i].name);
            free(m->sym[k][i].unit);
        }
        free(m->sym[k]);
    }
    ex_graph_destroy(m->g);
    free(m->name);
    free(m->source_name);
    free(m);
}

static ex_id C(bo_model *m, double v)
{
    return ex_const(m->g, v);
}

static ex_id V(bo_model *m, ex_varkind k, int i)
{
    return ex_var(m->g, k, i);
}

static ex_id F1(bo_model *m, ex_func fn, ex_id a)
{
    return ex_call(m->g, fn, a, EX_NONE);
}

static ex_id F2(bo_model *m, ex_func fn, ex_id a, ex_id b)
{
    return ex_call(m->g, fn, a, b);
}

static bo_model *lorenz(void)
{
    bo_model *m = model_new("lorenz");
    ex_graph *g = m->g;
    ex_id x = V(m, EXV_STATE, 0), y = V(m, EXV_STATE, 1), z = V(m, EXV_STATE, 2);
    ex_id s = V(m, EXV_PARAM, 0), r = V(m, EXV_PARAM, 1), b = V(m, EXV_PARAM, 2);
    model_add(m, BO_STATE, "x", 1.0, ex_mul(g, s, ex_sub(g, y, x)));
    model_add(m, BO_STATE, "y", 1.0, ex_sub(g, ex_mul(g, x, ex_sub(g, r, z)), y));
    model_add(m, BO_STATE, "z", 1.0, ex_sub(g, ex_mul(g, x, y), ex_mul(g, b, z)));
    model_add(m, BO_PARAMETER, "sigma", 10.0, EX_NONE);
    model_add(m, BO_PARAMETER, "rho", 28.0, EX_NONE);
    model_add(m, BO_PARAMETER, "beta", 8.0 / 3.0, EX_NONE);
    return m;
}

/* Every function, every operator, a select, time, drivers and observables. */
static bo_model *kitchen(void)
{
    bo_model *m = model_new("kitchen");
    ex_graph *g = m->g;
    ex_id u0 = V(m, EXV_STATE, 0), u1 = V(m, EXV_STATE, 1), u2 = V(m, EXV_STATE, 2),
          u3 = V(m, EXV_STATE, 3);
    ex_id a = V(m, EXV_PARAM, 0), b = V(m, EXV_PARAM, 1);
    ex_id d0 = V(m, EXV_DRIVER, 0), d1 = V(m, EXV_DRIVER, 1), t = V(m, EXV_TIME, 0);
    ex_id sq1 = ex_add(g, ex_mul(g, u1, u1), C(m, 1.5)); /* shared: becomes a temporary */
    ex_id f0 = ex_add(g, F1(m, EXF_EXP, F1(m, EXF_SIN, u0)),
                      ex_mul(g, F1(m, EXF_LOG, sq1),
                             F1(m, EXF_LOG10, ex_add(g, C(m, 2.385), ex_mul(g, u2, u2)))));
    f0 = ex_sub(g, f0,
                ex_mul(g, F1(m, EXF_LOG2, ex_add(g, C(m, 1.2), F1(m, EXF_COS, t))),
                       F1(m, EXF_SQRT, ex_add(g, F1(m, EXF_ABS, u3), C(m, 0.5)))));
    f0 = ex_add(g, f0, F1(m, EXF_CBRT, ex_sub(g, u0, C(m, 2.1))));
    ex_id f1 = ex_add(g, ex_pow(g, sq1, a), F1(m, EXF_TAN, ex_mul(g, C(m, 0.3), u2)));
    f1 = ex_add(g, f1, F1(m, EXF_ASIN, ex_mul(g, C(m, 0.4), F1(m, EXF_TANH, u0))));
    f1 = ex_add(g, f1, F1(m, EXF_ACOS, ex_mul(g, C(m, 0.3), F1(m, EXF_TANH, u1))));
    f1 = ex_add(g, f1, F1(m, EXF_ATAN, ex_mul(g, u2, d0)));
    f1 = ex_sub(g, ex_add(g, f1, F1(m, EXF_SINH, ex_mul(g, C(m, 0.5), u3))),
                F1(m, EXF_COSH, ex_mul(g, C(m, 0.2), u0)));
    ex_id f2 = ex_add(g, F1(m, EXF_ASINH, ex_mul(g, u0, b)),
                      F1(m, EXF_ACOSH, ex_add(g, C(m, 1.5), ex_mul(g, u1, u1))));
    f2 = ex_add(g, f2, F1(m, EXF_ATANH, ex_mul(g, C(m, 0.5), F1(m, EXF_TANH, u2))));
    f2 = ex_add(g, f2,
                ex_mul(g, ex_mul(g, F1(m, EXF_FLOOR, u3), F1(m, EXF_CEIL, u0)),
                       F1(m, EXF_SIGN, ex_sub(g, u1, C(m, 0.1)))));
    f2 = ex_sub(g, ex_add(g, f2, F1(m, EXF_ERF, u0)),
                F1(m, EXF_ERFC, ex_mul(g, ex_mul(g, C(m, 0.5), u2), d1)));
    ex_id cond =
        ex_binary(g, EX_AND, ex_binary(g, EX_LT, u0, u1), ex_binary(g, EX_GT, t, C(m, 0.5)));
    ex_id sel = ex_select(g, cond, ex_pow(g, u0, C(m, 3)),
                          ex_div(g, u2, ex_add(g, C(m, 1), ex_mul(g, u3, u3))));
    ex_id f3 = ex_add(g, F2(m, EXF_ATAN2, u0, ex_add(g, u1, C(m, 3))),
                      ex_mul(g, F2(m, EXF_MIN, u2, d0), F2(m, EXF_MAX, u3, b)));
    f3 = ex_add(g, f3, F2(m, EXF_HYPOT, u0, u3));
    f3 = ex_add(g, f3, sel);
    f3 = ex_add(g, f3, ex_pow(g, u1, C(m, 2)));
    f3 = ex_add(g, f3, ex_pow(g, ex_add(g, u2, C(m, 3)), C(m, -2)));
    f3 = ex_add(g, f3, ex_pow(g, F1(m, EXF_SIN, u3), C(m, 4)));
    f3 = ex_add(g, f3, ex_pow(g, sq1, C(m, 0.5)));
    f3 = ex_add(g, f3, ex_pow(g, sq1, C(m, -1)));
    f3 = ex_add(g, f3, ex_pow(g, F1(m, EXF_COS, u0), C(m, 0))); /* base must not be emitted */
    f3 = ex_add(g, f3, ex_pow(g, sq1, C(m, 2.25)));
    ex_id logic =
        ex_add(g, ex_unary(g, EX_NOT, ex_binary(g, EX_GT, u0, C(m, 2))),
               ex_binary(g, EX_OR, ex_binary(g, EX_EQ, u0, u1), ex_binary(g, EX_LE, u2, u3)));
    logic = ex_add(g, logic, ex_add(g, ex_binary(g, EX_NE, u0, u1), ex_binary(g, EX_GE, u2, u3)));
    f3 = ex_add(g, f3, ex_mul(g, logic, ex_mul(g, t, u0)));
    model_add(m, BO_STATE, "u0", 0.1, f0);
    model_add(m, BO_STATE, "u1", 0.2, f1);
    model_add(m, BO_STATE, "u2", 0.3, f2);
    model_add(m, BO_STATE, "u3", 0.4, f3);
    model_add(m, BO_PARAMETER, "a", 1.3, EX_NONE);
    model_add(m, BO_PARAMETER, "b", 0.7, EX_NONE);
    model_add(m, BO_DRIVER, "d0", NAN, EX_NONE);
    model_add(m, BO_DRIVER, "d1", NAN, EX_NONE);
    model_add(m, BO_OBSERVABLE, "o_prod", NAN, ex_add(g, ex_mul(g, u0, u1), ex_mul(g, d1, t)));
    model_add(m, BO_OBSERVABLE, "o_sin2", NAN, ex_pow(g, F1(m, EXF_SIN, u2), C(m, 2)));
    model_add(m, BO_AUXILIARY, "sq1", NAN, sq1);
    m->uses_time = 1;
    return m;
}

/* ---- compiling the emitted code ------------------------------------------------------- */

static const char wrappers[] =
    "#define W_N(a) ((a) > 0 ? (a) : 1)\n"
    "static void w_load(const double *s, bo_real *d, int n)\n"
    "{ int i; for (i = 0; i < n; ++i) d[i] = (bo_real)s[i]; }\n"
    "static void w_store(const bo_real *s, double *d, int n)\n"
    "{ int i; for (i = 0; i < n; ++i) d[i] = (double)s[i]; }\n"
    "#define W_IN bo_real yy[W_N(BO_MODEL_N)] = {0}, pp[W_N(BO_MODEL_NP)] = {0}, \\\n"
    "    dd[W_N(BO_MODEL_ND)] = {0}; w_load(y, yy, BO_MODEL_N); \\\n"
    "    w_load(p, pp, BO_MODEL_NP); w_load(drv, dd, BO_MODEL_ND)\n"
    "#define W_ARGS const double *y, const double *p, const double *drv, double t\n"
    "void w_sizes(int *s) { s[0] = BO_MODEL_N; s[1] = BO_MODEL_NP; s[2] = BO_MODEL_ND;\n"
    "    s[3] = BO_MODEL_NO; s[4] = BO_MODEL_JAC_NNZ; s[5] = BO_MODEL_USES_TIME;\n"
    "    s[6] = (int)sizeof(bo_real); }\n"
    "void w_dxdt(W_ARGS, double *out) { W_IN; bo_real o[W_N(BO_MODEL_N)] = {0};\n"
    "    bo_model_dxdt(yy, pp, dd, (bo_real)t, o); w_store(o, out, BO_MODEL_N); }\n"
    "void w_obs(W_ARGS, double *out) { W_IN; bo_real o[W_N(BO_MODEL_NO)] = {0};\n"
    "    bo_model_observables(yy, pp, dd, (bo_real)t, o); w_store(o, out, BO_MODEL_NO); }\n"
    "void w_jac(W_ARGS, double *out) { W_IN; bo_real o[W_N(BO_MODEL_N * BO_MODEL_N)] = {0};\n"
    "    bo_model_jacobian(yy, pp, dd, (bo_real)t, o);\n"
    "    w_store(o, out, BO_MODEL_N * BO_MODEL_N); }\n"
    "void w_jvp(W_ARGS, const double *v, double *out) { W_IN;\n"
    "    bo_real vv[W_N(BO_MODEL_N)] = {0}, o[W_N(BO_MODEL_N)] = {0};\n"
    "    w_load(v, vv, BO_MODEL_N); bo_model_jvp(yy, pp, dd, (bo_real)t, vv, o);\n"
    "    w_store(o, out, BO_MODEL_N); }\n"
    "void w_dfdt(W_ARGS, const double *ddt, double *out) { W_IN;\n"
    "    bo_real r[W_N(BO_MODEL_ND)] = {0}, o[W_N(BO_MODEL_N)] = {0};\n"
    "    w_load(ddt, r, BO_MODEL_ND); bo_model_dfdt(yy, pp, dd, (bo_real)t, r, o);\n"
    "    w_store(o, out, BO_MODEL_N); }\n"
    "void w_dfddrv(W_ARGS, double *out) { W_IN;\n"
    "    bo_real o[W_N(BO_MODEL_N * BO_MODEL_ND)] = {0};\n"
    "    bo_model_dfddrv(yy, pp, dd, (bo_real)t, o);\n"
    "    w_store(o, out, BO_MODEL_N * BO_MODEL_ND); }\n";

typedef void (*fn_sizes)(int *);
typedef void (*fn_plain)(const double *, const double *, const double *, double, double *);
typedef void (*fn_dir)(const double *, const double *, const double *, double, const double *,
                       double *);

typedef struct {
    void *h;
    fn_sizes sizes;
    fn_plain dxdt, obs, jac, dfddrv;
    fn_dir jvp, dfdt;
} loaded;

static void *sym(void *h, const char *name)
{
    void *p = dlsym(h, name);
    T_CHECKF(p != NULL, "missing %s", name);
    return p;
}

#define LOAD(field, name) memcpy(&L->field, &(void *){sym(L->h, name)}, sizeof L->field)

static int load(bo_model *m, int precision, loaded *L)
{
    memset(L, 0, sizeof *L);
    bo_context *ctx = NULL;
    bo_context_create(&ctx);
    sb_buf b;
    sb_init(&b);
    int rc = cg_emit_unit(ctx, m, precision, &b);
    T_EQ_INT(rc, BO_OK);
    if (rc) {
        printf("%s\n", bo_errmsg(ctx));
        sb_free(&b);
        bo_context_destroy(ctx);
        return 0;
    }
    sb_append(&b, wrappers);
    L->h = ccu_compile_so(sb_cstr(&b), CCU_STRICT);
    T_CHECKF(L->h != NULL, "emitted code of %s (precision %d) does not compile", m->name,
             precision);
    if (!L->h) {
        printf("%s\n", sb_cstr(&b));
    } else {
        LOAD(sizes, "w_sizes");
        LOAD(dxdt, "w_dxdt");
        LOAD(obs, "w_obs");
        LOAD(jac, "w_jac");
        LOAD(jvp, "w_jvp");
        LOAD(dfdt, "w_dfdt");
        LOAD(dfddrv, "w_dfddrv");
    }
    sb_free(&b);
    bo_context_destroy(ctx);
    return L->h && L->sizes && L->dxdt && L->obs && L->jac && L->jvp && L->dfdt && L->dfddrv;
}

/* Double: a few ulps of reordering (x*x*x for pow); float: single-precision rounding. */
static int agrees(double got, double want, double tol)
{
    return fabs(got - want) <= tol * (fabs(want) + 1e-2);
}

#define MAXN 8

/* Compare every emitted function with ex_eval of the model's own DAG and derivatives. */
static void compare(bo_model *m, const loaded *L, int precision, const double *y, const double *p,
                    const double *drv, double t)
{
    double tol = precision == 64 ? 1e-13 : 1e-5;
    size_t n = m->count[BO_STATE], nd = m->count[BO_DRIVER], no = m->count[BO_OBSERVABLE];
    ex_graph *g = m->g;
    ex_id f[MAXN], obs[MAXN], jac[MAXN * MAXN], jv[MAXN], dfdt[MAXN], dfddrv[MAXN * MAXN];
    for (size_t i = 0; i < n; ++i)
        f[i] = m->sym[BO_STATE][i].expr;
    for (size_t i = 0; i < no; ++i)
        obs[i] = m->sym[BO_OBSERVABLE][i].expr;
    T_EQ_INT(dv_jacobian(g, n, f, EXV_STATE, n, jac), BO_OK);
    T_EQ_INT(dv_jvp(g, n, f, n, jv), BO_OK);
    T_EQ_INT(dv_dfdt(g, n, f, nd, dfdt), BO_OK);
    T_EQ_INT(dv_jacobian(g, n, f, EXV_DRIVER, nd, dfddrv), BO_OK);

    /* The reference sees the inputs the compiled code sees (rounded to float in float). */
    double yr[MAXN], pr[MAXN], dr[MAXN], vr[MAXN], ddr[MAXN], tr[1];
    double v[MAXN] = {0.7, -1.3, 0.45, 2.1, -0.6, 1.0, 0.2, 0.3};
    double ddt[MAXN] = {-0.8, 1.9, 0.5, 0.1, 0, 0, 0, 0};
#define ROUND(x) (precision == 32 ? (double)(float)(x) : (x))
    for (size_t i = 0; i < MAXN; ++i) {
        yr[i] = i < n ? ROUND(y[i]) : 0;
        pr[i] = i < m->count[BO_PARAMETER] ? ROUND(p[i]) : 0;
        dr[i] = i < nd ? ROUND(drv[i]) : 0;
        vr[i] = ROUND(v[i]);
        ddr[i] = ROUND(ddt[i]);
    }
    tr[0] = ROUND(t);
    ex_env env = {{0}};
    env.vars[EXV_STATE] = yr;
    env.vars[EXV_PARAM] = pr;
    env.vars[EXV_DRIVER] = dr;
    env.vars[EXV_TIME] = tr;
    env.vars[EXV_VEC] = vr;
    env.vars[EXV_DRIVER_DT] = ddr;

    double out[MAXN * MAXN];
    struct {
        const char *what;
        size_t count;
        const ex_id *ids;
    } checks[5] = {{"dxdt", n, f},
                   {"observables", no, obs},
                   {"jacobian", n * n, jac},
                   {"jvp", n, jv},
                   {"dfdt", n, dfdt}};
    for (int c = 0; c < 6; ++c) {
        const char *what = c < 5 ? checks[c].what : "dfddrv";
        size_t count = c < 5 ? checks[c].count : n * nd;
        const ex_id *ids = c < 5 ? checks[c].ids : dfddrv;
        for (size_t i = 0; i < MAXN * MAXN; ++i)
            out[i] = NAN;
        switch (c) {
        case 0:
            L->dxdt(y, p, drv, t, out);
            break;
        case 1:
            L->obs(y, p, drv, t, out);
            break;
        case 2:
            L->jac(y, p, drv, t, out);
            break;
        case 3:
            L->jvp(y, p, drv, t, v, out);
            break;
        case 4:
            L->dfdt(y, p, drv, t, ddt, out);
            break;
        default:
            L->dfddrv(y, p, drv, t, out);
            break;
        }
        for (size_t i = 0; i < count; ++i) {
            double want = ex_eval(g, ids[i], &env);
            T_CHECKF(isfinite(want), "%s %s[%zu] reference is not finite", m->name, what, i);
            T_CHECKF(agrees(out[i], want, tol), "%s (precision %d) %s[%zu]: got %.17g want %.17g",
                     m->name, precision, what, i, out[i], want);
        }
    }
}

static void check_lorenz(void)
{
    bo_model *m = lorenz();
    unsigned char pattern[9];
    T_EQ_INT(cg_jacobian_pattern(m, pattern), BO_OK);
    static const unsigned char want_pattern[9] = {1, 1, 0, 1, 1, 1, 1, 1, 1};
    T_CHECK(memcmp(pattern, want_pattern, 9) == 0);
    size_t nodes = ex_count(m->g);

    sb_buf b;
    sb_init(&b);
    T_EQ_INT(cg_emit_model(NULL, m, &b), BO_OK);
    T_CHECK(ex_count(m->g) == nodes); /* the model's graph is untouched */
    const char *s = sb_cstr(&b);
    T_CONTAINS(s, "#define BO_MODEL_N 3 ");
    T_CONTAINS(s, "#define BO_MODEL_JAC_NNZ 8 ");
    T_CONTAINS(s, "#define BO_MODEL_USES_TIME 0 ");
    T_CONTAINS(s, "    (void)t;\n");
    T_CONTAINS(s, "    (void)drv;\n");
    T_CONTAINS(s, "    jac[2] = BO_C(0.0); /* d(x)/d(z) */\n");
    T_CONTAINS(s, "    jac[4] = BO_C(-1.0); /* d(y)/d(y) */\n");
    T_CONTAINS(s, "/* z */");
    /* Deterministic: a second emission is identical. */
    sb_buf b2;
    sb_init(&b2);
    T_EQ_INT(cg_emit_model(NULL, m, &b2), BO_OK);
    T_EQ_STR(sb_cstr(&b2), s);
    sb_free(&b2);
    sb_free(&b);

    for (int prec = 64; prec >= 32; prec -= 32) {
        loaded L;
        if (!load(m, prec, &L))
            continue;
        int sz[7];
        L.sizes(sz);
        T_EQ_INT(sz[0], 3);
        T_EQ_INT(sz[1], 3);
        T_EQ_INT(sz[2], 0);
        T_EQ_INT(sz[4], 8);
        T_EQ_INT(sz[6], prec / 8);
        double y[3] = {1.25, -2.385, 7.5}, p[3] = {10.0, 28.0, 8.0 / 3.0};
        compare(m, &L, prec, y, p, NULL, 0.0);
        /* The Jacobian derived by hand: [[-s, s, 0], [r - z, -1, -x], [y, x, -b]]. */
        double want[9] = {-p[0], p[0], 0, p[1] - y[2], -1, -y[0], y[1], y[0], -p[2]};
        double jac[9];
        L.jac(y, p, NULL, 0.0, jac);
        for (int i = 0; i < 9; ++i)
            T_CHECK(agrees(jac[i], want[i], prec == 64 ? 1e-15 : 1e-6));
        double dydt[3];
        L.dxdt(y, p, NULL, 0.0, dydt);
        T_CHECK(agrees(dydt[0], p[0] * (y[1] - y[0]), prec == 64 ? 1e-15 : 1e-6));
        T_CHECK(agrees(dydt[1], y[0] * (p[1] - y[2]) - y[1], prec == 64 ? 1e-15 : 1e-6));
        T_CHECK(agrees(dydt[2], y[0] * y[1] - p[2] * y[2], prec == 64 ? 1e-15 : 1e-6));
        dlclose(L.h);
    }
    model_free(m);
}

static void check_kitchen(void)
{
    bo_model *m = kitchen();
    sb_buf b;
    sb_init(&b);
    T_EQ_INT(cg_emit_model(NULL, m, &b), BO_OK);
    const char *s = sb_cstr(&b);
    T_CONTAINS(s, "#define BO_MODEL_USES_TIME 1 ");
    T_CONTAINS(s, "#define BO_MODEL_ND 2 ");
    T_CONTAINS(s, "const bo_real t0 = "); /* common subexpressions */
    T_CONTAINS(s, "(y[1] * y[1])");       /* u1^2 as a product */
    T_CONTAINS(s, "(BO_C(1) / (");        /* negative integer powers as reciprocals */
    T_CONTAINS(s, "BO_SQRT(t0)");         /* x^0.5 */
    T_CONTAINS(s, "BO_POW(");             /* the general case */
    T_CONTAINS(s, "BO_FABS(y[3])");
    T_CONTAINS(s, "bo_min(");
    T_CONTAINS(s, "bo_sign(");
    T_CONTAINS(s, "BO_ERFC(");
    T_CONTAINS(s, "? BO_C(1) : BO_C(0))"); /* comparisons as values */
    T_CONTAINS(s, "obs[1] = ");
    T_CONTAINS(s, "/* o_sin2 */");
    T_CONTAINS(s, "/* d(u3)/d(d1) */");
    T_CHECK(strstr(s, "pow(y[1], BO_C(2") == NULL);
    sb_free(&b);

    for (int prec = 64; prec >= 32; prec -= 32) {
        loaded L;
        if (!load(m, prec, &L))
            continue;
        int sz[7];
        L.sizes(sz);
        T_EQ_INT(sz[0], 4);
        T_EQ_INT(sz[2], 2);
        T_EQ_INT(sz[3], 2);
        T_EQ_INT(sz[5], 1);
        /* Points that exercise both branches of the select, min and max. */
        double pts[3][4] = {
            {0.31, 0.87, -0.42, 1.3}, {1.12, 0.4, 0.9, -0.65}, {-0.7, 0.2, 0.3, 2.2}};
        double p[2] = {1.3, 0.7}, drv[2] = {0.55, -0.35}, ts[3] = {0.25, 1.75, 2.385};
        for (int k = 0; k < 3; ++k)
            compare(m, &L, prec, pts[k], p, drv, ts[k]);
        dlclose(L.h);
    }
    model_free(m);
}

static void check_public_and_errors(void)
{
    bo_context *ctx = NULL;
    bo_context_create(&ctx);
    bo_model *m = lorenz();
    char *text = NULL;
    T_EQ_INT(bo_model_emit_c(ctx, m, &text), BO_OK);
    T_CHECK(text && strncmp(text, "#define BO_PRECISION 64\n", 24) == 0);
    T_CONTAINS(text, "BO_PRELUDE_H");
    T_CONTAINS(text, "bo_model_dfddrv");
    if (text) {
        /* The standalone unit compiles on its own. */
        void *h = ccu_compile_so(text, CCU_STRICT);
        T_CHECK(h != NULL);
        if (h)
            dlclose(h);
    }
    bo_free(text);

    T_EQ_INT(bo_model_emit_c(ctx, NULL, &text), BO_ERR_INVALID_ARG);
    T_CHECK(text == NULL);
    T_EQ_INT(bo_model_emit_c(ctx, m, NULL), BO_ERR_INVALID_ARG);
    sb_buf b;
    sb_init(&b);
    T_EQ_INT(cg_emit_unit(ctx, m, 16, &b), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "precision");

    /* Allocation failures at every step give BO_ERR_NOMEM and leak nothing. */
    int failures = 0;
    for (long k = 0; k < 100000; ++k) {
        bo_test_fail_alloc_after(k);
        int rc = bo_model_emit_c(ctx, m, &text);
        bo_test_fail_alloc_after(-1);
        if (rc == BO_OK) {
            bo_free(text);
            break;
        }
        ++failures;
        T_EQ_INT(rc, BO_ERR_NOMEM);
        T_CHECK(text == NULL);
    }
    T_CHECK(failures > 10);

    /* A state without an equation, and a reference to a parameter the model lacks. */
    ex_id saved = m->sym[BO_STATE][1].expr;
    m->sym[BO_STATE][1].expr = EX_NONE;
    T_EQ_INT(bo_model_emit_c(ctx, m, &text), BO_ERR_MODEL);
    T_CONTAINS(bo_errmsg(ctx), "state 'y' has no equation");
    m->sym[BO_STATE][1].expr = ex_add(m->g, saved, V(m, EXV_PARAM, 5));
    T_EQ_INT(bo_model_emit_c(ctx, m, &text), BO_ERR_MODEL);
    T_EQ_INT(cg_jacobian_pattern(m, (unsigned char[9]){0}), BO_ERR_MODEL);
    m->sym[BO_STATE][1].expr = ex_add(m->g, saved, V(m, EXV_VEC, 0));
    T_EQ_INT(bo_model_emit_c(ctx, m, &text), BO_ERR_MODEL);
    T_CHECK(text == NULL);
    model_free(m);

    /* A model without states or observables still gives compilable functions. */
    m = model_new("empty");
    model_add(m, BO_PARAMETER, "k", 1.0, EX_NONE);
    T_EQ_INT(bo_model_emit_c(ctx, m, &text), BO_OK);
    if (text) {
        void *h = ccu_compile_so(text, CCU_STRICT);
        T_CHECK(h != NULL);
        if (h)
            dlclose(h);
    }
    bo_free(text);
    model_free(m);
    bo_context_destroy(ctx);
}

int main(void)
{
    check_lorenz();
    check_kitchen();
    check_public_and_errors();
    T_DONE();
}
