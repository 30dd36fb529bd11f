/* Radau IIA 5 (algorithm=radau5) through the public API, against independent truth:
 *   - fixed-step convergence order 5 on y' = -k y, a harmonic oscillator and z' = cos(t) z
 *     (closed forms), and the order on Prothero-Robinson y' = lam (y - sin t) + cos t with
 *     lam = -1e6 (stiff: the error follows the stage order 3, Hairer & Wanner II, IV.15);
 *   - a linear stiff system with real and complex eigenvalues (closed form);
 *   - Robertson's kinetics against SUNDIALS CVODE (BDF, dense, rtol 1e-10), with mass
 *     conservation and step counts;
 *   - van der Pol with mu = 1000 against CVODE, and steps per period;
 *   - failure paths: Newton divergence under a too-large first step (the adaptive loop
 *     retries smaller; the same fixed step fails with a Newton status), max_newton_iters=1
 *     with a fixed step, a singular iteration matrix, a NaN right-hand side;
 *   - float32; every buffer of the method in shared memory (identical results); the Krylov
 *     linear solver refused with a message naming the setting. */
#include <cvode/cvode.h>
#include <math.h>
#include <nvector/nvector_serial.h>
#include <stdio.h>
#include <string.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>

#include "batchode.h"
#include "harness.h"
#include "solvetest.h"
#include "status.h"
#include "methods/tableau_radau.h"

/* ---- helpers ------------------------------------------------------------------------------ */

static bo_model *load(bo_context *ctx, const char *text)
{
    bo_model *m = NULL;
    if (bo_model_load_string(ctx, text, "test", &m) != BO_OK)
        printf("model: %s\n", bo_errmsg(ctx));
    return m;
}

static bo_batch *one_run(bo_context *ctx, const bo_model *m)
{
    bo_batch *b = NULL;
    T_EQ_INT(bo_batch_create(ctx, m, &b), BO_OK);
    return b;
}

/* CVODE: BDF with Newton and the dense direct solver; rhs/jac from plain C below. */
typedef void (*plain_rhs)(const double *y, double *f, const double *p);

typedef struct {
    plain_rhs rhs;
    const double *p;
} cv_user;

static int cv_rhs(sunrealtype t, N_Vector y, N_Vector f, void *user)
{
    (void)t;
    const cv_user *u = user;
    u->rhs(N_VGetArrayPointer(y), N_VGetArrayPointer(f), u->p);
    return 0;
}

/* Integrate with CVODE from 0 to T; returns 0 on success. */
static int cvode_solve(plain_rhs rhs, const double *p, int n, const double *y0, double T,
                       double rtol, double atol, double *out)
{
    SUNContext sun = NULL;
    if (SUNContext_Create(NULL, &sun) != 0)
        return -1;
    N_Vector y = N_VNew_Serial(n, sun);
    for (int i = 0; i < n; ++i)
        NV_Ith_S(y, i) = y0[i];
    void *mem = CVodeCreate(CV_BDF, sun);
    SUNMatrix A = SUNDenseMatrix(n, n, sun);
    SUNLinearSolver LS = SUNLinSol_Dense(y, A, sun);
    cv_user u = {rhs, p};
    int rc = CVodeInit(mem, cv_rhs, 0.0, y);
    rc |= CVodeSStolerances(mem, rtol, atol);
    rc |= CVodeSetUserData(mem, &u);
    rc |= CVodeSetLinearSolver(mem, LS, A);
    rc |= CVodeSetMaxNumSteps(mem, 1000000);
    sunrealtype t = 0.0;
    if (rc == 0)
        rc = CVode(mem, T, y, &t, CV_NORMAL) < 0;
    for (int i = 0; i < n; ++i)
        out[i] = NV_Ith_S(y, i);
    CVodeFree(&mem);
    SUNLinSolFree(LS);
    SUNMatDestroy(A);
    N_VDestroy(y);
    SUNContext_Free(&sun);
    return rc;
}

/* ---- convergence orders ------------------------------------------------------------------- */

static const char *analytic_model = "model analytic\n"
                                    "param k = 1.5, w = 2.385\n"
                                    "state y = 2.385, x = 1.25, v = 0, z = 0.75\n"
                                    "dy/dt = -k*y\n"
                                    "dx/dt = v\n"
                                    "dv/dt = -w^2*x\n"
                                    "dz/dt = cos(t)*z\n";

