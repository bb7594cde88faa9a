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
#include "infersim/sampler.hpp"

namespace infersim::bindings {

RunOptions run_options(std::optional<std::int64_t> paths, std::optional<std::int64_t> seed,
                       const std::optional<std::string>& sampler, std::optional<bool> antithetic, int threads) {
  RunOptions opt;
  if (paths) {
    if (*paths < 1) throw InputError("paths: must be >= 1, got " + std::to_string(*paths));
    opt.paths = static_cast<std::uint64_t>(*paths);
  }
  if (seed) {
    if (*seed < 0) throw InputError("seed: must be >= 0, got " + std::to_string(*seed));
    opt.seed = static_cast<std::uint64_t>(*seed);
  }
  if (sampler) opt.sampler = parse_sampler(*sampler, "sampler");
  opt.antithetic = antithetic;
  if (threads < 0) throw InputError("threads: must be >= 0, got " + std::to_string(threads));
  opt.threads = threads;
  return opt;
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
    py::gil_scoped_acquire gil;
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
    py::gil_scoped_release release;
    body();
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
  {
    py::gil_scoped_release release;
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
      py::gil_scoped_acquire gil;
      if (PyErr_CheckSignals() != 0) {
        raised.emplace();
        cancel = true;
      }
    }
  }
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
