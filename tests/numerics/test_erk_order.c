/* Convergence orders of the explicit Runge-Kutta engine (kernels/erk.h) for every tableau,
 * compiled natively from the embedded device library exactly as a generated unit would be:
 * the global error at t = 2 over a halving step sweep must fall with slope p in log-log,
 * the error estimate of one step with slope error_order + 1 (min(p, q) + 1 for a plain pair,
 * 8 for dop853's combined estimate), and reusing k_1 (FSAL, or bo_erk_prepare) must give
 * bit-identical results to recomputing it. One step is also checked against a textbook
 * step written here (every k_j kept, sums in stage order, from the tableau's own arrays):
 * y_new and a plain pair's err = dt*sum((b - b_hat) k) must match it bit for bit, and
 * dop853's err must match e5*|e5| / sqrt(e5^2 + 0.01 e3^2) formed from e5 = dt*sum(er k)
 * and e3 = dt*sum((b - bhh) k) (Hairer's dop853.f, per component).
 *
 * Test problem, 4 states, closed-form solution (independent of the code under test):
 *   y0' = lambda*y0 + sin(w0*t)              non-autonomous linear, lambda = -2.385, w0 = 1.3
 *   y1' = a*y1 + w*y2, y2' = -w*y1 + a*y2    damped rotation, a = p[1] = -0.3, w = p[0] = 1.7
 *   y3' = beta*cos(t)*y3^2                   nonlinear, beta = p[2] = 0.8
 * y(0) = (0.7, 1.1, -0.45, 0.5). */
#include <stdlib.h>

#include "ccutil.h"
#include "util/embedded.h"
#include "harness.h"
#include "rktest.h"
#include "methods/tableau.h"

#define NPTS 4

static const char *model_src =
    "#define BO_N 4\n"
    "#define BO_MODEL_N 4\n"
    "#define BO_MODEL_ND 0\n"
    "BO_DEVICE void bo_model_dxdt(const bo_real *BO_RESTRICT y, const bo_real *BO_RESTRICT p,\n"
    "    const bo_real *BO_RESTRICT drv, bo_real t, bo_real *BO_RESTRICT dydt)\n"
    "{\n"
    "    (void)drv;\n"
    "    dydt[0] = BO_C(-2.385) * y[0] + BO_SIN(BO_C(1.3) * t);\n"
    "    dydt[1] = p[1] * y[1] + p[0] * y[2];\n"
    "    dydt[2] = -p[0] * y[1] + p[1] * y[2];\n"
    "    dydt[3] = p[2] * BO_COS(t) * y[3] * y[3];\n"
    "}\n"
    "BO_DEVICE void bo_drivers_eval(const void *driver_data, bo_real t, bo_real *drv)\n"
    "{\n"
    "    (void)driver_data;\n"
    "    (void)t;\n"
    "    drv[0] = BO_C(0);\n"
    "}\n";

/* Layout A: stage_rhs persistent, stage_accumulator a local array (the defaults). Layout B:
 * stage_rhs in the shared slice, stage_accumulator persistent after a 1-element gap; both
 * are bracketed by canaries that must survive, so the documented sizes are enough. */
static const char *alloc_a =
    "#define BO_ALLOC_algorithm_stage_rhs(var, shared, persistent) "
    "bo_real *var = (persistent) + 0\n"
    "#define BO_ALLOC_algorithm_stage_accumulator(var, shared, persistent) "
    "bo_real var##_buf[ACC_SIZE]; bo_real *var = var##_buf\n"
    "#define LAYOUT_B 0\n";
static const char *alloc_b =
    "#define BO_ALLOC_algorithm_stage_rhs(var, shared, persistent) "
    "bo_real *var = (shared) + 1\n"
    "#define BO_ALLOC_algorithm_stage_accumulator(var, shared, persistent) "
    "bo_real *var = (persistent) + 1\n"
    "#define LAYOUT_B 1\n";

