/* Driver tables (see drivers.h): sample checks, the interpolating splines, packing for the
 * device, and the per-solver set of driver data with its CSV loader.
 *
 * The splines are built in slope form: the unknowns are the slopes m_i = u'(t_i), and each
 * interval's cubic is the Hermite cubic through (t_i, v_i, m_i) and (t_{i+1}, v_{i+1},
 * m_{i+1}). Continuity of u'' at the interior knots gives, with h_i = t_{i+1} - t_i and
 * delta_i = (v_{i+1} - v_i)/h_i,
 *   h_i m_{i-1} + 2 (h_{i-1} + h_i) m_i + h_{i-1} m_{i+1} = 3 (h_i delta_{i-1} + h_{i-1} delta_i)
 * (C. de Boor, A Practical Guide to Splines, rev. ed., Springer 2001, ch. IV, eq. (IV.5)-(IV.9)
 * and the end conditions of CUBSPL), closed by two end conditions (natural, clamped,
 * not-a-knot) into a tridiagonal system, or made cyclic (periodic). The not-a-knot rows are
 * those of de Boor's CUBSPL, also used by scipy.interpolate.CubicSpline. Both systems are
 * solved without pivoting: every row but the not-a-knot end rows is strictly diagonally
 * dominant, and de Boor shows elimination stays stable with those. */
#include "drivers.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "util/csv.h"
#include "util/number.h"
#include "util/internal.h"
#include "model/model_internal.h"

#define BO_DRIVERS_LAYOUT_ONLY
#include "../../kernels/drivers.h"

/* A grid is uniform when every time is within this many ulps (of the largest |t|) of
 * t0 + i*dt: rounding of times computed as t0 + i*dt, or printed with 17 digits. Anything
 * coarser takes the binary-search path, which is exact for any grid. */
#define UNIFORM_ULPS 64.0
/* Periodic data must end where it starts within this fraction of the largest |v|: the
 * rounding of values written as text with 13 or more significant digits. */
#define PERIODIC_REL 1e-12

static const char *const interp_names[] = {"linear", "natural", "clamped", "not_a_knot",
                                           "periodic"};
static const char *const ends_names[] = {"hold", "wrap"};

int dr_parse_interpolation(const char *text)
{
    for (int i = 0; i < (int)(sizeof interp_names / sizeof interp_names[0]); ++i)
        if (text && strcmp(text, interp_names[i]) == 0)
            return i;
    return -1;
}

int dr_parse_ends(const char *text)
{
    for (int i = 0; i < (int)(sizeof ends_names / sizeof ends_names[0]); ++i)
        if (text && strcmp(text, ends_names[i]) == 0)
            return i;
    return -1;
}

int dr_check_samples(bo_context *ctx, const char *name, const double *t, const double *v, size_t n)
{
    if (n < 2)
        return bo_error(ctx, BO_ERR_INVALID_ARG,
                        "driver '%s': needs at least 2 samples to interpolate (got %zu)", name, n);
    if (!t || !v)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "driver '%s': the time or value array is NULL",
                        name);
    for (size_t i = 0; i < n; ++i) {
        if (!isfinite(t[i]))
            return bo_error(ctx, BO_ERR_INVALID_ARG, "driver '%s': time t[%zu] is not finite (%g)",
                            name, i, t[i]);
        if (isnan(v[i]))
            return bo_error(ctx, BO_ERR_INVALID_ARG, "driver '%s': value v[%zu] (at t = %g) is NaN",
                            name, i, t[i]);
        if (!isfinite(v[i]))
            return bo_error(ctx, BO_ERR_INVALID_ARG,
                            "driver '%s': value v[%zu] (at t = %g) is infinite", name, i, t[i]);
        if (i > 0 && !(t[i] > t[i - 1]))
            return bo_error(ctx, BO_ERR_INVALID_ARG,
                            "driver '%s': times must increase strictly, but t[%zu] = %.17g "
                            "follows t[%zu] = %.17g",
                            name, i, t[i], i - 1, t[i - 1]);
    }
    return BO_OK;
}

