/* Shortest round-trip decimals for doubles, and integers, without printf (see numfmt.h).
 *
 * The double conversion is the Schubfach algorithm of R. Giulietti, "The Schubfach way to
 * render doubles" (2020-2021; reviewed by J.-M. Muller and P. Zimmermann, 2021), written here
 * from the paper's definitions. For v = c 2^q its rounding interval R_v is
 * [(c - 1/2) 2^q, (c + 1/2) 2^q], or [(c - 1/4) 2^q, (c + 1/2) 2^q] when c = 2^52 and
 * q > -1074 (the gap below a power of two is half as wide), both ends included exactly when
 * c is even (strtod rounds ties to even). With k = floor(log10 2^q) (floor(log10(3/4 2^q)) in
 * the second case), the decimals with exponent k that lie in R_v are s 10^k and t 10^k,
 * s = floor(v 10^-k), t = s + 1, and (one digit shorter) the multiples of ten around s: the
 * algorithm picks the shortest of these in R_v and, between two of equal length, the nearer
 * to v (the even one on a tie). The scaled values 4 v 10^-k and the interval's ends are
 * computed as g c 2^(h-127), with g = floor(beta) + 1 the 126-bit overestimate of
 * 10^-k = beta 2^r (2^125 <= beta < 2^126) and h = q + floor(log2 10^-k) + 2, rounded to odd
 * (the low bit is set when bits were dropped): the paper shows that this rounding keeps every
 * comparison with a multiple of 4 exact, so the result is the exact one. The table of g for
 * 10^e, e in [-292, 324], is computed once from its definition with exact integer arithmetic
 * and read-only afterwards. */
#include "numfmt.h"

#include "batchode.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

/* ---- 64 x 64 -> 128-bit products ------------------------------------------------------ */

#if defined(__SIZEOF_INT128__)
__extension__ typedef unsigned __int128 nf_u128;
static inline uint64_t mul_hi_lo(uint64_t a, uint64_t b, uint64_t *lo)
{
    nf_u128 p = (nf_u128)a * b;
    *lo = (uint64_t)p;
    return (uint64_t)(p >> 64);
}
#else
static inline uint64_t mul_hi_lo(uint64_t a, uint64_t b, uint64_t *lo)
{
    uint64_t a0 = a & 0xffffffffu, a1 = a >> 32, b0 = b & 0xffffffffu, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);
    *lo = (mid << 32) | (p00 & 0xffffffffu);
    return p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}
#endif

/* ---- floor of logarithms (the paper's flog10pow2, flog10threeQuartersPow2, flog2pow10) -- */

/* floor(x / 2^n) for negative x too (>> of a negative int is implementation-defined). */
static inline int floor_shift(long x, int n)
{
    return (int)(x >= 0 ? x >> n : -((-x + (1L << n) - 1) >> n));
}

/* floor(e log10 2), |e| <= 2000 or so; 1262611 / 2^22 approximates log10 2. */
static inline int flog10_pow2(int e)
{
    return floor_shift((long)e * 1262611L, 22);
}

/* floor(log10(3/4 2^e)). */
static inline int flog10_three_quarters_pow2(int e)
{
    return floor_shift((long)e * 1262611L - 524031L, 22);
}

/* floor(e log2 10); 1741647 / 2^19 approximates log2 10. */
static inline int flog2_pow10(int e)
{
    return floor_shift((long)e * 1741647L, 19);
}

/* ---- the table of g ------------------------------------------------------------------- */

#define G_MIN (-292)
#define G_MAX 324
#define G_COUNT (G_MAX - G_MIN + 1)

static uint64_t g_hi[G_COUNT], g_lo[G_COUNT]; /* g(e) = g_hi 2^64 + g_lo, written once */
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static atomic_int g_ready; /* set (release) once the table is complete */

/* Unsigned integers of up to BN_LIMBS 32-bit limbs, least significant first: 10^324 has
 * 1077 bits and the long division below keeps remainders below 2 * 10^292. */
#define BN_LIMBS 36
typedef struct {
    uint32_t l[BN_LIMBS];
} bignum;

static void bn_mul_small(bignum *a, uint32_t m)
{
    uint64_t carry = 0;
    for (int i = 0; i < BN_LIMBS; ++i) {
        uint64_t x = (uint64_t)a->l[i] * m + carry;
        a->l[i] = (uint32_t)x;
        carry = x >> 32;
    }
}