static const char *ref_src =
    "#include <float.h>\n"
    "/* The textbook step: REF_* arrays are the tableau, printed by the test in hex. It also\n"
    " * returns, per component, bounds on how far a correct step may round differently:\n"
    " * by = 8 eps (|y| + dt sum|b_j k_j|) for y_new, and for err\n"
    " * be = 64 eps dt sum|e_j| (|k_j| + |y|): the sums' own roundings plus those of the stage\n"
    " * states carried through f (whose Lipschitz constant here is below 3). Hairer's\n"
    " * combination moves at most 2x its e5 input and 0.05x its e3 input, plus its own\n"
    " * roundings. */\n"
    "static void ref_step(const double *y, double t, double dt, double *yn, double *er,\n"
    "                     double *by, double *be)\n"
    "{\n"
    "    static double k[REF_S][BO_N];\n"
    "    double ys[BO_N], drv[1], sb, s5, s3;\n"
    "    for (int st = 0; st < REF_S; ++st) {\n"
    "        for (int i = 0; i < BO_N; ++i) {\n"
    "            double sum = 0.0;\n"
    "            for (int j = 0; j < st; ++j) {\n"
    "                double a = REF_A[st * REF_S + j];\n"
    "                if (a != 0.0) sum = j == 0 ? a * k[j][i] : sum + a * k[j][i];\n"
    "            }\n"
    "            ys[i] = st == 0 ? y[i] : y[i] + dt * sum;\n"
    "        }\n"
    "        double ts = st == 0 ? t : t + REF_C[st] * dt;\n"
    "        bo_drivers_eval(NULL, ts, drv);\n"
    "        bo_model_dxdt(ys, P, drv, ts, k[st]);\n"
    "    }\n"
    "    for (int i = 0; i < BO_N; ++i) {\n"
    "        double mb = 0.0, me = 0.0, me3 = 0.0;\n"
    "        sb = s5 = s3 = 0.0;\n"
    "        for (int j = 0; j < REF_S; ++j) {\n"
    "            double b = REF_B[j], e = b - REF_BHAT[j], e3 = b - REF_BHAT3[j];\n"
    "            if (b != 0.0) sb = j == 0 ? b * k[j][i] : sb + b * k[j][i];\n"
    "            if (e != 0.0) s5 = j == 0 ? e * k[j][i] : s5 + e * k[j][i];\n"
    "            if (e3 != 0.0) s3 += e3 * k[j][i];\n"
    "            mb += fabs(b * k[j][i]);\n"
    "            me += fabs(e) * (fabs(k[j][i]) + fabs(y[i]));\n"
    "            me3 += fabs(e3) * (fabs(k[j][i]) + fabs(y[i]));\n"
    "        }\n"
    "        yn[i] = y[i] + dt * sb;\n"
    "        by[i] = 8.0 * DBL_EPSILON * (fabs(y[i]) + dt * mb);\n"
    "        be[i] = 64.0 * DBL_EPSILON * dt * me;\n"
    "        double e5 = dt * s5, d3 = dt * s3;\n"
    "        if (!REF_ERROR3) er[i] = e5;\n"
    "        else if (e5 == 0.0 && d3 == 0.0) er[i] = 0.0;\n"
    "        else er[i] = e5 * fabs(e5) / sqrt(e5 * e5 + 0.01 * d3 * d3);\n"
    "        if (REF_ERROR3)\n"
    "            be[i] = 2.0 * be[i] + 0.05 * 64.0 * DBL_EPSILON * dt * me3 +\n"
    "                    8.0 * DBL_EPSILON * fabs(er[i]);\n"
    "    }\n"
    "}\n";

