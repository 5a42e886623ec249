/* contract_sources.c - tests/contract/sources.ini, the one declaration of
 * what a contract suite links besides its module (see the .h). */
#include "contract_sources.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct reader {
    const char *module;
    struct strvec *out;
    char bad[160];
};

static int on_entry(void *user, const char *section, const char *name,
                    const char *value)
{
    struct reader *r = user;

    if (strcmp(name, "extra") != 0) {
        snprintf(r->bad, sizeof r->bad, "[%s] unknown key '%s' (expected extra)",
                 section, name);
        return 0;
    }
    if (strcmp(section, r->module) == 0)
        sv_split(r->out, value, true);
    return 1;
}

int contract_extra_sources(const char *source, const char *module,
                           struct strvec *out, char *err, size_t errlen)
{
    char *path = xasprintf("%s/tests/contract/sources.ini", source);
    struct reader r = {module, out, ""};
    int rc = 0;

    if (access(path, F_OK) == 0) {
        int line = ini_parse(path, on_entry, &r);
        if (line != 0) {
            snprintf(err, errlen, "%s:%d: %s", path, line,
                     line < 0 ? strerror(errno) : r.bad[0] ? r.bad : "syntax error");
            rc = -1;
        }
    }
    free(path);
    return rc;
}

char *contract_extra_joined(const char *source, const char *module,
                            const char *before, const char *after,
                            char *err, size_t errlen)
{
    struct strvec xs;
    struct strbuf sb;

    sv_init(&xs);
    if (contract_extra_sources(source, module, &xs, err, errlen) < 0) {
        sv_free(&xs);
        return NULL;
    }
    sb_init(&sb);
    for (size_t i = 0; i < xs.n; i++)
        sb_printf(&sb, "%s%s%s", before, xs.v[i], after);
    sv_free(&xs);
    return sb_steal(&sb);
}
