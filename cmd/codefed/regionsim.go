package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/eudcc"
	"github.com/codefed/codefed/conformance/regionsim"
)

func newRegionsimCmd() *cobra.Command {
	var (
		cfg              regionsim.Config
		listen, trustOut string
		defectNames      []string
	)
	cmd := &cobra.Command{
		Use:   "regionsim --format F [--listen ADDR] [--token T] [--defect D]...",
		Short: "Serve a simulated region's health-code system (RIS/1) in a native format",
		Long: `Regionsim serves a simulated region's system as the Region Interface
Specification (RIS/1) describes it: the metadata document, the paged feed,
the status lookup and the change notifications, in the native format of
--format. It holds the format's certification fixture followed by --persons
synthetic persons of --seed, always in the same order, so that cursors stay
valid across restarts. It prints its URL and bearer token (generated unless
--token is given).

For eu-dcc it generates a document signer at start; --trust-out writes its
certificate (PEM) for the hub or the conformance suite to trust.

--defect (repeatable) makes the region break the specification on purpose,
so that the conformance suite can be shown to catch it:
` + defectList() + `
Ctrl-C or SIGTERM stops it.`,
		Example: `  codefed regionsim --format shaanxi --listen 127.0.0.1:7900
  codefed regionsim --format eu-dcc --trust-out dsc.pem
  codefed regionsim --format zhejiang --defect wrong-timezone --defect slow
  codefed regionsim --defect list`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			for _, name := range defectNames {
				if name == "list" {
					fmt.Fprint(out, defectList())
					return nil
				}
				d, err := regionsim.ParseDefect(name)
				if err != nil {
					return &exitError{2, fmt.Errorf("--defect: %w", err)}
				}
				cfg.Defects = append(cfg.Defects, d)
			}
			if _, ok := adapters.Lookup(cfg.Format); !ok {
				return &exitError{2, fmt.Errorf("--format: unknown format %q (see 'codefed adapters')", cfg.Format)}
			}
			if cfg.Token == "" {
				cfg.Token = newToken()
			}
			if cfg.Persons == 0 {
				cfg.Persons = -1 // the fixture alone
			}
			sim, err := regionsim.New(cfg)
			if err != nil {
				return err
			}
			if trustOut != "" {
				block := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: sim.TrustCertificate().Raw})
				if err := os.WriteFile(trustOut, block, 0o644); err != nil {
					return fmt.Errorf("--trust-out: %w", err)
				}
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return fmt.Errorf("--listen: %w", err)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			printRegion(out, sim, &cfg, "http://"+ln.Addr().String(), trustOut)

			srv := &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 10 * time.Second}
			served := make(chan error, 1)
			go func() { served <- srv.Serve(ln) }()
			select {
			case err := <-served:
				return fmt.Errorf("serve: %w", err)
			case <-ctx.Done():
			}
			fmt.Fprintln(out, "stopping")
			shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := srv.Shutdown(shutdownCtx); err != nil {
				return fmt.Errorf("shutdown: %w", err)
			}
			if err := <-served; !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("serve: %w", err)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Format, "format", "", "native format of the region (see 'codefed adapters')")
	f.StringVar(&listen, "listen", "127.0.0.1:7900", "HTTP listen address")
	f.StringVar(&cfg.Token, "token", "", "bearer token clients must send (default: a random one, printed)")
	f.Uint64Var(&cfg.Seed, "seed", 1, "seed of the synthetic persons")
	f.IntVar(&cfg.Persons, "persons", regionsim.DefaultPersons, "synthetic persons besides the certification fixture (0 for none)")
	f.IntVar(&cfg.PeakRPS, "peak-rps", regionsim.DefaultPeakRPS, "declared peak request rate")
	f.DurationVar(&cfg.LatencyObjective, "latency-objective", regionsim.DefaultLatencyObjective, "declared p99 latency objective")
	f.StringArrayVar(&defectNames, "defect", nil, "break the specification on purpose (repeatable; 'list' lists them)")
	f.StringVar(&trustOut, "trust-out", "", "write the certificate of the generated document signer (PEM) to this file")
	return cmd
}

// defectList is one line per defect: its name and what it does.
func defectList() string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	for _, d := range regionsim.Defects() {
		fmt.Fprintf(w, "  %s\t%s\n", d, d.Describe())
	}
	w.Flush()
	return b.String()
}

func printRegion(w io.Writer, sim *regionsim.Sim, cfg *regionsim.Config, url, trustOut string) {
	defects := "none"
	if len(cfg.Defects) > 0 {
		names := make([]string, len(cfg.Defects))
		for i, d := range cfg.Defects {
			names[i] = string(d)
		}
		defects = strings.Join(names, ", ")
	}
	fmt.Fprintf(w, "Region simulator (%s), %d persons, defects: %s\n", sim.Format(), sim.Persons(), defects)
	fmt.Fprintf(w, "URL:   %s\n", url)
	fmt.Fprintf(w, "Token: %s\n", cfg.Token)
	switch {
	case trustOut != "":
		fmt.Fprintf(w, "Trust: document signer certificate written to %s\n", trustOut)
	case sim.Format() == eudcc.ID:
		fmt.Fprintln(w, "Trust: certificates are signed by a key generated at start; write its certificate with --trust-out FILE")
	}
	fmt.Fprintf(w, "Try:   curl -s %s/.well-known/codefed-region\n", url)
}

// newToken returns a random bearer token.
func newToken() string {
	b := make([]byte, 16)
	rand.Read(b) // never fails
	return hex.EncodeToString(b)
}
