/* Parallel loops over contiguous pieces (see parallel.h): on a solver's pool of workers (which
 * poll briefly between loops, then sleep), or on threads made for one call when there is no
 * pool. */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* sched_getaffinity: the cores this process may run on */
#endif
#include "parallel.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#define PAR_STREAM 1
#else
#define PAR_STREAM 0
#endif

#define PAR_MAX_THREADS 64

int par_cores(void)
{
#if defined(__linux__) && defined(CPU_COUNT)
    /* The cores this process may use (taskset, cgroup cpusets, batch schedulers), which can be
     * far fewer than the machine has online. */
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
#endif
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
    int workers, max_workers, sleepers, waiting;
    atomic_int stop;
    /* Written under mu; read without it while spinning. gen counts the loops posted. */
    atomic_uint gen;
    atomic_size_t finished;
    const piece *pieces; /* the current loop's pieces (the caller's array), NULL when idle */
    size_t n_pieces, next;
};

/* How long a worker, or a caller waiting for the last piece, polls before it sleeps: a loop
 * that comes within this time starts without a wake-up through the kernel (tens of
 * microseconds each, for every worker), and the passes of a solve come in quick succession
 * (a GPU solve's results arrive in pieces about 0.1 ms apart). */
#define PAR_SPIN_NS 200000L

static long long mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void cpu_relax(void)
{
#if defined(__SSE2__)
    _mm_pause();
#endif
}

/* Poll, for up to PAR_SPIN_NS, until ready(p, arg) holds. Callers re-check under mu
 * afterwards, so a poll that times out only means sleeping. */
static void poll_until(par_pool *p, int (*ready)(par_pool *, size_t), size_t arg)
{
    long long end = mono_ns() + PAR_SPIN_NS;
    for (unsigned i = 1; !ready(p, arg); ++i) {
        cpu_relax();
        if ((i & 63) == 0 && mono_ns() > end)
            return;
    }
}

/* A loop other than number `seen` was posted, or the pool stops. */
static int new_loop(par_pool *p, size_t seen)
{
    return atomic_load_explicit(&p->gen, memory_order_acquire) != (unsigned)seen ||
           atomic_load_explicit(&p->stop, memory_order_relaxed);
}

/* All `n` pieces of the current loop have finished. */
static int loop_done(par_pool *p, size_t n)
{
    return atomic_load_explicit(&p->finished, memory_order_acquire) >= n;
}

par_pool *par_pool_create(int threads)
{
    par_pool *p = bo_calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->max_workers = clamp_threads(threads) - 1;
    atomic_init(&p->stop, 0);
    atomic_init(&p->gen, 0u);
    atomic_init(&p->finished, (size_t)0);
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
    atomic_store(&p->stop, 1);
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
        size_t done = atomic_fetch_add_explicit(&p->finished, 1, memory_order_acq_rel) + 1;
        if (done == p->n_pieces && p->waiting)
            pthread_cond_signal(&p->done);
    }
}

