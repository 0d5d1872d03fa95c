package main

import (
	"encoding/base64"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mobilenet-go/mobilenet/internal/golden"
	"github.com/mobilenet-go/mobilenet/vision"
)

// The golden files of the official MobileNet V2 classifiers. The oracle runs a copy of each whose
// subgraph outputs are the model's own output followed by intermediate tensors (the logits, and for the
// TF2 file the MEAN's output), so that a mismatch can be traced to an op; only SubGraph.outputs differs.

// v2Spec is one V2 classifier's golden file.
type v2Spec struct {
	file    string
	classes int
	extra   []int    // tensors exposed after the model's output
	names   []string // the start of each extra tensor's name, checked against the file
	notes   string
}

const v2Cases = 8

var v2Specs = []v2Spec{
	{file: "mobilenet_v2_1.0_224_inat_bird_quant.tflite", classes: 965,
		extra: []int{172}, names: []string{"Logits/BiasAdd"},
		notes: "uint8 throughout (ADD, AVERAGE_POOL_2D, CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, RESHAPE, SOFTMAX). " +
			"Outputs: 0, the softmax (uint8 codes, 965 classes, labels in shared/labels/inat_bird_labels.txt); 1, the " +
			"FULLY_CONNECTED logits feeding it (tensor 172)."},
	{file: "tf2_mobilenet_v2_1.0_224_ptq.tflite", classes: 1001,
		extra: []int{172, 174}, names: []string{"MobileNetV2/top/Reshape/Reshape", "MobileNetV2/top/SpatialSqueeze/Reshape"},
		notes: "uint8 input and output, int8 per-channel inside, QUANTIZE at both ends. Outputs: 0, the uint8 softmax " +
			"(Identity, 1001 classes); 1, the int8 MEAN output (tensor 172, [1,1,1,1280]); 2, the int8 logits feeding " +
			"SOFTMAX (tensor 174). int8 codes are reported as int32."},
}

// v2Photos are the photos (in shared/images) run through both V2 classifiers.
var v2Photos = []string{"coral_parrot.jpg", "tfls_sparrow.png", "tfls_cat.jpg", "tfls_burger.jpg", "coral_hot_dog.jpg"}

const v2PhotoRule = " Photo cases: the image decoded by vision.DecodeFile and resized to 224x224 by vision.ResizeImage " +
	"(what mobilenet's Model.Preprocess does); the bytes fed to the oracle are stored in input_b64."

// v2Model is one V2 file's prepared runs.
type v2Model struct {
	spec           v2Spec
	g              *graph
	seeded, photos []*job
}

// v2Names returns the base names of the V2 golden files (the -only choices).
func v2Names() []string {
	var n []string
	for _, s := range v2Specs {
		n = append(n, strings.TrimSuffix(s.file, ".tflite"))
	}
	return n
}