static int bn_bitlen(const bignum *a)
{
    for (int i = BN_LIMBS - 1; i >= 0; --i)
        if (a->l[i])
            for (int b = 31; b >= 0; --b)
                if (a->l[i] >> b & 1)
                    return 32 * i + b + 1;
    return 0;
}

static int bn_bit(const bignum *a, int i)
{
    return i >= 0 && i < 32 * BN_LIMBS ? (int)(a->l[i / 32] >> (i % 32) & 1) : 0;
}

static void bn_shl1(bignum *a)
{
    for (int i = BN_LIMBS - 1; i > 0; --i)
        a->l[i] = a->l[i] << 1 | a->l[i - 1] >> 31;
    a->l[0] <<= 1;
}

static int bn_geq(const bignum *a, const bignum *b)
{
    for (int i = BN_LIMBS - 1; i >= 0; --i)
        if (a->l[i] != b->l[i])
            return a->l[i] > b->l[i];
    return 1;
}

static void bn_sub(bignum *a, const bignum *b)
{
    uint64_t borrow = 0;
    for (int i = 0; i < BN_LIMBS; ++i) {
        uint64_t x = (uint64_t)a->l[i] - b->l[i] - borrow;
        a->l[i] = (uint32_t)x;
        borrow = x >> 63;
    }
}

/* g(e) = floor(10^e 2^-r) + 1, r = floor(log2 10^e) - 125, so 2^125 < g <= 2^126. */
static void g_compute(int e, uint64_t *hi, uint64_t *lo)
{
    int r = flog2_pow10(e) - 125;
    bignum p;
    memset(&p, 0, sizeof p);
    p.l[0] = 1;
    uint64_t q[2] = {0, 0}; /* floor(10^e 2^-r), least significant word first */
    if (e >= 0) {
        for (int i = 0; i < e; ++i)
            bn_mul_small(&p, 10);
        for (int i = 0; i < 126; ++i) /* bit i of the quotient is bit i + r of 10^e */
            q[i / 64] |= (uint64_t)bn_bit(&p, i + r) << (i % 64);
    } else {
        /* floor(2^n / 10^m), n = -r, m = -e, by binary long division. 2^(bl-1) < D = 10^m <
         * 2^bl (D is no power of two), so the quotient's bits above n - bl are zero and the
         * remainder entering bit n - bl is 2^(bl-1). */
        for (int i = 0; i < -e; ++i)
            bn_mul_small(&p, 10);
        int n = -r, bl = bn_bitlen(&p);
        bignum rem;
        memset(&rem, 0, sizeof rem);
        rem.l[(bl - 1) / 32] = 1u << ((bl - 1) % 32);
        for (int i = n - bl; i >= 0; --i) {
            bn_shl1(&rem);
            if (bn_geq(&rem, &p)) {
                bn_sub(&rem, &p);
                q[i / 64] |= (uint64_t)1 << (i % 64);
            }
        }
    }
    *lo = q[0] + 1;
    *hi = q[1] + (*lo == 0);
}

static void g_init(void)
{
    for (int e = G_MIN; e <= G_MAX; ++e)
        g_compute(e, &g_hi[e - G_MIN], &g_lo[e - G_MIN]);
    atomic_store_explicit(&g_ready, 1, memory_order_release);
}

/* The table, computed by the first caller (pthread_once only until then). */
static inline void g_ensure(void)
{
    if (!atomic_load_explicit(&g_ready, memory_order_acquire))
        pthread_once(&g_once, g_init);
}

/* ---- Schubfach ------------------------------------------------------------------------ */

#define C_MIN ((uint64_t)1 << 52)
#define Q_MIN (-1074)

/* g cp / 2^127 rounded to odd: the floor, with its low bit set when the bits of the product
 * between 2^64 and 2^127 are not all zero. (The bits below 2^64 stay out of the test, as in
 * the paper: they hold no more than the error of g against beta.) */
static inline uint64_t round_to_odd(uint64_t ghi, uint64_t glo, uint64_t cp)
{
    uint64_t xlo, ylo;
    uint64_t xhi = mul_hi_lo(glo, cp, &xlo);
    uint64_t yhi = mul_hi_lo(ghi, cp, &ylo);
    uint64_t zlo = ylo + xhi; /* z = floor(g cp / 2^64), the product's upper 128 bits */
    uint64_t zhi = yhi + (zlo < xhi);
    uint64_t fl = zhi << 1 | zlo >> 63;
    return fl | ((zlo << 1) != 0);
}

/* The shortest (then nearest) decimal of c 2^q as *f 10^*k (f may end in zeros); dk is added
 * to the exponent (the caller scaled c by 10^-dk). */
