/* The step controllers of kernels/controllers.h, compiled natively. For each controller a
 * sequence of attempted steps (error vector, states, dt, Newton iterations, truncation) is fed
 * to bo_controller() in a small generated program; the expected accept flag, next dt, status,
 * error norm and history are derived here by hand from the formulas in docs/controllers.md
 * (pow() written out per step, independently of the header). Every program is built four
 * times: float64 and float32, with the timestep buffer in persistent local memory and in
 * shared memory; the two placements must print bit-identical results. */
#include "harness.h"
#include "ccutil.h"
#include "status.h"
#include "util/strbuf.h"

#define MAXN 3
#define MAXSTEPS 24
#define HUGE_NORM 1e30

typedef struct {
    double dt;
    double err[MAXN], y[MAXN], yp[MAXN];
    int niters, truncated, reset;
} step_in;

typedef struct {
    double dt;
    int dt_exact; /* dt is an input or a bound passed through: must match exactly */
    int accept, rc;
    double norm2;
    double hist[2]; /* history after the call */
} step_want;

typedef struct {
    const char *name;
    const char *macros;
    int n, history;
    double atol[MAXN], rtol[MAXN];
    step_in in[MAXSTEPS];
    step_want want[MAXSTEPS];
    int count;
} sequence;

static double sq(double x)
{
    return x * x;
}

/* Mean square of err_i / tol_i, the tolerances worked out by hand in each test. */
static double msq(int n, const double *err, const double *tol)
{
    double s = 0.0;
    for (int i = 0; i < n; ++i)
        s += sq(err[i] / tol[i]);
    return s / (double)n;
}

static void seq_init(sequence *s, const char *name, const char *macros, int n, int history,
                     const double *atol, const double *rtol)
{
    memset(s, 0, sizeof *s);
    s->name = name;
    s->macros = macros;
    s->n = n;
    s->history = history;
    for (int i = 0; i < n; ++i) {
        s->atol[i] = atol[i];
        s->rtol[i] = rtol[i];
    }
}

static int add_step(sequence *s, double dt, const double *err, const double *y, const double *yp,
                    int niters, int truncated, int reset)
{
    int k = s->count++;
    step_in *in = &s->in[k];
    in->dt = dt;
    for (int i = 0; i < s->n; ++i) {
        in->err[i] = err[i];
        in->y[i] = y[i];
        in->yp[i] = yp[i];
    }
    in->niters = niters;
    in->truncated = truncated;
    in->reset = reset;
    return k;
}

static void want(sequence *s, int k, double dt, int dt_exact, int accept, int rc, double norm2,
                 double h0, double h1)
{
    step_want *w = &s->want[k];
    w->dt = dt;
    w->dt_exact = dt_exact;
    w->accept = accept;
    w->rc = rc;
    w->norm2 = norm2;
    w->hist[0] = h0;
    w->hist[1] = h1;
}

static void put_double(sb_buf *b, double v)
{
    if (isnan(v))
        sb_append(b, "NAN");
    else if (isinf(v))
        sb_append(b, v > 0 ? "INFINITY" : "-INFINITY");
    else
        sb_printf(b, "%.17g", v);
}

static void put_array(sb_buf *b, const double *v, int n, int literal)
{
    sb_append(b, "{");
    for (int i = 0; i < n; ++i) {
        if (i)
            sb_append(b, ", ");
        if (literal)
            sb_append(b, "BO_C(");
        put_double(b, v[i]);
        if (literal)
            sb_append(b, ")");
    }
    sb_append(b, "}");
}

/* The driver: sentinels around the history catch writes outside the controller's slice. */
static const char driver_main[] =
    "int main(void)\n"
    "{\n"
    "    bo_real shared[12], persist[12];\n"
    "    for (int i = 0; i < 12; ++i)\n"
    "        shared[i] = persist[i] = BO_C(-777.25);\n"
    "    printf(\"H %d\\n\", BO_CTRL_HISTORY);\n"
    "    for (int s = 0; s < NSTEPS; ++s) {\n"
    "        bo_real err[BO_N], y[BO_N], yp[BO_N];\n"
    "        for (int i = 0; i < BO_N; ++i) {\n"
    "            err[i] = (bo_real)in_err[s][i];\n"
    "            y[i] = (bo_real)in_y[s][i];\n"
    "            yp[i] = (bo_real)in_yp[s][i];\n"
    "        }\n"
    "        if (in_reset[s])\n"
    "            bo_controller_init(shared, persist);\n"
    "        bo_real dt = (bo_real)in_dt[s];\n"
    "        int accept = -1;\n"
    "        double norm2 = 0.0;\n"
    "#if BO_CONTROLLER != BO_CTRL_FIXED\n"
    "        norm2 = (double)bo_controller_error_norm2(y, yp, err);\n"
    "#endif\n"
    "        int rc = bo_controller(&dt, y, yp, err, in_niters[s], in_trunc[s], &accept, shared,\n"
    "                               persist);\n"
    "        printf(\"%a %d %d %a\", (double)dt, accept, rc, norm2);\n"
    "        for (int h = 0; h < 2; ++h)\n"
    "            printf(\" %a\", h < BO_CTRL_HISTORY ? (double)HIST_BASE[HIST_OFF + h] : 0.0);\n"
    "        int guard = 1;\n"
    "        for (int i = 0; i < 12; ++i) {\n"
    "            int in_hist = i >= HIST_OFF && i < HIST_OFF + BO_CTRL_HISTORY;\n"
    "            if (!(HIST_SHARED && in_hist) && shared[i] != BO_C(-777.25))\n"
    "                guard = 0;\n"
    "            if (!(!HIST_SHARED && in_hist) && persist[i] != BO_C(-777.25))\n"
    "                guard = 0;\n"
    "        }\n"
    "        printf(\" %d\\n\", guard);\n"
    "    }\n"
    "    return 0;\n"
    "}\n";

