// The settings and result events of mlperf_log_detail.txt, keyed as official LoadGen keys them.
#pragma once

#include "loadgen/effective_settings.h"
#include "loadgen/event_log.h"
#include "loadgen/performance_summary.h"
#include "loadgen/test_settings.h"

namespace zenith::loadgen {

void log_requested_settings(EventLog& log, const TestSettings& s);
void log_effective_settings(EventLog& log, const EffectiveSettings& s);
void log_performance_result(EventLog& log, const EffectiveSettings& s, const PerformanceSummary& r);

}  // namespace zenith::loadgen
