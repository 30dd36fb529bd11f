/* src/util/parallel.c: par_for visits every index of [0, n) exactly once whatever the grain and
 * thread count (including more threads than items, one thread, and n = 0), with threads made
 * per call and on a pool reused across loops (one smaller than the loop wants, too), and on a
 * pool whose loops come while its workers still poll for the next one, just as they stop
 * polling, and after they sleep (and a pool destroyed while they poll); par_copy
 * copies every byte of segments of mixed sizes, split across threads at arbitrary offsets, and
 * converts double <-> float segments exactly as a cast does; and
 * bt_fill_rows filling a batch piece by piece (as the solver does, from several threads)
 * gives exactly bt_fill's values, and bo_batch_get_run's (worked out run by run) in double and
 * float rows long enough for its bulk copies and fills. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "solve/batch_internal.h"
#include "harness.h"
#include "util/parallel.h"

typedef struct {
    _Atomic int *hits;
} visit_job;

static void visit(void *user, size_t begin, size_t end)
{
    visit_job *j = user;
    for (size_t i = begin; i < end; ++i)
        atomic_fetch_add(&j->hits[i], 1);
}

static void check_for(par_pool *pool, size_t n, size_t grain, int threads)
{
    _Atomic int *hits = calloc(n + 1, sizeof *hits);
    T_CHECK(hits != NULL);
    if (!hits)
        return;
    visit_job j = {hits};
    par_for(pool, n, grain, threads, visit, &j);
    size_t bad = 0;
    for (size_t i = 0; i < n; ++i)
        bad += atomic_load(&hits[i]) != 1;
    T_CHECKF(bad == 0, "par_for n=%zu grain=%zu threads=%d pool %d: %zu indices not visited once",
             n, grain, threads, pool != NULL, bad);
    free((void *)hits);
}

/* Loops posted at gaps from none to well past the workers' polling time (0.2 ms). */
static void check_gaps(void)
{
    const long gaps_ns[] = {0, 20000, 150000, 190000, 250000, 3000000};
    par_pool *pool = par_pool_create(3);
    T_CHECK(pool != NULL);
    for (size_t g = 0; g < sizeof gaps_ns / sizeof gaps_ns[0]; ++g)
        for (int k = 0; k < 5; ++k) {
            struct timespec ts = {0, gaps_ns[g]};
            nanosleep(&ts, NULL);
            check_for(pool, 65537, 1000, 0);
        }
    par_pool_destroy(pool); /* right after a loop: its workers are still polling */
}

static void check_copy(par_pool *pool, int threads)
{
    enum { NSEG = 7 };
    const size_t sizes[NSEG] = {0, 1, 4095, 1 << 20, 3, (5 << 20) + 17, 12345};
    par_segment seg[NSEG];
    unsigned char *src[NSEG], *dst[NSEG];
    for (int s = 0; s < NSEG; ++s) {
        src[s] = malloc(sizes[s] + 1);
        dst[s] = calloc(sizes[s] + 1, 1);
        for (size_t i = 0; i < sizes[s]; ++i)
            src[s][i] = (unsigned char)(i * 31u + (unsigned)s);
        seg[s].dst = dst[s];
        seg[s].src = src[s];
        seg[s].count = sizes[s];
        seg[s].dst_size = seg[s].src_size = 1;
    }
    par_copy(pool, seg, NSEG, threads);
    for (int s = 0; s < NSEG; ++s) {
        T_CHECKF(memcmp(src[s], dst[s], sizes[s]) == 0, "segment %d of %zu bytes (threads %d)", s,
                 sizes[s], threads);
        free(src[s]);
        free(dst[s]);
    }
}

/* Mixed segments: doubles to floats (rounding to nearest, like the cast; overflow to Inf, NaN
 * kept), floats to doubles (exact), and 8-byte copies, split across threads. */
