package vision

import (
	"image"
	"image/color"
	"image/draw"
	"math"
	"testing"
)

var grey = color.RGBA{128, 128, 128, 255}

func greyImage(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(m, m.Rect, image.NewUniform(grey), image.Point{}, draw.Src)
	return m
}

type pixelCheck struct {
	x, y int
	want color.RGBA
}

func checkColors(t *testing.T, m *image.RGBA, checks []pixelCheck) {
	t.Helper()
	for _, c := range checks {
		if got := m.RGBAAt(c.x, c.y); got != c.want {
			t.Errorf("pixel (%d,%d) = %v, want %v", c.x, c.y, got, c.want)
		}
	}
}

// TestDrawBoxesSmall draws on 50×50: 1-pixel lines, a 13-pixel font whose
// tag (15 px high) does not fit above a box at y = 10, so it goes inside,
// covering y 10..24 across the whole width.
func TestDrawBoxesSmall(t *testing.T) {
	src := greyImage(50, 50)
	red := palette[0]
	out := DrawBoxes(src, []Box{{XMin: 10, YMin: 10, XMax: 40, YMax: 30, Class: 0, Label: "person", Score: 0.87}})
	if out.Rect != image.Rect(0, 0, 50, 50) {
		t.Fatalf("bounds %v", out.Rect)
	}
	checkColors(t, out, []pixelCheck{
		{10, 27, red},  // left edge
		{39, 27, red},  // right edge
		{25, 29, red},  // bottom edge
		{10, 29, red},  // bottom-left corner
		{11, 27, grey}, // just inside
		{9, 27, grey},  // just outside
		{25, 30, grey}, // just below
		{45, 45, grey}, // far away
		{2, 45, grey},
		{2, 2, grey},
		{0, 10, red}, // the tag's padding
	})
	if src.RGBAAt(10, 27) != grey {
		t.Fatal("DrawBoxes changed its input")
	}
	// The label text is white on this red (luma 92).
	if n := countColor(out, image.Rect(0, 10, 50, 25), color.RGBA{255, 255, 255, 255}); n < 20 {
		t.Fatalf("%d white text pixels in the tag", n)
	}
}

func countColor(m *image.RGBA, r image.Rectangle, c color.RGBA) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if m.RGBAAt(x, y) == c {
				n++
			}
		}
	}
	return n
}

// TestDrawBoxesLarge draws on 3000×2000: lines 2000/200 = 10 px, font
// 13·round(70/13) = 65 px high, tag 75 px high placed above the box.
func TestDrawBoxesLarge(t *testing.T) {
	src := greyImage(3000, 2000)
	yellow := palette[2]
	out := DrawBoxes(src, []Box{{XMin: 1000, YMin: 1000, XMax: 2000, YMax: 1500, Class: 2, Label: "dog", Score: 0.5}})
	checkColors(t, out, []pixelCheck{
		{1000, 1200, yellow}, // left line, outer column
		{1009, 1200, yellow}, // left line, inner column
		{1010, 1200, grey},   // inside the box
		{999, 1200, grey},    // outside the box
		{1999, 1200, yellow}, // right line
		{1990, 1200, yellow},
		{1989, 1200, grey},
		{1500, 1000, yellow}, // top line
		{1500, 1499, yellow}, // bottom line
		{1500, 1500, grey},
		{1001, 926, yellow}, // tag padding, above the box
		{1001, 924, grey},   // above the tag
		{100, 100, grey},
		{2999, 1999, grey},
	})
	// Black text on yellow (luma 211).
	if n := countColor(out, image.Rect(1000, 925, 1500, 1000), color.RGBA{0, 0, 0, 255}); n < 25*25 {
		t.Fatalf("%d black text pixels in the tag", n)
	}
}

