/* The explicit Runge-Kutta tableaus (one exported constant per method, coefficients from the
 * original papers, cited beside each table), lookup by name, per-method controller defaults,
 * and the emission of a tableau as compile-time constants for kernels/erk.h.
 *
 * Rational coefficients are written as divisions so the compiler rounds them once, exactly;
 * irrational ones are given with every digit their source prints (more than double needs). */
#include "tableau.h"

#include <ctype.h>
#include <string.h>

/* clang-format off */

/* ---- Forward Euler: L. Euler, Institutiones calculi integralis (1768). ------------------ */
static const double euler_a[1] = {0.0};
static const double euler_b[1] = {1.0};
static const double euler_c[1] = {0.0};
static const char *const euler_aliases[] = {"explicit_euler", "forward_euler", NULL};

/* ---- Heun's second-order method (explicit trapezoid): K. Heun, "Neue Methode zur
 * approximativen Integration der Differentialgleichungen einer unabhaengigen
 * Veraenderlichen", Z. Math. Phys. 45 (1900) 23-38. -------------------------------------- */
static const double heun_a[4] = {
    0.0, 0.0,
    1.0, 0.0,
};
static const double heun_b[2] = {1.0 / 2.0, 1.0 / 2.0};
static const double heun_c[2] = {0.0, 1.0};
static const char *const heun_aliases[] = {"heun2", "heun21", NULL};

/* ---- Ralston's third-order method with minimum error bound: A. Ralston, "Runge-Kutta
 * methods with minimum error bounds", Math. Comp. 16 (1962) 431-437, eq. (4.10). ---------- */
static const double ralston_a[9] = {
    0.0,       0.0,       0.0,
    1.0 / 2.0, 0.0,       0.0,
    0.0,       3.0 / 4.0, 0.0,
};
static const double ralston_b[3] = {2.0 / 9.0, 1.0 / 3.0, 4.0 / 9.0};
static const double ralston_c[3] = {0.0, 1.0 / 2.0, 3.0 / 4.0};
static const char *const ralston_aliases[] = {"ralston3", "ralston33", NULL};

/* ---- Classical fourth-order method: W. Kutta, "Beitrag zur naeherungsweisen Integration
 * totaler Differentialgleichungen", Z. Math. Phys. 46 (1901) 435-453. ------------------- */
static const double rk4_a[16] = {
    0.0,       0.0,       0.0, 0.0,
    1.0 / 2.0, 0.0,       0.0, 0.0,
    0.0,       1.0 / 2.0, 0.0, 0.0,
    0.0,       0.0,       1.0, 0.0,
};
static const double rk4_b[4] = {1.0 / 6.0, 1.0 / 3.0, 1.0 / 3.0, 1.0 / 6.0};
static const double rk4_c[4] = {0.0, 1.0 / 2.0, 1.0 / 2.0, 1.0};
static const char *const rk4_aliases[] = {"classical_rk4", "classic_rk4", NULL};

/* ---- Bogacki-Shampine 3(2), FSAL: P. Bogacki, L.F. Shampine, "A 3(2) pair of Runge-Kutta
 * formulas", Appl. Math. Lett. 2(4) (1989) 321-325. -------------------------------------- */
static const double bs3_a[16] = {
    0.0,       0.0,       0.0,       0.0,
    1.0 / 2.0, 0.0,       0.0,       0.0,
    0.0,       3.0 / 4.0, 0.0,       0.0,
    2.0 / 9.0, 1.0 / 3.0, 4.0 / 9.0, 0.0,
};
static const double bs3_b[4] = {2.0 / 9.0, 1.0 / 3.0, 4.0 / 9.0, 0.0};
static const double bs3_bhat[4] = {7.0 / 24.0, 1.0 / 4.0, 1.0 / 3.0, 1.0 / 8.0};
static const double bs3_c[4] = {0.0, 1.0 / 2.0, 3.0 / 4.0, 1.0};
static const char *const bs3_aliases[] = {"rk23", "ode23", "bogacki_shampine", NULL};

/* ---- Dormand-Prince 5(4), FSAL: J.R. Dormand, P.J. Prince, "A family of embedded
 * Runge-Kutta formulae", J. Comput. Appl. Math. 6(1) (1980) 19-26, Table 2 (RK5(4)7M). --- */
