/* Batches: combinatorial and verbatim grids (orders enumerated by hand), broadcasting,
 * deduplication, value specs, CSV run files with their error positions, defaults, bt_fill
 * against bo_batch_get_run across chunk boundaries, and run-count overflow. */
#include <math.h>
#include <stdint.h>
#include <unistd.h>

#include "solve/batch_internal.h"
#include "harness.h"
#include "util/internal.h"
#include "model/model_internal.h"

/* A hand-built model: states x, y, z and parameters k, alpha, beta with defaults. */
static bo_model *make_model(void)
{
    static const char *st[] = {"x", "y", "z"}, *pa[] = {"k", "alpha", "beta"};
    static const double sv[] = {1.5, -2.25, 0.125}, pv[] = {3.75, 0.5, 12.0};
    bo_model *m = calloc(1, sizeof *m);
    m->name = bo_strdup("hand");
    m->count[BO_STATE] = 3;
    m->count[BO_PARAMETER] = 3;
    m->sym[BO_STATE] = calloc(3, sizeof(md_symbol));
    m->sym[BO_PARAMETER] = calloc(3, sizeof(md_symbol));
    for (int i = 0; i < 3; ++i) {
        m->sym[BO_STATE][i].name = bo_strdup(st[i]);
        m->sym[BO_STATE][i].value = sv[i];
        m->sym[BO_PARAMETER][i].name = bo_strdup(pa[i]);
        m->sym[BO_PARAMETER][i].value = pv[i];
    }
    return m;
}

static void free_model(bo_model *m)
{
    for (int k = 0; k < BO_SYMBOL_KIND_COUNT; ++k) {
        for (size_t i = 0; i < m->count[k]; ++i)
            free(m->sym[k][i].name);
        free(m->sym[k]);
    }
    free(m->name);
    free(m);
}

static char *write_temp(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/bo_batch_XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    size_t n = strlen(text);
    if (write(fd, text, n) != (ssize_t)n)
        return NULL;
    close(fd);
    return path;
}

/* Load text as a CSV run file; returns the status, the path used in *used (static). */
static int load_text(bo_batch *b, const char *text, char *used, size_t used_len)
{
    char *p = write_temp(text);
    if (!p)
        return -100;
    snprintf(used, used_len, "%s", p);
    int rc = bo_batch_load_csv(b, p);
    unlink(p);
    return rc;
}

/* Compare every run's bt_fill values (in chunks of `chunk`) with bo_batch_get_run. */
static int fill_matches_get_run(bo_batch *b, size_t chunk)
{
    size_t runs = bo_batch_run_count(b);
    double *init = malloc(3 * chunk * sizeof(double)), *par = malloc(3 * chunk * sizeof(double));
    int ok = 1;
    for (size_t first = 0; first < runs && ok; first += chunk) {
        size_t n = runs - first < chunk ? runs - first : chunk;
        if (bt_fill(b, first, n, init, par) != BO_OK) {
            ok = 0;
            break;
        }
        for (size_t i = 0; i < n && ok; ++i) {
            double gi[3], gp[3];
            bo_batch_get_run(b, first + i, gi, gp);
            for (size_t v = 0; v < 3; ++v)
                if (init[v * n + i] != gi[v] || par[v * n + i] != gp[v])
                    ok = 0;
        }
    }
    free(init);
    free(par);
    return ok;
}

