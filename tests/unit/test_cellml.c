/* CellML import (src/import/, docs/cellml.md): the hand-written models of tests/data/cellml
 * imported and their right-hand sides checked against the published equations evaluated
 * here in plain C; every MathML operation against the C library; unit conversions between
 * components; the removable singularities of Hodgkin-Huxley rates evaluated exactly at the
 * singular voltage against their analytic limits; names and component.variable lookups; and
 * each malformed or unsupported input giving its error with the CellML file's line. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "model/model_internal.h"
#include "util/internal.h"

static bo_context *ctx;

static bo_model *load_data(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/cellml/%s", BO_SOURCE_DIR, name);
    bo_model *m = NULL;
    int rc = bo_model_load_file(ctx, path, &m);
    T_CHECKF(rc == BO_OK && m, "%s: %s", name, bo_errmsg(ctx));
    return m;
}

/* Values of the states and parameters (defaults, with overrides) for evaluation. */
typedef struct {
    double y[32], p[32], t;
} point;

static void defaults(const bo_model *m, point *pt)
{
    memset(pt, 0, sizeof *pt);
    for (size_t i = 0; i < bo_model_count(m, BO_STATE) && i < 32; ++i)
        pt->y[i] = bo_model_symbol_default(m, BO_STATE, i);
    for (size_t i = 0; i < bo_model_count(m, BO_PARAMETER) && i < 32; ++i)
        pt->p[i] = bo_model_symbol_default(m, BO_PARAMETER, i);
}

static void set(const bo_model *m, point *pt, bo_symbol_kind kind, const char *name, double v)
{
    long i = bo_model_find(m, kind, name);
    T_CHECKF(i >= 0, "no symbol %s", name);
    if (i >= 0)
        (kind == BO_STATE ? pt->y : pt->p)[i] = v;
}

static double eval_sym(const bo_model *m, point *pt, bo_symbol_kind kind, const char *name)
{
    ex_env env = {{0}};
    env.vars[EXV_STATE] = pt->y;
    env.vars[EXV_PARAM] = pt->p;
    env.vars[EXV_TIME] = &pt->t;
    long i = bo_model_find(m, kind, name);
    T_CHECKF(i >= 0, "no symbol %s", name);
    return i < 0 ? NAN : ex_eval(m->g, m->sym[kind][i].expr, &env);
}

static double rate(const bo_model *m, point *pt, const char *state)
{
    return eval_sym(m, pt, BO_STATE, state);
}

static void test_lorenz(void)
{
    bo_model *m = load_data("lorenz.cellml");
    if (!m)
        return;
    T_EQ_STR(bo_model_name(m), "lorenz");
    T_EQ_INT(bo_model_count(m, BO_STATE), 3);
    T_EQ_INT(bo_model_count(m, BO_PARAMETER), 3);
    T_EQ_INT(bo_model_find(m, BO_PARAMETER, "main.rho"), bo_model_find(m, BO_PARAMETER, "rho"));
    T_EQ_STR(bo_model_symbol_unit(m, BO_STATE, 0), "dimensionless");
    point pt;
    defaults(m, &pt);
    set(m, &pt, BO_STATE, "x", 1.25);
    set(m, &pt, BO_STATE, "y", -2.385);
    set(m, &pt, BO_STATE, "z", 17.5);
    set(m, &pt, BO_PARAMETER, "main.rho", 24.5);
    T_REL(rate(m, &pt, "x"), 10 * (-2.385 - 1.25), 1e-15);
    T_REL(rate(m, &pt, "y"), 1.25 * (24.5 - 17.5) + 2.385, 1e-15);
    T_REL(rate(m, &pt, "z"), 1.25 * -2.385 - 8.0 / 3.0 * 17.5, 1e-15);
    bo_model_destroy(m);
}

/* Hodgkin-Huxley rates, as published (shifted to rest at -65 mV). */
static double hh_alpha_m(double V)
{
    return 0.1 * (V + 40) / (1 - exp(-(V + 40) / 10));
}

static double hh_alpha_n(double V)
{
    return 0.01 * (V + 55) / (1 - exp(-(V + 55) / 10));
}

/* The same rates near their singular voltages without cancellation: x/(1 - exp(-x)) written
 * with expm1. */
static double xrel(double x)
{
    return x == 0 ? 1 : x / -expm1(-x);
}