void dr_table_free(dr_table *tab)
{
    if (!tab)
        return;
    bo_free(tab->t);
    bo_free(tab->coef);
    memset(tab, 0, sizeof *tab);
}

/* Thomas algorithm for sub[i] x[i-1] + diag[i] x[i] + sup[i] x[i+1] = rhs[i]; rhs becomes x.
 * diag and rhs are overwritten. */
static void solve_tridiagonal(size_t n, const double *sub, double *diag, const double *sup,
                              double *rhs)
{
    for (size_t i = 1; i < n; ++i) {
        double w = sub[i] / diag[i - 1];
        diag[i] -= w * sup[i - 1];
        rhs[i] -= w * rhs[i - 1];
    }
    rhs[n - 1] /= diag[n - 1];
    for (size_t i = n - 1; i-- > 0;)
        rhs[i] = (rhs[i] - sup[i] * rhs[i + 1]) / diag[i];
}

/* Cyclic tridiagonal system (row i couples x[i-1 mod n] through sub[i] and x[i+1 mod n]
 * through sup[i]), n >= 3, by the Sherman-Morrison correction of a tridiagonal solve (Press et
 * al., Numerical Recipes, 3rd ed., sec. 2.7.2). work: 5n doubles. rhs becomes x. */
static void solve_cyclic(size_t n, const double *sub, const double *diag, const double *sup,
                         double *rhs, double *work)
{
    double *d1 = work, *d2 = work + n, *z = work + 2 * n, *sb = work + 3 * n, *sp = work + 4 * n;
    double alpha = sup[n - 1], beta = sub[0], gamma = -diag[0];
    for (size_t i = 0; i < n; ++i) {
        sb[i] = i > 0 ? sub[i] : 0.0;
        sp[i] = i + 1 < n ? sup[i] : 0.0;
        d1[i] = diag[i];
        z[i] = 0.0;
    }
    d1[0] = diag[0] - gamma;
    d1[n - 1] = diag[n - 1] - alpha * beta / gamma;
    memcpy(d2, d1, n * sizeof *d1);
    solve_tridiagonal(n, sb, d1, sp, rhs);
    z[0] = gamma;
    z[n - 1] = alpha;
    solve_tridiagonal(n, sb, d2, sp, z);
    double f = (rhs[0] + beta * rhs[n - 1] / gamma) / (1.0 + z[0] + beta * z[n - 1] / gamma);
    for (size_t i = 0; i < n; ++i)
        rhs[i] -= f * z[i];
}

/* Slope at an end from the parabola through the three samples nearest it (a one-sided
 * three-point difference, exact for quadratics); the secant with only two samples. */
static double end_slope(const double *h, const double *delta, size_t n, int at_end)
{
    if (n < 3)
        return delta[0];
    if (!at_end)
        return ((2.0 * h[0] + h[1]) * delta[0] - h[0] * delta[1]) / (h[0] + h[1]);
    size_t a = n - 3, b = n - 2;
    return ((2.0 * h[b] + h[a]) * delta[b] - h[b] * delta[a]) / (h[a] + h[b]);
}

