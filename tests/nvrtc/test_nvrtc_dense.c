/* Programs with dense output (kernels/dense.h) compile with NVRTC into an sm_90 cubin (no GPU
 * needed), and with the host compiler under the strict flags of
 * generated code: one method of each interpolant (tsit5 and dp5: their own; bs3: Hermite with the
 * FSAL derivative; rk4 and kvaerno5: Hermite evaluating f; rodas4 and rodas5p: their own; radau5:
 * the collocation polynomial) with save_mode=interpolate and summaries (interpolated samples too),
 * in float32 and float64, with dense_output in local and in shared memory. Save times (save_at)
 * reach the kernel through the argument block, so every program here also reads them. The NVRTC
 * half is skipped (exit 77 at the end) when NVRTC cannot be loaded. */
#include <string.h>

#include "backend/cuda/nvrtc.h"
#include "batchode.h"
#include "ccutil.h"
#include "harness.h"
#include "nvrtctest.h"
#include "solve/solver_internal.h"

static const char *const vdp_text = "model vanderpol\n"
                                    "param mu = 2.385\n"
                                    "state x = 2, v = 0\n"
                                    "dx/dt = v\n"
                                    "dv/dt = mu*(1 - x^2)*v - x\n"
                                    "obs energy = 0.5*(x^2 + v^2)\n";

int main(void)
{
    bo_context *ctx = NULL;
    bo_context_create(&ctx);
    bo_model *m = NULL;
    T_EQ_INT(bo_model_load_string(ctx, vdp_text, "vdp", &m), BO_OK);
    int nvrtc = cu_nvrtc_load(ctx) == BO_OK;
    static const struct {
        const char *algorithm, *controller;
    } cases[] = {{"tsit5", "pi"},
                 {"dp5", "pi"},
                 {"bs3", "pid"},
                 {"rk4", "fixed"},
                 {"kvaerno5", "gustafsson"},
                 {"rodas4", "pi"},
                 {"rodas5p", "fixed"},
                 {"radau5", "gustafsson"}};
    static const char *const precisions[] = {"float32", "float64"};
    static const char *const memories[] = {"local", "shared"};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; ++c)
        for (int p = 0; p < 2; ++p) {
            int mem = (int)((c + (size_t)p) % 2);
            bo_settings *s = NULL;
            bo_settings_create(ctx, &s);
            T_EQ_INT(bo_settings_set(s, "algorithm", cases[c].algorithm), BO_OK);
            T_EQ_INT(bo_settings_set(s, "step_controller", cases[c].controller), BO_OK);
            T_EQ_INT(bo_settings_set(s, "precision", precisions[p]), BO_OK);
            T_EQ_INT(bo_settings_set(s, "save_mode", "interpolate"), BO_OK);
            T_EQ_INT(bo_settings_set(s, "dense_output_location", memories[mem]), BO_OK);
            T_EQ_INT(bo_settings_set(s, "outputs", "state,observables,mean,peaks[2]"), BO_OK);
            char *src = NULL;
            int rc = sv_generate(ctx, m, s, &src, NULL, NULL);
            T_CHECKF(rc == BO_OK, "sv_generate: %s", bo_errmsg(ctx));
            if (src) {
                T_CONTAINS(src, "#define BO_DENSE 1");
                T_CONTAINS(src, "#define BO_DENSE_INTERPOLATE 1");
                T_CONTAINS(src, "bo_dense_prepare(y, y_new");
                T_CONTAINS(src, "a->save_times");
                T_CHECKF(ccu_compiles(src, CCU_STRICT),
                         "%s %s %s: the generated C does not compile", cases[c].algorithm,
                         precisions[p], memories[mem]);
                if (nvrtc) {
                    T_CHECKF(nvt_compiles(ctx, src), "%s %s %s: NVRTC: %s\n%s", cases[c].algorithm,
                             precisions[p], memories[mem], bo_errmsg(ctx), bo_errlog(ctx));
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
