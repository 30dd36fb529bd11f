/* CUDA backend (see cuda.h and docs/cuda.md).
 *
 * Compilation: one cubin per (source, NVRTC version, sm_XY, options), kept by the compile
 * cache on disk; the loaded module is shared within the process through the cache's handle
 * map, keyed by the same hash and the device ordinal (a module belongs to one device's
 * primary context).
 *
 * Execution: a chunk of r runs lives on the device as one allocation holding every array of
 * the launch with run_stride = r ([var][r], run fastest, so a warp's loads and stores
 * coalesce). The host arrays are [var][runs] in double, so a chunk is gathered row by row
 * into pinned staging laid out exactly like the device allocation, converting to the device's
 * precision on the way (and back when scattering the results); then one host-to-device copy, the
 * kernel and one device-to-host copy run on the slot's stream. With more than one chunk two
 * slots (stream, staging, device memory) alternate, so gathering and scattering on the host
 * and the copies of one chunk overlap the kernel of the other. Each run only reads its own
 * inputs, so results do not depend on the chunking or the block size. */
#include "backend/cuda/cuda.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/cuda/driver.h"
#include "backend/cuda/nvrtc.h"
#include "cache.h"
#include "internal.h"
#include "parallel.h"
#include "strbuf.h"

typedef int32_t bo_args_i32;
typedef int64_t bo_args_i64;
#include "args.h"
/* Every field of bo_args is 8 bytes wide (args.h), so this one host struct has the device
 * layout for float32 programs too: only the pointees' type differs. */
BO_ARGS_STRUCT(cu_args, double)

/* Arrays are placed at 256-byte boundaries: every row then starts on a full memory
 * transaction, whatever r is. */
#define CU_ALIGN ((size_t)256)
/* Pinned staging per slot, beyond which chunks only grow to keep every SM busy: page-locking
 * gigabytes of host memory is slow and starves the rest of the system. */
#define CU_PINNED_SLOT_BYTES ((size_t)256 << 20)
/* Free device memory left alone: other users of the device, the driver's own growth. */
#define CU_HEADROOM_MIN ((size_t)256 << 20)

typedef struct {
    int ordinal;
    CUdevice dev;
    char name[256];
    int cc_major, cc_minor;
    int sm_count;
    int max_threads_block, max_threads_sm;
    int smem_optin;
    int max_grid_x;
    size_t total_mem;
} dev_info;

/* A loaded module, shared by every cu_module of the same program on the same device. */
typedef struct {
    _Atomic int refs;
    dev_info info;
    CUcontext cuctx;
    CUmodule mod;
    CUfunction fn;
    int regs, local_bytes, static_shared, max_threads;
} loaded_mod;

enum { CACHE_NONE = 0, CACHE_DISK = 1, CACHE_MEMORY = 2 };

typedef struct {
    CUdeviceptr dev;
    unsigned char *stage; /* pinned, same layout as dev */
    CUstream stream;
    CUevent start, stop;       /* around the kernel */
    CUevent copy_in, copy_out; /* before the copy in, after the copy out */
    int busy;
    int64_t first, count; /* runs in flight in this slot */
} slot;

struct cu_module {
    loaded_mod *lm;
    /* Device memory, pinned staging and streams of the last launch, kept for the next one:
     * allocating and page-locking them per solve cost more than a whole small solve. */
    slot pool[2];
    size_t pool_bytes[2];
    int cache;
    double compile_ms;
    /* Layout facts read from the source, to report the occupancy before any launch. */
    size_t hint_stride;
    int hint_precision_bytes;
    /* The last launch. */
    int last_block, last_blocks_per_sm;
    int64_t last_chunk, last_chunks;
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return 1e3 * (double)ts.tv_sec + 1e-6 * (double)ts.tv_nsec;
}

/* Make the primary context current on this thread, remembering the caller's. */
static int enter(bo_context *ctx, CUcontext cuctx, CUcontext *saved)
{
    *saved = NULL;
    int rc = CU_CALL(ctx, cuCtxGetCurrent, saved);
    if (rc == BO_OK)
        rc = CU_CALL(ctx, cuCtxSetCurrent, cuctx);
    return rc;
}

static void leave(CUcontext saved)
{
    cu_drv()->cuCtxSetCurrent(saved);
}

int cu_available(bo_context *ctx, int device)
{
    if (device < 0)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "CUDA device ordinal %d is negative", device);
    int rc = cu_driver_load(ctx);
    if (rc != BO_OK)
        return rc;
    int count = cu_device_count();
    if (device >= count)
        return bo_error(ctx, BO_ERR_BACKEND,
                        "CUDA backend unavailable: device %d requested, but %d CUDA device%s "
                        "present (ordinals 0..%d)",
                        device, count, count == 1 ? " is" : "s are", count - 1);
    rc = cu_nvrtc_load(ctx);
    if (rc != BO_OK)
        return rc;
    return BO_OK;
}

static int query_device(bo_context *ctx, int ordinal, dev_info *d)
{
    memset(d, 0, sizeof *d);
    d->ordinal = ordinal;
    int rc = CU_CALL(ctx, cuDeviceGet, &d->dev, ordinal);
    if (rc == BO_OK)
        rc = CU_CALL(ctx, cuDeviceGetName, d->name, (int)sizeof d->name - 1, d->dev);
    if (rc == BO_OK)
        rc = CU_CALL(ctx, cuDeviceTotalMem_v2, &d->total_mem, d->dev);
    struct {
        int attr;
        int *out;
    } q[] = {
        {CU_DEV_COMPUTE_CAPABILITY_MAJOR, &d->cc_major},
        {CU_DEV_COMPUTE_CAPABILITY_MINOR, &d->cc_minor},
        {CU_DEV_MULTIPROCESSOR_COUNT, &d->sm_count},
        {CU_DEV_MAX_THREADS_PER_BLOCK, &d->max_threads_block},
        {CU_DEV_MAX_THREADS_PER_MULTIPROCESSOR, &d->max_threads_sm},
        {CU_DEV_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, &d->smem_optin},
        {CU_DEV_MAX_GRID_DIM_X, &d->max_grid_x},
    };
    for (size_t i = 0; rc == BO_OK && i < sizeof q / sizeof q[0]; ++i)
        rc = CU_CALL(ctx, cuDeviceGetAttribute, q[i].out, q[i].attr, d->dev);
    return rc;
}

