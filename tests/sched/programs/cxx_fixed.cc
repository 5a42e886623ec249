// The fixed account: every access to the balance under the lock.
// (The control for cxx_racy.cc.)
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

class Account {
    std::mutex m_;
    long balance_ = 0;
public:
    void deposit(long v) { std::lock_guard<std::mutex> l(m_); balance_ += v; }
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
        return 1;
    }
    return 0;
}
