/* CellML models imported and solved end to end (CPU backend), each checked against
 * independent truth:
 *   - the Hodgkin-Huxley model (tests/data/cellml/hodgkin_huxley.cellml) against the same
 *     model written in the model language (examples/hodgkin_huxley.ode) and against GSL's
 *     rk8pd on the published equations written out here: the voltage trace of one action
 *     potential, its peak, and the resting potential, found independently as the zero of the
 *     steady-state membrane current by bisection;
 *   - Lorenz and FitzHugh-Nagumo (CellML 1.0 and 2.0) against GSL on the published equations
 *     and against their model-language versions;
 *   - the two-component model in millivolts/milliseconds and volts/seconds (an imported
 *     CellML 1.1 component) against its closed-form solution.
 * The parameters are swept by their component.variable names. */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_odeiv2.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "batchode.h"
#include "harness.h"
#include "solvetest.h"

static bo_context *ctx;

static bo_model *load(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s/%s", BO_SOURCE_DIR, dir, name);
    bo_model *m = NULL;
    int rc = bo_model_load_file(ctx, path, &m);
    T_CHECKF(rc == BO_OK, "%s: %s", name, bo_errmsg(ctx));
    return m;
}

/* ---- GSL references on the published equations ----------------------------------------- */

static int hh_rhs(double t, const double y[], double f[], void *params)
{
    const double *p = params; /* I_amp, t_on */
    const double V = y[0], m = y[1], h = y[2], n = y[3];
    double am = 0.1 * (V + 40.0) / (1.0 - exp(-(V + 40.0) / 10.0));
    double bm = 4.0 * exp(-(V + 65.0) / 18.0);
    double ah = 0.07 * exp(-(V + 65.0) / 20.0);
    double bh = 1.0 / (1.0 + exp(-(V + 35.0) / 10.0));
    double an = 0.01 * (V + 55.0) / (1.0 - exp(-(V + 55.0) / 10.0));
    double bn = 0.125 * exp(-(V + 65.0) / 80.0);
    double i_app = t >= p[1] ? p[0] : 0.0;
    f[0] = i_app - 120.0 * m * m * m * h * (V - 50.0) - 36.0 * n * n * n * n * (V + 77.0) -
           0.3 * (V + 54.387);
    f[1] = am * (1.0 - m) - bm * m;
    f[2] = ah * (1.0 - h) - bh * h;
    f[3] = an * (1.0 - n) - bn * n;
    return GSL_SUCCESS;
}

static int lorenz_rhs(double t, const double y[], double f[], void *params)
{
    const double *p = params; /* rho */
    (void)t;
    f[0] = 10 * (y[1] - y[0]);
    f[1] = y[0] * (p[0] - y[2]) - y[1];
    f[2] = y[0] * y[1] - 8.0 / 3.0 * y[2];
    return GSL_SUCCESS;
}

static int fhn_rhs(double t, const double y[], double f[], void *params)
{
    const double *p = params; /* I */
    (void)t;
    f[0] = y[0] - y[0] * y[0] * y[0] / 3 - y[1] + p[0];
    f[1] = 0.08 * (y[0] + 0.7 - 0.8 * y[1]);
    return GSL_SUCCESS;
}

/* Integrate from y (t = 0) to each of times[0..n) (increasing), writing out[i*dim + k]. */
static void reference(int (*rhs)(double, const double[], double[], void *), size_t dim,
                      double *params, double *y, const double *times, size_t n, double *out)
{
    gsl_odeiv2_system sys = {rhs, NULL, dim, params};
    gsl_odeiv2_driver *d =
        gsl_odeiv2_driver_alloc_y_new(&sys, gsl_odeiv2_step_rk8pd, 1e-6, 1e-12, 1e-12);
    double t = 0;
    for (size_t i = 0; d && i < n; ++i) {
        T_EQ_INT(gsl_odeiv2_driver_apply(d, &t, times[i], y), GSL_SUCCESS);
        memcpy(out + i * dim, y, dim * sizeof *y);
    }
    gsl_odeiv2_driver_free(d);
}

/* ---- batchode ------------------------------------------------------------------------- */

