// Package shared finds, for tests, the files of the shared data set: the models, photos, labels and
// data sets kept in the folder shared beside the repository (../shared from its root), which a plain
// clone does not have.
//
// A test asks for the file it needs with Path (or ReadFile). When the file is missing the test is
// skipped with one line naming it, or, when the environment sets MOBILENET_REQUIRE_SHARED=1 (as CI
// does), it fails instead: a clone without the data passes with its skips listed, and CI cannot
// silently skip what it must check.
package shared

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// RequireEnv is the environment variable that turns a missing shared file from a skip into a failure
// when it is set to 1.
const RequireEnv = "MOBILENET_REQUIRE_SHARED"

// Dir returns the shared folder: the directory shared beside the root of the module that holds the
// working directory (a test runs in its package's directory). It returns an error when no go.mod is
// found above the working directory.
func Dir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(filepath.Dir(dir), "shared"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// Path returns the path of rel (a slash-separated path inside the shared folder, such as
// "models/person_detect.tflite", a file or a directory). When it does not exist, Path skips the test,
// or fails it when MOBILENET_REQUIRE_SHARED=1.
func Path(tb testing.TB, rel string) string {
	tb.Helper()
	dir, err := Dir()
	if err != nil {
		missing(tb, rel, err)
	}
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		missing(tb, rel, err)
	}
	return p
}

// ReadFile returns the contents of the shared file rel, skipping or failing the test as Path does when
// it is missing.
func ReadFile(tb testing.TB, rel string) []byte {
	tb.Helper()
	b, err := os.ReadFile(Path(tb, rel))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// Optional returns the contents of the shared file rel, or nil when it cannot be read: for fuzz
// targets, whose seed corpus the shared files enlarge but do not make.
func Optional(rel string) []byte {
	dir, err := Dir()
	if err != nil {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		return nil
	}
	return b
}

// missing ends the test for want of the shared file rel: a failure when RequireEnv is 1, else a skip.
func missing(tb testing.TB, rel string, err error) {
	tb.Helper()
	if errors.Is(err, os.ErrNotExist) {
		err = errors.New("not found")
	}
	if os.Getenv(RequireEnv) == "1" {
		tb.Fatalf("needs ../shared/%s: %v (%s=1)", rel, err, RequireEnv)
	}
	tb.Skipf("needs ../shared/%s: %v", rel, err)
}