/* Slopes m[0..n-1] of the spline of kind interp (n >= 2; work: 8n doubles). */
static void spline_slopes(size_t n, const double *h, const double *delta, int interp, double s0,
                          double s1, double *m, double *work)
{
    if (n == 2 && interp != BO_INTERP_CLAMPED) {
        /* Two samples: natural, not-a-knot and periodic all reduce to the line. */
        m[0] = m[1] = delta[0];
        return;
    }
    if (interp == BO_INTERP_NOT_A_KNOT && n == 3) {
        /* Both not-a-knot conditions concern the single interior knot: the interpolant is the
         * parabola through the three samples (as in scipy's CubicSpline). */
        m[0] = end_slope(h, delta, n, 0);
        m[1] = (h[1] * delta[0] + h[0] * delta[1]) / (h[0] + h[1]);
        m[2] = end_slope(h, delta, n, 1);
        return;
    }
    double *sub = work, *diag = work + n, *sup = work + 2 * n, *rhs = m;
    for (size_t i = 1; i + 1 < n; ++i) {
        sub[i] = h[i];
        diag[i] = 2.0 * (h[i - 1] + h[i]);
        sup[i] = h[i - 1];
        rhs[i] = 3.0 * (h[i] * delta[i - 1] + h[i - 1] * delta[i]);
    }
    if (interp == BO_INTERP_PERIODIC) {
        /* Unknowns m_0..m_{n-2}; m_{n-1} = m_0, and interval n-2 precedes interval 0. */
        size_t k = n - 1;
        sub[0] = h[0];
        diag[0] = 2.0 * (h[k - 1] + h[0]);
        sup[0] = h[k - 1];
        rhs[0] = 3.0 * (h[0] * delta[k - 1] + h[k - 1] * delta[0]);
        if (k == 2) {
            /* Two unknowns: both off-diagonal entries of a row hit the same column. */
            double a = diag[0], b = sub[0] + sup[0], c = sub[1] + sup[1], d = diag[1];
            double det = a * d - b * c;
            double x0 = (rhs[0] * d - b * rhs[1]) / det;
            double x1 = (a * rhs[1] - c * rhs[0]) / det;
            m[0] = x0;
            m[1] = x1;
        } else {
            solve_cyclic(k, sub, diag, sup, rhs, work + 3 * n);
        }
        m[n - 1] = m[0];
        return;
    }
    size_t e = n - 1;
    sub[0] = 0.0;
    sup[e] = 0.0;
    switch (interp) {
    case BO_INTERP_NATURAL:
        diag[0] = 2.0;
        sup[0] = 1.0;
        rhs[0] = 3.0 * delta[0];
        sub[e] = 1.0;
        diag[e] = 2.0;
        rhs[e] = 3.0 * delta[e - 1];
        break;
    case BO_INTERP_NOT_A_KNOT: {
        double d0 = h[0] + h[1], d1 = h[e - 2] + h[e - 1];
        diag[0] = h[1];
        sup[0] = d0;
        rhs[0] = ((h[0] + 2.0 * d0) * h[1] * delta[0] + h[0] * h[0] * delta[1]) / d0;
        sub[e] = d1;
        diag[e] = h[e - 2];
        rhs[e] =
            (h[e - 1] * h[e - 1] * delta[e - 2] + (2.0 * d1 + h[e - 1]) * h[e - 2] * delta[e - 1]) /
            d1;
        break;
    }
    default: /* clamped */
        diag[0] = 1.0;
        sup[0] = 0.0;
        rhs[0] = isnan(s0) ? end_slope(h, delta, n, 0) : s0;
        sub[e] = 0.0;
        diag[e] = 1.0;
        rhs[e] = isnan(s1) ? end_slope(h, delta, n, 1) : s1;
        break;
    }
    solve_tridiagonal(n, sub, diag, sup, rhs);
}

