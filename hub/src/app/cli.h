// SPDX-License-Identifier: Apache-2.0
//
// The coophub command line (DESIGN.md): serve, spec, check, discover, read, sync,
// plugins. Exit status: 0 done, 1 the connector reported an error, 2 usage or config
// error, 3 the connector crashed, was killed or broke the protocol.
#pragma once

namespace coophub {

int CliMain(int argc, char** argv);

}  // namespace coophub