static void loaded_release(void *p)
{
    loaded_mod *lm = p;
    if (!lm || atomic_fetch_sub(&lm->refs, 1) != 1)
        return;
    const cu_driver_api *api = cu_drv();
    if (lm->mod) {
        CUcontext saved = NULL;
        api->cuCtxGetCurrent(&saved);
        api->cuCtxSetCurrent(lm->cuctx);
        api->cuModuleUnload(lm->mod);
        api->cuCtxSetCurrent(saved);
    }
    if (lm->cuctx)
        api->cuDevicePrimaryCtxRelease_v2(lm->info.dev);
    free(lm);
}

/* Load a cubin into the device's primary context and read the kernel's resource use. */
static int load_cubin(bo_context *ctx, const dev_info *d, const void *cubin, loaded_mod **out)
{
    *out = NULL;
    loaded_mod *lm = bo_calloc(1, sizeof *lm);
    if (!lm)
        return BO_ERR_NOMEM;
    atomic_init(&lm->refs, 1);
    lm->info = *d;
    int rc = CU_CALL(ctx, cuDevicePrimaryCtxRetain, &lm->cuctx, d->dev);
    if (rc != BO_OK) {
        lm->cuctx = NULL;
        loaded_release(lm);
        return rc;
    }
    CUcontext saved = NULL;
    rc = enter(ctx, lm->cuctx, &saved);
    if (rc == BO_OK)
        rc = CU_CALL(ctx, cuModuleLoadData, &lm->mod, cubin);
    if (rc == BO_OK)
        rc = CU_CALL(ctx, cuModuleGetFunction, &lm->fn, lm->mod, "bo_kernel");
    if (rc == BO_OK)
        rc = CU_CALL(ctx, cuFuncGetAttribute, &lm->regs, CU_FUNC_NUM_REGS, lm->fn);
    if (rc == BO_OK)
        rc = CU_CALL(ctx, cuFuncGetAttribute, &lm->local_bytes, CU_FUNC_LOCAL_SIZE_BYTES, lm->fn);
    if (rc == BO_OK)
        rc =
            CU_CALL(ctx, cuFuncGetAttribute, &lm->static_shared, CU_FUNC_SHARED_SIZE_BYTES, lm->fn);
    if (rc == BO_OK)
        rc = CU_CALL(ctx, cuFuncGetAttribute, &lm->max_threads, CU_FUNC_MAX_THREADS_PER_BLOCK,
                     lm->fn);
    /* Dynamic shared memory beyond 48 KB must be opted into per function; allowing the whole
     * per-block maximum once costs nothing (the carveout follows each launch's request) and
     * keeps the shared function immutable afterwards. */
    if (rc == BO_OK && d->smem_optin - lm->static_shared > 48 * 1024)
        rc = CU_CALL(ctx, cuFuncSetAttribute, lm->fn, CU_FUNC_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                     d->smem_optin - lm->static_shared);
    leave(saved);
    if (rc != BO_OK) {
        loaded_release(lm);
        return rc;
    }
    *out = lm;
    return BO_OK;
}

/* A "#define NAME <integer>" line of the generated source, or fallback. */
static long source_define(const char *source, const char *name, long fallback)
{
    size_t len = strlen(name);
    for (const char *p = strstr(source, "#define "); p; p = strstr(p + 1, "#define ")) {
        const char *q = p + 8;
        if (strncmp(q, name, len) == 0 && (q[len] == ' ' || q[len] == '\t'))
            return strtol(q + len, NULL, 10);
    }
    return fallback;
}

/* The cubin for the source: from the disk cache or compiled by NVRTC (and then stored). */
static int get_cubin(bo_context *ctx, const char *source, int sm, const char *extra,
                     const char *key, void **cubin, size_t *size, int *disk_hit, double *compile_ms)
{
    *cubin = NULL;
    *disk_hit = 0;
    *compile_ms = 0.0;
    int rc = cc_load_bytes(ctx, key, "cubin", cubin, size);
    if (rc == 1) {
        *disk_hit = 1;
        return BO_OK;
    }
    if (rc < 0)
        bo_clear_error(ctx); /* an unreadable cache is a miss, not a failure */
    double t = now_ms();
    char *bin = NULL;
    rc = cu_nvrtc_compile_opts(ctx, source, "batchode.cu", sm, 1, extra, &bin, size);
    *compile_ms = now_ms() - t;
    if (rc != BO_OK)
        return rc;
    if (cc_store_bytes(ctx, key, "cubin", bin, *size) != BO_OK)
        bo_clear_error(ctx); /* a cache that cannot be written only costs the next compile */
    *cubin = bin;
    return BO_OK;
}