int dr_table_build(bo_context *ctx, const char *name, const double *t, const double *v, size_t n,
                   int interpolation, int ends, double slope_start, double slope_end, dr_table *out)
{
    memset(out, 0, sizeof *out);
    int rc = dr_check_samples(ctx, name, t, v, n);
    if (rc != BO_OK)
        return rc;
    if (interpolation < BO_INTERP_LINEAR || interpolation > BO_INTERP_PERIODIC)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "driver '%s': unknown interpolation %d", name,
                        interpolation);
    if (ends != BO_ENDS_HOLD && ends != BO_ENDS_WRAP)
        return bo_error(ctx, BO_ERR_INVALID_ARG, "driver '%s': unknown ends %d", name, ends);
    if (isinf(slope_start) || isinf(slope_end))
        return bo_error(ctx, BO_ERR_INVALID_ARG,
                        "driver '%s': clamped end slopes must be finite (or NaN for the default)",
                        name);
    double vmax = 0.0;
    for (size_t i = 0; i < n; ++i)
        vmax = fmax(vmax, fabs(v[i]));
    if (interpolation == BO_INTERP_PERIODIC && fabs(v[n - 1] - v[0]) > PERIODIC_REL * vmax)
        return bo_error(ctx, BO_ERR_INVALID_ARG,
                        "driver '%s': periodic interpolation needs the last sample to repeat the "
                        "first, but v[0] = %.17g and v[%zu] = %.17g (use wrap ends with another "
                        "interpolation for data that does not close)",
                        name, v[0], n - 1, v[n - 1]);
    if (n > SIZE_MAX / (16 * sizeof(double)))
        return bo_error(ctx, BO_ERR_RANGE, "driver '%s': too many samples (%zu)", name, n);

    out->n = n;
    out->interpolation = interpolation;
    out->ends = ends;
    out->t = bo_calloc(n, sizeof *out->t);
    out->coef = bo_calloc(4 * (n - 1), sizeof *out->coef);
    double *work = bo_calloc(12 * n, sizeof *work);
    if (!out->t || !out->coef || !work) {
        bo_free(work);
        dr_table_free(out);
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory building driver '%s'", name);
    }
    double t0 = t[0], dt = (t[n - 1] - t[0]) / (double)(n - 1);
    double tol = UNIFORM_ULPS * DBL_EPSILON * fmax(fabs(t0), fabs(t[n - 1]));
    int uniform = 1;
    for (size_t i = 1; uniform && i < n; ++i)
        uniform = fabs(t[i] - (t0 + (double)i * dt)) <= tol;
    out->uniform = uniform;
    out->dt = uniform ? dt : 0.0;
    /* On a uniform grid the device places knot i at t0 + i*dt: build on exactly those. */
    for (size_t i = 0; i < n; ++i)
        out->t[i] = uniform ? t0 + (double)i * dt : t[i];

    double *h = work, *delta = work + n, *m = work + 2 * n;
    for (size_t i = 0; i + 1 < n; ++i) {
        h[i] = out->t[i + 1] - out->t[i];
        delta[i] = (v[i + 1] - v[i]) / h[i];
    }
    if (interpolation == BO_INTERP_PERIODIC)
        delta[n - 2] = (v[0] - v[n - 2]) / h[n - 2]; /* close the data exactly */
    if (interpolation != BO_INTERP_LINEAR)
        spline_slopes(n, h, delta, interpolation, slope_start, slope_end, m, work + 3 * n);
    for (size_t i = 0; i + 1 < n; ++i) {
        double *c = out->coef + 4 * i;
        c[0] = v[i];
        if (interpolation == BO_INTERP_LINEAR) {
            c[1] = delta[i];
            continue;
        }
        /* Hermite form (de Boor, ch. IV, eq. (IV.3)): matches v and m at both ends. */
        c[1] = m[i];
        c[2] = (3.0 * delta[i] - 2.0 * m[i] - m[i + 1]) / h[i];
        c[3] = (m[i] + m[i + 1] - 2.0 * delta[i]) / (h[i] * h[i]);
    }
    bo_free(work);
    for (size_t i = 0; i < 4 * (n - 1); ++i)
        if (!isfinite(out->coef[i])) {
            dr_table_free(out);
            return bo_error(ctx, BO_ERR_RANGE,
                            "driver '%s': the interpolant overflows (samples too close together "
                            "for their values)",
                            name);
        }
    return BO_OK;
}

static size_t align8(size_t x)
{
    return (x + 7u) & ~(size_t)7u;
}

static void put_i64(unsigned char *base, size_t word, int64_t x)
{
    memcpy(base + 8 * word, &x, sizeof x);
}

static void put_f64(unsigned char *base, size_t word, double x)
{
    memcpy(base + 8 * word, &x, sizeof x);
}

