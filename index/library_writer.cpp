#include "library_writer.h"

#include <pthread.h>

namespace photosearch {

LibraryWriter::LibraryWriter(std::unique_ptr<PhotoCatalog> catalog) : catalog_(std::move(catalog)) {
    thread_ = std::thread([this] { loop(); });
    pthread_setname_np(thread_.native_handle(), "library writer");
}

LibraryWriter::~LibraryWriter() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

void LibraryWriter::post(std::function<void()> job) {
    {
        std::lock_guard lock(mutex_);
        queue_.push_back(std::move(job));
    }
    wake_.notify_one();
}

void LibraryWriter::loop() {
    for (;;) {
        std::function<void()> job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping, and nothing left to do
            job = std::move(queue_.front());
            queue_.pop_front();
        }
        job();  // a packaged_task: its exception goes to whoever waits for it
    }
}

}  // namespace photosearch
