/* Butcher tableaus of the explicit Runge-Kutta methods, as exported constant tables (one per
 * method, cited beside its coefficients in tableau.c), their lookup by name, their default
 * step-controller settings, and the emission of one tableau as compile-time constants for
 * the device step engine (kernels/erk.h). Internal to the library (prefix tab_). */
#ifndef BO_TABLEAU_H
#define BO_TABLEAU_H

#include <stddef.h>

#include "util/strbuf.h"

/* Method families. Each has its own step engine in the device library and its own buffers
 * (src/methods/algorithm.c maps a family to both). */
typedef enum {
    TAB_ERK = 0,        /* explicit Runge-Kutta (kernels/erk.h) */
    TAB_DIRK = 1,       /* diagonally implicit Runge-Kutta: SDIRK, ESDIRK, BE, CN */
    TAB_FIRK = 2,       /* fully implicit Runge-Kutta (Radau IIA) */
    TAB_ROSENBROCK = 3, /* linearly implicit Rosenbrock (W-)methods */
} tab_family;

/* A Runge-Kutta method: y_new = y + dt * sum_i b_i k_i with
 * k_i = f(t + c_i dt, y + dt * sum_j a_ij k_j) (j < i for explicit methods, j <= i for DIRK).
 * Implicit families may carry further coefficients in family_data (a struct their own file
 * defines). All arrays are borrowed static data. */
typedef struct bo_tableau {
    const char *name;           /* canonical lower-case name, e.g. "dp5" */
    const char *const *aliases; /* NULL-terminated list of other accepted names */
    int stages;                 /* s */
    const double *a;            /* s*s, row-major, strictly lower triangular (explicit) or
                                   lower triangular (TAB_DIRK) */
    const double *b;            /* s weights of the propagated solution */
    const double *b_hat;        /* s weights of the embedded solution; NULL when none */
    const double *c;            /* s nodes, c_i = sum_j a_ij */
    int order;                  /* p of the propagated solution */
    int embedded_order;         /* q of the embedded solution; 0 when none */
    int fsal;                   /* 1 when row s of A equals b and c_s = 1 */
    const char *citation;       /* where the coefficients come from */
    /* Weights of a second, lower-order embedded solution for a sharper estimate; NULL when
     * the method has none (all but dop853). With it the estimate becomes Hairer's combination
     * of e5 = dt*sum((b - b_hat) k) and e3 = dt*sum((b - b_hat3) k), see kernels/erk.h. */
    const double *b_hat3;
    /* Order the controller assumes for the error estimate (its gain exponent is
     * 1/(error_order + 1)): min(p, q) for a plain embedded pair, 7 for dop853's combined
     * estimate, 0 without an estimate. A method whose estimate is no weight vector (Radau
     * IIA's, kernels/radau.h) has b_hat NULL and error_order > 0. */
    int error_order;
    int family;              /* tab_family; TAB_ERK (0) when left out */
    const void *family_data; /* family-specific coefficients, NULL for explicit methods */
} bo_tableau;

extern const bo_tableau bo_tableau_euler;
extern const bo_tableau bo_tableau_heun;
extern const bo_tableau bo_tableau_ralston;
extern const bo_tableau bo_tableau_rk4;
extern const bo_tableau bo_tableau_bs3;
extern const bo_tableau bo_tableau_dp5;
extern const bo_tableau bo_tableau_cash_karp;
extern const bo_tableau bo_tableau_fehlberg45;
extern const bo_tableau bo_tableau_tsit5;
extern const bo_tableau bo_tableau_vern7;
extern const bo_tableau bo_tableau_dop853;
/* Diagonally implicit methods (tableau_dirk.c). */
extern const bo_tableau bo_tableau_backward_euler;
extern const bo_tableau bo_tableau_implicit_midpoint;
extern const bo_tableau bo_tableau_crank_nicolson;
extern const bo_tableau bo_tableau_sdirk2;
extern const bo_tableau bo_tableau_sdirk3;
extern const bo_tableau bo_tableau_sdirk4;
extern const bo_tableau bo_tableau_kvaerno3;
extern const bo_tableau bo_tableau_kvaerno5;
extern const bo_tableau bo_tableau_radau5; /* TAB_FIRK, src/methods/tableau_radau.c */
/* Rosenbrock methods (src/methods/tableau_rosenbrock.c; coefficients in
 * src/methods/tableau_rosenbrock.h). */