static char *gen_source(const sequence *s, int prec, int in_shared)
{
    sb_buf b;
    sb_init(&b);
    sb_printf(&b, "#define BO_PRECISION %d\n#include \"prelude.h\"\n#include \"status.h\"\n", prec);
    sb_append(&b, "#include <stdio.h>\n");
    sb_printf(&b, "#define BO_N %d\n%s", s->n, s->macros);
    /* The fixed controller reads no tolerances; unused arrays would trip -Werror. */
    if (!strstr(s->macros, "BO_CTRL_FIXED")) {
        sb_append(&b, "BO_CONST_ARRAY bo_real bo_ctrl_atol[BO_N] = ");
        put_array(&b, s->atol, s->n, 1);
        sb_append(&b, ";\nBO_CONST_ARRAY bo_real bo_ctrl_rtol[BO_N] = ");
        put_array(&b, s->rtol, s->n, 1);
        sb_append(&b, ";\n");
    }
    /* What the buffer registry emits for the two placements, at offsets other than 0 so a
     * header that ignored the allocator would be caught. */
    if (in_shared)
        sb_append(&b, "#define BO_ALLOC_controller_timestep_buffer(var, shared, persistent) "
                      "bo_real *var = (shared) + 3\n"
                      "#define HIST_SHARED 1\n#define HIST_BASE shared\n#define HIST_OFF 3\n");
    else
        sb_append(&b, "#define BO_ALLOC_controller_timestep_buffer(var, shared, persistent) "
                      "bo_real *var = (persistent) + 2\n"
                      "#define HIST_SHARED 0\n#define HIST_BASE persist\n#define HIST_OFF 2\n");
    sb_append(&b, "#include \"controllers.h\"\n");
    sb_printf(&b, "#define NSTEPS %d\n", s->count);
    sb_append(&b, "static const double in_dt[NSTEPS] = {");
    for (int k = 0; k < s->count; ++k) {
        sb_append(&b, k ? ", " : "");
        put_double(&b, s->in[k].dt);
    }
    const char *names[3] = {"in_err", "in_y", "in_yp"};
    for (int a = 0; a < 3; ++a) {
        sb_printf(&b, "};\nstatic const double %s[NSTEPS][BO_N] = {", names[a]);
        for (int k = 0; k < s->count; ++k) {
            const double *v = a == 0 ? s->in[k].err : (a == 1 ? s->in[k].y : s->in[k].yp);
            sb_append(&b, k ? ", " : "");
            put_array(&b, v, s->n, 0);
        }
    }
    sb_append(&b, "};\nstatic const int in_niters[NSTEPS] = {");
    for (int k = 0; k < s->count; ++k)
        sb_printf(&b, "%s%d", k ? ", " : "", s->in[k].niters);
    sb_append(&b, "};\nstatic const int in_trunc[NSTEPS] = {");
    for (int k = 0; k < s->count; ++k)
        sb_printf(&b, "%s%d", k ? ", " : "", s->in[k].truncated);
    sb_append(&b, "};\nstatic const int in_reset[NSTEPS] = {");
    for (int k = 0; k < s->count; ++k)
        sb_printf(&b, "%s%d", k ? ", " : "", s->in[k].reset);
    sb_append(&b, "};\n");
    sb_append(&b, driver_main);
    return sb_take(&b);
}

static char *run_program(const sequence *s, int prec, int in_shared)
{
    char *src = gen_source(s, prec, in_shared);
    if (!src)
        return NULL;
    char flags[1024];
    snprintf(flags, sizeof flags,
             "%s -Wshadow -Wconversion -Wstrict-prototypes -Wmissing-prototypes -I%s/kernels",
             CCU_STRICT, BO_SOURCE_DIR);
    int code = -1;
    char *out = ccu_compile_run(src, flags, &code);
    free(src);
    if (out && code != 0) {
        printf("%s: driver exited with %d\n", s->name, code);
        free(out);
        return NULL;
    }
    return out;
}

static double at_precision(double v, int prec)
{
    return prec == 32 ? (double)(float)v : v;
}

/* PI and PID keep log2(E^2) in their history, Gustafsson dt and E^2 (kernels/controllers.h);
 * the want tables list E^2 for all of them, 0 for "no history yet", which PI and PID store as
 * BO_CTRL_NO_LOG (1e4). A relative error r in E^2 is an absolute error r / ln 2 in its log. */
static int hist_ok(const sequence *s, int i, double got, double want, double tol)
{
    if (i >= s->history || (strcmp(s->name, "PI") != 0 && strcmp(s->name, "PID") != 0))
        return t_rel_ok(got, want, tol);
    double w = want == 0.0 ? 1e4 : log2(want);
    return fabs(got - w) <= 2.0 * tol * (1.0 + fabs(w));
}

