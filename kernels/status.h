/* Per-run integration status: bit flags OR-ed into one int32 per run. Shared by the host
 * library (names, messages) and device code (the flags). A run succeeded iff its status has
 * no failure bit: every bit is a failure except BO_RUN_STOPPED_BY_EVENT, which says that a
 * terminal event (`stop`) ended the run early, as the model asked. The list is the single
 * source of truth: BO_RUN_STATUS_LIST(X) with X(NAME, BIT, TEXT). */
#ifndef BO_STATUS_H
#define BO_STATUS_H

#define BO_RUN_STATUS_LIST(X)                                                                      \
    X(BO_RUN_MAX_NEWTON_ITERS, 1, "Newton iteration did not converge within max_newton_iters")     \
    X(BO_RUN_MAX_LINEAR_ITERS, 2, "linear solver did not converge within its iteration limit")     \
    X(BO_RUN_STEP_TOO_SMALL, 3, "step size fell below dt_min")                                     \
    X(BO_RUN_MAX_STEPS, 5, "max_steps reached before the end time")                                \
    X(BO_RUN_STAGNATION, 6, "time stopped advancing (step below time resolution)")                 \
    X(BO_RUN_LINEAR_BREAKDOWN, 7, "Krylov solver breakdown")                                       \
    X(BO_RUN_NEWTON_DIVERGENCE, 8, "Newton iteration diverged")                                    \
    X(BO_RUN_NONFINITE, 9, "state became NaN or infinite")                                         \
    X(BO_RUN_SINGULAR, 10, "iteration matrix is singular")                                         \
    X(BO_RUN_BAD_INPUT, 11, "initial values or parameters are not finite")                         \
    X(BO_RUN_MAX_EVENTS, 12, "more than max_events events (a Zeno-like run?)")                     \
    X(BO_RUN_STOPPED_BY_EVENT, 13, "a terminal event ended the run (success)")

#define BO_RUN_SUCCESS 0
#define BO_RUN_MAX_NEWTON_ITERS (1 << 1)
#define BO_RUN_MAX_LINEAR_ITERS (1 << 2)
#define BO_RUN_STEP_TOO_SMALL (1 << 3)
#define BO_RUN_MAX_STEPS (1 << 5)
#define BO_RUN_STAGNATION (1 << 6)
#define BO_RUN_LINEAR_BREAKDOWN (1 << 7)
#define BO_RUN_NEWTON_DIVERGENCE (1 << 8)
#define BO_RUN_NONFINITE (1 << 9)
#define BO_RUN_SINGULAR (1 << 10)
#define BO_RUN_BAD_INPUT (1 << 11)
#define BO_RUN_MAX_EVENTS (1 << 12)
#define BO_RUN_STOPPED_BY_EVENT (1 << 13)

/* The bits that are not failures. */
#define BO_RUN_NOT_FAILURE BO_RUN_STOPPED_BY_EVENT

#endif
