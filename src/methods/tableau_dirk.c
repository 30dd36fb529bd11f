/* The diagonally implicit Runge-Kutta tableaus (family TAB_DIRK, engine kernels/dirk.h): backward
 * Euler, the implicit midpoint rule, Crank-Nicolson, Alexander's L-stable SDIRK2 and SDIRK3,
 * Hairer and Wanner's L-stable SDIRK4 with its embedded order-3 solution, and Kvaerno's ESDIRK
 * 3(2) and 5(4) pairs. A is lower triangular with one nonzero diagonal value gamma for every
 * implicit stage (the engine factors c*I - J once per step for all of them); a zero diagonal is
 * allowed only in the first row (an explicit first stage). The order conditions of every table
 * are checked in tests/unit/test_tableau_dirk.c.
 *
 * Rational coefficients are written as divisions; irrational ones as 40-digit decimals of their
 * closed forms, or with every digit the source prints. */
#include "tableau.h"

/* clang-format off */

/* gamma of Alexander's SDIRK3 and of Kvaerno's ESDIRK 3(2): the root in (1/6, 1/2) of
 * x^3 - 3x^2 + 3x/2 - 1/6 = 0, which makes the 3-stage, order-3 method L-stable (R. Alexander,
 * SIAM J. Numer. Anal. 14 (1977) 1006-1021). */
#define DIRK_G3 0.4358665215084589994160194511935568425293

/* ---- Backward Euler: y_new = y + dt f(t + dt, y_new). Order 1, L-stable, no estimate. --- */
static const double backward_euler_a[1] = {1.0};
static const double backward_euler_b[1] = {1.0};
static const double backward_euler_c[1] = {1.0};
static const char *const backward_euler_aliases[] = {"implicit_euler", "beuler", NULL};

/* ---- Implicit midpoint rule: the 1-stage Gauss method. Order 2, A-stable (not L-stable), not
 * stiffly accurate, no estimate (Hairer, Norsett & Wanner I, II.7, Table 7.1). -------------- */
static const double implicit_midpoint_a[1] = {1.0 / 2.0};
static const double implicit_midpoint_b[1] = {1.0};
static const double implicit_midpoint_c[1] = {1.0 / 2.0};
static const char *const implicit_midpoint_aliases[] = {"midpoint_implicit", NULL};

/* ---- Crank-Nicolson (the trapezoidal rule) as a 2-stage ESDIRK: J. Crank, P. Nicolson, Proc.
 * Camb. Phil. Soc. 43 (1947) 50-67. Stage 1 is f(t, y) (FSAL: the previous step's last
 * stage), stage 2 is y_new. Order 2, A-stable, not L-stable.
 * Embedded estimate: b_hat = (0, 1), i.e. y + dt f(t + dt, y_new), backward Euler with its
 * implicit stage replaced by the trapezoidal solution (first order). The estimate
 * dt/2 (f(t, y) - f(t + dt, y_new)) costs nothing, since both derivatives are the method's
 * own stages; a true second backward-Euler solve (as cubie does) would need a second
 * factorisation of I/dt - J per step. It measures the error of the first-order solution, so
 * it overestimates the trapezoidal error (O(dt^2) against O(dt^3)) and the controller uses
 * error_order 1: steps are conservative, never too long. docs/implicit.md says more. ---- */
static const double crank_nicolson_a[4] = {
    0.0,       0.0,
    1.0 / 2.0, 1.0 / 2.0,
};
static const double crank_nicolson_b[2] = {1.0 / 2.0, 1.0 / 2.0};
static const double crank_nicolson_bhat[2] = {0.0, 1.0};
static const double crank_nicolson_c[2] = {0.0, 1.0};
static const char *const crank_nicolson_aliases[] = {"trapezoidal", "trapezoid", "cn", NULL};

/* ---- SDIRK2: R. Alexander, "Diagonally implicit Runge-Kutta methods for stiff O.D.E.'s",
 * SIAM J. Numer. Anal. 14 (1977) 1006-1021, the 2-stage method with gamma = 1 - 1/sqrt(2):
 * order 2, L-stable, stiffly accurate. No embedded solution. ------------------------------ */
#define DIRK_G2 0.2928932188134524755991556378951509607152
static const double sdirk2_a[4] = {
    DIRK_G2,       0.0,
    1.0 - DIRK_G2, DIRK_G2,
};
static const double sdirk2_b[2] = {1.0 - DIRK_G2, DIRK_G2};
static const double sdirk2_c[2] = {DIRK_G2, 1.0};
static const char *const sdirk2_aliases[] = {"sdirk22", "alexander2", NULL};

