package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/eudcc"
	"github.com/codefed/codefed/conformance"
	"github.com/codefed/codefed/conformance/fixture"
)

func newConformanceCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "conformance",
		Short: "Certify a region's health-code system against the Region Interface Specification (RIS/1)",
	}
	cmd.AddCommand(newConformanceRunCmd(), newConformanceFixtureCmd())
	return cmd
}

func newConformanceRunCmd() *cobra.Command {
	var (
		opts                               conformance.Options
		list                               bool
		jsonOut, junitOut, htmlOut, submit string
		trustFile, restartCmd              string
	)
	cmd := &cobra.Command{
		Use:   "run --target URL --format F [--token T] [flags]",
		Short: "Run the conformance suite against a region's live system",
		Long: `Run checks the region's system at --target against RIS/1: its metadata,
authentication and errors, three walks of its feed, the certification
fixture (see 'codefed conformance fixture'), status lookups,
notifications, and open-loop load at its declared peak and at ten times
it. One line per test is printed on standard error as it finishes, and a
summary table on standard output at the end.

The exit status is 0 when no required test failed or ended in an error, 1
when one did (or the submission failed), 2 on usage errors. --only limits the run to
tests, groups or requirement IDs (repeatable); such a run certifies
nothing and cannot be submitted.

--restart-cmd is run with sh -c after the first walk of the feed and
must return once the region is restarting: the suite waits for it to
answer again and checks that the cursors it was given survive
(RIS-FEED-05). Without it they are checked again at the end of the run.

--submit posts a summary to the hub, naming the JSON report by its
SHA-256.`,
		Example: `  codefed conformance run --target http://127.0.0.1:7900 --format shaanxi --token "$TOKEN" \
      --report-json r.json --report-junit r.xml --report-html r.html
  codefed conformance run --target https://ris.example.gov.cn --format eu-dcc --trust dsc.pem --only feed
  codefed conformance run --list`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
			if list {
				return printTestList(stdout)
			}
			if opts.Target == "" || opts.Format == "" {
				return &exitError{2, errors.New("--target and --format are required (or --list)")}
			}
			if submit != "" && len(opts.Only) > 0 {
				return &exitError{2, errors.New("--submit certifies a region: it needs the whole suite, not --only")}
			}
			if trustFile != "" {
				b, err := os.ReadFile(trustFile)
				if err != nil {
					return &exitError{2, fmt.Errorf("--trust: %w", err)}
				}
				if opts.Trust, err = adapters.ParseCertificates(b); err != nil {
					return &exitError{2, fmt.Errorf("--trust %s: %w", trustFile, err)}
				}
			}
			if restartCmd != "" {
				opts.Restart = func(ctx context.Context) error {
					c := exec.CommandContext(ctx, "sh", "-c", restartCmd)
					c.Stdout, c.Stderr = stderr, stderr
					return c.Run()
				}
			}
			if opts.Token == "" {
				opts.Token = os.Getenv("CODEFED_REGION_TOKEN")
			}
			// Ctrl-C stops the run; the reports then hold what ran.
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			p := newProgressPrinter(stderr)
			opts.Progress = p.test
			rep, err := conformance.Run(ctx, opts)
			p.finish()
			if errors.Is(err, conformance.ErrUsage) {
				return &exitError{2, err}
			}
			if rep == nil {
				return err
			}
			printSummary(stdout, rep)
			var reportJSON bytes.Buffer
			if werr := rep.WriteJSON(&reportJSON); werr != nil {
				return werr
			}
			writes := []struct {
				path  string
				write func(io.Writer) error
			}{
				{jsonOut, func(w io.Writer) error { _, err := w.Write(reportJSON.Bytes()); return err }},
				{junitOut, rep.WriteJUnit},
				{htmlOut, rep.WriteHTML},
			}
			for _, w := range writes {
				if w.path == "" {
					continue
				}
				if werr := writeFile(w.path, w.write); werr != nil {
					return werr
				}
				fmt.Fprintf(stderr, "report written to %s\n", w.path)
			}
			if err != nil {
				return err // the run was stopped; the reports hold what ran
			}
			if submit != "" {
				if err := conformance.Submit(cmd.Context(), nil, submit, rep.Certification(reportJSON.Bytes())); err != nil {
					return err
				}
				fmt.Fprintf(stderr, "certification submitted to %s\n", submit)
			}
			if !rep.Passed() {
				return errReported
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Target, "target", "", "base URL of the region's system")
	f.StringVar(&opts.Format, "format", "", "the region's native format (see 'codefed adapters')")
	f.StringVar(&opts.Token, "token", "", "bearer token the region issued (default $CODEFED_REGION_TOKEN)")
	f.StringArrayVar(&opts.Only, "only", nil, "run only this test, group or requirement ID (repeatable)")
	f.BoolVar(&list, "list", false, "list the suite's tests and exit")
	f.StringVar(&jsonOut, "report-json", "", "write the JSON report to this file")
	f.StringVar(&junitOut, "report-junit", "", "write the JUnit XML report to this file")
	f.StringVar(&htmlOut, "report-html", "", "write the HTML report to this file")
	f.DurationVar(&opts.LoadDuration, "load-duration", conformance.DefaultLoadDuration, "duration of each load phase")
	f.DurationVar(&opts.Timeout, "timeout", conformance.DefaultTimeout, "bound on one functional request")
	f.StringVar(&trustFile, "trust", "", "signing certificates of signed formats (eu-dcc), the region's signer first: PEM bundle or base64 DER lines")
	f.StringVar(&restartCmd, "restart-cmd", "", "shell command that restarts the region's system, run after the first walk of the feed")
	f.StringVar(&submit, "submit", "", "hub URL to post the certification summary to")
	return cmd
}

func printTestList(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TEST\tGROUP\tREQUIREMENTS\tREQUIRED\tCHECKS")
	for _, t := range conformance.List() {
		req := "required"
		if !t.Required {
			req = "optional"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.ID, t.Group, strings.Join(t.Requirements, ","), req, t.Title)
	}
	return tw.Flush()
}

// progressPrinter prints a line per finished test, below a progress bar
// when standard error is a terminal.
type progressPrinter struct {
	w   io.Writer
	tty bool
	bar *progressbar.ProgressBar
}

func newProgressPrinter(w io.Writer) *progressPrinter {
	p := &progressPrinter{w: w}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.tty = true
	}
	return p
}