static const double dp5_a[49] = {
    /* row 1 */ 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    /* row 2 */ 1.0 / 5.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    /* row 3 */ 3.0 / 40.0, 9.0 / 40.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    /* row 4 */ 44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0, 0.0, 0.0, 0.0, 0.0,
    /* row 5 */ 19372.0 / 6561.0, -25360.0 / 2187.0, 64448.0 / 6561.0, -212.0 / 729.0, 0.0,
                0.0, 0.0,
    /* row 6 */ 9017.0 / 3168.0, -355.0 / 33.0, 46732.0 / 5247.0, 49.0 / 176.0,
                -5103.0 / 18656.0, 0.0, 0.0,
    /* row 7 */ 35.0 / 384.0, 0.0, 500.0 / 1113.0, 125.0 / 192.0, -2187.0 / 6784.0, 11.0 / 84.0,
                0.0,
};
static const double dp5_b[7] = {
    35.0 / 384.0, 0.0, 500.0 / 1113.0, 125.0 / 192.0, -2187.0 / 6784.0, 11.0 / 84.0, 0.0,
};
static const double dp5_bhat[7] = {
    5179.0 / 57600.0, 0.0, 7571.0 / 16695.0, 393.0 / 640.0, -92097.0 / 339200.0,
    187.0 / 2100.0, 1.0 / 40.0,
};
static const double dp5_c[7] = {0.0, 1.0 / 5.0, 3.0 / 10.0, 4.0 / 5.0, 8.0 / 9.0, 1.0, 1.0};
static const char *const dp5_aliases[] = {"rk45", "dopri5", "ode45", "dormand_prince", NULL};

/* ---- Cash-Karp 5(4): J.R. Cash, A.H. Karp, "A variable order Runge-Kutta method for
 * initial value problems with rapidly varying right-hand sides", ACM Trans. Math. Softw.
 * 16(3) (1990) 201-222, Table on p. 206. The fifth-order solution is propagated. ---------- */
static const double cash_karp_a[36] = {
    0.0,                0.0,           0.0,             0.0,                0.0,          0.0,
    1.0 / 5.0,          0.0,           0.0,             0.0,                0.0,          0.0,
    3.0 / 40.0,         9.0 / 40.0,    0.0,             0.0,                0.0,          0.0,
    3.0 / 10.0,         -9.0 / 10.0,   6.0 / 5.0,       0.0,                0.0,          0.0,
    -11.0 / 54.0,       5.0 / 2.0,     -70.0 / 27.0,    35.0 / 27.0,        0.0,          0.0,
    1631.0 / 55296.0,   175.0 / 512.0, 575.0 / 13824.0, 44275.0 / 110592.0, 253.0 / 4096.0, 0.0,
};
static const double cash_karp_b[6] = {
    37.0 / 378.0, 0.0, 250.0 / 621.0, 125.0 / 594.0, 0.0, 512.0 / 1771.0,
};
static const double cash_karp_bhat[6] = {
    2825.0 / 27648.0, 0.0, 18575.0 / 48384.0, 13525.0 / 55296.0, 277.0 / 14336.0, 1.0 / 4.0,
};
static const double cash_karp_c[6] = {0.0, 1.0 / 5.0, 3.0 / 10.0, 3.0 / 5.0, 1.0, 7.0 / 8.0};
static const char *const cash_karp_aliases[] = {"cashkarp", "rkck", "cash_karp54", NULL};

/* ---- Runge-Kutta-Fehlberg 4(5): E. Fehlberg, "Low-order classical Runge-Kutta formulas
 * with stepsize control and their application to some heat transfer problems", NASA
 * Technical Report R-315 (1969), Table III. As Fehlberg intended (and as GSL's rkf45 does)
 * the fourth-order solution is propagated and the fifth-order one only estimates its
 * error. ---------------------------------------------------------------------------------- */
static const double fehlberg45_a[36] = {
    0.0,             0.0,              0.0,              0.0,             0.0,          0.0,
    1.0 / 4.0,       0.0,              0.0,              0.0,             0.0,          0.0,
    3.0 / 32.0,      9.0 / 32.0,       0.0,              0.0,             0.0,          0.0,
    1932.0 / 2197.0, -7200.0 / 2197.0, 7296.0 / 2197.0,  0.0,             0.0,          0.0,
    439.0 / 216.0,   -8.0,             3680.0 / 513.0,   -845.0 / 4104.0, 0.0,          0.0,
    -8.0 / 27.0,     2.0,              -3544.0 / 2565.0, 1859.0 / 4104.0, -11.0 / 40.0, 0.0,
};
static const double fehlberg45_b[6] = {
    25.0 / 216.0, 0.0, 1408.0 / 2565.0, 2197.0 / 4104.0, -1.0 / 5.0, 0.0,
};
static const double fehlberg45_bhat[6] = {
    16.0 / 135.0, 0.0, 6656.0 / 12825.0, 28561.0 / 56430.0, -9.0 / 50.0, 2.0 / 55.0,
};
static const double fehlberg45_c[6] = {
    0.0, 1.0 / 4.0, 3.0 / 8.0, 12.0 / 13.0, 1.0, 1.0 / 2.0,
};
static const char *const fehlberg45_aliases[] = {"rkf45", "fehlberg", NULL};

