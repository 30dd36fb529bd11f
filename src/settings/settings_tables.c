/* The keys each component recognises, in one table: type, default, validation, what changing
 * the key affects, and a one-line description. settings.c validates against it and generates
 * docs/settings.md from it, so this table is the single source of truth for every setting. */
#include "settings.h"

/* Keeps int settings representable as C int in generated code on every platform. */
#define INT_TOP 2147483647.0

static const char *const precisions[] = {"float32", "float64", NULL};
static const char *const precision_aliases[] = {
    "single",  "float32", "f32",     "float32", "fp32",    "float32", "double",
    "float64", "f64",     "float64", "fp64",    "float64", NULL};

/* clang-format off */
static const char *const algorithms[] = {
    "euler", "heun", "ralston", "rk4", "bs3", "dp5", "cash_karp", "fehlberg45", "tsit5", "vern7",
    "dop853", "backward_euler", "implicit_midpoint", "crank_nicolson", "sdirk2", "sdirk3",
    "sdirk4", "kvaerno3", "kvaerno5", "radau5", "rosenbrock23", "ros3p", "rodas4", "rodas5p",
    NULL};
static const char *const algorithm_aliases[] = {
    "rk23",  "bs3", "ode23",          "bs3", "rk45",     "dp5",    "dopri5", "dp5",
    "ode45", "dp5", "dormand_prince", "dp5", "dopri853", "dop853",
    "implicit_euler", "backward_euler", "trapezoidal", "crank_nicolson",
    "trapezoid", "crank_nicolson", "cn", "crank_nicolson",
    "esdirk32", "kvaerno3", "esdirk54", "kvaerno5",
    "radau", "radau5", "radau_iia", "radau5", "radau_iia_5", "radau5", "radauiia5", "radau5",
    "ode23s", "rosenbrock23", "rosenbrock", "ros3p", "rodas", "rodas4", "rodas5", "rodas5p",
    NULL};
/* clang-format on */

static const char *const backends[] = {"auto", "cpu", "cuda", NULL};
static const char *const backend_aliases[] = {"gpu", "cuda", NULL};

static const char *const controllers[] = {"auto", "fixed", "i", "pi", "pid", "gustafsson", NULL};
static const char *const controller_aliases[] = {"predictive", "gustafsson", NULL};

static const char *const locations[] = {"local", "shared", NULL};

static const char *const output_kinds[] = {"state",    "observables", "time",
                                           "counters", "events",      NULL};
static const char *const output_aliases[] = {
    "states", "state", "observable", "observables", "counter", "counters", "event", "events", NULL};

static const char *const linear_solvers[] = {"auto", "dense", "krylov", NULL};
static const char *const linear_solver_aliases[] = {"lu", "dense", "gmres", "krylov", NULL};
static const char *const preconditioners[] = {"none", "jacobi", NULL};

static const char *const grids[] = {"combinatorial", "verbatim", NULL};

static const char *const save_modes[] = {"auto", "interpolate", "land", NULL};

static const char *const interpolations[] = {"linear",     "natural",  "clamped",
                                             "not_a_knot", "periodic", NULL};
static const char *const interpolation_aliases[] = {
    "not-a-knot", "not_a_knot", "notaknot", "not_a_knot", "cubic", "not_a_knot", NULL};
static const char *const driver_ends[] = {"hold", "wrap", NULL};
static const char *const driver_ends_aliases[] = {"constant", "hold", "repeat", "wrap", NULL};

#define BUFFER_KEY(name, owner_text)                                                               \
    {                                                                                              \
        .key = name "_location", .component = "buffers", .type = ST_CHOICE, .def = "local",        \
        .choices = locations, .flags = ST_CODE,                                                    \
        .doc = "Memory for the " owner_text " buffer `" name "`."                                  \
    }

