/* Adaptive diagonally implicit methods on stiff problems, through the public API, against
 * independent truth:
 *   - a linear stiff system with closed-form solution (eigenvalues -1 and -1e4): every
 *     embedded method meets its tolerance, with a step count that the stiffness does not
 *     dictate (dp5 is run beside it: it needs many times more steps);
 *   - Robertson's chemical kinetics (Hairer & Wanner II, IV.1, (1.4)) to t = 40 against
 *     SUNDIALS CVODE (BDF, dense Newton, rtol 1e-11): every component within a relative
 *     2e-4 with rtol = 1e-6, mass y1 + y2 + y3 = 1 kept to rounding (the simplified Newton
 *     update conserves linear invariants exactly: 1^T J = 0), and a bounded number of steps;
 *   - van der Pol with mu = 1000 over 2000 time units (a slow phase, a jump, a slow phase)
 *     against CVODE;
 *   - float32: the linear system with lam = -1e3 solved to rtol 1e-4.
 * Step counts are printed next to CVODE's for the record. */
#include <cvode/cvode.h>
#include <math.h>
#include <nvector/nvector_serial.h>
#include <stdio.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>

#include "batchode.h"
#include "harness.h"
#include "solvetest.h"

/* y(0) = (1, 0): y1 = 2e^-t - e^-(lam t), y2 = -e^-t + e^-(lam t) (A = V diag(-1, -lam) V^-1,
 * V = [[2, 1], [-1, -1]], worked out by hand). */
static const char *linear_model = "model linear\n"
                                  "param lam = 10000\n"
                                  "state y1 = 1, y2 = 0\n"
                                  "dy1/dt = (lam - 2)*y1 + (2*lam - 2)*y2\n"
                                  "dy2/dt = (1 - lam)*y1 + (1 - 2*lam)*y2\n";

static const char *robertson_model = "model robertson\n"
                                     "param k1 = 0.04, k2 = 3e7, k3 = 1e4\n"
                                     "state a = 1, b = 0, c = 0\n"
                                     "da/dt = -k1*a + k3*b*c\n"
                                     "db/dt = k1*a - k3*b*c - k2*b^2\n"
                                     "dc/dt = k2*b^2\n";

static const char *vdp_model = "model vdp\n"
                               "param mu = 1000\n"
                               "state x = 2, v = 0\n"
                               "dx/dt = v\n"
                               "dv/dt = mu*(1 - x^2)*v - x\n";

/* ---- CVODE oracle -------------------------------------------------------------------------- */

static int rob_f(sunrealtype t, N_Vector y, N_Vector ydot, void *user)
{
    (void)t;
    (void)user;
    double a = NV_Ith_S(y, 0), b = NV_Ith_S(y, 1), c = NV_Ith_S(y, 2);
    NV_Ith_S(ydot, 0) = -0.04 * a + 1e4 * b * c;
    NV_Ith_S(ydot, 1) = 0.04 * a - 1e4 * b * c - 3e7 * b * b;
    NV_Ith_S(ydot, 2) = 3e7 * b * b;
    return 0;
}

static int rob_j(sunrealtype t, N_Vector y, N_Vector fy, SUNMatrix J, void *user, N_Vector t1,
                 N_Vector t2, N_Vector t3)
{
    (void)t, (void)fy, (void)user, (void)t1, (void)t2, (void)t3;
    double b = NV_Ith_S(y, 1), c = NV_Ith_S(y, 2);
    SM_ELEMENT_D(J, 0, 0) = -0.04;
    SM_ELEMENT_D(J, 0, 1) = 1e4 * c;
    SM_ELEMENT_D(J, 0, 2) = 1e4 * b;
    SM_ELEMENT_D(J, 1, 0) = 0.04;
    SM_ELEMENT_D(J, 1, 1) = -1e4 * c - 6e7 * b;
    SM_ELEMENT_D(J, 1, 2) = -1e4 * b;
    SM_ELEMENT_D(J, 2, 0) = 0.0;
    SM_ELEMENT_D(J, 2, 1) = 6e7 * b;
    SM_ELEMENT_D(J, 2, 2) = 0.0;
    return 0;
}

