/* The explicit Runge-Kutta tableaus: every order condition of every table (generated from
 * rooted trees, Butcher's theory: Hairer-Norsett-Wanner, Solving ODEs I, Section II.2), the
 * embedded weights' conditions (dop853's third-order weights too), structure (explicitness,
 * row sums, FSAL), lookup and aliases, controller defaults and the emitted device
 * constants. */
#include <stdlib.h>

#include "harness.h"
#include "rktest.h"
#include "methods/tableau.h"

static void check_orders(const bo_tableau *tab)
{
    rk_compute_psi(tab);
    /* Rounding the coefficients to double leaves residuals of a few ulps of the largest
     * term (scaled residual <= ~2e-16 for every table here); the raw residual, which
     * grows with the coefficients' size, stays within 2e-14 (tsit5's 16-digit values). */
    const double tol = 2e-15, raw_tol = 2e-14;
    for (int q = 1; q <= tab->order; ++q) {
        double raw;
        double r = rk_worst_residual(tab, tab->b, q, &raw);
        T_CHECKF(r <= tol && raw <= raw_tol, "%s: order-%d condition residual %.3g (raw %.3g)",
                 tab->name, q, r, raw);
        if (getenv("BO_TEST_VERBOSE"))
            printf("%-10s order %d: scaled %.2e raw %.2e\n", tab->name, q, r, raw);
    }
    /* The order is exact: some condition of the next order fails clearly. */
    if (tab->order < RK_MAX_ORDER) {
        double r;
        rk_worst_residual(tab, tab->b, tab->order + 1, &r);
        T_CHECKF(r > 1e-6, "%s: satisfies order %d too (%.3g)", tab->name, tab->order + 1, r);
    }
    if (tab->b_hat) {
        for (int q = 1; q <= tab->embedded_order; ++q) {
            double raw;
            double r = rk_worst_residual(tab, tab->b_hat, q, &raw);
            T_CHECKF(r <= tol && raw <= raw_tol, "%s: embedded order-%d residual %.3g (raw %.3g)",
                     tab->name, q, r, raw);
        }
        double r;
        rk_worst_residual(tab, tab->b_hat, tab->embedded_order + 1, &r);
        T_CHECKF(r > 1e-6, "%s: embedded weights satisfy order %d too (%.3g)", tab->name,
                 tab->embedded_order + 1, r);
    }
    /* The second estimator's weights are of order exactly 3 (every tree, not only the
     * quadrature conditions) and fail order 4. */
    if (tab->b_hat3) {
        for (int q = 1; q <= 3; ++q) {
            double raw;
            double r = rk_worst_residual(tab, tab->b_hat3, q, &raw);
            T_CHECKF(r <= tol && raw <= raw_tol, "%s: third-order weights, order-%d residual %.3g",
                     tab->name, q, r);
            if (getenv("BO_TEST_VERBOSE"))
                printf("%-10s bhh order %d: scaled %.2e raw %.2e\n", tab->name, q, r, raw);
        }
        double r;
        rk_worst_residual(tab, tab->b_hat3, 4, &r);
        T_CHECKF(r > 1e-6, "%s: third-order weights satisfy order 4 too (%.3g)", tab->name, r);
    }
}

/* dop853.f's bhh1, bhh2, bhh3 sit on stages 1, 9 and 12 (c = 0, x = 127/195, 1). Three
 * weights on three nodes that integrate 1, c and c^2 exactly are the interpolatory
 * quadrature weights, by hand: w_x = 1/(6x(1-x)), w_1 = (2-3x)/(6(1-x)), w_0 = 1-w_x-w_1;
 * for x = 127/195 that is 31/127, 12675/17272 and 3/136. */
