package vision

import (
	"image"
	"image/color"
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/approx"
)

func checkPixels(t *testing.T, got *Pixels, h, w, c int, want []float32, tol float32) {
	t.Helper()
	if got.H != h || got.W != w || got.C != c || len(got.Pix) != h*w*c {
		t.Fatalf("shape %d×%d×%d (%d values), want %d×%d×%d", got.H, got.W, got.C, len(got.Pix), h, w, c)
	}
	for i := range want {
		if !near(got.Pix[i], want[i], tol) {
			t.Fatalf("value %d (y %d, x %d, c %d) = %v, want %v\n got %v",
				i, i/c/w, i/c%w, i%c, got.Pix[i], want[i], got.Pix)
		}
	}
}

// TestResizeUpscale2x works 2×2 → 4×4 by hand. With the legacy mapping
// src = dst·0.5, output rows 0..3 read source rows 0, 0.5, 1, 1.5; row 1.5
// clamps its far tap to the last row, so rows 2 and 3 are equal; the same
// holds for columns.
func TestResizeUpscale2x(t *testing.T) {
	p := pixelsOf(2, 2, 1,
		0, 10,
		20, 30)
	checkPixels(t, ResizeBilinear(p, 4, 4), 4, 4, 1, []float32{
		0, 5, 10, 10,
		10, 15, 20, 20,
		20, 25, 30, 30,
		20, 25, 30, 30,
	}, 0)
}

// TestResizeDownscale works 4 → 3 by hand: scale = 4/3, so outputs read
// source positions 0, 4/3 and 8/3.
func TestResizeDownscale(t *testing.T) {
	p := pixelsOf(1, 4, 2,
		0, 100, 30, 130, 60, 160, 90, 190)
	// 4/3: 30 + (60−30)/3 = 40; 8/3: 60 + (90−60)·2/3 = 80.
	checkPixels(t, ResizeBilinear(p, 1, 3), 1, 3, 2, []float32{
		0, 100, 40, 140, 80, 180,
	}, 1e-4)
	// The same along the other axis.
	q := pixelsOf(4, 1, 1, 0, 30, 60, 90)
	checkPixels(t, ResizeBilinear(q, 3, 1), 3, 1, 1, []float32{0, 40, 80}, 1e-4)
}

// TestResize2D works a 3×3 → 2×2 case: scale 1.5, so outputs read source
// positions 0 and 1.5 on each axis.
func TestResize2D(t *testing.T) {
	p := pixelsOf(3, 3, 1,
		0, 1, 2,
		10, 11, 12,
		20, 21, 22)
	// (1.5, 1.5) is the mean of 11, 12, 21, 22; (0, 1.5) of 1 and 2.
	checkPixels(t, ResizeBilinear(p, 2, 2), 2, 2, 1, []float32{
		0, 1.5,
		15, 16.5,
	}, 0)
}

// TestResizeUpscaleNonInteger works 2 → 3: scale 2/3, positions 0, 2/3, 4/3;
// the last clamps to source 1.
func TestResizeUpscaleNonInteger(t *testing.T) {
	p := pixelsOf(1, 2, 1, 0, 90)
	checkPixels(t, ResizeBilinear(p, 1, 3), 1, 3, 1, []float32{0, 60, 90}, 1e-4)
}

func TestResizeIdentityIsExact(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	p := &Pixels{H: 7, W: 5, C: 3, Pix: make([]float32, 7*5*3)}
	for i := range p.Pix {
		p.Pix[i] = rng.Float32() * 255
	}
	checkPixels(t, ResizeBilinear(p, 7, 5), 7, 5, 3, p.Pix, 0)
}

func TestResizeOnePixel(t *testing.T) {
	// 1×1 up: every output reads the one pixel with weights summing to 1.
	one := pixelsOf(1, 1, 3, 200, 100, 0.5)
	want := make([]float32, 0, 3*5*3)
	for i := 0; i < 15; i++ {
		want = append(want, 200, 100, 0.5)
	}
	checkPixels(t, ResizeBilinear(one, 3, 5), 3, 5, 3, want, 1e-4)
	// Down to 1×1: source position 0 with weight 1 exactly.
	p := pixelsOf(2, 3, 1, 7, 8, 9, 10, 11, 12)
	checkPixels(t, ResizeBilinear(p, 1, 1), 1, 1, 1, []float32{7}, 0)
	// 1×N to M×1 mixes both cases.
	row := pixelsOf(1, 4, 1, 4, 8, 12, 16)
	checkPixels(t, ResizeBilinear(row, 2, 1), 2, 1, 1, []float32{4, 4}, 0)
}

// TestResizeTaps checks the float32 tap table against hand values.
func TestResizeTaps(t *testing.T) {
	tests := []struct {
		in, out int
		want    []tap
	}{
		{2, 4, []tap{{0, 0, 0, 1}, {0, 1, 0.5, 0.5}, {1, 1, 0, 1}, {1, 1, 0.5, 0.5}}},
		{4, 2, []tap{{0, 0, 0, 1}, {2, 2, 0, 1}}},
		{1, 2, []tap{{0, 0, 0, 1}, {0, 0, 0.5, 0.5}}},
	}
	for _, tc := range tests {
		got := legacyTaps(tc.in, tc.out)
		for i := range tc.want {
			if got[i] != tc.want[i] {
				t.Errorf("%d→%d tap %d = %+v, want %+v", tc.in, tc.out, i, got[i], tc.want[i])
			}
		}
	}
}