static inline void to_decimal(int q, uint64_t c, int dk, uint64_t *f, int *k_out)
{
    uint64_t out = c & 1; /* odd c: the interval's ends read back as the neighbours */
    uint64_t cb = c << 2, cbl;
    int k;
    if (c != C_MIN || q == Q_MIN) {
        cbl = cb - 2;
        k = flog10_pow2(q);
    } else {
        cbl = cb - 1;
        k = flog10_three_quarters_pow2(q);
    }
    int h = q + flog2_pow10(-k) + 2;
    uint64_t ghi = g_hi[-k - G_MIN], glo = g_lo[-k - G_MIN];
    uint64_t vb = round_to_odd(ghi, glo, cb << h);
    uint64_t vbl = round_to_odd(ghi, glo, cbl << h);
    uint64_t vbr = round_to_odd(ghi, glo, (cb + 2) << h);
    uint64_t s = vb >> 2;
    *k_out = k + dk;
    if (s >= 10) {
        /* One digit fewer: the multiples of ten around s. */
        uint64_t sp10 = 10 * (s / 10), tp10 = sp10 + 10;
        int upin = vbl + out <= sp10 << 2, wpin = (tp10 << 2) + out <= vbr;
        if (upin != wpin) {
            *f = upin ? sp10 : tp10;
            return;
        }
    }
    uint64_t t = s + 1;
    int uin = vbl + out <= s << 2, win = (t << 2) + out <= vbr;
    if (uin != win) {
        *f = uin ? s : t;
        return;
    }
    /* Both in R_v: the nearer to v (vb / 4 against s + 1/2), the even one on a tie. */
    uint64_t mid = (s + t) << 1;
    *f = vb < mid || (vb == mid && (s & 1) == 0) ? s : t;
}

/* nf_decimal for nf_double to inline. */
static inline void decimal(double v, uint64_t *digits, int *exp10)
{
    g_ensure();
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    uint64_t frac = bits & (C_MIN - 1);
    int biased = (int)(bits >> 52 & 0x7ff);
    int q = biased - 1075, dk = 0;
    uint64_t c = C_MIN | frac, f;
    int k;
    if (biased != 0 && q <= 0 && q > -53 && (c >> -q) << -q == c) {
        f = c >> -q; /* an integer below 2^53: its own digits are the shortest */
        k = 0;
    } else {
        if (biased == 0) {
            /* Subnormal. The two smallest: the paper computes 10 v, whose significand is
             * large enough for its bounds, and moves the decimal point back. */
            q = Q_MIN;
            c = frac < 3 ? 10 * frac : frac;
            dk = frac < 3 ? -1 : 0;
        }
        to_decimal(q, c, dk, &f, &k);
    }
    while (f % 100000000 == 0) {
        f /= 100000000;
        k += 8;
    }
    while (f % 10 == 0) {
        f /= 10;
        k += 1;
    }
    *digits = f;
    *exp10 = k;
}

void nf_decimal(double v, uint64_t *digits, int *exp10)
{
    decimal(v, digits, exp10);
}

/* ---- digits --------------------------------------------------------------------------- */

static const char pairs[201] = "00010203040506070809"
                               "10111213141516171819"
                               "20212223242526272829"
                               "30313233343536373839"
                               "40414243444546474849"
                               "50515253545556575859"
                               "60616263646566676869"
                               "70717273747576777879"
                               "80818283848586878889"
                               "90919293949596979899";

/* Write v < 10^8 ending just before end; return where its digits start. */
static inline char *digits32_before(char *end, uint32_t v)
{
    while (v >= 100) {
        uint32_t d = v % 100;
        v /= 100;
        end -= 2;
        memcpy(end, pairs + 2 * d, 2);
    }
    if (v >= 10) {
        end -= 2;
        memcpy(end, pairs + 2 * v, 2);
    } else {
        *--end = (char)('0' + v);
    }
    return end;
}

/* Exactly 8 digits of v < 10^8, leading zeros included, in two independent halves. */
static inline void digits8(char *out, uint32_t v)
{
    uint32_t a = v / 10000, b = v % 10000;
    memcpy(out, pairs + 2 * (a / 100), 2);
    memcpy(out + 2, pairs + 2 * (a % 100), 2);
    memcpy(out + 4, pairs + 2 * (b / 100), 2);
    memcpy(out + 6, pairs + 2 * (b % 100), 2);
}

/* Write v's digits ending just before end (at most 20, in 8-digit blocks of 32-bit
 * arithmetic); return where they start. */
