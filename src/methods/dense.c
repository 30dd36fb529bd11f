/* Dense output on the host side (see dense.h): each method's interpolant and the constants
 * kernels/dense.h reads. Coefficients come from the methods' papers, cited where written. */
#include "dense.h"

#include <string.h>

#include "util/internal.h"
#include "tableau.h"
#include "tableau_rosenbrock.h"

/* ---- polynomials in theta (index = power) ------------------------------------------------ */

#define DN_MAXDEG 8

typedef struct {
    double c[DN_MAXDEG + 1];
} poly;

static poly p_const(double v)
{
    poly p;
    memset(&p, 0, sizeof p);
    p.c[0] = v;
    return p;
}

/* (theta - r) */
static poly p_root(double r)
{
    poly p = p_const(-r);
    p.c[1] = 1.0;
    return p;
}

/* theta^2 + b theta + c */
static poly p_quad(double b, double c)
{
    poly p = p_const(c);
    p.c[1] = b;
    p.c[2] = 1.0;
    return p;
}

static poly p_mul(poly a, poly b)
{
    poly r = p_const(0.0);
    for (int i = 0; i <= DN_MAXDEG; ++i)
        for (int j = 0; i + j <= DN_MAXDEG; ++j)
            r.c[i + j] += a.c[i] * b.c[j];
    return r;
}

static poly p_scale(poly a, double s)
{
    for (int i = 0; i <= DN_MAXDEG; ++i)
        a.c[i] *= s;
    return a;
}

static poly p_add(poly a, poly b)
{
    for (int i = 0; i <= DN_MAXDEG; ++i)
        a.c[i] += b.c[i];
    return a;
}

/* theta^k */
static poly p_pow(int k)
{
    poly p = p_const(0.0);
    p.c[k] = 1.0;
    return p;
}

/* Store b_j(theta) (b_j(0) = 0) as row j of B: B[j*deg + m-1] = coefficient of theta^m. */
static void store(double *B, int j, int deg, poly p)
{
    for (int m = 1; m <= deg; ++m)
        B[j * deg + m - 1] = p.c[m];
}

/* ---- Tsit5: Ch. Tsitouras, "Runge-Kutta pairs of order 5(4) satisfying only the first column
 * simplifying assumption", Comput. Math. Appl. 62 (2011) 770-775: the free fourth-order
 * interpolant of the paper, b_j(theta) in its factored form. ------------------------------ */
static void tsit5_table(double *B)
{
    poly t1 = p_pow(1), t2 = p_pow(2);
    store(B, 0, 4,
          p_scale(p_mul(p_mul(t1, p_root(1.3299890189751412)),
                        p_quad(-1.4364028541716351, 0.7139816917074209)),
                  -1.0530884977290216));
    store(B, 1, 4, p_scale(p_mul(t2, p_quad(-2.1966568338249754, 1.2949852507374631)), 0.1017));
    store(B, 2, 4,
          p_scale(p_mul(t2, p_quad(-2.38535645472061657, 1.57803468208092486)),
                  2.490627285651252793));
    store(B, 3, 4,
          p_scale(p_mul(p_mul(p_root(1.21712927295533244), p_root(0.61620406037800089)), t2),
                  -16.54810288924490272));
    store(B, 4, 4,
          p_scale(p_mul(p_mul(p_root(1.203071208372362603), p_root(0.658047292653547382)), t2),
                  47.37952196281928122));
    store(B, 5, 4,
          p_scale(p_mul(p_mul(p_root(1.2), p_root(0.666666666666666667)), t2),
                  -34.87065786149660974));
    store(B, 6, 4, p_scale(p_mul(p_mul(p_root(1.0), p_root(0.6)), t2), 2.5));
}

/* ---- DP5: the dense output of Dormand-Prince 5(4) by Shampine ("Some practical Runge-Kutta
 * formulas", Math. Comp. 46 (1986) 135-150) as given in Hairer, Norsett & Wanner, Solving
 * ODEs I, 2nd ed., II.6 (eq. (6.12) and dopri5.f's CONTD5):
 *   u(theta) = y + theta r2 + theta(1-theta) r3 + theta^2 (1-theta) r4
 *              + theta^2 (1-theta)^2 r5,
 * r2 = y_new - y = dt sum b_j k_j, r3 = dt k_1 - r2, r4 = r2 - dt k_7 - r3,
 * r5 = dt sum d_j k_j. Fourth order. --------------------------------------------------------- */
