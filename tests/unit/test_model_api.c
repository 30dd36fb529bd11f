/* The public model API: loading from files and strings, names, counts, units, defaults,
 * lookups, argument checks, I/O errors, allocation failures, and every example model (whose
 * equations are checked against independent evaluations written out in this file). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "util/internal.h"
#include "model/model_internal.h"

static bo_context *ctx;

static bo_model *load_example(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/examples/%s", BO_SOURCE_DIR, name);
    bo_model *m = NULL;
    int rc = bo_model_load_file(ctx, path, &m);
    T_CHECKF(rc == BO_OK && m, "%s: %s", name, bo_errmsg(ctx));
    return m;
}

/* Derivative of state `name` at the model's defaults (states, parameters), drivers d, time t. */
static double rate_at_defaults(const bo_model *m, const char *name, const double *d, double t)
{
    double y[16] = {0}, p[16] = {0};
    for (size_t i = 0; i < bo_model_count(m, BO_STATE) && i < 16; ++i)
        y[i] = bo_model_symbol_default(m, BO_STATE, i);
    for (size_t i = 0; i < bo_model_count(m, BO_PARAMETER) && i < 16; ++i)
        p[i] = bo_model_symbol_default(m, BO_PARAMETER, i);
    ex_env env = {{0}};
    env.vars[EXV_STATE] = y;
    env.vars[EXV_PARAM] = p;
    env.vars[EXV_DRIVER] = d;
    env.vars[EXV_TIME] = &t;
    long i = bo_model_find(m, BO_STATE, name);
    T_CHECKF(i >= 0, "no state %s", name);
    return i < 0 ? NAN : ex_eval(m->g, m->sym[BO_STATE][i].expr, &env);
}

static void test_lorenz(void)
{
    bo_model *m = load_example("lorenz.ode");
    if (!m)
        return;
    T_EQ_STR(bo_model_name(m), "lorenz");
    T_EQ_INT(bo_model_count(m, BO_STATE), 3);
    T_EQ_INT(bo_model_count(m, BO_PARAMETER), 2);
    T_EQ_INT(bo_model_count(m, BO_CONSTANT), 1);
    T_EQ_INT(bo_model_count(m, BO_DRIVER), 0);
    T_EQ_INT(bo_model_count(m, BO_OBSERVABLE), 1);
    T_EQ_INT(bo_model_count(m, BO_AUXILIARY), 0);
    T_EQ_INT(bo_model_count(m, (bo_symbol_kind)6), 0);
    T_EQ_INT(bo_model_count(m, (bo_symbol_kind)-1), 0);
    T_EQ_STR(bo_model_symbol_name(m, BO_STATE, 1), "y");
    T_EQ_STR(bo_model_symbol_name(m, BO_PARAMETER, 0), "sigma");
    T_CHECK(bo_model_symbol_name(m, BO_STATE, 3) == NULL);
    T_CHECK(bo_model_symbol_name(m, (bo_symbol_kind)9, 0) == NULL);
    T_REL(bo_model_symbol_default(m, BO_CONSTANT, 0), 8.0 / 3.0, 0);
    T_REL(bo_model_symbol_default(m, BO_PARAMETER, 0), 10.0, 0);
    T_REL(bo_model_symbol_default(m, BO_PARAMETER, 1), 28.0, 0);
    T_REL(bo_model_symbol_default(m, BO_STATE, 0), 1.0, 0);
    T_REL(bo_model_symbol_default(m, BO_STATE, 2), 0.0, 0);
    T_CHECK(isnan(bo_model_symbol_default(m, BO_OBSERVABLE, 0)));
    T_CHECK(isnan(bo_model_symbol_default(m, BO_STATE, 7)));
    T_CHECK(bo_model_symbol_unit(m, BO_STATE, 0) == NULL);
    T_EQ_INT(bo_model_find(m, BO_STATE, "z"), 2);
    T_EQ_INT(bo_model_find(m, BO_PARAMETER, "rho"), 1);
    T_EQ_INT(bo_model_find(m, BO_PARAMETER, "x"), -1);
    T_EQ_INT(bo_model_find(m, BO_STATE, "sigma"), -1);
    T_EQ_INT(bo_model_find(m, BO_STATE, NULL), -1);
    T_EQ_INT(bo_model_find(NULL, BO_STATE, "x"), -1);
    /* At (1, 0, 0): dx = 10*(0 - 1), dy = 1*(28 - 0) - 0, dz = 0. */
    T_REL(rate_at_defaults(m, "x", NULL, 0), -10.0, 0);
    T_REL(rate_at_defaults(m, "y", NULL, 0), 28.0, 0);
    T_REL(rate_at_defaults(m, "z", NULL, 0), 0.0, 0);
    T_EQ_INT(m->uses_time, 0);
    bo_model_destroy(m);
}

