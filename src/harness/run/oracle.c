/* oracle.c - the access-log and memory oracles. */
#include "oracle.h"
#include "harness_util.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The number after "KEY" in /proc/PID/status, or -1. */
static long proc_status_field(pid_t pid, const char *key)
{
    char path[64], line[256];
    size_t klen = strlen(key);
    long v = -1;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    f = fopen(path, "re");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, klen) == 0) {
            v = atol(line + klen);
            break;
        }
    fclose(f);                  /* read only */
    return v;
}

long proc_vmsize_kb(pid_t pid)
{
    return proc_status_field(pid, "VmSize:");
}

long proc_threads(pid_t pid)
{
    return proc_status_field(pid, "Threads:");
}

const char *access_log_arg(char *const *argv)
{
    for (size_t i = 0; argv[i]; i++) {
        if (strcmp(argv[i], "--access-log") == 0 && argv[i + 1])
            return argv[i + 1];
        if (strncmp(argv[i], "--access-log=", 13) == 0)
            return argv[i] + 13;
    }
    return NULL;
}

bool access_log_garbled(const char *path, char *detail, size_t len, long *lines)
{
    /* 127.0.0.1 - - [25/Nov/2026:16:49:01 +0000] "GET /f/3.html HTTP/1.1" 200 1024 */
    static const char *pattern =
        "^127\\.0\\.0\\.1 - - \\[[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9]{2}:[0-9]{2}:"
        "[0-9]{2} [+-][0-9]{4}\\] \"(GET|HEAD) /[^ \"]* HTTP/1\\.[01]\" "
        "[1-5][0-9]{2} [0-9]+$";
    regex_t re;
    size_t n;
    char *text = read_file(path, &n);
    bool bad = false;
    long count = 0;

    *lines = 0;
    if (!text) {
        snprintf(detail, len, "access log %s missing", path);
        return true;
    }
    if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0) {
        free(text);
        return false;
    }
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        else {
            snprintf(detail, len, "line %ld has no newline (torn write): \"%.80s\"",
                     count + 1, line);
            bad = true;
            break;
        }
        count++;
        if (regexec(&re, line, 0, NULL, 0) != 0) {
            snprintf(detail, len, "line %ld malformed: \"%.100s\"", count, line);
            bad = true;
            break;
        }
    }
    regfree(&re);
    free(text);
    *lines = count;
    return bad;
}
