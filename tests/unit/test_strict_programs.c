/* The program generated for every method compiles under the strict flags of generated code
 * (-Wall -Wextra -Werror -pedantic, tests/ccutil.h), for the smallest model: one state, no
 * observables, no drivers. Small models are where loops over empty arrays and buffers that a
 * configuration never reads leave unused or maybe-uninitialised variables behind (a fixed-step
 * program once failed on two variables only the adaptive path reads, and on the unused table
 * of saved observables). Both precisions, with saves. */
#include <string.h>
#include <unistd.h>

#include "batchode.h"
#include "ccutil.h"
#include "harness.h"
#include "solve/solver_internal.h"

static const char *const methods[] = {"euler",
                                      "heun",
                                      "ralston",
                                      "rk4",
                                      "bs3",
                                      "dp5",
                                      "cash_karp",
                                      "fehlberg45",
                                      "tsit5",
                                      "vern7",
                                      "dop853",
                                      "backward_euler",
                                      "implicit_midpoint",
                                      "crank_nicolson",
                                      "sdirk2",
                                      "sdirk3",
                                      "sdirk4",
                                      "kvaerno3",
                                      "kvaerno5",
                                      "radau5",
                                      "rosenbrock23",
                                      "ros3p",
                                      "rodas4",
                                      "rodas5p"};

int main(void)
{
    bo_context *ctx = NULL;
    bo_context_create(&ctx);
    bo_model *m = NULL;
    T_EQ_INT(bo_model_load_string(ctx, "model dec\nparam k = 1\nstate y = 1\ndy/dt = -k*y\n",
                                  "dec.ode", &m),
             BO_OK);
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; ++i) {
        for (int prec = 0; prec < 2; ++prec) {
            bo_settings *s = NULL;
            bo_settings_create(ctx, &s);
            T_EQ_INT(bo_settings_set(s, "algorithm", methods[i]), BO_OK);
            T_EQ_INT(bo_settings_set(s, "precision", prec ? "float32" : "float64"), BO_OK);
            T_EQ_INT(bo_settings_set(s, "save_every", "0.25"), BO_OK);
            char *src = NULL;
            int rc = sv_generate(ctx, m, s, &src, NULL, NULL);
            T_CHECKF(rc == BO_OK, "%s: sv_generate: %s", methods[i], bo_errmsg(ctx));
            if (src) {
                T_CHECKF(ccu_compiles(src, CCU_STRICT),
                         "%s (%s): the generated C does not compile strictly", methods[i],
                         prec ? "float32" : "float64");
            }
            bo_free(src);
            bo_settings_destroy(s);
        }
    }
    bo_model_destroy(m);
    bo_context_destroy(ctx);
    T_DONE();
}
