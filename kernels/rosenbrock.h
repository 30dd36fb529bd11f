/* One engine for every Rosenbrock (linearly implicit) method, in Hairer & Wanner's transformed
 * formulation (Solving ODEs II, 2nd ed., VI.7, eqs. (7.25)-(7.28);
 * src/methods/tableau_rosenbrock.h): with u_i the transformed stages, each step solves
 *
 *   (1/(h gamma) I - J) u_i = f(t + alpha_i h, y + sum_{j<i} a_ij u_j)
 *                             + sum_{j<i} (c_ij/h) u_j + gamma_i h df/dt
 *
 * for i = 1..s, with J = df/dy and df/dt at (t, y), and sets y_new = y + sum m_j u_j,
 * err = sum (m_j - mhat_j) u_j. So a step costs one Jacobian (kept on a retry from the same
 * point: BO_STEP_RETRY), one factorisation of (1/(h gamma)) I - J, s right-hand sides (s - 1
 * with FSAL) and s solves, and no Newton iteration. The coefficients arrive as compile-time
 * constants (tab_emit_rosenbrock: BO_ROS_STAGES, BO_ROS_GAMMA, BO_ROS_TABLEAU, ...); the stage
 * loops unroll and terms with a zero coefficient fold away.
 *
 * Two structures are exploited (decided on the host, exactly, from the coefficients):
 *   BO_ROS_FSAL: the last stage's input is y_new (Rosenbrock23), so f(t + h, y_new) is kept
 *     in the persistent buffer rosenbrock_fsal for the next step's first stage;
 *   BO_ROS_STIFFLY_ACCURATE: y_new = (last stage's input) + u_s and err = u_s (Rodas).
 *
 * Refined stage solves (dense linear solver, BO_LS_REFINE): a linear invariant w^T y of the
 * model (w^T f = 0, hence w^T J = 0) is kept by every u_i in exact arithmetic, but along w the
 * matrix (1/(h gamma)) I - J is as small as 1/(h gamma), so rounding in the solve, of relative
 * size u |J| against the equation, moves w^T u_i by h gamma u |J| |u_i|: at h gamma |J| = 1e7
 * (DETEST E5, t ~ 1e4) that is 1e-9 |u_i|, enough to break E5's invariant y2 - y3 - y4 = 0 by
 * 1e-21 where the tolerance is 1e-24. The Newton iterations of the DIRK and Radau methods do
 * not have this: their solution is the fixed point of f, and the solve's rounding scales with
 * the last correction only. So when bo_ls_rounding_bound says that rounding could move u_i by
 * more than the smallest absolute tolerance min_k atol_k, the stage takes one step of iterative
 * refinement, its residual formed with the generated Jacobian-vector product (bo_ls_refine;
 * kernels/linsolve.h says why not with the stored J). The absolute tolerance, not the step's
 * atol + rtol |y|: an invariant's error persists while the states it involves may shrink (E5's
 * y2 and y3 fall from 1e-10 to 1e-22). A refined stage costs one bo_model_jvp and one more
 * solve; the test, a copy of the right-hand side and two maxima, 3n operations per stage. The
 * Krylov path (BO_LS_REFINE 0) solves only to krylov_tolerance and is not refined.
 *
 * Needs, defined earlier in the unit: BO_N, BO_MODEL_ND, bo_model_dxdt, bo_model_dfdt,
 * bo_model_jvp, bo_drivers_eval, bo_drivers_eval_dt, bo_ctrl_atol[], kernels/linsolve.h,
 * and the allocators of the buffers src/methods/alg_rosenbrock.c registers
 * under owner "algorithm":
 *   rosenbrock_stages  s*n, local by default: u_1..u_s
 *   rosenbrock_dfdt    n, local by default: df/dt at (t, y)
 *   rosenbrock_fsal    n, persistent, FSAL methods only: f(t, y) for the next step
 *   rosenbrock_refine  2n with the dense linear solver (0 with Krylov), local: a stage's
 *                      right-hand side and the residual of its refinement
 * and those of the child owner "linear_solver". The stage inputs are formed in y_new, which is
 * free until the end of the step. */
