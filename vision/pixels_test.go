package vision

import (
	"image"
	"image/color"
	"testing"
)

// onePixel returns the single pixel of ToPixels(img, channels).
func onePixel(t *testing.T, img image.Image, channels int) []float32 {
	t.Helper()
	p, err := ToPixels(img, channels)
	if err != nil {
		t.Fatal(err)
	}
	if p.H != 1 || p.W != 1 || p.C != channels || len(p.Pix) != channels {
		t.Fatalf("shape %d×%d×%d (%d values)", p.H, p.W, p.C, len(p.Pix))
	}
	return p.Pix
}

func TestToPixelsTypes(t *testing.T) {
	r1 := image.Rect(0, 0, 1, 1)
	rgba := image.NewRGBA(r1)
	rgba.SetRGBA(0, 0, color.RGBA{100, 50, 0, 128}) // premultiplied
	opaque := image.NewRGBA(r1)
	opaque.SetRGBA(0, 0, color.RGBA{10, 20, 30, 255})
	nrgba := image.NewNRGBA(r1)
	nrgba.SetNRGBA(0, 0, color.NRGBA{10, 20, 30, 0}) // fully transparent
	gray := image.NewGray(r1)
	gray.SetGray(0, 0, color.Gray{200})
	pal := image.NewPaletted(r1, color.Palette{color.Black, color.NRGBA{1, 2, 3, 255}})
	pal.SetColorIndex(0, 0, 1)
	palPast := image.NewPaletted(r1, color.Palette{color.NRGBA{1, 2, 3, 255}})
	palPast.Pix[0] = 7
	g16 := image.NewGray16(r1)
	g16.SetGray16(0, 0, color.Gray16{0x12ff})
	n64 := image.NewNRGBA64(r1)
	n64.SetNRGBA64(0, 0, color.NRGBA64{0xabcd, 0x0100, 0xffff, 0x8000})
	// Y = 128, Cb = Cr = 128 is mid grey in JFIF's YCbCr.
	ycc := image.NewYCbCr(r1, image.YCbCrSubsampleRatio420)
	ycc.Y[0], ycc.Cb[0], ycc.Cr[0] = 128, 128, 128
	nycca := image.NewNYCbCrA(r1, image.YCbCrSubsampleRatio444)
	nycca.Y[0], nycca.Cb[0], nycca.Cr[0], nycca.A[0] = 128, 128, 128, 10

	tests := []struct {
		name string
		img  image.Image
		want []float32
	}{
		// 100·0xffff/128 scaled back to 8 bits: 199; 50 → 99.
		{"rgba translucent", rgba, []float32{199, 99, 0}},
		{"rgba opaque", opaque, []float32{10, 20, 30}},
		{"nrgba transparent keeps colour", nrgba, []float32{10, 20, 30}},
		{"gray", gray, []float32{200, 200, 200}},
		{"paletted", pal, []float32{1, 2, 3}},
		{"paletted index past palette", palPast, []float32{0, 0, 0}},
		{"gray16 truncates", g16, []float32{0x12, 0x12, 0x12}},
		{"nrgba64 truncates", n64, []float32{0xab, 0x01, 0xff}},
		{"ycbcr", ycc, []float32{128, 128, 128}},
		{"nycbcra ignores alpha", nycca, []float32{128, 128, 128}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := onePixel(t, tc.img, 3)
			for k := range got {
				if got[k] != tc.want[k] {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
		})
	}
}

// TestToPixelsYCbCrMatchesStdlib compares the YCbCr fast path, over every
// subsampling ratio, with the standard library's own At conversion.
func TestToPixelsYCbCrMatchesStdlib(t *testing.T) {
	ratios := []image.YCbCrSubsampleRatio{
		image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
		image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410,
	}
	for _, ratio := range ratios {
		m := image.NewYCbCr(image.Rect(0, 0, 9, 7), ratio)
		for i := range m.Y {
			m.Y[i] = uint8(i * 37)
		}
		for i := range m.Cb {
			m.Cb[i], m.Cr[i] = uint8(i*53+7), uint8(255-i*29)
		}
		// A sub-image starting at an odd offset exercises COffset.
		sub := m.SubImage(image.Rect(1, 1, 8, 6)).(*image.YCbCr)
		p, err := ToPixels(sub, 3)
		if err != nil {
			t.Fatal(err)
		}
		g, err := ToPixels(sub, 1)
		if err != nil {
			t.Fatal(err)
		}
		i := 0
		for y := 1; y < 6; y++ {
			for x := 1; x < 8; x++ {
				c := color.RGBAModel.Convert(sub.At(x, y)).(color.RGBA)
				if p.Pix[3*i] != float32(c.R) || p.Pix[3*i+1] != float32(c.G) || p.Pix[3*i+2] != float32(c.B) {
					t.Fatalf("%v (%d,%d): got %v, want %v", ratio, x, y, p.Pix[3*i:3*i+3], c)
				}
				want := float32(0.299*float64(c.R) + 0.587*float64(c.G) + 0.114*float64(c.B))
				if g.Pix[i] != want {
					t.Fatalf("%v (%d,%d): grey %v, want %v", ratio, x, y, g.Pix[i], want)
				}
				i++
			}
		}
	}
}

func TestToPixelsGrey(t *testing.T) {
	r1 := image.Rect(0, 0, 1, 1)
	solid := func(c color.NRGBA) image.Image {
		m := image.NewNRGBA(r1)
		m.SetNRGBA(0, 0, c)
		return m
	}
	gray := image.NewGray(r1)
	gray.SetGray(0, 0, color.Gray{77})
	tests := []struct {
		name string
		img  image.Image
		want float32
	}{
		{"red", solid(color.NRGBA{255, 0, 0, 255}), 76.245},
		{"green", solid(color.NRGBA{0, 255, 0, 255}), 149.685},
		{"blue", solid(color.NRGBA{0, 0, 255, 255}), 29.07},
		{"10 20 30", solid(color.NRGBA{10, 20, 30, 255}), 18.15},
		{"white", solid(color.NRGBA{255, 255, 255, 255}), 255},
		{"grey image", gray, 77},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := onePixel(t, tc.img, 1)[0]; !near(got, tc.want, 1e-4) {
				t.Fatalf("luma %v, want %v", got, tc.want)
			}
		})
	}
	// Equal RGB gives that value exactly, so grey content keeps its values.
	for v := 0; v < 256; v++ {
		if l := luma(uint8(v), uint8(v), uint8(v)); l != float32(v) {
			t.Fatalf("luma of grey %d is %v", v, l)
		}
	}
}