static const char *main_src =
    "#include <fenv.h>\n"
    "#include <stdio.h>\n"
    "#include <string.h>\n"
    "#define PERS_SIZE (RHS_SIZE + ACC_SIZE + 2)\n"
    "static const double P[3] = {1.7, -0.3, 0.8};\n"
    "static void exact(double t, double *y)\n"
    "{\n"
    "    const double lam = -2.385, w0 = 1.3, d = w0 * w0 + lam * lam;\n"
    "    const double A = -lam / d, B = -w0 / d;\n"
    "    y[0] = (0.7 - B) * exp(lam * t) + A * sin(w0 * t) + B * cos(w0 * t);\n"
    "    const double g = exp(P[1] * t), c = cos(P[0] * t), s = sin(P[0] * t);\n"
    "    y[1] = g * (1.1 * c - 0.45 * s);\n"
    "    y[2] = g * (-1.1 * s - 0.45 * c);\n"
    "    y[3] = 1.0 / (1.0 / 0.5 - P[2] * sin(t));\n"
    "}\n"
    "static double shared_buf[RHS_SIZE + 2], pers_buf[PERS_SIZE];\n"
    "static void fill_canaries(void)\n"
    "{\n"
    "    for (int i = 0; i < RHS_SIZE + 2; ++i) shared_buf[i] = 12345.0;\n"
    "    for (int i = 0; i < PERS_SIZE; ++i) pers_buf[i] = 12345.0;\n"
    "}\n"
    "static int canaries_ok(void)\n"
    "{\n"
    "    if (!LAYOUT_B) return 1;\n"
    "    return shared_buf[0] == 12345.0 && shared_buf[RHS_SIZE + 1] == 12345.0 &&\n"
    "           pers_buf[0] == 12345.0 && pers_buf[ACC_SIZE + 1] == 12345.0;\n"
    "}\n"
    "/* mode 0: recompute k1 every step; 1: FSAL reuse after the first step; 2: prepare. */\n"
    "static double integrate(int nsteps, int mode, double *yend)\n"
    "{\n"
    "    double y[BO_N] = {0.7, 1.1, -0.45, 0.5}, yn[BO_N], e[BO_N], ye[BO_N];\n"
    "    const double dt = 2.0 / nsteps;\n"
    "    double t = 0.0;\n"
    "    fill_canaries();\n"
    "    for (int s = 0; s < nsteps; ++s) {\n"
    "        int valid = 0;\n"
    "        if (mode == 1) valid = BO_ERK_FSAL && s > 0;\n"
    "        if (mode == 2) {\n"
    "            bo_erk_prepare(y, P, NULL, t, shared_buf, pers_buf);\n"
    "            valid = 1;\n"
    "        }\n"
    "        bo_erk_step(y, yn, e, P, NULL, t, dt, valid, 0, shared_buf, pers_buf);\n"
    "        memcpy(y, yn, sizeof y);\n"
    "        t += dt;\n"
    "    }\n"
    "    if (yend) memcpy(yend, y, sizeof y);\n"
    "    exact(t, ye);\n"
    "    double worst = 0.0;\n"
    "    for (int i = 0; i < BO_N; ++i)\n"
    "        if (fabs(y[i] - ye[i]) > worst) worst = fabs(y[i] - ye[i]);\n"
    "    return worst;\n"
    "}\n";

