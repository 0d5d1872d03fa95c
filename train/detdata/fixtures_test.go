package detdata

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/approx"
)

// The fixtures are written by the tests into t.TempDir(): small images and annotation files.

// writeFile writes content to dir/name, making the folders on the way.
func writeFile(t testing.TB, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// testImage is a w×h image whose pixel (x, y) is (x·7, y·11, (x+y)·3) modulo 256.
func testImage(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.SetNRGBA(x, y, color.NRGBA{uint8(x * 7), uint8(y * 11), uint8((x + y) * 3), 255})
		}
	}
	return m
}

// writeImage writes testImage(w, h) to dir/name, as JPEG when the name ends in .jpg, PNG otherwise.
func writeImage(t testing.TB, dir, name string, w, h int) {
	t.Helper()
	var buf bytes.Buffer
	var err error
	if strings.HasSuffix(name, ".jpg") {
		err = jpeg.Encode(&buf, testImage(w, h), &jpeg.Options{Quality: 95})
	} else {
		err = png.Encode(&buf, testImage(w, h))
	}
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, name, buf.String())
}

// obj is a VOC object for vocXML.
type obj struct {
	name                   string
	xmin, ymin, xmax, ymax string
	difficult              string
}

// vocXML is a VOC annotation laid out so that <filename> is on line 2, <size> on line 3 and
// object k on line 4+k. A size of 0×0 leaves <size> out (line 3 is then blank).
func vocXML(file string, w, h int, objects ...obj) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<annotation>\n<filename>%s</filename>\n", file)
	if w != 0 || h != 0 {
		fmt.Fprintf(&b, "<size><width>%d</width><height>%d</height><depth>3</depth></size>\n", w, h)
	} else {
		b.WriteString("\n")
	}
	for _, o := range objects {
		fmt.Fprintf(&b, "<object><name>%s</name><difficult>%s</difficult><bndbox><xmin>%s</xmin><ymin>%s</ymin><xmax>%s</xmax><ymax>%s</ymax></bndbox></object>\n",
			o.name, o.difficult, o.xmin, o.ymin, o.xmax, o.ymax)
	}
	b.WriteString("</annotation>\n")
	return b.String()
}

// box is an obj of class name with the given corners, not difficult.
func box(name string, xmin, ymin, xmax, ymax int) obj {
	return obj{name, fmt.Sprint(xmin), fmt.Sprint(ymin), fmt.Sprint(xmax), fmt.Sprint(ymax), "0"}
}

// requireClose fails t unless got and want agree within tol everywhere (NaN fails).
func requireClose(t testing.TB, what string, got, want []float64, tol float64) {
	t.Helper()
	approx.Require(t, what, got, want, tol, 0)
}
