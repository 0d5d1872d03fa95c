package data

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writePNG writes a w×h image filled with one grey level.
func writePNG(t *testing.T, path string, w, h int, v uint8) {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = v
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

func mkdirs(t *testing.T, root string, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// TestLoadFolder reads two classes of flat grey images of different sizes, resized to 4×4; classes are
// sorted by name and files other than images are skipped.
func TestLoadFolder(t *testing.T) {
	root := t.TempDir()
	mkdirs(t, root, "dogs", "cats", ".hidden")
	writePNG(t, filepath.Join(root, "cats", "a.png"), 8, 6, 10)
	writePNG(t, filepath.Join(root, "cats", "b.PNG"), 3, 3, 20)
	writePNG(t, filepath.Join(root, "dogs", "x.png"), 5, 9, 200)
	os.WriteFile(filepath.Join(root, "dogs", "notes.txt"), []byte("not an image"), 0o644)
	s, err := LoadFolder(root, FolderOptions{H: 4, W: 4, Channels: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Meta.Classes) != 2 || s.Meta.Classes[0] != "cats" || s.Meta.Classes[1] != "dogs" || s.Len() != 3 {
		t.Fatalf("classes %v, %d images", s.Meta.Classes, s.Len())
	}
	for i, want := range []struct {
		label int
		v     uint8
	}{{0, 10}, {0, 20}, {1, 200}} {
		px, l := s.Example(i)
		if l != want.label || len(px) != 16 || px[0] != want.v || px[15] != want.v {
			t.Fatalf("example %d: label %d pixels %v, want label %d value %d", i, l, px, want.label, want.v)
		}
	}
	rgb, err := LoadFolder(root, FolderOptions{H: 2, W: 3})
	if err != nil || rgb.Meta.C != 3 || len(rgb.Pixels) != 3*2*3*3 {
		t.Fatalf("rgb: %+v, %v", rgb.Meta, err)
	}
}

// TestLoadFolderErrors checks the one-line errors for unusable folders.
func TestLoadFolderErrors(t *testing.T) {
	empty := t.TempDir()
	single := t.TempDir()
	mkdirs(t, single, "only")
	writePNG(t, filepath.Join(single, "only", "a.png"), 2, 2, 1)
	noImages := t.TempDir()
	mkdirs(t, noImages, "a", "b")
	writePNG(t, filepath.Join(noImages, "a", "a.png"), 2, 2, 1)
	os.WriteFile(filepath.Join(noImages, "b", "readme.md"), []byte("x"), 0o644)
	corrupt := t.TempDir()
	mkdirs(t, corrupt, "a", "b")
	writePNG(t, filepath.Join(corrupt, "a", "a.png"), 2, 2, 1)
	os.WriteFile(filepath.Join(corrupt, "b", "bad.jpg"), []byte("this is not a jpeg"), 0o644)
	cases := []struct {
		name, dir, want string
	}{
		{"missing", filepath.Join(empty, "nope"), "no such file"},
		{"empty", empty, "no class sub-folders"},
		{"single class", single, "only one class (only)"},
		{"class without images", noImages, filepath.Join(noImages, "b") + ": class folder holds no images"},
		{"unreadable image", corrupt, filepath.Join(corrupt, "b", "bad.jpg")},
	}
	for _, c := range cases {
		_, err := LoadFolder(c.dir, FolderOptions{H: 4, W: 4})
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %v, want one line mentioning %q", c.name, err, c.want)
		}
	}
	if _, err := LoadFolder(single, FolderOptions{H: 4, W: 4, Channels: 2}); err == nil {
		t.Error("2 channels accepted")
	}
}