static void test_examples(void)
{
    bo_model *m = load_example("vanderpol.ode");
    if (m) {
        T_EQ_STR(bo_model_name(m), "vanderpol");
        T_EQ_INT(bo_model_find(m, BO_PARAMETER, "mu"), 0);
        /* x = 2, y = 0: dy = mu*(1 - 4)*0 - 2. */
        T_REL(rate_at_defaults(m, "y", NULL, 0), -2.0, 0);
        bo_model_destroy(m);
    }
    m = load_example("robertson.ode");
    if (m) {
        T_REL(bo_model_symbol_default(m, BO_PARAMETER, 0), 0.04, 0);
        T_REL(bo_model_symbol_default(m, BO_PARAMETER, 1), 3e7, 0);
        T_REL(bo_model_symbol_default(m, BO_PARAMETER, 2), 1e4, 0);
        T_REL(bo_model_symbol_default(m, BO_STATE, 0), 1.0, 0);
        T_EQ_STR(bo_model_symbol_unit(m, BO_PARAMETER, 1), "1/s");
        T_REL(rate_at_defaults(m, "y1", NULL, 0), -0.04, 0);
        T_REL(rate_at_defaults(m, "y2", NULL, 0), 0.04, 0);
        bo_model_destroy(m);
    }
    m = load_example("driven_oscillator.ode");
    if (m) {
        T_EQ_INT(bo_model_count(m, BO_DRIVER), 1);
        T_EQ_STR(bo_model_symbol_unit(m, BO_DRIVER, 0), "N");
        T_EQ_STR(bo_model_symbol_unit(m, BO_PARAMETER, 1), "N*s/m");
        double F = 2.385;
        /* x = v = 0: dv = F/m. */
        T_REL(rate_at_defaults(m, "v", &F, 0), 2.385, 0);
        bo_model_destroy(m);
    }
    m = load_example("chemical_network.ode");
    if (m) {
        T_EQ_INT(bo_model_count(m, BO_STATE), 3);
        T_REL(bo_model_symbol_default(m, BO_STATE, 0), 1.0, 0);  /* S = S0 */
        T_REL(bo_model_symbol_default(m, BO_STATE, 1), 1e-3, 0); /* E = E0 */
        /* S = 1, E = 1e-3, C = 0: dC = kf*E*S = 1. */
        T_REL(rate_at_defaults(m, "C", NULL, 0), 1.0, 1e-15);
        T_REL(rate_at_defaults(m, "S", NULL, 0), -1.0, 1e-15);
        bo_model_destroy(m);
    }
}

/* Hodgkin-Huxley: derivatives at a state off rest, against the 1952 formulas written out
 * here in C. */