/* Second half of the unit (one literal would pass the C99 length limit). */
static const char *main2_src =
    "int main(void)\n"
    "{\n"
    "#if defined(__GLIBC__) && defined(FE_INVALID)\n"
    "    feenableexcept(FE_INVALID | FE_DIVBYZERO | FE_OVERFLOW);\n"
    "#endif\n"
    "    for (int k = 0; k < NPTS; ++k) {\n"
    "        int n = N0 << k;\n"
    "        printf(\"G %.17g %.17g\\n\", 2.0 / n, integrate(n, 0, NULL));\n"
    "    }\n"
    "    int canary = canaries_ok();\n"
    "    for (int k = 0; k < NPTS; ++k) {\n"
    "        double dt = DT0 / (double)(1 << k), y0[BO_N], y1[BO_N], e[BO_N] = {0};\n"
    "        exact(0.3, y0);\n"
    "        fill_canaries();\n"
    "        bo_erk_step(y0, y1, e, P, NULL, 0.3, dt, 0, 0, shared_buf, pers_buf);\n"
    "        canary = canary && canaries_ok();\n"
    "        double worst = 0.0;\n"
    "        for (int i = 0; i < BO_N; ++i)\n"
    "            if (fabs(e[i]) > worst) worst = fabs(e[i]);\n"
    "        printf(\"L %.17g %.17g\\n\", dt, worst);\n"
    "    }\n"
    "    double ya[BO_N], yb[BO_N], yc[BO_N];\n"
    "    integrate(4 * N0, 0, ya);\n"
    "    integrate(4 * N0, 1, yb);\n"
    "    canary = canary && canaries_ok();\n"
    "    integrate(4 * N0, 2, yc);\n"
    "    canary = canary && canaries_ok();\n"
    "    printf(\"F %d\\n\", memcmp(ya, yb, sizeof ya) == 0);\n"
    "    printf(\"P %d\\n\", memcmp(ya, yc, sizeof ya) == 0);\n"
    "    printf(\"C %d\\n\", canary);\n"
    "    for (int k = 0; k < NPTS; k += NPTS - 1) {\n"
    "        double dt = DT0 / (double)(1 << k), y0[BO_N], y1[BO_N], e[BO_N] = {0};\n"
    "        double r1[BO_N], re[BO_N], by[BO_N], be[BO_N], diff = 0.0, big = 0.0;\n"
    "        double wy = 0.0, we = 0.0;\n"
    "        exact(0.3, y0);\n"
    "        bo_erk_step(y0, y1, e, P, NULL, 0.3, dt, 0, 0, shared_buf, pers_buf);\n"
    "        ref_step(y0, 0.3, dt, r1, re, by, be);\n"
    "        if (!BO_ERK_HAS_ERROR) memset(re, 0, sizeof re);\n"
    "        for (int i = 0; i < BO_N; ++i) {\n"
    "            if (fabs(e[i] - re[i]) > diff) diff = fabs(e[i] - re[i]);\n"
    "            if (fabs(re[i]) > big) big = fabs(re[i]);\n"
    "            double dy = fabs(y1[i] - r1[i]), de = fabs(e[i] - re[i]);\n"
    "            if (dy > 0.0 && !(dy <= by[i] * wy)) wy = by[i] > 0.0 ? dy / by[i] : 1e300;\n"
    "            if (de > 0.0 && !(de <= be[i] * we)) we = be[i] > 0.0 ? de / be[i] : 1e300;\n"
    "        }\n"
    "        printf(\"R %.3e %.3e %.3e\\n\", wy, we, big > 0.0 ? diff / big : diff);\n"
    "    }\n"
    "    return 0;\n"
    "}\n";

/* The tableau as hex doubles for the test's own step; a missing b_hat or b_hat3 is written
 * as b, so its e terms vanish. */
static void emit_ref_array(sb_buf *src, const char *name, const double *v, const double *dflt,
                           int count)
{
    sb_printf(src, "static const double %s[%d] = {", name, count);
    for (int i = 0; i < count; ++i)
        sb_printf(src, "%s%a", i ? ", " : "", v ? v[i] : dflt[i]);
    sb_append(src, "};\n");
}

static void emit_reference(sb_buf *src, const bo_tableau *tab)
{
    int s = tab->stages;
    sb_printf(src, "#define REF_S %d\n#define REF_ERROR3 %d\n", s, tab->b_hat3 != NULL);
    emit_ref_array(src, "REF_A", tab->a, NULL, s * s);
    emit_ref_array(src, "REF_B", tab->b, NULL, s);
    emit_ref_array(src, "REF_C", tab->c, NULL, s);
    emit_ref_array(src, "REF_BHAT", tab->b_hat, tab->b, s);
    emit_ref_array(src, "REF_BHAT3", tab->b_hat3, tab->b, s);
}

