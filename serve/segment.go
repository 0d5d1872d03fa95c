package serve

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"net/http"
	"strconv"

	"github.com/mobilenet-go/mobilenet"
)

// SegmentResult is the answer of /v1/segment: one line of "mobilenet segment --json": the image's
// size and the classes present in it with the share of its pixels each covers, largest first.
type SegmentResult struct {
	Image   string                 `json:"image"`
	Width   int                    `json:"width"`
	Height  int                    `json:"height"`
	Classes []mobilenet.ClassShare `json:"classes"`
}

// segment answers POST /v1/segment: the JSON of SegmentResult, or with ?draw=1 the image with its
// classes blended over it, as PNG.
func (s *Server) segment(w http.ResponseWriter, r *http.Request) {
	draw, err := boolParam(r, "draw")
	if err != nil {
		writeError(w, err)
		return
	}
	if s.cfg.Segmenter == nil {
		writeError(w, errorf(http.StatusNotFound, "serve: no segmentation model is loaded"))
		return
	}
	var res SegmentResult
	var drawn bytes.Buffer
	name, err := s.infer(w, r, "segment", func(ctx context.Context, img image.Image) error {
		seg, err := s.cfg.Segmenter.SegmentContext(ctx, img)
		if err != nil {
			return err
		}
		res.Width, res.Height = seg.ImageWidth, seg.ImageHeight
		if res.Classes, err = seg.Shares(); err != nil || !draw {
			return err
		}
		out, err := mobilenet.DrawSegmentation(img, seg)
		if err != nil {
			return err
		}
		enc := png.Encoder{CompressionLevel: png.BestSpeed}
		return enc.Encode(&drawn, out)
	})
	if err != nil {
		writeError(w, err)
		return
	}
	if draw {
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("Content-Length", strconv.Itoa(drawn.Len()))
		w.Write(drawn.Bytes())
		return
	}
	res.Image = name
	if res.Classes == nil {
		res.Classes = []mobilenet.ClassShare{}
	}
	writeJSON(w, http.StatusOK, res)
}
