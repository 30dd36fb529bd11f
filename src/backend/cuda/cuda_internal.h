/* Internals shared by the CUDA backend's two halves: cuda.c (devices, compiling and loading
 * modules, the report) and cuda_run.c (launching a batch: block size, chunks, staging). */
#ifndef BO_CU_CUDA_INTERNAL_H
#define BO_CU_CUDA_INTERNAL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "cuda.h"
#include "driver.h"

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

/* The results of a chunk come back in at most this many pieces, each copied with its own
 * call and event, so the host scatters one piece while the next are still in flight. */
#define CU_PIECES 8

/* A place in a chunk's output rows (every output array's rows, in layout order): before
 * element `run` of row `row`; run may equal the row length (its end). */
typedef struct {
    size_t row, run;
} cu_pos;

typedef struct {
    CUdeviceptr dev;
    unsigned char *stage; /* pinned, same layout as dev */
    CUstream stream;
    CUevent start, stop;       /* around the kernel */
    CUevent copy_in, copy_out; /* before the copy in, after the copy out */
    CUevent piece[CU_PIECES];  /* after each piece of the copy out (no timing) */
    cu_pos piece_end[CU_PIECES];
    int pieces;
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

/* Milliseconds on the monotonic clock. */
double cu_now_ms(void);
/* Make the primary context cuctx current on this thread, remembering the caller's in *saved
 * (errors go to ctx, which may be NULL); cu_leave restores it. */
int cu_enter(bo_context *ctx, CUcontext cuctx, CUcontext *saved);
void cu_leave(CUcontext saved);

/* Release a slot's stream, events, staging and device memory (waiting for its work first);
 * the slot is zeroed. Accepts a zeroed slot. */
void cu_slot_free(slot *s);

/* The block size the launch would choose for the module (cuda_run.c), and its resident
 * blocks per SM. */
int cu_choose_block(bo_context *ctx, const loaded_mod *lm, size_t shared_per_thread, int64_t runs,
                    int *block, int *blocks_per_sm);

#endif
