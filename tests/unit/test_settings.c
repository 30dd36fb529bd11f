/* The settings object: defaults as specified, validation and its messages, normalisation,
 * all-or-nothing updates, the timestep_memory alias, typed getters, the code fingerprint, the
 * generated documentation (docs/settings.md must be current), and allocation failures.
 *
 * `test_unit_test_settings --write-doc PATH` writes the Markdown reference instead of testing
 * (scripts/gen-settings-doc.sh uses it). */
#include "harness.h"
#include "settings/settings.h"

static bo_context *ctx;

static char *get(const bo_settings *s, const char *key)
{
    static char buf[512];
    char *v = NULL;
    if (bo_settings_get(s, key, &v) != BO_OK)
        return NULL;
    snprintf(buf, sizeof buf, "%s", v);
    bo_free(v);
    return buf;
}

/* Set must fail with code and exactly this message. */
static void expect_error(bo_settings *s, const char *key, const char *value, int code,
                         const char *msg)
{
    char *before = NULL;
    bo_settings_dump(s, &before);
    T_EQ_INT(bo_settings_set(s, key, value), code);
    if (msg)
        T_EQ_STR(bo_errmsg(ctx), msg);
    char *after = NULL;
    bo_settings_dump(s, &after);
    T_EQ_STR(after, before);
    bo_free(before);
    bo_free(after);
}

static void expect_value(bo_settings *s, const char *key, const char *value, const char *stored)
{
    T_EQ_INT(bo_settings_set(s, key, value), BO_OK);
    T_EQ_STR(get(s, key), stored);
}

