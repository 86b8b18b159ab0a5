// A small writer of the XML the AWS Query protocol answers with: nested elements with text,
// one namespace attribute on the root, and the five escapes. Hand-written rather than a DOM
// library because nothing here parses XML (requests are form-encoded) and the replies are only
// elements: what a library would add is a tree to build and throw away per reply.
//
// Thread: a value; one writer per reply.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace redoubt::control {

class XmlWriter {
 public:
  // Starts the document with its declaration and root element (xmlns when not empty).
  XmlWriter(std::string_view root, std::string_view xmlns);

  void Open(std::string_view name);
  void Close();
  // <name>text</name>, the text escaped.
  void Leaf(std::string_view name, std::string_view text);
  void Leaf(std::string_view name, bool value) { Leaf(name, value ? "true" : "false"); }
  void Leaf(std::string_view name, const char* text) { Leaf(name, std::string_view(text)); }
  void Leaf(std::string_view name, long long value) { Leaf(name, std::to_string(value)); }

  // Closes every open element, the root last, and returns the document.
  std::string Finish();

 private:
  std::string out_;
  std::vector<std::string> open_;
};

// The five XML escapes (&, <, >, ", ').
std::string XmlEscape(std::string_view text);

}  // namespace redoubt::control
