/* The diagonally implicit tableaus (src/methods/tableau_dirk.c): every order condition of b and
 * b_hat (rooted trees up to order 6, Butcher's theory as in Hairer, Norsett & Wanner I, II.2 — the
 * conditions hold for any A, explicit or not), exactness of the orders, structure (lower
 * triangular, one diagonal gamma, row sums, explicit first stage, stiff accuracy), the stage
 * order that explains the order reduction on stiff problems, the stability function
 * R(z) = 1 + z b^T (I - zA)^{-1} 1 (L-stability: R(-inf) = 0; A-stability sampled on the
 * imaginary axis), the defining equations of each gamma, and the emitted device constants,
 * including the refusal of a tableau the engine cannot run. */
#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "methods/algorithm.h"
#include "harness.h"
#include "rktest.h"
#include "methods/tableau.h"

#define MAX_STAGES 8

/* Largest unscaled |b^T Phi(t) - 1/gamma(t)| over the trees of one order. */
static double residual(const bo_tableau *tab, const double *w, int order)
{
    double raw;
    rk_compute_psi(tab);
    rk_worst_residual(tab, w, order, &raw);
    return raw;
}

static void check_orders(const bo_tableau *tab)
{
    /* 17-digit coefficients (Kvaerno 5) leave residuals of a few 1e-16. */
    for (int q = 1; q <= tab->order; ++q) {
        double r = residual(tab, tab->b, q);
        T_CHECKF(r < 2e-15, "%s: order-%d residual %.3g", tab->name, q, r);
    }
    T_CHECKF(residual(tab, tab->b, tab->order + 1) > 1e-4, "%s: satisfies order %d too", tab->name,
             tab->order + 1);
    if (tab->b_hat) {
        for (int q = 1; q <= tab->embedded_order; ++q) {
            double r = residual(tab, tab->b_hat, q);
            T_CHECKF(r < 2e-15, "%s: embedded order-%d residual %.3g", tab->name, q, r);
        }
        T_CHECKF(residual(tab, tab->b_hat, tab->embedded_order + 1) > 1e-4,
                 "%s: embedded weights satisfy order %d too", tab->name, tab->embedded_order + 1);
    }
}

/* Largest q with sum_j a_ij c_j^(k-1) = c_i^k / k for all i and k <= q (C(q)). */
static int stage_order(const bo_tableau *tab)
{
    int s = tab->stages, q = 0;
    for (int k = 1; k <= 6; ++k) {
        for (int i = 0; i < s; ++i) {
            double sum = 0.0;
            for (int j = 0; j < s; ++j)
                sum += tab->a[i * s + j] * pow(tab->c[j], k - 1);
            if (fabs(sum - pow(tab->c[i], k) / k) > 1e-14)
                return q;
        }
        q = k;
    }
    return q;
}

/* R(z) = 1 + z b^T (I - zA)^{-1} 1, by forward substitution (A is lower triangular). */
static double complex stability(const bo_tableau *tab, double complex z)
{
    int s = tab->stages;
    double complex x[MAX_STAGES], r = 1.0;
    for (int i = 0; i < s; ++i) {
        double complex v = 1.0;
        for (int j = 0; j < i; ++j)
            v += z * tab->a[i * s + j] * x[j];
        x[i] = v / (1.0 - z * tab->a[i * s + i]);
        r += z * tab->b[i] * x[i];
    }
    return r;
}

typedef struct {
    const bo_tableau *tab;
    int explicit_first, stiffly_accurate, stage_order, l_stable;
    double gamma;
} expect;