/* ---- Tsitouras 5(4), FSAL: Ch. Tsitouras, "Runge-Kutta pairs of order 5(4) satisfying
 * only the first column simplifying assumption", Comput. Math. Appl. 62(2) (2011) 770-775,
 * Table 1 (the paper gives 16 significant digits). The paper tabulates the error weights
 * e_i = b_i - bhat_i rather than bhat; printed copies that use those small numbers as bhat
 * itself violate sum(bhat) = 1. bhat = b - e below satisfies every order-4 condition and
 * fails the order-5 ones (tests/unit/test_tableau.c); the sign convention of e is that of
 * OrdinaryDiffEq.jl's btilde, and either sign gives the same error norm. ------------------ */
#define TS_B1 0.09646076681806523
#define TS_B2 0.01
#define TS_B3 0.4798896504144996
#define TS_B4 1.379008574103742
#define TS_B5 -3.290069515436081
#define TS_B6 2.324710524099774
#define TS_E1 -0.00178001105222577714
#define TS_E2 -0.0008164344596567469
#define TS_E3 0.007880878010261995
#define TS_E4 -0.1447110071732629
#define TS_E5 0.5823571654525552
#define TS_E6 -0.45808210592918697
#define TS_E7 (1.0 / 66.0)
static const double tsit5_a[49] = {
    /* row 1 */ 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    /* row 2 */ 0.161, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    /* row 3 */ -0.008480655492356989, 0.335480655492357, 0.0, 0.0, 0.0, 0.0, 0.0,
    /* row 4 */ 2.897153057105493, -6.359448489975075, 4.3622954328695815, 0.0, 0.0, 0.0, 0.0,
    /* row 5 */ 5.325864828439257, -11.748883564062828, 7.4955393428898365,
                -0.09249506636175525, 0.0, 0.0, 0.0,
    /* row 6 */ 5.86145544294642, -12.92096931784711, 8.159367898576159, -0.071584973281401,
                -0.028269050394068383, 0.0, 0.0,
    /* row 7 */ TS_B1, TS_B2, TS_B3, TS_B4, TS_B5, TS_B6, 0.0,
};
static const double tsit5_b[7] = {TS_B1, TS_B2, TS_B3, TS_B4, TS_B5, TS_B6, 0.0};
static const double tsit5_bhat[7] = {
    TS_B1 - TS_E1, TS_B2 - TS_E2, TS_B3 - TS_E3, TS_B4 - TS_E4,
    TS_B5 - TS_E5, TS_B6 - TS_E6, 0.0 - TS_E7,
};
static const double tsit5_c[7] = {0.0, 0.161, 0.327, 0.9, 0.9800255409045097, 1.0, 1.0};
static const char *const tsit5_aliases[] = {"tsitouras5", "tsit54", NULL};

/* ---- Verner 7(6) "most efficient" pair, 10 stages (not FSAL): J.H. Verner, "Numerically
 * optimal Runge-Kutta pairs with interpolants", Numer. Algorithms 53 (2010) 383-396;
 * coefficients from Verner's tables RKV76.IIa Efficient (00001675585.081206), 40 digits.
 * The propagated solution has order 7, the embedded one order 6. ------------------------- */
