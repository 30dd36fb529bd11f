/* The model language on valid input: every construct parses, and the expressions it builds
 * evaluate (ex_eval) to values computed by hand or independently with libm in this file. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "util/internal.h"
#include "model/model_internal.h"

static bo_context *ctx;

static bo_model *load(const char *text)
{
    bo_model *m = NULL;
    int rc = md_parse(ctx, text, strlen(text), "test.ode", &m);
    T_CHECKF(rc == BO_OK && m, "rc %d: %s\n--- model:\n%s", rc, bo_errmsg(ctx), text);
    return m;
}

/* Value of the derivative of the single state x (= 2.385) for rhs. */
static double rhs_value(const char *rhs)
{
    char text[1024];
    snprintf(text, sizeof text, "state x = 2.385\ndx/dt = %s\n", rhs);
    bo_model *m = load(text);
    if (!m)
        return NAN;
    double y[1] = {2.385};
    ex_env env = {{0}};
    env.vars[EXV_STATE] = y;
    double v = ex_eval(m->g, m->sym[BO_STATE][0].expr, &env);
    bo_model_destroy(m);
    return v;
}

static void test_precedence(void)
{
    T_REL(rhs_value("-2^2"), -4.0, 0);
    T_REL(rhs_value("2^3^2"), 512.0, 0);
    T_REL(rhs_value("(2^3)^2"), 64.0, 0);
    T_REL(rhs_value("2^-1"), 0.5, 0);
    T_REL(rhs_value("-2^-2"), -0.25, 0);
    T_REL(rhs_value("(-2)^2"), 4.0, 0);
    T_REL(rhs_value("1 + 2*3"), 7.0, 0);
    T_REL(rhs_value("(1 + 2)*3"), 9.0, 0);
    T_REL(rhs_value("7 - 2 - 1"), 4.0, 0);
    T_REL(rhs_value("16/4/2"), 2.0, 0);
    T_REL(rhs_value("2*3^2"), 18.0, 0);
    T_REL(rhs_value("-3*-2"), 6.0, 0);
    T_REL(rhs_value("+4 - +1"), 3.0, 0);
    T_REL(rhs_value("1 < 2 && 3 > 4 || 1"), 1.0, 0);
    T_REL(rhs_value("1 < 2 && 3 > 4"), 0.0, 0);
    T_REL(rhs_value("0 || 0 && 1"), 0.0, 0);
    T_REL(rhs_value("1 || 0 && 0"), 1.0, 0); /* && binds tighter than || */
    T_REL(rhs_value("!0"), 1.0, 0);
    T_REL(rhs_value("!2.5"), 0.0, 0);
    T_REL(rhs_value("!1 + 1"), 1.0, 0); /* unary ! binds tighter than + */
    T_REL(rhs_value("2 == 2.0"), 1.0, 0);
    T_REL(rhs_value("1 != 1"), 0.0, 0);
    T_REL(rhs_value("3 >= 3"), 1.0, 0);
    T_REL(rhs_value("2 <= 1"), 0.0, 0);
    T_REL(rhs_value("1 + 1 == 2"), 1.0, 0);
    T_REL(rhs_value("1 < 2 == 1"), 1.0, 0);
    /* The ternary is the loosest operator and right-associative. */
    T_REL(rhs_value("1 ? 2 : 3"), 2.0, 0);
    T_REL(rhs_value("0 ? 2 : 0 ? 3 : 4"), 4.0, 0);
    T_REL(rhs_value("1 ? 0 ? 5 : 6 : 7"), 6.0, 0);
    T_REL(rhs_value("1 - 1 ? 10 : 20"), 20.0, 0);
    T_REL(rhs_value("0 || 0 ? 1 : 2"), 2.0, 0);
    T_REL(rhs_value("x > 2 ? x : -x"), 2.385, 0);
    T_REL(rhs_value("x < 2 ? x : -x"), -2.385, 0);
    T_REL(rhs_value("ifelse(x > 2, 1.5, -1.5)"), 1.5, 0);
    T_REL(rhs_value("piecewise(x < 0, -1, x < 1, 0.5, 2)"), 2.0, 0);
    T_REL(rhs_value("piecewise(x < 3, -1, x < 1, 0.5, 2)"), -1.0, 0);
    T_REL(rhs_value("piecewise(x < 0, -1, x < 2.4, 0.5, 2)"), 0.5, 0);
    T_REL(rhs_value("piecewise(x > 9, 1, 7)"), 7.0, 0);
}

