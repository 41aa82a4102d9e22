package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/codefed/codefed/federation"
	"github.com/codefed/codefed/hub/client"
)

// addrFlag adds --addr, the server a client command talks to.
func addrFlag(cmd *cobra.Command) *string {
	def := os.Getenv("CODEFED_ADDR")
	if def == "" {
		def = "http://127.0.0.1:7800"
	}
	return cmd.Flags().String("addr", def, "HTTP address of any hub server ($CODEFED_ADDR)")
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// resolveSubject turns SUBJECT, or --doc-type and --doc-number, into a
// pseudonym, asking the server to hash the document so the key never has
// to be on the client.
func resolveSubject(ctx context.Context, c *client.Client, args []string, docType, docNumber string) (string, error) {
	if len(args) == 1 {
		return args[0], nil
	}
	if docType == "" || docNumber == "" {
		return "", &exitError{2, errors.New("give SUBJECT, or --doc-type and --doc-number")}
	}
	return c.Subject(ctx, docType, docNumber)
}

// subjectArgs are the flags of the commands about one subject: SUBJECT or
// a document to resolve, and for some a time window.
type subjectArgs struct {
	docType, docNumber, from, to string
}

func (q *subjectArgs) register(cmd *cobra.Command, window bool) {
	cmd.Flags().StringVar(&q.docType, "doc-type", "", "document type, to look up by document instead of pseudonym")
	cmd.Flags().StringVar(&q.docNumber, "doc-number", "", "document number (sent to the server to be pseudonymised)")
	if window {
		cmd.Flags().StringVar(&q.from, "from", "", "window start, RFC 3339")
		cmd.Flags().StringVar(&q.to, "to", "", "window end, RFC 3339")
	}
}

// resolve parses the window and returns the subject, asking the server to
// pseudonymise a document when one was given instead.
func (q *subjectArgs) resolve(ctx context.Context, c *client.Client, args []string) (subject string, from, to time.Time, err error) {
	if from, to, err = parseWindowFlags(q.from, q.to); err != nil {
		return "", from, to, err
	}
	subject, err = resolveSubject(ctx, c, args, q.docType, q.docNumber)
	return subject, from, to, err
}

func newStatusCmd() *cobra.Command {
	var q subjectArgs
	var linearizable, asJSON bool
	cmd := &cobra.Command{
		Use:   "status [SUBJECT]",
		Short: "Show a subject's federated status",
		Example: `  codefed status 3f1c0a9b...
  codefed status --doc-type resident_id --doc-number 11010519491231002X`,
		Args: cobra.MaximumNArgs(1),
	}
	addr := addrFlag(cmd)
	q.register(cmd, false)
	cmd.Flags().BoolVar(&linearizable, "linearizable", false, "confirm with the leader that the answer is current")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the API's JSON answer")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		c := client.New(*addr, nil)
		subject, _, _, err := q.resolve(cmd.Context(), c, args)
		if err != nil {
			return err
		}
		st, err := c.Status(cmd.Context(), subject, linearizable)
		if err != nil {
			return err
		}
		if asJSON {
			return printJSON(cmd.OutOrStdout(), st)
		}
		w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
		fmt.Fprintf(w, "subject\t%s\ncolour\t%s\nas of\t%s (index %d)\n", st.Subject, strings.ToUpper(st.Color), st.AsOf.Format(time.RFC3339), st.Index)
		for _, r := range st.Reasons {
			fmt.Fprintf(w, "reason\t%s\t%s\t%s\n", r.Code, r.Region, r.At.Format(time.RFC3339))
		}
		for code, rs := range st.Regions {
			valid := "no expiry"
			if !rs.ValidUntil.IsZero() {
				valid = "valid until " + rs.ValidUntil.Format(time.RFC3339)
			}
			fmt.Fprintf(w, "region %s\t%s\tissued %s\t%s\n", code, rs.Color, rs.IssuedAt.Format(time.RFC3339), valid)
		}
		return w.Flush()
	}
	return cmd
}

func newTrajectoryCmd() *cobra.Command {
	var q subjectArgs
	cmd := &cobra.Command{
		Use:   "trajectory [SUBJECT]",
		Short: "Print a subject's events and city-level path as JSON",
		Args:  cobra.MaximumNArgs(1),
	}
	addr := addrFlag(cmd)
	q.register(cmd, true)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		c := client.New(*addr, nil)
		subject, f, t, err := q.resolve(cmd.Context(), c, args)
		if err != nil {
			return err
		}
		tr, err := c.Trajectory(cmd.Context(), subject, f, t)
		if err != nil {
			return err
		}
		return printJSON(cmd.OutOrStdout(), tr)
	}
	return cmd
}

