/* batchode against an independent integrator: GSL's gsl_odeiv2 driver with the rk8pd
 * (Prince-Dormand 8(7)) stepper at rtol = atol = 1e-12 is the reference for the example
 * models, whose right-hand sides are written out again here in plain C from the same
 * published equations (not from batchode's generated code):
 *   Lorenz (sigma 10, beta 8/3, rho swept over 0..28), t in [0, 1] and [0, 5];
 *   van der Pol, mu = 1, t in [0, 10];
 *   Hodgkin-Huxley with the current on from t = 0, t in [0, 15] ms (one spike);
 *   the Michaelis-Menten network with non-stiff rates, t in [0, 5].
 * vern7 and dop853 at rtol 1e-10, atol 1e-12 must agree to ~1e-7 and tsit5 at 1e-8 to
 * ~1e-5, relative to |reference| + 1 (the gating variables and concentrations are O(1) or
 * below, so this is an absolute check for them and a relative one for V). */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_odeiv2.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "batchode.h"
#include "harness.h"
#include "solvetest.h"

#define MAXN 4
#define MAXRUNS 5

/* GSL right-hand sides. params points at a double array of the run's parameters. */
static int lorenz_rhs(double t, const double y[], double f[], void *params)
{
    const double *p = params; /* sigma, rho */
    (void)t;
    f[0] = p[0] * (y[1] - y[0]);
    f[1] = y[0] * (p[1] - y[2]) - y[1];
    f[2] = y[0] * y[1] - 8.0 / 3.0 * y[2];
    return GSL_SUCCESS;
}

static int vdp_rhs(double t, const double y[], double f[], void *params)
{
    const double *p = params; /* mu */
    (void)t;
    f[0] = y[1];
    f[1] = p[0] * (1.0 - y[0] * y[0]) * y[1] - y[0];
    return GSL_SUCCESS;
}

/* Hodgkin & Huxley, J. Physiol. 117 (1952), eq. (26) and the rate functions of their
 * section 'Summary of equations', shifted to a resting potential of -65 mV. */
static int hh_rhs(double t, const double y[], double f[], void *params)
{
    const double *p = params; /* I_amp, t_on */
    const double V = y[0], m = y[1], h = y[2], n = y[3];
    double am = fabs(V + 40.0) < 1e-7 ? 1.0 : 0.1 * (V + 40.0) / (1.0 - exp(-(V + 40.0) / 10.0));
    double bm = 4.0 * exp(-(V + 65.0) / 18.0);
    double ah = 0.07 * exp(-(V + 65.0) / 20.0);
    double bh = 1.0 / (1.0 + exp(-(V + 35.0) / 10.0));
    double an = fabs(V + 55.0) < 1e-7 ? 0.1 : 0.01 * (V + 55.0) / (1.0 - exp(-(V + 55.0) / 10.0));
    double bn = 0.125 * exp(-(V + 65.0) / 80.0);
    double i_app = t >= p[1] ? p[0] : 0.0;
    double i_na = 120.0 * m * m * m * h * (V - 50.0);
    double i_k = 36.0 * n * n * n * n * (V + 77.0);
    double i_l = 0.3 * (V + 54.387);
    f[0] = i_app - i_na - i_k - i_l;
    f[1] = am * (1.0 - m) - bm * m;
    f[2] = ah * (1.0 - h) - bh * h;
    f[3] = an * (1.0 - n) - bn * n;
    return GSL_SUCCESS;
}

/* E + S <-> C (kf, kr), C -> E + P (kcat); states S, E, C. */
static int mm_rhs(double t, const double y[], double f[], void *params)
{
    const double *p = params; /* kf, kr, kcat */
    double bind = p[0] * y[1] * y[0], unbind = p[1] * y[2], turnover = p[2] * y[2];
    (void)t;
    f[0] = -bind + unbind;
    f[1] = -bind + unbind + turnover;
    f[2] = bind - unbind - turnover;
    return GSL_SUCCESS;
}

typedef struct {
    const char *name;
    const char *file;
    int (*rhs)(double, const double[], double[], void *);
    size_t n;
    double T;
    size_t runs;
    /* Batch values, by name: states first then parameters, one value per run. */
    const char *vars[6];
    bo_symbol_kind kinds[6];
    double values[6][MAXRUNS];
    /* The same runs as GSL sees them. */
    double y0[MAXRUNS][MAXN];
    double p[MAXRUNS][3];
} problem;

static void reference(const problem *pb, size_t run, double out[MAXN])
{
    double p[3], t = 0.0;
    memcpy(p, pb->p[run], sizeof p);
    memcpy(out, pb->y0[run], sizeof(double) * MAXN);
    gsl_odeiv2_system sys = {pb->rhs, NULL, pb->n, p};
    gsl_odeiv2_driver *d =
        gsl_odeiv2_driver_alloc_y_new(&sys, gsl_odeiv2_step_rk8pd, 1e-6, 1e-12, 1e-12);
    T_CHECK(d != NULL);
    if (!d)
        return;
    int rc = gsl_odeiv2_driver_apply(d, &t, pb->T, out);
    T_EQ_INT(rc, GSL_SUCCESS);
    gsl_odeiv2_driver_free(d);
}