static void check_output(const sequence *s, const char *out, int prec)
{
    const double tol = prec == 64 ? 1e-13 : 2e-5;
    const char *p = out;
    int history = -1;
    if (sscanf(p, "H %d", &history) != 1) {
        T_CHECKF(0, "%s: no history line", s->name);
        return;
    }
    T_EQ_INT(history, s->history);
    p = strchr(p, '\n');
    for (int k = 0; k < s->count; ++k) {
        const step_want *w = &s->want[k];
        char *end;
        if (!p) {
            T_CHECKF(0, "%s/%d: step %d missing", s->name, prec, k);
            return;
        }
        double dt = strtod(p + 1, &end);
        int accept = (int)strtol(end, &end, 10);
        int rc = (int)strtol(end, &end, 10);
        double norm2 = strtod(end, &end);
        double h0 = strtod(end, &end);
        double h1 = strtod(end, &end);
        int guard = (int)strtol(end, &end, 10);
        p = strchr(end, '\n');

        T_CHECKF(accept == w->accept, "%s/%d step %d: accept %d want %d", s->name, prec, k, accept,
                 w->accept);
        T_CHECKF(rc == w->rc, "%s/%d step %d: rc %d want %d", s->name, prec, k, rc, w->rc);
        if (w->dt_exact)
            T_CHECKF(dt == at_precision(w->dt, prec), "%s/%d step %d: dt %.17g want exactly %.17g",
                     s->name, prec, k, dt, at_precision(w->dt, prec));
        else
            T_CHECKF(t_rel_ok(dt, w->dt, tol), "%s/%d step %d: dt %.17g want %.17g", s->name, prec,
                     k, dt, w->dt);
        if (s->history > 0 || w->norm2 != 0.0)
            T_CHECKF(t_rel_ok(norm2, w->norm2, tol), "%s/%d step %d: E^2 %.17g want %.17g", s->name,
                     prec, k, norm2, w->norm2);
        T_CHECKF(hist_ok(s, 0, h0, w->hist[0], tol) && hist_ok(s, 1, h1, w->hist[1], tol),
                 "%s/%d step %d: history (%.17g, %.17g) want (%.17g, %.17g)", s->name, prec, k, h0,
                 h1, w->hist[0], w->hist[1]);
        T_CHECKF(guard == 1, "%s/%d step %d: write outside the history slice", s->name, prec, k);
    }
}

static void check_sequence(const sequence *s)
{
    for (int prec = 64; prec >= 32; prec -= 32) {
        char *persistent = run_program(s, prec, 0);
        char *shared = run_program(s, prec, 1);
        T_CHECKF(persistent && shared, "%s/%d: driver failed to build or run", s->name, prec);
        if (persistent && shared) {
            T_CHECKF(strcmp(persistent, shared) == 0,
                     "%s/%d: shared and persistent history differ:\n%s---\n%s", s->name, prec,
                     persistent, shared);
            check_output(s, persistent, prec);
        }
        free(persistent);
        free(shared);
    }
}

/* ---- fixed ------------------------------------------------------------------------------ */

static void test_fixed(void)
{
    static sequence s;
    const double atol[2] = {1e-6, 1e-6}, rtol[2] = {1e-6, 1e-6};
    seq_init(&s, "fixed", "#define BO_CONTROLLER BO_CTRL_FIXED\n", 2, 0, atol, rtol);
    const double y[2] = {0.731, -1.42}, yp[2] = {0.722, -1.40};
    const double small[2] = {2.385e-9, 1.7e-10}, large[2] = {4.6e-2, 3.3}, bad[2] = {NAN, 1.0};
    /* Whatever the error, a fixed step is accepted and dt stays as given. */
    int k = add_step(&s, 1.953125e-3, small, y, yp, 0, 0, 1);
    want(&s, k, 1.953125e-3, 1, 1, 0, 0.0, 0.0, 0.0);
    k = add_step(&s, 1.953125e-3, large, y, yp, 4, 0, 0);
    want(&s, k, 1.953125e-3, 1, 1, 0, 0.0, 0.0, 0.0);
    k = add_step(&s, 7.3e-4, bad, y, yp, 0, 1, 0);
    want(&s, k, 7.3e-4, 1, 1, 0, 0.0, 0.0, 0.0);
    k = add_step(&s, 1e-9, large, y, yp, 0, 0, 0);
    want(&s, k, 1e-9, 1, 1, 0, 0.0, 0.0, 0.0);
    check_sequence(&s);
}

/* ---- I ---------------------------------------------------------------------------------- */

