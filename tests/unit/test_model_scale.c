/* Scaling of the model front end and the model emitter: inputs that used to cost time or
 * memory quadratic in their size (hash-consing of similar nodes, long sums and continuation
 * lines, many parameters, long && chains, the n x n Jacobian of an n-state model) must go in
 * time and memory linear in their size.
 *
 * Two kinds of bound: operation counts where the library exposes one (slots probed by the
 * hash-consing table, bytes and nesting of the generated text, statements per generated
 * function), which are exact and independent of the machine; and, for whole loads and
 * emissions, a wall-clock budget per case enforced by alarm(): each case takes well under a
 * second here (a few under sanitizers), while the quadratic code took from 25 s (the
 * 10^5-state pattern, which then failed for want of 10 GB) to well over a minute on the same
 * inputs. `test_model_scale NAME` runs one case. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "codegen/codegen.h"
#include "harness.h"
#include "model/deriv.h"
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

static char *repeat_text(const char *head, const char *piece, size_t count, const char *tail)
{
    sb_buf b;
    sb_init(&b);
    sb_append(&b, head);
    for (size_t i = 0; i < count; ++i)
        sb_append(&b, piece);
    sb_append(&b, tail);
    return sb_take(&b);
}

static bo_model *load(const char *what, const char *text)
{
    bo_model *m = NULL;
    int rc = bo_model_load_string(ctx, text, what, &m);
    T_CHECKF(rc == BO_OK, "%s: %s", what, bo_errmsg(ctx));
    return m;
}

static void test_long_sum(void)
{
    start_case("a sum of 2*10^5 identical terms");
    double t0 = now();
    char *text = repeat_text("state x = 1\ndx/dt = x", " + x", 200000, "\n");
    bo_model *m = text ? load("sum", text) : NULL;
    T_CHECK(m != NULL);
    if (m) {
        /* (((x + x) + x) + ...): 200000 distinct additions, evaluating to 200001 x. */
        double y = 1.5;
        ex_env env = {{0}};
        env.vars[EXV_STATE] = &y;
        T_REL(ex_eval(m->g, m->sym[BO_STATE][0].expr, &env), 200001 * 1.5, 1e-12);
        size_t nnz = 0;
        T_EQ_INT(bo_model_jacobian_nnz(m, &nnz), BO_OK);
        T_EQ_INT(nnz, 1);
    }
    bo_model_destroy(m);
    free(text);
    end_case(t0);
}

