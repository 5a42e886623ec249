/* manifest.c - reading scenario manifests with inih. */
#include "manifest.h"
#include "chaos_spec.h"
#include "report/finding.h"

#include <dirent.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

const char *const variant_names[VARIANT_COUNT] = {"buggy", "fixed"};

int variant_from_name(const char *name)
{
    for (int i = 0; i < VARIANT_COUNT; i++)
        if (strcmp(name, variant_names[i]) == 0)
            return i;
    return -1;
}

bool symptom_known(const char *name)
{
    static const char *const names[] = {
        "stats-mismatch", "hang", "crash", "shutdown-hang", "memory-growth",
        "cache-duplicates", "log-garbled", "slow-request", "wrong-response",
        "stuck-child", "threads-lost"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0)
            return true;
    return false;
}

struct parse_ctx {
    struct scenario *s;
    const char *rel;
    char *err;                  /* the message, without "file:line: " */
    size_t errlen;
    bool failed;
    char fail_section[96], fail_key[64];  /* where, to find its line */
};

static bool parse_bool(const char *v, bool *out)
{
    if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1"))
        *out = true;
    else if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcmp(v, "0"))
        *out = false;
    else
        return false;
    return true;
}

static struct location *find_location(struct scenario *s, const char *name,
                                      bool create)
{
    for (size_t i = 0; i < s->nlocs; i++)
        if (strcmp(s->locs[i].name, name) == 0)
            return &s->locs[i];
    if (!create)
        return NULL;
    s->locs = xrealloc(s->locs, (s->nlocs + 1) * sizeof *s->locs);
    struct location *l = &s->locs[s->nlocs++];
    memset(l, 0, sizeof *l);
    l->name = xstrdup(name);
    return l;
}

#define FAIL(...)                                                   \
    do {                                                            \
        if (!c->failed) {                                           \
            snprintf(c->err, c->errlen, __VA_ARGS__);               \
            snprintf(c->fail_section, sizeof c->fail_section, "%s", section); \
            snprintf(c->fail_key, sizeof c->fail_key, "%s", name);  \
        }                                                           \
        c->failed = true;                                           \
        return 0;                                                   \
    } while (0)

static void set_str(char **dst, const char *v)
{
    free(*dst);
    *dst = xstrdup(v);
}

