/* Fuzz target: the model language and the model emitter. Any text is loaded as a model; a
 * model that loads is queried through every symbol accessor, its Jacobian pattern and its
 * generated C. A bad model must give an error with a message, never a crash, a leak or
 * undefined behaviour (ASan/UBSan), and must not take long.
 *
 * Built two ways (tests/fuzz/CMakeLists.txt): with libFuzzer (the fuzz preset,
 * scripts/fuzz.sh) and as a replay program that runs the committed corpus (seeds and every
 * input that once found a defect) in the ordinary test suite. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "batchode.h"
#include "fuzz.h"

static void query(const bo_model *m)
{
    const char *name = bo_model_name(m);
    size_t total = name ? strlen(name) : 0;
    for (int k = 0; k < BO_SYMBOL_KIND_COUNT; ++k) {
        size_t n = bo_model_count(m, (bo_symbol_kind)k);
        for (size_t i = 0; i <= n; ++i) { /* one past the end too: NULL / NaN */
            const char *s = bo_model_symbol_name(m, (bo_symbol_kind)k, i);
            const char *u = bo_model_symbol_unit(m, (bo_symbol_kind)k, i);
            double d = bo_model_symbol_default(m, (bo_symbol_kind)k, i);
            total += (s ? strlen(s) : 0) + (u ? strlen(u) : 0) + (d == d);
            if (s)
                fuzz_sink(bo_model_find(m, (bo_symbol_kind)k, s) == (long)i);
        }
    }
    size_t n = bo_model_count(m, BO_STATE);
    if (n > 0 && n <= 512) {
        unsigned char *pattern = malloc(n * n);
        if (pattern) {
            fuzz_sink(bo_model_jacobian_pattern(m, pattern) == BO_OK);
            free(pattern);
        }
    }
    fuzz_sink(total != 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    if (!text)
        return 0;
    bo_context *ctx = NULL;
    if (bo_context_create(&ctx) != BO_OK) {
        free(text);
        return 0;
    }
    bo_model *m = NULL;
    int rc = bo_model_load_string(ctx, text, "fuzz.ode", &m);
    if (rc == BO_OK) {
        query(m);
        char *src = NULL;
        if (bo_model_emit_c(ctx, m, &src) == BO_OK)
            fuzz_sink(src[0] != '\0');
        bo_free(src);
    } else {
        /* Every failure explains itself. */
        fuzz_check(bo_errmsg(ctx)[0] != '\0', "model error without a message");
    }
    bo_model_destroy(m);
    bo_context_destroy(ctx);
    free(text);
    return 0;
}
