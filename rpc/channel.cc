#include "rpc/channel.h"

#include <chrono>
#include <utility>

#include "common/file_util.h"
#include "common/text.h"

namespace vit::rpc {
namespace {

// Leaves `contents` alone when no `path` is given.
Status ReadNonEmpty(const std::string& flag, const std::string& path, std::string* contents) {
  if (path.empty()) return Status::Ok();
  StatusOr<std::string> file = ReadFileToString(path);
  if (!file.ok()) return InvalidArgumentError(flag + ": " + file.status().message());
  if (TrimWhitespace(*file).empty()) return InvalidArgumentError(flag + ": " + path + " is empty");
  *contents = std::move(file).value();
  return Status::Ok();
}

}  // namespace

Status LoadConnectionFiles(ConnectionOptions* o) {
  if (o->tls_cert.empty() != o->tls_key.empty())
    return InvalidArgumentError("--tls-cert and --tls-key go together");
  VIT_RETURN_IF_ERROR(ReadNonEmpty("--tls-ca", o->tls_ca, &o->tls_ca_pem));
  VIT_RETURN_IF_ERROR(ReadNonEmpty("--tls-cert", o->tls_cert, &o->tls_cert_pem));
  VIT_RETURN_IF_ERROR(ReadNonEmpty("--tls-key", o->tls_key, &o->tls_key_pem));
  if (!o->tls_ca.empty() || !o->tls_cert.empty()) o->tls = true;
  VIT_ASSIGN_OR_RETURN(o->token, LoadBearerToken(o->token_file, "--token-file"));
  return Status::Ok();
}

std::shared_ptr<grpc::Channel> Connect(const ConnectionOptions& options, int connection_id) {
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (options.tls) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = options.tls_ca_pem;
    ssl.pem_cert_chain = options.tls_cert_pem;
    ssl.pem_private_key = options.tls_key_pem;
    credentials = grpc::SslCredentials(ssl);
  }
  grpc::ChannelArguments arguments;
  arguments.SetMaxSendMessageSize(options.max_message_bytes);
  arguments.SetMaxReceiveMessageSize(options.max_message_bytes);
  arguments.SetInt("vit.connection_id", connection_id);
  return grpc::CreateCustomChannel(options.server, credentials, arguments);
}

void AddBearerToken(const ConnectionOptions& options, grpc::ClientContext* context) {
  // Plain metadata rather than call credentials, which gRPC sends over TLS
  // only: a token on a plaintext loopback connection is allowed.
  if (!options.token.empty()) context->AddMetadata("authorization", "Bearer " + options.token);
}

void PrepareContext(const ConnectionOptions& options, grpc::ClientContext* context) {
  if (options.timeout_ms > 0) {
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::milliseconds(options.timeout_ms));
  }
  AddBearerToken(options, context);
}

}  // namespace vit::rpc
