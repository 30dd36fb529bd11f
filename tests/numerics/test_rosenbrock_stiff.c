/* The Rosenbrock methods on the classic stiff benchmarks, against SUNDIALS CVODE (BDF, dense
 * Newton, rtol 1e-10) run here as the independent oracle:
 *   - Robertson's chemical kinetics (k1 = 0.04, k2 = 3e7, k3 = 1e4) to t = 1e5 (Hairer &
 *     Wanner II, IV.10): final values, the linear invariant y1 + y2 + y3 = 1 (every u_i of a
 *     Rosenbrock step has zero sum when the Jacobian's columns do, so it holds up to the
 *     rounding of the linear solves), and the number of steps (hundreds, where an explicit
 *     method would need millions);
 *   - van der Pol with mu = 1000 (x'' - mu (1 - x^2) x' + x = 0, period about
 *     (3 - 2 ln 2) mu = 1614), to t = 3000: almost two periods, ending on a slow branch. */
#include <cvode/cvode.h>
#include <math.h>
#include <nvector/nvector_serial.h>
#include <stdio.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>

#include "batchode.h"
#include "harness.h"
#include "solvetest.h"

static const char *const methods[] = {"rosenbrock23", "ros3p", "rodas4", "rodas5p"};
#define N_METHODS 4

/* ---- the oracle ---------------------------------------------------------------------------- */

typedef int (*rhs_fn)(sunrealtype t, N_Vector y, N_Vector dy, void *data);
typedef int (*jac_fn)(sunrealtype t, N_Vector y, N_Vector fy, SUNMatrix J, void *data, N_Vector t1,
                      N_Vector t2, N_Vector t3);

static int rober_f(sunrealtype t, N_Vector yv, N_Vector dv, void *data)
{
    (void)t;
    (void)data;
    const double *y = N_VGetArrayPointer(yv);
    double *d = N_VGetArrayPointer(dv);
    d[0] = -0.04 * y[0] + 1e4 * y[1] * y[2];
    d[2] = 3e7 * y[1] * y[1];
    d[1] = -d[0] - d[2];
    return 0;
}

static int rober_j(sunrealtype t, N_Vector yv, N_Vector fy, SUNMatrix J, void *data, N_Vector t1,
                   N_Vector t2, N_Vector t3)
{
    (void)t, (void)fy, (void)data, (void)t1, (void)t2, (void)t3;
    const double *y = N_VGetArrayPointer(yv);
    SM_ELEMENT_D(J, 0, 0) = -0.04;
    SM_ELEMENT_D(J, 0, 1) = 1e4 * y[2];
    SM_ELEMENT_D(J, 0, 2) = 1e4 * y[1];
    SM_ELEMENT_D(J, 2, 0) = 0.0;
    SM_ELEMENT_D(J, 2, 1) = 6e7 * y[1];
    SM_ELEMENT_D(J, 2, 2) = 0.0;
    for (int j = 0; j < 3; ++j)
        SM_ELEMENT_D(J, 1, j) = -SM_ELEMENT_D(J, 0, j) - SM_ELEMENT_D(J, 2, j);
    return 0;
}

static const double MU = 1000.0;

static int vdp_f(sunrealtype t, N_Vector yv, N_Vector dv, void *data)
{
    (void)t;
    (void)data;
    const double *y = N_VGetArrayPointer(yv);
    double *d = N_VGetArrayPointer(dv);
    d[0] = y[1];
    d[1] = MU * (1.0 - y[0] * y[0]) * y[1] - y[0];
    return 0;
}

static int vdp_j(sunrealtype t, N_Vector yv, N_Vector fy, SUNMatrix J, void *data, N_Vector t1,
                 N_Vector t2, N_Vector t3)
{
    (void)t, (void)fy, (void)data, (void)t1, (void)t2, (void)t3;
    const double *y = N_VGetArrayPointer(yv);
    SM_ELEMENT_D(J, 0, 0) = 0.0;
    SM_ELEMENT_D(J, 0, 1) = 1.0;
    SM_ELEMENT_D(J, 1, 0) = -2.0 * MU * y[0] * y[1] - 1.0;
    SM_ELEMENT_D(J, 1, 1) = MU * (1.0 - y[0] * y[0]);
    return 0;
}

/* Integrate with CVODE BDF to T; y (n values) in and out. Returns 0 on success. */
static int cvode_solve(rhs_fn f, jac_fn jac, int n, double *y, double T, double rtol, double atol)
{
    SUNContext sun = NULL;
    if (SUNContext_Create(NULL, &sun) != 0)
        return -1;
    N_Vector v = N_VNew_Serial(n, sun);
    SUNMatrix A = SUNDenseMatrix(n, n, sun);
    SUNLinearSolver LS = SUNLinSol_Dense(v, A, sun);
    void *mem = CVodeCreate(CV_BDF, sun);
    int rc = -1;
    if (v && A && LS && mem) {
        for (int i = 0; i < n; ++i)
            NV_Ith_S(v, i) = y[i];
        double t = 0.0;
        rc = CVodeInit(mem, f, 0.0, v);
        if (rc == 0)
            rc = CVodeSStolerances(mem, rtol, atol);
        if (rc == 0)
            rc = CVodeSetLinearSolver(mem, LS, A);
        if (rc == 0)
            rc = CVodeSetJacFn(mem, jac);
        if (rc == 0)
            rc = CVodeSetMaxNumSteps(mem, 1000000);
        if (rc == 0)
            rc = CVode(mem, T, v, &t, CV_NORMAL) < 0 ? -1 : 0;
        for (int i = 0; i < n; ++i)
            y[i] = NV_Ith_S(v, i);
    }
    CVodeFree(&mem);
    SUNLinSolFree(LS);
    SUNMatDestroy(A);
    N_VDestroy(v);
    SUNContext_Free(&sun);
    return rc;
}

