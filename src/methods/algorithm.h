/* Method families in the generated program: for each family (tab_family), the buffers its
 * step engine registers, the compile-time constants it emits, and the device-library files
 * pasted for it. Every family's engine defines the same entry point, which the loop calls:
 *
 *   BO_DEVICE int bo_step(const bo_real *y, bo_real *y_new, bo_real *err, const bo_real *p,
 *                         const void *driver_data, bo_real t, bo_real dt, int flags,
 *                         int *niters, bo_real *shared, bo_real *persistent);
 *
 * flags: BO_STEP_FIRST (the run's first attempt: reset any history kept in persistent
 * buffers), BO_STEP_FSAL_VALID (the previous step was accepted and, for an FSAL method, left
 * f(t, y) in its stage buffer) and BO_STEP_RETRY (the previous attempt started from this same
 * (t, y) and was rejected, so anything evaluated at (t, y), such as the Jacobian, may be
 * reused). *niters receives the Newton iterations the step used (0 without Newton). The
 * return value is 0 or BO_RUN_* bits saying why the step could not be completed (Newton
 * divergence, singular matrix, ...); the loop then retries with a smaller step under an
 * adaptive controller and fails the run under a fixed step. Each engine also defines
 * BO_STEP_FSAL (1 when an accepted step leaves f(t + dt, y_new) for the next one). */
#ifndef BO_ALGORITHM_H
#define BO_ALGORITHM_H

#include "codegen/program.h"

typedef struct {
    int family; /* tab_family */
    /* Device-library files pasted, in order, after controllers.h and before loop.h. */
    const char *kernels[4];
    /* Register the family's buffers (owner "algorithm" and its children). */
    int (*register_buffers)(reg_registry *reg, const pg_config *cfg, size_t n, reg_precision prec);
    /* Append the family's compile-time constants (tableau, solver configuration). */
    int (*emit)(bo_context *ctx, const pg_config *cfg, size_t n, sb_buf *out);
} pg_family;

/* The device-library files pasted for fam under cfg, in order, into files (room for 8): the
 * family's own list with krylov.h right after linsolve.h when the Krylov solver is chosen, so
 * the methods never name a linear solver. Returns the count. */
size_t pg_family_kernels(const pg_family *fam, const pg_config *cfg, const char **files);

/* The family entry of a method; NULL for an unknown family. */
const pg_family *pg_family_of(const bo_tableau *t);

/* The implicit families' shared linear-solver buffers (owner "linear_solver", a child of
 * "algorithm"): see kernels/linsolve.h. */
int pg_register_linsolve(reg_registry *reg, const pg_config *cfg, size_t n, reg_precision prec);

/* GMRES basis vectors kept per run (kernels/krylov.h's BO_KRYLOV_M): krylov_restart, but no
 * more than n, since an n-dimensional system never needs a larger Krylov space. */
size_t pg_krylov_basis_size(const pg_config *cfg, size_t n);

/* The linear-solver constants (BO_LINSOLVE, tolerances) for kernels/linsolve.h. */
void pg_emit_linsolve(const pg_config *cfg, size_t n, sb_buf *out);

/* Diagonally implicit Runge-Kutta (alg_dirk.c, kernels/dirk.h). */
int pg_dirk_register(reg_registry *reg, const pg_config *cfg, size_t n, reg_precision prec);
int pg_dirk_emit(bo_context *ctx, const pg_config *cfg, size_t n, sb_buf *out);
/* Radau IIA (TAB_FIRK, kernels/radau.h): src/methods/alg_radau.c. */
int pg_radau_register(reg_registry *reg, const pg_config *cfg, size_t n, reg_precision prec);
int pg_radau_emit(bo_context *ctx, const pg_config *cfg, size_t n, sb_buf *out);
/* Rosenbrock methods (src/methods/alg_rosenbrock.c, kernels/rosenbrock.h). */
int pg_rosenbrock_register(reg_registry *reg, const pg_config *cfg, size_t n, reg_precision prec);
int pg_rosenbrock_emit(bo_context *ctx, const pg_config *cfg, size_t n, sb_buf *out);

#endif