static void test_hodgkin_huxley(void)
{
    bo_model *m = load_data("hodgkin_huxley.cellml");
    if (!m)
        return;
    T_EQ_INT(bo_model_count(m, BO_STATE), 4);
    T_EQ_INT(bo_model_count(m, BO_PARAMETER), 9);
    T_CHECK(bo_model_find(m, BO_PARAMETER, "sodium_channel.g_Na") >= 0);
    T_CHECK(bo_model_find(m, BO_STATE, "membrane.V") == bo_model_find(m, BO_STATE, "V"));
    T_CHECK(bo_model_find(m, BO_OBSERVABLE, "sodium_channel.i_Na") >= 0);
    point pt;
    defaults(m, &pt);
    /* The derivative of V against the published equations, at a stimulated point. */
    double V = -52.385, mm = 0.13, h = 0.52, n = 0.41;
    set(m, &pt, BO_STATE, "V", V);
    set(m, &pt, BO_STATE, "m", mm);
    set(m, &pt, BO_STATE, "h", h);
    set(m, &pt, BO_STATE, "n", n);
    pt.t = 7.5;
    double i_na = 120 * mm * mm * mm * h * (V - 50), i_k = 36 * n * n * n * n * (V + 77),
           i_l = 0.3 * (V + 54.387);
    T_REL(rate(m, &pt, "V"), 10 - i_na - i_k - i_l, 1e-14);
    T_REL(rate(m, &pt, "m"), hh_alpha_m(V) * (1 - mm) - 4 * exp(-(V + 65) / 18) * mm, 1e-14);
    pt.t = 2.5; /* before the stimulus */
    T_REL(rate(m, &pt, "V"), -i_na - i_k - i_l, 1e-14);
    /* At the singular voltages exactly the rates take their limits (1 and 0.1 per ms) ... */
    set(m, &pt, BO_STATE, "V", -40);
    double am = eval_sym(m, &pt, BO_OBSERVABLE, "alpha_m");
    T_CHECK(isfinite(am));
    T_REL(am, 1.0, 1e-9);
    set(m, &pt, BO_STATE, "V", -55);
    T_REL(eval_sym(m, &pt, BO_OBSERVABLE, "alpha_n"), 0.1, 1e-9);
    /* ... and next to them, inside and outside the window, agree with the rate written
     * without cancellation. */
    const double dv[] = {1e-12, -3e-9, 5e-6, -9.9e-6, 1.1e-5, -2e-3, 0.5, -7.25};
    for (size_t i = 0; i < sizeof dv / sizeof dv[0]; ++i) {
        set(m, &pt, BO_STATE, "V", -40 + dv[i]);
        T_REL(eval_sym(m, &pt, BO_OBSERVABLE, "alpha_m"), xrel((-40 + dv[i] + 40) / 10), 1e-8);
        set(m, &pt, BO_STATE, "V", -55 + dv[i]);
        T_REL(eval_sym(m, &pt, BO_OBSERVABLE, "alpha_n"), 0.1 * xrel((-55 + dv[i] + 55) / 10),
              1e-8);
    }
    /* Far from them the rates are the published expressions exactly. */
    set(m, &pt, BO_STATE, "V", -20.125);
    T_REL(eval_sym(m, &pt, BO_OBSERVABLE, "alpha_m"), hh_alpha_m(-20.125), 1e-15);
    T_REL(eval_sym(m, &pt, BO_OBSERVABLE, "alpha_n"), hh_alpha_n(-20.125), 1e-15);
    bo_model_destroy(m);
}

static void test_fitzhugh_nagumo(void)
{
    bo_model *m = load_data("fitzhugh_nagumo.cellml");
    if (!m)
        return;
    /* CellML 2.0: w's initial value is the variable w0; I is computed from I_half. */
    T_REL(bo_model_symbol_default(m, BO_STATE, (size_t)bo_model_find(m, BO_STATE, "w")), 1, 0);
    T_REL(bo_model_symbol_default(m, BO_PARAMETER, (size_t)bo_model_find(m, BO_PARAMETER, "I")),
          0.5, 1e-15);
    point pt;
    defaults(m, &pt);
    set(m, &pt, BO_STATE, "v", 1.5);
    set(m, &pt, BO_STATE, "w", -0.25);
    set(m, &pt, BO_PARAMETER, "I", 0.5);
    T_REL(rate(m, &pt, "v"), 1.5 - 1.5 * 1.5 * 1.5 / 3 + 0.25 + 0.5, 1e-15);
    T_REL(rate(m, &pt, "w"), 0.08 * (1.5 + 0.7 + 0.8 * 0.25), 1e-15);
    bo_model_destroy(m);
}

