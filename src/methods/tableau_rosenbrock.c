/* The Rosenbrock methods (family TAB_ROSENBROCK): coefficients in Hairer & Wanner's
 * transformed form (src/methods/tableau_rosenbrock.h), cited beside each table, the structural
 * properties the engine exploits (FSAL, stiff accuracy), and the emission of one method as
 * compile-time constants for kernels/rosenbrock.h.
 *
 * tests/unit/test_rosenbrock_tableau.c converts every table back to the classical form
 * (alpha_ij, gamma_ij, b_i) and checks the order conditions of Hairer & Wanner II, VI.7,
 * Table 7.1 for m and mhat, the nodes alpha_i and the weights gamma_i; for Rosenbrock23 it also
 * converts Shampine & Reichelt's own formulation to this one. */
#include "tableau_rosenbrock.h"

/* clang-format off */

/* ---- Rosenbrock23: L.F. Shampine, M.W. Reichelt, "The MATLAB ODE suite", SIAM J. Sci.
 * Comput. 18(1) (1997) 1-22, Section 3.1 (ode23s). The paper's scheme, with d = 1/(2 + sqrt2),
 * e32 = 6 + sqrt2, W = I - h d J, T = df/dt:
 *   k1 = W^-1 (F0 + h d T),                 F0 = f(t, y)
 *   k2 = W^-1 (F1 - k1) + k1,               F1 = f(t + h/2, y + h/2 k1)
 *   y_new = y + h k2
 *   k3 = W^-1 (F2 - e32 (k2 - F1) - 2 (k1 - F0) + h d T),   F2 = f(t + h, y_new)
 *   error = h/6 (k1 - 2 k2 + k3),
 * With the exact Jacobian (W^-1 applied to the stage relations) this is the classical
 * Rosenbrock method with gamma = d, alpha_21 = 1/2, alpha_32 = 1, gamma_21 = -d,
 * gamma_31 = (e32 - 2) d, gamma_32 = -e32 d, b = (0, 1, 0) and the third-order
 * bhat = (1/6, 4/6, 1/6), whose difference is the paper's estimate. In the transformed form
 * (A = alpha Gamma^-1, C = diag(1/gamma) - Gamma^-1, m = b Gamma^-1, 1/d = 2 + sqrt2):
 *   a21 = (2 + sqrt2)/2, a31 = a32 = 2 + sqrt2, c21 = -(2 + sqrt2), c31 = -2 (2 + sqrt2),
 *   c32 = -(6 + sqrt2)(2 + sqrt2), m = (1, 1, 0)(2 + sqrt2),
 *   mhat = (7, 10 + sqrt2, 1)(2 + sqrt2)/6, gamma_i = (d, 0, -d).
 * The third stage's input equals y_new (FSAL): F2 is the next step's F0. The method is
 * L-stable and of order 2 (3 for the estimate's reference). ------------------------------- */
#define R23_SQRT2 1.41421356237309504880168872420969808
#define R23_ID (2.0 + R23_SQRT2) /* 1/d */
static const double rosenbrock23_a[9] = {
    0.0,          0.0,    0.0,
    R23_ID / 2.0, 0.0,    0.0,
    R23_ID,       R23_ID, 0.0,
};
static const double rosenbrock23_cc[9] = {
    0.0,           0.0,                         0.0,
    -R23_ID,       0.0,                         0.0,
    -2.0 * R23_ID, -(6.0 + R23_SQRT2) * R23_ID, 0.0,
};
static const double rosenbrock23_m[3] = {R23_ID, R23_ID, 0.0};
static const double rosenbrock23_mhat[3] = {
    7.0 * R23_ID / 6.0, (10.0 + R23_SQRT2) * R23_ID / 6.0, R23_ID / 6.0,
};
static const double rosenbrock23_alpha[3] = {0.0, 0.5, 1.0};
static const double rosenbrock23_gi[3] = {1.0 / R23_ID, 0.0, -1.0 / R23_ID};
static const char *const rosenbrock23_aliases[] = {"ode23s", "rosenbrock_23", NULL};
static const tab_rosenbrock rosenbrock23_data = {1.0 / R23_ID, rosenbrock23_cc, rosenbrock23_gi};