static void check_convert(par_pool *pool, int threads)
{
    const size_t n = (3 << 20) + 5;
    double *d = malloc(n * sizeof *d), *d2 = malloc(n * sizeof *d2), *d3 = malloc(n * sizeof *d3);
    float *f = malloc(n * sizeof *f);
    T_CHECK(d && d2 && d3 && f);
    if (!d || !d2 || !d3 || !f)
        return;
    for (size_t i = 0; i < n; ++i)
        d[i] = (double)i * 1.000000123 - 1e6 + (i % 97 == 0 ? 1e300 : 0.0);
    d[7] = 0.0 / 0.0;
    par_segment seg[3] = {{f, d, n, 4, 8}, {d2, f, n / 2, 8, 4}, {d3, d, n, 8, 8}};
    par_copy(pool, seg, 1, threads); /* f first: the float -> double segment reads it */
    par_segment rest[2] = {seg[1], seg[2]};
    par_copy(pool, rest, 2, threads);
    /* Destinations off the 16-byte grid of the wide stores (heads and tails copied apart): the
     * same values land one and three elements further on. */
    float *f3 = malloc((n + 3) * sizeof *f3);
    double *d4 = malloc((n + 1) * sizeof *d4);
    T_CHECK(f3 && d4);
    size_t bad = 0;
    if (f3 && d4) {
        par_segment off[2] = {{f3 + 3, d, n, 4, 8}, {d4 + 1, f, n, 8, 4}};
        par_copy(pool, off, 2, threads);
        for (size_t i = 0; i < n; ++i) {
            bad += memcmp(&f3[i + 3], &f[i], sizeof f[i]) != 0;
            double back = (double)f[i];
            bad += memcmp(&d4[i + 1], &back, sizeof back) != 0;
        }
    }
    free(f3);
    free(d4);
    for (size_t i = 0; i < n; ++i) {
        float want = (float)d[i];
        bad += memcmp(&f[i], &want, sizeof want) != 0;
        bad += memcmp(&d3[i], &d[i], sizeof d[i]) != 0;
        if (i < n / 2) {
            double back = (double)want;
            bad += memcmp(&d2[i], &back, sizeof back) != 0;
        }
    }
    T_CHECKF(bad == 0, "converting copies (threads %d, pool %d): %zu values differ from a cast",
             threads, pool != NULL, bad);
    free(d);
    free(d2);
    free(d3);
    free(f);
}

/* A batch of a model with two states (x = 0, y = 3) and two parameters (a = 1, c = 2). */
static bo_batch *open_batch(bo_context **ctx, bo_model **m)
{
    bo_batch *b = NULL;
    T_EQ_INT(bo_context_create(ctx), BO_OK);
    T_EQ_INT(bo_model_load_string(*ctx,
                                  "param a = 1, c = 2\nstate x = 0, y = 3\n"
                                  "dx/dt = a\ndy/dt = c\n",
                                  "m", m),
             BO_OK);
    T_EQ_INT(bo_batch_create(*ctx, *m, &b), BO_OK);
    return b;
}

static void close_batch(bo_context *ctx, bo_model *m, bo_batch *b)
{
    bo_batch_destroy(b);
    bo_model_destroy(m);
    bo_context_destroy(ctx);
}

static void check_fill_rows(void)
{
    bo_context *ctx = NULL;
    bo_model *m = NULL;
    bo_batch *b = open_batch(&ctx, &m);
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "a", "0:1:7"), BO_OK);
    T_EQ_INT(bo_batch_set_spec(b, BO_STATE, "x", "1,2,3"), BO_OK);
    T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "c", "5,6,7,8,9"), BO_OK);
    size_t runs = bo_batch_run_count(b);
    T_EQ_INT(runs, 105);
    double *i1 = calloc(2 * runs, sizeof *i1), *p1 = calloc(2 * runs, sizeof *p1);
    double *i2 = calloc(2 * runs, sizeof *i2), *p2 = calloc(2 * runs, sizeof *p2);
    T_EQ_INT(bt_fill(b, 0, runs, i1, p1), BO_OK);
    for (size_t first = 0; first < runs; first += 11) {
        size_t count = first + 11 <= runs ? 11 : runs - first;
        T_EQ_INT(bt_fill_rows(b, first, count, runs, i2 + first, p2 + first), BO_OK);
    }
    T_CHECK(memcmp(i1, i2, 2 * runs * sizeof *i1) == 0);
    T_CHECK(memcmp(p1, p2, 2 * runs * sizeof *p1) == 0);
    /* Straight into float rows (a device's staging): each value as (float) of the double. */
    float *fi = calloc(2 * runs, sizeof *fi), *fp = calloc(2 * runs, sizeof *fp);
    for (size_t first = 0; first < runs; first += 13) {
        size_t count = first + 13 <= runs ? 13 : runs - first;
        T_EQ_INT(bt_fill_rows_as(b, first, count, runs, fi + first, fp + first, 4), BO_OK);
    }
    size_t fbad = 0;
    for (size_t i = 0; i < 2 * runs; ++i)
        fbad += fi[i] != (float)i1[i] || fp[i] != (float)p1[i];
    T_EQ_INT(fbad, 0);
    T_EQ_INT(bt_fill_rows_as(b, 0, 1, runs, fi, fp, 2), BO_ERR_INVALID_ARG);
    free(fi);
    free(fp);
    free(i1);
    free(p1);
    free(i2);
    free(p2);
    close_batch(ctx, m, b);
}