int cu_module_load(bo_context *ctx, const char *source, int device, cu_module **out)
{
    if (!out)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "cu_module_load: out is NULL");
    *out = NULL;
    if (!source)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "cu_module_load: source is NULL");
    int rc = cu_available(ctx, device);
    if (rc != BO_OK)
        return rc;
    dev_info d;
    if ((rc = query_device(ctx, device, &d)) != BO_OK)
        return rc;
    int sm = d.cc_major * 10 + d.cc_minor;
    int vmaj = 0, vmin = 0;
    if ((rc = cu_nvrtc_version(ctx, &vmaj, &vmin)) != BO_OK)
        return rc;
    /* The options cu_nvrtc_compile passes for a cubin, spelled out so that a change of them
     * (with a new NVRTC loader) is a change of key only through the version. */
    /* A register cap asked for in the source (setting max_registers). */
    long maxreg = source_define(source, "BO_MAX_REGISTERS", 0);
    char extra[48] = "";
    if (maxreg > 0)
        snprintf(extra, sizeof extra, "--maxrregcount=%ld", maxreg);
    char compiler_id[64], flags[128];
    snprintf(compiler_id, sizeof compiler_id, "nvrtc %d.%d", vmaj, vmin);
    snprintf(flags, sizeof flags, "--gpu-architecture=sm_%d -default-device --std=c++17 %s cubin",
             sm, extra);
    char key[65];
    cc_key(source, compiler_id, flags, key);
    char memkey[96];
    snprintf(memkey, sizeof memkey, "cuda%d:%s", device, key);

    cu_module *m = bo_calloc(1, sizeof *m);
    if (!m)
        return BO_ERR_NOMEM;
    long stride = source_define(source, "BO_SHARED_STRIDE", 0);
    m->hint_stride = stride > 0 ? (size_t)stride : 0;
    m->hint_precision_bytes = source_define(source, "BO_PRECISION", 64) == 32 ? 4 : 8;

    loaded_mod *lm = cc_mem_get(memkey);
    if (lm) {
        atomic_fetch_add(&lm->refs, 1);
        m->lm = lm;
        m->cache = CACHE_MEMORY;
        *out = m;
        return BO_OK;
    }
    void *cubin = NULL;
    size_t size = 0;
    int disk_hit = 0;
    rc = get_cubin(ctx, source, sm, extra, key, &cubin, &size, &disk_hit, &m->compile_ms);
    if (rc == BO_OK)
        rc = load_cubin(ctx, &d, cubin, &lm);
    free(cubin);
    if (rc != BO_OK) {
        free(m);
        return rc;
    }
    m->cache = disk_hit ? CACHE_DISK : CACHE_NONE;
    m->lm = lm;
    /* The handle map keeps its own reference; if another thread published first, use its
     * module and drop ours. */
    atomic_fetch_add(&lm->refs, 1);
    void *held = NULL;
    if (cc_mem_put(ctx, memkey, lm, loaded_release, &held) != BO_OK) {
        bo_clear_error(ctx);
        loaded_release(lm);
    } else if (held != lm) {
        loaded_mod *other = held;
        atomic_fetch_add(&other->refs, 1);
        loaded_release(lm);
        m->lm = other;
    }
    *out = m;
    return BO_OK;
}

static void slot_free(slot *s);

void cu_module_release(cu_module *m)
{
    if (!m)
        return;
    if (m->pool_bytes[0] || m->pool_bytes[1]) {
        CUcontext saved = NULL;
        if (enter(NULL, m->lm->cuctx, &saved) == BO_OK) {
            slot_free(&m->pool[0]);
            slot_free(&m->pool[1]);
            leave(saved);
        }
    }
    loaded_release(m->lm);
    free(m);
}

/* ---- block size ----------------------------------------------------------------------- */

/* Threads per block: the multiple of 32 with the most resident threads per SM given the
 * kernel's registers and the dynamic shared memory each thread brings. Ties are common (the
 * register file usually sets the limit whatever the block); they go to the block closest to
 * 128 threads: four warps feed the four warp schedulers of an SM (Volta to Hopper), while a
 * small block releases its resources soon after its slowest run ends, which matters when run
 * lengths differ as much as adaptive integrations do. Then, for a batch too small to give
 * every SM a block, smaller blocks so that all SMs work. */
static int choose_block(bo_context *ctx, const loaded_mod *lm, size_t shared_per_thread,
                        int64_t runs, int *block_out, int *blocks_per_sm)
{
    const dev_info *d = &lm->info;
    int limit = lm->max_threads < d->max_threads_block ? lm->max_threads : d->max_threads_block;
    size_t avail = (size_t)(d->smem_optin - lm->static_shared);
    int best = 0, best_blocks = 0;
    long best_threads = 0;
    for (int bs = 32; bs <= limit; bs += 32) {
        size_t dyn = (size_t)bs * shared_per_thread;
        if (dyn > avail)
            break;
        int nb = 0;
        int rc = CU_CALL(ctx, cuOccupancyMaxActiveBlocksPerMultiprocessor, &nb, lm->fn, bs, dyn);
        if (rc != BO_OK)
            return rc;
        long threads = (long)nb * bs;
        if (threads > best_threads ||
            (threads == best_threads && threads > 0 && abs(bs - 128) < abs(best - 128))) {
            best_threads = threads;
            best = bs;
            best_blocks = nb;
        }
    }
    if (best == 0)
        return bo_error(ctx, BO_ERR_RANGE,
                        "one warp of runs (32) needs %zu bytes of shared memory (%zu per run), "
                        "but a block on %s may use at most %zu: set some *_location=shared "
                        "buffers back to local",
                        32 * shared_per_thread, shared_per_thread, d->name, avail);
    int64_t spread = runs / d->sm_count + (runs % d->sm_count != 0);
    if (spread < best) {
        int small = (int)((spread + 31) / 32 * 32);
        best = small < 32 ? 32 : small;
        int nb = 0;
        int rc = CU_CALL(ctx, cuOccupancyMaxActiveBlocksPerMultiprocessor, &nb, lm->fn, best,
                         (size_t)best * shared_per_thread);
        if (rc != BO_OK)
            return rc;
        best_blocks = nb;
    }
    *block_out = best;
    *blocks_per_sm = best_blocks;
    return BO_OK;
}