func TestResizePanicsOnBadSize(t *testing.T) {
	for _, size := range [][2]int{{0, 3}, {3, 0}, {-1, 2}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("size %v: no panic", size)
				}
			}()
			ResizeBilinear(pixelsOf(1, 1, 1, 1), size[0], size[1])
		}()
	}
}

// randomImages returns an image of every type the converters handle, h×w
// with random pixels, its bounds starting at (3, 5).
func randomImages(rng *rand.Rand, h, w int) map[string]image.Image {
	r := image.Rect(3, 5, 3+w, 5+h)
	fill := func(b []byte) {
		for i := range b {
			b[i] = byte(rng.Intn(256))
		}
	}
	rgba, nrgba, n64, gray := image.NewRGBA(r), image.NewNRGBA(r), image.NewNRGBA64(r), image.NewGray(r)
	g16, cmyk := image.NewGray16(r), image.NewCMYK(r)
	ycc, nycca := image.NewYCbCr(r, image.YCbCrSubsampleRatio420), image.NewNYCbCrA(r, image.YCbCrSubsampleRatio422)
	pal := image.NewPaletted(r, color.Palette{color.Black, color.NRGBA{1, 2, 3, 255}, color.NRGBA{200, 100, 50, 128}})
	for _, b := range [][]byte{rgba.Pix, nrgba.Pix, n64.Pix, gray.Pix, g16.Pix, cmyk.Pix, ycc.Y, ycc.Cb, ycc.Cr,
		nycca.Y, nycca.Cb, nycca.Cr, nycca.A, pal.Pix} {
		fill(b)
	}
	return map[string]image.Image{"rgba": rgba, "nrgba": nrgba, "nrgba64": n64, "gray": gray, "gray16": g16,
		"cmyk": cmyk, "ycbcr": ycc, "nycbcra": nycca, "paletted": pal}
}

// TestResizeImageMatchesPipeline checks that ResizeImage equals ToPixels,
// CentralCrop and ResizeBilinear bit for bit, over every image type, up and
// down, with and without a crop.
func TestResizeImageMatchesPipeline(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	sizes := [][4]int{{6, 8, 3, 4}, {7, 5, 16, 9}, {31, 17, 12, 12}, {1, 9, 4, 3}, {13, 1, 5, 2}}
	for _, s := range sizes {
		for name, img := range randomImages(rng, s[0], s[1]) {
			for _, c := range []int{1, 3} {
				for _, crop := range []float64{0, 1, 0.875, 0.5} {
					got, err := ResizeImage(img, s[2], s[3], c, crop)
					if err != nil {
						t.Fatal(err)
					}
					p, err := ToPixels(img, c)
					if err != nil {
						t.Fatal(err)
					}
					if crop != 0 {
						if p, err = CentralCrop(p, crop); err != nil {
							t.Fatal(err)
						}
					}
					want := ResizeBilinear(p, s[2], s[3])
					if got.H != want.H || got.W != want.W || got.C != want.C {
						t.Fatalf("%s %v c %d crop %v: shape %d×%d×%d, want %d×%d×%d", name, s, c, crop, got.H, got.W, got.C, want.H, want.W, want.C)
					}
					if err := approx.Close(got.Pix, want.Pix, 0, 0); err != nil {
						t.Fatalf("%s %v c %d crop %v: %v", name, s, c, crop, err)
					}
				}
			}
		}
	}
}

// TestResizeImageMemory resizes a 4000×4000 grey image, as a 16 MB PNG
// decodes, to 224×224: the memory allocated is that of the output and two
// rows of the taps, not of the source.
func TestResizeImageMemory(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 4000, 4000))
	var err error
	n := allocated(func() { _, err = ResizeImage(img, 224, 224, 3, 0.875) })
	if err != nil {
		t.Fatal(err)
	}
	if limit := uint64(1 << 20); n > limit {
		t.Fatalf("allocated %d bytes, want at most %d", n, limit)
	}
}

func TestResizeImageErrors(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 4, 4))
	for _, tc := range []struct {
		name       string
		img        image.Image
		h, w, c    int
		crop       float64
		wantSubstr string
	}{
		{"channels", img, 2, 2, 2, 0, "channels"},
		{"crop", img, 2, 2, 3, 1.5, "fraction"},
		{"NaN crop", img, 2, 2, 3, math.NaN(), "fraction"},
		{"size", img, 0, 2, 3, 0, "not positive"},
		{"empty", image.NewGray(image.Rect(2, 2, 2, 9)), 2, 2, 3, 0, "empty"},
	} {
		if _, err := ResizeImage(tc.img, tc.h, tc.w, tc.c, tc.crop); err == nil || !strings.Contains(err.Error(), tc.wantSubstr) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.wantSubstr)
		}
	}
}
