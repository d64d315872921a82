#include "feedback/qr.hpp"

#include <fmt/format.h>
#include <qrencode.h>
#include <zlib.h>

#include <memory>
#include <stdexcept>

namespace manyi::feedback {

QrMatrix qr_encode(const std::string& text) {
  std::unique_ptr<QRcode, void (*)(QRcode*)> q(QRcode_encodeString8bit(text.c_str(), 0, QR_ECLEVEL_M), QRcode_free);
  if (!q) throw std::runtime_error("QR encoding failed for a text of " + std::to_string(text.size()) + " bytes");
  QrMatrix m;
  m.size = q->width;
  m.dark.resize(static_cast<size_t>(m.size) * m.size);
  for (size_t i = 0; i < m.dark.size(); ++i) m.dark[i] = q->data[i] & 1;
  return m;
}

std::string qr_svg(const QrMatrix& m, int px) {
  int total = m.size + 8;
  std::string size = px > 0 ? std::to_string(px) : std::string("100%");
  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{0}\" viewBox=\"0 0 {1} {1}\" "
      "shape-rendering=\"crispEdges\"><rect width=\"{1}\" height=\"{1}\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
      size, total);
  for (int y = 0; y < m.size; ++y) {
    int x = 0;
    while (x < m.size) {
      if (!m.at(x, y)) {
        ++x;
        continue;
      }
      int run = 0;
      while (x + run < m.size && m.at(x + run, y)) ++run;
      out += fmt::format("M{} {}h{}v1h-{}z", x + 4, y + 4, run, run);
      x += run;
    }
  }
  out += "\"/></svg>";
  return out;
}

namespace {
void put32(std::string& s, uint32_t v) {
  s += static_cast<char>(v >> 24);
  s += static_cast<char>(v >> 16);
  s += static_cast<char>(v >> 8);
  s += static_cast<char>(v);
}
void chunk(std::string& out, const char* type, const std::string& data) {
  put32(out, static_cast<uint32_t>(data.size()));
  std::string td = std::string(type, 4) + data;
  out += td;
  put32(out, static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(td.data()), static_cast<uInt>(td.size()))));
}
}  // namespace

std::string png_1bit(int w, int h, const std::vector<bool>& black) {
  size_t stride = (static_cast<size_t>(w) + 7) / 8;
  std::string raw;
  raw.reserve((stride + 1) * h);
  for (int y = 0; y < h; ++y) {
    raw += '\0';  // filter: none
    for (size_t bx = 0; bx < stride; ++bx) {
      unsigned char byte = 0;
      for (int b = 0; b < 8; ++b) {
        size_t x = bx * 8 + b;
        bool white = x >= static_cast<size_t>(w) || !black[static_cast<size_t>(y) * w + x];
        if (white) byte |= static_cast<unsigned char>(0x80 >> b);  // greyscale: 1 = white
      }
      raw += static_cast<char>(byte);
    }
  }
  uLongf zlen = compressBound(static_cast<uLong>(raw.size()));
  std::string z(zlen, '\0');
  if (compress2(reinterpret_cast<Bytef*>(z.data()), &zlen, reinterpret_cast<const Bytef*>(raw.data()),
                static_cast<uLong>(raw.size()), 9) != Z_OK)
    throw std::runtime_error("PNG compression failed");
  z.resize(zlen);
  std::string out("\x89PNG\r\n\x1a\n", 8);
  std::string ihdr;
  put32(ihdr, static_cast<uint32_t>(w));
  put32(ihdr, static_cast<uint32_t>(h));
  ihdr += std::string("\x01\x00\x00\x00\x00", 5);  // bit depth 1, greyscale, deflate, no filter, no interlace
  chunk(out, "IHDR", ihdr);
  chunk(out, "IDAT", z);
  chunk(out, "IEND", "");
  return out;
}

std::string qr_png(const QrMatrix& m, int scale) {
  int total = (m.size + 8) * scale;
  std::vector<bool> px(static_cast<size_t>(total) * total, false);
  for (int y = 0; y < m.size; ++y)
    for (int x = 0; x < m.size; ++x)
      if (m.at(x, y))
        for (int dy = 0; dy < scale; ++dy)
          for (int dx = 0; dx < scale; ++dx)
            px[static_cast<size_t>((y + 4) * scale + dy) * total + (x + 4) * scale + dx] = true;
  return png_1bit(total, total, px);
}

}  // namespace manyi::feedback
