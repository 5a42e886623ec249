/* detectors.c - the one registration table of detectors (detector.h), and
 * the helpers their files share. */
#include "detector.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DETECTOR_ENTRY(id, name) [TOOL_##id] = &detector_##name,
const struct detector *const detectors[DETECTOR_COUNT] = {
    DETECTOR_LIST(DETECTOR_ENTRY)
    DETECTOR_MODES(DETECTOR_ENTRY)
};
#undef DETECTOR_ENTRY

#define DETECTOR_NAME(id, name) [TOOL_##id] = #name,
const char *const tool_names[TOOL_COUNT] = {DETECTOR_LIST(DETECTOR_NAME)};
#undef DETECTOR_NAME

const struct detector *detector_get(int tool)
{
    return tool >= 0 && tool < DETECTOR_COUNT ? detectors[tool] : NULL;
}

int tool_from_name(const char *name)
{
    for (int i = 0; name && i < TOOL_COUNT; i++)
        if (strcmp(name, tool_names[i]) == 0)
            return i;
    return -1;
}

const char *detector_names(void)
{
    static char buf[256];

    if (!buf[0])
        for (int i = 0; i < TOOL_COUNT; i++)
            snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s",
                     i ? ", " : "", tool_names[i]);
    return buf;
}

char *detector_executable(const struct detector *d, const char *source,
                          const char *build_root, const char *scenario,
                          const char *variant)
{
    char *root = build_root ? xstrdup(build_root) : xasprintf("%s/build", source);
    char *exe = scenario ? xasprintf("%s/%s/racelab-server-%s-%s", root, d->flavor,
                                     scenario, variant)
                         : xasprintf("%s/%s/racelab-server", root, d->flavor);
    free(root);
    return exe;
}

bool detector_installed(const struct detector *d)
{
    char *p;

    if (!d->requires)
        return true;
    p = which(d->requires);
    free(p);
    return p != NULL;
}

bool program_has_symbol(const char *path, const char *symbol)
{
    size_t n;
    char *data = read_file(path, &n);
    bool yes;

    if (!data)
        return false;
    yes = memmem(data, n, symbol, strlen(symbol)) != NULL;
    free(data);
    return yes;
}

void detectors_print(FILE *f)
{
    fputs("\nDetectors (--tool NAME; build/FLAVOR holds the executables):\n", f);
    for (int t = 0; t < TOOL_COUNT; t++)
        fprintf(f, "  %-9s %-9s %s%s\n", detectors[t]->name, detectors[t]->flavor,
                detectors[t]->title, detectors[t]->by_default ? ""
                : " (only when named)");
}

void detectors_prepare(const bool tools[TOOL_COUNT])
{
    for (int t = 0; t < TOOL_COUNT; t++)
        if (tools[t] && detectors[t]->prepare)
            detectors[t]->prepare();
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The RUN/PREFIX* files in name order (a sorted strvec of full paths). */
static void log_files(const struct detector_run *run, const char *prefix,
                      struct strvec *out)
{
    DIR *d = opendir(run->tmp);
    struct dirent *de;
    size_t plen = strlen(prefix);

    sv_init(out);
    if (!run->tmp)
        return;
    if (!d)
        return;         /* no directory: no logs (the run failed earlier) */
    while ((de = readdir(d)) != NULL)
        if (strncmp(de->d_name, prefix, plen) == 0)
            sv_push_own(out, xasprintf("%s/%s", run->tmp, de->d_name));
    (void)closedir(d);  /* a directory only read: nothing to lose */
    if (out->n > 1)
        qsort(out->v, out->n, sizeof *out->v, cmp_str);
}

int detector_parse_logs(const struct detector_run *run, const char *prefix,
                        int (*parse)(const char *path, struct finding_list *out,
                                     char *err, size_t errlen),
                        struct finding_list *out, bool partial,
                        char *err, size_t errlen)
{
    struct strvec files;
    int total = 0;

    log_files(run, prefix, &files);
    for (size_t i = 0; i < files.n; i++) {
        int n = parse(files.v[i], out, err, errlen);
        if (n < 0 && !partial) {
            sv_free(&files);
            return -1;
        }
        total += n > 0 ? n : 0;
    }
    sv_free(&files);
    return total;
}

off_t detector_log_bytes(const struct detector_run *run, const char *prefix)
{
    struct strvec files;
    struct stat st;
    off_t total = 0;

    log_files(run, prefix, &files);
    for (size_t i = 0; i < files.n; i++)
        if (stat(files.v[i], &st) == 0)     /* a file gone is no bytes */
            total += st.st_size;
    sv_free(&files);
    return total;
}

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

char *detector_failure_line(const struct detector_run *run, const char *prefix,
                            const char *const *needles)
{
    char *p = xasprintf("%s/stderr", run->tmp), *text = read_file(p, NULL);
    char *line = line_with(text, needles);
    struct strvec files;

    free(p);
    free(text);
    if (line || !prefix)
        return line;
    log_files(run, prefix, &files);
    for (size_t i = 0; !line && i < files.n; i++) {
        text = read_file(files.v[i], NULL);
        line = line_with(text, needles);
        free(text);
    }
    sv_free(&files);
    return line;
}
