package vision

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/shared"
)

// TestDecodeSharedImages decodes every photo in ../shared/images and checks
// the format and the size that file(1) reports for it.
func TestDecodeSharedImages(t *testing.T) {
	want := map[string]struct {
		format string
		w, h   int
	}{
		"coral_face.jpg":           {"jpeg", 512, 355},
		"coral_hot_dog.jpg":        {"jpeg", 512, 384},
		"coral_parrot.jpg":         {"jpeg", 512, 929},
		"coral_pets.jpg":           {"jpeg", 512, 430},
		"coral_sunflower.bmp":      {"bmp", 512, 340},
		"tflm_no_person_96x96.bmp": {"bmp", 96, 96},
		"tflm_person_96x96.bmp":    {"bmp", 96, 96},
		"tfls_burger.jpg":          {"jpeg", 480, 325},
		"tfls_cat.jpg":             {"jpeg", 600, 400},
		"tfls_cats_and_dogs.jpg":   {"jpeg", 1200, 600},
		"tfls_dogs.jpg":            {"jpeg", 640, 427},
		"tfls_grace_hopper.jpg":    {"jpeg", 517, 606},
		"tfls_multi_objects.jpg":   {"jpeg", 902, 358},
		"tfls_sparrow.png":         {"png", 1280, 851},
	}
	sharedImages := shared.Path(t, "images")
	entries, err := os.ReadDir(sharedImages)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range entries {
		t.Run(e.Name(), func(t *testing.T) {
			img, format, err := DecodeFile(filepath.Join(sharedImages, e.Name()), 0)
			if err != nil {
				t.Fatal(err)
			}
			seen[format] = true
			w, ok := want[e.Name()]
			if !ok {
				if b := img.Bounds(); b.Dx() <= 0 || b.Dy() <= 0 {
					t.Fatalf("size %v", b)
				}
				return
			}
			if format != w.format || img.Bounds() != image.Rect(0, 0, w.w, w.h) {
				t.Fatalf("got %s %v, want %s %dx%d", format, img.Bounds(), w.format, w.w, w.h)
			}
		})
	}
	for _, f := range []string{"bmp", "jpeg", "png"} {
		if !seen[f] {
			t.Errorf("no %s among the shared images", f)
		}
	}
}

// TestDecodeFormats decodes the 8×6 pattern in every format and checks its
// pixels: exactly for the lossless formats, within JPEG's error otherwise.
func TestDecodeFormats(t *testing.T) {
	pat := pattern()
	// The GIF encoder quantizes to the Plan 9 palette; a paletted image
	// whose palette holds the pattern's colours comes through exactly.
	pal := image.NewPaletted(pat.Rect, nil)
	for y := 0; y < 6; y++ {
		for x := 0; x < 8; x++ {
			pal.Palette = append(pal.Palette, patternAt(x, y))
			pal.SetColorIndex(x, y, uint8(len(pal.Palette)-1))
		}
	}
	tests := []struct {
		name, format string
		data         []byte
		tol          int
	}{
		{"png", "png", encoded(t, "png", pat), 0},
		{"bmp", "bmp", encoded(t, "bmp", pat), 0},
		{"gif", "gif", encoded(t, "gif", pal), 0},
		// 4:2:0 chroma on an 8×6 image of steep colour ramps: errors near 30.
		{"jpeg", "jpeg", encoded(t, "jpeg", pat), 40},
		{"webp lossless", "webp", readTestdata(t, "lossless.webp"), 0},
		{"webp lossy", "webp", readTestdata(t, "lossy.webp"), 40},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, format, err := Decode(bytes.NewReader(tc.data), 48)
			if err != nil {
				t.Fatal(err)
			}
			if format != tc.format || img.Bounds() != pat.Rect {
				t.Fatalf("got %s %v, want %s %v", format, img.Bounds(), tc.format, pat.Rect)
			}
			p, err := ToPixels(img, 3)
			if err != nil {
				t.Fatal(err)
			}
			worst := 0
			for y := 0; y < 6; y++ {
				for x := 0; x < 8; x++ {
					c := patternAt(x, y)
					for k, v := range []uint8{c.R, c.G, c.B} {
						d := int(p.Pix[(y*8+x)*3+k]) - int(v)
						worst = max(worst, d, -d)
					}
				}
			}
			if worst > tc.tol {
				t.Fatalf("largest pixel error %d, want at most %d", worst, tc.tol)
			}
		})
	}
}

