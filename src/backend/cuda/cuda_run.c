/* CUDA backend, execution (see cuda.h and docs/cuda.md): a chunk of r runs lives on the
 * device as one allocation holding every array of the launch with run_stride = r ([var][r],
 * run fastest, so a warp's loads and stores coalesce). The host arrays are [var][runs] in
 * double, so a chunk's inputs are written (or gathered row by row) into pinned staging laid
 * out exactly like the device allocation, in the device's precision, and its results are
 * scattered back converting to double; one host-to-device copy, the kernel and one
 * device-to-host copy run on the slot's stream. With more than one chunk two slots (stream,
 * staging, device memory) alternate, so the host passes and the copies of one chunk overlap
 * the kernel of the other. Each run only reads its own inputs, so results do not depend on
 * the chunking or the block size. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda.h"
#include "cuda_internal.h"
#include "driver.h"
#include "util/internal.h"
#include "util/parallel.h"

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

/* ---- block size ----------------------------------------------------------------------- */

/* Threads per block: the multiple of 32 with the most resident threads per SM given the
 * kernel's registers and the dynamic shared memory each thread brings. Ties are common (the
 * register file usually sets the limit whatever the block); they go to the block closest to
 * 128 threads: four warps feed the four warp schedulers of an SM (Volta to Hopper), while a
 * small block releases its resources soon after its slowest run ends, which matters when run
 * lengths differ as much as adaptive integrations do. Then, for a batch too small to give
 * every SM a block, smaller blocks so that all SMs work. */
int cu_choose_block(bo_context *ctx, const loaded_mod *lm, size_t shared_per_thread, int64_t runs,
                    int *block_out, int *blocks_per_sm)
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
    A_SPANS, /* per-run t0, settling, duration (double), when the runs have their own */
    A_FINAL,
    A_TIME,
    A_STATUS,
    A_STEPS,
    A_REJ,
    A_NEWTON,
    A_SERIES,
    A_SUMS,
    A_ECOUNT,
    A_ETIME,
    A_EINDEX,
    A_ESTATE,
    A_COUNT
};

typedef struct {
    size_t off[A_COUNT];
    size_t bytes[A_COUNT];
    size_t total; /* outputs occupy [off[A_FINAL], total) */
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
    b[A_SPANS] = L->spans ? 3 * sizeof(double) : 0;
    b[A_FINAL] = L->n_states * p;
    b[A_TIME] = sizeof(double);
    b[A_STATUS] = sizeof(int32_t);
    b[A_STEPS] = sizeof(int64_t);
    b[A_REJ] = sizeof(int64_t);
    b[A_NEWTON] = sizeof(int64_t);
    b[A_SERIES] = series_rows * p;
    b[A_SUMS] = (L->summaries ? L->n_sum_rows : 0) * p;
    b[A_ECOUNT] = (L->event_counts ? L->n_events : 0) * sizeof(int64_t);
    size_t k = L->event_time ? L->event_records : 0;
    b[A_ETIME] = k * sizeof(double);
    b[A_EINDEX] = k * sizeof(int32_t);
    b[A_ESTATE] = k * L->n_states * p;
}

static void layout_for(const size_t per_run[A_COUNT], size_t r, chunk_layout *lay)
{
    size_t off = 0;
    for (int i = 0; i < A_COUNT; ++i) {
        lay->off[i] = off;
        lay->bytes[i] = per_run[i] * r;
        off += align_up(lay->bytes[i]);
    }
    lay->total = off;
}

/* ---- slots ---------------------------------------------------------------------------- */

void cu_slot_free(slot *s)
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
    for (int i = 0; i < CU_PIECES; ++i)
        if (s->piece[i])
            api->cuEventDestroy_v2(s->piece[i]);
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
        cu_slot_free(s);
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
    for (int i = 0; rc == BO_OK && i < CU_PIECES; ++i)
        rc = CU_CALL(ctx, cuEventCreate, &s->piece[i], CU_EVENT_DISABLE_TIMING);
    if (rc != BO_OK)
        cu_slot_free(s);
    return rc;
}

