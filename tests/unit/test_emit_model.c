/* Emitted model functions (src/codegen/emit_model.c), compiled with the system compiler under
 * -std=c11 -Wall -Wextra -Werror -pedantic in double and float, loaded, and compared with a
 * direct evaluation of the expression DAG (and, for Lorenz, with the Jacobian derived by
 * hand; the Jacobian's diagonal alone against the DAG's). Also: structural facts of the text, the
 * public bo_model_emit_c, and errors. */
#include "ccutil.h"
#include "codegen/codegen.h"
#include "harness.h"
#include "model/deriv.h"
#include "testmodels.h"

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
    "void w_jacdiag(W_ARGS, double *out) { W_IN; bo_real o[W_N(BO_MODEL_N)] = {0};\n"
    "    bo_model_jacobian_diag(yy, pp, dd, (bo_real)t, o); w_store(o, out, BO_MODEL_N); }\n"
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
    fn_plain dxdt, obs, jac, jacdiag, dfddrv;
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
        LOAD(jacdiag, "w_jacdiag");
        LOAD(jvp, "w_jvp");
        LOAD(dfdt, "w_dfdt");
        LOAD(dfddrv, "w_dfddrv");
    }
    sb_free(&b);
    bo_context_destroy(ctx);
    return L->h && L->sizes && L->dxdt && L->obs && L->jac && L->jacdiag && L->jvp && L->dfdt &&
           L->dfddrv;
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
    /* The diagonal alone equals the diagonal of the DAG's Jacobian. */
    for (size_t i = 0; i < MAXN * MAXN; ++i)
        out[i] = NAN;
    L->jacdiag(y, p, drv, t, out);
    for (size_t i = 0; i < n; ++i) {
        double want = ex_eval(g, jac[i * n + i], &env);
        T_CHECKF(agrees(out[i], want, tol),
                 "%s (precision %d) jacobian_diag[%zu]: got %.17g "
                 "want %.17g",
                 m->name, precision, i, out[i], want);
    }
    T_CHECK(isnan(out[n])); /* nothing written past the n entries */
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
