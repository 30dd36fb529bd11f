/* The Krylov linear solver (kernels/krylov.h) compiled natively: the model functions from the
 * emitter, the constants from pg_emit_linsolve and the allocators from the buffer registry as
 * pg_register_linsolve lays them out (all local, or all moved to shared memory), so the test
 * runs the code a generated program runs. The model is a 1-D reaction-diffusion chain
 *   dx_i/dt = D (x_{i-1} - 2 x_i + x_{i+1}) + r x_i (1 - x_i) - k_i x_i,  x_{-1} = x_n = 0,
 * whose Jacobian the test writes down by hand; (c I - J) x = b is solved here by Gaussian
 * elimination with partial pivoting in long double, and GMRES must reach its relative residual
 * (checked here, in long double) and the direct solution within the conditioning. Also:
 * n = 3..200, float32 and float64, with and without Jacobi (which must need fewer iterations
 * on a badly scaled diagonal), a retried solve that reuses the recorded point with another
 * shift, the iteration limit (BO_RUN_MAX_LINEAR_ITERS), an exact invariant subspace that solves
 * the system (success after one step) and one that cannot (BO_RUN_LINEAR_BREAKDOWN), a zero
 * Jacobi diagonal entry (falls back to 1), and NaN in b or in the point. */
#include "harness.h"
#include "ccutil.h"
#include "methods/algorithm.h"
#include "codegen/codegen.h"
#include "codegen/registry.h"
#include "status.h"
#include "util/strbuf.h"

#include <math.h>

#define MAXN 200
#define MAXC 6

static unsigned long long rng = 0x2545f4914f6cdd1dull;
static double urand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0 * 2.0 - 1.0;
}

/* The chain: n states, parameters D and r, compiled-in k_i. */
typedef struct {
    int n;
    double k[MAXN];
} chain;

/* One solve: the point (y, D, r), the shift c and b; reuse: skip bo_ls_jacobian and solve with
 * the point of the previous case (a retried step). */
typedef struct {
    double y[MAXN], D, r, c, b[MAXN];
    int reuse;
} lcase;

typedef struct {
    int prec, precond, restart, maxit, shared;
    double tol;
} config;

typedef struct {
    int rc, iters;
    double x[MAXN];
} result;

static bo_model *chain_model(bo_context *ctx, const chain *ch)
{
    sb_buf t;
    sb_init(&t);
    sb_append(&t, "model chain\nparam D = 1, r = 1\nstate ");
    for (int i = 0; i < ch->n; ++i)
        sb_printf(&t, "%sx%d = 0", i ? ", " : "", i);
    sb_append(&t, "\n");
    for (int i = 0; i < ch->n; ++i) {
        sb_printf(&t, "dx%d/dt = D*(", i);
        if (i > 0)
            sb_printf(&t, "x%d ", i - 1);
        sb_printf(&t, "- 2*x%d", i);
        if (i + 1 < ch->n)
            sb_printf(&t, " + x%d", i + 1);
        sb_printf(&t, ") + r*x%d*(1 - x%d)", i, i);
        if (ch->k[i] != 0.0) {
            sb_append(&t, " - (");
            sb_double(&t, ch->k[i]);
            sb_printf(&t, ")*x%d", i);
        }
        sb_append(&t, "\n");
    }
    bo_model *m = NULL;
    int rc = bo_model_load_string(ctx, sb_cstr(&t), "chain", &m);
    T_CHECKF(rc == BO_OK, "model: %s", bo_errmsg(ctx));
    sb_free(&t);
    return m;
}

/* A = c I - J at the case's point, from the Jacobian derived by hand. */
static void matrix(const chain *ch, const lcase *lc, long double *a)
{
    int n = ch->n;
    for (int i = 0; i < n * n; ++i)
        a[i] = 0;
    for (int i = 0; i < n; ++i) {
        long double jii = -2.0L * lc->D + (long double)lc->r * (1.0L - 2.0L * lc->y[i]) - ch->k[i];
        a[i * n + i] = lc->c - jii;
        if (i > 0)
            a[i * n + i - 1] = -lc->D;
        if (i + 1 < n)
            a[i * n + i + 1] = -lc->D;
    }
}

