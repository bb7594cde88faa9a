// Calling the engine from Python: run options checked while the GIL is held, then the
// engine with the GIL released, stopped by Ctrl-C (or by an exception from the progress
// function) through its cancel flag.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <exception>
#include <future>
#include <thread>
#include <vector>

#include "bindings.hpp"
#include "infersim/error.hpp"
#include "infersim/io.hpp"

namespace infersim::bindings {

RunOptions run_options(std::optional<std::int64_t> paths, std::optional<std::uint64_t> seed,
                       const std::optional<std::string>& sampler, std::optional<bool> antithetic, int threads) {
  // Conversions only: the ranges are checked by the engine (resolve_settings).
  RunOptions opt;
  opt.paths = paths;
  if (seed) opt.seed = *seed;  // the Python layer checked 0 <= seed < 2^64
  if (sampler) opt.sampler = parse_sampler(*sampler, "sampler");
  opt.antithetic = antithetic;
  opt.threads = threads;
  return opt;
}

namespace {

// At interpreter exit, a thread that takes the GIL is ended by pthread_exit, whose forced
// unwinding through the engine's and pybind11's C++ frames aborts or crashes the process
// ("terminate called without an active exception"). And once Python has finalized, exit()
// destroys static objects (oneTBB's among them) that an engine call still running on
// another thread may be using ("pure virtual method called"). So exit begins with an atexit
// hook, run before finalization with the GIL held, which
//  - marks the exit: from then on a thread never takes the GIL again from C++, and a thread
//    about to enter the engine does not; either sleeps until the process ends (park);
//  - sets the cancel flag of every engine call in flight, and waits, the GIL released,
//    until each has returned (the engine stops at its next block) and until the threads
//    already on their way to the GIL have taken it.
// Engine calls start and are counted with the GIL held, so none starts after the mark.
std::atomic<bool> g_exiting{false};
std::atomic<int> g_entering{0};   // threads between the check of g_exiting and the GIL
std::atomic<int> g_in_engine{0};  // without_gil bodies running
std::mutex g_cancels_mutex;
std::vector<std::atomic<bool>*> g_cancels;  // the cancel flags of the engine calls in flight

bool finalizing() {
#if PY_VERSION_HEX >= 0x030D0000
  return g_exiting || Py_IsFinalizing() != 0;
#else
  return g_exiting || _Py_IsFinalizing() != 0;
#endif
}

[[noreturn]] void park() {
  for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
}

/// `take()` (which takes the GIL) unless the interpreter is exiting; false then.
template <class Take>
bool enter_python(Take&& take) {
  ++g_entering;
  if (finalizing()) {
    --g_entering;
    return false;
  }
  take();
  --g_entering;
  return true;
}

/// The GIL back after an engine call, or park() when the interpreter is going away.
void reacquire(PyThreadState* state) {
  if (!enter_python([&] { PyEval_RestoreThread(state); })) park();
}

/// A cancel flag the exit hook sets, for the lifetime of one engine call.
class CancelRegistration {
 public:
  explicit CancelRegistration(std::atomic<bool>* flag) : flag_(flag) {
    std::lock_guard lock(g_cancels_mutex);
    g_cancels.push_back(flag_);
  }
  ~CancelRegistration() {
    std::lock_guard lock(g_cancels_mutex);
    std::erase(g_cancels, flag_);
  }
  CancelRegistration(const CancelRegistration&) = delete;
  CancelRegistration& operator=(const CancelRegistration&) = delete;

