/* The C example in docs/c-api.md compiles against the library and runs: documentation that
 * cannot drift from the API. Van der Pol with mu = 0.6 (run 3 of 0.5:2:16) starts at x = 2,
 * so the first saved value must be exactly 2 and every value stays within the limit cycle's
 * bound |x| < 2.1. */
#include <unistd.h>

#include "ccutil.h"
#include "harness.h"

int main(void)
{
    char *doc = ccu_read_file(BO_SOURCE_DIR "/docs/c-api.md");
    T_CHECK(doc != NULL);
    if (!doc)
        T_DONE();
    const char *start = strstr(doc, "```c\n");
    const char *end = start ? strstr(start + 5, "```") : NULL;
    T_CHECK(start && end);
    if (!start || !end)
        T_DONE();
    char *src = strndup(start + 5, (size_t)(end - start - 5));
    T_CHECK(chdir(BO_SOURCE_DIR) == 0);
    int code = -1;
    char *out = ccu_compile_run_libs(
        src,
        "-std=c11 -Wall -Wextra -Werror -I" BO_SOURCE_DIR "/include -I" BO_BINARY_DIR "/include",
        BO_BINARY_DIR "/libbatchode.a -ldl -lpthread " BO_LIB_LINK_FLAGS, &code);
    T_CHECK(out != NULL);
    T_EQ_INT(code, 0);
    if (out) {
        T_CHECK(strncmp(out, "t=0 x=2\n", 8) == 0);
        int lines = 0;
        for (const char *p = out; (p = strstr(p, "x=")) != NULL; p += 2) {
            double x = strtod(p + 2, NULL);
            T_CHECKF(fabs(x) < 2.1, "x = %g", x);
            ++lines;
        }
        T_EQ_INT(lines, 21); /* saves at 0, 0.5, ..., 10 */
    }
    free(out);
    free(src);
    free(doc);
    T_DONE();
}