static void test_defaults(void)
{
    /* Defaults as the specification lists them, written out independently of the table. */
    static const char *const want[][2] = {
        {"precision", "float64"},
        {"algorithm", "tsit5"},
        {"backend", "auto"},
        {"threads", "0"},
        {"device", "0"},
        {"block_size", "0"},
        {"chunk_runs", "0"},
        {"max_memory", "auto"},
        {"max_registers", "0"},
        {"cc", "cc"},
        {"max_steps", "1000000"},
        {"cache", "true"},
        {"n", "0"},
        {"step_controller", "auto"},
        {"dt", "auto"},
        {"dt_min", "auto"},
        {"dt_max", "auto"},
        {"atol", "1e-06"},
        {"rtol", "1e-06"},
        {"algorithm_order", "auto"},
        {"min_gain", "auto"},
        {"max_gain", "auto"},
        {"safety", "0.9"},
        {"kp", "auto"},
        {"ki", "auto"},
        {"kd", "auto"},
        {"deadband_min", "auto"},
        {"deadband_max", "auto"},
        {"gamma", "0.9"},
        {"max_newton_iters", "20"},
        {"timestep_memory", "local"},
        {"linear_solver", "auto"},
        {"dense_max_states", "24"},
        {"newton_tolerance", "0.03"},
        {"krylov_tolerance", "1e-06"},
        {"krylov_max_iters", "100"},
        {"krylov_restart", "10"},
        {"preconditioner", "jacobi"},
        {"t0", "0.0"},
        {"duration", "1.0"},
        {"settling", "0.0"},
        {"save_every", "0.0"},
        {"save_at", ""},
        {"save_mode", "auto"},
        {"outputs", "state"},
        {"save_variables", "all"},
        {"summarise_every", "0.0"},
        {"sample_summaries_every", "auto"},
        {"summarise_variables", "auto"},
        {"max_events", "100000"},
        {"event_records", "10"},
        {"keep_failed", "false"},
        {"grid", "combinatorial"},
        {"driver_interpolation", "not_a_knot"},
        {"driver_ends", "hold"},
        {"state_location", "local"},
        {"proposed_state_location", "local"},
        {"parameters_location", "local"},
        {"drivers_location", "local"},
        {"observables_location", "local"},
        {"error_location", "local"},
        {"stage_rhs_location", "local"},
        {"stage_accumulator_location", "local"},
        {"stage_increment_location", "local"},
        {"newton_eta_location", "local"},
        {"rosenbrock_stages_location", "local"},
        {"rosenbrock_dfdt_location", "local"},
        {"rosenbrock_fsal_location", "local"},
        {"jacobian_location", "local"},
        {"lu_location", "local"},
        {"summaries_location", "local"},
        {"radau_stages_location", "local"},
        {"radau_rhs_location", "local"},
        {"radau_state_location", "local"},
        {"radau_lu_complex_location", "local"},
        {"radau_f0_location", "local"},
        {"radau_predictor_location", "local"},
        {"radau_eta_location", "local"},
        {"dense_output_location", "local"},
        {"krylov_point_location", "local"},
        {"krylov_diag_location", "local"},
        {"krylov_precond_location", "local"},
        {"krylov_basis_location", "local"},
        {"krylov_hessenberg_location", "local"},
        {"krylov_work_location", "local"},
        {"timestep_buffer_location", "local"},
    };
    bo_settings *s = NULL;
    T_EQ_INT(bo_settings_create(ctx, &s), BO_OK);
    size_t n = sizeof want / sizeof want[0];
    for (size_t i = 0; i < n; ++i) {
        T_EQ_STR(get(s, want[i][0]), want[i][1]);
        T_EQ_INT(bo_settings_is_set(s, want[i][0]), 0);
    }
    T_EQ_INT(st_table_len, n + 1); /* + cflags, whose default is a documented choice */
    T_CHECK(get(s, "cflags") != NULL);

    /* The step controller recognises the seed's whole list. */
    static const char *const controller_keys[] = {"precision",
                                                  "n",
                                                  "step_controller",
                                                  "dt",
                                                  "dt_min",
                                                  "dt_max",
                                                  "atol",
                                                  "rtol",
                                                  "algorithm_order",
                                                  "min_gain",
                                                  "max_gain",
                                                  "safety",
                                                  "kp",
                                                  "ki",
                                                  "kd",
                                                  "deadband_min",
                                                  "deadband_max",
                                                  "gamma",
                                                  "max_newton_iters",
                                                  "timestep_memory",
                                                  "timestep_buffer_location"};
    for (size_t i = 0; i < sizeof controller_keys / sizeof controller_keys[0]; ++i)
        T_CHECKF(st_component_recognises("controller", controller_keys[i]), "%s",
                 controller_keys[i]);
    T_CHECK(!st_component_recognises("controller", "t0"));
    T_CHECK(st_component_recognises("solver", "precision"));
    T_CHECK(!st_component_recognises("solver", "nope"));

    /* Every declared buffer has its location key. */
    for (size_t i = 0; i < st_buffers_len; ++i) {
        char key[128];
        snprintf(key, sizeof key, "%s_location", st_buffers[i].name);
        T_CHECKF(st_find(key) != NULL, "%s", key);
    }

    /* Every default is already in normalised form and valid. */
    for (size_t i = 0; i < st_table_len; ++i) {
        const st_entry *e = &st_table[i];
        T_EQ_INT(bo_settings_set(s, e->key, e->def), BO_OK);
        T_EQ_STR(get(s, e->key), e->def);
        T_EQ_INT(bo_settings_is_set(s, e->key), 1);
        T_EQ_INT(bo_settings_reset(s, e->key), BO_OK);
        T_EQ_INT(bo_settings_is_set(s, e->key), 0);
        T_CHECK(e->doc && strlen(e->doc) > 10);
        unsigned effect = e->flags & (ST_CODE | ST_BUILD | ST_RUNTIME);
        T_CHECKF(effect == ST_CODE || effect == ST_BUILD || effect == ST_RUNTIME, "%s", e->key);
    }

    /* dump: every key in table order, "auto" where unresolved. */
    char *dump = NULL;
    T_EQ_INT(bo_settings_dump(s, &dump), BO_OK);
    T_CHECK(strncmp(dump, "precision = float64\nalgorithm = tsit5\n", 38) == 0);
    T_CONTAINS(dump, "\ndt = auto\n");
    T_CONTAINS(dump, "\nsafety = 0.9\n");
    T_CONTAINS(dump, "\ntimestep_buffer_location = local\n");
    size_t lines = 0;
    for (const char *p = dump; *p; ++p)
        lines += *p == '\n';
    T_EQ_INT(lines, st_table_len);
    bo_free(dump);
    bo_settings_destroy(s);
}

