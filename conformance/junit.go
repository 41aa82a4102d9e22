package conformance

import (
	"fmt"
	"io"
	"strings"

	"github.com/jstemmer/go-junit-report/v2/junit"
)

// JUnit returns the report as JUnit XML documents: one testsuite per group,
// one testcase per test. JUnit has no properties on a testcase, so each
// test's requirement IDs are properties of its testsuite, named
// "requirements.<test ID>", and its required flag "required.<test ID>".
func (r *Report) JUnit() junit.Testsuites {
	out := junit.Testsuites{Name: r.Spec + " " + r.Target}
	id := 0
	for _, s := range r.Suites {
		for _, g := range s.Groups {
			ts := junit.Testsuite{Name: s.ID + "." + g.ID, ID: id, Package: r.Format, Hostname: hostOf(r.Target)}
			id++
			ts.SetTimestamp(r.Started)
			ts.AddProperty("spec", r.Spec)
			ts.AddProperty("suite_version", r.SuiteVersion)
			ts.AddProperty("target", r.Target)
			ts.AddProperty("format", r.Format)
			var total float64
			for _, t := range g.Tests {
				ts.AddProperty("requirements."+t.ID, strings.Join(t.Requirements, ","))
				ts.AddProperty("required."+t.ID, fmt.Sprint(t.Required))
				total += t.DurationMS
				ts.AddTestcase(junitCase(s.ID+"."+g.ID, t))
			}
			ts.Time = seconds(total)
			out.AddSuite(ts)
		}
	}
	return out
}

func junitCase(class string, t TestResult) junit.Testcase {
	tc := junit.Testcase{Name: t.ID, Classname: class, Time: seconds(t.DurationMS), Status: string(t.Outcome)}
	detail := fmt.Sprintf("%s\nrequirements: %s (%s)\n", t.Title, strings.Join(t.Requirements, ", "), requiredWord(t.Required))
	if len(t.Findings) > 0 {
		detail += strings.Join(t.Findings, "\n") + "\n"
	}
	switch t.Outcome {
	case Fail:
		tc.Failure = &junit.Result{Message: t.Message, Type: strings.Join(t.Requirements, ","), Data: detail}
	case Error:
		tc.Error = &junit.Result{Message: t.Message, Type: "error", Data: detail}
	case Skip:
		tc.Skipped = &junit.Result{Message: t.Message}
	default:
		tc.SystemOut = &junit.Output{Data: detail + t.Message + "\n"}
	}
	return tc
}

func requiredWord(required bool) string {
	if required {
		return "required"
	}
	return "optional"
}

func seconds(ms float64) string { return fmt.Sprintf("%.3f", ms/1000) }

// WriteJUnit writes the report as JUnit XML.
func (r *Report) WriteJUnit(w io.Writer) error {
	suites := r.JUnit()
	if _, err := io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"); err != nil {
		return fmt.Errorf("write JUnit report: %w", err)
	}
	if err := suites.WriteXML(w); err != nil {
		return fmt.Errorf("write JUnit report: %w", err)
	}
	return nil
}
