package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/pull"
	"github.com/codefed/codefed/internal/node"
)

func newAgentCmd() *cobra.Command {
	var (
		id, httpAddr, httpAdvertise, raftAddr, raftAdvertise, dataDir, join, keyFile, trustFile string
		bootstrap, devKey                                                                       bool
		memoryLimit, debugAddr, pullTokenFile                                                   string
		pulls                                                                                   []string
		pullLimit                                                                               int
	)
	cmd := &cobra.Command{
		Use:   "agent --node-id ID [--http ADDR] [--raft ADDR] [--data DIR] (--bootstrap | --join URL)",
		Short: "Run one hub server",
		Long: `Agent runs one server of a codefed cluster: the replicated hub and its HTTP API.

Start the first server of a new cluster with --bootstrap, and every other one
with --join pointing at the HTTP address of any member. Everything is kept
under --data (raft log and stable store in raft.db, snapshots beside it); a
restarted agent resumes from there, so --bootstrap and --join only matter the
first time.

Every server of a federation must use the same federation key (--key-file or
$CODEFED_FEDERATION_KEY): it turns document numbers into the subjects stored
in the log. Generate one with:  head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'`,
		Example: `  codefed agent --node-id a --data /var/lib/codefed --bootstrap
  codefed agent --node-id b --http 10.0.0.2:7800 --raft 10.0.0.2:7801 --join http://10.0.0.1:7800`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if id == "" {
				return &exitError{2, errors.New("--node-id is required")}
			}
			if bootstrap && join != "" {
				return &exitError{2, errors.New("--bootstrap and --join exclude each other")}
			}
			var key []byte
			var err error
			if devKey {
				key, err = federationKey("")
			} else {
				if keyFile == "" && os.Getenv("CODEFED_FEDERATION_KEY") == "" {
					return &exitError{2, errors.New("no federation key: set --key-file or $CODEFED_FEDERATION_KEY (or --insecure-dev-key for a throwaway cluster)")}
				}
				key, err = federationKey(keyFile)
			}
			if err != nil {
				return &exitError{2, err}
			}
			cfg := node.Config{
				ID: id, HTTPListen: httpAddr, HTTPAdvertise: httpAdvertise, RaftListen: raftAddr, RaftAdvertise: raftAdvertise,
				DataDir: dataDir, Bootstrap: bootstrap, Join: join, Key: key, DebugListen: debugAddr,
				Logger: slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelInfo})),
			}
			if trustFile != "" {
				b, err := os.ReadFile(trustFile)
				if err != nil {
					return &exitError{2, fmt.Errorf("--trust: %w", err)}
				}
				if cfg.Trust, err = adapters.ParseCertificates(b); err != nil {
					return &exitError{2, fmt.Errorf("--trust %s: %w", trustFile, err)}
				}
			}
			if len(pulls) > 0 {
				token, err := pull.Token(pullTokenFile)
				if err != nil {
					return &exitError{2, fmt.Errorf("--pull: %w", err)}
				}
				for _, spec := range pulls {
					ps, err := pull.ParseSpec(spec)
					if err != nil {
						return &exitError{2, fmt.Errorf("--pull: %w", err)}
					}
					cfg.Pulls = append(cfg.Pulls, node.Pull{Spec: ps, Token: token, Limit: pullLimit})
				}
			}
			if memoryLimit != "" {
				limit, err := parseBytes(memoryLimit)
				if err != nil {
					return &exitError{2, fmt.Errorf("--memory-limit: %w", err)}
				}
				// A soft limit: the collector works harder as the heap
				// nears it instead of letting it double between cycles.
				debug.SetMemoryLimit(limit)
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			n, err := node.Start(ctx, cfg)
			if err != nil {
				return err
			}
			cfg.Logger.Info("codefed agent running", "node", id, "http", n.URL, "raft", n.Raft.RaftAddr(), "data", dataDir)
			if n.DebugAddr != "" {
				cfg.Logger.Info("profiler listening", "addr", n.DebugAddr)
			}
			<-ctx.Done()
			cfg.Logger.Info("shutting down", "node", id)
			return n.Close()
		},
	}
	f := cmd.Flags()
	f.StringVar(&id, "node-id", "", "this server's unique ID in the cluster")
	f.StringVar(&httpAddr, "http", "127.0.0.1:7800", "HTTP API listen address")
	f.StringVar(&httpAdvertise, "http-advertise", "", "HTTP base URL peers and clients use (default http://<--http>)")
	f.StringVar(&raftAddr, "raft", "127.0.0.1:7801", "raft TCP listen address")
	f.StringVar(&raftAdvertise, "raft-advertise", "", "raft address peers dial (default the listen address)")
	f.StringVar(&dataDir, "data", "./codefed-data", "data directory (raft log, stable store, snapshots)")
	f.BoolVar(&bootstrap, "bootstrap", false, "form a new cluster with this server as its first member")
	f.StringVar(&join, "join", "", "HTTP URL of any member of the cluster to join")
	f.StringVar(&keyFile, "key-file", "", "federation key file (hex or raw); default $CODEFED_FEDERATION_KEY")
	f.BoolVar(&devKey, "insecure-dev-key", false, "use the public development key (throwaway clusters only)")
	f.StringVar(&trustFile, "trust", "", "trusted signing certificates for signed formats (eu-dcc)")
	f.StringArrayVar(&pulls, "pull", nil, "pull a region's feed (RIS/1) while this server leads: FORMAT=URL, repeatable")
	f.StringVar(&pullTokenFile, "pull-token-file", "", "file holding the regions' bearer token for --pull (default $CODEFED_PULL_TOKEN)")
	f.IntVar(&pullLimit, "pull-limit", 0, "persons asked per feed page (default 100; at most the region's feed_max_limit)")
	f.StringVar(&debugAddr, "debug-addr", "", "serve the Go profiler (/debug/pprof/) on this address, e.g. 127.0.0.1:6060; keep it private")
	f.StringVar(&memoryLimit, "memory-limit", "", "soft limit for the Go heap, e.g. 900MiB or 1GiB (default $GOMEMLIMIT or none)")
	return cmd
}

// parseBytes reads a size such as 1073741824, 900MiB, 1GiB or 512KiB.
func parseBytes(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}, {"", 1}}
	for _, u := range units {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
			if err != nil || n <= 0 {
				return 0, fmt.Errorf("%q is not a size such as 900MiB or 1GiB", s)
			}
			return n * u.mult, nil
		}
	}
	return 0, fmt.Errorf("%q is not a size such as 900MiB or 1GiB", s)
}
