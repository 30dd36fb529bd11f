/* NVRTC through dlopen (see nvrtc.h). The few entry points used are declared here with the
 * ABI of nvrtc.h (results are a C enum, programs an opaque pointer), so no CUDA headers are
 * needed at build time. The library handle is process-wide and loaded once under
 * pthread_once; it is never unloaded, because compiled artifacts outlive any one caller. */
#include "nvrtc.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

typedef int nvrtc_result; /* nvrtcResult; NVRTC_SUCCESS = 0 */
typedef struct nvrtc_program_s *nvrtc_program;

typedef struct {
    nvrtc_result (*create)(nvrtc_program *prog, const char *src, const char *name, int num_headers,
                           const char *const *headers, const char *const *include_names);
    nvrtc_result (*compile)(nvrtc_program prog, int num_options, const char *const *options);
    nvrtc_result (*log_size)(nvrtc_program prog, size_t *size);
    nvrtc_result (*log)(nvrtc_program prog, char *log);
    nvrtc_result (*ptx_size)(nvrtc_program prog, size_t *size);
    nvrtc_result (*ptx)(nvrtc_program prog, char *ptx);
    nvrtc_result (*cubin_size)(nvrtc_program prog, size_t *size);
    nvrtc_result (*cubin)(nvrtc_program prog, char *cubin);
    nvrtc_result (*destroy)(nvrtc_program *prog);
    const char *(*error_string)(nvrtc_result result);
    nvrtc_result (*version)(int *major, int *minor);
} nvrtc_api;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static nvrtc_api api;
static int load_ok;
static char load_error[1024];

/* ISO C has no conversion from object to function pointers; POSIX guarantees that dlsym's
 * result has the function's representation, so copy the bytes. */
static int bind_symbol(void *lib, const char *name, void *slot, size_t size)
{
    void *sym = dlsym(lib, name);
    if (!sym || size != sizeof sym)
        return 0;
    memcpy(slot, &sym, size);
    return 1;
}

#define BIND(field, name) bind_symbol(lib, name, &api.field, sizeof api.field)

static void *open_library(void)
{
    static const char *const sonames[] = {"libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"};
    char first_error[512] = "";
    for (size_t i = 0; i < sizeof sonames / sizeof sonames[0]; ++i) {
        void *lib = dlopen(sonames[i], RTLD_NOW | RTLD_LOCAL);
        if (lib)
            return lib;
        if (!first_error[0]) {
            const char *e = dlerror();
            snprintf(first_error, sizeof first_error, "%s", e ? e : sonames[i]);
        }
    }
    const char *home = getenv("CUDA_HOME");
    const char *dirs[2] = {home && *home ? home : NULL, "/usr/local/cuda"};
    for (int i = 0; i < 2; ++i) {
        if (!dirs[i])
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/lib64/libnvrtc.so", dirs[i]);
        void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (lib)
            return lib;
    }
    snprintf(load_error, sizeof load_error,
             "NVRTC is not available (%s); install the CUDA toolkit or set CUDA_HOME", first_error);
    return NULL;
}

static void load(void)
{
    void *lib = open_library();
    if (!lib)
        return;
    int ok = BIND(create, "nvrtcCreateProgram") && BIND(compile, "nvrtcCompileProgram") &&
             BIND(log_size, "nvrtcGetProgramLogSize") && BIND(log, "nvrtcGetProgramLog") &&
             BIND(ptx_size, "nvrtcGetPTXSize") && BIND(ptx, "nvrtcGetPTX") &&
             BIND(cubin_size, "nvrtcGetCUBINSize") && BIND(cubin, "nvrtcGetCUBIN") &&
             BIND(destroy, "nvrtcDestroyProgram") && BIND(error_string, "nvrtcGetErrorString") &&
             BIND(version, "nvrtcVersion");
    if (!ok) {
        snprintf(load_error, sizeof load_error,
                 "the NVRTC library found lacks an entry point batchode needs (too old?)");
        dlclose(lib);
        memset(&api, 0, sizeof api);
        return;
    }
    load_ok = 1;
}

int cu_nvrtc_load(bo_context *ctx)
{
    if (pthread_once(&load_once, load) != 0)
        return bo_error(ctx, BO_ERR_BACKEND, "NVRTC could not be loaded");
    if (!load_ok)
        return bo_error(ctx, BO_ERR_BACKEND, "%s", load_error);
    return BO_OK;
}

int cu_nvrtc_version(bo_context *ctx, int *major, int *minor)
{
    if (!major || !minor)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "cu_nvrtc_version: NULL argument");
    int rc = cu_nvrtc_load(ctx);
    if (rc)
        return rc;
    if (api.version(major, minor) != 0)
        return bo_error(ctx, BO_ERR_BACKEND, "nvrtcVersion failed");
    return BO_OK;
}

