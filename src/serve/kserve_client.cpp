// KserveClient's two protocols: cpp-httplib's client with the binary tensor data extension, and
// gRPC's generated stub with raw_input_contents.
#include "serve/kserve_client.h"

#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "grpc_predict_v2.grpc.pb.h"
#include "ir/errors.h"
#include "serve/datatype.h"

namespace zenith::serve {
namespace {

using nlohmann::json;

[[noreturn]] void unreachable(const std::string& address, const std::string& why) {
  throw make_error(Error::Kind::Unavailable, "server {}: {}", address, why);
}

ElementType element_type(const std::string& datatype, const std::string& where) {
  const std::optional<ElementType> type = parse_datatype(datatype);
  if (!type) throw_invalid_argument("{}: datatype '{}' is not one Zenith reads", where, datatype);
  return *type;
}

Tensor tensor_from(ElementType type, const Shape& shape, const void* data, size_t bytes,
                   const std::string& where) {
  Tensor t(type, shape);
  if (t.byte_size() != bytes)
    throw_invalid_argument("{}: {} bytes for shape of {} bytes", where, bytes, t.byte_size());
  std::memcpy(t.data(), data, bytes);
  return t;
}

class RestClient final : public KserveClient {
 public:
  explicit RestClient(const std::string& address)
      : address_(address.starts_with("http://") ? address : "http://" + address), http_(address_) {
    http_.set_keep_alive(true);
    http_.set_tcp_nodelay(true);
    http_.set_read_timeout(300);
  }

  ModelMetadata metadata(const std::string& model) override {
    const json doc = get_json("/v2/models/" + model);
    ModelMetadata m{doc.value("name", model), doc.value("platform", ""), {}, {}, {}};
    for (const json& v : doc.value("versions", json::array())) m.versions.push_back(v);
    for (const auto& [key, out] : {std::pair{"inputs", &m.inputs}, {"outputs", &m.outputs}})
      for (const json& t : doc.value(key, json::array()))
        out->push_back({t.at("name"), t.at("datatype"), t.at("shape").get<Shape>()});
    return m;
  }

  std::vector<Tensor> infer(const std::string& model,
                            const std::vector<std::pair<std::string, Tensor>>& inputs) override {
    json header = {{"inputs", json::array()}, {"parameters", {{"binary_data_output", true}}}};
    size_t binary = 0;
    for (const auto& [name, t] : inputs) {
      header["inputs"].push_back({{"name", name},
                                  {"datatype", datatype_name(t.element_type())},
                                  {"shape", t.shape()},
                                  {"parameters", {{"binary_data_size", t.byte_size()}}}});
      binary += t.byte_size();
    }
    std::string body = header.dump();
    const size_t header_length = body.size();
    body.reserve(header_length + binary);
    for (const auto& [name, t] : inputs)
      body.append(static_cast<const char*>(t.data()), t.byte_size());
    const httplib::Headers headers = {
        {"Inference-Header-Content-Length", std::to_string(header_length)}};
    const auto res = http_.Post(("/v2/models/" + model + "/infer").c_str(), headers, body,
                                "application/octet-stream");
    check(res, "infer " + model);
    const size_t json_length =
        res->has_header("Inference-Header-Content-Length")
            ? std::stoul(res->get_header_value("Inference-Header-Content-Length"))
            : res->body.size();
    const json answer = json::parse(res->body.substr(0, json_length));
    std::vector<Tensor> outputs;
    size_t at = json_length;
    for (const json& o : answer.at("outputs")) {
      const std::string where = fmt::format("{}: output '{}'", address_, o.value("name", ""));
      const size_t bytes = o.at("parameters").at("binary_data_size");
      if (at + bytes > res->body.size()) throw_invalid_argument("{}: body too short", where);
      outputs.push_back(tensor_from(element_type(o.at("datatype"), where),
                                    o.at("shape").get<Shape>(), res->body.data() + at, bytes,
                                    where));
      at += bytes;
    }
    return outputs;
  }