/* Gaussian elimination with partial pivoting (long double). */
static void direct_solve(int n, const long double *a0, const double *b, long double *x)
{
    static long double a[MAXN * MAXN];
    memcpy(a, a0, sizeof(long double) * (size_t)(n * n));
    for (int i = 0; i < n; ++i)
        x[i] = b[i];
    for (int k = 0; k < n; ++k) {
        int pr = k;
        for (int i = k + 1; i < n; ++i)
            if (fabsl(a[i * n + k]) > fabsl(a[pr * n + k]))
                pr = i;
        for (int j = 0; j < n; ++j) {
            long double s = a[k * n + j];
            a[k * n + j] = a[pr * n + j];
            a[pr * n + j] = s;
        }
        long double s = x[k];
        x[k] = x[pr];
        x[pr] = s;
        for (int i = k + 1; i < n; ++i) {
            long double l = a[i * n + k] / a[k * n + k];
            for (int j = k; j < n; ++j)
                a[i * n + j] -= l * a[k * n + j];
            x[i] -= l * x[k];
        }
    }
    for (int i = n - 1; i >= 0; --i) {
        long double s = x[i];
        for (int j = i + 1; j < n; ++j)
            s -= a[i * n + j] * x[j];
        x[i] = s / a[i * n + i];
    }
}

static void put_array(sb_buf *b, const double *v, int n)
{
    sb_append(b, "{");
    for (int i = 0; i < n; ++i) {
        if (isnan(v[i]))
            sb_append(b, "0.0/0.0");
        else
            sb_double(b, v[i]);
        sb_append(b, ",");
    }
    sb_append(b, "}");
}

static const char *const krylov_buffers[] = {"krylov_point", "krylov_diag",       "krylov_precond",
                                             "krylov_basis", "krylov_hessenberg", "krylov_work"};