static const char *result_text(nvrtc_result r)
{
    const char *s = api.error_string ? api.error_string(r) : NULL;
    return s ? s : "unknown NVRTC error";
}

/* The first line of the log that reports an error, else its first non-empty line. */
static void first_error_line(const char *log, const char **start, size_t *len)
{
    const char *fallback = NULL;
    size_t fallback_len = 0;
    for (const char *p = log; *p;) {
        const char *eol = strchr(p, '\n');
        size_t n = eol ? (size_t)(eol - p) : strlen(p);
        if (n && !fallback) {
            fallback = p;
            fallback_len = n;
        }
        for (size_t i = 0; i + 5 <= n; ++i) {
            if (memcmp(p + i, "error", 5) == 0) {
                *start = p;
                *len = n;
                return;
            }
        }
        p += n + (eol ? 1 : 0);
    }
    *start = fallback;
    *len = fallback_len;
}

int cu_nvrtc_compile(bo_context *ctx, const char *source, const char *name, int sm, int want_cubin,
                     char **out, size_t *out_size)
{
    return cu_nvrtc_compile_opts(ctx, source, name, sm, want_cubin, NULL, out, out_size);
}

int cu_nvrtc_compile_opts(bo_context *ctx, const char *source, const char *name, int sm,
                          int want_cubin, const char *extra, char **out, size_t *out_size)
{
    if (out)
        *out = NULL;
    if (out_size)
        *out_size = 0;
    if (!source || !out || !out_size)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "cu_nvrtc_compile: NULL argument");
    if (sm < 10 || sm > 9999)
        return bo_error(ctx, BO_ERR_INVALID_ARG,
                        "compute capability %d is not valid (expected e.g. 90 for sm_90)", sm);
    int rc = cu_nvrtc_load(ctx);
    if (rc)
        return rc;
    if (!name)
        name = "batchode.cu";

    char arch[64];
    snprintf(arch, sizeof arch, "--gpu-architecture=%s_%d", want_cubin ? "sm" : "compute", sm);
    const char *options[4] = {arch, "-default-device", "--std=c++17", extra};
    int n_options = extra && *extra ? 4 : 3;

    nvrtc_program prog = NULL;
    nvrtc_result r = api.create(&prog, source, name, 0, NULL, NULL);
    if (r != 0)
        return bo_error(ctx, r == 1 ? BO_ERR_NOMEM : BO_ERR_BACKEND,
                        "nvrtcCreateProgram failed: %s", result_text(r));
    nvrtc_result cr = api.compile(prog, n_options, options);

    size_t log_size = 0;
    char *log = NULL;
    if (api.log_size(prog, &log_size) == 0 && log_size > 0) {
        log = bo_malloc(log_size + 1);
        if (log) {
            if (api.log(prog, log) == 0)
                log[log_size] = '\0';
            else
                log[0] = '\0';
        }
    }
    if (cr != 0) {
        const char *line = NULL;
        size_t len = 0;
        if (log)
            first_error_line(log, &line, &len);
        if (line)
            rc = bo_error(ctx, BO_ERR_COMPILE, "NVRTC could not compile %s for %s: %.*s", name,
                          arch + strlen("--gpu-architecture="), (int)len, line);
        else
            rc = bo_error(ctx, BO_ERR_COMPILE, "NVRTC could not compile %s for %s: %s", name,
                          arch + strlen("--gpu-architecture="), result_text(cr));
        bo_set_log(ctx, log ? log : "");
        free(log);
        api.destroy(&prog);
        return rc;
    }
    free(log);

    size_t size = 0;
    r = want_cubin ? api.cubin_size(prog, &size) : api.ptx_size(prog, &size);
    char *buf = r == 0 ? bo_malloc(size + 1) : NULL;
    if (r != 0) {
        rc = bo_error(ctx, BO_ERR_BACKEND, "NVRTC could not return the %s: %s",
                      want_cubin ? "cubin" : "PTX", result_text(r));
    } else if (!buf) {
        rc = bo_error(ctx, BO_ERR_NOMEM, "out of memory for the compiled code");
    } else {
        r = want_cubin ? api.cubin(prog, buf) : api.ptx(prog, buf);
        if (r != 0) {
            rc = bo_error(ctx, BO_ERR_BACKEND, "NVRTC could not return the %s: %s",
                          want_cubin ? "cubin" : "PTX", result_text(r));
        } else {
            buf[size] = '\0';
            *out = buf;
            *out_size = size;
            buf = NULL;
        }
    }
    free(buf);
    api.destroy(&prog);
    return rc;
}