static void test_validation(void)
{
    bo_settings *s = NULL;
    T_EQ_INT(bo_settings_create(ctx, &s), BO_OK);

    expect_error(s, "rtoll", "1e-6", BO_ERR_UNKNOWN_KEY,
                 "unknown setting 'rtoll' (did you mean 'rtol'?)");
    expect_error(s, "dtmax", "1", BO_ERR_UNKNOWN_KEY,
                 "unknown setting 'dtmax' (did you mean 'dt_max'?)");
    expect_error(s, "xtol", "1", BO_ERR_UNKNOWN_KEY,
                 "unknown setting 'xtol' (did you mean 'atol' or 'rtol'?)");
    expect_error(s, "zzqqxxyy", "1", BO_ERR_UNKNOWN_KEY, "unknown setting 'zzqqxxyy'");
    T_EQ_INT(bo_settings_is_set(s, "rtoll"), BO_ERR_UNKNOWN_KEY);
    T_EQ_INT(bo_settings_reset(s, "rtoll"), BO_ERR_UNKNOWN_KEY);

    /* Reals: strict, finite, range with open and closed ends. */
    expect_error(s, "safety", "1.5", BO_ERR_SETTING, "setting 'safety' must be in (0, 1], got 1.5");
    expect_error(s, "safety", "0", BO_ERR_SETTING, "setting 'safety' must be in (0, 1], got 0");
    expect_value(s, "safety", "1", "1.0");
    expect_value(s, "safety", "0.85", "0.85");
    /* Numbers are read by the model language's grammar: decimal, no blanks, no hex. */
    expect_error(s, "safety", " 0.85 ", BO_ERR_SETTING,
                 "setting 'safety' must be a real number in (0, 1], got ' 0.85 ' (numbers are "
                 "written without blanks)");
    expect_error(s, "rtol", "1e-6 ", BO_ERR_SETTING,
                 "setting 'rtol' must be a real number >= 0, got '1e-6 ' (numbers are written "
                 "without blanks)");
    expect_error(s, "rtol", "0x10", BO_ERR_SETTING,
                 "setting 'rtol' must be a real number >= 0, got '0x10' (hexadecimal numbers are "
                 "not accepted)");
    expect_error(s, "max_steps", "0x10", BO_ERR_SETTING, NULL);
    expect_error(s, "max_steps", " 10", BO_ERR_SETTING, NULL);
    expect_error(s, "safety", "0x1p-1", BO_ERR_SETTING, NULL);
    expect_error(s, "safety", "infinity", BO_ERR_SETTING, NULL);
    expect_value(s, "safety", "+.5", "0.5");
    expect_value(s, "safety", "5.E-1", "0.5");
    expect_error(s, "safety", "0.5x", BO_ERR_SETTING,
                 "setting 'safety' must be a real number in (0, 1], got '0.5x'");
    expect_error(s, "safety", "nan", BO_ERR_SETTING, NULL);
    expect_error(s, "safety", "inf", BO_ERR_SETTING, NULL);
    expect_error(s, "safety", "", BO_ERR_SETTING, "setting 'safety' needs a value");
    expect_error(s, "safety", "auto", BO_ERR_SETTING, NULL);
    expect_error(s, "duration", "1e999", BO_ERR_SETTING, NULL);
    expect_error(s, "dt", "-0.001", BO_ERR_SETTING, "setting 'dt' must be > 0 or auto, got -0.001");
    expect_error(s, "dt", "fast", BO_ERR_SETTING,
                 "setting 'dt' must be a real number > 0 or auto, got 'fast'");
    expect_value(s, "dt", "2.385e-3", "0.002385");
    expect_value(s, "dt", "AUTO", "auto");
    expect_value(s, "t0", "-12.5", "-12.5");
    expect_value(s, "settling", "0", "0.0");
    expect_error(s, "settling", "-1", BO_ERR_SETTING, "setting 'settling' must be >= 0, got -1");
    expect_error(s, "max_gain", "0.99", BO_ERR_SETTING,
                 "setting 'max_gain' must be >= 1 or auto, got 0.99");
    expect_value(s, "kp", "-0.4", "-0.4");
    expect_value(s, "min_gain", "0.2", "0.2");
    expect_error(s, "gamma", "1.0000001", BO_ERR_SETTING, NULL);

    /* Integers, including an exact real spelling. */
    expect_value(s, "max_steps", "1e6", "1000000");
    expect_value(s, "max_steps", "250000", "250000");
    expect_error(s, "max_steps", "2.5", BO_ERR_SETTING,
                 "setting 'max_steps' must be an integer in [1, 2147483647], got '2.5'");
    expect_error(s, "max_steps", "0", BO_ERR_SETTING,
                 "setting 'max_steps' must be in [1, 2147483647], got 0");
    expect_error(s, "max_newton_iters", "1001", BO_ERR_SETTING,
                 "setting 'max_newton_iters' must be in [1, 1000], got 1001");
    expect_value(s, "max_newton_iters", "1000", "1000");
    expect_error(s, "threads", "-1", BO_ERR_SETTING, NULL);
    expect_error(s, "n", "3.0x", BO_ERR_SETTING, NULL);
    expect_value(s, "algorithm_order", "5", "5");

    /* block_size: 0 or a multiple of 32 in [32, 1024]. */
    static const char *const good_blocks[] = {"0", "32", "64", "256", "1024"};
    static const char *const bad_blocks[] = {"16", "48", "1056", "2048", "-32", "31"};
    for (size_t i = 0; i < 5; ++i)
        expect_value(s, "block_size", good_blocks[i], good_blocks[i]);
    for (size_t i = 0; i < 6; ++i)
        expect_error(s, "block_size", bad_blocks[i], BO_ERR_SETTING, NULL);
    expect_error(s, "block_size", "48", BO_ERR_SETTING,
                 "setting 'block_size' must be 0 or a multiple of 32 in [32, 1024], got 48");

    /* Choices and aliases, case-insensitive, stored canonical. */
    expect_error(s, "step_controller", "pd", BO_ERR_SETTING,
                 "setting 'step_controller' must be one of: auto, fixed, i, pi, pid, "
                 "gustafsson; got 'pd'");
    expect_value(s, "step_controller", "PID", "pid");
    expect_value(s, "algorithm", "rk45", "dp5");
    expect_value(s, "algorithm", "dormand_prince", "dp5");
    expect_value(s, "algorithm", "ode45", "dp5");
    expect_value(s, "algorithm", "dopri5", "dp5");
    expect_value(s, "algorithm", "rk23", "bs3");
    expect_value(s, "algorithm", "ode23", "bs3");
    expect_value(s, "algorithm", "DOPRI853", "dop853");
    expect_value(s, "algorithm", "Tsit5", "tsit5");
    expect_error(s, "algorithm", "rk5", BO_ERR_SETTING, NULL);
    expect_value(s, "precision", "float32", "float32");
    expect_value(s, "precision", "double", "float64");
    expect_error(s, "precision", "float16", BO_ERR_SETTING, NULL);
    expect_value(s, "backend", "gpu", "cuda");
    expect_value(s, "grid", "verbatim", "verbatim");
    expect_value(s, "cache", "off", "false");
    expect_value(s, "cache", "YES", "true");
    expect_error(s, "cache", "maybe", BO_ERR_SETTING, NULL);

    /* Strings. */
    expect_value(s, "cc", "/usr/bin/gcc", "/usr/bin/gcc");
    expect_error(s, "cc", "  ", BO_ERR_SETTING, "setting 'cc' needs a value");
    expect_value(s, "cflags", "", "");
    expect_value(s, "cflags", "-O2 -g", "-O2 -g");
    expect_error(s, "cflags", "-O2\n-g", BO_ERR_SETTING, NULL);

    /* Real-or-per-state lists. */
    expect_value(s, "atol", "1e-8,1e-6,2.385e-7", "1e-08,1e-06,2.385e-07");
    expect_error(s, "atol", "1e-8, 1e-6", BO_ERR_SETTING,
                 "setting 'atol' must be a real number > 0, got ' 1e-6' (numbers are written "
                 "without blanks) (in '1e-8, 1e-6')");
    expect_value(s, "atol", "0.000001", "1e-06");
    expect_error(s, "atol", "1e-6,-1", BO_ERR_SETTING,
                 "setting 'atol' must be > 0, got -1 (in '1e-6,-1')");
    expect_error(s, "atol", "1e-6,,1", BO_ERR_SETTING, NULL);
    expect_error(s, "atol", "1e-6,", BO_ERR_SETTING, NULL);
    expect_error(s, "atol", "0", BO_ERR_SETTING, NULL);
    expect_value(s, "rtol", "0", "0.0");

    /* Name lists. */
    expect_value(s, "outputs", "time, STATE,counters", "time,state,counters");
    expect_value(s, "outputs", "states,observable", "state,observables");
    expect_error(s, "outputs", "state,states", BO_ERR_SETTING,
                 "setting 'outputs' lists 'state' twice in 'state,states'");
    expect_error(
        s, "outputs", "summaries", BO_ERR_SETTING,
        "setting 'outputs' takes names from: state, observables, time, counters, events, or "
        "summary metrics: mean, rms, std, min, max, extrema, max_magnitude, peaks[k], "
        "negative_peaks[k], dxdt_max, dxdt_min, dxdt_extrema, d2xdt2_max, d2xdt2_min, "
        "d2xdt2_extrema; got 'summaries'");
    expect_value(s, "outputs", "state, Peaks[3],mean", "state,peaks[3],mean");
    expect_value(s, "save_variables", "V, m_gate,h", "V,m_gate,h");
    expect_error(s, "save_variables", "all,V", BO_ERR_SETTING, NULL);
    expect_error(s, "save_variables", "1x", BO_ERR_SETTING, NULL);
    expect_error(s, "save_variables", "V,V", BO_ERR_SETTING, NULL);

    /* Buffer locations, and the one value behind timestep_memory. */
    expect_value(s, "stage_rhs_location", "SHARED", "shared");
    expect_error(s, "state_location", "global", BO_ERR_SETTING,
                 "setting 'state_location' must be one of: local, shared; got 'global'");
    T_EQ_INT(bo_settings_set(s, "timestep_buffer_location", "shared"), BO_OK);
    T_EQ_STR(get(s, "timestep_memory"), "shared");
    T_EQ_INT(bo_settings_is_set(s, "timestep_memory"), 1);
    char *dump = NULL;
    bo_settings_dump(s, &dump);
    T_CONTAINS(dump, "\ntimestep_memory = shared\n");
    T_CONTAINS(dump, "\ntimestep_buffer_location = shared\n");
    bo_free(dump);
    T_EQ_INT(bo_settings_reset(s, "timestep_memory"), BO_OK);
    T_EQ_STR(get(s, "timestep_buffer_location"), "local");
    T_EQ_INT(bo_settings_is_set(s, "timestep_buffer_location"), 0);

    /* Ordered pairs: checked on the final values, naming the key just given. */
    expect_value(s, "deadband_max", "1.2", "1.2");
    expect_error(s, "deadband_min", "1.5", BO_ERR_SETTING,
                 "setting 'deadband_min' must be <= deadband_max (1.2), got 1.5");
    expect_value(s, "deadband_min", "0.8", "0.8");
    expect_error(s, "deadband_max", "0.5", BO_ERR_SETTING,
                 "setting 'deadband_max' must be >= deadband_min (0.8), got 0.5");
    {
        const char *k[] = {"deadband_min", "deadband_max"}, *v[] = {"1.5", "2"};
        T_EQ_INT(bo_settings_update(s, 2, k, v, NULL), BO_OK);
    }
    expect_value(s, "dt_min", "1e-9", "1e-09");
    expect_error(s, "dt_max", "1e-10", BO_ERR_SETTING, NULL);
    expect_value(s, "dt_max", "1e-9", "1e-09");
    expect_value(s, "dt_min", "auto", "auto");
    expect_value(s, "dt_max", "1e-12", "1e-12");

    T_EQ_INT(bo_settings_set(s, NULL, "1"), BO_ERR_INVALID_ARG);
    T_EQ_INT(bo_settings_set(s, "rtol", NULL), BO_ERR_INVALID_ARG);
    T_EQ_INT(bo_settings_set(NULL, "rtol", "1"), BO_ERR_INVALID_ARG);
    bo_settings_destroy(s);
    bo_settings_destroy(NULL);
}