/* Segments of at most CU_MAX_SEGMENTS rows, copied together over the host's cores
 * (src/util/parallel.h): gathering a large chunk into staging and scattering its results are
 * memory-bound passes that one thread would spend most of a solve on. */
#define CU_MAX_SEGMENTS 256
typedef struct {
    par_segment seg[CU_MAX_SEGMENTS];
    size_t count;
    int threads;
    par_pool *pool;
} copy_list;

/* An empty list whose copies run on the launch's host threads. */
static copy_list copies_for(const cu_launch *L)
{
    copy_list cl;
    cl.count = 0;
    cl.threads = L->host_threads;
    cl.pool = L->pool;
    return cl;
}

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
    CUdeviceptr drivers;    /* the driver block and the save times on the device, 0: neither */
    CUdeviceptr save_times; /* inside that allocation, after the driver block; 0 when none */
} run_state;

/* ---- results in pieces ------------------------------------------------------------------ */

/* The output arrays of a chunk in layout order: rows of r elements of src_size bytes in
 * staging, going to host rows `runs` elements of dst_size bytes apart. */
typedef struct {
    int k; /* A_* */
    size_t rows, src_size, dst_size;
    void *dst;
} out_array;

static int out_arrays(const run_state *st, out_array oa[A_COUNT])
{
    const cu_launch *L = st->L;
    size_t p = (size_t)L->precision_bytes;
    const out_array all[] = {
        {A_FINAL, L->n_states, p, 8, L->final_state},
        {A_TIME, 1, 8, 8, L->final_time},
        {A_STATUS, 1, 4, 4, L->status},
        {A_STEPS, 1, 8, 8, L->steps},
        {A_REJ, 1, 8, 8, L->rejections},
        {A_NEWTON, L->newton_iters ? 1 : 0, 8, 8, L->newton_iters},
        {A_SERIES, st->series_rows, p, 8, L->series},
        {A_SUMS, L->summaries ? L->n_sum_rows : 0, p, 8, L->summaries},
        {A_ECOUNT, L->event_counts ? L->n_events : 0, 8, 8, L->event_counts},
        {A_ETIME, L->event_time ? L->event_records : 0, 8, 8, L->event_time},
        {A_EINDEX, L->event_time ? L->event_records : 0, 4, 4, L->event_index},
        {A_ESTATE, L->event_time ? L->event_records * L->n_states : 0, p, 8, L->event_state},
    };
    int n = 0;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; ++i)
        if (all[i].rows > 0)
            oa[n++] = all[i];
    return n;
}

/* The array holding output row *row (counted over all arrays); *row becomes its index there. */
static int row_array(const out_array *oa, int n, size_t *row)
{
    int a = 0;
    while (a + 1 < n && *row >= oa[a].rows)
        *row -= oa[a++].rows;
    return a;
}

/* Staging offset of a place in the output rows. */
static size_t pos_offset(const out_array *oa, int n, const chunk_layout *lay, size_t r, cu_pos pos)
{
    size_t i = pos.row;
    int a = row_array(oa, n, &i);
    return lay->off[oa[a].k] + (i * r + pos.run) * oa[a].src_size;
}

/* Cut the output rows into at most CU_PIECES pieces of about equal bytes (none under
 * CU_PIECE_MIN bytes), at multiples of CU_PIECE_ALIGN runs inside a row. */
