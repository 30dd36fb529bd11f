/* CPU backend (see cpu.h). The generated unit is compiled once per distinct source, compiler
 * and flags: the compile cache keys the shared object by their hash, so a second process or
 * a second solver with the same program loads it without compiling. Within a process the
 * dlopen handle is shared through the in-memory cache. */
#include "cpu.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend/cache.h"
#include "backend/cpu/compile.h"
#include "util/internal.h"
#include "util/parallel.h"
#include "util/strbuf.h"

/* Optimisation flags: fast, but never -ffinite-math-only, so NaN/Inf checks keep working.
 * -march=native makes code for this CPU only; the cache key then holds the CPU's
 * instruction-set features (compile.h), so a shared cache never hands it to another CPU. The
 * `cflags` setting comes after these, so its -march wins. */
#define CPU_BASE_FLAGS                                                                             \
    "-std=c11 -O3 -fPIC -shared -fno-math-errno -fno-trapping-math -ffp-contract=fast "            \
    "-fno-semantic-interposition -march=native"

typedef void (*run_range_fn)(const void *args, int64_t begin, int64_t end);

typedef struct {
    void *handle;
    int hold_fd; /* closed after dlclose (cpu_dlopen_bytes) */
    run_range_fn run_range;
    size_t stack_bytes; /* stack a thread needs to integrate runs (0: the program does not say) */
    _Atomic int refs;
} loaded_so;

struct cpu_module {
    loaded_so *so;
    int cached;
};

static void loaded_release(void *p)
{
    loaded_so *l = p;
    if (!l)
        return;
    if (atomic_fetch_sub(&l->refs, 1) == 1) {
        dlclose(l->handle);
        if (l->hold_fd >= 0)
            close(l->hold_fd);
        free(l);
    }
}

/* Load a shared object from its bytes (never from a path: see cpu_dlopen_bytes). */
static int open_so(bo_context *ctx, const void *bytes, size_t size, loaded_so **out)
{
    *out = NULL;
    void *h = NULL;
    int fd = -1;
    int rc = cpu_dlopen_bytes(ctx, bytes, size, &h, &fd);
    if (rc != BO_OK)
        return rc;
    void *sym = dlsym(h, "bo_run_range");
    loaded_so *l = sym ? bo_calloc(1, sizeof *l) : NULL;
    if (!l) {
        dlclose(h);
        if (fd >= 0)
            close(fd);
        return sym ? BO_ERR_NOMEM
                   : bo_error(ctx, BO_ERR_COMPILE, "the compiled program lacks bo_run_range");
    }
    l->handle = h;
    l->hold_fd = fd;
    memcpy(&l->run_range, &sym, sizeof sym);
    const unsigned long long *stack = dlsym(h, "bo_stack_bytes");
    l->stack_bytes = stack ? (size_t)*stack : 0;
    atomic_init(&l->refs, 1);
    *out = l;
    return BO_OK;
}

/* The compiler command and its flags as argument vectors: cc's words; the built-in flags, the
 * `cflags` setting's words, then BATCHODE_EXTRA_CFLAGS's (a debugging aid: the sanitizer test
 * preset compiles generated programs with -fsanitize through it). flat receives the flags
 * framed word by word, for the cache key. */
static int command_words(bo_context *ctx, const char *cc, const char *cflags, cpu_words *ccw,
                         cpu_words *flags, char **flat)
{
    *flat = NULL;
    int rc = cpu_words_split(ctx, "setting 'cc'", cc, ccw);
    if (rc == BO_OK && ccw->n == 0)
        rc = bo_error(ctx, BO_ERR_SETTING, "setting 'cc' names no compiler");
    if (rc == BO_OK)
        rc = cpu_words_split(ctx, "built-in flags", CPU_BASE_FLAGS, flags);
    if (rc == BO_OK)
        rc = cpu_words_split(ctx, "setting 'cflags'", cflags, flags);
    if (rc == BO_OK)
        rc = cpu_words_split(ctx, "environment variable BATCHODE_EXTRA_CFLAGS",
                             getenv("BATCHODE_EXTRA_CFLAGS"), flags);
    if (rc != BO_OK)
        return rc;
    /* The key holds every word of the command: the compiler's own (cc may be "gcc -m32" or
     * "ccache cc", whose --version reads like the plain compiler's) and the flags. */
    sb_buf b;
    sb_init(&b);
    for (size_t i = 0; i < ccw->n; ++i)
        sb_printf(&b, "cc%zu:%s,", strlen(ccw->v[i]), ccw->v[i]);
    for (size_t i = 0; i < flags->n; ++i)
        sb_printf(&b, "%zu:%s,", strlen(flags->v[i]), flags->v[i]);
    sb_append(&b, "");
    *flat = sb_take(&b);
    return *flat ? BO_OK : bo_error(ctx, BO_ERR_NOMEM, "out of memory");
}

