#pragma once
// SRTP offer/answer with one party (RFC 4568 SDES, RFC 5763 DTLS-SRTP), the way rtpengine does
// it: an SRTP offer from rtpxd carries one a=crypto per suite plus a=setup:actpass and its
// a=fingerprint, and the answer picks; a party's offer with a=fingerprint is answered with
// DTLS-SRTP, else with SDES on the first a=crypto line whose suite rtpxd has.

#include <memory>
#include <string>
#include <vector>

#include "control/core/result.hpp"
#include "control/sdp/sdp.hpp"
#include "control/session/srtp_side.hpp"
#include "engine/dtls/dtls_certificate.hpp"

namespace rtpx::control {

bool is_srtp_protocol(std::string_view proto);

// The party offered media `m` of `s`: settle SRTP with it (it is the offerer, rtpxd answers).
Result<bool> srtp_take_offer(SrtpSide& side, const sdp::Session& s, const sdp::Media& m,
                             const SrtpOptions& opt);
// rtpxd offers SRTP to a party over `protocol` (keys kept from an earlier offer when possible).
void srtp_make_offer(SrtpSide& side, const std::string& protocol, const SrtpOptions& opt);
// The party answered rtpxd's offer with media `m` of `s`.
Result<bool> srtp_take_answer(SrtpSide& side, const sdp::Session& s, const sdp::Media& m);

// The a= lines (name, value) rtpxd writes for the party: its a=crypto offer or answer, a=setup and
// a=fingerprint, in rtpengine's order.
std::vector<sdp::Attribute> srtp_attributes(const SrtpSide& side, bool answer,
                                            const engine::dtls::Certificate& cert,
                                            const SrtpOptions& opt);

// An a=crypto line (suite, key || salt, MKI, lifetime) as the engine's master key. The line must
// have passed negotiation's checks (a suite rtpxd has, keys of its length).
engine::srtp::MasterKey sdes_master_key(const sdp::Crypto& c);

// What the endpoint facing the party needs: both contexts (SDES), or a DTLS association
// (`with_dtls`; false for an RTCP socket that RTCP-mux makes idle), or, until the key exchange is
// settled, nothing (SRTP from the party is dropped as not keyed).
Result<std::unique_ptr<engine::EndpointCrypto>> make_endpoint_crypto(
    const SrtpSide& side, bool with_dtls, std::shared_ptr<const engine::dtls::Certificate> cert);

}  // namespace rtpx::control