static void test_numbers_and_functions(void)
{
    T_REL(rhs_value("1.5"), 1.5, 0);
    T_REL(rhs_value(".5"), 0.5, 0);
    T_REL(rhs_value("1e-3"), 0.001, 0);
    T_REL(rhs_value("2.E+5"), 200000.0, 0);
    T_REL(rhs_value("1."), 1.0, 0);
    T_REL(rhs_value("0.125e1"), 1.25, 0);
    T_REL(rhs_value("12E-1"), 1.2, 0);
    T_REL(rhs_value("pi"), 3.14159265358979323846, 0);
    const double x = 2.385;
    T_REL(rhs_value("exp(x)"), exp(x), 1e-15);
    T_REL(rhs_value("log(x)"), log(x), 1e-15);
    T_REL(rhs_value("log10(1000)"), 3.0, 1e-15);
    T_REL(rhs_value("log2(8)"), 3.0, 1e-15);
    T_REL(rhs_value("sqrt(2.25)"), 1.5, 0);
    T_REL(rhs_value("cbrt(27)"), 3.0, 1e-15);
    T_REL(rhs_value("pow(2, 10)"), 1024.0, 0);
    T_REL(rhs_value("pow(x, 0.5)"), sqrt(x), 1e-15);
    T_REL(rhs_value("sin(pi/6)"), 0.5, 1e-15);
    T_REL(rhs_value("cos(x)"), cos(x), 1e-15);
    T_REL(rhs_value("tan(x)"), tan(x), 1e-15);
    T_REL(rhs_value("asin(0.5)"), 3.14159265358979323846 / 6, 1e-15);
    T_REL(rhs_value("acos(-1)"), 3.14159265358979323846, 1e-15);
    T_REL(rhs_value("atan(1)"), 3.14159265358979323846 / 4, 1e-15);
    T_REL(rhs_value("atan2(1, -1)"), 3 * 3.14159265358979323846 / 4, 1e-15);
    T_REL(rhs_value("sinh(x)"), sinh(x), 1e-15);
    T_REL(rhs_value("cosh(0)"), 1.0, 0);
    T_REL(rhs_value("tanh(x)"), tanh(x), 1e-15);
    T_REL(rhs_value("asinh(x)"), asinh(x), 1e-15);
    T_REL(rhs_value("acosh(x)"), acosh(x), 1e-15);
    T_REL(rhs_value("atanh(0.5)"), atanh(0.5), 1e-15);
    T_REL(rhs_value("abs(-2.5)"), 2.5, 0);
    T_REL(rhs_value("min(2, -1)"), -1.0, 0);
    T_REL(rhs_value("max(2, -1)"), 2.0, 0);
    T_REL(rhs_value("floor(-1.5)"), -2.0, 0);
    T_REL(rhs_value("ceil(-1.5)"), -1.0, 0);
    T_REL(rhs_value("sign(-3)"), -1.0, 0);
    T_REL(rhs_value("sign(x)"), 1.0, 0);
    T_REL(rhs_value("erf(0)"), 0.0, 0);
    T_REL(rhs_value("erfc(0)"), 1.0, 0);
    T_REL(rhs_value("erf(x)"), erf(x), 1e-15);
    T_REL(rhs_value("hypot(3, 4)"), 5.0, 0);
    T_REL(rhs_value("max(min(x, 2), sin(x)^2)"), 2.0, 0);
}

