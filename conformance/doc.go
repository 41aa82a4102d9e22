// Package conformance certifies a region's health-code system against the
// Region Interface Specification, version 1 (package spec): it runs the
// suite's tests against the region's live base URL and reports on each
// requirement.
//
// Run checks every requirement of spec.Requirements with one or more tests,
// grouped by the part of the interface they exercise (metadata,
// authentication, errors, feed, certification fixture, status lookup,
// notifications, load). Each test ends in pass, fail (the region broke a
// requirement), skip (not applicable) or error (the test could not be
// carried out), with a one-line message, every finding, and the HTTP
// exchanges it made. A region passes when every required test passes; a
// run limited with Options.Only reports on what it ran and certifies
// nothing.
//
// How the suite reads the region:
//
//   - The feed is walked three times from its beginning, with pages of 7
//     persons, of the default size and of feed_max_limit. Each page must
//     decode with the format's adapter without a rejection; persons are
//     told apart by their pseudonym under a key generated for the run, so
//     nothing the run keeps can be linked to anyone outside it.
//   - Sampled pages are read again: for the same persons in the same order
//     (stable order), for the same records under the same merge keys
//     (replay), and after Options.Restart, or at the end of the run
//     without one (cursors that last).
//   - The certification fixture (package fixture) must come out of the
//     feed exactly: each fixture person's records are compared field by
//     field, times to the second with their UTC offset, so wrong time
//     zones and wrong colour codes show as the field that differs.
//   - The load phases are open loop: requests are due at a fixed rate and
//     their latency counts from when they were due, so a region that
//     falls behind cannot slow the load down and hide its queue.
//
// Reports never hold a document number or a name: status lookups are
// recorded with the number redacted, native payloads (which name persons)
// are summarised, and anything shaped like a resident ID is redacted from
// what the region answered. Report.WriteJSON, WriteJUnit and WriteHTML
// write the three forms of a report.
package conformance
