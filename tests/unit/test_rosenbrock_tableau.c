/* The Rosenbrock coefficients (src/methods/tableau_rosenbrock.c) against the theory, computed here
 * independently of the library:
 *   - each table is converted back from the transformed form to the classical one of Hairer &
 *     Wanner II, VI.7 (Gamma = (diag(1/gamma) - C)^-1, alpha = A Gamma, b = m Gamma), and the
 *     order conditions of their Table 7.1 (all trees through order 4) are checked for m (up
 *     to the method's order, or 4) and for mhat (up to the embedded order); the first order
 *     that is not claimed must fail, so the check can tell orders apart;
 *   - the nodes alpha_i are the row sums of alpha and the weights gamma_i those of Gamma;
 *   - Rosenbrock23's table equals the conversion of Shampine & Reichelt's own scheme (the
 *     classical form derived in src/methods/tableau_rosenbrock.c from the ode23s formulas);
 *   - the structure flags (FSAL, stiffly accurate), lookups, buffer sizes, emission. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "util/internal.h"
#include "methods/tableau_rosenbrock.h"

#define S_MAX 8
#define N_COND 8

/* X = L^-1 for a lower triangular L (s x s, row-major). */
static void inv_lower(int s, const double *L, double *X)
{
    for (int j = 0; j < s; ++j)
        for (int i = 0; i < s; ++i) {
            double v = (i == j ? 1.0 : 0.0);
            for (int k = 0; k < i; ++k)
                v -= L[i * s + k] * X[k * s + j];
            X[i * s + j] = v / L[i * s + i];
        }
}

typedef struct {
    int s;
    double gamma;
    double G[S_MAX * S_MAX];     /* Gamma, lower triangular with gamma on the diagonal */
    double alpha[S_MAX * S_MAX]; /* alpha_ij, strictly lower */
} classical;

static void to_classical(const bo_tableau *t, classical *c)
{
    const tab_rosenbrock *r = tab_ros_data(t);
    int s = t->stages;
    double Gi[S_MAX * S_MAX] = {0};
    c->s = s;
    c->gamma = r->gamma;
    for (int i = 0; i < s; ++i)
        for (int j = 0; j < s; ++j)
            Gi[i * s + j] = (i == j ? 1.0 / r->gamma : 0.0) - (j < i ? r->c[i * s + j] : 0.0);
    inv_lower(s, Gi, c->G);
    for (int i = 0; i < s; ++i)
        for (int j = 0; j < s; ++j) {
            double v = 0.0;
            for (int k = 0; k < s; ++k)
                v += t->a[i * s + k] * c->G[k * s + j];
            c->alpha[i * s + j] = v;
        }
}

/* Residuals of the conditions of Hairer & Wanner II, Table 7.1, for weights w (transformed
 * form), trees through order 4 in the order 1; 2; 3, 3; 4, 4, 4, 4. beta_ij = alpha_ij +
 * gamma_ij (j < i), beta'_i = sum_j beta_ij, a_i = sum_j alpha_ij. */
static void residuals(const bo_tableau *t, const classical *c, const double *w, double *res)
{
    int s = c->s;
    double g = c->gamma, b[S_MAX], a[S_MAX], bp[S_MAX], be[S_MAX * S_MAX];
    for (int j = 0; j < s; ++j) {
        b[j] = 0.0;
        for (int k = 0; k < s; ++k)
            b[j] += w[k] * c->G[k * s + j];
    }
    (void)t;
    for (int i = 0; i < s; ++i) {
        a[i] = bp[i] = 0.0;
        for (int j = 0; j < s; ++j) {
            be[i * s + j] = j < i ? c->alpha[i * s + j] + c->G[i * s + j] : 0.0;
            a[i] += c->alpha[i * s + j];
            bp[i] += be[i * s + j];
        }
    }
    double sum[N_COND] = {0};
    for (int j = 0; j < s; ++j) {
        double ab = 0.0, bb = 0.0, ba2 = 0.0, bbb = 0.0;
        for (int k = 0; k < s; ++k) {
            ab += c->alpha[j * s + k] * bp[k];
            bb += be[j * s + k] * bp[k];
            ba2 += be[j * s + k] * a[k] * a[k];
            double inner = 0.0;
            for (int l = 0; l < s; ++l)
                inner += be[k * s + l] * bp[l];
            bbb += be[j * s + k] * inner;
        }
        sum[0] += b[j];
        sum[1] += b[j] * bp[j];
        sum[2] += b[j] * a[j] * a[j];
        sum[3] += b[j] * bb;
        sum[4] += b[j] * a[j] * a[j] * a[j];
        sum[5] += b[j] * a[j] * ab;
        sum[6] += b[j] * ba2;
        sum[7] += b[j] * bbb;
    }
    const double want[N_COND] = {1.0,
                                 0.5 - g,
                                 1.0 / 3.0,
                                 1.0 / 6.0 - g + g * g,
                                 0.25,
                                 1.0 / 8.0 - g / 3.0,
                                 1.0 / 12.0 - g / 3.0,
                                 1.0 / 24.0 - g / 2.0 + 1.5 * g * g - g * g * g};
    for (int k = 0; k < N_COND; ++k)
        res[k] = fabs(sum[k] - want[k]);
}

