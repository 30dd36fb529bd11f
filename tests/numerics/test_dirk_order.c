/* Fixed-step convergence of every diagonally implicit method through the whole pipeline (model
 * text -> generated C with the Newton engine -> cc -> solve), over four halvings of dt from 0.2
 * on [0, 2.4]:
 *   - a non-stiff system with closed-form solution, one component nonlinear:
 *       y' = -k y, x' = v, v' = -w^2 x, u' = -u^2 (u = u0 / (1 + u0 t));
 *     the error must fall like dt^p, p the classical order;
 *   - Prothero-Robinson, y' = lam (y - sin t) + cos t, y(0) = 0, y = sin t, lam = -1e6
 *     (A. Prothero, A. Robinson, Math. Comp. 28 (1974) 145-162): with |lam dt| >= 1e4 the
 *     observed order drops to the stage order q (Hairer & Wanner II, IV.15): 1 for the SDIRKs
 *     and backward Euler, 2 for the ESDIRKs and Crank-Nicolson, whose explicit first stage
 *     raises the stage order; the stiffly accurate L-stable methods keep the error below
 *     dt^q / |lam|, while the implicit midpoint rule (R(-inf) = -1, not stiffly accurate) is
 *     4-5 orders of magnitude less accurate at the same order 2.
 * atol = rtol = 1e-13 make the Newton error negligible. Also float32 (Newton tolerances
 * 1e-6) at step sizes where the error is far above float32 rounding. */
#include <math.h>
#include <stdio.h>

#include "batchode.h"
#include "harness.h"
#include "solvetest.h"

static const char *nonstiff_model = "model nonstiff\n"
                                    "param k = 1.5, w = 2.385\n"
                                    "state y = 2.385, x = 1.25, v = 0, u = 0.75\n"
                                    "dy/dt = -k*y\n"
                                    "dx/dt = v\n"
                                    "dv/dt = -w^2*x\n"
                                    "du/dt = -u^2\n";

static const char *pr_model = "model prothero\n"
                              "param lam = -1e6\n"
                              "state y = 0\n"
                              "dy/dt = lam*(y - sin(t)) + cos(t)\n";

#define T_END 2.4
#define N_DT 5

/* Euclidean norm of the error at T_END, v scaled by 1/w (the oscillator's error is a phase
 * error; this norm does not dip at zero crossings). */
static double nonstiff_error(const bo_results *r)
{
    const double k = 1.5, w = 2.385, y0 = 2.385, x0 = 1.25, u0 = 0.75, T = T_END;
    double exact[4] = {y0 * exp(-k * T), x0 * cos(w * T), -x0 * w * sin(w * T),
                       u0 / (1.0 + u0 * T)};
    double scale[4] = {1.0, 1.0, 1.0 / w, 1.0};
    double sum = 0.0;
    for (size_t i = 0; i < 4; ++i) {
        double e = (bo_results_final(r, 0, i) - exact[i]) * scale[i];
        sum += e * e;
    }
    return sqrt(sum);
}

static double pr_error(const bo_results *r)
{
    return fabs(bo_results_final(r, 0, 0) - sin(T_END));
}

/* Errors for dt = dt0 / 2^h, h < count; NAN for a run that failed. */
static void errors(bo_context *ctx, const bo_model *m, const bo_batch *b, const char *method,
                   const char *extra, int stiff, double dt0, int count, double *err)
{
    for (int h = 0; h < count; ++h) {
        char conf[256];
        double dt = dt0 / (double)(1 << h);
        snprintf(conf, sizeof conf, "algorithm=%s step_controller=fixed dt=%.17g duration=%g %s",
                 method, dt, T_END, extra);
        bo_results *r = solve(ctx, m, b, conf);
        T_CHECKF(r != NULL, "%s", conf);
        err[h] = NAN;
        if (r) {
            T_EQ_INT(bo_results_status(r, 0), 0);
            T_EQ_INT(bo_results_rejections(r, 0), 0);
            if (bo_results_status(r, 0) == 0)
                err[h] = stiff ? pr_error(r) : nonstiff_error(r);
        }
        bo_results_destroy(r);
    }
}

