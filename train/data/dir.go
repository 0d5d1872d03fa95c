package data

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Dir is a data set directory read by OpenDir.
type Dir struct {
	Train, Test Dataset // either may be nil for IDX files; an image folder has no Test
	IDX         bool    // IDX files rather than an image folder
}

// DirOptions say how OpenDir reads a directory.
type DirOptions struct {
	// Folder reads an image folder: the size its images are resized to, their channels.
	Folder FolderOptions
	// Labels names a file of the class names of IDX data, one per line. By default they come from
	// labels.txt beside the IDX files, else, for a directory whose name contains "fashion",
	// Fashion-MNIST's names, else the ten digits (LoadIDX).
	Labels string
}

// idxNames are the image and label file names of an IDX data set's training and test parts, each
// gzipped (.gz) or not, as MNIST and Fashion-MNIST are distributed.
var idxNames = map[string][2]string{
	"train": {"train-images-idx3-ubyte", "train-labels-idx1-ubyte"},
	"test":  {"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"},
}

// findIDX returns the path of the IDX file name in dir, gzipped or not, or "".
func findIDX(dir, name string) string {
	for _, n := range []string{name + ".gz", name} {
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			return filepath.Join(dir, n)
		}
	}
	return ""
}

// HasIDX reports whether dir holds the training images of an IDX data set (train-images-idx3-ubyte,
// gzipped or not).
func HasIDX(dir string) bool { return findIDX(dir, idxNames["train"][0]) != "" }

// OpenDir reads a data set directory: IDX files (train-images-idx3-ubyte and train-labels-idx1-ubyte
// for the training set, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte for the test set, each
// gzipped or not), or else a folder of images with one sub-folder per class (LoadFolder).
func OpenDir(path string, opt DirOptions) (*Dir, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s: not a directory (want IDX files or one sub-folder per class)", path)
	}
	if !HasIDX(path) && findIDX(path, idxNames["test"][0]) == "" {
		set, err := LoadFolder(path, opt.Folder)
		if err != nil {
			return nil, err
		}
		return &Dir{Train: set}, nil
	}
	classes, err := idxClasses(path, opt.Labels)
	if err != nil {
		return nil, err
	}
	d := &Dir{IDX: true}
	for part, names := range idxNames {
		im, lb := findIDX(path, names[0]), findIDX(path, names[1])
		if im == "" || lb == "" {
			continue
		}
		set, err := LoadIDX(im, lb, classes)
		if err != nil {
			return nil, err
		}
		if part == "train" {
			d.Train = set
		} else {
			d.Test = set
		}
	}
	if d.Train == nil && d.Test == nil {
		return nil, fmt.Errorf("%s: IDX images without their labels file", path)
	}
	return d, nil
}

// idxClasses returns the class names of the IDX data in dir, as DirOptions.Labels says, or nil for the
// ten digits.
func idxClasses(dir, labels string) ([]string, error) {
	if labels == "" {
		labels = filepath.Join(dir, "labels.txt")
		if _, err := os.Stat(labels); err != nil {
			labels = ""
		}
	}
	if labels == "" {
		if strings.Contains(strings.ToLower(filepath.Base(filepath.Clean(dir))), "fashion") {
			return FashionMNIST, nil
		}
		return nil, nil
	}
	b, err := os.ReadFile(labels)
	if err != nil {
		return nil, err
	}
	var classes []string
	for _, l := range strings.Split(strings.TrimRight(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n"), "\n") {
		classes = append(classes, strings.TrimSpace(l))
	}
	return classes, nil
}