func (p *progressPrinter) test(ev conformance.Progress) {
	if p.tty && p.bar == nil {
		p.bar = progressbar.NewOptions(ev.Total, progressbar.OptionSetWriter(p.w), progressbar.OptionSetDescription("RIS/1"),
			progressbar.OptionShowCount(), progressbar.OptionClearOnFinish(), progressbar.OptionSetWidth(30))
	}
	if p.bar != nil {
		_ = p.bar.Clear()
	}
	t := ev.Test
	fmt.Fprintf(p.w, "%-5s %-20s %-28s %7.0f ms  %s\n", strings.ToUpper(string(t.Outcome)), t.ID, strings.Join(t.Requirements, ","),
		t.DurationMS, t.Message)
	if p.bar != nil {
		_ = p.bar.Set(ev.Done)
	}
}

func (p *progressPrinter) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}

func printSummary(w io.Writer, rep *conformance.Report) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "GROUP\tTEST\tRESULT\tREQUIREMENTS\tMESSAGE")
	for _, s := range rep.Suites {
		for _, g := range s.Groups {
			for _, t := range g.Tests {
				id := t.ID
				if !t.Required {
					id += " (optional)"
				}
				msg := t.Message
				if len(msg) > 100 {
					msg = msg[:100] + "…"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", g.ID, id, strings.ToUpper(string(t.Outcome)), strings.Join(t.Requirements, ","), msg)
			}
		}
	}
	tw.Flush()
	c := rep.Counts
	fmt.Fprintf(w, "\n%s %s (%s): %s — %d passed, %d failed, %d errors, %d skipped\n",
		rep.Spec, rep.Target, rep.Format, strings.ToUpper(rep.Verdict), c.Pass, c.Fail, c.Error, c.Skip)
	if len(rep.Failed) > 0 {
		fmt.Fprintf(w, "requirements not met: %s\n", strings.Join(rep.Failed, ", "))
	}
	if len(rep.Only) > 0 {
		fmt.Fprintf(w, "partial run (--only %s): this does not certify the region\n", strings.Join(rep.Only, " "))
	}
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}

