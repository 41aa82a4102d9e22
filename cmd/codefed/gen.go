package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/codefed/codefed/internal/gen"
)

func newGenCmd() *cobra.Command {
	var cfg gen.Config
	var end string
	var quiet bool
	cmd := &cobra.Command{
		Use:   "gen --out DIR [--subjects N] [--events N] [--places N] [--days D] [--seed S]",
		Short: "Write a synthetic data set for load tests",
		Long: `Gen writes a synthetic, reproducible population for load tests: subjects
(pseudonyms), one health-code status each, their events over --days days at
--places places in real prefecture-level cities, and a handful of risk areas.
People mostly visit places in their home city, a few favourite ones and the
city's busy ones; some travel to another city for a few days.

DIR receives v1 batches as JSON lines (batches-NNNN.jsonl, one batch of at
most 5,000 records a line, grouped by reporting province), subjects.txt (a
sample of subjects that have events, for 'codefed bench query'), and
manifest.json, written last. Load it into a hub with 'codefed load DIR'.

The same flags, --seed and --end included, always write the same data set.
The window ends at --end, by default the start of today (Beijing time): a hub
purges events older than its retention window (28 days) at its own clock, so
a data set meant to be loaded should end close to when it is loaded.`,
		Example: `  codefed gen --out /tmp/ds
  codefed gen --subjects 100000 --events 1000000 --places 10000 --seed 1 --out /tmp/ds-100k`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if cfg.End, err = parseEnd(end, time.Now()); err != nil {
				return &exitError{2, fmt.Errorf("--end: %w", err)}
			}
			if cfg.Dir == "" {
				return &exitError{2, errors.New("--out is required")}
			}
			if cfg.Subjects <= 0 {
				return &exitError{2, errors.New("--subjects: want at least 1")}
			}
			if cfg.RiskAreas == 0 {
				cfg.RiskAreas = -1 // the package reads 0 as its default
			}
			var bar *progressbar.ProgressBar
			if !quiet {
				bar = progressbar.NewOptions(cfg.Subjects, progressbar.OptionSetDescription("gen subjects"),
					progressbar.OptionSetWriter(cmd.ErrOrStderr()), progressbar.OptionShowCount(),
					progressbar.OptionShowIts(), progressbar.OptionThrottle(200*time.Millisecond))
				cfg.Progress = func(n int) { _ = bar.Set(n) }
			}
			start := time.Now()
			m, err := gen.Generate(cfg)
			if bar != nil {
				_ = bar.Finish()
				fmt.Fprintln(cmd.ErrOrStderr())
			}
			if err != nil {
				return err
			}
			took := time.Since(start)
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %d subjects (%d travelled), %d events at %d places in %d cities, %d risk areas, %s to %s\n",
				m.Subjects, m.Travellers, m.Events, m.Places, m.Cities, m.RiskAreas, m.From.Format(time.RFC3339), m.To.Format(time.RFC3339))
			fmt.Fprintf(cmd.OutOrStdout(), "%d records in %d batches, %d files, %.1f MiB, in %s (%.0f records/s); sample of %d subjects in %s\n",
				m.Records, m.Batches, len(m.Files), float64(m.Bytes)/(1<<20), took.Round(time.Millisecond),
				float64(m.Records)/took.Seconds(), m.SampleSize, cfg.Dir+string(os.PathSeparator)+m.Sample)
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&cfg.Subjects, "subjects", 10_000, "number of subjects")
	f.IntVar(&cfg.Events, "events", 0, "number of events (default 10 per subject)")
	f.IntVar(&cfg.Places, "places", 0, "number of places (default one per 10 subjects)")
	f.IntVar(&cfg.Days, "days", 14, "length of the window in days (at most 28)")
	f.Uint64Var(&cfg.Seed, "seed", 1, "seed of the data set")
	f.StringVar(&end, "end", "", "end of the window: YYYY-MM-DD (midnight, Beijing time) or RFC 3339 (default the start of today)")
	f.IntVar(&cfg.RiskAreas, "risk-areas", 5, "number of risk areas (0 for none)")
	f.IntVar(&cfg.BatchRecords, "batch", gen.MaxBatchRecords, "most records in one batch")
	f.IntVar(&cfg.SampleSize, "sample", 10_000, "subjects with events to list in subjects.txt")
	f.StringVar(&cfg.Dir, "out", "", "output directory (absent or empty)")
	f.BoolVarP(&quiet, "quiet", "q", false, "no progress bar")
	return cmd
}