static const double vern7_a[100] = {
    /* row 1 */ 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    /* row 2 */ 1.0 / 200.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    /* row 3 */ -4361.0 / 4050.0, 2401.0 / 2025.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    /* row 4 */ 49.0 / 1200.0, 0.0, 49.0 / 400.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    /* row 5 */ .6389139236255726780508121615993336109954, 0.0,
                -2.455672638223656809662640566430653894211,
                2.272258714598084131611828404831320283215, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    /* row 6 */ -2.661577375018757131119259297861818119279, 0.0,
                10.80451388645613769565396655365532838482,
                -8.353914657396199411968048547819291691541,
                .8204875949566569791420417341743839209619, 0.0, 0.0, 0.0, 0.0, 0.0,
    /* row 7 */ 6.067741434696770992718360183877276714679, 0.0,
                -24.71127363591108579734203485290746001803,
                20.42751793078889394045773111748346612697,
                -1.906157978816647150624096784352757010879,
                1.006172249242068014790040335899474187268, 0.0, 0.0, 0.0, 0.0,
    /* row 8 */ 12.05467007625320299509109452892778311648, 0.0,
                -49.75478495046898932807257615331444758322,
                41.14288863860467663259698416710157354209,
                -4.461760149974004185641911603484815375051,
                2.042334822239174959821717077708608543738,
                -.9834843665406107379530801693870224403537e-1, 0.0, 0.0, 0.0,
    /* row 9 */ 10.13814652288180787641845141981689030769, 0.0,
                -42.64113603171750214622846006736635730625,
                35.76384003992257007135021178023160054034,
                -4.348022840392907653340370296908245943710,
                2.009862268377035895441943593011827554771,
                .3487490460338272405953822853053145879140,
                -.2714390051048312842371587140910297407572, 0.0, 0.0,
    /* row 10 */ -45.03007203429867712435322405073769635151, 0.0,
                 187.3272437654588840752418206154201997384,
                 -154.0288236935018690596728621034510402582,
                 18.56465306347536233859492332958439136765,
                 -7.141809679295078854925420496823551192821,
                 1.308808578161378625114762706007696696508, 0.0, 0.0, 0.0,
};
static const double vern7_b[10] = {
    .4715561848627222170431765108838175679569e-1, 0.0, 0.0,
    .2575056429843415189596436101037687580986,
    .2621665397741262047713863095764527711129,
    .1521609265673855740323133199165117535523,
    .4939969170032484246907175893227876844296,
    -.2943031171403250441557244744092703429139,
    .8131747232495109999734599440136761892478e-1, 0.0,
};
static const double vern7_bhat[10] = {
    .4460860660634117628731817597479197781432e-1, 0.0, 0.0,
    .2671640378571372680509102260943837899738,
    .2201018300177293019979715776650753096323,
    .2188431703143156830983120833512893824578,
    .2289871705411202883378173889763552365362, 0.0, 0.0,
    .2029518466335628222767054793810430358554e-1,
};
static const double vern7_c[10] = {
    0.0, 1.0 / 200.0, 49.0 / 450.0, 49.0 / 300.0, 911.0 / 2000.0,
    .6095094489978381317087004421486024949638, 221.0 / 250.0, 37.0 / 40.0, 1.0, 1.0,
};
static const char *const vern7_aliases[] = {"verner7", NULL};

/* ---- DOP853: E. Hairer, S.P. Norsett, G. Wanner, Solving Ordinary Differential Equations I,
 * 2nd ed., Springer (1993), Section II.10, and the coefficients of Hairer's code dop853.f
 * (12 stages, order 8, 30 digits). Hairer's code estimates the error from two vectors,
 * err5 = sum(er_i k_i), the error of the fifth-order solution b - er, and
 * err3 = sum((b_i - bhh_i) k_i), bhh being a third-order quadrature on stages 1, 9 and 12
 * (bhh1, bhh2, bhh3 of dop853.f), combined as err5^2 / sqrt(err5^2 + 0.01 err3^2), which
 * behaves like an order-7 estimate (dop853.f: exponent 1/8). The engine forms the
 * component-wise analogue (kernels/erk.h); b_hat = b - er, b_hat3 = bhh. ------------------- */
