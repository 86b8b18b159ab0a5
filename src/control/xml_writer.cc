// XML replies; see xml_writer.h.
#include "control/xml_writer.h"

namespace redoubt::control {

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

XmlWriter::XmlWriter(std::string_view root, std::string_view xmlns) {
  out_ = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<";
  out_ += root;
  if (!xmlns.empty()) {
    out_ += " xmlns=\"" + XmlEscape(xmlns) + "\"";
  }
  out_ += ">";
  open_.emplace_back(root);
}

void XmlWriter::Open(std::string_view name) {
  out_ += "<";
  out_ += name;
  out_ += ">";
  open_.emplace_back(name);
}

void XmlWriter::Close() {
  out_ += "</" + open_.back() + ">";
  open_.pop_back();
}

void XmlWriter::Leaf(std::string_view name, std::string_view text) {
  out_ += "<";
  out_ += name;
  out_ += ">";
  out_ += XmlEscape(text);
  out_ += "</";
  out_ += name;
  out_ += ">";
}

std::string XmlWriter::Finish() {
  while (!open_.empty()) {
    Close();
  }
  out_ += "\n";
  return std::move(out_);
}

}  // namespace redoubt::control
