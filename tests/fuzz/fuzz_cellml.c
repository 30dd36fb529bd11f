/* Fuzz target: the CellML importer (src/import/). Any bytes are imported as a CellML document
 * (given as text: imports of other files are refused); the model text an import produces is
 * then loaded by the model-language parser, as bo_model_load_file does. Properties: no crash,
 * leak or undefined behaviour (ASan/UBSan); every failure has a message; and the importer
 * never writes text with a syntax error (a printing defect), unless the expressions nest
 * beyond the parser's depth limit.
 *
 * Built two ways (tests/fuzz/CMakeLists.txt): with libFuzzer (the fuzz preset,
 * scripts/fuzz.sh; dictionary tests/fuzz/cellml.dict) and as a replay program that runs the
 * committed corpus in the ordinary test suite. Without libxml2 every input is refused. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "batchode.h"
#include "fuzz.h"
#include "import/cellml_internal.h"

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
    char *ode = NULL;
    int rc = cm_import(ctx, NULL, text, size, "fuzz.cellml", &ode);
    if (rc == BO_OK) {
        bo_model *m = NULL;
        rc = bo_model_load_string(ctx, ode, "fuzz.ode", &m);
        if (rc == BO_ERR_PARSE)
            fuzz_check(strstr(bo_errmsg(ctx), "nested too deeply") != NULL,
                       "imported model text has a syntax error");
        if (rc == BO_OK)
            fuzz_sink(bo_model_count(m, BO_STATE) > 0);
        else
            fuzz_check(bo_errmsg(ctx)[0] != '\0', "model error without a message");
        bo_model_destroy(m);
    } else {
        fuzz_check(bo_errmsg(ctx)[0] != '\0', "import error without a message");
        fuzz_check(ode == NULL, "output left after a failed import");
    }
    bo_free(ode);
    bo_context_destroy(ctx);
    free(text);
    return 0;
}
