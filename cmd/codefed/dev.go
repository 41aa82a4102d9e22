package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/codefed/codefed/internal/devcluster"
)

func newDevCmd() *cobra.Command {
	var cfg devcluster.Config
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run the whole federation locally: 3 nodes, synthetic regions, the API",
		Long: `Dev starts a 3-node cluster in this process on loopback, under a temporary
directory, feeds a synthetic population (people commuting in their city, some
travelling between cities, a few yellow or red, two risk areas) through every
native adapter, and prints the URLs and commands to try. Ctrl-C stops it and
removes its data.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			began := time.Now()
			startCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
			c, err := devcluster.Start(startCtx, cfg)
			cancel()
			if err != nil {
				return err
			}
			c.Print(cmd.OutOrStdout())
			fmt.Fprintf(cmd.OutOrStdout(), "Ready in %.1fs.\n", time.Since(began).Seconds())
			<-ctx.Done()
			fmt.Fprintln(cmd.OutOrStdout(), "\nstopping")
			return c.Close()
		},
	}
	cmd.Flags().IntVar(&cfg.People, "people", 300, "synthetic people per format")
	cmd.Flags().Uint64Var(&cfg.Seed, "seed", 1, "seed of the synthetic population")
	cmd.Flags().StringVar(&cfg.Dir, "data", "", "keep the nodes' data in this directory instead of a temporary one")
	return cmd
}
