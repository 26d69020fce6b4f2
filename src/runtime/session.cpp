// Session: device selection and running a graph.
#include "runtime/session.h"

#include <algorithm>

#include "frontend/onnx/model_loader.h"
#include "ir/errors.h"
#include "ir/zir.h"

namespace zenith::runtime {

std::vector<std::string> available_devices() { return {"CPU", "REF", "HETERO:CPU,REF"}; }

namespace {

// The devices a name stands for, in priority order.
std::vector<std::string> device_list(const std::string& device) {
  if (device == "REF" || device == "CPU") return {device};
  if (device.rfind("HETERO:", 0) == 0) {
    std::vector<std::string> list;
    std::string rest = device.substr(7);
    for (size_t start = 0, end; start <= rest.size(); start = end + 1) {
      end = std::min(rest.find(',', start), rest.size());
      list.push_back(rest.substr(start, end - start));
    }
    for (const std::string& d : list)
      if (d != "CPU" && d != "REF")
        throw_invalid_argument("unknown device '{}' in '{}'; HETERO combines CPU and REF", d, device);
    return list;
  }
  throw_invalid_argument("unknown device '{}'; available devices: {}", device,
                         fmt::join(available_devices(), ", "));
}

}  // namespace

Session::Session(ir::Graph graph, const std::string& device, int num_threads)
    : device_(device), plan_(std::move(graph), device_list(device), num_threads) {}

std::vector<ir::Value> Session::run(const std::map<std::string, ir::Value>& feeds, uint64_t seed,
                                    std::vector<hetero::StepProfile>* profile, cpu::ArenaCache* arenas) const {
  return plan_.run(feeds, seed, profile, arenas);
}

ir::Graph load_graph(const std::filesystem::path& path) {
  // The magic decides, so a .zir under another name loads; a .zir name without the magic still
  // goes to the .zir reader, whose message says what is wrong with the file.
  const std::string ext = path.extension().string();
  if (ir::has_zir_magic(path) || ext == ".zir") return ir::read_zir(path);
  if (ext != ".onnx")
    throw_invalid_argument("{}: unknown model format '{}'; expected an .onnx or a .zir file",
                           path.string(), ext);
  return onnx_frontend::load_model(path);
}

}  // namespace zenith::runtime