static double analytic_error(const bo_results *r, double T)
{
    const double k = 1.5, w = 2.385, x0 = 1.25;
    const double exact[4] = {2.385 * exp(-k * T), x0 * cos(w * T), -x0 * w * sin(w * T),
                             0.75 * exp(sin(T))};
    if (!r || bo_results_status(r, 0) != 0)
        return INFINITY;
    double worst = 0.0;
    for (size_t i = 0; i < 4; ++i) {
        const double e = fabs(bo_results_final(r, 0, i) - exact[i]);
        if (!(e <= worst))
            worst = e;
    }
    return worst;
}

static void test_order_nonstiff(bo_context *ctx)
{
    bo_model *m = load(ctx, analytic_model);
    bo_batch *b = m ? one_run(ctx, m) : NULL;
    if (!b)
        goto out;
    const double T = 2.385;
    const int steps[4] = {8, 16, 32, 64};
    double err[4];
    for (int i = 0; i < 4; ++i) {
        char conf[256];
        /* Tight Newton: its remaining error (~1e-15) stays far below the truncation error. */
        snprintf(conf, sizeof conf,
                 "algorithm=radau5 step_controller=fixed dt=%.17g duration=%.17g rtol=1e-12 "
                 "atol=1e-12 newton_tolerance=0.001",
                 T / steps[i], T);
        bo_results *r = solve(ctx, m, b, conf);
        err[i] = analytic_error(r, T);
        bo_results_destroy(r);
    }
    for (int i = 0; i + 1 < 4; ++i) {
        const double order = log2(err[i] / err[i + 1]);
        printf("non-stiff: N = %2d error %.3e  N = %2d error %.3e  order %.2f\n", steps[i], err[i],
               steps[i + 1], err[i + 1], order);
        T_CHECKF(order > 4.6 && order < 5.6, "order %.2f between N=%d and %d", order, steps[i],
                 steps[i + 1]);
    }
out:
    bo_batch_destroy(b);
    bo_model_destroy(m);
}

/* Prothero & Robinson, BIT 14 (1974): y = sin t exactly. With z = dt lam, |z| >> 1, the
 * local error is delta = z b^T (I - zA)^{-1} Delta + Delta_0 (Hairer & Wanner II, IV.15):
 * Delta (stage defects) is O(dt^(q+1)) with the stage order q = 3, and for a stiffly accurate
 * method the leading terms -Delta_s + Delta_0 cancel, leaving -(1/z) e_s^T A^{-1} Delta =
 * O(dt^q / |lam|); R(inf) = 0 keeps it from accumulating. So the order is q = 3 (not 5), with
 * errors ~1e-10 at dt ~ 0.3 for lam = -1e6. */
static void test_order_prothero_robinson(bo_context *ctx)
{
    bo_model *m = load(ctx, "model pr\n"
                            "param lam = 1e6\n"
                            "state y = 0\n"
                            "dy/dt = -lam*(y - sin(t)) + cos(t)\n");
    bo_batch *b = m ? one_run(ctx, m) : NULL;
    if (!b)
        goto out;
    const double T = 2.385;
    const int steps[4] = {8, 16, 32, 64};
    double err[4];
    for (int i = 0; i < 4; ++i) {
        char conf[256];
        snprintf(conf, sizeof conf,
                 "algorithm=radau5 step_controller=fixed dt=%.17g duration=%.17g rtol=1e-12 "
                 "atol=1e-12 newton_tolerance=0.001",
                 T / steps[i], T);
        bo_results *r = solve(ctx, m, b, conf);
        err[i] =
            r && bo_results_status(r, 0) == 0 ? fabs(bo_results_final(r, 0, 0) - sin(T)) : INFINITY;
        bo_results_destroy(r);
    }
    for (int i = 0; i + 1 < 4; ++i) {
        const double order = log2(err[i] / err[i + 1]);
        printf("Prothero-Robinson lam=-1e6: N = %2d error %.3e  N = %2d error %.3e  order "
               "%.2f\n",
               steps[i], err[i], steps[i + 1], err[i + 1], order);
        T_CHECKF(order > 2.7 && order < 3.5, "order %.2f between N=%d and %d", order, steps[i],
                 steps[i + 1]);
    }
out:
    bo_batch_destroy(b);
    bo_model_destroy(m);
}

/* ---- a linear stiff system with a closed form --------------------------------------------- */