/* The Lorenz model in the layout of the language reference, evaluated at a point. */
static void test_lorenz(void)
{
    const char *text = "# comment to end of line\n"
                       "model lorenz                      # optional name\n"
                       "const beta = 8/3\n"
                       "param sigma = 10, rho = 28 [1/s]\n"
                       "state x = 1 [m], y = 0, z = 0\n"
                       "driver F [N]\n"
                       "r2 = x^2 + y^2\n"
                       "obs energy = 0.5*r2 [J]\n"
                       "dx/dt = sigma*(y - x)\n"
                       "dy/dt = x*(rho - z) - y\n"
                       "dz/dt = x*y - beta*z + F\n";
    bo_model *m = load(text);
    if (!m)
        return;
    T_EQ_STR(m->name, "lorenz");
    T_EQ_INT(m->count[BO_STATE], 3);
    T_EQ_INT(m->count[BO_PARAMETER], 2);
    T_EQ_INT(m->count[BO_CONSTANT], 1);
    T_EQ_INT(m->count[BO_DRIVER], 1);
    T_EQ_INT(m->count[BO_OBSERVABLE], 1);
    T_EQ_INT(m->count[BO_AUXILIARY], 1);
    T_EQ_STR(m->sym[BO_STATE][2].name, "z");
    T_EQ_STR(m->sym[BO_STATE][0].unit, "m");
    T_CHECK(m->sym[BO_STATE][1].unit == NULL);
    T_CHECK(m->sym[BO_PARAMETER][0].unit == NULL);
    T_EQ_STR(m->sym[BO_PARAMETER][1].unit, "1/s");
    T_EQ_STR(m->sym[BO_DRIVER][0].unit, "N");
    T_EQ_STR(m->sym[BO_OBSERVABLE][0].unit, "J");
    T_REL(m->sym[BO_CONSTANT][0].value, 8.0 / 3.0, 0);
    T_REL(m->sym[BO_PARAMETER][1].value, 28.0, 0);
    T_REL(m->sym[BO_STATE][0].value, 1.0, 0);
    T_CHECK(isnan(m->sym[BO_DRIVER][0].value));
    T_CHECK(isnan(m->sym[BO_AUXILIARY][0].value));
    T_EQ_INT(m->sym[BO_PARAMETER][0].expr, EX_NONE);
    T_EQ_INT(m->sym[BO_STATE][0].line, 5);
    T_EQ_INT(m->sym[BO_STATE][0].col, 7);
    T_EQ_INT(m->sym[BO_STATE][1].col, 18);
    T_EQ_INT(m->uses_time, 0);

    double y[3] = {1.5, -2.25, 20.125}, p[2] = {9.5, 27.0}, d[1] = {0.75};
    ex_env env = {{0}};
    env.vars[EXV_STATE] = y;
    env.vars[EXV_PARAM] = p;
    env.vars[EXV_DRIVER] = d;
    T_REL(ex_eval(m->g, m->sym[BO_STATE][0].expr, &env), 9.5 * (-2.25 - 1.5), 1e-15);
    T_REL(ex_eval(m->g, m->sym[BO_STATE][1].expr, &env), 1.5 * (27.0 - 20.125) + 2.25, 1e-15);
    T_REL(ex_eval(m->g, m->sym[BO_STATE][2].expr, &env), 1.5 * -2.25 - 8.0 / 3.0 * 20.125 + 0.75,
          1e-15);
    T_REL(ex_eval(m->g, m->sym[BO_OBSERVABLE][0].expr, &env), 0.5 * (2.25 + 5.0625), 1e-15);
    /* The observable uses the auxiliary's node itself (inlined, shared). */
    const ex_node *obs = ex_get(m->g, m->sym[BO_OBSERVABLE][0].expr);
    ex_id r2 = m->sym[BO_AUXILIARY][0].expr;
    T_CHECK(obs && obs->op == EX_MUL && (obs->a == r2 || obs->b == r2));
    /* beta is inlined as the constant 8/3; sigma stays a parameter variable. */
    const ex_node *dz = ex_get(m->g, m->sym[BO_STATE][2].expr);
    T_CHECK(dz != NULL);
    int found_beta = 0;
    for (size_t i = 0; i < ex_count(m->g); ++i) {
        const ex_node *n = ex_get(m->g, (ex_id)i);
        if (n->op == EX_CONST && n->value == 8.0 / 3.0)
            found_beta = 1;
        T_CHECK(!(n->op == EX_VAR && n->sub == EXV_PARAM && n->a > 1));
    }
    T_CHECK(found_beta);
    bo_model_destroy(m);
}

