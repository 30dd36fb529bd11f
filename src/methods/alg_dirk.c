/* The diagonally implicit Runge-Kutta family in the generated program (kernels/dirk.h): its
 * buffers and its compile-time constants. The tableau's structure is checked here, so that the
 * engine may assume it: A lower triangular, every implicit stage with the same diagonal gamma
 * (one factorisation of (1/(gamma dt)) I - J per step serves them all), and a zero diagonal
 * only in the first row (an explicit first stage, evaluated or taken from the previous step). */
#include "algorithm.h"

#include "util/internal.h"

/* More stages than any method here has; bounds the emitted arrays. */
#define DIRK_MAX_STAGES 12

/* gamma of t, or a negative value when t is not a DIRK tableau the engine can run. */
static double dirk_gamma(const bo_tableau *t)
{
    if (!t || t->stages < 1 || t->stages > DIRK_MAX_STAGES || !t->a || !t->b || !t->c)
        return -1.0;
    int s = t->stages;
    double gamma = 0.0;
    for (int i = 0; i < s; ++i) {
        for (int j = i + 1; j < s; ++j)
            if (t->a[i * s + j] != 0.0)
                return -1.0;
        double d = t->a[i * s + i];
        if (d == 0.0) {
            if (i > 0)
                return -1.0;
            continue;
        }
        if (gamma == 0.0)
            gamma = d;
        else if (d != gamma)
            return -1.0;
    }
    return gamma > 0.0 ? gamma : -1.0;
}

int pg_dirk_register(reg_registry *reg, const pg_config *cfg, size_t n, reg_precision prec)
{
    size_t s = (size_t)cfg->tableau->stages;
    int rc = BO_OK;
#define REG(name, size, persistent)                                                                \
    do {                                                                                           \
        if (rc == BO_OK)                                                                           \
            rc = reg_register(reg, "algorithm", name, size, REG_LOCAL, persistent, NULL, prec);    \
    } while (0)
    /* kernels/dirk.h: stage_rhs and newton_eta survive between steps. */
    REG("stage_rhs", n, 1);
    REG("stage_accumulator", s > 1 ? (s - 1) * n : 0, 0);
    REG("stage_increment", n, 0);
    REG("newton_eta", 1, 1);
#undef REG
    if (rc == BO_OK)
        rc = pg_register_linsolve(reg, cfg, n, prec);
    return rc;
}

int pg_dirk_emit(bo_context *ctx, const pg_config *cfg, size_t n, sb_buf *out)
{
    const bo_tableau *t = cfg->tableau;
    double gamma = dirk_gamma(t);
    if (gamma <= 0.0)
        return bo_error(ctx, BO_ERR_INTERNAL,
                        "'%s' is not a diagonally implicit tableau with one diagonal value",
                        t ? t->name : "(null)");
    size_t s = (size_t)t->stages;
    double e[DIRK_MAX_STAGES] = {0};
    if (t->b_hat)
        for (size_t i = 0; i < s; ++i)
            e[i] = t->b[i] - t->b_hat[i];
    sb_printf(out, "/* diagonally implicit Runge-Kutta tableau: %s (order %d", t->name, t->order);
    if (t->b_hat)
        sb_printf(out, ", embedded order %d", t->embedded_order);
    sb_append(out, ") */\n");
    sb_printf(out, "#define BO_DIRK_STAGES %zu\n", s);
    sb_printf(out, "#define BO_DIRK_ORDER %d\n", t->order);
    sb_printf(out, "#define BO_DIRK_HAS_ERROR %d\n", t->b_hat ? 1 : 0);
    sb_printf(out, "#define BO_DIRK_EXPLICIT_FIRST %d\n", t->a[0] == 0.0 ? 1 : 0);
    sb_append(out, "#define BO_DIRK_GAMMA BO_C(");
    sb_double(out, gamma);
    sb_append(out, ")\n#define BO_DIRK_TABLEAU \\\n    ");
    tab_emit_array(out, "bo_dirk_a", t->a, s * s);
    sb_append(out, " \\\n    ");
    tab_emit_array(out, "bo_dirk_b", t->b, s);
    sb_append(out, " \\\n    ");
    tab_emit_array(out, "bo_dirk_e", e, s);
    sb_append(out, " \\\n    ");
    tab_emit_array(out, "bo_dirk_c", t->c, s);
    sb_append(out, "\n");
    pg_emit_linsolve(cfg, n, out);
    if (out->failed)
        return bo_error(ctx, BO_ERR_NOMEM, "emitting the tableau of '%s' failed", t->name);
    return BO_OK;
}
