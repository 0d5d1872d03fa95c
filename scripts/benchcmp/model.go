package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"

	"github.com/mobilenet-go/mobilenet/formats/onnx"
	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/models/mobilenetv1"
)

// build returns the inference form of the chosen network, without its Softmax when m.logits is set.
func (m *modelFlags) build() (*graph.Graph, error) {
	g, err := mobilenetv1.Build(mobilenetv1.Config{Alpha: m.alpha, Resolution: m.resolution, Seed: m.seed})
	if err != nil {
		return nil, err
	}
	g = graph.Fold(g)
	if m.logits {
		last := g.Nodes[len(g.Nodes)-1]
		if _, ok := last.Op.(*graph.Softmax); !ok || len(g.Outputs) != 1 || g.Outputs[0] != last.Outputs[0] {
			return nil, fmt.Errorf("%s does not end in a Softmax", g.Name)
		}
		g.Nodes = g.Nodes[:len(g.Nodes)-1]
		g.Outputs = []int{last.Inputs[0]}
	}
	return g, nil
}

func exportCmd(args []string) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	var m modelFlags
	m.register(fs)
	out := fs.String("o", "", "output .onnx file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() != 0 {
		return fmt.Errorf("export: give -o FILE and no arguments")
	}
	g, err := m.build()
	if err != nil {
		return err
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	if err := onnx.Export(w, g); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
