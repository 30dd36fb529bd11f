/* Parallel loops over contiguous pieces with short-lived threads (see parallel.h). A solve
 * calls them a handful of times, so creating the threads per call (tens of microseconds) is
 * cheaper than keeping a pool alive between solves. */
#include "parallel.h"

#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define PAR_MAX_THREADS 64

int par_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

typedef struct {
    par_fn fn;
    void *user;
    size_t begin, end;
} piece;

static void *run_piece(void *p)
{
    piece *pc = p;
    pc->fn(pc->user, pc->begin, pc->end);
    return NULL;
}

void par_for(size_t n, size_t grain, int threads, par_fn fn, void *user)
{
    if (n == 0)
        return;
    if (threads <= 0)
        threads = par_cores();
    if (threads > PAR_MAX_THREADS)
        threads = PAR_MAX_THREADS;
    if (grain < 1)
        grain = 1;
    size_t pieces = n / grain;
    if (pieces > (size_t)threads)
        pieces = (size_t)threads;
    if (pieces <= 1) {
        fn(user, 0, n);
        return;
    }
    piece pc[PAR_MAX_THREADS];
    pthread_t tid[PAR_MAX_THREADS];
    int started[PAR_MAX_THREADS];
    for (size_t i = 0; i < pieces; ++i) {
        pc[i].fn = fn;
        pc[i].user = user;
        pc[i].begin = n / pieces * i + (i < n % pieces ? i : n % pieces);
        pc[i].end = pc[i].begin + n / pieces + (i < n % pieces ? 1 : 0);
    }
    for (size_t i = 1; i < pieces; ++i)
        started[i] = pthread_create(&tid[i], NULL, run_piece, &pc[i]) == 0;
    run_piece(&pc[0]);
    for (size_t i = 1; i < pieces; ++i) {
        if (started[i])
            pthread_join(tid[i], NULL);
        else
            run_piece(&pc[i]);
    }
}

typedef struct {
    const par_segment *seg;
    size_t count;
} copy_job;

/* Copy the bytes [begin, end) of the concatenation of all segments. */
static void copy_range(void *user, size_t begin, size_t end)
{
    const copy_job *j = user;
    size_t off = 0;
    for (size_t s = 0; s < j->count && off < end; ++s) {
        size_t len = j->seg[s].bytes;
        size_t lo = begin > off ? begin - off : 0;
        size_t hi = end - off < len ? end - off : len;
        if (lo < hi)
            memcpy((unsigned char *)j->seg[s].dst + lo, (const unsigned char *)j->seg[s].src + lo,
                   hi - lo);
        off += len;
    }
}

void par_copy(const par_segment *seg, size_t count, int threads)
{
    size_t total = 0;
    for (size_t s = 0; s < count; ++s)
        total += seg[s].bytes;
    copy_job j = {seg, count};
    /* Below a few MB one thread is as fast as several. */
    par_for(total, (size_t)4 << 20, threads, copy_range, &j);
}
