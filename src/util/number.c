/* Strict numbers and value specs (see number.h). Conversion goes through a normalised copy,
 * "<significant digits>e<exponent>" with no decimal point, so it neither depends on the
 * locale's decimal point nor needs the heap: a field of ten million digits keeps its first
 * MAX_DIGITS significant digits plus one sticky digit that says whether anything nonzero was
 * dropped, which is enough to round to the nearest double exactly as the full text would
 * (a halfway point between two doubles has at most 767 significant decimal digits). */
#include "number.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DIGITS 780
/* Decimal exponents beyond this over- or underflow any double; clamping keeps the
 * arithmetic in range for absurd inputs ("1e99999999999999999999"). */
#define EXP_CLAMP 1000000000LL

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int lower(char c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Is s[0..len) the word w (lower case), ignoring case? */
static int word_is(const char *s, size_t len, const char *w)
{
    size_t n = strlen(w);
    if (len != n)
        return 0;
    for (size_t i = 0; i < n; ++i)
        if (lower(s[i]) != w[i])
            return 0;
    return 1;
}

static long long clamp_add(long long a, long long b)
{
    long long r = a + b;
    return r > EXP_CLAMP ? EXP_CLAMP : r < -EXP_CLAMP ? -EXP_CLAMP : r;
}

int num_parse(const char *s, size_t len, double *out)
{
    if (!s || len == 0)
        return NUM_SYNTAX;
    size_t i = 0;
    int negative = 0;
    if (s[0] == '+' || s[0] == '-') {
        negative = s[0] == '-';
        i = 1;
    }
    if (word_is(s + i, len - i, "inf") || word_is(s + i, len - i, "infinity") ||
        word_is(s + i, len - i, "nan"))
        return NUM_NONFINITE;
    char buf[MAX_DIGITS + 32];
    size_t kept = 0, digits = 0;
    int sticky = 0;
    long long exp10 = 0; /* value = kept digits (as an integer) * 10^exp10 */
    for (int frac = 0; frac < 2; ++frac) {
        if (frac) {
            if (i >= len || s[i] != '.')
                break;
            ++i;
        }
        for (; i < len && is_digit(s[i]); ++i, ++digits) {
            if (kept == 0 && s[i] == '0') {
                exp10 -= frac; /* a leading zero: only its place counts */
            } else if (kept < MAX_DIGITS) {
                buf[kept++] = s[i];
                exp10 -= frac;
            } else {
                sticky |= s[i] != '0';
                exp10 += !frac; /* a dropped integer digit still scales the value */
            }
            exp10 = clamp_add(exp10, 0);
        }
    }
    if (digits == 0)
        return NUM_SYNTAX;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        int eneg = 0;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            eneg = s[i++] == '-';
        long long e = 0;
        size_t edigits = 0;
        for (; i < len && is_digit(s[i]); ++i, ++edigits)
            e = e > EXP_CLAMP ? e : e * 10 + (s[i] - '0');
        if (edigits == 0)
            return NUM_SYNTAX;
        exp10 = clamp_add(exp10, eneg ? -e : e);
    }
    if (i != len)
        return NUM_SYNTAX;
    if (kept == 0) {
        *out = negative ? -0.0 : 0.0;
        return NUM_OK;
    }
    if (sticky) {
        buf[kept++] = '1';
        exp10 = clamp_add(exp10, -1);
    }
    snprintf(buf + kept, sizeof buf - kept, "e%lld", exp10);
    double v = strtod(buf, NULL);
    if (!isfinite(v))
        return NUM_NONFINITE;
    *out = negative ? -v : v;
    return NUM_OK;
}

int num_parse_str(const char *s, double *out)
{
    return num_parse(s, s ? strlen(s) : 0, out);
}