/* ---- SDIRK3: Alexander (1977), the 3-stage L-stable method of order 3:
 * c_2 = (1 + gamma)/2, a_21 = (1 - gamma)/2, b_1 = -(6 gamma^2 - 16 gamma + 1)/4,
 * b_2 = (6 gamma^2 - 20 gamma + 5)/4, b_3 = gamma. Stiffly accurate, no embedded solution. */
#define S3_A21 0.2820667392457705002919902744032215787354
#define S3_B1 1.208496649176010070336477684063323111495
#define S3_B2 -0.6443631706844690697524971352568799540247
static const double sdirk3_a[9] = {
    DIRK_G3, 0.0,   0.0,
    S3_A21,  DIRK_G3, 0.0,
    S3_B1,   S3_B2,   DIRK_G3,
};
static const double sdirk3_b[3] = {S3_B1, S3_B2, DIRK_G3};
static const double sdirk3_c[3] = {DIRK_G3, 0.7179332607542294997080097255967784212646, 1.0};
static const char *const sdirk3_aliases[] = {"l_stable_dirk3", "alexander3", NULL};

/* ---- SDIRK4: E. Hairer, G. Wanner, Solving ODEs II, 2nd ed. (1996), IV.6, Table 6.5: the
 * 5-stage L-stable, stiffly accurate method of order 4 with gamma = 1/4 and its embedded
 * third-order solution b_hat (the code SDIRK4's first method). ---------------------------- */
static const double sdirk4_a[25] = {
    1.0 / 4.0,      0.0,             0.0,          0.0,          0.0,
    1.0 / 2.0,      1.0 / 4.0,       0.0,          0.0,          0.0,
    17.0 / 50.0,    -1.0 / 25.0,     1.0 / 4.0,    0.0,          0.0,
    371.0 / 1360.0, -137.0 / 2720.0, 15.0 / 544.0, 1.0 / 4.0,    0.0,
    25.0 / 24.0,    -49.0 / 48.0,    125.0 / 16.0, -85.0 / 12.0, 1.0 / 4.0,
};
static const double sdirk4_b[5] = {25.0 / 24.0, -49.0 / 48.0, 125.0 / 16.0, -85.0 / 12.0,
                                   1.0 / 4.0};
static const double sdirk4_bhat[5] = {59.0 / 48.0, -17.0 / 96.0, 225.0 / 32.0, -85.0 / 12.0,
                                      0.0};
static const double sdirk4_c[5] = {1.0 / 4.0, 3.0 / 4.0, 11.0 / 20.0, 1.0 / 2.0, 1.0};
static const char *const sdirk4_aliases[] = {"l_stable_sdirk4", "hairer_wanner_sdirk4", NULL};

/* ---- Kvaerno 3(2): A. Kvaerno, "Singly diagonally implicit Runge-Kutta methods with an
 * explicit first stage", BIT 44 (2004) 489-502, the 4-stage ESDIRK of order 3 with embedded
 * order 2, gamma = DIRK_G3 (L-stable); both solutions stiffly accurate (b = row 4,
 * b_hat = row 3, c_3 = c_4 = 1). The coefficients are the closed forms in gamma
 *   a_31 = (-4g^2 + 6g - 1)/(4g), a_32 = (1 - 2g)/(4g),
 *   a_41 = (6g - 1)/(12g), a_42 = -1/((24g - 12) g), a_43 = (-6g^2 + 6g - 1)/(6g - 3),
 * evaluated to 40 digits; the paper prints them to 15 digits with gamma = 0.4358665215, which
 * tests/unit/test_tableau_dirk.c compares to 1e-10. ---------------------------------------- */
#define K3_A31 0.4905633884217805706284679584665446902307
#define K3_A32 0.07357009006976042995551259033989846723997
#define K3_A41 0.30880996997674652334816246988670051092
#define K3_A42 1.490563388421780570628467958466544690231
#define K3_A43 -1.23523987990698609339264987954680204368
static const double kvaerno3_a[16] = {
    0.0,     0.0,     0.0,     0.0,
    DIRK_G3, DIRK_G3, 0.0,     0.0,
    K3_A31,  K3_A32,  DIRK_G3, 0.0,
    K3_A41,  K3_A42,  K3_A43,  DIRK_G3,
};
static const double kvaerno3_b[4] = {K3_A41, K3_A42, K3_A43, DIRK_G3};
static const double kvaerno3_bhat[4] = {K3_A31, K3_A32, DIRK_G3, 0.0};
static const double kvaerno3_c[4] = {0.0, 2.0 * DIRK_G3, 1.0, 1.0};
static const char *const kvaerno3_aliases[] = {"esdirk32", "kvaerno32", NULL};

