/* The fully implicit Runge-Kutta family (TAB_FIRK, Radau IIA 5, kernels/radau.h) in the
 * generated program: its buffers under owner "algorithm" plus the linear solver's, and its
 * constants. Its complex system is factored by a dense LU in kernels/radau.h, so the family
 * works with linear_solver=dense only and refuses the Krylov solver when emitting. */
#include "algorithm.h"

#include "util/internal.h"
#include "tableau_radau.h"

int pg_radau_register(reg_registry *reg, const pg_config *cfg, size_t n, reg_precision prec)
{
    /* f(t, y) serves only the error estimate, which a fixed step does not compute. */
    size_t f0 = cfg->controller == PG_CTRL_FIXED ? 0 : n;
    struct {
        const char *name;
        size_t size;
        int persistent;
    } bufs[] = {
        {"radau_stages", 3 * n, 0},
        {"radau_rhs", 3 * n, 0},
        {"radau_state", n, 0},
        {"radau_lu_complex", 2 * n * n + n, 0},
        /* Kept between calls: a retry from the same (t, y) reuses f(t, y); the next step
         * starts from the last converged stages; the Newton monitor carries eta. */
        {"radau_f0", f0, 1},
        {"radau_predictor", 3 * n + 1, 1},
        {"radau_eta", 1, 1},
    };
    int rc = BO_OK;
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0] && rc == BO_OK; ++i)
        rc = reg_register(reg, "algorithm", bufs[i].name, bufs[i].size, REG_LOCAL,
                          bufs[i].persistent, NULL, prec);
    /* Without the dense solver pg_radau_emit refuses the configuration with a message. */
    if (rc == BO_OK && cfg->linear_solver == PG_LS_DENSE)
        rc = pg_register_linsolve(reg, cfg, n, prec);
    return rc;
}

int pg_radau_emit(bo_context *ctx, const pg_config *cfg, size_t n, sb_buf *out)
{
    if (cfg->linear_solver != PG_LS_DENSE)
        return bo_error(ctx, BO_ERR_SETTING,
                        "algorithm '%s' factors its complex stage system with a dense LU and "
                        "supports linear_solver=dense only (linear_solver=auto chooses it for "
                        "any model size): set linear_solver=dense or auto",
                        cfg->tableau->name);
    int rc = tab_emit_radau(cfg->tableau, out);
    if (rc != BO_OK)
        return bo_error(ctx, rc, "emitting the coefficients of '%s' failed", cfg->tableau->name);
    pg_emit_linsolve(cfg, n, out);
    return out->failed ? bo_error(ctx, BO_ERR_NOMEM, "out of memory") : BO_OK;
}
