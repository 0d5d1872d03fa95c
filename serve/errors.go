package serve

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/mobilenet-go/mobilenet/vision"
)

var (
	// errQueueTimeout: the request's timeout ran out while it waited for a worker.
	errQueueTimeout = errors.New("serve: timed out waiting for a worker, retry later")
	// errRunTimeout: the inference started but did not end within the request's timeout.
	errRunTimeout = errors.New("serve: inference did not finish within the request's timeout")
)

// httpError is an error with the status it is answered with.
type httpError struct {
	status     int
	msg        string
	retryAfter int // seconds; 0: no Retry-After header
}

func (e *httpError) Error() string { return e.msg }

// errorf returns an httpError with a formatted message.
func errorf(status int, format string, args ...any) *httpError {
	return &httpError{status: status, msg: fmt.Sprintf(format, args...)}
}

// imageStatus returns the status for an error of decoding or running the model on an upload.
func imageStatus(err error) int {
	switch {
	case errors.Is(err, vision.ErrTooManyPixels):
		return http.StatusUnprocessableEntity
	case errors.Is(err, vision.ErrUnknownFormat), errors.Is(err, vision.ErrCorrupt):
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// errorBody is the JSON body of every error response.
type errorBody struct {
	Error string `json:"error"`
}

// writeError answers err: an httpError with its own status, anything else with 500.
func writeError(w http.ResponseWriter, err error) {
	he, ok := err.(*httpError)
	if !ok {
		he = &httpError{status: http.StatusInternalServerError, msg: err.Error()}
	}
	if he.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(he.retryAfter))
	}
	writeJSON(w, he.status, errorBody{Error: he.msg})
}

// writeJSON answers v as JSON with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(errorBody{Error: "serve: encoding the response: " + err.Error()})
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)+1))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
