/* Per-run values written with parameters. A model may write a state's initial value or a
 * parameter's default as an expression of parameters declared before it
 * (`param I0 = 0.001` / `state I = I0`). A batch that sweeps I0 must start each run from its
 * own I0, not from the value the expression had at load time; so, for the states and
 * parameters the batch does not give explicitly, the batch evaluates those expressions for
 * every run from the run's parameters. This is the plan of that evaluation: the nodes of the
 * model's value graph (model_internal.h) that the wanted values need, as a flat tape in
 * topological order, evaluated for blocks of runs at a time (one operation over the whole
 * block, then the next).
 *
 * Parameters are evaluated in declaration order, so a parameter whose default is an
 * expression of others follows them too, and an initial value that reads it sees the run's
 * value. The model language does not let values read states, so an initial value never
 * depends on another state's. Evaluation uses the arithmetic of constant folding
 * (ex_eval_op), so a run whose parameters are the defaults gets exactly the model's values. */
#ifndef BO_MODEL_VALUES_H
#define BO_MODEL_VALUES_H

#include <stddef.h>

#include "batchode.h"

typedef struct md_values md_values;

/* Plan the evaluation for a batch that gives the states marked in given_state[n_states] and
 * the parameters marked in given_param[n_params] (nonzero: the batch sets their values; NULL:
 * none given). *out is NULL when nothing needs evaluating: no state or parameter that the
 * batch leaves to the model has a value written with parameters. BO_OK or BO_ERR_NOMEM (no
 * message: the caller names what it was doing). */
int md_values_plan(const bo_model *m, const unsigned char *given_state,
                   const unsigned char *given_param, md_values **out);
void md_values_destroy(md_values *v);

/* The parameters the evaluation reads, in the order md_values_eval takes them. */
size_t md_values_n_inputs(const md_values *v);
size_t md_values_input(const md_values *v, size_t k);
/* The values it produces: output j is the initial value of a state (*kind = BO_STATE) or the
 * value of a parameter (BO_PARAMETER) of the given index. */
size_t md_values_n_outputs(const md_values *v);
void md_values_output(const md_values *v, size_t j, bo_symbol_kind *kind, size_t *index);
/* Is (kind, index) one of the outputs? v may be NULL (then no). */
int md_values_produces(const md_values *v, bo_symbol_kind kind, size_t index);
/* Scratch doubles per run that md_values_eval needs. */
size_t md_values_scratch(const md_values *v);

/* Evaluate n runs: in[k * n + i] is input k of run i; out[j * n + i] receives output j;
 * scratch holds md_values_scratch(v) * n doubles. Never fails; a value that is not finite
 * (log of a negative parameter) comes out as it is. Thread-safe for a shared plan. */
void md_values_eval(const md_values *v, size_t n, const double *in, double *out, double *scratch);

#endif