static void test_i(void)
{
    static sequence s;
    const double atol[3] = {1e-6, 2.5e-7, 4e-8}, rtol[3] = {1e-4, 3e-5, 1e-3};
    seq_init(&s, "I",
             "#define BO_CONTROLLER BO_CTRL_I\n#define BO_CTRL_ORDER 4\n"
             "#define BO_CTRL_SAFETY BO_C(0.9)\n#define BO_CTRL_MIN_GAIN BO_C(0.2)\n"
             "#define BO_CTRL_MAX_GAIN BO_C(5.0)\n#define BO_CTRL_DEADBAND_MIN BO_C(1.0)\n"
             "#define BO_CTRL_DEADBAND_MAX BO_C(1.2)\n#define BO_CTRL_DT_MIN BO_C(1e-6)\n"
             "#define BO_CTRL_DT_MAX BO_C(0.05)\n",
             3, 0, atol, rtol);
    const double y[3] = {1.25, -0.0372, 2.1e-4}, yp[3] = {1.19, -0.0415, 1.6e-4};
    /* tol_i = atol_i + rtol_i max(|y_i|, |yp_i|): the larger magnitude is y in components 0
     * and 2 and yp in component 1. */
    const double tol[3] = {1e-6 + 1e-4 * 1.25, 2.5e-7 + 3e-5 * 0.0415, 4e-8 + 1e-3 * 2.1e-4};
    const double x = -1.0 / (2.0 * (4 + 1)); /* E^2 exponent for p = 4 */
    const double dtmin = 1e-6, dtmax = 0.05;

    /* 0: accepted, gain above the deadband and below max_gain. E^2 written out once in full. */
    const double e0[3] = {2.385e-5, -3.1e-7, 4.4e-8};
    const double E0 = (sq(2.385e-5 / 1.26e-4) + sq(-3.1e-7 / 1.495e-6) + sq(4.4e-8 / 2.5e-7)) / 3;
    T_REL(msq(3, e0, tol), E0, 1e-14);
    const double g0 = 0.9 * pow(E0, x);
    T_CHECK(E0 < 1 && g0 > 1.2 && g0 < 5.0);
    int k = add_step(&s, 3.17e-3, e0, y, yp, 0, 0, 1);
    want(&s, k, 3.17e-3 * g0, 0, 1, 0, E0, 0, 0);

    /* 1: accepted, gain inside the deadband [1, 1.2]: dt unchanged. */
    const double e1[3] = {4.1e-5, 5.2e-7, -1.1e-7};
    const double E1 = msq(3, e1, tol), g1 = 0.9 * pow(E1, x);
    T_CHECK(E1 < 1 && g1 > 1.0 && g1 < 1.2);
    k = add_step(&s, 3.97e-3, e1, y, yp, 0, 0, 0);
    want(&s, k, 3.97e-3, 1, 1, 0, E1, 0, 0);

    /* 2: accepted, but the gain is below 1: the next step shrinks. */
    const double e2[3] = {1.17e-4, 1.3e-6, 2.1e-7};
    const double E2 = msq(3, e2, tol), g2 = 0.9 * pow(E2, x);
    T_CHECK(E2 < 1 && g2 > 0.2 && g2 < 1.0);
    k = add_step(&s, 3.97e-3, e2, y, yp, 0, 0, 0);
    want(&s, k, 3.97e-3 * g2, 0, 1, 0, E2, 0, 0);

    /* 3: rejected; the formula gain is already below safety. */
    const double e3[3] = {2.9e-4, -2.2e-6, 3.3e-7};
    const double E3 = msq(3, e3, tol), g3 = 0.9 * pow(E3, x);
    T_CHECK(E3 > 1 && g3 > 0.2 && g3 < 0.9);
    k = add_step(&s, 3.66e-3, e3, y, yp, 0, 0, 0);
    want(&s, k, 3.66e-3 * g3, 0, 0, 0, E3, 0, 0);

    /* 4: rejected badly: the gain clamps to min_gain. */
    const double e4[3] = {0.83, 1.1e-3, 2.4e-4};
    const double E4 = msq(3, e4, tol);
    T_CHECK(0.9 * pow(E4, x) < 0.2);
    k = add_step(&s, 2.945e-3, e4, y, yp, 0, 0, 0);
    want(&s, k, 2.945e-3 * 0.2, 0, 0, 0, E4, 0, 0);

    /* 5: tiny error: gain clamps to max_gain and dt clamps to dt_max. */
    const double e5[3] = {3.7e-13, 1.9e-15, -6.1e-16};
    const double E5 = msq(3, e5, tol);
    T_CHECK(0.9 * pow(E5, x) > 5.0 && 0.0137 * 5.0 > dtmax);
    k = add_step(&s, 0.0137, e5, y, yp, 0, 0, 0);
    want(&s, k, dtmax, 1, 1, 0, E5, 0, 0);

    /* 6: same error, smaller dt: max_gain without the dt_max clamp. */
    k = add_step(&s, 2.3e-3, e5, y, yp, 0, 0, 0);
    want(&s, k, 2.3e-3 * 5.0, 0, 1, 0, E5, 0, 0);

    /* 7: accepted truncated step: dt is returned unchanged. */
    k = add_step(&s, 1.234e-3, e0, y, yp, 0, 1, 0);
    want(&s, k, 1.234e-3, 1, 1, 0, E0, 0, 0);

    /* 8: rejected truncated step: shrinks like any rejection. */
    k = add_step(&s, 8.7e-4, e3, y, yp, 0, 1, 0);
    want(&s, k, 8.7e-4 * g3, 0, 0, 0, E3, 0, 0);

    /* 9: rejected just above dt_min: clamps to dt_min, not yet fatal. */
    T_CHECK(2.3e-6 * 0.2 < dtmin);
    k = add_step(&s, 2.3e-6, e4, y, yp, 0, 0, 0);
    want(&s, k, dtmin, 1, 0, 0, E4, 0, 0);

    /* 10: rejected at dt_min: nothing left to shrink. */
    k = add_step(&s, dtmin, e3, y, yp, 0, 0, 0);
    want(&s, k, dtmin, 1, 0, BO_RUN_STEP_TOO_SMALL, E3, 0, 0);

    /* 11: accepted at dt_min inside the deadband: fine (cubie would flag it). */
    k = add_step(&s, dtmin, e1, y, yp, 0, 0, 0);
    want(&s, k, dtmin, 1, 1, 0, E1, 0, 0);

    /* 12: accepted at dt_min with gain < 1: dt stays at dt_min, still fine. */
    k = add_step(&s, dtmin, e2, y, yp, 0, 0, 0);
    want(&s, k, dtmin, 1, 1, 0, E2, 0, 0);

    /* 13: a truncated step shorter than dt_min rejected: fatal, a retry would repeat it. */
    k = add_step(&s, 4.1e-7, e3, y, yp, 0, 1, 0);
    want(&s, k, dtmin, 1, 0, BO_RUN_STEP_TOO_SMALL, E3, 0, 0);

    /* 14-17: NaN or Inf in the error, a NaN state, a huge finite error: rejected, shrink by
     * min_gain, E^2 reported as the huge value. */
    const double enan[3] = {NAN, 1e-7, 1e-8}, einf[3] = {1e-6, INFINITY, 0.0};
    const double ybad[3] = {1.25, NAN, 2.1e-4}, ebig[3] = {1e200, 0.0, 0.0};
    k = add_step(&s, 2.5e-3, enan, y, yp, 0, 0, 0);
    want(&s, k, 2.5e-3 * 0.2, 0, 0, 0, HUGE_NORM, 0, 0);
    k = add_step(&s, 2.5e-3, einf, y, yp, 0, 0, 0);
    want(&s, k, 2.5e-3 * 0.2, 0, 0, 0, HUGE_NORM, 0, 0);
    k = add_step(&s, 2.5e-3, e1, ybad, yp, 0, 0, 0);
    want(&s, k, 2.5e-3 * 0.2, 0, 0, 0, HUGE_NORM, 0, 0);
    k = add_step(&s, 2.5e-3, ebig, y, yp, 0, 0, 0);
    want(&s, k, 2.5e-3 * 0.2, 0, 0, 0, HUGE_NORM, 0, 0);

    /* 18: exactly zero error: accepted with max_gain. */
    const double ezero[3] = {0.0, 0.0, 0.0};
    k = add_step(&s, 1.1e-3, ezero, y, yp, 0, 0, 0);
    want(&s, k, 1.1e-3 * 5.0, 0, 1, 0, 0.0, 0, 0);

    /* 19: negative states: the scale is the larger magnitude of old and new. */
    const double yn[3] = {-3.2, 0.051, -1.3e-4}, ypn[3] = {1.7, -0.0465, -2.9e-4};
    const double tn[3] = {1e-6 + 1e-4 * 3.2, 2.5e-7 + 3e-5 * 0.051, 4e-8 + 1e-3 * 2.9e-4};
    const double En = msq(3, e0, tn), gn = 0.9 * pow(En, x);
    T_CHECK(En < 1 && gn > 1.2 && gn < 5.0);
    k = add_step(&s, 1.9e-3, e0, yn, ypn, 0, 0, 0);
    want(&s, k, 1.9e-3 * gn, 0, 1, 0, En, 0, 0);

    check_sequence(&s);
}

