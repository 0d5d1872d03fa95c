package serve

import (
	_ "embed"
	"net/http"
	"strconv"
)

// pageHTML is the web page: one self-contained file, no outside resources.
//
//go:embed page/index.html
var pageHTML []byte

// pageCSP allows the page its inline script and style, images from the picked file, and requests to
// this server only.
const pageCSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src blob: data:; connect-src 'self'; base-uri 'none'; form-action 'none'"

// servePage answers GET /.
func servePage(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(pageHTML)))
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	w.Write(pageHTML)
}
