// lfstack.cc - a C++ lock-free (Treiber) stack over a fixed pool of nodes
// that are reused, so pop() suffers ABA: it reads top and top->next, and if
// meanwhile another thread pops top, pops the next node and pushes the
// first back, its compare-exchange succeeds with a stale next and the
// stack loses or duplicates nodes.  -DFIXED: top carries a version tag
// (index and counter in one 64-bit atomic), so the stale CAS fails.
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <thread>

constexpr int NODES = 4, NIL = -1;
static int next_of[NODES];
static std::atomic<uint64_t> top;   // low 32 bits: index+1 (0 = empty); high: tag

static uint64_t pack(int idx, uint64_t tag) { return (tag << 32) | (uint32_t)(idx + 1); }
static int index_of(uint64_t t) { return (int)(uint32_t)t - 1; }

static void push(int n)
{
    uint64_t old = top.load();
    do {
        next_of[n] = index_of(old);
#ifdef FIXED
    } while (!top.compare_exchange_weak(old, pack(n, (old >> 32) + 1)));
#else
    } while (!top.compare_exchange_weak(old, pack(n, 0)));
#endif
}

static int pop()
{
    uint64_t old = top.load();
    for (;;) {
        int n = index_of(old);
        if (n == NIL)
            return NIL;
        int nx = next_of[n];
#ifdef FIXED
        if (top.compare_exchange_weak(old, pack(nx, (old >> 32) + 1)))
#else
        if (top.compare_exchange_weak(old, pack(nx, 0)))
#endif
            return n;
    }
}

int main()
{
    for (int i = NODES - 1; i >= 0; i--)
        push(i);
    auto worker = [] {      // take two nodes, give them back
        int n = pop(), m = pop();
        if (n != NIL)
            push(n);
        if (m != NIL)
            push(m);
    };
    std::thread a(worker), b(worker);
    a.join();
    b.join();
    bool seen[NODES] = {};
    int count = 0;
    for (int n = index_of(top.load()); n != NIL && count <= NODES; n = next_of[n]) {
        if (seen[n]) {
            std::fprintf(stderr, "lfstack: node %d twice: a cycle\n", n);
            std::abort();
        }
        seen[n] = true;
        count++;
    }
    if (count != NODES) {
        std::fprintf(stderr, "lfstack: %d nodes left of %d\n", count, NODES);
        std::abort();
    }
    return 0;
}