// v2Jobs prepares the oracle runs of the V2 files whose base name is in only (every file when only
// is empty).
func v2Jobs(modelsDir, imagesDir, tmp, only string) ([]*v2Model, error) {
	var ms []*v2Model
	for _, s := range v2Specs {
		if only != "" && only != strings.TrimSuffix(s.file, ".tflite") {
			continue
		}
		model, err := os.ReadFile(filepath.Join(modelsDir, s.file))
		if err != nil {
			return nil, fmt.Errorf("goldens: %w", err)
		}
		g, err := readGraph(model)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.file, err)
		}
		if len(g.Outputs) != 1 || len(g.Inputs) != 1 {
			return nil, fmt.Errorf("goldens: %s: %d inputs and %d outputs, want 1 and 1", s.file, len(g.Inputs), len(g.Outputs))
		}
		for i, t := range s.extra {
			if t >= len(g.Tensors) || !strings.HasPrefix(g.Tensors[t].Name, s.names[i]) {
				return nil, fmt.Errorf("goldens: %s: tensor %d is not %s", s.file, t, s.names[i])
			}
		}
		patched, err := withOutputs(model, g, append([]int{g.Outputs[0]}, s.extra...))
		if err != nil {
			return nil, err
		}
		copyPath := filepath.Join(tmp, "outputs_"+s.file)
		if err := os.WriteFile(copyPath, patched, 0o644); err != nil {
			return nil, fmt.Errorf("goldens: %w", err)
		}
		m := &v2Model{spec: s, g: g}
		if m.seeded, err = seededJobs(spec{file: s.file, kind: golden.KindUint8, cases: v2Cases}, g, copyPath); err != nil {
			return nil, err
		}
		in := g.Tensors[g.Inputs[0]]
		for _, p := range v2Photos {
			img, _, err := vision.DecodeFile(filepath.Join(imagesDir, p), 100_000_000)
			if err != nil {
				return nil, fmt.Errorf("goldens: %w", err)
			}
			px, err := vision.ResizeImage(img, in.Shape[1], in.Shape[2], in.Shape[3], 0)
			if err != nil {
				return nil, fmt.Errorf("goldens: %s: %w", p, err)
			}
			m.photos = append(m.photos, &job{model: copyPath, inputs: [][]byte{px.Uint8()}, label: p})
		}
		ms = append(ms, m)
	}
	return ms, nil
}

// v2AllJobs lists every oracle run of the prepared V2 files.
func v2AllJobs(ms []*v2Model) []*job {
	var all []*job
	for _, m := range ms {
		all = append(all, m.seeded...)
		all = append(all, m.photos...)
	}
	return all
}

// checkV2 checks a V2 case: a uint8 softmax over the classes summing to about 256, then the extras.
func checkV2(s v2Spec, outs []golden.Output) (string, error) {
	if len(outs) != 1+len(s.extra) || outs[0].DType != "int32" || !slices.Equal(outs[0].Shape, []int{1, s.classes}) {
		return "", fmt.Errorf("goldens: want an int32 [1 %d] output and %d more, got %d outputs", s.classes, len(s.extra), len(outs))
	}
	sum := 0
	for _, v := range outs[0].Ints {
		if v < 0 || v > 255 {
			return "", fmt.Errorf("goldens: code %d outside [0, 255]", v)
		}
		sum += int(v)
	}
	if sum < 128 || sum > 384 {
		return "", fmt.Errorf("goldens: softmax codes sum to %d, want about 256", sum)
	}
	return fmt.Sprintf("sum %d top %d (code %d)", sum, argmaxInt(outs[0].Ints), slices.Max(outs[0].Ints)), nil
}

// writeV2 writes the golden files of the prepared V2 files from their finished oracle runs.
func writeV2(outDir string, ms []*v2Model) error {
	for _, m := range ms {
		f := &golden.File{
			Model:     strings.TrimSuffix(m.spec.file, ".tflite"),
			Generator: generatorCmd,
			Oracle:    oracleName,
			SeedRule:  seedRule(1, golden.KindUint8),
			InputKind: golden.KindUint8,
			Notes:     m.spec.notes + v2PhotoRule,
		}
		for k, j := range append(slices.Clone(m.seeded), m.photos...) {
			if j.err != nil {
				return fmt.Errorf("%s: %w", j.label, j.err)
			}
			if err := checkDescriptors(f, j, m.g); err != nil {
				return err
			}
			summary, err := checkV2(m.spec, j.outs)
			if err != nil {
				return fmt.Errorf("%s: %w", j.label, err)
			}
			log.Printf("%s %s: %s", m.spec.file, j.label, summary)
			if k < len(m.seeded) {
				seeds := seedsFor(k, 1)
				f.Cases = append(f.Cases, golden.Case{Seed: seeds[0], Seeds: seeds, Outputs: j.outs})
				continue
			}
			f.Cases = append(f.Cases, golden.Case{Image: j.label, Outputs: j.outs,
				InputB64: []string{base64.StdEncoding.EncodeToString(j.inputs[0])}})
		}
		if err := writeFile(filepath.Join(outDir, f.Model+".json"), f); err != nil {
			return err
		}
	}
	return nil
}
