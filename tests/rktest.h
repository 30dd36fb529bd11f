/* Test utility for Runge-Kutta tables: the order conditions from rooted trees (Butcher's
 * theory: Hairer, Norsett & Wanner, Solving ODEs I, Section II.2), reading back the constants
 * a tableau emits, and the least-squares order slope of a convergence study. Header-only
 * (static inline functions); include from one test source. */
#ifndef BO_TEST_RKTEST_H
#define BO_TEST_RKTEST_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "methods/tableau.h"

#define RK_MAX_ORDER 9
#define RK_MAX_TREES 512
#define RK_MAX_STAGES 12

/* A rooted tree as the multiset of its root's subtrees (indices into rk_trees[],
 * nondecreasing, so each tree is generated once). */
typedef struct {
    int order;
    int nchild;
    int child[RK_MAX_ORDER];
    double gamma; /* density: order * product of the children's densities */
} rk_tree;

static rk_tree rk_trees[RK_MAX_TREES];
static int rk_ntrees;
static int rk_first_of_order[RK_MAX_ORDER + 2];

static inline void rk_gen(int order, int remaining, int min_index, int *children, int k)
{
    if (remaining == 0) {
        rk_tree *t = &rk_trees[rk_ntrees++];
        t->order = order;
        t->nchild = k;
        t->gamma = order;
        for (int i = 0; i < k; ++i) {
            t->child[i] = children[i];
            t->gamma *= rk_trees[children[i]].gamma;
        }
        return;
    }
    for (int i = min_index; i < rk_first_of_order[order]; ++i) {
        if (rk_trees[i].order > remaining)
            break;
        children[k] = i;
        rk_gen(order, remaining - rk_trees[i].order, i, children, k + 1);
    }
}

/* Every rooted tree up to RK_MAX_ORDER, by order. */
static inline void rk_gen_trees(void)
{
    int children[RK_MAX_ORDER];
    rk_ntrees = 0;
    for (int order = 1; order <= RK_MAX_ORDER; ++order) {
        rk_first_of_order[order] = rk_ntrees;
        rk_gen(order, order - 1, 0, children, 0);
    }
    rk_first_of_order[RK_MAX_ORDER + 1] = rk_ntrees;
}

/* psi[t][i]: the stage weights of tree t, so that the elementary weight is sum_i w_i psi_i;
 * mag[t][i] the same with |a_ij|, to scale the rounding the sum can carry. */
static double rk_psi[RK_MAX_TREES][RK_MAX_STAGES], rk_mag[RK_MAX_TREES][RK_MAX_STAGES];

/* Fill rk_psi and rk_mag for tab (its a, explicit or implicit). Call rk_gen_trees first. */
static inline void rk_compute_psi(const bo_tableau *tab)
{
    int s = tab->stages;
    for (int t = 0; t < rk_ntrees; ++t) {
        for (int i = 0; i < s; ++i) {
            double v = 1.0, m = 1.0;
            for (int k = 0; k < rk_trees[t].nchild; ++k) {
                int u = rk_trees[t].child[k];
                double sum = 0.0, msum = 0.0;
                for (int j = 0; j < s; ++j) {
                    sum += tab->a[i * s + j] * rk_psi[u][j];
                    msum += fabs(tab->a[i * s + j]) * rk_mag[u][j];
                }
                v *= sum;
                m *= msum;
            }
            rk_psi[t][i] = v;
            rk_mag[t][i] = m;
        }
    }
}

/* Largest |Phi(t) - 1/gamma(t)| over the trees of the given order for weights w, scaled by
 * the magnitude of the terms (so a residual of a few ulps of the largest term reads as
 * ~1e-16); *raw (when not NULL) receives the largest unscaled residual. Needs
 * rk_compute_psi(tab). */
static inline double rk_worst_residual(const bo_tableau *tab, const double *w, int order,
                                       double *raw)
{
    double worst = 0.0, worst_raw = 0.0;
    for (int t = rk_first_of_order[order]; t < rk_first_of_order[order + 1]; ++t) {
        double phi = 0.0, scale = 0.0;
        for (int i = 0; i < tab->stages; ++i) {
            phi += w[i] * rk_psi[t][i];
            scale += fabs(w[i]) * rk_mag[t][i];
        }
        double r = fabs(phi - 1.0 / rk_trees[t].gamma);
        if (r > worst_raw)
            worst_raw = r;
        if (scale < 1.0)
            scale = 1.0;
        if (r / scale > worst)
            worst = r / scale;
    }
    if (raw)
        *raw = worst_raw;
    return worst;
}

/* Read back the numbers of `name[k] = {BO_C(x), ...}` from emitted text; -1 when absent. */
static inline int rk_read_emitted(const char *text, const char *name, double *out, int max)
{
    const char *p = strstr(text, name);
    if (!p)
        return -1;
    const char *end = strchr(p, '}');
    int k = 0;
    for (p = strstr(p, "BO_C("); p && p < end && k < max; p = strstr(p + 1, "BO_C("))
        out[k++] = strtod(p + 5, NULL);
    return k;
}

/* Least-squares slope of log(y) against log(x). */
static inline double rk_loglog_slope(const double *x, const double *y, int n)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (int i = 0; i < n; ++i) {
        double lx = log(x[i]), ly = log(y[i]);
        sx += lx;
        sy += ly;
        sxx += lx * lx;
        sxy += lx * ly;
    }
    return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

#endif