/* The object for key: from the disk cache when it holds one that loads, else compiled (and
 * then stored). A cached object that verifies but does not load is dropped and rebuilt. */
static int load_or_compile(bo_context *ctx, const char *source, const cpu_words *ccw,
                           const cpu_words *flags, const char *key, int disk_cache, loaded_so **out,
                           int *cached)
{
    *cached = 0;
    void *bytes = NULL;
    size_t size = 0;
    if (disk_cache && cc_load_bytes(ctx, key, "so", &bytes, &size) == 1) {
        int rc = open_so(ctx, bytes, size, out);
        bo_free(bytes);
        if (rc == BO_OK) {
            *cached = 1;
            return BO_OK;
        }
        if (rc == BO_ERR_NOMEM)
            return rc;
        bo_warn(ctx, "compile cache: dropped the cached object %s.so, which did not load (%s)", key,
                bo_errmsg(ctx));
        cc_remove(ctx, key, "so");
    }
    bo_clear_error(ctx); /* an unreadable or unusable cache is a miss, not a failure */
    int rc = cpu_compile(ctx, ccw, flags, source, &bytes, &size);
    if (rc != BO_OK)
        return rc;
    /* A cache that cannot be written only costs the next compile. */
    if (disk_cache && cc_store_bytes(ctx, key, "so", bytes, size) != BO_OK)
        bo_clear_error(ctx);
    rc = open_so(ctx, bytes, size, out);
    bo_free(bytes);
    return rc;
}

int cpu_module_load(bo_context *ctx, const char *source, const char *cc, const char *cflags,
                    int disk_cache, cpu_module **out)
{
    if (!out || !source)
        return BO_ERR_INVALID_ARG;
    *out = NULL;
    if (!cc || !*cc)
        cc = "cc";
    cpu_words ccw, flags;
    cpu_words_init(&ccw);
    cpu_words_init(&flags);
    char *flat = NULL, *ident = NULL;
    int rc = command_words(ctx, cc, cflags, &ccw, &flags, &flat);
    if (rc == BO_OK)
        rc = cpu_compiler_identity(ctx, &ccw, &flags, &ident);
    char key[65], memkey[80];
    if (rc == BO_OK) {
        cc_key(source, ident, flat, key);
        snprintf(memkey, sizeof memkey, "cpu:%s", key);
    }
    free(flat);
    free(ident);
    cpu_module *m = rc == BO_OK ? bo_calloc(1, sizeof *m) : NULL;
    if (rc == BO_OK && !m)
        rc = BO_ERR_NOMEM;
    loaded_so *l = rc == BO_OK ? cc_mem_get(memkey) : NULL;
    if (l) {
        atomic_fetch_add(&l->refs, 1);
        m->so = l;
        m->cached = 1;
    } else if (rc == BO_OK) {
        rc = load_or_compile(ctx, source, &ccw, &flags, key, disk_cache, &l, &m->cached);
    }
    cpu_words_free(&ccw);
    cpu_words_free(&flags);
    if (rc != BO_OK) {
        free(m);
        return rc;
    }
    if (m->so) {
        *out = m;
        return BO_OK;
    }
    m->so = l;
    /* The in-memory cache holds its own reference; when another thread stored one first,
     * use that and drop ours. */
    atomic_fetch_add(&m->so->refs, 1);
    void *held = NULL;
    if (cc_mem_put(ctx, memkey, m->so, loaded_release, &held) != BO_OK) {
        loaded_release(m->so);
    } else if (held && held != m->so) {
        loaded_release(m->so);
        m->so = held;
        atomic_fetch_add(&m->so->refs, 1);
    }
    *out = m;
    return BO_OK;
}