int dr_pack(bo_context *ctx, const dr_table *tabs, size_t count, int precision_bytes, void **block,
            size_t *bytes)
{
    *block = NULL;
    *bytes = 0;
    if (precision_bytes != 4 && precision_bytes != 8)
        return bo_error(ctx, BO_ERR_INTERNAL, "dr_pack: precision_bytes is %d", precision_bytes);
    size_t p = (size_t)precision_bytes;
    size_t total = 8 * (BO_DRV_HEADER_WORDS + BO_DRV_RECORD_WORDS * count);
    for (size_t k = 0; k < count; ++k) {
        size_t n = tabs[k].n;
        size_t need = (tabs[k].uniform ? 0 : 8 * n) + align8(4 * (n - 1) * p);
        if (need > SIZE_MAX / 2 - total)
            return bo_error(ctx, BO_ERR_RANGE, "driver tables are too large to pack");
        total += need;
    }
    unsigned char *b = bo_calloc(total, 1);
    if (!b)
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory packing driver tables (%zu bytes)",
                        total);
    put_i64(b, 0, (int64_t)count);
    put_i64(b, 1, (int64_t)total);
    size_t off = 8 * (BO_DRV_HEADER_WORDS + BO_DRV_RECORD_WORDS * count);
    for (size_t k = 0; k < count; ++k) {
        const dr_table *tb = &tabs[k];
        size_t n = tb->n, rec = BO_DRV_HEADER_WORDS + BO_DRV_RECORD_WORDS * k;
        int64_t flags =
            (tb->uniform ? BO_DRV_UNIFORM : 0) | (tb->ends == BO_ENDS_WRAP ? BO_DRV_WRAP : 0);
        put_i64(b, rec + BO_DRV_N, (int64_t)n);
        put_i64(b, rec + BO_DRV_FLAGS, flags);
        put_f64(b, rec + BO_DRV_T0, tb->t[0]);
        put_f64(b, rec + BO_DRV_T_END, tb->t[n - 1]);
        put_f64(b, rec + BO_DRV_DT, tb->uniform ? tb->dt : 0.0);
        put_f64(b, rec + BO_DRV_INV_DT, tb->uniform ? 1.0 / tb->dt : 0.0);
        if (!tb->uniform) {
            put_i64(b, rec + BO_DRV_TIMES, (int64_t)off);
            memcpy(b + off, tb->t, 8 * n);
            off += 8 * n;
        }
        put_i64(b, rec + BO_DRV_COEF, (int64_t)off);
        for (size_t i = 0; i < 4 * (n - 1); ++i) {
            if (p == 8) {
                memcpy(b + off + 8 * i, &tb->coef[i], 8);
            } else {
                float f = (float)tb->coef[i];
                memcpy(b + off + 4 * i, &f, 4);
            }
        }
        off += align8(4 * (n - 1) * p);
    }
    *block = b;
    *bytes = total;
    return BO_OK;
}

/* ---- the solver's set of driver data -------------------------------------------------- */

typedef struct {
    double *t, *v;
    size_t n; /* 0: no data yet */
    bo_driver_options opt;
    dr_table tab; /* built for (interpolation, ends) below */
    int interpolation, ends;
} dr_slot;

struct dr_set {
    bo_context *ctx;
    const bo_model *model;
    size_t count;
    dr_slot *slot;
    void *block;
    size_t bytes;
    int block_precision; /* 0: block must be rebuilt */
};

int dr_set_create(bo_context *ctx, const bo_model *model, dr_set **out)
{
    *out = NULL;
    dr_set *s = bo_calloc(1, sizeof *s);
    if (!s)
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory");
    s->ctx = ctx;
    s->model = model;
    s->count = model->count[BO_DRIVER];
    s->slot = bo_calloc(s->count ? s->count : 1, sizeof *s->slot);
    if (!s->slot) {
        bo_free(s);
        return bo_error(ctx, BO_ERR_NOMEM, "out of memory");
    }
    *out = s;
    return BO_OK;
}

static void slot_clear(dr_slot *sl)
{
    bo_free(sl->t);
    bo_free(sl->v);
    dr_table_free(&sl->tab);
    memset(sl, 0, sizeof *sl);
}

