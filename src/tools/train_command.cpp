// `zenith train`: trains an ONNX model exported in training form on a labeled dataset with
// Zenith's autograd and optimizers (src/train), prints progress and a validation metric each
// epoch, and writes the trained model as ONNX for inference.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>

#include "frontend/onnx/model_writer.h"
#include "ir/errors.h"
#include "ir/zir.h"
#include "passes/freeze_input_shapes.h"
#include "passes/pipeline.h"
#include "runtime/session.h"
#include "tools/batch_loader.h"
#include "tools/cli_util.h"
#include "tools/data_parallel.h"
#include "tools/dataset.h"
#include "tools/dataset_holdout.h"
#include "tools/training_logs.h"
#include "tools/validation_metric.h"
#include "train/builtin_models.h"
#include "train/checkpoint.h"
#include "train/schedule.h"
#include "train/trainer.h"

namespace zenith::tools {
namespace {

struct TrainOptions {
  std::string model;
  int64_t classes = 0;  // built-in models: 0 for the dataset's
  bool multi_label = false;
  std::string input_shape;  // built-in models: C,H,W
  std::string dataset = "fashion-mnist-train";
  std::string val_dataset = "default";
  size_t limit = 0;
  size_t val_count = 1000;
  double val_split = 0;
  std::string pos_weight;
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
  bool augment = false;
  int loader_threads = 1;
  bool profile = false;
  std::string device = "CPU";
  int threads = 0;
  std::string mean, scale;
  std::string output, zir;
  std::string checkpoint_dir;
  std::string log_dir;
  int64_t checkpoint_steps = 0;
  bool resume = false;
  int64_t stop_after = 0;
  int np = 0;  // ranks to launch under mpirun (0: none)
  double bucket_mb = 4;
  bool sync_bn = false;
  std::string timeline;
  int collective_timeout = 60;
};

std::string duration(double seconds) {
  const auto s = static_cast<int64_t>(seconds);
  return s >= 60 ? fmt::format("{}m{:02}s", s / 60, s % 60) : fmt::format("{}s", s);
}

// The model to train, in training form with a symbolic batch, and what it takes.
struct TrainModel {
  ir::Graph graph;
  std::string input;
  ir::Dims sample;  // [C, H, W]
  bool builtin = false;
};

TrainModel load_model(const TrainOptions& o, const Dataset& data) {
  TrainModel m;
  if (train::is_builtin_model(o.model)) {
    Shape sample = train::builtin_sample_shape(o.model);
    if (!o.input_shape.empty()) {
      const ir::Dims d = parse_dims(o.input_shape, "--input-shape");
      sample.assign(d.begin(), d.end());
    }
    const auto classes = o.classes ? o.classes : static_cast<int64_t>(data.classes().size());
    m.graph = train::builtin_model(o.model, classes, sample, o.seed);
    m.builtin = true;
  } else {
    if (!std::filesystem::exists(o.model) && std::filesystem::path(o.model).extension().empty())
      throw_invalid_argument("--model {}: no such file, nor a built-in model ({})", o.model,
                             fmt::join(train::builtin_model_names(), ", "));
    if (o.classes || !o.input_shape.empty())
      throw_invalid_argument(
          "{}: --classes and --input-shape are for built-in models ({}); a model file has its "
          "own",
          o.model, fmt::join(train::builtin_model_names(), ", "));
    m.graph = runtime::load_graph(o.model);
  }
  const std::vector<const ir::ValueInfo*> inputs = m.graph.runtime_inputs();
  if (inputs.size() != 1)
    throw_invalid_argument("{}: zenith train feeds one [N, C, H, W] input; the model has {}",
                           o.model, inputs.size());
  m.input = inputs[0]->name;
  const std::optional<ir::Shape> shape = inputs[0]->type.shape;
  std::optional<ir::Dims> sample;
  if (shape && shape->size() == 4)
    sample = ir::to_dims(ir::Shape(shape->begin() + 1, shape->end()));
  if (!sample)
    throw_invalid_argument("{}: input '{}' must be [N, C, H, W] with C, H and W fixed", o.model,
                           m.input);
  m.sample = *sample;
  return m;
}

// The trained model as deployed: a multi-label built-in model's logits through a sigmoid, so
// that it outputs each finding's probability.
ir::Graph deployed(ir::Graph g, const TrainModel& m, bool multi) {
  if (!m.builtin || !multi) return g;
  const std::string logits = g.outputs[0].name;
  g.nodes.push_back({"probabilities", "Sigmoid", "", {logits}, {"probabilities"}, {}});
  g.outputs[0].name = "probabilities";
  return g;
}

// --pos-weight: "auto" (per class, the training data's negatives over its positives, as CheXNet
// balances its findings; 1 for a class without positives) or one weight per class.
std::vector<float> positive_weights(const std::string& spec, const Dataset& data) {
  const size_t classes = data.classes().size();
  if (spec != "auto") {
    const std::optional<std::vector<float>> w = parse_floats(spec);
    if (!w || w->size() != classes ||
        std::any_of(w->begin(), w->end(), [](float v) { return !(v > 0); }))
      throw_invalid_argument(
          "--pos-weight '{}': expected auto or {} positive numbers, one per class", spec, classes);
    return *w;
  }
  std::vector<size_t> positives(classes, 0);
  for (size_t i = 0; i < data.size(); ++i)
    for (int c : data.labels(i)) ++positives[static_cast<size_t>(c)];
  std::vector<float> w(classes, 1.0f);
  for (size_t c = 0; c < classes; ++c)
    if (positives[c])
      w[c] = static_cast<float>(data.size() - positives[c]) / static_cast<float>(positives[c]);
  return w;
}

// The settings a checkpoint must share with the run that resumes it: the global batch, so that
// any number of ranks with the per-rank batch that makes it up may resume.
std::map<std::string, std::string> run_identity(const TrainOptions& o, const Dataset& data,
                                                int64_t global_batch) {
  return {{"model", o.model},
          {"dataset", data.name()},
          {"samples", std::to_string(data.size())},
          {"batch", std::to_string(global_batch)},
          {"optimizer", o.optimizer.kind},
          {"seed", std::to_string(o.seed)}};
}

train::TrainerOptions trainer_options(const TrainOptions& o, bool multi, const Dataset& data) {
  train::TrainerOptions options;
  options.loss = o.loss.empty()
                     ? (multi ? train::Loss::BinaryCrossEntropy : train::Loss::CrossEntropy)
                     : train::parse_loss(o.loss, "--loss");
  if (!o.pos_weight.empty()) {
    if (options.loss != train::Loss::BinaryCrossEntropy)
      throw_invalid_argument("--pos-weight weighs binary cross-entropy's positives (multi-label)");
    options.positive_weights = positive_weights(o.pos_weight, data);
    std::cout << fmt::format("positive weights: {:.3g}\n",
                             fmt::join(options.positive_weights, ", "));
  }
  if (o.clip_norm < 0) throw_invalid_argument("--clip-norm {}: expected at least 0", o.clip_norm);
  options.optimizer = o.optimizer;
  options.devices = o.device == "REF" ? std::vector<std::string>{"REF"}
                                      : std::vector<std::string>{o.device, "REF"};
  options.threads = o.threads;
  options.clip_norm = o.clip_norm;
  options.profile = o.profile;
  if (o.bucket_mb <= 0 || o.collective_timeout <= 0)
    throw_invalid_argument("--bucket-mb and --collective-timeout take a positive number");
  options.parallel.bucket_bytes = static_cast<size_t>(o.bucket_mb * (1 << 20));
  options.parallel.timeout = std::chrono::seconds(o.collective_timeout);
  options.parallel.sync_batch_norm = o.sync_bn;
  return options;
}

// The learning rate's course over `steps` steps per epoch of `global_batch` samples.
train::Schedule schedule_of(const TrainOptions& o, size_t steps, int64_t global_batch) {
  train::Schedule schedule = o.schedule;
  schedule.batch = global_batch;
  const auto per_epoch = static_cast<double>(steps);
  schedule.warmup_steps = static_cast<int64_t>(std::lround(o.warmup_epochs * per_epoch));
  schedule.step_size = static_cast<int64_t>(std::lround(o.step_epochs * per_epoch));
  schedule.total_steps = static_cast<int64_t>(o.epochs * steps);
  train::check_schedule(schedule);
  return schedule;
}

// Continues `trainer` from the checkpoint at `path`, if it is of this run.
void resume(train::Trainer& trainer, const std::filesystem::path& path,
            const std::map<std::string, std::string>& identity, size_t steps) {
  const train::Checkpoint c = train::read_checkpoint(path);
  for (const auto& [key, value] : identity)
    if (c.run.count(key) && c.run.at(key) != value)
      throw_invalid_argument("{}: the checkpoint's {} is '{}', this run's '{}': it is another run",
                             path.string(), key, c.run.at(key), value);
  trainer.restore(c);
  std::cout << fmt::format("resumed from {} at step {} (epoch {}, step {})\n", path.string(),
                           c.step, static_cast<size_t>(c.step) / steps + 1,
                           static_cast<size_t>(c.step) % steps);
}

// The trained model as ONNX, and as a .zir optimized by the default passes when asked.
void write_outputs(const ir::Graph& trained, const TrainOptions& o) {
  onnx_frontend::write_model(trained, o.output);
  std::cout << fmt::format("trained model written to {}\n", o.output);
  if (o.zir.empty()) return;
  ir::Graph optimized = trained;
  passes::run_default_passes(optimized);
  ir::ZirOptions zir;
  zir.metadata["source"] = "zenith train " + o.model;
  ir::write_zir(optimized, o.zir, zir);
  std::cout << fmt::format("and as {}\n", o.zir);
}

int train_on_rank(const TrainOptions& o, distributed::Communicator& comm) {
  const bool root = comm.rank() == 0;
  const int ranks = comm.size();
  // Only rank 0 prints, writes checkpoints, logs and the model.
  if (!root) std::cout.setstate(std::ios::failbit);
  std::shared_ptr<const Dataset> data = open_dataset(o.dataset, o.limit);
  std::shared_ptr<const Dataset> held_out;  // --val-split's part
  if (o.val_split != 0) {
    if (o.val_dataset != "default")
      throw_invalid_argument("--val-split and --val-dataset both name validation data: pick one");
    std::tie(data, held_out) = hold_out(data, o.val_split, o.seed);
  }
  const TrainModel m = load_model(o, *data);
  const ir::Graph& model = m.graph;
  const InputLayout layout =
      dataset_layout(o.dataset, m.sample[0], m.sample[1], m.sample[2], o.mean, o.scale);
  const bool multi = data->multi_label() || o.multi_label;
  const auto batch = static_cast<size_t>(o.batch);
  const int64_t global_batch = o.batch * ranks;
  const size_t steps = data->size() / static_cast<size_t>(global_batch);
  if (steps == 0)
    throw_invalid_argument("--batch {}{}: the dataset has only {} samples", o.batch,
                           ranks > 1 ? fmt::format(" on each of {} ranks", ranks) : "",
                           data->size());
  if (o.resume && o.checkpoint_dir.empty())
    throw_invalid_argument(
        "--resume continues from --checkpoint-dir's checkpoint: name the folder");
  if (o.checkpoint_steps < 0 || o.stop_after < 0)
    throw_invalid_argument("--checkpoint-steps and --stop-after-steps take a count of at least 0");

  ir::Graph fixed = model;
  ir::Dims batch_dims = {o.batch};
  batch_dims.insert(batch_dims.end(), m.sample.begin(), m.sample.end());
  passes::freeze_input_shapes(fixed, {{m.input, batch_dims}});
  const train::Schedule schedule = schedule_of(o, steps, global_batch);
  train::TrainerOptions options = trainer_options(o, multi, *data);
  options.parallel.comm = &comm;
  if (comm.launched()) options.threads = rank_threads(o.threads);
  std::optional<distributed::Timeline> timeline;
  if (comm.launched()) {
    comm.barrier();  // the ranks' clocks start together
    timeline.emplace(std::chrono::steady_clock::now());
    options.parallel.timeline = &*timeline;
    std::cerr << describe_rank(comm, options.threads) + "\n";  // one write: ranks interleave
  }
  train::Trainer trainer(fixed, options);

  const std::filesystem::path checkpoint_path =
      o.checkpoint_dir.empty() ? "" : std::filesystem::path(o.checkpoint_dir) / "checkpoint.zck";
  if (!o.checkpoint_dir.empty() && root) std::filesystem::create_directories(o.checkpoint_dir);
  const auto identity = run_identity(o, *data, global_batch);
  if (o.resume) resume(trainer, checkpoint_path, identity, steps);
  trainer.broadcast_from_root();
  const auto save_checkpoint = [&] {
    if (checkpoint_path.empty() || !root) return;
    train::Checkpoint c = trainer.checkpoint();
    c.run = identity;
    train::write_checkpoint(checkpoint_path, c);
  };

  const std::string val = o.val_dataset == "default" ? validation_spec(o.dataset)
                          : o.val_dataset == "none"  ? ""
                                                     : o.val_dataset;
  std::optional<ValidationMetric> metric;
  const char* metric_kind = multi ? "auroc" : "top1";
  const RunOptions run{o.device, options.threads};
  if (held_out && root)
    metric.emplace(metric_kind, held_out, o.val_count, trainer.trained_model(model), layout, run);
  else if (!val.empty() && root)
    metric.emplace(metric_kind, val, o.val_count, trainer.trained_model(model), o.mean, o.scale,
                   run);
  // The other ranks wait for rank 0's validation passes here, not in a collective that would
  // time out.
  comm.barrier();

  std::cout << fmt::format(
      "training {} on {} ({} samples, {} steps of {}{} per epoch{}), {} epoch{}, {} at lr {}\n",
      o.model, data->name(), data->size(), steps, global_batch,
      ranks > 1 ? fmt::format(" ({} ranks x {})", ranks, o.batch) : "",
      data->size() % static_cast<size_t>(global_batch)
          ? fmt::format(", the last {} samples left out",
                        data->size() % static_cast<size_t>(global_batch))
          : "",
      o.epochs, o.epochs == 1 ? "" : "s", o.optimizer.kind,
      train::learning_rate(schedule, schedule.warmup_steps));
  // Prints a validation pass's metric, the mean over findings for AUROC; returns that.
  const auto report_validation = [&](const std::string& when, const std::vector<double>& values) {
    double mean = 0;
    for (double v : values) mean += v / static_cast<double>(values.size());
    std::cout << fmt::format("{}: validation {} {:.4f}{}\n", when, metric->describe(), mean,
                             multi ? " (mean over findings)" : "");
    return mean;
  };
  // The metric measured the model it was given (checking that it fits): the starting point.
  if (metric) report_validation("at the start", metric->reference());
  TrainingLogs logs(root ? o.log_dir : "", multi ? "mean AUROC" : "top-1", steps);
  const auto start = std::chrono::steady_clock::now();
  auto last_print = start;
  const auto first_step = static_cast<size_t>(trainer.steps());
  const size_t total = static_cast<size_t>(o.epochs) * steps;
  const size_t end =
      o.stop_after ? std::min(total, first_step + static_cast<size_t>(o.stop_after)) : total;
  LoaderOptions loading{batch, o.seed, !o.no_shuffle, o.augment, o.loader_threads};
  loading.multi_label = multi;
  loading.shards = static_cast<size_t>(ranks);
  loading.shard = static_cast<size_t>(comm.rank());
  BatchLoader loader(*data, layout, loading, o.epochs, static_cast<int64_t>(first_step / steps),
                     first_step % steps);
  for (int epoch = static_cast<int>(first_step / steps) + 1;
       epoch <= o.epochs && (epoch - 1) * steps < end; ++epoch) {
    double loss_sum = 0;
    size_t loss_count = 0;
    const size_t epoch_start = static_cast<size_t>(epoch - 1) * steps;
    for (size_t s = first_step > epoch_start ? first_step - epoch_start : 0;
         s < steps && epoch_start + s < end; ++s) {
      const Batch data_batch = loader.next();
      const auto step = static_cast<int64_t>(epoch_start + s);
      const float lr = train::learning_rate(schedule, step);
      const float loss = trainer.step({{m.input, data_batch.inputs}}, data_batch.labels, lr);
      if (!std::isfinite(loss))
        throw_invalid_argument(
            "epoch {} step {}: the loss is {}: training diverged (try a "
            "lower --lr)",
            epoch, s + 1, loss);
      loss_sum += loss;
      ++loss_count;
      logs.step(step + 1, loss, lr);
      if (o.checkpoint_steps && (step + 1) % o.checkpoint_steps == 0) save_checkpoint();
      const auto now = std::chrono::steady_clock::now();
      if (now - last_print > std::chrono::seconds(2) || s + 1 == steps ||
          epoch_start + s + 1 == end) {
        const double elapsed = std::chrono::duration<double>(now - start).count();
        const auto done = static_cast<double>(epoch_start + s + 1 - first_step);
        const auto left = static_cast<double>(end - (epoch_start + s + 1));
        std::cout << fmt::format(
                         "epoch {}/{} step {}/{} loss {:.4f} lr {:.4g} {:.1f} images/s ETA {}\n",
                         epoch, o.epochs, s + 1, steps, loss_sum / loss_count, lr,
                         done * static_cast<double>(global_batch) / elapsed,
                         duration(elapsed * left / done))
                  << std::flush;
        loss_sum = 0;
        loss_count = 0;
        last_print = now;
      }
    }
    if (epoch_start + steps > end) break;  // stopped within the epoch
    save_checkpoint();
    if (metric) {
      const double mean = report_validation(fmt::format("epoch {}", epoch),
                                            metric->measure(trainer.trained_model(model)));
      logs.validation(epoch, static_cast<int64_t>(epoch_start + steps), mean);
    }
    comm.barrier();
    logs.plot();
  }
  if (end < total) {
    logs.plot();
    save_checkpoint();
    std::cout << fmt::format("stopped after step {} of {}{}\n", end, total,
                             checkpoint_path.empty() ? "" : "; --resume continues from there");
  }
  if (const train::ProfileTotals* profile = trainer.profile()) profile->print(std::cout, 25);
  if (timeline) {
    std::cout << summarize(comm, *timeline) << "\n";
    const std::vector<std::string> events = comm.gather(timeline->events_json(comm.rank()));
    if (root && !o.timeline.empty()) {
      distributed::write_trace(o.timeline, events);
      std::cout << fmt::format("timeline written to {}\n", o.timeline);
    }
  }
  if (root) write_outputs(deployed(trainer.trained_model(model), m, multi), o);
  if (!o.log_dir.empty()) std::cout << logs.describe() << "\n";
  return 0;
}

int run_train(const TrainOptions& o) {
  if (o.np < 0) throw_invalid_argument("--np {}: expected a count of ranks", o.np);
  if (o.np > 0 && !distributed::launched_by_mpirun()) relaunch_under_mpirun(o.np);
  distributed::Communicator& comm = distributed::Communicator::world();
  if (!comm.launched() && !o.timeline.empty())
    throw_invalid_argument("--timeline records a data-parallel run: add --np N (or mpirun)");
  try {
    return train_on_rank(o, comm);
  } catch (const std::exception& e) {
    if (!comm.launched() || comm.size() == 1) throw;
    // One rank's error ends the run: the others would wait for it in their next collective.
    std::cerr << fmt::format("error: rank {} of {}: {}\n", comm.rank(), comm.size(), e.what());
    comm.abort(1);
  }
}

}  // namespace

Command add_train_command(CLI::App& app) {
  auto options = std::make_shared<TrainOptions>();
  CLI::App* sub = app.add_subcommand(
      "train",
      "Train an ONNX model exported in training form (PyTorch: torch.onnx.export(..., "
      "training=torch.onnx.TrainingMode.TRAINING)) on a labeled dataset");
  sub->add_option("--model", options->model,
                  "The model: a file (.onnx, in training form; one [N, C, H, W] input) or a "
                  "built-in one: small-cnn, densenet-small (28x28 inputs), densenet121, resnet50 "
                  "(224x224)")
      ->required();
  sub->add_option("--classes", options->classes,
                  "Built-in models: outputs (default: the dataset's classes)");
  sub->add_flag("--multi-label", options->multi_label,
                "Any number of classes per sample: binary cross-entropy, AUROC, and a sigmoid "
                "head on a built-in model (implied by multi-label data)");
  sub->add_option("--input-shape", options->input_shape,
                  "Built-in models: the sample shape C,H,W (default: 1,28,28 or 3,224,224)");
  sub->add_option("--dataset", options->dataset,
                  "Training data: fashion-mnist-train; npy:DIR (inputs.npy [N,C,H,W] float32, "
                  "taken as preprocessed (no --mean/--scale), or uint8 pixels; labels.npy [N] "
                  "class ids or [N,K] 0/1); chestxray14:DIR[:train|val|test] (patient-wise "
                  "70/10/20 split); imagefolder:DIR (DIR/CLASS/*.png|jpg); or a dataset folder "
                  "`zenith bench` reads")
      ->capture_default_str();
  sub->add_option("--val-dataset", options->val_dataset,
                  "Validation data, measured after each epoch (default: Fashion-MNIST's test set "
                  "for fashion-mnist-train, the val part for chestxray14:DIR, else none; none for "
                  "none)")
      ->capture_default_str();
  sub->add_option("--val-split", options->val_split,
                  "Hold this fraction of the training data out (drawn by --seed) and validate on "
                  "it each epoch (0: none)");
  sub->add_option("--limit", options->limit, "Train on the first N samples only (0: all)");
  sub->add_option("--val-count", options->val_count, "Validation samples")->capture_default_str();
  sub->add_option("--loss", options->loss,
                  "cross-entropy, bce or mse (default: cross-entropy; bce for multi-label data)");
  sub->add_option("--pos-weight", options->pos_weight,
                  "bce: weigh each class's positives: auto (negatives / positives in the training "
                  "data, as CheXNet) or W1,W2,... one per class");
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
  sub->add_flag("--augment", options->augment,
                "Random resized crop (scale 0.08-1, ratio 3/4-4/3) and horizontal flip before "
                "the normalization, drawn from --seed, the epoch and the sample (image data)");
  sub->add_option("--loader-threads", options->loader_threads,
                  "Threads assembling batches ahead of the step (0: in the step's thread)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  sub->add_option("-d,--device", options->device, "CPU or REF")->capture_default_str();
  sub->add_option("-t,--threads", options->threads, "Threads (0: all cores)")
      ->capture_default_str();
  sub->add_option("--mean", options->mean, "Per-channel mean, subtracted (default: the dataset's)");
  sub->add_option("--scale", options->scale, "Per-channel divisor (default: the dataset's)");
  sub->add_option("-o,--output", options->output, "Where to write the trained model (.onnx)")
      ->required();
  sub->add_option("--zir", options->zir, "Also write it optimized as a .zir file");
  sub->add_option(
      "--log-dir", options->log_dir,
      "Write TensorBoard event files (loss and rate per step, the validation metric per "
      "epoch) and curves.png there");
  sub->add_option("--checkpoint-dir", options->checkpoint_dir,
                  "Write DIR/checkpoint.zck after each epoch (and --checkpoint-steps): weights, "
                  "optimizer state, step");
  sub->add_option("--checkpoint-steps", options->checkpoint_steps,
                  "Also every N steps (0: epoch ends only)")
      ->capture_default_str();
  sub->add_flag(
      "--resume", options->resume,
      "Continue from --checkpoint-dir's checkpoint, to the result of a run never stopped");
  sub->add_option("--stop-after-steps", options->stop_after,
                  "Stop after N steps of this invocation, with a checkpoint (0: run all epochs)");
  sub->add_option("--np", options->np,
                  "Data-parallel over N ranks: starts itself under mpirun (as horovodrun does); "
                  "--batch is each rank's, the global batch N times it");
  sub->add_option("--bucket-mb", options->bucket_mb,
                  "Data-parallel: gradients fused into one allreduce, in MiB")
      ->capture_default_str();
  sub->add_flag("--sync-bn", options->sync_bn,
                "Data-parallel: batch norm's statistics over every rank's batch (default: each "
                "rank's own)");
  sub->add_option("--timeline", options->timeline,
                  "Data-parallel: write a Chrome trace (chrome://tracing, ui.perfetto.dev) of "
                  "each rank's forward, backward, allreduces, waits and updates");
  sub->add_option("--collective-timeout", options->collective_timeout,
                  "Data-parallel: seconds a rank waits for a collective before it decides a peer "
                  "is gone and ends the run")
      ->capture_default_str();
  return {sub, [options] { return run_train(*options); }};
}

}  // namespace zenith::tools