static void check_dop853_bhh(void)
{
    const bo_tableau *t = &bo_tableau_dop853;
    T_CHECK(t->b_hat3 != NULL);
    if (!t->b_hat3)
        return;
    const double x = 127.0 / 195.0;
    const double wx = 1.0 / (6.0 * x * (1.0 - x)), w1 = (2.0 - 3.0 * x) / (6.0 * (1.0 - x));
    const double w0 = 1.0 - wx - w1;
    /* 2 - 3x cancels about 40-fold, so the formulas hold to ~1e-14 only. */
    T_REL(t->b_hat3[0], w0, 1e-13);
    T_REL(t->b_hat3[8], wx, 1e-13);
    T_REL(t->b_hat3[11], w1, 1e-13);
    T_REL(t->b_hat3[0], 31.0 / 127.0, 1e-15);
    T_REL(t->b_hat3[8], 12675.0 / 17272.0, 1e-15);
    T_REL(t->b_hat3[11], 3.0 / 136.0, 1e-15);
    double sum = 0.0, sum_c = 0.0, sum_c2 = 0.0, sum_c3 = 0.0;
    for (int i = 0; i < t->stages; ++i) {
        if (i != 0 && i != 8 && i != 11)
            T_CHECK(t->b_hat3[i] == 0.0);
        double c = t->c[i];
        sum += t->b_hat3[i];
        sum_c += t->b_hat3[i] * c;
        sum_c2 += t->b_hat3[i] * c * c;
        sum_c3 += t->b_hat3[i] * c * c * c;
    }
    T_ABS(sum, 1.0, 2e-16);
    T_ABS(sum_c, 1.0 / 2.0, 2e-16);
    T_ABS(sum_c2, 1.0 / 3.0, 2e-16);
    T_CHECK(fabs(sum_c3 - 1.0 / 4.0) > 1e-3); /* three nodes: exact through c^2 only */
}

static void check_structure(const bo_tableau *tab)
{
    int s = tab->stages;
    T_CHECK(s >= 1 && s <= RK_MAX_STAGES);
    int explicit_ok = 1, rows_ok = 1;
    for (int i = 0; i < s; ++i) {
        double sum = 0.0, mag_sum = 0.0;
        for (int j = 0; j < s; ++j) {
            if (j >= i && tab->a[i * s + j] != 0.0)
                explicit_ok = 0;
            sum += tab->a[i * s + j];
            mag_sum += fabs(tab->a[i * s + j]);
        }
        /* c_i = sum_j a_ij: the row-sum (consistency) condition. */
        if (fabs(sum - tab->c[i]) > 4e-16 * (mag_sum > 1.0 ? mag_sum : 1.0))
            rows_ok = 0;
    }
    T_CHECKF(explicit_ok, "%s: A is not strictly lower triangular", tab->name);
    T_CHECKF(rows_ok, "%s: some c_i differs from the row sum of A", tab->name);
    T_EQ_INT(tab->c[0], 0);
    int last_is_b = 1;
    for (int j = 0; j < s; ++j) {
        if (tab->a[(s - 1) * s + j] != tab->b[j])
            last_is_b = 0;
    }
    int fsal = s > 1 && last_is_b && tab->c[s - 1] == 1.0 && tab->b[s - 1] == 0.0;
    T_CHECKF(fsal == tab->fsal, "%s: FSAL flag %d, structure says %d", tab->name, tab->fsal, fsal);
    T_CHECK(tab->citation && strlen(tab->citation) > 10);
    T_CHECK((tab->b_hat != NULL) == (tab->embedded_order > 0));
    T_EQ_INT(tab_has_error_estimate(tab), tab->b_hat != NULL);
}

