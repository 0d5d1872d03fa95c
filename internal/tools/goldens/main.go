// Command goldens writes testdata/golden: reference outputs of the real TensorFlow Lite interpreter
// (shared/oracle, tfjs-tflite with XNNPACK, under Node) for the models in shared/models.
//
// Each model gets one JSON file (format: package internal/golden). Seeded cases feed inputs from
// package lcg; the SSD detector also gets four photos, and the SSD post-process head gets the
// detector's own predictor outputs on those photos; photo cases store their input bytes. The int8
// TFLite Micro person detector runs as a copy whose rank-1 tensors have quantized_dimension 0 (the
// oracle refuses the original's 3 there), on seeded inputs and on its two example images.
// DeepLab (deeplab.go) runs as a copy whose outputs are its logits and the input of its ARG_MAX; its
// file keeps the logits, the SHA-256 of the ARG_MAX input and the class pixel counts, on seeded inputs
// and two photos with people. -only deeplabv3_mnv2_dm05_pascal_quant writes that file alone.
//
// Usage (scripts/goldens.sh sets up the oracle first):
//
//	go run ./internal/tools/goldens -oracle /tmp/oracle -models ../shared/models -out testdata/golden
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mobilenet-go/mobilenet/internal/golden"
	"github.com/mobilenet-go/mobilenet/internal/lcg"
)

const (
	oracleName   = "tfjs-tflite 0.0.1-alpha.10 (XNNPACK)"
	generatorCmd = "scripts/goldens.sh, i.e. go run ./internal/tools/goldens -oracle ORACLE_DIR -models ../shared/models -images ../shared/images -out testdata/golden"
	detectorFile = "coco_ssd_mobilenet_v1_1.0_quant_2018_06_29_no_metadata.tflite"
	headFile     = "ssd_mobilenet_v1_coco_quant_postprocess_head_layers.tflite"
	personFile   = "person_detect.tflite"
	firstSeed    = 1000
	seedStride   = 16 // seed step between cases of a multi-input model
	photoSize    = 300
)

// photos are the images (in shared/images) run through the SSD detector.
var photos = []string{"tfls_cats_and_dogs.jpg", "tfls_grace_hopper.jpg", "tfls_multi_objects.jpg", "coral_pets.jpg"}

// personImages are the person detector's example images (in shared/images), [person, no person].
var personImages = []string{"tflm_person_96x96.bmp", "tflm_no_person_96x96.bmp"}

// spec says how to make one model's golden file.
type spec struct {
	file  string
	kind  string
	cases int
	check func([]golden.Output) (string, error)
}

var specs = []spec{
	{"mobilenet_v1_0.25_128_quant.tflite", golden.KindUint8, 24, checkUint8Classifier},
	{"mobilenet_v1_0.25_224_quant.tflite", golden.KindUint8, 24, checkUint8Classifier},
	{"mobilenet_v1_0.75_192_quant.tflite", golden.KindUint8, 24, checkUint8Classifier},
	{"mobilenet_v1_0.25_224_1_default_1.tflite", golden.KindFloat32, 24, checkFloatClassifier},
	{detectorFile, golden.KindUint8, 24, checkDetections},
	{headFile, golden.KindUint8, 24, checkDetections},
	{personFile, golden.KindInt8, 24, checkPersonDetector},
}

// job is one oracle run.
type job struct {
	model  string
	inputs [][]byte
	int8   bool // the inputs are int8 (the oracle's --int8)
	label  string
	res    *oracleResult
	outs   []golden.Output
	err    error
}

