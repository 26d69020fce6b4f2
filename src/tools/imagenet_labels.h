// ImageNet's 1000 class names in class order, one per line: share/labels/imagenet1000.txt, built
// into the CLI (imagenet_labels.cpp.in) so that it needs no file at run time.
#pragma once

namespace zenith::tools {

extern const char* const kImageNetLabels;

}  // namespace zenith::tools