func newConformanceFixtureCmd() *cobra.Command {
	var format, out, keyFile, certFile string
	cmd := &cobra.Command{
		Use:   "fixture --format F [--out FILE]",
		Short: "Write the certification fixture in a format's native payload, for a region to load",
		Long: `Fixture writes the certification fixture of --format: the fixed synthetic
persons a region loads before it is certified, as one native payload of the
format (standard output unless --out). The conformance suite expects to
find exactly their records in the region's feed and status lookup. The
number of persons and records is printed on standard error.

eu-dcc certificates are signed: give the region's document signer with
--signer-key (PEM private key) and --signer-cert (PEM certificate).`,
		Example: `  codefed conformance fixture --format shaanxi --out fixture.json
  codefed conformance fixture --format eu-dcc --signer-key dsc.key --signer-cert dsc.pem --out fixture.txt`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, ok := adapters.Lookup(format)
			if !ok {
				return &exitError{2, fmt.Errorf("--format: unknown format %q (see 'codefed adapters')", format)}
			}
			people, err := fixture.People(format)
			if err != nil {
				return &exitError{2, err}
			}
			opts := adapters.EncodeOptions{At: fixture.Start.Add(fixture.Span)}
			if keyFile != "" || certFile != "" || format == eudcc.ID {
				if opts.Signer, opts.SignerCert, err = loadSigner(keyFile, certFile); err != nil {
					return &exitError{2, err}
				}
			}
			raw, err := a.Encode(people, opts)
			if err != nil {
				return fmt.Errorf("encode the %s fixture: %w", format, err)
			}
			if out == "" || out == "-" {
				if _, err := cmd.OutOrStdout().Write(raw); err != nil {
					return err
				}
			} else if err := os.WriteFile(out, raw, 0o644); err != nil {
				return err
			}
			var statuses, events int
			for _, p := range people {
				statuses += len(p.Statuses)
				events += len(p.Events)
			}
			dest := out
			if dest == "" || dest == "-" {
				dest = "standard output"
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%s fixture: %d persons (%d statuses, %d events), %d bytes written to %s\n",
				format, len(people), statuses, events, len(raw), dest)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&format, "format", "", "native format (see 'codefed adapters')")
	f.StringVar(&out, "out", "", "file to write (default standard output)")
	f.StringVar(&keyFile, "signer-key", "", "PEM private key of the document signer (eu-dcc)")
	f.StringVar(&certFile, "signer-cert", "", "PEM certificate of the document signer (eu-dcc)")
	_ = cmd.MarkFlagRequired("format")
	return cmd
}

// loadSigner reads a document signer: a PEM private key (PKCS #8, SEC 1
// or PKCS #1) and its PEM certificate.
func loadSigner(keyFile, certFile string) (crypto.Signer, *x509.Certificate, error) {
	if keyFile == "" || certFile == "" {
		return nil, nil, errors.New("a signed format needs --signer-key and --signer-cert")
	}
	kb, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, nil, fmt.Errorf("--signer-key: %w", err)
	}
	block, _ := pem.Decode(kb)
	if block == nil {
		return nil, nil, fmt.Errorf("--signer-key %s: no PEM block", keyFile)
	}
	var key any
	if key, err = x509.ParsePKCS8PrivateKey(block.Bytes); err != nil {
		if key, err = x509.ParseECPrivateKey(block.Bytes); err != nil {
			if key, err = x509.ParsePKCS1PrivateKey(block.Bytes); err != nil {
				return nil, nil, fmt.Errorf("--signer-key %s: not a PKCS #8, SEC 1 or PKCS #1 private key", keyFile)
			}
		}
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, nil, fmt.Errorf("--signer-key %s: the key cannot sign", keyFile)
	}
	cb, err := os.ReadFile(certFile)
	if err != nil {
		return nil, nil, fmt.Errorf("--signer-cert: %w", err)
	}
	certs, err := adapters.ParseCertificates(cb)
	if err != nil {
		return nil, nil, fmt.Errorf("--signer-cert %s: %w", certFile, err)
	}
	return signer, certs[0], nil
}