static void test_update_and_copy(void)
{
    bo_settings *s = NULL;
    T_EQ_INT(bo_settings_create(ctx, &s), BO_OK);
    unsigned char rec[4] = {9, 9, 9, 9};

    const char *k1[] = {"rtol", "bogus", "atoll", "safety"};
    const char *v1[] = {"1e-8", "1", "1", "0.5"};
    T_EQ_INT(bo_settings_update(s, 4, k1, v1, rec), BO_ERR_UNKNOWN_KEY);
    T_EQ_INT(rec[0], 1);
    T_EQ_INT(rec[1], 0);
    T_EQ_INT(rec[2], 0);
    T_EQ_INT(rec[3], 1);
    T_EQ_STR(bo_errmsg(ctx), "unknown setting 'bogus'");
    T_EQ_STR(get(s, "rtol"), "1e-06");
    T_EQ_STR(get(s, "safety"), "0.9");

    const char *k2[] = {"rtol", "safety", "algorithm"};
    const char *v2[] = {"1e-8", "2", "rk4"};
    T_EQ_INT(bo_settings_update(s, 3, k2, v2, rec), BO_ERR_SETTING);
    T_EQ_STR(bo_errmsg(ctx), "setting 'safety' must be in (0, 1], got 2");
    T_EQ_STR(get(s, "rtol"), "1e-06");
    T_EQ_STR(get(s, "algorithm"), "tsit5");
    T_EQ_INT(bo_settings_is_set(s, "rtol"), 0);

    /* The same key twice: the last wins; aliases count as the same key. */
    const char *k3[] = {"rtol", "safety", "rtol", "timestep_memory", "timestep_buffer_location"};
    const char *v3[] = {"1e-8", "0.8", "1e-10", "shared", "local"};
    memset(rec, 0, sizeof rec);
    unsigned char rec5[5] = {0};
    T_EQ_INT(bo_settings_update(s, 5, k3, v3, rec5), BO_OK);
    T_CHECK(rec5[0] && rec5[1] && rec5[2] && rec5[3] && rec5[4]);
    T_EQ_STR(get(s, "rtol"), "1e-10");
    T_EQ_STR(get(s, "safety"), "0.8");
    T_EQ_STR(get(s, "timestep_memory"), "local");
    T_EQ_INT(bo_settings_is_set(s, "timestep_memory"), 1);
    T_EQ_INT(bo_settings_update(s, 0, NULL, NULL, NULL), BO_OK);

    bo_settings *c = NULL;
    T_EQ_INT(bo_settings_copy(s, &c), BO_OK);
    T_EQ_STR(get(c, "rtol"), "1e-10");
    T_EQ_INT(bo_settings_is_set(c, "rtol"), 1);
    T_EQ_INT(bo_settings_set(c, "rtol", "1e-3"), BO_OK);
    T_EQ_STR(get(s, "rtol"), "1e-10");
    T_EQ_STR(get(c, "rtol"), "0.001");
    T_CHECK(st_ctx(c) == ctx);
    bo_settings_destroy(c);
    bo_settings_destroy(s);
}

