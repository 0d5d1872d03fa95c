package vision

import (
	"image"
	"image/color"
	"testing"
)

// TestSegmentColor: PASCAL VOC's palette, worked by hand from the bits of the class.
func TestSegmentColor(t *testing.T) {
	for _, c := range []struct {
		class int
		want  color.RGBA
	}{
		{0, color.RGBA{0, 0, 0, 255}},
		{1, color.RGBA{128, 0, 0, 255}},
		{2, color.RGBA{0, 128, 0, 255}},
		{8, color.RGBA{64, 0, 0, 255}},       // bits 000 001: the second triple's red
		{12, color.RGBA{64, 0, 128, 255}},    // dog: 100 001
		{15, color.RGBA{192, 128, 128, 255}}, // person: 111 001
		{20, color.RGBA{0, 64, 128, 255}},    // tvmonitor: 100 010
	} {
		if got := SegmentColor(c.class); got != c.want {
			t.Errorf("class %d: got %v, want %v", c.class, got, c.want)
		}
	}
}

// TestMaskCountsAndBlend: a 2×2 mask over a 4×2 image: each mask pixel covers 2×1 image pixels.
func TestMaskCountsAndBlend(t *testing.T) {
	m := &Mask{Width: 2, Height: 2, Classes: []int32{0, 15, 15, 1}}
	counts, err := m.Counts(4, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(counts) != 3 || counts[0] != 2 || counts[15] != 4 || counts[1] != 2 {
		t.Errorf("counts %v, want 0:2 15:4 1:2", counts)
	}
	// An image larger than the mask on one axis and smaller on the other: 3×1 over 2×2 (rows sample
	// mask row ⌊0.5·2/1⌋ = 1; columns ⌊(x + ½)·2/3⌋ = 0, 1, 1).
	counts, err = m.Counts(3, 1)
	if err != nil || counts[15] != 1 || counts[1] != 2 || len(counts) != 2 {
		t.Errorf("3×1: counts %v %v, want 15:1 1:2", counts, err)
	}
	img := image.NewRGBA(image.Rect(10, 10, 14, 12)) // bounds not at the origin
	for i := range img.Pix {
		img.Pix[i] = 100
	}
	out, err := BlendMask(img, m, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	if out.Bounds() != image.Rect(0, 0, 4, 2) {
		t.Fatalf("bounds %v", out.Bounds())
	}
	want := map[[2]int]color.RGBA{
		{0, 0}: {100, 100, 100, 100}, // background: left as it is
		{2, 0}: {146, 114, 114, 255}, // person (192,128,128) half over 100: (100·128 + 192·128 + 128)/256
		{3, 1}: {114, 50, 50, 255},   // aeroplane (128,0,0)
	}
	for p, w := range want {
		if got := out.RGBAAt(p[0], p[1]); got != w {
			t.Errorf("pixel %v: got %v, want %v", p, got, w)
		}
	}
	for _, bad := range []*Mask{{Width: 2, Height: 2, Classes: []int32{1}}, {Width: 0, Height: 1}} {
		if _, err := BlendMask(img, bad, 0.5); err == nil {
			t.Errorf("mask %+v accepted", bad)
		}
		if _, err := bad.Counts(4, 4); err == nil {
			t.Errorf("mask %+v counted", bad)
		}
	}
	if _, err := BlendMask(img, m, 1.5); err == nil {
		t.Error("alpha 1.5 accepted")
	}
	if _, err := m.Counts(0, 3); err == nil {
		t.Error("an empty image counted")
	}
}

// TestDrawLegend: one tag per entry down the top-left corner, in the class colour; what does not fit
// the image's height is left out, and a tiny or empty image is no problem.
func TestDrawLegend(t *testing.T) {
	dst := image.NewRGBA(image.Rect(0, 0, 200, 40)) // 1× font: tags 15 px high, two fit
	DrawLegend(dst, []LegendEntry{{Class: 15, Label: "person"}, {Class: 12}, {Class: 1, Label: "aeroplane"}})
	if got := dst.RGBAAt(0, 0); got != SegmentColor(15) {
		t.Errorf("first tag's corner %v, want person's colour", got)
	}
	if got := dst.RGBAAt(0, 16); got != SegmentColor(12) {
		t.Errorf("second tag's corner %v, want dog's colour", got)
	}
	if got := dst.RGBAAt(0, 35); got != (color.RGBA{}) {
		t.Errorf("below the two tags: %v, want untouched (the third does not fit)", got)
	}
	DrawLegend(image.NewRGBA(image.Rect(0, 0, 3, 3)), []LegendEntry{{Class: 1, Label: "aeroplane"}})
	DrawLegend(image.NewRGBA(image.Rect(0, 0, 0, 0)), []LegendEntry{{Class: 1}})
}
