/* Values the model writes with parameters, per run: a state's initial value or a parameter's
 * default that is an expression of parameters follows each run's parameters, unless the
 * batch gives that variable itself. Checked against the expressions worked out here in C
 * (the same operations in the same order, so equal to the last bit): with no values (the
 * model's defaults exactly), on combinatorial and verbatim grids, from a run file, with the
 * variable given explicitly (it wins), chains through parameters, shared subexpressions,
 * conditionals and functions, non-finite results; bt_fill_rows_as in double and float, in
 * pieces from several threads, against bo_batch_get_run; and allocation failures. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "solve/batch_internal.h"
#include "util/internal.h"
#include "util/parallel.h"

/* States x, y, z, w; parameters a, b, k, d, q. b's default and x, y, w follow parameters;
 * z and k do not; d = b (a chain); q = 2*a, the same expression as part of b. */
static const char *model_text = "const c = 2.25\n"
                                "param a = 1.5, b = 2*a + c, k = 0.7 [1/s]\n"
                                "param d = b, q = 2*a\n"
                                "state x = a*b [mM], y = log(b) + c, z = 3.25\n"
                                "state w = a > 1 ? pow(d, 1.5) : -q\n"
                                "dx/dt = -k*x\n"
                                "dy/dt = -k*y\n"
                                "dz/dt = -k*z\n"
                                "dw/dt = -k*w\n";

enum { NS = 4, NP = 5 };
enum { X, Y, Z, W };
enum { A, B, K, D, Q };

/* The run's values worked out by hand from its a (and b, d when given, else derived). */
static void expected(double a, const double *b_given, const double *x_given, double init[NS],
                     double par[NP], double k)
{
    const double c = 2.25;
    double b = b_given ? *b_given : 2 * a + c;
    par[A] = a;
    par[B] = b;
    par[K] = k;
    par[D] = b;
    par[Q] = 2 * a;
    init[X] = x_given ? *x_given : a * b;
    init[Y] = log(b) + c;
    init[Z] = 3.25;
    init[W] = a > 1 ? pow(b, 1.5) : -(2 * a);
}

static int same(double u, double v)
{
    return (isnan(u) && isnan(v)) || memcmp(&u, &v, sizeof u) == 0;
}

static int run_is(const bo_batch *b, size_t r, const double *init, const double *par)
{
    double gi[NS], gp[NP];
    if (bo_batch_get_run(b, r, gi, gp) != BO_OK)
        return 0;
    for (int i = 0; i < NS; ++i)
        if (!same(gi[i], init[i])) {
            printf("run %zu state %d: got %.17g want %.17g\n", r, i, gi[i], init[i]);
            return 0;
        }
    for (int i = 0; i < NP; ++i)
        if (!same(gp[i], par[i])) {
            printf("run %zu param %d: got %.17g want %.17g\n", r, i, gp[i], par[i]);
            return 0;
        }
    return 1;
}

typedef struct {
    const bo_batch *b;
    size_t runs;
    void *init, *par;
    int elem, rc;
} piece_job;

static void piece(void *user, size_t begin, size_t end)
{
    piece_job *j = user;
    size_t e = (size_t)j->elem;
    int rc = bt_fill_rows_as(j->b, begin, end - begin, j->runs, (char *)j->init + begin * e,
                             (char *)j->par + begin * e, j->elem);
    if (rc != BO_OK)
        j->rc = rc;
}

/* bt_fill_rows_as (double and float, in pieces over 3 threads) agrees with bo_batch_get_run
 * for every run. */
