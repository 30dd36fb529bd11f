/* Number formatting (src/util/numfmt.c) against the C library: every double written by
 * nf_double must read back through strtod to the same bits; it must have the fewest digits
 * that do (the smallest precision p at which printf's correctly rounded %.{p-1}e reads back);
 * and for every double but subnormals it must be the very string the earlier writer printed
 * (the first of %.15g, %.16g, %.17g that reads back). Checked on edge cases with known
 * answers, on every binary exponent, on the smallest subnormals one by one, on short decimals,
 * and on millions of random bit patterns (BO_NUMFMT_SAMPLES sets how many; default 4e6). */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>

#include "batchode.h"
#include "harness.h"
#include "util/numfmt.h"

/* xorshift64* (Vigna, ACM TOMS 42(4) 2016): reproducible bit patterns. */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1du;
}

static double from_bits(uint64_t b)
{
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

static uint64_t to_bits(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return b;
}

static const char *fmt(double v)
{
    static char buf[NF_DOUBLE_MAX + 1];
    size_t n = nf_double(buf, v);
    buf[n] = '\0';
    return buf;
}

/* The earlier CSV writer's form: the first of %.15g, %.16g, %.17g that reads back. */
static const char *old_form(double v)
{
    static char buf[40];
    for (int prec = 15; prec <= 17; ++prec) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (prec == 17 || strtod(buf, NULL) == v)
            break;
    }
    return buf;
}

/* Fewest significant digits p with which printf's correctly rounded %.{p-1}e reads back. */
static int shortest_digits(double v)
{
    char buf[40];
    for (int p = 1; p < 17; ++p) {
        snprintf(buf, sizeof buf, "%.*e", p - 1, v);
        if (strtod(buf, NULL) == v)
            return p;
    }
    return 17;
}

static int digit_count(uint64_t f)
{
    int n = 1;
    while (f >= 10) {
        f /= 10;
        ++n;
    }
    return n;
}

/* Failures of one kind are counted; the first is shown. */
typedef struct {
    const char *what;
    long checked, failed;
    char first[160];
} tally;

static void tally_add(tally *t, int ok, double v, const char *detail)
{
    ++t->checked;
    if (!ok && t->failed++ == 0)
        snprintf(t->first, sizeof t->first, "%.17g (bits %016" PRIx64 "): %s", v, to_bits(v),
                 detail);
}

static void tally_report(const tally *t)
{
    T_CHECKF(t->failed == 0, "%s: %ld of %ld failed, first %s", t->what, t->failed, t->checked,
             t->first);
    printf("%s: %ld checked\n", t->what, t->checked);
}

static tally trip = {"round trip", 0, 0, ""}, shortest = {"shortest", 0, 0, ""},
             same_as_old = {"same as %.15g/16g/17g", 0, 0, ""};

/* No decimal of n - 1 significant digits reads back to v: the two nearest ones, below and
 * above v, do not (any other lies farther from v on the same side, and the values that read
 * back to v form an interval around v). */
static int none_shorter(double v, int n)
{
    if (n < 2)
        return 1;
    char buf[48], *e;
    snprintf(buf, sizeof buf, "%.*e", n - 2, fabs(v)); /* nearest: d.ddd...e+XX */
    int64_t m = 0;
    for (const char *p = buf; *p && *p != 'e'; ++p)
        if (*p != '.')
            m = 10 * m + (*p - '0');
    e = strchr(buf, 'e');
    int x = atoi(e + 1) - (n - 2);
    double near = strtod(buf, NULL);
    int64_t other = near < fabs(v) ? m + 1 : m - 1;
    snprintf(buf + 24, 24, "%" PRId64 "e%d", other, x);
    return near != fabs(v) && strtod(buf, NULL) != fabs(v) && strtod(buf + 24, NULL) != fabs(v);
}

/* Round trip always; the old form for normal numbers when asked (level >= 1); the digit
 * count too at level 2 (up to 17 printf calls).
 * The old form can be longer only for powers of two, whose interval of values that read
 * back is twice as wide above as below: the nearest decimal of some length may fall out of it
 * where the next one of that length is in, and printf only tries the nearest. */
