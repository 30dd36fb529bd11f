/* Radau IIA 5's constants, each against its closed form and against the relations that
 * define it (Hairer & Wanner, Solving ODEs II, 2nd ed., IV.5 and IV.8):
 *   A, b, c against Table 5.6's surds; simplifying assumptions B(5) (sum b_i c_i^(k-1) = 1/k)
 *   and C(3) (sum_j a_ij c_j^(k-1) = c_i^k / k) hold, B(6) and C(4) fail; b is A's last row;
 *   T T^{-1} = I and T^{-1} A^{-1} T = [[gamma, 0, 0], [0, alpha, -beta], [0, beta, alpha]]
 *   with A^{-1} computed here; gamma, alpha, beta against radau5.f's cube-root formulas;
 *   the error weights make f(t, y) + e.Z/dt an O(dt^3) combination: sum e_i c_i = -1,
 *   sum e_i c_i^2 = 0, sum e_i c_i^3 = 0 (the estimate (8.19) is then O(dt^4));
 * plus lookup, controller defaults and the emitted constants. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "methods/tableau_radau.h"

static void check_tableau(const bo_tableau *t)
{
    const double s6 = sqrt(6.0);
    const double a[9] = {(88 - 7 * s6) / 360,     (296 - 169 * s6) / 1800, (-2 + 3 * s6) / 225,
                         (296 + 169 * s6) / 1800, (88 + 7 * s6) / 360,     (-2 - 3 * s6) / 225,
                         (16 - s6) / 36,          (16 + s6) / 36,          1.0 / 9.0};
    const double c[3] = {(4 - s6) / 10, (4 + s6) / 10, 1.0};
    T_EQ_INT(t->stages, 3);
    T_EQ_INT(t->order, 5);
    T_EQ_INT(t->family, TAB_FIRK);
    for (int i = 0; i < 9; ++i)
        T_ABS(t->a[i], a[i], 4e-16);
    for (int i = 0; i < 3; ++i) {
        T_ABS(t->c[i], c[i], 2e-16);
        T_CHECK(t->b[i] == t->a[6 + i]); /* stiffly accurate */
    }
    /* B(5): exact to rounding; B(6) fails (order 2s - 1 = 5 exactly). */
    for (int k = 1; k <= 6; ++k) {
        double sum = 0.0;
        for (int i = 0; i < 3; ++i)
            sum += t->b[i] * pow(t->c[i], k - 1);
        if (k <= 5)
            T_ABS(sum, 1.0 / k, 3e-16);
        else
            T_CHECK(fabs(sum - 1.0 / k) > 1e-4);
    }
    /* C(3) holds, C(4) does not: stage order 3. */
    for (int k = 1; k <= 4; ++k) {
        double worst = 0.0;
        for (int i = 0; i < 3; ++i) {
            double sum = 0.0;
            for (int j = 0; j < 3; ++j)
                sum += t->a[i * 3 + j] * pow(t->c[j], k - 1);
            const double r = fabs(sum - pow(t->c[i], k) / k);
            worst = r > worst ? r : worst;
        }
        if (k <= 3)
            T_CHECKF(worst < 3e-16, "C(%d) residual %.3g", k, worst);
        else
            T_CHECKF(worst > 1e-4, "C(4) holds (%.3g)", worst);
    }
}

/* Inverse of a 3x3 matrix by cofactors. */
static void inverse3(const double *m, double *inv)
{
    const double c00 = m[4] * m[8] - m[5] * m[7], c01 = m[5] * m[6] - m[3] * m[8],
                 c02 = m[3] * m[7] - m[4] * m[6];
    const double det = m[0] * c00 + m[1] * c01 + m[2] * c02;
    inv[0] = c00 / det;
    inv[1] = (m[2] * m[7] - m[1] * m[8]) / det;
    inv[2] = (m[1] * m[5] - m[2] * m[4]) / det;
    inv[3] = c01 / det;
    inv[4] = (m[0] * m[8] - m[2] * m[6]) / det;
    inv[5] = (m[2] * m[3] - m[0] * m[5]) / det;
    inv[6] = c02 / det;
    inv[7] = (m[1] * m[6] - m[0] * m[7]) / det;
    inv[8] = (m[0] * m[4] - m[1] * m[3]) / det;
}

static void mul3(const double *x, const double *y, double *out)
{
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) {
            double s = 0.0;
            for (int k = 0; k < 3; ++k)
                s += x[i * 3 + k] * y[k * 3 + j];
            out[i * 3 + j] = s;
        }
}

