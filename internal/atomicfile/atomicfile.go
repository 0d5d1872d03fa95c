// Package atomicfile writes files so that a reader sees the old contents or the new, never a part:
// the data goes to a temporary file in the same directory, which is synced and renamed over the target.
// A failed write leaves an existing file untouched.
package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Write creates or replaces path with what write produces, atomically. The new file has mode 0644.
// Its errors read "writing PATH: …" and name path, never the temporary file.
func Write(path string, write func(io.Writer) error) (err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("writing %s: %w", path, err)
		}
	}()
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return bare(err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	w := bufio.NewWriter(tmp)
	if err := write(w); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return bare(err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return bare(err)
	}
	if err := tmp.Sync(); err != nil {
		return bare(err)
	}
	if err := tmp.Close(); err != nil {
		return bare(err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return bare(err)
	}
	// Make the rename durable where directories can be synced; where they cannot, it has happened anyway.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// bare returns the cause of an error of the file system without the operation and the file name it
// carries, which is the temporary file's.
func bare(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

// WriteBytes creates or replaces path with b, atomically.
func WriteBytes(path string, b []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}