typedef struct {
    const bo_tableau *tab;
    int n0;     /* coarsest step count over [0, 2]; then 2x, 4x, 8x */
    double dt0; /* largest single step for the error-estimate sweep */
} method_case;

static void run_case(const method_case *mc, int layout_b, double *errors)
{
    const bo_tableau *tab = mc->tab;
    sb_buf src;
    sb_init(&src);
    sb_append(&src, "#define BO_PRECISION 64\n#define _GNU_SOURCE 1\n");
    sb_append(&src, bo_embedded_find("prelude.h"));
    sb_append(&src, bo_embedded_find("status.h"));
    sb_append(&src, model_src);
    size_t rhs = tab_erk_stage_rhs_size(tab, 4), acc = tab_erk_stage_accumulator_size(tab, 4);
    sb_printf(&src, "#define RHS_SIZE %zu\n#define ACC_SIZE %zu\n", rhs ? rhs : 1, acc ? acc : 1);
    sb_printf(&src, "#define NPTS %d\n#define N0 %d\n#define DT0 %.17g\n", NPTS, mc->n0, mc->dt0);
    sb_append(&src, layout_b ? alloc_b : alloc_a);
    T_EQ_INT(tab_emit_erk(tab, &src), 0);
    sb_append(&src, bo_embedded_find("erk.h"));
    emit_reference(&src, tab);
    sb_append(&src, main_src);
    sb_append(&src, ref_src);
    sb_append(&src, main2_src);
    T_CHECK(!src.failed);

    int rc = -1;
    char *out = ccu_compile_run(sb_cstr(&src), CCU_STRICT, &rc);
    sb_free(&src);
    T_CHECKF(out != NULL && rc == 0, "%s: generated unit failed (rc %d)", tab->name, rc);
    if (!out || rc != 0) {
        free(out);
        return;
    }
    double gdt[NPTS], gerr[NPTS], ldt[NPTS], lerr[NPTS];
    int ng = 0, nl = 0, nr = 0, fsal_same = -1, prep_same = -1, canary = -1;
    double ref_y_off[2] = {1e300, 1e300}, ref_e_off[2] = {1e300, 1e300};
    double ref_diff[2] = {1, 1};
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == 'G' && ng < NPTS && sscanf(line + 1, "%lf %lf", &gdt[ng], &gerr[ng]) == 2)
            ++ng;
        else if (line[0] == 'L' && nl < NPTS &&
                 sscanf(line + 1, "%lf %lf", &ldt[nl], &lerr[nl]) == 2)
            ++nl;
        else if (line[0] == 'F')
            fsal_same = atoi(line + 1);
        else if (line[0] == 'P')
            prep_same = atoi(line + 1);
        else if (line[0] == 'C')
            canary = atoi(line + 1);
        else if (line[0] == 'R' && nr < 2 &&
                 sscanf(line + 1, "%lf %lf %lf", &ref_y_off[nr], &ref_e_off[nr], &ref_diff[nr]) ==
                     3)
            ++nr;
    }
    free(out);
    T_EQ_INT(ng, NPTS);
    T_EQ_INT(nl, NPTS);
    T_EQ_INT(nr, 2);
    if (ng != NPTS || nl != NPTS)
        return;
    for (int r = 0; r < nr; ++r) {
        if (getenv("BO_TEST_VERBOSE"))
            printf("%-10s textbook step: y_new off %.2f, err off %.2f of the rounding bound, "
                   "err off by %.2e\n",
                   tab->name, ref_y_off[r], ref_e_off[r], ref_diff[r]);
        /* The engine sums in scaled form (kernels/erk.h), so it agrees with the textbook step
         * to rounding, not bit for bit; a wrong coefficient is off by orders of magnitude. */
        T_CHECKF(ref_y_off[r] <= 1.0, "%s: y_new off the textbook step by %.3g rounding bounds",
                 tab->name, ref_y_off[r]);
        T_CHECKF(ref_e_off[r] <= 1.0, "%s: err off the textbook estimate by %.3g rounding bounds",
                 tab->name, ref_e_off[r]);
    }

    if (errors)
        memcpy(errors, gerr, sizeof gerr);
    double slope = rk_loglog_slope(gdt, gerr, NPTS);
    printf("%-10s layout %c  p=%d  global slope %.3f  errors %.2e .. %.2e", tab->name,
           layout_b ? 'B' : 'A', tab->order, slope, gerr[0], gerr[NPTS - 1]);
    T_CHECKF(fabs(slope - tab->order) <= 0.2, "%s: global error slope %.3f, order %d", tab->name,
             slope, tab->order);
    /* Tight enough that a wrong coefficient anywhere would show. */
    T_CHECKF(gerr[NPTS - 1] < 1e-3, "%s: finest error %.3g", tab->name, gerr[NPTS - 1]);
    if (tab_has_error_estimate(tab)) {
        int want = tab->error_order + 1;
        /* The three finest steps: high-order pairs (vern7) leave the pre-asymptotic range
         * late, while one step further the estimate nears its roundoff floor. */
        double ls = rk_loglog_slope(ldt + 1, lerr + 1, NPTS - 1);
        printf("  estimate slope %.3f (want %d)", ls, want);
        T_CHECKF(fabs(ls - want) <= 0.25, "%s: estimate slope %.3f, want %d", tab->name, ls, want);
    } else {
        for (int i = 0; i < NPTS; ++i)
            T_CHECK(lerr[i] == 0.0); /* err is untouched without an embedded pair */
    }
    printf("\n");
    if (getenv("BO_TEST_VERBOSE")) {
        for (int i = 0; i < NPTS; ++i)
            printf("    dt %.4g err %.3e | dt %.4g est %.3e\n", gdt[i], gerr[i], ldt[i], lerr[i]);
    }
    T_EQ_INT(fsal_same, 1);
    T_EQ_INT(prep_same, 1);
    T_EQ_INT(canary, 1);
}