static void test_unit_conversion(void)
{
    bo_model *m = load_data("two_units.cellml");
    if (!m)
        return;
    point pt;
    defaults(m, &pt);
    /* V in mV, t in ms: dV/dt = (E - V)/tau with E = 20 mV, tau = 5 ms. */
    set(m, &pt, BO_STATE, "V", -62.5);
    T_REL(rate(m, &pt, "V"), (20 + 62.5) / 5, 1e-14);
    /* y integrated in seconds by the kinetics component: dy/dt[ms] = -0.1 y. */
    set(m, &pt, BO_STATE, "y", 0.75);
    T_REL(rate(m, &pt, "y"), -0.1 * 0.75, 1e-14);
    T_REL(eval_sym(m, &pt, BO_OBSERVABLE, "y_percent"), 75, 1e-14);
    /* The parameters keep their CellML units (volts, seconds). */
    T_EQ_STR(bo_model_symbol_unit(m, BO_PARAMETER, (size_t)bo_model_find(m, BO_PARAMETER, "tau")),
             "second");
    bo_model_destroy(m);
}

/* ---- MathML operations ----------------------------------------------------------------- */

#define HEAD                                                                                       \
    "<?xml version='1.0'?>\n"                                                                      \
    "<model xmlns='http://www.cellml.org/cellml/1.0#' "                                            \
    "xmlns:cellml='http://www.cellml.org/cellml/1.0#' name='m'>\n"
#define MATH "<math xmlns='http://www.w3.org/1998/Math/MathML'>\n"
#define DXDT                                                                                       \
    "<apply><eq/><apply><diff/><bvar><ci>t</ci></bvar><ci>x</ci></apply><cn "                      \
    "cellml:units='dimensionless'>0</cn></apply>\n"

/* One observable f = <expr> of x (= 0.3 as state) and the C value expected. */
static const struct {
    const char *mathml;
    double want;
} OPS[] = {
    {"<apply><plus/><ci>x</ci><cn>1.5</cn><cn>2</cn></apply>", 0.3 + 1.5 + 2},
    {"<apply><plus/><ci>x</ci></apply>", 0.3},
    {"<apply><minus/><ci>x</ci></apply>", -0.3},
    {"<apply><minus/><cn>2</cn><ci>x</ci></apply>", 2 - 0.3},
    {"<apply><times/><ci>x</ci><cn>3</cn><cn>-2</cn></apply>", -1.8},
    {"<apply><divide/><cn>1</cn><ci>x</ci></apply>", 1 / 0.3},
    {"<apply><power/><ci>x</ci><cn>2.5</cn></apply>", 0.049295030175464945},
    {"<apply><root/><ci>x</ci></apply>", 0.5477225575051661},
    {"<apply><root/><degree><cn>3</cn></degree><ci>x</ci></apply>", 0.6694329500821695},
    {"<apply><root/><degree><cn>4</cn></degree><ci>x</ci></apply>", 0.7400828044922853},
    {"<apply><abs/><apply><minus/><ci>x</ci></apply></apply>", 0.3},
    {"<apply><exp/><ci>x</ci></apply>", 1.3498588075760032},
    {"<apply><ln/><ci>x</ci></apply>", -1.2039728043259361},
    {"<apply><log/><ci>x</ci></apply>", -0.5228787452803376},
    {"<apply><log/><logbase><cn>2</cn></logbase><ci>x</ci></apply>", -1.7369655941662063},
    {"<apply><log/><logbase><cn>3</cn></logbase><ci>x</ci></apply>", -1.0959032742893846},
    {"<apply><floor/><apply><minus/><ci>x</ci></apply></apply>", -1},
    {"<apply><ceiling/><ci>x</ci></apply>", 1},
    {"<apply><min/><cn>2</cn><ci>x</ci><cn>0.5</cn></apply>", 0.3},
    {"<apply><max/><cn>2</cn><ci>x</ci><cn>0.5</cn></apply>", 2},
    {"<apply><rem/><cn>7.5</cn><cn>2</cn></apply>", 1.5},
    {"<apply><rem/><cn>-7.4</cn><cn>3</cn></apply>", -1.4},
    {"<apply><rem/><cn>7.4</cn><cn>-3</cn></apply>", 1.4},
    {"<apply><factorial/><cn>5</cn></apply>", 120},
    {"<apply><sin/><ci>x</ci></apply>", 0.29552020666133955},
    {"<apply><cos/><ci>x</ci></apply>", 0.955336489125606},
    {"<apply><tan/><ci>x</ci></apply>", 0.30933624960962325},
    {"<apply><sec/><ci>x</ci></apply>", 1.0467516015380856},
    {"<apply><csc/><ci>x</ci></apply>", 3.383863361824123},
    {"<apply><cot/><ci>x</ci></apply>", 3.2327281437658275},
    {"<apply><sinh/><ci>x</ci></apply>", 0.3045202934471426},
    {"<apply><cosh/><ci>x</ci></apply>", 1.0453385141288605},
    {"<apply><tanh/><ci>x</ci></apply>", 0.2913126124515909},
    {"<apply><sech/><ci>x</ci></apply>", 0.9566279119002483},
    {"<apply><csch/><ci>x</ci></apply>", 3.283853396698424},
    {"<apply><coth/><ci>x</ci></apply>", 3.4327384303217414},
    {"<apply><arcsin/><ci>x</ci></apply>", 0.3046926540153975},
    {"<apply><arccos/><ci>x</ci></apply>", 1.2661036727794992},
    {"<apply><arctan/><ci>x</ci></apply>", 0.2914567944778671},
    {"<apply><arcsec/><cn>3.5</cn></apply>", 1.2810446253588492},
    {"<apply><arccsc/><cn>3.5</cn></apply>", 0.28975170143604745},
    {"<apply><arccot/><cn>3.5</cn></apply>", 0.27829965900511133},
    {"<apply><arcsinh/><ci>x</ci></apply>", 0.29567304756342244},
    {"<apply><arccosh/><cn>3.5</cn></apply>", 1.9248473002384139},
    {"<apply><arctanh/><ci>x</ci></apply>", 0.30951960420311175},
    {"<apply><arcsech/><ci>x</ci></apply>", 1.8738202425274144},
    {"<apply><arccsch/><ci>x</ci></apply>", 1.918896472098531},
    {"<apply><arccoth/><cn>3.5</cn></apply>", 0.2938933324510595},
    {"<piecewise><piece><cn>1</cn><apply><lt/><ci>x</ci><cn>0</cn></apply></piece>"
     "<piece><cn>2</cn><apply><leq/><ci>x</ci><cn>0.3</cn></apply></piece>"
     "<otherwise><cn>3</cn></otherwise></piecewise>",
     2},
    {"<piecewise><piece><cn>1</cn><apply><gt/><ci>x</ci><cn>1</cn></apply></piece>"
     "<otherwise><cn>3</cn></otherwise></piecewise>",
     3},
    {"<apply><eq/><ci>x</ci><cn>0.3</cn></apply>", 1},
    {"<apply><neq/><ci>x</ci><cn>0.3</cn></apply>", 0},
    {"<apply><geq/><ci>x</ci><cn>0.3</cn></apply>", 1},
    {"<apply><gt/><cn>1</cn><ci>x</ci><cn>0.2</cn></apply>", 1},
    {"<apply><and/><apply><gt/><ci>x</ci><cn>0</cn></apply><true/></apply>", 1},
    {"<apply><or/><false/><apply><gt/><ci>x</ci><cn>1</cn></apply></apply>", 0},
    {"<apply><xor/><true/><apply><gt/><ci>x</ci><cn>0</cn></apply></apply>", 0},
    {"<apply><xor/><false/><apply><gt/><ci>x</ci><cn>0</cn></apply></apply>", 1},
    {"<apply><not/><false/></apply>", 1},
    {"<apply><times/><pi/><ci>x</ci></apply>", 0.3 * 3.141592653589793},
    {"<apply><times/><exponentiale/><cn>1</cn></apply>", 2.718281828459045},
    {"<apply><lt/><ci>x</ci><infinity/></apply>", 1},
    {"<apply><neq/><notanumber/><notanumber/></apply>", 1},
    {"<cn type='e-notation'>1.5<sep/>-3</cn>", 1.5e-3},
    {"<cn type='rational'>3<sep/>4</cn>", 0.75},
    {"<cn cellml:units='dimensionless'> 2.5e2 </cn>", 250},
    {"<semantics><apply><plus/><ci>x</ci><cn>1</cn></apply><annotation>x</annotation>"
     "</semantics>",
     1.3},
};

