/* A growable string builder used by the emitters and error formatting. On allocation
 * failure it sets `failed` and ignores further appends, so callers check once at the end. */
#ifndef BO_STRBUF_H
#define BO_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

#include "internal.h"

typedef struct {
    char *data; /* NUL-terminated when len > 0 or after sb_cstr */
    size_t len;
    size_t cap;
    int failed;
} sb_buf;

void sb_init(sb_buf *b);
void sb_free(sb_buf *b);
void sb_append(sb_buf *b, const char *s);
void sb_append_n(sb_buf *b, const char *s, size_t n);
void sb_printf(sb_buf *b, const char *fmt, ...) BO_PRINTF(2, 3);
void sb_vprintf(sb_buf *b, const char *fmt, va_list ap);
void sb_putc(sb_buf *b, char c);
/* Append a double so that it reads back exactly (%.17g, with ".0" when it looks integral). */
void sb_double(sb_buf *b, double v);
/* Current contents ("" when empty); pointer valid until the next append. */
const char *sb_cstr(sb_buf *b);
/* Hand the buffer to the caller (NULL if any append failed); b is reset. */
char *sb_take(sb_buf *b);

#endif
