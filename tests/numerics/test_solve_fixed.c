/* Fixed-step convergence through the whole pipeline (model text -> generated C -> cc ->
 * solve) for every explicit method: the global error at the end of [0, 2.4] must fall like
 * dt^p over three halvings of dt, p the order of the propagated solution (algorithms.md).
 * Problems with closed-form solutions:
 *   y' = -k*y                       y = y0*exp(-k*t)
 *   x' = v, v' = -w^2*x             x = x0*cos(w*t), v = -x0*w*sin(w*t)
 *   z' = cos(t)*z                   z = z0*exp(sin(t))
 * The error is measured in a norm that does not dip at zero crossings (error_norm).
 * Each method's starting dt keeps the error above roundoff at the smallest step and inside
 * the asymptotic range at the largest. */
#include <math.h>
#include <stdio.h>

#include "batchode.h"
#include "harness.h"
#include "solvetest.h"

static const char *analytic_model = "model analytic\n"
                                    "param k = 1.5, w = 2.385\n"
                                    "state y = 2.385, x = 1.25, v = 0, z = 0.75\n"
                                    "dy/dt = -k*y\n"
                                    "dx/dt = v\n"
                                    "dv/dt = -w^2*x\n"
                                    "dz/dt = cos(t)*z\n";

/* Euclidean norm of the error at T, with v scaled by 1/w: the oscillator's error is mostly
 * a phase error, and this norm does not dip when x or v happens to cross zero at T. */
static double error_norm(const bo_results *r, double T)
{
    const double k = 1.5, w = 2.385, y0 = 2.385, x0 = 1.25, z0 = 0.75;
    double exact[4] = {y0 * exp(-k * T), x0 * cos(w * T), -x0 * w * sin(w * T), z0 * exp(sin(T))};
    double scale[4] = {1.0, 1.0, 1.0 / w, 1.0};
    double sum = 0.0;
    if (bo_results_status(r, 0) != 0)
        return NAN;
    for (size_t i = 0; i < 4; ++i) {
        double e = (bo_results_final(r, 0, i) - exact[i]) * scale[i];
        sum += e * e;
    }
    return sqrt(sum);
}

int main(void)
{
    static const struct {
        const char *name;
        int order;
        double dt;
    } methods[] = {{"euler", 1, 0.01}, {"heun", 2, 0.02},     {"ralston", 3, 0.04},
                   {"rk4", 4, 0.1},    {"bs3", 3, 0.04},      {"fehlberg45", 4, 0.1},
                   {"dp5", 5, 0.1},    {"cash_karp", 5, 0.1}, {"tsit5", 5, 0.05},
                   {"vern7", 7, 0.3},  {"dop853", 8, 0.6}};
    const double T = 2.4;
    bo_context *ctx = NULL;
    bo_model *m = NULL;
    bo_batch *b = NULL;
    T_EQ_INT(bo_context_create(&ctx), BO_OK);
    if (!ctx)
        T_DONE();
    T_EQ_INT(bo_model_load_string(ctx, analytic_model, NULL, &m), BO_OK);
    T_EQ_INT(bo_batch_create(ctx, m, &b), BO_OK);
    printf("method      order        dt        error      slopes\n");
    for (size_t mi = 0; mi < sizeof methods / sizeof methods[0] && m && b; ++mi) {
        double err[4];
        for (int h = 0; h < 4; ++h) {
            char conf[256];
            double dt = methods[mi].dt / (double)(1 << h);
            snprintf(conf, sizeof conf,
                     "algorithm=%s step_controller=fixed dt=%.17g duration=%.17g", methods[mi].name,
                     dt, T);
            bo_results *r = solve(ctx, m, b, conf);
            T_CHECKF(r != NULL, "%s", conf);
            err[h] = r ? error_norm(r, T) : NAN;
            if (r) {
                T_EQ_INT(bo_results_status(r, 0), 0);
                T_EQ_INT(bo_results_rejections(r, 0), 0);
            }
            bo_results_destroy(r);
        }
        double slope = log2(err[0] / err[3]) / 3.0;
        printf("%-10s %3d  %10.4g  %10.3g  %5.2f %5.2f %5.2f -> %5.2f\n", methods[mi].name,
               methods[mi].order, methods[mi].dt, err[3], log2(err[0] / err[1]),
               log2(err[1] / err[2]), log2(err[2] / err[3]), slope);
        T_CHECKF(fabs(slope - methods[mi].order) <= 0.2, "%s: slope %g, order %d", methods[mi].name,
                 slope, methods[mi].order);
    }
    bo_batch_destroy(b);
    bo_model_destroy(m);
    bo_context_destroy(ctx);
    T_DONE();
}