func main() {
	oracleDir := flag.String("oracle", "", "directory of shared/oracle with its node_modules installed")
	modelsDir := flag.String("models", "../shared/models", "directory of the .tflite models")
	imagesDir := flag.String("images", "", "directory of the photos (default: MODELS/../images)")
	outDir := flag.String("out", "testdata/golden", "where to write the golden files")
	par := flag.Int("j", runtime.NumCPU(), "oracle runs at a time")
	only := flag.String("only", "", "write only this model's golden file (its base name, e.g. "+strings.TrimSuffix(deeplabFile, ".tflite")+"); default: every file")
	flag.Parse()
	log.SetFlags(0)
	if *oracleDir == "" {
		log.Fatal("goldens: -oracle is required")
	}
	if *imagesDir == "" {
		*imagesDir = filepath.Join(*modelsDir, "..", "images")
	}
	start := time.Now()
	if err := generate(*oracleDir, *modelsDir, *imagesDir, *outDir, max(*par, 1), *only); err != nil {
		log.Fatal(err)
	}
	log.Printf("done in %s", time.Since(start).Round(time.Second))
}

func generate(oracleDir, modelsDir, imagesDir, outDir string, par int, only string) error {
	tmp, err := os.MkdirTemp("", "goldens")
	if err != nil {
		return fmt.Errorf("goldens: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return fmt.Errorf("goldens: %w", err)
	}
	dlGraph, dlSeeded, dlPhotos, err := deeplabJobs(modelsDir, imagesDir, tmp)
	if err != nil {
		return err
	}
	v2, err := v2Jobs(modelsDir, imagesDir, tmp, only)
	if err != nil {
		return err
	}
	switch only {
	case "":
		// Every file: DeepLab's runs go with the others.
	case strings.TrimSuffix(deeplabFile, ".tflite"):
		runJobs(oracleDir, tmp, slices.Concat(dlSeeded, dlPhotos), par)
		return writeDeepLab(outDir, dlGraph, dlSeeded, dlPhotos)
	case v2Names()[0], v2Names()[1]:
		runJobs(oracleDir, tmp, v2AllJobs(v2), par)
		return writeV2(outDir, v2)
	default:
		return fmt.Errorf("goldens: -only %q: the choices are %s, %s", only, strings.TrimSuffix(deeplabFile, ".tflite"), strings.Join(v2Names(), ", "))
	}
	labels := readLabels(filepath.Join(modelsDir, "..", "labels", "coco_labelmap_tflite_support.txt"))

	graphs := map[string]*graph{}
	var seeded [][]*job
	personPath := ""
	for _, s := range specs {
		path := filepath.Join(modelsDir, s.file)
		g, err := readModel(path)
		if err != nil {
			return err
		}
		graphs[s.file] = g
		if s.file == personFile {
			if path, err = rank1AxisZeroCopy(path, tmp); err != nil {
				return err
			}
			personPath = path
		}
		jobs, err := seededJobs(s, g, path)
		if err != nil {
			return err
		}
		seeded = append(seeded, jobs)
	}

	// The detector on the photos, as published and with its twelve predictor outputs exposed.
	det, head := graphs[detectorFile], graphs[headFile]
	detPath := filepath.Join(modelsDir, detectorFile)
	exposed, err := exposePredictors(detPath, det, head, tmp)
	if err != nil {
		return err
	}
	var plain, wide []*job
	for _, p := range photos {
		in, err := photoInput(filepath.Join(imagesDir, p), photoSize, photoSize)
		if err != nil {
			return err
		}
		plain = append(plain, &job{model: detPath, inputs: [][]byte{in}, label: p})
		wide = append(wide, &job{model: exposed, inputs: [][]byte{in}, label: p + " (predictors exposed)"})
	}
	var person []*job
	for _, p := range personImages {
		in, w, h, err := greyBMP(filepath.Join(imagesDir, p))
		if err != nil {
			return err
		}
		if in := graphs[personFile].Tensors[graphs[personFile].Inputs[0]]; in.elems() != w*h {
			return fmt.Errorf("goldens: %s is %dx%d, the person detector takes %v", p, w, h, in.Shape)
		}
		person = append(person, &job{model: personPath, inputs: [][]byte{in}, int8: true, label: p})
	}
	all := slices.Concat(slices.Concat(seeded...), plain, wide, person, dlSeeded, dlPhotos, v2AllJobs(v2))
	runJobs(oracleDir, tmp, all, par)
	for _, j := range all {
		if j.err != nil {
			return fmt.Errorf("%s: %w", j.label, j.err)
		}
	}

	// The head on the detector's predictor outputs, requantized to the head's input parameters.
	var headJobs []*job
	for i, w := range wide {
		n := len(head.Inputs)
		if !sameOutputs(w.outs[n:], plain[i].outs) {
			return fmt.Errorf("goldens: %s: exposing the predictors changed the detections", photos[i])
		}
		ins, err := requantize(w.outs[:n], det, head)
		if err != nil {
			return err
		}
		headJobs = append(headJobs, &job{model: filepath.Join(modelsDir, headFile), inputs: ins, label: photos[i] + " (head)"})
	}
	runJobs(oracleDir, tmp, headJobs, par)
	for _, j := range headJobs {
		if j.err != nil {
			return fmt.Errorf("%s: %w", j.label, j.err)
		}
	}

	for k, s := range specs {
		f, err := newFile(s, seeded[k], graphs[s.file])
		if err != nil {
			return err
		}
		switch s.file {
		case detectorFile:
			f.Notes = detectorNotes
			if err := addPhotoCases(f, s, plain, photos, labels); err != nil {
				return err
			}
		case headFile:
			f.Notes = headNotes
			if err := addPhotoCases(f, s, headJobs, photos, labels); err != nil {
				return err
			}
		case personFile:
			f.Notes = personNotes
			if err := addPhotoCases(f, s, person, personImages, nil); err != nil {
				return err
			}
		}
		if err := writeFile(filepath.Join(outDir, strings.TrimSuffix(s.file, ".tflite")+".json"), f); err != nil {
			return err
		}
	}
	if err := writeV2(outDir, v2); err != nil {
		return err
	}
	return writeDeepLab(outDir, dlGraph, dlSeeded, dlPhotos)
}

const personNotes = "The oracle ran a copy of " + personFile + " whose rank-1 tensors (the per-channel biases) store " +
	"quantized_dimension 0 instead of 3: the oracle's interpreter refuses an axis beyond a tensor's rank, and a rank-1 tensor " +
	"has only axis 0; no other byte differs. Inputs are int8 (seeded: lcg.Int8s). Photo cases: the example images " +
	"tflm_person_96x96.bmp and tflm_no_person_96x96.bmp, whose 8-bit grey values (top-down) are the int8 tensor itself; " +
	"the bytes fed to the oracle are stored in input_b64. Outputs: [notperson, person], int8 codes, scale 1/256, zero point -128."

// rank1AxisZeroCopy writes the model with its rank-1 quantized_dimension fields set to 0 into dir and
// returns the copy's path.
func rank1AxisZeroCopy(path, dir string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("goldens: %w", err)
	}
	out, n, err := withRank1AxisZero(b)
	if err != nil {
		return "", fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	log.Printf("%s: %d rank-1 tensors set to quantized_dimension 0", filepath.Base(path), n)
	copyPath := filepath.Join(dir, "axis0_"+filepath.Base(path))
	if err := os.WriteFile(copyPath, out, 0o644); err != nil {
		return "", fmt.Errorf("goldens: %w", err)
	}
	return copyPath, nil
}

const photoRule = "Photo cases: the JPEG decoded by Go's image/jpeg, resized to 300x300 RGB by bilinear interpolation " +
	"on half-pixel centres (source coordinate (x+0.5)*W/300-0.5 clamped to the image, round half up); " +
	"the bytes fed to the oracle are stored in input_b64."

const detectorNotes = "Noise inputs give low-score detections; the photo cases give real ones. " + photoRule +
	" Scores are multiples of 1/256 (the sigmoid output is uint8), so equal scores occur and their order is the interpreter's."

const headNotes = "Seeded cases are uniform uint8 noise on all twelve inputs: class logits of noise give many equal " +
	"scores, so the order among equal scores is the interpreter's own tie-break. Photo cases: the inputs are the twelve " +
	"predictor outputs (BoxPredictor_i/BoxEncodingPredictor/BiasAdd, BoxPredictor_i/ClassPredictor/BiasAdd) of " +
	detectorFile + " on the named photo (prepared as in that file's photo cases), obtained by running the detector " +
	"with those tensors added to its outputs (the detections stayed identical), then requantized from the detector's " +
	"scale and zero point to this model's: q' = clamp(round_half_away(s*(q-z)/s') + z', 0, 255) in float64. " + photoRule

// readModel reads a model's main subgraph.
func readModel(path string) (*graph, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("goldens: %w", err)
	}
	g, err := readGraph(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return g, nil
}

// seedsFor returns the seeds of case k for a model with nIn inputs: 1000+k for one input, otherwise
// 1000+16k+i for input i.
func seedsFor(k, nIn int) []uint32 {
	if nIn == 1 {
		return []uint32{uint32(firstSeed + k)}
	}
	s := make([]uint32, nIn)
	for i := range s {
		s[i] = uint32(firstSeed + seedStride*k + i)
	}
	return s
}

// seedRule describes seedsFor and the input kind for the golden file.
func seedRule(nIn int, kind string) string {
	gen := "lcg.Uint8s(seed, n)"
	switch kind {
	case golden.KindInt8:
		gen = "lcg.Int8s(seed, n)"
	case golden.KindFloat32:
		gen = "lcg.Float32s(seed, n), stored as float32"
	}
	if nIn == 1 {
		return fmt.Sprintf("case k (0-based) has seed %d+k; its input is %s, n = the input's element count in NHWC order", firstSeed, gen)
	}
	return fmt.Sprintf("case k (0-based): model input i (in model input order) has seed %d+%d*k+i and is %s, n = that input's element count; seeds lists them", firstSeed, seedStride, gen)
}

// seededJobs makes the inputs of every seeded case of a model.
func seededJobs(s spec, g *graph, path string) ([]*job, error) {
	wantType := map[string]int{golden.KindUint8: 3, golden.KindInt8: 9, golden.KindFloat32: 0}[s.kind]
	var jobs []*job
	for k := 0; k < s.cases; k++ {
		j := &job{model: path, int8: s.kind == golden.KindInt8, label: fmt.Sprintf("%s case %d", s.file, k)}
		for i, seed := range seedsFor(k, len(g.Inputs)) {
			t := g.Tensors[g.Inputs[i]]
			if t.Type != wantType {
				return nil, fmt.Errorf("goldens: %s: input %d has type %d, want %d", s.file, i, t.Type, wantType)
			}
			j.inputs = append(j.inputs, seededInput(s.kind, seed, t.elems()))
		}
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// seededInput returns the raw little-endian bytes of one seeded input.
func seededInput(kind string, seed uint32, n int) []byte {
	switch kind {
	case golden.KindUint8:
		return lcg.Uint8s(seed, n)
	case golden.KindInt8:
		b := make([]byte, n)
		for i, v := range lcg.Int8s(seed, n) {
			b[i] = byte(v)
		}
		return b
	}
	b := make([]byte, 0, 4*n)
	for _, v := range lcg.Float32s(seed, n) {
		b = appendFloat32(b, v)
	}
	return b
}

// runJobs runs the jobs on par workers and converts their outputs.
func runJobs(oracleDir, tmp string, jobs []*job, par int) {
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < par; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				jobs[i].run(oracleDir, tmp, fmt.Sprintf("w%d_j%d", w, i))
			}
		}()
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()
}

func (j *job) run(oracleDir, tmp, prefix string) {
	paths, err := writeInputs(tmp, prefix, j.inputs)
	if err != nil {
		j.err = err
		return
	}
	defer func() {
		for _, p := range paths {
			os.Remove(p)
		}
	}()
	if j.res, j.err = runOracle(oracleDir, j.model, paths, j.int8); j.err != nil {
		return
	}
	for _, o := range j.res.Outputs {
		g, err := toGolden(o)
		if err != nil {
			j.err = err
			return
		}
		j.outs = append(j.outs, g)
	}
}

// newFile makes a model's golden file from its seeded cases, checking each case's outputs and that
// the oracle's input descriptors agree with the model.
func newFile(s spec, jobs []*job, g *graph) (*golden.File, error) {
	f := &golden.File{
		Model:     strings.TrimSuffix(s.file, ".tflite"),
		Generator: generatorCmd,
		Oracle:    oracleName,
		SeedRule:  seedRule(len(g.Inputs), s.kind),
		InputKind: s.kind,
	}
	for k, j := range jobs {
		if err := checkDescriptors(f, j, g); err != nil {
			return nil, err
		}
		summary, err := s.check(j.outs)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", j.label, err)
		}
		log.Printf("%s: %s", j.label, summary)
		seeds := seedsFor(k, len(g.Inputs))
		f.Cases = append(f.Cases, golden.Case{Seed: seeds[0], Seeds: seeds, Outputs: j.outs})
	}
	return f, nil
}

