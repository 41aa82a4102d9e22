package node_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/codefed/codefed/hub/client"
)

// BenchmarkIngest3Node measures records acknowledged per second through a
// 3-node cluster on loopback: POST /v1/records batches of 500 statuses from
// 8 concurrent clients spread over the three nodes; every answer comes after
// quorum commit and local apply. The log is fsynced as in production.
func BenchmarkIngest3Node(b *testing.B) {
	c := newCluster(&testing.T{}, "n1", "n2", "n3")
	defer func() {
		for _, n := range c.nodes {
			n.Close()
		}
	}()
	urls := []string{}
	for _, n := range c.nodes {
		urls = append(urls, n.URL)
	}
	const perBatch = 500
	// Pre-encode the bodies so the benchmark measures the server.
	bodies := make([][]byte, 64)
	for i := range bodies {
		bodies[i], _ = json.Marshal(batch(i*perBatch, perBatch))
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	var next atomic.Int64
	b.SetParallelism(4) // 4 x GOMAXPROCS clients
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1)
			resp, err := hc.Post(urls[i%int64(len(urls))]+"/v1/records", "application/json", bytes.NewReader(bodies[i%int64(len(bodies))]))
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("HTTP %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N*perBatch)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkStatusRead measures GET /v1/status on one node holding 100,000
// subjects, from parallel keep-alive clients on the same machine.
func BenchmarkStatusRead(b *testing.B) {
	c := newCluster(&testing.T{}, "n1")
	defer c.nodes["n1"].Close()
	url := c.nodes["n1"].URL
	cl := client.New(url, nil)
	const subjects = 100_000
	ctx := context.Background()
	for i := 0; i < subjects; i += 5000 {
		bt := batch(i, 5000)
		if _, err := cl.Records(ctx, &bt); err != nil {
			b.Fatal(err)
		}
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var next atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(7919) % subjects
			resp, err := hc.Get(url + "/v1/status/" + subjectN(int(i)))
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("HTTP %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "reads/s")
}
