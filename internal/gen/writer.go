package gen

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/codefed/codefed/schema"
)

// batchWriter groups records into batches by the province that reports
// them, as each province's system pushes its own records, and writes full
// batches as JSON lines, starting a new file every perFile batches.
type batchWriter struct {
	dir        string
	perFile    int
	maxRecords int
	seed       uint64

	pending map[string]*schema.Batch // by province code
	seq     map[string]int

	f     *os.File
	count *countingWriter
	bw    *bufio.Writer
	enc   *json.Encoder
	cur   FileInfo
	files []FileInfo

	records, batches int
}

func province(region string) string { return region[:2] + "0000" }

func (b *batchWriter) batch(prov string) *schema.Batch {
	bt := b.pending[prov]
	if bt == nil {
		bt = &schema.Batch{Schema: schema.Version, Region: prov}
		b.pending[prov] = bt
	}
	return bt
}

func (b *batchWriter) addStatus(region string, st schema.Status) error {
	prov := province(region)
	bt := b.batch(prov)
	bt.Statuses = append(bt.Statuses, st)
	return b.flushIfFull(prov, bt)
}

func (b *batchWriter) addEvent(region string, e schema.Event) error {
	prov := province(region)
	bt := b.batch(prov)
	bt.Events = append(bt.Events, e)
	return b.flushIfFull(prov, bt)
}

func (b *batchWriter) flushIfFull(prov string, bt *schema.Batch) error {
	if len(bt.Statuses)+len(bt.Events) < b.maxRecords {
		return nil
	}
	return b.flush(prov, bt)
}

// riskAreas writes the risk areas first, one batch per declaring province,
// so a loaded hub knows them before the visits that touch them arrive.
func (b *batchWriter) riskAreas(areas []schema.RiskArea) error {
	byProv := map[string][]schema.RiskArea{}
	for _, a := range areas {
		p := province(a.Region)
		byProv[p] = append(byProv[p], a)
	}
	for _, p := range sortedKeys(byProv) {
		if err := b.write(&schema.Batch{Schema: schema.Version, Region: p, RiskAreas: byProv[p]}, p); err != nil {
			return err
		}
	}
	return nil
}

func (b *batchWriter) flush(prov string, bt *schema.Batch) error {
	if err := b.write(bt, prov); err != nil {
		return err
	}
	// The batch is encoded; its slices are reused for the next one.
	bt.Statuses, bt.Events = bt.Statuses[:0], bt.Events[:0]
	return nil
}

func (b *batchWriter) write(bt *schema.Batch, prov string) error {
	if b.seq == nil {
		b.seq = map[string]int{}
	}
	b.seq[prov]++
	bt.BatchID = fmt.Sprintf("gen%d-%s-%06d", b.seed, prov, b.seq[prov])
	if b.f == nil {
		if err := b.open(); err != nil {
			return err
		}
	}
	if err := b.enc.Encode(bt); err != nil {
		return fmt.Errorf("write batch %s: %w", bt.BatchID, err)
	}
	n := len(bt.Statuses) + len(bt.Events) + len(bt.RiskAreas)
	b.records += n
	b.batches++
	b.cur.Records += n
	b.cur.Batches++
	if b.cur.Batches == b.perFile {
		return b.closeFile()
	}
	return nil
}

func (b *batchWriter) open() error {
	name := fmt.Sprintf("batches-%04d.jsonl", len(b.files))
	f, err := os.Create(filepath.Join(b.dir, name))
	if err != nil {
		return fmt.Errorf("create batches file: %w", err)
	}
	b.f = f
	b.count = &countingWriter{w: f}
	b.bw = bufio.NewWriterSize(b.count, 1<<20)
	b.enc = json.NewEncoder(b.bw)
	b.enc.SetEscapeHTML(false)
	b.cur = FileInfo{Name: name}
	return nil
}

func (b *batchWriter) closeFile() error {
	if b.f == nil {
		return nil
	}
	err := b.bw.Flush()
	if cerr := b.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", b.cur.Name, err)
	}
	b.cur.Bytes = b.count.n
	b.files = append(b.files, b.cur)
	b.f = nil
	return nil
}

// close writes the partly filled batches, in province order so the output
// does not depend on map iteration, and closes the last file.
func (b *batchWriter) close() error {
	for _, p := range sortedKeys(b.pending) {
		if bt := b.pending[p]; len(bt.Statuses)+len(bt.Events) > 0 {
			if err := b.flush(p, bt); err != nil {
				return err
			}
		}
	}
	return b.closeFile()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
