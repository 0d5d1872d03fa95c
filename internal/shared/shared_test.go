package shared

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a testing.TB that records a skip or a failure and stops the function under test there,
// as the testing package's own Skip and Fatal do.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                     {}
func (r *recorder) Skipf(f string, args ...any) { r.skipped = fmt.Sprintf(f, args...); panic(r) }
func (r *recorder) Fatalf(f string, args ...any) {
	r.failed = fmt.Sprintf(f, args...)
	panic(r)
}

// call runs f with a fresh recorder and returns it and f's result.
func call(f func(testing.TB) string) (r *recorder, got string) {
	r = &recorder{}
	defer func() {
		if p := recover(); p != nil && p != r {
			panic(p)
		}
	}()
	return r, f(r)
}

func TestPath(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"repo/pkg", "shared/models"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"repo/go.mod", "shared/models/a.tflite"} {
		if err := os.WriteFile(filepath.Join(root, f), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(filepath.Join(root, "repo/pkg"))
	path := func(rel string) func(testing.TB) string {
		return func(tb testing.TB) string { return Path(tb, rel) }
	}

	t.Setenv(RequireEnv, "")
	r, got := call(path("models/a.tflite"))
	if want := filepath.Join(root, "shared/models/a.tflite"); got != want || r.skipped != "" || r.failed != "" {
		t.Errorf("present file: %q (skip %q, fail %q), want %q", got, r.skipped, r.failed, want)
	}
	r, _ = call(path("models/b.tflite"))
	if r.skipped != "needs ../shared/models/b.tflite: not found" || r.failed != "" {
		t.Errorf("missing file: skip %q, fail %q", r.skipped, r.failed)
	}
	r, _ = call(func(tb testing.TB) string { return string(ReadFile(tb, "models/a.tflite")) })
	if r.skipped != "" || r.failed != "" {
		t.Errorf("ReadFile of a present file: skip %q, fail %q", r.skipped, r.failed)
	}

	t.Setenv(RequireEnv, "1")
	r, _ = call(path("models/b.tflite"))
	if r.skipped != "" || !strings.HasPrefix(r.failed, "needs ../shared/models/b.tflite: not found") || !strings.Contains(r.failed, RequireEnv+"=1") {
		t.Errorf("missing file with %s=1: skip %q, fail %q", RequireEnv, r.skipped, r.failed)
	}
	r, _ = call(func(tb testing.TB) string { return string(ReadFile(tb, "images/c.jpg")) })
	if r.failed == "" {
		t.Errorf("ReadFile of a missing file with %s=1 did not fail", RequireEnv)
	}
}
