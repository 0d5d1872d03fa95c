package tflite

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"strings"
)

// Limits on the zip archive of associated files.
const (
	maxAssociatedFiles = 1024
	maxAssociatedBytes = 64 << 20 // total uncompressed size
)

// zipEndSignature starts a zip archive's end-of-central-directory record.
var zipEndSignature = []byte("PK\x05\x06")

// AssociatedFiles returns the files of the zip archive some models carry after the
// flatbuffer (TFLite metadata packs label files that way), name → content. It returns an
// empty map when the model carries no archive. At most 1024 files and 64 MiB of
// uncompressed content are read; a larger, duplicate-named or corrupt archive is an error.
func (m *Model) AssociatedFiles() (map[string][]byte, error) {
	files := map[string][]byte{}
	if !bytes.Contains(m.Extra, zipEndSignature) {
		return files, nil
	}
	// The archive's offsets may count from the start of the archive or of the file;
	// archive/zip finds the archive from its end and accepts data before it.
	zr, err := zip.NewReader(bytes.NewReader(m.raw), int64(len(m.raw)))
	if err != nil {
		return nil, fmt.Errorf("tflite: associated files: %v", err)
	}
	if len(zr.File) > maxAssociatedFiles {
		return nil, fmt.Errorf("tflite: associated files: %d files, more than %d", len(zr.File), maxAssociatedFiles)
	}
	left := uint64(maxAssociatedBytes)
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") {
			continue
		}
		if _, dup := files[f.Name]; dup {
			return nil, fmt.Errorf("tflite: associated files: %q appears twice", f.Name)
		}
		if f.UncompressedSize64 > left {
			return nil, fmt.Errorf("tflite: associated files: %q (%d bytes) exceeds the %d-byte limit", f.Name, f.UncompressedSize64, maxAssociatedBytes)
		}
		data, err := readZipFile(f)
		if err != nil {
			return nil, fmt.Errorf("tflite: associated files: %q: %v", f.Name, err)
		}
		left -= uint64(len(data))
		files[f.Name] = data
	}
	return files, nil
}

// readZipFile reads f, which declares at most the remaining limit; archive/zip refuses
// content longer than declared, and the limited reader backs that up.
func readZipFile(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	want := f.UncompressedSize64
	data, err := io.ReadAll(io.LimitReader(rc, int64(want)+1))
	if err != nil {
		return nil, err
	}
	if uint64(len(data)) != want {
		return nil, fmt.Errorf("content is %d bytes, header says %d", len(data), want)
	}
	return data, nil
}
