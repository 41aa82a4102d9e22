package hub

import (
	"sort"
	"time"

	"github.com/codefed/codefed/schema"
)

// ColorUnknown is the federated colour of a subject none of whose regional
// statuses is valid any more and who has no derived colour: the federation
// cannot vouch for them either way.
const ColorUnknown = "unknown"

// FederatedStatus is the answer to GET /v1/status/{subject}.
type FederatedStatus struct {
	Subject string                   `json:"subject"`
	Color   string                   `json:"color"`
	Reasons []Reason                 `json:"reasons"`
	Regions map[string]schema.Status `json:"regions"`
	AsOf    time.Time                `json:"as_of"`
	Index   uint64                   `json:"index"`
}

// Reason explains the federated colour: a reason code, the region it comes
// from and when it applied.
type Reason struct {
	Code   string    `json:"code"`
	Region string    `json:"region"`
	At     time.Time `json:"at"`
}

// Status computes the federated status of subject at now:
//   - a regional status counts until its valid_until;
//   - an event inside a medium or high risk area during the area's window,
//     in the 14 days before now, derives yellow (visited_risk_area);
//   - the colour is the most severe of the counted and derived colours, and
//     the reasons are those of the statuses (and derivations) that set it.
//
// It reports false when the subject is unknown.
func (f *FSM) Status(subject string, now time.Time) (*FederatedStatus, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	s := f.state
	id, _ := parseSubject(subject)
	ss := s.subjects.lookup(id)
	if ss == nil {
		return nil, false
	}
	out := &FederatedStatus{
		Subject: subject, Color: ColorUnknown, Reasons: []Reason{},
		Regions: make(map[string]schema.Status, ss.statuses.len),
		AsOf:    now, Index: s.index,
	}
	best := -1
	consider := func(color string, reasons []Reason) {
		sev := schema.Severity(color)
		switch {
		case sev > best:
			best = sev
			out.Color = color
			out.Reasons = append(out.Reasons[:0], reasons...)
		case sev == best:
			out.Reasons = append(out.Reasons, reasons...)
		}
	}
	sts := s.sts(ss)
	for i := range sts {
		st := s.status(subject, &sts[i])
		out.Regions[st.Region] = st
		if vu, ok := validUntil(&sts[i]); ok && now.UnixNano() >= vu {
			continue
		}
		rs := make([]Reason, len(st.Reasons))
		for j, code := range st.Reasons {
			rs[j] = Reason{Code: code, Region: st.Region, At: st.IssuedAt}
		}
		consider(st.Color, rs)
	}
	if visits := s.riskVisits(ss, now); len(visits) > 0 {
		consider(schema.Yellow, visits)
	}
	return out, true
}

// riskVisits returns one visited_risk_area reason per event in the last 14
// days that lies inside an active medium or high risk area's region during
// its window.
func (s *State) riskVisits(ss *subjectState, now time.Time) []Reason {
	if len(s.riskAreas) == 0 {
		return nil
	}
	var out []Reason
	lo := now.Add(-exposureWindow).UnixNano()
	hi := now.UnixNano()
	// Map order does not matter here: a reason names the event, not the
	// area it matched, and no sorting belongs on the status read path.
	evs := s.evs(ss)
	for i := range evs {
		e := &evs[i]
		start, last := s.startNs(e), s.lastNs(e)
		if last < lo || start > hi {
			continue
		}
		for _, a := range s.riskAreas {
			if a.Level != schema.RiskMedium && a.Level != schema.RiskHigh {
				continue
			}
			if !schema.ContainsRegion(a.Region, s.slot(e).cur.Region) {
				continue
			}
			if last < a.From.UnixNano() || (!a.Until.IsZero() && start >= a.Until.UnixNano()) {
				continue
			}
			out = append(out, Reason{Code: schema.ReasonVisitedRiskArea, Region: s.slot(e).cur.Region, At: time.Unix(0, start).In(zoneFor(int32(e.offset) * 60))})
			break
		}
	}
	return out
}

func (s *State) sortedRiskAreas() []schema.RiskArea {
	out := make([]schema.RiskArea, 0, len(s.riskAreas))
	for _, a := range s.riskAreas {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Trajectory is the answer to GET /v1/trajectory/{subject}.
type Trajectory struct {
	Subject string         `json:"subject"`
	Events  []schema.Event `json:"events"`
	Cities  []CityVisit    `json:"cities"`
	Index   uint64         `json:"index"`
}

// CityVisit is one stop on the city-level path: consecutive events in the
// same prefecture-level city.
type CityVisit struct {
	Region string    `json:"region"`
	Name   string    `json:"name,omitempty"`
	First  time.Time `json:"first"`
	Last   time.Time `json:"last"`
}

// Trajectory returns the subject's events that overlap [from, to] (zero
// bounds are open) in time order, and the city-level path they trace.
func (f *FSM) Trajectory(subject string, from, to time.Time) (*Trajectory, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	id, _ := parseSubject(subject)
	ss := f.state.subjects.lookup(id)
	if ss == nil {
		return nil, false
	}
	out := &Trajectory{Subject: subject, Events: []schema.Event{}, Cities: []CityVisit{}, Index: f.state.index}
	lo, hi := windowNanos(from, to)
	evs := f.state.evs(ss)
	for i := range evs {
		e := &evs[i]
		if f.state.lastNs(e) < lo {
			continue
		}
		if f.state.startNs(e) > hi {
			break // events are sorted by start
		}
		ev := f.state.event(subject, e)
		out.Events = append(out.Events, ev)
		region := f.state.slot(e).cur.Region
		city := schema.Prefecture(region)
		if city == "" {
			city = region[:min(6, len(region))]
		}
		last := ev.Start
		if !ev.End.IsZero() {
			last = ev.End
		}
		if n := len(out.Cities); n > 0 && out.Cities[n-1].Region == city {
			if last.After(out.Cities[n-1].Last) {
				out.Cities[n-1].Last = last
			}
			continue
		}
		cv := CityVisit{Region: city, First: ev.Start, Last: last}
		if d, ok := schema.LookupDivision(city); ok {
			cv.Name = d.Name
		}
		out.Cities = append(out.Cities, cv)
	}
	return out, true
}

// ActiveRiskAreas returns the risk areas whose window contains now, sorted by ID.
func (f *FSM) ActiveRiskAreas(now time.Time) []schema.RiskArea {
	f.mu.RLock()
	defer f.mu.RUnlock()
	out := []schema.RiskArea{}
	for _, a := range f.state.sortedRiskAreas() {
		if now.Before(a.From) || (!a.Until.IsZero() && !now.Before(a.Until)) {
			continue
		}
		out = append(out, a)
	}
	return out
}

// Quarantine returns up to limit quarantined records with an ID greater
// than after, oldest first.
func (f *FSM) Quarantine(after uint64, limit int) []QuarantineEntry {
	f.mu.RLock()
	defer f.mu.RUnlock()
	q := f.state.quarantine
	i := sort.Search(len(q), func(i int) bool { return q[i].ID > after })
	end := min(len(q), i+limit)
	return append([]QuarantineEntry{}, q[i:end]...)
}