static int on_entry(void *user, const char *section, const char *name,
                    const char *value)
{
    struct parse_ctx *c = user;
    struct scenario *s = c->s;

    if (strcmp(section, "scenario") == 0) {
        if (!strcmp(name, "name")) set_str(&s->name, value);
        else if (!strcmp(name, "diagnosis")) set_str(&s->diagnosis, value);
        else if (!strcmp(name, "contract_buggy")) set_str(&s->contract_buggy, value);
        else if (!strcmp(name, "title")) set_str(&s->title, value);
        else if (!strcmp(name, "module")) set_str(&s->module, value);
        else if (!strcmp(name, "bug_class")) set_str(&s->bug_class, value);
        else if (!strcmp(name, "concept")) set_str(&s->concept, value);
        else if (!strcmp(name, "args")) set_str(&s->args, value);
        else if (!strcmp(name, "load")) {
            set_str(&s->load, value);
        } else if (!strcmp(name, "symptom")) {
            if (*value && !symptom_known(value))
                FAIL("[scenario] symptom: unknown oracle '%s'", value);
            set_str(&s->symptom, value);
        } else if (!strcmp(name, "symptom_description"))
            set_str(&s->symptom_description, value);
        else if (!strcmp(name, "slow_ms") || !strcmp(name, "memory_growth_mb") ||
                 !strcmp(name, "hang_seconds")) {
            char *end;
            double v = strtod(value, &end);
            if (*end || v <= 0)
                FAIL("[scenario] %s: not a positive number: '%s'", name, value);
            if (!strcmp(name, "slow_ms")) s->slow_ms = v;
            else if (!strcmp(name, "memory_growth_mb")) s->memory_growth_mb = v;
            else s->hang_seconds = v;
        } else
            warnf("%s: [scenario]: unknown key '%s' ignored", c->rel, name);
        return 1;
    }
    if (strncmp(section, "location.", 9) == 0) {
        struct location *l = find_location(s, section + 9, true);
        if (!strcmp(name, "file")) set_str(&l->file, value);
        else if (!strcmp(name, "line")) {
            long v;
            if (!parse_long(value, 1, 10000000, &v))
                FAIL("[%s] line: not a line number: '%s'", section,
                     value);
            l->line = (int)v;
        } else if (!strcmp(name, "function")) set_str(&l->function, value);
        else if (!strcmp(name, "access")) set_str(&l->access, value);
        else if (!strcmp(name, "lock")) set_str(&l->lock, value);
        else
            warnf("%s: [%s]: unknown key '%s' ignored", c->rel, section, name);
        return 1;
    }
    if (strncmp(section, "expect.", 7) == 0) {
        char var[32], tool[32];
        int v, t;
        if (sscanf(section + 7, "%31[^.].%31s", var, tool) != 2 ||
            (v = variant_from_name(var)) < 0 || (t = tool_from_name(tool)) < 0)
            FAIL("[%s]: expected [expect.<buggy|fixed>.<tsan|helgrind|drd|none>]",
                 section);
        struct expect_spec *e = &s->expect[v][t];
        e->present = true;
        if (!strcmp(name, "kinds")) {
            struct strvec kinds;
            sv_init(&kinds);
            sv_split(&kinds, value, false);
            for (size_t i = 0; i < kinds.n; i++) {
                int k = finding_kind_from_name(kinds.v[i]);
                if (k < 0) {
                    char bad[64];
                    snprintf(bad, sizeof bad, "%s", kinds.v[i]);
                    sv_free(&kinds);
                    FAIL("[%s] kinds: unknown finding kind '%s'", section, bad);
                }
                e->kinds |= 1u << k;
            }
            sv_free(&kinds);
        } else if (!strcmp(name, "at")) {
            sv_split(&e->at, value, false);
        } else if (!strcmp(name, "rate")) {
            set_str(&e->rate, value);
        } else if (!strcmp(name, "rate_source")) {
            set_str(&e->rate_source, value);
        } else if (!strcmp(name, "chaos")) {
            /* the schedule perturbation the rate was measured with */
            struct chaos_config cc;
            char why[160];
            if (chaos_spec_parse(value, &cc, why, sizeof why) < 0)
                FAIL("[%s] chaos: %s", section, why);
            set_str(&e->chaos, value);
        } else if (!strcmp(name, "false_positive")) {
            if (!parse_bool(value, &e->false_positive))
                FAIL("[%s] false_positive: expected yes or no", section);
        } else if (!strcmp(name, "symptom")) {
            bool b;
            if (!parse_bool(value, &b))
                FAIL("[%s] symptom: expected yes or no", section);
            e->symptom = b;
        } else
            warnf("%s: [%s]: unknown key '%s' ignored", c->rel, section, name);
        return 1;
    }
    warnf("%s: unknown section [%s] ignored", c->rel, section);
    return 1;
}

/* The line of KEY in [SECTION] of PATH (of the section header when KEY is
 * NULL or not found), or 0.  For error messages only. */
static int find_line(const char *path, const char *section, const char *key)
{
    FILE *f = fopen(path, "re");
    char buf[1024], header[128];
    int line = 0, found = 0;
    bool in = !section || !*section;

    if (!f)
        return 0;
    snprintf(header, sizeof header, "[%s]", section ? section : "");
    while (fgets(buf, sizeof buf, f)) {
        char *p = buf;
        line++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '[') {
            in = strncmp(p, header, strlen(header)) == 0;
            if (in && !found)
                found = line;
            continue;
        }
        if (in && key && *key && strncmp(p, key, strlen(key)) == 0) {
            char *q = p + strlen(key);
            while (*q == ' ' || *q == '\t')
                q++;
            if (*q == '=' || *q == ':') {
                found = line;
                break;
            }
        }
    }
    fclose(f);                  /* read only */
    return found;
}