int main(void)
{
    static const struct {
        const char *name;
        int order;        /* classical */
        int stiff_order;  /* observed on Prothero-Robinson: the stage order */
        double stiff_max; /* bound on the Prothero-Robinson error at dt = 0.2 */
    } methods[] = {
        {"backward_euler", 1, 1, 1e-6}, {"implicit_midpoint", 2, 2, 1e-2},
        {"crank_nicolson", 2, 2, 1e-7}, {"sdirk2", 2, 1, 1e-6},
        {"sdirk3", 3, 1, 1e-6},         {"sdirk4", 4, 1, 1e-6},
        {"kvaerno3", 3, 2, 1e-8},       {"kvaerno5", 5, 2, 1e-8},
    };
    bo_context *ctx = NULL;
    bo_model *m = NULL, *pr = NULL;
    bo_batch *b = NULL, *bp = NULL;
    T_EQ_INT(bo_context_create(&ctx), BO_OK);
    if (!ctx)
        T_DONE();
    T_EQ_INT(bo_model_load_string(ctx, nonstiff_model, NULL, &m), BO_OK);
    T_EQ_INT(bo_model_load_string(ctx, pr_model, NULL, &pr), BO_OK);
    T_EQ_INT(bo_batch_create(ctx, m, &b), BO_OK);
    T_EQ_INT(bo_batch_create(ctx, pr, &bp), BO_OK);
    printf("%-18s %-9s %-44s slope  expected\n", "method", "problem", "errors, dt = 0.2 / 2^h");
    for (size_t mi = 0; mi < sizeof methods / sizeof methods[0] && b && bp; ++mi) {
        for (int stiff = 0; stiff < 2; ++stiff) {
            double err[N_DT];
            errors(ctx, stiff ? pr : m, stiff ? bp : b, methods[mi].name, "atol=1e-13 rtol=1e-13",
                   stiff, 0.2, N_DT, err);
            /* The slope over the last three halvings (the first step sizes may lie outside
             * the asymptotic range). */
            double slope = log2(err[1] / err[N_DT - 1]) / (double)(N_DT - 2);
            int want = stiff ? methods[mi].stiff_order : methods[mi].order;
            printf("%-18s %-9s", methods[mi].name, stiff ? "PR 1e6" : "nonstiff");
            for (int h = 0; h < N_DT; ++h)
                printf(" %.2e", err[h]);
            printf("  %.2f   %d\n", slope, want);
            T_CHECKF(fabs(slope - want) < 0.2, "%s %s: slope %.3f, order %d", methods[mi].name,
                     stiff ? "stiff" : "nonstiff", slope, want);
            if (stiff)
                T_CHECKF(err[0] < methods[mi].stiff_max, "%s: stiff error %.3g", methods[mi].name,
                         err[0]);
        }
    }
    /* float32: orders 3 and 5 at step sizes where the error dominates rounding. */
    static const struct {
        const char *name;
        int order;
        double dt0;
    } f32[] = {{"sdirk3", 3, 0.2}, {"kvaerno5", 5, 0.4}};
    for (size_t i = 0; i < 2 && b; ++i) {
        double err[3];
        errors(ctx, m, b, f32[i].name, "precision=float32 atol=1e-6 rtol=1e-6", 0, f32[i].dt0, 3,
               err);
        double slope = log2(err[0] / err[2]) / 2.0;
        printf("%-18s float32   %.2e %.2e %.2e  %.2f   %d\n", f32[i].name, err[0], err[1], err[2],
               slope, f32[i].order);
        T_CHECKF(fabs(slope - f32[i].order) < 0.4, "%s float32: slope %.3f", f32[i].name, slope);
    }
    bo_batch_destroy(b);
    bo_batch_destroy(bp);
    bo_model_destroy(m);
    bo_model_destroy(pr);
    bo_context_destroy(ctx);
    T_DONE();
}
