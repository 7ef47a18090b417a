// SIP over TLS: the internal profile with tls / tls-sip-port / tls-cert-dir listens on sips:, and
// a phone (an OpenSSL client written here: sipp has no TLS in this build) registers with digest
// over it and has its INVITE challenged like on UDP.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

#include "tests/common/digest_client.hpp"
#include "tests/integration/sip/sip_fixture.hpp"

namespace rtpx::test::sip {
namespace {

// A TLS connection speaking SIP: one request out, one response back.
class TlsPhone {
 public:
  explicit TlsPhone(const Endpoint& server) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);  // the test's self-signed certificate
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(server.port);
    ::inet_pton(AF_INET, server.ip.c_str(), &a.sin_addr);
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return;
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    connected_ = SSL_connect(ssl_) == 1;
    sockaddr_in local{};
    socklen_t len = sizeof local;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&local), &len);
    local_port_ = ntohs(local.sin_port);
  }
  ~TlsPhone() {
    if (ssl_) {
      SSL_shutdown(ssl_);
      SSL_free(ssl_);
    }
    if (fd_ >= 0) ::close(fd_);
    SSL_CTX_free(ctx_);
  }
  bool connected() const { return connected_; }
  std::string protocol() const { return ssl_ ? SSL_get_version(ssl_) : ""; }
  uint16_t local_port() const { return local_port_; }

  // Sends `request`; the next complete response (headers, Content-Length body), 1xx skipped.
  std::string exchange(const std::string& request) {
    if (SSL_write(ssl_, request.data(), static_cast<int>(request.size())) <= 0) return {};
    for (;;) {
      std::string r = read_message();
      if (r.empty() || r.rfind("SIP/2.0 1", 0) != 0) return r;
    }
  }

 private:
  std::string read_message() {
    for (;;) {
      const size_t end = buf_.find("\r\n\r\n");
      if (end != std::string::npos) {
        size_t body = 0;
        const size_t cl = buf_.find("Content-Length:");
        if (cl != std::string::npos && cl < end) body = std::stoul(buf_.substr(cl + 15));
        if (buf_.size() >= end + 4 + body) {
          std::string msg = buf_.substr(0, end + 4 + body);
          buf_.erase(0, end + 4 + body);
          return msg;
        }
      }
      char chunk[4096];
      const int n = SSL_read(ssl_, chunk, sizeof chunk);
      if (n <= 0) return {};
      buf_.append(chunk, static_cast<size_t>(n));
    }
  }

  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
  bool connected_ = false;
  uint16_t local_port_ = 0;
  std::string buf_;
};

class SipTls : public SipCallTest {
 protected:
  void SetUp() override {
    internal_tls_ = true;
    SipCallTest::SetUp();
  }

  std::string request(const std::string& method, int cseq, const std::string& uri,
                      const std::string& extra, const std::string& body = {}) const {
    const std::string via_host = std::string(kPhoneIp) + ":" + std::to_string(5061);
    return method + " " + uri + " SIP/2.0\r\n" + "Via: SIP/2.0/TLS " + via_host +
           ";branch=z9hG4bK-tls-" + method + std::to_string(cseq) + ";rport\r\n" +
           "Max-Forwards: 70\r\n" + "From: <sip:1000@" + conf_.domain + ">;tag=tls-phone\r\n" +
           "To: <sip:" +
           (method == "REGISTER" ? "1000@" + conf_.domain : "16465550123@" + conf_.domain) +
           ">\r\n" + "Call-ID: tls-" + method + "@rtpx.test\r\n" + "CSeq: " + std::to_string(cseq) +
           " " + method + "\r\n" + "Contact: <sip:1000@" + kPhoneIp + ":5061;transport=tls>\r\n" +
           extra + (body.empty() ? "" : "Content-Type: application/sdp\r\n") +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }

  std::string authorization(const std::string& challenge, const std::string& method,
                            const std::string& uri, const std::string& password,
                            const char* header = "Authorization") const {
    const std::string realm = quoted_param(challenge, "realm");
    const std::string nonce = quoted_param(challenge, "nonce");
    const std::string cnonce = "c0ffee", nc = "00000001";
    const std::string resp =
        digest_response("1000", realm, password, method, uri, nonce, nc, cnonce);
    return std::string(header) + ": Digest username=\"1000\", realm=\"" + realm + "\", nonce=\"" +
           nonce + "\", uri=\"" + uri + "\", response=\"" + resp + "\", algorithm=MD5, cnonce=\"" +
           cnonce + "\", qop=auth, nc=" + nc + "\r\n";
  }
};

TEST_F(SipTls, PhoneRegistersWithDigestAndIsChallengedOverTls) {
  start_rtpx();
  TlsPhone phone(ports_.internal_tls);
  ASSERT_TRUE(phone.connected()) << "no TLS handshake with " << ports_.internal_tls.str();
  EXPECT_FALSE(phone.protocol().empty());

  const std::string uri = "sip:" + conf_.domain;
  const std::string first = phone.exchange(request("REGISTER", 1, uri, "Expires: 300\r\n"));
  ASSERT_EQ(first.rfind("SIP/2.0 401", 0), 0u) << first;
  ASSERT_NE(first.find("WWW-Authenticate: Digest"), std::string::npos) << first;
  EXPECT_NE(first.find("Via: SIP/2.0/TLS"), std::string::npos) << first;

  // A wrong password is refused, the right one registers.
  const std::string wrong = phone.exchange(
      request("REGISTER", 2, uri,
              "Expires: 300\r\n" + authorization(first, "REGISTER", uri, "not-the-password")));
  EXPECT_EQ(wrong.rfind("SIP/2.0 403", 0), 0u) << wrong;
  const std::string ok = phone.exchange(request(
      "REGISTER", 3, uri,
      "Expires: 300\r\n" + authorization(first, "REGISTER", uri, conf_.extension_password)));
  ASSERT_EQ(ok.rfind("SIP/2.0 200", 0), 0u) << ok;

  const json regs = cli({"registrations"});
  bool listed = false;
  for (const json& r : regs.value("registrations", json::array()))
    listed = listed || (r.value("user", "") == "1000" &&
                        r.value("contact", "").find("transport=tls") != std::string::npos);
  EXPECT_TRUE(listed) << regs.dump(2);

  // Calls over TLS are authenticated like the others: the INVITE gets a 407 challenge.
  const std::string to = "sip:16465550123@" + conf_.domain;
  const std::string sdp =
      "v=0\r\no=- 1 1 IN IP4 127.0.0.10\r\ns=-\r\nc=IN IP4 127.0.0.10\r\n"
      "t=0 0\r\nm=audio 7000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
  const std::string challenged = phone.exchange(request("INVITE", 1, to, "", sdp));
  EXPECT_EQ(challenged.rfind("SIP/2.0 407", 0), 0u) << challenged;
  EXPECT_NE(challenged.find("Proxy-Authenticate: Digest"), std::string::npos) << challenged;
}

}  // namespace
}  // namespace rtpx::test::sip
