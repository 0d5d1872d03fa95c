package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteReplacesAndFailureKeepsOld(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.bin")
	if err := WriteBytes(p, []byte("first")); err != nil {
		t.Fatal(err)
	}
	if err := WriteBytes(p, []byte("second")); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := Write(p, func(w io.Writer) error {
		w.Write([]byte("partial"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("error %v", err)
	}
	b, _ := os.ReadFile(p)
	if string(b) != "second" {
		t.Fatalf("file holds %q after a failed write", b)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
	// An error names the file asked for, not the temporary one.
	missing := filepath.Join(dir, "missing", "x")
	if err := WriteBytes(missing, nil); err == nil || err.Error() != "writing "+missing+": no such file or directory" {
		t.Fatalf("writing into a missing directory: %v", err)
	}
}
