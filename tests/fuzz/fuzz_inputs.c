/* Fuzz target: every reader of user input other than the model language. The first byte
 * picks the reader, the second a key, grid or interpolation, the rest is the text:
 *   0  value specs (bo_batch_set_spec; up to three, one per line, on both grids),
 *   1  settings (bo_settings_set/get/dump): the text is KEY=VALUE, or a value for the key
 *      the second byte picks,
 *   2  run files (bo_batch_load_csv),
 *   3  driver files (the reader behind bo_solver_load_driver_csv, every interpolation and
 *      end mode).
 * Errors must come with a message; nothing may crash, leak or take long. Built with
 * libFuzzer and as a corpus replay program (tests/fuzz/CMakeLists.txt). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batchode.h"
#include "fuzz.h"
#include "settings/settings.h"
#include "solve/drivers.h"

static const char model_text[] = "param k = 1.5, g = 2\n"
                                 "state y = 2.385, z = 1\n"
                                 "driver F, G\n"
                                 "dy/dt = -k*y + F\n"
                                 "dz/dt = -g*z + G\n";

/* A file the CSV readers read the input from (made once per process). */
static const char *input_path(void)
{
    static char path[512];
    if (!path[0]) {
        const char *dir = getenv("TMPDIR");
        snprintf(path, sizeof path, "%s/bo_fuzz_XXXXXX", dir && *dir ? dir : "/tmp");
        int fd = mkstemp(path);
        if (fd < 0) {
            path[0] = '\0';
            return NULL;
        }
        close(fd);
    }
    return path;
}

static int write_input(const uint8_t *data, size_t size)
{
    const char *p = input_path();
    FILE *f = p ? fopen(p, "wb") : NULL;
    if (!f)
        return -1;
    size_t w = size ? fwrite(data, 1, size, f) : 0;
    return (fclose(f) == 0 && w == size) ? 0 : -1;
}

/* The first and last run of a batch that has some, read back. */
static void read_runs(const bo_batch *b)
{
    size_t runs = bo_batch_run_count(b);
    double init[2], params[2];
    if (runs > 0 && bo_batch_validate(b) == BO_OK) {
        fuzz_check(bo_batch_get_run(b, 0, init, params) == BO_OK, "first run unreadable");
        fuzz_check(bo_batch_get_run(b, runs - 1, init, params) == BO_OK, "last run unreadable");
        fuzz_sink(isfinite(init[0]) && isfinite(params[0]));
    }
    fuzz_check(bo_batch_get_run(b, runs, init, params) != BO_OK, "run past the end readable");
}

/* A spec whose count (after its last ':') asks for more than a million values allocates
 * gigabytes by design: not what this target looks for. */
static int huge_count(const char *spec)
{
    const char *colon = strrchr(spec, ':');
    return colon && strtod(colon + 1, NULL) > 1e6;
}

static void specs(bo_context *ctx, const bo_model *m, unsigned sel, char *text)
{
    bo_batch *b = NULL;
    if (bo_batch_create(ctx, m, &b) != BO_OK)
        return;
    bo_batch_set_grid(b, (sel & 1) ? BO_GRID_VERBATIM : BO_GRID_COMBINATORIAL);
    static const struct {
        bo_symbol_kind kind;
        const char *name;
    } vars[] = {{BO_PARAMETER, "k"}, {BO_STATE, "y"}, {BO_PARAMETER, "g"}};
    char *line = text;
    for (int i = 0; i < 3 && line; ++i) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (!huge_count(line)) {
            int rc = bo_batch_set_spec(b, vars[i].kind, vars[i].name, line);
            fuzz_check(rc == BO_OK || bo_errmsg(ctx)[0], "spec error without a message");
        }
        line = nl ? nl + 1 : NULL;
    }
    read_runs(b);
    bo_batch_destroy(b);
}

static void setting(bo_context *ctx, unsigned sel, char *text)
{
    bo_settings *s = NULL;
    if (bo_settings_create(ctx, &s) != BO_OK)
        return;
    const char *key = st_table[sel % st_table_len].key, *value = text;
    char *eq = strchr(text, '=');
    if (eq) {
        *eq = '\0';
        key = text;
        value = eq + 1;
    }
    int rc = bo_settings_set(s, key, value);
    fuzz_check(rc == BO_OK || bo_errmsg(ctx)[0], "setting error without a message");
    char *v = NULL, *dump = NULL;
    if (bo_settings_get(s, key, &v) == BO_OK && rc == BO_OK) {
        /* A value read back is normalised: setting it again changes nothing. */
        fuzz_check(bo_settings_set(s, key, v) == BO_OK, "normalised value rejected");
    }
    bo_free(v);
    fuzz_check(bo_settings_dump(s, &dump) == BO_OK, "dump failed");
    bo_free(dump);
    bo_settings_destroy(s);
}

static void run_file(bo_context *ctx, const bo_model *m, unsigned sel)
{
    bo_batch *b = NULL;
    if (bo_batch_create(ctx, m, &b) != BO_OK)
        return;
    bo_batch_set_grid(b, (sel & 1) ? BO_GRID_VERBATIM : BO_GRID_COMBINATORIAL);
    if (sel & 2)
        bo_batch_set_spec(b, BO_PARAMETER, "g", "1,2");
    int rc = bo_batch_load_csv(b, input_path());
    fuzz_check(rc == BO_OK || bo_errmsg(ctx)[0], "run file error without a message");
    read_runs(b);
    bo_batch_destroy(b);
}

static void driver_file(bo_context *ctx, const bo_model *m, unsigned sel)
{
    dr_set *set = NULL;
    if (dr_set_create(ctx, m, &set) != BO_OK)
        return;
    static const double t[] = {0.0, 1.0, 2.0}, v[] = {1.0, 2.0, 1.0};
    int interp = (int)(sel % 5), ends = (int)((sel / 5) % 2);
    bo_driver_options opt;
    bo_driver_options_init(&opt);
    opt.interpolation = interp;
    opt.ends = ends;
    fuzz_check(dr_set_samples(set, "G", t, v, 3, NULL, 0, 0) == BO_OK, "fixed driver refused");
    int rc = dr_set_load_csv(set, "F", input_path(), (sel & 16) ? NULL : &opt, interp, ends);
    fuzz_check(rc == BO_OK || bo_errmsg(ctx)[0], "driver file error without a message");
    if (rc == BO_OK) {
        const void *block = NULL;
        size_t bytes = 0;
        rc = dr_set_block(set, interp, ends, (sel & 32) ? 4 : 8, &block, &bytes);
        fuzz_check(rc == BO_OK || bo_errmsg(ctx)[0], "driver block error without a message");
    }
    dr_set_destroy(set);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    unsigned target = data[0] % 4, sel = data[1];
    data += 2;
    size -= 2;
    bo_context *ctx = NULL;
    bo_model *m = NULL;
    if (bo_context_create(&ctx) != BO_OK)
        return 0;
    if (bo_model_load_string(ctx, model_text, "fuzz.ode", &m) != BO_OK) {
        bo_context_destroy(ctx);
        fuzz_check(0, "the target's own model does not load");
    }
    if (target <= 1) {
        char *text = fuzz_text(data, size);
        if (text) {
            if (target == 0)
                specs(ctx, m, sel, text);
            else
                setting(ctx, sel, text);
            free(text);
        }
    } else if (write_input(data, size) == 0) {
        if (target == 2)
            run_file(ctx, m, sel);
        else
            driver_file(ctx, m, sel);
    }
    bo_model_destroy(m);
    bo_context_destroy(ctx);
    return 0;
}
