package train

import (
	"fmt"
	"math/rand/v2"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/models/mobilenetv1"
)

// BenchmarkStep times one training step (forward, loss, backward; no optimizer) of MobileNet on
// 1-channel images, batch 128, with MOBILENET_THREADS workers (default 2), and the reference kernels
// when MOBILENET_REFERENCE is set. It reports images per second of wall time and per second of
// the process's CPU time (which does not count time other processes take from a shared machine), and
// the forward and backward times.
func BenchmarkStep(b *testing.B) {
	for _, c := range []struct {
		alpha float64
		res   int
	}{{0.25, 32}, {0.5, 32}, {0.75, 32}, {1, 32}, {0.25, 48}, {0.5, 48}, {0.25, 64}, {0.5, 64}} {
		g, err := mobilenetv1.Build(mobilenetv1.Config{Alpha: c.alpha, Resolution: c.res, Channels: 1, Classes: 10, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		const batch = 128
		net, err := newClassifier(g, netOptions{batch: batch, threads: int(envFloat("MOBILENET_THREADS", 2)), reference: os.Getenv("MOBILENET_REFERENCE") != "", bnMomentum: 0.99})
		if err != nil {
			b.Fatal(err)
		}
		r := rand.New(rand.NewPCG(1, 1))
		copy(net.x.F32, randInput(r, batch*c.res*c.res))
		labels := make([]int, batch)
		for i := range labels {
			labels[i] = r.IntN(10)
		}
		b.Run(fmt.Sprintf("a%g-r%d", c.alpha, c.res), func(b *testing.B) {
			var fwd, bwd time.Duration
			c0 := processCPU()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				if err := net.prog.Forward(net.x); err != nil {
					b.Fatal(err)
				}
				net.prog.SetTarget(0, graph.Target{Labels: labels})
				if _, _, err := net.prog.Loss(true); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if err := net.prog.Backward(); err != nil {
					b.Fatal(err)
				}
				fwd += t1.Sub(t0)
				bwd += time.Since(t1)
			}
			b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "img/s")
			b.ReportMetric(float64(batch*b.N)/(processCPU()-c0).Seconds(), "img/cpu-s")
			b.ReportMetric(fwd.Seconds()*1000/float64(b.N), "fwd-ms")
			b.ReportMetric(bwd.Seconds()*1000/float64(b.N), "bwd-ms")
		})
	}
}

// processCPU returns the CPU time the process has used, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