static int vdp_f(sunrealtype t, N_Vector y, N_Vector ydot, void *user)
{
    (void)t;
    (void)user;
    double x = NV_Ith_S(y, 0), v = NV_Ith_S(y, 1);
    NV_Ith_S(ydot, 0) = v;
    NV_Ith_S(ydot, 1) = 1000.0 * (1.0 - x * x) * v - x;
    return 0;
}

static int vdp_j(sunrealtype t, N_Vector y, N_Vector fy, SUNMatrix J, void *user, N_Vector t1,
                 N_Vector t2, N_Vector t3)
{
    (void)t, (void)fy, (void)user, (void)t1, (void)t2, (void)t3;
    double x = NV_Ith_S(y, 0), v = NV_Ith_S(y, 1);
    SM_ELEMENT_D(J, 0, 0) = 0.0;
    SM_ELEMENT_D(J, 0, 1) = 1.0;
    SM_ELEMENT_D(J, 1, 0) = -2000.0 * x * v - 1.0;
    SM_ELEMENT_D(J, 1, 1) = 1000.0 * (1.0 - x * x);
    return 0;
}

/* Integrate with CVODE's BDF to T; returns 0 on success. */
static int cvode_solve(CVRhsFn f, CVLsJacFn jac, int n, const double *y0, double T, double rtol,
                       const double *atol, double *out, long *steps)
{
    SUNContext sctx = NULL;
    if (SUNContext_Create(NULL, &sctx) != 0)
        return -1;
    N_Vector y = N_VNew_Serial(n, sctx), at = N_VNew_Serial(n, sctx);
    for (int i = 0; i < n; ++i) {
        NV_Ith_S(y, i) = y0[i];
        NV_Ith_S(at, i) = atol[i];
    }
    void *mem = CVodeCreate(CV_BDF, sctx);
    SUNMatrix A = SUNDenseMatrix(n, n, sctx);
    SUNLinearSolver LS = SUNLinSol_Dense(y, A, sctx);
    int rc = CVodeInit(mem, f, 0.0, y);
    rc |= CVodeSVtolerances(mem, rtol, at);
    rc |= CVodeSetLinearSolver(mem, LS, A);
    rc |= CVodeSetJacFn(mem, jac);
    rc |= CVodeSetMaxNumSteps(mem, 1000000);
    sunrealtype t = 0.0;
    if (rc == 0)
        rc = CVode(mem, T, y, &t, CV_NORMAL) < 0;
    for (int i = 0; i < n; ++i)
        out[i] = NV_Ith_S(y, i);
    CVodeGetNumSteps(mem, steps);
    CVodeFree(&mem);
    SUNLinSolFree(LS);
    SUNMatDestroy(A);
    N_VDestroy(y);
    N_VDestroy(at);
    SUNContext_Free(&sctx);
    return rc;
}

/* ---- tests ------------------------------------------------------------------------------- */

static const char *const embedded[] = {"crank_nicolson", "sdirk4", "kvaerno3", "kvaerno5"};
#define N_EMBEDDED (sizeof embedded / sizeof embedded[0])

static bo_results *run_with(bo_context *ctx, const char *text, const char *param, double value,
                            const char *conf)
{
    bo_model *m = NULL;
    bo_batch *b = NULL;
    bo_results *r = NULL;
    if (bo_model_load_string(ctx, text, NULL, &m) == BO_OK &&
        bo_batch_create(ctx, m, &b) == BO_OK &&
        (!param || bo_batch_set_values(b, BO_PARAMETER, param, &value, 1) == BO_OK))
        r = solve(ctx, m, b, conf);
    T_CHECKF(r != NULL, "%s", conf);
    bo_batch_destroy(b);
    bo_model_destroy(m);
    return r;
}

