/* src/parallel.c: par_for visits every index of [0, n) exactly once whatever the grain and
 * thread count (including more threads than items, one thread, and n = 0); par_copy copies
 * every byte of segments of mixed sizes, split across threads at arbitrary offsets; and
 * bt_fill_rows filling a batch piece by piece (as the solver does, from several threads)
 * gives exactly bt_fill's values. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "batch_internal.h"
#include "harness.h"
#include "parallel.h"

typedef struct {
    _Atomic int *hits;
} visit_job;

static void visit(void *user, size_t begin, size_t end)
{
    visit_job *j = user;
    for (size_t i = begin; i < end; ++i)
        atomic_fetch_add(&j->hits[i], 1);
}

static void check_for(size_t n, size_t grain, int threads)
{
    _Atomic int *hits = calloc(n + 1, sizeof *hits);
    T_CHECK(hits != NULL);
    if (!hits)
        return;
    visit_job j = {hits};
    par_for(n, grain, threads, visit, &j);
    size_t bad = 0;
    for (size_t i = 0; i < n; ++i)
        bad += atomic_load(&hits[i]) != 1;
    T_CHECKF(bad == 0, "par_for n=%zu grain=%zu threads=%d: %zu indices not visited once", n, grain,
             threads, bad);
    free((void *)hits);
}

static void check_copy(int threads)
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
        seg[s].bytes = sizes[s];
    }
    par_copy(seg, NSEG, threads);
    for (int s = 0; s < NSEG; ++s) {
        T_CHECKF(memcmp(src[s], dst[s], sizes[s]) == 0, "segment %d of %zu bytes (threads %d)", s,
                 sizes[s], threads);
        free(src[s]);
        free(dst[s]);
    }
}

static void check_fill_rows(void)
{
    bo_context *ctx = NULL;
    bo_model *m = NULL;
    bo_batch *b = NULL;
    T_EQ_INT(bo_context_create(&ctx), BO_OK);
    T_EQ_INT(bo_model_load_string(ctx,
                                  "param a = 1, c = 2\nstate x = 0, y = 3\n"
                                  "dx/dt = a\ndy/dt = c\n",
                                  "m", &m),
             BO_OK);
    T_EQ_INT(bo_batch_create(ctx, m, &b), BO_OK);
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
    free(i1);
    free(p1);
    free(i2);
    free(p2);
    bo_batch_destroy(b);
    bo_model_destroy(m);
    bo_context_destroy(ctx);
}

int main(void)
{
    const size_t ns[] = {0, 1, 2, 7, 1000, 65537};
    const size_t grains[] = {1, 3, 1000, 1 << 20};
    const int threads[] = {1, 2, 5, 0, 200};
    for (size_t a = 0; a < sizeof ns / sizeof ns[0]; ++a)
        for (size_t g = 0; g < sizeof grains / sizeof grains[0]; ++g)
            for (size_t t = 0; t < sizeof threads / sizeof threads[0]; ++t)
                check_for(ns[a], grains[g], threads[t]);
    check_copy(1);
    check_copy(3);
    check_copy(0);
    check_fill_rows();
    T_DONE();
}
