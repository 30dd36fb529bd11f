/* How much memory this process may still use: the system's available memory, or less where a
 * cgroup limits the process (containers, batch schedulers). Used to refuse a solve that cannot
 * fit before it runs for minutes and is killed. */
#ifndef BO_SYSMEM_H
#define BO_SYSMEM_H

#include <stddef.h>

/* Bytes this process can still allocate without swapping or being killed, as far as the
 * system tells: min(MemAvailable of /proc/meminfo, cgroup limit - cgroup usage). 0 with *known
 * = 0 when nothing can be read (the caller then does not limit). *source names what decided
 * ("MemAvailable", "cgroup memory.max"). */
size_t sysmem_available(int *known, const char **source);

/* Human text for a byte count: "1.5 GB", "820 MB", "12 kB" (decimal units). */
void sysmem_format(double bytes, char *buf, size_t len);

#endif
