/* Dense output: a continuous extension of every method, so the loop can read the solution at
 * any time inside an accepted step instead of shortening steps to land on it (docs/loop.md,
 * "Dense output").
 *
 * The interface (stable; the loop, the summaries and event location use only this):
 *
 *   BO_DENSE           1 when the generated program keeps dense output (pg_config.dense; the
 *                      codegen then emits the constants below and pastes this file after the
 *                      method's files and before kernels/loop.h), 0 otherwise. With 0 nothing
 *                      here exists and every step is exactly as without dense output.
 *   BO_DENSE_KIND      which interpolant (BO_DENSE_HERMITE, _ERK, _ROSENBROCK, _RADAU below).
 *   BO_DENSE_ORDER     its order q: the error at an interior point is O(dt^(q+1)) per step.
 *   BO_DENSE_DEGREE    d, the degree of the polynomial in theta.
 *   BO_STEP_DENSE      a flag (kernels/prelude.h) the loop adds to bo_step's flags for a step
 *                      whose interior it will read if the step is accepted: the method then
 *                      records what its interpolant needs (stage derivatives, f(t, y)) in the
 *                      buffer algorithm.dense_output. Steps without it cost nothing extra.
 *
 *   void bo_dense_prepare(const bo_real *y, const bo_real *y_new, const bo_real *p,
 *                         const void *driver_data, bo_real t, bo_real dt,
 *                         bo_real *shared, bo_real *persistent);
 *       Called once after a step from (t, y) to (t + dt, y_new) that was attempted with
 *       BO_STEP_DENSE and accepted, while y still holds the step's starting state. shared and
 *       persistent are the algorithm's slices (the same pointers bo_step received). It turns
 *       the recorded data into the coefficients q_1..q_d of
 *           u(theta) = y + theta*(q_1 + theta*(q_2 + ... + theta*q_d)),   theta in [0, 1],
 *       in place in dense_output. It may evaluate f (Hermite's f(t + dt, y_new) for a method
 *       that has no FSAL derivative; the extra stages of dop853 and vern7), so it costs right-
 *       hand sides only on steps whose interior is read. It does not touch y, y_new or the
 *       method's other buffers, so the loop may still accept y_new afterwards unchanged.
 *
 *   void bo_dense_eval(const bo_real *y, bo_real theta, bo_real *out,
 *                      bo_real *shared, bo_real *persistent);
 *       u(theta) for every state into out (n values), d FMAs per state. Any number of calls,
 *       any theta, after one bo_dense_prepare and while y is unchanged. theta = 0 gives y
 *       exactly; theta = 1 gives y_new up to rounding (a caller that wants y_new exactly at
 *       the step's end uses y_new).
 *
 *   bo_real bo_dense_eval1(const bo_real *y, bo_real theta, int i,
 *                          bo_real *shared, bo_real *persistent);
 *       Component i of u(theta) alone (d FMAs): what a root finder on one state needs.
 *
 * The interpolants (each cited where its coefficients are written):
 *   BO_DENSE_HERMITE     the cubic Hermite polynomial through (y, f(t, y)) and
 *                        (y_new, f(t + dt, y_new)) (Hairer, Norsett & Wanner I, II.6, eq.
 *                        (6.7)); order min(p, 3). f(t, y) is recorded by the step (the first
 *                        stage of an explicit method) or evaluated by prepare; f(t + dt, y_new)
 *                        is the FSAL derivative where the method keeps one. bs3's own
 *                        interpolant is this one (Bogacki & Shampine 1989).
 *   BO_DENSE_ERK         u(theta) = y + dt * sum_j b_j(theta) k_j over the step's stages and,
 *                        for dop853 and vern7, extra stages evaluated by prepare; the
 *                        polynomials b_j come as compile-time coefficients (bo_dense_b,
 *                        src/methods/dense_erk.c) from the method's paper.
 *   BO_DENSE_ROSENBROCK  u(theta) = (1 - theta) y + theta (y_new + (1 - theta)(h_1 + theta
 *                        (h_2 + theta h_3))), h_r = sum_j d_rj u_j over the transformed stages
 *                        (Rodas4: Hairer & Wanner II, rodas.f; Rodas5P: Steinebach 2023).
 *   BO_DENSE_RADAU       the collocation polynomial of Radau IIA through (0, 0), (c_1, z_1),
 *                        (c_2, z_2), (1, z_3) added to y (Hairer & Wanner II, IV.8 and
 *                        radau5.f's CONTR5); the stage values are the method's predictor
 *                        buffer, so nothing is recorded.
 *
 * Buffer (owner "algorithm", src/methods/dense.c): dense_output, BO_DENSE_SLOTS * n elements,
 * persistent (it must survive from bo_step to the evaluations). Slot j holds n values at
 * j*n. */
