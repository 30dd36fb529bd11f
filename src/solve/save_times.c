/* Save times chosen by the user (see save_times.h). */
#include "save_times.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/number.h"
#include "util/strbuf.h"

/* The file's times: fields separated by commas and line ends, blanks around a field ignored,
 * blank lines skipped. Errors name path:line:col. */
static int parse_file(bo_context *ctx, const char *path, FILE *f, double **times, size_t *count)
{
    size_t cap = 64, n = 0;
    double *v = bo_malloc(cap * sizeof *v);
    if (!v)
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory");
    sb_buf line;
    sb_init(&line);
    int rc = BO_OK;
    size_t lineno = 0;
    int c = 0;
    while (rc == BO_OK && c != EOF) {
        line.len = 0;
        while ((c = fgetc(f)) != EOF && c != '\n')
            sb_append_n(&line, &(char){(char)c}, 1);
        if (line.failed) {
            rc = bo_error(ctx, BO_ERR_NOMEM, "out of memory");
            break;
        }
        ++lineno;
        const char *s = line.len ? line.data : "";
        size_t len = line.len;
        size_t pos = 0;
        int blank = 1;
        for (size_t i = 0; i < len; ++i)
            if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
                blank = 0;
        if (blank)
            continue;
        while (pos <= len) {
            size_t end = pos;
            while (end < len && s[end] != ',')
                ++end;
            size_t a = pos, b = end;
            while (a < b && (s[a] == ' ' || s[a] == '\t' || s[a] == '\r'))
                ++a;
            while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t' || s[b - 1] == '\r'))
                --b;
            double x = 0.0;
            int nr = num_parse(s + a, b - a, &x);
            if (nr != NUM_OK) {
                const char *hint = nr == NUM_NONFINITE ? "save times must be finite"
                                                       : num_syntax_hint(s + a, b - a);
                rc = bo_error(ctx, BO_ERR_PARSE, "%s:%zu:%zu: '%.*s' is not a save time%s%s", path,
                              lineno, a + 1, (int)(b - a), s + a, hint[0] ? ": " : "", hint);
                break;
            }
            if (n == cap) {
                double *w = bo_realloc(v, 2 * cap * sizeof *v);
                if (!w) {
                    rc = bo_error(ctx, BO_ERR_NOMEM, "out of memory");
                    break;
                }
                v = w;
                cap *= 2;
            }
            v[n++] = x;
            pos = end + 1;
        }
    }
    sb_free(&line);
    if (rc == BO_OK && ferror(f))
        rc = bo_error(ctx, BO_ERR_IO, "cannot read save times from '%s'", path);
    if (rc == BO_OK && n == 0)
        rc = bo_error(ctx, BO_ERR_PARSE, "%s: holds no save times", path);
    if (rc != BO_OK) {
        bo_free(v);
        return rc;
    }
    *times = v;
    *count = n;
    return BO_OK;
}

int sv_save_times_parse(bo_context *ctx, const char *text, double **times, size_t *count)
{
    *times = NULL;
    *count = 0;
    sb_buf why;
    sb_init(&why);
    int rc = num_spec(text, times, count, &why);
    if (rc == BO_OK || rc == BO_ERR_NOMEM) {
        sb_free(&why);
        return rc == BO_OK ? BO_OK : bo_error(ctx, rc, "out of memory");
    }
    /* Not a value spec: a file, if one can be opened by that name. */
    errno = 0;
    FILE *f = fopen(text, "rb");
    if (!f) {
        int err = errno;
        rc = bo_error(ctx, BO_ERR_SETTING,
                      "save_at '%s' is neither a list of times (%s) nor a readable file (%s)", text,
                      why.len ? why.data : "not a value spec", strerror(err));
        sb_free(&why);
        return rc;
    }
    sb_free(&why);
    rc = parse_file(ctx, text, f, times, count);
    fclose(f);
    return rc;
}

int sv_save_times_check_order(bo_context *ctx, const char *what, const double *t, size_t n)
{
    for (size_t k = 0; k < n; ++k) {
        if (!isfinite(t[k]))
            return bo_error(ctx, BO_ERR_INVALID_ARG, "%s: save time %zu (%g) is not finite", what,
                            k + 1, t[k]);
        if (k > 0 && !(t[k] > t[k - 1]))
            return bo_error(ctx, BO_ERR_INVALID_ARG,
                            "%s: save time %zu (%.17g) %s save time %zu (%.17g): save times must "
                            "be strictly increasing",
                            what, k + 1, t[k], t[k] == t[k - 1] ? "repeats" : "comes before", k,
                            t[k - 1]);
    }
    return BO_OK;
}

int sv_save_times_check_span(bo_context *ctx, const char *what, const double *t, size_t n,
                             double duration, double spacing)
{
    for (size_t k = 0; k < n; ++k) {
        if (t[k] < 0.0 || t[k] > duration * (1.0 + 1e-9))
            return bo_error(ctx, BO_ERR_SETTING,
                            "%s: save time %zu (%.17g) lies outside the recorded span [0, %.17g] "
                            "(times are measured from the end of settling)",
                            what, k + 1, t[k], duration);
        if (k > 0 && t[k] - t[k - 1] < spacing)
            return bo_error(ctx, BO_ERR_SETTING,
                            "%s: save times %zu and %zu (%.17g, %.17g) are closer than the "
                            "resolution of time in the run (%.3g)",
                            what, k, k + 1, t[k - 1], t[k], spacing);
    }
    return BO_OK;
}
