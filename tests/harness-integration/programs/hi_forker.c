/* hi_forker.c - a program that leaves descendants behind: it forks a
 * grandchild that sleeps in a new session (escaping the process group)
 * and a child that sleeps in the group, then sleeps itself.  racelab must
 * still leave nothing running. */
#include <stdlib.h>
#include <unistd.h>

int main(void)
{
    if (fork() == 0) {
        sleep(60);                      /* same process group */
        _exit(0);
    }
    if (fork() == 0) {
        if (fork() == 0) {
            setsid();                   /* own session: a group kill misses */
            sleep(60);                  /* it; racelab's orphan sweep not */
            _exit(0);
        }
        _exit(0);
    }
    sleep(60);
    return 0;
}