/* ---- ROS3P: J. Lang, J.G. Verwer, "ROS3P - an accurate third-order Rosenbrock solver
 * designed for parabolic problems", BIT 41(4) (2001) 731-738, in the transformed form.
 * gamma = 1/2 + sqrt3/6, so 1/gamma = 3 - sqrt3; a, c and m are written exactly in sqrt3,
 * mhat and gamma_i with the 16 digits printed for them. Order 3 also on the Prothero-Robinson problem and on parabolic problems (the
 * design goal); the embedded solution has order 2. Three stages, A-stable, not L-stable. --- */
#define ROS3P_SQRT3 1.73205080756887729352744634150587237
#define ROS3P_IG (3.0 - ROS3P_SQRT3) /* 1/gamma */
static const double ros3p_a[9] = {
    0.0,      0.0, 0.0,
    ROS3P_IG, 0.0, 0.0,
    ROS3P_IG, 0.0, 0.0,
};
static const double ros3p_cc[9] = {
    0.0,                0.0,          0.0,
    -ROS3P_IG * ROS3P_IG, 0.0,        0.0,
    -2.0 * ROS3P_SQRT3, -ROS3P_SQRT3, 0.0,
};
static const double ros3p_m[3] = {2.0, ROS3P_SQRT3 / 3.0, 1.0 - ROS3P_SQRT3 / 3.0};
static const double ros3p_mhat[3] = {2.113248654051871, 1.0, 0.4226497308103742};
static const double ros3p_alpha[3] = {0.0, 1.0, 1.0};
static const double ros3p_gi[3] = {0.7886751345948129, -0.2113248654051871, -1.077350269189626};
static const char *const ros3p_aliases[] = {"rosenbrock", NULL};
static const tab_rosenbrock ros3p_data = {0.5 + ROS3P_SQRT3 / 6.0, ros3p_cc, ros3p_gi};

/* ---- Rodas4: E. Hairer, G. Wanner, Solving Ordinary Differential Equations II, 2nd ed.,
 * Springer (1996), VI.4 (method RODAS), with the 16 digits of Hairer's code rodas.f
 * (METH = 1). Six stages, order 4, embedded order 3, L-stable and stiffly accurate: stage 5 is
 * evaluated at the embedded solution's point, stage 6's input is y + sum a_5j u_j + u_5, and
 * y_new = (stage 6 input) + u_6 with u_6 as the error estimate (so a_6j = mhat_j, and m adds
 * the last u). --------------------------------------------------------------------------- */
#define RD4_A51 1.221224509226641
#define RD4_A52 6.019134481288629
#define RD4_A53 12.53708332932087
#define RD4_A54 -0.6878860361058950
static const double rodas4_a[36] = {
    0.0,                0.0,                0.0,                0.0,     0.0, 0.0,
    1.544,              0.0,                0.0,                0.0,     0.0, 0.0,
    0.9466785280815826, 0.2557011698983284, 0.0,                0.0,     0.0, 0.0,
    3.314825187068521,  2.896124015972201,  0.9986419139977817, 0.0,     0.0, 0.0,
    RD4_A51,            RD4_A52,            RD4_A53,            RD4_A54, 0.0, 0.0,
    RD4_A51,            RD4_A52,            RD4_A53,            RD4_A54, 1.0, 0.0,
};
static const double rodas4_cc[36] = {
    0.0,                 0.0,                0.0,                0.0,               0.0,  0.0,
    -5.6688,             0.0,                0.0,                0.0,               0.0,  0.0,
    -2.430093356833875,  -0.2063599157091915, 0.0,               0.0,               0.0,  0.0,
    -0.1073529058151375, -9.594562251023355, -20.47028614809616, 0.0,               0.0,  0.0,
    7.496443313967647,   -10.24680431464352, -33.99990352819905, 11.70890893206160, 0.0,  0.0,
    8.083246795921522,   -7.981132988064893, -31.52159432874371, 16.31930543123136,
    -6.058818238834054,  0.0,
};
static const double rodas4_m[6] = {RD4_A51, RD4_A52, RD4_A53, RD4_A54, 1.0, 1.0};
static const double rodas4_mhat[6] = {RD4_A51, RD4_A52, RD4_A53, RD4_A54, 1.0, 0.0};
static const double rodas4_alpha[6] = {0.0, 0.386, 0.21, 0.63, 1.0, 1.0};
static const double rodas4_gi[6] = {0.25, -0.1043, 0.1035, -0.3620000000000023e-01, 0.0, 0.0};
static const char *const rodas4_aliases[] = {"rodas", NULL};
static const tab_rosenbrock rodas4_data = {0.25, rodas4_cc, rodas4_gi};

