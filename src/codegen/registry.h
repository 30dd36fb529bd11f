/* The buffer registry: every integrator component (loop, algorithm step, Newton and linear
 * solvers, step controller, output functions) registers the named scratch and history buffers
 * it needs here instead of declaring arrays. The registry lays them out per run (offsets inside
 * a slice of dynamic shared memory, a slice of one persistent per-thread array, or fresh local
 * arrays), and emits one allocator macro per buffer into the generated source, so that where a
 * buffer lives is a compile-time choice the component's device code never sees.
 * docs/registry.md describes the layout rules, the alias rule and the emitted code. */
#ifndef BO_REGISTRY_H
#define BO_REGISTRY_H

#include <stddef.h>

#include "util/internal.h"
#include "util/strbuf.h"

typedef enum { REG_LOCAL, REG_SHARED } reg_location;
typedef enum { REG_F32, REG_F64, REG_I32 } reg_precision;

/* Where a buffer ended up after layout. */
typedef enum {
    REG_CLASS_SHARED,     /* slice of the run's shared-memory region */
    REG_CLASS_PERSISTENT, /* slice of the per-thread persistent array */
    REG_CLASS_LOCAL       /* fresh array of max(size, 1) elements where it is allocated */
} reg_class;

typedef struct reg_registry reg_registry;

/* Layout of one buffer, as reg_find reports it. */
typedef struct {
    reg_class cls;
    size_t offset;      /* shared/persistent: elements from the start of the owner's slice */
    size_t size;        /* as registered */
    size_t elements;    /* elements it occupies: size, or max(size, 1) for local arrays */
    int inside_target;  /* 1 when it is an alias placed inside its target's elements */
    reg_precision prec; /* as registered */
} reg_buffer_info;

/* Create an empty registry whose errors are reported to ctx (borrowed; must outlive it). The
 * working precision starts as REG_F64. */
int reg_create(bo_context *ctx, reg_registry **out);
void reg_destroy(reg_registry *r);

/* Working precision of the shared and persistent arrays (REG_F32 or REG_F64). Fails with
 * BO_ERR_SETTING, changing nothing, if a buffer already placed in shared or persistent memory
 * has another precision. */
int reg_set_working_precision(reg_registry *r, reg_precision prec);

/* Declare an owner that may register no buffers of its own (so it can take part in the tree).
 * Registering a buffer declares its owner too. Idempotent. */
int reg_add_owner(reg_registry *r, const char *owner);

/* Register buffer owner.name. owner and name are C identifiers. size <= 2^31 - 1 elements
 * (0 is legal). persistent only matters for local buffers. alias_of (NULL for none) names a
 * buffer of the same owner, registered before, whose lifetime does not overlap this one's (the
 * caller promises it). i32 buffers and buffers of a precision other than the working one must
 * be local and not persistent. Registering (owner, name) again replaces the buffer in its
 * original position. Returns BO_OK or BO_ERR_INVALID_ARG / BO_ERR_NOMEM; on error the registry
 * is unchanged. */
int reg_register(reg_registry *r, const char *owner, const char *name, size_t size,
                 reg_location loc, int persistent, const char *alias_of, reg_precision prec);

/* Parse a `<name>_location` setting value: "local" or "shared"; anything else is
 * BO_ERR_SETTING with a message naming key and the allowed values. */
int reg_parse_location(bo_context *ctx, const char *key, const char *text, reg_location *out);

/* Move every buffer called name (any owner) to loc. Returns how many matched (0 = no such
 * buffer), or BO_ERR_SETTING, changing nothing, if one of them may not live in shared memory. */
int reg_set_location(reg_registry *r, const char *name, reg_location loc);

/* Make child a child of parent: parent's slices hold child's slices after parent's own buffers,
 * children in the order added. Both must be declared. Adding the same edge twice is a no-op; a
 * second parent, a self edge or a cycle is an error. */
int reg_add_child(reg_registry *r, const char *parent, const char *child);

/* Remove owner's buffers and, recursively, its children (their buffers and themselves). The
 * owner itself stays declared, in place under its parent, ready for whichever component takes
 * its place to register again. BO_ERR_NOT_FOUND for an unknown owner. */
int reg_clear_owner(reg_registry *r, const char *owner);

/* Check the layout is usable for code generation: at most one owner without a parent (the root)
 * and per-run totals that fit in 31 bits. Offsets are always current (every change re-lays-out),
 * so this only validates; calling it again changes nothing. */
int reg_layout(reg_registry *r);

/* Sizes in elements of the working precision; 0 for an unknown owner. */
size_t reg_shared_elements(const reg_registry *r, const char *owner);     /* incl. children */
size_t reg_persistent_elements(const reg_registry *r, const char *owner); /* incl. children */
size_t reg_local_elements(const reg_registry *r, const char *owner);      /* own, sum max(size,1) */
/* Per-run shared elements of the root, padded to an odd count when even and nonzero. */
size_t reg_shared_stride(const reg_registry *r);
/* Dynamic shared memory for one block of runs: stride * precision_bytes * runs (0 when either
 * argument is not positive; saturates at SIZE_MAX). */
size_t reg_shared_bytes_per_block(const reg_registry *r, int precision_bytes, int runs);

/* The root owner (the first declared owner without a parent), NULL when there is none. */
const char *reg_root(const reg_registry *r);

/* Layout of owner.name. BO_ERR_NOT_FOUND when it is not registered. */
int reg_find(const reg_registry *r, const char *owner, const char *name, reg_buffer_info *out);

/* Offsets of child's shared and persistent slices inside its parent's slices (either pointer
 * may be NULL). BO_ERR_NOT_FOUND when child is not declared or has no parent. */
int reg_child_slice(const reg_registry *r, const char *child, size_t *shared_offset,
                    size_t *persistent_offset);

/* Append the allocator macros for the current layout to out (deterministic; see
 * docs/registry.md). Runs reg_layout first. Errors go to ctx (r's context when NULL). */
int reg_emit(reg_registry *r, bo_context *ctx, sb_buf *out);

#endif
