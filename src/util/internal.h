/* Internal helpers shared by every module: the context structure, error reporting and small
 * allocation helpers. Not part of the public API. */
#ifndef BO_INTERNAL_H
#define BO_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>

#include "batchode.h"

struct bo_context {
    char *msg;  /* last error message, heap, never NULL after create */
    char *log;  /* last long diagnostic (compiler output), heap, never NULL after create */
    char *warn; /* warnings since the last bo_clear_warnings, one per line, never NULL */
};

#if defined(__GNUC__)
#define BO_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define BO_PRINTF(a, b)
#endif

/* Record an error message in ctx (ctx may be NULL) and return code, so callers can write
 * `return bo_error(ctx, BO_ERR_SETTING, "unknown key '%s'", key);`. */
int bo_error(bo_context *ctx, int code, const char *fmt, ...) BO_PRINTF(3, 4);
int bo_verror(bo_context *ctx, int code, const char *fmt, va_list ap);
/* Replace the context's diagnostic log with text (copied); ctx may be NULL. */
void bo_set_log(bo_context *ctx, const char *text);
/* Append one warning line to the context (ctx may be NULL: the warning is dropped). A warning
 * identical to one already held is not repeated. Never fails the caller. */
void bo_warn(bo_context *ctx, const char *fmt, ...) BO_PRINTF(2, 3);

/* Allocation wrappers: same contract as the C library, overflow-checked where sizes
 * multiply. bo_test_fail_alloc_after(n) makes the n-th next allocation fail (tests only;
 * n < 0 disables). */
void *bo_malloc(size_t size);
void *bo_calloc(size_t count, size_t size);
void *bo_realloc(void *p, size_t size);
void *bo_array_realloc(void *p, size_t count, size_t size);
char *bo_strdup(const char *s);
char *bo_strndup(const char *s, size_t n);
char *bo_asprintf(const char *fmt, ...) BO_PRINTF(1, 2);
void bo_test_fail_alloc_after(long n);

/* Damerau-free Levenshtein distance, capped at cap+1 (for "did you mean" suggestions). */
size_t bo_edit_distance(const char *a, const char *b, size_t cap);

#endif