 private:
  std::atomic<bool>* flag_;
};

}  // namespace

void register_exit_guard(py::module_& m) {
  py::module_::import("atexit").attr("register")(py::cpp_function([] {
    g_exiting = true;
    {
      std::lock_guard lock(g_cancels_mutex);
      for (std::atomic<bool>* flag : g_cancels) *flag = true;
    }
    py::gil_scoped_release release;  // let the threads already on their way take it
    // A cancelled call returns within a block, the tornado (no flag, 2d + 1 evaluations) on
    // its own; the bound only keeps a call that could not be stopped from holding the exit.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while ((g_entering > 0 || g_in_engine > 0) && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }));
  (void)m;
}

void without_gil(const std::function<void()>& body) {
  // The GIL is held here, as it is while the exit hook marks the exit: a body starts before
  // the mark (and is waited for) or not at all.
  if (g_exiting) {
    PyEval_SaveThread();
    park();
  }
  ++g_in_engine;
  PyThreadState* state = PyEval_SaveThread();
  std::exception_ptr failed;
  try {
    body();
  } catch (...) {
    failed = std::current_exception();
  }
  --g_in_engine;  // before reacquire, which may park for good
  reacquire(state);
  if (failed) std::rethrow_exception(failed);
}

namespace {

/// `body(cancel, post)` on a worker thread while this thread, the GIL released, wakes every
/// 20 ms or when the worker posts a progress report. Awake, it takes the GIL, runs Python's
/// signal handlers (which run on the main thread only: hence the worker) and hands the posted
/// reports, in order, to `deliver`. A signal or an exception from `deliver` sets the cancel
/// flag; the engine stops at its next block, and the exception is raised here once the worker
/// has ended. So Ctrl-C waits for the blocks in flight, never for a wave of them to finish.
void watch(const std::function<void(const std::atomic<bool>*, const std::function<void(std::uint64_t, std::uint64_t)>&)>& body,
           const std::function<void(std::uint64_t, std::uint64_t)>& deliver) {
  std::atomic<bool> cancel{false};
  std::optional<py::error_already_set> raised;  // KeyboardInterrupt, or deliver's exception
  std::exception_ptr failed;                    // the engine's error (Cancelled when stopped)
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<std::pair<std::uint64_t, std::uint64_t>> posted;
  bool finished = false;
  const CancelRegistration registration(&cancel);

  auto post = [&](std::uint64_t done, std::uint64_t total) {
    {
      std::lock_guard lock(mutex);
      posted.emplace_back(done, total);
    }
    wake.notify_one();
  };
  // Takes the GIL; false when the interpreter is exiting (then the engine is stopped).
  auto service = [&](std::deque<std::pair<std::uint64_t, std::uint64_t>>& reports) {
    if (raised) return;
    std::optional<py::gil_scoped_acquire> gil;
    if (!enter_python([&] { gil.emplace(); })) {
      cancel = true;
      return;
    }
    try {
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();
      for (const auto& [done, total] : reports) deliver(done, total);
    } catch (py::error_already_set& e) {
      raised = std::move(e);
      cancel = true;
    }
  };

  without_gil([&] {
    auto worker = std::async(std::launch::async, [&] {
      try {
        body(&cancel, post);
      } catch (...) {
        failed = std::current_exception();
      }
      {
        std::lock_guard lock(mutex);
        finished = true;
      }
      wake.notify_one();
    });
    for (bool last = false; !last;) {
      std::deque<std::pair<std::uint64_t, std::uint64_t>> reports;
      {
        std::unique_lock lock(mutex);
        wake.wait_for(lock, std::chrono::milliseconds(20), [&] { return finished || !posted.empty(); });
        last = finished;
        reports.swap(posted);
      }
      // After the worker's end, a signal that arrived during its last blocks still reaches
      // Python, and its final report is still delivered.
      service(reports);
    }
    worker.get();
  });
  if (raised) throw *raised;
  if (failed) std::rethrow_exception(failed);
}

}  // namespace

void call_with_progress(RunOptions& opt, const py::object& progress, const std::function<void()>& body) {
  if (!progress.is_none() && !PyCallable_Check(progress.ptr())) {
    throw py::type_error("progress: expected a callable (done, total), got " + py::repr(progress).cast<std::string>());
  }
  watch(
      [&](const std::atomic<bool>* cancel, const std::function<void(std::uint64_t, std::uint64_t)>& post) {
        opt.cancel = cancel;
        opt.progress = post;  // the engine's thread posts; this thread calls `progress`
        body();
      },
      [&](std::uint64_t done, std::uint64_t total) {
        if (!progress.is_none()) progress(done, total);
      });
}

void call_watched(const std::function<void(const std::atomic<bool>* cancel)>& body) {
  watch([&](const std::atomic<bool>* cancel, const auto&) { body(cancel); }, [](std::uint64_t, std::uint64_t) {});
}

void save_file(const std::filesystem::path& path, std::vector<std::string> inputs, const std::string& text) {
  const std::vector<std::string> catalog = catalog_files();
  inputs.insert(inputs.end(), catalog.begin(), catalog.end());
  AtomicFile out(path.string(), inputs);
  if (out.to_stdout()) py::module_::import("sys").attr("stdout").attr("flush")();
  out.commit(text);
}

}  // namespace infersim::bindings