static void check_transformation(const bo_tableau *t)
{
    const tab_radau_data *d = t->family_data;
    T_CHECK(d != NULL);
    if (!d)
        return;
    /* radau5.f's closed forms. */
    const double c81 = cbrt(81.0), c9 = cbrt(9.0);
    const double u1 = (6.0 + c81 - c9) / 30.0;
    const double al = (12.0 - c81 + c9) / 60.0, be = (c81 + c9) * sqrt(3.0) / 60.0;
    const double cno = al * al + be * be;
    T_REL(d->gamma, 1.0 / u1, 4e-16);
    T_REL(d->alpha, al / cno, 4e-16);
    T_REL(d->beta, be / cno, 4e-16);
    T_CHECK(d->t[7] == 1.0 && d->t[8] == 0.0);

    double prod[9], ainv[9], tmp[9], blk[9];
    mul3(d->t, d->t_inv, prod);
    for (int i = 0; i < 9; ++i)
        T_ABS(prod[i], i % 4 == 0 ? 1.0 : 0.0, 1e-15);
    inverse3(t->a, ainv);
    mul3(d->t_inv, ainv, tmp);
    mul3(tmp, d->t, blk);
    const double want[9] = {d->gamma, 0, 0, 0, d->alpha, -d->beta, 0, d->beta, d->alpha};
    double worst = 0.0;
    for (int i = 0; i < 9; ++i) {
        const double r = fabs(blk[i] - want[i]);
        worst = r > worst ? r : worst;
    }
    printf("T^-1 A^-1 T - diag(gamma, [alpha -beta; beta alpha]): max |residual| %.2e\n", worst);
    T_CHECKF(worst < 1e-14, "transformation residual %.3g", worst);
    /* The eigenvalues are those of A^{-1}: trace and determinant agree. */
    T_REL(ainv[0] + ainv[4] + ainv[8], d->gamma + 2.0 * d->alpha, 1e-14);

    /* Error weights: closed forms, then the conditions that make the estimate O(dt^4). */
    const double s6 = sqrt(6.0);
    T_REL(d->e[0], -(13.0 + 7.0 * s6) / 3.0, 4e-16);
    T_REL(d->e[1], (-13.0 + 7.0 * s6) / 3.0, 2e-15); /* cancels ~4-fold */
    T_REL(d->e[2], -1.0 / 3.0, 0);
    for (int k = 1; k <= 4; ++k) {
        double sum = 0.0, mag = 0.0;
        for (int i = 0; i < 3; ++i) {
            sum += d->e[i] * pow(t->c[i], k);
            mag += fabs(d->e[i] * pow(t->c[i], k));
        }
        if (k == 1)
            T_ABS(sum, -1.0, 4e-15);
        else if (k <= 3)
            T_ABS(sum, 0.0, 4e-15);
        else
            T_CHECK(fabs(sum) > 1e-3 * mag); /* no more: the estimate is of order 3 */
    }
}

static int read_define(const char *text, const char *name, double *v)
{
    char key[64];
    snprintf(key, sizeof key, "#define %s BO_C(", name);
    const char *p = strstr(text, key);
    if (!p)
        return 0;
    *v = strtod(p + strlen(key), NULL);
    return 1;
}

static void check_emission(const bo_tableau *t)
{
    const tab_radau_data *d = t->family_data;
    sb_buf b;
    sb_init(&b);
    T_EQ_INT(tab_emit_radau(t, &b), BO_OK);
    const char *text = sb_cstr(&b);
    double v = 0.0;
    T_CHECK(read_define(text, "BO_RADAU_C1", &v) && v == t->c[0]);
    T_CHECK(read_define(text, "BO_RADAU_C2", &v) && v == t->c[1]);
    T_CHECK(read_define(text, "BO_RADAU_GAMMA", &v) && v == d->gamma);
    T_CHECK(read_define(text, "BO_RADAU_ALPHA", &v) && v == d->alpha);
    T_CHECK(read_define(text, "BO_RADAU_BETA", &v) && v == d->beta);
    for (int i = 0; i < 9; ++i) {
        char name[32];
        snprintf(name, sizeof name, "BO_RADAU_T%d%d", i / 3 + 1, i % 3 + 1);
        T_CHECKF(read_define(text, name, &v) && v == d->t[i], "%s", name);
        snprintf(name, sizeof name, "BO_RADAU_TI%d%d", i / 3 + 1, i % 3 + 1);
        T_CHECKF(read_define(text, name, &v) && v == d->t_inv[i], "%s", name);
    }
    for (int i = 0; i < 3; ++i) {
        char name[32];
        snprintf(name, sizeof name, "BO_RADAU_E%d", i + 1);
        T_CHECKF(read_define(text, name, &v) && v == d->e[i], "%s", name);
    }
    sb_free(&b);
    sb_init(&b);
    T_EQ_INT(tab_emit_radau(&bo_tableau_dp5, &b), BO_ERR_INVALID_ARG);
    T_EQ_INT(tab_emit_radau(NULL, &b), BO_ERR_INVALID_ARG);
    T_EQ_INT(tab_emit_radau(t, NULL), BO_ERR_INVALID_ARG);
    bo_test_fail_alloc_after(0);
    T_EQ_INT(tab_emit_radau(t, &b), BO_ERR_NOMEM);
    bo_test_fail_alloc_after(-1);
    sb_free(&b);
}

int main(void)
{
    const bo_tableau *t = &bo_tableau_radau5;
    check_tableau(t);
    check_transformation(t);
    check_emission(t);

    T_CHECK(tab_find("radau5") == t);
    T_CHECK(tab_find("RadauIIA5") == t);
    T_CHECK(tab_find("radau-iia-5") == t);
    T_CHECK(tab_find("Radau") == t);
    T_CHECK(tab_is_implicit(t));
    T_CHECK(tab_has_error_estimate(t));
    T_CHECK(t->b_hat == NULL);
    /* radau5.f's step-size exponent is 1/4: an order-3 estimate. */
    tab_controller_defaults dc = tab_default_controller(t);
    T_EQ_STR(dc.controller, "gustafsson");
    T_EQ_INT(dc.algorithm_order, 3);
    T_DONE();
}