/* A block size given by the caller: it must be launchable. */
static int check_block(bo_context *ctx, const loaded_mod *lm, int bs, size_t shared_per_thread,
                       int *blocks_per_sm)
{
    const dev_info *d = &lm->info;
    int limit = lm->max_threads < d->max_threads_block ? lm->max_threads : d->max_threads_block;
    if (bs < 1 || bs > limit)
        return bo_error(ctx, BO_ERR_RANGE,
                        "block_size %d is out of range: this kernel on %s takes 1..%d threads "
                        "per block",
                        bs, d->name, limit);
    size_t dyn = (size_t)bs * shared_per_thread;
    size_t avail = (size_t)(d->smem_optin - lm->static_shared);
    if (dyn > avail)
        return bo_error(ctx, BO_ERR_RANGE,
                        "block_size %d needs %zu bytes of shared memory (%zu per run), but a "
                        "block on %s may use at most %zu: use a smaller block_size or 0 (auto)",
                        bs, dyn, shared_per_thread, d->name, avail);
    return CU_CALL(ctx, cuOccupancyMaxActiveBlocksPerMultiprocessor, blocks_per_sm, lm->fn, bs,
                   dyn);
}

/* ---- chunk layout --------------------------------------------------------------------- */

enum {
    A_INIT,
    A_PARAMS,
    A_FINAL,
    A_TIME,
    A_STATUS,
    A_STEPS,
    A_REJ,
    A_NEWTON,
    A_SERIES,
    A_SUMS,
    A_COUNT
};

typedef struct {
    size_t off[A_COUNT];
    size_t bytes[A_COUNT];
    size_t in_end; /* inputs occupy [0, in_end) */
    size_t total;  /* outputs occupy [off[A_FINAL], total) */
} chunk_layout;

static size_t align_up(size_t x)
{
    return (x + CU_ALIGN - 1) / CU_ALIGN * CU_ALIGN;
}

/* Element sizes per run of each array, in bytes. rows: n_saves_eff * n_vars for the series. */
static void per_run_bytes(const cu_launch *L, size_t series_rows, size_t b[A_COUNT])
{
    size_t p = (size_t)L->precision_bytes;
    b[A_INIT] = L->n_states * p;
    b[A_PARAMS] = L->n_params * p;
    b[A_FINAL] = L->n_states * p;
    b[A_TIME] = sizeof(double);
    b[A_STATUS] = sizeof(int32_t);
    b[A_STEPS] = sizeof(int64_t);
    b[A_REJ] = sizeof(int64_t);
    b[A_NEWTON] = sizeof(int64_t);
    b[A_SERIES] = series_rows * p;
    b[A_SUMS] = (L->summaries ? L->n_sum_rows : 0) * p;
}

static void layout_for(const size_t per_run[A_COUNT], size_t r, chunk_layout *lay)
{
    size_t off = 0;
    lay->in_end = 0;
    for (int i = 0; i < A_COUNT; ++i) {
        lay->off[i] = off;
        lay->bytes[i] = per_run[i] * r;
        off += align_up(lay->bytes[i]);
        if (i == A_PARAMS)
            lay->in_end = off;
    }
    lay->total = off;
}

/* ---- slots ---------------------------------------------------------------------------- */

static void slot_free(slot *s)
{
    const cu_driver_api *api = cu_drv();
    if (s->stream)
        api->cuStreamSynchronize(s->stream);
    if (s->start)
        api->cuEventDestroy_v2(s->start);
    if (s->stop)
        api->cuEventDestroy_v2(s->stop);
    if (s->copy_in)
        api->cuEventDestroy_v2(s->copy_in);
    if (s->copy_out)
        api->cuEventDestroy_v2(s->copy_out);
    if (s->stream)
        api->cuStreamDestroy_v2(s->stream);
    if (s->stage)
        api->cuMemFreeHost(s->stage);
    if (s->dev)
        api->cuMemFree_v2(s->dev);
    memset(s, 0, sizeof *s);
}

/* Allocate a slot for `bytes`. *oom is set when device or pinned memory ran out. */
static int slot_alloc(bo_context *ctx, slot *s, size_t bytes, int *oom)
{
    memset(s, 0, sizeof *s);
    const cu_driver_api *api = cu_drv();
    CUresult r = api->cuMemAlloc_v2(&s->dev, bytes);
    const char *call = "cuMemAlloc_v2";
    if (r == CU_SUCCESS) {
        void *host = NULL;
        r = api->cuMemAllocHost_v2(&host, bytes);
        s->stage = r == CU_SUCCESS ? host : NULL;
        call = "cuMemAllocHost_v2";
    } else {
        s->dev = 0;
    }
    if (r != CU_SUCCESS) {
        *oom = r == CU_ERROR_OUT_OF_MEMORY;
        int rc = cu_check(ctx, r, call);
        slot_free(s);
        return rc;
    }
    int rc = CU_CALL(ctx, cuStreamCreate, &s->stream, CU_STREAM_NON_BLOCKING);
    if (rc == BO_OK)
        rc = CU_CALL(ctx, cuEventCreate, &s->start, CU_EVENT_DEFAULT);
    if (rc == BO_OK)
        rc = CU_CALL(ctx, cuEventCreate, &s->stop, CU_EVENT_DEFAULT);
    if (rc == BO_OK)
        rc = CU_CALL(ctx, cuEventCreate, &s->copy_in, CU_EVENT_DEFAULT);
    if (rc == BO_OK)
        rc = CU_CALL(ctx, cuEventCreate, &s->copy_out, CU_EVENT_DEFAULT);
    if (rc != BO_OK)
        slot_free(s);
    return rc;
}

/* Segments of at most CU_MAX_SEGMENTS rows, copied together over the host's cores
 * (src/parallel.h): gathering a large chunk into staging and scattering its results are
 * memory-bound passes that one thread would spend most of a solve on. */