#ifndef BO_ROSENBROCK_H
#define BO_ROSENBROCK_H

#ifndef BO_DENSE
#define BO_DENSE 0
#endif

BO_DEVICE int bo_ros_all_finite(const bo_real *v)
{
    int ok = 1;
    BO_UNROLL
    for (int i = 0; i < BO_N; ++i)
        ok &= bo_isfinite(v[i]);
    return ok;
}

/* One step from (t, y) with step dt; writes y_new and err (n values each). flags: see
 * src/methods/algorithm.h. Returns 0, or BO_RUN_SINGULAR when (1/(dt gamma)) I - J cannot be
 * factored, BO_RUN_NONFINITE when that is because f(t, y) is not finite, or the linear
 * solver's bits. */
BO_DEVICE int bo_ros_step(const bo_real *BO_RESTRICT y, bo_real *BO_RESTRICT y_new,
                          bo_real *BO_RESTRICT err, const bo_real *BO_RESTRICT p,
                          const void *driver_data, bo_real t, bo_real dt, int flags,
                          bo_real *shared, bo_real *persistent)
{
    BO_ROS_TABLEAU(void) bo_ros_m;
    (void)bo_ros_e;
    bo_real drv0[BO_DRV_LEN], drv[BO_DRV_LEN], ddrv[BO_DRV_LEN];
    BO_ALLOC_algorithm_rosenbrock_stages(u, shared, persistent);
    BO_ALLOC_algorithm_rosenbrock_dfdt(ft, shared, persistent);
    bo_real *ls_sh = BO_CHILD_SHARED_algorithm_linear_solver(shared);
    bo_real *ls_pe = BO_CHILD_PERSISTENT_algorithm_linear_solver(persistent);
    BO_LS_WORKSPACE(ws, ls_sh, ls_pe);
    (void)ls_sh;
    (void)ls_pe;
    const bo_real inv_dt = BO_C(1) / dt;
#if BO_LS_REFINE
    BO_ALLOC_algorithm_rosenbrock_refine(rhs, shared, persistent);
    bo_real *res = rhs + BO_N;
    /* The smallest absolute tolerance: rounding below it is harmless. */
    bo_real atol_min = bo_ctrl_atol[0];
    BO_UNROLL
    for (int k = 1; k < BO_N; ++k)
        atol_min = bo_min(atol_min, bo_ctrl_atol[k]);
#endif

    /* Stage 1's right-hand side starts as f(t, y). */
    bo_drivers_eval(driver_data, t, drv0);
#if BO_ROS_FSAL
    BO_ALLOC_algorithm_rosenbrock_fsal(fsal, shared, persistent);
    if (flags & BO_STEP_FSAL_VALID) {
        BO_UNROLL
        for (int k = 0; k < BO_N; ++k)
            u[k] = fsal[k];
    } else {
        bo_model_dxdt(y, p, drv0, t, u);
    }
#else
    bo_model_dxdt(y, p, drv0, t, u);
#endif
    if (!(flags & BO_STEP_RETRY))
        bo_ls_jacobian(&ws, y, p, drv0, t);
    int fail = bo_ls_factor(&ws, BO_C(1) / (BO_ROS_GAMMA * dt));
    if (fail)
        return bo_ros_all_finite(u) ? fail : BO_RUN_NONFINITE;
    bo_drivers_eval_dt(driver_data, t, ddrv);
    bo_model_dfdt(y, p, drv0, t, ddrv, ft);

    BO_UNROLL
    for (int i = 0; i < BO_ROS_STAGES; ++i) {
        bo_real *ui = u + i * BO_N;
        if (i > 0) {
            const bo_real ti = t + bo_ros_alpha[i] * dt;
            BO_UNROLL
            for (int k = 0; k < BO_N; ++k) {
                bo_real s = y[k];
                BO_UNROLL
                for (int j = 0; j < i; ++j) {
                    const bo_real a = bo_ros_a[i * BO_ROS_STAGES + j];
                    if (a != BO_C(0))
                        s += a * u[j * BO_N + k];
                }
                y_new[k] = s;
            }
            bo_drivers_eval(driver_data, ti, drv);
            bo_model_dxdt(y_new, p, drv, ti, ui);
#if BO_ROS_FSAL
            if (i == BO_ROS_STAGES - 1) {
                BO_UNROLL
                for (int k = 0; k < BO_N; ++k)
                    fsal[k] = ui[k];
            }
#endif
        }
        /* The coupling terms; a zero coefficient adds nothing rather than 0*u (IEEE keeps
         * 0*Inf = NaN, and the compiler must keep the product). */
        const bo_real gdt = bo_ros_gi[i] * dt;
#if BO_LS_REFINE
        bo_real bmax = BO_C(0);
#endif
        BO_UNROLL
        for (int k = 0; k < BO_N; ++k) {
            bo_real r = ui[k];
            BO_UNROLL
            for (int j = 0; j < i; ++j) {
                const bo_real c = bo_ros_c[i * BO_ROS_STAGES + j];
                if (c != BO_C(0))
                    r += (c * inv_dt) * u[j * BO_N + k];
            }
            if (bo_ros_gi[i] != BO_C(0))
                r += gdt * ft[k];
            ui[k] = r;
#if BO_LS_REFINE
            rhs[k] = r;
            bmax = bo_max(bmax, BO_FABS(r));
#endif
        }
        fail = bo_ls_solve(&ws, p, drv0, t, ui);
        if (fail)
            return fail;
#if BO_LS_REFINE
        bo_real umax = BO_C(0);
        BO_UNROLL
        for (int k = 0; k < BO_N; ++k)
            umax = bo_max(umax, BO_FABS(ui[k]));
        /* A NaN bound (non-finite J or u) compares false: nothing to refine. */
        if (bo_ls_rounding_bound(&ws, umax, bmax) > atol_min)
            bo_ls_refine(&ws, y, p, drv0, t, rhs, ui, res);
#endif
    }

    const bo_real *us = u + (BO_ROS_STAGES - 1) * BO_N;
    (void)us;
    BO_UNROLL
    for (int k = 0; k < BO_N; ++k) {
#if BO_ROS_STIFFLY_ACCURATE
        y_new[k] += us[k];
        err[k] = us[k];
#else
        bo_real e = BO_C(0);
#if !BO_ROS_FSAL
        bo_real s = y[k];
#endif
        BO_UNROLL
        for (int j = 0; j < BO_ROS_STAGES; ++j) {
            const bo_real uj = u[j * BO_N + k];
#if !BO_ROS_FSAL
            if (bo_ros_m[j] != BO_C(0))
                s += bo_ros_m[j] * uj;
#endif
            if (bo_ros_e[j] != BO_C(0))
                e += bo_ros_e[j] * uj;
        }
#if !BO_ROS_FSAL
        /* With FSAL y_new already holds the last stage's input, which is y_new. */
        y_new[k] = s;
#endif
        err[k] = e;
#endif
    }
#if BO_DENSE && BO_DENSE_RECORD > 0
    /* Dense output (kernels/dense.h): the stages its polynomial combines. */
    if (flags & BO_STEP_DENSE) {
        BO_ALLOC_algorithm_dense_output(dk, shared, persistent);
        BO_UNROLL
        for (int k = 0; k < BO_DENSE_RECORD * BO_N; ++k)
            dk[k] = u[k];
    }
#endif
    return 0;
}

/* The family's entry point for the loop (src/methods/algorithm.h): no Newton iterations. */
#define BO_STEP_FSAL BO_ROS_FSAL
BO_DEVICE int bo_step(const bo_real *BO_RESTRICT y, bo_real *BO_RESTRICT y_new,
                      bo_real *BO_RESTRICT err, const bo_real *BO_RESTRICT p,
                      const void *driver_data, bo_real t, bo_real dt, int flags, int *niters,
                      bo_real *shared, bo_real *persistent)
{
    *niters = 0;
    return bo_ros_step(y, y_new, err, p, driver_data, t, dt, flags, shared, persistent);
}

#endif