/* ---- PI --------------------------------------------------------------------------------- */

static void test_pi(void)
{
    static sequence s;
    const double atol[3] = {3e-7, 1e-6, 2e-9}, rtol[3] = {2e-5, 1e-4, 5e-6};
    seq_init(&s, "PI",
             "#define BO_CONTROLLER BO_CTRL_PI\n#define BO_CTRL_ORDER 5\n"
             "#define BO_CTRL_SAFETY BO_C(0.9)\n#define BO_CTRL_MIN_GAIN BO_C(0.2)\n"
             "#define BO_CTRL_MAX_GAIN BO_C(10.0)\n#define BO_CTRL_KP BO_C(0.7)\n"
             "#define BO_CTRL_KI BO_C(-0.4)\n#define BO_CTRL_DEADBAND_MIN BO_C(1.0)\n"
             "#define BO_CTRL_DEADBAND_MAX BO_C(1.0)\n#define BO_CTRL_DT_MIN BO_C(1e-7)\n"
             "#define BO_CTRL_DT_MAX BO_C(0.5)\n",
             3, 1, atol, rtol);
    const double y[3] = {0.8731, 12.6, -0.00457}, yp[3] = {0.8802, 12.2, -0.00461};
    const double tol[3] = {3e-7 + 2e-5 * 0.8802, 1e-6 + 1e-4 * 12.6, 2e-9 + 5e-6 * 0.00461};
    /* p = 5, k = 12: g = 0.9 E2^(-0.7/12) E2prev^(0.4/12). */
    const double xp = -0.7 / 12.0, xi = 0.4 / 12.0;

    const double ea[3] = {4.4e-6, 2.7e-4, 6.1e-9}, eb[3] = {9.3e-6, 5.8e-4, -1.2e-8};
    const double ec[3] = {3.1e-5, 2.2e-3, 4.9e-8}, ed[3] = {6.6e-6, 4.1e-4, 1.5e-8};
    const double et[3] = {1e-18, 1e-16, 1e-21}, enan[3] = {1e-6, NAN, 1e-9};
    const double Ea = msq(3, ea, tol), Eb = msq(3, eb, tol), Ec = msq(3, ec, tol);
    const double Ed = msq(3, ed, tol), Et = msq(3, et, tol);
    T_CHECK(Ea < 1 && Eb < 1 && Ec > 1 && Ed < 1 && Et < 1e-20);

    /* 0: first step, no history: E_prev := E_n, so g = 0.9 E2^(-(0.7-0.4)/12). */
    const double g0 = 0.9 * pow(Ea, xp) * pow(Ea, xi);
    T_REL(g0, 0.9 * pow(Ea, -0.3 / 12.0), 1e-14);
    int k = add_step(&s, 2.15e-3, ea, y, yp, 0, 0, 1);
    want(&s, k, 2.15e-3 * g0, 0, 1, 0, Ea, Ea, 0);

    /* 1: the previous error enters. */
    const double g1 = 0.9 * pow(Eb, xp) * pow(Ea, xi);
    T_CHECK(g1 > 0.2 && g1 < 10);
    k = add_step(&s, 2.08e-3, eb, y, yp, 0, 0, 0);
    want(&s, k, 2.08e-3 * g1, 0, 1, 0, Eb, Eb, 0);

    /* 2: rejected: shrinks, history keeps Eb. */
    const double g2 = 0.9 * pow(Ec, xp) * pow(Eb, xi);
    T_CHECK(g2 > 0.2 && g2 < 0.9);
    k = add_step(&s, 1.85e-3, ec, y, yp, 0, 0, 0);
    want(&s, k, 1.85e-3 * g2, 0, 0, 0, Ec, Eb, 0);

    /* 3: accepted: the previous error is Eb, not the rejected Ec. */
    const double g3 = 0.9 * pow(Ed, xp) * pow(Eb, xi);
    k = add_step(&s, 1.49e-3, ed, y, yp, 0, 0, 0);
    want(&s, k, 1.49e-3 * g3, 0, 1, 0, Ed, Ed, 0);

    /* 4: accepted truncated: dt and history unchanged. */
    k = add_step(&s, 6.1e-4, eb, y, yp, 0, 1, 0);
    want(&s, k, 6.1e-4, 1, 1, 0, Eb, Ed, 0);

    /* 5: tiny error: gain clamps to max_gain, dt to dt_max; the tiny E2 is remembered. */
    T_CHECK(0.9 * pow(Et, xp) * pow(Ed, xi) > 10 && 0.0731 * 10 > 0.5);
    k = add_step(&s, 0.0731, et, y, yp, 0, 0, 0);
    want(&s, k, 0.5, 1, 1, 0, Et, Et, 0);

    /* 6: accepted after a very accurate step: the PI term pulls the gain under min_gain. */
    T_CHECK(0.9 * pow(Ed, xp) * pow(Et, xi) < 0.2);
    k = add_step(&s, 0.213, ed, y, yp, 0, 0, 0);
    want(&s, k, 0.213 * 0.2, 0, 1, 0, Ed, Ed, 0);

    /* 7: NaN error: rejected with min_gain, history untouched. */
    k = add_step(&s, 0.0426, enan, y, yp, 0, 0, 0);
    want(&s, k, 0.0426 * 0.2, 0, 0, 0, HUGE_NORM, Ed, 0);

    /* 8: rejected at dt_min. */
    k = add_step(&s, 1e-7, ec, y, yp, 0, 0, 0);
    want(&s, k, 1e-7, 1, 0, BO_RUN_STEP_TOO_SMALL, Ec, Ed, 0);

    /* 9-10: a new run (reset) with Ed first, then Eb: the dt proposed after Eb differs from
     * step 1 only through the remembered error. */
    const double g9 = 0.9 * pow(Ed, xp) * pow(Ed, xi);
    k = add_step(&s, 2.15e-3, ed, y, yp, 0, 0, 1);
    want(&s, k, 2.15e-3 * g9, 0, 1, 0, Ed, Ed, 0);
    const double g10 = 0.9 * pow(Eb, xp) * pow(Ed, xi);
    T_CHECK(fabs(g10 / g1 - 1) > 1e-3);
    k = add_step(&s, 2.08e-3, eb, y, yp, 0, 0, 0);
    want(&s, k, 2.08e-3 * g10, 0, 1, 0, Eb, Eb, 0);

    check_sequence(&s);
}