/* The program: model, constants, allocators, the solver, and a main running the cases. */
static char *program(bo_context *ctx, const chain *ch, const config *cf, const lcase *cs, int nc)
{
    bo_model *m = chain_model(ctx, ch);
    if (!m)
        return NULL;
    int n = ch->n;
    sb_buf b;
    sb_init(&b);
    int rc = cg_emit_unit(ctx, m, cf->prec, &b);
    T_CHECKF(rc == BO_OK, "emit: %s", bo_errmsg(ctx));
    sb_append(&b, "#include \"status.h\"\n#define BO_N BO_MODEL_N\n");
    pg_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.precision = cf->prec;
    cfg.linear_solver = PG_LS_KRYLOV;
    cfg.preconditioner = cf->precond ? PG_PRECOND_JACOBI : PG_PRECOND_NONE;
    cfg.newton_tolerance = 0.03;
    cfg.krylov_tolerance = cf->tol;
    cfg.krylov_max_iters = cf->maxit;
    cfg.krylov_restart = cf->restart;
    pg_emit_linsolve(&cfg, (size_t)n, &b);
    reg_registry *reg = NULL;
    reg_precision rp = cf->prec == 32 ? REG_F32 : REG_F64;
    T_EQ_INT(reg_create(ctx, &reg), BO_OK);
    T_EQ_INT(reg_set_working_precision(reg, rp), BO_OK);
    T_EQ_INT(reg_add_owner(reg, "algorithm"), BO_OK);
    T_EQ_INT(pg_register_linsolve(reg, &cfg, (size_t)n, rp), BO_OK);
    for (size_t i = 0; cf->shared && i < sizeof krylov_buffers / sizeof krylov_buffers[0]; ++i)
        T_EQ_INT(reg_set_location(reg, krylov_buffers[i], REG_SHARED), 1);
    T_EQ_INT(reg_emit(reg, ctx, &b), BO_OK);
    reg_destroy(reg);
    bo_model_destroy(m);
    sb_append(&b, "#include <stdio.h>\n#include \"linsolve.h\"\n#include \"krylov.h\"\n");
    sb_printf(&b, "#define NC %d\nstatic const double Y[NC][%d] = {", nc, n);
    for (int k = 0; k < nc; ++k) {
        put_array(&b, cs[k].y, n);
        sb_append(&b, ",");
    }
    sb_printf(&b, "};\nstatic const double B[NC][%d] = {", n);
    for (int k = 0; k < nc; ++k) {
        put_array(&b, cs[k].b, n);
        sb_append(&b, ",");
    }
    sb_append(&b, "};\nstatic const double PC[NC][3] = {");
    for (int k = 0; k < nc; ++k) {
        double pc[3] = {cs[k].D, cs[k].r, cs[k].c};
        put_array(&b, pc, 3);
        sb_append(&b, ",");
    }
    sb_append(&b, "};\nstatic const int REUSE[NC] = {");
    for (int k = 0; k < nc; ++k)
        sb_printf(&b, "%d,", cs[k].reuse);
    sb_append(&b, "};\n"
                  "static bo_real g_shared[BO_SHARED_ELEMENTS_algorithm + 1];\n"
                  "static bo_real g_pers[BO_PERSISTENT_ELEMENTS_algorithm + 1];\n"
                  "int main(void)\n{\n"
                  "    bo_real *ls_sh = BO_CHILD_SHARED_algorithm_linear_solver(g_shared);\n"
                  "    bo_real *ls_pe = BO_CHILD_PERSISTENT_algorithm_linear_solver(g_pers);\n"
                  "    BO_LS_WORKSPACE(ws, ls_sh, ls_pe);\n"
                  "    for (int k = 0; k < NC; ++k) {\n"
                  "        bo_real y[BO_N], x[BO_N], p[2], drv[1] = {BO_C(0)};\n"
                  "        for (int i = 0; i < BO_N; ++i) {\n"
                  "            y[i] = (bo_real)Y[k][i];\n"
                  "            x[i] = (bo_real)B[k][i];\n"
                  "        }\n"
                  "        p[0] = (bo_real)PC[k][0];\n"
                  "        p[1] = (bo_real)PC[k][1];\n"
                  "        if (!REUSE[k])\n"
                  "            bo_ls_jacobian(&ws, y, p, drv, BO_C(0.5));\n"
                  "        for (int i = 0; i < BO_N; ++i)\n"
                  "            y[i] = BO_C(1e30); /* the solver must use its own copy */\n"
                  "        int rc = bo_ls_factor(&ws, (bo_real)PC[k][2]);\n"
                  "        rc |= bo_ls_solve(&ws, p, drv, BO_C(0.5), x);\n"
                  "        printf(\"%d %d\", rc, ws.iters);\n"
                  "        for (int i = 0; i < BO_N; ++i)\n"
                  "            printf(\" %.17g\", (double)x[i]);\n"
                  "        printf(\"\\n\");\n"
                  "    }\n"
                  "    return 0;\n}\n");
    return sb_take(&b);
}

/* Compile and run; fills res[0..nc). Returns 0 when the program did not run. */
static int run(const chain *ch, const config *cf, const lcase *cs, int nc, result *res)
{
    bo_context *ctx = NULL;
    if (bo_context_create(&ctx) != BO_OK)
        return 0;
    char *src = program(ctx, ch, cf, cs, nc);
    bo_context_destroy(ctx);
    if (!src)
        return 0;
    /* Under the sanitizer preset the program is instrumented as generated code is, except
     * the largest model, whose 40,000-line dense Jacobian would make that compile slow. */
    const char *extra = ch->n <= 64 ? getenv("BATCHODE_EXTRA_CFLAGS") : NULL;
    char flags[1024];
    snprintf(flags, sizeof flags, "%s -Wshadow -Wconversion -I%s/kernels %s", CCU_STRICT,
             BO_SOURCE_DIR, extra ? extra : "");
    int code = -1;
    char *out = ccu_compile_run(src, flags, &code);
    free(src);
    T_CHECKF(out && code == 0, "n=%d prec=%d: program failed (exit %d)", ch->n, cf->prec, code);
    if (!out || code != 0) {
        free(out);
        return 0;
    }
    const char *p = out;
    int ok = 1;
    for (int k = 0; k < nc && ok; ++k) {
        char *end;
        res[k].rc = (int)strtol(p, &end, 10);
        ok = end != p;
        p = end;
        res[k].iters = (int)strtol(p, &end, 10);
        p = end;
        for (int i = 0; i < ch->n; ++i) {
            res[k].x[i] = strtod(p, &end);
            ok &= end != p;
            p = end;
        }
    }
    free(out);
    T_CHECK(ok);
    return ok;
}

