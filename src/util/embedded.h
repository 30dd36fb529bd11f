/* The device library (the headers under kernels/) embedded into the library at build time. */
#ifndef BO_EMBEDDED_H
#define BO_EMBEDDED_H

#include <stddef.h>

typedef struct {
    const char *name; /* file name, e.g. "loop.h" */
    const char *text; /* NUL-terminated contents */
    size_t size;      /* bytes, without the NUL */
} bo_embedded_file;

extern const bo_embedded_file bo_embedded_files[];
extern const size_t bo_embedded_file_count;

/* Contents of an embedded file by name, NULL when absent. */
const char *bo_embedded_find(const char *name);

#endif
