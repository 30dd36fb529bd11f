/* Lookup in the embedded device library. */
#include <string.h>

#include "embedded.h"

const char *bo_embedded_find(const char *name)
{
    for (size_t i = 0; i < bo_embedded_file_count; ++i)
        if (strcmp(bo_embedded_files[i].name, name) == 0)
            return bo_embedded_files[i].text;
    return NULL;
}