static void check_emission(void)
{
    sb_buf b;
    sb_init(&b);
    T_EQ_INT(tab_emit_erk(&bo_tableau_dp5, &b), 0);
    const char *text = sb_cstr(&b);
    T_CONTAINS(text, "#define BO_ERK_STAGES 7\n");
    T_CONTAINS(text, "#define BO_ERK_FSAL 1\n");
    T_CONTAINS(text, "#define BO_ERK_HAS_ERROR 1\n");
    T_CONTAINS(text, "#define BO_ERK_TABLEAU");
    double v[64];
    /* Dormand & Prince (1980), Table 2: e = b - bhat, by hand from the rationals. */
    const double e_want[7] = {35.0 / 384 - 5179.0 / 57600,
                              0.0,
                              500.0 / 1113 - 7571.0 / 16695,
                              125.0 / 192 - 393.0 / 640,
                              -2187.0 / 6784 + 92097.0 / 339200,
                              11.0 / 84 - 187.0 / 2100,
                              -1.0 / 40};
    T_EQ_INT(rk_read_emitted(text, "bo_erk_e[7]", v, 64), 7);
    T_REL(v[0], 71.0 / 57600.0, 1e-14); /* b - bhat rounds once in double */
    for (int i = 0; i < 7; ++i)
        T_ABS(v[i], e_want[i], 1e-17);
    T_EQ_INT(rk_read_emitted(text, "bo_erk_a[49]", v, 64), 49);
    T_CHECK(v[7] == 0.2 && v[14] == 3.0 / 40.0 && v[47] == 11.0 / 84.0 && v[6] == 0.0);
    T_EQ_INT(rk_read_emitted(text, "bo_erk_c[7]", v, 64), 7);
    T_CHECK(v[4] == 8.0 / 9.0 && v[6] == 1.0);
    /* Only dop853 has the second estimator; the others' text is as it always was. */
    T_CHECK(strstr(text, "ERROR3") == NULL && strstr(text, "bo_erk_e3") == NULL);
    sb_free(&b);

    sb_init(&b);
    T_EQ_INT(tab_emit_erk(&bo_tableau_dop853, &b), 0);
    text = sb_cstr(&b);
    T_CONTAINS(text, "#define BO_ERK_ERROR3 1\n");
    T_CONTAINS(text, "#define BO_ERK_HAS_ERROR 1\n");
    /* e3 = b - bhh, from dop853.f's b and the hand-derived bhh (check_dop853_bhh). */
    T_EQ_INT(rk_read_emitted(text, "bo_erk_e3[12]", v, 64), 12);
    T_REL(v[0], 5.42937341165687622380535766363e-2 - 31.0 / 127.0, 1e-15);
    T_REL(v[5], 4.45031289275240888144113950566e0, 1e-16);
    T_REL(v[8], 3.1116436695781989440891606237e-1 - 12675.0 / 17272.0, 1e-15);
    T_REL(v[11], 4.47106157277725905176885569043e-2 - 3.0 / 136.0, 1e-15);
    T_CHECK(v[1] == 0.0 && v[4] == 0.0);
    /* e = er of dop853.f, unchanged. */
    T_EQ_INT(rk_read_emitted(text, "bo_erk_e[12]", v, 64), 12);
    T_REL(v[0], 0.1312004499419488073250102996e-01, 1e-14);
    T_REL(v[11], -0.2235530786388629525884427845e-01, 1e-14);
    sb_free(&b);

    /* The engine recovers k_1's e3 term from b_1 k_1, so b_1 = 0 is refused, and so is a
     * second estimator without the first. */
    bo_tableau odd = bo_tableau_dop853;
    double b_zero[12];
    memcpy(b_zero, bo_tableau_dop853.b, sizeof b_zero);
    b_zero[0] = 0.0;
    odd.b = b_zero;
    sb_init(&b);
    T_EQ_INT(tab_emit_erk(&odd, &b), BO_ERR_INVALID_ARG);
    odd = bo_tableau_dop853;
    odd.b_hat = NULL;
    T_EQ_INT(tab_emit_erk(&odd, &b), BO_ERR_INVALID_ARG);
    sb_free(&b);

    sb_init(&b);
    T_EQ_INT(tab_emit_erk(&bo_tableau_euler, &b), 0);
    text = sb_cstr(&b);
    T_CONTAINS(text, "#define BO_ERK_STAGES 1\n");
    T_CONTAINS(text, "#define BO_ERK_HAS_ERROR 0\n");
    T_EQ_INT(rk_read_emitted(text, "bo_erk_e[1]", v, 64), 1);
    T_CHECK(v[0] == 0.0);
    sb_free(&b);

    /* Scaled sums: RK4's b = (1, 2, 2, 1)/6 and its one-term rows are exact multiples of
     * their first coefficient, so they are divided by it (Kutta 1901); Tsit5's row 3
     * (a31 = -0.0085, a32 = 0.3355) is not, and keeps its coefficients with scale 1. */
    sb_init(&b);
    T_EQ_INT(tab_emit_erk(&bo_tableau_rk4, &b), 0);
    text = sb_cstr(&b);
    T_EQ_INT(rk_read_emitted(text, "bo_erk_bn[4]", v, 64), 4);
    T_CHECK(v[0] == 1.0 && v[1] == 2.0 && v[2] == 2.0 && v[3] == 1.0);
    T_CONTAINS(text, "const int bo_erk_bp = 0;");
    T_CHECK(strstr(text, "const bo_real bo_erk_bs = BO_C(") != NULL &&
            strtod(strstr(text, "bo_erk_bs = BO_C(") + 17, NULL) == 1.0 / 6.0);
    T_EQ_INT(rk_read_emitted(text, "bo_erk_as[4]", v, 64), 4);
    T_CHECK(v[1] == 0.5 && v[2] == 0.5 && v[3] == 1.0);
    T_EQ_INT(rk_read_emitted(text, "bo_erk_an[16]", v, 64), 16);
    T_CHECK(v[4] == 1.0 && v[9] == 1.0 && v[14] == 1.0 && v[8] == 0.0 && v[12] == 0.0);
    T_CONTAINS(text, "const int bo_erk_ap[4] = {0, 0, 1, 2};");
    T_CONTAINS(text, "const int bo_erk_ep = 4;"); /* no estimate: zero vector, never reached */
    sb_free(&b);
    sb_init(&b);
    T_EQ_INT(tab_emit_erk(&bo_tableau_tsit5, &b), 0);
    text = sb_cstr(&b);
    T_EQ_INT(rk_read_emitted(text, "bo_erk_as[7]", v, 64), 7);
    T_CHECK(v[1] == bo_tableau_tsit5.a[7] && v[2] == 1.0);
    T_EQ_INT(rk_read_emitted(text, "bo_erk_an[49]", v, 64), 49);
    T_CHECK(v[7] == 1.0 && v[14] == bo_tableau_tsit5.a[14] && v[15] == bo_tableau_tsit5.a[15]);
    sb_free(&b);

    T_EQ_INT(tab_emit_erk(NULL, &b), BO_ERR_INVALID_ARG);
    T_EQ_INT(tab_emit_erk(&bo_tableau_rk4, NULL), BO_ERR_INVALID_ARG);
    /* An allocation failure is reported, not hidden. */
    sb_init(&b);
    bo_test_fail_alloc_after(0);
    T_EQ_INT(tab_emit_erk(&bo_tableau_rk4, &b), BO_ERR_NOMEM);
    bo_test_fail_alloc_after(-1);
    sb_free(&b);
}