// parseEnd reads --end: a date is midnight Beijing time at its start, and
// no value is the start of the current day.
func parseEnd(s string, now time.Time) (time.Time, error) {
	if s == "" {
		n := now.In(gen.Beijing)
		return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, gen.Beijing), nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, gen.Beijing); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, errors.New("want YYYY-MM-DD or an RFC 3339 time")
	}
	return t, nil
}

func newLoadCmd() *cobra.Command {
	var cfg gen.LoadConfig
	var quiet bool
	cmd := &cobra.Command{
		Use:   "load DIR [--addr URL[,URL...]] [--concurrency N]",
		Short: "Load a data set written by 'codefed gen' into a hub",
		Long: `Load posts every batch of a data set written by 'codefed gen' to
POST /v1/records, --concurrency batches at a time, spread over the servers of
--addr (any member accepts writes and forwards them to the leader). A batch
counts when the hub acknowledges it, i.e. once it is committed on a quorum and
applied. Batches the cluster cannot take yet (no leader) are sent again; the
load stops at the first batch the hub refuses. It ends with the throughput.`,
		Example: `  codefed load /tmp/ds
  codefed load --addr http://127.0.0.1:7800,http://127.0.0.1:7810 --concurrency 8 /tmp/ds`,
		Args: cobra.ExactArgs(1),
	}
	addr := addrFlag(cmd)
	cmd.Flags().IntVar(&cfg.Concurrency, "concurrency", 4, "batches in flight")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "no progress bar")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		cfg.Dir = args[0]
		cfg.Addrs = splitAddrs(*addr)
		m, err := gen.ReadManifest(cfg.Dir)
		if err != nil {
			return &exitError{2, err}
		}
		var bar *progressbar.ProgressBar
		if !quiet {
			bar = progressbar.NewOptions(m.Records, progressbar.OptionSetDescription("load records"),
				progressbar.OptionSetWriter(cmd.ErrOrStderr()), progressbar.OptionShowCount(),
				progressbar.OptionShowIts(), progressbar.OptionThrottle(200*time.Millisecond))
			cfg.Progress = func(n int) { _ = bar.Add(n) }
		}
		res, err := gen.Load(cmd.Context(), cfg)
		if bar != nil {
			_ = bar.Finish()
			fmt.Fprintln(cmd.ErrOrStderr())
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "loaded %d records (%d statuses and %d events new to the hub, %d rejected) in %d batches, %.1f MiB, in %s: %.0f records/s, %.1f MiB/s",
			res.Records, res.Statuses, res.Events, res.Rejected, res.Batches, float64(res.Bytes)/(1<<20),
			res.Elapsed.Round(time.Millisecond), res.RecordsPerSecond(), float64(res.Bytes)/(1<<20)/res.Elapsed.Seconds())
		if res.Retries > 0 {
			fmt.Fprintf(cmd.OutOrStdout(), " (%d batches sent again)", res.Retries)
		}
		fmt.Fprintln(cmd.OutOrStdout())
		if res.Rejected > 0 {
			fmt.Fprintln(cmd.ErrOrStderr(), "some records were rejected: see GET /v1/quarantine")
			return errReported
		}
		return nil
	}
	return cmd
}

// splitAddrs reads a comma-separated list of server addresses.
func splitAddrs(s string) []string {
	var out []string
	for _, a := range strings.Split(s, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}
