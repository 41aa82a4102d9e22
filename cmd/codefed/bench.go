package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/spf13/cobra"

	"github.com/codefed/codefed/internal/bench"
)

func newBenchCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "bench", Short: "Measure a running hub under load"}
	cmd.AddCommand(newBenchQueryCmd())
	return cmd
}

func newBenchQueryCmd() *cobra.Command {
	var (
		cfg                   bench.Config
		subjectsFile, outJSON string
	)
	cmd := &cobra.Command{
		Use:   "query --query contacts|trajectory|status --subjects FILE --rate R --duration D [--connections C]",
		Short: "Load a read endpoint and report throughput and latency",
		Long: `Query requests GET /v1/contacts/{subject}?min_overlap=15m, /v1/trajectory/{subject}
or /v1/status/{subject} for subjects drawn at random from --subjects (one
pseudonym a line, such as the subjects.txt of 'codefed gen'), and reports the
achieved requests per second, the errors by kind, and the latency percentiles
of the successful requests, as a table and, with --json, as JSON.

With --rate R > 0 the load is an open loop: R requests are due every second
whatever the server does, over at most --connections connections. A request
that cannot start on time waits for a connection, and its latency counts from
when it was due; requests still waiting at the end are reported as unsent.

With --rate 0 it is a closed loop: each of --connections clients sends its next
request as soon as it has the answer, which finds the saturation throughput.

Connections are spread over the servers of --addr; reads are answered by the
server asked, so listing every member spreads the load over the cluster.`,
		Example: `  codefed bench query --query status --subjects /tmp/ds/subjects.txt --rate 0 --duration 30s --connections 32
  codefed bench query --query trajectory --subjects /tmp/ds/subjects.txt --rate 2000 --duration 1m --json traj.json`,
		Args: cobra.NoArgs,
	}
	addr := addrFlag(cmd)
	f := cmd.Flags()
	f.StringVar(&cfg.Query, "query", "", "endpoint: contacts, trajectory or status")
	f.StringVar(&subjectsFile, "subjects", "", "file of subjects to query, one a line")
	f.Float64Var(&cfg.Rate, "rate", 0, "requests per second (open loop); 0 for as fast as the connections go (closed loop)")
	f.DurationVar(&cfg.Duration, "duration", 30*time.Second, "how long to send requests")
	f.IntVar(&cfg.Connections, "connections", 16, "connections, i.e. requests in flight at most")
	f.DurationVar(&cfg.Timeout, "timeout", 10*time.Second, "timeout of one request")
	f.StringVar(&cfg.MinOverlap, "min-overlap", "15m", "min_overlap of the contacts query")
	f.Uint64Var(&cfg.Seed, "seed", 1, "seed of the order subjects are drawn in")
	f.StringVar(&outJSON, "json", "", "also write the result as JSON to this file")
	_ = cmd.MarkFlagRequired("query")
	_ = cmd.MarkFlagRequired("subjects")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		var err error
		if cfg.Subjects, err = bench.ReadSubjects(subjectsFile); err != nil {
			return &exitError{2, fmt.Errorf("--subjects: %w", err)}
		}
		if cfg.Addrs = splitAddrs(*addr); len(cfg.Addrs) == 0 {
			return &exitError{2, errors.New("--addr: no server")}
		}
		mode := fmt.Sprintf("open loop at %g requests/s", cfg.Rate)
		if cfg.Rate == 0 {
			mode = "closed loop"
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "bench %s: %s for %s, %d connections, %d servers, %d subjects\n",
			cfg.Query, mode, cfg.Duration, cfg.Connections, len(cfg.Addrs), len(cfg.Subjects))
		// Ctrl-C ends the run early and still reports what was measured.
		ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
		defer stop()
		res, err := bench.Run(ctx, cfg)
		if err != nil {
			return &exitError{2, err}
		}
		if err := bench.WriteTable(cmd.OutOrStdout(), res); err != nil {
			return err
		}
		if outJSON != "" {
			out, err := os.Create(outJSON)
			if err != nil {
				return err
			}
			if err := bench.WriteJSON(out, res); err != nil {
				out.Close()
				return fmt.Errorf("write %s: %w", outJSON, err)
			}
			if err := out.Close(); err != nil {
				return fmt.Errorf("write %s: %w", outJSON, err)
			}
		}
		return nil
	}
	return cmd
}