 private:
  json get_json(const std::string& path) {
    const auto res = http_.Get(path.c_str());
    check(res, "GET " + path);
    return json::parse(res->body);
  }
  void check(const httplib::Result& res, const std::string& what) {
    if (!res) unreachable(address_, fmt::format("{}: {}", what, httplib::to_string(res.error())));
    if (res->status != 200)
      throw_invalid_argument("server {}: {}: HTTP {}: {}", address_, what, res->status, res->body);
  }
  std::string address_;
  httplib::Client http_;
};

class GrpcClient final : public KserveClient {
 public:
  explicit GrpcClient(const std::string& address)
      : address_(address),
        stub_(inference::GRPCInferenceService::NewStub(
            grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), arguments()))) {}

  ModelMetadata metadata(const std::string& model) override {
    inference::ModelMetadataRequest request;
    request.set_name(model);
    inference::ModelMetadataResponse response;
    grpc::ClientContext context;
    check(stub_->ModelMetadata(&context, request, &response), "ModelMetadata " + model);
    ModelMetadata m{response.name(), response.platform(), {}, {}, {}};
    for (const std::string& v : response.versions()) m.versions.push_back(v);
    for (const auto& t : response.inputs())
      m.inputs.push_back({t.name(), t.datatype(), Shape(t.shape().begin(), t.shape().end())});
    for (const auto& t : response.outputs())
      m.outputs.push_back({t.name(), t.datatype(), Shape(t.shape().begin(), t.shape().end())});
    return m;
  }

  std::vector<Tensor> infer(const std::string& model,
                            const std::vector<std::pair<std::string, Tensor>>& inputs) override {
    inference::ModelInferRequest request;
    request.set_model_name(model);
    for (const auto& [name, t] : inputs) {
      auto* in = request.add_inputs();
      in->set_name(name);
      in->set_datatype(datatype_name(t.element_type()));
      for (int64_t d : t.shape()) in->add_shape(d);
      request.add_raw_input_contents(static_cast<const char*>(t.data()), t.byte_size());
    }
    inference::ModelInferResponse response;
    grpc::ClientContext context;
    check(stub_->ModelInfer(&context, request, &response), "ModelInfer " + model);
    std::vector<Tensor> outputs;
    for (int i = 0; i < response.outputs_size(); ++i) {
      const auto& o = response.outputs(i);
      const std::string where = fmt::format("{}: output '{}'", address_, o.name());
      if (i >= response.raw_output_contents_size())
        throw_invalid_argument("{}: no raw_output_contents", where);
      const std::string& raw = response.raw_output_contents(i);
      outputs.push_back(tensor_from(element_type(o.datatype(), where),
                                    Shape(o.shape().begin(), o.shape().end()), raw.data(),
                                    raw.size(), where));
    }
    return outputs;
  }

 private:
  static grpc::ChannelArguments arguments() {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(256 << 20);
    args.SetMaxSendMessageSize(256 << 20);
    return args;
  }
  void check(const grpc::Status& status, const std::string& what) {
    if (status.ok()) return;
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE)
      unreachable(address_, fmt::format("{}: {}", what, status.error_message()));
    throw_invalid_argument("server {}: {}: {}", address_, what, status.error_message());
  }
  std::string address_;
  std::unique_ptr<inference::GRPCInferenceService::Stub> stub_;
};

}  // namespace

KserveClient::Protocol KserveClient::parse_protocol(const std::string& name) {
  if (name == "rest") return Protocol::rest;
  if (name == "grpc") return Protocol::grpc;
  throw_invalid_argument("--protocol {}: expected rest or grpc", name);
}

std::unique_ptr<KserveClient> KserveClient::connect(Protocol protocol, const std::string& address) {
  if (protocol == Protocol::rest) return std::make_unique<RestClient>(address);
  return std::make_unique<GrpcClient>(address);
}

}  // namespace zenith::serve