/* Conditions 0..last(order)-1 hold for order q. */
static int conds_through(int q)
{
    static const int upto[5] = {0, 1, 2, 4, 8};
    return upto[q > 4 ? 4 : q];
}

static void check_weights(const bo_tableau *t, const classical *c, const double *w, int q,
                          const char *what)
{
    double res[N_COND];
    residuals(t, c, w, res);
    /* Rodas5P's 17-digit coefficients reach 147 in size: the sums lose about 1e-14. */
    const double tol = 5e-14;
    int n = conds_through(q);
    for (int k = 0; k < n; ++k)
        T_CHECKF(res[k] < tol, "%s %s: condition %d off by %.2e", t->name, what, k, res[k]);
    if (q < 4) {
        double worst = 0.0;
        for (int k = n; k < conds_through(q + 1); ++k)
            worst = res[k] > worst ? res[k] : worst;
        T_CHECKF(worst > 1e-3, "%s %s: order %d conditions hold too (%.2e)", t->name, what, q + 1,
                 worst);
    }
}

static void check_method(const bo_tableau *t)
{
    const tab_rosenbrock *r = tab_ros_data(t);
    T_CHECK(r != NULL);
    if (!r)
        return;
    int s = t->stages;
    T_CHECK(s >= 2 && s <= S_MAX);
    T_EQ_INT(t->family, TAB_ROSENBROCK);
    T_CHECK(tab_is_implicit(t));
    T_CHECK(tab_has_error_estimate(t));
    T_CHECK(t->citation && strlen(t->citation) > 10);
    for (int i = 0; i < s; ++i)
        for (int j = i; j < s; ++j)
            T_CHECK(t->a[i * s + j] == 0.0 && r->c[i * s + j] == 0.0);
    classical c;
    to_classical(t, &c);
    double worst_alpha = 0.0, worst_gamma = 0.0;
    for (int i = 0; i < s; ++i) {
        double sa = 0.0, sg = 0.0;
        for (int j = 0; j < s; ++j) {
            sa += c.alpha[i * s + j];
            sg += c.G[i * s + j];
        }
        worst_alpha = fmax(worst_alpha, fabs(sa - t->c[i]));
        worst_gamma = fmax(worst_gamma, fabs(sg - r->gamma_i[i]));
    }
    T_CHECKF(worst_alpha < 5e-14, "%s: alpha_i off the row sums by %.2e", t->name, worst_alpha);
    T_CHECKF(worst_gamma < 5e-14, "%s: gamma_i off the row sums by %.2e", t->name, worst_gamma);
    check_weights(t, &c, t->b, t->order, "m");
    check_weights(t, &c, t->b_hat, t->embedded_order, "mhat");
    T_EQ_INT(t->error_order, t->order < t->embedded_order ? t->order : t->embedded_order);
    T_EQ_STR(tab_default_controller(t).controller, "pi");
    T_EQ_INT(tab_default_controller(t).algorithm_order, t->error_order);
}

/* Shampine & Reichelt's ode23s in the classical form (see tableau_rosenbrock.c) converted
 * here: A = alpha Gamma^-1, C = diag(1/d) - Gamma^-1, m = b Gamma^-1. */
static void check_rosenbrock23_from_paper(void)
{
    const double d = 1.0 / (2.0 + sqrt(2.0)), e32 = 6.0 + sqrt(2.0);
    const double G[9] = {d, 0, 0, -d, d, 0, (e32 - 2.0) * d, -e32 * d, d};
    const double alpha[9] = {0, 0, 0, 0.5, 0, 0, 0, 1, 0};
    const double b[3] = {0, 1, 0}, bhat[3] = {1.0 / 6.0, 4.0 / 6.0, 1.0 / 6.0};
    double Gi[9];
    inv_lower(3, G, Gi);
    const bo_tableau *t = &bo_tableau_rosenbrock23;
    const tab_rosenbrock *r = tab_ros_data(t);
    for (int i = 0; i < 3; ++i) {
        double m = 0.0, mh = 0.0;
        for (int k = 0; k < 3; ++k) {
            m += b[k] * Gi[k * 3 + i];
            mh += bhat[k] * Gi[k * 3 + i];
        }
        T_ABS(t->b[i], m, 1e-14);
        T_ABS(t->b_hat[i], mh, 1e-14);
        double gi = 0.0;
        for (int j = 0; j < 3; ++j) {
            double a = 0.0;
            for (int k = 0; k < 3; ++k)
                a += alpha[i * 3 + k] * Gi[k * 3 + j];
            T_ABS(t->a[i * 3 + j], a, 1e-14);
            if (j < i)
                T_ABS(r->c[i * 3 + j], -Gi[i * 3 + j], 1e-13);
            gi += G[i * 3 + j];
        }
        T_ABS(r->gamma_i[i], gi, 1e-15);
    }
    T_ABS(r->gamma, d, 1e-16);
}