/* ---- PID -------------------------------------------------------------------------------- */

static void test_pid(void)
{
    static sequence s;
    const double atol[2] = {5e-5, 1e-7}, rtol[2] = {1e-3, 2e-4};
    seq_init(&s, "PID",
             "#define BO_CONTROLLER BO_CTRL_PID\n#define BO_CTRL_ORDER 3\n"
             "#define BO_CTRL_SAFETY BO_C(0.85)\n#define BO_CTRL_MIN_GAIN BO_C(0.25)\n"
             "#define BO_CTRL_MAX_GAIN BO_C(2.2)\n#define BO_CTRL_KP BO_C(0.58)\n"
             "#define BO_CTRL_KI BO_C(0.45)\n#define BO_CTRL_KD BO_C(-0.13)\n"
             "#define BO_CTRL_DEADBAND_MIN BO_C(0.95)\n#define BO_CTRL_DEADBAND_MAX BO_C(1.1)\n"
             "#define BO_CTRL_DT_MIN BO_C(1e-5)\n#define BO_CTRL_DT_MAX BO_C(0.2)\n",
             2, 2, atol, rtol);
    const double y[2] = {-42.7, 0.0193}, yp[2] = {-41.9, 0.0188};
    const double tol[2] = {5e-5 + 1e-3 * 42.7, 1e-7 + 2e-4 * 0.0193};
    /* p = 3, k = 8: g = 0.85 E2^(-0.58/8) E2prev^(-0.45/8) E2prev2^(0.13/8). */
    const double xp = -0.58 / 8, xi = -0.45 / 8, xd = 0.13 / 8;

    const double ea[2] = {6.3e-3, 5.5e-7}, eb[2] = {1.52e-2, 1.1e-6};
    const double ec[2] = {4.1e-5, -3.7e-9}, ed[2] = {4.47e-2, 4.3e-6};
    const double ee[2] = {2.7e-2, 2.6e-6}, ef[2] = {3.9e-3, -3.1e-7};
    const double Ea = msq(2, ea, tol), Eb = msq(2, eb, tol), Ec = msq(2, ec, tol);
    const double Ed = msq(2, ed, tol), Ee = msq(2, ee, tol), Ef = msq(2, ef, tol);
    T_CHECK(Ea < 1 && Eb < 1 && Ec < 1 && Ed > 1 && Ee < 1 && Ef < 1);

    /* 0: no history: both missing errors are Ea. */
    const double g0 = 0.85 * pow(Ea, xp) * pow(Ea, xi) * pow(Ea, xd);
    T_CHECK(g0 > 1.1 && g0 < 2.2);
    int k = add_step(&s, 4.4e-3, ea, y, yp, 0, 0, 1);
    want(&s, k, 4.4e-3 * g0, 0, 1, 0, Ea, Ea, 0);

    /* 1: one error stored: E_{n-2} falls back to the newer E_{n-1} = Ea. */
    const double g1 = 0.85 * pow(Eb, xp) * pow(Ea, xi) * pow(Ea, xd);
    T_CHECK(g1 > 1.1 && g1 < 2.2);
    k = add_step(&s, 5.7e-3, eb, y, yp, 0, 0, 0);
    want(&s, k, 5.7e-3 * g1, 0, 1, 0, Eb, Eb, Ea);

    /* 2: full history; the gain clamps to max_gain. */
    T_CHECK(0.85 * pow(Ec, xp) * pow(Eb, xi) * pow(Ea, xd) > 2.2);
    k = add_step(&s, 6.6e-3, ec, y, yp, 0, 0, 0);
    want(&s, k, 6.6e-3 * 2.2, 0, 1, 0, Ec, Ec, Eb);

    /* 3: rejected, but the small previous error drives the formula gain above safety:
     * rejection caps it at safety. */
    const double g3 = 0.85 * pow(Ed, xp) * pow(Ec, xi) * pow(Eb, xd);
    T_CHECK(g3 > 1.1 && g3 < 2.2);
    k = add_step(&s, 0.0145, ed, y, yp, 0, 0, 0);
    want(&s, k, 0.0145 * 0.85, 0, 0, 0, Ed, Ec, Eb);

    /* 4: history is still (Ec, Eb) after the rejection. */
    const double g4 = 0.85 * pow(Ee, xp) * pow(Ec, xi) * pow(Eb, xd);
    T_CHECK(g4 > 1.1 && g4 < 2.2);
    k = add_step(&s, 0.0123, ee, y, yp, 0, 0, 0);
    want(&s, k, 0.0123 * g4, 0, 1, 0, Ee, Ee, Ec);

    /* 5: gain inside the deadband [0.95, 1.1]: dt unchanged. */
    const double g5 = 0.85 * pow(Ef, xp) * pow(Ee, xi) * pow(Ec, xd);
    T_CHECK(g5 > 0.96 && g5 < 1.09);
    k = add_step(&s, 0.0171, ef, y, yp, 0, 0, 0);
    want(&s, k, 0.0171, 1, 1, 0, Ef, Ef, Ee);

    /* 6: accepted truncated: dt and history unchanged. */
    k = add_step(&s, 2.9e-3, ea, y, yp, 0, 1, 0);
    want(&s, k, 2.9e-3, 1, 1, 0, Ea, Ef, Ee);

    /* 7: large dt clamps to dt_max. */
    const double g7 = 0.85 * pow(Eb, xp) * pow(Ef, xi) * pow(Ee, xd);
    T_CHECK(0.19 * g7 > 0.2);
    k = add_step(&s, 0.19, eb, y, yp, 0, 0, 0);
    want(&s, k, 0.2, 1, 1, 0, Eb, Eb, Ef);

    /* 8: rejected at dt_min: fatal, history untouched. */
    k = add_step(&s, 1e-5, ed, y, yp, 0, 0, 0);
    want(&s, k, 1e-5, 1, 0, BO_RUN_STEP_TOO_SMALL, Ed, Eb, Ef);

    check_sequence(&s);
}