// checkDescriptors records the oracle's input descriptors on the first case and checks the later ones
// and the model's own input names and element counts against them.
func checkDescriptors(f *golden.File, j *job, g *graph) error {
	if f.Inputs == nil {
		f.Inputs = j.res.Inputs
		if len(f.Inputs) != len(g.Inputs) {
			return fmt.Errorf("goldens: %s: oracle reports %d inputs, model has %d", j.label, len(f.Inputs), len(g.Inputs))
		}
		for i, in := range f.Inputs {
			t := g.Tensors[g.Inputs[i]]
			if in.Name != t.Name || golden.Elems(in.Shape) != t.elems() {
				return fmt.Errorf("goldens: %s: oracle input %d is %q %v, model says %q %v", j.label, i, in.Name, in.Shape, t.Name, t.Shape)
			}
		}
		return nil
	}
	a, _ := json.Marshal(f.Inputs)
	b, _ := json.Marshal(j.res.Inputs)
	if !bytes.Equal(a, b) {
		return fmt.Errorf("goldens: %s: oracle input descriptors changed: %s", j.label, b)
	}
	return nil
}

// addPhotoCases appends the photo cases named images, with their stored inputs, and logs their
// detections when labels are given.
func addPhotoCases(f *golden.File, s spec, jobs []*job, images, labels []string) error {
	for i, j := range jobs {
		summary, err := s.check(j.outs)
		if err != nil {
			return fmt.Errorf("%s: %w", j.label, err)
		}
		log.Printf("%s: %s", j.label, summary)
		if labels != nil {
			logDetections(j.outs, labels)
		}
		c := golden.Case{Image: images[i], Outputs: j.outs}
		for _, in := range j.inputs {
			c.InputB64 = append(c.InputB64, base64.StdEncoding.EncodeToString(in))
		}
		f.Cases = append(f.Cases, c)
	}
	return nil
}

// writeFile writes a golden file as compact JSON, one case per line, and reads it back through
// golden.Load as a check.
func writeFile(path string, f *golden.File) error {
	cases := f.Cases
	head := *f
	head.Cases = nil
	b, err := json.Marshal(head)
	if err != nil {
		return fmt.Errorf("goldens: %s: %w", path, err)
	}
	tail := []byte(`"cases":null}`)
	if !bytes.HasSuffix(b, tail) {
		return fmt.Errorf("goldens: %s: cases is not the last field", path)
	}
	var buf bytes.Buffer
	buf.Write(bytes.TrimSuffix(b, tail))
	buf.WriteString("\"cases\":[\n")
	for k, c := range cases {
		cb, err := json.Marshal(c)
		if err != nil {
			return fmt.Errorf("goldens: %s: case %d: %w", path, k, err)
		}
		buf.Write(cb)
		if k < len(cases)-1 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
	}
	buf.WriteString("]}\n")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("goldens: %w", err)
	}
	back, err := golden.Load(path)
	if err != nil {
		return err
	}
	log.Printf("wrote %s: %d cases, %d bytes", path, len(back.Cases), buf.Len())
	return nil
}
