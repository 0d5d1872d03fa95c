package tflite

import (
	"archive/zip"
	"bytes"
	"maps"
	"slices"
	"strings"
	"testing"
)

// zipModel returns chainModel with a zip archive of files appended, as TFLite's metadata
// tooling appends associated files.
func zipModel(tb testing.TB, files map[string]string) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		w, err := zw.Create(name)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := w.Write([]byte(files[name])); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	m := chainModel()
	m.trailer = buf.Bytes()
	return m.build()
}

func TestAssociatedFiles(t *testing.T) {
	files := map[string]string{"labels.txt": "background\ncat\n", "dir/": "", "dir/vocab.txt": "a b c"}
	m, err := Parse(zipModel(t, files))
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.AssociatedFiles()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{"labels.txt": []byte("background\ncat\n"), "dir/vocab.txt": []byte("a b c")}
	if !maps.EqualFunc(got, want, bytes.Equal) {
		t.Errorf("AssociatedFiles() = %q, want %q", got, want)
	}
	if !bytes.HasPrefix(m.Extra, []byte("PK\x03\x04")) {
		t.Errorf("Extra starts %q, want the zip's first local header", m.Extra[:min(8, len(m.Extra))])
	}

	plain, err := Parse(chainModel().build())
	if err != nil {
		t.Fatal(err)
	}
	if got, err := plain.AssociatedFiles(); err != nil || len(got) != 0 || len(plain.Extra) != 0 {
		t.Errorf("model without archive: %q, %v, Extra %d bytes", got, err, len(plain.Extra))
	}
}

func TestAssociatedFilesErrors(t *testing.T) {
	withZip := func(build func(zw *zip.Writer) error) func(t *testing.T) []byte {
		return func(t *testing.T) []byte {
			var buf bytes.Buffer
			zw := zip.NewWriter(&buf)
			if err := build(zw); err != nil {
				t.Fatal(err)
			}
			if err := zw.Close(); err != nil {
				t.Fatal(err)
			}
			m := chainModel()
			m.trailer = buf.Bytes()
			return m.build()
		}
	}
	tests := []struct {
		name  string
		model func(t *testing.T) []byte
		want  string
	}{
		{"duplicate name", withZip(func(zw *zip.Writer) error {
			for range 2 {
				if _, err := zw.Create("labels.txt"); err != nil {
					return err
				}
			}
			return nil
		}), `tflite: associated files: "labels.txt" appears twice`},
		{"declared size over the limit", withZip(func(zw *zip.Writer) error {
			_, err := zw.CreateRaw(&zip.FileHeader{Name: "big.bin", Method: zip.Store, UncompressedSize64: 1 << 40, CompressedSize64: 1})
			return err
		}), `tflite: associated files: "big.bin" (1099511627776 bytes) exceeds the 67108864-byte limit`},
		{"too many files", withZip(func(zw *zip.Writer) error {
			for i := range maxAssociatedFiles + 1 {
				if _, err := zw.Create(strings.Repeat("f", 1+i/26) + string(rune('a'+i%26))); err != nil {
					return err
				}
			}
			return nil
		}), "tflite: associated files: 1025 files, more than 1024"},
		{"corrupt archive", func(t *testing.T) []byte {
			m := chainModel()
			m.trailer = []byte("PK\x05\x06 this is not a zip end record")
			return m.build()
		}, "tflite: associated files: zip: not a valid zip file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse(tc.model(t))
			if err != nil {
				t.Fatal(err)
			}
			_, err = m.AssociatedFiles()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("AssociatedFiles() error %v, want %q", err, tc.want)
			}
		})
	}
}
