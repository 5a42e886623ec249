/* valgrind.c - the Valgrind half of Helgrind and DRD: the command line,
 * the health check and vg.xml read early. */
#include "valgrind.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void valgrind_command(const char *tool, const struct detector_run *run,
                      struct strvec *argv)
{
    char *supp;

    sv_push(argv, "valgrind");
    sv_push_own(argv, xasprintf("--tool=%s", tool));
    sv_push(argv, "--xml=yes");
    sv_push_own(argv, xasprintf("--xml-file=%s/vg.xml", run->tmp));
    sv_push(argv, "--error-exitcode=0");
    sv_push(argv, "--child-silent-after-fork=yes");
    /* no gdbserver: its FIFOs in $TMPDIR outlive a killed valgrind */
    sv_push(argv, "--vgdb=no");
    if (run->chaos && strncmp(run->chaos, "none", 4) != 0) {
        /* Valgrind runs one thread at a time; under --chaos let its own
         * scheduler help: a fair (ticket) lock hands the CPU to waiting
         * threads round-robin instead of to whoever wins the futex.
         * (Valgrind 3.19 has no command-line option for its scheduling
         * quantum.) */
        sv_push(argv, "--fair-sched=yes");
    }
    supp = xasprintf("%s/sanitizers/valgrind.supp", run->source);
    if (access(supp, R_OK) == 0)
        sv_push_own(argv, xasprintf("--suppressions=%s", supp));
    free(supp);
    if (run->suppressions)
        sv_push_own(argv, xasprintf("--suppressions=%s", run->suppressions));
}

/* Valgrind's own failure: a line of its stderr, or (once it finished) an
 * XML report it never closed, with its first words on stderr. */
char *valgrind_health(const struct detector_run *run, bool finished)
{
    static const char *const needles[] = {
        "valgrind: Unknown option", "valgrind: Bad option", "Bad option:",
        "FATAL:", "the 'impossible' happened", "Assertion '",
        "Valgrind's memory management: out of memory",
        "valgrind: failed to start tool", "cannot open suppressions file",
        "can't open suppressions file", NULL};
    char *line = detector_failure_line(run, NULL, needles), *p, *xml, *text, *s;

    if (line || !finished)
        return line;
    p = xasprintf("%s/vg.xml", run->tmp);
    xml = read_file(p, NULL);
    free(p);
    if (xml && strstr(xml, "</valgrindoutput>")) {
        free(xml);
        return NULL;
    }
    free(xml);
    /* No XML, or never closed: valgrind stopped before its end.  Its
     * first words on stderr say why. */
    p = xasprintf("%s/stderr", run->tmp);
    text = read_file(p, NULL);
    free(p);
    for (s = text; s && (*s == '\n' || *s == ' '); s++)
        ;
    line = s && *s ? xasprintf("valgrind wrote no complete XML report: %.*s",
                               (int)strcspn(s, "\n"), s)
                   : xstrdup("valgrind wrote no complete XML report and printed nothing");
    free(text);
    return line;
}

/* Valgrind's XML is only well formed once valgrind exits.  To read it
 * early (or after a SIGKILL), cut after the last complete <error> and
 * close the document. */
static int parse_vg_partial(const char *path, const char *tool,
                            struct finding_list *out, char *err, size_t errlen)
{
    size_t n;
    char *xml = read_file(path, &n);
    int rc;

    if (!xml) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!strstr(xml, "</valgrindoutput>")) {
        char *last = NULL;
        for (char *p = xml; (p = strstr(p, "</error>")) != NULL; p += 8)
            last = p + 8;
        if (!last) {
            free(xml);
            return 0;
        }
        *last = '\0';
        char *fixed = xasprintf("%s\n</valgrindoutput>\n", xml);
        free(xml);
        xml = fixed;
        n = strlen(xml);
    }
    rc = valgrind_parse_xml_buffer(xml, n, tool, out, err, errlen);
    free(xml);
    return rc;
}

int valgrind_parse(const char *tool, const struct detector_run *run,
                   struct finding_list *out, char *err, size_t errlen)
{
    char *p = xasprintf("%s/vg.xml", run->tmp);
    int n = access(p, R_OK) == 0 ? parse_vg_partial(p, tool, out, err, errlen) : 0;

    free(p);
    return n;
}

off_t valgrind_report_bytes(const struct detector_run *run)
{
    char *p = xasprintf("%s/vg.xml", run->tmp);
    size_t n;
    char *xml = read_file(p, &n);
    off_t total = 0;

    /* the XML preamble is there from the start: count only errors */
    if (xml && strstr(xml, "<error>"))
        total = (off_t)n;
    free(xml);
    free(p);
    return total;
}
