/* The solver's settings-to-program step (solver_config.c), private to the solver. */
#ifndef BO_SOLVER_CONFIG_H
#define BO_SOLVER_CONFIG_H

#include "codegen/program.h"

/* Resolve settings against the model into *cfg and generate the program: *source (new
 * string) and *stride, the per-run shared-memory elements of its layout (may be NULL). On
 * error *source is NULL and *cfg may hold partial allocations: free it with sv_config_free. */
int sv_generate_config(bo_context *ctx, const bo_model *model, const bo_settings *settings,
                       pg_config *cfg, char **source, size_t *stride);

/* Free what a pg_config owns and zero it. */
void sv_config_free(pg_config *c);

#endif
