/* The model front end under clang's UndefinedBehaviorSanitizer, which checks more than gcc's
 * (the asan preset's): pointer arithmetic on NULL among others. This test compiles the
 * front end (src/model, with the context and string builder of src/util) and a driver with
 * clang -fsanitize=undefined -fno-sanitize-recover=all, then loads edge-case models with it:
 * calls without arguments (`exp()` once computed p->args + 0 with p->args NULL), empty and
 * odd files, deep nesting, long names, the errors of every pass. Any report aborts the
 * driver and fails the test. Skips (77) when clang is not installed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccutil.h"
#include "harness.h"

static const char driver[] =
    "#include <stdio.h>\n"
    "#include <string.h>\n"
    "#include \"batchode.h\"\n"
    "static const char *const inputs[] = {\n"
    "    \"state x = 1\\nx'=exp()\\n\",\n"
    "    \"x'=exp()\\n\",\n"
    "    \"state x = 1\\ndx/dt = atan2()\\n\",\n"
    "    \"state x = 1\\ndx/dt = piecewise()\\n\",\n"
    "    \"state x = 1\\ndx/dt = pow()\\n\",\n"
    "    \"state x = 1\\ndx/dt = ifelse()\\n\",\n"
    "    \"state x = 1\\ndx/dt = nosuch()\\n\",\n"
    "    \"state x = 1\\ndx/dt = exp(sin())\\n\",\n"
    "    \"state x = 1\\ndx/dt = min(x, exp())\\n\",\n"
    "    \"state x = 1\\ndx/dt = piecewise(x > 0, 1, exp(), 2, 3)\\n\",\n"
    "    \"\",\n"
    "    \"\\n\\n\",\n"
    "    \"# only a comment\",\n"
    "    \"\\xEF\\xBB\\xBFstate x = 1\\r\\ndx/dt = -x\\r\\n\",\n"
    "    \"state x = 1\\ndx/dt = -x \\\\\",\n"
    "    \"state x = 1\\ndx/dt = ((((((((((x))))))))))\\n\",\n"
    "    \"state x = 1 [mV/(ms*(cm^2))]\\ndx/dt = -x\\n\",\n"
    "    \"state x = 1 [\\n\",\n"
    "    \"const a = 1e999\\n\",\n"
    "    \"const a = 0x1F\\n\",\n"
    "    \"state x = 1\\naux a = b\\naux b = a\\ndx/dt = a\\n\",\n"
    "    \"state x = 1\\ndx/dt = x < 1 < 2\\n\",\n"
    "    \"state x = 1\\ndx/dt = x ? 1\\n\",\n"
    "    \"model m\\nmodel n\\n\",\n"
    "    \"state t = 1\\n\",\n"
    "    \"param k = 1\\nk' = 2\\n\",\n"
    "    \"state x = 1, y = 2\\ndx/dt = y\\n\",\n"
    "    \"state x = 1\\ndx/dt = -x\\ndx/dt = x\\n\",\n"
    "    \"state x = 1\\ndx/dt = 2^-x^2 && !x || x != 0\\n\",\n"
    "};\n"
    "int main(void)\n"
    "{\n"
    "    bo_context *ctx = NULL;\n"
    "    if (bo_context_create(&ctx) != BO_OK)\n"
    "        return 2;\n"
    "    int ok = 0;\n"
    "    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; ++i) {\n"
    "        bo_model *m = NULL;\n"
    "        int rc = bo_model_load_string(ctx, inputs[i], \"ub\", &m);\n"
    "        ok += rc == BO_OK;\n"
    "        if (rc != BO_OK && !strstr(bo_errmsg(ctx), \"ub:\"))\n"
    "            printf(\"input %zu: no position in '%s'\\n\", i, bo_errmsg(ctx));\n"
    "        bo_model_destroy(m);\n"
    "    }\n"
    "    /* A deep but legal nesting and a long name. */\n"
    "    char text[4096];\n"
    "    strcpy(text, \"state x = 1\\ndx/dt = \");\n"
    "    for (int k = 0; k < 100; ++k) strcat(text, \"-(\");\n"
    "    strcat(text, \"x\");\n"
    "    for (int k = 0; k < 100; ++k) strcat(text, \")\");\n"
    "    strcat(text, \"\\n\");\n"
    "    bo_model *m = NULL;\n"
    "    ok += bo_model_load_string(ctx, text, \"ub\", &m) == BO_OK;\n"
    "    bo_model_destroy(m);\n"
    "    printf(\"%d loaded\\n\", ok);\n"
    "    bo_context_destroy(ctx);\n"
    "    return 0;\n"
    "}\n";

int main(void)
{
    if (system("command -v clang >/dev/null 2>&1") != 0)
        T_SKIP("clang is not installed");
    setenv("CC", "clang", 1);
    char flags[1024];
    int n = snprintf(flags, sizeof flags,
                     "-std=c11 -D_POSIX_C_SOURCE=200809L -g -O1 -fsanitize=undefined "
                     "-fno-sanitize-recover=all -I%s/include -I%s/include -I%s/src "
                     "%s/src/model/*.c %s/src/util/context.c %s/src/util/strbuf.c "
                     "%s/src/import/cellml_emit.c",
                     BO_SOURCE_DIR, BO_BINARY_DIR, BO_SOURCE_DIR, BO_SOURCE_DIR, BO_SOURCE_DIR,
                     BO_SOURCE_DIR, BO_SOURCE_DIR);
    T_CHECK(n > 0 && (size_t)n < sizeof flags);
    int code = -1;
    char *out = ccu_compile_run(driver, flags, &code);
    T_CHECKF(out != NULL, "the front end does not build with clang's UBSan");
    /* A report aborts the driver (its message is on standard error, above). */
    T_EQ_INT(code, 0);
    if (out)
        printf("%s", out);
    T_CONTAINS(out, "5 loaded");
    T_CHECK(out && !strstr(out, "no position"));
    free(out);
    T_DONE();
}