/* u' = -u (u = u0 e^-t); y' = -k (y - u), k = 1e4:
 *   y = k/(k-1) u0 e^-t + (y0 - k/(k-1) u0) e^-kt;
 * (a, b)' = [[-s, w], [-w, -s]] (a, b), s = 100, w = 1000 (eigenvalues -s +- iw):
 *   a = e^-st (a0 cos wt + b0 sin wt), b = e^-st (b0 cos wt - a0 sin wt). */
static void test_linear_stiff(bo_context *ctx)
{
    bo_model *m = load(ctx, "model linear\n"
                            "param k = 1e4, s = 100, w = 1000\n"
                            "state u = 1.25, y = 2.385, a = 0.5, b = 0.75\n"
                            "du/dt = -u\n"
                            "dy/dt = -k*(y - u)\n"
                            "da/dt = -s*a + w*b\n"
                            "db/dt = -w*a - s*b\n");
    bo_batch *bt = m ? one_run(ctx, m) : NULL;
    if (!bt)
        goto out;
    const double T = 0.05, k = 1e4, s = 100, w = 1000, u0 = 1.25, y0 = 2.385, a0 = 0.5, b0 = 0.75;
    const double exact[4] = {u0 * exp(-T),
                             k / (k - 1) * u0 * exp(-T) + (y0 - k / (k - 1) * u0) * exp(-k * T),
                             exp(-s * T) * (a0 * cos(w * T) + b0 * sin(w * T)),
                             exp(-s * T) * (b0 * cos(w * T) - a0 * sin(w * T))};
    const double tols[2] = {1e-5, 1e-8};
    for (int ti = 0; ti < 2; ++ti) {
        char conf[256];
        snprintf(conf, sizeof conf, "algorithm=radau5 duration=%.17g rtol=%g atol=%g", T, tols[ti],
                 tols[ti]);
        bo_results *r = solve(ctx, m, bt, conf);
        T_CHECK(r && bo_results_status(r, 0) == 0);
        if (!r)
            continue;
        double worst = 0.0;
        for (size_t i = 0; i < 4; ++i) {
            const double e = fabs(bo_results_final(r, 0, i) - exact[i]) / (1.0 + fabs(exact[i]));
            worst = e > worst ? e : worst;
        }
        printf("linear stiff, tol %g: error %.3g, %lld steps, %lld rejected\n", tols[ti], worst,
               (long long)bo_results_steps(r, 0), (long long)bo_results_rejections(r, 0));
        T_CHECKF(worst < 10.0 * tols[ti], "tol %g: error %.3g", tols[ti], worst);
        bo_results_destroy(r);
    }
out:
    bo_batch_destroy(bt);
    bo_model_destroy(m);
}

/* ---- Robertson against CVODE -------------------------------------------------------------- */

static void robertson_rhs(const double *y, double *f, const double *p)
{
    (void)p;
    f[0] = -0.04 * y[0] + 1e4 * y[1] * y[2];
    f[1] = 0.04 * y[0] - 1e4 * y[1] * y[2] - 3e7 * y[1] * y[1];
    f[2] = 3e7 * y[1] * y[1];
}

static const char *robertson_model = "model robertson\n"
                                     "param k1 = 0.04, k2 = 3e7, k3 = 1e4\n"
                                     "state y1 = 1, y2 = 0, y3 = 0\n"
                                     "dy1/dt = -k1*y1 + k3*y2*y3\n"
                                     "dy2/dt = k1*y1 - k3*y2*y3 - k2*y2^2\n"
                                     "dy3/dt = k2*y2^2\n";

