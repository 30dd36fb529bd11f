/* Events (docs/events.md): detection on every accepted step, location by a bracketing root
 * finder on an interpolant of the step, counting and recording, assignments and stops. The
 * loop (kernels/loop.h) calls three functions: bo_ev_begin at the start of a run,
 * bo_ev_step after every accepted step, bo_ev_end when the run is over.
 *
 * - Detection: event k fires in a step when its function g_k changes sign between the step's
 *   ends in the direction asked for: rising when g_k(start) < 0 <= g_k(end), falling when
 *   g_k(start) > 0 >= g_k(end), either for both. A zero at the start of a step (the initial
 *   time included) is not a crossing; a zero at its end is.
 * - Location: the Illinois variant of regula falsi (M. Dowell and P. Jarratt, "A modified
 *   regula falsi method for computing the root of an equation", BIT 11 (1971) 168-174) on
 *   theta -> g_k(y(t0 + theta*h)), y the step's interpolant, until the bracket is narrower than
 *   a few units in the last place of t plus 16 units of roundoff of the working precision
 *   times the step. The event's time is the bracket's right end, where g_k already has its
 *   new sign, so the event is not found again at the start of the next step.
 * - Interpolant: the method's dense output (kernels/dense.h) when the program keeps it, else
 *   the cubic Hermite interpolant of the step's end values and derivatives (two right-hand-
 *   side evaluations, made only for steps in which an event fires); exact for cubic
 *   solutions, O(h^4) otherwise.
 * - Several events in one step are taken in time order; events within the time tolerance of
 *   each other are simultaneous and taken in declaration order, each reading the state the
 *   previous one left. The first event with assignments or a stop ends the step there: the
 *   run restarts from that time and state (FSAL and the controller's history reset), and
 *   crossings later in the step are found again by the steps that follow. The step after a
 *   restart is searched from 64 time tolerances past its start, where the event functions
 *   that fired have left the zero they sit at: the restart's own zero is not an event, and a
 *   return to zero later in that step (the next bounce of a ball) is.
 * - Events before the end of settling act (assign, stop) but are neither counted nor
 *   recorded. Every event counts towards max_events: one more fails the run with
 *   BO_RUN_MAX_EVENTS at that event.
 *
 * Needs, defined earlier in the unit: the model's event functions (BO_MODEL_NE > 0,
 * bo_model_events, bo_model_event_apply, bo_event_direction, bo_event_stop,
 * bo_event_assigns), bo_model_dxdt, bo_drivers_eval, BO_N and bo_args. */
#ifndef BO_EVENTS_H
#define BO_EVENTS_H

#if BO_MODEL_NE > 0

/* What bo_ev_step asks of the loop. */
#define BO_EV_CONTINUE 0 /* go on from the step's end (events, if any, were only counted) */
#define BO_EV_RESTART 1  /* go on from the event's time and state, with the method restarted */
#define BO_EV_STOP 2     /* the run ends at the event's time and state */

/* Per-run event bookkeeping. */
typedef struct {
    bo_real g[BO_MODEL_NE]; /* the event functions at the current time */
    bo_i64 fired;           /* events so far, all kinds (max_events) */
    bo_i64 recorded;        /* occurrences written to the records */
    int fresh;              /* the current step starts at a restart */
} bo_ev_run;

/* With dense output (kernels/dense.h) every step records what the method's interpolant needs,
 * since any accepted step may hold an event. */
#if defined(BO_DENSE) && BO_DENSE
#define BO_EV_STEP_FLAGS BO_STEP_DENSE
#else
#define BO_EV_STEP_FLAGS 0
#endif

/* The step's interpolant: the method's dense output when the program keeps it, else the cubic
 * Hermite polynomial through (t0, y0, f0) and (t0 + h, y1, f1), at t0 + theta*h. */
typedef struct {
    const bo_real *y0, *y1;
    bo_real f0[BO_N], f1[BO_N]; /* Hermite: f at the step's ends */
    bo_real h;
    bo_time t0;
    const bo_real *p;
    const void *driver_data;
    bo_real *alg_shared, *alg_persistent; /* the algorithm's slices (dense output) */
} bo_ev_interp;

