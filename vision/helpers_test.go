package vision

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"runtime"
	"testing"

	"golang.org/x/image/bmp"
)

// pattern is the 8×6 image of testdata/README.md: R = 30x, G = 40y,
// B = 200 − 10(x+y), opaque.
func pattern() *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, 8, 6))
	for y := 0; y < 6; y++ {
		for x := 0; x < 8; x++ {
			m.SetNRGBA(x, y, patternAt(x, y))
		}
	}
	return m
}

func patternAt(x, y int) color.NRGBA {
	return color.NRGBA{uint8(30 * x), uint8(40 * y), uint8(200 - 10*(x+y)), 255}
}

// encoded returns img in the named format, made by the standard encoders.
func encoded(t testing.TB, format string, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&buf, img)
	case "jpeg":
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95})
	case "gif":
		err = gif.Encode(&buf, img, nil)
	case "bmp":
		err = bmp.Encode(&buf, img)
	default:
		t.Fatalf("no encoder for %s", format)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func le16(v int) []byte { return binary.LittleEndian.AppendUint16(nil, uint16(v)) }
func le32(v int) []byte { return binary.LittleEndian.AppendUint32(nil, uint32(v)) }
func be16(v int) []byte { return binary.BigEndian.AppendUint16(nil, uint16(v)) }
func be32(v int) []byte { return binary.BigEndian.AppendUint32(nil, uint32(v)) }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// pngHeader is a PNG signature and an IHDR chunk for a w×h 8-bit RGB image:
// 33 bytes, and nothing else.
func pngHeader(w, h int) []byte {
	body := cat([]byte("IHDR"), be32(w), be32(h), []byte{8, 2, 0, 0, 0})
	return cat([]byte("\x89PNG\r\n\x1a\n"), be32(13), body, be32(int(crc32.ChecksumIEEE(body))))
}

// jpegHeader is SOI, a JFIF APP0 segment and a baseline SOF0 for a w×h
// three-component image (w, h < 65536).
func jpegHeader(w, h int) []byte {
	app0 := cat([]byte{0xff, 0xe0}, be16(16), []byte("JFIF\x00\x01\x01\x00"), be16(1), be16(1), []byte{0, 0})
	sof := cat([]byte{0xff, 0xc0}, be16(17), []byte{8}, be16(h), be16(w),
		[]byte{3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1})
	return cat([]byte{0xff, 0xd8}, app0, sof)
}

// bmpHeader is a BITMAPFILEHEADER and BITMAPINFOHEADER for a w×h 24-bit
// image, with no pixel data.
func bmpHeader(w, h int) []byte {
	return cat([]byte("BM"), le32(54), le32(0), le32(54),
		le32(40), le32(w), le32(h), le16(1), le16(24), le32(0), le32(0), le32(2835), le32(2835), le32(0), le32(0))
}

// gifHeader is a GIF89a header and logical screen descriptor for w×h.
func gifHeader(w, h int) []byte {
	return cat([]byte("GIF89a"), le16(w), le16(h), []byte{0, 0, 0})
}

// webpVP8LHeader is a RIFF WebP holding only a lossless (VP8L) header for
// w×h, both at most 16384.
func webpVP8LHeader(w, h int) []byte {
	bits := (w - 1) | (h-1)<<14
	chunk := cat([]byte("VP8L"), le32(5), []byte{0x2f}, le32(bits), []byte{0})
	return cat([]byte("RIFF"), le32(4+len(chunk)), []byte("WEBP"), chunk)
}

// webpVP8XHeader is a RIFF WebP holding only an extended (VP8X) header for
// a w×h canvas.
func webpVP8XHeader(w, h int) []byte {
	le24 := func(v int) []byte { return []byte{byte(v), byte(v >> 8), byte(v >> 16)} }
	chunk := cat([]byte("VP8X"), le32(10), []byte{0, 0, 0, 0}, le24(w-1), le24(h-1))
	return cat([]byte("RIFF"), le32(4+len(chunk)), []byte("WEBP"), chunk)
}

// allocated returns the bytes allocated on the heap while f runs.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// pixelsOf builds a Pixels from explicit values.
func pixelsOf(h, w, c int, vals ...float32) *Pixels {
	if len(vals) != h*w*c {
		panic("pixelsOf: wrong number of values")
	}
	return &Pixels{H: h, W: w, C: c, Pix: vals}
}

// near reports whether a and b differ by at most tol.
func near(a, b, tol float32) bool {
	d := a - b
	return d <= tol && d >= -tol
}

// progressiveJPEG is the start of a w×h three-component progressive JPEG
// (w, h < 65536): SOI, a quantization table, SOF2, one Huffman table and
// the header of a first DC scan, then nothing. image/jpeg allocates the
// coefficients of every component at that scan.
func progressiveJPEG(w, h int) []byte {
	dqt := cat([]byte{0xff, 0xdb}, be16(67), []byte{0}, bytes.Repeat([]byte{1}, 64))
	sof := cat([]byte{0xff, 0xc2}, be16(17), []byte{8}, be16(h), be16(w),
		[]byte{3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0})
	dht := cat([]byte{0xff, 0xc4}, be16(20), []byte{0x00, 1}, make([]byte, 15), []byte{0})
	sos := cat([]byte{0xff, 0xda}, be16(12), []byte{3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 0, 0})
	return cat([]byte{0xff, 0xd8}, dqt, sof, dht, sos)
}
