package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mobilenet-go/mobilenet/internal/golden"
	"github.com/mobilenet-go/mobilenet/vision"
)

// DeepLab's golden file. The model ends in ARG_MAX, whose int64 output the oracle cannot return, and
// the tensor feeding it holds 513·513·21 codes, too many to store. So the oracle runs a copy whose
// subgraph outputs are the logits (the last convolution, [1, 33, 33, 21]) and the ARG_MAX input (the
// last resize, [1, 513, 513, 21]); the file keeps the logits' codes, the SHA-256 of the resize's codes
// and how many pixels the ARG_MAX of those codes (first maximum, as TFLite) gives each class.

const (
	deeplabFile  = "deeplabv3_mnv2_dm05_pascal_quant.tflite"
	deeplabCases = 6
	opArgMax     = 56 // BuiltinOperator ARG_MAX
	opConv2D     = 3
)

// deeplabPhotos are the photos with people (in shared/images) of the DeepLab file.
var deeplabPhotos = []string{"tfls_grace_hopper.jpg", "coral_face.jpg"}

// Names of the derived outputs.
const (
	deeplabHashName   = "ResizeBilinear_2 sha256"
	deeplabCountsName = "ArgMax class pixel counts"
)

const deeplabNotes = "The model ends in ARG_MAX (int64 [1,513,513]), which the oracle cannot return. The oracle ran a copy whose " +
	"subgraph outputs are the logits (the last CONV_2D, uint8 [1,33,33,21]) and the tensor feeding ARG_MAX (the last " +
	"RESIZE_BILINEAR, uint8 [1,513,513,21]); only the SubGraph.outputs vector differs. Outputs here: 0, the logits' codes; " +
	"1, \"" + deeplabHashName + "\": the SHA-256 of the resize's 5,526,549 codes (one byte each, NHWC order) as 8 " +
	"big-endian 32-bit words stored as int32; 2, \"" + deeplabCountsName + "\": for each of the 21 classes, how many of the " +
	"513x513 pixels the ARG_MAX of those codes (over the channels, first maximum on ties, as TFLite) gives it, computed by " +
	"the generator from the oracle's codes. Photo cases: the image decoded by vision.DecodeFile and resized to 513x513 by " +
	"vision.ResizeImage (what mobilenet's Model.Preprocess does); the bytes fed to the oracle are stored in input_b64."

// deeplabTensors returns the output of the model's last CONV_2D (the logits) and the input of its
// ARG_MAX, reading the operator codes (the real code is max(deprecated_builtin_code, builtin_code)).
func deeplabTensors(model []byte) (logits, scores int, err error) {
	b := fbuf(model)
	rootPos, err := b.ref(0)
	if err != nil {
		return 0, 0, err
	}
	root, err := b.table(rootPos)
	if err != nil {
		return 0, 0, err
	}
	codes, err := root.tables(1)
	if err != nil {
		return 0, 0, err
	}
	builtin := make([]int, len(codes))
	for i, c := range codes {
		dep, err := c.i8(0)
		if err != nil {
			return 0, 0, err
		}
		builtin[i] = dep
		if p, err := c.field(3); err != nil {
			return 0, 0, err
		} else if p >= 0 {
			v, err := b.u32(p)
			if err != nil {
				return 0, 0, err
			}
			builtin[i] = max(dep, int(int32(v)))
		}
	}
	subs, err := root.tables(2)
	if err != nil || len(subs) == 0 {
		return 0, 0, fmt.Errorf("goldens: no subgraph (%v)", err)
	}
	ops, err := subs[0].tables(3)
	if err != nil {
		return 0, 0, err
	}
	logits, scores = -1, -1
	for _, op := range ops {
		p, err := op.field(0) // opcode_index, a uint32 (default 0)
		if err != nil {
			return 0, 0, err
		}
		code := 0
		if p >= 0 {
			v, err := b.u32(p)
			if err != nil {
				return 0, 0, err
			}
			code = int(v)
		}
		if code < 0 || code >= len(builtin) {
			return 0, 0, fmt.Errorf("goldens: opcode index %d out of range", code)
		}
		ins, err := op.ints(1)
		if err != nil || len(ins) == 0 {
			return 0, 0, fmt.Errorf("goldens: operator without inputs (%v)", err)
		}
		outs, err := op.ints(2)
		if err != nil || len(outs) == 0 {
			return 0, 0, fmt.Errorf("goldens: operator without outputs (%v)", err)
		}
		switch builtin[code] {
		case opConv2D:
			logits = outs[0]
		case opArgMax:
			scores = ins[0]
		}
	}
	if logits < 0 || scores < 0 {
		return 0, 0, fmt.Errorf("goldens: no CONV_2D or no ARG_MAX in the model")
	}
	return logits, scores, nil
}

