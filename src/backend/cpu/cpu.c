/* CPU backend (see cpu.h). The generated unit is compiled once per distinct source, compiler
 * and flags: the compile cache keys the shared object by their hash, so a second process or
 * a second solver with the same program loads it without compiling. Within a process the
 * dlopen handle is shared through the in-memory cache. */
#include "cpu.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend/cache.h"
#include "util/internal.h"
#include "util/strbuf.h"

/* Optimisation flags: fast, but never -ffinite-math-only, so NaN/Inf checks keep working. */
#define CPU_BASE_FLAGS                                                                             \
    "-std=c11 -O3 -fPIC -shared -fno-math-errno -fno-trapping-math -ffp-contract=fast "            \
    "-fno-semantic-interposition -march=native"

typedef void (*run_range_fn)(const void *args, int64_t begin, int64_t end);

typedef struct {
    void *handle;
    run_range_fn run_range;
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
        free(l);
    }
}

int cpu_core_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

/* Identity of the compiler and of the machine code it targets: its version line plus the
 * CPU model (the flags include -march=native). */
static char *compiler_identity(const char *cc)
{
    sb_buf b;
    sb_init(&b);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s --version 2>/dev/null", cc);
    FILE *p = popen(cmd, "r");
    char line[512];
    if (p) {
        if (fgets(line, sizeof line, p))
            sb_append(&b, line);
        while (fgets(line, sizeof line, p)) {
        }
        pclose(p);
    }
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        while (fgets(line, sizeof line, f)) {
            if (strncmp(line, "model name", 10) == 0) {
                sb_append(&b, line);
                break;
            }
        }
        fclose(f);
    }
    return sb_take(&b);
}

static int run_compiler(bo_context *ctx, const char *cc, const char *flags, const char *src,
                        const char *out)
{
    char *cmd = bo_asprintf("%s %s -o '%s' '%s' -lm 2>&1", cc, flags, out, src);
    if (!cmd)
        return BO_ERR_NOMEM;
    FILE *p = popen(cmd, "r");
    if (!p) {
        int e = errno;
        free(cmd);
        return bo_error(ctx, BO_ERR_COMPILE, "cannot run the C compiler '%s': %s", cc, strerror(e));
    }
    sb_buf log;
    sb_init(&log);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0)
        sb_append_n(&log, buf, n);
    int rc = pclose(p);
    free(cmd);
    int result = BO_OK;
    if (rc != 0) {
        int code = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
        bo_set_log(ctx, sb_cstr(&log));
        if (code == 127)
            result = bo_error(ctx, BO_ERR_COMPILE,
                              "C compiler '%s' not found (set the 'cc' setting or install "
                              "gcc/clang)",
                              cc);
        else
            result = bo_error(ctx, BO_ERR_COMPILE,
                              "compiling the generated program with '%s' failed (exit %d); "
                              "the compiler's output is in the error log",
                              cc, code);
    }
    sb_free(&log);
    return result;
}

static int open_so(bo_context *ctx, const char *path, loaded_so **out)
{
    *out = NULL;
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h)
        return bo_error(ctx, BO_ERR_COMPILE, "cannot load compiled program '%s': %s", path,
                        dlerror());
    void *sym = dlsym(h, "bo_run_range");
    if (!sym) {
        dlclose(h);
        return bo_error(ctx, BO_ERR_COMPILE, "compiled program '%s' lacks bo_run_range", path);
    }
    loaded_so *l = bo_calloc(1, sizeof *l);
    if (!l) {
        dlclose(h);
        return BO_ERR_NOMEM;
    }
    l->handle = h;
    memcpy(&l->run_range, &sym, sizeof sym);
    atomic_init(&l->refs, 1);
    *out = l;
    return BO_OK;
}

