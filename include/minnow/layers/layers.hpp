#pragma once
/// Every built-in layer.

#include "minnow/layers/batch_normalization.hpp"
#include "minnow/layers/conv2d.hpp"
#include "minnow/layers/core_layers.hpp"
#include "minnow/layers/dense.hpp"
#include "minnow/layers/group_normalization.hpp"
#include "minnow/layers/layer.hpp"
#include "minnow/layers/pooling.hpp"
#include "minnow/layers/registry.hpp"
#include "minnow/layers/reshaping.hpp"
