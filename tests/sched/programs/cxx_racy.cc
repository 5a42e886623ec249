// A racy C++ account: deposits read-modify-write a member without the
// lock that withdrawals take.  A lost update aborts at the final check.
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

class Account {
    std::mutex m_;
    long balance_ = 0;
public:
    void deposit(long v) { long b = balance_; balance_ = b + v; }   // the bug: no lock
    void withdraw(long v) { std::lock_guard<std::mutex> l(m_); balance_ -= v; }
    long balance() { std::lock_guard<std::mutex> l(m_); return balance_; }
};

int main()
{
    Account a;
    std::vector<std::thread> ts;
    for (int i = 0; i < 3; i++)
        ts.emplace_back([&a] { a.deposit(100); a.withdraw(50); });
    for (auto &t : ts)
        t.join();
    long b = a.balance();
    std::printf("balance %ld\n", b);
    if (b != 150) {
        std::fprintf(stderr, "lost update: balance %ld, expected 150\n", b);
        std::abort();
    }
    return 0;
}