static void test_continuations(void)
{
    start_case("2*10^5 continuation lines");
    double t0 = now();
    char *text = repeat_text("state x = 1\ndx/dt = x", " \\\n  + x", 200000, "\n");
    bo_model *m = text ? load("continued", text) : NULL;
    T_CHECK(m != NULL);
    if (m) {
        /* What `batchode check` does next: the Jacobian's pattern, through the derivative. */
        size_t nnz = 0;
        T_EQ_INT(bo_model_jacobian_nnz(m, &nnz), BO_OK);
        T_EQ_INT(nnz, 1);
    }
    bo_model_destroy(m);
    /* An error at the end still gets its line right. */
    char *bad = repeat_text("state x = 1\ndx/dt = x", " \\\n  + x", 200000, " + \n");
    m = NULL;
    T_EQ_INT(bo_model_load_string(ctx, bad, "bad", &m), BO_ERR_PARSE);
    T_CONTAINS(bo_errmsg(ctx), "bad:200002:9: expected an expression but found end of line");
    free(bad);
    free(text);
    end_case(t0);
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

/* ---- the emitter ---------------------------------------------------------------------- */

/* Deepest nesting of parentheses in the text. */
static int max_paren_depth(const char *s)
{
    int d = 0, best = 0;
    for (; *s; ++s) {
        d += *s == '(' ? 1 : *s == ')' ? -1 : 0;
        best = d > best ? d : best;
    }
    return best;
}

/* Most assignments (lines holding " = " and ';') in the body of one function: calls of the
 * parts of a split function are not counted, they cost the compiler little. */
static size_t max_function_statements(const char *s)
{
    size_t best = 0, cur = 0;
    int inside = 0;
    for (const char *line = s; *line;) {
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        if (len == 1 && line[0] == '{') {
            inside = 1;
            cur = 0;
        } else if (len == 1 && line[0] == '}') {
            inside = 0;
            best = cur > best ? cur : best;
        } else if (inside && len > 0 && memchr(line, ';', len) && memchr(line, '=', len)) {
            ++cur;
        }
        line += len + (eol ? 1 : 0);
    }
    return best;
}

static char *emit(bo_model *m)
{
    sb_buf b;
    sb_init(&b);
    int rc = cg_emit_model(ctx, m, &b);
    T_CHECKF(rc == BO_OK, "emit: %s", bo_errmsg(ctx));
    if (rc) {
        sb_free(&b);
        return NULL;
    }
    return sb_take(&b);
}

static void test_and_chain(void)
{
    start_case("codegen of a 10^5-term && chain");
    double t0 = now();
    sb_buf b;
    sb_init(&b);
    sb_append(&b, "state x = 1\ndx/dt = (x > 0)");
    for (int k = 1; k < 100000; ++k)
        sb_printf(&b, " && (x > %d)", k);
    sb_append(&b, "\n");
    char *text = sb_take(&b);
    bo_model *m = text ? load("and", text) : NULL;
    char *code = m ? emit(m) : NULL;
    if (code) {
        /* Inline text nests a bounded depth: compilers limit parentheses (clang: 256). */
        int depth = max_paren_depth(code);
        T_CHECKF(depth <= 128, "parentheses nest %d deep", depth);
        size_t stmts = max_function_statements(code);
        T_CHECKF(stmts <= 100, "a function of %zu statements", stmts);
    }
    free(code);
    bo_model_destroy(m);
    free(text);
    end_case(t0);
}

/* dx_i/dt = -x_i for n states. */
static bo_model *diagonal(size_t n)
{
    sb_buf b;
    sb_init(&b);
    for (size_t i = 0; i < n; ++i)
        sb_printf(&b, "state x%zu = 1\n", i);
    for (size_t i = 0; i < n; ++i)
        sb_printf(&b, "dx%zu/dt = -x%zu\n", i, i);
    char *text = sb_take(&b);
    bo_model *m = text ? load("diagonal", text) : NULL;
    free(text);
    return m;
}

static void test_diagonal_codegen(void)
{
    start_case("codegen of 10^3- and 10^4-state diagonal models");
    double t0 = now();
    size_t bytes[2] = {0, 0};
    for (int q = 0; q < 2; ++q) {
        size_t n = q == 0 ? 1000 : 10000;
        bo_model *m = diagonal(n);
        char *code = m ? emit(m) : NULL;
        if (code) {
            bytes[q] = strlen(code);
            char want[64];
            snprintf(want, sizeof want, "#define BO_MODEL_JAC_NNZ %zu ", n);
            T_CONTAINS(code, want);
            size_t stmts = max_function_statements(code);
            T_CHECKF(stmts <= 100, "%zu states: a function of %zu statements", n, stmts);
        }
        free(code);
        bo_model_destroy(m);
    }
    /* Ten times the states, about ten times the text (it was a hundred: n^2 Jacobian
     * entries). */
    T_CHECKF(bytes[1] < 12 * bytes[0], "%zu bytes for 10^3 states, %zu for 10^4", bytes[0],
             bytes[1]);
    end_case(t0);
}

static void test_sparsity_1e5(void)
{
    start_case("the Jacobian pattern of a 10^5-state model");
    double t0 = now();
    size_t n = 100000;
    bo_model *m = diagonal(n);
    if (m) {
        size_t nnz = 0;
        T_EQ_INT(bo_model_jacobian_nnz(m, &nnz), BO_OK);
        T_EQ_INT(nnz, n);
        size_t *rows = malloc((n + 1) * sizeof *rows), *cols = malloc(n * sizeof *cols);
        if (rows && cols) {
            T_EQ_INT(bo_model_jacobian_csr(m, rows, cols, n), BO_OK);
            int ok = rows[0] == 0;
            for (size_t i = 0; i < n; ++i)
                ok &= rows[i + 1] == i + 1 && cols[i] == i;
            T_CHECK(ok);
        }
        free(rows);
        free(cols);
    }
    bo_model_destroy(m);
    end_case(t0);
}

int main(int argc, char **argv)
{
    /* `test_model_scale NAME` runs the one case NAME (probes, sum, continuations,
     * parameters, and, diagonal, sparsity). */
    static const struct {
        const char *name;
        void (*fn)(void);
    } cases[] = {{"probes", test_probes},
                 {"sum", test_long_sum},
                 {"continuations", test_continuations},
                 {"parameters", test_many_parameters},
                 {"and", test_and_chain},
                 {"diagonal", test_diagonal_codegen},
                 {"sparsity", test_sparsity_1e5}};
    if (bo_context_create(&ctx) != BO_OK)
        return 1;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i)
        if (argc < 2 || strcmp(argv[1], cases[i].name) == 0)
            cases[i].fn();
    bo_context_destroy(ctx);
    T_DONE();
}