static void test_operations(void)
{
    size_t n = sizeof OPS / sizeof OPS[0];
    size_t cap = 4096 + n * 512;
    char *text = malloc(cap);
    if (!text)
        return;
    size_t len = (size_t)snprintf(text, cap,
                                  HEAD "<component name='c'>\n"
                                       "<variable name='t' units='dimensionless'/>\n"
                                       "<variable name='x' units='dimensionless' "
                                       "initial_value='0.3'/>\n");
    for (size_t i = 0; i < n; ++i)
        len += (size_t)snprintf(text + len, cap - len,
                                "<variable name='f%zu' units='dimensionless'/>\n", i);
    len += (size_t)snprintf(text + len, cap - len, MATH DXDT);
    for (size_t i = 0; i < n; ++i)
        len += (size_t)snprintf(text + len, cap - len, "<apply><eq/><ci>f%zu</ci>%s</apply>\n", i,
                                OPS[i].mathml);
    snprintf(text + len, cap - len, "</math></component></model>\n");
    bo_model *m = NULL;
    int rc = bo_model_load_string(ctx, text, "ops.cellml", &m);
    T_CHECKF(rc == BO_OK, "%s", bo_errmsg(ctx));
    if (rc == BO_OK) {
        point pt;
        defaults(m, &pt);
        for (size_t i = 0; i < n; ++i) {
            char name[16];
            snprintf(name, sizeof name, "f%zu", i);
            long k = bo_model_find(m, BO_OBSERVABLE, name);
            long p = bo_model_find(m, BO_PARAMETER, name);
            double got = k >= 0 ? eval_sym(m, &pt, BO_OBSERVABLE, name) : p >= 0 ? pt.p[p] : NAN;
            T_CHECKF(fabs(got - OPS[i].want) <= 1e-14 * (1 + fabs(OPS[i].want)),
                     "%s: got %.17g want %.17g", OPS[i].mathml, got, OPS[i].want);
        }
    }
    bo_model_destroy(m);
    free(text);
}