/* The point of case k: its own, or the last one recorded before it. */
static const lcase *point_of(const lcase *cs, int k)
{
    while (k > 0 && cs[k].reuse)
        --k;
    return &cs[k];
}

/* GMRES met its tolerance: the true residual |b - A x| / |b| (long double) is within tol (with
 * room for the rounding of the last update), and x is the direct solution within the
 * conditioning that the residual allows. */
static void check_solution(const char *what, const chain *ch, const config *cf, const lcase *cs,
                           int k, const result *r)
{
    static long double a[MAXN * MAXN];
    long double xd[MAXN];
    int n = ch->n;
    lcase at = *point_of(cs, k);
    at.c = cs[k].c;
    /* The inputs as the program saw them (rounded to float in float32). */
#define AS_SEEN(v) (cf->prec == 32 ? (double)(float)(v) : (v))
    double bb[MAXN];
    for (int i = 0; i < n; ++i) {
        bb[i] = AS_SEEN(cs[k].b[i]);
        at.y[i] = AS_SEEN(at.y[i]);
    }
    at.D = AS_SEEN(at.D);
    at.r = AS_SEEN(at.r);
    at.c = AS_SEEN(at.c);
    matrix(ch, &at, a);
    direct_solve(n, a, bb, xd);
    long double rn = 0, bn = 0, en = 0, xn = 0;
    for (int i = 0; i < n; ++i) {
        long double ri = bb[i];
        for (int j = 0; j < n; ++j)
            ri -= a[i * n + j] * r->x[j];
        rn += ri * ri;
        bn += (long double)bb[i] * bb[i];
        en += (r->x[i] - xd[i]) * (r->x[i] - xd[i]);
        xn += xd[i] * xd[i];
    }
    double rel_res = (double)sqrtl(rn / bn), rel_err = (double)sqrtl(en / xn);
    double eps = cf->prec == 32 ? 1.2e-7 : 2.2e-16;
    T_CHECKF(r->rc == 0, "%s case %d: rc %d after %d iterations", what, k, r->rc, r->iters);
    T_CHECKF(rel_res <= 1.5 * cf->tol + 10 * eps * n, "%s case %d: residual %g > tol %g", what, k,
             rel_res, cf->tol);
    /* A is symmetric with c - J_ii in [c + 2D - |r| + k_min, c + 2D + |r| + k_max] (|1 - 2y| <=
     * 1) and off-diagonal row sums 2D, so by Gershgorin its condition number is at most
     * (c + 4D + |r| + k_max) / (c - |r| + k_min). */
    double kmin = ch->k[0], kmax = ch->k[0];
    for (int i = 1; i < n; ++i) {
        kmin = fmin(kmin, ch->k[i]);
        kmax = fmax(kmax, ch->k[i]);
    }
    double cond = (at.c + 4.0 * at.D + fabs(at.r) + kmax) / (at.c - fabs(at.r) + kmin);
    T_CHECKF(rel_err <= cond * (2.0 * cf->tol + 100 * eps * n), "%s case %d: error %g (cond %g)",
             what, k, rel_err, cond);
    T_CHECK(r->iters >= 1 && r->iters <= cf->maxit);
}

static void random_case(lcase *lc, int n, double D, double r, double c)
{
    memset(lc, 0, sizeof *lc);
    for (int i = 0; i < n; ++i) {
        lc->y[i] = 0.5 + 0.4 * urand();
        lc->b[i] = urand();
    }
    lc->D = D;
    lc->r = r;
    lc->c = c;
}

/* Reaction-diffusion chains of several sizes: shifts as from stiff steps (c = 1/(gamma dt)),
 * the last case reusing the recorded point with another shift. */
