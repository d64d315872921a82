// QR codes for collection points (libqrencode), rendered as SVG (posters, print) and as PNG
// through a minimal PNG encoder (1-bit greyscale, zlib) for download and chat apps.
#pragma once
#include <string>
#include <vector>

namespace manyi::feedback {

struct QrMatrix {
  int size = 0;                // modules per side, without the quiet zone
  std::vector<bool> dark;      // size * size, row-major
  bool at(int x, int y) const { return dark[static_cast<size_t>(y) * size + x]; }
};

// Encodes text (a URL) with error correction level M. Throws on failure (text too long).
QrMatrix qr_encode(const std::string& text);
// SVG with a 4-module quiet zone; px = rendered width and height ("100%" when 0).
std::string qr_svg(const QrMatrix& m, int px = 0);
// PNG, scale pixels per module, 4-module quiet zone.
std::string qr_png(const QrMatrix& m, int scale = 8);
// A PNG of 1-bit greyscale rows (true = black); exposed for tests.
std::string png_1bit(int width, int height, const std::vector<bool>& black);

}  // namespace manyi::feedback
