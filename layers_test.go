package mobilenet

import (
	"go/build"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// layers is the README's architecture table, bottom to top: a package may import the packages of its
// own row and of the rows before it, and the internal/ helpers. A package below a listed one (detect/eval,
// train/detdata) belongs to its row.
var layers = [][]string{
	{"tensor"},
	{"kernels/ref"},
	{"kernels/qmath"},
	{"kernels", "kernels/q8"},
	{"kernels/qref"},
	{"detect"},
	{"graph"},
	{"models/mobileblocks", "models/mobilenetv1", "models/mobilenetv2", "models/mobilenetv3", "models/ssd", "models/zoo"},
	{"formats/tflite", "formats/flexbuf", "formats/onnx", "formats/safetensors", "formats/checkpoint"},
	{"vision"},
	{"train", "train/data", "train/optim", "train/plots"},
	{"quantize"},
	{"."},
	{"serve"},
	{"cmd/mobilenet", "cmd/mobilenet-load"},
}

// layerOf returns the row of the package at dir (relative to the module root, "." for the root), or -1.
func layerOf(dir string) int {
	best, row := "", -1
	for i, names := range layers {
		for _, n := range names {
			if (dir == n || strings.HasPrefix(dir, n+"/")) && len(n) > len(best) {
				best, row = n, i
			}
		}
	}
	return row
}

// TestLayers: every package of the module (but internal/, scripts/ and the generators' module asm/)
// has a row in the table and imports nothing from a row above its own. Only non-test files count.
func TestLayers(t *testing.T) {
	const module = "github.com/mobilenet-go/mobilenet"
	err := filepath.WalkDir(".", func(dir string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		switch dir {
		case "internal", "scripts", "asm", "testdata", "docs", ".git", ".ci":
			return filepath.SkipDir
		}
		pkg, err := build.ImportDir(dir, 0)
		if _, none := err.(*build.NoGoError); none {
			return nil
		} else if err != nil {
			return err
		}
		row := layerOf(filepath.ToSlash(dir))
		if row < 0 {
			t.Errorf("package %s is in no row of the layer table (README, Architecture)", dir)
			return nil
		}
		for _, imp := range pkg.Imports {
			rel, ok := strings.CutPrefix(imp, module)
			if !ok || strings.HasPrefix(rel, "/internal/") {
				continue
			}
			rel = strings.TrimPrefix(rel, "/")
			if rel == "" {
				rel = "."
			}
			if r := layerOf(rel); r < 0 || r > row {
				t.Errorf("%s imports %s, which sits above it (rows %d and %d of the layer table)", dir, rel, row, r)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