const st_entry st_table[] = {
    /* ---- solver ---- */
    {.key = "precision",
     .component = "solver",
     .also = "controller",
     .type = ST_CHOICE,
     .def = "float64",
     .choices = precisions,
     .aliases = precision_aliases,
     .flags = ST_CODE,
     .doc = "Floating-point type of states, parameters and all arithmetic in the generated "
            "code."},
    {.key = "algorithm",
     .component = "solver",
     .type = ST_CHOICE,
     .def = "tsit5",
     .choices = algorithms,
     .aliases = algorithm_aliases,
     .flags = ST_CODE,
     .doc = "Integration method: explicit Runge-Kutta; for stiff problems diagonally implicit "
            "(docs/implicit.md), Radau IIA (docs/radau.md) or Rosenbrock "
            "(docs/rosenbrock.md); the error-estimating methods adapt the step, the others run "
            "with a fixed step."},
    {.key = "backend",
     .component = "solver",
     .type = ST_CHOICE,
     .def = "auto",
     .choices = backends,
     .aliases = backend_aliases,
     .flags = ST_BUILD,
     .doc = "Where runs execute: auto uses a usable NVIDIA GPU and falls back to the CPU."},
    {.key = "threads",
     .component = "solver",
     .type = ST_INT,
     .def = "0",
     .bounds = ST_LO | ST_HI,
     .lo = 0,
     .hi = 65536,
     .flags = ST_RUNTIME,
     .doc = "Host threads: the CPU backend's workers, and for both backends the passes that "
            "expand the batch and convert and copy results, and the formatting of CSV results; "
            "0 uses every core."},
    {.key = "device",
     .component = "solver",
     .type = ST_INT,
     .def = "0",
     .bounds = ST_LO | ST_HI,
     .lo = 0,
     .hi = 1023,
     .flags = ST_BUILD,
     .doc = "CUDA device ordinal used by the GPU backend."},
    {.key = "block_size",
     .component = "solver",
     .type = ST_INT,
     .def = "0",
     .bounds = ST_BLOCK,
     .flags = ST_RUNTIME,
     .doc = "GPU threads per block (one run per thread); 0 lets the backend choose from the "
            "shared-memory footprint and the device."},
    {.key = "max_registers",
     .component = "solver",
     .type = ST_INT,
     .def = "0",
     .bounds = ST_LO | ST_HI,
     .lo = 0,
     .hi = 255,
     .flags = ST_CODE,
     .doc = "Register cap per GPU thread for the compiled kernel (NVRTC --maxrregcount); 0 "
            "lets the compiler choose. Fewer registers allow more resident runs per SM but "
            "may spill to local memory: see the --info report."},
    {.key = "chunk_runs",
     .component = "solver",
     .type = ST_INT,
     .def = "0",
     .bounds = ST_LO | ST_HI,
     .lo = 0,
     .hi = 9007199254740992.0,
     .flags = ST_RUNTIME,
     .doc = "Largest number of runs the GPU integrates in one chunk; 0 sizes chunks from the "
            "free device memory. Results do not depend on the chunking."},
    {.key = "max_memory",
     .component = "solver",
     .type = ST_REAL,
     .def = "auto",
     .bounds = ST_LO,
     .lo = 0,
     .flags = ST_RUNTIME | ST_AUTO,
     .doc = "Host memory in bytes (e.g. 16e9) a solve may use for its results and buffers; a "
            "solve that needs more is refused before it starts, with the size it needs. auto: "
            "the memory available to the process (MemAvailable, or the room left under its "
            "cgroup's limit when that is smaller); 0: no limit."},
    {.key = "cc",
     .component = "solver",
     .type = ST_STRING,
     .def = "cc",
     .bounds = ST_NONEMPTY,
     .flags = ST_BUILD,
     .doc = "C compiler the CPU backend runs on the generated source: a command looked up in "
            "PATH, or a path, optionally with arguments (ccache gcc). Split into words like "
            "cflags and run without a shell. Trusted input: it chooses the program that runs "
            "(docs/cache.md)."},
    {.key = "cflags",
     .component = "solver",
     .type = ST_STRING,
     .def = "-O3 -fno-math-errno",
     .flags = ST_BUILD,
     .doc = "Extra compiler flags for the CPU backend, after its built-in ones (-std=c11 -O3 "
            "-fPIC -shared -fno-math-errno -fno-trapping-math -ffp-contract=fast "
            "-fno-semantic-interposition -march=native), so a later -march wins. Split into "
            "words at spaces; '...' and \"...\" quote literally; nothing else is special (no "
            "shell). -march=native code runs only on CPUs with the same instructions, so the "
            "compile cache then keys objects by the CPU's instruction-set features; a "
            "portable -march (x86-64-v3, say) makes objects that machines share. Trusted input: "
            "compiler options can run programs (docs/cache.md)."},
    {.key = "max_steps",
     .component = "solver",
     .type = ST_INT,
     .def = "1000000",
     .bounds = ST_LO | ST_HI,
     .lo = 1,
     .hi = INT_TOP,
     .flags = ST_RUNTIME,
     .doc = "Step attempts allowed per run before it stops with the max-steps status flag."},
    {.key = "cache",
     .component = "solver",
     .type = ST_BOOL,
     .def = "true",
     .flags = ST_RUNTIME,
     .doc = "Keep compiled code in the on-disk cache ($BATCHODE_CACHE_DIR, else "
            "$XDG_CACHE_HOME/batchode, else ~/.cache/batchode) and reuse it. A cache directory "
            "or entry that another user could have written is not used (a warning says why); "
            "a group shares one through a key file (docs/cache.md)."},

    /* ---- step controller ---- */
    {.key = "n",
     .component = "controller",
     .type = ST_INT,
     .def = "0",
     .bounds = ST_LO | ST_HI,
     .lo = 0,
     .hi = INT_TOP,
     .flags = ST_CODE,
     .doc = "Number of states the controller measures; 0 takes it from the model (a nonzero "
            "value must equal the model's count)."},
    {.key = "step_controller",
     .component = "controller",
     .type = ST_CHOICE,
     .def = "auto",
     .choices = controllers,
     .aliases = controller_aliases,
     .flags = ST_CODE,
     .doc = "Step-size control: auto picks an adaptive controller for methods with an error "
            "estimate and fixed for the others; i, pi and pid are the integral, "
            "proportional-integral and PID filters, gustafsson the predictive controller."},
    {.key = "dt",
     .component = "controller",
     .type = ST_REAL,
     .def = "auto",
     .bounds = ST_LO_OPEN,
     .lo = 0,
     .flags = ST_RUNTIME | ST_AUTO,
     .doc = "Step size of fixed-step runs, and the first step of adaptive ones (auto: 0.001 "
            "for fixed steps; adaptive runs each estimate their own starting step from the "
            "tolerances and two evaluations of the right-hand side)."},
    {.key = "dt_min",
     .component = "controller",
     .type = ST_REAL,
     .def = "auto",
     .bounds = ST_LO_OPEN,
     .lo = 0,
     .flags = ST_CODE | ST_AUTO,
     .doc = "Smallest step the controller may take (auto: 1e-12); a run that needs a smaller "
            "one stops with the step_too_small status flag."},
    {.key = "dt_max",
     .component = "controller",
     .type = ST_REAL,
     .def = "auto",
     .bounds = ST_LO_OPEN,
     .lo = 0,
     .flags = ST_CODE | ST_AUTO,
     .doc = "Largest step the controller may take (auto: unbounded; steps never pass the end "
            "time or a save time anyway); must be >= dt_min."},
    {.key = "atol",
     .component = "controller",
     .type = ST_REAL_LIST,
     .def = "1e-06",
     .bounds = ST_LO_OPEN,
     .lo = 0,
     .flags = ST_CODE,
     .doc = "Absolute tolerance: one value for all states, or a comma list with one per "
            "state."},
    {.key = "rtol",
     .component = "controller",
     .type = ST_REAL_LIST,
     .def = "1e-06",
     .bounds = ST_LO,
     .lo = 0,
     .flags = ST_CODE,
     .doc = "Relative tolerance: one value for all states, or a comma list with one per "
            "state."},
    {.key = "algorithm_order",
     .component = "controller",
     .type = ST_INT,
     .def = "auto",
     .bounds = ST_LO | ST_HI,
     .lo = 1,
     .hi = 64,
     .flags = ST_CODE | ST_AUTO,
     .doc = "Order used in the controller's gain exponents (auto: the order of the method's "
            "error estimate: min(p, q) for an embedded pair, 7 for dop853's combined estimate)."},
    {.key = "min_gain",
     .component = "controller",
     .type = ST_REAL,
     .def = "auto",
     .bounds = ST_LO_OPEN | ST_HI,
     .lo = 0,
     .hi = 1,
     .flags = ST_CODE | ST_AUTO,
     .doc = "Smallest factor by which one step may shrink the next."},
    {.key = "max_gain",
     .component = "controller",
     .type = ST_REAL,
     .def = "auto",
     .bounds = ST_LO,
     .lo = 1,
     .flags = ST_CODE | ST_AUTO,
     .doc = "Largest factor by which one step may grow the next."},
    {.key = "safety",
     .component = "controller",
     .type = ST_REAL,
     .def = "0.9",
     .bounds = ST_LO_OPEN | ST_HI,
     .lo = 0,
     .hi = 1,
     .flags = ST_CODE,
     .doc = "Safety factor applied to every proposed step change."},
    {.key = "kp",
     .component = "controller",
     .type = ST_REAL,
     .def = "auto",
     .flags = ST_CODE | ST_AUTO,
     .doc = "Proportional gain of the pi and pid controllers (auto: the controller's own "
            "default)."},
    {.key = "ki",
     .component = "controller",
     .type = ST_REAL,
     .def = "auto",
     .flags = ST_CODE | ST_AUTO,
     .doc = "Integral gain of the pi and pid controllers."},
    {.key = "kd",
     .component = "controller",
     .type = ST_REAL,
     .def = "auto",
     .flags = ST_CODE | ST_AUTO,
     .doc = "Derivative gain of the pid controller."},
    {.key = "deadband_min",
     .component = "controller",
     .type = ST_REAL,
     .def = "auto",
     .bounds = ST_LO_OPEN,
     .lo = 0,
     .flags = ST_CODE | ST_AUTO,
     .doc = "Lower edge of the deadband: a gain inside [deadband_min, deadband_max] keeps the "
            "step unchanged."},
    {.key = "deadband_max",
     .component = "controller",
     .type = ST_REAL,
     .def = "auto",
     .bounds = ST_LO_OPEN,
     .lo = 0,
     .flags = ST_CODE | ST_AUTO,
     .doc = "Upper edge of the deadband; must be >= deadband_min."},
    {.key = "gamma",
     .component = "controller",
     .type = ST_REAL,
     .def = "0.9",
     .bounds = ST_LO_OPEN | ST_HI,
     .lo = 0,
     .hi = 1,
     .flags = ST_CODE,
     .doc = "Damping of the gustafsson controller's Newton-iteration term."},
    {.key = "max_newton_iters",
     .component = "controller",
     .type = ST_INT,
     .def = "20",
     .bounds = ST_LO | ST_HI,
     .lo = 1,
     .hi = 1000,
     .flags = ST_CODE,
     .doc = "Newton iterations an implicit step may take; the gustafsson controller scales "
            "the step by how many were used."},
    {.key = "timestep_memory",
     .component = "controller",
     .type = ST_CHOICE,
     .def = "local",
     .choices = locations,
     .flags = ST_CODE,
     .doc = "Where the controller keeps its error history (the persistent buffer "
            "`timestep_buffer`); the same setting as `timestep_buffer_location`."},

    /* ---- implicit methods ---- */
    {.key = "linear_solver",
     .component = "implicit",
     .type = ST_CHOICE,
     .def = "auto",
     .choices = linear_solvers,
     .aliases = linear_solver_aliases,
     .flags = ST_CODE,
     .doc = "How implicit methods solve their linear systems: dense LU with partial pivoting "
            "on the exact Jacobian, or matrix-free GMRES on Jacobian-vector products; auto "
            "picks dense up to `dense_max_states` states."},
    {.key = "dense_max_states",
     .component = "implicit",
     .type = ST_INT,
     .def = "24",
     .bounds = ST_LO | ST_HI,
     .lo = 0,
     .hi = 4096,
     .flags = ST_CODE,
     .doc = "Largest model (in states) for which linear_solver=auto chooses the dense LU."},
    {.key = "newton_tolerance",
     .component = "implicit",
     .type = ST_REAL,
     .def = "0.03",
     .bounds = ST_LO_OPEN | ST_HI,
     .lo = 0,
     .hi = 1,
     .flags = ST_CODE,
     .doc = "Newton iteration stops when its estimated remaining error, in the weighted norm "
            "of atol/rtol, is below this fraction of the error tolerance."},
    {.key = "krylov_tolerance",
     .component = "implicit",
     .type = ST_REAL,
     .def = "1e-06",
     .bounds = ST_LO_OPEN | ST_HI_OPEN,
     .lo = 0,
     .hi = 1,
     .flags = ST_CODE,
     .doc = "Relative residual at which a Krylov linear solve stops."},
    {.key = "krylov_max_iters",
     .component = "implicit",
     .type = ST_INT,
     .def = "100",
     .bounds = ST_LO | ST_HI,
     .lo = 1,
     .hi = 100000,
     .flags = ST_CODE,
     .doc = "Krylov iterations allowed per linear solve, over all restarts."},
    {.key = "krylov_restart",
     .component = "implicit",
     .type = ST_INT,
     .def = "10",
     .bounds = ST_LO | ST_HI,
     .lo = 1,
     .hi = 200,
     .flags = ST_CODE,
     .doc = "GMRES restart length: basis vectors kept per run (memory grows with it)."},
    {.key = "preconditioner",
     .component = "implicit",
     .type = ST_CHOICE,
     .def = "jacobi",
     .choices = preconditioners,
     .flags = ST_CODE,
     .doc = "Preconditioner of the Krylov solver: none, or Jacobi from the symbolic diagonal "
            "of the Jacobian."},

    /* ---- loop and outputs ---- */
    {.key = "t0",
     .component = "loop",
     .type = ST_REAL,
     .def = "0.0",
     .flags = ST_RUNTIME,
     .doc = "Start time."},
    {.key = "duration",
     .component = "loop",
     .type = ST_REAL,
     .def = "1.0",
     .bounds = ST_LO_OPEN,
     .lo = 0,
     .flags = ST_RUNTIME,
     .doc = "Length of the integration after settling; runs end at t0 + settling + duration."},
    {.key = "settling",
     .component = "loop",
     .type = ST_REAL,
     .def = "0.0",
     .bounds = ST_LO,
     .lo = 0,
     .flags = ST_RUNTIME,
     .doc = "Warm-up time integrated from t0 before anything is saved."},
    {.key = "save_every",
     .component = "loop",
     .type = ST_REAL,
     .def = "0.0",
     .bounds = ST_LO,
     .lo = 0,
     .flags = ST_RUNTIME,
     .doc = "Interval between saved samples (exact save times); 0 saves the final state only."},
    {.key = "save_at",
     .component = "loop",
     .type = ST_STRING,
     .def = "",
     .flags = ST_RUNTIME,
     .doc = "Save times shared by every run, measured from the end of settling like save_every "
            "(the two are exclusive): a comma list (0,0.5,2), lin:a:b:n or log:a:b:n (n times "
            "evenly spaced, or evenly in log, from a to b), or the path of a file with one time "
            "per line or comma-separated times. Times must be strictly increasing and lie in "
            "[0, duration]; empty: none."},
    {.key = "save_mode",
     .component = "loop",
     .type = ST_CHOICE,
     .def = "auto",
     .choices = save_modes,
     .flags = ST_CODE,
     .doc = "How saves and summary samples inside a step are produced: interpolate reads them "
            "from the method's dense output without shortening steps, land shortens steps to "
            "end exactly on them (the step count then grows with the outputs); auto "
            "interpolates with an adaptive controller and a method whose interpolant has order "
            ">= 3 (docs/loop.md lists them) and lands otherwise."},
    {.key = "outputs",
     .component = "loop",
     .type = ST_NAMES,
     .def = "state",
     .choices = output_kinds,
     .aliases = output_aliases,
     .flags = ST_CODE | ST_METRICS,
     .doc = "What to output: state and observables choose what the saved series records; "
            "time is its time column (always written with saves); counters adds counters.csv "
            "with each run's steps attempted and rejected and its Newton iterations (npy "
            "output always has steps.npy, rejections.npy and newton_iters.npy); events records "
            "the first event_records events of each run in events.csv (or events.npy), on by "
            "default when the model declares events (docs/events.md); each summary "
            "metric adds its columns to the summaries "
            "(docs/outputs.md defines them; peaks[k] and negative_peaks[k] take a count k in "
            "1..64)."},
    {.key = "save_variables",
     .component = "loop",
     .type = ST_NAMES,
     .def = "all",
     .flags = ST_CODE,
     .doc = "States and observables to save, by name (all: every one); names are checked "
            "against the model."},
    {.key = "summarise_every",
     .component = "loop",
     .type = ST_REAL,
     .def = "0.0",
     .bounds = ST_LO,
     .lo = 0,
     .flags = ST_RUNTIME,
     .doc = "Length of each summary window, from the end of settling; 0 makes one window of "
            "the whole duration. A trailing part of the duration shorter than a window is not "
            "summarised."},
    {.key = "sample_summaries_every",
     .component = "loop",
     .type = ST_REAL,
     .def = "auto",
     .bounds = ST_LO_OPEN,
     .lo = 0,
     .flags = ST_RUNTIME | ST_AUTO,
     .doc = "Interval between the samples summaries are computed from (exact times "
            "t0 + settling + k*interval); must divide the window length and the duration "
            "(auto: a hundredth of the window)."},
    {.key = "summarise_variables",
     .component = "loop",
     .type = ST_NAMES,
     .def = "auto",
     .flags = ST_CODE | ST_AUTO,
     .doc = "States and observables to summarise, by name (all: every state, and every "
            "observable when outputs includes observables; auto: the same as "
            "save_variables)."},
    {.key = "max_events",
     .component = "loop",
     .type = ST_INT,
     .def = "100000",
     .bounds = ST_LO | ST_HI,
     .lo = 0,
     .hi = INT_TOP,
     .flags = ST_RUNTIME,
     .doc = "Events allowed per run (all events of the model together, settling included); one "
            "more fails the run there with the max_events status flag, so a run whose events "
            "come ever faster (a Zeno-like bouncing ball) cannot loop forever."},
    {.key = "event_records",
     .component = "loop",
     .type = ST_INT,
     .def = "10",
     .bounds = ST_LO | ST_HI,
     .lo = 0,
     .hi = 1000000,
     .flags = ST_RUNTIME,
     .doc = "Events recorded per run when outputs includes events: the first ones after "
            "settling, each with its time, its event and the state there (events.csv, "
            "events.npy); the counts of every event are in final.csv either way."},
    {.key = "keep_failed",
     .component = "loop",
     .type = ST_BOOL,
     .def = "false",
     .flags = ST_RUNTIME,
     .doc = "Keep what failed runs computed (final state at the time they stopped, the saves and "
            "summary windows they completed) instead of masking their values with NaN; their "
            "status words say why they failed either way."},
    {.key = "grid",
     .component = "loop",
     .type = ST_CHOICE,
     .def = "combinatorial",
     .choices = grids,
     .flags = ST_RUNTIME,
     .doc = "How per-variable value lists become runs: every combination, or paired "
            "column by column."},

    /* ---- drivers ---- */
    {.key = "driver_interpolation",
     .component = "drivers",
     .type = ST_CHOICE,
     .def = "not_a_knot",
     .choices = interpolations,
     .aliases = interpolation_aliases,
     .flags = ST_RUNTIME,
     .doc = "How drivers interpolate between their samples, unless a driver's own options say "
            "otherwise: linear, or a cubic spline with natural, clamped (end slopes given, by "
            "default one-sided 3-point differences), not_a_knot or periodic ends. not_a_knot "
            "(scipy's CubicSpline default) is exact for cubic data and imposes no guess about "
            "the end derivatives; natural forces u'' = 0 at the ends, which costs accuracy "
            "there unless the data really is flat in curvature."},
    {.key = "driver_ends",
     .component = "drivers",
     .type = ST_CHOICE,
     .def = "hold",
     .choices = driver_ends,
     .aliases = driver_ends_aliases,
     .flags = ST_RUNTIME,
     .doc = "What drivers do outside their sampled time range: hold the end values (derivative "
            "0), or wrap around with period t_last - t_first."},

    /* ---- buffer locations (one key per name in st_buffers) ---- */
    BUFFER_KEY("state", "loop's"),
    BUFFER_KEY("proposed_state", "loop's"),
    BUFFER_KEY("parameters", "loop's"),
    BUFFER_KEY("drivers", "loop's"),
    BUFFER_KEY("observables", "loop's"),
    BUFFER_KEY("error", "loop's"),
    BUFFER_KEY("stage_rhs", "algorithm's"),
    BUFFER_KEY("stage_accumulator", "algorithm's"),
    BUFFER_KEY("stage_increment", "algorithm's"),
    BUFFER_KEY("newton_eta", "algorithm's"),
    BUFFER_KEY("rosenbrock_stages", "algorithm's"),
    BUFFER_KEY("rosenbrock_dfdt", "algorithm's"),
    BUFFER_KEY("rosenbrock_fsal", "algorithm's"),
    BUFFER_KEY("jacobian", "linear solver's"),
    BUFFER_KEY("lu", "linear solver's"),
    BUFFER_KEY("summaries", "summaries'"),
    BUFFER_KEY("radau_stages", "algorithm's"),
    BUFFER_KEY("radau_rhs", "algorithm's"),
    BUFFER_KEY("radau_state", "algorithm's"),
    BUFFER_KEY("radau_lu_complex", "algorithm's"),
    BUFFER_KEY("radau_f0", "algorithm's"),
    BUFFER_KEY("radau_predictor", "algorithm's"),
    BUFFER_KEY("radau_eta", "algorithm's"),
    BUFFER_KEY("dense_output", "algorithm's"),
    BUFFER_KEY("krylov_point", "linear solver's"),
    BUFFER_KEY("krylov_diag", "linear solver's"),
    BUFFER_KEY("krylov_precond", "linear solver's"),
    BUFFER_KEY("krylov_basis", "linear solver's"),
    BUFFER_KEY("krylov_hessenberg", "linear solver's"),
    BUFFER_KEY("krylov_work", "linear solver's"),
    {.key = "timestep_buffer_location",
     .component = "buffers",
     .also = "controller",
     .same_as = "timestep_memory",
     .type = ST_CHOICE,
     .def = "local",
     .choices = locations,
     .flags = ST_CODE,
     .doc = "Memory for the controller's buffer `timestep_buffer`; another name for "
            "`timestep_memory`."},
};
const size_t st_table_len = sizeof st_table / sizeof st_table[0];

