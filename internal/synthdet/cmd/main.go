// Command cmd writes a synthdet data set: go run ./internal/synthdet/cmd -out DIR [-images N] [-size S]
// [-seed S] [-backgrounds FOLDER].
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mobilenet-go/mobilenet/internal/synthdet"
)

func main() {
	out := flag.String("out", "", "the folder to write (required)")
	images := flag.Int("images", 100, "images")
	size := flag.Int("size", 300, "image size in pixels")
	seed := flag.Uint64("seed", 1, "seed")
	bg := flag.String("backgrounds", "", "a folder of photos to draw onto (default: noise)")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "synthdet: -out is required")
		os.Exit(2)
	}
	var bgs []string
	if *bg != "" {
		entries, err := os.ReadDir(*bg)
		if err != nil {
			fmt.Fprintln(os.Stderr, "synthdet:", err)
			os.Exit(1)
		}
		for _, e := range entries {
			n := strings.ToLower(e.Name())
			if strings.HasSuffix(n, ".jpg") || strings.HasSuffix(n, ".jpeg") || strings.HasSuffix(n, ".png") {
				bgs = append(bgs, filepath.Join(*bg, e.Name()))
			}
		}
	}
	path, err := synthdet.Write(*out, synthdet.Options{Images: *images, Size: *size, Backgrounds: bgs, Seed: *seed})
	if err != nil {
		fmt.Fprintln(os.Stderr, "synthdet:", err)
		os.Exit(1)
	}
	fmt.Println(path)
}
