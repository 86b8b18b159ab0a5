// redoubt-control: the control plane's daemon. `redoubt-control [--data-dir DIR] [--listen
// HOST:PORT]` serves the ElastiCache API (SigV4-signed, with the keys of DIR/credentials, which
// the first start writes) and writes DIR/aws-data for AWS_DATA_PATH; `redoubt-control aws-env`
// prints the export lines that make awscli and boto3 use it.
#include <pthread.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>

#include "common/errno_text.h"
#include "common/file_io.h"
#include "common/log.h"
#include "common/numbers.h"
#include "control/aws_data_path.h"
#include "control/control_server.h"
#include "control/credentials_file.h"

namespace {

// HOST:PORT into its parts; false when malformed.
bool SplitListen(const std::string& listen, std::string* host, int* port) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return false;
  }
  const std::optional<int64_t> parsed = redoubt::common::ParseInt64(listen.substr(colon + 1));
  if (!parsed || *parsed <= 0 || *parsed > 65535) {
    return false;
  }
  *port = static_cast<int>(*parsed);
  *host = listen.substr(0, colon);
  return true;
}

std::string Absolute(const std::string& path) {
  return std::filesystem::absolute(path).lexically_normal().string();
}

// The address clients are sent to: the listen address, which aws-env reads back.
std::string EndpointFile(const std::string& data_dir) {
  return data_dir + "/endpoint";
}

int PrintAwsEnv(const std::string& data_dir, const std::string& region) {
  std::string endpoint;
  if (!redoubt::common::ReadSmallFile(EndpointFile(data_dir), 4096, &endpoint).ok() ||
      endpoint.empty()) {
    std::cerr << "no endpoint recorded in " << EndpointFile(data_dir)
              << ": start redoubt-control with this --data-dir first\n";
    return 1;
  }
  std::cout << "export AWS_SHARED_CREDENTIALS_FILE='" << data_dir << "/credentials'\n"
            << "export AWS_DEFAULT_REGION='" << region << "'\n"
            << "export AWS_ENDPOINT_URL='" << endpoint << "'\n"
            << "export AWS_DATA_PATH='" << data_dir << "/aws-data'\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Redoubt's control plane: the ElastiCache API over real redoubt-server nodes"};
  std::string data_dir = "./control-data";
  std::string listen = "127.0.0.1:4566";
  std::string region = "us-east-1";
  app.add_option("--data-dir", data_dir, "State, credentials and the AWS_DATA_PATH folder");
  app.add_option("--listen", listen, "HOST:PORT of the API endpoint");
  app.add_option("--region", region, "The region of ARNs, and aws-env's AWS_DEFAULT_REGION");
  CLI::App* aws_env = app.add_subcommand(
      "aws-env", "Print the export lines that point awscli and boto3 at this control plane");
  aws_env->fallthrough();  // the options above may also follow "aws-env"
  CLI11_PARSE(app, argc, argv);

  data_dir = Absolute(data_dir);
  if (aws_env->parsed()) {
    return PrintAwsEnv(data_dir, region);
  }
  redoubt::control::ControlOptions options;
  options.region = region;
  if (!SplitListen(listen, &options.host, &options.port)) {
    std::cerr << "--listen: expected HOST:PORT, got '" << listen << "'\n";
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) {
    std::cerr << "cannot create " << data_dir << ": " << ec.message() << "\n";
    return 1;
  }
  absl::StatusOr<redoubt::control::CredentialsFile> credentials =
      redoubt::control::CredentialsFile::LoadOrCreate(data_dir + "/credentials");
  if (!credentials.ok()) {
    std::cerr << credentials.status().message() << "\n";
    return 1;
  }
  const std::string endpoint = "http://" + listen;
  if (absl::Status s = redoubt::control::WriteAwsDataPath(data_dir + "/aws-data", endpoint);
      !s.ok()) {
    std::cerr << s.message() << "\n";
    return 1;
  }
  if (const int err = redoubt::common::ReplaceFile(EndpointFile(data_dir), endpoint, 0644);
      err != 0) {
    std::cerr << "cannot write " << EndpointFile(data_dir) << ": "
              << redoubt::common::ErrnoText(err) << "\n";
    return 1;
  }

  // SIGINT and SIGTERM stop the server from a thread of their own: stopping it is no work for a
  // signal handler. Blocked here, so that every thread started later inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  redoubt::control::ControlServer server(options, *std::move(credentials));
  std::thread stopper([&] {
    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    server.Stop();
  });
  stopper.detach();
  redoubt::common::Log(
      redoubt::common::LogLevel::kNotice,
      "redoubt-control serving the ElastiCache API on " + endpoint + " (data in " + data_dir + ")");
  if (!server.Listen()) {
    std::cerr << "cannot listen on " << listen << "\n";
    return 1;
  }
  return 0;
}
