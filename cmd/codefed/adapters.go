package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/codefed/codefed/adapters"
)

func newAdaptersCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "adapters",
		Short: "List the native formats codefed can read",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "FORMAT\tREGIONS\tDESCRIPTION")
			for _, a := range adapters.All() {
				fmt.Fprintf(w, "%s\t%s\t%s\n", a.ID(), strings.Join(a.Regions(), ","), a.Description())
			}
			return w.Flush()
		},
	}
}
