package main

import (
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/assets"
	"github.com/mobilenet-go/mobilenet/internal/golden"
)

// TestDeepLabTensors finds the logits and the ARG_MAX input of the built-in DeepLab model (the same
// file as shared/models'), and the patched copy outputs exactly those.
func TestDeepLabTensors(t *testing.T) {
	logits, scores, err := deeplabTensors(assets.DefaultSegmenter)
	if err != nil {
		t.Fatal(err)
	}
	if logits != 182 || scores != 184 {
		t.Fatalf("logits %d, scores %d; want 182 and 184 (inspect lists them)", logits, scores)
	}
	g, err := readGraph(assets.DefaultSegmenter)
	if err != nil {
		t.Fatal(err)
	}
	patched, err := withOutputs(assets.DefaultSegmenter, g, []int{logits, scores})
	if err != nil {
		t.Fatal(err)
	}
	back, err := readGraph(patched)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.Outputs, []int{182, 184}) || len(back.Tensors) != len(g.Tensors) {
		t.Errorf("patched outputs %v", back.Outputs)
	}
}

// TestDeepLabOutputs: the hash is the SHA-256 of the codes, and the class counts take the first
// maximum on ties, as TFLite's ARG_MAX does.
func TestDeepLabOutputs(t *testing.T) {
	logits := golden.Output{Name: "logits", Shape: []int{1, 1, 1, 3}, DType: "int32", Ints: []int32{1, 2, 3}}
	// Pixel 0: 5 5 1 → class 0 (tie); pixel 1: 0 2 2 → class 1 (tie).
	scores := golden.Output{Name: "scores", Shape: []int{1, 1, 2, 3}, DType: "int32", Ints: []int32{5, 5, 1, 0, 2, 2}}
	outs, _, err := deeplabOutputs([]golden.Output{logits, scores})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte{5, 5, 1, 0, 2, 2})
	if int32(binary.BigEndian.Uint32(sum[:])) != outs[1].Ints[0] || len(outs[1].Ints) != 8 {
		t.Errorf("hash %v", outs[1].Ints)
	}
	if !slices.Equal(outs[2].Ints, []int32{1, 1, 0}) {
		t.Errorf("counts %v, want [1 1 0]", outs[2].Ints)
	}
	scores.Ints[0] = 256
	if _, _, err := deeplabOutputs([]golden.Output{logits, scores}); err == nil {
		t.Error("a code of 256 accepted")
	}
}