void cpu_module_release(cpu_module *m)
{
    if (!m)
        return;
    loaded_release(m->so);
    free(m);
}

int cpu_module_was_cached(const cpu_module *m)
{
    return m ? m->cached : 0;
}

/* ---- thread pool ----------------------------------------------------------------------- */

typedef struct {
    run_range_fn fn;
    const void *args;
    int64_t total;
    int64_t cap;           /* the largest chunk */
    _Atomic int64_t chunk; /* runs the next chunk takes (run_chunk adapts it) */
    _Atomic int64_t next;
    _Atomic int64_t done;
    /* Workers that have not finished yet, and the signal the last one gives (a caller that
     * leaves all the work to the workers waits on it). */
    pthread_mutex_t lock;
    pthread_cond_t finished;
    int running;
} work_queue;

static double seconds_since(const struct timespec *a)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - a->tv_sec) + 1e-9 * (double)(now.tv_nsec - a->tv_nsec);
}

/* Takes the next chunk of runs and integrates it; 0 when none is left. Chunks follow what a
 * run costs: each chunk sizes the next to about 10 ms of work (from 1 run up to the cap), so
 * a request to stop waits about that long per thread however long a run takes, while cheap
 * runs still go in large chunks that amortise the atomics. */
static int run_chunk(work_queue *q)
{
    int64_t size = atomic_load(&q->chunk);
    int64_t begin = atomic_fetch_add(&q->next, size);
    if (begin >= q->total)
        return 0;
    int64_t end = begin + size < q->total ? begin + size : q->total;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    q->fn(q->args, begin, end);
    double per_run = seconds_since(&t0) / (double)(end - begin);
    atomic_fetch_add(&q->done, end - begin);
    int64_t next =
        per_run > 0.0 && 0.01 / per_run < (double)q->cap ? (int64_t)(0.01 / per_run) : q->cap;
    atomic_store(&q->chunk, next > 0 ? next : 1);
    return 1;
}

static void *worker(void *p)
{
    work_queue *q = p;
    while (run_chunk(q))
        ;
    pthread_mutex_lock(&q->lock);
    if (--q->running == 0)
        pthread_cond_signal(&q->finished);
    pthread_mutex_unlock(&q->lock);
    return NULL;
}

/* The stack the calling thread can be trusted with: programs that need more run every run on
 * threads made with the stack they ask for (a 10^5-state Krylov solve keeps megabytes of basis
 * vectors on the stack). Half the usual 8 MiB default leaves room for the caller's frames. */
#define CPU_CALLER_STACK ((size_t)4 << 20)

/* Attributes for worker threads with at least need bytes of stack (0: the default). */
static int stack_attr(pthread_attr_t *attr, size_t need)
{
    if (pthread_attr_init(attr) != 0)
        return -1;
    size_t have = 0;
    if (need > 0 && pthread_attr_getstacksize(attr, &have) == 0 && have < need) {
        size_t page = (size_t)sysconf(_SC_PAGESIZE);
        size_t want = (need + page - 1) / page * page;
        if (pthread_attr_setstacksize(attr, want) != 0) {
            pthread_attr_destroy(attr);
            return -1;
        }
    }
    return 0;
}

/* The caller's share of the runs, taken like a worker's but without the finishing signal. */
static void worker_share(work_queue *q)
{
    while (run_chunk(q))
        ;
}

/* The calling thread reports progress and asks whether to stop, first after its first chunk
 * (or at once when it does not work) and then about every 100 ms; when it works, it does so in
 * between. On a stop no worker takes another chunk and those in flight finish. */