/* ---- errors ---------------------------------------------------------------------------- */

static void expect_error(const char *what, const char *text, int code, const char *msg)
{
    bo_model *m = NULL;
    int rc = bo_model_load_string(ctx, text, "bad.cellml", &m);
    T_CHECKF(rc == code, "%s: got %s want %s (%s)", what, bo_status_name(rc), bo_status_name(code),
             bo_errmsg(ctx));
    T_CHECKF(strstr(bo_errmsg(ctx), msg) != NULL, "%s: \"%s\" does not contain \"%s\"", what,
             bo_errmsg(ctx), msg);
    T_CHECK(m == NULL);
    bo_model_destroy(m);
}

#define COMP_T "<component name='c'>\n<variable name='t' units='dimensionless'/>\n"
#define XVAR "<variable name='x' units='dimensionless' initial_value='1'/>\n"

static void test_errors(void)
{
    expect_error("broken XML", HEAD COMP_T "<variable name='x'>\n</component></model>\n",
                 BO_ERR_PARSE, "bad.cellml:7: XML error: Premature end of data");
    expect_error("not CellML", "<?xml version='1.0'?>\n<sbml/>\n", BO_ERR_PARSE,
                 "bad.cellml:2: not a CellML file: the root element is 'sbml'");
    expect_error("unknown namespace", "<model xmlns='http://www.cellml.org/cellml/9.0#' name='m'/>",
                 BO_ERR_PARSE, "namespace is 'http://www.cellml.org/cellml/9.0#'");
    expect_error("entities",
                 "<?xml version='1.0'?>\n<!DOCTYPE model [<!ENTITY x SYSTEM "
                 "'file:///etc/passwd'>]>\n<model xmlns='http://www.cellml.org/cellml/1.0#' "
                 "name='m'>&x;</model>\n",
                 BO_ERR_PARSE, "entity declarations are not accepted");
    expect_error("unknown variable",
                 HEAD COMP_T XVAR MATH DXDT "<apply><eq/><ci>x</ci><ci>q</ci></apply>\n"
                                            "</math></component></model>\n",
                 BO_ERR_MODEL, "bad.cellml:8: unknown variable 'q' in component 'c'");
    expect_error("unknown operator",
                 HEAD COMP_T XVAR "<variable name='y' units='dimensionless'/>\n" MATH DXDT
                                  "<apply><eq/><ci>y</ci>\n<apply><sum/><ci>x</ci></apply>"
                                  "</apply>\n</math></component></model>\n",
                 BO_ERR_PARSE, "bad.cellml:10: unsupported MathML operator 'sum'");
    expect_error("unknown element",
                 HEAD COMP_T XVAR "<variable name='y' units='dimensionless'/>\n" MATH DXDT
                                  "<apply><eq/><ci>y</ci>\n<lambda/></apply>\n"
                                  "</math></component></model>\n",
                 BO_ERR_PARSE, "bad.cellml:10: unsupported MathML element 'lambda'");
    expect_error("implicit",
                 HEAD COMP_T XVAR MATH DXDT
                 "<apply><eq/><apply><plus/><ci>x</ci><cn>1</cn></apply><cn>2</cn></apply>\n"
                 "</math></component></model>\n",
                 BO_ERR_PARSE, "bad.cellml:8: an equation must have a variable or a derivative");
    expect_error("second derivative",
                 HEAD COMP_T XVAR MATH
                 "<apply><eq/><apply><diff/><bvar><ci>t</ci><degree><cn>2</cn></degree></bvar>"
                 "<ci>x</ci></apply><cn>0</cn></apply>\n</math></component></model>\n",
                 BO_ERR_PARSE, "bad.cellml:7: only first derivatives are supported");
    expect_error("factorial of a variable",
                 HEAD COMP_T XVAR "<variable name='y' units='dimensionless'/>\n" MATH DXDT
                                  "<apply><eq/><ci>y</ci><apply><factorial/><ci>x</ci></apply>"
                                  "</apply>\n</math></component></model>\n",
                 BO_ERR_PARSE, "bad.cellml:9: factorial is supported only of a constant");
    expect_error("bad number",
                 HEAD COMP_T XVAR "<variable name='y' units='dimensionless'/>\n" MATH DXDT
                                  "<apply><eq/><ci>y</ci><cn>1.2.3</cn></apply>\n"
                                  "</math></component></model>\n",
                 BO_ERR_PARSE, "bad.cellml:9: '1.2.3' is not a number");
    expect_error("cycle",
                 HEAD COMP_T XVAR "<variable name='a' units='dimensionless'/>\n"
                                  "<variable name='b' units='dimensionless'/>\n" MATH
                                  "<apply><eq/><apply><diff/><bvar><ci>t</ci></bvar><ci>x</ci>"
                                  "</apply><ci>a</ci></apply>\n"
                                  "<apply><eq/><ci>a</ci><apply><plus/><ci>b</ci><ci>x</ci>"
                                  "</apply></apply>\n"
                                  "<apply><eq/><ci>b</ci><apply><times/><ci>a</ci><cn>2</cn>"
                                  "</apply></apply>\n</math></component></model>\n",
                 BO_ERR_MODEL, "cyclic definition: c.a -> c.b -> c.a");
    expect_error("no value",
                 HEAD COMP_T XVAR "<variable name='k' units='dimensionless'/>\n" MATH
                                  "<apply><eq/><apply><diff/><bvar><ci>t</ci></bvar><ci>x</ci>"
                                  "</apply><ci>k</ci></apply>\n</math></component></model>\n",
                 BO_ERR_MODEL,
                 "bad.cellml:6: c.k has no value: no equation defines it and it has no "
                 "initial_value");
    /* CellML 2.0: an initial value naming a variable that has no value itself. */
    expect_error("initial value without a value",
                 "<model xmlns='http://www.cellml.org/cellml/2.0#' name='m'>\n"
                 "<component name='c'>\n<variable name='t' units='dimensionless'/>\n"
                 "<variable name='x' units='dimensionless' initial_value='x0'/>\n"
                 "<variable name='x0' units='dimensionless'/>\n" MATH DXDT
                 "</math></component></model>\n",
                 BO_ERR_MODEL, "bad.cellml:5: c.x0 has no value");
    expect_error("state without initial value",
                 HEAD COMP_T "<variable name='x' units='dimensionless'/>\n" MATH DXDT
                             "</math></component></model>\n",
                 BO_ERR_MODEL, "bad.cellml:5: state c.x has no initial value");
    expect_error("defined twice", HEAD COMP_T XVAR MATH DXDT DXDT "</math></component></model>\n",
                 BO_ERR_MODEL, "bad.cellml:8: c.x is defined twice (also at bad.cellml:7)");
    expect_error("no equations", HEAD COMP_T XVAR "</component></model>\n", BO_ERR_MODEL,
                 "bad.cellml:2: the model has no differential equations");
    expect_error("unknown units",
                 HEAD COMP_T "<variable name='x' units='furlong' initial_value='1'/>\n"
                             "</component></model>\n",
                 BO_ERR_MODEL, "bad.cellml:5: unknown units 'furlong'");
    expect_error("units cycle",
                 HEAD "<units name='a'><unit units='b'/></units>\n"
                      "<units name='b'><unit units='a'/></units>\n" COMP_T
                      "<variable name='x' units='a' initial_value='1'/>\n</component></model>\n",
                 BO_ERR_MODEL, "bad.cellml:3: units 'b' are defined in terms of themselves");
    /* Two components: a units mismatch, interfaces, a connection of an unknown variable. */
#define TWO(xunits, yiface)                                                                        \
    HEAD "<component name='a'>\n<variable name='t' units='second' public_interface='out'/>\n"      \
         "<variable name='x' units='" xunits "' public_interface='in'/>\n"                         \
         "<variable name='z' units='dimensionless' initial_value='1'/>\n" MATH                     \
         "<apply><eq/><apply><diff/><bvar><ci>t</ci></bvar><ci>z</ci></apply><ci>x</ci></apply>\n" \
         "</math></component>\n"                                                                   \
         "<component name='b'>\n<variable name='y' units='per_second' initial_value='2' "          \
         "public_interface='" yiface "'/>\n</component>\n"                                         \
         "<units name='per_second'><unit units='second' exponent='-1'/></units>\n"                 \
         "<connection><map_components component_1='a' component_2='b'/>\n"                         \
         "<map_variables variable_1='x' variable_2='y'/></connection>\n</model>\n"
    expect_error("units mismatch", TWO("volt", "out"), BO_ERR_MODEL,
                 "bad.cellml:15: units mismatch: a.x [volt] and b.y [per_second] are connected "
                 "but their units are not compatible");
    expect_error("interfaces", TWO("per_second", "none"), BO_ERR_MODEL,
                 "bad.cellml:15: variables a.x and b.y cannot be connected: their interfaces");
    {
        /* The same model connected properly converts: x in per-millisecond units. */
        bo_model *m = NULL;
        int rc = bo_model_load_string(ctx, TWO("hertz", "out"), "ok.cellml", &m);
        T_CHECKF(rc == BO_OK, "%s", bo_errmsg(ctx));
        bo_model_destroy(m);
    }
    expect_error("import from a string",
                 HEAD "<import xmlns:xlink='http://www.w3.org/1999/xlink' xlink:href='x.cellml'>"
                      "<component name='q' component_ref='q'/></import>\n" COMP_T
                      "</component></model>\n",
                 BO_ERR_IO, "a model given as text has no directory to import from");
}

