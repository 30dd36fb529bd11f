/* Radau IIA of order 5 (three stages), the fully implicit Runge-Kutta method of the TAB_FIRK
 * family: its Butcher tableau, the coefficients of RADAU5's transformed Newton iteration and
 * error estimate (family_data), and their emission for kernels/radau.h.
 *
 * Irrational coefficients are written with every digit their source prints (more than double
 * needs); tests/unit/test_radau_tableau.c checks each one against its closed form and against
 * the relations that define it. */
#include "tableau_radau.h"

#include <stdio.h>

/* clang-format off */

/* ---- Radau IIA, s = 3, order 5: E. Hairer, G. Wanner, Solving Ordinary Differential
 * Equations II, 2nd ed., Springer (1996), IV.5, Table 5.6:
 *   c = ((4 - sqrt6)/10, (4 + sqrt6)/10, 1)
 *   A = [ (88 - 7 sqrt6)/360       (296 - 169 sqrt6)/1800   (-2 + 3 sqrt6)/225 ]
 *       [ (296 + 169 sqrt6)/1800   (88 + 7 sqrt6)/360       (-2 - 3 sqrt6)/225 ]
 *       [ (16 - sqrt6)/36          (16 + sqrt6)/36          1/9                ]
 *   b = last row of A (stiffly accurate).
 * Decimal values to 34 digits. ------------------------------------------------------------ */
static const double radau5_a[9] = {
    0.1968154772236604258683861429918299, -0.06553542585019838810852278256960869,
    0.02377097434822015242040823210718966,
    0.3944243147390872769974116714584976, 0.292073411665228463020502745897059,
    -0.04154875212599793019818600988496744,
    0.3764030627004672750500754423692808, 0.5124858261884216138388134465196081, 1.0 / 9.0,
};
static const double radau5_b[3] = {
    0.3764030627004672750500754423692808, 0.5124858261884216138388134465196081, 1.0 / 9.0,
};
static const double radau5_c[3] = {
    0.1550510257216821901802715925294109, 0.6449489742783178098197284074705891, 1.0,
};

/* ---- RADAU5's constants: E. Hairer, G. Wanner, radau5.f (version of 1996), section
 * "CONSTANTS", as described in Solving ODEs II, IV.8, eqs. (8.14)-(8.20):
 *   T, T^{-1}: T11..T31 (T32 = 1, T33 = 0) and TI11..TI33, 20 digits;
 *   gamma = 1/u1 with u1 = (6 + 81^(1/3) - 9^(1/3))/30,
 *   alpha + i beta = 1/(a + i b) with a = (12 - 81^(1/3) + 9^(1/3))/60,
 *                                     b = (81^(1/3) + 9^(1/3)) sqrt3/60,
 *   e / gamma0 = (-(13 + 7 sqrt6)/3, (-13 + 7 sqrt6)/3, -1/3) (DD1..DD3).
 * gamma, alpha, beta and e to 34 digits from those closed forms. ----------------------------- */
static const tab_radau_data radau5_data = {
    {
        9.1232394870892942792e-02, -0.14125529502095420843, -3.0029194105147424492e-02,
        0.24171793270710701896,    0.20412935229379993199,  0.38294211275726193779,
        0.96604818261509293619,    1.0,                     0.0,
    },
    {
        4.3255798900631553510,   0.33919925181580986954, 0.54177053993587487119,
        -4.1787185915519047273, -0.32768282076106238708, 0.47662355450055045196,
        -0.50287263494578687595, 2.5719269498556054292, -0.59603920482822492497,
    },
    3.637834252744495732208418513577776,
    2.681082873627752133895790743211112,
    3.050430199247410569426377624787568,
    {-10.04880939982741556246032950764708, 1.382142733160748895793662840980413, -1.0 / 3.0},
};

/* clang-format on */

static const char *const radau5_aliases[] = {"radau", "radau_iia", "radau_iia_5", "radauiia5",
                                             NULL};

/* The error estimate (8.19) is that of an embedded method of order 3 (its local error is
 * O(dt^4)), so the controller's exponent is 1/4, as radau5.f's ERR**0.25. */
const bo_tableau bo_tableau_radau5 = {
    "radau5",
    radau5_aliases,
    3,
    radau5_a,
    radau5_b,
    NULL,
    radau5_c,
    5,
    0,
    0,
    "E. Hairer, G. Wanner, Solving ODEs II, 2nd ed. (1996), IV.5 Table 5.6 and IV.8; radau5.f",
    NULL,
    3,
    TAB_FIRK,
    &radau5_data};

int tab_emit_radau(const bo_tableau *t, sb_buf *out)
{
    if (!t || !out || t->family != TAB_FIRK || t->stages != 3 || !t->family_data)
        return BO_ERR_INVALID_ARG;
    const tab_radau_data *d = t->family_data;
    char name[32];
    sb_printf(out, "/* fully implicit Runge-Kutta: %s (order %d, error estimate of order %d) */\n",
              t->name, t->order, t->error_order);
    tab_emit_real(out, "BO_RADAU_C1", t->c[0]);
    tab_emit_real(out, "BO_RADAU_C2", t->c[1]);
    tab_emit_real(out, "BO_RADAU_GAMMA", d->gamma);
    tab_emit_real(out, "BO_RADAU_ALPHA", d->alpha);
    tab_emit_real(out, "BO_RADAU_BETA", d->beta);
    for (int i = 0; i < 3; ++i) {
        for (int j = 0; j < 3; ++j) {
            snprintf(name, sizeof name, "BO_RADAU_T%d%d", i + 1, j + 1);
            tab_emit_real(out, name, d->t[i * 3 + j]);
        }
    }
    for (int i = 0; i < 3; ++i) {
        for (int j = 0; j < 3; ++j) {
            snprintf(name, sizeof name, "BO_RADAU_TI%d%d", i + 1, j + 1);
            tab_emit_real(out, name, d->t_inv[i * 3 + j]);
        }
    }
    for (int i = 0; i < 3; ++i) {
        snprintf(name, sizeof name, "BO_RADAU_E%d", i + 1);
        tab_emit_real(out, name, d->e[i]);
    }
    return out->failed ? BO_ERR_NOMEM : BO_OK;
}