static void test_hodgkin_huxley(void)
{
    bo_model *m = load_example("hodgkin_huxley.ode");
    if (!m)
        return;
    T_EQ_INT(bo_model_count(m, BO_STATE), 4);
    T_EQ_INT(bo_model_count(m, BO_OBSERVABLE), 3);
    T_EQ_STR(bo_model_symbol_unit(m, BO_STATE, 0), "mV");
    T_EQ_STR(bo_model_symbol_unit(m, BO_CONSTANT, 0), "uF/cm^2");
    T_EQ_INT(m->uses_time, 1);
    double V = -58.25, mg = 0.11, h = 0.52, n = 0.36, t = 6.5;
    double y[4] = {V, mg, h, n};
    double p[2] = {bo_model_symbol_default(m, BO_PARAMETER, 0),
                   bo_model_symbol_default(m, BO_PARAMETER, 1)};
    ex_env env = {{0}};
    env.vars[EXV_STATE] = y;
    env.vars[EXV_PARAM] = p;
    env.vars[EXV_TIME] = &t;
    double am = 0.1 * (V + 40) / (1 - exp(-(V + 40) / 10)), bm = 4 * exp(-(V + 65) / 18);
    double ah = 0.07 * exp(-(V + 65) / 20), bh = 1 / (1 + exp(-(V + 35) / 10));
    double an = 0.01 * (V + 55) / (1 - exp(-(V + 55) / 10)), bn = 0.125 * exp(-(V + 65) / 80);
    double INa = 120 * mg * mg * mg * h * (V - 50), IK = 36 * n * n * n * n * (V + 77);
    double IL = 0.3 * (V + 54.387);
    T_REL(ex_eval(m->g, m->sym[BO_STATE][0].expr, &env), (10 - INa - IK - IL) / 1.0, 1e-13);
    T_REL(ex_eval(m->g, m->sym[BO_STATE][1].expr, &env), am * (1 - mg) - bm * mg, 1e-13);
    T_REL(ex_eval(m->g, m->sym[BO_STATE][2].expr, &env), ah * (1 - h) - bh * h, 1e-13);
    T_REL(ex_eval(m->g, m->sym[BO_STATE][3].expr, &env), an * (1 - n) - bn * n, 1e-13);
    T_REL(ex_eval(m->g, m->sym[BO_OBSERVABLE][1].expr, &env), IK, 1e-13);
    /* Before t_on there is no applied current. */
    t = 1.0;
    T_REL(ex_eval(m->g, m->sym[BO_STATE][0].expr, &env), -INa - IK - IL, 1e-13);
    /* The initial gating values are the steady states at -65 mV. */
    V = -65;
    am = 0.1 * (V + 40) / (1 - exp(-(V + 40) / 10));
    bm = 4 * exp(-(V + 65) / 18);
    T_REL(bo_model_symbol_default(m, BO_STATE, 1), am / (am + bm), 1e-4);
    /* At the removable singularity V = -40 alpha_m takes its limit 1, not NaN. */
    y[0] = -40;
    y[1] = 0;
    T_REL(ex_eval(m->g, m->sym[BO_STATE][1].expr, &env), 1.0, 1e-15);
    bo_model_destroy(m);
}

static char *write_temp(const char *dir, const char *name, const char *text)
{
    char *path = bo_asprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    return path;
}

static void test_files(void)
{
    bo_model *m = (bo_model *)&m;
    T_EQ_INT(bo_model_load_file(ctx, "/nonexistent/x.ode", &m), BO_ERR_IO);
    T_EQ_STR(bo_errmsg(ctx), "cannot open '/nonexistent/x.ode': No such file or directory");
    T_CHECK(m == NULL);

    char dir[] = "/tmp/bo_model_api_XXXXXX";
    T_CHECK(mkdtemp(dir) != NULL);
    m = (bo_model *)&m;
    T_EQ_INT(bo_model_load_file(ctx, dir, &m), BO_ERR_IO);
    T_CONTAINS(bo_errmsg(ctx), "cannot read '");
    T_CONTAINS(bo_errmsg(ctx), "Is a directory");
    T_CHECK(m == NULL);

    /* No model line: the file name without directory and extension. */
    char *p1 = write_temp(dir, "my.model.ode", "state x = 1\nx' = -x\n");
    T_EQ_INT(bo_model_load_file(ctx, p1, &m), BO_OK);
    T_EQ_STR(bo_model_name(m), "my.model");
    bo_model_destroy(m);
    /* The model line wins. */
    char *p2 = write_temp(dir, "other.ode", "model decay\nstate x = 1\nx' = -x\n");
    T_EQ_INT(bo_model_load_file(ctx, p2, &m), BO_OK);
    T_EQ_STR(bo_model_name(m), "decay");
    bo_model_destroy(m);
    /* Errors name the file by its path. */
    char *p3 = write_temp(dir, "bad.ode", "state x = 1\nx' = -y\n");
    T_EQ_INT(bo_model_load_file(ctx, p3, &m), BO_ERR_MODEL);
    char *want = bo_asprintf("%s:2:7: unknown symbol 'y'\n    x' = -y\n          ^", p3);
    T_EQ_STR(bo_errmsg(ctx), want);
    T_CHECK(m == NULL);
    /* A file without a final newline, with CRLF line ends. */
    char *p4 = write_temp(dir, "crlf", "state x = 2\r\nx' = -x\r\nobs o = 3*x");
    T_EQ_INT(bo_model_load_file(ctx, p4, &m), BO_OK);
    T_EQ_STR(bo_model_name(m), "crlf");
    T_EQ_INT(bo_model_count(m, BO_OBSERVABLE), 1);
    bo_model_destroy(m);
    remove(p1);
    remove(p2);
    remove(p3);
    remove(p4);
    rmdir(dir);
    free(p1);
    free(p2);
    free(p3);
    free(p4);
    free(want);
}

/* Model text is limited to BO_MODEL_MAX_BYTES: a source that never ends stops there instead
 * of growing without bound, and a regular file above the limit is refused before reading. */
