#pragma once

#include "photo_catalog.h"

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>

namespace photosearch {

// The one writer of a library: a thread that owns the catalog's write connection and runs the commands it
// is given (an index batch, a folder, tags, a reset) one at a time, in the order they came, each in its
// own transaction. Whoever asks waits for the result or the command's exception (disk full, read-only...).
// Nobody else writes the catalog; readers use their own read-only connections and see committed data.
//
// A command runs on the writer thread and must not take a lock that a caller may hold while it waits
// here (PhotoLibrary's loadMutex_); a command that asks the writer again runs inline, in the same
// transaction.
class LibraryWriter {
  public:
    explicit LibraryWriter(std::unique_ptr<PhotoCatalog> catalog);
    // Runs the commands already queued, then stops the thread.
    ~LibraryWriter();
    LibraryWriter(const LibraryWriter&) = delete;
    LibraryWriter& operator=(const LibraryWriter&) = delete;

    // `command(catalog)` inside BEGIN IMMEDIATE ... COMMIT; rolled back when it throws. Then `afterCommit`
    // (still on the writer thread, before the next command), for what must follow the commit in order,
    // such as adding the batch's vectors to the published index.
    template <class Command>
    auto write(Command&& command, const std::function<void()>& afterCommit = {}) {
        using Result = std::invoke_result_t<Command&, PhotoCatalog&>;
        return perform<Result>([&]() -> Result {
            if (inTransaction_) return command(*catalog_);
            SqliteTransaction tx(catalog_->db());
            inTransaction_ = true;
            struct Reset {
                bool& flag;
                ~Reset() { flag = false; }
            } reset{inTransaction_};
            if constexpr (std::is_void_v<Result>) {
                command(*catalog_);
                tx.commit();
                if (afterCommit) afterCommit();
            } else {
                Result result = command(*catalog_);
                tx.commit();
                if (afterCommit) afterCommit();
                return result;
            }
        });
    }

    // `command(catalog)` without a transaction of its own: reads that must see every write queued before
    // them (building the vector index), the online backup.
    template <class Command>
    auto run(Command&& command) {
        using Result = std::invoke_result_t<Command&, PhotoCatalog&>;
        return perform<Result>([&]() -> Result { return command(*catalog_); });
    }

    bool onWriterThread() const { return std::this_thread::get_id() == thread_.get_id(); }

  private:
    template <class Result>
    Result perform(const std::function<Result()>& body) {
        if (onWriterThread()) return body();
        std::packaged_task<Result()> task(body);
        std::future<Result> done = task.get_future();
        post([&task] { task(); });
        return done.get();  // the command's exception, if any, is rethrown here
    }
    void post(std::function<void()> job);
    void loop();

    std::unique_ptr<PhotoCatalog> catalog_;
    bool inTransaction_ = false;  // touched on the writer thread only
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> queue_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace photosearch
