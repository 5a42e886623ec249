/* cmd_autograder.c - `racelab autograder SCENARIO OUT.zip`: a Gradescope
 * autograder bundle that grades each submission with `racelab check` in
 * its own container.  The zip holds setup.sh (apt packages, then racelab
 * built from the source tarball beside it), run_autograder (check on
 * /autograder/submission, results in /autograder/results/results.json)
 * and racelab-src.tar.gz.  RACELAB_AUTOGRADER_ROOT prefixes /autograder
 * (tests run the scripts under a temporary root), and
 * RACELAB_AUTOGRADER_SKIP_APT=1 skips the apt step (a machine that has the
 * packages).  Exit 0 written, 2 usage, 3 environment. */
#include "check.h"
#include "cli.h"
#include "manifest.h"
#include "proc.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char usage[] =
"usage: racelab autograder SCENARIO OUT.zip [options]\n"
"Writes a Gradescope autograder bundle for SCENARIO: setup.sh installs\n"
"racelab's runtime dependencies (apt) and builds racelab from the source\n"
"tarball in the bundle; run_autograder runs racelab check on the student's\n"
"MODULE.c and writes /autograder/results/results.json.\n"
"\n"
"  --tool LIST --runs N --duration S --seed N   passed to every check\n"
"  --no-namespaces     the autograder's container cannot make namespaces:\n"
"                      check without them (RACELAB_SANDBOX_NO_NS=1; each\n"
"                      submission still has a container of its own)\n"
"Exit: 0 written, 2 usage error, 3 environment error.\n";

/* Ubuntu's names; libclang-rt-14-dev exists only from 23.04 (before, the
 * runtime is in libclang-common-14-dev, which clang pulls in). */
static const char setup_sh[] =
"#!/usr/bin/env bash\n"
"# setup.sh - racelab on the Gradescope autograder image (Ubuntu), written\n"
"# by racelab autograder.  Builds racelab from racelab-src.tar.gz beside it.\n"
"set -euo pipefail\n"
"AG=${RACELAB_AUTOGRADER_ROOT:-}/autograder\n"
"HERE=$(cd \"$(dirname \"$0\")\" && pwd)\n"
"if [ -z \"${RACELAB_AUTOGRADER_SKIP_APT:-}\" ]; then\n"
"    export DEBIAN_FRONTEND=noninteractive\n"
"    apt-get update -qq\n"
"    apt-get install -y --no-install-recommends cmake make gcc clang pkg-config \\\n"
"        libcmocka-dev libinih-dev libjansson-dev libexpat1-dev valgrind gdb binutils \\\n"
"        procps util-linux ca-certificates\n"
"    apt-get install -y --no-install-recommends libclang-rt-14-dev 2>/dev/null || true\n"
"fi\n"
"rm -rf \"$AG/racelab\"\n"
"mkdir -p \"$AG/racelab\"\n"
"tar -xzf \"$HERE/racelab-src.tar.gz\" -C \"$AG/racelab\"\n"
"cd \"$AG/racelab\"\n"
"cmake --preset release >/dev/null\n"
"cmake --build build/release -j\"$(nproc)\" --target racelab >/dev/null\n"
"test -x build/release/racelab\n"
"echo \"racelab installed in $AG/racelab\"\n";

/* @SCENARIO@, @MODULE@, @ARGS@, @ENV@ are filled in. */
static const char run_sh[] =
"#!/usr/bin/env bash\n"
"# run_autograder - racelab check on the submission, written by racelab\n"
"# autograder.  Gradescope's results.json is written in every case.\n"
"set -uo pipefail\n"
"AG=${RACELAB_AUTOGRADER_ROOT:-}/autograder\n"
"SCENARIO=@SCENARIO@\n"
"MODULE=@MODULE@\n"
"@ENV@"
"RES=$AG/results\n"
"mkdir -p \"$RES\"\n"
"zero() {\n"
"    printf '{\"score\": 0, \"output\": \"%s\", \"visibility\": \"visible\", \"tests\": []}\\n' \"$1\" >\"$RES/results.json\"\n"
"    exit 0\n"
"}\n"
"sub=$(find \"$AG/submission\" -type f -name \"$MODULE.c\" | sort | head -1)\n"
"[ -n \"$sub\" ] || zero \"no $MODULE.c in your submission: upload your $MODULE.c\"\n"
"\"$AG/racelab/build/release/racelab\" check \"$SCENARIO\" \"$sub\" --name \"$MODULE.c\" \\\n"
"    --quiet --gradescope \"$RES/results.json\" @ARGS@ >\"$RES/check.txt\" 2>&1\n"
"rc=$?\n"
"if [ \"$rc\" -ge 2 ] || [ ! -s \"$RES/results.json\" ]; then\n"
"    cat \"$RES/check.txt\" >&2\n"
"    zero \"the grader could not check your file (racelab check exit $rc): tell your teacher\"\n"
"fi\n"
"cat \"$RES/check.txt\"\n"
"exit 0\n";

static int write_script(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0 || chmod(path, 0755) < 0) {
        errorf("autograder: %s: %s", path, strerror(errno));
        if (f)
            fclose(f);
        return -1;
    }
    return 0;
}

