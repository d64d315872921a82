// Printable A4 pages the server renders as HTML (the QR posters of collection points): the
// document around them and the print rules they share — A4 paper with no page margin (each
// sheet sets its own padding), the CJK font stack, grey around the sheets on screen — and the
// HTML escaping of the texts put into them.
#pragma once
#include <string>

#include "http/http.hpp"

namespace manyi::reports {

// Text for HTML element content and attribute values (& < > " ').
std::string html_escape(const std::string& s);

// A complete zh-CN document: <title> (escaped here), the shared A4 rules followed by `css`,
// then `body` (HTML, already escaped by the page). The page's css styles its own sheets
// (width 210mm, height 297mm, break-after: page) and its print-only rules.
std::string a4_page(const std::string& title, const std::string& css, const std::string& body);

// The page as an answer to the browser, which prints it.
http::Response print_response(std::string html);

}  // namespace manyi::reports
