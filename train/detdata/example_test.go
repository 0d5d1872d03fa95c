package detdata_test

import (
	"context"
	"fmt"
	"image"
	"image/png"
	"log"
	"os"
	"path/filepath"

	"github.com/mobilenet-go/mobilenet/train/detdata"
)

// Example reads a small YOLO folder (written here: one 64×48 image with one box) and makes its
// first augmented batch of 300×300 inputs.
func Example() {
	dir, err := os.MkdirTemp("", "detdata")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	f, err := os.Create(filepath.Join(dir, "cat.png"))
	if err != nil {
		log.Fatal(err)
	}
	if err := png.Encode(f, image.NewGray(image.Rect(0, 0, 64, 48))); err != nil {
		log.Fatal(err)
	}
	f.Close()
	os.WriteFile(filepath.Join(dir, "classes.txt"), []byte("cat\ndog\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "cat.txt"), []byte("0 0.5 0.5 0.5 0.5\n"), 0o644)

	set, err := detdata.Load(dir, detdata.Options{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(set.Classes, set.Samples[0].Boxes[0].XMin, set.Samples[0].Boxes[0].YMax)

	loader, err := detdata.NewLoader(set, detdata.LoaderOptions{Size: 300, Batch: 16, Shuffle: true, Augment: true, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	for b := range loader.Epoch(context.Background(), 0, 0) {
		if b.Err != nil {
			log.Fatal(b.Err)
		}
		fmt.Println(b.N, len(b.X), b.Boxes[0][0].Class)
	}
	// Output:
	// [cat dog] 16 36
	// 1 270000 0
}
