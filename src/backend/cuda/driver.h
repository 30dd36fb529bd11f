/* The CUDA driver API, loaded from libcuda.so.1 with dlopen so that the library builds, links
 * and runs on machines without an NVIDIA driver, and says why the GPU backend is unavailable.
 *
 * No CUDA header is used: the handful of types, enum values and entry points the backend
 * needs are declared here with the numeric values documented in the CUDA Driver API
 * reference (cuda.h of CUDA 12/13; these values are part of the stable ABI). Versioned entry
 * points are loaded by their exported symbol names (cuMemAlloc_v2, ...), the same ones cuda.h
 * maps the plain names to. */
#ifndef BO_CU_DRIVER_H
#define BO_CU_DRIVER_H

#include <stddef.h>

#include "util/internal.h"

typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;
typedef struct CUevent_st *CUevent;

/* CUresult values the backend tests for. */
enum {
    CU_SUCCESS = 0,
    CU_ERROR_OUT_OF_MEMORY = 2,
    CU_ERROR_NO_DEVICE = 100,
};

/* CUdevice_attribute values. */
enum {
    CU_DEV_MAX_THREADS_PER_BLOCK = 1,
    CU_DEV_MAX_GRID_DIM_X = 5,
    CU_DEV_WARP_SIZE = 10,
    CU_DEV_MULTIPROCESSOR_COUNT = 16,
    CU_DEV_MAX_THREADS_PER_MULTIPROCESSOR = 39,
    CU_DEV_COMPUTE_CAPABILITY_MAJOR = 75,
    CU_DEV_COMPUTE_CAPABILITY_MINOR = 76,
    CU_DEV_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR = 81,
    CU_DEV_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97,
};

/* CUfunction_attribute values. */
enum {
    CU_FUNC_MAX_THREADS_PER_BLOCK = 0,
    CU_FUNC_SHARED_SIZE_BYTES = 1,
    CU_FUNC_LOCAL_SIZE_BYTES = 3,
    CU_FUNC_NUM_REGS = 4,
    CU_FUNC_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8,
};

/* Flags. */
enum {
    CU_STREAM_NON_BLOCKING = 1,
    CU_EVENT_DEFAULT = 0,
    CU_EVENT_DISABLE_TIMING = 2,
};

/* Every entry point used: X(name, parameter list). The table's fields carry the exported
 * symbol names, so an error message names the exact function that failed. */
#define CU_DRIVER_FUNCS(X)                                                                         \
    X(cuGetErrorString, (CUresult error, const char **str))                                        \
    X(cuGetErrorName, (CUresult error, const char **str))                                          \
    X(cuInit, (unsigned int flags))                                                                \
    X(cuDriverGetVersion, (int *version))                                                          \
    X(cuDeviceGetCount, (int *count))                                                              \
    X(cuDeviceGet, (CUdevice * device, int ordinal))                                               \
    X(cuDeviceGetName, (char *name, int len, CUdevice dev))                                        \
    X(cuDeviceGetAttribute, (int *value, int attribute, CUdevice dev))                             \
    X(cuDeviceTotalMem_v2, (size_t * bytes, CUdevice dev))                                         \
    X(cuDevicePrimaryCtxRetain, (CUcontext * ctx, CUdevice dev))                                   \
    X(cuDevicePrimaryCtxRelease_v2, (CUdevice dev))                                                \
    X(cuCtxSetCurrent, (CUcontext ctx))                                                            \
    X(cuCtxGetCurrent, (CUcontext * ctx))                                                          \
    X(cuModuleLoadData, (CUmodule * module, const void *image))                                    \
    X(cuModuleUnload, (CUmodule module))                                                           \
    X(cuModuleGetFunction, (CUfunction * fn, CUmodule module, const char *name))                   \
    X(cuFuncGetAttribute, (int *value, int attribute, CUfunction fn))                              \
    X(cuFuncSetAttribute, (CUfunction fn, int attribute, int value))                               \
    X(cuOccupancyMaxActiveBlocksPerMultiprocessor,                                                 \
      (int *blocks, CUfunction fn, int block_size, size_t dynamic_shared))                         \
    X(cuMemGetInfo_v2, (size_t * free_bytes, size_t * total_bytes))                                \
    X(cuMemAlloc_v2, (CUdeviceptr * ptr, size_t bytes))                                            \
    X(cuMemFree_v2, (CUdeviceptr ptr))                                                             \
    X(cuMemAllocHost_v2, (void **ptr, size_t bytes))                                               \
    X(cuMemFreeHost, (void *ptr))                                                                  \
    X(cuMemcpyHtoD_v2, (CUdeviceptr dst, const void *src, size_t bytes))                           \
    X(cuMemcpyHtoDAsync_v2, (CUdeviceptr dst, const void *src, size_t bytes, CUstream s))          \
    X(cuMemcpyDtoHAsync_v2, (void *dst, CUdeviceptr src, size_t bytes, CUstream s))                \
    X(cuMemsetD8Async, (CUdeviceptr dst, unsigned char value, size_t count, CUstream s))           \
    X(cuStreamCreate, (CUstream * stream, unsigned int flags))                                     \
    X(cuStreamSynchronize, (CUstream stream))                                                      \
    X(cuStreamDestroy_v2, (CUstream stream))                                                       \
    X(cuLaunchKernel,                                                                              \
      (CUfunction fn, unsigned int grid_x, unsigned int grid_y, unsigned int grid_z,               \
       unsigned int block_x, unsigned int block_y, unsigned int block_z,                           \
       unsigned int shared_bytes, CUstream stream, void **params, void **extra))                   \
    X(cuEventCreate, (CUevent * event, unsigned int flags))                                        \
    X(cuEventRecord, (CUevent event, CUstream stream))                                             \
    X(cuEventSynchronize, (CUevent event))                                                         \
    X(cuEventElapsedTime, (float *ms, CUevent start, CUevent end))                                 \
    X(cuEventDestroy_v2, (CUevent event))

typedef struct {
#define CU_X_FIELD(name, params) CUresult(*name) params;
    CU_DRIVER_FUNCS(CU_X_FIELD)
#undef CU_X_FIELD
} cu_driver_api;

/* Load libcuda.so.1, resolve every entry point and run cuInit, once per process (thread-safe;
 * later calls return the first outcome and repeat its message). BO_OK, or BO_ERR_BACKEND with
 * the reason in ctx: "libcuda.so.1 not found: no NVIDIA driver", a missing entry point (driver
 * too old), cuInit's error, or "no CUDA device". ctx may be NULL. */
int cu_driver_load(bo_context *ctx);

/* The loaded table. Only valid after cu_driver_load returned BO_OK; read-only from then on. */
const cu_driver_api *cu_drv(void);

/* Number of CUDA devices (valid after a successful cu_driver_load; >= 1 then). */
int cu_device_count(void);

/* Turn a driver result into a status: BO_OK for CU_SUCCESS, else BO_ERR_DEVICE with
 * "<call> failed: <CUDA_ERROR_NAME> (<description>)" in ctx. */
int cu_check(bo_context *ctx, CUresult result, const char *call);

/* Call a driver entry point and check its result: CU_CALL(ctx, cuMemAlloc_v2, &p, n). */
#define CU_CALL(ctx, fn, ...) cu_check((ctx), cu_drv()->fn(__VA_ARGS__), #fn)

#endif