static void check_structure(const expect *e)
{
    const bo_tableau *tab = e->tab;
    int s = tab->stages;
    T_CHECK(s >= 1 && s <= MAX_STAGES);
    T_EQ_INT(tab->family, TAB_DIRK);
    T_CHECK(tab->citation && strlen(tab->citation) > 10);
    T_CHECK(tab->b_hat3 == NULL);
    for (int i = 0; i < s; ++i) {
        double sum = 0.0, mag = 1.0;
        for (int j = 0; j < s; ++j) {
            mag += fabs(tab->a[i * s + j]);
            if (j > i)
                T_CHECKF(tab->a[i * s + j] == 0.0, "%s: a[%d][%d] above the diagonal", tab->name, i,
                         j);
            sum += tab->a[i * s + j];
        }
        T_CHECKF(fabs(sum - tab->c[i]) < 4e-16 * mag, "%s: c_%d is not a row sum", tab->name,
                 i + 1);
        double d = tab->a[i * s + i];
        if (i == 0 && e->explicit_first)
            T_CHECKF(d == 0.0, "%s: first stage is explicit", tab->name);
        else
            T_CHECKF(fabs(d - e->gamma) < 1e-16, "%s: a_%d%d = %.17g, gamma %.17g", tab->name,
                     i + 1, i + 1, d, e->gamma);
    }
    int last_is_b = tab->c[s - 1] == 1.0;
    for (int j = 0; j < s; ++j)
        last_is_b &= tab->a[(s - 1) * s + j] == tab->b[j];
    T_EQ_INT(last_is_b, e->stiffly_accurate);
    T_EQ_INT(tab->fsal, e->stiffly_accurate);
    T_EQ_INT(stage_order(tab), e->stage_order);
    T_EQ_INT(tab_has_error_estimate(tab), tab->b_hat != NULL);
    T_EQ_INT(tab->error_order, tab->b_hat ? tab->embedded_order : 0);

    /* Stability: L-stable methods damp infinitely stiff components completely; the others
     * here (trapezoid, midpoint) have |R(-inf)| = 1. All are A-stable: |R(iy)| <= 1. */
    double rinf = cabs(stability(tab, -1e9));
    if (e->l_stable)
        T_CHECKF(rinf < 1e-7, "%s: |R(-inf)| = %.3g", tab->name, rinf);
    else
        T_CHECKF(fabs(rinf - 1.0) < 1e-6, "%s: |R(-inf)| = %.3g", tab->name, rinf);
    double worst = 0.0;
    for (int k = -400; k <= 400; ++k) {
        double y = sinh(k / 40.0) * 10.0;
        double v = cabs(stability(tab, I * y));
        if (v > worst)
            worst = v;
        v = cabs(stability(tab, -0.5 + I * y)); /* left half-plane too */
        if (v > worst)
            worst = v;
    }
    T_CHECKF(worst <= 1.0 + 1e-12, "%s: max |R| on the sampled half-plane %.17g", tab->name, worst);
}

/* Each method's defining gamma and a few coefficients straight from the papers. */
static void check_constants(void)
{
    /* Alexander (1977): the L-stable 3-stage gamma solves x^3 - 3x^2 + 3x/2 - 1/6 = 0. */
    double g = bo_tableau_sdirk3.a[0];
    T_ABS(((g - 3.0) * g + 1.5) * g - 1.0 / 6.0, 0.0, 1e-16);
    T_CHECK(g > 1.0 / 6.0 && g < 0.5);
    T_CHECK(bo_tableau_kvaerno3.a[4 * 1 + 1] == g);
    /* and the closed forms of its other coefficients */
    T_REL(bo_tableau_sdirk3.c[1], (1.0 + g) / 2.0, 1e-15);
    T_REL(bo_tableau_sdirk3.b[0], -(6.0 * g * g - 16.0 * g + 1.0) / 4.0, 1e-15);
    T_REL(bo_tableau_sdirk3.b[1], (6.0 * g * g - 20.0 * g + 5.0) / 4.0, 1e-15);
    /* SDIRK2: gamma = 1 - 1/sqrt(2), a root of gamma^2 - 2 gamma + 1/2 = 0 (L-stability). */
    T_REL(bo_tableau_sdirk2.a[0], 1.0 - 1.0 / sqrt(2.0), 1e-15);
    /* Kvaerno 3(2): the paper's 15 printed digits (computed with gamma = 0.4358665215). */
    const double k3_paper[16] = {0.0,
                                 0.0,
                                 0.0,
                                 0.0,
                                 0.4358665215,
                                 0.4358665215,
                                 0.0,
                                 0.0,
                                 0.490563388419108,
                                 0.073570090080892,
                                 0.4358665215,
                                 0.0,
                                 0.308809969973036,
                                 1.490563388254106,
                                 -1.235239879727145,
                                 0.4358665215};
    for (int i = 0; i < 16; ++i)
        T_ABS(bo_tableau_kvaerno3.a[i], k3_paper[i], 1e-9);
    /* Kvaerno 5(4): gamma 0.26 and the printed c_3, c_4, c_5. */
    T_CHECK(bo_tableau_kvaerno5.a[7 + 1] == 0.26);
    T_ABS(bo_tableau_kvaerno5.c[2], 1.230333209967908, 1e-15);
    T_ABS(bo_tableau_kvaerno5.c[3], 0.895765984350076, 1e-15);
    T_ABS(bo_tableau_kvaerno5.c[4], 0.436393609858648, 1e-15);
    /* Hairer & Wanner II, Table 6.5. */
    T_REL(bo_tableau_sdirk4.a[3 * 5 + 1], -137.0 / 2720.0, 0);
    T_REL(bo_tableau_sdirk4.b_hat[2], 225.0 / 32.0, 0);
    T_REL(bo_tableau_sdirk4.c[2], 11.0 / 20.0, 0);
}

