// Text forms of X.509 fields, shared by INFO ssl (the server certificate, the CRLs) and the
// peer identity of a connection, so that all of them print dates, serials and names alike.
//
// Thread: plain functions, safe on any thread. Internal to src/tls/.
#pragma once

#include <openssl/asn1.h>
#include <openssl/x509.h>

#include <cstdint>
#include <string>

namespace redoubt::tls {

// "Mar 20 23:27:07 2017 GMT", as the managed services print certificate dates; empty when t is
// null or cannot be printed.
std::string FormatAsn1Time(const ASN1_TIME* t);
// Seconds since the epoch; 0 when t is null or invalid.
int64_t Asn1TimeToUnix(const ASN1_TIME* t);
// Upper-case hex without separators ("1A2B"); empty when serial is null.
std::string SerialHex(const ASN1_INTEGER* serial);
// One-line RFC 2253 form ("CN=client,O=Example"); non-ASCII bytes are escaped as \XX.
std::string NameToText(const X509_NAME* name);

}  // namespace redoubt::tls
