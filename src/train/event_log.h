// TensorBoard event files: scalars (loss, learning rate, validation metric) a training run logs
// per step, readable by TensorBoard and anything else that reads TFRecord files of
// tensorflow.Event protobufs.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>

namespace zenith::train {

class EventLog {
 public:
  // Creates `dir` if missing and starts DIR/events.out.tfevents.<unix seconds>.<hostname> with
  // the file_version event TensorBoard expects first (".2", ".3", ... appended when that file
  // exists already). Throws InvalidArgument naming the path
  // that cannot be created or written.
  explicit EventLog(const std::string& dir);

  // Appends Event{wall_time: now, step, summary: {value: {tag, simple_value: value}}}, flushed
  // to the operating system, so a crash afterwards loses nothing already logged.
  void scalar(const std::string& tag, int64_t step, float value);

  const std::string& path() const { return path_; }

 private:
  // Frames `event` as one TFRecord record: length, masked CRC-32C of the length, data, masked
  // CRC-32C of the data.
  void write_record(const std::string& event);

  std::string path_;
  std::ofstream out_;
};

}  // namespace zenith::train