// TestDecodeGIFFirstFrame checks that an animated GIF gives its first frame.
func TestDecodeGIFFirstFrame(t *testing.T) {
	pal := color.Palette{color.Black, color.White}
	first := image.NewPaletted(image.Rect(0, 0, 4, 4), pal)
	second := image.NewPaletted(image.Rect(0, 0, 4, 4), pal)
	for i := range second.Pix {
		second.Pix[i] = 1
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, &gif.GIF{Image: []*image.Paletted{first, second}, Delay: []int{10, 10}}); err != nil {
		t.Fatal(err)
	}
	img, _, err := Decode(&buf, 0)
	if err != nil {
		t.Fatal(err)
	}
	if r, _, _, _ := img.At(2, 2).RGBA(); r != 0 {
		t.Fatalf("pixel (2,2) has red %d, want the first frame's black", r)
	}
}

// TestDecodeGIFSmallFrame checks a first frame smaller than the GIF's
// screen comes back with its own bounds.
func TestDecodeGIFSmallFrame(t *testing.T) {
	frame := image.NewPaletted(image.Rect(1, 1, 3, 3), color.Palette{color.Black, color.White})
	frame.Pix[0] = 1
	var buf bytes.Buffer
	g := &gif.GIF{
		Image:  []*image.Paletted{frame},
		Delay:  []int{0},
		Config: image.Config{ColorModel: frame.Palette, Width: 4, Height: 4},
	}
	if err := gif.EncodeAll(&buf, g); err != nil {
		t.Fatal(err)
	}
	img, _, err := Decode(&buf, 0)
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds() != image.Rect(1, 1, 3, 3) {
		t.Fatalf("bounds %v, want (1,1)-(3,3)", img.Bounds())
	}
	p, err := ToPixels(img, 1)
	if err != nil {
		t.Fatal(err)
	}
	if p.H != 2 || p.W != 2 || p.Pix[0] != 255 || p.Pix[1] != 0 {
		t.Fatalf("got %d×%d %v", p.H, p.W, p.Pix)
	}
}

// TestDecodeWebPAlpha checks a lossy WebP with an alpha channel (VP8X,
// ALPH, VP8 chunks) decodes with its colour channels kept.
func TestDecodeWebPAlpha(t *testing.T) {
	img, format, err := Decode(bytes.NewReader(readTestdata(t, "lossy_alpha.webp")), 0)
	if err != nil {
		t.Fatal(err)
	}
	if format != "webp" || img.Bounds() != image.Rect(0, 0, 8, 6) {
		t.Fatalf("got %s %v", format, img.Bounds())
	}
	p, err := ToPixels(img, 3)
	if err != nil {
		t.Fatal(err)
	}
	// The source's blue is 100 everywhere, alpha falling to 55 at the
	// bottom; the stored colour stays near 100 (within the loss of lossy
	// coding at this tiny size) where premultiplied colour would fall to 22.
	for i := 2; i < len(p.Pix); i += 3 {
		if !near(p.Pix[i], 100, 25) {
			t.Fatalf("blue %v at %d, want about 100", p.Pix[i], i/3)
		}
	}
}

// TestDecodeRefusesHugeHeaders feeds headers that claim billions of pixels
// and checks that Decode refuses them with ErrTooManyPixels having
// allocated almost nothing.
func TestDecodeRefusesHugeHeaders(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"png 100000x100000", pngHeader(100000, 100000), ErrTooManyPixels},
		// The PNG decoder itself refuses a product that overflows.
		{"png 2^31-1 square", pngHeader(1<<31-1, 1<<31-1), ErrCorrupt},
		{"jpeg 65535x65535", jpegHeader(65535, 65535), ErrTooManyPixels},
		{"bmp 100000x100000", bmpHeader(100000, 100000), ErrTooManyPixels},
		{"bmp top-down 100000x100000", bmpHeader(100000, -100000), ErrTooManyPixels},
		{"bmp 2^30 square", bmpHeader(1<<30, 1<<30), ErrTooManyPixels},
		{"gif 65535x65535", gifHeader(65535, 65535), ErrTooManyPixels},
		{"webp lossless 16384x16384", webpVP8LHeader(16384, 16384), ErrTooManyPixels},
		{"webp extended 40000x40000", webpVP8XHeader(40000, 40000), ErrTooManyPixels},
	}
	if n := len(pngHeader(1, 1)); n != 33 {
		t.Fatalf("PNG header is %d bytes, want 33", n)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			n := allocated(func() { _, _, err = Decode(bytes.NewReader(tc.data), 0) })
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			if n > 2<<20 {
				t.Fatalf("allocated %d bytes before refusing", n)
			}
		})
	}
}