void dr_set_destroy(dr_set *set)
{
    if (!set)
        return;
    for (size_t k = 0; k < set->count; ++k)
        slot_clear(&set->slot[k]);
    bo_free(set->slot);
    bo_free(set->block);
    bo_free(set);
}

/* Index of driver `name`, or an error suggesting the closest driver names. */
static int find_driver(dr_set *set, const char *name, size_t *k)
{
    const bo_model *m = set->model;
    if (!name)
        return bo_error(set->ctx, BO_ERR_INVALID_ARG, "driver name is NULL");
    for (size_t i = 0; i < set->count; ++i)
        if (strcmp(m->sym[BO_DRIVER][i].name, name) == 0) {
            *k = i;
            return BO_OK;
        }
    if (set->count == 0)
        return bo_error(set->ctx, BO_ERR_NOT_FOUND,
                        "model '%s' has no driver '%s' (it declares no drivers)", m->name, name);
    const char *best = NULL;
    size_t bd = 3;
    for (size_t i = 0; i < set->count; ++i) {
        size_t d = bo_edit_distance(name, m->sym[BO_DRIVER][i].name, 2);
        if (d < bd) {
            bd = d;
            best = m->sym[BO_DRIVER][i].name;
        }
    }
    if (best)
        return bo_error(set->ctx, BO_ERR_NOT_FOUND,
                        "model '%s' has no driver '%s' (did you mean '%s'?)", m->name, name, best);
    return bo_error(set->ctx, BO_ERR_NOT_FOUND, "model '%s' has no driver '%s' (its drivers: %s%s)",
                    m->name, name, m->sym[BO_DRIVER][0].name, set->count > 1 ? ", ..." : "");
}

static void resolve(const bo_driver_options *o, int def_interp, int def_ends, int *interp,
                    int *ends)
{
    *interp = o->interpolation == BO_DRIVER_FROM_SETTINGS ? def_interp : o->interpolation;
    *ends = o->ends == BO_DRIVER_FROM_SETTINGS ? def_ends : o->ends;
}

static int check_options(bo_context *ctx, const char *name, const bo_driver_options *o)
{
    if (o->interpolation != BO_DRIVER_FROM_SETTINGS &&
        (o->interpolation < BO_INTERP_LINEAR || o->interpolation > BO_INTERP_PERIODIC))
        return bo_error(ctx, BO_ERR_INVALID_ARG,
                        "driver '%s': interpolation %d is not a bo_interpolation value", name,
                        o->interpolation);
    if (o->ends != BO_DRIVER_FROM_SETTINGS && o->ends != BO_ENDS_HOLD && o->ends != BO_ENDS_WRAP)
        return bo_error(ctx, BO_ERR_INVALID_ARG,
                        "driver '%s': ends %d is not a bo_driver_ends value", name, o->ends);
    return BO_OK;
}

int dr_set_samples(dr_set *set, const char *name, const double *t, const double *v, size_t n,
                   const bo_driver_options *opt, int def_interpolation, int def_ends)
{
    size_t k = 0;
    int rc = find_driver(set, name, &k);
    if (rc != BO_OK)
        return rc;
    const char *dname = set->model->sym[BO_DRIVER][k].name;
    dr_slot fresh;
    memset(&fresh, 0, sizeof fresh);
    if (opt)
        fresh.opt = *opt;
    else
        bo_driver_options_init(&fresh.opt);
    if ((rc = check_options(set->ctx, dname, &fresh.opt)) != BO_OK)
        return rc;
    resolve(&fresh.opt, def_interpolation, def_ends, &fresh.interpolation, &fresh.ends);
    rc = dr_table_build(set->ctx, dname, t, v, n, fresh.interpolation, fresh.ends,
                        fresh.opt.slope_start, fresh.opt.slope_end, &fresh.tab);
    if (rc != BO_OK)
        return rc;
    fresh.n = n;
    fresh.t = bo_calloc(n, sizeof *fresh.t);
    fresh.v = bo_calloc(n, sizeof *fresh.v);
    if (!fresh.t || !fresh.v) {
        slot_clear(&fresh);
        return bo_error(set->ctx, BO_ERR_NOMEM, "out of memory storing driver '%s'", dname);
    }
    memcpy(fresh.t, t, n * sizeof *t);
    memcpy(fresh.v, v, n * sizeof *v);
    slot_clear(&set->slot[k]);
    set->slot[k] = fresh;
    set->block_precision = 0;
    return BO_OK;
}