/* ---- the tests ----------------------------------------------------------------------------- */

static void test_robertson(bo_context *ctx)
{
    const char *text = "model robertson\n"
                       "param k1 = 0.04, k2 = 3e7, k3 = 1e4\n"
                       "state y1 = 1, y2 = 0, y3 = 0\n"
                       "dy1/dt = -k1*y1 + k3*y2*y3\n"
                       "dy2/dt = k1*y1 - k3*y2*y3 - k2*y2^2\n"
                       "dy3/dt = k2*y2^2\n";
    const double T = 1e5;
    double ref[3] = {1.0, 0.0, 0.0};
    T_EQ_INT(cvode_solve(rober_f, rober_j, 3, ref, T, 1e-10, 1e-16), 0);
    printf("Robertson to t = 1e5; CVODE: %.10e %.10e %.10e\n", ref[0], ref[1], ref[2]);
    bo_model *m = NULL;
    bo_batch *b = NULL;
    T_EQ_INT(bo_model_load_string(ctx, text, NULL, &m), BO_OK);
    T_EQ_INT(bo_batch_create(ctx, m, &b), BO_OK);
    for (int i = 0; m && b && i < N_METHODS; ++i) {
        /* y2 is of size 1e-5 at most; atol 1e-10 resolves it. */
        char conf[256];
        snprintf(conf, sizeof conf, "algorithm=%s rtol=1e-6 atol=1e-10 duration=%g", methods[i], T);
        bo_results *r = solve(ctx, m, b, conf);
        T_CHECKF(r != NULL, "%s", conf);
        if (!r)
            continue;
        T_EQ_INT(bo_results_status(r, 0), 0);
        double y[3], rel[3];
        for (int s = 0; s < 3; ++s) {
            y[s] = bo_results_final(r, 0, (size_t)s);
            rel[s] = fabs(y[s] - ref[s]) / fabs(ref[s]);
        }
        double mass = fabs(y[0] + y[1] + y[2] - 1.0);
        long long steps = (long long)bo_results_steps(r, 0);
        printf("  %-13s rel. errors %.2e %.2e %.2e  |mass - 1| %.1e  steps %lld (%lld rejected)\n",
               methods[i], rel[0], rel[1], rel[2], mass, steps,
               (long long)bo_results_rejections(r, 0));
        /* Global error of a few hundred steps at rtol 1e-6. */
        for (int s = 0; s < 3; ++s)
            T_CHECKF(rel[s] < 2e-4, "%s: y%d relative error %.2e", methods[i], s + 1, rel[s]);
        T_CHECKF(mass < 1e-12, "%s: mass off by %.2e", methods[i], mass);
        T_CHECKF(steps > 20 && steps < 2000, "%s: %lld steps", methods[i], steps);
        bo_results_destroy(r);
    }
    bo_batch_destroy(b);
    bo_model_destroy(m);
}

static void test_vanderpol(bo_context *ctx)
{
    const char *text = "model vdp\n"
                       "param mu = 1000\n"
                       "state x = 2, v = 0\n"
                       "dx/dt = v\n"
                       "dv/dt = mu*(1 - x^2)*v - x\n";
    const double T = 3000.0;
    double ref[2] = {2.0, 0.0};
    T_EQ_INT(cvode_solve(vdp_f, vdp_j, 2, ref, T, 1e-10, 1e-12), 0);
    printf("van der Pol mu = 1000 to t = 3000; CVODE: %.10e %.10e\n", ref[0], ref[1]);
    bo_model *m = NULL;
    bo_batch *b = NULL;
    T_EQ_INT(bo_model_load_string(ctx, text, NULL, &m), BO_OK);
    T_EQ_INT(bo_batch_create(ctx, m, &b), BO_OK);
    for (int i = 0; m && b && i < N_METHODS; ++i) {
        char conf[256];
        snprintf(conf, sizeof conf, "algorithm=%s rtol=1e-7 atol=1e-7 duration=%g", methods[i], T);
        bo_results *r = solve(ctx, m, b, conf);
        T_CHECKF(r != NULL, "%s", conf);
        if (!r)
            continue;
        T_EQ_INT(bo_results_status(r, 0), 0);
        double ex = fabs(bo_results_final(r, 0, 0) - ref[0]) / fabs(ref[0]);
        double ev = fabs(bo_results_final(r, 0, 1) - ref[1]) / fabs(ref[1]);
        long long steps = (long long)bo_results_steps(r, 0);
        printf("  %-13s rel. errors x %.2e v %.2e  steps %lld (%lld rejected)\n", methods[i], ex,
               ev, steps, (long long)bo_results_rejections(r, 0));
        /* Two fast jumps pass on the way: their timing errors are amplified, so the bound
         * allows a few hundred tolerances. */
        T_CHECKF(ex < 1e-4 && ev < 1e-4, "%s: errors %.2e %.2e", methods[i], ex, ev);
        T_CHECKF(steps < 20000, "%s: %lld steps", methods[i], steps);
        bo_results_destroy(r);
    }
    bo_batch_destroy(b);
    bo_model_destroy(m);
}

int main(void)
{
    bo_context *ctx = NULL;
    T_EQ_INT(bo_context_create(&ctx), BO_OK);
    if (!ctx)
        T_DONE();
    test_robertson(ctx);
    test_vanderpol(ctx);
    bo_context_destroy(ctx);
    T_DONE();
}
