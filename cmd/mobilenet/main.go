// Command mobilenet classifies images, runs TensorFlow Lite MobileNet models and reports the cost of
// MobileNet networks. Run "mobilenet help" for the list of commands.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// command is one subcommand: its flags are defined on fs by setup, and run does the work.
type command struct {
	name    string
	summary string
	usage   string // the argument synopsis after the command name
	run     func(args []string, stdout, stderr io.Writer) error
}

var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

// usageError marks errors caused by the command line (exit code 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line args and returns the exit code: 0 ok, 1 runtime error, 2 usage error.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				return run([]string{c.name, "--help"}, stdout, stderr)
			}
		}
		printHelp(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "mobilenet: unknown command %q (run 'mobilenet help' for the list)\n", args[0])
		return 2
	}
	err := c.run(args[1:], stdout, stderr)
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "mobilenet %s: %s\n", c.name, oneLine(err.Error()))
		return 2
	default:
		fmt.Fprintf(stderr, "mobilenet %s: %s\n", c.name, oneLine(err.Error()))
		return 1
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "mobilenet: MobileNet in pure Go\n\nUsage: mobilenet COMMAND [flags] [args]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'mobilenet COMMAND --help' for a command's flags.")
}

// newFlags returns a flag set for command c that reports errors instead of exiting, and prints its help
// to stdout.
func newFlags(c *command, stdout io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(stdout, "Usage: mobilenet %s %s\n\n%s\n\nFlags:\n", c.name, c.usage, c.summary)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// parse parses args with fs, turning flag errors into usage errors and --help into flag.ErrHelp (the
// flag set has printed the usage). Flags may come anywhere, before or after the positional arguments,
// as users type them; "--" ends the flags.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(flagsFirst(fs, args)); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return flag.ErrHelp
		}
		return usagef("%v", err)
	}
	return nil
}

// flagsFirst reorders args so that every flag, with its value, comes before the positional arguments,
// followed by "--" and the positional arguments in their order. A flag is an argument that starts with
// "-" (not "-" alone) before any "--"; one of fs's flags that is not boolean, given without "=value",
// takes the next argument as its value. Unknown flags stay among the flags, and a last flag that lacks
// its value ends them, for fs.Parse to refuse.
func flagsFirst(fs *flag.FlagSet, args []string) []string {
	var flags, positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			positional = append(positional, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			positional = append(positional, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		f := fs.Lookup(name)
		if f == nil {
			continue
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			continue
		}
		if i+1 == len(args) {
			return flags // the flag lacks its value: fs.Parse says so
		}
		i++
		flags = append(flags, args[i])
	}
	return append(append(flags, "--"), positional...)
}
