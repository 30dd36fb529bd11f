/* The ring modulator of the Test Set for IVP Solvers (F. Mazzia, C. Magherini, release 2.4,
 * problem RINGMOD: Horneber's circuit as in Kampowsky, Rentrop & Schmitt 1992; 15 states,
 * Cs = 2e-12, t in [0, 1e-3], y(0) = 0) through the public API, against the Test Set's
 * reference solution at t = 1e-3 (RADAU at rtol = atol = 1e-12), and what it shows about the
 * diagonally implicit pairs:
 *   - rodas5p (rtol = atol = 1e-6 and 1e-7) and radau5 (1e-7) meet the tolerance within a
 *     factor 30;
 *   - kvaerno5 and kvaerno3 are 3 digits less accurate than asked at every tolerance. This
 *     is the methods', not the implementation's: kvaerno5 with fixed steps converges with
 *     order 5 on RINGMOD, the errors fall tenfold with each decade of tolerance, and SUNDIALS
 *     ARKODE with the same Butcher tables (ARKODE_KVAERNO_7_4_5, _4_2_3) is as far off
 *     (docs/accuracy.md). The circuit rings: the common mode of the diode voltages y3..y6 and
 *     the transformer currents form an LC circuit (Cs with Ls2) of 3.2e7 rad/s damped at only
 *     1.7e4 /s, which the diode switching at every half period of uin2 re-excites. The
 *     methods' damping of that ringing per step adds up coherently over the 1e4 steps between
 *     switchings. Pairs whose estimate overstates the carried solution's error on such modes
 *     (Rodas5P by 64 at |h lambda| = 0.5 on the imaginary axis, SDIRK4 by 21) keep it small;
 *     Kvaerno 5(4)'s estimate is only 1.2 times that error there, because its fifth-order
 *     solution's principal error is 4.25 times the fourth-order one's (the last part checks
 *     these numbers from the tables).
 * The steps, rejections and errors of every run are printed for the record. */
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "batchode.h"
#include "harness.h"
#include "methods/tableau.h"
#include "rktest.h"
#include "solvetest.h"

static const char *ringmod_model =
    "model ringmod\n"
    "const c = 1.6e-8, cs = 2e-12, cp = 1e-8, r = 25e3, rp = 50\n"
    "const lh = 4.45, ls1 = 2e-3, ls2 = 5e-4, ls3 = 5e-4\n"
    "const rg1 = 36.3, rg2 = 17.3, rg3 = 17.3, ri = 50, rc = 600\n"
    "const gam = 40.67286402e-9, del = 17.7493332\n"
    "state y1 = 0, y2 = 0, y3 = 0, y4 = 0, y5 = 0, y6 = 0, y7 = 0, y8 = 0\n"
    "state y9 = 0, y10 = 0, y11 = 0, y12 = 0, y13 = 0, y14 = 0, y15 = 0\n"
    "aux uin1 = 0.5*sin(2000*pi*t), uin2 = 2*sin(20000*pi*t)\n"
    "aux q1 = gam*(exp(del*(y3 - y5 - y7 - uin2)) - 1)\n"
    "aux q2 = gam*(exp(del*(-y4 + y6 - y7 - uin2)) - 1)\n"
    "aux q3 = gam*(exp(del*(y4 + y5 + y7 + uin2)) - 1)\n"
    "aux q4 = gam*(exp(del*(-y3 - y6 + y7 + uin2)) - 1)\n"
    "dy1/dt = (y8 - 0.5*y10 + 0.5*y11 + y14 - y1/r)/c\n"
    "dy2/dt = (y9 - 0.5*y12 + 0.5*y13 + y15 - y2/r)/c\n"
    "dy3/dt = (y10 - q1 + q4)/cs\n"
    "dy4/dt = (-y11 + q2 - q3)/cs\n"
    "dy5/dt = (y12 + q1 - q3)/cs\n"
    "dy6/dt = (-y13 - q2 + q4)/cs\n"
    "dy7/dt = (-y7/rp + q1 + q2 - q3 - q4)/cp\n"
    "dy8/dt = -y1/lh\n"
    "dy9/dt = -y2/lh\n"
    "dy10/dt = (0.5*y1 - y3 - rg2*y10)/ls2\n"
    "dy11/dt = (-0.5*y1 + y4 - rg3*y11)/ls3\n"
    "dy12/dt = (0.5*y2 - y5 - rg2*y12)/ls2\n"
    "dy13/dt = (-0.5*y2 + y6 - rg3*y13)/ls3\n"
    "dy14/dt = (-y1 + uin1 - (ri + rg1)*y14)/ls1\n"
    "dy15/dt = (-y2 - (rc + rg1)*y15)/ls1\n";