static void test_robertson(bo_context *ctx)
{
    bo_model *m = load(ctx, robertson_model);
    bo_batch *b = m ? one_run(ctx, m) : NULL;
    if (!b)
        goto out;
    const double Ts[2] = {40.0, 4e5};
    for (int ti = 0; ti < 2; ++ti) {
        const double T = Ts[ti], y0[3] = {1.0, 0.0, 0.0};
        double ref[3];
        T_EQ_INT(cvode_solve(robertson_rhs, NULL, 3, y0, T, 1e-11, 1e-16, ref), 0);
        char conf[256];
        /* atol per state: y2 stays below 4e-5. */
        snprintf(conf, sizeof conf, "algorithm=radau5 duration=%g rtol=1e-7 atol=1e-8,1e-13,1e-8",
                 T);
        bo_results *r = solve(ctx, m, b, conf);
        T_CHECK(r && bo_results_status(r, 0) == 0);
        if (!r)
            continue;
        double worst = 0.0, sum = 0.0;
        for (size_t i = 0; i < 3; ++i) {
            const double v = bo_results_final(r, 0, i);
            const double e = fabs(v - ref[i]) / fabs(ref[i]);
            worst = e > worst ? e : worst;
            sum += v;
        }
        const long long st = (long long)bo_results_steps(r, 0);
        printf("Robertson T = %g: y = (%.10g, %.6e, %.10g) CVODE (%.10g, %.6e, %.10g); "
               "worst rel error %.2e, |sum - 1| %.1e, %lld steps, %lld rejected\n",
               T, bo_results_final(r, 0, 0), bo_results_final(r, 0, 1), bo_results_final(r, 0, 2),
               ref[0], ref[1], ref[2], worst, fabs(sum - 1.0), st,
               (long long)bo_results_rejections(r, 0));
        T_CHECKF(worst < 1e-5, "T = %g: relative error %.3g against CVODE", T, worst);
        /* Runge-Kutta methods keep linear invariants; the simplified Newton updates do too
         * (u^T J = 0 gives u^T ((g/dt) I - J)^{-1} = (dt/g) u^T), so only rounding is left. */
        T_CHECKF(fabs(sum - 1.0) < 1e-13, "mass %.17g", sum);
        /* A few hundred steps over eleven decades of time scales: an order-5 method's step
         * grows with t (an explicit method would need ~1e9 here). */
        T_CHECKF(st < 600, "%lld steps", st);
        bo_results_destroy(r);
    }
out:
    bo_batch_destroy(b);
    bo_model_destroy(m);
}

/* ---- van der Pol, mu = 1000 --------------------------------------------------------------- */

static void vdp_rhs(const double *y, double *f, const double *p)
{
    f[0] = y[1];
    f[1] = p[0] * (1.0 - y[0] * y[0]) * y[1] - y[0];
}

static void test_vanderpol(bo_context *ctx)
{
    bo_model *m = load(ctx, "model vdp\n"
                            "param mu = 1000\n"
                            "state x = 2, v = 0\n"
                            "dx/dt = v\n"
                            "dv/dt = mu*(1 - x^2)*v - x\n");
    bo_batch *b = m ? one_run(ctx, m) : NULL;
    if (!b)
        goto out;
    /* The relaxation period is (3 - 2 ln 2) mu + O(mu^(-1/3)) ~ 1614 (Hairer & Wanner II,
     * IV.10 / van der Pol's asymptotics); integrate one period and a half-period more so the
     * end lies on a slow branch, where the reference is well conditioned. */
    const double T = 2000.0, mu = 1000.0, y0[2] = {2.0, 0.0};
    double ref[2];
    T_EQ_INT(cvode_solve(vdp_rhs, &mu, 2, y0, T, 1e-11, 1e-11, ref), 0);
    bo_results *r = solve(ctx, m, b, "algorithm=radau5 duration=2000 rtol=1e-6 atol=1e-6");
    T_CHECK(r && bo_results_status(r, 0) == 0);
    if (r) {
        const double ex = fabs(bo_results_final(r, 0, 0) - ref[0]) / (1.0 + fabs(ref[0]));
        const long long st = (long long)bo_results_steps(r, 0);
        printf("van der Pol mu=1000, T = %g: x = %.9g (CVODE %.9g), v = %.6g (CVODE %.6g), "
               "rel error %.2e, %lld steps, %lld rejected\n",
               T, bo_results_final(r, 0, 0), ref[0], bo_results_final(r, 0, 1), ref[1], ex, st,
               (long long)bo_results_rejections(r, 0));
        T_CHECKF(ex < 1e-4, "x error %.3g", ex);
        T_CHECKF(st < 1500, "%lld steps for 1.24 periods", st);
        bo_results_destroy(r);
    }
out:
    bo_batch_destroy(b);
    bo_model_destroy(m);
}

/* ---- failure paths ------------------------------------------------------------------------ */

/* y' = -c y^3, y = y0 / sqrt(1 + 2 c y0^2 t). From y0 = 2.385 with c = 100 the Jacobian at the
 * start (-1706) is far from the one along a step of 10 (the solution falls to 0.007), so the
 * simplified Newton iteration of such a step fails. */
