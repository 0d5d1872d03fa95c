package data

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestOpenDir reads IDX directories (gzipped and plain, the class names from labels.txt, from a
// Fashion-MNIST name or the ten digits, a test part alone) and an image folder, and refuses a file, a
// missing path and IDX images without their labels in one line naming the path.
func TestOpenDir(t *testing.T) {
	root := t.TempDir()
	write := func(dir, name string, b []byte) {
		mkdirs(t, root, dir)
		if err := os.WriteFile(filepath.Join(root, dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	images, labels := idxBytes([]int{2, 2, 2}, make([]byte, 8)), idxBytes([]int{2}, []byte{0, 1})
	write("named", "train-images-idx3-ubyte.gz", gz(images))
	write("named", "train-labels-idx1-ubyte.gz", gz(labels))
	write("named", "t10k-images-idx3-ubyte", images)
	write("named", "t10k-labels-idx1-ubyte", labels)
	write("named", "labels.txt", []byte("cat\r\ndog\n"))
	write("my-fashion", "train-images-idx3-ubyte", images)
	write("my-fashion", "train-labels-idx1-ubyte", labels)
	write("numbers", "t10k-images-idx3-ubyte", images)
	write("numbers", "t10k-labels-idx1-ubyte", labels)
	write("unlabelled", "train-images-idx3-ubyte", images)
	mkdirs(t, root, "photos/a", "photos/b")
	writePNG(t, filepath.Join(root, "photos/a/1.png"), 3, 3, 10)
	writePNG(t, filepath.Join(root, "photos/b/1.png"), 3, 3, 200)

	for _, c := range []struct {
		dir              string
		idx, train, test bool
		classes          []string
	}{
		{"named", true, true, true, []string{"cat", "dog"}},
		{"my-fashion", true, true, false, FashionMNIST},
		{"numbers", true, false, true, []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}},
		{"photos", false, true, false, []string{"a", "b"}},
	} {
		d, err := OpenDir(filepath.Join(root, c.dir), DirOptions{Folder: FolderOptions{H: 2, W: 2, Channels: 1}})
		if err != nil {
			t.Fatalf("%s: %v", c.dir, err)
		}
		if d.IDX != c.idx || (d.Train != nil) != c.train || (d.Test != nil) != c.test {
			t.Errorf("%s: %+v", c.dir, d)
		}
		set := d.Train
		if set == nil {
			set = d.Test
		}
		if got := set.Info().Classes; !slices.Equal(got, c.classes) {
			t.Errorf("%s: classes %q, want %q", c.dir, got, c.classes)
		}
		if HasIDX(filepath.Join(root, c.dir)) != (c.idx && c.train) {
			t.Errorf("%s: HasIDX %v", c.dir, !(c.idx && c.train))
		}
	}
	for _, c := range []struct{ path, want string }{
		{filepath.Join(root, "named", "labels.txt"), "not a directory"},
		{filepath.Join(root, "missing"), "missing"},
		{filepath.Join(root, "unlabelled"), "IDX images without their labels file"},
	} {
		_, err := OpenDir(c.path, DirOptions{})
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.path) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want a line naming it with %q", c.path, err, c.want)
		}
	}
}
