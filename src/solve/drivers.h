/* Driver tables on the host: from sampled data (t_i, v_i) to the per-interval cubic
 * coefficients the device evaluates (kernels/drivers.h), and the packing of every driver of a
 * model into one flat, relocatable block. The solver keeps one dr_set: the samples and
 * options given for each of the model's drivers, and the block built from them for the
 * working precision and the interpolation settings of the solve. docs/drivers.md describes
 * the behaviour. */
#ifndef BO_DR_DRIVERS_H
#define BO_DR_DRIVERS_H

#include <stddef.h>

#include "batchode.h"

/* One driver's interpolant. Interval i is [t[i], t[i+1]] with
 * u(t) = coef[4i] + coef[4i+1] s + coef[4i+2] s^2 + coef[4i+3] s^3, s = t - t[i]. */
typedef struct {
    size_t n;                /* knots (>= 2) */
    double *t;               /* n knots: the sample times, or exactly t0 + i*dt on a uniform grid */
    double *coef;            /* 4*(n-1) coefficients */
    int uniform;             /* the sample times are t0 + i*dt within rounding */
    double dt;               /* knot spacing when uniform, else 0 */
    int interpolation, ends; /* bo_interpolation, bo_driver_ends */
} dr_table;

/* Check samples: n >= 2, finite strictly increasing times, finite values. Errors
 * (BO_ERR_INVALID_ARG) name the driver and the offending sample. */
int dr_check_samples(bo_context *ctx, const char *name, const double *t, const double *v, size_t n);

/* Build the interpolant of checked samples. slope_start/slope_end are the clamped spline's end
 * slopes (NaN: a one-sided three-point difference). Periodic interpolation needs v[0] ==
 * v[n-1] within rounding (BO_ERR_INVALID_ARG otherwise). *out is overwritten; free it with
 * dr_table_free, also after a failure. */
int dr_table_build(bo_context *ctx, const char *name, const double *t, const double *v, size_t n,
                   int interpolation, int ends, double slope_start, double slope_end,
                   dr_table *out);
void dr_table_free(dr_table *tab);

/* Pack count tables, in order, into one block (layout in kernels/drivers.h) with coefficients
 * in the working precision (precision_bytes 4 or 8). *block: free with bo_free. */
int dr_pack(bo_context *ctx, const dr_table *tabs, size_t count, int precision_bytes, void **block,
            size_t *bytes);

/* Setting text to enum: "linear", "natural", "clamped", "not_a_knot", "periodic"; "hold",
 * "wrap". -1 for anything else. */
int dr_parse_interpolation(const char *text);
int dr_parse_ends(const char *text);

/* The driver data of one solver, one slot per driver of the model. def_interpolation and
 * def_ends are the solver's settings, used where opt leaves a choice to them. */
typedef struct dr_set dr_set;

int dr_set_create(bo_context *ctx, const bo_model *model, dr_set **out);
void dr_set_destroy(dr_set *set);
/* Replace the data of driver `name` (copied). Checks the samples and builds the table at once
 * so every error shows here; on error the driver keeps its earlier data. Unknown names:
 * BO_ERR_NOT_FOUND with close names suggested. opt may be NULL (everything from settings). */
int dr_set_samples(dr_set *set, const char *name, const double *t, const double *v, size_t n,
                   const bo_driver_options *opt, int def_interpolation, int def_ends);
/* The same from a CSV file (see bo_solver_load_driver_csv); errors name file:line. */
int dr_set_load_csv(dr_set *set, const char *name, const char *path, const bo_driver_options *opt,
                    int def_interpolation, int def_ends);
/* The packed block for a solve (owned by the set, valid until the next call on it): rebuilt
 * only when data, options or precision changed. NULL and 0 bytes for a model without drivers.
 * A driver without data is an error (BO_ERR_STATE) naming it. */
int dr_set_block(dr_set *set, int def_interpolation, int def_ends, int precision_bytes,
                 const void **block, size_t *bytes);

#endif