#define CU_MAX_SEGMENTS 256
typedef struct {
    par_segment seg[CU_MAX_SEGMENTS];
    size_t count;
    int threads;
    par_pool *pool;
} copy_list;

static void copies_flush(copy_list *cl)
{
    par_copy(cl->pool, cl->seg, cl->count, cl->threads);
    cl->count = 0;
}

/* Queue `rows` rows of `count` elements from src (row i at byte src_off + i*src_stride,
 * elements of src_size bytes) to dst (likewise), converting between double and float when
 * the sizes differ. Offsets are applied only to rows that exist, so an empty array may be
 * NULL. */
static void copy_rows(copy_list *cl, void *dst, size_t dst_off, size_t dst_stride, size_t dst_size,
                      const void *src, size_t src_off, size_t src_stride, size_t src_size,
                      size_t rows, size_t count)
{
    for (size_t i = 0; i < rows; ++i) {
        if (cl->count == CU_MAX_SEGMENTS)
            copies_flush(cl);
        par_segment *s = &cl->seg[cl->count++];
        s->dst = (unsigned char *)dst + dst_off + i * dst_stride;
        s->src = (const unsigned char *)src + src_off + i * src_stride;
        s->count = count;
        s->dst_size = (unsigned char)dst_size;
        s->src_size = (unsigned char)src_size;
    }
}

typedef struct {
    bo_context *ctx;
    cu_module *m;
    cu_launch *L;
    size_t per_run[A_COUNT];
    size_t series_rows;
    int block;
    size_t shared_per_thread;
    int64_t done;
    CUdeviceptr drivers; /* the driver block on the device, 0 when none */
} run_state;

/* Gather a chunk's inputs into the slot's staging and queue copy-in, kernel and copy-out. */
static int submit(run_state *st, slot *s, int64_t first, int64_t r)
{
    bo_context *ctx = st->ctx;
    cu_launch *L = st->L;
    const loaded_mod *lm = st->m->lm;
    size_t runs = (size_t)L->runs, rr = (size_t)r, f = (size_t)first;
    size_t p = (size_t)L->precision_bytes;
    chunk_layout lay;
    layout_for(st->per_run, rr, &lay);

    /* The inputs go into staging in the device's precision: written there by fill_inputs,
     * or converted from the host's double arrays. */
    double t_gather = now_ms();
    if (L->fill_inputs) {
        int frc = L->fill_inputs(L->user, f, rr, s->stage + lay.off[A_INIT],
                                 s->stage + lay.off[A_PARAMS], (int)p);
        if (frc != BO_OK)
            return frc;
    } else {
        copy_list cl;
        cl.count = 0;
        cl.threads = L->host_threads;
        cl.pool = L->pool;
        copy_rows(&cl, s->stage, lay.off[A_INIT], rr * p, p, L->init, f * 8, runs * 8, 8,
                  L->n_states, rr);
        copy_rows(&cl, s->stage, lay.off[A_PARAMS], rr * p, p, L->params, f * 8, runs * 8, 8,
                  L->n_params, rr);
        copies_flush(&cl);
    }
    L->host_ms[0] += now_ms() - t_gather;

    cu_args a;
    memset(&a, 0, sizeof a);
#define DEV(T, k) ((T)(uintptr_t)(s->dev + (CUdeviceptr)lay.off[k]))
    a.init = DEV(const double *, A_INIT);
    a.params = DEV(const double *, A_PARAMS);
    a.driver_data = (const void *)(uintptr_t)st->drivers;
    a.final_state = DEV(double *, A_FINAL);
    a.final_time = DEV(double *, A_TIME);
    a.series = st->series_rows ? DEV(double *, A_SERIES) : NULL;
    a.summaries = lay.bytes[A_SUMS] ? DEV(double *, A_SUMS) : NULL;
    a.status = DEV(int32_t *, A_STATUS);
    a.steps = DEV(int64_t *, A_STEPS);
    a.rejections = DEV(int64_t *, A_REJ);
    a.newton_iters = DEV(int64_t *, A_NEWTON);
#undef DEV
    a.t0 = L->t0;
    a.settling = L->settling;
    a.duration = L->duration;
    a.save_every = L->save_every;
    a.n_saves = st->series_rows ? (int64_t)L->n_saves : 0;
    a.run_stride = r;
    a.run_count = r;
    a.max_steps = L->max_steps;
    a.dt0 = L->dt0;
    a.sample_every = L->sample_every;
    a.n_windows = lay.bytes[A_SUMS] ? L->n_windows : 0;
    a.window_len = L->window_samples;

    int rc = CU_CALL(ctx, cuEventRecord, s->copy_in, s->stream);
    if (rc == BO_OK && lay.in_end > 0)
        rc = CU_CALL(ctx, cuMemcpyHtoDAsync_v2, s->dev, s->stage, lay.in_end, s->stream);
    /* Saves a run never writes read back as NaN (all-ones bytes are a NaN in both
     * precisions), never as stale memory from an earlier chunk. */
    if (rc == BO_OK && lay.bytes[A_SERIES] > 0)
        rc = CU_CALL(ctx, cuMemsetD8Async, s->dev + (CUdeviceptr)lay.off[A_SERIES], 0xFF,
                     lay.bytes[A_SERIES], s->stream);
    if (rc == BO_OK && lay.bytes[A_SUMS] > 0)
        rc = CU_CALL(ctx, cuMemsetD8Async, s->dev + (CUdeviceptr)lay.off[A_SUMS], 0xFF,
                     lay.bytes[A_SUMS], s->stream);
    if (rc == BO_OK)
        rc = CU_CALL(ctx, cuEventRecord, s->start, s->stream);
    if (rc != BO_OK)
        return rc;
    int64_t grid = (r + st->block - 1) / st->block;
    size_t dyn = (size_t)st->block * st->shared_per_thread;
    void *params[1] = {&a};
    CUresult lr =
        cu_drv()->cuLaunchKernel(lm->fn, (unsigned int)grid, 1, 1, (unsigned int)st->block, 1, 1,
                                 (unsigned int)dyn, s->stream, params, NULL);
    if (lr != CU_SUCCESS) {
        cu_check(ctx, lr, "cuLaunchKernel");
        char *why = bo_strdup(bo_errmsg(ctx));
        rc = bo_error(ctx, BO_ERR_DEVICE, "%s (grid %lld, block %d, dynamic shared %zu bytes)",
                      why ? why : "cuLaunchKernel failed", (long long)grid, st->block, dyn);
        free(why);
        return rc;
    }
    rc = CU_CALL(ctx, cuEventRecord, s->stop, s->stream);
    if (rc == BO_OK)
        rc = CU_CALL(ctx, cuMemcpyDtoHAsync_v2, s->stage + lay.off[A_FINAL],
                     s->dev + (CUdeviceptr)lay.off[A_FINAL], lay.total - lay.off[A_FINAL],
                     s->stream);
    if (rc == BO_OK)
        rc = CU_CALL(ctx, cuEventRecord, s->copy_out, s->stream);
    if (rc != BO_OK)
        return rc;
    s->busy = 1;
    s->first = first;
    s->count = r;
    return BO_OK;
}