// TestCheckSize checks the limit arithmetic at the edges of int64.
func TestCheckSize(t *testing.T) {
	const maxInt = int(^uint(0) >> 1)
	tests := []struct {
		w, h  int
		limit int64
		want  error
	}{
		{1, 1, 1, nil},
		{maxInt, maxInt, 1 << 62, ErrTooManyPixels},
		{maxInt, 1, 1<<63 - 1, nil},
		{1 << 32, 1 << 32, 1<<63 - 1, ErrTooManyPixels},
		{3, 4, 12, nil},
		{3, 4, 11, ErrTooManyPixels},
		{0, 4, 12, ErrCorrupt},
		{4, -1, 12, ErrCorrupt},
	}
	for _, tc := range tests {
		err := checkSize("x", tc.w, tc.h, tc.limit)
		if (tc.want == nil) != (err == nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%d×%d limit %d: error %v, want %v", tc.w, tc.h, tc.limit, err, tc.want)
		}
	}
}

// TestDecodeLimitBoundary checks the limit counts pixels exactly.
func TestDecodeLimitBoundary(t *testing.T) {
	data := encoded(t, "png", pattern()) // 48 pixels
	if _, _, err := Decode(bytes.NewReader(data), 48); err != nil {
		t.Fatalf("limit 48: %v", err)
	}
	if _, _, err := Decode(bytes.NewReader(data), 47); !errors.Is(err, ErrTooManyPixels) {
		t.Fatalf("limit 47: error %v, want ErrTooManyPixels", err)
	}
}

// TestDecodeBadInput checks the error class of inputs that are not good
// images; none may panic.
func TestDecodeBadInput(t *testing.T) {
	jpg := encoded(t, "jpeg", pattern())
	pngData := encoded(t, "png", pattern())
	random := make([]byte, 4096)
	rand.New(rand.NewSource(1)).Read(random)
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrUnknownFormat},
		{"text", []byte("this is a text file, not an image\n"), ErrUnknownFormat},
		{"random bytes", random, ErrUnknownFormat},
		{"truncated jpeg", jpg[:len(jpg)/2], ErrCorrupt},
		{"jpeg header only", jpegHeader(8, 8), ErrCorrupt},
		{"truncated png", pngData[:len(pngData)-20], ErrCorrupt},
		{"png header only", pngHeader(8, 8), ErrCorrupt},
		{"png zero width", pngHeader(0, 8), ErrCorrupt},
		{"gif zero size", gifHeader(0, 0), ErrCorrupt},
		{"bmp header only", bmpHeader(8, 8), ErrCorrupt},
		{"bmp zero width", bmpHeader(0, 8), ErrCorrupt},
		{"bmp 0x0", bmpHeader(0, 0), ErrCorrupt},
		{"webp header only", webpVP8LHeader(8, 8), ErrCorrupt},
		{"png signature then junk", cat([]byte("\x89PNG\r\n\x1a\n"), random[:100]), ErrCorrupt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, _, err := Decode(bytes.NewReader(tc.data), 0)
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			if img != nil {
				t.Fatal("an image came back with the error")
			}
			if !strings.HasPrefix(err.Error(), "vision: ") {
				t.Fatalf("error %q lacks the package prefix", err)
			}
		})
	}
}

