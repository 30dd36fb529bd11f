/* The CSV reader behind run tables and driver tables (see csv.h for the accepted dialect).
 * Each row keeps its fields in one allocation, so a table of a million runs costs three
 * allocations per row rather than one per field. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static void row_free(csv_row *r)
{
    bo_free(r->field);
    bo_free(r->col);
    bo_free(r->text);
}

void csv_destroy(csv_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_rows; ++i)
        row_free(&t->row[i]);
    bo_free(t->row);
    bo_free(t->source);
    bo_free(t);
}

/* The one tokenizer of a line (without its line end). With r == NULL it only counts the
 * fields into *nf and checks the quoting; with r it also writes them (the caller sized r from
 * the counting pass). Both passes run this same code, so they cannot disagree about where a
 * field ends. */
static int tokenize(bo_context *ctx, const char *source, size_t line_no, const char *s, size_t len,
                    csv_row *r, size_t *nf)
{
    char *w = r ? r->text : NULL;
    size_t n = 0, i = 0;
    for (;;) {
        while (i < len && is_blank(s[i]))
            ++i;
        if (r) {
            r->field[n] = w;
            r->col[n] = i + 1;
        }
        ++n;
        if (i < len && s[i] == '"') {
            size_t open = i++;
            for (;;) {
                if (i >= len)
                    return bo_error(ctx, BO_ERR_PARSE,
                                    "%s:%zu:%zu: unterminated quote (a quoted field ends with "
                                    "'\"' on the same line)",
                                    source, line_no, open + 1);
                if (s[i] == '"') {
                    if (i + 1 < len && s[i + 1] == '"') {
                        if (w)
                            *w++ = '"';
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                if (w)
                    *w++ = s[i];
                ++i;
            }
            while (i < len && is_blank(s[i]))
                ++i;
            if (i < len && s[i] != ',')
                return bo_error(ctx, BO_ERR_PARSE,
                                "%s:%zu:%zu: unexpected character after closing quote", source,
                                line_no, i + 1);
        } else {
            size_t start = i;
            for (; i < len && s[i] != ','; ++i)
                if (s[i] == '"')
                    return bo_error(ctx, BO_ERR_PARSE,
                                    "%s:%zu:%zu: quote inside an unquoted field (quote the whole "
                                    "field and double each quote inside it: \"a\"\"b\")",
                                    source, line_no, i + 1);
            size_t end = i;
            while (end > start && is_blank(s[end - 1]))
                --end;
            if (w) {
                memcpy(w, s + start, end - start);
                w += end - start;
            }
        }
        if (w)
            *w++ = '\0';
        if (i >= len)
            break;
        ++i; /* the comma */
    }
    *nf = n;
    return BO_OK;
}

/* Split one line (without its line end) into r. */
static int split_line(bo_context *ctx, const char *source, size_t line_no, const char *s,
                      size_t len, csv_row *r)
{
    size_t nf = 0;
    int rc = tokenize(ctx, source, line_no, s, len, NULL, &nf);
    if (rc != BO_OK)
        return rc;
    r->field = bo_calloc(nf, sizeof *r->field);
    r->col = bo_calloc(nf, sizeof *r->col);
    r->text = bo_malloc(len + nf);
    r->line = line_no;
    r->end_col = len + 1;
    r->n = nf;
    if (!r->field || !r->col || !r->text)
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory reading %s", source);
    return tokenize(ctx, source, line_no, s, len, r, &nf);
}

int csv_read_string(bo_context *ctx, const char *text, size_t len, const char *source,
                    csv_table **out)
{
    if (!out)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "csv: out is NULL");
    *out = NULL;
    if (!text)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "csv: text is NULL");
    if (!source)
        source = "<string>";
    csv_table *t = bo_calloc(1, sizeof *t);
    if (!t || !(t->source = bo_strdup(source))) {
        bo_free(t);
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory reading %s", source);
    }
    size_t cap = 0, pos = 0, line_no = 0;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    while (pos < len) {
        ++line_no;
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t next = nl ? end + 1 : len;
        if (end > pos && text[end - 1] == '\r')
            --end;
        const char *s = text + pos;
        size_t n = end - pos;
        const char *nul = memchr(s, '\0', n);
        if (nul) {
            csv_destroy(t);
            return bo_error(ctx, BO_ERR_PARSE, "%s:%zu:%zu: NUL byte (not a text file?)", source,
                            line_no, (size_t)(nul - s) + 1);
        }
        size_t k = 0;
        while (k < n && is_blank(s[k]))
            ++k;
        if (k == n || s[k] == '#') {
            pos = next;
            continue;
        }
        if (t->n_rows == cap) {
            size_t ncap = cap ? 2 * cap : 16;
            csv_row *nr = bo_array_realloc(t->row, ncap, sizeof *nr);
            if (!nr) {
                csv_destroy(t);
                return bo_error(ctx, BO_ERR_NOMEM, "out of memory reading %s", source);
            }
            t->row = nr;
            cap = ncap;
        }
        csv_row *r = &t->row[t->n_rows++];
        memset(r, 0, sizeof *r);
        int rc = split_line(ctx, t->source, line_no, s, n, r);
        if (rc != BO_OK) {
            csv_destroy(t);
            return rc;
        }
        pos = next;
    }
    *out = t;
    return BO_OK;
}

int csv_read_file(bo_context *ctx, const char *path, csv_table **out)
{
    if (!out)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "csv: out is NULL");
    *out = NULL;
    if (!path)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "csv: path is NULL");
    FILE *f = fopen(path, "rb");
    if (!f)
        return bo_error(ctx, BO_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    size_t cap = 1 << 16, len = 0;
    char *buf = bo_malloc(cap);
    while (buf) {
        len += fread(buf + len, 1, cap - len, f);
        if (len < cap)
            break;
        char *nb = cap > ((size_t)-1) / 2 ? NULL : bo_realloc(buf, cap * 2);
        if (!nb) {
            bo_free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    int read_error = ferror(f);
    fclose(f);
    if (!buf)
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory reading %s", path);
    if (read_error) {
        bo_free(buf);
        return bo_error(ctx, BO_ERR_IO, "cannot read %s", path);
    }
    int rc = csv_read_string(ctx, buf, len, path, out);
    bo_free(buf);
    return rc;
}
