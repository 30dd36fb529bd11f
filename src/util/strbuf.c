/* Growable string builder (see strbuf.h). */
#include "strbuf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sb_init(sb_buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->failed = 0;
}

void sb_free(sb_buf *b)
{
    free(b->data);
    sb_init(b);
}

static int reserve(sb_buf *b, size_t extra)
{
    if (b->failed)
        return 0;
    if (b->len + extra + 1 <= b->cap)
        return 1;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) {
        if (cap > ((size_t)-1) / 2) {
            b->failed = 1;
            return 0;
        }
        cap *= 2;
    }
    char *p = bo_realloc(b->data, cap);
    if (!p) {
        b->failed = 1;
        return 0;
    }
    b->data = p;
    b->cap = cap;
    return 1;
}

void sb_append_n(sb_buf *b, const char *s, size_t n)
{
    if (!reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void sb_append(sb_buf *b, const char *s)
{
    sb_append_n(b, s, strlen(s));
}

void sb_putc(sb_buf *b, char c)
{
    sb_append_n(b, &c, 1);
}

void sb_vprintf(sb_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if (!reserve(b, (size_t)n))
        return;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void sb_printf(sb_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(b, fmt, ap);
    va_end(ap);
}

void sb_double(sb_buf *b, double v)
{
    char tmp[40];
    snprintf(tmp, sizeof tmp, "%.17g", v);
    /* Prefer the shortest representation that reads back exactly. */
    for (int prec = 1; prec <= 17; ++prec) {
        char t2[40];
        snprintf(t2, sizeof t2, "%.*g", prec, v);
        if (strtod(t2, NULL) == v) {
            memcpy(tmp, t2, sizeof tmp);
            break;
        }
    }
    sb_append(b, tmp);
    if (isfinite(v) && !strpbrk(tmp, ".eEn"))
        sb_append(b, ".0");
}

const char *sb_cstr(sb_buf *b)
{
    return (b->data && !b->failed) ? b->data : "";
}

char *sb_take(sb_buf *b)
{
    char *p = NULL;
    if (!b->failed) {
        p = b->data ? b->data : bo_strdup("");
        b->data = NULL;
    }
    sb_free(b);
    return p;
}
