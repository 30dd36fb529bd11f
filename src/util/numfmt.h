/* Numbers as text, fast and exact, for the results writers: a double as the shortest decimal
 * that reads back (strtod, round to nearest even) to the same double, and integers, without
 * printf. Internal (prefix nf_). Pure functions of their arguments, safe from any thread. */
#ifndef BO_NUMFMT_H
#define BO_NUMFMT_H

#include <stddef.h>
#include <stdint.h>

/* Room nf_double needs in buf: it may write past the text it returns (the longest text is 24
 * characters, "-2.2250738585072014e-308"). */
#define NF_DOUBLE_MAX 40
/* Room nf_u64 / nf_i64 may use ("-9223372036854775808" is 20 characters). */
#define NF_INT_MAX 24

/* Write v into buf (no terminating NUL) and return the length. Finite values get the fewest
 * significant digits that read back exactly, and among those the decimal nearest to v, in the
 * style of printf's %g with precision P = max(15, digits): exponent notation ("1e+15",
 * "4.540018782744335e-05", two exponent digits at least) when the decimal exponent X of the
 * leading digit is X < -4 or X >= P, fixed notation otherwise ("0.1", "2.385", "-7", "-0").
 * That is exactly what the first of %.15g, %.16g, %.17g that reads back prints, except where
 * that is not the shortest: subnormals ("5e-324") and some powers of two (whose interval of
 * values that read back is narrower below). NaN is "nan", infinities "inf" and "-inf". */
size_t nf_double(char *buf, double v);

/* The shortest round-trip decimal of a finite v != 0 as digits * 10^exp10, digits without
 * trailing zeros (at most 17 decimal digits), sign dropped: the number nf_double prints. */
void nf_decimal(double v, uint64_t *digits, int *exp10);

/* Write an integer in decimal into buf (no terminating NUL); return the length. */
size_t nf_u64(char *buf, uint64_t v);
size_t nf_i64(char *buf, int64_t v);

#endif