static void check_lookup(void)
{
    size_t count = 0;
    const bo_tableau *const *all = tab_list(&count);
    size_t n_erk = 0;
    for (size_t i = 0; i < count; ++i)
        n_erk += all[i]->family == TAB_ERK;
    T_EQ_INT(n_erk, 11);
    T_CHECK(tab_list(NULL) == all);
    for (size_t i = 0; i < count; ++i)
        T_CHECK(tab_find(all[i]->name) == all[i]);
    T_CHECK(tab_find("rk23") == &bo_tableau_bs3);
    T_CHECK(tab_find("ODE23") == &bo_tableau_bs3);
    T_CHECK(tab_find("rk45") == &bo_tableau_dp5);
    T_CHECK(tab_find("DOPRI5") == &bo_tableau_dp5);
    T_CHECK(tab_find("ode45") == &bo_tableau_dp5);
    T_CHECK(tab_find("Dormand-Prince") == &bo_tableau_dp5);
    T_CHECK(tab_find("dormand_prince") == &bo_tableau_dp5);
    T_CHECK(tab_find("dopri853") == &bo_tableau_dop853);
    T_CHECK(tab_find("Tsit5") == &bo_tableau_tsit5);
    T_CHECK(tab_find("cash-karp") == &bo_tableau_cash_karp);
    T_CHECK(tab_find("rkf45") == &bo_tableau_fehlberg45);
    T_CHECK(tab_find("RK4") == &bo_tableau_rk4);
    T_CHECK(tab_find("rk4x") == NULL);
    T_CHECK(tab_find("") == NULL);
    T_CHECK(tab_find(NULL) == NULL);

    tab_controller_defaults d = tab_default_controller(&bo_tableau_tsit5);
    T_EQ_STR(d.controller, "pi");
    T_REL(d.kp, 0.7, 0);
    T_REL(d.ki, -0.4, 0);
    T_REL(d.min_gain, 0.2, 0);
    T_REL(d.max_gain, 10.0, 0);
    T_REL(d.safety, 0.9, 0);
    T_CHECK(d.deadband_min == 1.0 && d.deadband_max == 1.0);
    /* Hairer-Norsett-Wanner I, II.4 (4.13): the exponent follows the lower order of a pair. */
    T_EQ_INT(d.algorithm_order, 4);
    T_EQ_INT(tab_default_controller(&bo_tableau_fehlberg45).algorithm_order, 4);
    /* dop853's combined estimate behaves like order 7 (dop853.f's exponent is 1/8). */
    T_EQ_INT(tab_default_controller(&bo_tableau_dop853).algorithm_order, 7);
    T_EQ_INT(tab_default_controller(&bo_tableau_vern7).algorithm_order, 6);
    T_EQ_INT(tab_default_controller(&bo_tableau_rk4).algorithm_order, 4);
    T_EQ_STR(tab_default_controller(&bo_tableau_rk4).controller, "fixed");
    T_EQ_STR(tab_default_controller(&bo_tableau_euler).controller, "fixed");

    /* error_order by hand: min(p, q) of each pair, 0 without one, 7 for dop853. */
    T_EQ_INT(bo_tableau_bs3.error_order, 2);
    T_EQ_INT(bo_tableau_dp5.error_order, 4);
    T_EQ_INT(bo_tableau_tsit5.error_order, 4);
    T_EQ_INT(bo_tableau_cash_karp.error_order, 4);
    T_EQ_INT(bo_tableau_fehlberg45.error_order, 4);
    T_EQ_INT(bo_tableau_vern7.error_order, 6);
    T_EQ_INT(bo_tableau_dop853.error_order, 7);
    T_EQ_INT(bo_tableau_rk4.error_order, 0);
    T_EQ_INT(bo_tableau_euler.error_order, 0);
    T_EQ_INT(tab_default_controller(&bo_tableau_rk4).algorithm_order, 4);
    size_t n_all = 0;
    const bo_tableau *const *every = tab_list(&n_all);
    for (size_t i = 0; i < n_all; ++i)
        T_CHECKF((every[i]->b_hat3 != NULL) == (every[i] == &bo_tableau_dop853),
                 "%s: second estimator", every[i]->name);

    T_EQ_INT(tab_erk_stage_rhs_size(&bo_tableau_dp5, 5), 5);
    T_EQ_INT(tab_erk_stage_accumulator_size(&bo_tableau_dp5, 5), 30);
    T_EQ_INT(tab_erk_stage_accumulator_size(&bo_tableau_dop853, 3), 33);
    T_EQ_INT(tab_erk_stage_rhs_size(&bo_tableau_euler, 5), 0);
    T_EQ_INT(tab_erk_stage_accumulator_size(&bo_tableau_euler, 5), 0);
}

