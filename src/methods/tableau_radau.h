/* The fully implicit Runge-Kutta family (TAB_FIRK): the coefficients Radau IIA's step engine
 * (kernels/radau.h) needs beyond the Butcher tableau, kept in bo_tableau.family_data, and
 * their emission as compile-time constants. Internal to the library (prefix tab_). */
#ifndef BO_TABLEAU_RADAU_H
#define BO_TABLEAU_RADAU_H

#include "tableau.h"

/* RADAU5's transformation of the stage system (Hairer & Wanner, Solving ODEs II, 2nd ed.,
 * IV.8): T^{-1} A^{-1} T = [[gamma, 0, 0], [0, alpha, -beta], [0, beta, alpha]], so the
 * simplified Newton iteration splits into one real system with (gamma/dt) I - J and one
 * complex system with ((alpha + i beta)/dt) I - J. */
typedef struct {
    double t[9];     /* T, row-major (its columns: real eigenvector, Re and Im of a complex one) */
    double t_inv[9]; /* T^{-1}, row-major */
    double gamma;    /* the real eigenvalue of A^{-1} */
    double alpha;    /* the complex pair of eigenvalues of A^{-1}: alpha +- i beta */
    double beta;
    /* Weights of the stage increments in the error estimate, divided by gamma0 = 1/gamma:
     * err = ((gamma/dt) I - J)^{-1} (f(t, y) + sum_i e_i z_i / dt) (radau5.f's DD1..DD3). */
    double e[3];
} tab_radau_data;

/* Append the device-side constants of a TAB_FIRK tableau for kernels/radau.h:
 * BO_RADAU_C1, BO_RADAU_C2 (c3 = 1), BO_RADAU_GAMMA, BO_RADAU_ALPHA, BO_RADAU_BETA,
 * BO_RADAU_Tij and BO_RADAU_TIij (i, j = 1..3) and BO_RADAU_E1..E3, every one written exactly
 * as BO_C(%.17g). Returns BO_OK, BO_ERR_INVALID_ARG when t or out is NULL or t is not a
 * three-stage TAB_FIRK tableau with family_data, or BO_ERR_NOMEM when out has failed. */
int tab_emit_radau(const bo_tableau *t, sb_buf *out);

#endif
