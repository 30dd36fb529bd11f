/* Internal solver entry points used by the backends' tests and tools. */
#ifndef BO_SOLVER_INTERNAL_H
#define BO_SOLVER_INTERNAL_H

#include "batchode.h"

/* Generate the program for (model, settings) without compiling it. *source: new string
 * (free with bo_free). *shared_stride: per-run shared-memory elements of the layout (may be
 * NULL); *precision_bytes: 4 or 8 (may be NULL). */
int sv_generate(bo_context *ctx, const bo_model *model, const bo_settings *settings, char **source,
                size_t *shared_stride, int *precision_bytes);

/* How many times the solver generated and loaded its program (tests: runtime settings must
 * not rebuild, code settings must). */
int sv_build_count(const bo_solver *s);

/* Kernel time of the last solve on the CUDA backend (CUDA events), 0 on the CPU. */
float sv_last_kernel_ms(const bo_solver *s);
/* Time of its host<->device copies (CUDA events; with chunks some of it overlaps kernels). */
float sv_last_transfer_ms(const bo_solver *s);
/* Host time of the last solve by phase, ms: set-up (settings, results allocation), filling
 * the batch into the results (on the GPU while the kernel runs, so within the wait), filling
 * the staging, waiting for the device, scattering the results. The CUDA phases are 0 on the
 * CPU. */
#define SV_PHASES 5
void sv_last_phases(const bo_solver *s, double ms[SV_PHASES]);
/* Backend report: for CUDA, registers, spills, shared bytes, block size, occupancy, compile
 * time and cache hit (*text: free with bo_free). */
int sv_backend_info(const bo_solver *s, char **text);

#endif
