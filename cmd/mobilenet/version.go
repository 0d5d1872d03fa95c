package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// version is the release of the project; builds from a module record their own in the build info.
const version = "0.1.0-dev"

func init() {
	c := &command{name: "version", summary: "print the version of mobilenet and of Go", usage: ""}
	c.run = func(args []string, stdout, stderr io.Writer) error {
		fs := newFlags(c, stdout)
		if err := parse(fs, args); err != nil {
			return err
		}
		if fs.NArg() > 0 {
			return usagef("takes no arguments, got %q", fs.Arg(0))
		}
		v := version
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		fmt.Fprintf(stdout, "mobilenet %s (%s, %s/%s)\n", v, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return nil
	}
	register(c)
}
