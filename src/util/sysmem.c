/* Available memory from /proc/meminfo and the process's cgroup (v2 memory.max/memory.current,
 * v1 memory.limit_in_bytes/usage_in_bytes). Where none of these files exist the answer is
 * "unknown" and nothing is limited. */
#include "sysmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The first line of a small file, as an unsigned number; 0 when absent, "max" or unreadable. */
static int read_number(const char *path, unsigned long long *out)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[128];
    int ok = 0;
    if (fgets(line, sizeof line, f) && line[0] >= '0' && line[0] <= '9') {
        char *end;
        *out = strtoull(line, &end, 10);
        ok = 1;
    }
    fclose(f);
    return ok;
}

static int meminfo_available(unsigned long long *bytes)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        return 0;
    char line[256];
    int ok = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long long kb;
        if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) {
            *bytes = kb * 1024ull;
            ok = 1;
            break;
        }
    }
    fclose(f);
    return ok;
}

/* The cgroup v2 path of this process ("0::/some/path"), or the v1 memory controller's path. */
static int cgroup_path(char *v2, size_t v2len, char *v1, size_t v1len)
{
    v2[0] = v1[0] = '\0';
    FILE *f = fopen("/proc/self/cgroup", "r");
    if (!f)
        return 0;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "0::", 3) == 0)
            snprintf(v2, v2len, "%s", line + 3);
        char *c1 = strchr(line, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (c1 && c2) {
            *c2 = '\0';
            const char *ctrls = c1 + 1;
            if (strstr(ctrls, "memory"))
                snprintf(v1, v1len, "%s", c2 + 1);
        }
    }
    fclose(f);
    return 1;
}

/* Room left under the cgroup's limit, when one is set. */
static int cgroup_room(unsigned long long *room)
{
    char v2[512], v1[512], path[600];
    if (!cgroup_path(v2, sizeof v2, v1, sizeof v1))
        return 0;
    unsigned long long limit = 0, usage = 0;
    if (v2[0]) {
        snprintf(path, sizeof path, "/sys/fs/cgroup%s/memory.max", v2);
        if (read_number(path, &limit)) {
            snprintf(path, sizeof path, "/sys/fs/cgroup%s/memory.current", v2);
            if (read_number(path, &usage)) {
                *room = limit > usage ? limit - usage : 0;
                return 1;
            }
        }
    }
    if (v1[0]) {
        snprintf(path, sizeof path, "/sys/fs/cgroup/memory%s/memory.limit_in_bytes", v1);
        /* v1 reports "no limit" as a huge number: anything past 2^60 is none. */
        if (read_number(path, &limit) && limit < (1ull << 60)) {
            snprintf(path, sizeof path, "/sys/fs/cgroup/memory%s/memory.usage_in_bytes", v1);
            if (read_number(path, &usage)) {
                *room = limit > usage ? limit - usage : 0;
                return 1;
            }
        }
    }
    return 0;
}

size_t sysmem_available(int *known, const char **source)
{
    unsigned long long avail = 0, room = 0;
    int have_avail = meminfo_available(&avail);
    int have_room = cgroup_room(&room);
    *known = have_avail || have_room;
    *source = "";
    if (!*known)
        return 0;
    unsigned long long best;
    if (have_room && (!have_avail || room < avail)) {
        best = room;
        *source = "room under the cgroup's memory limit";
    } else {
        best = avail;
        *source = "MemAvailable in /proc/meminfo";
    }
    return best > (unsigned long long)(size_t)-1 ? (size_t)-1 : (size_t)best;
}

void sysmem_format(double bytes, char *buf, size_t len)
{
    static const char *const units[] = {"bytes", "kB", "MB", "GB", "TB", "PB"};
    int u = 0;
    while (bytes >= 1000.0 && u < 5) {
        bytes /= 1000.0;
        ++u;
    }
    if (u == 0)
        snprintf(buf, len, "%.0f bytes", bytes);
    else
        snprintf(buf, len, "%.3g %s", bytes, units[u]);
}