#define D8_B1 5.42937341165687622380535766363e-2
#define D8_B6 4.45031289275240888144113950566e0
#define D8_B7 1.89151789931450038304281599044e0
#define D8_B8 -5.8012039600105847814672114227e0
#define D8_B9 3.1116436695781989440891606237e-1
#define D8_B10 -1.52160949662516078556178806805e-1
#define D8_B11 2.01365400804030348374776537501e-1
#define D8_B12 4.47106157277725905176885569043e-2
#define D8_ER1 0.1312004499419488073250102996e-01
#define D8_ER6 -0.1225156446376204440720569753e+01
#define D8_ER7 -0.4957589496572501915214079952e+00
#define D8_ER8 0.1664377182454986536961530415e+01
#define D8_ER9 -0.3503288487499736816886487290e+00
#define D8_ER10 0.3341791187130174790297318841e+00
#define D8_ER11 0.8192320648511571246570742613e-01
#define D8_ER12 -0.2235530786388629525884427845e-01
#define D8_BHH1 0.244094488188976377952755905512e+00
#define D8_BHH2 0.733846688281611857341361741547e+00
#define D8_BHH3 0.220588235294117647058823529412e-01
static const double dop853_a[144] = {
    /* row 1 */ 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    /* row 2 */ 5.26001519587677318785587544488e-2, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                0.0, 0.0,
    /* row 3 */ 1.97250569845378994544595329183e-2, 5.91751709536136983633785987549e-2, 0.0, 0.0,
                0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    /* row 4 */ 2.95875854768068491816892993775e-2, 0.0, 8.87627564304205475450678981324e-2, 0.0,
                0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    /* row 5 */ 2.41365134159266685502369798665e-1, 0.0, -8.84549479328286085344864962717e-1,
                9.24834003261792003115737966543e-1, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    /* row 6 */ 1.0 / 27.0, 0.0, 0.0, 1.70828608729473871279604482173e-1,
                1.25467687566822425016691814123e-1, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    /* row 7 */ 19.0 / 512.0, 0.0, 0.0, 1.70252211019544039314978060272e-1,
                6.02165389804559606850219397283e-2, -9.0 / 512.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    /* row 8 */ 3.70920001185047927108779319836e-2, 0.0, 0.0, 1.70383925712239993810214054705e-1,
                1.07262030446373284651809199168e-1, -1.53194377486244017527936158236e-2,
                8.27378916381402288758473766002e-3, 0.0, 0.0, 0.0, 0.0, 0.0,
    /* row 9 */ 6.24110958716075717114429577812e-1, 0.0, 0.0, -3.36089262944694129406857109825e0,
                -8.68219346841726006818189891453e-1, 2.75920996994467083049415600797e1,
                2.01540675504778934086186788979e1, -4.34898841810699588477366255144e1, 0.0, 0.0,
                0.0, 0.0,
    /* row 10 */ 4.77662536438264365890433908527e-1, 0.0, 0.0, -2.48811461997166764192642586468e0,
                 -5.90290826836842996371446475743e-1, 2.12300514481811942347288949897e1,
                 1.52792336328824235832596922938e1, -3.32882109689848629194453265587e1,
                 -2.03312017085086261358222928593e-2, 0.0, 0.0, 0.0,
    /* row 11 */ -9.3714243008598732571704021658e-1, 0.0, 0.0, 5.18637242884406370830023853209e0,
                 1.09143734899672957818500254654e0, -8.14978701074692612513997267357e0,
                 -1.85200656599969598641566180701e1, 2.27394870993505042818970056734e1,
                 2.49360555267965238987089396762e0, -3.0467644718982195003823669022e0, 0.0, 0.0,
    /* row 12 */ 2.27331014751653820792359768449e0, 0.0, 0.0, -1.05344954667372501984066689879e1,
                 -2.00087205822486249909675718444e0, -1.79589318631187989172765950534e1,
                 2.79488845294199600508499808837e1, -2.85899827713502369474065508674e0,
                 -8.87285693353062954433549289258e0, 1.23605671757943030647266201528e1,
                 6.43392746015763530355970484046e-1, 0.0,
};
static const double dop853_b[12] = {
    D8_B1, 0.0, 0.0, 0.0, 0.0, D8_B6, D8_B7, D8_B8, D8_B9, D8_B10, D8_B11, D8_B12,
};
static const double dop853_bhat[12] = {
    D8_B1 - D8_ER1, 0.0, 0.0, 0.0, 0.0, D8_B6 - D8_ER6, D8_B7 - D8_ER7, D8_B8 - D8_ER8,
    D8_B9 - D8_ER9, D8_B10 - D8_ER10, D8_B11 - D8_ER11, D8_B12 - D8_ER12,
};
static const double dop853_bhat3[12] = {
    D8_BHH1, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, D8_BHH2, 0.0, 0.0, D8_BHH3,
};
static const double dop853_c[12] = {
    0.0,
    0.526001519587677318785587544488e-01,
    0.789002279381515978178381316732e-01,
    0.118350341907227396726757197510e+00,
    0.281649658092772603273242802490e+00,
    1.0 / 3.0,
    1.0 / 4.0,
    4.0 / 13.0,
    127.0 / 195.0,
    3.0 / 5.0,
    6.0 / 7.0,
    1.0,
};
static const char *const dop853_aliases[] = {"dopri853", "dormand_prince_853", NULL};