static void dp5_table(const bo_tableau *t, double *B)
{
    static const double d[7] = {
        -12715105075.0 / 11282082432.0,  0.0,
        87487479700.0 / 32700410799.0,   -10690763975.0 / 1880347072.0,
        701980252875.0 / 199316789632.0, -1453857185.0 / 822651844.0,
        69997945.0 / 29380423.0,
    };
    poly P2 = p_pow(1);
    poly P3 = p_add(p_pow(1), p_scale(p_pow(2), -1.0));
    poly P4 = p_add(p_pow(2), p_scale(p_pow(3), -1.0));
    poly P5 = p_add(p_add(p_pow(2), p_scale(p_pow(3), -2.0)), p_pow(4));
    for (int j = 0; j < 7; ++j) {
        double bj = t->b[j];
        double w2 = bj, w3 = (j == 0) - bj, w4 = 2.0 * bj - (j == 0) - (j == 6), w5 = d[j];
        poly p =
            p_add(p_add(p_scale(P2, w2), p_scale(P3, w3)), p_add(p_scale(P4, w4), p_scale(P5, w5)));
        store(B, j, 4, p);
    }
}

/* ---- Rosenbrock: u(theta) = (1-theta) y + theta (y_new + (1-theta)(h_1 + theta (h_2 +
 * theta h_3))), h_r = sum_j D[r][j] u_j. Rodas4: Hairer & Wanner, Solving ODEs II, 2nd ed.,
 * VI.4 and rodas.f (ROCOE, METH = 1: D21..D25, D31..D35), third order. Rodas5P: G.
 * Steinebach, "Construction of Rosenbrock-Wanner method Rodas5P and numerical benchmarks
 * within the Julia Differential Equations package", BIT Numer. Math. 63 (2023) 27, the dense
 * output coefficients published with the method (h_2j, h_3j, h_4j), fourth order. -------- */
static const double rodas4_dense[2 * 6] = {
    10.12623508344586,   -7.487995877610167, -34.80091861555747,
    -7.992771707568823,  1.025137723295662,  0.0,
    -0.6762803392801253, 6.087714651680015,  16.43084320892478,
    24.76722511418386,   -6.594389125716872, 0.0,
};
static const double rodas5p_dense[3 * 8] = {
    25.948786856663858,  -2.5579724845846235, 10.433815404888879,   -2.3679251022685204,
    0.524948541321073,   1.1241088310450404,  0.4272876194431874,   -0.17202221070155493,
    -9.91568850695171,   -0.9689944594115154, 3.0438037242978453,   -24.495224566215796,
    20.176138334709044,  15.98066361424651,   -6.789040303419874,   -6.710236069923372,
    11.419903575922262,  2.8879645146136994,  72.92137995996029,    80.12511834622643,
    -52.072871366152654, -59.78993625266729,  -0.15582684282751913, 4.883087185713722,
};

/* The D rows of a Rosenbrock method with its own interpolant; NULL otherwise. */
static const double *ros_dense(const bo_tableau *t, int *rows)
{
    if (t == &bo_tableau_rodas4) {
        *rows = 2;
        return rodas4_dense;
    }
    if (t == &bo_tableau_rodas5p) {
        *rows = 3;
        return rodas5p_dense;
    }
    *rows = 0;
    return NULL;
}

static int min_int(int a, int b)
{
    return a < b ? a : b;
}