#define CU_PIECE_MIN ((size_t)1 << 20)
#define CU_PIECE_ALIGN ((size_t)256)
static int plan_pieces(const out_array *oa, int n, size_t r, cu_pos end[CU_PIECES])
{
    size_t total = 0, rows = 0;
    for (int a = 0; a < n; ++a) {
        total += oa[a].rows * r * oa[a].src_size;
        rows += oa[a].rows;
    }
    size_t target = total / CU_PIECES > CU_PIECE_MIN ? total / CU_PIECES : CU_PIECE_MIN;
    int pieces = 0;
    size_t acc = 0, row = 0;
    for (int a = 0; a < n; ++a)
        for (size_t i = 0; i < oa[a].rows; ++i, ++row) {
            size_t e = oa[a].src_size;
            for (size_t run = 0; run < r;) {
                size_t take = (target - acc + e - 1) / e;
                take = (take + CU_PIECE_ALIGN - 1) / CU_PIECE_ALIGN * CU_PIECE_ALIGN;
                if (take > r - run)
                    take = r - run;
                run += take;
                acc += take * e;
                int last = row + 1 == rows && run == r;
                if (acc >= target && !last && pieces < CU_PIECES - 1) {
                    end[pieces++] = (cu_pos){row, run};
                    acc = 0;
                }
            }
        }
    end[pieces++] = (cu_pos){rows > 0 ? rows - 1 : 0, r};
    return pieces;
}

/* Queue the scatter of the output rows between two places into the host arrays. */
static void scatter_piece(copy_list *cl, const out_array *oa, int n, const chunk_layout *lay,
                          const unsigned char *stage, size_t runs, size_t first, size_t r,
                          cu_pos from, cu_pos to)
{
    size_t i = from.row;
    int a = row_array(oa, n, &i);
    for (size_t row = from.row; row <= to.row; ++row, ++i) {
        if (i == oa[a].rows) {
            ++a;
            i = 0;
        }
        size_t lo = row == from.row ? from.run : 0, hi = row == to.row ? to.run : r;
        if (lo >= hi)
            continue;
        size_t es = oa[a].src_size, ed = oa[a].dst_size;
        copy_rows(cl, oa[a].dst, (i * runs + first + lo) * ed, 0, ed, stage,
                  lay->off[oa[a].k] + (i * r + lo) * es, 0, es, 1, hi - lo);
    }
}

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
     * or converted from the host's double arrays. (Filling and copying them in pieces, to
     * overlap the two, was measured twice and was slower: first because each piece woke the
     * workers, then, with workers that poll between passes, because the pieced copies and
     * the host pass after them ran slower; docs/cuda.md.) */
    double t_gather = cu_now_ms();
    int rc = BO_OK;
    if (L->fill_inputs) {
        rc = L->fill_inputs(L->user, f, rr, s->stage + lay.off[A_INIT],
                            s->stage + lay.off[A_PARAMS], (int)p);
        if (L->spans) {
            copy_list cl = copies_for(L);
            copy_rows(&cl, s->stage, lay.off[A_SPANS], rr * 8, 8, L->spans, f * 8, runs * 8, 8, 3,
                      rr);
            copies_flush(&cl);
        }
    } else {
        copy_list cl = copies_for(L);
        copy_rows(&cl, s->stage, lay.off[A_INIT], rr * p, p, L->init, f * 8, runs * 8, 8,
                  L->n_states, rr);
        copy_rows(&cl, s->stage, lay.off[A_PARAMS], rr * p, p, L->params, f * 8, runs * 8, 8,
                  L->n_params, rr);
        if (L->spans)
            copy_rows(&cl, s->stage, lay.off[A_SPANS], rr * 8, 8, L->spans, f * 8, runs * 8, 8, 3,
                      rr);
        copies_flush(&cl);
    }
    L->host_ms[0] += cu_now_ms() - t_gather;
    if (rc != BO_OK)
        return rc;

    cu_args a;
    memset(&a, 0, sizeof a);