/* clang-format on */

/* error_order: an embedded pair's estimate is of the lower order min(p, q) (Hairer, Norsett &
 * Wanner I, II.4); none without a pair. Only dop853 has a second estimator (b_hat3). */
#define TAB_ERROR_ORDER(has_hat, p, q) ((has_hat) == NULL ? 0 : ((p) < (q) ? (p) : (q)))
/* clang-format off */
#define TAB_DEFINE_FULL(id, s, has_hat, p, q, fsal_, cite, hat3, error_order_)                     \
    const bo_tableau bo_tableau_##id = {#id, id##_aliases, s, id##_a, id##_b, has_hat, id##_c,     \
                                        p, q, fsal_, cite, hat3, error_order_, TAB_ERK, NULL}
/* clang-format on */
#define TAB_DEFINE(id, s, has_hat, p, q, fsal_, cite)                                              \
    TAB_DEFINE_FULL(id, s, has_hat, p, q, fsal_, cite, NULL, TAB_ERROR_ORDER(has_hat, p, q))

TAB_DEFINE(euler, 1, NULL, 1, 0, 0, "L. Euler, Institutiones calculi integralis (1768)");
TAB_DEFINE(heun, 2, NULL, 2, 0, 0, "K. Heun, Z. Math. Phys. 45 (1900) 23-38");
TAB_DEFINE(ralston, 3, NULL, 3, 0, 0, "A. Ralston, Math. Comp. 16 (1962) 431-437");
TAB_DEFINE(rk4, 4, NULL, 4, 0, 0, "W. Kutta, Z. Math. Phys. 46 (1901) 435-453");
TAB_DEFINE(bs3, 4, bs3_bhat, 3, 2, 1,
           "P. Bogacki, L.F. Shampine, Appl. Math. Lett. 2(4) (1989) 321-325");
TAB_DEFINE(dp5, 7, dp5_bhat, 5, 4, 1,
           "J.R. Dormand, P.J. Prince, J. Comput. Appl. Math. 6(1) (1980) 19-26");
TAB_DEFINE(cash_karp, 6, cash_karp_bhat, 5, 4, 0,
           "J.R. Cash, A.H. Karp, ACM Trans. Math. Softw. 16(3) (1990) 201-222");
TAB_DEFINE(fehlberg45, 6, fehlberg45_bhat, 4, 5, 0, "E. Fehlberg, NASA TR R-315 (1969)");
TAB_DEFINE(tsit5, 7, tsit5_bhat, 5, 4, 1,
           "Ch. Tsitouras, Comput. Math. Appl. 62(2) (2011) 770-775");
TAB_DEFINE(vern7, 10, vern7_bhat, 7, 6, 0,
           "J.H. Verner, Numer. Algorithms 53 (2010) 383-396 (RKV76.IIa efficient)");
/* dop853 carries the third-order weights, and its combined estimate behaves like order 7:
 * err5^2 / (0.1 err3) ~ dt^12 / dt^4 = dt^8 (dop853.f uses the exponent 1/8). */
TAB_DEFINE_FULL(dop853, 12, dop853_bhat, 8, 5, 0,
                "E. Hairer, S.P. Norsett, G. Wanner, Solving ODEs I, 2nd ed. (1993), II.10; "
                "dop853.f",
                dop853_bhat3, 7);

static const bo_tableau *const all_tableaus[] = {
    &bo_tableau_euler, &bo_tableau_heun, &bo_tableau_ralston, &bo_tableau_rk4, &bo_tableau_bs3,
    &bo_tableau_fehlberg45, &bo_tableau_dp5, &bo_tableau_cash_karp, &bo_tableau_tsit5,
    &bo_tableau_vern7, &bo_tableau_dop853,
    /* diagonally implicit (tableau_dirk.c) */
    &bo_tableau_backward_euler, &bo_tableau_implicit_midpoint, &bo_tableau_crank_nicolson,
    &bo_tableau_sdirk2, &bo_tableau_sdirk3, &bo_tableau_sdirk4, &bo_tableau_kvaerno3,
    &bo_tableau_kvaerno5,
    /* fully implicit (tableau_radau.c) */
    &bo_tableau_radau5,
    /* Rosenbrock (tableau_rosenbrock.c) */
    &bo_tableau_rosenbrock23, &bo_tableau_ros3p, &bo_tableau_rodas4, &bo_tableau_rodas5p};