/* Runs a shell command; 0 or -1 with its output printed. */
static int shell(const char *cmd)
{
    char *argv[] = {"sh", "-c", (char *)cmd, NULL};
    int status = -1;
    char *out = proc_capture(argv, 600, &status);
    if (status != 0)
        errorf("autograder: %s failed:\n%s", cmd, out ? out : "");
    free(out);
    return status == 0 ? 0 : -1;
}

/* The bundle's three files in DIR. */
static int bundle_write(const char *dir, const struct paths *p, const char *scen,
                        const char *module, const char *args, bool no_ns)
{
    char *setup = xasprintf("%s/setup.sh", dir), *run = xasprintf("%s/run_autograder", dir);
    char *q = xasprintf("'%s'", scen), *m = xasprintf("'%s'", module);
    char *t1 = str_replace(run_sh, "@SCENARIO@", q), *t2 = str_replace(t1, "@MODULE@", m);
    char *t3 = str_replace(t2, "@ARGS@", args);
    char *t4 = str_replace(t3, "@ENV@", no_ns ? "export RACELAB_SANDBOX_NO_NS=1\n" : "");
    /* the tree without builds or history: racelab builds it in setup.sh */
    char *tar = xasprintf("tar -czf '%s/racelab-src.tar.gz' --exclude=./build "
                          "--exclude=./.git --exclude='./build-*' -C '%s' .", dir, p->source);
    int rc = write_script(setup, setup_sh) < 0 || write_script(run, t4) < 0 || shell(tar) < 0
                 ? -1 : 0;
    free(setup); free(run); free(q); free(m); free(t1); free(t2); free(t3); free(t4);
    free(tar);
    return rc;
}

int cmd_autograder(int argc, char **argv, struct paths *p)
{
    static const struct option opts[] = {
        {"tool", required_argument, 0, 't'}, {"runs", required_argument, 0, 'r'},
        {"duration", required_argument, 0, 'd'}, {"seed", required_argument, 0, 's'},
        {"no-namespaces", no_argument, 0, 'N'}, {"source-dir", required_argument, 0, 'S'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    struct strbuf args;
    bool no_ns = false;
    int o, rc = EXIT_USAGE;
    char err[512];

    sb_init(&args);
    optind = 1;
    opterr = 0;
    while ((o = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (o) {
        case 't': case 'r': case 'd': case 's':
            if (strchr(optarg, '\'')) {
                errorf("autograder: %s: no quotes in values", argv[optind - 1]);
                goto out;
            }
            sb_printf(&args, " --%s '%s'", o == 't' ? "tool" : o == 'r' ? "runs" :
                      o == 'd' ? "duration" : "seed", optarg);
            break;
        case 'N': no_ns = true; break;
        case 'S': p->source = optarg; break;
        case 'h': fputs(usage, stdout); rc = EXIT_OK; goto out;
        case ':': errorf("autograder: option %s needs a value", argv[optind - 1]); goto out;
        default: errorf("autograder: unknown option '%s'", argv[optind - 1]); goto out;
        }
    }
    if (argc - optind != 2 || !str_ends_with(argv[optind + 1], ".zip")) {
        errorf("autograder: expected SCENARIO OUT.zip (racelab autograder stats-counter "
               "stats.zip)");
        goto out;
    }
    const char *scen = argv[optind], *zip = argv[optind + 1];
    struct scenario s = {0};
    char *sdir = xasprintf("%s/scenarios/%s", p->source, scen);
    if (strchr(scen, '/') || strchr(scen, '\'') ||
        scenario_load(&s, sdir, "manifest.ini", err, sizeof err) < 0) {
        errorf("autograder: unknown scenario '%s' (racelab list shows them)", scen);
        free(sdir);
        scenario_free(&s);
        goto out;
    }
    free(sdir);
    char *zipper = which("zip");
    char *tmpl = xasprintf("%s/racelab-ag.XXXXXX", getenv("TMPDIR") && *getenv("TMPDIR")
                                                        ? getenv("TMPDIR") : "/tmp");
    rc = EXIT_ENV;
    if (!zipper)
        errorf("autograder: zip is not installed (apt-get install zip)");
    else if (!mkdtemp(tmpl))
        errorf("autograder: mkdtemp %s: %s", tmpl, strerror(errno));
    else {
        char *abs = zip[0] == '/' ? xstrdup(zip) : xasprintf("%s/%s", getcwd(err, sizeof err),
                                                              zip);
        char *cmd = xasprintf("rm -f '%s' && cd '%s' && zip -q '%s' setup.sh run_autograder "
                              "racelab-src.tar.gz", abs, tmpl, abs);
        if (bundle_write(tmpl, p, scen, s.module, args.buf, no_ns) == 0 && shell(cmd) == 0) {
            printf("wrote %s: Gradescope autograder for %s (%s.c)\n", zip, scen, s.module);
            rc = EXIT_OK;
        }
        free(cmd);
        free(abs);
        rm_rf(tmpl);
    }
    free(tmpl);
    free(zipper);
    scenario_free(&s);
out:
    sb_free(&args);
    return rc;
}
