// The default pass pipeline, in the order that lets each pass expose work for the next.
#include "passes/pipeline.h"

#include <fmt/format.h>

#include "passes/attention_fusion.h"
#include "passes/batch_norm_folding.h"
#include "passes/constant_folding.h"
#include "passes/conv_tap_trimming.h"
#include "passes/dead_node_elimination.h"
#include "passes/einsum_to_matmul.h"
#include "passes/gelu_fusion.h"
#include "passes/identity_elimination.h"
#include "passes/layer_norm_fusion.h"
#include "passes/pool_before_pointwise_conv.h"
#include "passes/qconv_fusion.h"
#include "passes/qlinear_decomposition.h"
#include "passes/qmatmul_fusion.h"
#include "passes/shape_folding.h"
#include "passes/swish_fusion.h"

namespace zenith::passes {
namespace {

struct Pass {
  const char* name;
  const char* verb;
  ChangeCounts (*run)(ir::Graph&);
};

ChangeCounts fold_constants_default(ir::Graph& graph) { return fold_constants(graph); }

// Identity elimination first: it renames instead of copying, and it makes a Conv adjacent to the
// BatchNormalization behind an Identity. Shape folding (only once input shapes are concrete)
// turns shape computations into constants for the next. Constant folding turns computed
// BatchNormalization parameters into initializers that batch_norm_folding can use. Dead node
// elimination last drops what the others left unread (folded nodes' inputs, replaced weights).
// The fusions run after constant folding, which turns computed constants (sqrt(2), eps) into the
// initializers they match. QLinear* ops become the QDQ form first, whose bias scales constant
// folding then computes and the integer fusions (qconv_fusion, qmatmul_fusion) read.
constexpr Pass kPasses[] = {
    {"qlinear_decomposition", "decomposed", &decompose_qlinear_ops},
    {"identity_elimination", "removed", &eliminate_identities},
    {"shape_folding", "folded", &fold_shapes},
    {"constant_folding", "folded", &fold_constants_default},
    {"batch_norm_folding", "folded", &fold_batch_norms},
    {"layer_norm_fusion", "fused", &fuse_layer_norms},
    {"gelu_fusion", "fused", &fuse_gelus},
    {"swish_fusion", "fused", &fuse_swishes},
    {"attention_fusion", "fused", &fuse_attention},
    {"qconv_fusion", "fused", &fuse_quantized_convs},
    {"qmatmul_fusion", "fused", &fuse_quantized_matmuls},
    {"dead_node_elimination", "removed", &eliminate_dead_nodes},
};

}  // namespace

std::string PassSummary::describe() const {
  std::string text;
  for (const auto& [label, count] : changes)
    text += fmt::format("{}{} {}", text.empty() ? "" : ", ", count, label);
  return text.empty() ? "no change" : verb + " " + text;
}

std::string PipelineReport::to_string() const {
  std::string text;
  for (const PassSummary& pass : passes)
    text += fmt::format("{}: {}\n", pass.pass, pass.describe());
  text += fmt::format("nodes {} -> {}, initializers {} -> {} ({} rounds)\n", nodes_before,
                      nodes_after, initializers_before, initializers_after, rounds);
  return text;
}

PipelineReport run_default_passes(ir::Graph& graph) {
  PipelineReport report;
  report.nodes_before = graph.nodes.size();
  report.initializers_before = graph.initializers.size();
  // Lowering adds Transposes, so it runs once, before the rounds (it leaves no Einsum it could
  // lower again); shape folding in the first round then sees MatMul, whose shapes it infers.
  report.passes.push_back({"einsum_to_matmul", "lowered", lower_einsums(graph)});
  const size_t first_round_pass = report.passes.size();
  for (const Pass& pass : kPasses) report.passes.push_back({pass.name, pass.verb, {}});
  // Every change removes a node, or removes initializers and no node, so each round that changes
  // something lowers (nodes, initializers) in lexicographic order: the rounds end.
  for (bool changed = true; changed;) {
    changed = false;
    ++report.rounds;
    for (size_t i = 0; i < std::size(kPasses); ++i)
      for (const auto& [label, count] : kPasses[i].run(graph)) {
        report.passes[first_round_pass + i].changes[label] += count;
        changed = changed || count > 0;
      }
  }
  // Reordering and trimming remove nothing, so they run once, after the rounds; they leave
  // nothing for them. Trimming reads the weights batch norm folding left.
  report.passes.push_back({"conv_tap_trimming", "trimmed", trim_conv_taps(graph)});
  report.passes.push_back(
      {"pool_before_pointwise_conv", "moved", pool_before_pointwise_conv(graph)});
  report.nodes_after = graph.nodes.size();
  report.initializers_after = graph.initializers.size();
  return report;
}

}  // namespace zenith::passes
