/* Coefficients of the Rosenbrock (linearly implicit) methods in Hairer & Wanner's transformed
 * formulation (Solving ODEs II, 2nd ed., VI.7, eqs. (7.25)-(7.28)), and their emission as
 * compile-time constants for the device engine kernels/rosenbrock.h. With u_i = sum_j
 * gamma_ij k_i (k_i the stages of the classical form (7.4)), one step from (t, y) with step h is
 *
 *   (1/(h gamma) I - J) u_i = f(t + alpha_i h, y + sum_{j<i} a_ij u_j)
 *                             + sum_{j<i} (c_ij / h) u_j + gamma_i h df/dt,
 *   y_new = y + sum_j m_j u_j,   error estimate = sum_j (m_j - mhat_j) u_j,
 *
 * with J = df/dy and df/dt at (t, y). For a bo_tableau of family TAB_ROSENBROCK the generic
 * fields hold this form: a = (a_ij) (s*s, strictly lower), b = m, b_hat = mhat, c = alpha;
 * family_data points to a tab_rosenbrock with the rest. */
#ifndef BO_TABLEAU_ROSENBROCK_H
#define BO_TABLEAU_ROSENBROCK_H

#include "tableau.h"

typedef struct {
    double gamma;          /* the diagonal gamma_ii, the same for every stage */
    const double *c;       /* s*s, strictly lower: c_ij of (7.25) (C = diag(1/gamma) - Gamma^-1) */
    const double *gamma_i; /* s: gamma_i = sum_{j<=i} gamma_ij, the weights of h df/dt */
} tab_rosenbrock;

/* The Rosenbrock coefficients of t; NULL when t is not of family TAB_ROSENBROCK. */
const tab_rosenbrock *tab_ros_data(const bo_tableau *t);

/* 1 when the last stage's input is y_new itself (a_sj = m_j, m_s = 0, alpha_s = 1), so that
 * f(t + h, y_new), evaluated by the last stage, is the next step's first evaluation. */
int tab_ros_fsal(const bo_tableau *t);

/* 1 when y_new = (last stage's input) + u_s and the estimate is u_s alone: a_sj = m_j = mhat_j
 * for j < s, m_s = 1, mhat_s = 0 (the Rodas methods, Hairer & Wanner II, VI.4). */
int tab_ros_stiffly_accurate(const bo_tableau *t);

/* Elements of the buffers the engine registers (owner "algorithm") for n states:
 * rosenbrock_stages (s*n: the u_i), rosenbrock_dfdt (n), rosenbrock_fsal (n for FSAL methods,
 * else 0: not registered). 0 when t is not a Rosenbrock method. */
size_t tab_ros_stages_size(const bo_tableau *t, size_t n);
size_t tab_ros_fsal_size(const bo_tableau *t, size_t n);

/* Append the device definitions of t: BO_ROS_STAGES, BO_ROS_ORDER, BO_ROS_FSAL,
 * BO_ROS_STIFFLY_ACCURATE, BO_ROS_GAMMA and BO_ROS_TABLEAU, which declares the local const
 * arrays bo_ros_a[s*s], bo_ros_c[s*s], bo_ros_m[s], bo_ros_e[s] (m - mhat), bo_ros_alpha[s]
 * and bo_ros_gi[s], every coefficient written exactly. Returns BO_OK, BO_ERR_INVALID_ARG when
 * t is not a Rosenbrock method or out is NULL, or BO_ERR_NOMEM when out has failed. */
int tab_emit_rosenbrock(const bo_tableau *t, sb_buf *out);

#endif
