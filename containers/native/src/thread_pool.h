// One persistent pool of threads shared by every CPU kernel, instead of starting std::threads on
// each call: a K-Means assignment or a Linear Learner epoch hands the pool a job of `tasks`
// numbered tasks, and the calling thread (a libuv worker) runs tasks of its own job beside the
// pool's threads until all are done.
//
// Several libuv workers may run kernels at once: jobs queue in order and a pool thread takes the
// tasks of the oldest job that has any left, so every task that has been taken runs to the end
// without waiting on a later job. A job's tasks may therefore wait on each other (a barrier) as
// long as there are no more of them than Parallelism(): the caller runs one, and each of the
// others is taken as soon as a pool thread is free.
#pragma once
#include <cstddef>
#include <functional>

namespace sm {

// The threads a job can use at once: the pool's threads plus the caller (the machine's cores, or
// SM_NATIVE_THREADS when set to a number of at least 1).
size_t Parallelism();

// Runs body(task) for every task in [0, tasks) and returns when all have returned. The first
// exception a task throws is rethrown here after the others finish.
void ParallelFor(size_t tasks, const std::function<void(size_t task)>& body);

// Thread starts since the process began (the tests check that kernel calls start none).
size_t PoolThreadsStarted();

}  // namespace sm