static void check_emission(bo_context *ctx)
{
    pg_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.tableau = &bo_tableau_sdirk4;
    cfg.newton_tolerance = 0.03;
    sb_buf b;
    sb_init(&b);
    T_EQ_INT(pg_dirk_emit(ctx, &cfg, 3, &b), BO_OK);
    const char *text = sb_cstr(&b);
    T_CONTAINS(text, "#define BO_DIRK_STAGES 5\n");
    T_CONTAINS(text, "#define BO_DIRK_HAS_ERROR 1\n");
    T_CONTAINS(text, "#define BO_DIRK_EXPLICIT_FIRST 0\n");
    T_CONTAINS(text, "#define BO_DIRK_GAMMA BO_C(0.25)\n");
    T_CONTAINS(text, "#define BO_LINSOLVE 0");
    T_CONTAINS(text, "#define BO_NEWTON_TOL BO_C(0.03)");
    double v[32];
    T_EQ_INT(rk_read_emitted(text, "bo_dirk_e[5]", v, 32), 5);
    /* e = b - b_hat by hand: 25/24 - 59/48 = -3/16, -49/48 + 17/96 = -27/32,
     * 125/16 - 225/32 = 25/32, 0, 1/4. */
    T_REL(v[0], -3.0 / 16.0, 1e-15);
    T_REL(v[1], -27.0 / 32.0, 1e-15);
    T_REL(v[2], 25.0 / 32.0, 1e-15);
    T_ABS(v[3], 0.0, 1e-15);
    T_REL(v[4], 0.25, 0);
    T_EQ_INT(rk_read_emitted(text, "bo_dirk_a[25]", v, 32), 25);
    T_REL(v[3 * 5 + 2], 15.0 / 544.0, 1e-16);
    sb_free(&b);

    sb_init(&b);
    cfg.tableau = &bo_tableau_kvaerno5;
    T_EQ_INT(pg_dirk_emit(ctx, &cfg, 3, &b), BO_OK);
    T_CONTAINS(sb_cstr(&b), "#define BO_DIRK_EXPLICIT_FIRST 1\n");
    T_CONTAINS(sb_cstr(&b), "#define BO_DIRK_GAMMA BO_C(0.26)\n");
    sb_free(&b);

    /* The engine needs one diagonal value: a tableau with two is refused, and so is one with
     * an explicit stage after the first. */
    static const double two_a[4] = {0.25, 0.0, 0.5, 0.5};
    static const double zero_a[4] = {0.5, 0.0, 0.5, 0.0};
    static const double b2[2] = {0.5, 0.5}, c2[2] = {0.25, 1.0};
    bo_tableau bad = bo_tableau_sdirk2;
    bad.a = two_a;
    bad.b = b2;
    bad.c = c2;
    cfg.tableau = &bad;
    sb_init(&b);
    T_EQ_INT(pg_dirk_emit(ctx, &cfg, 3, &b), BO_ERR_INTERNAL);
    T_CONTAINS(bo_errmsg(ctx), "one diagonal value");
    bad.a = zero_a;
    T_EQ_INT(pg_dirk_emit(ctx, &cfg, 3, &b), BO_ERR_INTERNAL);
    sb_free(&b);
}