static void check_structure_and_emit(void)
{
    T_EQ_INT(tab_ros_fsal(&bo_tableau_rosenbrock23), 1);
    T_EQ_INT(bo_tableau_rosenbrock23.fsal, 1);
    T_EQ_INT(tab_ros_stiffly_accurate(&bo_tableau_rosenbrock23), 0);
    T_EQ_INT(tab_ros_fsal(&bo_tableau_ros3p), 0);
    T_EQ_INT(tab_ros_stiffly_accurate(&bo_tableau_ros3p), 0);
    T_EQ_INT(tab_ros_stiffly_accurate(&bo_tableau_rodas4), 1);
    T_EQ_INT(tab_ros_stiffly_accurate(&bo_tableau_rodas5p), 1);
    T_EQ_INT(tab_ros_fsal(&bo_tableau_rodas5p), 0);
    T_EQ_INT(bo_tableau_rodas4.stages, 6);
    T_EQ_INT(bo_tableau_rodas5p.stages, 8);
    /* Spot values from the sources, so a transposed table cannot pass. */
    T_REL(tab_ros_data(&bo_tableau_rodas4)->c[1 * 6 + 0], -5.6688, 0);
    T_REL(bo_tableau_rodas5p.a[3 * 8 + 2], -10.358996098473584, 0);
    T_REL(tab_ros_data(&bo_tableau_ros3p)->gamma, 0.7886751345948129, 1e-15);
    T_REL(tab_ros_data(&bo_tableau_rodas5p)->gamma, 0.21193756319429014, 0);

    T_CHECK(tab_find("ode23s") == &bo_tableau_rosenbrock23);
    T_CHECK(tab_find("ROS3P") == &bo_tableau_ros3p);
    T_CHECK(tab_find("rodas") == &bo_tableau_rodas4);
    T_CHECK(tab_find("Rodas5P") == &bo_tableau_rodas5p);
    T_CHECK(tab_ros_data(&bo_tableau_dp5) == NULL);
    T_EQ_INT(tab_ros_fsal(&bo_tableau_bs3), 0);
    T_EQ_INT(tab_ros_stages_size(&bo_tableau_rodas5p, 3), 24);
    T_EQ_INT(tab_ros_stages_size(&bo_tableau_dp5, 3), 0);
    T_EQ_INT(tab_ros_fsal_size(&bo_tableau_rosenbrock23, 3), 3);
    T_EQ_INT(tab_ros_fsal_size(&bo_tableau_rodas4, 3), 0);

    sb_buf b;
    sb_init(&b);
    T_EQ_INT(tab_emit_rosenbrock(&bo_tableau_rodas4, &b), BO_OK);
    const char *text = sb_cstr(&b);
    T_CONTAINS(text, "#define BO_ROS_STAGES 6\n");
    T_CONTAINS(text, "#define BO_ROS_STIFFLY_ACCURATE 1\n");
    T_CONTAINS(text, "#define BO_ROS_FSAL 0\n");
    T_CONTAINS(text, "#define BO_ROS_GAMMA BO_C(0.25)\n");
    /* Read bo_ros_e back: m - mhat is u_6 alone for Rodas4. */
    const char *p = strstr(text, "bo_ros_e[6] = {");
    T_CHECK(p != NULL);
    double e[6] = {0};
    for (int k = 0; p && k < 6; ++k) {
        p = strstr(p, "BO_C(");
        if (p) {
            e[k] = strtod(p + 5, NULL);
            ++p;
        }
    }
    for (int k = 0; k < 5; ++k)
        T_CHECK(e[k] == 0.0);
    T_CHECK(e[5] == 1.0);
    sb_free(&b);

    T_EQ_INT(tab_emit_rosenbrock(&bo_tableau_dp5, &b), BO_ERR_INVALID_ARG);
    T_EQ_INT(tab_emit_rosenbrock(&bo_tableau_rodas4, NULL), BO_ERR_INVALID_ARG);
    sb_init(&b);
    bo_test_fail_alloc_after(0);
    T_EQ_INT(tab_emit_rosenbrock(&bo_tableau_rodas5p, &b), BO_ERR_NOMEM);
    bo_test_fail_alloc_after(-1);
    sb_free(&b);
}

int main(void)
{
    size_t count = 0, n_ros = 0;
    const bo_tableau *const *all = tab_list(&count);
    for (size_t i = 0; i < count; ++i) {
        if (all[i]->family != TAB_ROSENBROCK)
            continue;
        ++n_ros;
        check_method(all[i]);
    }
    T_EQ_INT(n_ros, 4);
    check_rosenbrock23_from_paper();
    check_structure_and_emit();
    T_DONE();
}