/* ---- Gustafsson ------------------------------------------------------------------------- */

static void test_gustafsson(void)
{
    static sequence s;
    const double atol[2] = {2e-6, 1e-6}, rtol[2] = {1e-4, 1e-4};
    /* gamma (0.95) differs from safety (0.9) so the test sees which one each formula uses. */
    seq_init(&s, "Gustafsson",
             "#define BO_CONTROLLER BO_CTRL_GUSTAFSSON\n#define BO_CTRL_ORDER 5\n"
             "#define BO_CTRL_SAFETY BO_C(0.9)\n#define BO_CTRL_GAMMA BO_C(0.95)\n"
             "#define BO_CTRL_MAX_NEWTON_ITERS 7\n#define BO_CTRL_MIN_GAIN BO_C(0.2)\n"
             "#define BO_CTRL_MAX_GAIN BO_C(8.0)\n#define BO_CTRL_DEADBAND_MIN BO_C(1.0)\n"
             "#define BO_CTRL_DEADBAND_MAX BO_C(1.2)\n#define BO_CTRL_DT_MIN BO_C(1e-6)\n"
             "#define BO_CTRL_DT_MAX BO_C(0.1)\n",
             2, 2, atol, rtol);
    const double y[2] = {0.3517, -2.893}, yp[2] = {0.3482, -2.911};
    const double tol[2] = {2e-6 + 1e-4 * 0.3517, 1e-6 + 1e-4 * 2.911};
    /* p = 5, k = 12. NIT = 7: fac = 0.95 min(1, 15 / (14 + niters)). */
    const double x = -1.0 / 12;

    const double ea[2] = {3.1e-6, 5.3e-6}, eb[2] = {2.6e-5, 3.9e-5};
    const double ec[2] = {1.9e-7, 2.2e-7}, ed[2] = {7.7e-5, 9.9e-5};
    const double ee[2] = {1.8e-5, 2.4e-5}, enan[2] = {NAN, 1e-6};
    const double Ea = msq(2, ea, tol), Eb = msq(2, eb, tol), Ec = msq(2, ec, tol);
    const double Ed = msq(2, ed, tol), Ee = msq(2, ee, tol);
    T_CHECK(Ea < 1 && Eb < 1 && Ec < 1e-4 && Ed > 1 && Ee < 1);

    /* 0: no history: the basic gain, fac = 0.95 * 15/17 for 3 Newton iterations. */
    const double g0 = 0.95 * (15.0 / 17.0) * pow(Ea, x);
    T_CHECK(g0 > 1.2 && g0 < 8);
    int k = add_step(&s, 2.7e-3, ea, y, yp, 3, 0, 1);
    want(&s, k, 2.7e-3 * g0, 0, 1, 0, Ea, 2.7e-3, Ea);

    /* 1: predictive gain 0.95 (h_n/h_{n-1}) E2^(-2/12) E2prev^(1/12) is the smaller one. */
    const double gb1 = 0.95 * (15.0 / 16.0) * pow(Eb, x);
    const double gg1 = 0.95 * (3.4e-3 / 2.7e-3) * pow(Eb, -2.0 / 12) * pow(Ea, 1.0 / 12);
    T_CHECK(gg1 < gb1 && gg1 > 0.2 && gg1 < 1.0);
    k = add_step(&s, 3.4e-3, eb, y, yp, 2, 0, 0);
    want(&s, k, 3.4e-3 * gg1, 0, 1, 0, Eb, 3.4e-3, Eb);

    /* 2: explicit-like niters = 0: 15/14 > 1 so fac = gamma; the basic gain is the smaller;
     * the stored error is floored at E^2 = 1e-4. */
    const double gb2 = 0.95 * pow(Ec, x);
    const double gg2 = 0.95 * (3.1e-3 / 3.4e-3) * pow(Ec, -2.0 / 12) * pow(Eb, 1.0 / 12);
    T_CHECK(gb2 < gg2 && gb2 > 1.2 && gb2 < 8);
    k = add_step(&s, 3.1e-3, ec, y, yp, 0, 0, 0);
    want(&s, k, 3.1e-3 * gb2, 0, 1, 0, Ec, 3.1e-3, 1e-4);

    /* 3: rejected with NIT iterations: basic gain only, fac = 0.95 * 15/21; history kept. */
    const double g3 = 0.95 * (15.0 / 21.0) * pow(Ed, x);
    T_CHECK(g3 > 0.2 && g3 < 0.9);
    k = add_step(&s, 4.4e-3, ed, y, yp, 7, 0, 0);
    want(&s, k, 4.4e-3 * g3, 0, 0, 0, Ed, 3.1e-3, 1e-4);

    /* 4: predictive gain from the history of step 2 (dt 3.1e-3, floored 1e-4). */
    const double gb4 = 0.95 * (15.0 / 18.0) * pow(Ee, x);
    const double gg4 = 0.95 * (3.6e-3 / 3.1e-3) * pow(Ee, -2.0 / 12) * pow(1e-4, 1.0 / 12);
    T_CHECK(gg4 < gb4 && gg4 > 0.2 && gg4 < 1.0);
    k = add_step(&s, 3.6e-3, ee, y, yp, 4, 0, 0);
    want(&s, k, 3.6e-3 * gg4, 0, 1, 0, Ee, 3.6e-3, Ee);

    /* 5: accepted truncated: dt and history unchanged. */
    k = add_step(&s, 1.7e-4, ec, y, yp, 1, 1, 0);
    want(&s, k, 1.7e-4, 1, 1, 0, Ec, 3.6e-3, Ee);

    /* 6: NaN error: min_gain, history kept. */
    k = add_step(&s, 2.2e-3, enan, y, yp, 7, 0, 0);
    want(&s, k, 2.2e-3 * 0.2, 0, 0, 0, HUGE_NORM, 3.6e-3, Ee);

    /* 7: rejected at dt_min. */
    k = add_step(&s, 1e-6, ed, y, yp, 5, 0, 0);
    want(&s, k, 1e-6, 1, 0, BO_RUN_STEP_TOO_SMALL, Ed, 3.6e-3, Ee);

    /* 8: a new run: the first accepted step uses the basic gain again (after the reset the
     * predictive gain, 0.95 (3.4e-3/3.6e-3) ..., would have been smaller). */
    const double gb8 = 0.95 * (15.0 / 16.0) * pow(Eb, x);
    const double gg8 = 0.95 * (3.4e-3 / 3.6e-3) * pow(Eb, -2.0 / 12) * pow(Ee, 1.0 / 12);
    T_CHECK(gg8 < gb8 && gb8 < 1.0);
    k = add_step(&s, 3.4e-3, eb, y, yp, 2, 0, 1);
    want(&s, k, 3.4e-3 * gb8, 0, 1, 0, Eb, 3.4e-3, Eb);

    /* 9: dt_max clamp. */
    const double gg9 = 0.95 * (0.09 / 3.4e-3) * pow(Ec, -2.0 / 12) * pow(Eb, 1.0 / 12);
    const double gb9 = 0.95 * (15.0 / 16.0) * pow(Ec, x);
    T_CHECK(gb9 < gg9 && 0.09 * gb9 > 0.1);
    k = add_step(&s, 0.09, ec, y, yp, 2, 0, 0);
    want(&s, k, 0.1, 1, 1, 0, Ec, 0.09, 1e-4);

    check_sequence(&s);
}

int main(void)
{
    test_fixed();
    test_i();
    test_pi();
    test_pid();
    test_gustafsson();
    T_DONE();
}