const st_buffer_decl st_buffers[] = {
    {"loop", "state"},
    {"loop", "proposed_state"},
    {"loop", "parameters"},
    {"loop", "drivers"},
    {"loop", "observables"},
    {"loop", "error"},
    {"algorithm", "stage_rhs"},
    {"algorithm", "stage_accumulator"},
    {"algorithm", "stage_increment"},
    {"algorithm", "newton_eta"},
    {"algorithm", "rosenbrock_stages"},
    {"algorithm", "rosenbrock_dfdt"},
    {"algorithm", "rosenbrock_fsal"},
    {"linear_solver", "jacobian"},
    {"linear_solver", "lu"},
    {"algorithm", "radau_stages"},
    {"algorithm", "radau_rhs"},
    {"algorithm", "radau_state"},
    {"algorithm", "radau_lu_complex"},
    {"algorithm", "radau_f0"},
    {"algorithm", "radau_predictor"},
    {"algorithm", "radau_eta"},
    {"algorithm", "dense_output"},
    {"linear_solver", "krylov_point"},
    {"linear_solver", "krylov_diag"},
    {"linear_solver", "krylov_precond"},
    {"linear_solver", "krylov_basis"},
    {"linear_solver", "krylov_hessenberg"},
    {"linear_solver", "krylov_work"},
    {"controller", "timestep_buffer"},
    {"summaries", "summaries"},
};
const size_t st_buffers_len = sizeof st_buffers / sizeof st_buffers[0];