#define NS 15
static const double ref[NS] = {
    -0.2339057358486745e-1, -0.7367485485540825e-2, 0.2582956709291169,    -0.4064465721283450,
    -0.4039455665149794,    0.2607966765422943,     0.1106761861269975,    0.2939904342435596e-6,
    -0.2840029933642329e-7, 0.7267198267264553e-3,  0.7929487196960840e-3, -0.7255283495698965e-3,
    -0.7941401968526521e-3, 0.7088495416976114e-4,  0.2390059075236570e-4};

/* Solve to t = duration; y receives the final state. Returns the run's status (-1 when the
 * solve failed as a whole). */
static int run(bo_context *ctx, const char *alg, const char *controller, double tol, double dt,
               double duration, double *y, long *steps)
{
    bo_model *m = NULL;
    bo_batch *b = NULL;
    bo_results *r = NULL;
    char conf[256];
    snprintf(conf, sizeof conf,
             "algorithm=%s step_controller=%s rtol=%g atol=%g dt=%g duration=%g "
             "max_steps=2000000",
             alg, controller, tol, tol, dt, duration);
    if (bo_model_load_string(ctx, ringmod_model, NULL, &m) == BO_OK &&
        bo_batch_create(ctx, m, &b) == BO_OK)
        r = solve(ctx, m, b, conf);
    T_CHECKF(r != NULL, "%s", conf);
    int status = -1;
    if (r) {
        status = bo_results_status(r, 0);
        for (size_t k = 0; k < NS; ++k)
            y[k] = bo_results_final(r, 0, k);
        *steps = (long)bo_results_steps(r, 0);
        if (strcmp(controller, "fixed") != 0)
            printf("%-9s tol %.0e: ", alg, tol);
        else
            printf("%-9s dt %.1e: ", alg, dt);
        printf("%ld steps, %ld rejected", *steps, (long)bo_results_rejections(r, 0));
    }
    bo_results_destroy(r);
    bo_batch_destroy(b);
    bo_model_destroy(m);
    return status;
}

static double maxdiff(const double *a, const double *b)
{
    double worst = 0.0;
    for (size_t k = 0; k < NS; ++k)
        worst = fabs(a[k] - b[k]) > worst ? fabs(a[k] - b[k]) : worst;
    return worst;
}

/* Largest absolute error at t = 1e-3 against the Test Set (every |y| <= 0.41, so with
 * rtol = atol this is the error in units of the tolerance up to a factor 1.41); negative when
 * the run failed. */
static double adaptive(bo_context *ctx, const char *alg, double tol)
{
    double y[NS];
    long steps = 0;
    int st = run(ctx, alg, "auto", tol, 1e-9, 1e-3, y, &steps);
    double e = st == 0 ? maxdiff(y, ref) : -1.0;
    printf(", error %.2e (%.0f x tol)\n", e, e / tol);
    return e;
}

static void test_adaptive(bo_context *ctx)
{
    static const struct {
        const char *alg;
        double tol;
    } meet[] = {{"rodas5p", 1e-6}, {"rodas5p", 1e-7}, {"radau5", 1e-7}};
    for (size_t i = 0; i < sizeof meet / sizeof meet[0]; ++i) {
        double e = adaptive(ctx, meet[i].alg, meet[i].tol);
        T_CHECKF(e >= 0.0 && e < 30.0 * meet[i].tol, "%s tol %g: error %.3g", meet[i].alg,
                 meet[i].tol, e);
    }
    /* Kvaerno 3(2) and 5(4): far from the tolerance, but proportional to it. */
    static const struct {
        const char *alg;
        double tol;
    } kv[] = {{"kvaerno3", 1e-4}, {"kvaerno5", 1e-6}};
    for (size_t i = 0; i < 2; ++i) {
        double e1 = adaptive(ctx, kv[i].alg, kv[i].tol);
        double e2 = adaptive(ctx, kv[i].alg, kv[i].tol / 10);
        T_CHECKF(e1 > 0.0 && e2 > 0.0 && e2 < 0.2 * e1, "%s: error %.3g at %g, %.3g at %g",
                 kv[i].alg, e1, kv[i].tol, e2, kv[i].tol / 10);
    }
}

/* Fixed steps over the first two switchings of the diodes, t in [0, 1e-4]: kvaerno5
 * converges with its order once the step resolves the ringing (the differences of successive
 * halvings fall by 2^5). */