#ifndef BO_DENSE_H
#define BO_DENSE_H

#define BO_DENSE_HERMITE 1
#define BO_DENSE_ERK 2
#define BO_DENSE_ROSENBROCK 3
#define BO_DENSE_RADAU 4

#if BO_DENSE

/* Cubic Hermite in power form from f0 = f(t, y) (slot 0) and f1 = f(t + dt, y_new) (slot 1),
 * in place: q_1 = dt f0, q_2 = 3 D - 2 dt f0 - dt f1, q_3 = dt f0 + dt f1 - 2 D with
 * D = y_new - y (Hairer, Norsett & Wanner I, II.6, eq. (6.7)). */
BO_DEVICE void bo_dense_hermite(const bo_real *y, const bo_real *y_new, bo_real dt, bo_real *q)
{
    BO_UNROLL
    for (int i = 0; i < BO_N; ++i) {
        const bo_real h0 = dt * q[i], h1 = dt * q[BO_N + i], d = y_new[i] - y[i];
        q[i] = h0;
        q[BO_N + i] = BO_C(3) * d - BO_C(2) * h0 - h1;
        q[2 * BO_N + i] = h0 + h1 - BO_C(2) * d;
    }
}

BO_DEVICE void bo_dense_prepare(const bo_real *y, const bo_real *y_new, const bo_real *p,
                                const void *driver_data, bo_real t, bo_real dt, bo_real *shared,
                                bo_real *persistent)
{
    BO_ALLOC_algorithm_dense_output(q, shared, persistent);
    BO_DENSE_TABLE(void) shared;
    (void)persistent;
    (void)p;
    (void)driver_data;
    (void)t;
#if BO_DENSE_KIND == BO_DENSE_HERMITE
    bo_real drv[BO_DRV_LEN];
    (void)drv;
#if BO_DENSE_RECORD == 0
    /* f(t, y) was not recorded by the step (implicit families): one evaluation. */
    bo_drivers_eval(driver_data, t, drv);
    bo_model_dxdt(y, p, drv, t, q);
#endif
#if defined(BO_ERK_FSAL) && BO_ERK_FSAL && BO_ERK_STAGES > 1
    /* The FSAL stage already is f(t + dt, y_new). */
    BO_ALLOC_algorithm_stage_rhs(k_end, shared, persistent);
    BO_UNROLL
    for (int i = 0; i < BO_N; ++i)
        q[BO_N + i] = k_end[i];
#else
    bo_drivers_eval(driver_data, t + dt, drv);
    bo_model_dxdt(y_new, p, drv, t + dt, q + BO_N);
#endif
    bo_dense_hermite(y, y_new, dt, q);
#elif BO_DENSE_KIND == BO_DENSE_ERK
    /* q_m = dt sum_j B[j][m] k_j, per state in place: all the state's k_j are read before any
     * q_m is written, and slot m of state i is only ever read for state i. */
    (void)y;
    (void)y_new;
    BO_UNROLL
    for (int i = 0; i < BO_N; ++i) {
        bo_real k[BO_DENSE_RECORD];
        BO_UNROLL
        for (int j = 0; j < BO_DENSE_RECORD; ++j)
            k[j] = q[j * BO_N + i];
        BO_UNROLL
        for (int m = 0; m < BO_DENSE_DEGREE; ++m) {
            bo_real s = BO_C(0);
            BO_UNROLL
            for (int j = 0; j < BO_DENSE_RECORD; ++j)
                if (bo_dense_b[j * BO_DENSE_DEGREE + m] != BO_C(0))
                    s += bo_dense_b[j * BO_DENSE_DEGREE + m] * k[j];
            q[m * BO_N + i] = dt * s;
        }
    }
#elif BO_DENSE_KIND == BO_DENSE_ROSENBROCK
    /* u - y = theta (D + h_1) + theta^2 (h_2 - h_1) + theta^3 (h_3 - h_2) - theta^4 h_3 for
     * u = (1 - theta) y + theta (y_new + (1 - theta)(h_1 + theta (h_2 + theta h_3))),
     * h_r = sum_j D[r][j] u_j (dense.c); Rodas4 has no h_3. */
    (void)dt;
    BO_UNROLL
    for (int i = 0; i < BO_N; ++i) {
        bo_real u[BO_DENSE_RECORD];
        BO_UNROLL
        for (int j = 0; j < BO_DENSE_RECORD; ++j)
            u[j] = q[j * BO_N + i];
        bo_real h[BO_DENSE_DEGREE]; /* h_1 .. h_(d-1), and h[d-1] = 0 */
        BO_UNROLL
        for (int r = 0; r < BO_DENSE_DEGREE; ++r) {
            bo_real s = BO_C(0);
            if (r < BO_DENSE_DEGREE - 1) {
                BO_UNROLL
                for (int j = 0; j < BO_DENSE_RECORD; ++j)
                    if (bo_dense_b[r * BO_DENSE_RECORD + j] != BO_C(0))
                        s += bo_dense_b[r * BO_DENSE_RECORD + j] * u[j];
            }
            h[r] = s;
        }
        q[i] = (y_new[i] - y[i]) + h[0];
        BO_UNROLL
        for (int m = 1; m < BO_DENSE_DEGREE; ++m)
            q[m * BO_N + i] = h[m] - h[m - 1];
    }
#elif BO_DENSE_KIND == BO_DENSE_RADAU
    /* Collocation polynomial Q(theta) with Q(0) = 0, Q(c_1) = z_1, Q(c_2) = z_2, Q(1) = z_3
     * (the converged stages, kept in radau_predictor), in the Lagrange basis on (0, c_1, c_2,
     * 1): L_1 = theta (theta - c_2)(theta - 1) / (c_1 (c_1 - c_2)(c_1 - 1)), and so on. */
    BO_ALLOC_algorithm_radau_predictor(z, shared, persistent);
    (void)y;
    (void)y_new;
    (void)dt;
    const bo_real c1 = BO_RADAU_C1, c2 = BO_RADAU_C2;
    const bo_real w1 = BO_C(1) / (c1 * (c1 - c2) * (c1 - BO_C(1)));
    const bo_real w2 = BO_C(1) / (c2 * (c2 - c1) * (c2 - BO_C(1)));
    const bo_real w3 = BO_C(1) / ((BO_C(1) - c1) * (BO_C(1) - c2));
    BO_UNROLL
    for (int i = 0; i < BO_N; ++i) {
        const bo_real z1 = z[i] * w1, z2 = z[BO_N + i] * w2, z3 = z[2 * BO_N + i] * w3;
        q[i] = c2 * z1 + c1 * z2 + c1 * c2 * z3;
        q[BO_N + i] = -(c2 + BO_C(1)) * z1 - (c1 + BO_C(1)) * z2 - (c1 + c2) * z3;
        q[2 * BO_N + i] = z1 + z2 + z3;
    }
#else
#error "unknown BO_DENSE_KIND"
#endif
}