pg_dense_info pg_dense_describe(const bo_tableau *t)
{
    pg_dense_info d;
    memset(&d, 0, sizeof d);
    d.kind = PG_DENSE_HERMITE;
    d.order = min_int(t->order, 3);
    d.degree = 3;
    int rows = 0;
    if (t->family == TAB_ERK) {
        if (t == &bo_tableau_tsit5 || t == &bo_tableau_dp5) {
            d.kind = PG_DENSE_ERK;
            d.own = 1;
            d.order = 4;
            d.degree = 4;
            d.record = t->stages;
        } else {
            /* bs3's own interpolant is this Hermite cubic with its FSAL derivative (Bogacki &
             * Shampine, Appl. Math. Lett. 2 (1989) 321-325). */
            d.own = t == &bo_tableau_bs3;
            d.record = 1; /* k_1 = f(t, y) */
        }
    } else if (t->family == TAB_FIRK) {
        /* Radau IIA 5: the collocation polynomial has the stage order 3. */
        d.kind = PG_DENSE_RADAU;
        d.own = 1;
        d.order = 3;
    } else if (t->family == TAB_ROSENBROCK && ros_dense(t, &rows)) {
        d.kind = PG_DENSE_ROSENBROCK;
        d.own = 1;
        d.degree = rows + 1;
        d.order = rows + 1;
        d.record = t->stages;
    }
    int vectors = d.record + d.extra;
    if (d.kind == PG_DENSE_HERMITE && vectors < 2)
        vectors = 2; /* f(t, y) and f(t + dt, y_new) */
    d.slots = (size_t)(vectors > d.degree ? vectors : d.degree);
    return d;
}

/* Steps are sized so that the error estimate, of order error_order, meets the tolerance: an
 * interpolant of lower order than that is off by more than the tolerance inside such steps
 * (the cubic Hermite inside vern7's steps at rtol 1e-7 was off by 4e-5), so only one of at
 * least that order, and at least third order, interpolates by default. */
int pg_dense_default_interpolate(const bo_tableau *t)
{
    int q = pg_dense_describe(t).order;
    return q >= 3 && q >= t->error_order;
}

int pg_dense_register(reg_registry *reg, const pg_config *cfg, size_t n, reg_precision prec)
{
    if (!cfg->dense)
        return BO_OK;
    pg_dense_info d = pg_dense_describe(cfg->tableau);
    return reg_register(reg, "algorithm", "dense_output", d.slots * n, REG_LOCAL, 1, NULL, prec);
}

const double *pg_dense_erk_table(const bo_tableau *t, double *B, int *rows, int *degree)
{
    *rows = *degree = 0;
    if (t == &bo_tableau_tsit5)
        tsit5_table(B);
    else if (t == &bo_tableau_dp5)
        dp5_table(t, B);
    else
        return NULL;
    *rows = t->stages;
    *degree = 4;
    return B;
}

int pg_dense_emit(bo_context *ctx, const pg_config *cfg, sb_buf *out)
{
    if (!cfg->dense)
        return BO_OK;
    const bo_tableau *t = cfg->tableau;
    pg_dense_info d = pg_dense_describe(t);
    sb_printf(out,
              "#define BO_DENSE 1\n#define BO_DENSE_KIND %d\n#define BO_DENSE_ORDER %d\n"
              "#define BO_DENSE_DEGREE %d\n#define BO_DENSE_RECORD %d\n#define BO_DENSE_EXTRA %d\n"
              "#define BO_DENSE_INTERPOLATE %d\n",
              d.kind, d.order, d.degree, d.record, d.extra, cfg->interpolate);
    if (d.kind == PG_DENSE_ERK) {
        double B[16 * DN_MAXDEG];
        int rows = 0, deg = 0;
        if (!pg_dense_erk_table(t, B, &rows, &deg))
            return bo_error(ctx, BO_ERR_INTERNAL, "no dense output table for '%s'", t->name);
        sb_append(out, "#define BO_DENSE_TABLE ");
        tab_emit_array(out, "bo_dense_b", B, (size_t)rows * (size_t)deg);
        sb_append(out, "\n");
    } else if (d.kind == PG_DENSE_ROSENBROCK) {
        int rows = 0;
        const double *D = ros_dense(t, &rows);
        sb_append(out, "#define BO_DENSE_TABLE ");
        tab_emit_array(out, "bo_dense_b", D, (size_t)rows * (size_t)t->stages);
        sb_append(out, "\n");
    } else {
        sb_append(out, "#define BO_DENSE_TABLE\n");
    }
    return out->failed ? bo_error(ctx, BO_ERR_NOMEM, "out of memory") : BO_OK;
}
