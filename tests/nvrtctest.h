/* Test utility for the nvrtc label: compile a generated program with NVRTC (no GPU needed).
 * Header-only; include from one test source after batchode.h. */
#ifndef BO_TEST_NVRTCTEST_H
#define BO_TEST_NVRTCTEST_H

#include <string.h>

#include "backend/cuda/nvrtc.h"
#include "batchode.h"

/* 1 when NVRTC compiles src into an sm_90 cubin (an ELF image), else 0 with the reason in
 * bo_errmsg(ctx) and NVRTC's log in bo_errlog(ctx). */
static inline int nvt_compiles(bo_context *ctx, const char *src)
{
    char *out = NULL;
    size_t size = 0;
    int rc = cu_nvrtc_compile(ctx, src, "batchode.cu", 90, 1, &out, &size);
    int ok = rc == BO_OK && out && size > 16 && memcmp(out, "\177ELF", 4) == 0;
    bo_free(out);
    return ok;
}

#endif