const st_component_info st_components[] = {
    {"solver", "Solver",
     "The method, precision, backend and compiler. `precision` is shared with the step "
     "controller (one key)."},
    {"controller", "Step controller",
     "Step-size control and error tolerances. The controller also recognises `precision` "
     "(see Solver) and `timestep_buffer_location` (see Buffer locations). Keys a controller "
     "does not use (for example `kd` with `pi`) are accepted and ignored."},
    {"implicit", "Implicit methods",
     "Newton iteration and linear solvers of the implicit and Rosenbrock methods "
     "(docs/implicit.md). `max_newton_iters` is in Step controller."},
    {"loop", "Loop and outputs",
     "The integration interval, what is saved, and how batches of runs are formed."},
    {"drivers", "Drivers",
     "Time-varying inputs from sampled data (docs/drivers.md). The tables are per-solve data: "
     "these keys never recompile, and a driver's own options (bo_driver_options) override "
     "them."},
    {"buffers", "Buffer locations",
     "Each buffer a component registers lives in per-thread memory (`local`: registers or "
     "local memory) or in the block's shared memory (`shared`); `<name>_location` chooses. "
     "The results are the same either way; the speed is not. `timestep_buffer_location` and "
     "`timestep_memory` are two names for one setting."},
};
const size_t st_components_len = sizeof st_components / sizeof st_components[0];
