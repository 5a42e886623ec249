/* sem_misuse.c - a semaphore is initialized again while it is in use (a
 * "reset" of the slot count after a reload): DRD reports a SemaphoreErr
 * ("Semaphore reinitialization"). */
#include <semaphore.h>
#include <stdio.h>

static sem_t slots;

static void reload_config(unsigned nslots)
{
    sem_init(&slots, 0, nslots);          /* line 11: slots is in use */
}

int main(void)
{
    sem_init(&slots, 0, 4);
    sem_wait(&slots);                     /* take a slot */
    reload_config(8);
    sem_post(&slots);
    printf("done\n");
    return 0;
}