static void test_newton_failure(bo_context *ctx)
{
    bo_model *m = load(ctx, "model cubic\n"
                            "param c = 100\n"
                            "state y = 2.385\n"
                            "dy/dt = -c*y^3\n");
    bo_batch *b = m ? one_run(ctx, m) : NULL;
    if (!b)
        goto out;
    const double y0 = 2.385, exact = y0 / sqrt(1.0 + 2.0 * 100.0 * y0 * y0 * 20.0);
    bo_results *r = solve(ctx, m, b, "algorithm=radau5 step_controller=fixed dt=10 duration=20");
    T_CHECK(r != NULL);
    if (r) {
        const int32_t st = bo_results_status(r, 0);
        printf("fixed dt = 10: status %d\n", (int)st);
        T_CHECKF(st & (BO_RUN_NEWTON_DIVERGENCE | BO_RUN_MAX_NEWTON_ITERS), "status %d", (int)st);
        bo_results_destroy(r);
    }
    r = solve(ctx, m, b, "algorithm=radau5 dt=10 duration=20 rtol=1e-8 atol=1e-10");
    T_CHECK(r != NULL);
    if (r) {
        printf("adaptive from dt = 10: status %d, %lld steps, %lld rejected, y %.12g (exact "
               "%.12g)\n",
               (int)bo_results_status(r, 0), (long long)bo_results_steps(r, 0),
               (long long)bo_results_rejections(r, 0), bo_results_final(r, 0, 0), exact);
        T_EQ_INT(bo_results_status(r, 0), 0);
        T_CHECK(bo_results_rejections(r, 0) >= 1);
        T_REL(bo_results_final(r, 0, 0), exact, 1e-6);
        bo_results_destroy(r);
    }
    /* One Newton iteration cannot meet the tolerance on a nonlinear step from a zero start. */
    r = solve(ctx, m, b,
              "algorithm=radau5 step_controller=fixed dt=0.001 duration=0.1 max_newton_iters=1");
    T_CHECK(r != NULL);
    if (r) {
        const int32_t st = bo_results_status(r, 0);
        printf("max_newton_iters=1: status %d\n", (int)st);
        T_CHECKF(st & (BO_RUN_NEWTON_DIVERGENCE | BO_RUN_MAX_NEWTON_ITERS), "status %d", (int)st);
        bo_results_destroy(r);
    }
out:
    bo_batch_destroy(b);
    bo_model_destroy(m);
}

/* y' = k y with k = gamma/dt makes (gamma/dt) I - J exactly zero: dt = 0.5 divides exactly. */
static void test_singular(bo_context *ctx)
{
    bo_model *m = load(ctx, "model grow\n"
                            "param k = 1\n"
                            "state y = 2.385\n"
                            "dy/dt = k*y\n");
    bo_batch *b = m ? one_run(ctx, m) : NULL;
    if (!b)
        goto out;
    const tab_radau_data *d = bo_tableau_radau5.family_data;
    const double k = d->gamma / 0.5;
    T_EQ_INT(bo_batch_set_values(b, BO_PARAMETER, "k", &k, 1), BO_OK);
    bo_results *r = solve(ctx, m, b, "algorithm=radau5 step_controller=fixed dt=0.5 duration=1");
    T_CHECK(r != NULL);
    if (r) {
        printf("singular: status %d\n", (int)bo_results_status(r, 0));
        T_CHECK(bo_results_status(r, 0) & BO_RUN_SINGULAR);
        T_EQ_INT(bo_results_steps(r, 0), 1);
        bo_results_destroy(r);
    }
out:
    bo_batch_destroy(b);
    bo_model_destroy(m);
}

/* log(y - 3) is NaN from the start: the run must end with a status, adaptive or fixed. */
static void test_nan(bo_context *ctx)
{
    bo_model *m = load(ctx, "model bad\n"
                            "state y = 2.385\n"
                            "dy/dt = log(y - 3)\n");
    bo_batch *b = m ? one_run(ctx, m) : NULL;
    if (!b)
        goto out;
    const char *confs[2] = {"algorithm=radau5 duration=1",
                            "algorithm=radau5 step_controller=fixed dt=0.1 duration=1"};
    for (int i = 0; i < 2; ++i) {
        bo_results *r = solve(ctx, m, b, confs[i]);
        T_CHECK(r != NULL);
        if (r) {
            printf("NaN rhs (%s): status %d after %lld steps\n", confs[i],
                   (int)bo_results_status(r, 0), (long long)bo_results_steps(r, 0));
            T_CHECK(bo_results_status(r, 0) != 0);
            T_CHECK(bo_results_steps(r, 0) < 1000);
            bo_results_destroy(r);
        }
    }
out:
    bo_batch_destroy(b);
    bo_model_destroy(m);
}

/* ---- precision, placement, refused settings ----------------------------------------------- */