static void test_declarations(void)
{
    /* Values use earlier constants and parameters (defaults), pi and functions. */
    bo_model *m = load("param a = 2, b = a*3 + pi\n"
                       "const c = sqrt(16) + 2^3, d = -c/4\n"
                       "state x = b/2, y = d*a\n"
                       "aux q = x*c\n"
                       "obs o1 = q + 1, o2 = 2*x\n"
                       "x' = -q\n"
                       "y' = o1\n");
    if (m) {
        const double pi = 3.14159265358979323846;
        T_REL(m->sym[BO_PARAMETER][1].value, 6.0 + pi, 1e-15);
        T_REL(m->sym[BO_CONSTANT][0].value, 12.0, 0);
        T_REL(m->sym[BO_CONSTANT][1].value, -3.0, 0);
        T_REL(m->sym[BO_STATE][0].value, (6.0 + pi) / 2, 1e-15);
        T_REL(m->sym[BO_STATE][1].value, -6.0, 0);
        T_EQ_INT(m->count[BO_OBSERVABLE], 2);
        T_EQ_STR(m->sym[BO_OBSERVABLE][1].name, "o2");
        double y[2] = {0.5, 4.0};
        ex_env env = {{0}};
        env.vars[EXV_STATE] = y;
        T_REL(ex_eval(m->g, m->sym[BO_STATE][0].expr, &env), -6.0, 0);
        T_REL(ex_eval(m->g, m->sym[BO_STATE][1].expr, &env), 7.0, 0);
        T_REL(ex_eval(m->g, m->sym[BO_OBSERVABLE][1].expr, &env), 1.0, 0);
        bo_model_destroy(m);
    }
    /* Auxiliaries in any order: used before their line, chained backwards. */
    m = load("dx/dt = a*2\n"
             "a = b + 1\n"
             "aux b = x^2 [m^2]\n"
             "state x = 3\n");
    if (m) {
        double y[1] = {3.0};
        ex_env env = {{0}};
        env.vars[EXV_STATE] = y;
        T_REL(ex_eval(m->g, m->sym[BO_STATE][0].expr, &env), 20.0, 0);
        T_EQ_STR(m->sym[BO_AUXILIARY][1].unit, "m^2");
        T_EQ_STR(m->name, "test"); /* from the source name "test.ode" */
        bo_model_destroy(m);
    }
    /* Time, drivers, and the unit written before '='. */
    m = load("state V [mV] = -65\n"
             "driver I [uA/cm^2], J\n"
             "dV/dt = I*sin(t) + J\n");
    if (m) {
        T_EQ_INT(m->uses_time, 1);
        T_EQ_STR(m->sym[BO_STATE][0].unit, "mV");
        T_REL(m->sym[BO_STATE][0].value, -65.0, 0);
        T_EQ_STR(m->sym[BO_DRIVER][0].unit, "uA/cm^2");
        T_CHECK(m->sym[BO_DRIVER][1].unit == NULL);
        double y[1] = {0}, d[2] = {2.5, 0.125}, t = 0.7;
        ex_env env = {{0}};
        env.vars[EXV_STATE] = y;
        env.vars[EXV_DRIVER] = d;
        env.vars[EXV_TIME] = &t;
        T_REL(ex_eval(m->g, m->sym[BO_STATE][0].expr, &env), 2.5 * sin(0.7) + 0.125, 1e-15);
        bo_model_destroy(m);
    }
    /* t only in an unused auxiliary: the equations do not depend on time. */
    m = load("state x = 1\nunused = t*2\ndx/dt = -x\n");
    if (m) {
        T_EQ_INT(m->uses_time, 0);
        bo_model_destroy(m);
    }
    m = load("state x = 1\nobs clock = t\ndx/dt = -x\n");
    if (m) {
        T_EQ_INT(m->uses_time, 1);
        bo_model_destroy(m);
    }
}

