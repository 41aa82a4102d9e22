package devcluster

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/codefed/codefed/adapters"
	_ "github.com/codefed/codefed/adapters/all"
	"github.com/codefed/codefed/schema"
)

func TestDevClusterFeedsEveryFormat(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a 3-node cluster")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	began := time.Now()
	c, err := Start(ctx, Config{Dir: t.TempDir(), People: 60, Seed: 7, Now: time.Date(2022, 1, 15, 12, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	t.Logf("dev cluster ready in %v", time.Since(began))

	if len(c.Formats) != len(adapters.All()) || len(c.Formats) < 12 {
		t.Fatalf("%d formats loaded, %d registered", len(c.Formats), len(adapters.All()))
	}
	for _, f := range c.Formats {
		if f.Err != nil || f.Accepted == 0 || f.Rejected != 0 {
			t.Errorf("format %s: %d accepted, %d rejected, err %v", f.Format, f.Accepted, f.Rejected, f.Err)
		}
	}
	for _, color := range []string{schema.Green, schema.Yellow, schema.Red} {
		if len(c.Examples[color]) == 0 {
			t.Errorf("no %s subject in the synthetic population", color)
		}
	}
	// Travellers have a status from one province and events in another.
	if len(c.Travellers) == 0 {
		t.Fatal("no travellers")
	}
	crossed := 0
	for _, tr := range c.Travellers {
		st, ok := c.Nodes[1].FSM.Status(tr.Subject, time.Date(2022, 1, 15, 12, 0, 0, 0, time.UTC))
		traj, ok2 := c.Nodes[2].FSM.Trajectory(tr.Subject, time.Time{}, time.Time{})
		if !ok || !ok2 {
			t.Fatalf("traveller %s (%s) unknown on a follower", tr.Subject[:8], tr.Format)
		}
		for _, e := range traj.Events {
			for region := range st.Regions {
				if schema.Province(e.Place.Region) != schema.Province(region) {
					crossed++
				}
			}
		}
	}
	if crossed == 0 {
		t.Fatal("no traveller has events outside the province of their status")
	}
	var buf bytes.Buffer
	c.Print(&buf)
	for _, want := range []string{"/v1/status/", "leader", "codefed status --addr", "/ui/"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("printout lacks %q:\n%s", want, buf.String())
		}
	}
}
