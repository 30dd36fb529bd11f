/* Scaling of the model front end: inputs that used to cost time quadratic in their size
 * (hash-consing of similar nodes, many parameters with distinct values) must go in time
 * linear in their size.
 *
 * Two kinds of bound: operation counts where the library exposes one (slots probed by the
 * hash-consing table), which are exact and independent of the machine; and, for whole
 * loads, a wall-clock budget per case enforced by alarm(): each case takes well under a
 * second here (a few under sanitizers), while the quadratic code took well over a minute on
 * the same inputs. `test_model_scale NAME` runs one case. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "model/model_internal.h"
#include "util/strbuf.h"

/* Seconds a case may take before SIGALRM kills the test. */
#define CASE_BUDGET 30

static bo_context *ctx;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void start_case(const char *what)
{
    printf("%s\n", what);
    fflush(stdout);
    alarm(CASE_BUDGET);
}

static void end_case(double t0)
{
    alarm(0);
    printf("  %.3f s\n", now() - t0);
}

/* ---- hash-consing --------------------------------------------------------------------- */

/* Constants whose bit patterns differ only in their high bits (1.5, 2.5, ... and integers),
 * and a chain of additions whose operands are consecutive ids: the old hash sent each family
 * into one cluster of the table, so every lookup walked the whole cluster. */
static void test_probes(void)
{
    start_case("hash-consing: probes per lookup");
    double t0 = now();
    enum { N = 20000 };
    ex_graph *g = ex_graph_create();
    size_t lookups = 0;
    for (int k = 0; k < N; ++k) {
        ex_const(g, (double)k + 0.5);
        ex_const(g, (double)k * 1024.0);
        lookups += 2;
    }
    ex_id x = ex_var(g, EXV_STATE, 0), sum = x;
    for (int k = 0; k < N; ++k, ++lookups)
        sum = ex_add(g, sum, x);
    /* Looking everything up again finds the same nodes. */
    T_CHECK(ex_const(g, 7.5) == ex_const(g, 7.5));
    lookups += 2;
    T_CHECK(!ex_failed(g));
    size_t probes = ex_probes(g);
    T_CHECKF(probes <= 4 * lookups, "%zu probes for %zu lookups", probes, lookups);
    ex_graph_destroy(g);
    end_case(t0);
}

/* ---- the parser ----------------------------------------------------------------------- */

static bo_model *load(const char *what, const char *text)
{
    bo_model *m = NULL;
    int rc = bo_model_load_string(ctx, text, what, &m);
    T_CHECKF(rc == BO_OK, "%s: %s", what, bo_errmsg(ctx));
    return m;
}

static void test_many_parameters(void)
{
    start_case("2*10^5 parameters with distinct defaults");
    double t0 = now();
    sb_buf b;
    sb_init(&b);
    for (int k = 0; k < 200000; ++k)
        sb_printf(&b, "param p%d = %d.25\n", k, k + 1);
    sb_append(&b, "state x = 1\ndx/dt = -p199999*x\n");
    char *text = sb_take(&b);
    bo_model *m = text ? load("params", text) : NULL;
    if (m) {
        T_EQ_INT(bo_model_count(m, BO_PARAMETER), 200000);
        T_REL(bo_model_symbol_default(m, BO_PARAMETER, 41234), 41235.25, 0);
        T_EQ_INT(bo_model_find(m, BO_PARAMETER, "p77777"), 77777);
    }
    bo_model_destroy(m);
    free(text);
    end_case(t0);
}

int main(int argc, char **argv)
{
    /* `test_model_scale NAME` runs the one case NAME (probes, parameters). */
    static const struct {
        const char *name;
        void (*fn)(void);
    } cases[] = {{"probes", test_probes}, {"parameters", test_many_parameters}};
    if (bo_context_create(&ctx) != BO_OK)
        return 1;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i)
        if (argc < 2 || strcmp(argv[1], cases[i].name) == 0)
            cases[i].fn();
    bo_context_destroy(ctx);
    T_DONE();
}