/* Column of the driver's values in a CSV table, and the first data row. */
static int csv_layout(bo_context *ctx, const csv_table *tb, const char *name, size_t *col,
                      size_t *first)
{
    const csv_row *r0 = &tb->row[0];
    double x;
    int header = num_parse_str(r0->field[0], &x) == NUM_SYNTAX;
    *first = header ? 1 : 0;
    if (r0->n < 2)
        return bo_error(ctx, BO_ERR_PARSE,
                        "%s:%zu: driver '%s': expected two columns, time,value (found %zu)",
                        tb->source, r0->line, name, r0->n);
    if (r0->n == 2) {
        /* A header must name this driver: a file written for another driver (t,G given to
         * --driver F=...) is a mistake, not data for F. */
        if (header && strcmp(r0->field[1], name) != 0)
            return bo_error(ctx, BO_ERR_PARSE,
                            "%s:%zu:%zu: driver '%s': the header names the value column '%s', "
                            "not '%s' (name the column '%s', or leave the header out)",
                            tb->source, r0->line, r0->col[1], name, r0->field[1], name, name);
        *col = 1;
        return BO_OK;
    }
    if (!header)
        return bo_error(ctx, BO_ERR_PARSE,
                        "%s:%zu: driver '%s': a file with %zu columns needs a header row naming "
                        "them (time, then one column per driver)",
                        tb->source, r0->line, name, r0->n);
    for (size_t c = 1; c < r0->n; ++c)
        if (strcmp(r0->field[c], name) == 0) {
            *col = c;
            return BO_OK;
        }
    return bo_error(ctx, BO_ERR_PARSE, "%s:%zu: driver '%s': no column named '%s' in the header",
                    tb->source, r0->line, name, name);
}

int dr_set_load_csv(dr_set *set, const char *name, const char *path, const bo_driver_options *opt,
                    int def_interpolation, int def_ends)
{
    size_t k = 0;
    int rc = find_driver(set, name, &k);
    if (rc != BO_OK)
        return rc;
    if (!path)
        return bo_error(set->ctx, BO_ERR_INVALID_ARG, "driver '%s': file path is NULL", name);
    csv_table *tb = NULL;
    if ((rc = csv_read_file(set->ctx, path, &tb)) != BO_OK)
        return rc;
    size_t col = 1, first = 0;
    if (tb->n_rows == 0) {
        rc = bo_error(set->ctx, BO_ERR_PARSE, "%s: driver '%s': the file has no samples", path,
                      name);
        csv_destroy(tb);
        return rc;
    }
    if ((rc = csv_layout(set->ctx, tb, name, &col, &first)) != BO_OK) {
        csv_destroy(tb);
        return rc;
    }
    size_t n = tb->n_rows - first;
    double *t = bo_calloc(n ? n : 1, sizeof *t);
    double *v = bo_calloc(n ? n : 1, sizeof *v);
    if (!t || !v) {
        rc = bo_error(set->ctx, BO_ERR_NOMEM, "out of memory reading %s", path);
        goto done;
    }
    size_t width = tb->row[0].n;
    for (size_t i = 0; i < n; ++i) {
        const csv_row *r = &tb->row[first + i];
        if (r->n != width) {
            rc = bo_error(set->ctx, BO_ERR_PARSE,
                          "%s:%zu: driver '%s': expected %zu columns, found %zu", path, r->line,
                          name, width, r->n);
            goto done;
        }
        const size_t cols[2] = {0, col};
        double *dst[2] = {&t[i], &v[i]};
        for (int j = 0; j < 2; ++j) {
            int nr = num_parse_str(r->field[cols[j]], dst[j]);
            if (nr != NUM_OK) {
                const char *f = r->field[cols[j]], *hint = num_syntax_hint(f, strlen(f));
                rc = bo_error(set->ctx, nr == NUM_NONFINITE ? BO_ERR_INVALID_ARG : BO_ERR_PARSE,
                              "%s:%zu:%zu: driver '%s': %s '%s' is %s%s%s%s", path, r->line,
                              r->col[cols[j]], name, j == 0 ? "time" : "value", f,
                              nr == NUM_NONFINITE ? "not finite" : "not a number",
                              *hint ? " (" : "", hint, *hint ? ")" : "");
                goto done;
            }
        }
        if (i > 0 && !(t[i] > t[i - 1])) {
            rc = bo_error(set->ctx, BO_ERR_INVALID_ARG,
                          "%s:%zu: driver '%s': times must increase strictly, but %.17g follows "
                          "%.17g",
                          path, r->line, name, t[i], t[i - 1]);
            goto done;
        }
    }
    if (n < 2) {
        rc = bo_error(set->ctx, BO_ERR_INVALID_ARG,
                      "%s: driver '%s': needs at least 2 samples to interpolate (got %zu)", path,
                      name, n);
        goto done;
    }
    rc = dr_set_samples(set, name, t, v, n, opt, def_interpolation, def_ends);
    if (rc != BO_OK) {
        char *why = bo_strdup(bo_errmsg(set->ctx));
        rc = bo_error(set->ctx, rc, "%s: %s", path, why ? why : "driver data rejected");
        bo_free(why);
    }
done:
    bo_free(t);
    bo_free(v);
    csv_destroy(tb);
    return rc;
}