func TestDrawBoxesOddBoxes(t *testing.T) {
	tests := []struct {
		name   string
		box    Box
		checks []pixelCheck
	}{
		{"partly outside", Box{XMin: -100, YMin: -50, XMax: 20, YMax: 30},
			[]pixelCheck{{19, 25, palette[0]}, {0, 25, grey}, {10, 29, palette[0]}}},
		{"inverted", Box{XMin: 40, YMin: 45, XMax: 10, YMax: 30},
			[]pixelCheck{{10, 40, palette[0]}, {39, 40, palette[0]}, {25, 44, palette[0]}, {25, 40, grey}}},
		{"zero area", Box{XMin: 20, YMin: 40, XMax: 20, YMax: 40},
			[]pixelCheck{{20, 40, palette[0]}, {21, 41, grey}}},
		{"infinite", Box{XMin: math.Inf(-1), YMin: 40, XMax: math.Inf(1), YMax: 45},
			[]pixelCheck{{0, 40, palette[0]}, {49, 44, palette[0]}, {25, 42, grey}}},
		{"NaN", Box{XMin: math.NaN(), YMin: 10, XMax: 20, YMax: 20},
			[]pixelCheck{{0, 10, grey}, {10, 19, grey}}},
		{"outside", Box{XMin: 100, YMin: 100, XMax: 200, YMax: 200},
			[]pixelCheck{{49, 49, grey}, {0, 0, grey}}},
		{"huge", Box{XMin: -1e300, YMin: -1e300, XMax: 1e300, YMax: 1e300},
			[]pixelCheck{{25, 25, grey}, {49, 49, grey}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := DrawBoxes(greyImage(50, 50), []Box{tc.box})
			checkColors(t, out, tc.checks)
		})
	}
}

// TestDrawBoxesOffsetImage checks that box coordinates count from the
// image's top-left corner when its bounds do not start at (0, 0).
func TestDrawBoxesOffsetImage(t *testing.T) {
	sub := greyImage(100, 100).SubImage(image.Rect(50, 50, 100, 100))
	out := DrawBoxes(sub, []Box{{XMin: 10, YMin: 30, XMax: 40, YMax: 45}})
	if out.Rect != image.Rect(0, 0, 50, 50) {
		t.Fatalf("bounds %v", out.Rect)
	}
	checkColors(t, out, []pixelCheck{{10, 40, palette[0]}, {39, 40, palette[0]}, {25, 40, grey}})
}

func TestDrawBoxesEmpty(t *testing.T) {
	out := DrawBoxes(image.NewRGBA(image.Rect(0, 0, 0, 0)), []Box{{XMax: 10, YMax: 10}})
	if !out.Rect.Empty() {
		t.Fatalf("bounds %v", out.Rect)
	}
	out = DrawBoxes(greyImage(3, 2), nil)
	checkColors(t, out, []pixelCheck{{0, 0, grey}, {2, 1, grey}})
}

func TestPalette(t *testing.T) {
	seen := map[color.RGBA]bool{}
	for _, c := range palette {
		if seen[c] {
			t.Fatalf("colour %v repeats", c)
		}
		seen[c] = true
	}
	if len(palette) != 20 {
		t.Fatalf("%d colours", len(palette))
	}
	if classColor(-1) != palette[19] || classColor(20) != palette[0] || classColor(3) != palette[3] {
		t.Fatal("class ids do not wrap around the palette")
	}
	if textColor(palette[2]) != (color.RGBA{0, 0, 0, 255}) || textColor(palette[18]) != (color.RGBA{255, 255, 255, 255}) {
		t.Fatal("text colour: want black on yellow, white on navy")
	}
}

func TestSizesScale(t *testing.T) {
	tests := []struct{ side, line, scale int }{
		{50, 1, 1}, {100, 1, 1}, {500, 3, 1}, {600, 3, 2}, {1000, 5, 3}, {2000, 10, 5}, {4000, 20, 11},
	}
	for _, tc := range tests {
		if l, s := lineWidth(tc.side), labelScale(tc.side); l != tc.line || s != tc.scale {
			t.Errorf("side %d: line %d, scale %d; want %d, %d", tc.side, l, s, tc.line, tc.scale)
		}
	}
}

func TestLabelText(t *testing.T) {
	if got := labelText(Box{Label: "person", Score: 0.8749}); got != "person 0.87" {
		t.Errorf("got %q", got)
	}
	if got := labelText(Box{Class: 17, Score: 1}); got != "17 1.00" {
		t.Errorf("got %q", got)
	}
}
