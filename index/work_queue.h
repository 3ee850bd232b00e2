#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace photosearch {

// A small bounded queue: decode workers produce, the embedding loop consumes.
template <typename T>
class BoundedQueue {
  public:
    explicit BoundedQueue(size_t capacity) : capacity_(capacity) {}
    void push(T item) {
        std::unique_lock lock(m_);
        notFull_.wait(lock, [&] { return items_.size() < capacity_ || closed_; });
        items_.push_back(std::move(item));
        notEmpty_.notify_one();
    }
    // False when closed and empty.
    bool pop(T& out) {
        std::unique_lock lock(m_);
        notEmpty_.wait(lock, [&] { return !items_.empty() || closed_; });
        if (items_.empty()) return false;
        out = std::move(items_.front());
        items_.pop_front();
        notFull_.notify_one();
        return true;
    }
    bool tryPop(T& out) {
        std::lock_guard lock(m_);
        if (items_.empty()) return false;
        out = std::move(items_.front());
        items_.pop_front();
        notFull_.notify_one();
        return true;
    }
    void close() {
        std::lock_guard lock(m_);
        closed_ = true;
        notEmpty_.notify_all();
        notFull_.notify_all();
    }

  private:
    std::mutex m_;
    std::condition_variable notEmpty_, notFull_;
    std::deque<T> items_;
    size_t capacity_;
    bool closed_ = false;
};

// Threads joined when the scope ends, however it ends: an exception on the indexing thread (disk full in a
// commit) must not destroy joinable threads, which is std::terminate.
class ThreadPool {
  public:
    explicit ThreadPool(std::function<void()> beforeJoin = {}) : beforeJoin_(std::move(beforeJoin)) {}
    ~ThreadPool() { join(); }
    template <typename F>
    void start(F&& f) {
        threads_.emplace_back(std::forward<F>(f));
    }
    void join() {
        if (beforeJoin_) beforeJoin_();
        for (auto& t : threads_)
            if (t.joinable()) t.join();
    }

  private:
    std::function<void()> beforeJoin_;
    std::vector<std::thread> threads_;
};

// Runs fn(i) for i in [0, n) on `threads` threads; the first exception stops the rest and is rethrown here.
inline void parallelFor(size_t n, int threads, const std::function<void(size_t)>& fn) {
    std::atomic<size_t> next{0};
    std::exception_ptr error;
    std::mutex errorMutex;
    {
        ThreadPool pool;
        for (int t = 0; t < threads; ++t)
            pool.start([&] {
                try {
                    for (size_t i; (i = next++) < n;) fn(i);
                } catch (...) {
                    std::lock_guard lock(errorMutex);
                    if (!error) error = std::current_exception();
                    next = n;
                }
            });
    }
    if (error) std::rethrow_exception(error);
}

}  // namespace photosearch