int dr_set_block(dr_set *set, int def_interpolation, int def_ends, int precision_bytes,
                 const void **block, size_t *bytes)
{
    *block = NULL;
    *bytes = 0;
    if (set->count == 0)
        return BO_OK;
    int stale = set->block_precision != precision_bytes;
    for (size_t k = 0; k < set->count; ++k) {
        dr_slot *sl = &set->slot[k];
        const char *dname = set->model->sym[BO_DRIVER][k].name;
        if (sl->n == 0)
            return bo_error(set->ctx, BO_ERR_STATE,
                            "model '%s' has driver '%s' but no data was given for it (set it "
                            "with bo_solver_set_driver or bo_solver_load_driver_csv; on the "
                            "command line, --driver %s=FILE.csv)",
                            set->model->name, dname, dname);
        int interp, ends;
        resolve(&sl->opt, def_interpolation, def_ends, &interp, &ends);
        if (interp == sl->interpolation && ends == sl->ends)
            continue;
        dr_table tab;
        int rc = dr_table_build(set->ctx, dname, sl->t, sl->v, sl->n, interp, ends,
                                sl->opt.slope_start, sl->opt.slope_end, &tab);
        if (rc != BO_OK)
            return rc;
        dr_table_free(&sl->tab);
        sl->tab = tab;
        sl->interpolation = interp;
        sl->ends = ends;
        stale = 1;
    }
    if (stale) {
        bo_free(set->block);
        set->block = NULL;
        set->block_precision = 0;
        dr_table *tabs = bo_calloc(set->count, sizeof *tabs);
        if (!tabs)
            return bo_error(set->ctx, BO_ERR_NOMEM, "out of memory");
        for (size_t k = 0; k < set->count; ++k)
            tabs[k] = set->slot[k].tab;
        int rc = dr_pack(set->ctx, tabs, set->count, precision_bytes, &set->block, &set->bytes);
        bo_free(tabs);
        if (rc != BO_OK)
            return rc;
        set->block_precision = precision_bytes;
    }
    *block = set->block;
    *bytes = set->bytes;
    return BO_OK;
}

void bo_driver_options_init(bo_driver_options *opt)
{
    if (!opt)
        return;
    opt->interpolation = BO_DRIVER_FROM_SETTINGS;
    opt->ends = BO_DRIVER_FROM_SETTINGS;
    opt->slope_start = NAN;
    opt->slope_end = NAN;
}