static void check_chains(void)
{
    static const int sizes[] = {3, 17, 64, 200};
    static result res[MAXC];
    static lcase cs[MAXC];
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; ++s) {
        chain ch;
        memset(&ch, 0, sizeof ch);
        ch.n = sizes[s];
        random_case(&cs[0], ch.n, 2.385, 1.5, 40.0);
        random_case(&cs[1], ch.n, 25.0, 3.0, 1000.0);
        random_case(&cs[2], ch.n, 0.7, 0.2, 12.5);
        cs[3] = cs[2];
        cs[3].reuse = 1;
        cs[3].c = 3.0;
        for (int i = 0; i < ch.n; ++i)
            cs[3].b[i] = urand();
        for (int pc = 0; pc < 2; ++pc) {
            /* Small systems with and without Jacobi; n = 64 with Jacobi and every buffer in
             * shared memory, n = 200 without (the largest basis, local). */
            if ((ch.n == 64 && !pc) || (ch.n == 200 && pc))
                continue;
            config cf = {64, pc, 10, 400, ch.n == 64, 1e-10};
            char what[64];
            snprintf(what, sizeof what, "n=%d jacobi=%d shared=%d", ch.n, pc, cf.shared);
            if (!run(&ch, &cf, cs, 4, res))
                continue;
            for (int k = 0; k < 4; ++k)
                check_solution(what, &ch, &cf, cs, k, &res[k]);
            /* GMRES(m) never needs more than n steps in exact arithmetic: on n = 3 it stops
             * inside the first cycle. */
            if (ch.n == 3)
                for (int k = 0; k < 4; ++k)
                    T_CHECKF(res[k].iters <= 3, "n=3 case %d: %d iterations", k, res[k].iters);
        }
    }
    /* float32 with a tolerance float can reach. */
    chain ch;
    memset(&ch, 0, sizeof ch);
    ch.n = 17;
    random_case(&cs[0], ch.n, 2.385, 1.5, 40.0);
    random_case(&cs[1], ch.n, 25.0, 3.0, 1000.0);
    config cf = {32, 1, 8, 100, 0, 1e-5};
    if (run(&ch, &cf, cs, 2, res))
        for (int k = 0; k < 2; ++k)
            check_solution("float32 n=17", &ch, &cf, cs, k, &res[k]);
}

/* A badly scaled diagonal (k_i from 1 to 1e5): Jacobi makes M P^{-1} close to I. */
static void check_jacobi_scaling(void)
{
    chain ch;
    memset(&ch, 0, sizeof ch);
    ch.n = 40;
    for (int i = 0; i < ch.n; ++i)
        ch.k[i] = pow(10.0, 5.0 * i / (ch.n - 1));
    static lcase cs[1];
    static result none[1], jac[1];
    random_case(&cs[0], ch.n, 2.385, 1.5, 4.0);
    config cn = {64, 0, 40, 400, 0, 1e-10}, cj = {64, 1, 40, 400, 0, 1e-10};
    if (!run(&ch, &cn, cs, 1, none) || !run(&ch, &cj, cs, 1, jac))
        return;
    check_solution("scaled none", &ch, &cn, cs, 0, &none[0]);
    check_solution("scaled jacobi", &ch, &cj, cs, 0, &jac[0]);
    printf("badly scaled n=40: %d iterations without a preconditioner, %d with Jacobi\n",
           none[0].iters, jac[0].iters);
    T_CHECKF(jac[0].iters < none[0].iters / 2, "jacobi %d, none %d", jac[0].iters, none[0].iters);

    /* The iteration limit: GMRES(2) with 6 steps cannot reach 1e-10 without Jacobi. */
    config lim = {64, 0, 2, 6, 0, 1e-10};
    if (run(&ch, &lim, cs, 1, none)) {
        T_EQ_INT(none[0].rc, BO_RUN_MAX_LINEAR_ITERS);
        T_EQ_INT(none[0].iters, 6);
    }
}

/* J = diag(3, 3, 5, 5) (D = r = 0, k = -3, -3, -5, -5), c = 3: M = diag(0, 0, -2, -2), every
 * value a power of two so the Arnoldi quantities are exact. b = e_2 spans an invariant space
 * and M x = b is solved in one step (x = -b/2); b = (1, 1, 1, 1) is not in M's range: the second
 * step finds the invariant space {(1,1,0,0), (0,0,1,1)} on which the rotated Hessenberg matrix
 * is singular, a breakdown. Then NaN in b, NaN in the point, and Jacobi, which is exact on a
 * diagonal M (one step) and falls back to 1 on its zero rows. */
