/* The per-run span path of the loop (kernels/loop.h reading bo_args.spans, with each run's own
 * save and summary-window counts) compiles with NVRTC into an sm_90 cubin (no GPU needed) and
 * with the host compiler under the strict flags of generated code: adaptive and fixed steps,
 * float32 and float64, with saves and summaries. The NVRTC half is skipped (exit 77 at the
 * end) when NVRTC cannot be loaded. */
#include <string.h>

#include "backend/cuda/nvrtc.h"
#include "batchode.h"
#include "ccutil.h"
#include "harness.h"
#include "nvrtctest.h"
#include "solve/solver_internal.h"

static const char *const text = "model spans\n"
                                "param k = 1.5\n"
                                "state y = 2.385, z = 0.75\n"
                                "dy/dt = -k*y\n"
                                "dz/dt = cos(t)*z\n"
                                "obs w = y*z\n";

int main(void)
{
    bo_context *ctx = NULL;
    bo_context_create(&ctx);
    bo_model *m = NULL;
    T_EQ_INT(bo_model_load_string(ctx, text, "spans", &m), BO_OK);
    int nvrtc = cu_nvrtc_load(ctx) == BO_OK;
    static const char *const conf[][3] = {{"float64", "tsit5", "auto"},
                                          {"float32", "rk4", "fixed"}};
    for (int c = 0; c < 2; ++c) {
        bo_settings *s = NULL;
        bo_settings_create(ctx, &s);
        T_EQ_INT(bo_settings_set(s, "precision", conf[c][0]), BO_OK);
        T_EQ_INT(bo_settings_set(s, "algorithm", conf[c][1]), BO_OK);
        T_EQ_INT(bo_settings_set(s, "step_controller", conf[c][2]), BO_OK);
        T_EQ_INT(bo_settings_set(s, "outputs", "state,observables,mean,peaks[2]"), BO_OK);
        char *src = NULL;
        int rc = sv_generate(ctx, m, s, &src, NULL, NULL);
        T_CHECKF(rc == BO_OK, "sv_generate: %s", bo_errmsg(ctx));
        if (src) {
            T_CONTAINS(src, "if (a->spans) {");
            T_CONTAINS(src, "BO_SPAN_SAVES(duration, a->save_every)");
            T_CONTAINS(src, "#define BO_SUM_ACTIVE 1");
            {
                T_CHECKF(ccu_compiles(src, CCU_STRICT), "%s: the generated C does not compile",
                         conf[c][1]);
            }
            if (nvrtc) {
                T_CHECKF(nvt_compiles(ctx, src), "%s: NVRTC: %s\n%s", conf[c][1], bo_errmsg(ctx),
                         bo_errlog(ctx));
            }
        }
        bo_free(src);
        bo_settings_destroy(s);
    }
    bo_model_destroy(m);
    bo_context_destroy(ctx);
    if (!nvrtc && t_failed == 0)
        T_SKIP("NVRTC cannot be loaded (the host compiles passed: %d checks)", t_passed);
    T_DONE();
}