static bo_results *run(bo_context *ctx, const char *text, const char *conf)
{
    return run_with(ctx, text, NULL, 0.0, conf);
}

/* Float32 gets the milder lam = 1e3: on the slow solution f = A y is a difference of terms
 * lam times larger, so its rounding error, lam * eps * |y|, reaches the slow component through
 * every stage (SDIRK4's weights b_i / gamma of up to 31 amplify it further). */
static void test_linear(bo_context *ctx, const char *precision, double lam, double rtol)
{
    const double T = 2.385;
    const double exact[2] = {2.0 * exp(-T) - exp(-lam * T), -exp(-T) + exp(-lam * T)};
    char conf[256];
    for (size_t i = 0; i < N_EMBEDDED; ++i) {
        snprintf(conf, sizeof conf, "algorithm=%s precision=%s rtol=%g atol=%g duration=%g",
                 embedded[i], precision, rtol, rtol, T);
        bo_results *r = run_with(ctx, linear_model, "lam", lam, conf);
        if (!r)
            continue;
        T_EQ_INT(bo_results_status(r, 0), 0);
        double worst = 0.0;
        for (size_t k = 0; k < 2; ++k) {
            double e = fabs(bo_results_final(r, 0, k) - exact[k]) / (1.0 + fabs(exact[k]));
            worst = e > worst ? e : worst;
        }
        long steps = (long)bo_results_steps(r, 0);
        printf("linear %-8s lam %.0e %-15s rtol %.0e: error %.2e (%.2f x rtol), %ld steps, %ld "
               "rejected\n",
               precision, lam, embedded[i], rtol, worst, worst / rtol, steps,
               (long)bo_results_rejections(r, 0));
        T_CHECKF(worst <= 3.0 * rtol, "%s %s: error %.3g", embedded[i], precision, worst);
        /* Stiffness does not set the step (an explicit method needs about lam T / 3 steps).
         * Crank-Nicolson's first-order estimate makes it step like a first-order method:
         * about sqrt(2 rtol) per step on this solution. */
        long limit = i == 0 ? (long)(3.0 * T / sqrt(2.0 * rtol)) : 400;
        T_CHECKF(steps < limit, "%s: %ld steps", embedded[i], steps);
        bo_results_destroy(r);
    }
}

static void test_explicit_contrast(bo_context *ctx)
{
    bo_results *r = run(ctx, linear_model, "algorithm=dp5 rtol=1e-6 atol=1e-6 duration=2.385");
    if (r) {
        printf("linear dp5 for contrast: %ld steps\n", (long)bo_results_steps(r, 0));
        T_CHECK(bo_results_steps(r, 0) > 5000);
    }
    bo_results_destroy(r);
}