/* bt_fill_rows_as against bo_batch_get_run (which works out each run on its own, by its
 * mixed-radix digits), for rows long enough for the bulk paths' streaming stores: a
 * combinatorial grid whose first group repeats each value over 5000 runs and whose second
 * changes every run, and a verbatim grid with a broadcast value; pieces of 4099 runs, so the
 * pieces start off the 16-byte grid, in float64 and float32. */
static void check_fill_bulk(int grid)
{
    bo_context *ctx = NULL;
    bo_model *m = NULL;
    bo_batch *b = open_batch(&ctx, &m);
    T_EQ_INT(bo_batch_set_grid(b, grid), BO_OK);
    if (grid == BO_GRID_COMBINATORIAL) {
        T_EQ_INT(bo_batch_set_spec(b, BO_STATE, "x", "1,2,3"), BO_OK);
        T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "a", "0:1:5000"), BO_OK);
    } else {
        T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "a", "0:1:20000"), BO_OK);
        T_EQ_INT(bo_batch_set_spec(b, BO_PARAMETER, "c", "-1:1:20000"), BO_OK);
        T_EQ_INT(bo_batch_set_spec(b, BO_STATE, "x", "7"), BO_OK);
    }
    size_t runs = bo_batch_run_count(b);
    T_EQ_INT(runs, grid == BO_GRID_COMBINATORIAL ? 15000 : 20000);
    double *wi = calloc(2 * runs, sizeof *wi), *wp = calloc(2 * runs, sizeof *wp);
    double *di = calloc(2 * runs, sizeof *di), *dp = calloc(2 * runs, sizeof *dp);
    float *fi = calloc(2 * runs, sizeof *fi), *fp = calloc(2 * runs, sizeof *fp);
    T_CHECK(wi && wp && di && dp && fi && fp);
    if (!(wi && wp && di && dp && fi && fp))
        goto out;
    for (size_t r = 0; r < runs; ++r) {
        double init[2], params[2];
        T_EQ_INT(bo_batch_get_run(b, r, init, params), BO_OK);
        for (size_t v = 0; v < 2; ++v) {
            wi[v * runs + r] = init[v];
            wp[v * runs + r] = params[v];
        }
    }
    for (size_t first = 0; first < runs; first += 4099) {
        size_t count = first + 4099 <= runs ? 4099 : runs - first;
        T_EQ_INT(bt_fill_rows_as(b, first, count, runs, di + first, dp + first, 8), BO_OK);
        T_EQ_INT(bt_fill_rows_as(b, first, count, runs, fi + first, fp + first, 4), BO_OK);
    }
    size_t dbad = 0, fbad = 0;
    for (size_t i = 0; i < 2 * runs; ++i) {
        dbad += di[i] != wi[i] || dp[i] != wp[i];
        fbad += fi[i] != (float)wi[i] || fp[i] != (float)wp[i];
    }
    T_CHECKF(dbad == 0 && fbad == 0, "grid %d: %zu double and %zu float values differ", grid, dbad,
             fbad);
out:
    free(wi);
    free(wp);
    free(di);
    free(dp);
    free(fi);
    free(fp);
    close_batch(ctx, m, b);
}

int main(void)
{
    const size_t ns[] = {0, 1, 2, 7, 1000, 65537};
    const size_t grains[] = {1, 3, 1000, 1 << 20};
    const int threads[] = {1, 2, 5, 0, 200};
    par_pool *pools[2] = {par_pool_create(0), par_pool_create(3)};
    T_CHECK(pools[0] && pools[1]);
    for (int pl = 0; pl < 3; ++pl) {
        par_pool *pool = pl ? pools[pl - 1] : NULL;
        for (size_t a = 0; a < sizeof ns / sizeof ns[0]; ++a)
            for (size_t g = 0; g < sizeof grains / sizeof grains[0]; ++g)
                for (size_t t = 0; t < sizeof threads / sizeof threads[0]; ++t)
                    check_for(pool, ns[a], grains[g], threads[t]);
        check_copy(pool, 1);
        check_copy(pool, 3);
        check_copy(pool, 0);
        check_convert(pool, 4);
    }
    par_pool_destroy(pools[0]);
    par_pool_destroy(pools[1]);
    par_pool_destroy(par_pool_create(2)); /* never used: no workers to stop */
    check_gaps();
    check_fill_rows();
    check_fill_bulk(BO_GRID_COMBINATORIAL);
    check_fill_bulk(BO_GRID_VERBATIM);
    T_DONE();
}