static int fill_agrees(const bo_batch *b)
{
    size_t runs = bo_batch_run_count(b);
    double *di = malloc(NS * runs * sizeof *di), *dp = malloc(NP * runs * sizeof *dp);
    float *fi = malloc(NS * runs * sizeof *fi), *fp = malloc(NP * runs * sizeof *fp);
    piece_job j8 = {b, runs, di, dp, 8, BO_OK}, j4 = {b, runs, fi, fp, 4, BO_OK};
    par_for(NULL, runs, 7, 3, piece, &j8);
    par_for(NULL, runs, 7, 3, piece, &j4);
    int ok = j8.rc == BO_OK && j4.rc == BO_OK;
    for (size_t r = 0; r < runs && ok; ++r) {
        double gi[NS], gp[NP];
        bo_batch_get_run(b, r, gi, gp);
        for (size_t i = 0; i < NS; ++i)
            ok &= same(di[i * runs + r], gi[i]) && same(fi[i * runs + r], (float)gi[i]);
        for (size_t i = 0; i < NP; ++i)
            ok &= same(dp[i * runs + r], gp[i]) && same(fp[i * runs + r], (float)gp[i]);
        if (!ok)
            printf("fill differs from get_run at run %zu\n", r);
    }
    free(di);
    free(dp);
    free(fi);
    free(fp);
    return ok;
}

static char *write_temp(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/bo_values_XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    size_t n = strlen(text);
    if (write(fd, text, n) != (ssize_t)n)
        return NULL;
    close(fd);
    return path;
}