static void test_getters(void)
{
    bo_settings *s = NULL;
    T_EQ_INT(bo_settings_create(ctx, &s), BO_OK);
    double d = 0;
    long n = 0;
    int b = -1;
    const char *t = NULL;
    T_EQ_INT(st_is_auto(s, "dt"), 1);
    T_EQ_INT(st_get_real(s, "dt", &d), BO_ERR_STATE);
    T_CONTAINS(bo_errmsg(ctx), "'dt' is auto");
    T_EQ_INT(bo_settings_set(s, "dt", "0.1"), BO_OK);
    T_EQ_INT(st_is_auto(s, "dt"), 0);
    T_EQ_INT(st_get_real(s, "dt", &d), BO_OK);
    T_CHECK(d == 0.1);
    T_EQ_INT(bo_settings_set(s, "duration", "2.385"), BO_OK);
    T_EQ_INT(st_get_real(s, "duration", &d), BO_OK);
    T_CHECK(d == 2.385);
    T_EQ_INT(bo_settings_set(s, "t0", "0.30000000000000004"), BO_OK);
    T_EQ_INT(st_get_real(s, "t0", &d), BO_OK);
    T_CHECK(d == 0.1 + 0.2);
    T_EQ_INT(st_get_int(s, "max_steps", &n), BO_OK);
    T_EQ_INT(n, 1000000);
    T_EQ_INT(st_get_real(s, "max_steps", &d), BO_OK);
    T_CHECK(d == 1e6);
    T_EQ_INT(st_get_int(s, "algorithm_order", &n), BO_ERR_STATE);
    T_EQ_INT(st_get_bool(s, "cache", &b), BO_OK);
    T_EQ_INT(b, 1);
    T_EQ_INT(st_get_choice(s, "algorithm", &t), BO_OK);
    T_EQ_STR(t, "tsit5");
    T_EQ_INT(st_get_choice(s, "timestep_buffer_location", &t), BO_OK);
    T_EQ_STR(t, "local");
    T_EQ_INT(st_get_choice(s, "cc", &t), BO_OK);
    T_EQ_STR(t, "cc");
    T_EQ_INT(st_get_real(s, "algorithm", &d), BO_ERR_INVALID_ARG);
    T_EQ_INT(st_get_int(s, "nope", &n), BO_ERR_UNKNOWN_KEY);
    T_EQ_INT(st_is_auto(s, "backend"), 1);

    st_list l;
    T_EQ_INT(bo_settings_set(s, "atol", "1e-8,2.385e-6,3"), BO_OK);
    T_EQ_INT(st_get_list(s, "atol", &l), BO_OK);
    T_EQ_INT(l.count, 3);
    T_CHECK(l.names == NULL);
    T_CHECK(l.reals && l.reals[0] == 1e-8 && l.reals[1] == 2.385e-6 && l.reals[2] == 3.0);
    st_list_free(&l);
    T_EQ_INT(st_get_list(s, "rtol", &l), BO_OK);
    T_EQ_INT(l.count, 1);
    T_CHECK(l.reals && l.reals[0] == 1e-6);
    st_list_free(&l);
    T_EQ_INT(bo_settings_set(s, "outputs", "time,state"), BO_OK);
    T_EQ_INT(st_get_list(s, "outputs", &l), BO_OK);
    T_EQ_INT(l.count, 2);
    T_CHECK(l.reals == NULL);
    T_EQ_STR(l.names[0], "time");
    T_EQ_STR(l.names[1], "state");
    st_list_free(&l);
    T_EQ_INT(st_get_list(s, "save_variables", &l), BO_OK);
    T_EQ_INT(l.count, 1);
    T_EQ_STR(l.names[0], "all");
    st_list_free(&l);
    T_EQ_INT(st_get_list(s, "kd", &l), BO_ERR_STATE);
    T_EQ_INT(st_get_list(s, "grid", &l), BO_ERR_INVALID_ARG);
    st_list_free(&l);
    bo_settings_destroy(s);
}

