/* CUDA backend, devices and modules (see cuda.h and docs/cuda.md): one cubin per (source,
 * NVRTC version, sm_XY, options), kept by the compile cache on disk; the loaded module is
 * shared within the process through the cache's handle map, keyed by the same hash and the
 * device ordinal (a module belongs to one device's primary context). Launching a batch is in
 * cuda_run.c. */
#include "cuda.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cuda_internal.h"
#include "driver.h"
#include "nvrtc.h"
#include "backend/cache.h"
#include "util/internal.h"
#include "util/strbuf.h"

double cu_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return 1e3 * (double)ts.tv_sec + 1e-6 * (double)ts.tv_nsec;
}

/* Make the primary context current on this thread, remembering the caller's. */
int cu_enter(bo_context *ctx, CUcontext cuctx, CUcontext *saved)
{
    *saved = NULL;
    int rc = CU_CALL(ctx, cuCtxGetCurrent, saved);
    if (rc == BO_OK)
        rc = CU_CALL(ctx, cuCtxSetCurrent, cuctx);
    return rc;
}

void cu_leave(CUcontext saved)
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
    rc = cu_enter(ctx, lm->cuctx, &saved);
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
    cu_leave(saved);
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

/* The cubin for the source: from the disk cache (when use_disk; the bytes handed back are
 * the ones the cache checked, and the driver gets exactly those) or compiled by NVRTC (and
 * then stored). */
/* The image for source: from the disk cache when lookup is set and it has one, else compiled
 * (and stored when store is set). */
static int get_cubin(bo_context *ctx, const char *source, int sm, const char *extra,
                     const char *key, int lookup, int store, void **cubin, size_t *size,
                     int *disk_hit, double *compile_ms)
{
    *cubin = NULL;
    *disk_hit = 0;
    *compile_ms = 0.0;
    int rc = lookup ? cc_load_bytes(ctx, key, "cubin", cubin, size) : 0;
    if (rc == 1) {
        *disk_hit = 1;
        return BO_OK;
    }
    if (rc < 0)
        bo_clear_error(ctx); /* an unreadable cache is a miss, not a failure */
    double t = cu_now_ms();
    char *bin = NULL;
    rc = cu_nvrtc_compile_opts(ctx, source, "batchode.cu", sm, 1, extra, &bin, size);
    *compile_ms = cu_now_ms() - t;
    if (rc != BO_OK)
        return rc;
    if (store && cc_store_bytes(ctx, key, "cubin", bin, *size) != BO_OK)
        bo_clear_error(ctx); /* a cache that cannot be written only costs the next compile */
    *cubin = bin;
    return BO_OK;
}

int cu_module_load(bo_context *ctx, const char *source, int device, int disk_cache, cu_module **out)
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
    rc = get_cubin(ctx, source, sm, extra, key, disk_cache, disk_cache, &cubin, &size, &disk_hit,
                   &m->compile_ms);
    if (rc == BO_OK)
        rc = load_cubin(ctx, &d, cubin, &lm);
    if (rc != BO_OK && disk_hit && rc != BO_ERR_NOMEM) {
        /* A cached image that verifies but does not load (damaged before its sum was taken,
         * or from a broken compiler) would fail every later solve: drop it and compile once
         * more. */
        bo_warn(ctx,
                "compile cache: dropped the cached CUDA image %s.cubin, which did not load (%s)",
                key, bo_errmsg(ctx));
        cc_remove(ctx, key, "cubin");
        bo_clear_error(ctx);
        free(cubin);
        rc = get_cubin(ctx, source, sm, extra, key, 0, 1, &cubin, &size, &disk_hit, &m->compile_ms);
        if (rc == BO_OK)
            rc = load_cubin(ctx, &d, cubin, &lm);
    }
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

void cu_module_release(cu_module *m)
{
    if (!m)
        return;
    if (m->pool_bytes[0] || m->pool_bytes[1]) {
        CUcontext saved = NULL;
        if (cu_enter(NULL, m->lm->cuctx, &saved) == BO_OK) {
            cu_slot_free(&m->pool[0]);
            cu_slot_free(&m->pool[1]);
            cu_leave(saved);
        }
    }
    loaded_release(m->lm);
    free(m);
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
        int entered = bo_context_create(&tmp) == BO_OK && cu_enter(tmp, lm->cuctx, &saved) == BO_OK;
        int chosen =
            entered && cu_choose_block(tmp, lm, m->hint_stride * (size_t)m->hint_precision_bytes,
                                       INT64_MAX, &block, &bps) == BO_OK;
        if (entered)
            cu_leave(saved);
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