/* ---- Rodas5P: G. Steinebach, "Construction of Rosenbrock-Wanner method Rodas5P and
 * numerical benchmarks within the Julia Differential Equations package", BIT Numer. Math. 63
 * (2023) 27, coefficients as published with the method (17 digits). Eight stages, order 5,
 * embedded order 4, stiffly accurate like Rodas4: the inputs of stages 7 and 8 add u_6 and u_7
 * to stage 6's, y_new = (stage 8 input) + u_8 and u_8 is the estimate. Designed to keep its
 * order on the Prothero-Robinson problem and on index-1 DAEs. -------------------------------- */
#define RD5_A61 -7.502846399306121
#define RD5_A62 2.561846144803919
#define RD5_A63 -11.627539656261098
#define RD5_A64 -0.18268767659942256
#define RD5_A65 0.030198172008377946
#define RD5_GAMMA 0.21193756319429014
static const double rodas5p_a[64] = {
    0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    3.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    2.849394379747939, 0.45842242204463923, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    -6.954028509809101, 2.489845061869568, -10.358996098473584, 0.0, 0.0, 0.0, 0.0, 0.0,
    2.8029986275628964, 0.5072464736228206, -0.3988312541770524, -0.04721187230404641, 0.0, 0.0,
    0.0, 0.0,
    RD5_A61, RD5_A62, RD5_A63, RD5_A64, RD5_A65, 0.0, 0.0, 0.0,
    RD5_A61, RD5_A62, RD5_A63, RD5_A64, RD5_A65, 1.0, 0.0, 0.0,
    RD5_A61, RD5_A62, RD5_A63, RD5_A64, RD5_A65, 1.0, 1.0, 0.0,
};
static const double rodas5p_cc[64] = {
    /* row 1 */ 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    /* row 2 */ -14.155112264123755, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    /* row 3 */ -17.97296035885952, -2.859693295451294, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    /* row 4 */ 147.12150275711716, -1.41221402718213, 71.68940251302358, 0.0, 0.0, 0.0, 0.0,
                0.0,
    /* row 5 */ 165.43517024871676, -0.4592823456491126, 42.90938336958603, -5.961986721573306,
                0.0, 0.0, 0.0, 0.0,
    /* row 6 */ 24.854864614690072, -3.0009227002832186, 47.4931110020768, 5.5814197821558125,
                -0.6610691825249471, 0.0, 0.0, 0.0,
    /* row 7 */ 30.91273214028599, -3.1208243349937974, 77.79954646070892, 34.28646028294783,
                -19.097331116725623, -28.087943162872662, 0.0, 0.0,
    /* row 8 */ 37.80277123390563, -3.2571969029072276, 112.26918849496327, 66.9347231244047,
                -40.06618937091002, -54.66780262877968, -9.48861652309627, 0.0,
};
static const double rodas5p_m[8] = {RD5_A61, RD5_A62, RD5_A63, RD5_A64, RD5_A65, 1.0, 1.0, 1.0};
static const double rodas5p_mhat[8] = {
    RD5_A61, RD5_A62, RD5_A63, RD5_A64, RD5_A65, 1.0, 1.0, 0.0,
};
static const double rodas5p_alpha[8] = {
    0.0, 0.6358126895828704, 0.4095798393397535, 0.9769306725060716, 0.4288403609558664, 1.0,
    1.0, 1.0,
};
static const double rodas5p_gi[8] = {
    RD5_GAMMA, -0.42387512638858027, -0.3384627126235924, 1.8046452872882734, 2.325825639765069,
    0.0, 0.0, 0.0,
};
static const char *const rodas5p_aliases[] = {"rodas5", NULL};
static const tab_rosenbrock rodas5p_data = {RD5_GAMMA, rodas5p_cc, rodas5p_gi};

/* clang-format on */

/* error_order: the estimate is of the lower order of the pair, min(p, q). */
#define ROS_DEFINE(id, s, p, q, fsal_, cite)                                                       \
    const bo_tableau bo_tableau_##id = {#id,                                                       \
                                        id##_aliases,                                              \
                                        s,                                                         \
                                        id##_a,                                                    \
                                        id##_m,                                                    \
                                        id##_mhat,                                                 \
                                        id##_alpha,                                                \
                                        p,                                                         \
                                        q,                                                         \
                                        fsal_,                                                     \
                                        cite,                                                      \
                                        NULL,                                                      \
                                        (p) < (q) ? (p) : (q),                                     \
                                        TAB_ROSENBROCK,                                            \
                                        &id##_data}

