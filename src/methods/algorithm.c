/* The method families of the generated program (see algorithm.h): one row per family in
 * families[], with its buffers, its constants and its device-library files. Adding a family
 * means adding its engine in kernels/ and a row here. */
#include "algorithm.h"

#include <string.h>

#include "util/internal.h"

#define REG(owner, name, size, persistent)                                                         \
    do {                                                                                           \
        if (rc == BO_OK)                                                                           \
            rc = reg_register(reg, owner, name, size, REG_LOCAL, persistent, NULL, prec);          \
    } while (0)

/* ---- explicit Runge-Kutta (kernels/erk.h) ------------------------------------------------ */

static int erk_register(reg_registry *reg, const pg_config *cfg, size_t n, reg_precision prec)
{
    int rc = BO_OK;
    /* docs/algorithms.md: the FSAL derivative survives between steps. */
    REG("algorithm", "stage_rhs", tab_erk_stage_rhs_size(cfg->tableau, n), 1);
    REG("algorithm", "stage_accumulator", tab_erk_stage_accumulator_size(cfg->tableau, n), 0);
    return rc;
}

static int erk_emit(bo_context *ctx, const pg_config *cfg, size_t n, sb_buf *out)
{
    (void)n;
    int rc = tab_emit_erk(cfg->tableau, out);
    if (rc != BO_OK)
        return bo_error(ctx, rc, "emitting the tableau of '%s' failed", cfg->tableau->name);
    return BO_OK;
}

/* ---- the linear solver shared by the implicit families (kernels/linsolve.h) --------------- */

size_t pg_krylov_basis_size(const pg_config *cfg, size_t n)
{
    size_t m = cfg->krylov_restart > 0 ? (size_t)cfg->krylov_restart : 1;
    return m < n ? m : n;
}

int pg_register_linsolve(reg_registry *reg, const pg_config *cfg, size_t n, reg_precision prec)
{
    int rc = BO_OK;
    if (cfg->linear_solver == PG_LS_DENSE) {
        /* The Jacobian persists so a retried step from the same point reuses it; the
         * factorisation (n*n values and n pivot rows) is rebuilt whenever dt changes. */
        REG("linear_solver", "jacobian", n * n, 1);
        REG("linear_solver", "lu", n * n + n, 0);
    } else {
        /* kernels/krylov.h. The recorded point and the diagonal persist (a retried step
         * reuses them, as the dense path reuses its Jacobian); the preconditioner, the basis,
         * the rotated Hessenberg matrix and the work vectors live within one step. */
        size_t m = pg_krylov_basis_size(cfg, n);
        size_t jacobi = cfg->preconditioner == PG_PRECOND_JACOBI ? n : 0;
        REG("linear_solver", "krylov_point", n, 1);
        REG("linear_solver", "krylov_diag", jacobi, 1);
        REG("linear_solver", "krylov_precond", jacobi, 0);
        REG("linear_solver", "krylov_basis", (m + 1) * n, 0);
        REG("linear_solver", "krylov_hessenberg", m * m + 4 * m + 1, 0);
        REG("linear_solver", "krylov_work", 2 * n, 0);
    }
    if (rc == BO_OK)
        rc = reg_add_child(reg, "algorithm", "linear_solver");
    return rc;
}

void pg_emit_linsolve(const pg_config *cfg, size_t n, sb_buf *out)
{
    (void)n;
    sb_printf(out, "#define BO_LINSOLVE %d /* 0 dense LU, 1 Krylov */\n", cfg->linear_solver);
    sb_printf(out, "#define BO_PRECOND %d /* 0 none, 1 Jacobi */\n", cfg->preconditioner);
    sb_append(out, "#define BO_NEWTON_TOL BO_C(");
    sb_double(out, cfg->newton_tolerance);
    sb_append(out, ")\n#define BO_KRYLOV_TOL BO_C(");
    sb_double(out, cfg->krylov_tolerance);
    sb_append(out, ")\n");
    sb_printf(out, "#define BO_KRYLOV_MAX_ITERS %d\n", cfg->krylov_max_iters);
    sb_printf(out, "#define BO_KRYLOV_RESTART %d\n", cfg->krylov_restart);
}

/* ---- the table ---------------------------------------------------------------------------- */

static const pg_family families[] = {
    {TAB_ERK, {"erk.h", NULL, NULL, NULL}, erk_register, erk_emit},
    {TAB_DIRK, {"linsolve.h", "newton.h", "dirk.h", NULL}, pg_dirk_register, pg_dirk_emit},
    {TAB_FIRK, {"linsolve.h", "newton.h", "radau.h", NULL}, pg_radau_register, pg_radau_emit},
    {TAB_ROSENBROCK,
     {"linsolve.h", "rosenbrock.h", NULL, NULL},
     pg_rosenbrock_register,
     pg_rosenbrock_emit},
};

size_t pg_family_kernels(const pg_family *fam, const pg_config *cfg, const char **files)
{
    size_t count = 0;
    for (int i = 0; i < 4 && fam->kernels[i]; ++i) {
        files[count++] = fam->kernels[i];
        if (strcmp(fam->kernels[i], "linsolve.h") == 0 && cfg->linear_solver == PG_LS_KRYLOV)
            files[count++] = "krylov.h";
    }
    return count;
}

const pg_family *pg_family_of(const bo_tableau *t)
{
    if (!t)
        return NULL;
    for (size_t i = 0; i < sizeof families / sizeof families[0]; ++i)
        if (families[i].family == t->family)
            return &families[i];
    return NULL;
}