#define DEV(T, k) ((T)(uintptr_t)(s->dev + (CUdeviceptr)lay.off[k]))
    a.init = DEV(const double *, A_INIT);
    a.params = DEV(const double *, A_PARAMS);
    a.driver_data = st->save_times != st->drivers ? (const void *)(uintptr_t)st->drivers : NULL;
    a.save_times = (const double *)(uintptr_t)st->save_times;
    a.final_state = DEV(double *, A_FINAL);
    a.final_time = DEV(double *, A_TIME);
    a.series = st->series_rows ? DEV(double *, A_SERIES) : NULL;
    a.summaries = lay.bytes[A_SUMS] ? DEV(double *, A_SUMS) : NULL;
    a.status = DEV(int32_t *, A_STATUS);
    a.steps = DEV(int64_t *, A_STEPS);
    a.rejections = DEV(int64_t *, A_REJ);
    a.newton_iters = DEV(int64_t *, A_NEWTON);
    a.event_counts = lay.bytes[A_ECOUNT] ? DEV(int64_t *, A_ECOUNT) : NULL;
    a.event_time = lay.bytes[A_ETIME] ? DEV(double *, A_ETIME) : NULL;
    a.event_index = lay.bytes[A_EINDEX] ? DEV(int32_t *, A_EINDEX) : NULL;
    a.event_state = lay.bytes[A_ESTATE] ? DEV(double *, A_ESTATE) : NULL;
    a.spans = L->spans ? DEV(const double *, A_SPANS) : NULL;
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
    a.mask_failed = L->mask_failed;
    a.event_records = lay.bytes[A_ETIME] ? (int64_t)L->event_records : 0;
    a.max_events = L->max_events;

    rc = CU_CALL(ctx, cuEventRecord, s->copy_in, s->stream);
    size_t in_bytes = lay.off[A_SPANS] + lay.bytes[A_SPANS]; /* inputs: one contiguous range */
    if (rc == BO_OK && in_bytes > 0)
        rc = CU_CALL(ctx, cuMemcpyHtoDAsync_v2, s->dev, s->stage, in_bytes, s->stream);
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
    /* The results come back in pieces, each followed by its event (finish scatters them as
     * they land). */
    out_array oa[A_COUNT];
    int n_out = out_arrays(st, oa);
    s->pieces = plan_pieces(oa, n_out, rr, s->piece_end);
    cu_pos from = {0, 0};
    for (int j = 0; rc == BO_OK && j < s->pieces; ++j) {
        size_t lo = pos_offset(oa, n_out, &lay, rr, from);
        size_t hi = pos_offset(oa, n_out, &lay, rr, s->piece_end[j]);
        if (hi > lo)
            rc = CU_CALL(ctx, cuMemcpyDtoHAsync_v2, s->stage + lo, s->dev + (CUdeviceptr)lo,
                         hi - lo, s->stream);
        if (rc == BO_OK)
            rc = CU_CALL(ctx, cuEventRecord, s->piece[j], s->stream);
        from = s->piece_end[j];
    }
    if (rc == BO_OK)
        rc = CU_CALL(ctx, cuEventRecord, s->copy_out, s->stream);
    if (rc != BO_OK)
        return rc;
    s->busy = 1;
    s->first = first;
    s->count = r;
    return BO_OK;
}

/* The device failed while a slot's chunk was in flight: say which runs. */
static int chunk_failed(bo_context *ctx, const slot *s, CUresult r, const char *call)
{
    cu_check(ctx, r, call);
    char *why = bo_strdup(bo_errmsg(ctx));
    int rc = bo_error(ctx, BO_ERR_DEVICE, "%s while integrating runs %lld..%lld",
                      why ? why : "the device failed", (long long)s->first,
                      (long long)(s->first + s->count - 1));
    free(why);
    return rc;
}

/* Scatter a slot's chunk into the caller's arrays piece by piece, each as soon as its copy
 * has landed, while the later pieces are still being copied. */
