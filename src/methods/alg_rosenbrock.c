/* The Rosenbrock family in the generated program (see algorithm.h): the buffers of
 * kernels/rosenbrock.h (the s stage vectors, df/dt, the FSAL derivative of the methods whose
 * last stage is y_new, and the right-hand side and residual of a refined stage solve), the
 * linear solver's, and the method's constants. */
#include "algorithm.h"

#include "util/internal.h"
#include "tableau_rosenbrock.h"

int pg_rosenbrock_register(reg_registry *reg, const pg_config *cfg, size_t n, reg_precision prec)
{
    const bo_tableau *t = cfg->tableau;
    /* Every u_j is read by later stages (a_ij, c_ij) and by y_new/err at the end, so all s
     * are kept for the whole step; nothing survives between steps but the FSAL derivative. */
    int rc = reg_register(reg, "algorithm", "rosenbrock_stages", tab_ros_stages_size(t, n),
                          REG_LOCAL, 0, NULL, prec);
    if (rc == BO_OK)
        rc = reg_register(reg, "algorithm", "rosenbrock_dfdt", n, REG_LOCAL, 0, NULL, prec);
    /* A stage's right-hand side and its refinement's residual (kernels/rosenbrock.h): only the
     * dense solver refines. */
    if (rc == BO_OK)
        rc = reg_register(reg, "algorithm", "rosenbrock_refine",
                          cfg->linear_solver == PG_LS_DENSE ? 2 * n : 0, REG_LOCAL, 0, NULL, prec);
    if (rc == BO_OK && tab_ros_fsal(t))
        rc = reg_register(reg, "algorithm", "rosenbrock_fsal", tab_ros_fsal_size(t, n), REG_LOCAL,
                          1, NULL, prec);
    if (rc == BO_OK)
        rc = pg_register_linsolve(reg, cfg, n, prec);
    return rc;
}

int pg_rosenbrock_emit(bo_context *ctx, const pg_config *cfg, size_t n, sb_buf *out)
{
    int rc = tab_emit_rosenbrock(cfg->tableau, out);
    if (rc != BO_OK)
        return bo_error(ctx, rc, "emitting the coefficients of '%s' failed", cfg->tableau->name);
    pg_emit_linsolve(cfg, n, out);
    return out->failed ? bo_error(ctx, BO_ERR_NOMEM, "out of memory") : BO_OK;
}