static void check(double v, int level)
{
    const char *s = fmt(v);
    char *end;
    double back = strtod(s, &end);
    tally_add(&trip, *end == '\0' && to_bits(back) == to_bits(v), v, s);
    if (level >= 1 && (fabs(v) >= DBL_MIN || v == 0)) {
        const char *o = old_form(v);
        int pow2 = (to_bits(v) & ((1ull << 52) - 1)) == 0;
        tally_add(&same_as_old, strcmp(s, o) == 0 || (pow2 && strlen(s) < strlen(o)), v, s);
    }
    if (level >= 2 && v != 0) {
        uint64_t f;
        int k;
        nf_decimal(v, &f, &k);
        int n = digit_count(f);
        tally_add(&shortest, f % 10 != 0 && n <= shortest_digits(v) && none_shorter(v, n), v, s);
    }
}

static void test_known(void)
{
    static const struct {
        double v;
        const char *want;
    } cases[] = {
        {0.0, "0"},
        {1.0, "1"},
        {-7.0, "-7"},
        {10.0, "10"},
        {0.1, "0.1"},
        {0.1 + 0.2, "0.30000000000000004"},
        {2.385, "2.385"},
        {1.0 / 3.0, "0.3333333333333333"},
        {2.0 / 3.0, "0.6666666666666666"},
        {-1e-5, "-1e-05"},
        {1e-4, "0.0001"},
        {4.540018782744335e-05, "4.540018782744335e-05"},
        {6.02214076e23, "6.02214076e+23"},
        {1e14, "100000000000000"},
        {123456789012345.0, "123456789012345"},
        {1e15, "1e+15"},
        {1234567890123456.0, "1234567890123456"},
        {1e16, "1e+16"},
        {9007199254740992.0, "9007199254740992"},
        {9007199254740994.0, "9007199254740994"},
        {123456789012345678.0, "1.2345678901234568e+17"},
        {1e21, "1e+21"},
        {1e22, "1e+22"},
        {1e23, "1e+23"},
        {9.5e-5, "9.5e-05"},
        {5e-324, "5e-324"},
        {1e-323, "1e-323"},
        {1.5e-323, "1.5e-323"},
        {2.2250738585072014e-308, "2.2250738585072014e-308"},
        {2.225073858507201e-308, "2.225073858507201e-308"},
        {1.7976931348623157e308, "1.7976931348623157e+308"},
        {-1.7976931348623157e308, "-1.7976931348623157e+308"},
        {1e308, "1e+308"},
        {1e-300, "1e-300"},
        {0.5, "0.5"},
        {100.25, "100.25"},
        {299792458.0, "299792458"},
        {9.87654321e-7, "9.87654321e-07"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i)
        T_EQ_STR(fmt(cases[i].v), cases[i].want);
    T_EQ_STR(fmt(-0.0), "-0");
    T_EQ_STR(fmt(NAN), "nan");
    T_EQ_STR(fmt(-NAN), "nan");
    T_EQ_STR(fmt(INFINITY), "inf");
    T_EQ_STR(fmt(-INFINITY), "-inf");
    /* Every length up to the longest fits NF_DOUBLE_MAX; the longest forms. */
    T_EQ_STR(fmt(-2.2250738585072014e-308), "-2.2250738585072014e-308");
    T_EQ_STR(fmt(-0.00012345678901234567), "-0.00012345678901234567");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i)
        check(cases[i].v, 2);
}

static void test_integers(void)
{
    char a[NF_INT_MAX + 1], b[32];
    const uint64_t u[] = {0,
                          1,
                          9,
                          10,
                          99,
                          100,
                          12345,
                          4294967295u,
                          4294967296u,
                          999999999999999999u,
                          10000000000000000000u,
                          UINT64_MAX};
    const int64_t s[] = {0, -1, 1, -10, 345678901234, INT64_MAX, INT64_MIN, INT64_MIN + 1};
    long bad = 0;
    for (size_t i = 0; i < sizeof u / sizeof u[0] + 100000; ++i) {
        uint64_t x = i < sizeof u / sizeof u[0] ? u[i] : rng() >> (rng() % 64);
        a[nf_u64(a, x)] = '\0';
        snprintf(b, sizeof b, "%" PRIu64, x);
        bad += strcmp(a, b) != 0;
    }
    for (size_t i = 0; i < sizeof s / sizeof s[0] + 100000; ++i) {
        int64_t x = i < sizeof s / sizeof s[0] ? s[i] : (int64_t)(rng() >> (rng() % 64));
        if (i >= sizeof s / sizeof s[0] && (rng() & 1))
            x = -x;
        a[nf_i64(a, x)] = '\0';
        snprintf(b, sizeof b, "%" PRId64, x);
        bad += strcmp(a, b) != 0;
    }
    T_EQ_INT(bad, 0);
}