static void test_size_limit(void)
{
    bo_model *m = (bo_model *)&m;
    alarm(60); /* reading /dev/zero without a limit never ended */
    T_EQ_INT(bo_model_load_file(ctx, "/dev/zero", &m), BO_ERR_RANGE);
    alarm(0);
    T_EQ_STR(bo_errmsg(ctx), "'/dev/zero' is larger than 256 MiB, the most a model file may hold "
                             "(BO_MODEL_MAX_BYTES)");
    T_CHECK(m == NULL);

    /* A sparse file one byte over the limit (no disk is used), and one at the limit, which is
     * read (and is not a model: 256 MiB of NUL bytes). */
    char dir[] = "/tmp/bo_model_api_XXXXXX";
    T_CHECK(mkdtemp(dir) != NULL);
    char *big = write_temp(dir, "big.ode", "");
    T_CHECK(truncate(big, (off_t)BO_MODEL_MAX_BYTES + 1) == 0);
    m = (bo_model *)&m;
    T_EQ_INT(bo_model_load_file(ctx, big, &m), BO_ERR_RANGE);
    T_CONTAINS(bo_errmsg(ctx), "big.ode' is larger than 256 MiB");
    T_CHECK(m == NULL);
    T_CHECK(truncate(big, (off_t)BO_MODEL_MAX_BYTES) == 0);
    T_EQ_INT(bo_model_load_file(ctx, big, &m), BO_ERR_PARSE);
    T_CONTAINS(bo_errmsg(ctx), "big.ode:1:1: unexpected character byte 0x00");
    remove(big);
    rmdir(dir);
    free(big);
}

/* The Jacobian's sparsity: the dense map, the count and the compressed rows agree. */
static void test_jacobian_sparsity(void)
{
    bo_model *m = load_example("lorenz.ode");
    if (!m)
        return;
    unsigned char pattern[9];
    T_EQ_INT(bo_model_jacobian_pattern(m, pattern), BO_OK);
    static const unsigned char want[9] = {1, 1, 0, 1, 1, 1, 1, 1, 1};
    T_CHECK(memcmp(pattern, want, 9) == 0);
    size_t nnz = 0;
    T_EQ_INT(bo_model_jacobian_nnz(m, &nnz), BO_OK);
    T_EQ_INT(nnz, 8);
    size_t rows[4] = {9, 9, 9, 9}, cols[8];
    T_EQ_INT(bo_model_jacobian_csr(m, rows, cols, 8), BO_OK);
    static const size_t want_rows[4] = {0, 2, 5, 8}, want_cols[8] = {0, 1, 0, 1, 2, 0, 1, 2};
    T_CHECK(memcmp(rows, want_rows, sizeof rows) == 0);
    T_CHECK(memcmp(cols, want_cols, sizeof cols) == 0);
    /* Too small a column array: BO_ERR_RANGE, with the rows filled to size it. */
    size_t rows2[4] = {9, 9, 9, 9};
    T_EQ_INT(bo_model_jacobian_csr(m, rows2, cols, 7), BO_ERR_RANGE);
    T_EQ_INT(rows2[3], 8);
    T_EQ_INT(bo_model_jacobian_csr(m, rows2, NULL, 0), BO_ERR_RANGE);
    T_EQ_INT(rows2[3], 8);
    /* Arguments. */
    T_EQ_INT(bo_model_jacobian_nnz(NULL, &nnz), BO_ERR_INVALID_ARG);
    T_EQ_INT(bo_model_jacobian_nnz(m, NULL), BO_ERR_INVALID_ARG);
    T_EQ_INT(bo_model_jacobian_csr(NULL, rows, cols, 8), BO_ERR_INVALID_ARG);
    T_EQ_INT(bo_model_jacobian_csr(m, NULL, cols, 8), BO_ERR_INVALID_ARG);
    T_EQ_INT(bo_model_jacobian_csr(m, rows, NULL, 8), BO_ERR_INVALID_ARG);
    T_EQ_INT(bo_model_jacobian_pattern(m, NULL), BO_ERR_INVALID_ARG);
    bo_model_destroy(m);

    /* A state that no equation reads has an empty column; a constant equation, an empty
     * row. */
    T_EQ_INT(bo_model_load_string(ctx, "state a = 1, b = 2, c = 3\na' = b*c\nb' = 5\nc' = c\n",
                                  NULL, &m),
             BO_OK);
    size_t r[4], c[3];
    T_EQ_INT(bo_model_jacobian_csr(m, r, c, 3), BO_OK);
    T_CHECK(r[0] == 0 && r[1] == 2 && r[2] == 2 && r[3] == 3);
    T_CHECK(c[0] == 1 && c[1] == 2 && c[2] == 2);
    bo_model_destroy(m);
}

