package hub

import (
	"encoding/json"
	"fmt"

	"github.com/codefed/codefed/schema"
)

// CommandType is the first byte of every command in the replicated log.
// Values are part of the on-disk format: never renumber, only add.
type CommandType byte

const (
	// CommandRecords applies a v1 batch (statuses, events, risk areas) and
	// records the batch's rejected records in quarantine.
	CommandRecords CommandType = 1
)

// ignoreUnknown marks a type byte that an older server may skip. A server that
// meets an unknown command without this flag stops rather than diverge from
// the servers that understood it.
const ignoreUnknown CommandType = 0x80

// commandVersion is the encoding version of command payloads, kept in the
// second byte so that a payload encoding can evolve behind one type.
const commandVersion = 1

type handler func(s *State, c *applyContext, payload []byte) (any, error)

var handlers = map[CommandType]handler{}

// register fills the dispatch table at init; a duplicate is a programming
// error.
func register(t CommandType, h handler) {
	if _, dup := handlers[t]; dup {
		panic(fmt.Sprintf("hub: command type %d registered twice", t))
	}
	handlers[t] = h
}

func init() {
	register(CommandRecords, applyRecords)
}

// RecordsCommand is the payload of CommandRecords.
type RecordsCommand struct {
	BatchID   string            `json:"batch_id"`
	Region    string            `json:"region"`
	Format    string            `json:"format,omitempty"`
	Statuses  []schema.Status   `json:"statuses,omitempty"`
	Events    []schema.Event    `json:"events,omitempty"`
	RiskAreas []schema.RiskArea `json:"risk_areas,omitempty"`
	// Rejected are the batch's records that failed decoding or validation;
	// they are kept in quarantine on every replica.
	Rejected []Rejection `json:"rejected,omitempty"`
}

// Encode returns the command as log bytes: type, version, JSON payload.
func (c *RecordsCommand) Encode() ([]byte, error) {
	return encodeCommand(CommandRecords, c)
}

func encodeCommand(t CommandType, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode command %d: %w", t, err)
	}
	out := make([]byte, 0, len(b)+2)
	out = append(out, byte(t), commandVersion)
	return append(out, b...), nil
}

// UnknownCommandError stops a server that meets a command it cannot apply.
type UnknownCommandError struct {
	Type    CommandType
	Version byte
}

func (e *UnknownCommandError) Error() string {
	return fmt.Sprintf("unknown command type %d version %d: this server is older than the cluster and must be upgraded", e.Type, e.Version)
}

func decodeRecordsResult(b []byte) (RecordsResult, error) {
	var cr CommandResult
	if err := json.Unmarshal(b, &cr); err != nil {
		return RecordsResult{}, fmt.Errorf("decode command result: %w", err)
	}
	if cr.Error != "" {
		return RecordsResult{}, fmt.Errorf("command refused: %s", cr.Error)
	}
	var r RecordsResult
	if err := json.Unmarshal(cr.Result, &r); err != nil {
		return RecordsResult{}, fmt.Errorf("decode records result: %w", err)
	}
	return r, nil
}