static void test_fixed(bo_context *ctx)
{
    double y[3][NS];
    long steps = 0;
    int ok = 1;
    for (int k = 0; k < 3; ++k) {
        ok &= run(ctx, "kvaerno5", "fixed", 1e-7, 1e-8 / (1 << k), 1e-4, y[k], &steps) == 0;
        printf("\n");
    }
    double d1 = maxdiff(y[0], y[1]), d2 = maxdiff(y[1], y[2]);
    double order = log2(d1 / d2);
    printf("kvaerno5 fixed steps 1e-8, 5e-9, 2.5e-9 to t = 1e-4: differences %.2e, %.2e, "
           "observed order %.2f\n",
           d1, d2, order);
    T_CHECKF(ok && fabs(order - 5.0) < 0.5, "kvaerno5 fixed: order %.2f", order);
}

/* ---- the pairs' estimates, from the tables ------------------------------------------------ */

/* sigma(t): the order of t's symmetry group, from the multiplicities of equal subtrees. */
static double symmetry(int t)
{
    const rk_tree *tr = &rk_trees[t];
    double s = 1.0;
    for (int k = 0; k < tr->nchild;) {
        int m = 1;
        while (k + m < tr->nchild && tr->child[k + m] == tr->child[k])
            ++m;
        for (int j = 2; j <= m; ++j)
            s *= j;
        s *= pow(symmetry(tr->child[k]), m);
        k += m;
    }
    return s;
}

/* The 2-norm over the trees of order q of the error coefficients (Phi(t) - 1/gamma(t)) /
 * sigma(t) of weights w (Kennedy & Carpenter's A^(q)). Needs rk_compute_psi. */
static double tau_norm(const bo_tableau *tab, const double *w, int q)
{
    double sum = 0.0;
    for (int t = rk_first_of_order[q]; t < rk_first_of_order[q + 1]; ++t) {
        double phi = 0.0;
        for (int i = 0; i < tab->stages; ++i)
            phi += w[i] * rk_psi[t][i];
        double tau = (phi - 1.0 / rk_trees[t].gamma) / symmetry(t);
        sum += tau * tau;
    }
    return sqrt(sum);
}

/* R(z) for the weights w: 1 + z w^T (I - zA)^{-1} 1 (A lower triangular). */
static double complex stab(const bo_tableau *tab, const double *w, double complex z)
{
    int s = tab->stages;
    double complex x[RK_MAX_STAGES], r = 1.0;
    for (int i = 0; i < s; ++i) {
        double complex v = 1.0;
        for (int j = 0; j < i; ++j)
            v += z * tab->a[i * s + j] * x[j];
        x[i] = v / (1.0 - z * tab->a[i * s + i]);
        r += z * w[i] * x[i];
    }
    return r;
}

static void test_estimates(void)
{
    static const struct {
        const char *name;
        double lo, hi;       /* bounds on the principal error ratio */
        double margin_below; /* |R - R_hat| / |R - e^z| at z = 0.5i is below this */
        double margin_above; /* and above this */
    } cases[] = {
        {"sdirk4", 0.15, 0.25, 30.0, 15.0},
        {"kvaerno3", 0.35, 0.5, 10.0, 4.0},
        {"kvaerno5", 4.0, 4.5, 1.5, 1.0},
    };
    rk_gen_trees();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        const bo_tableau *tab = tab_find(cases[i].name);
        T_CHECK(tab && tab->b_hat);
        if (!tab || !tab->b_hat)
            continue;
        rk_compute_psi(tab);
        /* The carried solution's principal error against the estimated (embedded) one's:
         * local extrapolation presumes this is small. */
        double ratio = tau_norm(tab, tab->b, tab->order + 1) /
                       tau_norm(tab, tab->b_hat, tab->embedded_order + 1);
        double complex z = 0.5 * I;
        double complex rb = stab(tab, tab->b, z), rh = stab(tab, tab->b_hat, z);
        double margin = cabs(rb - rh) / cabs(rb - cexp(z));
        printf("%-9s ||tau^(%d)|| / ||tau_hat^(%d)|| = %.3f; at z = 0.5i the estimate is %.3g "
               "times the carried solution's error\n",
               tab->name, tab->order + 1, tab->embedded_order + 1, ratio, margin);
        T_CHECKF(ratio > cases[i].lo && ratio < cases[i].hi, "%s: ratio %.3g", tab->name, ratio);
        T_CHECKF(margin > cases[i].margin_above && margin < cases[i].margin_below,
                 "%s: margin %.3g", tab->name, margin);
    }
}

int main(void)
{
    bo_context *ctx = NULL;
    if (bo_context_create(&ctx) != BO_OK)
        return 1;
    test_estimates();
    test_adaptive(ctx);
    test_fixed(ctx);
    bo_context_destroy(ctx);
    T_DONE();
}