/* Names match ignoring ASCII case, with '-' and '_' interchangeable, so "Cash-Karp" and
 * "cash_karp" are one name. */
static int name_equal(const char *a, const char *b)
{
    for (;; ++a, ++b) {
        int ca = tolower((unsigned char)*a), cb = tolower((unsigned char)*b);
        if (ca == '-')
            ca = '_';
        if (cb == '-')
            cb = '_';
        if (ca != cb)
            return 0;
        if (ca == '\0')
            return 1;
    }
}

const bo_tableau *tab_find(const char *name)
{
    if (!name)
        return NULL;
    size_t count = sizeof all_tableaus / sizeof all_tableaus[0];
    for (size_t i = 0; i < count; ++i) {
        const bo_tableau *t = all_tableaus[i];
        if (name_equal(name, t->name))
            return t;
        for (const char *const *al = t->aliases; al && *al; ++al) {
            if (name_equal(name, *al))
                return t;
        }
    }
    return NULL;
}

const bo_tableau *const *tab_list(size_t *count)
{
    if (count)
        *count = sizeof all_tableaus / sizeof all_tableaus[0];
    return all_tableaus;
}

int tab_has_error_estimate(const bo_tableau *t)
{
    return t && (t->b_hat != NULL || t->error_order > 0);
}

int tab_is_implicit(const bo_tableau *t)
{
    return t && t->family != TAB_ERK;
}

tab_controller_defaults tab_default_controller(const bo_tableau *t)
{
    tab_controller_defaults d;
    d.controller = tab_has_error_estimate(t) ? "pi" : "fixed";
    if (tab_has_error_estimate(t) && (t->family == TAB_DIRK || t->family == TAB_FIRK))
        d.controller = "gustafsson";
    d.algorithm_order = 0;
    if (t)
        d.algorithm_order = tab_has_error_estimate(t) ? t->error_order : t->order;
    d.kp = 0.7;
    d.ki = -0.4;
    d.min_gain = 0.2;
    d.max_gain = 10.0;
    d.safety = 0.9;
    d.deadband_min = 1.0;
    d.deadband_max = 1.0;
    return d;
}

size_t tab_erk_stage_rhs_size(const bo_tableau *t, size_t n)
{
    return (t && t->stages > 1) ? n : 0;
}

size_t tab_erk_stage_accumulator_size(const bo_tableau *t, size_t n)
{
    return (t && t->stages > 1) ? (size_t)(t->stages - 1) * n : 0;
}

void tab_emit_array(sb_buf *out, const char *name, const double *v, size_t count)
{
    sb_printf(out, "const bo_real %s[%zu] = {", name, count);
    for (size_t i = 0; i < count; ++i) {
        sb_append(out, i ? ", BO_C(" : "BO_C(");
        sb_double(out, v[i]);
        sb_putc(out, ')');
    }
    sb_append(out, "};");
}

void tab_emit_real(sb_buf *out, const char *name, double v)
{
    sb_printf(out, "#define %s BO_C(", name);
    sb_double(out, v);
    sb_append(out, ")\n");
}

/* v[0..count) as scale * w with scale the first nonzero v_j (its index in *pivot) and
 * w_j = v_j / scale, so w_pivot = 1 -- when every v_j is exactly w_j * scale in float and in
 * double, so that no coefficient changes (every one-term sum; sums such as RK4's
 * b = (1, 2, 2, 1)/6).
 * Otherwise w = v and scale = 1: the sum keeps the coefficients as they are (rescaling them
 * would round each one anew, and at a tolerance near the precision's rounding that moves an
 * adaptive run's steps). All zero: scale 0, w all zero, pivot = count (never reached by a
 * stage index that reads v). */
static void scale_row(const double *v, size_t count, double *w, double *scale, int *pivot)
{
    size_t p = 0;
    while (p < count && v[p] == 0.0)
        ++p;
    *pivot = (int)p;
    *scale = p < count ? v[p] : 0.0;
    int exact = 1;
    for (size_t j = 0; j < count; ++j) {
        w[j] = p < count ? v[j] / v[p] : 0.0;
        /* Exact in both precisions: w_j a float, and w_j * scale giving v_j back in double and
         * in float (so ratios that merely round-trip in double do not count). */
        float wf = (float)w[j], sf = (float)*scale, vf = (float)v[j];
        volatile float prod = wf * sf; /* rounded to float, not kept wider */
        exact &= w[j] * *scale == v[j] && (double)wf == w[j] && prod == vf;
    }
    if (!exact) {
        for (size_t j = 0; j < count; ++j)
            w[j] = v[j];
        *scale = 1.0;
    }
}