int main(void)
{
    bo_context *ctx;
    bo_context_create(&ctx);
    bo_model *m = make_model();
    bo_batch *b = NULL;
    double in[3], pa[3];

    /* Nothing given: one run of model defaults. */
    T_EQ_INT(bo_batch_create(ctx, m, &b), BO_OK);
    T_EQ_INT(bo_batch_run_count(b), 1);
    T_EQ_INT(bo_batch_get_run(b, 0, in, pa), BO_OK);
    T_CHECK(in[0] == 1.5 && in[1] == -2.25 && in[2] == 0.125);
    T_CHECK(pa[0] == 3.75 && pa[1] == 0.5 && pa[2] == 12.0);
    T_EQ_INT(bo_batch_get_run(b, 1, in, pa), BO_ERR_RANGE);

    /* Combinatorial, in the order first given, last fastest: k slow, x fast. */
    const double kv[] = {1.25, 2.5, 3.75}, xv[] = {10.5, 20.5};
    T_EQ_INT(bo_batch_set_values(b, BO_PARAMETER, "k", kv, 3), BO_OK);
    T_EQ_INT(bo_batch_set_values(b, BO_STATE, "x", xv, 2), BO_OK);
    T_EQ_INT(bo_batch_run_count(b), 6);
    const double want_k[6] = {1.25, 1.25, 2.5, 2.5, 3.75, 3.75};
    const double want_x[6] = {10.5, 20.5, 10.5, 20.5, 10.5, 20.5};
    for (size_t r = 0; r < 6; ++r) {
        T_EQ_INT(bo_batch_get_run(b, r, in, pa), BO_OK);
        T_CHECK(pa[0] == want_k[r] && in[0] == want_x[r]);
        T_CHECK(in[1] == -2.25 && in[2] == 0.125 && pa[1] == 0.5 && pa[2] == 12.0);
    }
    /* Replacing k keeps its place (still slowest). */
    const double kv2[] = {7.5, 8.5};
    T_EQ_INT(bo_batch_set_values(b, BO_PARAMETER, "k", kv2, 2), BO_OK);
    T_EQ_INT(bo_batch_run_count(b), 4);
    bo_batch_get_run(b, 1, in, pa);
    T_CHECK(pa[0] == 7.5 && in[0] == 20.5);
    bo_batch_get_run(b, 2, in, pa);
    T_CHECK(pa[0] == 8.5 && in[0] == 10.5);
    /* Repeated values do not repeat runs in a combinatorial grid (first-seen order). */
    const double av[] = {0.75, 0.25, 0.75, 0.25, 0.5};
    T_EQ_INT(bo_batch_set_values(b, BO_PARAMETER, "alpha", av, 5), BO_OK);
    T_EQ_INT(bo_batch_run_count(b), 2 * 2 * 3);
    bo_batch_get_run(b, 0, in, pa);
    T_CHECK(pa[1] == 0.75);
    bo_batch_get_run(b, 1, in, pa);
    T_CHECK(pa[1] == 0.25);
    bo_batch_get_run(b, 2, in, pa);
    T_CHECK(pa[1] == 0.5);
    bo_batch_get_run(b, 3, in, pa);
    T_CHECK(pa[1] == 0.75 && in[0] == 20.5 && pa[0] == 7.5);
    T_CHECK(fill_matches_get_run(b, 5));

    /* Verbatim: lists paired, length-1 lists broadcast, repeats kept. */
    T_EQ_INT(bo_batch_set_grid(b, BO_GRID_VERBATIM), BO_OK);
    T_EQ_INT(bo_batch_run_count(b), 0); /* k 2, x 2, alpha 5 */
    T_EQ_INT(bo_batch_validate(b), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "k has 2");
    T_CONTAINS(bo_errmsg(ctx), "x has 2");
    T_CONTAINS(bo_errmsg(ctx), "alpha has 5");
    T_EQ_INT(bo_batch_get_run(b, 0, in, pa), BO_ERR_INVALID_ARG);
    T_EQ_INT(bt_fill(b, 0, 1, in, pa), BO_ERR_INVALID_ARG);
    const double kv5[] = {1, 2, 3, 4, 5}, x1[] = {-4.5};
    bo_batch_set_values(b, BO_PARAMETER, "k", kv5, 5);
    bo_batch_set_values(b, BO_STATE, "x", x1, 1);
    T_EQ_INT(bo_batch_validate(b), BO_OK);
    T_EQ_INT(bo_batch_run_count(b), 5);
    for (size_t r = 0; r < 5; ++r) {
        bo_batch_get_run(b, r, in, pa);
        T_CHECK(pa[0] == kv5[r] && pa[1] == av[r] && in[0] == -4.5 && in[1] == -2.25);
    }
    T_CHECK(fill_matches_get_run(b, 2));
    T_EQ_INT(bo_batch_set_grid(b, (bo_grid)7), BO_ERR_INVALID_ARG);
    bo_batch_destroy(b);

    /* Specs. */
    bo_batch_create(ctx, m, &b);
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "k", "0:1:5"), BO_OK);
    const double lin5[] = {0, 0.25, 0.5, 0.75, 1};
    T_EQ_INT(bo_batch_run_count(b), 5);
    for (size_t r = 0; r < 5; ++r) {
        bo_batch_get_run(b, r, NULL, pa);
        T_CHECK(pa[0] == lin5[r]);
    }
    /* 5.275492379532281 + (b - a)*1/1 != b in doubles: the stop must still come out exact. */
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "k", "5.275492379532281:-4.898619485211566:2"),
             BO_OK);
    bo_batch_get_run(b, 1, NULL, pa);
    T_CHECK(pa[0] == -4.898619485211566);
    T_CHECK(5.275492379532281 + (-4.898619485211566 - 5.275492379532281) != -4.898619485211566);
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "k", "0.1:0.7:7"), BO_OK);
    T_EQ_INT(bo_batch_run_count(b), 7);
    bo_batch_get_run(b, 0, NULL, pa);
    T_CHECK(pa[0] == 0.1);
    bo_batch_get_run(b, 3, NULL, pa);
    T_REL(pa[0], 0.4, 1e-15);
    bo_batch_get_run(b, 6, NULL, pa);
    T_CHECK(pa[0] == 0.7);
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "k", "2.5:2.5:1"), BO_OK);
    T_EQ_INT(bo_batch_run_count(b), 1);
    bo_batch_get_run(b, 0, NULL, pa);
    T_CHECK(pa[0] == 2.5);
    T_EQ_INT(bo_batch_set_spec(b, BO_STATE, "y", "3,-1.5e2,7.25"), BO_OK);
    T_EQ_INT(bo_batch_run_count(b), 3);
    bo_batch_get_run(b, 1, in, NULL);
    T_CHECK(in[1] == -150.0);
    T_EQ_INT(bo_batch_set_spec(b, BO_STATE, "z", "4.5"), BO_OK);
    bo_batch_get_run(b, 2, in, NULL);
    T_CHECK(in[2] == 4.5 && in[1] == 7.25);
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "k", "1:2"), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "spec '1:2' for 'k'");
    T_CONTAINS(bo_errmsg(ctx), "start:stop:count");
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "k", "a:1:3"), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "start 'a' is not a number");
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "k", "0:1:0"), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "count must be a whole number >= 1");
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "k", "0:1:2.5"), BO_ERR_INVALID_ARG);
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "k", "0:1:-3"), BO_ERR_INVALID_ARG);
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "k", "1,,2"), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "value 2 '' is not a number");
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "k", "1,inf"), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "value 2 'inf' is not finite");
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "k", ""), BO_ERR_INVALID_ARG);
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "k", "-1e308:1e308:3"), BO_ERR_INVALID_ARG);
    /* start:step:stop (MATLAB, Julia) read as a:b:n gives n = 1 with a != b: an error that
     * explains the form and how to write what was probably meant. */
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "k", "0:0.1:1"), BO_ERR_INVALID_ARG);
    T_EQ_STR(bo_errmsg(ctx), "spec '0:0.1:1' for 'k': a range is start:stop:count (count values "
                             "from start to stop, both included), so count 1 needs start == "
                             "stop; for values from 0 to 1 in steps of 0.1, write 0:1:11");
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "k", "0:0.5:2.5"), BO_ERR_INVALID_ARG);
    T_EQ_STR(bo_errmsg(ctx), "spec '0:0.5:2.5' for 'k': count must be a whole number >= 1, "
                             "written in digits (a range is start:stop:count: count values from "
                             "start to stop, both included); for values from 0 to 2.5 in steps "
                             "of 0.5, write 0:2.5:6");
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "k", "2.5:9:1"), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "count 1 needs start == stop");
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "k", "log:1:10:1"), BO_ERR_INVALID_ARG);
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "k", "0:1:1e3"), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "count must be a whole number >= 1, written in digits");
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "k", "0:1:99999999999999999999999"),
             BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "count is too large");
    /* Numbers as the model language writes them: no hex, no blanks. */
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "k", "0x10"), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "value 1 '0x10' is not a number (hexadecimal numbers are not "
                               "accepted)");
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "k", " 0.1 : 0.7 : 7 "), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "start ' 0.1 ' is not a number (numbers are written without "
                               "blanks)");
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "k", "1, 2"), BO_ERR_INVALID_ARG);
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "k", "lin:1:2"), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "a range is written start:stop:count");
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "k", "log:0:1:3"), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "a log range needs start and stop > 0, got start 0");
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "k", "log:1:-1:3"), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "got stop -1");
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "k", "log:1:2:3:4"), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "log:start:stop:count");
    T_EQ_INT(bo_batch_run_count(b), 3); /* failed specs change nothing */
    /* lin:a:b:n is a:b:n. */
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "k", "lin:0:1:5"), BO_OK);
    T_EQ_INT(bo_batch_run_count(b), 15);
    for (size_t r = 0; r < 5; ++r) {
        bo_batch_get_run(b, 3 * r, NULL, pa);
        T_CHECK(pa[0] == lin5[r]);
    }
    /* log:a:b:n: evenly spaced exponents, the ends exact; decades come out exact. */
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "k", "log:1e-3:1e3:7"), BO_OK);
    const double decades[] = {1e-3, 1e-2, 1e-1, 1, 10, 100, 1000};
    for (size_t r = 0; r < 7; ++r) {
        bo_batch_get_run(b, 3 * r, NULL, pa);
        T_CHECK(pa[0] == decades[r]);
    }
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "k", "log:2.385:0.5:5"), BO_OK);
    for (size_t r = 0; r < 5; ++r) {
        bo_batch_get_run(b, 3 * r, NULL, pa);
        /* Closed form: a * (b/a)^(i/(n-1)). */
        T_REL(pa[0], 2.385 * pow(0.5 / 2.385, (double)r / 4.0), 4e-16 * 8);
    }
    bo_batch_get_run(b, 0, NULL, pa);
    T_CHECK(pa[0] == 2.385);
    bo_batch_get_run(b, 12, NULL, pa);
    T_CHECK(pa[0] == 0.5);
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "k", "log:4.5:4.5:1"), BO_OK);
    T_EQ_INT(bo_batch_run_count(b), 3);
    bo_batch_get_run(b, 0, NULL, pa);
    T_CHECK(pa[0] == 4.5);

    /* Names and values. */
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "alpah", "1"), BO_ERR_NOT_FOUND);
    T_CONTAINS(bo_errmsg(ctx), "unknown parameter 'alpah' (did you mean 'alpha'?)");
    T_EQ_INT(bo_batch_set_spec(b, BO_STATE, "k", "1"), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "'k' is a parameter, not a state");
    T_EQ_INT(bo_batch_set_spec(b, BO_CONSTANT, "k", "1"), BO_ERR_INVALID_ARG);
    const double bad[] = {1.0, NAN};
    T_EQ_INT(bo_batch_set_values(b, BO_STATE, "x", bad, 2), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "value 1 for state 'x' is not finite");
    T_EQ_INT(bo_batch_set_values(b, BO_STATE, "x", bad, 0), BO_ERR_INVALID_ARG);
    bo_batch_destroy(b);

    /* CSV run files: one block that combines with other variables as one group. */
    char path[128];
    bo_batch_create(ctx, m, &b);
    const double bv[] = {0.5, 0.75};
    bo_batch_set_values(b, BO_PARAMETER, "beta", bv, 2);
    T_EQ_INT(load_text(b, "# runs\nx, k\n\n1.5,2\r\n3,4e1\n-5,6\n", path, sizeof path), BO_OK);
    T_EQ_INT(bo_batch_run_count(b), 6);
    const double wb[6] = {0.5, 0.5, 0.5, 0.75, 0.75, 0.75};
    const double wx[6] = {1.5, 3, -5, 1.5, 3, -5}, wk[6] = {2, 40, 6, 2, 40, 6};
    for (size_t r = 0; r < 6; ++r) {
        bo_batch_get_run(b, r, in, pa);
        T_CHECK(pa[2] == wb[r] && in[0] == wx[r] && pa[0] == wk[r] && in[1] == -2.25);
    }
    T_CHECK(fill_matches_get_run(b, 4));
    bo_batch_set_grid(b, BO_GRID_VERBATIM);
    T_EQ_INT(bo_batch_validate(b), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "beta has 2");
    T_CONTAINS(bo_errmsg(ctx), "x,k (from ");
    T_CONTAINS(bo_errmsg(ctx), ") have 3");
    const double bv3[] = {0.5, 0.75, 1.0};
    bo_batch_set_values(b, BO_PARAMETER, "beta", bv3, 3);
    T_EQ_INT(bo_batch_run_count(b), 3);
    bo_batch_get_run(b, 2, in, pa);
    T_CHECK(in[0] == -5 && pa[0] == 6 && pa[2] == 1.0);
    /* Setting a block column separately takes it out of the block. */
    const double x3[] = {7, 8, 9};
    bo_batch_set_values(b, BO_STATE, "x", x3, 3);
    bo_batch_get_run(b, 1, in, pa);
    T_CHECK(in[0] == 8 && pa[0] == 40);
    bo_batch_set_grid(b, BO_GRID_COMBINATORIAL);
    T_EQ_INT(bo_batch_run_count(b), 27);
    T_CHECK(fill_matches_get_run(b, 10));
    bo_batch_destroy(b);

    bo_batch_create(ctx, m, &b);
    char want[256];
    T_EQ_INT(load_text(b, "x,kk\n1,2\n", path, sizeof path), BO_ERR_NOT_FOUND);
    snprintf(want, sizeof want, "%s:1:3: unknown state or parameter 'kk' (did you mean 'k'?)",
             path);
    T_EQ_STR(bo_errmsg(ctx), want);
    T_EQ_INT(load_text(b, "x,k\n1,2\n\n3, abc\n", path, sizeof path), BO_ERR_PARSE);
    snprintf(want, sizeof want, "%s:4:4: not a number: 'abc' for column 'k'", path);
    T_EQ_STR(bo_errmsg(ctx), want);
    T_EQ_INT(load_text(b, "x,k\n1\n", path, sizeof path), BO_ERR_PARSE);
    snprintf(want, sizeof want, "%s:2:2: expected 2 values, found 1", path);
    T_EQ_STR(bo_errmsg(ctx), want);
    T_EQ_INT(load_text(b, "x,k\n1,2,3\n", path, sizeof path), BO_ERR_PARSE);
    snprintf(want, sizeof want, "%s:2:5: expected 2 values, found 3", path);
    T_EQ_STR(bo_errmsg(ctx), want);
    T_EQ_INT(load_text(b, "x,k,x\n1,2,3\n", path, sizeof path), BO_ERR_PARSE);
    T_CONTAINS(bo_errmsg(ctx), ":1:5: column 'x' appears twice");
    T_EQ_INT(load_text(b, "x,k\n", path, sizeof path), BO_ERR_PARSE);
    T_CONTAINS(bo_errmsg(ctx), "header but no runs");
    T_EQ_INT(load_text(b, "\"x\",k\n1,nan\n", path, sizeof path), BO_ERR_PARSE);
    T_CONTAINS(bo_errmsg(ctx), ":2:3: non-finite value 'nan'");
    T_EQ_INT(load_text(b, "x, \"k\n1,2\n", path, sizeof path), BO_ERR_PARSE);
    snprintf(want, sizeof want,
             "%s:1:4: unterminated quote (a quoted field ends with '\"' on the same line)", path);
    T_EQ_STR(bo_errmsg(ctx), want);
    T_EQ_INT(load_text(b, "\xEF\xBB\xBFk\n2.5\n", path, sizeof path), BO_OK); /* UTF-8 BOM */
    bo_batch_get_run(b, 0, in, pa);
    T_CHECK(pa[0] == 2.5);
    T_EQ_INT(load_text(b, "\"k\"\"\"\n2.5\n", path, sizeof path), BO_ERR_NOT_FOUND);
    T_CONTAINS(bo_errmsg(ctx), "unknown state or parameter 'k\"'");
    T_EQ_INT(bo_batch_load_csv(b, "/nonexistent/runs.csv"), BO_ERR_IO);
    T_CONTAINS(bo_errmsg(ctx), "/nonexistent/runs.csv");
    T_EQ_INT(bo_batch_run_count(b), 1); /* failed loads change nothing */
    bo_batch_destroy(b);

    /* The same block from arrays (bo_batch_set_runs): the same runs as the CSV file above. */
    bo_batch_create(ctx, m, &b);
    bo_batch_set_values(b, BO_PARAMETER, "beta", bv, 2);
    const double cx[] = {1.5, 3, -5}, ck[] = {2, 40, 6};
    const char *cn[] = {"x", "k"};
    const double *cc[] = {cx, ck};
    T_EQ_INT(bo_batch_set_runs(b, 2, cn, cc, 3), BO_OK);
    T_EQ_INT(bo_batch_run_count(b), 6);
    for (size_t r = 0; r < 6; ++r) {
        bo_batch_get_run(b, r, in, pa);
        T_CHECK(pa[2] == wb[r] && in[0] == wx[r] && pa[0] == wk[r] && in[1] == -2.25);
    }
    T_CHECK(fill_matches_get_run(b, 4));
    bo_batch_set_grid(b, BO_GRID_VERBATIM);
    T_EQ_INT(bo_batch_validate(b), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "x,k have 3");
    bo_batch_set_values(b, BO_PARAMETER, "beta", bv3, 3);
    bo_batch_get_run(b, 2, in, pa);
    T_CHECK(in[0] == -5 && pa[0] == 6 && pa[2] == 1.0);
    /* A new block replaces the columns it names, wherever they were. */
    const double ck2[] = {0.25, 0.5, 0.75};
    const char *cn2[] = {"k"};
    const double *cc2[] = {ck2};
    T_EQ_INT(bo_batch_set_runs(b, 1, cn2, cc2, 3), BO_OK);
    bo_batch_get_run(b, 1, in, pa);
    T_CHECK(in[0] == 3 && pa[0] == 0.5 && pa[2] == 0.75);
    /* Errors name the fault and change nothing. */
    const char *bad_names[] = {"x", "kk"};
    T_EQ_INT(bo_batch_set_runs(b, 2, bad_names, cc, 3), BO_ERR_NOT_FOUND);
    T_EQ_STR(bo_errmsg(ctx), "unknown state or parameter 'kk' (did you mean 'k'?)");
    const char *twice[] = {"x", "x"};
    T_EQ_INT(bo_batch_set_runs(b, 2, twice, cc, 3), BO_ERR_INVALID_ARG);
    T_CONTAINS(bo_errmsg(ctx), "column 'x' appears twice");
    const double cnan[] = {1, NAN, 3};
    const double *ccn[] = {cx, cnan};
    T_EQ_INT(bo_batch_set_runs(b, 2, cn, ccn, 3), BO_ERR_INVALID_ARG);
    T_EQ_STR(bo_errmsg(ctx), "run 1: value for 'k' is not finite (nan)");
    const double *cnull[] = {cx, NULL};
    T_EQ_INT(bo_batch_set_runs(b, 2, cn, cnull, 3), BO_ERR_INVALID_ARG);
    T_EQ_INT(bo_batch_set_runs(b, 0, cn, cc, 3), BO_ERR_INVALID_ARG);
    T_EQ_INT(bo_batch_set_runs(b, 2, cn, cc, 0), BO_ERR_INVALID_ARG);
    T_EQ_INT(bo_batch_set_runs(NULL, 2, cn, cc, 3), BO_ERR_INVALID_ARG);
    T_EQ_INT(bo_batch_run_count(b), 3);
    bo_batch_get_run(b, 1, in, pa);
    T_CHECK(in[0] == 3 && pa[0] == 0.5 && pa[2] == 0.75);
    /* Every allocation failure is reported, leaves the batch as it was and leaks nothing. */
    for (long n = 0; n < 12; ++n) {
        bo_test_fail_alloc_after(n);
        int rc = bo_batch_set_runs(b, 2, cn, cc, 3);
        bo_test_fail_alloc_after(-1);
        T_CHECK(rc == BO_OK || rc == BO_ERR_NOMEM);
        bo_batch_get_run(b, 1, in, pa);
        T_CHECK(rc == BO_OK ? pa[0] == 40 : pa[0] == 0.5);
        if (rc == BO_OK)
            break;
    }
    bo_batch_destroy(b);

    /* Large grids: 4096 x 4096 = 2^24 runs, the last chunk computed without the grid. */
    bo_batch_create(ctx, m, &b);
    bo_batch_set_spec(b, BO_PARAMETER, "k", "0:4095:4096");
    bo_batch_set_spec(b, BO_STATE, "x", "0:1:4096");
    T_EQ_INT(bo_batch_run_count(b), (size_t)1 << 24);
    double ci[3 * 5], cp[3 * 5];
    size_t first = ((size_t)1 << 24) - 5;
    T_EQ_INT(bt_fill(b, first, 5, ci, cp), BO_OK);
    for (size_t i = 0; i < 5; ++i) {
        size_t r = first + i;
        T_CHECK(cp[0 * 5 + i] == (double)(r / 4096));
        T_REL(ci[0 * 5 + i], (double)(r % 4096) / 4095.0, 1e-15);
        T_CHECK(ci[1 * 5 + i] == -2.25 && cp[2 * 5 + i] == 12.0);
    }
    T_CHECK(ci[4] == 1.0);
    T_EQ_INT(bt_fill(b, first, 6, ci, cp), BO_ERR_RANGE);
    T_EQ_INT(bt_fill(b, SIZE_MAX, 2, ci, cp), BO_ERR_RANGE);
    T_EQ_INT(bt_fill(b, first + 5, 0, ci, cp), BO_OK);
    /* 10000^5 runs overflow size_t: an error, not a wrapped count. */
    const char *names[] = {"x", "y", "z"};
    for (int i = 0; i < 3; ++i)
        bo_batch_set_spec(b, BO_STATE, names[i], "0:1:10000");
    bo_batch_set_spec(b, BO_PARAMETER, "k", "0:1:10000");
    bo_batch_set_spec(b, BO_PARAMETER, "alpha", "0:1:10000");
    T_EQ_INT(bo_batch_run_count(b), 0);
    T_EQ_INT(bo_batch_validate(b), BO_ERR_RANGE);
    T_CONTAINS(bo_errmsg(ctx), "too many runs");
    T_EQ_INT(bt_fill(b, 0, 1, ci, cp), BO_ERR_RANGE);
    bo_batch_destroy(b);

    /* Allocation failures leave no batch and no leak. */
    for (long n = 0; n < 4; ++n) {
        bo_batch *fb = (bo_batch *)&fb;
        bo_test_fail_alloc_after(n);
        int rc = bo_batch_create(ctx, m, &fb);
        bo_test_fail_alloc_after(-1);
        T_CHECK(rc == BO_OK ? fb != NULL : (rc == BO_ERR_NOMEM && fb == NULL));
        bo_batch_destroy(fb);
    }
    bo_batch_create(ctx, m, &b);
    for (long n = 0; n < 6; ++n) {
        bo_test_fail_alloc_after(n);
        int rc = bo_batch_set_spec(b, BO_PARAMETER, "k", "1,1,2");
        bo_test_fail_alloc_after(-1);
        T_CHECK(rc == BO_OK || rc == BO_ERR_NOMEM);
    }
    bo_batch_destroy(b);
    bo_batch_destroy(NULL);
    T_EQ_INT(bo_batch_create(ctx, NULL, &b), BO_ERR_INVALID_ARG);
    T_CHECK(b == NULL);

    free_model(m);
    bo_context_destroy(ctx);
    T_DONE();
}