static void check_breakdowns(void)
{
    chain ch;
    memset(&ch, 0, sizeof ch);
    ch.n = 4;
    const double k[4] = {-3, -3, -5, -5};
    memcpy(ch.k, k, sizeof k);
    static lcase cs[4];
    static result res[4];
    memset(cs, 0, sizeof cs);
    for (int q = 0; q < 4; ++q)
        cs[q].c = 3.0;
    cs[0].b[2] = 1.0;
    for (int i = 0; i < 4; ++i)
        cs[1].b[i] = 1.0;
    cs[2].b[1] = NAN;
    cs[3].b[0] = 1.0;
    cs[3].y[3] = NAN;
    cs[3].r = 1.0; /* so the NaN reaches J v (r x (1 - x)) */
    config cf = {64, 0, 4, 20, 0, 1e-12};
    if (run(&ch, &cf, cs, 4, res)) {
        T_EQ_INT(res[0].rc, 0);
        T_EQ_INT(res[0].iters, 1);
        T_REL(res[0].x[2], -0.5, 1e-15);
        T_ABS(res[0].x[0] + res[0].x[1] + res[0].x[3], 0.0, 0.0);
        T_EQ_INT(res[1].rc, BO_RUN_LINEAR_BREAKDOWN);
        T_EQ_INT(res[1].iters, 2);
        T_EQ_INT(res[2].rc, BO_RUN_LINEAR_BREAKDOWN);
        T_EQ_INT(res[2].iters, 0);
        T_EQ_INT(res[3].rc, BO_RUN_LINEAR_BREAKDOWN);
    }

    /* Jacobi on a nonsingular diagonal M: P = M, so one step. With c = 3 and J = diag(3, 3,
     * 5, 5) rows 0 and 1 are zero (fall back to 1, singular M: breakdown or no convergence, but
     * never a non-finite x); with c = 4, M = diag(1, 1, -1, -1) and x = M^{-1} b exactly. */
    config cj = {64, 1, 4, 20, 0, 1e-12};
    memset(cs, 0, sizeof cs);
    for (int i = 0; i < 4; ++i) {
        cs[0].b[i] = 0.25 * (i + 1);
        cs[1].b[i] = 1.0;
    }
    cs[0].c = 4.0;
    cs[1].c = 3.0;
    if (run(&ch, &cj, cs, 2, res)) {
        T_EQ_INT(res[0].rc, 0);
        T_EQ_INT(res[0].iters, 1);
        const double want[4] = {0.25, 0.5, -0.75, -1.0};
        for (int i = 0; i < 4; ++i)
            T_REL(res[0].x[i], want[i], 1e-15);
        T_CHECKF(res[1].rc == BO_RUN_LINEAR_BREAKDOWN || res[1].rc == BO_RUN_MAX_LINEAR_ITERS,
                 "singular with Jacobi: rc %d", res[1].rc);
    }

    /* A zero Jacobi row in a nonsingular M: chain n = 3, D = 1, r = 0, k = (-1, 0, 0), c = -1:
     * c - J_00 = -1 - (-2 + 1) = 0, so row 0 is unpreconditioned; M = [[0,-1,0],[-1,1,-1],
     * [0,-1,1]] is nonsingular (det -1). */
    memset(&ch, 0, sizeof ch);
    ch.n = 3;
    ch.k[0] = -1.0;
    memset(cs, 0, sizeof cs);
    cs[0].D = 1.0;
    cs[0].c = -1.0;
    cs[0].b[0] = 0.3;
    cs[0].b[1] = -1.1;
    cs[0].b[2] = 2.385;
    if (run(&ch, &cj, cs, 1, res)) {
        T_EQ_INT(res[0].rc, 0);
        /* By hand: -x1 = 0.3; -x0 + x1 - x2 = -1.1; -x1 + x2 = 2.385. */
        const double x1 = -0.3, x2 = 2.385 + x1, x0 = x1 - x2 + 1.1;
        T_REL(res[0].x[0], x0, 1e-11);
        T_REL(res[0].x[1], x1, 1e-11);
        T_REL(res[0].x[2], x2, 1e-11);
    }
}