int cpu_module_load(bo_context *ctx, const char *source, const char *cc, const char *cflags,
                    int disk_cache, cpu_module **out)
{
    if (!out || !source)
        return BO_ERR_INVALID_ARG;
    *out = NULL;
    if (!cc || !*cc)
        cc = "cc";
    /* BATCHODE_EXTRA_CFLAGS (a debugging aid: the sanitizer test preset compiles generated
     * programs with -fsanitize through it) joins the flags, and so the cache key. */
    const char *extra = getenv("BATCHODE_EXTRA_CFLAGS");
    char *flags = bo_asprintf("%s %s %s", CPU_BASE_FLAGS, cflags ? cflags : "", extra ? extra : "");
    /* -march=native code is only valid on this CPU model: key the cache by it. */
    char *ident = compiler_identity(cc);
    if (!flags || !ident) {
        free(flags);
        free(ident);
        return BO_ERR_NOMEM;
    }
    char key[65];
    cc_key(source, ident, flags, key);
    free(ident);

    cpu_module *m = bo_calloc(1, sizeof *m);
    if (!m) {
        free(flags);
        return BO_ERR_NOMEM;
    }
    char memkey[80];
    snprintf(memkey, sizeof memkey, "cpu:%s", key);
    loaded_so *l = cc_mem_get(memkey);
    if (l) {
        atomic_fetch_add(&l->refs, 1);
        m->so = l;
        m->cached = 1;
        free(flags);
        *out = m;
        return BO_OK;
    }

    int rc;
    char *path = NULL;
    rc = disk_cache ? cc_lookup(ctx, key, "so", &path) : 0;
    if (rc == 1 && path) {
        m->cached = 1;
    } else {
        free(path);
        path = NULL;
        /* Compile into a private temp dir, then publish through the cache. */
        char dir[] = "/tmp/batchode_cc_XXXXXX";
        if (!mkdtemp(dir)) {
            free(flags);
            free(m);
            return bo_error(ctx, BO_ERR_IO, "cannot create a temporary directory: %s",
                            strerror(errno));
        }
        char *src = bo_asprintf("%s/program.c", dir);
        char *so = bo_asprintf("%s/program.so", dir);
        rc = (src && so) ? BO_OK : BO_ERR_NOMEM;
        if (rc == BO_OK) {
            FILE *f = fopen(src, "w");
            if (!f || fputs(source, f) < 0) {
                rc = bo_error(ctx, BO_ERR_IO, "cannot write '%s': %s", src, strerror(errno));
            }
            if (f)
                fclose(f);
        }
        if (rc == BO_OK)
            rc = run_compiler(ctx, cc, flags, src, so);
        if (rc == BO_OK) {
            /* A cache that cannot be written is not an error: load from the temp dir. */
            if (disk_cache && cc_store_file(ctx, key, "so", so) == BO_OK &&
                cc_lookup(ctx, key, "so", &path) == 1 && path) {
            } else {
                free(path);
                path = bo_strdup(so);
                if (!path)
                    rc = BO_ERR_NOMEM;
            }
            if (rc == BO_OK)
                rc = open_so(ctx, path, &l);
        }
        if (src)
            unlink(src);
        if (so)
            unlink(so);
        rmdir(dir);
        free(src);
        free(so);
        free(flags);
        free(path);
        if (rc != BO_OK) {
            free(m);
            return rc;
        }
        m->so = l;
        goto publish;
    }
    free(flags);
    rc = open_so(ctx, path, &l);
    free(path);
    if (rc != BO_OK) {
        free(m);
        return rc;
    }
    m->so = l;
publish:
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
    int64_t chunk;
    _Atomic int64_t next;
    _Atomic int64_t done;
} work_queue;

static void *worker(void *p)
{
    work_queue *q = p;
    for (;;) {
        int64_t begin = atomic_fetch_add(&q->next, q->chunk);
        if (begin >= q->total)
            break;
        int64_t end = begin + q->chunk < q->total ? begin + q->chunk : q->total;
        q->fn(q->args, begin, end);
        atomic_fetch_add(&q->done, end - begin);
    }
    return NULL;
}

int cpu_run(bo_context *ctx, cpu_module *m, const void *args, int64_t run_count, int threads,
            cpu_progress_fn progress, void *user)
{
    if (!m || !args || run_count < 0)
        return BO_ERR_INVALID_ARG;
    if (threads <= 0)
        threads = cpu_core_count();
    /* Chunks small enough to balance load, large enough to amortise the atomics. */
    int64_t chunk = run_count / ((int64_t)threads * 16);
    if (chunk < 1)
        chunk = 1;
    if (chunk > 4096)
        chunk = 4096;
    if ((int64_t)threads > run_count)
        threads = run_count > 0 ? (int)run_count : 1;
    work_queue q;
    q.fn = m->so->run_range;
    q.args = args;
    q.total = run_count;
    q.chunk = chunk;
    atomic_init(&q.next, 0);
    atomic_init(&q.done, 0);

    pthread_t *tids = bo_calloc((size_t)threads, sizeof *tids);
    if (!tids)
        return BO_ERR_NOMEM;
    int started = 0;
    for (int i = 1; i < threads; ++i) {
        if (pthread_create(&tids[i], NULL, worker, &q) != 0)
            break;
        ++started;
    }
    if (progress) {
        /* The calling thread reports progress and works in between. */
        struct timespec last;
        clock_gettime(CLOCK_MONOTONIC, &last);
        for (;;) {
            int64_t begin = atomic_fetch_add(&q.next, q.chunk);
            if (begin >= q.total)
                break;
            int64_t end = begin + q.chunk < q.total ? begin + q.chunk : q.total;
            q.fn(q.args, begin, end);
            atomic_fetch_add(&q.done, end - begin);
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            double el =
                (double)(now.tv_sec - last.tv_sec) + 1e-9 * (double)(now.tv_nsec - last.tv_nsec);
            if (el > 0.1) {
                progress(user, (size_t)atomic_load(&q.done), (size_t)run_count);
                last = now;
            }
        }
    } else {
        worker(&q);
    }
    for (int i = 1; i <= started; ++i)
        pthread_join(tids[i], NULL);
    free(tids);
    if (progress)
        progress(user, (size_t)run_count, (size_t)run_count);
    (void)ctx;
    return BO_OK;
}