/* ---- Kvaerno 5(4): Kvaerno (2004), the 7-stage ESDIRK of order 5 with embedded order 4,
 * gamma = 0.26, L-stable; both solutions stiffly accurate (b = row 7, b_hat = row 6,
 * c_6 = c_7 = 1). Coefficients with the 17 digits the paper prints. ----------------------- */
#define K5_G 0.26
static const double kvaerno5_a[49] = {
    0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    K5_G, K5_G, 0.0, 0.0, 0.0, 0.0, 0.0,
    0.13, 0.84033320996790809, K5_G, 0.0, 0.0, 0.0, 0.0,
    0.22371961478320505, 0.47675532319799699, -0.06470895363112615, K5_G, 0.0, 0.0, 0.0,
    0.16648564323248321, 0.10450018841591720, 0.03631482272098715, -0.13090704451073998, K5_G,
        0.0, 0.0,
    0.13855640231268224, 0.0, -0.04245337201752043, 0.02446657898003141, 0.61943039072480676,
        K5_G, 0.0,
    0.13659751177640291, 0.0, -0.05496908796538376, -0.04118626728321046, 0.62993304899016403,
        0.06962479448202728, K5_G,
};
static const double kvaerno5_b[7] = {
    0.13659751177640291, 0.0, -0.05496908796538376, -0.04118626728321046, 0.62993304899016403,
    0.06962479448202728, K5_G,
};
static const double kvaerno5_bhat[7] = {
    0.13855640231268224, 0.0, -0.04245337201752043, 0.02446657898003141, 0.61943039072480676,
    K5_G, 0.0,
};
/* c_i = the row sums of A (the paper prints them to 16 digits). */
static const double kvaerno5_c[7] = {
    0.0,
    0.52,
    0.13 + 0.84033320996790809 + K5_G,
    0.22371961478320505 + 0.47675532319799699 - 0.06470895363112615 + K5_G,
    0.16648564323248321 + 0.10450018841591720 + 0.03631482272098715 - 0.13090704451073998 + K5_G,
    1.0,
    1.0,
};
static const char *const kvaerno5_aliases[] = {"esdirk54", "kvaerno54", NULL};

/* clang-format on */

/* error_order: min(p, q) of the pair, 0 without one (see tableau.c). */
#define DIRK_DEFINE(id, s, has_hat, p, q, fsal_, cite)                                             \
    const bo_tableau bo_tableau_##id = {#id,                                                       \
                                        id##_aliases,                                              \
                                        s,                                                         \
                                        id##_a,                                                    \
                                        id##_b,                                                    \
                                        has_hat,                                                   \
                                        id##_c,                                                    \
                                        p,                                                         \
                                        q,                                                         \
                                        fsal_,                                                     \
                                        cite,                                                      \
                                        NULL,                                                      \
                                        (has_hat) == NULL ? 0 : ((p) < (q) ? (p) : (q)),           \
                                        TAB_DIRK,                                                  \
                                        NULL}

DIRK_DEFINE(backward_euler, 1, NULL, 1, 0, 1,
            "L. Euler, Institutiones calculi integralis (1768); implicit form");
DIRK_DEFINE(implicit_midpoint, 1, NULL, 2, 0, 0,
            "Hairer, Norsett & Wanner, Solving ODEs I, 2nd ed. (1993), II.7 (1-stage Gauss)");
DIRK_DEFINE(crank_nicolson, 2, crank_nicolson_bhat, 2, 1, 1,
            "J. Crank, P. Nicolson, Proc. Camb. Phil. Soc. 43 (1947) 50-67");
DIRK_DEFINE(sdirk2, 2, NULL, 2, 0, 1, "R. Alexander, SIAM J. Numer. Anal. 14 (1977) 1006-1021");
DIRK_DEFINE(sdirk3, 3, NULL, 3, 0, 1, "R. Alexander, SIAM J. Numer. Anal. 14 (1977) 1006-1021");
DIRK_DEFINE(sdirk4, 5, sdirk4_bhat, 4, 3, 1,
            "E. Hairer, G. Wanner, Solving ODEs II, 2nd ed. (1996), IV.6, Table 6.5");
DIRK_DEFINE(kvaerno3, 4, kvaerno3_bhat, 3, 2, 1, "A. Kvaerno, BIT 44 (2004) 489-502, ESDIRK 3(2)");
DIRK_DEFINE(kvaerno5, 7, kvaerno5_bhat, 5, 4, 1, "A. Kvaerno, BIT 44 (2004) 489-502, ESDIRK 5(4)");
