// Some EU DCC document signers have certificates with negative serial
// numbers; accept them rather than refuse a whole trust list.
//
//go:debug x509negativeserial=1

// Command codefed is the federation hub for regional health-code systems: the
// adapters for each region's native format, the replicated hub server
// (agent), a local federation for development (dev), and clients of its API.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	_ "github.com/codefed/codefed/adapters/all"
)

func main() {
	if err := newRoot().Execute(); err != nil {
		if !errors.Is(err, errReported) {
			fmt.Fprintln(os.Stderr, "codefed:", err)
		}
		os.Exit(exitCode(err))
	}
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "codefed",
		Short:         "Federation hub for regional health-code systems",
		Long:          "codefed turns each region's native health-code data into one common schema\nand federates statuses and itineraries across regions.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newAdaptersCmd(), newDecodeCmd(), newAgentCmd(), newStatusCmd(), newTrajectoryCmd(), newContactsCmd(), newIngestCmd(), newClusterCmd(), newDevCmd(), newGenCmd(), newLoadCmd(), newBenchCmd(), newRegionsimCmd(), newConformanceCmd())
	return root
}

// errReported fails a command whose problems were already written to
// standard error.
var errReported = errors.New("failed")

// exitError carries a specific exit status.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func exitCode(err error) int {
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	return 1
}