static void test_fingerprint(void)
{
    /* (key, a valid non-default value, whether it reaches the generated code) — from the
     * specification: t0, duration, settling, save_every, dt, max_steps and grid are per call;
     * threads, block_size and cache only steer the host; backend, device, cc and cflags choose how
     * the code is built, which the compile cache keys separately. */
    static const struct {
        const char *key, *value;
        int code;
    } cases[] = {
        {"precision", "float32", 1},
        {"algorithm", "dp5", 1},
        {"max_steps", "5000", 0}, /* a kernel argument */
        {"n", "3", 1},
        {"step_controller", "pi", 1},
        {"dt", "0.01", 0}, /* the first or fixed step: a kernel argument */
        {"dt_min", "1e-12", 1},
        {"dt_max", "0.5", 1},
        {"atol", "1e-9", 1},
        {"rtol", "1e-4,1e-5,1e-6", 1},
        {"algorithm_order", "4", 1},
        {"min_gain", "0.2", 1},
        {"max_gain", "5", 1},
        {"safety", "0.95", 1},
        {"kp", "0.7", 1},
        {"ki", "-0.4", 1},
        {"kd", "0.1", 1},
        {"deadband_min", "1", 1},
        {"deadband_max", "1.2", 1},
        {"gamma", "0.5", 1},
        {"max_newton_iters", "7", 1},
        {"linear_solver", "krylov", 1},
        {"dense_max_states", "8", 1},
        {"newton_tolerance", "0.01", 1},
        {"krylov_tolerance", "1e-08", 1},
        {"krylov_max_iters", "50", 1},
        {"krylov_restart", "20", 1},
        {"preconditioner", "none", 1},
        {"timestep_memory", "shared", 1},
        {"timestep_buffer_location", "shared", 1},
        {"outputs", "state,time", 1},
        {"save_variables", "x", 1},
        {"state_location", "shared", 1},
        {"proposed_state_location", "shared", 1},
        {"parameters_location", "shared", 1},
        {"drivers_location", "shared", 1},
        {"observables_location", "shared", 1},
        {"error_location", "shared", 1},
        {"stage_rhs_location", "shared", 1},
        {"stage_accumulator_location", "shared", 1},
        {"stage_increment_location", "shared", 1},
        {"newton_eta_location", "shared", 1},
        {"rosenbrock_stages_location", "shared", 1},
        {"rosenbrock_dfdt_location", "shared", 1},
        {"rosenbrock_fsal_location", "shared", 1},
        {"jacobian_location", "shared", 1},
        {"lu_location", "shared", 1},
        {"summaries_location", "shared", 1},
        {"summarise_variables", "x", 1},
        {"summarise_every", "2", 0},
        {"sample_summaries_every", "0.5", 0},
        {"radau_stages_location", "shared", 1},
        {"radau_rhs_location", "shared", 1},
        {"radau_state_location", "shared", 1},
        {"radau_lu_complex_location", "shared", 1},
        {"radau_f0_location", "shared", 1},
        {"radau_predictor_location", "shared", 1},
        {"radau_eta_location", "shared", 1},
        {"dense_output_location", "shared", 1},
        {"krylov_point_location", "shared", 1},
        {"krylov_diag_location", "shared", 1},
        {"krylov_precond_location", "shared", 1},
        {"krylov_basis_location", "shared", 1},
        {"krylov_hessenberg_location", "shared", 1},
        {"krylov_work_location", "shared", 1},
        {"t0", "2.385", 0},
        {"duration", "40", 0},
        {"settling", "5", 0},
        {"save_every", "0.1", 0},
        {"save_at", "0,1", 0},
        {"save_mode", "land", 1},
        {"grid", "verbatim", 0},
        {"max_events", "7", 0},    /* a kernel argument */
        {"event_records", "3", 0}, /* a kernel argument */
        {"keep_failed", "true", 0},
        {"driver_interpolation", "linear", 0}, /* driver tables are per-solve data */
        {"driver_ends", "wrap", 0},
        {"threads", "3", 0},
        {"block_size", "128", 0},
        {"chunk_runs", "65536", 0},
        {"max_memory", "8e9", 0},
        {"max_registers", "32", 1},
        {"cache", "false", 0},
        {"backend", "cpu", 0},
        {"device", "1", 0},
        {"cc", "clang", 0},
        {"cflags", "-O1", 0},
    };
    size_t ncases = sizeof cases / sizeof cases[0];
    T_EQ_INT(ncases, st_table_len); /* every key is classified here */
    bo_settings *s = NULL;
    T_EQ_INT(bo_settings_create(ctx, &s), BO_OK);
    char base[65], fp[65];
    T_EQ_INT(st_code_fingerprint(s, base), BO_OK);
    T_EQ_INT(strlen(base), 64);
    for (size_t i = 0; i < ncases; ++i) {
        T_EQ_INT(bo_settings_set(s, cases[i].key, cases[i].value), BO_OK);
        T_EQ_INT(st_code_fingerprint(s, fp), BO_OK);
        T_CHECKF((strcmp(fp, base) != 0) == cases[i].code, "key %s", cases[i].key);
        T_EQ_INT(bo_settings_reset(s, cases[i].key), BO_OK);
        T_EQ_INT(st_code_fingerprint(s, fp), BO_OK);
        T_EQ_STR(fp, base);
    }
    /* Same value, different spelling: same code. */
    T_EQ_INT(bo_settings_set(s, "rtol", "0.000001"), BO_OK);
    T_EQ_INT(bo_settings_set(s, "algorithm", "TSIT5"), BO_OK);
    T_EQ_INT(st_code_fingerprint(s, fp), BO_OK);
    T_EQ_STR(fp, base);
    /* Two code keys changed together differ from each changed alone. */
    char a[65], b[65], ab[65];
    bo_settings_set(s, "safety", "0.8");
    st_code_fingerprint(s, a);
    bo_settings_reset(s, "safety");
    bo_settings_set(s, "gamma", "0.8");
    st_code_fingerprint(s, b);
    bo_settings_set(s, "safety", "0.8");
    st_code_fingerprint(s, ab);
    T_CHECK(strcmp(a, b) != 0 && strcmp(a, ab) != 0 && strcmp(b, ab) != 0);
    bo_settings_destroy(s);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf) {
        size_t got = fread(buf, 1, (size_t)n, f);
        buf[got] = '\0';
    }
    fclose(f);
    return buf;
}