/* Wait for a slot's chunk, then scatter its results into the caller's arrays. */
static int finish(run_state *st, slot *s)
{
    bo_context *ctx = st->ctx;
    cu_launch *L = st->L;
    s->busy = 0;
    double t_wait = now_ms();
    CUresult sr = cu_drv()->cuStreamSynchronize(s->stream);
    L->host_ms[1] += now_ms() - t_wait;
    if (sr != CU_SUCCESS) {
        cu_check(ctx, sr, "cuStreamSynchronize");
        char *why = bo_strdup(bo_errmsg(ctx));
        int rc = bo_error(ctx, BO_ERR_DEVICE, "%s while integrating runs %lld..%lld",
                          why ? why : "cuStreamSynchronize failed", (long long)s->first,
                          (long long)(s->first + s->count - 1));
        free(why);
        return rc;
    }
    float ms = 0.0f;
    float in_ms = 0.0f, out_ms = 0.0f;
    int rc = CU_CALL(ctx, cuEventElapsedTime, &ms, s->start, s->stop);
    if (rc == BO_OK)
        rc = CU_CALL(ctx, cuEventElapsedTime, &in_ms, s->copy_in, s->start);
    if (rc == BO_OK)
        rc = CU_CALL(ctx, cuEventElapsedTime, &out_ms, s->stop, s->copy_out);
    if (rc != BO_OK)
        return rc;
    L->kernel_ms += ms;
    L->transfer_ms += in_ms + out_ms;

    size_t runs = (size_t)L->runs, rr = (size_t)s->count, f = (size_t)s->first;
    size_t p = (size_t)L->precision_bytes;
    chunk_layout lay;
    layout_for(st->per_run, rr, &lay);
    copy_list cl;
    cl.count = 0;
    cl.threads = L->host_threads;
    cl.pool = L->pool;
    copy_rows(&cl, L->final_state, f * 8, runs * 8, 8, s->stage, lay.off[A_FINAL], rr * p, p,
              L->n_states, rr);
    copy_rows(&cl, L->final_time, f * 8, 0, 8, s->stage, lay.off[A_TIME], 0, 8, 1, rr);
    copy_rows(&cl, L->status, f * 4, 0, 4, s->stage, lay.off[A_STATUS], 0, 4, 1, rr);
    copy_rows(&cl, L->steps, f * 8, 0, 8, s->stage, lay.off[A_STEPS], 0, 8, 1, rr);
    copy_rows(&cl, L->rejections, f * 8, 0, 8, s->stage, lay.off[A_REJ], 0, 8, 1, rr);
    if (L->newton_iters)
        copy_rows(&cl, L->newton_iters, f * 8, 0, 8, s->stage, lay.off[A_NEWTON], 0, 8, 1, rr);
    if (st->series_rows)
        copy_rows(&cl, L->series, f * 8, runs * 8, 8, s->stage, lay.off[A_SERIES], rr * p, p,
                  st->series_rows, rr);
    if (lay.bytes[A_SUMS])
        copy_rows(&cl, L->summaries, f * 8, runs * 8, 8, s->stage, lay.off[A_SUMS], rr * p, p,
                  L->n_sum_rows, rr);
    double t_scatter = now_ms();
    copies_flush(&cl);
    L->host_ms[2] += now_ms() - t_scatter;
    st->done += s->count;
    if (L->progress)
        L->progress(L->user, (size_t)st->done, runs);
    return BO_OK;
}

static int check_launch(bo_context *ctx, const cu_launch *L)
{
    if (L->precision_bytes != 4 && L->precision_bytes != 8)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "cu_run: precision_bytes is %d (4 or 8)",
                        L->precision_bytes);
    if (L->runs < 0 || L->max_chunk_runs < 0 || L->block_size < 0)
        return bo_error(ctx, BO_ERR_INVALID_ARG,
                        "cu_run: runs, max_chunk_runs and block_size must not be negative");
    if (L->runs == 0)
        return BO_OK;
    if ((L->n_states && ((!L->init && !L->fill_inputs) || !L->final_state)) ||
        (L->n_params && !L->params && !L->fill_inputs) || (L->driver_bytes && !L->driver_data) ||
        !L->final_time || !L->status || !L->steps || !L->rejections)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "cu_run: a host array is NULL");
    return BO_OK;
}