static void test_float32_and_placement(bo_context *ctx)
{
    bo_model *m = load(ctx, robertson_model);
    bo_batch *b = m ? one_run(ctx, m) : NULL;
    if (!b)
        goto out;
    const double T = 40.0, y0[3] = {1.0, 0.0, 0.0};
    double ref[3];
    T_EQ_INT(cvode_solve(robertson_rhs, NULL, 3, y0, T, 1e-11, 1e-16, ref), 0);
    bo_results *r = solve(ctx, m, b,
                          "algorithm=radau5 precision=float32 duration=40 rtol=1e-4 "
                          "atol=1e-6,1e-10,1e-6");
    T_CHECK(r && bo_results_status(r, 0) == 0);
    if (r) {
        double worst = 0.0;
        for (size_t i = 0; i < 3; ++i) {
            const double e = fabs(bo_results_final(r, 0, i) - ref[i]) / fabs(ref[i]);
            worst = e > worst ? e : worst;
        }
        printf("float32 Robertson T = 40: worst rel error %.2e, %lld steps\n", worst,
               (long long)bo_results_steps(r, 0));
        T_CHECKF(worst < 1e-3, "float32 error %.3g", worst);
        bo_results_destroy(r);
    }

    /* Every buffer of the method and of its linear solver in shared memory: the same
     * arithmetic, so the same numbers. */
    const char *base = "algorithm=radau5 duration=40 rtol=1e-6 atol=1e-8,1e-13,1e-8";
    char conf[1024];
    snprintf(conf, sizeof conf,
             "%s radau_stages_location=shared radau_rhs_location=shared "
             "radau_state_location=shared radau_lu_complex_location=shared "
             "radau_f0_location=shared radau_predictor_location=shared "
             "radau_eta_location=shared jacobian_location=shared lu_location=shared",
             base);
    bo_results *ra = solve(ctx, m, b, base);
    bo_results *rb = solve(ctx, m, b, conf);
    T_CHECK(ra && rb);
    if (ra && rb) {
        for (size_t i = 0; i < 3; ++i)
            T_CHECK(bo_results_final(ra, 0, i) == bo_results_final(rb, 0, i));
        T_EQ_INT(bo_results_steps(ra, 0), bo_results_steps(rb, 0));
    }
    bo_results_destroy(ra);
    bo_results_destroy(rb);
out:
    bo_batch_destroy(b);
    bo_model_destroy(m);
}

static void test_krylov_refused(bo_context *ctx)
{
    bo_model *m = load(ctx, robertson_model);
    bo_settings *s = NULL;
    bo_solver *sv = NULL;
    T_EQ_INT(bo_settings_create(ctx, &s), BO_OK);
    if (!m || !s)
        goto out;
    T_EQ_INT(bo_settings_set(s, "backend", "cpu"), BO_OK);
    T_EQ_INT(bo_settings_set(s, "algorithm", "RadauIIA5"), BO_OK);
    T_EQ_INT(bo_settings_set(s, "linear_solver", "krylov"), BO_OK);
    T_EQ_INT(bo_solver_create(ctx, m, s, &sv), BO_ERR_SETTING);
    T_CHECK(sv == NULL);
    T_CONTAINS(bo_errmsg(ctx), "linear_solver=dense");
    /* auto stays dense for Radau at any size: here the model (3 states) is above
     * dense_max_states, which would make auto pick Krylov for the other families. */
    T_EQ_INT(bo_settings_set(s, "linear_solver", "auto"), BO_OK);
    T_EQ_INT(bo_settings_set(s, "dense_max_states", "1"), BO_OK);
    T_EQ_INT(bo_solver_create(ctx, m, s, &sv), BO_OK);
    T_CHECK(sv && strstr(bo_solver_source(sv), "#define BO_LINSOLVE 0") != NULL);
out:
    bo_solver_destroy(sv);
    bo_settings_destroy(s);
    bo_model_destroy(m);
}

int main(void)
{
    bo_context *ctx = NULL;
    if (bo_context_create(&ctx) != BO_OK)
        return 1;
    test_order_nonstiff(ctx);
    test_order_prothero_robinson(ctx);
    test_linear_stiff(ctx);
    test_robertson(ctx);
    test_vanderpol(ctx);
    test_newton_failure(ctx);
    test_singular(ctx);
    test_nan(ctx);
    test_float32_and_placement(ctx);
    test_krylov_refused(ctx);
    bo_context_destroy(ctx);
    T_DONE();
}