func newContactsCmd() *cobra.Command {
	var q subjectArgs
	var format string
	var minOverlap time.Duration
	cmd := &cobra.Command{
		Use:   "contacts [SUBJECT]",
		Short: "List the subjects who shared a place with a subject",
		Long: `Contacts lists every other subject with an event at the same place whose
interval overlapped one of the subject's events by at least --min-overlap,
longest overlap first. City-level itinerary-card events never make a contact.`,
		Args: cobra.MaximumNArgs(1),
	}
	addr := addrFlag(cmd)
	q.register(cmd, true)
	cmd.Flags().DurationVar(&minOverlap, "min-overlap", 15*time.Minute, "minimum overlap")
	cmd.Flags().StringVar(&format, "format", "table", "table or json")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		c := client.New(*addr, nil)
		subject, f, t, err := q.resolve(cmd.Context(), c, args)
		if err != nil {
			return err
		}
		cs, err := c.Contacts(cmd.Context(), subject, f, t, minOverlap)
		if err != nil {
			return err
		}
		if format == "json" {
			return printJSON(cmd.OutOrStdout(), cs)
		}
		w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "CONTACT\tPLACE\tSTART\tEND\tOVERLAP")
		for _, ct := range cs.Contacts {
			fmt.Fprintf(w, "%s\t%s %s\t%s\t%s\t%s\n", ct.Subject, ct.Place.ID, ct.Place.Name,
				ct.Start.Format(time.RFC3339), ct.End.Format(time.RFC3339), time.Duration(ct.OverlapSeconds)*time.Second)
		}
		fmt.Fprintf(w, "\n%d contacts of at least %s\n", len(cs.Contacts), minOverlap)
		return w.Flush()
	}
	return cmd
}

func parseWindowFlags(from, to string) (f, t time.Time, err error) {
	if from != "" {
		if f, err = time.Parse(time.RFC3339, from); err != nil {
			return f, t, &exitError{2, fmt.Errorf("--from: %w", err)}
		}
	}
	if to != "" {
		if t, err = time.Parse(time.RFC3339, to); err != nil {
			return f, t, &exitError{2, fmt.Errorf("--to: %w", err)}
		}
	}
	return f, t, nil
}

func newIngestCmd() *cobra.Command {
	var format string
	var quiet bool
	cmd := &cobra.Command{
		Use:   "ingest --format F FILE...",
		Short: "Send native payload files to the hub",
		Long: `Ingest posts each file to POST /v1/ingest/{format} and reports what was
accepted and rejected. Rejected records are kept in the hub's quarantine
(GET /v1/quarantine). A progress bar shows the upload of large files on a
terminal. The exit status is 1 when any file failed or had rejected records.`,
		Args: cobra.MinimumNArgs(1),
	}
	addr := addrFlag(cmd)
	cmd.Flags().StringVar(&format, "format", "", "native format (see 'codefed adapters')")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "no progress bar")
	_ = cmd.MarkFlagRequired("format")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		c := client.New(*addr, nil)
		failed := false
		for _, path := range args {
			f, err := os.Open(path)
			if err != nil {
				return &exitError{2, err}
			}
			fi, err := f.Stat()
			if err != nil {
				f.Close()
				return err
			}
			var body io.Reader = f
			var bar *progressbar.ProgressBar
			if !quiet && fi.Size() > 1<<20 {
				bar = progressbar.DefaultBytes(fi.Size(), "ingest "+path)
				r := progressbar.NewReader(f, bar)
				body = &r
			}
			res, err := c.Ingest(cmd.Context(), format, body)
			f.Close()
			if bar != nil {
				_ = bar.Finish()
			}
			if err != nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "%s: %v\n", path, err)
				failed = true
				continue
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: batch %s: %d accepted, %d rejected, applied at index %d\n",
				path, res.BatchID, res.Accepted, len(res.Rejected), res.Index)
			for _, r := range res.Rejected {
				fmt.Fprintf(cmd.ErrOrStderr(), "%s: rejected %s\n", path, r.Error)
				failed = true
			}
		}
		if failed {
			return errReported
		}
		return nil
	}
	return cmd
}

func newClusterCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "cluster", Short: "Inspect and change cluster membership"}
	members := &cobra.Command{Use: "members", Short: "List the servers", Args: cobra.NoArgs}
	addr := addrFlag(members)
	members.RunE = func(cmd *cobra.Command, _ []string) error {
		info, err := client.New(*addr, nil).Cluster(cmd.Context())
		if err != nil {
			return err
		}
		return printMembers(cmd.OutOrStdout(), info)
	}
	join := &cobra.Command{Use: "join ID RAFT_ADDR [HTTP_URL]", Short: "Add a server", Args: cobra.RangeArgs(2, 3)}
	jaddr := addrFlag(join)
	join.RunE = func(cmd *cobra.Command, args []string) error {
		req := federation.JoinRequest{ID: args[0], RaftAddr: args[1]}
		if len(args) == 3 {
			req.HTTPAddr = args[2]
		}
		info, err := client.New(*jaddr, nil).Join(cmd.Context(), req)
		if err != nil {
			return err
		}
		return printMembers(cmd.OutOrStdout(), info)
	}
	remove := &cobra.Command{Use: "remove ID", Short: "Remove a server", Args: cobra.ExactArgs(1)}
	raddr := addrFlag(remove)
	remove.RunE = func(cmd *cobra.Command, args []string) error {
		info, err := client.New(*raddr, nil).Remove(cmd.Context(), args[0])
		if err != nil {
			return err
		}
		return printMembers(cmd.OutOrStdout(), info)
	}
	cmd.AddCommand(members, join, remove)
	return cmd
}

func printMembers(w io.Writer, info *client.ClusterInfo) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tRAFT\tHTTP\tVOTER\tLEADER")
	for _, m := range info.Members {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%v\n", m.ID, m.RaftAddr, m.HTTPAddr, m.Voter, m.Leader)
	}
	fmt.Fprintf(tw, "\napplied index %d, digest %s\n", info.AppliedIndex, info.Digest)
	return tw.Flush()
}