// deeplabJobs prepares the oracle runs of the DeepLab file: its patched copy (written into tmp), the
// seeded cases and the photo cases.
func deeplabJobs(modelsDir, imagesDir, tmp string) (*graph, []*job, []*job, error) {
	path := filepath.Join(modelsDir, deeplabFile)
	model, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("goldens: %w", err)
	}
	g, err := readGraph(model)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", deeplabFile, err)
	}
	logits, scores, err := deeplabTensors(model)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", deeplabFile, err)
	}
	patched, err := withOutputs(model, g, []int{logits, scores})
	if err != nil {
		return nil, nil, nil, err
	}
	copyPath := filepath.Join(tmp, "outputs_"+deeplabFile)
	if err := os.WriteFile(copyPath, patched, 0o644); err != nil {
		return nil, nil, nil, fmt.Errorf("goldens: %w", err)
	}
	log.Printf("%s: outputs set to tensors %d (%s) and %d (%s)", deeplabFile, logits, g.Tensors[logits].Name, scores, g.Tensors[scores].Name)
	s := spec{file: deeplabFile, kind: golden.KindUint8, cases: deeplabCases}
	seeded, err := seededJobs(s, g, copyPath)
	if err != nil {
		return nil, nil, nil, err
	}
	in := g.Tensors[g.Inputs[0]]
	if len(in.Shape) != 4 {
		return nil, nil, nil, fmt.Errorf("goldens: %s: input shape %v", deeplabFile, in.Shape)
	}
	var photos []*job
	for _, p := range deeplabPhotos {
		img, _, err := vision.DecodeFile(filepath.Join(imagesDir, p), 100_000_000)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("goldens: %w", err)
		}
		px, err := vision.ResizeImage(img, in.Shape[1], in.Shape[2], in.Shape[3], 0)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("goldens: %s: %w", p, err)
		}
		photos = append(photos, &job{model: copyPath, inputs: [][]byte{px.Uint8()}, label: p})
	}
	return g, seeded, photos, nil
}

// deeplabOutputs turns the oracle's two outputs into the file's three: the logits, the resize's hash
// and the class pixel counts of its ARG_MAX.
func deeplabOutputs(outs []golden.Output) ([]golden.Output, string, error) {
	if len(outs) != 2 || outs[0].DType != "int32" || outs[1].DType != "int32" || len(outs[1].Shape) != 4 {
		return nil, "", fmt.Errorf("goldens: want the logits and the resized scores, got %d outputs", len(outs))
	}
	logits, scores := outs[0], outs[1]
	for _, o := range outs {
		for _, v := range o.Ints {
			if v < 0 || v > 255 {
				return nil, "", fmt.Errorf("goldens: %s: code %d outside [0, 255]", o.Name, v)
			}
		}
	}
	classes := scores.Shape[3]
	if classes < 1 || logits.Shape[len(logits.Shape)-1] != classes {
		return nil, "", fmt.Errorf("goldens: logits %v and scores %v disagree on the classes", logits.Shape, scores.Shape)
	}
	codes := make([]byte, len(scores.Ints))
	for i, v := range scores.Ints {
		codes[i] = byte(v)
	}
	sum := sha256.Sum256(codes)
	hash := golden.Output{Name: deeplabHashName, Shape: []int{8}, DType: "int32"}
	for i := 0; i < 8; i++ {
		hash.Ints = append(hash.Ints, int32(binary.BigEndian.Uint32(sum[4*i:])))
	}
	counts := golden.Output{Name: deeplabCountsName, Shape: []int{classes}, DType: "int32", Ints: make([]int32, classes)}
	for p := 0; p < len(codes)/classes; p++ {
		px := codes[p*classes : (p+1)*classes]
		best := 0
		for c := 1; c < classes; c++ {
			if px[c] > px[best] {
				best = c
			}
		}
		counts.Ints[best]++
	}
	top := slices.Index(counts.Ints, slices.Max(counts.Ints))
	summary := fmt.Sprintf("sha256 %x…, most pixels: class %d (%d of %d)", sum[:4], top, counts.Ints[top], len(codes)/classes)
	return []golden.Output{logits, hash, counts}, summary, nil
}

// writeDeepLab writes the DeepLab golden file from its finished oracle runs.
func writeDeepLab(outDir string, g *graph, seeded, photos []*job) error {
	f := &golden.File{
		Model:     strings.TrimSuffix(deeplabFile, ".tflite"),
		Generator: generatorCmd,
		Oracle:    oracleName,
		SeedRule:  seedRule(1, golden.KindUint8),
		InputKind: golden.KindUint8,
		Notes:     deeplabNotes,
	}
	for k, j := range append(slices.Clone(seeded), photos...) {
		if j.err != nil {
			return fmt.Errorf("%s: %w", j.label, j.err)
		}
		if err := checkDescriptors(f, j, g); err != nil {
			return err
		}
		outs, summary, err := deeplabOutputs(j.outs)
		if err != nil {
			return fmt.Errorf("%s: %w", j.label, err)
		}
		log.Printf("%s: %s", j.label, summary)
		if k < len(seeded) {
			seeds := seedsFor(k, 1)
			f.Cases = append(f.Cases, golden.Case{Seed: seeds[0], Seeds: seeds, Outputs: outs})
			continue
		}
		f.Cases = append(f.Cases, golden.Case{Image: j.label, Outputs: outs,
			InputB64: []string{base64.StdEncoding.EncodeToString(j.inputs[0])}})
	}
	return writeFile(filepath.Join(outDir, strings.TrimSuffix(deeplabFile, ".tflite")+".json"), f)
}
