// Cancelling a scenario's loading (infersim/cancel.hpp): a CancelScope's flag stops
// Scenario::from_json between the tables of its beta and PERT distributions.
#include <doctest/doctest.h>

#include <atomic>
#include <string>

#include "fixtures.hpp"
#include "infersim/cancel.hpp"
#include "infersim/error.hpp"
#include "infersim/scenario.hpp"

using namespace infersim;

namespace {

/// The hand scenario with a PERT pue of a shape no other test uses (its table is built).
nlohmann::json with_fresh_pert(double salt) {
  nlohmann::json j = fixtures::hand_scenario();
  j["clusters"][0]["pue"] = {{"dist", "pert"}, {"min", 1.05}, {"mode", 1.1 + salt}, {"max", 1.3}};
  return j;
}

}  // namespace

TEST_CASE("cancel: a set flag stops loading with Cancelled; no scope or a clear flag loads") {
  std::atomic<bool> flag{false};
  throw_if_cancelled();  // no scope: nothing to check
  {
    const CancelScope scope(&flag);
    CHECK_NOTHROW(Scenario::from_json(with_fresh_pert(0.0123)));
    flag = true;
    CHECK_THROWS_AS(throw_if_cancelled(), Cancelled);
    CHECK_THROWS_AS(Scenario::from_json(with_fresh_pert(0.0234)), Cancelled);
    {
      const CancelScope inner(nullptr);  // the innermost scope counts
      CHECK_NOTHROW(throw_if_cancelled());
    }
    CHECK_THROWS_AS(throw_if_cancelled(), Cancelled);
  }
  CHECK_NOTHROW(throw_if_cancelled());  // the scope is gone with its flag
  CHECK_NOTHROW(Scenario::from_json(with_fresh_pert(0.0234)));
}
