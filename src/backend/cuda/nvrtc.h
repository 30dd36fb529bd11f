/* The NVRTC runtime compiler, loaded with dlopen so that the library builds and runs on
 * machines without CUDA. Generated CUDA source goes in, PTX or a cubin comes out. */
#ifndef BO_CU_NVRTC_H
#define BO_CU_NVRTC_H

#include <stddef.h>

#include "util/internal.h"

/* Load libnvrtc once per process (thread-safe; later calls return the first outcome).
 * Tries libnvrtc.so.13, libnvrtc.so.12, libnvrtc.so on the loader path, then
 * $CUDA_HOME/lib64 and /usr/local/cuda/lib64. Returns BO_OK, or BO_ERR_BACKEND with the
 * reason in ctx (ctx may be NULL). */
int cu_nvrtc_load(bo_context *ctx);

/* NVRTC's version (for compile-cache keys and messages). Loads NVRTC if needed. */
int cu_nvrtc_version(bo_context *ctx, int *major, int *minor);

/* Compile CUDA C++ source with NVRTC for compute capability sm (90 for sm_90): a cubin for
 * sm_<sm> when want_cubin, else PTX for compute_<sm>. Options: --gpu-architecture,
 * -default-device, --std=c++17; anything else (BO_PRECISION...) is up to the source. name is
 * the file name in diagnostics (NULL: "batchode.cu").
 * On success *out is a new buffer (free with bo_free) of *out_size bytes; PTX is
 * NUL-terminated and *out_size counts the NUL, as NVRTC reports it.
 * Errors: BO_ERR_INVALID_ARG; BO_ERR_BACKEND (no NVRTC); BO_ERR_COMPILE with the whole NVRTC
 * log in bo_errlog(ctx) and its first error line quoted in bo_errmsg(ctx); BO_ERR_NOMEM.
 * Thread-safe: different contexts may compile concurrently. */
int cu_nvrtc_compile(bo_context *ctx, const char *source, const char *name, int sm, int want_cubin,
                     char **out, size_t *out_size);
/* As cu_nvrtc_compile, with one extra NVRTC option (e.g. "--maxrregcount=32"; NULL or "" for
 * none). */
int cu_nvrtc_compile_opts(bo_context *ctx, const char *source, const char *name, int sm,
                          int want_cubin, const char *extra, char **out, size_t *out_size);

#endif