extern const bo_tableau bo_tableau_rosenbrock23;
extern const bo_tableau bo_tableau_ros3p;
extern const bo_tableau bo_tableau_rodas4;
extern const bo_tableau bo_tableau_rodas5p;

/* Tableau by canonical name or alias, ignoring ASCII case ("RK45" finds dp5); NULL when the
 * name is unknown or NULL. */
const bo_tableau *tab_find(const char *name);

/* Every tableau, in a fixed order (lowest order first); *count receives the length when count
 * is not NULL. The array is static. */
const bo_tableau *const *tab_list(size_t *count);

/* 1 when the method has an error estimate: an embedded solution (b_hat), or an estimate of
 * its own (error_order > 0). */
int tab_has_error_estimate(const bo_tableau *t);

/* 1 for the families that solve linear systems with the Jacobian (all but TAB_ERK). */
int tab_is_implicit(const bo_tableau *t);

/* Step-controller settings a method gets unless the user overrides them. */
typedef struct {
    const char *controller; /* "pi" for embedded pairs, "fixed" otherwise */
    int algorithm_order;    /* order for the gain exponent 1/(order+1): the error estimate
                               shrinks like dt^(error_order+1), so error_order; p without an
                               estimate */
    double kp, ki;          /* PI gains on the error exponent */
    double min_gain, max_gain;
    double safety;
    double deadband_min, deadband_max; /* (1, 1) = off */
} tab_controller_defaults;

/* Defaults for t: embedded explicit and Rosenbrock methods get PI with kp 0.7, ki -0.4, gains
 * [0.2, 10], safety 0.9, deadband off; embedded DIRK and fully implicit methods get the
 * predictive (gustafsson) controller, which also reads the Newton iteration count; methods
 * without an estimate get "fixed" (the numeric fields are then filled the same way but
 * unused). */
tab_controller_defaults tab_default_controller(const bo_tableau *t);

/* Buffers the ERK step registers (owner "algorithm"), in elements, for n states:
 * stage_rhs (persistent) and stage_accumulator (local by default). Both are 0 for a
 * one-stage method, which registers nothing. */
size_t tab_erk_stage_rhs_size(const bo_tableau *t, size_t n);
size_t tab_erk_stage_accumulator_size(const bo_tableau *t, size_t n);

/* Append to out the device-side definitions of t for the generated unit: BO_ERK_STAGES,
 * BO_ERK_FSAL, BO_ERK_HAS_ERROR and BO_ERK_TABLEAU, which declares the local const arrays
 * bo_erk_a[s*s], bo_erk_b[s], bo_erk_e[s] (e = b - b_hat, zeros without an embedded pair)
 * and bo_erk_c[s] with every coefficient written exactly (BO_C(%.17g)); also BO_ERK_ORDER.
 * The engine computes with the scaled forms, also declared there: each row r of A as
 * bo_erk_as[r] * bo_erk_an[r*s..] with pivot (first nonzero) index bo_erk_ap[r] (r for a zero
 * row), likewise b as bo_erk_bs * bo_erk_bn[] (pivot bo_erk_bp) and e as
 * bo_erk_es * bo_erk_en[] (pivot bo_erk_ep, s when e is zero). A vector is divided by its
 * pivot coefficient when all its coefficients are exact multiples of it; otherwise the scale
 * is 1 and the coefficients are kept.
 * A method with b_hat3 (dop853) also gets "#define BO_ERK_ERROR3 1" and, inside
 * BO_ERK_TABLEAU, bo_erk_e3[s] (e3 = b - b_hat3); for the others the text is as before and
 * kernels/erk.h defaults BO_ERK_ERROR3 to 0. Returns BO_OK, BO_ERR_INVALID_ARG when t or out
 * is NULL or when b_hat3 is set without b_hat or with b_1 = 0 (the engine recovers k_1's
 * e3 term from b_1 k_1), or BO_ERR_NOMEM when out has failed. */
int tab_emit_erk(const bo_tableau *t, sb_buf *out);

/* Emission helpers shared by every family's constants: a local const array
 * `const bo_real name[count] = {BO_C(v0), ...};` with each value written exactly (no newline),
 * and a line `#define name BO_C(v)`. */
void tab_emit_array(sb_buf *out, const char *name, const double *v, size_t count);
void tab_emit_real(sb_buf *out, const char *name, double v);

#endif