/* Solve one run with the parameters names[i] = values[i]. */
static bo_results *solve_one(const bo_model *m, const char *conf, const char **names,
                             const double *values, size_t np)
{
    bo_batch *b = NULL;
    T_EQ_INT(bo_batch_create(ctx, m, &b), BO_OK);
    for (size_t i = 0; b && i < np; ++i) {
        int rc = bo_batch_set_values(b, BO_PARAMETER, names[i], &values[i], 1);
        T_CHECKF(rc == BO_OK, "%s: %s", names[i], bo_errmsg(ctx));
    }
    bo_results *r = b ? solve(ctx, m, b, conf) : NULL;
    T_CHECK(r != NULL);
    if (r)
        T_EQ_INT(bo_results_failed_count(r), 0);
    bo_batch_destroy(b);
    return r;
}

static const char *ACCURATE = "algorithm=dop853 rtol=1e-11 atol=1e-11";

/* The steady-state membrane current of the Hodgkin-Huxley model at V (gates at their
 * steady states), whose zero is the resting potential. */
static double hh_rest_current(double V)
{
    double am = 0.1 * (V + 40.0) / (1.0 - exp(-(V + 40.0) / 10.0)),
           bm = 4.0 * exp(-(V + 65.0) / 18.0), ah = 0.07 * exp(-(V + 65.0) / 20.0),
           bh = 1.0 / (1.0 + exp(-(V + 35.0) / 10.0)),
           an = 0.01 * (V + 55.0) / (1.0 - exp(-(V + 55.0) / 10.0)),
           bn = 0.125 * exp(-(V + 65.0) / 80.0);
    double m = am / (am + bm), h = ah / (ah + bh), n = an / (an + bn);
    return 120.0 * m * m * m * h * (V - 50.0) + 36.0 * n * n * n * n * (V + 77.0) +
           0.3 * (V + 54.387);
}

static void test_hodgkin_huxley(void)
{
    bo_model *cm = load("tests/data/cellml", "hodgkin_huxley.cellml");
    bo_model *om = load("examples", "hodgkin_huxley.ode");
    if (!cm || !om) {
        bo_model_destroy(cm);
        bo_model_destroy(om);
        return;
    }
    /* One action potential: the stimulus of 10 uA/cm^2 from 5 ms, saved every 0.05 ms. */
    enum { NS = 400 };
    char conf[256];
    snprintf(conf, sizeof conf, "%s duration=20 save_every=0.05 save_variables=V", ACCURATE);
    const char *cnames[] = {"stimulus.I_amp", "stimulus.t_on"};
    const char *onames[] = {"I_amp", "t_on"};
    double pv[] = {10, 5};
    bo_results *rc = solve_one(cm, conf, cnames, pv, 2);
    bo_results *ro = solve_one(om, conf, onames, pv, 2);
    double times[NS], ref[NS * 4];
    double y[4] = {-65, 0.05293, 0.59612, 0.31768};
    for (size_t i = 0; i < NS; ++i)
        times[i] = 0.05 * (double)(i + 1);
    reference(hh_rhs, 4, pv, y, times, NS, ref);
    if (rc && ro) {
        T_EQ_INT(bo_results_save_count(rc), NS + 1);
        double peak = -1e9, peak_ref = -1e9, worst = 0, worst_ode = 0;
        for (size_t i = 1; i <= NS && i < bo_results_save_count(rc); ++i) {
            double v = bo_results_value(rc, i, 0, 0);
            worst = fmax(worst, fabs(v - ref[(i - 1) * 4]));
            worst_ode = fmax(worst_ode, fabs(v - bo_results_value(ro, i, 0, 0)));
            peak = fmax(peak, v);
            peak_ref = fmax(peak_ref, ref[(i - 1) * 4]);
        }
        printf("HH: peak %.6f mV (GSL %.6f), max |V - V_GSL| = %.2e mV, max |V - V_ode| = %.2e\n",
               peak, peak_ref, worst, worst_ode);
        T_CHECKF(worst < 1e-6, "V differs from GSL by %g mV", worst);
        /* The same equations, written in a different order: rounding differences, which the
         * adaptive steps carry along (2e-8 mV seen when the generated code is built with the
         * sanitizers). */
        T_CHECKF(worst_ode < 1e-6, "V differs from the .ode model by %g mV", worst_ode);
        T_ABS(peak, peak_ref, 1e-6);
        /* An action potential: well above 0 mV (about +40 mV in this convention). */
        T_CHECK(peak > 30 && peak < 50);
    }
    bo_results_destroy(rc);
    bo_results_destroy(ro);
    /* At rest (no stimulus) the model settles to the zero of the steady-state current. */
    double lo = -70, hi = -60;
    for (int i = 0; i < 200; ++i) {
        double mid = 0.5 * (lo + hi);
        if (hh_rest_current(mid) > 0)
            hi = mid;
        else
            lo = mid;
    }
    double v_rest = 0.5 * (lo + hi);
    snprintf(conf, sizeof conf, "%s duration=400", ACCURATE);
    double zero[] = {0, 5};
    rc = solve_one(cm, conf, cnames, zero, 2);
    if (rc) {
        printf("HH: resting potential %.9f mV (bisection %.9f)\n", bo_results_final(rc, 0, 0),
               v_rest);
        T_ABS(bo_results_final(rc, 0, 0), v_rest, 1e-6);
        T_ABS(v_rest, -65.0, 0.05); /* the published resting potential */
    }
    bo_results_destroy(rc);
    bo_model_destroy(cm);
    bo_model_destroy(om);
}