int main(void)
{
    if (!bo_embedded_find("erk.h") || !bo_embedded_find("prelude.h"))
        T_SKIP("device library not embedded");
    /* Step ranges keep each method in its asymptotic range and well above roundoff: the
     * finest errors sit between ~1e-12 and ~1e-5. */
    const method_case cases[] = {
        {&bo_tableau_euler, 800, 0.1},    {&bo_tableau_heun, 100, 0.1},
        {&bo_tableau_ralston, 50, 0.1},   {&bo_tableau_rk4, 20, 0.2},
        {&bo_tableau_bs3, 40, 0.1},       {&bo_tableau_dp5, 10, 0.2},
        {&bo_tableau_cash_karp, 10, 0.2}, {&bo_tableau_fehlberg45, 20, 0.2},
        {&bo_tableau_tsit5, 20, 0.2},     {&bo_tableau_vern7, 5, 0.1},
        {&bo_tableau_dop853, 3, 0.4},
    };
    size_t count = sizeof cases / sizeof cases[0];
    double dp5_b[NPTS] = {0}, dp5_a[NPTS] = {0};
    for (size_t i = 0; i < count; ++i)
        run_case(&cases[i], (int)(i % 2), cases[i].tab == &bo_tableau_dp5 ? dp5_b : NULL);
    /* Placement must not change a single bit: dp5 again under the other layout. */
    run_case(&cases[5], 0, dp5_a);
    for (int k = 0; k < NPTS; ++k)
        T_CHECKF(dp5_a[k] == dp5_b[k], "dp5 layouts differ: %.17g vs %.17g", dp5_a[k], dp5_b[k]);
    T_DONE();
}
