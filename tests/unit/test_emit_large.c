/* The emitted functions of a model too large for the compact forms: a 700-state model whose
 * Jacobian (700 x 700) is written as a clearing loop plus its nonzeros, whose functions are
 * split into parts that share values through an array, and whose 700-term sum nests deeper
 * than inline text may. Compiled with -std=c11 -Wall -Wextra -Werror -pedantic, and checked:
 * dx/dt against the model's expression DAG evaluated directly; the Jacobian against central
 * differences of the compiled dx/dt (independent of the symbolic core) and its pattern
 * against bo_model_jacobian_csr; the JVP against the compiled Jacobian times v; the diagonal
 * against the Jacobian's; df/dt and df/ddrivers against differences in t and the driver. */
#include "ccutil.h"
#include "codegen/codegen.h"
#include "harness.h"
#include "model/model_internal.h"
#include "util/strbuf.h"

#define N 700
/* States whose equation reads the mean of all states, one per part of 64 and more. */
#define MEAN_EVERY 97
/* Entry (i, j) of the dense row-major Jacobian. */
#define J(i, j) jac[(size_t)(i)*N + (size_t)(j)]

static const char wrappers[] =
    "void w_dxdt(const double *y, const double *p, const double *d, double t, double *o)\n"
    "{ bo_model_dxdt(y, p, d, t, o); }\n"
    "void w_jac(const double *y, const double *p, const double *d, double t, double *o)\n"
    "{ bo_model_jacobian(y, p, d, t, o); }\n"
    "void w_diag(const double *y, const double *p, const double *d, double t, double *o)\n"
    "{ bo_model_jacobian_diag(y, p, d, t, o); }\n"
    "void w_jvp(const double *y, const double *p, const double *d, double t, const double *v,\n"
    "           double *o)\n"
    "{ bo_model_jvp(y, p, d, t, v, o); }\n"
    "void w_dfdt(const double *y, const double *p, const double *d, double t, const double *r,\n"
    "            double *o)\n"
    "{ bo_model_dfdt(y, p, d, t, r, o); }\n"
    "void w_dfddrv(const double *y, const double *p, const double *d, double t, double *o)\n"
    "{ bo_model_dfddrv(y, p, d, t, o); }\n"
    "void w_obs(const double *y, const double *p, const double *d, double t, double *o)\n"
    "{ bo_model_observables(y, p, d, t, o); }\n";

typedef void (*fn_plain)(const double *, const double *, const double *, double, double *);
typedef void (*fn_dir)(const double *, const double *, const double *, double, const double *,
                       double *);

/* dx_i/dt = -k x_i + c sin(x_{i-1}) x_{i+1}^2 [+ mean * u for every MEAN_EVERY-th]
 *           [+ t x_i for every 7th], with mean = (x_0 + ... + x_{N-1}) / N. */
static char *model_text(void)
{
    sb_buf b;
    sb_init(&b);
    sb_append(&b, "model large\nparam k = 0.7, c = 0.013\ndriver u\n");
    for (int i = 0; i < N; ++i)
        sb_printf(&b, "state x%d = 0\n", i);
    sb_append(&b, "aux mean = (x0");
    for (int i = 1; i < N; ++i)
        sb_printf(&b, " + x%d", i);
    sb_printf(&b, ") / %d\n", N);
    sb_append(&b, "obs total = mean * 700, last = x699^2\n");
    for (int i = 0; i < N; ++i) {
        sb_printf(&b, "dx%d/dt = -k*x%d + c*sin(x%d)*x%d^2", i, i, (i + N - 1) % N, (i + 1) % N);
        if (i % MEAN_EVERY == 0)
            sb_append(&b, " + mean*u");
        if (i % 7 == 0)
            sb_printf(&b, " + t*x%d", i);
        sb_append(&b, "\n");
    }
    return sb_take(&b);
}

static void *sym(void *h, const char *name)
{
    void *p = dlsym(h, name);
    T_CHECKF(p != NULL, "missing %s", name);
    return p;
}