/* u(theta) for every state from the prepared coefficients. */
BO_DEVICE void bo_dense_eval(const bo_real *y, bo_real theta, bo_real *out, bo_real *shared,
                             bo_real *persistent)
{
    BO_ALLOC_algorithm_dense_output(q, shared, persistent);
    (void)shared;
    (void)persistent;
    BO_UNROLL
    for (int i = 0; i < BO_N; ++i) {
        bo_real s = q[(BO_DENSE_DEGREE - 1) * BO_N + i];
        BO_UNROLL
        for (int m = BO_DENSE_DEGREE - 2; m >= 0; --m)
            s = q[m * BO_N + i] + theta * s;
        out[i] = y[i] + theta * s;
    }
}

/* Component i of u(theta). */
BO_DEVICE bo_real bo_dense_eval1(const bo_real *y, bo_real theta, int i, bo_real *shared,
                                 bo_real *persistent)
{
    BO_ALLOC_algorithm_dense_output(q, shared, persistent);
    (void)shared;
    (void)persistent;
    bo_real s = q[(BO_DENSE_DEGREE - 1) * BO_N + i];
    BO_UNROLL
    for (int m = BO_DENSE_DEGREE - 2; m >= 0; --m)
        s = q[m * BO_N + i] + theta * s;
    return y[i] + theta * s;
}

#endif /* BO_DENSE */

#endif