/* Make the interpolant of the step ready (drv is scratch). */
BO_DEVICE void bo_ev_prepare(bo_ev_interp *s, bo_real *drv)
{
#if defined(BO_DENSE) && BO_DENSE
    (void)drv;
    bo_dense_prepare(s->y0, s->y1, s->p, s->driver_data, (bo_real)s->t0, s->h, s->alg_shared,
                     s->alg_persistent);
#else
    bo_drivers_eval(s->driver_data, (bo_real)s->t0, drv);
    bo_model_dxdt(s->y0, s->p, drv, (bo_real)s->t0, s->f0);
    bo_drivers_eval(s->driver_data, (bo_real)(s->t0 + (bo_time)s->h), drv);
    bo_model_dxdt(s->y1, s->p, drv, (bo_real)(s->t0 + (bo_time)s->h), s->f1);
#endif
}

BO_DEVICE void bo_ev_interp_at(const bo_ev_interp *s, bo_real theta, bo_real *out)
{
#if defined(BO_DENSE) && BO_DENSE
    bo_dense_eval(s->y0, theta, out, s->alg_shared, s->alg_persistent);
#else
    const bo_real u = BO_C(1) - theta;
    const bo_real h00 = (BO_C(1) + BO_C(2) * theta) * u * u;
    const bo_real h10 = theta * u * u * s->h;
    const bo_real h01 = theta * theta * (BO_C(3) - BO_C(2) * theta);
    const bo_real h11 = -theta * theta * u * s->h;
    BO_UNROLL
    for (int i = 0; i < BO_N; ++i)
        out[i] = h00 * s->y0[i] + h10 * s->f0[i] + h01 * s->y1[i] + h11 * s->f1[i];
#endif
}

BO_DEVICE void bo_ev_eval(const bo_args *a, const bo_real *y, const bo_real *p, bo_real *drv,
                          bo_time t, bo_real *g)
{
    bo_drivers_eval(a->driver_data, (bo_real)t, drv);
    bo_model_events(y, p, drv, (bo_real)t, g);
}

/* Does event k fire when its function goes from g0 to g1? */
BO_DEVICE int bo_ev_crosses(int k, bo_real g0, bo_real g1)
{
    const int rising = g0 < BO_C(0) && g1 >= BO_C(0);
    const int falling = g0 > BO_C(0) && g1 <= BO_C(0);
    const int dir = bo_event_direction[k];
    return dir > 0 ? rising : dir < 0 ? falling : (rising || falling);
}

BO_DEVICE void bo_ev_begin(bo_ev_run *ev, const bo_args *a, bo_i64 run, const bo_real *y,
                           const bo_real *p, bo_real *drv, bo_time t)
{
    bo_ev_eval(a, y, p, drv, t, ev->g);
    ev->fired = 0;
    ev->recorded = 0;
    ev->fresh = 0;
    if (a->event_counts)
        for (int k = 0; k < BO_MODEL_NE; ++k)
            a->event_counts[(bo_i64)k * a->run_stride + run] = 0;
}

/* The root of g_k in theta in (lo, 1], from ga = g_k(lo) (nonzero) and gb = g_k(1) of opposite
 * signs (or gb == 0): the right end of a bracket narrower than tol. y and g are scratch. */
BO_DEVICE bo_real bo_ev_locate(int k, const bo_ev_interp *s, const bo_args *a, const bo_real *p,
                               bo_real *drv, bo_time t0, bo_real lo, bo_real ga, bo_real gb,
                               bo_real tol, bo_real *y, bo_real *g)
{
    bo_real hi = BO_C(1);
    int side = 0;
    if (gb == BO_C(0))
        return hi;
    for (int it = 0; it < 64 && hi - lo > tol; ++it) {
        bo_real c = (lo * gb - hi * ga) / (gb - ga);
        if (!(c > lo && c < hi))
            c = BO_C(0.5) * (lo + hi);
        bo_ev_interp_at(s, c, y);
        bo_ev_eval(a, y, p, drv, t0 + (bo_time)c * (bo_time)s->h, g);
        const bo_real gc = g[k];
        if (gc == BO_C(0)) {
            hi = c;
            break;
        }
        if ((gc > BO_C(0)) == (gb > BO_C(0))) {
            hi = c;
            gb = gc;
            if (side == -1)
                ga *= BO_C(0.5);
            side = -1;
        } else {
            lo = c;
            ga = gc;
            if (side == 1)
                gb *= BO_C(0.5);
            side = 1;
        }
    }
    return hi;
}

