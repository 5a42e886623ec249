/* schedule_report.c - a failing schedule as per-thread columns with
 * source lines (text on stderr; HTML too if RACELAB_SCHED_HTML=FILE), the
 * way a student reads an interleaving: one row per stretch a thread ran,
 * in that thread's column, with where it was when it lost the baton.  A
 * '*' marks a preemption (it could have gone on).  Source lines come from
 * addr2line (binutils) on the executable's debug information (-g); without
 * it, offsets.
 */
#include "rlsched.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ROWS_MAX 200
#define COLS_MAX 8
#define CELL 36


/* "file.c:12 (func)" for each pc offset, through one addr2line run. */
static char **source_lines(const struct xswitch *sw, size_t n)
{
    char **out = calloc(n, sizeof *out);
    char exe[4096], cmd[65536];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (!out || len <= 0)
        return out;
    exe[len] = '\0';
    size_t c = (size_t)snprintf(cmd, sizeof cmd, "addr2line -f -s -e '%s'", exe);
    for (size_t i = 0; i < n && c + 24 < sizeof cmd; i++)
        c += (size_t)snprintf(cmd + c, sizeof cmd - c, " %#lx",
                              (unsigned long)(sw[i].pc ? sw[i].pc - 1 : 0));
    snprintf(cmd + c, sizeof cmd - c, " 2>/dev/null");
    FILE *p = popen(cmd, "r");
    char fn[512], fl[512];
    for (size_t i = 0; p && i < n && fgets(fn, sizeof fn, p) && fgets(fl, sizeof fl, p); i++) {
        fn[strcspn(fn, "\n")] = '\0';
        fl[strcspn(fl, "\n")] = '\0';
        char *cut = strstr(fl, " (discriminator");
        if (cut)
            *cut = '\0';
        if (sw[i].pc && strncmp(fl, "??", 2) != 0)
            out[i] = strdup(fn[0] != '?' ? (snprintf(cmd, sizeof cmd, "%s %s", fl, fn), cmd)
                                         : fl);
    }
    if (p)
        pclose(p);
    for (size_t i = 0; i < n; i++)
        if (!out[i]) {
            char b[40];
            snprintf(b, sizeof b, sw[i].pc ? "+%#lx" : "(start)", (unsigned long)sw[i].pc);
            out[i] = strdup(b);
        }
    return out;
}

static void html(const char *path, const struct xswitch *sw, size_t n, char **src,
                 int ncol)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        rl_print("rlsched: RACELAB_SCHED_HTML=%s: cannot write\n", path);
        return;
    }
    fputs("<!doctype html><meta charset=utf-8><title>failing schedule</title>\n"
          "<style>td,th{border:1px solid #ccc;padding:2px 6px;font:13px monospace}"
          "td.p{background:#fdd}</style>\n<table><tr><th>step</th>", f);
    for (int c = 0; c < ncol; c++)
        fprintf(f, "<th>thread %d</th>", c);
    fputs("</tr>\n", f);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "<tr><td>%llu</td>", (unsigned long long)sw[i].step);
        for (int c = 0; c < ncol; c++) {
            if (c != sw[i].from) {
                fputs("<td></td>", f);
                continue;
            }
            fprintf(f, "<td%s>%s", sw[i].preempt ? " class=p" : "", sw[i].preempt ? "* " : "");
            for (const char *s = src[i]; *s; s++)
                fputs(*s == '<' ? "&lt;" : *s == '>' ? "&gt;" : *s == '&' ? "&amp;"
                      : (char[2]){ *s, 0 }, f);
            if (sw[i].to < 0)
                fputs(" (killed)</td>", f);
            else
                fprintf(f, " &rarr; %d</td>", sw[i].to);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
    fclose(f);
}

void rl_schedule_report(const struct xswitch *sw, size_t n, uintptr_t base)
{
    (void)base;
    if (n > ROWS_MAX)
        n = ROWS_MAX;
    if (n == 0)
        return;
    int ncol = 0;
    for (size_t i = 0; i < n; i++) {
        if (sw[i].from + 1 > ncol)
            ncol = sw[i].from + 1;
        if (sw[i].to + 1 > ncol)
            ncol = sw[i].to + 1;
    }
    char **src = source_lines(sw, n);
    if (!src)
        return;
    int shown = ncol < COLS_MAX ? ncol : COLS_MAX;
    rl_print("rlsched: the failing schedule, thread by thread (where each thread was "
             "when it lost the baton; * = preempted; -> who ran next):\n");
    char line[1024];
    size_t len = (size_t)snprintf(line, sizeof line, "  %8s", "step");
    for (int c = 0; c < shown; c++)
        len += (size_t)snprintf(line + len, sizeof line - len, " | thread %-*d", CELL - 7, c);
    rl_print("%s\n", line);
    for (size_t i = 0; i < n; i++) {
        if (sw[i].from < 0)
            continue;
        len = (size_t)snprintf(line, sizeof line, "  %8llu", (unsigned long long)sw[i].step);
        for (int c = 0; c < shown && len < sizeof line; c++) {
            char cell[128] = "";
            if (c == sw[i].from && sw[i].to < 0)      /* the schedule was stopped */
                snprintf(cell, sizeof cell, "%s (killed)", src[i]);
            else if (c == sw[i].from)
                snprintf(cell, sizeof cell, "%s%s ->%d", sw[i].preempt ? "*" : "", src[i],
                         sw[i].to);
            len += (size_t)snprintf(line + len, sizeof line - len, " | %-*.*s", CELL, CELL,
                                    cell);
        }
        rl_print("%s\n", line);
    }
    const char *h = getenv("RACELAB_SCHED_HTML");
    if (h && *h)
        html(h, sw, n, src, ncol);
    for (size_t i = 0; i < n; i++)
        free(src[i]);
    free(src);
}