int main(void)
{
    long samples = 4000000;
    const char *env = getenv("BO_NUMFMT_SAMPLES");
    if (env && atol(env) > 0)
        samples = atol(env);

    test_known();
    test_integers();

    /* Every binary exponent, with the extreme significands and a few random ones, both
     * signs; powers of two and of ten. */
    for (uint64_t e = 0; e < 0x7ff; ++e) {
        const uint64_t mant[] = {0,
                                 1,
                                 2,
                                 3,
                                 4,
                                 5,
                                 (1ull << 52) - 1,
                                 (1ull << 52) - 2,
                                 rng() >> 12,
                                 rng() >> 12,
                                 rng() >> 12,
                                 rng() >> 12};
        for (size_t i = 0; i < sizeof mant / sizeof mant[0]; ++i) {
            check(from_bits(e << 52 | mant[i]), 2);
            check(-from_bits(e << 52 | mant[i]), 1);
        }
    }
    for (int e = -323; e <= 308; ++e) {
        char s[16];
        snprintf(s, sizeof s, "1e%d", e);
        double v = strtod(s, NULL);
        check(v, 2);
        check(nextafter(v, 0), 2);
        check(nextafter(v, INFINITY), 2);
    }
    check(DBL_MAX, 2);
    check(DBL_MIN, 2);
    check(nextafter(DBL_MIN, 0), 2);
    check(DBL_TRUE_MIN, 2);

    /* The smallest subnormals one by one, where the interval holds the fewest decimals. */
    for (uint64_t c = 1; c <= 20000; ++c)
        check(from_bits(c), 2);

    /* Short decimals as users type them: d digits times a power of ten read by strtod come
     * back with at most d digits. */
    tally few = {"short decimals keep their digits", 0, 0, ""};
    for (long i = 0; i < samples / 20; ++i) {
        int d = 1 + (int)(rng() % 15);
        uint64_t m = rng() % 1000000000000000u;
        uint64_t p10 = 1;
        for (int j = 0; j < d; ++j)
            p10 *= 10;
        m %= p10;
        char s[48];
        snprintf(s, sizeof s, "%" PRIu64 "e%d", m, (int)(rng() % 600) - 300);
        double v = strtod(s, NULL);
        if (v == 0 || isinf(v))
            continue;
        check(v, 1);
        uint64_t f;
        int k;
        nf_decimal(v, &f, &k);
        tally_add(&few, digit_count(f) <= d, v, s);
    }
    tally_report(&few);

    /* Random bit patterns (NaN and infinity are covered above): every one for the round
     * trip, every 4th against the old form, every 40th for the shortest length. */
    for (long i = 0; i < samples; ++i) {
        uint64_t b = rng();
        if ((b >> 52 & 0x7ff) == 0x7ff)
            continue;
        check(from_bits(b), i % 40 == 0 ? 2 : i % 4 == 0);
    }
    tally_report(&trip);
    tally_report(&shortest);
    tally_report(&same_as_old);
    /* The public form: NUL-terminated, truncated like snprintf, full length returned. */
    char small[8];
    T_EQ_INT(bo_format_double(4.540018782744335e-05, small, sizeof small), 21);
    T_EQ_STR(small, "4.54001");
    char whole[32];
    T_EQ_INT(bo_format_double(0.1, whole, sizeof whole), 3);
    T_EQ_STR(whole, "0.1");
    T_EQ_INT(bo_format_double(-INFINITY, whole, sizeof whole), 4);
    T_EQ_STR(whole, "-inf");
    T_EQ_INT(bo_format_double(2.385, NULL, 0), 5);
    T_DONE();
}