static void emit_ints(sb_buf *out, const char *name, const int *v, size_t count)
{
    sb_printf(out, "const int %s[%zu] = {", name, count);
    for (size_t i = 0; i < count; ++i)
        sb_printf(out, i ? ", %d" : "%d", v[i]);
    sb_append(out, "};");
}

/* One scaled vector (scale_row) as the locals `w_name[count]`, `scale_name` and `pivot_name`. */
static void emit_scaled(sb_buf *out, const char *w_name, const char *scale_name,
                        const char *pivot_name, const double *v, size_t count)
{
    double w[12], scale;
    int pivot;
    scale_row(v, count, w, &scale, &pivot);
    tab_emit_array(out, w_name, w, count);
    sb_printf(out, " const bo_real %s = BO_C(", scale_name);
    sb_double(out, scale);
    sb_printf(out, "); const int %s = %d;", pivot_name, pivot);
}

int tab_emit_erk(const bo_tableau *t, sb_buf *out)
{
    if (!t || !out || t->stages < 1)
        return BO_ERR_INVALID_ARG;
    size_t s = (size_t)t->stages;
    double e[12] = {0};
    if (s > sizeof e / sizeof e[0])
        return BO_ERR_INVALID_ARG;
    double e3[12] = {0};
    if (t->b_hat3 && (!t->b_hat || t->b[0] == 0.0))
        return BO_ERR_INVALID_ARG;
    if (t->b_hat) {
        for (size_t i = 0; i < s; ++i)
            e[i] = t->b[i] - t->b_hat[i];
    }
    if (t->b_hat3) {
        for (size_t i = 0; i < s; ++i)
            e3[i] = t->b[i] - t->b_hat3[i];
    }
    sb_printf(out, "/* explicit Runge-Kutta tableau: %s (order %d", t->name, t->order);
    if (t->b_hat)
        sb_printf(out, ", embedded order %d", t->embedded_order);
    sb_printf(out, "%s) */\n", t->fsal ? ", FSAL" : "");
    sb_printf(out, "#define BO_ERK_STAGES %zu\n", s);
    sb_printf(out, "#define BO_ERK_FSAL %d\n", t->fsal ? 1 : 0);
    sb_printf(out, "#define BO_ERK_HAS_ERROR %d\n", t->b_hat ? 1 : 0);
    sb_printf(out, "#define BO_ERK_ORDER %d\n", t->order);
    if (t->b_hat3)
        sb_append(out, "#define BO_ERK_ERROR3 1\n");
    sb_append(out, "#define BO_ERK_TABLEAU \\\n    ");
    /* Each sum the engine forms (a row of A, b, e) as scale * sum(v_j / scale * k_j), scaled
     * by its first nonzero coefficient: that term is then a plain copy and the scale joins dt
     * in one per-step factor (kernels/erk.h). The ratios are taken here, in double. */
    double an[12 * 12] = {0}, as[12];
    int ap[12];
    for (size_t r = 0; r < s; ++r)
        scale_row(t->a + r * s, r, an + r * s, &as[r], &ap[r]);
    tab_emit_array(out, "bo_erk_an", an, s * s);
    sb_append(out, " \\\n    ");
    tab_emit_array(out, "bo_erk_as", as, s);
    sb_append(out, " \\\n    ");
    emit_ints(out, "bo_erk_ap", ap, s);
    sb_append(out, " \\\n    ");
    emit_scaled(out, "bo_erk_bn", "bo_erk_bs", "bo_erk_bp", t->b, s);
    sb_append(out, " \\\n    ");
    emit_scaled(out, "bo_erk_en", "bo_erk_es", "bo_erk_ep", e, s);
    sb_append(out, " \\\n    ");
    tab_emit_array(out, "bo_erk_a", t->a, s * s);
    sb_append(out, " \\\n    ");
    tab_emit_array(out, "bo_erk_b", t->b, s);
    sb_append(out, " \\\n    ");
    tab_emit_array(out, "bo_erk_e", e, s);
    sb_append(out, " \\\n    ");
    if (t->b_hat3) {
        tab_emit_array(out, "bo_erk_e3", e3, s);
        sb_append(out, " \\\n    ");
    }
    tab_emit_array(out, "bo_erk_c", t->c, s);
    sb_append(out, "\n");
    return out->failed ? BO_ERR_NOMEM : BO_OK;
}