static void test_robertson(bo_context *ctx)
{
    const double y0[3] = {1.0, 0.0, 0.0}, T = 40.0;
    const double atol_ref[3] = {1e-14, 1e-18, 1e-14};
    double ref[3];
    long cv_steps = 0;
    T_EQ_INT(cvode_solve(rob_f, rob_j, 3, y0, T, 1e-11, atol_ref, ref, &cv_steps), 0);
    /* Hairer & Wanner II, IV.10 print y(40) = (0.7158, 9.185e-6, 0.2842) to 4 digits. */
    T_REL(ref[0], 0.7158, 1e-4);
    T_REL(ref[1], 9.185e-6, 1e-3);
    T_REL(ref[2], 0.2842, 1e-3);
    long cv6 = 0;
    double ref6[3];
    const double atol6[3] = {1e-10, 1e-14, 1e-10};
    T_EQ_INT(cvode_solve(rob_f, rob_j, 3, y0, T, 1e-6, atol6, ref6, &cv6), 0);
    printf("robertson CVODE: %ld steps at rtol 1e-11, %ld at rtol 1e-6\n", cv_steps, cv6);
    for (size_t i = 0; i < N_EMBEDDED; ++i) {
        char conf[256];
        snprintf(conf, sizeof conf,
                 "algorithm=%s rtol=1e-6 atol=1e-10,1e-14,1e-10 duration=40 max_steps=100000",
                 embedded[i]);
        bo_results *r = run(ctx, robertson_model, conf);
        if (!r)
            continue;
        T_EQ_INT(bo_results_status(r, 0), 0);
        double worst = 0.0, mass = 0.0;
        for (size_t k = 0; k < 3; ++k) {
            double v = bo_results_final(r, 0, k);
            double e = fabs(v - ref[k]) / fabs(ref[k]);
            worst = e > worst ? e : worst;
            mass += v;
        }
        long steps = (long)bo_results_steps(r, 0), rej = (long)bo_results_rejections(r, 0);
        printf("robertson %-15s: max rel error %.2e, mass - 1 = %.1e, %ld steps, %ld rejected\n",
               embedded[i], worst, mass - 1.0, steps, rej);
        /* Crank-Nicolson's first-order estimate and missing L-stability cost accuracy per
         * step, not correctness. */
        T_CHECKF(worst < 2e-4, "%s: error %.3g", embedded[i], worst);
        T_CHECKF(fabs(mass - 1.0) < 1e-13, "%s: mass %.17g", embedded[i], mass);
        T_CHECKF(steps < 20 * cv6 && rej < steps / 2, "%s: %ld steps, %ld rejected", embedded[i],
                 steps, rej);
        bo_results_destroy(r);
    }
}

static void test_vdp(bo_context *ctx)
{
    const double y0[2] = {2.0, 0.0}, T = 2000.0, atol_ref[2] = {1e-12, 1e-12};
    double ref[2];
    long cv_steps = 0;
    T_EQ_INT(cvode_solve(vdp_f, vdp_j, 2, y0, T, 1e-11, atol_ref, ref, &cv_steps), 0);
    printf("vdp CVODE (rtol 1e-11): x = %.10f, v = %.10g, %ld steps\n", ref[0], ref[1], cv_steps);
    /* By t = 2000 the solution has jumped twice (half a period, about 807 for mu = 1000:
     * mu (3 - 2 ln 2) / 2) and is on the slow branch x > 1 again. */
    T_CHECK(ref[0] > 1.0 && ref[0] < 2.0);
    static const char *const methods[] = {"sdirk4", "kvaerno3", "kvaerno5"};
    for (size_t i = 0; i < 3; ++i) {
        char conf[256];
        snprintf(conf, sizeof conf,
                 "algorithm=%s rtol=1e-7 atol=1e-7 duration=2000 max_steps=200000", methods[i]);
        bo_results *r = run(ctx, vdp_model, conf);
        if (!r)
            continue;
        T_EQ_INT(bo_results_status(r, 0), 0);
        double ex = fabs(bo_results_final(r, 0, 0) - ref[0]) / fabs(ref[0]);
        printf("vdp %-9s: x rel error %.2e, %ld steps, %ld rejected\n", methods[i], ex,
               (long)bo_results_steps(r, 0), (long)bo_results_rejections(r, 0));
        T_CHECKF(ex < 1e-4, "%s: x error %.3g", methods[i], ex);
        bo_results_destroy(r);
    }
}

int main(void)
{
    bo_context *ctx = NULL;
    T_EQ_INT(bo_context_create(&ctx), BO_OK);
    if (!ctx)
        T_DONE();
    test_linear(ctx, "float64", 1e4, 1e-6);
    test_linear(ctx, "float32", 1e3, 1e-4);
    test_explicit_contrast(ctx);
    test_robertson(ctx);
    test_vdp(ctx);
    bo_context_destroy(ctx);
    T_DONE();
}