/* Count event k at time t with state y (before its assignments) and record it while records
 * are left. */
BO_DEVICE void bo_ev_note(bo_ev_run *ev, const bo_args *a, bo_i64 run, int k, bo_time t,
                          const bo_real *y)
{
    const bo_i64 S = a->run_stride;
    if (a->event_counts)
        a->event_counts[(bo_i64)k * S + run] += 1;
    if (ev->recorded < a->event_records) {
        const bo_i64 r = ev->recorded++;
        a->event_time[r * S + run] = t;
        a->event_index[r * S + run] = k;
        BO_UNROLL
        for (int i = 0; i < BO_N; ++i)
            a->event_state[(r * BO_N + i) * S + run] = y[i];
    }
}

/* After an accepted step from (t0, y0) to (t1, y1): find, count, record and apply the events
 * in it. *prepared becomes 1 when the step's interpolant was made ready (with dense output the
 * loop then reads its interpolated saves from it without preparing it again: preparing works
 * in place and must happen once per step). Returns BO_EV_CONTINUE, or BO_EV_RESTART / BO_EV_STOP
 * with *t_ev and y1 the event's time and state (after its assignments). One event more than
 * max_events sets BO_RUN_MAX_EVENTS in *status and returns BO_EV_STOP at that event, before it
 * acts. */