static void test_doc(void)
{
    char *md = NULL, *txt = NULL;
    T_EQ_INT(bo_settings_doc(1, &md), BO_OK);
    T_EQ_INT(bo_settings_doc(0, &txt), BO_OK);
    T_EQ_INT(bo_settings_doc(0, NULL), BO_ERR_INVALID_ARG);
    T_CHECK(strncmp(md, "# Settings reference\n", 21) == 0);
    T_CONTAINS(md, "## Step controller");
    T_CONTAINS(md, "| key | type | default | allowed | description |");
    T_CONTAINS(md, "| `safety` | real | `0.9` | in (0, 1] |");
    T_CONTAINS(md, "`rk45` = `dp5`");
    T_CONTAINS(txt, "safety (real, default '0.9'): in (0, 1]");
    for (size_t i = 0; i < st_table_len; ++i) {
        char row[128];
        snprintf(row, sizeof row, "| `%s` |", st_table[i].key);
        T_CONTAINS(md, row);
        snprintf(row, sizeof row, "\n  %s (", st_table[i].key);
        T_CONTAINS(txt, row);
    }
    /* Every component has its section, and the checked-in reference is current. */
    for (size_t c = 0; c < st_components_len; ++c) {
        char h[128];
        snprintf(h, sizeof h, "\n## %s\n", st_components[c].title);
        T_CONTAINS(md, h);
    }
    char *file = read_file(BO_SOURCE_DIR "/docs/settings.md");
    T_CHECKF(file && strcmp(file, md) == 0,
             "docs/settings.md is out of date: run scripts/gen-settings-doc.sh");
    free(file);
    bo_free(md);
    bo_free(txt);
}

