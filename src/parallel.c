/* Parallel loops over contiguous pieces (see parallel.h): on a solver's pool of sleeping
 * workers, or on threads made for one call when there is no pool. */
#include "parallel.h"

#include <pthread.h>
#include <stdlib.h>
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

/* threads <= 0: one per core; never more than PAR_MAX_THREADS. */
static int clamp_threads(int threads)
{
    if (threads <= 0)
        threads = par_cores();
    return threads > PAR_MAX_THREADS ? PAR_MAX_THREADS : threads;
}

/* Split [0, n) into at most `threads` pieces of at least `grain` items; returns the count. */
static size_t split(size_t n, size_t grain, int threads, par_fn fn, void *user, piece *pc)
{
    threads = clamp_threads(threads);
    if (grain < 1)
        grain = 1;
    size_t pieces = n / grain;
    if (pieces > (size_t)threads)
        pieces = (size_t)threads;
    if (pieces < 1)
        pieces = 1;
    for (size_t i = 0; i < pieces; ++i) {
        pc[i].fn = fn;
        pc[i].user = user;
        pc[i].begin = n / pieces * i + (i < n % pieces ? i : n % pieces);
        pc[i].end = pc[i].begin + n / pieces + (i < n % pieces ? 1 : 0);
    }
    return pieces;
}

struct par_pool {
    pthread_mutex_t mu;
    pthread_cond_t wake; /* workers wait here for pieces or stop */
    pthread_cond_t done; /* the caller waits here for the last piece */
    pthread_t tid[PAR_MAX_THREADS];
    int workers, max_workers, stop;
    const piece *pieces; /* the current loop's pieces (the caller's array), NULL when idle */
    size_t n_pieces, next, finished;
};

par_pool *par_pool_create(int threads)
{
    par_pool *p = bo_calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->max_workers = clamp_threads(threads) - 1;
    if (pthread_mutex_init(&p->mu, NULL) != 0) {
        free(p);
        return NULL;
    }
    if (pthread_cond_init(&p->wake, NULL) != 0) {
        pthread_mutex_destroy(&p->mu);
        free(p);
        return NULL;
    }
    if (pthread_cond_init(&p->done, NULL) != 0) {
        pthread_cond_destroy(&p->wake);
        pthread_mutex_destroy(&p->mu);
        free(p);
        return NULL;
    }
    return p;
}

void par_pool_destroy(par_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->workers; ++i)
        pthread_join(p->tid[i], NULL);
    pthread_cond_destroy(&p->done);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

/* Take and run pieces of the current loop until none is left; called with mu held, returns
 * with it held. */
static void take_pieces(par_pool *p)
{
    while (p->pieces && p->next < p->n_pieces) {
        const piece *pc = &p->pieces[p->next++];
        pthread_mutex_unlock(&p->mu);
        pc->fn(pc->user, pc->begin, pc->end);
        pthread_mutex_lock(&p->mu);
        if (++p->finished == p->n_pieces)
            pthread_cond_signal(&p->done);
    }
}

static void *worker(void *arg)
{
    par_pool *p = arg;
    pthread_mutex_lock(&p->mu);
    while (!p->stop) {
        take_pieces(p);
        if (!p->stop)
            pthread_cond_wait(&p->wake, &p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static void pool_for(par_pool *p, const piece *pc, size_t pieces)
{
    pthread_mutex_lock(&p->mu);
    /* Start workers up to what this loop can use; one that cannot start leaves its pieces
     * to the others and the caller. */
    while (p->workers < p->max_workers && (size_t)p->workers + 1 < pieces &&
           pthread_create(&p->tid[p->workers], NULL, worker, p) == 0)
        ++p->workers;
    p->pieces = pc;
    p->n_pieces = pieces;
    p->next = 0;
    p->finished = 0;
    pthread_cond_broadcast(&p->wake);
    take_pieces(p);
    while (p->finished < p->n_pieces)
        pthread_cond_wait(&p->done, &p->mu);
    p->pieces = NULL;
    p->n_pieces = p->next = p->finished = 0;
    pthread_mutex_unlock(&p->mu);
}

void par_for(par_pool *pool, size_t n, size_t grain, int threads, par_fn fn, void *user)
{
    if (n == 0)
        return;
    piece pc[PAR_MAX_THREADS];
    size_t pieces = split(n, grain, threads, fn, user, pc);
    if (pieces == 1) {
        fn(user, 0, n);
        return;
    }
    if (pool) {
        pool_for(pool, pc, pieces);
        return;
    }
    pthread_t tid[PAR_MAX_THREADS];
    int started[PAR_MAX_THREADS];
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

/* Elements [lo, hi) of one segment. */
static void copy_part(const par_segment *g, size_t lo, size_t hi)
{
    size_t n = hi - lo;
    if (g->dst_size == g->src_size) {
        memcpy((unsigned char *)g->dst + lo * g->dst_size,
               (const unsigned char *)g->src + lo * g->src_size, n * g->dst_size);
    } else if (g->dst_size == 4) {
        float *d = (float *)g->dst + lo;
        const double *s = (const double *)g->src + lo;
        for (size_t i = 0; i < n; ++i)
            d[i] = (float)s[i];
    } else {
        double *d = (double *)g->dst + lo;
        const float *s = (const float *)g->src + lo;
        for (size_t i = 0; i < n; ++i)
            d[i] = (double)s[i];
    }
}

/* Copy the elements [begin, end) of the concatenation of all segments. */
static void copy_range(void *user, size_t begin, size_t end)
{
    const copy_job *j = user;
    size_t off = 0;
    for (size_t s = 0; s < j->count && off < end; ++s) {
        size_t len = j->seg[s].count;
        size_t lo = begin > off ? begin - off : 0;
        size_t hi = end - off < len ? end - off : len;
        if (lo < hi)
            copy_part(&j->seg[s], lo, hi);
        off += len;
    }
}

void par_copy(par_pool *pool, const par_segment *seg, size_t count, int threads)
{
    size_t total = 0;
    for (size_t s = 0; s < count; ++s)
        total += seg[s].count;
    copy_job j = {seg, count};
    /* Below a few MB one thread is as fast as several. */
    par_for(pool, total, (size_t)1 << 19, threads, copy_range, &j);
}