const char *num_syntax_hint(const char *s, size_t len)
{
    if (!s || len == 0)
        return "";
    if (memchr(s, '\0', len))
        return "it contains a NUL byte";
    for (size_t i = 0; i < len; ++i)
        if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
            return "numbers are written without blanks";
    size_t i = s[0] == '+' || s[0] == '-';
    if (len > i + 1 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X'))
        return "hexadecimal numbers are not accepted";
    return "";
}

/* ---- value specs ------------------------------------------------------------------------ */

/* " (hint)" after a message about text that is not a number, or "". */
static void hint_suffix(sb_buf *why, const char *s, size_t len)
{
    const char *h = num_syntax_hint(s, len);
    if (*h)
        sb_printf(why, " (%s)", h);
}

/* The number s[0..len) in the role `role` ("start", "value 2"); messages go to why. */
static int spec_number(const char *s, size_t len, const char *role, double *out, sb_buf *why)
{
    int rc = num_parse(s, len, out);
    if (rc == NUM_OK)
        return BO_OK;
    if (why) {
        sb_printf(why, "%s '", role);
        sb_append_n(why, s, len);
        sb_printf(why, "' is %s", rc == NUM_NONFINITE ? "not finite" : "not a number");
        if (rc == NUM_SYNTAX)
            hint_suffix(why, s, len);
    }
    return BO_ERR_INVALID_ARG;
}

static int fail(sb_buf *why, const char *text)
{
    if (why)
        sb_append(why, text);
    return BO_ERR_INVALID_ARG;
}

static int out_of_memory(sb_buf *why, size_t n)
{
    if (why)
        sb_printf(why, "out of memory for %zu values", n);
    return BO_ERR_NOMEM;
}

/* "n": digits only, >= 1 (else -1), small enough to allocate (else -2). */
static int spec_count(const char *s, size_t len, size_t *n)
{
    size_t v = 0;
    int big = 0;
    for (size_t i = 0; i < len; ++i) {
        if (!is_digit(s[i]))
            return -1;
        size_t d = (size_t)(s[i] - '0');
        if (v > (SIZE_MAX - d) / 10)
            big = 1;
        else
            v = v * 10 + d;
    }
    if (len == 0 || (!big && v == 0))
        return -1;
    if (big || v > SIZE_MAX / sizeof(double))
        return -2;
    *n = v;
    return 0;
}

/* A range whose count is not a count, or is 1 with start != stop: explain the form and, when
 * the text reads as MATLAB's or Julia's start:step:stop with a whole number of steps, say
 * how to write that. t[0..2]/l[0..2]: the three texts; count_one: the count was 1. */
static int bad_count(const char *const t[3], const size_t l[3], double a, double step,
                     int count_one, sb_buf *why)
{
    if (!why)
        return BO_ERR_INVALID_ARG;
    sb_append(why, count_one ? "a range is start:stop:count (count values from start to stop, "
                               "both included), so count 1 needs start == stop"
                             : "count must be a whole number >= 1, written in digits (a range "
                               "is start:stop:count: count values from start to stop, both "
                               "included)");
    double stop;
    if (num_parse(t[2], l[2], &stop) != NUM_OK)
        return BO_ERR_INVALID_ARG;
    double k = (stop - a) / step + 1.0; /* the count if it meant start:step:stop */
    double r = nearbyint(k);
    if (step != 0 && isfinite(k) && r >= 2 && r <= 1e9 && fabs(k - r) <= 1e-9 * r) {
        sb_append(why, "; for values from ");
        sb_append_n(why, t[0], l[0]);
        sb_append(why, " to ");
        sb_append_n(why, t[2], l[2]);
        sb_append(why, " in steps of ");
        sb_append_n(why, t[1], l[1]);
        sb_append(why, ", write ");
        sb_append_n(why, t[0], l[0]);
        sb_putc(why, ':');
        sb_append_n(why, t[2], l[2]);
        sb_printf(why, ":%.0f", r);
    }
    return BO_ERR_INVALID_ARG;
}

/* "a:b:n", the text after an optional "lin:" or "log:" prefix (log != 0 for log). */
static int spec_range(const char *body, int log, double **values, size_t *count, sb_buf *why)
{
    const char *c1 = strchr(body, ':');
    const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c1 || !c2 || strchr(c2 + 1, ':'))
        return fail(why, log ? "a log range is written log:start:stop:count"
                             : "a range is written start:stop:count (or lin:start:stop:count, "
                               "log:start:stop:count)");
    const char *tb = c1 + 1;
    size_t la = (size_t)(c1 - body), lb = (size_t)(c2 - tb);
    const char *const text[3] = {body, tb, c2 + 1};
    const size_t len[3] = {la, lb, strlen(c2 + 1)};
    double a, z;
    size_t n = 0;
    int rc;
    if ((rc = spec_number(body, la, "start", &a, why)) != BO_OK ||
        (rc = spec_number(tb, lb, "stop", &z, why)) != BO_OK)
        return rc;
    int cn = spec_count(text[2], len[2], &n);
    if (cn == -2)
        return fail(why, "count is too large");
    if (cn == -1)
        return bad_count(text, len, a, z, 0, why);
    if (log && !(a > 0 && z > 0)) {
        if (why) {
            sb_printf(why, "a log range needs start and stop > 0, got %s ",
                      a > 0 ? "stop" : "start");
            if (a > 0)
                sb_append_n(why, tb, lb);
            else
                sb_append_n(why, body, la);
        }
        return BO_ERR_INVALID_ARG;
    }
    if (n == 1 && a != z)
        return bad_count(text, len, a, z, 1, why);
    double l0 = log ? log10(a) : a;
    double span = log ? log10(z) - l0 : z - a;
    if (!isfinite(span))
        return fail(why, "stop - start is not finite");
    double *v = bo_array_realloc(NULL, n, sizeof *v);
    if (!v)
        return out_of_memory(why, n);
    v[0] = a;
    for (size_t i = 1; i < n; ++i) {
        double x = l0 + span * (double)i / (double)(n - 1);
        v[i] = log ? pow(10.0, x) : x;
    }
    v[n - 1] = z;
    *values = v;
    *count = n;
    return BO_OK;
}

/* "v1,v2,...": the values as listed; "v": one value. */
static int spec_list(const char *spec, double **values, size_t *count, sb_buf *why)
{
    size_t n = 1;
    for (const char *p = spec; *p; ++p)
        n += *p == ',';
    double *v = bo_array_realloc(NULL, n, sizeof *v);
    if (!v)
        return out_of_memory(why, n);
    const char *p = spec;
    for (size_t i = 0; i < n; ++i) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char role[48];
        snprintf(role, sizeof role, "value %zu", i + 1);
        int rc = spec_number(p, len, role, &v[i], why);
        if (rc != BO_OK) {
            bo_free(v);
            return rc;
        }
        p = e ? e + 1 : p + len;
    }
    *values = v;
    *count = n;
    return BO_OK;
}

int num_spec(const char *spec, double **values, size_t *count, sb_buf *why)
{
    if (!spec || !values || !count)
        return fail(why, "no spec given");
    *values = NULL;
    *count = 0;
    if (strncmp(spec, "lin:", 4) == 0)
        return spec_range(spec + 4, 0, values, count, why);
    if (strncmp(spec, "log:", 4) == 0)
        return spec_range(spec + 4, 1, values, count, why);
    if (strchr(spec, ':'))
        return spec_range(spec, 0, values, count, why);
    return spec_list(spec, values, count, why);
}
