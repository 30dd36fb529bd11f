/* The context (error message and diagnostic log), status names, allocation wrappers and
 * small string utilities shared across the library. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "strbuf.h"

const char *bo_version(void)
{
    return BO_VERSION_STRING;
}

const char *bo_status_name(int status)
{
    switch (status) {
#define BO_X_NAME(name, value, text)                                                               \
    case value:                                                                                    \
        return #name;
        BO_STATUS_LIST(BO_X_NAME)
#undef BO_X_NAME
    default:
        return "BO_UNKNOWN_STATUS";
    }
}

const char *bo_strerror(int status)
{
    switch (status) {
#define BO_X_TEXT(name, value, text)                                                               \
    case value:                                                                                    \
        return text;
        BO_STATUS_LIST(BO_X_TEXT)
#undef BO_X_TEXT
    default:
        return "unknown status code";
    }
}

/* ---- allocation ------------------------------------------------------------------------ */

static long fail_after = -1;

void bo_test_fail_alloc_after(long n)
{
    fail_after = n;
}

static int should_fail(void)
{
    if (fail_after < 0)
        return 0;
    if (fail_after == 0)
        return 1;
    --fail_after;
    return 0;
}

void *bo_malloc(size_t size)
{
    if (should_fail())
        return NULL;
    return malloc(size ? size : 1);
}

void *bo_calloc(size_t count, size_t size)
{
    if (should_fail())
        return NULL;
    return calloc(count ? count : 1, size ? size : 1);
}

void *bo_realloc(void *p, size_t size)
{
    if (should_fail())
        return NULL;
    return realloc(p, size ? size : 1);
}

void *bo_array_realloc(void *p, size_t count, size_t size)
{
    if (size && count > ((size_t)-1) / size)
        return NULL;
    return bo_realloc(p, count * size);
}

char *bo_strndup(const char *s, size_t n)
{
    char *p = bo_malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

char *bo_strdup(const char *s)
{
    return bo_strndup(s, strlen(s));
}

char *bo_asprintf(const char *fmt, ...)
{
    sb_buf b;
    sb_init(&b);
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&b, fmt, ap);
    va_end(ap);
    return sb_take(&b);
}

void bo_free(void *p)
{
    free(p);
}

size_t bo_edit_distance(const char *a, const char *b, size_t cap)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return cap + 1;
    size_t row[65];
    for (size_t j = 0; j <= lb; ++j)
        row[j] = j;
    for (size_t i = 1; i <= la; ++i) {
        size_t diag = row[0], best = i;
        row[0] = i;
        for (size_t j = 1; j <= lb; ++j) {
            size_t up = row[j];
            size_t cost = (a[i - 1] == b[j - 1]) ? 0 : 1;
            size_t v = diag + cost;
            if (row[j] + 1 < v)
                v = row[j] + 1;
            if (row[j - 1] + 1 < v)
                v = row[j - 1] + 1;
            row[j] = v;
            diag = up;
            if (v < best)
                best = v;
        }
        if (best > cap)
            return cap + 1;
    }
    return row[lb] > cap ? cap + 1 : row[lb];
}

/* ---- context --------------------------------------------------------------------------- */

int bo_context_create(bo_context **out)
{
    if (!out)
        return BO_ERR_INVALID_ARG;
    *out = NULL;
    bo_context *ctx = bo_calloc(1, sizeof *ctx);
    if (!ctx)
        return BO_ERR_NOMEM;
    ctx->msg = bo_strdup("");
    ctx->log = bo_strdup("");
    ctx->warn = bo_strdup("");
    if (!ctx->msg || !ctx->log || !ctx->warn) {
        bo_context_destroy(ctx);
        return BO_ERR_NOMEM;
    }
    *out = ctx;
    return BO_OK;
}

void bo_context_destroy(bo_context *ctx)
{
    if (!ctx)
        return;
    free(ctx->msg);
    free(ctx->log);
    free(ctx->warn);
    free(ctx);
}

const char *bo_errmsg(const bo_context *ctx)
{
    return (ctx && ctx->msg) ? ctx->msg : "";
}

const char *bo_errlog(const bo_context *ctx)
{
    return (ctx && ctx->log) ? ctx->log : "";
}

void bo_clear_error(bo_context *ctx)
{
    if (!ctx)
        return;
    if (ctx->msg)
        ctx->msg[0] = '\0';
    if (ctx->log)
        ctx->log[0] = '\0';
}

const char *bo_warnings(const bo_context *ctx)
{
    return (ctx && ctx->warn) ? ctx->warn : "";
}

void bo_clear_warnings(bo_context *ctx)
{
    if (ctx && ctx->warn)
        ctx->warn[0] = '\0';
}

void bo_warn(bo_context *ctx, const char *fmt, ...)
{
    if (!ctx || !ctx->warn)
        return;
    sb_buf b;
    sb_init(&b);
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&b, fmt, ap);
    va_end(ap);
    char *line = sb_take(&b);
    if (!line)
        return;
    /* Skip a repeat: a loop of solves should not pile up the same warning. */
    size_t ll = strlen(line);
    for (const char *p = ctx->warn; *p;) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == ll && memcmp(p, line, n) == 0) {
            free(line);
            return;
        }
        p += n + (e ? 1 : 0);
    }
    char *w = bo_asprintf("%s%s\n", ctx->warn, line);
    free(line);
    if (w) {
        free(ctx->warn);
        ctx->warn = w;
    }
}

int bo_verror(bo_context *ctx, int code, const char *fmt, va_list ap)
{
    if (!ctx)
        return code;
    sb_buf b;
    sb_init(&b);
    sb_vprintf(&b, fmt, ap);
    char *m = sb_take(&b);
    if (m) {
        free(ctx->msg);
        ctx->msg = m;
    } else if (ctx->msg) {
        /* Keep the old buffer but make clear what happened. */
        ctx->msg[0] = '\0';
    }
    return code;
}

int bo_error(bo_context *ctx, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = bo_verror(ctx, code, fmt, ap);
    va_end(ap);
    return r;
}

void bo_set_log(bo_context *ctx, const char *text)
{
    if (!ctx)
        return;
    char *l = bo_strdup(text ? text : "");
    if (l) {
        free(ctx->log);
        ctx->log = l;
    }
}