static inline char *digits_before(char *end, uint64_t v)
{
    while (v >= 100000000) {
        end -= 8;
        digits8(end, (uint32_t)(v % 100000000));
        v /= 100000000;
    }
    return digits32_before(end, (uint32_t)v);
}

static const uint64_t pow10_u64[20] = {1u,
                                       10u,
                                       100u,
                                       1000u,
                                       10000u,
                                       100000u,
                                       1000000u,
                                       10000000u,
                                       100000000u,
                                       1000000000u,
                                       10000000000u,
                                       100000000000u,
                                       1000000000000u,
                                       10000000000000u,
                                       100000000000000u,
                                       1000000000000000u,
                                       10000000000000000u,
                                       100000000000000000u,
                                       1000000000000000000u,
                                       10000000000000000000u};

/* Decimal digits of v: from the bit length (log10 2 ~ 1233 / 4096), then one comparison. */
static inline int digit_count(uint64_t v)
{
    int bits = 1;
#if defined(__GNUC__)
    bits = v ? 64 - __builtin_clzll(v) : 1;
#else
    for (uint64_t t = v >> 1; t; t >>= 1)
        ++bits;
#endif
    int d = (bits * 1233) >> 12; /* floor(log10 2^(bits-1)) or one more */
    return d + (d < 20 && v >= pow10_u64[d]) + (d == 0 && v == 0);
}

size_t nf_u64(char *buf, uint64_t v)
{
    char tmp[NF_INT_MAX];
    char *start = digits_before(tmp + sizeof tmp, v);
    size_t n = (size_t)(tmp + sizeof tmp - start);
    memcpy(buf, start, n);
    return n;
}

size_t nf_i64(char *buf, int64_t v)
{
    if (v >= 0)
        return nf_u64(buf, (uint64_t)v);
    buf[0] = '-';
    return 1 + nf_u64(buf + 1, (uint64_t)0 - (uint64_t)v);
}

size_t nf_double(char *buf, double v)
{
    if (isnan(v)) {
        memcpy(buf, "nan", 3);
        return 3;
    }
    char *p = buf;
    if (signbit(v))
        *p++ = '-';
    if (isinf(v)) {
        memcpy(p, "inf", 3);
        return (size_t)(p + 3 - buf);
    }
    if (v == 0) {
        *p++ = '0';
        return (size_t)(p - buf);
    }
    uint64_t f;
    int k;
    decimal(v, &f, &k);
    /* The digits go straight to their place (copying them from a scratch buffer with wide
     * loads right after writing them byte pairs stalls on store forwarding). */
    int n = digit_count(f);
    int x = k + n - 1; /* exponent of the leading digit */
    if (x < -4 || x >= (n > 15 ? n : 15)) {
        /* d.ddde+XX: the digits one place right, then the first moved before the point. */
        digits_before(p + 1 + n, f);
        p[0] = p[1];
        p[1] = '.';
        p += n > 1 ? n + 1 : 1;
        *p++ = 'e';
        *p++ = x < 0 ? '-' : '+';
        unsigned ax = (unsigned)(x < 0 ? -x : x);
        if (ax >= 100) {
            *p++ = (char)('0' + ax / 100);
            ax %= 100;
        }
        memcpy(p, pairs + 2 * ax, 2);
        p += 2;
    } else if (x < 0) {
        memcpy(p, "0.0000", 6); /* "0." and -x - 1 zeros (writes past them are overwritten) */
        p += 1 - x;
        p += n;
        digits_before(p, f);
    } else if (n <= x + 1) {
        digits_before(p + n, f);
        memcpy(p + n, "0000000000000000", 16); /* zeros up to the point, x + 1 - n <= 16 */
        p += x + 1;
    } else {
        /* ddd.ddd: all digits one place right, then the integer part moved left by one: one
         * or two digits (most numbers) inline, more by memmove (a loop becomes that call). */
        digits_before(p + 1 + n, f);
        p[0] = p[1];
        if (x == 1)
            p[1] = p[2];
        else if (x > 1)
            memmove(p + 1, p + 2, (size_t)x);
        p[x + 1] = '.';
        p += n + 1;
    }
    return (size_t)(p - buf);
}

size_t bo_format_double(double v, char *buf, size_t len)
{
    char tmp[NF_DOUBLE_MAX];
    size_t n = nf_double(tmp, v);
    if (buf && len > 0) {
        size_t k = n < len - 1 ? n : len - 1;
        memcpy(buf, tmp, k);
        buf[k] = '\0';
    }
    return n;
}