static void test_lorenz_fhn(void)
{
    static const char FHN_ODE[] = "param a = 0.7, b = 0.8, epsilon = 0.08, I = 0.5\n"
                                  "state v = -1, w = 1\n"
                                  "dv/dt = v - v^3/3 - w + I\n"
                                  "dw/dt = epsilon*(v + a - b*w)\n";
    struct {
        const char *file, *param;
        const char *ode_file, *ode_param;
        int (*rhs)(double, const double[], double[], void *);
        size_t n;
        double y0[3], p, T;
    } cases[] = {
        {"lorenz.cellml", "main.rho", "lorenz.ode", "rho", lorenz_rhs, 3, {1, 0, 0}, 24.5, 2.0},
        {"fitzhugh_nagumo.cellml", "fhn.I", NULL, "I", fhn_rhs, 2, {-1, 1, 0}, 0.35, 100.0},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; ++c) {
        bo_model *cm = load("tests/data/cellml", cases[c].file);
        bo_model *om = NULL;
        if (cases[c].ode_file)
            om = load("examples", cases[c].ode_file);
        else
            T_EQ_INT(bo_model_load_string(ctx, FHN_ODE, "fhn.ode", &om), BO_OK);
        char conf[256];
        snprintf(conf, sizeof conf, "%s duration=%g", ACCURATE, cases[c].T);
        bo_results *rc = cm ? solve_one(cm, conf, &cases[c].param, &cases[c].p, 1) : NULL;
        bo_results *ro = om ? solve_one(om, conf, &cases[c].ode_param, &cases[c].p, 1) : NULL;
        double y[3], ref[3], p = cases[c].p;
        memcpy(y, cases[c].y0, sizeof y);
        reference(cases[c].rhs, cases[c].n, &p, y, &cases[c].T, 1, ref);
        for (size_t k = 0; rc && ro && k < cases[c].n; ++k) {
            T_ABS(bo_results_final(rc, 0, k), ref[k], 1e-6 * (1 + fabs(ref[k])));
            T_ABS(bo_results_final(rc, 0, k), bo_results_final(ro, 0, k),
                  1e-7 * (1 + fabs(ref[k])));
        }
        bo_results_destroy(rc);
        bo_results_destroy(ro);
        bo_model_destroy(cm);
        bo_model_destroy(om);
    }
}

static void test_unit_conversion(void)
{
    bo_model *m = load("tests/data/cellml", "two_units.cellml");
    if (!m)
        return;
    /* V(t) = E + (V0 - E) exp(-t/tau), tau in seconds; y = exp(-k_y t) with k_y per second;
     * t in milliseconds. Two runs: tau = 5 ms and 2.385 ms. */
    char conf[256];
    snprintf(conf, sizeof conf, "%s duration=7.3", ACCURATE);
    const double taus[] = {0.005, 0.002385};
    for (size_t i = 0; i < 2; ++i) {
        const char *names[] = {"kinetics.tau"};
        bo_results *r = solve_one(m, conf, names, &taus[i], 1);
        if (!r)
            continue;
        double tau_ms = taus[i] * 1000;
        T_REL(bo_results_final(r, 0, 0), 20 - 100 * exp(-7.3 / tau_ms), 1e-9);
        T_REL(bo_results_final(r, 0, 1), exp(-7.3 / 10), 1e-9);
        bo_results_destroy(r);
    }
    bo_model_destroy(m);
}

int main(void)
{
    if (!bo_cellml_supported())
        T_SKIP("built without libxml2 (CellML import)");
    gsl_set_error_handler_off();
    T_CHECK(bo_context_create(&ctx) == BO_OK);
    test_hodgkin_huxley();
    test_lorenz_fhn();
    test_unit_conversion();
    bo_context_destroy(ctx);
    T_DONE();
}