static void test_units(void)
{
    const char *units[] = {"1/s",       "mV",  "uA/cm^2", "kg*m^2*s^-2", "mmol/(L*s)", "1",
                           "\xC2\xB5M", "N m", "%",       "m^+3",        "1/(mM*s)",   "degC"};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; ++i) {
        char text[256];
        snprintf(text, sizeof text, "state x = 1 [ %s ]\nx' = 0\n", units[i]);
        bo_model *m = load(text);
        if (m) {
            T_EQ_STR(m->sym[BO_STATE][0].unit, units[i]);
            bo_model_destroy(m);
        }
    }
}

static void test_layout(void)
{
    /* CRLF, no final newline, continuation lines, blank and comment lines, a BOM, tabs. */
    bo_model *m = load("\xEF\xBB\xBFmodel crlf\r\n"
                       "\r\n"
                       "\t# a comment\r\n"
                       "param k = 1.5, \\\r\n"
                       "      c = 2\r\n"
                       "state\tx = 1\r\n"
                       "dx/dt = -k*x \\\n"
                       "        + c");
    if (m) {
        T_EQ_STR(m->name, "crlf");
        T_EQ_INT(m->count[BO_PARAMETER], 2);
        T_EQ_STR(m->sym[BO_PARAMETER][1].name, "c");
        T_EQ_INT(m->sym[BO_PARAMETER][1].line, 5);
        T_EQ_INT(m->sym[BO_PARAMETER][1].col, 7);
        double y[1] = {2.0}, p[2] = {1.5, 2.0};
        ex_env env = {{0}};
        env.vars[EXV_STATE] = y;
        env.vars[EXV_PARAM] = p;
        T_REL(ex_eval(m->g, m->sym[BO_STATE][0].expr, &env), -1.0, 0);
        bo_model_destroy(m);
    }
    /* Without a name, a string source gives "model". */
    bo_model *n = NULL;
    const char *text = "state x = 1\nx' = 1";
    T_EQ_INT(md_parse(ctx, text, strlen(text), NULL, &n), BO_OK);
    if (n) {
        T_EQ_STR(n->name, "model");
        T_EQ_STR(n->source_name, "<string>");
        bo_model_destroy(n);
    }
}

/* Large models: the symbol table grows, and a long backward chain of auxiliaries is ordered
 * without deep recursion. */
static void test_large(void)
{
    const int n = 3000;
    size_t cap = (size_t)n * 64 + 256;
    char *text = malloc(cap);
    size_t len = 0;
    len += (size_t)snprintf(text + len, cap - len, "state x = 1\ndx/dt = a%d\n", n - 1);
    for (int i = n - 1; i >= 1; --i)
        len += (size_t)snprintf(text + len, cap - len, "a%d = a%d + 1\n", i, i - 1);
    len += (size_t)snprintf(text + len, cap - len, "a0 = x\n");
    bo_model *m = load(text);
    if (m) {
        T_EQ_INT(m->count[BO_AUXILIARY], n);
        T_EQ_STR(m->sym[BO_AUXILIARY][n - 1].name, "a0");
        double y[1] = {0.5};
        ex_env env = {{0}};
        env.vars[EXV_STATE] = y;
        T_REL(ex_eval(m->g, m->sym[BO_STATE][0].expr, &env), 0.5 + (n - 1), 0);
        bo_model_destroy(m);
    }
    len = 0;
    for (int i = 0; i < n; ++i)
        len += (size_t)snprintf(text + len, cap - len, "state s%d = %d\n", i, i);
    for (int i = 0; i < n; ++i)
        len +=
            (size_t)snprintf(text + len, cap - len, "ds%d/dt = s%d - s%d\n", i, (i + n - 1) % n, i);
    m = load(text);
    if (m) {
        T_EQ_INT(m->count[BO_STATE], n);
        T_REL(m->sym[BO_STATE][n - 1].value, n - 1, 0);
        T_EQ_STR(m->sym[BO_STATE][1234].name, "s1234");
        bo_model_destroy(m);
    }
    free(text);
}

int main(void)
{
    if (bo_context_create(&ctx) != BO_OK)
        return 1;
    test_precedence();
    test_numbers_and_functions();
    test_lorenz();
    test_declarations();
    test_units();
    test_layout();
    test_large();
    bo_context_destroy(ctx);
    T_DONE();
}
