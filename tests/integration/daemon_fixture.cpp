#include "tests/integration/daemon_fixture.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "control/sdp/sdp.hpp"

namespace rtpx::test {

namespace {

int udp_socket(const std::string& ip, net::SockAddr* local) {
  auto addr = net::SockAddr::from_ip(ip, 0);
  if (!addr) throw std::runtime_error("not an IP address: " + ip);
  int fd = ::socket(addr->family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || ::bind(fd, &addr->u.sa, addr->len()) != 0) throw std::runtime_error("bind failed");
  socklen_t len = sizeof local->u;
  ::getsockname(fd, &local->u.sa, &len);
  return fd;
}

bool wait_readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) > 0;
}

}  // namespace

DaemonProcess::DaemonProcess(const DaemonArgs& args) {
  dir_ = std::filesystem::temp_directory_path() /
         ("rtpx-it-" + std::to_string(::getpid()) + "-" +
          std::to_string(reinterpret_cast<uintptr_t>(this) & 0xffff));
  std::filesystem::create_directories(dir_);
  socket_ = dir_ + "/control.sock";
  // Disjoint-ish ranges per test process; the allocator skips ports that are taken anyway.
  // Below the kernel's ephemeral range (32768+), where the test phones bind.
  port_min_ =
      args.port_min != 0 ? args.port_min : static_cast<uint16_t>(20000 + (::getpid() % 300) * 40);
  std::vector<std::string> argv = {RTPXD_PATH,    "--foreground",
                                   "--backend",   args.backend,
                                   "--interface", "127.0.0.1",
                                   "--ng-listen", "127.0.0.1:0",
                                   "--control",   socket_,
                                   "--port-min",  std::to_string(port_min_),
                                   "--port-max",  std::to_string(port_min_ + args.port_count - 1),
                                   "--threads",   std::to_string(args.threads),
                                   "--timeout",   std::to_string(args.timeout),
                                   "--log-level", "warn"};
  argv.insert(argv.end(), args.extra.begin(), args.extra.end());
  pid_ = ::fork();
  if (pid_ == 0) {
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    ::execv(cargv[0], cargv.data());
    ::_exit(127);
  }
  for (int i = 0; i < 200; ++i) {
    try {
      control_.connect(socket_);
      break;
    } catch (const client::ControlError&) {
      if (!alive()) throw std::runtime_error("rtpxd exited during start-up");
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
  }
  if (!control_.connected()) throw std::runtime_error("rtpxd did not open its control socket");
  ng_ = control_.request("engine.info")["ng_listen"].get<std::string>();
  net::SockAddr local;
  ng_fd_ = udp_socket("127.0.0.1", &local);
}

DaemonProcess::~DaemonProcess() {
  stop();
  if (ng_fd_ >= 0) ::close(ng_fd_);
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

bool DaemonProcess::alive() {
  if (pid_ <= 0) return false;
  if (::waitpid(pid_, &status_, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

int DaemonProcess::stop() {
  control_.close();
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 400 && alive(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status_, 0);
      pid_ = -1;
      return -1;
    }
  }
  if (WIFEXITED(status_)) return WEXITSTATUS(status_);
  return -1;
}

std::string DaemonProcess::ng_raw(const std::string& datagram, int timeout_ms) {
  auto to = *net::SockAddr::parse(ng_);
  ::sendto(ng_fd_, datagram.data(), datagram.size(), 0, &to.u.sa, to.len());
  if (!wait_readable(ng_fd_, timeout_ms)) return {};
  std::string buf(65536, '\0');
  ssize_t n = ::recv(ng_fd_, buf.data(), buf.size(), 0);
  buf.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return buf;
}

ng::Value DaemonProcess::ng(const ng::Value& request, const std::string& cookie_in) {
  const std::string cookie = cookie_in.empty() ? "it_" + std::to_string(++cookie_) : cookie_in;
  std::string reply = ng_raw(cookie + " " + ng::encode(request));
  auto msg = ng::split_cookie(reply);
  if (!msg || msg->cookie != cookie) throw std::runtime_error("ng: no or mismatched reply");
  auto decoded = ng::decode(msg->body);
  if (!decoded.value) throw std::runtime_error("ng: undecodable reply");
  return *decoded.value;
}

Phone::Phone(const std::string& ip) {
  fd_ = udp_socket(ip, &local_);
}
Phone::~Phone() {
  ::close(fd_);
}

void Phone::send_to(const net::SockAddr& to, const std::vector<uint8_t>& bytes) const {
  ::sendto(fd_, bytes.data(), bytes.size(), 0, &to.u.sa, to.len());
}

std::vector<uint8_t> Phone::recv(int timeout_ms, net::SockAddr* from) const {
  if (!wait_readable(fd_, timeout_ms)) return {};
  std::vector<uint8_t> buf(4096);
  net::SockAddr src;
  socklen_t len = sizeof src.u;
  ssize_t n = ::recvfrom(fd_, buf.data(), buf.size(), 0, &src.u.sa, &len);
  buf.resize(n > 0 ? static_cast<size_t>(n) : 0);
  if (from) *from = src;
  return buf;
}

std::vector<std::vector<uint8_t>> Phone::recv_all(int timeout_ms) const {
  std::vector<std::vector<uint8_t>> out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) break;
    auto p = recv(static_cast<int>(left));
    if (p.empty()) break;
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<uint8_t> rtp_packet(uint32_t ssrc, uint16_t seq, uint8_t pt) {
  std::vector<uint8_t> p(172);
  p[0] = 0x80;
  p[1] = pt;
  p[2] = static_cast<uint8_t>(seq >> 8);
  p[3] = static_cast<uint8_t>(seq);
  const uint32_t ts = uint32_t{seq} * 160;
  for (int i = 0; i < 4; ++i) p[4 + i] = static_cast<uint8_t>(ts >> (24 - 8 * i));
  for (int i = 0; i < 4; ++i) p[8 + i] = static_cast<uint8_t>(ssrc >> (24 - 8 * i));
  for (size_t i = 12; i < p.size(); ++i) p[i] = static_cast<uint8_t>(seq * 7 + i);
  return p;
}

std::vector<uint8_t> rtcp_rr(uint32_t ssrc) {
  return {0x80,
          201,
          0,
          1,
          static_cast<uint8_t>(ssrc >> 24),
          static_cast<uint8_t>(ssrc >> 16),
          static_cast<uint8_t>(ssrc >> 8),
          static_cast<uint8_t>(ssrc)};
}

std::string audio_sdp(uint16_t port, bool rtcp_mux, const std::string& origin_ip) {
  std::string s = "v=0\r\no=- 1545997027 1 IN IP4 " + origin_ip +
                  "\r\ns=tester\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio " + std::to_string(port) +
                  " RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
                  "a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n";
  if (rtcp_mux) s += "a=rtcp-mux\r\n";
  return s;
}

std::string audio_sdp_for(const Phone& phone) {
  const std::string ip = phone.local().ip_string();
  const std::string c = (phone.local().family() == AF_INET6 ? "IN IP6 " : "IN IP4 ") + ip;
  return "v=0\r\no=- 1545997027 1 " + c + "\r\ns=tester\r\nc=" + c + "\r\nt=0 0\r\nm=audio " +
         std::to_string(phone.port()) +
         " RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
         "a=sendrecv\r\n";
}

net::SockAddr media_address(const std::string& text, size_t i) {
  auto r = sdp::parse(text);
  if (!r.ok() || r.session->media.size() <= i) throw std::runtime_error("bad SDP from rtpxd");
  const auto& m = r.session->media[i];
  auto c = sdp::effective_connection(*r.session, m);
  if (c == nullptr) throw std::runtime_error("no c= in SDP from rtpxd");
  return *net::SockAddr::from_ip(c->address, m.port);
}

net::SockAddr rtcp_address(const std::string& text, size_t i) {
  auto r = sdp::parse(text);
  net::SockAddr a = media_address(text, i);
  auto rtcp = r.session->media[i].rtcp();
  a.set_port(rtcp ? rtcp->port : static_cast<uint16_t>(a.port() + 1));
  return a;
}

std::string ng_str(const ng::Value& v, const char* key) {
  const ng::Value* f = v.find(key);
  return f && f->is_string() ? f->as_string() : "<missing " + std::string(key) + ">";
}

}  // namespace rtpx::test
