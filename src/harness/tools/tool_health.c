/* tool_health.c - the detector's own failures, quoted from its output. */
#include "tool_health.h"
#include "harness_util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The first line of TEXT containing one of NEEDLES, trimmed (malloc'd). */
static char *line_with(const char *text, const char *const *needles)
{
    for (const char *const *n = needles; text && *n; n++) {
        const char *hit = strstr(text, *n), *start, *end;

        if (!hit)
            continue;
        start = hit;
        while (start > text && start[-1] != '\n')
            start--;
        end = strchr(hit, '\n');
        if (!end)
            end = hit + strlen(hit);
        while (start < end && (*start == ' ' || *start == '\t'))
            start++;
        if (end - start > 300)
            end = start + 300;
        return xasprintf("%.*s", (int)(end - start), start);
    }
    return NULL;
}

static char *file_line_with(const char *path, const char *const *needles)
{
    char *text = read_file(path, NULL), *line = line_with(text, needles);

    free(text);
    return line;
}

char *tsan_runtime_failure(const char *rundir)
{
    static const char *const needles[] = {
        "CHECK failed", "FATAL: ThreadSanitizer", "ThreadSanitizer: failed",
        "ThreadSanitizer: ERROR:",      /* "Flag parsing failed." */
        "ThreadSanitizer: unexpected memory mapping", NULL};
    char *p = xasprintf("%s/stderr", rundir), *line = file_line_with(p, needles);
    DIR *d;
    struct dirent *de;

    free(p);
    if (line || !(d = opendir(rundir)))
        return line;
    while (!line && (de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, "tsan.", 5) != 0)
            continue;
        p = xasprintf("%s/%s", rundir, de->d_name);
        line = file_line_with(p, needles);
        free(p);
    }
    (void)closedir(d);  /* a directory only read: nothing to lose */
    return line;
}

char *valgrind_failure(const char *rundir, bool finished)
{
    static const char *const needles[] = {
        "valgrind: Unknown option", "valgrind: Bad option", "Bad option:",
        "FATAL:", "the 'impossible' happened", "Assertion '",
        "Valgrind's memory management: out of memory",
        "valgrind: failed to start tool", "cannot open suppressions file",
        "can't open suppressions file", NULL};
    char *p = xasprintf("%s/stderr", rundir);
    char *line = file_line_with(p, needles);
    char *xml;

    if (line || !finished) {
        free(p);
        return line;
    }
    free(p);
    p = xasprintf("%s/vg.xml", rundir);
    xml = read_file(p, NULL);
    free(p);
    if (xml && strstr(xml, "</valgrindoutput>")) {
        free(xml);
        return NULL;
    }
    free(xml);
    /* No XML, or never closed: valgrind stopped before its end.  Its
     * first words on stderr say why. */
    p = xasprintf("%s/stderr", rundir);
    {
        char *text = read_file(p, NULL), *s = text;

        free(p);
        while (s && (*s == '\n' || *s == ' '))
            s++;
        line = s && *s ? xasprintf("valgrind wrote no complete XML report: "
                                   "%.*s", (int)strcspn(s, "\n"), s)
                       : xstrdup("valgrind wrote no complete XML report and "
                                 "printed nothing");
        free(text);
    }
    return line;
}
