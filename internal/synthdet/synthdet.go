// Package synthdet writes detection data sets whose boxes are known exactly: shapes of three classes
// (square, disc, triangle) drawn onto photos, or onto noise, with their boxes in the CSV format of the
// raccoon set. Tests train detectors on it, and the multi-class check of the README is made with it.
package synthdet

import (
	"encoding/csv"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // backgrounds are photos
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/image/draw"
)

// Classes are the shapes drawn, in label order.
var Classes = []string{"disc", "square", "triangle"}

// Options choose what Write draws.
type Options struct {
	Images      int      // how many images
	Size        int      // their width and height in pixels (0: 160)
	Backgrounds []string // photos to draw onto, resized to Size (none: coloured noise)
	MaxShapes   int      // shapes per image, 1 to MaxShapes (0: 3)
	Seed        uint64
}

// Write draws the set into dir: dir/images/NNNN.png and dir/labels.csv (filename, width, height, class,
// xmin, ymin, xmax, ymax), and returns the CSV's path.
func Write(dir string, o Options) (string, error) {
	if o.Size == 0 {
		o.Size = 160
	}
	if o.MaxShapes == 0 {
		o.MaxShapes = 3
	}
	if o.Images < 1 || o.Size < 32 || o.MaxShapes < 1 {
		return "", fmt.Errorf("synthdet: %d images of %d pixels with up to %d shapes", o.Images, o.Size, o.MaxShapes)
	}
	var bgs []image.Image
	for _, p := range o.Backgrounds {
		img, err := readImage(p)
		if err != nil {
			return "", err
		}
		bgs = append(bgs, img)
	}
	if err := os.MkdirAll(filepath.Join(dir, "images"), 0o755); err != nil {
		return "", err
	}
	r := rand.New(rand.NewPCG(o.Seed, 0x5eed))
	rows := [][]string{{"filename", "width", "height", "class", "xmin", "ymin", "xmax", "ymax"}}
	for i := range o.Images {
		img := image.NewRGBA(image.Rect(0, 0, o.Size, o.Size))
		if len(bgs) > 0 {
			draw.BiLinear.Scale(img, img.Bounds(), bgs[r.IntN(len(bgs))], bgs[0].Bounds(), draw.Src, nil)
		} else {
			for p := range img.Pix {
				img.Pix[p] = uint8(r.IntN(256))
				if p%4 == 3 {
					img.Pix[p] = 255
				}
			}
		}
		name := fmt.Sprintf("%04d.png", i)
		var placed []image.Rectangle
		for range 1 + r.IntN(o.MaxShapes) {
			s := o.Size/8 + r.IntN(o.Size/3)
			x, y := r.IntN(o.Size-s), r.IntN(o.Size-s)
			box := image.Rect(x, y, x+s, y+s)
			overlaps := false
			for _, b := range placed {
				overlaps = overlaps || b.Intersect(box) != image.Rectangle{}
			}
			if overlaps {
				continue
			}
			placed = append(placed, box)
			class := r.IntN(len(Classes))
			c := color.RGBA{uint8(r.IntN(200)), uint8(55 + r.IntN(200)), uint8(r.IntN(256)), 255}
			shape(img, box, class, c)
			rows = append(rows, []string{name, strconv.Itoa(o.Size), strconv.Itoa(o.Size), Classes[class],
				strconv.Itoa(box.Min.X), strconv.Itoa(box.Min.Y), strconv.Itoa(box.Max.X), strconv.Itoa(box.Max.Y)})
		}
		if err := writePNG(filepath.Join(dir, "images", name), img); err != nil {
			return "", err
		}
	}
	path := filepath.Join(dir, "labels.csv")
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	w := csv.NewWriter(f)
	if err := w.WriteAll(rows); err != nil {
		f.Close()
		return "", err
	}
	return path, f.Close()
}

// shape fills class's shape inscribed in box with colour c: a disc, a square (the whole box) or a
// triangle with its base on the box's bottom and its apex at the top middle.
func shape(img *image.RGBA, box image.Rectangle, class int, c color.RGBA) {
	w, h := float64(box.Dx()), float64(box.Dy())
	for y := box.Min.Y; y < box.Max.Y; y++ {
		for x := box.Min.X; x < box.Max.X; x++ {
			u, v := (float64(x-box.Min.X)+0.5)/w, (float64(y-box.Min.Y)+0.5)/h
			in := true
			switch Classes[class] {
			case "disc":
				in = math.Hypot(u-0.5, v-0.5) <= 0.5
			case "triangle":
				in = math.Abs(u-0.5) <= v/2
			}
			if in {
				img.SetRGBA(x, y, c)
			}
		}
	}
}

func readImage(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("synthdet: %s: %w", path, err)
	}
	return img, nil
}

func writePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