/* Imports: a relative file is read; '..', absolute paths, URLs and cycles are refused. */
static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    T_CHECKF(f != NULL, "cannot write %s", path);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

#define IMPORT(href)                                                                               \
    HEAD "<import xmlns:xlink='http://www.w3.org/1999/xlink' xlink:href='" href "'>\n"             \
         "<component name='q' component_ref='q'/></import>\n" COMP_T XVAR MATH DXDT                \
         "</math></component></model>\n"

static void expect_file_error(const char *dir, const char *name, const char *text, int code,
                              const char *msg)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    write_file(path, text);
    bo_model *m = NULL;
    int rc = bo_model_load_file(ctx, path, &m);
    T_CHECKF(rc == code, "%s: got %s (%s)", name, bo_status_name(rc), bo_errmsg(ctx));
    T_CHECKF(strstr(bo_errmsg(ctx), msg) != NULL, "%s: \"%s\" does not contain \"%s\"", name,
             bo_errmsg(ctx), msg);
    bo_model_destroy(m);
}

static void test_imports(void)
{
    char dir[] = "/tmp/bo_cellml_XXXXXX";
    if (!mkdtemp(dir)) {
        T_CHECK(0);
        return;
    }
    char sub[1100];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    mkdir(sub, 0700);
    expect_file_error(sub, "dotdot.cellml", IMPORT("../x.cellml"), BO_ERR_IO,
                      "dotdot.cellml:3: cannot import '../x.cellml': '..' would leave");
    expect_file_error(sub, "abs.cellml", IMPORT("/etc/x.cellml"), BO_ERR_IO,
                      "absolute paths are refused");
    expect_file_error(sub, "url.cellml", IMPORT("https://models.physiomeproject.org/x.cellml"),
                      BO_ERR_IO, "URLs are not imported");
    expect_file_error(sub, "missing.cellml", IMPORT("nothere.cellml"), BO_ERR_IO,
                      "cannot open the imported file");
    /* A cycle: cyc_a imports q from cyc_b, which imports it from cyc_a. */
    char path[1200];
    snprintf(path, sizeof path, "%s/cyc_b.cellml", sub);
    write_file(path, IMPORT("cyc_a.cellml"));
    expect_file_error(sub, "cyc_a.cellml", IMPORT("cyc_b.cellml"), BO_ERR_MODEL, "import cycle:");
    /* A symbolic link inside the directory that leads out of it. */
    snprintf(path, sizeof path, "%s/outside.cellml", dir);
    write_file(path, HEAD COMP_T XVAR MATH DXDT "</math></component></model>\n");
    snprintf(path, sizeof path, "%s/link.cellml", sub);
    T_CHECK(symlink("../outside.cellml", path) == 0);
    expect_file_error(sub, "symlink.cellml", IMPORT("link.cellml"), BO_ERR_IO,
                      "resolves outside the model's directory");
    /* The real import (tests/data/cellml/two_units.cellml) is test_unit_conversion. */
    const char *names[] = {"dotdot", "abs", "url", "missing", "cyc_a", "cyc_b", "symlink"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; ++i) {
        snprintf(path, sizeof path, "%s/%s.cellml", sub, names[i]);
        remove(path);
    }
    snprintf(path, sizeof path, "%s/link.cellml", sub);
    remove(path);
    snprintf(path, sizeof path, "%s/outside.cellml", dir);
    remove(path);
    rmdir(sub);
    rmdir(dir);
}

