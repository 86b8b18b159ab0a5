// Signal setup shared by the tools. SIGINT and SIGTERM ask the measuring loop to stop at the
// next operation, so that an interrupted run still prints its summary and writes its report.
// SIGPIPE is ignored: OpenSSL writes with write(2), not send(MSG_NOSIGNAL), and a server that
// closed the connection must show up as a failed operation, not kill the tool.
//
// Thread: call InstallSignalHandlers() once from main() before any other thread starts.
#pragma once

namespace redoubt::tools {

void InstallSignalHandlers();
// Whether SIGINT or SIGTERM has arrived.
bool StopRequested();

}  // namespace redoubt::tools