static void *worker(void *arg)
{
    par_pool *p = arg;
    pthread_mutex_lock(&p->mu);
    while (!atomic_load(&p->stop)) {
        take_pieces(p);
        unsigned seen = atomic_load(&p->gen);
        /* Poll for the next loop a while before sleeping; under mu again, sleep only if none
         * came (pool_for posts under mu, so none is missed). */
        pthread_mutex_unlock(&p->mu);
        poll_until(p, new_loop, seen);
        pthread_mutex_lock(&p->mu);
        if (atomic_load(&p->gen) == seen && !atomic_load(&p->stop)) {
            ++p->sleepers;
            pthread_cond_wait(&p->wake, &p->mu);
            --p->sleepers;
        }
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
    atomic_store(&p->finished, 0);
    atomic_fetch_add_explicit(&p->gen, 1, memory_order_release);
    if (p->sleepers > 0)
        pthread_cond_broadcast(&p->wake);
    take_pieces(p);
    if (atomic_load(&p->finished) < pieces) {
        pthread_mutex_unlock(&p->mu);
        poll_until(p, loop_done, pieces);
        pthread_mutex_lock(&p->mu);
        p->waiting = 1;
        while (atomic_load(&p->finished) < pieces)
            pthread_cond_wait(&p->done, &p->mu);
        p->waiting = 0;
    }
    p->pieces = NULL;
    p->n_pieces = p->next = 0;
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

#if PAR_STREAM
/* Copies that write with non-temporal (streaming) stores: the large arrays these passes fill
 * are not read again soon, and a streaming store skips reading every destination line before
 * overwriting it, a third of the memory traffic of a converting copy (measured: 1.7x faster
 * on one core). The stores are weakly ordered; copy_part fences after them. */
static void stream_bytes(unsigned char *d, const unsigned char *s, size_t n)
{
    size_t head = (size_t)(-(uintptr_t)d & 15);
    if (head > n)
        head = n;
    memcpy(d, s, head);
    size_t i = head;
    for (; i + 64 <= n; i += 64) {
        __m128i a = _mm_loadu_si128((const __m128i *)(s + i));
        __m128i b = _mm_loadu_si128((const __m128i *)(s + i + 16));
        __m128i c = _mm_loadu_si128((const __m128i *)(s + i + 32));
        __m128i e = _mm_loadu_si128((const __m128i *)(s + i + 48));
        _mm_stream_si128((__m128i *)(d + i), a);
        _mm_stream_si128((__m128i *)(d + i + 16), b);
        _mm_stream_si128((__m128i *)(d + i + 32), c);
        _mm_stream_si128((__m128i *)(d + i + 48), e);
    }
    memcpy(d + i, s + i, n - i);
}

static void stream_to_double(double *d, const float *s, size_t n)
{
    size_t i = 0;
    for (; i < n && ((uintptr_t)(d + i) & 15) != 0; ++i)
        d[i] = (double)s[i];
    for (; i + 4 <= n; i += 4) {
        __m128 v = _mm_loadu_ps(s + i);
        _mm_stream_pd(d + i, _mm_cvtps_pd(v));
        _mm_stream_pd(d + i + 2, _mm_cvtps_pd(_mm_movehl_ps(v, v)));
    }
    for (; i < n; ++i)
        d[i] = (double)s[i];
}

static void stream_to_float(float *d, const double *s, size_t n)
{
    size_t i = 0;
    for (; i < n && ((uintptr_t)(d + i) & 15) != 0; ++i)
        d[i] = (float)s[i];
    for (; i + 4 <= n; i += 4) {
        __m128 lo = _mm_cvtpd_ps(_mm_loadu_pd(s + i));
        __m128 hi = _mm_cvtpd_ps(_mm_loadu_pd(s + i + 2));
        _mm_stream_ps(d + i, _mm_movelh_ps(lo, hi));
    }
    for (; i < n; ++i)
        d[i] = (float)s[i];
}
#endif

/* Parts from this many bytes on are written with streaming stores where the CPU has them. */
#define PAR_STREAM_BYTES ((size_t)1 << 15)

/* Elements [lo, hi) of one segment. */
static void copy_part(const par_segment *g, size_t lo, size_t hi)
{
    size_t n = hi - lo;
#if PAR_STREAM
    if (n * g->dst_size >= PAR_STREAM_BYTES) {
        unsigned char *d = (unsigned char *)g->dst + lo * g->dst_size;
        const unsigned char *s = (const unsigned char *)g->src + lo * g->src_size;
        if (g->dst_size == g->src_size)
            stream_bytes(d, s, n * g->dst_size);
        else if (g->dst_size == 4)
            stream_to_float((float *)(void *)d, (const double *)(const void *)s, n);
        else
            stream_to_double((double *)(void *)d, (const float *)(const void *)s, n);
        _mm_sfence();
        return;
    }
#endif
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

void par_copy_segment(const par_segment *seg)
{
    if (seg->count > 0)
        copy_part(seg, 0, seg->count);
}

void par_fill_value(void *dst, size_t count, double v, int elem_bytes)
{
    size_t i = 0;
    if (elem_bytes == 4) {
        float *d = dst, f = (float)v;
#if PAR_STREAM
        if (count * 4 >= PAR_STREAM_BYTES) {
            for (; i < count && ((uintptr_t)(d + i) & 15) != 0; ++i)
                d[i] = f;
            __m128 x = _mm_set1_ps(f);
            for (; i + 4 <= count; i += 4)
                _mm_stream_ps(d + i, x);
            _mm_sfence();
        }
#endif
        for (; i < count; ++i)
            d[i] = f;
    } else {
        double *d = dst;
#if PAR_STREAM
        if (count * 8 >= PAR_STREAM_BYTES) {
            for (; i < count && ((uintptr_t)(d + i) & 15) != 0; ++i)
                d[i] = v;
            __m128d x = _mm_set1_pd(v);
            for (; i + 2 <= count; i += 2)
                _mm_stream_pd(d + i, x);
            _mm_sfence();
        }
#endif
        for (; i < count; ++i)
            d[i] = v;
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
    /* Each thread copies at least 2^16 elements (a few hundred KB) from the pool's standing
     * workers, 2^19 when threads have to be created for the call. */
    par_for(pool, total, pool ? (size_t)1 << 16 : (size_t)1 << 19, threads, copy_range, &j);
}