// TestToPixelsLayout checks HWC order and a sub-image's offset.
func TestToPixelsLayout(t *testing.T) {
	sub := pattern().SubImage(image.Rect(2, 1, 5, 3))
	p, err := ToPixels(sub, 3)
	if err != nil {
		t.Fatal(err)
	}
	if p.H != 2 || p.W != 3 || p.C != 3 {
		t.Fatalf("shape %d×%d×%d, want 2×3×3", p.H, p.W, p.C)
	}
	for y := 0; y < 2; y++ {
		for x := 0; x < 3; x++ {
			c := patternAt(x+2, y+1)
			got := p.Pix[(y*3+x)*3 : (y*3+x)*3+3]
			if got[0] != float32(c.R) || got[1] != float32(c.G) || got[2] != float32(c.B) {
				t.Fatalf("(%d,%d): got %v, want %v", x, y, got, c)
			}
		}
	}
}

func TestToPixelsErrors(t *testing.T) {
	tests := []struct {
		name     string
		img      image.Image
		channels int
	}{
		{"2 channels", pattern(), 2},
		{"4 channels", pattern(), 4},
		{"empty image", image.NewRGBA(image.Rect(0, 0, 0, 5)), 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ToPixels(tc.img, tc.channels); err == nil {
				t.Fatal("no error")
			}
		})
	}
}
