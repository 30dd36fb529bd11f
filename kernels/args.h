/* The argument block of one launch: the same layout on the host (one struct per precision)
 * and in device code (bo_args over bo_real). Every field is 8 bytes wide so the layout has no
 * padding and is identical for the host compiler and NVRTC.
 *
 * All per-run arrays have the run index fastest (element (var, run) at var*run_stride + run),
 * which makes consecutive GPU threads touch consecutive addresses. run_stride is the number
 * of runs in this launch's arrays (a chunk), run_offset the chunk's first run in the batch
 * (used only for reporting). */
#ifndef BO_ARGS_H
#define BO_ARGS_H

#define BO_ARGS_STRUCT(NAME, REAL)                                                                 \
    typedef struct {                                                                               \
        const REAL *init;          /* [n_states][run_stride] initial values */                     \
        const REAL *params;        /* [n_params][run_stride] */                                    \
        const void *driver_data;   /* driver tables, NULL when the model has none */               \
        REAL *final_state;         /* [n_states][run_stride] */                                    \
        double *final_time;        /* [run_stride] */                                              \
        REAL *series;              /* [n_saves][n_vars][run_stride], NULL when no saves */         \
        bo_args_i32 *status;       /* [run_stride] */                                              \
        bo_args_i64 *steps;        /* [run_stride] steps attempted */                              \
        bo_args_i64 *rejections;   /* [run_stride] steps rejected */                               \
        double t0;                 /* start of the integration */                                  \
        double settling;           /* warm-up time integrated before recording */                  \
        double duration;           /* recorded time span after settling */                         \
        double save_every;         /* interval between saves; 0 = no time series */                \
        bo_args_i64 n_saves;       /* number of saved time points */                               \
        bo_args_i64 run_stride;    /* runs in the arrays of this launch */                         \
        bo_args_i64 run_count;     /* runs to integrate (<= run_stride) */                         \
        bo_args_i64 max_steps;     /* attempted steps allowed per run */                           \
        double dt0;                /* initial step; <= 0: estimated per run */                     \
        REAL *summaries;           /* [n_windows][n_columns][run_stride], NULL when none */        \
        double sample_every;       /* interval between summary samples */                          \
        bo_args_i64 n_windows;     /* summary windows; 0 = no summaries */                         \
        bo_args_i64 window_len;    /* summary samples per window */                                \
        bo_args_i64 *newton_iters; /* [run_stride] Newton iterations over all attempted steps */   \
        bo_args_i64 mask_failed;   /* 1: every value of a failed run is NaN (keep_failed=false) */ \
        bo_args_i64 *event_counts; /* [n_events][run_stride] occurrences of each event, or NULL */ \
        double *event_time;        /* [event_records][run_stride] time of each recorded event */   \
        bo_args_i32 *event_index;  /* [event_records][run_stride] its event (-1: none) */          \
        REAL *event_state;         /* [event_records][n_states][run_stride] state at it */         \
        bo_args_i64 event_records; /* occurrences recorded per run (0: none) */                    \
        bo_args_i64 max_events;    /* events allowed per run */                                    \
        const double *save_times;  /* [n_saves] times after settling (save_at); NULL: regular */   \
        const double *spans;       /* [3][run_stride] per-run t0, settling, duration; NULL:     */ \
                                   /* every run has t0, settling and duration above            */  \
    } NAME;

/* Saves of a run of the given duration (the first at its start): the host sizes the series
 * and the kernel stops a run's saves with the same expression, so the two agree exactly. */
#define BO_SPAN_SAVES(duration, save_every) ((bo_args_i64)((duration) / (save_every) + 1e-9) + 1)
/* Summary samples of a run after its first: a whole number of sample intervals. */
#define BO_SPAN_SAMPLES(duration, sample_every) ((bo_args_i64)((duration) / (sample_every) + 0.5))

#endif