static void test_strings(void)
{
    bo_model *m = (bo_model *)&m;
    T_EQ_INT(bo_model_load_string(ctx, "state x = 1\nx' = -x", NULL, &m), BO_OK);
    T_EQ_STR(bo_model_name(m), "model");
    bo_model_destroy(m);
    T_EQ_INT(bo_model_load_string(ctx, "state x = 1\nx' = -x", "some/dir/abc.txt", &m), BO_OK);
    T_EQ_STR(bo_model_name(m), "abc");
    bo_model_destroy(m);
    T_EQ_INT(bo_model_load_string(ctx, "state x = 1\nx' = -x\n?", NULL, &m), BO_ERR_PARSE);
    T_EQ_STR(bo_errmsg(ctx), "<string>:3:1: expected a declaration or an equation but found "
                             "'?'\n    ?\n    ^");
    T_CHECK(m == NULL);
    /* Arguments. */
    T_EQ_INT(bo_model_load_string(ctx, NULL, NULL, &m), BO_ERR_INVALID_ARG);
    T_CHECK(m == NULL);
    T_EQ_INT(bo_model_load_string(ctx, "state x = 1\nx' = 1", NULL, NULL), BO_ERR_INVALID_ARG);
    T_EQ_INT(bo_model_load_file(ctx, NULL, &m), BO_ERR_INVALID_ARG);
    T_EQ_INT(bo_model_load_file(ctx, "x.ode", NULL), BO_ERR_INVALID_ARG);
    T_EQ_INT(bo_model_load_string(NULL, "state x = 1\nx' = ", NULL, &m), BO_ERR_PARSE);
    T_CHECK(bo_model_name(NULL) == NULL);
    T_EQ_INT(bo_model_count(NULL, BO_STATE), 0);
    T_CHECK(bo_model_symbol_unit(NULL, BO_STATE, 0) == NULL);
    bo_model_destroy(NULL);
}

/* Every allocation failing in turn: a clean error, no model, no leak (the sanitizer build
 * checks leaks). */
static void test_alloc_failures(void)
{
    const char *good = "model f\nconst c = 2 [m]\nparam k = c*3\nstate x = 1, y = 2 [s]\n"
                       "driver F\na = x*y + F\nobs o = a + t\ndx/dt = -k*a\ny' = sin(x)\n";
    const char *bad = "state x = 1\nparam k = 2\nx' = k*q\n";
    int fails = 0, ok = 0;
    for (long n = 0; n < 10000 && !ok; ++n) {
        bo_model *m = (bo_model *)&m;
        bo_test_fail_alloc_after(n);
        int rc = bo_model_load_string(ctx, good, "f.ode", &m);
        bo_test_fail_alloc_after(-1);
        if (rc == BO_OK) {
            ok = 1;
            T_EQ_STR(bo_model_name(m), "f");
            bo_model_destroy(m);
        } else {
            ++fails;
            T_CHECKF(rc == BO_ERR_NOMEM, "n = %ld: rc %d: %s", n, rc, bo_errmsg(ctx));
            T_CHECK(m == NULL);
        }
    }
    T_CHECK(ok);
    T_CHECK(fails > 10);
    ok = 0;
    for (long n = 0; n < 10000 && !ok; ++n) {
        bo_model *m = (bo_model *)&m;
        bo_test_fail_alloc_after(n);
        int rc = bo_model_load_string(ctx, bad, "f.ode", &m);
        bo_test_fail_alloc_after(-1);
        T_CHECKF(rc == BO_ERR_NOMEM || rc == BO_ERR_MODEL, "n = %ld: rc %d", n, rc);
        T_CHECK(m == NULL);
        if (rc == BO_ERR_MODEL && strstr(bo_errmsg(ctx), "unknown symbol 'q'"))
            ok = 1;
    }
    T_CHECK(ok);
}

int main(void)
{
    if (bo_context_create(&ctx) != BO_OK)
        return 1;
    test_lorenz();
    test_examples();
    test_hodgkin_huxley();
    test_files();
    test_size_limit();
    test_jacobian_sparsity();
    test_strings();
    test_alloc_failures();
    bo_context_destroy(ctx);
    T_DONE();
}
