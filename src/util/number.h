/* Numbers and value specs as users write them: setting values, --param/--init specs and the
 * fields of CSV run and driver files all go through these functions, so that every input
 * reads numbers by one strict grammar, the decimal numbers of the model language with an
 * optional sign:
 *
 *     [+|-] ( digits [ '.' [digits] ] | '.' digits ) [ ('e'|'E') [+|-] digits ]
 *
 * plus the words inf, infinity and nan (any case, optional sign), which are recognised only
 * so that callers can say "not finite" rather than "not a number". Hexadecimal numbers,
 * blanks, NUL bytes and trailing text are not numbers. Conversion does not depend on the C
 * locale (a host program that called setlocale still reads "1.5" as 1.5).
 *
 * A value spec is the text that gives a list of values:
 *
 *     a:b:n  or  lin:a:b:n   n values evenly spaced from a to b, both included
 *     log:a:b:n              n values evenly spaced in log(value) from a to b (a, b > 0)
 *     v1,v2,...              the values as listed
 *     v                      one value
 *
 * n is a whole number >= 1 written in digits; n = 1 needs a == b (a:b:1 with a != b is an
 * error, since it usually means MATLAB's start:step:stop). Range ends are exact: the first
 * value is a and the last is b. */
#ifndef BO_NUMBER_H
#define BO_NUMBER_H

#include <stddef.h>

#include "strbuf.h"

enum {
    NUM_OK = 0,
    NUM_SYNTAX = -1,   /* not a number by the grammar above */
    NUM_NONFINITE = -2 /* inf, nan, or a number too large for a double (1e999) */
};

/* Parse s[0..len) whole as a number. NUM_OK with *out set, else NUM_SYNTAX or NUM_NONFINITE
 * (*out untouched). Numbers too small for a double round to a denormal or to zero. */
int num_parse(const char *s, size_t len, double *out);
/* num_parse of a NUL-terminated string. */
int num_parse_str(const char *s, double *out);
/* A short reason why s[0..len) is not a number, for messages ("blanks are not allowed",
 * "hexadecimal numbers are not accepted", ...), or "" when there is nothing more specific to
 * say than "not a number". */
const char *num_syntax_hint(const char *s, size_t len);

/* Parse a value spec (see above) into a new array (*values, bo_free it; *count >= 1).
 * Returns BO_OK; BO_ERR_INVALID_ARG with the fault written to why ("count must be a whole
 * number >= 1", "value 2 'x' is not a number", ...); or BO_ERR_NOMEM. why may be NULL. */
int num_spec(const char *spec, double **values, size_t *count, sb_buf *why);

#endif
