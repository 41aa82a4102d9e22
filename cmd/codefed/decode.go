package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/schema"
)

func newDecodeCmd() *cobra.Command {
	var (
		format, trustFile, at, keyFile, batchID string
	)
	cmd := &cobra.Command{
		Use:   "decode --format F [--trust FILE] [--at RFC3339] [FILE|-]",
		Short: "Decode a native payload and print the v1 batch as JSON",
		Long: `Decode reads a native payload (a file, or standard input when FILE is - or
absent), converts it with the adapter of --format and prints the v1 batch on
standard output. Each rejected record is reported on standard error, one line
each, naming the record, the field and, for layered formats such as eu-dcc,
the stage that failed (prefix, base45, zlib, cose, cbor, signature,
key-usage, expired, schema). The exit status is 0 when every record was
accepted, 1 when the payload or any record was rejected, 2 on usage errors.

Subjects are pseudonymised with the federation key from --key-file or
$CODEFED_FEDERATION_KEY; without either, the public development key of
'codefed dev' is used, so subjects match a local dev cluster.`,
		Example: `  codefed decode --format shaanxi batch.json
  codefed decode --format eu-dcc --trust dsc.pem --at 2021-06-01T00:00:00Z qr.txt`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, ok := adapters.Lookup(format)
			if !ok {
				return &exitError{2, fmt.Errorf("unknown format %q (see 'codefed adapters')", format)}
			}
			opts := adapters.DecodeOptions{BatchID: batchID, At: time.Now()}
			if at != "" {
				t, err := time.Parse(time.RFC3339, at)
				if err != nil {
					return &exitError{2, fmt.Errorf("--at: %w", err)}
				}
				opts.At = t
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
			key, err := federationKey(keyFile)
			if err != nil {
				return &exitError{2, err}
			}
			if opts.Subjects, err = schema.NewPseudonymizer(key); err != nil {
				return &exitError{2, err}
			}
			raw, err := readInput(cmd.InOrStdin(), args)
			if err != nil {
				return &exitError{2, err}
			}
			res, err := a.Decode(raw, opts)
			if err != nil {
				return fmt.Errorf("decode %s: %w", format, err)
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			enc.SetEscapeHTML(false)
			if err := enc.Encode(res.Batch); err != nil {
				return err
			}
			for _, w := range res.Warnings {
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: %v\n", w)
			}
			for _, r := range res.Rejected {
				fmt.Fprintf(cmd.ErrOrStderr(), "codefed: rejected %v\n", r)
			}
			if len(res.Rejected) > 0 {
				return errReported
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&format, "format", "", "native format (see 'codefed adapters')")
	f.StringVar(&trustFile, "trust", "", "trusted signing certificates: PEM bundle, or PEM/base64 DER one per line")
	f.StringVar(&at, "at", "", "validation clock for signed formats, RFC 3339 (default now)")
	f.StringVar(&keyFile, "key-file", "", "federation key file (hex or raw bytes); default $CODEFED_FEDERATION_KEY or the development key")
	f.StringVar(&batchID, "batch-id", "", "batch ID (default derived from the payload)")
	_ = cmd.MarkFlagRequired("format")
	return cmd
}

func federationKey(file string) ([]byte, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("--key-file: %w", err)
		}
		return schema.ParseKey(b)
	}
	if env := os.Getenv("CODEFED_FEDERATION_KEY"); env != "" {
		k, err := schema.ParseKey([]byte(env))
		if err != nil {
			return nil, fmt.Errorf("$CODEFED_FEDERATION_KEY: %w", err)
		}
		return k, nil
	}
	return schema.DevKey, nil
}

func readInput(stdin io.Reader, args []string) ([]byte, error) {
	if len(args) == 0 || args[0] == "-" {
		return io.ReadAll(stdin)
	}
	b, err := os.ReadFile(args[0])
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("input %s does not exist", args[0])
	}
	return b, err
}