/* "buggy.c" in folder scenarios/NAME -> "scenarios/NAME/buggy.c", with
 * "." and ".." segments folded ("../../src/server/cache.c" ->
 * "src/server/cache.c").  Absolute paths stay as they are. */
static char *resolve_in_folder(const char *name, const char *file)
{
    char *joined, *out, *seg, *save;
    struct strvec parts;
    struct strbuf sb;

    if (file[0] == '/')
        return xstrdup(file);
    joined = xasprintf("scenarios/%s/%s", name, file);
    sv_init(&parts);
    for (seg = strtok_r(joined, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
        if (!strcmp(seg, "."))
            continue;
        if (!strcmp(seg, "..")) {
            if (parts.n > 0)
                free(parts.v[--parts.n]);
            continue;
        }
        sv_push(&parts, seg);
    }
    sb_init(&sb);
    for (size_t i = 0; i < parts.n; i++)
        sb_printf(&sb, "%s%s", i ? "/" : "", parts.v[i]);
    out = sb_steal(&sb);
    sv_free(&parts);
    free(joined);
    return out;
}

/* Sets ERR to "REL:LINE: MSG" (LINE from SECTION/KEY) and returns -1. */
static int fail_at(char *err, size_t errlen, const struct scenario *s,
                   const char *rel, const char *section, const char *key,
                   const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static int fail_at(char *err, size_t errlen, const struct scenario *s,
                   const char *rel, const char *section, const char *key,
                   const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    int line = find_line(s->path, section, key);

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (line > 0)
        snprintf(err, errlen, "%s:%d: %s", rel, line, msg);
    else
        snprintf(err, errlen, "%s: %s", rel, msg);
    return -1;
}

int scenario_load(struct scenario *s, const char *dir, const char *rel,
                  char *err, size_t errlen)
{
    char msg[400];
    struct parse_ctx c = {s, rel, msg, sizeof msg, false, "", ""};
    const char *base = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
    int rc;

    memset(s, 0, sizeof *s);
    for (int v = 0; v < VARIANT_COUNT; v++)
        for (int t = 0; t < TOOL_COUNT; t++) {
            sv_init(&s->expect[v][t].at);
            s->expect[v][t].symptom = -1;
        }
    s->dir = xstrdup(dir);
    s->path = xasprintf("%s/manifest.ini", dir);
    rc = ini_parse(s->path, on_entry, &c);
    if (rc < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", rel, strerror(errno));
        return -1;
    }
    if (c.failed)
        return fail_at(err, errlen, s, rel, c.fail_section, c.fail_key, "%s", msg);
    if (rc > 0) {
        snprintf(err, errlen, "%s:%d: syntax error", rel, rc);
        return -1;
    }
    /* The folder names the scenario; a name key is only a reminder. */
    if (s->name && strcmp(s->name, base) != 0)
        warnf("%s: name '%s' ignored: the scenario is named after its folder, '%s'",
              rel, s->name, base);
    free(s->name);
    s->name = xstrdup(base);
    if (!s->load)
        s->load = xstrdup("mixed");
    if (!s->args)
        s->args = xstrdup("");
    if (strcmp(s->load, "mixed") && strcmp(s->load, "stats") &&
        strcmp(s->load, "close") && strcmp(s->load, "hits"))
        return fail_at(err, errlen, s, rel, "scenario", "load",
                       "[scenario] load: unknown profile '%s' (mixed, stats, close, hits)",
                       s->load);
    for (size_t i = 0; i < s->nlocs; i++) {
        struct location *l = &s->locs[i];
        char sec[160];
        snprintf(sec, sizeof sec, "location.%s", l->name);
        if (!l->file || l->line <= 0)
            return fail_at(err, errlen, s, rel, sec, NULL,
                           "[location.%s] needs file and line", l->name);
        /* Paths are relative to the scenario folder, so that a copied
         * folder still points at its own files. */
        if (strncmp(l->file, "scenarios/", 10) == 0 || strncmp(l->file, "src/", 4) == 0)
            warnf("%s: [location.%s] file '%s' looks relative to the source "
                  "tree; write it relative to the scenario folder", rel, l->name,
                  l->file);
        else {
            char *r = resolve_in_folder(s->name, l->file);
            free(l->file);
            l->file = r;
        }
    }
    for (int v = 0; v < VARIANT_COUNT; v++)
        for (int t = 0; t < TOOL_COUNT; t++)
            for (size_t i = 0; i < s->expect[v][t].at.n; i++)
                if (!find_location(s, s->expect[v][t].at.v[i], false)) {
                    char sec[64];
                    snprintf(sec, sizeof sec, "expect.%s.%s", variant_names[v],
                             tool_names[t]);
                    return fail_at(err, errlen, s, rel, sec, "at",
                                   "[%s] at: no [location.%s]", sec,
                                   s->expect[v][t].at.v[i]);
                }
    return 0;
}

void scenario_free(struct scenario *s)
{
    free(s->name); free(s->dir); free(s->path); free(s->title);
    free(s->module); free(s->bug_class); free(s->concept); free(s->args);
    free(s->load); free(s->symptom); free(s->symptom_description);
    free(s->diagnosis); free(s->contract_buggy);
    for (size_t i = 0; i < s->nlocs; i++) {
        struct location *l = &s->locs[i];
        free(l->name); free(l->file); free(l->function); free(l->access);
        free(l->lock);
    }
    free(s->locs);
    for (int v = 0; v < VARIANT_COUNT; v++)
        for (int t = 0; t < TOOL_COUNT; t++) {
            sv_free(&s->expect[v][t].at);
            free(s->expect[v][t].rate);
            free(s->expect[v][t].rate_source);
            free(s->expect[v][t].chaos);
        }
    memset(s, 0, sizeof *s);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int scenarios_load_all(const char *source, struct scenario **out,
                       char *err, size_t errlen)
{
    char *root = xasprintf("%s/scenarios", source);
    DIR *d = opendir(root);
    struct strvec names;
    struct dirent *de;
    struct scenario *s = NULL;
    size_t n = 0;

    *out = NULL;
    if (!d) {
        snprintf(err, errlen, "opendir %s: %s", root, strerror(errno));
        free(root);
        return -1;
    }
    sv_init(&names);
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char *m = xasprintf("%s/%s/manifest.ini", root, de->d_name);
        if (access(m, R_OK) == 0)
            sv_push(&names, de->d_name);
        free(m);
    }
    closedir(d);     /* EBADF only: nothing to lose */
    if (names.n > 1)    /* no scenario: no array */
        qsort(names.v, names.n, sizeof(char *), cmp_str);
    s = xcalloc(names.n + 1, sizeof *s);
    for (size_t i = 0; i < names.n; i++) {
        char *dir = xasprintf("%s/%s", root, names.v[i]);
        char *rel = xasprintf("scenarios/%s/manifest.ini", names.v[i]);
        char why[512];
        int rc = scenario_load(&s[n], dir, rel, why, sizeof why);
        free(dir);
        free(rel);
        if (rc < 0) {
            /* One broken folder must not hide the others. */
            warnf("%s; scenario '%s' skipped", why, names.v[i]);
            scenario_free(&s[n]);
            continue;
        }
        n++;
    }
    sv_free(&names);
    free(root);
    *out = s;
    return (int)n;
}

void scenarios_free(struct scenario *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        scenario_free(&s[i]);
    free(s);
}

struct location *expect_locations(const struct scenario *s,
                                  const struct expect_spec *e, size_t *n)
{
    struct location *out;

    if (!e || e->at.n == 0) {
        *n = s->nlocs;
        if (s->nlocs == 0)
            return NULL;
        out = xmalloc(s->nlocs * sizeof *out);
        memcpy(out, s->locs, s->nlocs * sizeof *out);
        return out;
    }
    out = xmalloc(e->at.n * sizeof *out);
    *n = 0;
    for (size_t i = 0; i < e->at.n; i++)
        for (size_t j = 0; j < s->nlocs; j++)
            if (strcmp(s->locs[j].name, e->at.v[i]) == 0)
                out[(*n)++] = s->locs[j];
    return out;
}
