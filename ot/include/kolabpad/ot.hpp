#pragma once
// The whole OT library: operations, their algebra, the JSON form, authorship and the UTF-8 helpers.

#include "kolabpad/ot/attribution.hpp"
#include "kolabpad/ot/json.hpp"
#include "kolabpad/ot/operation.hpp"
#include "kolabpad/ot/result.hpp"
#include "kolabpad/ot/utf8.hpp"
