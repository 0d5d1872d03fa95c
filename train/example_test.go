package train_test

import (
	"context"
	"fmt"
	"log"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/models/mobilenetv1"
	"github.com/mobilenet-go/mobilenet/train"
	"github.com/mobilenet-go/mobilenet/train/data"
	"github.com/mobilenet-go/mobilenet/train/optim"
)

// Example trains MobileNet α 0.5 on Fashion-MNIST at 32×32 (the 28×28 images centred, shifted by up to
// 2 pixels and mirrored at random), validating on the test set after every epoch and writing a
// checkpoint; then evaluates the checkpoint and folds it for inference.
func Example() {
	dir := "../shared/datasets/fashion-mnist/"
	trainSet, err := data.LoadIDX(dir+"train-images-idx3-ubyte.gz", dir+"train-labels-idx1-ubyte.gz", data.FashionMNIST)
	if err != nil {
		log.Fatal(err)
	}
	testSet, err := data.LoadIDX(dir+"t10k-images-idx3-ubyte.gz", dir+"t10k-labels-idx1-ubyte.gz", data.FashionMNIST)
	if err != nil {
		log.Fatal(err)
	}
	cfg := train.Config{
		Model:          mobilenetv1.Config{Alpha: 0.5, Resolution: 32, Channels: 1, Seed: 1},
		Train:          trainSet,
		Val:            testSet,
		Epochs:         30,
		Batch:          128,
		Optimizer:      optim.Config{Kind: optim.SGD, Momentum: 0.9, Nesterov: true},
		Schedule:       optim.Schedule{Decay: optim.Cosine, Base: 0.1, Warmup: 0.3},
		WeightDecay:    1e-4,
		LabelSmoothing: 0.1,
		Augment:        data.Augment{Shift: 2, Flip: true},
		Seed:           1,
		Threads:        2,
		Checkpoint:     "fashion.safetensors",
	}
	_, err = train.Run(context.Background(), cfg, train.Callbacks{
		Epoch: func(e train.EpochInfo) {
			fmt.Printf("epoch %d: loss %.3f, test accuracy %.4f, %.0f images/s\n", e.Epoch, e.TrainLoss, e.Val.Accuracy, e.ImagesPerSec)
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	ck, err := train.LoadCheckpoint("fashion.safetensors")
	if err != nil {
		log.Fatal(err)
	}
	m, err := train.Evaluate(context.Background(), ck.Graph, testSet, train.EvalOptions{Threads: 2})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("accuracy %.4f; shirts %.4f\n", m.Accuracy, m.PerClass[6])
	inference, err := graph.Compile(graph.Fold(ck.Graph), graph.Options{Batch: 1})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("inference output", inference.Outputs()[0].Shape)
}