/* Per-run device bytes, overflow-checked: *out = sum of per_run[], plus nothing else. */
static int sum_per_run(bo_context *ctx, const cu_launch *L, size_t series_rows, size_t *out)
{
    size_t p = (size_t)L->precision_bytes;
    size_t lim = (size_t)-1 / 4;
    if (L->n_states > lim / 16 || L->n_params > lim / 16 ||
        (L->n_vars && L->n_saves > lim / 16 / L->n_vars) || series_rows > lim / 16 ||
        L->n_sum_rows > lim / 16)
        return bo_error(ctx, BO_ERR_RANGE, "cu_run: a run's arrays are too large to address");
    size_t sum_rows = L->summaries ? L->n_sum_rows : 0;
    *out = p * (2 * L->n_states + L->n_params + series_rows + sum_rows) + 8 + 4 + 8 + 8 + 8;
    return BO_OK;
}

/* Free the solve's driver block (when there is one) and leave the device context; rc is the
 * outcome so far, which a failing free replaces only when it was a success. */
static int drop_drivers(run_state *st, CUcontext saved, int rc)
{
    if (st->drivers) {
        if (rc == BO_OK)
            rc = CU_CALL(st->ctx, cuMemFree_v2, st->drivers);
        else
            cu_drv()->cuMemFree_v2(st->drivers);
        st->drivers = 0;
    }
    leave(saved);
    return rc;
}

int cu_run(bo_context *ctx, cu_module *m, cu_launch *L)
{
    if (!m || !L)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "cu_run: module and launch must not be NULL");
    L->kernel_ms = L->transfer_ms = 0.0f;
    L->host_ms[0] = L->host_ms[1] = L->host_ms[2] = 0.0;
    int rc = check_launch(ctx, L);
    if (rc != BO_OK)
        return rc;
    if (L->runs == 0) {
        if (L->while_running && (rc = L->while_running(L->user)) != BO_OK)
            return rc;
        if (L->progress)
            L->progress(L->user, 0, 0);
        return BO_OK;
    }
    const loaded_mod *lm = m->lm;
    const dev_info *d = &lm->info;
    run_state st;
    memset(&st, 0, sizeof st);
    st.ctx = ctx;
    st.m = m;
    st.L = L;
    st.series_rows = (L->series && L->n_saves > 0 && L->n_vars > 0) ? L->n_saves * L->n_vars : 0;
    size_t per_run = 0;
    if ((rc = sum_per_run(ctx, L, st.series_rows, &per_run)) != BO_OK)
        return rc;
    per_run_bytes(L, st.series_rows, st.per_run);
    st.shared_per_thread = L->shared_stride * (size_t)L->precision_bytes;

    CUcontext saved = NULL;
    if ((rc = enter(ctx, lm->cuctx, &saved)) != BO_OK)
        return rc;
    int blocks_per_sm = 0;
    if (L->block_size > 0) {
        st.block = L->block_size;
        rc = check_block(ctx, lm, st.block, st.shared_per_thread, &blocks_per_sm);
    } else {
        rc = choose_block(ctx, lm, st.shared_per_thread, L->runs, &st.block, &blocks_per_sm);
    }
    if (rc != BO_OK) {
        leave(saved);
        return rc;
    }

    /* The driver block is read-only and shared by every run: one copy for the whole solve.
     * The synchronous copy from pageable memory may return before its DMA is done, and the
     * slots' streams do not wait for the legacy stream, so wait for that stream here. */
    if (L->driver_bytes > 0) {
        rc = CU_CALL(ctx, cuMemAlloc_v2, &st.drivers, L->driver_bytes);
        if (rc == BO_OK)
            rc = CU_CALL(ctx, cuMemcpyHtoD_v2, st.drivers, L->driver_data, L->driver_bytes);
        if (rc == BO_OK)
            rc = CU_CALL(ctx, cuStreamSynchronize, (CUstream)0);
        if (rc != BO_OK)
            return drop_drivers(&st, saved, rc);
    }

    /* Chunk size: what fits the free device memory (less headroom and the local memory the
     * driver reserves for every resident thread's stack), at most two slots of pinned staging
     * beyond what keeps every SM full, and the caller's cap. */
    size_t free_b = 0, total_b = 0;
    if ((rc = CU_CALL(ctx, cuMemGetInfo_v2, &free_b, &total_b)) != BO_OK)
        return drop_drivers(&st, saved, rc);
    size_t headroom = free_b / 10 > CU_HEADROOM_MIN ? free_b / 10 : CU_HEADROOM_MIN;
    size_t local_reserve =
        (size_t)lm->local_bytes * (size_t)d->max_threads_sm * (size_t)d->sm_count;
    size_t budget = free_b > headroom + local_reserve ? free_b - headroom - local_reserve : 0;
    size_t slack = (size_t)A_COUNT * CU_ALIGN;
    int64_t resident = (int64_t)d->max_threads_sm * d->sm_count;
    int64_t host_chunk = (int64_t)(CU_PINNED_SLOT_BYTES / per_run);
    if (host_chunk < resident)
        host_chunk = resident;
    int64_t grid_chunk = (int64_t)d->max_grid_x * st.block;
    int64_t chunk = 0;
    int nslots = 1;
    for (;;) {
        size_t per_slot = budget / (size_t)nslots;
        int64_t dev_chunk = per_slot > slack ? (int64_t)((per_slot - slack) / per_run) : 0;
        chunk = dev_chunk < host_chunk ? dev_chunk : host_chunk;
        if (chunk > grid_chunk)
            chunk = grid_chunk;
        if (L->max_chunk_runs > 0 && L->max_chunk_runs < chunk)
            chunk = L->max_chunk_runs;
        if (chunk >= L->runs) {
            chunk = L->runs;
            break;
        }
        if (nslots == 2)
            break;
        nslots = 2; /* several chunks: two slots alternate, each with half the memory */
    }
    int64_t n_chunks = (L->runs + chunk - 1) / chunk;
    if (n_chunks == 1)
        nslots = 1;

    /* Allocate, or reuse the module's slots when they are large enough; when memory turns
     * out shorter than cuMemGetInfo said, halve the chunk. */
    slot *slots = m->pool;
    for (;;) {
        chunk_layout lay;
        layout_for(st.per_run, (size_t)chunk, &lay);
        int oom = 0;
        rc = BO_OK;
        for (int i = 0; rc == BO_OK && i < nslots; ++i) {
            if (m->pool_bytes[i] >= lay.total)
                continue;
            slot_free(&slots[i]);
            m->pool_bytes[i] = 0;
            rc = slot_alloc(ctx, &slots[i], lay.total, &oom);
            if (rc == BO_OK)
                m->pool_bytes[i] = lay.total;
        }
        if (rc == BO_OK)
            break;
        for (int i = 0; i < 2; ++i) {
            slot_free(&slots[i]);
            m->pool_bytes[i] = 0;
        }
        if (!oom || chunk == 1)
            return drop_drivers(&st, saved, rc);
        bo_clear_error(ctx);
        chunk = (chunk + 1) / 2;
        n_chunks = (L->runs + chunk - 1) / chunk;
        nslots = n_chunks > 1 ? 2 : 1;
    }
    m->last_block = st.block;
    m->last_blocks_per_sm = blocks_per_sm;
    m->last_chunk = chunk;
    m->last_chunks = n_chunks;

    /* Chunk k uses slot k % nslots; before reusing a slot its previous chunk is finished, so
     * chunks complete in order and progress only grows. */
    for (int64_t k = 0; rc == BO_OK && k < n_chunks; ++k) {
        slot *s = &slots[k % nslots];
        if (s->busy)
            rc = finish(&st, s);
        if (rc != BO_OK)
            break;
        int64_t first = k * chunk;
        int64_t r = L->runs - first < chunk ? L->runs - first : chunk;
        rc = submit(&st, s, first, r);
        if (rc == BO_OK && k == 0 && L->while_running)
            rc = L->while_running(L->user);
    }
    /* Drain in chunk order: the older chunk is in the slot after the last one used. */
    for (int64_t k = n_chunks; rc == BO_OK && k < n_chunks + nslots; ++k) {
        slot *s = &slots[k % nslots];
        if (s->busy)
            rc = finish(&st, s);
    }
    if (rc != BO_OK) {
        /* A failed launch may leave work queued: drop the slots rather than reuse them. */
        for (int i = 0; i < 2; ++i) {
            slot_free(&slots[i]);
            m->pool_bytes[i] = 0;
        }
    }
    /* Every chunk has finished (or its slot was drained by slot_free) before the free. */
    return drop_drivers(&st, saved, rc);
}

