/* Programs with summaries compile with NVRTC into an sm_90 cubin (no GPU needed) and with the
 * host compiler under the strict flags of generated code: every metric at once, on states and
 * observables, in float32 and float64, with the accumulators in local and in shared memory.
 * The host compile needs only cc; the NVRTC half is skipped (exit 77 at the end) when NVRTC
 * cannot be loaded. */
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
    static const char *const precisions[] = {"float32", "float64"};
    static const char *const memories[] = {"local", "shared"};
    for (int p = 0; p < 2; ++p)
        for (int mem = 0; mem < 2; ++mem) {
            bo_settings *s = NULL;
            bo_settings_create(ctx, &s);
            T_EQ_INT(bo_settings_set(s, "precision", precisions[p]), BO_OK);
            T_EQ_INT(bo_settings_set(s, "summaries_location", memories[mem]), BO_OK);
            T_EQ_INT(bo_settings_set(s, "outputs",
                                     "state,observables,mean,rms,std,min,max,extrema,"
                                     "max_magnitude,peaks[4],negative_peaks[1],dxdt_max,dxdt_min,"
                                     "dxdt_extrema,d2xdt2_max,d2xdt2_min,d2xdt2_extrema"),
                     BO_OK);
            char *src = NULL;
            int rc = sv_generate(ctx, m, s, &src, NULL, NULL);
            T_CHECKF(rc == BO_OK, "sv_generate: %s", bo_errmsg(ctx));
            if (src) {
                T_CONTAINS(src, "#define BO_SUM_ACTIVE 1");
                T_CONTAINS(src, "bo_sum_peaks_update((acc) + 13, 4, (smp))");
                T_CHECKF(ccu_compiles(src, CCU_STRICT), "%s %s: the generated C does not compile",
                         precisions[p], memories[mem]);
                if (nvrtc) {
                    T_CHECKF(nvt_compiles(ctx, src), "%s %s: NVRTC: %s\n%s", precisions[p],
                             memories[mem], bo_errmsg(ctx), bo_errlog(ctx));
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
