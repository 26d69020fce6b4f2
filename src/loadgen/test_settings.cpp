// Names of scenarios and modes as official LoadGen writes them.
#include "loadgen/test_settings.h"

#include <fmt/format.h>

#include "zenith/error.h"

namespace zenith::loadgen {

std::string_view to_string(Scenario scenario) {
  switch (scenario) {
    case Scenario::SingleStream:
      return "SingleStream";
    case Scenario::MultiStream:
      return "MultiStream";
    case Scenario::Server:
      return "Server";
    case Scenario::Offline:
      return "Offline";
  }
  return "Unknown";
}

std::string_view to_string(TestMode mode) {
  switch (mode) {
    case TestMode::Performance:
      return "PerformanceOnly";
    case TestMode::Accuracy:
      return "AccuracyOnly";
    case TestMode::FindPeak:
      return "FindPeakPerformance";
  }
  return "Unknown";
}

Scenario parse_scenario(std::string_view text) {
  for (Scenario s :
       {Scenario::SingleStream, Scenario::MultiStream, Scenario::Server, Scenario::Offline}) {
    if (text == to_string(s)) return s;
  }
  throw Error(Error::Kind::InvalidArgument,
              fmt::format("unknown scenario '{}'; expected SingleStream, MultiStream, Server or "
                          "Offline",
                          text));
}

}  // namespace zenith::loadgen