int main(void)
{
    bo_context *ctx;
    bo_context_create(&ctx);
    bo_model *m = NULL;
    T_EQ_INT(bo_model_load_string(ctx, model_text, "values", &m), BO_OK);
    if (!m)
        T_DONE();
    bo_batch *b = NULL;
    double in[NS], pa[NP];

    /* No values: one run of exactly the model's defaults (evaluated per run, they must not
     * differ in the last bit from the values folded when the model was loaded). */
    T_EQ_INT(bo_batch_create(ctx, m, &b), BO_OK);
    expected(1.5, NULL, NULL, in, pa, 0.7);
    T_CHECK(run_is(b, 0, in, pa));
    for (int i = 0; i < NS; ++i)
        T_CHECK(same(in[i], bo_model_symbol_default(m, BO_STATE, (size_t)i)));
    for (int i = 0; i < NP; ++i)
        T_CHECK(same(pa[i], bo_model_symbol_default(m, BO_PARAMETER, (size_t)i)));
    T_CHECK(fill_agrees(b));

    /* Combinatorial: a x k. Every run's x, y, w, b, d, q follow its a. */
    const double as[] = {0.25, 1.5, 2.385, 7.0}, ks[] = {0.5, 1.25, 3.0};
    T_EQ_INT(bo_batch_set_values(b, BO_PARAMETER, "a", as, 4), BO_OK);
    T_EQ_INT(bo_batch_set_values(b, BO_PARAMETER, "k", ks, 3), BO_OK);
    T_EQ_INT(bo_batch_run_count(b), 12);
    for (size_t r = 0; r < 12; ++r) {
        expected(as[r / 3], NULL, NULL, in, pa, ks[r % 3]);
        T_CHECK(run_is(b, r, in, pa));
    }
    T_CHECK(fill_agrees(b));
    /* Asking for the initial values only still evaluates them from the run's parameters. */
    double only[NS];
    T_EQ_INT(bo_batch_get_run(b, 11, only, NULL), BO_OK);
    expected(7.0, NULL, NULL, in, pa, 3.0);
    T_CHECK(same(only[X], in[X]) && same(only[W], in[W]));

    /* Given explicitly, a value wins over the model's expression: b for every run (so x,
     * y, w, d follow it instead), then x itself. */
    const double bs[] = {4.5};
    T_EQ_INT(bo_batch_set_values(b, BO_PARAMETER, "b", bs, 1), BO_OK);
    for (size_t r = 0; r < 12; ++r) {
        expected(as[r / 3], &bs[0], NULL, in, pa, ks[r % 3]);
        T_CHECK(run_is(b, r, in, pa));
    }
    const double xs[] = {10.0, 20.0};
    T_EQ_INT(bo_batch_set_values(b, BO_STATE, "x", xs, 2), BO_OK);
    T_EQ_INT(bo_batch_run_count(b), 24);
    for (size_t r = 0; r < 24; ++r) {
        expected(as[r / 6], &bs[0], &xs[r % 2], in, pa, ks[(r / 2) % 3]);
        T_CHECK(run_is(b, r, in, pa));
    }
    T_CHECK(fill_agrees(b));
    bo_batch_destroy(b);

    /* Verbatim: paired lists, a broadcast k. */
    bo_batch_create(ctx, m, &b);
    bo_batch_set_grid(b, BO_GRID_VERBATIM);
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "a", "0.5,1,2,4,8"), BO_OK);
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "k", "2.5"), BO_OK);
    T_EQ_INT(bo_batch_set_spec(b, BO_STATE, "z", "1,2,3,4,5"), BO_OK);
    for (size_t r = 0; r < 5; ++r) {
        expected(0.5 * (double)(1 << r), NULL, NULL, in, pa, 2.5);
        in[Z] = (double)(r + 1);
        T_CHECK(run_is(b, r, in, pa));
    }
    T_CHECK(fill_agrees(b));
    bo_batch_destroy(b);

    /* A run file: its columns are given (y here), the rest follows its a; a parameter set by
     * name afterwards moves out of the block and keeps following. */
    bo_batch_create(ctx, m, &b);
    char *p = write_temp("a,y\n0.75,-1\n3,-2\n1.5,-3\n");
    T_EQ_INT(bo_batch_load_csv(b, p), BO_OK);
    unlink(p);
    const double fa[] = {0.75, 3, 1.5};
    for (size_t r = 0; r < 3; ++r) {
        expected(fa[r], NULL, NULL, in, pa, 0.7);
        in[Y] = -(double)(r + 1);
        T_CHECK(run_is(b, r, in, pa));
    }
    T_CHECK(fill_agrees(b));
    /* A large batch: a = 0:1:2^18 in pieces over threads (the solver's path). */
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "a", "-3:5:262144"), BO_OK);
    T_EQ_INT(bo_batch_run_count(b), 3 * 262144);
    T_CHECK(fill_agrees(b));
    bo_batch_destroy(b);

    /* Non-finite per-run results come out as they are (the run then fails with bad_input):
     * log(b) with b < 0. */
    bo_batch_create(ctx, m, &b);
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "a", "-2,1"), BO_OK);
    T_EQ_INT(bo_batch_get_run(b, 0, in, pa), BO_OK);
    T_CHECK(isnan(in[Y]) && pa[B] == -1.75);
    T_EQ_INT(bo_batch_get_run(b, 1, in, pa), BO_OK);
    T_CHECK(isfinite(in[Y]));

    /* Allocation failures: a failed call leaves the batch as it was. */
    for (long n = 0; n < 40; ++n) {
        bo_test_fail_alloc_after(n);
        int rc = bo_batch_set_spec(b, BO_PARAMETER, "b", "9,10");
        bo_test_fail_alloc_after(-1);
        T_CHECK(rc == BO_OK || rc == BO_ERR_NOMEM);
        if (rc == BO_OK)
            break;
        T_EQ_INT(bo_batch_run_count(b), 2);
        expected(1, NULL, NULL, in, pa, 0.7);
        T_CHECK(run_is(b, 1, in, pa));
    }
    T_EQ_INT(bo_batch_run_count(b), 4);
    for (long n = 0; n < 8; ++n) {
        bo_test_fail_alloc_after(n);
        int rc = bo_batch_get_run(b, 0, NULL, pa);
        bo_test_fail_alloc_after(-1);
        T_CHECK(rc == BO_OK || rc == BO_ERR_NOMEM);
    }
    bo_batch_destroy(b);
    for (long n = 0; n < 12; ++n) {
        bo_batch *fb = (bo_batch *)&fb;
        bo_test_fail_alloc_after(n);
        int rc = bo_batch_create(ctx, m, &fb);
        bo_test_fail_alloc_after(-1);
        T_CHECK(rc == BO_OK ? fb != NULL : (rc == BO_ERR_NOMEM && fb == NULL));
        bo_batch_destroy(fb);
    }

    bo_model_destroy(m);
    bo_context_destroy(ctx);
    T_DONE();
}
