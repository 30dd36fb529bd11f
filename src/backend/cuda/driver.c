/* Loader for the CUDA driver API (see driver.h). The library is opened once per process and
 * never closed: modules and contexts created through it may live until exit, and unloading a
 * driver under them is undefined. The outcome of the first load (and its message) is kept so
 * every later caller gets the same answer without retrying a load that cannot succeed. */
#include "driver.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static cu_driver_api api;
static int load_status = BO_ERR_BACKEND;
static int device_count;
static char load_message[512];

/* Symbols whose current name carries a version suffix that older drivers lack, or the other
 * way round: try the first name, then the second. */
static void *find_symbol(void *handle, const char *name)
{
    void *sym = dlsym(handle, name);
    if (!sym && strcmp(name, "cuEventElapsedTime") == 0)
        sym = dlsym(handle, "cuEventElapsedTime_v2");
    return sym;
}

static void load_fail(const char *fmt, ...) BO_PRINTF(1, 2);
static void load_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(load_message, sizeof load_message, fmt, ap);
    va_end(ap);
    load_status = BO_ERR_BACKEND;
}

static void load_driver(void)
{
    void *h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        load_fail("libcuda.so.1 not found: no NVIDIA driver (%s)", why ? why : "dlopen failed");
        return;
    }
    /* dlsym returns an object pointer; memcpy moves it into the function pointer without the
     * cast ISO C leaves undefined. */
#define CU_X_LOAD(name, params)                                                                    \
    do {                                                                                           \
        void *sym = find_symbol(h, #name);                                                         \
        if (!sym) {                                                                                \
            load_fail("the NVIDIA driver lacks %s (driver too old for this library)", #name);      \
            dlclose(h);                                                                            \
            return;                                                                                \
        }                                                                                          \
        memcpy(&api.name, &sym, sizeof sym);                                                       \
    } while (0);
    CU_DRIVER_FUNCS(CU_X_LOAD)
#undef CU_X_LOAD

    CUresult r = api.cuInit(0);
    if (r == CU_ERROR_NO_DEVICE) {
        load_fail("no CUDA device");
        return;
    }
    if (r != CU_SUCCESS) {
        const char *name = NULL, *text = NULL;
        if (api.cuGetErrorName(r, &name) != CU_SUCCESS || !name)
            name = "unknown error";
        if (api.cuGetErrorString(r, &text) != CU_SUCCESS || !text)
            text = "";
        load_fail("the NVIDIA driver could not start (cuInit: %s: %s)", name, text);
        return;
    }
    int count = 0;
    r = api.cuDeviceGetCount(&count);
    if (r != CU_SUCCESS || count <= 0) {
        load_fail("no CUDA device");
        return;
    }
    device_count = count;
    load_status = BO_OK;
}

int cu_driver_load(bo_context *ctx)
{
    pthread_once(&load_once, load_driver);
    if (load_status != BO_OK)
        return bo_error(ctx, load_status, "CUDA backend unavailable: %s", load_message);
    return BO_OK;
}

const cu_driver_api *cu_drv(void)
{
    return &api;
}

int cu_device_count(void)
{
    return load_status == BO_OK ? device_count : 0;
}

int cu_check(bo_context *ctx, CUresult result, const char *call)
{
    if (result == CU_SUCCESS)
        return BO_OK;
    const char *name = NULL, *text = NULL;
    if (!api.cuGetErrorName || api.cuGetErrorName(result, &name) != CU_SUCCESS || !name)
        name = "CUDA_ERROR_UNKNOWN";
    if (!api.cuGetErrorString || api.cuGetErrorString(result, &text) != CU_SUCCESS || !text)
        text = "no description";
    return bo_error(ctx, BO_ERR_DEVICE, "%s failed: %s (%s, code %d)", call, name, text,
                    (int)result);
}