/* The text `batchode import` prints is the model that is solved: parsing it gives the same
 * symbols, and the sniffing of XML text works from a string. */
static void test_import_text(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/cellml/hodgkin_huxley.cellml", BO_SOURCE_DIR);
    char *text = NULL;
    int rc = bo_model_import_cellml(ctx, path, &text);
    T_CHECKF(rc == BO_OK && text, "%s", bo_errmsg(ctx));
    if (!text)
        return;
    T_CONTAINS(text, "state V = -65 [millivolt]  # membrane.V\n");
    T_CONTAINS(text, "param g_Na = 120 [milliS_per_cm2]  # sodium_channel.g_Na\n");
    T_CONTAINS(text, "obs i_Na = g_Na*m^3*h*(V - E_Na) [microA_per_cm2]");
    T_CONTAINS(text, "dV/dt = (i_app - i_Na - i_K - i_L)/Cm  # membrane\n");
    bo_model *a = NULL, *b = NULL;
    T_CHECK(bo_model_load_string(ctx, text, "hh.ode", &a) == BO_OK);
    T_CHECK(bo_model_load_file(ctx, path, &b) == BO_OK);
    if (a && b)
        for (int k = 0; k < BO_SYMBOL_KIND_COUNT; ++k) {
            T_EQ_INT(bo_model_count(a, (bo_symbol_kind)k), bo_model_count(b, (bo_symbol_kind)k));
            for (size_t i = 0; i < bo_model_count(a, (bo_symbol_kind)k); ++i)
                T_EQ_STR(bo_model_symbol_name(a, (bo_symbol_kind)k, i),
                         bo_model_symbol_name(b, (bo_symbol_kind)k, i));
        }
    bo_model_destroy(a);
    bo_model_destroy(b);
    bo_free(text);
    T_CHECK(bo_model_import_cellml(ctx, NULL, &text) == BO_ERR_INVALID_ARG);
    T_CHECK(bo_model_import_cellml(ctx, "/nonexistent/x.cellml", &text) == BO_ERR_IO);
    T_CONTAINS(bo_errmsg(ctx), "cannot open '/nonexistent/x.cellml'");
    T_CHECK(bo_cellml_supported() == 1);
}