/* ---- report --------------------------------------------------------------------------- */

int cu_module_info(const cu_module *m, char **text)
{
    if (!text)
        return BO_ERR_INVALID_ARG;
    *text = NULL;
    if (!m)
        return BO_ERR_INVALID_ARG;
    const loaded_mod *lm = m->lm;
    const dev_info *d = &lm->info;
    sb_buf b;
    sb_init(&b);
    sb_printf(&b, "device: %d: %s (sm_%d%d, %d SMs, %.1f GiB)\n", d->ordinal, d->name, d->cc_major,
              d->cc_minor, d->sm_count, (double)d->total_mem / (1024.0 * 1024.0 * 1024.0));
    sb_printf(&b, "arch: sm_%d%d (cubin)\n", d->cc_major, d->cc_minor);
    sb_printf(&b, "registers per thread: %d\n", lm->regs);
    sb_printf(&b, "local bytes per thread (spills + stack): %d\n", lm->local_bytes);
    sb_printf(&b, "static shared bytes per block: %d\n", lm->static_shared);
    int block = m->last_block, bps = m->last_blocks_per_sm;
    const char *which = "last launch";
    if (block == 0) {
        /* No launch yet: what a large batch would get, from the layout in the source. */
        bo_context *tmp = NULL;
        CUcontext saved = NULL;
        which = "large batch";
        int entered = bo_context_create(&tmp) == BO_OK && enter(tmp, lm->cuctx, &saved) == BO_OK;
        int chosen =
            entered && choose_block(tmp, lm, m->hint_stride * (size_t)m->hint_precision_bytes,
                                    INT64_MAX, &block, &bps) == BO_OK;
        if (entered)
            leave(saved);
        if (!chosen) {
            block = 0;
            bps = 0;
            if (tmp)
                sb_printf(&b, "block size: not determined: %s\n", bo_errmsg(tmp));
        }
        bo_context_destroy(tmp);
    }
    size_t dyn_run = m->hint_stride * (size_t)m->hint_precision_bytes;
    sb_printf(&b, "dynamic shared bytes per run: %zu\n", dyn_run);
    if (block > 0) {
        double occ =
            d->max_threads_sm > 0 ? 100.0 * (double)(bps * block) / (double)d->max_threads_sm : 0.0;
        sb_printf(&b,
                  "block size (%s): %d threads, %d blocks per SM, occupancy %.0f%% (%d of %d "
                  "threads per SM)\n",
                  which, block, bps, occ, bps * block, d->max_threads_sm);
    }
    if (m->last_chunks > 0)
        sb_printf(&b, "last launch: %lld chunk%s of up to %lld runs\n", (long long)m->last_chunks,
                  m->last_chunks == 1 ? "" : "s", (long long)m->last_chunk);
    if (m->cache == CACHE_MEMORY)
        sb_printf(&b, "compile: cache hit (in memory)\n");
    else if (m->cache == CACHE_DISK)
        sb_printf(&b, "compile: cache hit (on disk)\n");
    else
        sb_printf(&b, "compile: %.0f ms (NVRTC, cache miss)\n", m->compile_ms);
    *text = sb_take(&b);
    return *text ? BO_OK : BO_ERR_NOMEM;
}