static int finish(run_state *st, slot *s)
{
    bo_context *ctx = st->ctx;
    cu_launch *L = st->L;
    s->busy = 0;
    size_t runs = (size_t)L->runs, rr = (size_t)s->count, f = (size_t)s->first;
    chunk_layout lay;
    layout_for(st->per_run, rr, &lay);
    out_array oa[A_COUNT];
    int n_out = out_arrays(st, oa);
    copy_list cl = copies_for(L);
    cu_pos from = {0, 0};
    for (int j = 0; j < s->pieces; ++j) {
        double t_wait = cu_now_ms();
        CUresult sr = cu_drv()->cuEventSynchronize(s->piece[j]);
        L->host_ms[1] += cu_now_ms() - t_wait;
        if (sr != CU_SUCCESS)
            return chunk_failed(ctx, s, sr, "cuEventSynchronize");
        double t_scatter = cu_now_ms();
        scatter_piece(&cl, oa, n_out, &lay, s->stage, runs, f, rr, from, s->piece_end[j]);
        copies_flush(&cl);
        L->host_ms[2] += cu_now_ms() - t_scatter;
        from = s->piece_end[j];
    }
    CUresult sr = cu_drv()->cuStreamSynchronize(s->stream);
    if (sr != CU_SUCCESS)
        return chunk_failed(ctx, s, sr, "cuStreamSynchronize");
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
    if (L->n_events > lim / 16 || L->event_records > lim / 16 / (L->n_states + 2))
        return bo_error(ctx, BO_ERR_RANGE, "cu_run: a run's arrays are too large to address");
    size_t k = L->event_time ? L->event_records : 0;
    *out = p * (2 * L->n_states + L->n_params + series_rows + sum_rows) + 8 + 4 + 8 + 8 + 8 +
           (L->event_counts ? 8 * L->n_events : 0) + k * (8 + 4 + p * L->n_states) +
           (L->spans ? 3 * 8 : 0);
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
        st->save_times = 0;
    }
    cu_leave(saved);
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
    if ((rc = cu_enter(ctx, lm->cuctx, &saved)) != BO_OK)
        return rc;
    int blocks_per_sm = 0;
    if (L->block_size > 0) {
        st.block = L->block_size;
        rc = check_block(ctx, lm, st.block, st.shared_per_thread, &blocks_per_sm);
    } else {
        rc = cu_choose_block(ctx, lm, st.shared_per_thread, L->runs, &st.block, &blocks_per_sm);
    }
    if (rc != BO_OK) {
        cu_leave(saved);
        return rc;
    }

    /* The driver block is read-only and shared by every run: one copy for the whole solve.
     * The synchronous copy from pageable memory may return before its DMA is done, and the
     * slots' streams do not wait for the legacy stream, so wait for that stream here. */
    /* The save times (save_at) follow it in the same allocation, 8-byte aligned. */
    size_t drv_bytes = (L->driver_bytes + 7u) & ~(size_t)7u;
    size_t times_bytes = L->save_times ? L->n_saves * sizeof(double) : 0;
    if (drv_bytes + times_bytes > 0) {
        rc = CU_CALL(ctx, cuMemAlloc_v2, &st.drivers, drv_bytes + times_bytes);
        if (rc == BO_OK && L->driver_bytes > 0)
            rc = CU_CALL(ctx, cuMemcpyHtoD_v2, st.drivers, L->driver_data, L->driver_bytes);
        if (rc == BO_OK && times_bytes > 0) {
            st.save_times = st.drivers + (CUdeviceptr)drv_bytes;
            rc = CU_CALL(ctx, cuMemcpyHtoD_v2, st.save_times, L->save_times, times_bytes);
        }
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
            cu_slot_free(&slots[i]);
            m->pool_bytes[i] = 0;
            rc = slot_alloc(ctx, &slots[i], lay.total, &oom);
            if (rc == BO_OK)
                m->pool_bytes[i] = lay.total;
        }
        if (rc == BO_OK)
            break;
        for (int i = 0; i < 2; ++i) {
            cu_slot_free(&slots[i]);
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
        if (k > 0 && L->interrupt && L->interrupt(L->user)) {
            rc = bo_error(ctx, BO_ERR_CANCELLED, "solve interrupted after %lld of %lld runs",
                          (long long)st.done, (long long)L->runs);
            break;
        }
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
            cu_slot_free(&slots[i]);
            m->pool_bytes[i] = 0;
        }
    }
    /* Every chunk has finished (or its slot was drained by slot_free) before the free. */
    return drop_drivers(&st, saved, rc);
}
