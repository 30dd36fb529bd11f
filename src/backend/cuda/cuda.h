/* CUDA backend: compile a generated unit with NVRTC for the device's exact architecture
 * (through the compile cache), load it with the driver API, and run a launch over a batch,
 * one thread per run, in chunks that fit device memory. docs/cuda.md describes the choices
 * (block size, shared memory, chunking, caching). */
#ifndef BO_CU_CUDA_H
#define BO_CU_CUDA_H

#include <stddef.h>
#include <stdint.h>

#include "batchode.h"

typedef struct cu_module cu_module;

/* BO_OK when the driver loads, the device ordinal exists and NVRTC loads; BO_ERR_BACKEND (or
 * BO_ERR_INVALID_ARG for a negative device) with the reason in ctx otherwise. Thread-safe. */
int cu_available(bo_context *ctx, int device);

/* Compile source with NVRTC into a cubin for exactly the device's sm_XY, or fetch it from the
 * compile cache (in memory within the process; on disk keyed by source + NVRTC version +
 * architecture + options), load it into the device's primary context, find bo_kernel and read
 * its resource use. *out: release with cu_module_release. Errors: BO_ERR_BACKEND (no driver,
 * device or NVRTC), BO_ERR_COMPILE (the NVRTC log in bo_errlog(ctx)), BO_ERR_DEVICE,
 * BO_ERR_NOMEM. A module may be used from any thread, one call at a time. disk_cache 0 (the
 * setting cache=false) neither reads nor writes the disk cache. */
int cu_module_load(bo_context *ctx, const char *source, int device, int disk_cache,
                   cu_module **out);
/* Accepts NULL. */
void cu_module_release(cu_module *m);

/* A text report (*text: free with bo_free): device, architecture, registers per thread, local
 * (spill/stack) bytes per thread, static shared bytes, block size chosen by occupancy and the
 * occupancy it reaches (for the last launch when there was one), compile time, cache hit. */
int cu_module_info(const cu_module *m, char **text);

/* One solve. Host arrays are [var][runs] (run fastest) and double; the device works in the
 * program's precision, and the staging passes convert. */
typedef struct {
    int precision_bytes; /* 4 or 8: the program's bo_real */
    size_t n_states, n_params, n_vars, n_saves;
    size_t n_sum_rows; /* summary windows x columns; 0 without summaries */
    int64_t runs;
    const double *init, *params; /* host, [var][runs]; not read when fill_inputs is set */
    /* Optional: write the inputs of runs [first, first + count) straight into staging, rows
     * count elements apart, in the device precision (elem_bytes 4 or 8). Returns BO_OK. */
    int (*fill_inputs)(void *user, size_t first, size_t count, void *init, void *params,
                       int elem_bytes);
    /* Optional: called once, after the first chunk is on its way to the device and before
     * waiting for it: host work that overlaps the kernel. Returns BO_OK. */
    int (*while_running)(void *user);
    const void *driver_data;      /* host driver block (kernels/drivers.h), NULL when none */
    size_t driver_bytes;          /* its size: uploaded once per cu_run, shared by every run */
    const double *save_times;     /* host [n_saves] save times after settling (save_at), or NULL */
    double *final_state, *series; /* host outputs, same layout; series may be NULL */
    double *summaries;            /* host [n_sum_rows][runs]; may be NULL */
    double *final_time;           /* host [runs] */
    int32_t *status;              /* host [runs] */
    int64_t *steps, *rejections;  /* host [runs] */
    int64_t *newton_iters;        /* host [runs], or NULL when not wanted */
    /* Events (kernels/events.h); all NULL / 0 for a model without events. */
    size_t n_events;       /* events of the model: rows of event_counts */
    size_t event_records;  /* occurrences recorded per run (0: none) */
    int64_t *event_counts; /* host [n_events][runs] */
    double *event_time;    /* host [event_records][runs] */
    int32_t *event_index;  /* host [event_records][runs] */
    double *event_state;   /* host [event_records][n_states][runs] */
    int64_t max_events;
    double t0, settling, duration, save_every, dt0;
    const double *spans; /* host [3][runs]: per-run t0, settling, duration; NULL: the above */
    double sample_every; /* summary sample interval */
    int64_t n_windows, window_samples; /* summary windows and samples per window */
    int64_t max_steps;
    int mask_failed;        /* 1: every value of a failed run is NaN (keep_failed=false) */
    size_t shared_stride;   /* BO_SHARED_STRIDE elements per run */
    int block_size;         /* 0 = from occupancy */
    int64_t max_chunk_runs; /* 0 = automatic from free device memory */
    int host_threads;       /* threads for gathering and scattering host data (<= 0: all) */
    struct par_pool *pool;  /* their worker pool (src/util/parallel.h), or NULL */
    void (*progress)(void *user, size_t done, size_t total);
    /* Asked before each chunk after the first (may be NULL): nonzero stops the launch with
     * BO_ERR_CANCELLED once the chunks in flight are done. */
    int (*interrupt)(void *user);
    void *user;
    float kernel_ms;   /* out: summed kernel time (CUDA events) */
    float transfer_ms; /* out: summed time of the copies in and out (and series/summary fills) */
    double host_ms[3]; /* out: host time gathering into staging, waiting for chunks, scattering */
} cu_launch;

/* Integrate every run of L on the module's device. The batch is split into chunks that fit
 * device memory (or L->max_chunk_runs); results are bit-identical whatever the chunking.
 * progress (may be NULL) is called from the calling thread after each chunk. Returns BO_OK
 * when every chunk ran (per-run failures are in L->status), BO_ERR_INVALID_ARG for
 * inconsistent sizes, BO_ERR_RANGE when one block of runs cannot fit the device's shared
 * memory or one run cannot fit its memory, BO_ERR_DEVICE for a failed driver call or launch
 * (message names the call and the CUDA error). */
int cu_run(bo_context *ctx, cu_module *m, cu_launch *L);

#endif
