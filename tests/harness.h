/* A small test harness: NaN-aware checks that print `FAIL: file:line: ...` and keep going,
 * and a closing `N passed, N failed` line. Include in exactly one test source (the test's
 * main file); call T_DONE() at the end of main. Exit 77 (T_SKIP) means "skipped". */
#ifndef BO_TEST_HARNESS_H
#define BO_TEST_HARNESS_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_passed, t_failed;

#define T_CHECK(cond)                                                                              \
    do {                                                                                           \
        if (cond) {                                                                                \
            ++t_passed;                                                                            \
        } else {                                                                                   \
            ++t_failed;                                                                            \
            printf("FAIL: %s:%d: %s\n", __FILE__, __LINE__, #cond);                                \
        }                                                                                          \
    } while (0)

#define T_CHECKF(cond, ...)                                                                        \
    do {                                                                                           \
        if (cond) {                                                                                \
            ++t_passed;                                                                            \
        } else {                                                                                   \
            ++t_failed;                                                                            \
            printf("FAIL: %s:%d: %s: ", __FILE__, __LINE__, #cond);                                \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
        }                                                                                          \
    } while (0)

/* |got - want| <= tol * max(|want|, tiny); NaN never passes unless both are NaN. */
static inline int t_rel_ok(double got, double want, double tol)
{
    if (isnan(got) || isnan(want))
        return isnan(got) && isnan(want);
    if (isinf(got) || isinf(want))
        return got == want;
    double scale = fabs(want) > 1e-300 ? fabs(want) : 1e-300;
    return fabs(got - want) <= tol * scale;
}

static inline int t_abs_ok(double got, double want, double tol)
{
    if (isnan(got) || isnan(want))
        return isnan(got) && isnan(want);
    if (isinf(got) || isinf(want))
        return got == want;
    return fabs(got - want) <= tol;
}

#define T_REL(got, want, tol)                                                                      \
    do {                                                                                           \
        double t_g_ = (double)(got), t_w_ = (double)(want);                                        \
        T_CHECKF(t_rel_ok(t_g_, t_w_, (tol)), "got %.17g want %.17g (rel tol %g)", t_g_, t_w_,     \
                 (double)(tol));                                                                   \
    } while (0)

#define T_ABS(got, want, tol)                                                                      \
    do {                                                                                           \
        double t_g_ = (double)(got), t_w_ = (double)(want);                                        \
        T_CHECKF(t_abs_ok(t_g_, t_w_, (tol)), "got %.17g want %.17g (abs tol %g)", t_g_, t_w_,     \
                 (double)(tol));                                                                   \
    } while (0)

#define T_EQ_INT(got, want)                                                                        \
    do {                                                                                           \
        long long t_g_ = (long long)(got), t_w_ = (long long)(want);                               \
        T_CHECKF(t_g_ == t_w_, "got %lld want %lld", t_g_, t_w_);                                  \
    } while (0)

#define T_EQ_STR(got, want)                                                                        \
    do {                                                                                           \
        const char *t_g_ = (got), *t_w_ = (want);                                                  \
        T_CHECKF(t_g_ &&t_w_ &&strcmp(t_g_, t_w_) == 0, "got \"%s\" want \"%s\"",                  \
                 t_g_ ? t_g_ : "(null)", t_w_ ? t_w_ : "(null)");                                  \
    } while (0)

/* Substring check. */
#define T_CONTAINS(hay, needle)                                                                    \
    do {                                                                                           \
        const char *t_h_ = (hay), *t_n_ = (needle);                                                \
        T_CHECKF(t_h_ &&t_n_ &&strstr(t_h_, t_n_) != NULL, "\"%s\" does not contain \"%s\"",       \
                 t_h_ ? t_h_ : "(null)", t_n_ ? t_n_ : "(null)");                                  \
    } while (0)

#define T_SKIP(...)                                                                                \
    do {                                                                                           \
        printf("SKIP: ");                                                                          \
        printf(__VA_ARGS__);                                                                       \
        printf("\n");                                                                              \
        exit(77);                                                                                  \
    } while (0)

#define T_DONE()                                                                                   \
    do {                                                                                           \
        printf("%d passed, %d failed\n", t_passed, t_failed);                                      \
        return t_failed ? 1 : 0;                                                                   \
    } while (0)

#endif