static int close_to(double got, double want, double tol, double scale)
{
    return fabs(got - want) <= tol * (fabs(want) + scale);
}

int main(void)
{
    bo_context *ctx = NULL;
    bo_context_create(&ctx);
    char *text = model_text();
    bo_model *m = NULL;
    T_EQ_INT(bo_model_load_string(ctx, text, "large", &m), BO_OK);
    free(text);
    if (!m)
        T_DONE();

    sb_buf b;
    sb_init(&b);
    T_EQ_INT(cg_emit_unit(ctx, m, 64, &b), BO_OK);
    const char *code = sb_cstr(&b);
    /* The forms this test is about. */
    T_CONTAINS(code, "bo_model_jacobian, part 1 of ");
    T_CONTAINS(code, "bo_model_dxdt, part 1 of ");
    T_CONTAINS(code, "    s[0] = ");         /* values shared between parts */
    T_CONTAINS(code, "row[j] = BO_C(0.0);"); /* the clearing loop */
    T_CONTAINS(code, "BO_MODEL_PART void ");
    T_CHECK(strstr(code, "jac[1] = BO_C(0.0)") == NULL); /* no zero written one by one */
    sb_append(&b, wrappers);
    void *h = ccu_compile_so(sb_cstr(&b), CCU_STRICT);
    T_CHECKF(h != NULL, "the emitted code does not compile");
    sb_free(&b);
    if (!h) {
        bo_model_destroy(m);
        bo_context_destroy(ctx);
        T_DONE();
    }
    fn_plain dxdt, jacf, diagf, dfddrv, obsf;
    fn_dir jvp, dfdt;
    memcpy(&dxdt, &(void *){sym(h, "w_dxdt")}, sizeof dxdt);
    memcpy(&jacf, &(void *){sym(h, "w_jac")}, sizeof jacf);
    memcpy(&diagf, &(void *){sym(h, "w_diag")}, sizeof diagf);
    memcpy(&dfddrv, &(void *){sym(h, "w_dfddrv")}, sizeof dfddrv);
    memcpy(&obsf, &(void *){sym(h, "w_obs")}, sizeof obsf);
    memcpy(&jvp, &(void *){sym(h, "w_jvp")}, sizeof jvp);
    memcpy(&dfdt, &(void *){sym(h, "w_dfdt")}, sizeof dfdt);
    if (!dxdt || !jacf || !diagf || !dfddrv || !obsf || !jvp || !dfdt)
        T_DONE();

    static double y[N], v[N], out[N], f1[N], f2[N], yh[N], jac[N * N];
    double p[2] = {0.7, 0.013}, u = 1.385, t = 2.5;
    for (int i = 0; i < N; ++i) {
        y[i] = 0.5 + 0.4 * sin(0.37 * i + 0.2);
        v[i] = cos(1.3 * i) - 0.1;
    }

    /* dx/dt against the DAG. */
    ex_env env = {{0}};
    env.vars[EXV_STATE] = y;
    env.vars[EXV_PARAM] = p;
    env.vars[EXV_DRIVER] = &u;
    env.vars[EXV_TIME] = &t;
    dxdt(y, p, &u, t, out);
    int bad = 0;
    for (int i = 0; i < N; ++i)
        bad += !close_to(out[i], ex_eval(m->g, m->sym[BO_STATE][i].expr, &env), 1e-13, 1e-3);
    T_CHECKF(bad == 0, "%d entries of dx/dt differ from the DAG", bad);
    double obs[2];
    obsf(y, p, &u, t, obs);
    double sum = 0, expect_last = y[N - 1] * y[N - 1];
    for (int i = 0; i < N; ++i)
        sum += y[i];
    T_REL(obs[0], sum / N * 700, 1e-12);
    T_REL(obs[1], expect_last, 1e-15);

    /* The Jacobian: every entry of the dense array is written (the clearing loop), and the
     * nonzeros sit where bo_model_jacobian_csr says. */
    for (size_t q = 0; q < (size_t)N * N; ++q)
        jac[q] = NAN;
    jacf(y, p, &u, t, jac);
    static size_t rows[N + 1], cols[N * N];
    T_EQ_INT(bo_model_jacobian_csr(m, rows, cols, (size_t)N * N), BO_OK);
    size_t nnz_seen = 0, zero_bad = 0;
    for (int i = 0; i < N; ++i) {
        size_t e = rows[i];
        for (int j = 0; j < N; ++j) {
            int nz = e < rows[i + 1] && cols[e] == (size_t)j;
            e += nz ? 1u : 0u;
            nnz_seen += nz ? 1u : 0u;
            if (!nz && J(i, j) != 0.0)
                ++zero_bad;
        }
    }
    T_EQ_INT(nnz_seen, rows[N]);
    T_EQ_INT(zero_bad, 0);
    /* 3 per row (x_{i-1}, x_i, x_{i+1}) and the whole row where the mean enters. */
    size_t mean_rows = (N - 1) / MEAN_EVERY + 1;
    T_EQ_INT(rows[N], 3 * (N - mean_rows) + N * mean_rows);

    /* Columns of the Jacobian by central differences of the compiled dx/dt. */
    bad = 0;
    for (int j = 0; j < N; j += 13) {
        double hstep = 1e-6 * (fabs(y[j]) + 1);
        memcpy(yh, y, sizeof yh);
        yh[j] = y[j] + hstep;
        dxdt(yh, p, &u, t, f1);
        yh[j] = y[j] - hstep;
        dxdt(yh, p, &u, t, f2);
        for (int i = 0; i < N; ++i)
            bad += !close_to((f1[i] - f2[i]) / (2 * hstep), J(i, j), 1e-6, 1e-2);
    }
    T_CHECKF(bad == 0, "%d Jacobian entries differ from central differences", bad);

    /* The JVP and the diagonal against the Jacobian. */
    jvp(y, p, &u, t, v, out);
    bad = 0;
    for (int i = 0; i < N; ++i) {
        double want = 0;
        for (int j = 0; j < N; ++j)
            want += J(i, j) * v[j];
        bad += !close_to(out[i], want, 1e-12, 1e-2);
    }
    T_CHECKF(bad == 0, "%d JVP entries differ from J v", bad);
    diagf(y, p, &u, t, out);
    bad = 0;
    for (int i = 0; i < N; ++i)
        bad += out[i] != J(i, i);
    T_CHECKF(bad == 0, "%d diagonal entries differ from the Jacobian's", bad);

    /* df/dt (explicit in t, plus df/du du/dt) and df/du by differences. */
    double du_dt = -0.75, hs = 1e-6;
    dfdt(y, p, &u, t, &du_dt, out);
    double uh;
    dxdt(y, p, &u, t + hs, f1);
    dxdt(y, p, &u, t - hs, f2);
    static double dfu[N];
    uh = u + hs;
    dxdt(y, p, &uh, t, yh);
    uh = u - hs;
    double fm[N];
    dxdt(y, p, &uh, t, fm);
    bad = 0;
    for (int i = 0; i < N; ++i) {
        double du = (yh[i] - fm[i]) / (2 * hs);
        double want = (f1[i] - f2[i]) / (2 * hs) + du * du_dt;
        bad += !close_to(out[i], want, 1e-6, 1e-2);
        dfu[i] = du;
    }
    T_CHECKF(bad == 0, "%d entries of df/dt differ from differences", bad);
    dfddrv(y, p, &u, t, out);
    bad = 0;
    for (int i = 0; i < N; ++i)
        bad += !close_to(out[i], dfu[i], 1e-6, 1e-2) || ((i % MEAN_EVERY != 0) && out[i] != 0.0);
    T_CHECKF(bad == 0, "%d entries of df/du differ", bad);

    dlclose(h);
    bo_model_destroy(m);
    bo_context_destroy(ctx);
    T_DONE();
}