int main(void)
{
    rk_gen_trees();
    /* Rooted trees per order (OEIS A000081): 1, 1, 2, 4, 9, 20. */
    const int per_order[7] = {0, 1, 1, 2, 4, 9, 20};
    for (int q = 1; q <= 6; ++q)
        T_EQ_INT(rk_first_of_order[q + 1] - rk_first_of_order[q], per_order[q]);

    const double g3 = bo_tableau_sdirk3.a[0];
    const expect all[] = {
        /* tableau, explicit first, stiffly accurate, stage order, L-stable, gamma */
        {&bo_tableau_backward_euler, 0, 1, 1, 1, 1.0},
        {&bo_tableau_implicit_midpoint, 0, 0, 1, 0, 0.5},
        {&bo_tableau_crank_nicolson, 1, 1, 2, 0, 0.5},
        {&bo_tableau_sdirk2, 0, 1, 1, 1, 1.0 - 1.0 / sqrt(2.0)},
        {&bo_tableau_sdirk3, 0, 1, 1, 1, g3},
        {&bo_tableau_sdirk4, 0, 1, 1, 1, 0.25},
        {&bo_tableau_kvaerno3, 1, 1, 2, 1, g3},
        {&bo_tableau_kvaerno5, 1, 1, 2, 1, 0.26},
    };
    size_t count = 0, dirk = 0;
    const bo_tableau *const *list = tab_list(&count);
    for (size_t i = 0; i < count; ++i)
        dirk += list[i]->family == TAB_DIRK;
    T_EQ_INT(dirk, sizeof all / sizeof all[0]);
    for (size_t i = 0; i < sizeof all / sizeof all[0]; ++i) {
        check_structure(&all[i]);
        check_orders(all[i].tab);
        T_CHECK(tab_find(all[i].tab->name) == all[i].tab);
        T_CHECK(tab_is_implicit(all[i].tab));
        tab_controller_defaults d = tab_default_controller(all[i].tab);
        T_EQ_STR(d.controller, all[i].tab->b_hat ? "gustafsson" : "fixed");
    }
    /* Orders, by the papers. */
    T_EQ_INT(bo_tableau_backward_euler.order, 1);
    T_EQ_INT(bo_tableau_implicit_midpoint.order, 2);
    T_EQ_INT(bo_tableau_crank_nicolson.order, 2);
    T_EQ_INT(bo_tableau_crank_nicolson.embedded_order, 1);
    T_EQ_INT(bo_tableau_sdirk2.order, 2);
    T_EQ_INT(bo_tableau_sdirk3.order, 3);
    T_EQ_INT(bo_tableau_sdirk4.order, 4);
    T_EQ_INT(bo_tableau_sdirk4.embedded_order, 3);
    T_EQ_INT(bo_tableau_kvaerno3.order, 3);
    T_EQ_INT(bo_tableau_kvaerno3.embedded_order, 2);
    T_EQ_INT(bo_tableau_kvaerno5.order, 5);
    T_EQ_INT(bo_tableau_kvaerno5.embedded_order, 4);
    /* Aliases. */
    T_CHECK(tab_find("trapezoidal") == &bo_tableau_crank_nicolson);
    T_CHECK(tab_find("Crank-Nicolson") == &bo_tableau_crank_nicolson);
    T_CHECK(tab_find("implicit_euler") == &bo_tableau_backward_euler);
    T_CHECK(tab_find("ESDIRK54") == &bo_tableau_kvaerno5);
    check_constants();

    bo_context *ctx = NULL;
    T_EQ_INT(bo_context_create(&ctx), BO_OK);
    if (ctx)
        check_emission(ctx);
    bo_context_destroy(ctx);
    T_DONE();
}