static int caller_loop(bo_context *ctx, work_queue *q, int works, cpu_progress_fn progress,
                       cpu_interrupt_fn interrupt, void *user)
{
    struct timespec last = {0, 0};
    for (;;) {
        if (works) {
            if (!run_chunk(q))
                return BO_OK;
            if (seconds_since(&last) < 0.1)
                continue;
        } else {
            /* Wait for the workers, waking about every 100 ms. */
            pthread_mutex_lock(&q->lock);
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += 100000000L;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_nsec -= 1000000000L;
                until.tv_sec += 1;
            }
            while (q->running > 0 && pthread_cond_timedwait(&q->finished, &q->lock, &until) == 0)
                ;
            int left = q->running;
            pthread_mutex_unlock(&q->lock);
            if (left == 0)
                return BO_OK;
        }
        clock_gettime(CLOCK_MONOTONIC, &last);
        if (progress)
            progress(user, (size_t)atomic_load(&q->done), (size_t)q->total);
        if (interrupt && interrupt(user)) {
            atomic_store(&q->next, q->total);
            return bo_error(ctx, BO_ERR_CANCELLED, "solve interrupted after %lld of %lld runs",
                            (long long)atomic_load(&q->done), (long long)q->total);
        }
    }
}

int cpu_run(bo_context *ctx, cpu_module *m, const void *args, int64_t run_count, int threads,
            cpu_progress_fn progress, cpu_interrupt_fn interrupt, void *user)
{
    if (!m || !args || run_count < 0)
        return BO_ERR_INVALID_ARG;
    if (threads <= 0)
        threads = par_cores();
    /* The largest chunk: small enough to balance the load (16 chunks a thread at least) and
     * to keep a chunk of cheap runs short; run_chunk sizes chunks below it by their cost. */
    int64_t chunk = run_count / ((int64_t)threads * 16);
    if (chunk < 1)
        chunk = 1;
    if (chunk > 512)
        chunk = 512;
    if ((int64_t)threads > run_count)
        threads = run_count > 0 ? (int)run_count : 1;
    size_t need = m->so->stack_bytes;
    /* The caller works too, unless the program needs more stack than it can trust its own
     * with; then every run goes to a worker and the caller only reports and asks. */
    int caller_works = need <= CPU_CALLER_STACK;
    int workers = caller_works ? threads - 1 : threads;
    work_queue q;
    q.fn = m->so->run_range;
    q.args = args;
    q.total = run_count;
    q.cap = chunk;
    atomic_init(&q.chunk, 1); /* the first chunks measure what a run costs */
    atomic_init(&q.next, 0);
    atomic_init(&q.done, 0);
    pthread_mutex_init(&q.lock, NULL);
    pthread_cond_init(&q.finished, NULL);
    q.running = workers;

    pthread_t *tids = bo_calloc((size_t)threads, sizeof *tids);
    pthread_attr_t attr;
    int have_attr = tids ? stack_attr(&attr, need) == 0 : 0;
    int started = 0;
    for (int i = 0; have_attr && i < workers; ++i) {
        if (pthread_create(&tids[i], &attr, worker, &q) != 0)
            break;
        ++started;
    }
    if (have_attr)
        pthread_attr_destroy(&attr);
    if (started < workers) {
        pthread_mutex_lock(&q.lock);
        q.running -= workers - started;
        pthread_mutex_unlock(&q.lock);
    }
    int rc = BO_OK;
    if (!caller_works && started == 0) {
        /* No thread with the stack the program needs: refuse rather than overflow ours. */
        rc = bo_error(ctx, BO_ERR_NOMEM,
                      "cannot start a thread with the %zu bytes of stack this program needs", need);
    } else if (caller_works && !progress && !interrupt) {
        worker_share(&q);
    } else {
        rc = caller_loop(ctx, &q, caller_works, progress, interrupt, user);
    }
    for (int i = 0; i < started; ++i)
        pthread_join(tids[i], NULL);
    free(tids);
    pthread_cond_destroy(&q.finished);
    pthread_mutex_destroy(&q.lock);
    if (rc == BO_OK && progress)
        progress(user, (size_t)run_count, (size_t)run_count);
    return rc;
}