static void compare(bo_context *ctx, const problem *pb)
{
    static const struct {
        const char *conf;
        double agree;
    } methods[] = {{"algorithm=vern7 rtol=1e-10 atol=1e-12", 1e-7},
                   {"algorithm=dop853 rtol=1e-10 atol=1e-12", 1e-7},
                   {"algorithm=tsit5 rtol=1e-8 atol=1e-8", 1e-5}};
    char path[1024];
    bo_model *m = NULL;
    bo_batch *b = NULL;
    double ref[MAXRUNS][MAXN];
    snprintf(path, sizeof path, "%s/examples/%s", BO_SOURCE_DIR, pb->file);
    T_EQ_INT(bo_model_load_file(ctx, path, &m), BO_OK);
    if (!m)
        return;
    T_EQ_INT(bo_batch_create(ctx, m, &b), BO_OK);
    T_EQ_INT(bo_batch_set_grid(b, BO_GRID_VERBATIM), BO_OK);
    for (size_t v = 0; v < 6 && pb->vars[v]; ++v)
        T_EQ_INT(bo_batch_set_values(b, pb->kinds[v], pb->vars[v], pb->values[v], pb->runs), BO_OK);
    for (size_t run = 0; run < pb->runs; ++run)
        reference(pb, run, ref[run]);
    for (size_t mi = 0; mi < 3; ++mi) {
        char conf[256];
        snprintf(conf, sizeof conf, "%s duration=%.17g", methods[mi].conf, pb->T);
        bo_results *r = solve(ctx, m, b, conf);
        T_CHECKF(r != NULL, "%s %s", pb->name, conf);
        if (!r)
            continue;
        double worst = 0.0;
        for (size_t run = 0; run < pb->runs; ++run) {
            T_EQ_INT(bo_results_status(r, run), 0);
            for (size_t i = 0; i < pb->n; ++i) {
                double e =
                    fabs(bo_results_final(r, run, i) - ref[run][i]) / (fabs(ref[run][i]) + 1.0);
                worst = e > worst || isnan(e) ? e : worst;
            }
        }
        printf("%-24s %-40s largest scaled difference %.3g\n", pb->name, methods[mi].conf, worst);
        T_CHECKF(worst <= methods[mi].agree, "%s %s: %g", pb->name, conf, worst);
        bo_results_destroy(r);
    }
    bo_batch_destroy(b);
    bo_model_destroy(m);
}

int main(void)
{
    bo_context *ctx = NULL;
    gsl_set_error_handler_off();
    T_EQ_INT(bo_context_create(&ctx), BO_OK);
    if (!ctx)
        T_DONE();
    static problem lorenz = {"lorenz",
                             "lorenz.ode",
                             lorenz_rhs,
                             3,
                             1.0,
                             5,
                             {"rho", NULL},
                             {BO_PARAMETER},
                             {{0.0, 7.0, 14.0, 21.0, 28.0}},
                             {{1, 0, 0, 0}, {1, 0, 0, 0}, {1, 0, 0, 0}, {1, 0, 0, 0}, {1, 0, 0, 0}},
                             {{10, 0}, {10, 7}, {10, 14}, {10, 21}, {10, 28}}};
    compare(ctx, &lorenz);
    lorenz.name = "lorenz t=5";
    lorenz.T = 5.0;
    compare(ctx, &lorenz);
    static const problem vdp = {"vanderpol mu=1", "vanderpol.ode", vdp_rhs, 2,        10.0, 1,
                                {NULL},           {BO_STATE},      {{0}},   {{2, 0}}, {{1}}};
    compare(ctx, &vdp);
    /* t_on = 0 switches the current on from the start, so the right-hand side is smooth on
     * the whole interval; 10 uA/cm^2 fires a spike within the first 15 ms. */
    static const problem hh = {"hodgkin_huxley",
                               "hodgkin_huxley.ode",
                               hh_rhs,
                               4,
                               15.0,
                               1,
                               {"t_on", NULL},
                               {BO_PARAMETER},
                               {{0.0}},
                               {{-65, 0.05293, 0.59612, 0.31768}},
                               {{10, 0}}};
    compare(ctx, &hh);
    /* Rates of order one (the example's kf = 1e3 is stiff for explicit methods). */
    static const problem mm = {"michaelis_menten",
                               "chemical_network.ode",
                               mm_rhs,
                               3,
                               5.0,
                               2,
                               {"E", "kf", "kr", "kcat", NULL},
                               {BO_STATE, BO_PARAMETER, BO_PARAMETER, BO_PARAMETER},
                               {{0.75, 0.25}, {2.385, 1.5}, {0.5, 0.25}, {1.5, 2.385}},
                               {{1, 0.75, 0}, {1, 0.25, 0}},
                               {{2.385, 0.5, 1.5}, {1.5, 0.25, 2.385}}};
    compare(ctx, &mm);
    bo_context_destroy(ctx);
    T_DONE();
}
