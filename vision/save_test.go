package vision

import (
	"image"
	"os"
	"path/filepath"
	"testing"
)

func TestSaveImageRoundTrip(t *testing.T) {
	dir := t.TempDir()
	pat := pattern()
	tests := []struct {
		name, format string
		tol          float32
	}{
		{"out.png", "png", 0},
		{"out.jpg", "jpeg", 40},
		{"OUT.JPEG", "jpeg", 40},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name)
			if err := SaveImage(path, pat); err != nil {
				t.Fatal(err)
			}
			img, format, err := DecodeFile(path, 0)
			if err != nil {
				t.Fatal(err)
			}
			if format != tc.format {
				t.Fatalf("saved as %s, want %s", format, tc.format)
			}
			got, err := ToPixels(img, 3)
			if err != nil {
				t.Fatal(err)
			}
			want, err := ToPixels(pat, 3)
			if err != nil {
				t.Fatal(err)
			}
			checkPixels(t, got, 6, 8, 3, want.Pix, tc.tol)
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != 0o644 {
				t.Fatalf("mode %v, want 0644", st.Mode().Perm())
			}
		})
	}
	assertOnlyFiles(t, dir, "OUT.JPEG", "out.jpg", "out.png")
}

// assertOnlyFiles fails if dir holds anything but names (no temporaries).
func assertOnlyFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if len(got) != len(names) {
		t.Fatalf("directory holds %v, want %v", got, names)
	}
	for i := range got {
		if got[i] != names[i] {
			t.Fatalf("directory holds %v, want %v", got, names)
		}
	}
}

func TestSaveImageUnknownExtension(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"out.gif", "out.bmp", "out", "out.png.txt"} {
		if err := SaveImage(filepath.Join(dir, name), pattern()); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	assertOnlyFiles(t, dir)
}

// TestSaveImageFailureKeepsOldFile makes the encoder fail (PNG refuses a
// 0×0 image; JPEG one wider than 65535) and checks the file already there
// is untouched and no temporary file is left.
func TestSaveImageFailureKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		img  image.Image
	}{
		{"old.png", image.NewRGBA(image.Rect(0, 0, 0, 0))},
		{"old.jpg", image.NewGray(image.Rect(0, 0, 70000, 1))},
	}
	for _, tc := range tests {
		path := filepath.Join(dir, tc.name)
		if err := os.WriteFile(path, []byte("old contents"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := SaveImage(path, tc.img); err == nil {
			t.Fatalf("%s: no error", tc.name)
		}
		b, err := os.ReadFile(path)
		if err != nil || string(b) != "old contents" {
			t.Fatalf("%s: now holds %q (%v)", tc.name, b, err)
		}
	}
	assertOnlyFiles(t, dir, "old.jpg", "old.png")
	if err := SaveImage(filepath.Join(dir, "missing", "x.png"), pattern()); err == nil {
		t.Fatal("a missing directory gave no error")
	}
}
