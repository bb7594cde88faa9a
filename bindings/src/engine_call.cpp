// Calling the engine from Python: run options checked while the GIL is held, then the
// engine with the GIL released, stopped by Ctrl-C (or by an exception from the progress
// function) through its cancel flag.
#include <chrono>
#include <exception>
#include <future>
#include <thread>

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
// ("terminate called without an active exception"). So once exit begins (an atexit hook,
// which runs before finalization), a thread in C++ never takes the GIL again: it stops the
// engine and sleeps until the process ends. The hook waits for the threads already on
// their way to the GIL, so none is caught between its check and the GIL.
std::atomic<bool> g_exiting{false};
std::atomic<int> g_entering{0};  // threads between the check of g_exiting and the GIL

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

}  // namespace

void register_exit_guard(py::module_& m) {
  py::module_::import("atexit").attr("register")(py::cpp_function([] {
    g_exiting = true;
    py::gil_scoped_release release;  // let the threads already on their way take it
    while (g_entering > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }));
  (void)m;
}

void without_gil(const std::function<void()>& body) {
  PyThreadState* state = PyEval_SaveThread();
  try {
    body();
  } catch (...) {
    reacquire(state);
    throw;
  }
  reacquire(state);
}

void call_with_progress(RunOptions& opt, const py::object& progress, const std::function<void()>& body) {
  if (!progress.is_none() && !PyCallable_Check(progress.ptr())) {
    throw py::type_error("progress: expected a callable (done, total), got " + py::repr(progress).cast<std::string>());
  }
  std::atomic<bool> cancel{false};
  std::optional<py::error_already_set> raised;  // KeyboardInterrupt, or the progress function's error
  opt.cancel = &cancel;
  // Called by the engine on this thread between waves of blocks.
  opt.progress = [&](std::uint64_t done, std::uint64_t total) {
    std::optional<py::gil_scoped_acquire> gil;
    if (!enter_python([&] { gil.emplace(); })) {
      cancel = true;
      return;
    }
    if (raised) return;
    try {
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();
      if (!progress.is_none()) progress(done, total);
    } catch (py::error_already_set& e) {
      raised = std::move(e);
      cancel = true;
    }
  };
  try {
    without_gil(body);
  } catch (const Cancelled&) {
    if (raised) throw *raised;
    throw;
  }
  // A signal that arrived during the last wave stops nothing in the engine but must still
  // reach Python.
  if (raised) throw *raised;
}

void call_watched(const std::function<void(const std::atomic<bool>*)>& body) {
  std::atomic<bool> cancel{false};
  std::optional<py::error_already_set> raised;
  std::exception_ptr failed;
  without_gil([&] {
    auto worker = std::async(std::launch::async, [&] {
      try {
        body(&cancel);
      } catch (...) {
        failed = std::current_exception();
      }
    });
    // Python runs signal handlers on the main thread only, so this thread checks.
    while (worker.wait_for(std::chrono::milliseconds(20)) != std::future_status::ready) {
      if (raised) continue;
      std::optional<py::gil_scoped_acquire> gil;
      if (!enter_python([&] { gil.emplace(); })) {
        cancel = true;
        continue;
      }
      if (PyErr_CheckSignals() != 0) {
        raised.emplace();
        cancel = true;
      }
    }
  });
  if (raised) throw *raised;
  if (failed) std::rethrow_exception(failed);
}

void save_file(const std::filesystem::path& path, std::vector<std::string> inputs, const std::string& text) {
  const std::vector<std::string> catalog = catalog_files();
  inputs.insert(inputs.end(), catalog.begin(), catalog.end());
  AtomicFile out(path.string(), inputs);
  if (out.to_stdout()) py::module_::import("sys").attr("stdout").attr("flush")();
  out.commit(text);
}

}  // namespace infersim::bindings