/* Registration and pasting: the sizes docs/linear-solvers.md states, the persistent pair, and
 * krylov.h pasted right after linsolve.h only under the Krylov solver. */
static void check_layout(void)
{
    bo_context *ctx = NULL;
    if (bo_context_create(&ctx) != BO_OK)
        return;
    static const struct {
        size_t n;
        int restart, jacobi;
        size_t m;
    } lay[] = {{50, 10, 1, 10}, {50, 10, 0, 10}, {3, 10, 1, 3}, {7, 7, 1, 7}};
    for (size_t q = 0; q < sizeof lay / sizeof lay[0]; ++q) {
        pg_config cfg;
        memset(&cfg, 0, sizeof cfg);
        cfg.linear_solver = PG_LS_KRYLOV;
        cfg.krylov_restart = lay[q].restart;
        cfg.preconditioner = lay[q].jacobi ? PG_PRECOND_JACOBI : PG_PRECOND_NONE;
        size_t n = lay[q].n, m = lay[q].m, jn = lay[q].jacobi ? n : 0;
        T_EQ_INT(pg_krylov_basis_size(&cfg, n), m);
        reg_registry *reg = NULL;
        T_EQ_INT(reg_create(ctx, &reg), BO_OK);
        T_EQ_INT(reg_add_owner(reg, "algorithm"), BO_OK);
        T_EQ_INT(pg_register_linsolve(reg, &cfg, n, REG_F64), BO_OK);
        const struct {
            const char *name;
            size_t size;
            reg_class cls;
        } want[] = {{"krylov_point", n, REG_CLASS_PERSISTENT},
                    {"krylov_diag", jn, REG_CLASS_PERSISTENT},
                    {"krylov_precond", jn, REG_CLASS_LOCAL},
                    {"krylov_basis", (m + 1) * n, REG_CLASS_LOCAL},
                    {"krylov_hessenberg", m * m + 4 * m + 1, REG_CLASS_LOCAL},
                    {"krylov_work", 2 * n, REG_CLASS_LOCAL}};
        for (size_t i = 0; i < sizeof want / sizeof want[0]; ++i) {
            reg_buffer_info info;
            T_EQ_INT(reg_find(reg, "linear_solver", want[i].name, &info), BO_OK);
            T_EQ_INT(info.size, want[i].size);
            T_EQ_INT(info.cls, want[i].cls);
        }
        T_EQ_INT(reg_persistent_elements(reg, "algorithm"), n + jn);
        reg_buffer_info info;
        T_EQ_INT(reg_find(reg, "linear_solver", "lu", &info), BO_ERR_NOT_FOUND);
        reg_destroy(reg);
    }
    pg_family fam;
    memset(&fam, 0, sizeof fam);
    fam.kernels[0] = "linsolve.h";
    fam.kernels[1] = "newton.h";
    fam.kernels[2] = "step.h";
    pg_config cfg;
    memset(&cfg, 0, sizeof cfg);
    const char *files[8];
    cfg.linear_solver = PG_LS_DENSE;
    T_EQ_INT(pg_family_kernels(&fam, &cfg, files), 3);
    T_EQ_STR(files[1], "newton.h");
    cfg.linear_solver = PG_LS_KRYLOV;
    T_EQ_INT(pg_family_kernels(&fam, &cfg, files), 4);
    T_EQ_STR(files[0], "linsolve.h");
    T_EQ_STR(files[1], "krylov.h");
    T_EQ_STR(files[2], "newton.h");
    T_EQ_STR(files[3], "step.h");
    fam.kernels[0] = "erk.h";
    fam.kernels[1] = NULL;
    T_EQ_INT(pg_family_kernels(&fam, &cfg, files), 1);
    bo_context_destroy(ctx);
}

int main(void)
{
    check_layout();
    check_breakdowns();
    check_jacobi_scaling();
    check_chains();
    T_DONE();
}
