// Zenith's C++ API: include this.
#pragma once

#include "zenith/compiled_model.h"
#include "zenith/config.h"
#include "zenith/core.h"
#include "zenith/error.h"
#include "zenith/infer_request.h"
#include "zenith/model.h"
#include "zenith/model_builder.h"
#include "zenith/tensor.h"