BO_DEVICE int bo_ev_step(bo_ev_run *ev, const bo_args *a, bo_i64 run, const bo_real *p,
                         bo_real *drv, bo_time t0, bo_time t1, bo_time t_start, const bo_real *y0,
                         bo_real *y1, bo_time *t_ev, bo_i32 *status, bo_real *alg_shared,
                         bo_real *alg_persistent, int *prepared)
{
    bo_real g1[BO_MODEL_NE], gs[BO_MODEL_NE], theta[BO_MODEL_NE];
    bo_real ys[BO_N], yact[BO_N];
    int pending[BO_MODEL_NE];
    const bo_real h = (bo_real)(t1 - t0);
    bo_ev_interp s = {0}; /* gcc cannot tell that prepare fills f0 and f1 before any read */
    s.y0 = y0;
    s.y1 = y1;
    s.h = h;
    s.t0 = t0;
    s.p = p;
    s.driver_data = a->driver_data;
    s.alg_shared = alg_shared;
    s.alg_persistent = alg_persistent;
    /* The time tolerance: a few units in the last place of t (in double) plus 16 units of
     * roundoff of the working precision times the step, as a fraction of the step. */
    const bo_time big = t1 > -t1 ? t1 : -t1;
    const bo_real tol = (bo_real)(8.9e-16 * big / (bo_time)h) + BO_C(16) * BO_EPS;
    bo_ev_eval(a, y1, p, drv, t1, g1);
    /* After a restart the event functions that fired sit at zero, on either side of it up to
     * the tolerance: the step is searched from 64 tolerances in, where they have moved off
     * their zero, so the restart's own zero is not an event and a return to zero later in the
     * step (the next bounce) is. */
    const int fresh = ev->fresh;
    bo_real lo = BO_C(0);
    ev->fresh = 0;
    if (fresh) {
        bo_ev_prepare(&s, drv);
        *prepared = 1;
        lo = BO_C(64) * tol < BO_C(0.5) ? BO_C(64) * tol : BO_C(0.5);
        bo_ev_interp_at(&s, lo, ys);
        bo_ev_eval(a, ys, p, drv, t0 + (bo_time)lo * (bo_time)h, ev->g);
    }
    int any = 0;
    for (int k = 0; k < BO_MODEL_NE; ++k) {
        pending[k] = bo_ev_crosses(k, ev->g[k], g1[k]);
        any |= pending[k];
    }
    if (!any) {
        for (int k = 0; k < BO_MODEL_NE; ++k)
            ev->g[k] = g1[k];
        return BO_EV_CONTINUE;
    }
    if (!fresh) {
        bo_ev_prepare(&s, drv);
        *prepared = 1;
    }
    for (int k = 0; k < BO_MODEL_NE; ++k)
        if (pending[k])
            theta[k] = bo_ev_locate(k, &s, a, p, drv, t0, lo, ev->g[k], g1[k], tol, ys, gs);
    int result = BO_EV_CONTINUE;
    bo_real theta_act = BO_C(2); /* the first event that acts; > 1 while none has */
    for (;;) {
        int k = -1;
        for (int q = 0; q < BO_MODEL_NE; ++q)
            if (pending[q] && (k < 0 || theta[q] < theta[k]))
                k = q;
        if (k < 0 || (theta_act <= BO_C(1) && theta[k] > theta_act + tol))
            break;
        pending[k] = 0;
        const bo_real th = theta_act <= BO_C(1) ? theta_act : theta[k];
        const bo_time tk = th >= BO_C(1) ? t1 : t0 + (bo_time)th * (bo_time)h;
        if (theta_act > BO_C(1)) {
            if (th >= BO_C(1)) {
                BO_UNROLL
                for (int i = 0; i < BO_N; ++i)
                    ys[i] = y1[i];
            } else {
                bo_ev_interp_at(&s, th, ys);
            }
        }
        const bo_real *yk = theta_act <= BO_C(1) ? yact : ys;
        if (++ev->fired > a->max_events) {
            *status |= BO_RUN_MAX_EVENTS;
            if (theta_act > BO_C(1)) {
                theta_act = th;
                BO_UNROLL
                for (int i = 0; i < BO_N; ++i)
                    yact[i] = ys[i];
            }
            result = BO_EV_STOP;
            break;
        }
        if (tk >= t_start)
            bo_ev_note(ev, a, run, k, tk, yk);
        if (!bo_event_assigns[k] && !bo_event_stop[k])
            continue;
        if (theta_act > BO_C(1)) {
            theta_act = th;
            BO_UNROLL
            for (int i = 0; i < BO_N; ++i)
                yact[i] = ys[i];
        }
        if (bo_event_assigns[k]) {
            /* Every right-hand side reads the state before this event's assignments. */
            BO_UNROLL
            for (int i = 0; i < BO_N; ++i)
                ys[i] = yact[i];
            bo_drivers_eval(a->driver_data, (bo_real)tk, drv);
            bo_model_event_apply(k, ys, p, drv, (bo_real)tk, yact);
        }
        if (bo_event_stop[k])
            result = BO_EV_STOP;
        else if (result == BO_EV_CONTINUE)
            result = BO_EV_RESTART;
    }
    if (theta_act > BO_C(1)) {
        for (int k = 0; k < BO_MODEL_NE; ++k)
            ev->g[k] = g1[k];
        return BO_EV_CONTINUE;
    }
    *t_ev = theta_act >= BO_C(1) ? t1 : t0 + (bo_time)theta_act * (bo_time)h;
    BO_UNROLL
    for (int i = 0; i < BO_N; ++i)
        y1[i] = yact[i];
    bo_ev_eval(a, y1, p, drv, *t_ev, ev->g);
    ev->fresh = 1;
    return result;
}

/* The end of a run: records it did not fill read as no event (index -1, time and state NaN);
 * a failed run's records are all cleared when failed runs are masked (mask). */
BO_DEVICE void bo_ev_end(const bo_ev_run *ev, const bo_args *a, bo_i64 run, int mask)
{
    const bo_i64 S = a->run_stride;
    const bo_real nan = BO_C(0) / BO_C(0);
    for (bo_i64 r = mask ? 0 : ev->recorded; r < a->event_records; ++r) {
        a->event_time[r * S + run] = (double)nan;
        a->event_index[r * S + run] = -1;
        for (int i = 0; i < BO_N; ++i)
            a->event_state[(r * BO_N + i) * S + run] = nan;
    }
}

#endif
#endif
