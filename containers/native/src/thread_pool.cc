#include "thread_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sm {
namespace {

struct Job {
  const std::function<void(size_t)>* body;
  size_t tasks;
  size_t next = 0;      // the next task to hand out (under the pool's lock)
  size_t finished = 0;  // tasks returned (under the pool's lock)
  std::exception_ptr error;
};

std::atomic<size_t> threads_started{0};

size_t ConfiguredParallelism() {
  if (const char* text = std::getenv("SM_NATIVE_THREADS")) {
    char* end = nullptr;
    const long value = std::strtol(text, &end, 10);
    if (end != text && *end == '\0' && value >= 1 && value <= 1024) return static_cast<size_t>(value);
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

class Pool {
 public:
  explicit Pool(size_t parallelism) : parallelism_(parallelism) {
    for (size_t t = 1; t < parallelism_; ++t) {
      std::thread(&Pool::Serve, this).detach();
      threads_started.fetch_add(1);
    }
  }

  size_t parallelism() const { return parallelism_; }

  void Run(size_t tasks, const std::function<void(size_t)>& body) {
    if (tasks == 0) return;
    auto job = std::make_shared<Job>();
    job->body = &body;
    job->tasks = tasks;
    std::unique_lock<std::mutex> lock(mutex_);
    if (tasks > 1 && parallelism_ > 1) {
      queue_.push_back(job);
      if (tasks == 2) work_.notify_one(); else work_.notify_all();
    }
    // The caller works on its own job until every task is handed out, then waits for the rest.
    size_t task;
    while (Take(job, &task)) {
      lock.unlock();
      Execute(job.get(), task);
      lock.lock();
    }
    done_.wait(lock, [&] { return job->finished == job->tasks; });
    if (job->error) std::rethrow_exception(job->error);
  }

 private:
  // Hands out the job's next task (under the lock); the job leaves the queue with its last one.
  bool Take(const std::shared_ptr<Job>& job, size_t* task) {
    if (job->next == job->tasks) return false;
    *task = job->next++;
    if (job->next == job->tasks) {
      auto at = std::find(queue_.begin(), queue_.end(), job);
      if (at != queue_.end()) queue_.erase(at);
    }
    return true;
  }

  // Runs one task (without the lock) and counts it finished.
  void Execute(Job* job, size_t task) {
    std::exception_ptr error;
    try {
      (*job->body)(task);
    } catch (...) {
      error = std::current_exception();
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (error && !job->error) job->error = error;
    if (++job->finished == job->tasks) done_.notify_all();
  }

  // A pool thread: the oldest job's next task, for ever. The pool lives as long as the process
  // (never destroyed, so no thread outlives it at exit).
  void Serve() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      work_.wait(lock, [&] { return !queue_.empty(); });
      std::shared_ptr<Job> job = queue_.front();
      size_t task;
      if (!Take(job, &task)) continue;
      lock.unlock();
      Execute(job.get(), task);
      lock.lock();
    }
  }

  const size_t parallelism_;
  std::mutex mutex_;
  std::condition_variable work_, done_;
  std::deque<std::shared_ptr<Job>> queue_;
};

Pool& SharedPool() {
  static Pool* pool = new Pool(ConfiguredParallelism());
  return *pool;
}

}  // namespace

size_t Parallelism() { return SharedPool().parallelism(); }

void ParallelFor(size_t tasks, const std::function<void(size_t task)>& body) { SharedPool().Run(tasks, body); }

size_t PoolThreadsStarted() { return threads_started.load(); }

}  // namespace sm