// TestDecodeFileErrors checks a missing file and a bad file name the path.
func TestDecodeFileErrors(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := DecodeFile(filepath.Join(dir, "missing.png"), 0); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	bad := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(bad, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := DecodeFile(bad, 0)
	if !errors.Is(err, ErrUnknownFormat) || !strings.Contains(err.Error(), bad) {
		t.Fatalf("text file: %v", err)
	}
}

// TestDecodeProgressiveLimit checks that a progressive JPEG is refused from
// its header above the progressive limit, while a baseline JPEG of the same
// size is judged by MaxPixels alone.
func TestDecodeProgressiveLimit(t *testing.T) {
	tests := []struct {
		name   string
		data   []byte
		limits Limits
		want   error
	}{
		{"progressive 10000² by default", progressiveJPEG(10000, 10000), Limits{MaxPixels: 100_000_000}, ErrTooManyPixels},
		{"progressive 5000×4000 by default", progressiveJPEG(5000, 4000), Limits{}, ErrTooManyPixels},
		{"progressive over a set limit", progressiveJPEG(300, 200), Limits{MaxProgressivePixels: 59_999}, ErrTooManyPixels},
		{"progressive at a set limit", progressiveJPEG(300, 200), Limits{MaxProgressivePixels: 60_000}, ErrCorrupt},
		{"baseline over the progressive limit", jpegHeader(300, 200), Limits{MaxProgressivePixels: 100}, ErrCorrupt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			n := allocated(func() { _, _, err = tc.limits.Decode(bytes.NewReader(tc.data)) })
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			if n > 2<<20 {
				t.Fatalf("allocated %d bytes", n)
			}
		})
	}
}

// TestHeader checks what Limits.Header reports, and that it refuses as
// Decode does.
func TestHeader(t *testing.T) {
	h, err := Limits{}.Header(bytes.NewReader(progressiveJPEG(300, 200)))
	if err != nil || h != (Header{Format: "jpeg", Width: 300, Height: 200, Progressive: true}) {
		t.Fatalf("progressive header: %+v, %v", h, err)
	}
	h, err = Limits{}.Header(bytes.NewReader(encoded(t, "jpeg", pattern())))
	if err != nil || h != (Header{Format: "jpeg", Width: 8, Height: 6}) || h.Pixels() != 48 {
		t.Fatalf("baseline header: %+v, %v", h, err)
	}
	if _, err := (Limits{MaxPixels: 47}).Header(bytes.NewReader(encoded(t, "png", pattern()))); !errors.Is(err, ErrTooManyPixels) {
		t.Fatalf("over the limit: %v", err)
	}
	if _, err := (Limits{}).Header(strings.NewReader("not an image")); !errors.Is(err, ErrUnknownFormat) {
		t.Fatalf("not an image: %v", err)
	}
}

// TestJPEGProgressive walks marker sequences: fill bytes, bytes between
// segments, escaped 0xff, restart markers, and a scan before any frame.
func TestJPEGProgressive(t *testing.T) {
	sof2 := []byte{0xff, 0xc2, 0, 3, 8}
	com := []byte{0xff, 0xfe, 0, 4, 0xc2, 0xc2} // a comment holding the byte 0xc2
	tests := []struct {
		name string
		b    []byte
		want bool
	}{
		{"progressive", progressiveJPEG(2, 2), true},
		{"baseline", jpegHeader(2, 2), false},
		{"comment then sof2", cat([]byte{0xff, 0xd8}, com, sof2), true},
		{"fill bytes", cat([]byte{0xff, 0xd8, 0xff, 0xff}, sof2), true},
		{"junk between segments", cat([]byte{0xff, 0xd8, 1, 2, 3}, sof2), true},
		{"escaped ff and restart", cat([]byte{0xff, 0xd8, 0xff, 0, 0xff, 0xd3}, sof2), true},
		{"scan first", cat([]byte{0xff, 0xd8, 0xff, 0xda, 0, 2}, sof2), false},
		{"not a jpeg", cat([]byte{0xff, 0xd9}, sof2), false},
		{"truncated length", []byte{0xff, 0xd8, 0xff, 0xfe, 0}, false},
		{"length past the end", cat([]byte{0xff, 0xd8, 0xff, 0xfe, 0xff, 0xff}, sof2), false},
	}
	for _, tc := range tests {
		if got := jpegProgressive(tc.b); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
