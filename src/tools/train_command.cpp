// `zenith train`: trains an ONNX model exported in training form on a labeled dataset with
// Zenith's autograd and optimizers (src/train), prints progress and a validation metric each
// epoch, and writes the trained model as ONNX for inference.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <numeric>
#include <random>

#include "frontend/onnx/model_writer.h"
#include "ir/errors.h"
#include "passes/freeze_input_shapes.h"
#include "runtime/session.h"
#include "runtime/tensor_bridge.h"
#include "tools/cli_util.h"
#include "tools/dataset.h"
#include "tools/validation_metric.h"
#include "train/schedule.h"
#include "train/trainer.h"

namespace zenith::tools {
namespace {

struct TrainOptions {
  std::string model;
  std::string dataset = "fashion-mnist-train";
  std::string val_dataset = "default";
  size_t limit = 0;
  size_t val_count = 1000;
  std::string loss;  // default: cross-entropy, bce for a multi-label dataset
  int epochs = 1;
  int64_t batch = 32;
  train::OptimizerSettings optimizer;
  train::Schedule schedule;
  float warmup_epochs = 0;
  float step_epochs = 1;
  double clip_norm = 0;
  uint64_t seed = 0;
  bool no_shuffle = false;
  bool profile = false;
  std::string device = "CPU";
  int threads = 0;
  std::string mean, scale;
  std::string output;
};

std::string duration(double seconds) {
  const auto s = static_cast<int64_t>(seconds);
  return s >= 60 ? fmt::format("{}m{:02}s", s / 60, s % 60) : fmt::format("{}s", s);
}

int run_train(const TrainOptions& o) {
  const ir::Graph model = runtime::load_graph(o.model);
  const std::vector<const ir::ValueInfo*> inputs = model.runtime_inputs();
  if (inputs.size() != 1)
    throw_invalid_argument("{}: zenith train feeds one [N, C, H, W] input; the model has {}",
                           o.model, inputs.size());
  const ir::ValueInfo& input = *inputs[0];
  const std::optional<ir::Shape> shape = input.type.shape;
  std::optional<ir::Dims> sample;
  if (shape && shape->size() == 4)
    sample = ir::to_dims(ir::Shape(shape->begin() + 1, shape->end()));
  if (!sample)
    throw_invalid_argument("{}: input '{}' must be [N, C, H, W] with C, H and W fixed", o.model,
                           input.name);
  const auto data = open_dataset(o.dataset, o.limit);
  const InputLayout layout =
      dataset_layout(o.dataset, (*sample)[0], (*sample)[1], (*sample)[2], o.mean, o.scale);
  const bool multi = data->multi_label();
  const auto classes = static_cast<int64_t>(data->classes().size());
  const auto batch = static_cast<size_t>(o.batch);
  const size_t steps = data->size() / batch;
  if (steps == 0)
    throw_invalid_argument("--batch {}: the dataset has only {} samples", o.batch, data->size());

  ir::Graph fixed = model;
  ir::Dims batch_dims = {o.batch};
  batch_dims.insert(batch_dims.end(), sample->begin(), sample->end());
  passes::freeze_input_shapes(fixed, {{input.name, batch_dims}});
  train::TrainerOptions options;
  options.loss = o.loss.empty()
                     ? (multi ? train::Loss::BinaryCrossEntropy : train::Loss::CrossEntropy)
                     : train::parse_loss(o.loss, "--loss");
  options.optimizer = o.optimizer;
  options.devices = o.device == "REF" ? std::vector<std::string>{"REF"}
                                      : std::vector<std::string>{o.device, "REF"};
  options.threads = o.threads;
  options.clip_norm = o.clip_norm;
  options.profile = o.profile;
  if (o.clip_norm < 0) throw_invalid_argument("--clip-norm {}: expected at least 0", o.clip_norm);
  train::Schedule schedule = o.schedule;
  schedule.batch = o.batch;
  schedule.warmup_steps =
      static_cast<int64_t>(std::lround(o.warmup_epochs * static_cast<double>(steps)));
  schedule.step_size =
      static_cast<int64_t>(std::lround(o.step_epochs * static_cast<double>(steps)));
  schedule.total_steps = static_cast<int64_t>(o.epochs * steps);
  train::check_schedule(schedule);
  train::Trainer trainer(fixed, options);

  const std::string val = o.val_dataset == "default"
                              ? (o.dataset == "fashion-mnist-train" ? "fashion-mnist" : "")
                              : o.val_dataset;
  std::optional<ValidationMetric> metric;
  if (!val.empty())
    metric.emplace(multi ? "auroc" : "top1", val, o.val_count, trainer.trained_model(model), o.mean,
                   o.scale, RunOptions{o.device, o.threads});

  std::cout << fmt::format(
      "training {} on {} ({} samples, {} steps of {} per epoch{}), {} epoch{}, {} at lr {}\n",
      o.model, data->name(), data->size(), steps, o.batch,
      data->size() % batch ? fmt::format(", the last {} samples left out", data->size() % batch)
                           : "",
      o.epochs, o.epochs == 1 ? "" : "s", o.optimizer.kind,
      train::learning_rate(schedule, schedule.warmup_steps));
  std::vector<size_t> order(data->size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::mt19937_64 rng(o.seed);
  ir::Tensor x(ir::DType::F32, batch_dims);
  const int64_t per_sample = x.numel() / o.batch;
  ir::Tensor labels = multi ? ir::Tensor(ir::DType::F32, {o.batch, classes})
                            : ir::Tensor(ir::DType::I64, {o.batch});
  const auto start = std::chrono::steady_clock::now();
  auto last_print = start;
  for (int epoch = 1; epoch <= o.epochs; ++epoch) {
    if (!o.no_shuffle) std::shuffle(order.begin(), order.end(), rng);
    double loss_sum = 0;
    size_t loss_count = 0;
    for (size_t s = 0; s < steps; ++s) {
      if (multi) std::fill_n(labels.data<float>(), labels.numel(), 0.0f);
      for (size_t i = 0; i < batch; ++i) {
        const size_t index = order[s * batch + i];
        const ir::Tensor one = TensorAccess::to_ir(data->load(index, layout));
        std::copy_n(one.data<float>(), per_sample, x.data<float>() + i * per_sample);
        for (int c : data->labels(index)) {
          if (multi)
            labels.data<float>()[static_cast<int64_t>(i) * classes + c] = 1.0f;
          else
            labels.data<int64_t>()[i] = c;
        }
      }
      const int64_t step = static_cast<int64_t>((epoch - 1) * steps + s);
      const float lr = train::learning_rate(schedule, step);
      const float loss = trainer.step({{input.name, x}}, labels, lr);
      if (!std::isfinite(loss))
        throw_invalid_argument(
            "epoch {} step {}: the loss is {}: training diverged (try a "
            "lower --lr)",
            epoch, s + 1, loss);
      loss_sum += loss;
      ++loss_count;
      const auto now = std::chrono::steady_clock::now();
      if (now - last_print > std::chrono::seconds(2) || s + 1 == steps) {
        const double elapsed = std::chrono::duration<double>(now - start).count();
        const double done = static_cast<double>((epoch - 1) * steps + s + 1);
        const double total = static_cast<double>(o.epochs * steps);
        std::cout << fmt::format(
                         "epoch {}/{} step {}/{} loss {:.4f} lr {:.4g} {:.1f} images/s ETA {}\n",
                         epoch, o.epochs, s + 1, steps, loss_sum / loss_count, lr,
                         done * o.batch / elapsed, duration(elapsed * (total - done) / done))
                  << std::flush;
        loss_sum = 0;
        loss_count = 0;
        last_print = now;
      }
    }
    if (metric) {
      const std::vector<double> values = metric->measure(trainer.trained_model(model));
      double mean = 0;
      for (double v : values) mean += v / static_cast<double>(values.size());
      std::cout << fmt::format("epoch {}: validation {} {:.4f}{}\n", epoch, metric->describe(),
                               mean, multi ? " (mean over findings)" : "");
    }
  }
  if (const train::ProfileTotals* profile = trainer.profile()) profile->print(std::cout, 25);
  onnx_frontend::write_model(trainer.trained_model(model), o.output);
  std::cout << fmt::format("trained model written to {}\n", o.output);
  return 0;
}

}  // namespace

Command add_train_command(CLI::App& app) {
  auto options = std::make_shared<TrainOptions>();
  CLI::App* sub = app.add_subcommand(
      "train",
      "Train an ONNX model exported in training form (PyTorch: torch.onnx.export(..., "
      "training=torch.onnx.TrainingMode.TRAINING)) on a labeled dataset");
  sub->add_option("--model", options->model, "The model (.onnx), one [N, C, H, W] input")
      ->required();
  sub->add_option("--dataset", options->dataset,
                  "Training data: fashion-mnist-train, or a dataset folder `zenith bench` reads")
      ->capture_default_str();
  sub->add_option("--val-dataset", options->val_dataset,
                  "Validation data, measured after each epoch (default: Fashion-MNIST's test set "
                  "for fashion-mnist-train, else none; \"\" for none)")
      ->capture_default_str();
  sub->add_option("--limit", options->limit, "Train on the first N samples only (0: all)");
  sub->add_option("--val-count", options->val_count, "Validation samples")->capture_default_str();
  sub->add_option("--loss", options->loss,
                  "cross-entropy, bce or mse (default: cross-entropy; bce for multi-label data)");
  sub->add_option("--epochs", options->epochs)->check(CLI::PositiveNumber)->capture_default_str();
  sub->add_option("--batch", options->batch, "Samples per step")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_option("--optimizer", options->optimizer.kind, "sgd, adam, adamw or lars")
      ->capture_default_str();
  sub->add_option("--lr", options->schedule.lr, "Learning rate (after any warm-up)")
      ->capture_default_str();
  sub->add_option(
      "--lr-scale-batch", options->schedule.scale_batch,
      "The linear scaling rule's base batch B0: the rate becomes lr * batch / B0 (0: off)");
  sub->add_option("--warmup-epochs", options->warmup_epochs,
                  "Epochs over which the rate climbs linearly to its value")
      ->capture_default_str();
  sub->add_option("--schedule", options->schedule.decay, "After the warm-up: none, step or cosine")
      ->capture_default_str();
  sub->add_option("--step-epochs", options->step_epochs, "step: epochs between decays")
      ->capture_default_str();
  sub->add_option("--gamma", options->schedule.gamma, "step: the factor of each decay")
      ->capture_default_str();
  sub->add_flag("--profile", options->profile,
                "Print where the training steps' time went, by op and by node");
  sub->add_option("--clip-norm", options->clip_norm,
                  "Clip the gradients to this global L2 norm (0: off)")
      ->capture_default_str();
  sub->add_option("--momentum", options->optimizer.momentum)->capture_default_str();
  sub->add_flag("--nesterov", options->optimizer.nesterov, "Nesterov momentum (sgd)");
  sub->add_option("--weight-decay", options->optimizer.weight_decay)->capture_default_str();
  sub->add_option("--seed", options->seed, "Seed of the data order")->capture_default_str();
  sub->add_flag("--no-shuffle", options->no_shuffle,
                "Keep the dataset's order (exact comparisons)");
  sub->add_option("-d,--device", options->device, "CPU or REF")->capture_default_str();
  sub->add_option("-t,--threads", options->threads, "Threads (0: all cores)")
      ->capture_default_str();
  sub->add_option("--mean", options->mean, "Per-channel mean, subtracted (default: the dataset's)");
  sub->add_option("--scale", options->scale, "Per-channel divisor (default: the dataset's)");
  sub->add_option("-o,--output", options->output, "Where to write the trained model (.onnx)")
      ->required();
  return {sub, [options] { return run_train(*options); }};
}

}  // namespace zenith::tools