static void test_alloc_failures(void)
{
    /* Every allocation in create, copy, update, get, dump and doc may fail: the call reports
     * BO_ERR_NOMEM, leaks nothing and leaves the settings as they were. */
    int create_failed = 0, update_failed = 0;
    for (long n = 0; n < 200; ++n) {
        bo_settings *s = (bo_settings *)&n;
        bo_test_fail_alloc_after(n);
        int r = bo_settings_create(ctx, &s);
        bo_test_fail_alloc_after(-1);
        if (r != BO_OK) {
            T_EQ_INT(r, BO_ERR_NOMEM);
            T_CHECK(s == NULL);
            ++create_failed;
            continue;
        }
        bo_settings_destroy(s);
    }
    for (long n = 0; n < 200; ++n) {
        bo_settings *s = NULL;
        T_EQ_INT(bo_settings_create(ctx, &s), BO_OK);
        const char *k[] = {"atol", "outputs", "rtol"};
        const char *v[] = {"1e-8,1e-7", "time,state", "1e-3"};
        bo_test_fail_alloc_after(n);
        int r = bo_settings_update(s, 3, k, v, NULL);
        bo_test_fail_alloc_after(-1);
        if (r != BO_OK) {
            T_EQ_INT(r, BO_ERR_NOMEM);
            T_EQ_STR(get(s, "atol"), "1e-06");
            T_EQ_STR(get(s, "rtol"), "1e-06");
            ++update_failed;
        } else {
            T_EQ_STR(get(s, "atol"), "1e-08,1e-07");
        }
        bo_settings *c = (bo_settings *)&n;
        char *out = NULL;
        st_list l;
        bo_test_fail_alloc_after(n);
        if (bo_settings_copy(s, &c) != BO_OK)
            T_CHECK(c == NULL);
        bo_settings_dump(s, &out);
        bo_free(out);
        out = NULL;
        bo_settings_doc(1, &out);
        bo_free(out);
        out = NULL;
        bo_settings_get(s, "atol", &out);
        bo_free(out);
        if (st_get_list(s, "outputs", &l) == BO_OK)
            st_list_free(&l);
        bo_settings_set(s, "rtoll", "1");
        bo_settings_reset(s, "rtol");
        bo_test_fail_alloc_after(-1);
        bo_settings_destroy(c);
        bo_settings_destroy(s);
    }
    T_CHECK(create_failed > 0);
    T_CHECK(update_failed > 0);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write-doc") == 0) {
        char *md = NULL;
        if (bo_settings_doc(1, &md) != BO_OK)
            return 1;
        FILE *f = fopen(argv[2], "wb");
        int ok = f && fputs(md, f) >= 0;
        if (f && fclose(f) != 0)
            ok = 0;
        bo_free(md);
        if (!ok)
            fprintf(stderr, "cannot write %s\n", argv[2]);
        return ok ? 0 : 1;
    }
    T_EQ_INT(bo_context_create(&ctx), BO_OK);
    test_defaults();
    test_validation();
    test_update_and_copy();
    test_getters();
    test_fingerprint();
    test_doc();
    test_alloc_failures();
    bo_context_destroy(ctx);
    T_DONE();
}