ROS_DEFINE(rosenbrock23, 3, 2, 3, 1,
           "L.F. Shampine, M.W. Reichelt, SIAM J. Sci. Comput. 18(1) (1997) 1-22 (ode23s)");
ROS_DEFINE(ros3p, 3, 3, 2, 0, "J. Lang, J.G. Verwer, BIT 41(4) (2001) 731-738");
ROS_DEFINE(rodas4, 6, 4, 3, 0,
           "E. Hairer, G. Wanner, Solving ODEs II, 2nd ed. (1996), VI.4; rodas.f");
ROS_DEFINE(rodas5p, 8, 5, 4, 0, "G. Steinebach, BIT Numer. Math. 63 (2023) 27");

const tab_rosenbrock *tab_ros_data(const bo_tableau *t)
{
    if (!t || t->family != TAB_ROSENBROCK)
        return NULL;
    return (const tab_rosenbrock *)t->family_data;
}

int tab_ros_fsal(const bo_tableau *t)
{
    if (!tab_ros_data(t))
        return 0;
    int s = t->stages;
    if (t->b[s - 1] != 0.0 || t->c[s - 1] != 1.0)
        return 0;
    for (int j = 0; j < s - 1; ++j)
        if (t->a[(s - 1) * s + j] != t->b[j])
            return 0;
    return 1;
}

int tab_ros_stiffly_accurate(const bo_tableau *t)
{
    if (!tab_ros_data(t))
        return 0;
    int s = t->stages;
    if (t->b[s - 1] != 1.0 || t->b_hat[s - 1] != 0.0)
        return 0;
    for (int j = 0; j < s - 1; ++j)
        if (t->a[(s - 1) * s + j] != t->b[j] || t->b_hat[j] != t->b[j])
            return 0;
    return 1;
}

size_t tab_ros_stages_size(const bo_tableau *t, size_t n)
{
    return tab_ros_data(t) ? (size_t)t->stages * n : 0;
}

size_t tab_ros_fsal_size(const bo_tableau *t, size_t n)
{
    return tab_ros_fsal(t) ? n : 0;
}

int tab_emit_rosenbrock(const bo_tableau *t, sb_buf *out)
{
    const tab_rosenbrock *r = tab_ros_data(t);
    if (!r || !out || t->stages < 1 || t->stages > 16 || !t->b_hat)
        return BO_ERR_INVALID_ARG;
    size_t s = (size_t)t->stages;
    double e[16];
    for (size_t i = 0; i < s; ++i)
        e[i] = t->b[i] - t->b_hat[i];
    sb_printf(out, "/* Rosenbrock method: %s (order %d, embedded order %d, %zu stages) */\n",
              t->name, t->order, t->embedded_order, s);
    sb_printf(out, "#define BO_ROS_STAGES %zu\n", s);
    sb_printf(out, "#define BO_ROS_ORDER %d\n", t->order);
    sb_printf(out, "#define BO_ROS_FSAL %d\n", tab_ros_fsal(t));
    sb_printf(out, "#define BO_ROS_STIFFLY_ACCURATE %d\n", tab_ros_stiffly_accurate(t));
    sb_append(out, "#define BO_ROS_GAMMA BO_C(");
    sb_double(out, r->gamma);
    sb_append(out, ")\n#define BO_ROS_TABLEAU \\\n    ");
    tab_emit_array(out, "bo_ros_a", t->a, s * s);
    sb_append(out, " \\\n    ");
    tab_emit_array(out, "bo_ros_c", r->c, s * s);
    sb_append(out, " \\\n    ");
    tab_emit_array(out, "bo_ros_m", t->b, s);
    sb_append(out, " \\\n    ");
    tab_emit_array(out, "bo_ros_e", e, s);
    sb_append(out, " \\\n    ");
    tab_emit_array(out, "bo_ros_alpha", t->c, s);
    sb_append(out, " \\\n    ");
    tab_emit_array(out, "bo_ros_gi", r->gamma_i, s);
    sb_append(out, "\n");
    return out->failed ? BO_ERR_NOMEM : BO_OK;
}
