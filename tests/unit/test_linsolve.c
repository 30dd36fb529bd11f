/* The dense LU of kernels/linsolve.h (BO_DEFINE_LU), compiled natively in float64 and float32
 * for sizes 1..12, unrolled with select exchanges and rolled with indexed exchanges
 * (BO_LU_UNROLL_MAX = 0): random matrices (including ones that need row exchanges: zero leading
 * pivots, a permutation matrix), solved and checked by their residual |A x - b| computed here
 * in long double; singular matrices (a zero column, a zero row, a NaN) must report
 * BO_RUN_SINGULAR. */
#include "harness.h"
#include "ccutil.h"
#include "status.h"
#include "util/strbuf.h"

#include <math.h>

#define MAXN 12
#define CASES 8

static unsigned long long rng = 0x9e3779b97f4a7c15ull;
static double urand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0 * 2.0 - 1.0;
}

typedef struct {
    int n, expect_singular;
    double a[MAXN * MAXN], b[MAXN];
} lcase;

static void make_cases(int n, lcase *c)
{
    for (int k = 0; k < CASES; ++k) {
        c[k].n = n;
        c[k].expect_singular = 0;
        for (int i = 0; i < n * n; ++i)
            c[k].a[i] = urand();
        for (int i = 0; i < n; ++i)
            c[k].b[i] = urand();
    }
    /* 1: zero leading pivot (needs an exchange at k = 0). */
    if (n > 1)
        c[1].a[0] = 0.0;
    /* 2: a reversed permutation matrix scaled: every column needs an exchange. */
    for (int i = 0; i < n * n; ++i)
        c[2].a[i] = 0.0;
    for (int i = 0; i < n; ++i)
        c[2].a[i * n + (n - 1 - i)] = 1.0 + i;
    /* 3: diagonally dominant shifted matrix, like c*I - J of a stiff step. */
    for (int i = 0; i < n; ++i)
        c[3].a[i * n + i] += 1e4;
    /* 5: zero column -> singular. */
    for (int i = 0; i < n; ++i)
        c[5].a[i * n + (n - 1)] = 0.0;
    c[5].expect_singular = 1;
    /* 6: a zero row -> singular. (Rank deficiency that only rounding hides, such as two
     * equal rows, yields a tiny rather than a zero pivot, as in any LU; the Newton iteration
     * then sees a huge or non-finite update and fails the step.) */
    for (int j = 0; j < n; ++j)
        c[6].a[(n / 2) * n + j] = 0.0;
    c[6].expect_singular = 1;
    /* 7: a NaN entry -> reported. */
    c[7].a[n * n - 1] = NAN;
    c[7].expect_singular = 1;
}

static char *source(int prec, const lcase *c, int rolled)
{
    sb_buf b;
    sb_init(&b);
    sb_printf(&b, "#define BO_PRECISION %d\n#include \"prelude.h\"\n#include \"status.h\"\n", prec);
    if (rolled)
        sb_append(&b, "#define BO_LU_UNROLL_MAX 0\n");
    sb_append(&b, "#include <stdio.h>\n#define BO_N 1\n#define BO_LINSOLVE 99\n"
                  "#include \"linsolve.h\"\n");
    int n = c[0].n;
    sb_printf(&b, "BO_DEFINE_LU(lu%d, %d)\n", n, n);
    sb_printf(&b, "static const double A[%d][%d] = {", CASES, n * n);
    for (int k = 0; k < CASES; ++k) {
        sb_append(&b, "{");
        for (int i = 0; i < n * n; ++i) {
            if (isnan(c[k].a[i]))
                sb_append(&b, "0.0/0.0");
            else
                sb_double(&b, c[k].a[i]);
            sb_append(&b, ",");
        }
        sb_append(&b, "},");
    }
    sb_printf(&b, "};\nstatic const double B[%d][%d] = {", CASES, n);
    for (int k = 0; k < CASES; ++k) {
        sb_append(&b, "{");
        for (int i = 0; i < n; ++i) {
            sb_double(&b, c[k].b[i]);
            sb_append(&b, ",");
        }
        sb_append(&b, "},");
    }
    sb_printf(&b,
              "};\nint main(void)\n{\n    for (int k = 0; k < %d; ++k) {\n"
              "        bo_real a[%d], piv[%d], x[%d];\n"
              "        for (int i = 0; i < %d; ++i) a[i] = (bo_real)A[k][i];\n"
              "        for (int i = 0; i < %d; ++i) x[i] = (bo_real)B[k][i];\n"
              "        int rc = lu%d_factor(a, piv);\n"
              "        lu%d_solve(a, piv, x);\n        printf(\"%%d\", rc);\n"
              "        for (int i = 0; i < %d; ++i) printf(\" %%.17g\", (double)x[i]);\n"
              "        printf(\"\\n\");\n    }\n    return 0;\n}\n",
              CASES, n * n, n, n, n * n, n, n, n, n);
    return sb_take(&b);
}

static void check(int prec, int n, int rolled)
{
    lcase c[CASES];
    make_cases(n, c);
    char *src = source(prec, c, rolled);
    char flags[512];
    snprintf(flags, sizeof flags, "%s -Wshadow -Wconversion -I%s/kernels", CCU_STRICT,
             BO_SOURCE_DIR);
    int code = -1;
    char *out = ccu_compile_run(src, flags, &code);
    free(src);
    T_CHECKF(out && code == 0, "n=%d prec=%d: program failed", n, prec);
    if (!out)
        return;
    const char *p = out;
    for (int k = 0; k < CASES; ++k) {
        char *end;
        long rc = strtol(p, &end, 10);
        p = end;
        double x[MAXN];
        for (int i = 0; i < n; ++i) {
            x[i] = strtod(p, &end);
            p = end;
        }
        T_CHECKF(rc == (c[k].expect_singular ? BO_RUN_SINGULAR : 0), "n=%d case %d: rc %ld", n, k,
                 rc);
        if (c[k].expect_singular)
            continue;
        /* Backward error: |A x - b| / (|A| |x| + |b|) near the working epsilon. */
        long double worst = 0;
        for (int i = 0; i < n; ++i) {
            long double r = -(long double)c[k].b[i], scale = fabs(c[k].b[i]);
            for (int j = 0; j < n; ++j) {
                r += (long double)c[k].a[i * n + j] * x[j];
                scale += fabsl((long double)c[k].a[i * n + j] * x[j]);
            }
            long double rel = fabsl(r) / scale;
            if (rel > worst)
                worst = rel;
        }
        double tol = (prec == 64 ? 2.2e-16 : 1.2e-7) * 8.0 * n;
        T_CHECKF(worst < tol, "n=%d case %d prec %d: backward error %Lg > %g", n, k, prec, worst,
                 tol);
    }
    free(out);
}

int main(void)
{
    const int sizes[] = {1, 2, 3, 5, 8, 12};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; ++i) {
        for (int rolled = 0; rolled < 2; ++rolled) {
            check(64, sizes[i], rolled);
            check(32, sizes[i], rolled);
        }
    }
    T_DONE();
}
