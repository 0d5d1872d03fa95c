package serve

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"os"
)

// upload is the image a request carries.
type upload struct {
	name string // the multipart file name, else "body"
	data []byte
}

// readUpload reads the image of r, at most s.cfg.MaxBody bytes: the multipart/form-data field "image",
// or else the whole body.
func (s *Server) readUpload(w http.ResponseWriter, r *http.Request) (*upload, error) {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBody)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		data, err := readAll(r.Body)
		if err != nil {
			return nil, s.bodyError(err)
		}
		if len(data) == 0 {
			return nil, errorf(http.StatusBadRequest, `serve: empty body: send an image, raw or as the multipart field "image"`)
		}
		return &upload{name: "body", data: data}, nil
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "serve: multipart body: %v", err)
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil, errorf(http.StatusBadRequest, `serve: the multipart form has no field "image"`)
		}
		if err != nil {
			return nil, s.bodyError(err)
		}
		if part.FormName() != "image" {
			if _, err := io.Copy(io.Discard, part); err != nil {
				return nil, s.bodyError(err)
			}
			continue
		}
		data, err := readAll(part)
		if err != nil {
			return nil, s.bodyError(err)
		}
		if len(data) == 0 {
			return nil, errorf(http.StatusBadRequest, `serve: the multipart field "image" is empty`)
		}
		name := part.FileName()
		if name == "" {
			name = "body"
		}
		return &upload{name: name, data: data}, nil
	}
}

// readAll reads r to its end into a buffer that grows with what arrives, never with what the client
// announced: a Content-Length is a claim, not bytes.
func readAll(r io.Reader) ([]byte, error) {
	var buf bytes.Buffer
	_, err := buf.ReadFrom(r)
	return buf.Bytes(), err
}

// bodyError turns an error of reading the body into its response: 413 over the limit, 408 past the
// deadline, 400 otherwise.
func (s *Server) bodyError(err error) error {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return errorf(http.StatusRequestEntityTooLarge, "serve: body over the limit of %d bytes", tooBig.Limit)
	case errors.Is(err, os.ErrDeadlineExceeded):
		return errorf(http.StatusRequestTimeout, "serve: the body did not arrive within %v", s.cfg.BodyTimeout)
	}
	return errorf(http.StatusBadRequest, "serve: reading the body: %v", err)
}
