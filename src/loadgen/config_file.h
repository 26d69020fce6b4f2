// mlperf.conf / user.conf: `model.scenario.key = value` lines (LOADGEN.md §9), `*` matching any
// model or scenario, `#` starting a comment. Times are in ms, percentiles in percent.
#pragma once

#include <filesystem>
#include <string_view>

#include "loadgen/test_settings.h"

namespace zenith::loadgen {

// The seeds and a few other keys may only come from mlperf.conf, as in official LoadGen.
enum class ConfigKind { MlperfConf, UserConf };

// Applies the lines of `text` that match `model` and settings.scenario (set that first). The
// most specific match wins (model.scenario, *.scenario, model.*, *.*), then the later line.
// Every line is checked, matching or not: a malformed line, an unknown scenario or key, a bad
// or impossible value is InvalidArgument "<file_name>:<line>: ...".
void apply_config(TestSettings& settings, std::string_view text, std::string_view file_name,
                  std::string_view model, ConfigKind kind);

// The same for a file; InvalidArgument naming the path when it cannot be read.
void apply_config_file(TestSettings& settings, const std::filesystem::path& path,
                       std::string_view model, ConfigKind kind);

// The official mlperf.conf values LoadGen builds in (seeds, percentiles, min durations and
// counts, the per-model latency bounds of LOADGEN.md §9).
std::string_view builtin_mlperf_conf();

// What official FromConfig(user.conf) does: the built-in mlperf.conf, then `user_conf`.
void apply_user_conf(TestSettings& settings, const std::filesystem::path& user_conf,
                     std::string_view model);

// `s` without leading and trailing blanks (spaces, tabs, '\r'), as LoadGen's text files are read
// (config files here; summaries in `zenith report`).
std::string_view trim(std::string_view s);

}  // namespace zenith::loadgen