/* Names: a variable name used in two components becomes component__variable; reserved names
 * of the model language are renamed; both are found as component.variable. */
static void test_names(void)
{
    const char *text =
        HEAD "<component name='a'>\n<variable name='time' units='second' public_interface='out'/>\n"
             "<variable name='k' units='dimensionless' initial_value='2'/>\n"
             "<variable name='exp' units='dimensionless' initial_value='3'/>\n"
             "<variable name='event' units='dimensionless' initial_value='0.5'/>\n"
             "<variable name='x' units='dimensionless' initial_value='1'/>\n" MATH
             "<apply><eq/><apply><diff/><bvar><ci>time</ci></bvar><ci>x</ci></apply>"
             "<apply><times/><ci>k</ci><ci>exp</ci><ci>event</ci></apply></apply>\n"
             "</math></component>\n"
             "<component name='b'>\n<variable name='time' units='second' public_interface='in'/>\n"
             "<variable name='k' units='dimensionless' initial_value='5'/>\n"
             "<variable name='t' units='dimensionless' initial_value='1'/>\n" MATH
             "<apply><eq/><apply><diff/><bvar><ci>time</ci></bvar><ci>t</ci></apply>"
             "<ci>k</ci></apply>\n</math></component>\n"
             "<connection><map_components component_1='a' component_2='b'/>\n"
             "<map_variables variable_1='time' variable_2='time'/></connection>\n</model>\n";
    bo_model *m = NULL;
    int rc = bo_model_load_string(ctx, text, "names.cellml", &m);
    T_CHECKF(rc == BO_OK, "%s", bo_errmsg(ctx));
    if (!m)
        return;
    T_CHECK(bo_model_find(m, BO_PARAMETER, "a__k") >= 0);
    T_CHECK(bo_model_find(m, BO_PARAMETER, "b__k") >= 0);
    T_CHECK(bo_model_find(m, BO_PARAMETER, "a__exp") >= 0);
    T_CHECK(bo_model_find(m, BO_PARAMETER, "a__event") >= 0); /* 'event' is a keyword */
    T_CHECK(bo_model_find(m, BO_STATE, "b__t") >= 0);
    T_CHECK(bo_model_find(m, BO_STATE, "x") >= 0);
    T_EQ_INT(bo_model_find(m, BO_PARAMETER, "b.k"), bo_model_find(m, BO_PARAMETER, "b__k"));
    T_EQ_INT(bo_model_find(m, BO_STATE, "b.t"), bo_model_find(m, BO_STATE, "b__t"));
    T_CHECK(bo_model_find(m, BO_PARAMETER, "k") < 0);
    bo_model_destroy(m);
}

int main(void)
{
    if (!bo_cellml_supported())
        T_SKIP("built without libxml2 (CellML import)");
    T_CHECK(bo_context_create(&ctx) == BO_OK);
    test_lorenz();
    test_hodgkin_huxley();
    test_fitzhugh_nagumo();
    test_unit_conversion();
    test_operations();
    test_errors();
    test_imports();
    test_import_text();
    test_names();
    bo_context_destroy(ctx);
    T_DONE();
}
