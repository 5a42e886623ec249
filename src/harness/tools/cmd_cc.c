/* cmd_cc.c - `racelab cc ARGS...` and `racelab c++ ARGS...`: a compiler
 * that builds programs for the controlled scheduler (src/sched,
 * docs/CHAOS.md).
 *
 * C++: `racelab c++`, or `racelab cc` given a C++ source (.cc .cpp .cxx
 * .c++ .C .CC .cp .CPP, or -x c++), drives clang++ instead of clang, which
 * compiles C++ and links libstdc++ (operator new, __cxa_*, the
 * personality routine).  The runtime is the same: std::thread, std::mutex
 * and std::condition_variable reach it through libstdc++'s pthread calls,
 * std::atomic through the __tsan_atomic* hooks clang++ emits.
 *
 * It runs clang with ARGS plus -fsanitize=thread, so every load, store and
 * atomic calls a __tsan_* hook, but links racelab's librlsched.a instead of
 * TSan's runtime (-fno-sanitize-link-runtime).  It is a drop-in compiler:
 * CC="racelab cc" make, or cmake -DCMAKE_C_COMPILER=.../racelab-cc (a
 * one-line script), work.  With -c, -S, -E or -M* it only compiles.
 *
 * Link additions: the whole archive (the interposed pthread and system
 * call functions must win even where only a shared library calls them),
 * -rdynamic (so the deadlock report can name functions and global mutexes
 * through dladdr), -lpthread -ldl.  A -shared link gets no runtime (the
 * executable has it).
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
"usage: racelab cc [clang options] FILES...\n"
"       racelab c++ [clang++ options] FILES...\n"
"Compiles and links a C or C++ program for racelab's controlled scheduler:\n"
"clang -fsanitize=thread instrumentation with racelab's runtime\n"
"(librlsched.a) in place of ThreadSanitizer's.  C++ (racelab c++, or racelab\n"
"cc given a .cc/.cpp/.cxx/.c++/.C source or -x c++) is compiled and linked\n"
"by clang++ with libstdc++; std::thread, std::mutex, std::condition_variable,\n"
"std::atomic and exceptions run under the scheduler.  Run the result with\n"
"racelab stress --chaos pct (or alone: RACELAB_CHAOS=pct:seed=N ./prog).\n"
"Use it as CC=\"racelab cc\" CXX=\"racelab c++\".\n"
"Environment: RACELAB_CLANG (default clang), RACELAB_CLANGXX (default\n"
"clang++), RACELAB_SCHED_LIB (default librlsched.a beside racelab).\n"
"Exit: clang's status; 2 usage, 3 runtime library or compiler missing.\n"
"See docs/CHAOS.md.\n";

/* True for a C++ source file name (as clang's driver decides by suffix). */
static bool cxx_source(const char *a)
{
    static const char *const ext[] = { ".cc", ".cpp", ".cxx", ".c++", ".C", ".CC",
                                       ".cp", ".CPP", ".ii" };
    size_t n = strlen(a);
    if (a[0] == '-')
        return false;
    for (size_t i = 0; i < sizeof ext / sizeof *ext; i++) {
        size_t e = strlen(ext[i]);
        if (n > e && strcmp(a + n - e, ext[i]) == 0)
            return true;
    }
    return false;
}

/* C++: asked for (racelab c++), a C++ source among ARGS, or -x c++. */
static bool wants_cxx(int argc, char **argv)
{
    if (!strcmp(argv[0], "c++"))
        return true;
    for (int i = 1; i < argc; i++) {
        if (cxx_source(argv[i]))
            return true;
        if ((!strcmp(argv[i], "-x") && i + 1 < argc && !strncmp(argv[i + 1], "c++", 3)) ||
            !strncmp(argv[i], "-xc++", 5))
            return true;
    }
    return false;
}

/* $RACELAB_SCHED_LIB, or librlsched.a beside the racelab binary or in
 * its installed prefix's lib/racelab. */
static char *sched_lib_path(void)
{
    const char *env = getenv("RACELAB_SCHED_LIB");
    if (env && *env)
        return xstrdup(env);
    return racelab_lib_path("librlsched.a");
}

static bool compile_only(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-c") || !strcmp(a, "-S") || !strcmp(a, "-E") ||
            !strcmp(a, "-M") || !strcmp(a, "-MM") || !strcmp(a, "--version") ||
            !strcmp(a, "-v") || !strncmp(a, "-print-", 7) || !strncmp(a, "--print-", 8) ||
            !strcmp(a, "-dumpversion") || !strcmp(a, "-dumpmachine"))
            return true;
    }
    return false;
}

int cmd_cc(int argc, char **argv)
{
    bool cxx = wants_cxx(argc, argv);
    const char *clang = getenv(cxx ? "RACELAB_CLANGXX" : "RACELAB_CLANG");
    struct strvec av;
    char *lib = NULL;

    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    if (argc < 2) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    if (!clang || !*clang)
        clang = cxx ? "clang++" : "clang";
    sv_init(&av);
    sv_push(&av, clang);
    sv_push(&av, "-fsanitize=thread");
    bool link = !compile_only(argc, argv);
    /* A shared library is instrumented but gets no runtime: the
     * executable that loads it (built by racelab cc) carries the one
     * runtime, whose symbols the library then binds to. */
    bool shared = false;
    for (int i = 1; i < argc; i++)
        shared |= !strcmp(argv[i], "-shared");
    if (link && shared) {
        sv_push(&av, "-fno-sanitize-link-runtime");
        link = false;
    }
    if (link) {
        lib = sched_lib_path();
        if (!lib) {
            errorf("%s: librlsched.a not found beside racelab (%s); build it with the "
                   "release preset (needs clang), or set RACELAB_SCHED_LIB", argv[0],
                   runner_self_exe ? runner_self_exe : "?");
            sv_free(&av);
            return EXIT_ENV;
        }
        sv_push(&av, "-fno-sanitize-link-runtime");
    }
    for (int i = 1; i < argc; i++)
        sv_push(&av, argv[i]);
    if (link) {
        sv_push(&av, "-rdynamic");
        sv_push(&av, "-Wl,--whole-archive");
        sv_push(&av, lib);
        sv_push(&av, "-Wl,--no-whole-archive");
        sv_push(&av, "-lpthread");
        sv_push(&av, "-ldl");
    }
    execvp(clang, av.v);
    errorf("%s: cannot run %s: %s (apt-get install clang, or set %s)", argv[0],
           clang, strerror(errno), cxx ? "RACELAB_CLANGXX" : "RACELAB_CLANG");
    sv_free(&av);
    free(lib);
    return EXIT_ENV;
}
