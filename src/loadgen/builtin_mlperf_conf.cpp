// The mlperf.conf values of official LoadGen 6.0.17 that LOADGEN.md §9 lists.
#include "loadgen/config_file.h"

namespace zenith::loadgen {

std::string_view builtin_mlperf_conf() {
  return R"(# mlperf.conf as built into zenith::loadgen (values of MLPerf LoadGen 6.0.17)
*.*.qsl_rng_seed = 2085463073848966840
*.*.sample_index_rng_seed = 2747215439041700203
*.*.schedule_rng_seed = 16159082839903944936
*.SingleStream.target_latency_percentile = 90
*.SingleStream.min_duration = 600000
*.SingleStream.target_latency = 10
*.MultiStream.target_latency_percentile = 99
*.MultiStream.samples_per_query = 8
*.MultiStream.min_duration = 600000
*.MultiStream.min_query_count = 662
*.MultiStream.target_latency = 80
*.Server.target_latency_percentile = 99
*.Server.min_duration = 600000
*.Server.target_latency = 10
*.Server.target_qps = 1.0
*.Offline.min_duration = 600000
*.Offline.target_qps = 1.0
pointpainting.SingleStream.target_latency_percentile = 99.9
resnet50.Server.target_latency = 15
retinanet.Server.target_latency = 100
bert.Server.target_latency = 130
dlrm.Server.target_latency = 60
dlrm-v2.Server.target_latency = 60
rnnt.Server.target_latency = 1000
gptj.Server.target_latency = 20000
stable-diffusion-xl.Server.target_latency = 20000
resnet50.Offline.min_query_count = 24576
retinanet.Offline.min_query_count = 24576
dlrm-v2.Offline.min_query_count = 24576
llama2-70b.Offline.min_query_count = 24576
bert.Offline.min_query_count = 10833
resnet50.*.performance_sample_count_override = 1024
retinanet.*.performance_sample_count_override = 64
bert.*.performance_sample_count_override = 10833
3d-unet.*.performance_sample_count_override = 0
)";
}

}  // namespace zenith::loadgen