int main(void)
{
    rk_gen_trees();
    /* Rooted trees per order (OEIS A000081): 1, 1, 2, 4, 9, 20, 48, 115, 286; 17 conditions
     * through order 5, 200 through order 8. */
    const int per_order[RK_MAX_ORDER + 1] = {0, 1, 1, 2, 4, 9, 20, 48, 115, 286};
    for (int q = 1; q <= RK_MAX_ORDER; ++q)
        T_EQ_INT(rk_first_of_order[q + 1] - rk_first_of_order[q], per_order[q]);
    T_EQ_INT(rk_first_of_order[6], 17);
    T_EQ_INT(rk_first_of_order[9], 200);

    size_t count;
    const bo_tableau *const *all = tab_list(&count);
    for (size_t i = 0; i < count; ++i) {
        /* Other families keep other coefficients in the same fields; each has its own test. */
        if (all[i]->family != TAB_ERK)
            continue;
        check_structure(all[i]);
        check_orders(all[i]);
    }
    /* Spot values straight from the papers, so a transposed table cannot pass. */
    T_EQ_INT(bo_tableau_tsit5.stages, 7);
    T_REL(bo_tableau_tsit5.b_hat[6], -1.0 / 66.0, 1e-15);
    T_EQ_INT(bo_tableau_vern7.stages, 10);
    T_EQ_INT(bo_tableau_dop853.stages, 12);
    T_REL(bo_tableau_dop853.c[8], 127.0 / 195.0, 1e-15);
    T_REL(bo_tableau_cash_karp.a[5 * 6 + 3], 44275.0 / 110592.0, 0);
    check_dop853_bhh();
    check_emission();
    check_lookup();
    T_DONE();
}
